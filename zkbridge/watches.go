package zkbridge

import (
	"slices"

	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/schema"
	"github.com/zkgate/zkgate/zkbridge/jute"
)

// The watch-management opcodes: setWatches and setWatches2 (a client
// re-arming its watches after a reconnect), addWatch, checkWatches and
// removeWatches. The watches set by reads are in read.go.

func (c *call) setWatches(rq *request, r *jute.SetWatches) bool {
	c.rearm(rq, r.RelativeZxid, gateway.WatchSet{Data: r.DataWatches, Exist: r.ExistWatches, Child: r.ChildWatches})
	return true
}

func (c *call) setWatches2(rq *request, r *jute.SetWatches2) bool {
	c.rearm(rq, r.RelativeZxid, gateway.WatchSet{Data: r.DataWatches, Exist: r.ExistWatches, Child: r.ChildWatches,
		Persistent: r.PersistentWatches, PersistentRecursive: r.PersistentRecursiveWatches})
	return true
}

// rearm answers setWatches and setWatches2: it sets ws's watches, firing
// those whose node changed after rel.
func (c *call) rearm(rq *request, rel int64, ws gateway.WatchSet) {
	// ZooKeeper walks the lists in order and fails on the first
	// null one (a NullPointerException it answers MarshallingError):
	// the lists before it take effect, the rest do not.
	lists := []*[]string{&ws.Data, &ws.Exist, &ws.Child}
	if rq.hdr.Type == jute.OpSetWatches2 {
		lists = append(lists, &ws.Persistent, &ws.PersistentRecursive)
	}
	null := slices.IndexFunc(lists, func(l *[]string) bool { return *l == nil })
	if null >= 0 {
		for _, l := range lists[null:] {
			*l = nil
		}
	}
	err := c.e.SetWatches(rq.ctx, c.caller, rel, ws, c.conn)
	if err == nil && null >= 0 {
		err = schema.ErrMarshallingError
	}
	c.replyXid(rq.hdr.Xid, c.e.Zxid(), err)
}

func (c *call) addWatch(rq *request, r *jute.AddWatchRequest) bool {
	zxid, err := c.e.AddWatch(rq.ctx, c.caller, r.Path, gateway.WatchMode(r.Mode), c.conn)
	// ZooKeeper answers addWatch with an ErrorResponse body of 0.
	c.reply(rq.hdr.Xid, zxid, err, &jute.ErrorResponse{})
	return true
}

func (c *call) checkWatches(rq *request, r *jute.CheckWatchesRequest) bool {
	err := c.e.CheckWatches(c.caller, r.Path, gateway.WatcherType(r.Type), c.conn)
	c.reply(rq.hdr.Xid, c.e.Zxid(), err)
	return true
}

func (c *call) removeWatches(rq *request, r *jute.RemoveWatchesRequest) bool {
	err := c.e.RemoveWatches(c.caller, r.Path, gateway.WatcherType(r.Type), c.conn)
	c.reply(rq.hdr.Xid, c.e.Zxid(), err)
	return true
}
