package zkbridge

import (
	"github.com/zkgate/zkgate/schema"
	"github.com/zkgate/zkgate/zkbridge/jute"
)

// The reads: exists, getData, getACL, getChildren, getChildren2,
// getAllChildrenNumber, getEphemerals, and sync. multiRead is in
// multi.go. Each is served no older than the zxid the client has seen
// (request.minZxid); a read that sets a watch arms it only after its
// reply is queued, so no event overtakes the reply that set its watch.

func (c *call) exists(rq *request, r *jute.ExistsRequest) bool {
	st, found, zxid, armed, err := c.e.ExistsWatch(rq.ctx, c.caller, r.Path, rq.minZxid, c.watcher(r.Watch))
	if err == nil && !found {
		err = schema.NewError(schema.CodeNoNode, r.Path)
	}
	c.reply(rq.hdr.Xid, zxid, err, &jute.ExistsResponse{Stat: statOf(st)})
	armed.Arm()
	return true
}

func (c *call) getData(rq *request, r *jute.GetDataRequest) bool {
	data, st, zxid, armed, err := c.e.GetDataWatch(rq.ctx, c.caller, r.Path, rq.minZxid, c.watcher(r.Watch))
	c.reply(rq.hdr.Xid, zxid, err, &jute.GetDataResponse{Data: data, Stat: statOf(st)})
	armed.Arm()
	return true
}

func (c *call) getACL(rq *request, r *jute.GetACLRequest) bool {
	acl, st, zxid, err := c.e.GetACL(rq.ctx, c.caller, r.Path, rq.minZxid)
	c.reply(rq.hdr.Xid, zxid, err, &jute.GetACLResponse{ACL: aclsOut(acl), Stat: statOf(st)})
	return true
}

func (c *call) getChildren(rq *request, r *jute.GetChildrenRequest) bool {
	kids, _, zxid, armed, err := c.e.GetChildrenWatch(rq.ctx, c.caller, r.Path, rq.minZxid, c.watcher(r.Watch))
	c.reply(rq.hdr.Xid, zxid, err, &jute.GetChildrenResponse{Children: kids})
	armed.Arm()
	return true
}

func (c *call) getChildren2(rq *request, r *jute.GetChildren2Request) bool {
	kids, st, zxid, armed, err := c.e.GetChildrenWatch(rq.ctx, c.caller, r.Path, rq.minZxid, c.watcher(r.Watch))
	c.reply(rq.hdr.Xid, zxid, err, &jute.GetChildren2Response{Children: kids, Stat: statOf(st)})
	armed.Arm()
	return true
}

func (c *call) getAllChildrenNumber(rq *request, r *jute.GetAllChildrenNumberRequest) bool {
	n, zxid, err := c.e.GetAllChildrenNumber(rq.ctx, c.caller, r.Path, rq.minZxid)
	c.reply(rq.hdr.Xid, zxid, err, &jute.GetAllChildrenNumberResponse{TotalNumber: int32(n)})
	return true
}

func (c *call) getEphemerals(rq *request, r *jute.GetEphemeralsRequest) bool {
	paths, zxid, err := c.e.GetEphemerals(rq.ctx, c.caller, r.PrefixPath, rq.minZxid)
	c.reply(rq.hdr.Xid, zxid, err, &jute.GetEphemeralsResponse{Ephemerals: paths})
	return true
}

// sync answers with a zxid no older than any write committed before it
// (pending_syncs counts it meanwhile).
func (c *call) sync(rq *request, r *jute.SyncRequest) bool {
	c.s.stats.pendingSyncs.Add(1)
	zxid, err := c.e.Sync(rq.ctx, c.caller, r.Path)
	c.s.stats.pendingSyncs.Add(-1)
	c.reply(rq.hdr.Xid, zxid, err, &jute.SyncResponse{Path: r.Path})
	return true
}
