package zkbridge

import (
	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/schema"
	"github.com/zkgate/zkgate/zkbridge/jute"
)

// The reads: exists, getData, getACL, getChildren, getChildren2,
// getAllChildrenNumber, getEphemerals, and sync. multiRead is in
// multi.go. Each is served no older than the zxid the client has seen
// (request.minZxid); a read that sets a watch arms it only after its
// reply is queued, so no event overtakes the reply that set its watch.

func (c *call) exists(rq *request, r *jute.ExistsRequest) bool {
	res, err := c.e.Exists(rq.ctx, c.caller, r.Path, c.readOptions(rq, r.Watch))
	if err == nil && !res.Found {
		err = schema.NewError(schema.CodeNoNode, r.Path)
	}
	c.reply(rq.hdr.Xid, res.Zxid, err, &jute.ExistsResponse{Stat: statOf(res.Stat)})
	res.Armed.Arm()
	return true
}

func (c *call) getData(rq *request, r *jute.GetDataRequest) bool {
	res, err := c.e.GetData(rq.ctx, c.caller, r.Path, c.readOptions(rq, r.Watch))
	c.reply(rq.hdr.Xid, res.Zxid, err, &jute.GetDataResponse{Data: res.Data, Stat: statOf(res.Stat)})
	res.Armed.Arm()
	return true
}

func (c *call) getACL(rq *request, r *jute.GetACLRequest) bool {
	res, err := c.e.GetACL(rq.ctx, c.caller, r.Path, gateway.ReadOptions{MinZxid: rq.minZxid})
	c.reply(rq.hdr.Xid, res.Zxid, err, &jute.GetACLResponse{ACL: aclsOut(res.ACL), Stat: statOf(res.Stat)})
	return true
}

func (c *call) getChildren(rq *request, r *jute.GetChildrenRequest) bool {
	res, err := c.e.GetChildren(rq.ctx, c.caller, r.Path, c.readOptions(rq, r.Watch))
	if enc := c.s.lists.encoded(res); enc != nil && err == nil {
		c.reply(rq.hdr.Xid, res.Zxid, nil, jute.Raw(enc))
	} else {
		c.reply(rq.hdr.Xid, res.Zxid, err, &jute.GetChildrenResponse{Children: res.Children})
	}
	res.Armed.Arm()
	return true
}

func (c *call) getChildren2(rq *request, r *jute.GetChildren2Request) bool {
	res, err := c.e.GetChildren(rq.ctx, c.caller, r.Path, c.readOptions(rq, r.Watch))
	if enc := c.s.lists.encoded(res); enc != nil && err == nil {
		st := statOf(res.Stat)
		c.reply(rq.hdr.Xid, res.Zxid, nil, jute.Raw(enc), &st)
	} else {
		c.reply(rq.hdr.Xid, res.Zxid, err, &jute.GetChildren2Response{Children: res.Children, Stat: statOf(res.Stat)})
	}
	res.Armed.Arm()
	return true
}

func (c *call) getAllChildrenNumber(rq *request, r *jute.GetAllChildrenNumberRequest) bool {
	res, err := c.e.GetAllChildrenNumber(rq.ctx, c.caller, r.Path, gateway.ReadOptions{MinZxid: rq.minZxid})
	c.reply(rq.hdr.Xid, res.Zxid, err, &jute.GetAllChildrenNumberResponse{TotalNumber: int32(res.Count)})
	return true
}

func (c *call) getEphemerals(rq *request, r *jute.GetEphemeralsRequest) bool {
	res, err := c.e.GetEphemerals(rq.ctx, c.caller, r.PrefixPath, gateway.ReadOptions{MinZxid: rq.minZxid})
	c.reply(rq.hdr.Xid, res.Zxid, err, &jute.GetEphemeralsResponse{Ephemerals: res.Paths})
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
