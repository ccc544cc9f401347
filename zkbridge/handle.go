package zkbridge

import (
	"fmt"
	"slices"
	"time"

	"go.uber.org/zap"

	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/schema"
	"github.com/zkgate/zkgate/zkbridge/jute"
)

// requestTimeout bounds one request's work in the engine.
const requestTimeout = 60 * time.Second

// handle answers one request packet and reports whether the connection
// goes on.
func (c *call) handle(pkt []byte) bool {
	d := jute.NewDecoder(pkt)
	var h jute.RequestHeader
	if err := h.Decode(d); err != nil {
		c.logClose("malformed request header", err)
		return false
	}
	if op := lopName(h.Type); op != "" {
		c.lastOp.Store(op)
	}
	ctx, cancel := c.context()
	defer cancel()

	// decode reads the request record. One that does not decode (cut
	// short, a negative or oversized length, a null path) is answered
	// MarshallingError and the connection goes on, as ZooKeeper 3.8 does:
	// the frame's length keeps the stream in step. Only a malformed auth
	// packet ends the connection (ZooKeeper closes it without a reply).
	// Bytes after the record are ignored, as ZooKeeper ignores them.
	fatal := false // a decode failure that ends the connection
	decode := func(r jute.Decodable) bool {
		err := r.Decode(d)
		if err == nil {
			return true
		}
		if h.Type == jute.OpAuth {
			c.logClose("malformed auth packet", err)
			fatal = true
			return false
		}
		c.s.lg.Debug("malformed ZooKeeper request", zap.Stringer("op", h.Type), zap.Error(err))
		if h.Type == jute.OpSetWatches || h.Type == jute.OpSetWatches2 {
			c.replyXid(h.Xid, c.e.Zxid(), schema.ErrMarshallingError)
		} else {
			c.reply(h.Xid, c.e.Zxid(), schema.ErrMarshallingError)
		}
		return false
	}
	e := c.e
	minRev := c.lastZxid.Load()

	switch h.Type {
	case jute.OpPing:
		// The reply's xid is the ping xid (-2) whatever the request's,
		// as ZooKeeper's FinalRequestProcessor answers a ping.
		c.reply(jute.XidPing, e.Zxid(), nil)
		return true

	case jute.OpCreate, jute.OpCreate2, jute.OpCreateContainer:
		var r jute.CreateRequest
		if !decode(&r) {
			return !fatal
		}
		op, err := createOp(h.Type, r.Path, r.Data, r.ACL, r.Flags, 0)
		if err != nil {
			c.reply(h.Xid, e.Zxid(), err)
			return true
		}
		path, st, zxid, err := e.Create(ctx, c.caller, op)
		if h.Type == jute.OpCreate {
			c.reply(h.Xid, zxid, err, &jute.CreateResponse{Path: path})
		} else {
			c.reply(h.Xid, zxid, err, &jute.Create2Response{Path: path, Stat: statOf(st)})
		}
	case jute.OpCreateTTL:
		var r jute.CreateTTLRequest
		if !decode(&r) {
			return !fatal
		}
		op, err := createOp(h.Type, r.Path, r.Data, r.ACL, r.Flags, r.TTL)
		if err != nil {
			c.reply(h.Xid, e.Zxid(), err)
			return true
		}
		path, st, zxid, err := e.Create(ctx, c.caller, op)
		c.reply(h.Xid, zxid, err, &jute.Create2Response{Path: path, Stat: statOf(st)})
	case jute.OpDelete:
		var r jute.DeleteRequest
		if !decode(&r) {
			return !fatal
		}
		zxid, err := e.Delete(ctx, c.caller, r.Path, r.Version)
		c.reply(h.Xid, zxid, err)
	case jute.OpDeleteContainer:
		// Only the server deletes containers.
		c.reply(h.Xid, e.Zxid(), schema.Errorf(schema.CodeBadArguments, "", "deleteContainer is not a client operation"))
	case jute.OpExists:
		var r jute.ExistsRequest
		if !decode(&r) {
			return !fatal
		}
		st, found, zxid, armed, err := e.ExistsWatch(ctx, c.caller, r.Path, minRev, c.watcher(r.Watch))
		if err == nil && !found {
			err = schema.NewError(schema.CodeNoNode, r.Path)
		}
		c.reply(h.Xid, zxid, err, &jute.ExistsResponse{Stat: statOf(st)})
		armed.Arm()
	case jute.OpGetData:
		var r jute.GetDataRequest
		if !decode(&r) {
			return !fatal
		}
		data, st, zxid, armed, err := e.GetDataWatch(ctx, c.caller, r.Path, minRev, c.watcher(r.Watch))
		c.reply(h.Xid, zxid, err, &jute.GetDataResponse{Data: data, Stat: statOf(st)})
		armed.Arm()
	case jute.OpSetData:
		var r jute.SetDataRequest
		if !decode(&r) {
			return !fatal
		}
		st, zxid, err := e.SetData(ctx, c.caller, r.Path, r.Data, r.Version)
		c.reply(h.Xid, zxid, err, &jute.SetDataResponse{Stat: statOf(st)})
	case jute.OpGetACL:
		var r jute.GetACLRequest
		if !decode(&r) {
			return !fatal
		}
		acl, st, zxid, err := e.GetACL(ctx, c.caller, r.Path, minRev)
		c.reply(h.Xid, zxid, err, &jute.GetACLResponse{ACL: aclsOut(acl), Stat: statOf(st)})
	case jute.OpSetACL:
		var r jute.SetACLRequest
		if !decode(&r) {
			return !fatal
		}
		st, zxid, err := e.SetACL(ctx, c.caller, r.Path, aclsIn(r.ACL), r.Version)
		c.reply(h.Xid, zxid, err, &jute.SetACLResponse{Stat: statOf(st)})
	case jute.OpGetChildren:
		var r jute.GetChildrenRequest
		if !decode(&r) {
			return !fatal
		}
		kids, _, zxid, armed, err := e.GetChildrenWatch(ctx, c.caller, r.Path, minRev, c.watcher(r.Watch))
		c.reply(h.Xid, zxid, err, &jute.GetChildrenResponse{Children: kids})
		armed.Arm()
	case jute.OpGetChildren2:
		var r jute.GetChildren2Request
		if !decode(&r) {
			return !fatal
		}
		kids, st, zxid, armed, err := e.GetChildrenWatch(ctx, c.caller, r.Path, minRev, c.watcher(r.Watch))
		c.reply(h.Xid, zxid, err, &jute.GetChildren2Response{Children: kids, Stat: statOf(st)})
		armed.Arm()
	case jute.OpGetAllChildrenNumber:
		var r jute.GetAllChildrenNumberRequest
		if !decode(&r) {
			return !fatal
		}
		n, zxid, err := e.GetAllChildrenNumber(ctx, c.caller, r.Path, minRev)
		c.reply(h.Xid, zxid, err, &jute.GetAllChildrenNumberResponse{TotalNumber: int32(n)})
	case jute.OpGetEphemerals:
		var r jute.GetEphemeralsRequest
		if !decode(&r) {
			return !fatal
		}
		paths, zxid, err := e.GetEphemerals(ctx, c.caller, r.PrefixPath, minRev)
		c.reply(h.Xid, zxid, err, &jute.GetEphemeralsResponse{Ephemerals: paths})
	case jute.OpSync:
		var r jute.SyncRequest
		if !decode(&r) {
			return !fatal
		}
		c.s.stats.pendingSyncs.Add(1)
		zxid, err := e.Sync(ctx, c.caller, r.Path)
		c.s.stats.pendingSyncs.Add(-1)
		c.reply(h.Xid, zxid, err, &jute.SyncResponse{Path: r.Path})
	case jute.OpMulti, jute.OpMultiRead:
		var r jute.MultiRequest
		if err := r.Decode(d); err != nil {
			// A multi that is not a sequence of ops is MarshallingError,
			// as ZooKeeper answers; the connection goes on. Bytes after
			// the done header are ignored, as ZooKeeper ignores them
			// after every request record.
			c.reply(h.Xid, e.Zxid(), schema.NewError(schema.CodeMarshallingError, ""))
			return true
		}
		if err := r.CheckKind(h.Type); err != nil {
			c.reply(h.Xid, e.Zxid(), schema.NewError(schema.CodeMarshallingError, ""))
			return true
		}
		if h.Type == jute.OpMulti {
			c.multi(ctx, h.Xid, r.Ops)
		} else {
			c.multiRead(ctx, h.Xid, r.Ops, minRev)
		}
	case jute.OpCloseSession:
		zxid, err := e.CloseSession(ctx, c.sess.ID)
		if err != nil {
			zxid = e.Zxid()
		}
		c.reply(h.Xid, zxid, nil)
		c.logClose("session closed by the client", nil)
		return false
	case jute.OpAuth:
		var r jute.AuthPacket
		if !decode(&r) {
			return !fatal
		}
		id, err := schema.AuthFromCredentials(r.Scheme, r.Auth, c.ip)
		if err != nil {
			// ZooKeeper answers AuthFailed and closes the connection.
			c.s.stats.authFailed.Add(1)
			c.replyXid(h.Xid, 0, schema.ErrAuthFailed)
			c.logClose("authentication failed", err)
			return false
		}
		// As DigestAuthenticationProvider: the super user also gets the
		// identity super:"" (which whoAmI lists), added first.
		if id.Scheme == "digest" && id.ID == e.SuperDigest() {
			c.authAdded = append(c.authAdded, schema.AuthID{Scheme: "super"})
		}
		c.authAdded = append(c.authAdded, id)
		// A session's identities are a set, listed in ZooKeeper's order.
		c.caller.Auth = schema.AuthSetOrder(c.authAdded)
		c.setWatchAuth()
		c.replyXid(h.Xid, 0, nil)
	case jute.OpSetWatches, jute.OpSetWatches2:
		var ws gateway.WatchSet
		var rel int64
		if h.Type == jute.OpSetWatches {
			var r jute.SetWatches
			if !decode(&r) {
				return !fatal
			}
			rel, ws = r.RelativeZxid, gateway.WatchSet{Data: r.DataWatches, Exist: r.ExistWatches, Child: r.ChildWatches}
		} else {
			var r jute.SetWatches2
			if !decode(&r) {
				return !fatal
			}
			rel, ws = r.RelativeZxid, gateway.WatchSet{Data: r.DataWatches, Exist: r.ExistWatches, Child: r.ChildWatches,
				Persistent: r.PersistentWatches, PersistentRecursive: r.PersistentRecursiveWatches}
		}
		// ZooKeeper walks the lists in order and fails on the first
		// null one (a NullPointerException it answers MarshallingError):
		// the lists before it take effect, the rest do not.
		lists := []*[]string{&ws.Data, &ws.Exist, &ws.Child}
		if h.Type == jute.OpSetWatches2 {
			lists = append(lists, &ws.Persistent, &ws.PersistentRecursive)
		}
		null := slices.IndexFunc(lists, func(l *[]string) bool { return *l == nil })
		if null >= 0 {
			for _, l := range lists[null:] {
				*l = nil
			}
		}
		err := e.SetWatches(ctx, c.caller, rel, ws, c.conn)
		if err == nil && null >= 0 {
			err = schema.ErrMarshallingError
		}
		c.replyXid(h.Xid, e.Zxid(), err)
	case jute.OpAddWatch:
		var r jute.AddWatchRequest
		if !decode(&r) {
			return !fatal
		}
		zxid, err := e.AddWatch(ctx, c.caller, r.Path, gateway.WatchMode(r.Mode), c.conn)
		// ZooKeeper answers addWatch with an ErrorResponse body of 0.
		c.reply(h.Xid, zxid, err, &jute.ErrorResponse{})
	case jute.OpCheckWatches, jute.OpRemoveWatches:
		var path string
		var typ jute.WatcherType
		if h.Type == jute.OpCheckWatches {
			var r jute.CheckWatchesRequest
			if !decode(&r) {
				return !fatal
			}
			path, typ = r.Path, r.Type
		} else {
			var r jute.RemoveWatchesRequest
			if !decode(&r) {
				return !fatal
			}
			path, typ = r.Path, r.Type
		}
		var err error
		if h.Type == jute.OpCheckWatches {
			err = e.CheckWatches(c.caller, path, gateway.WatcherType(typ), c.conn)
		} else {
			err = e.RemoveWatches(c.caller, path, gateway.WatcherType(typ), c.conn)
		}
		c.reply(h.Xid, e.Zxid(), err)
	case jute.OpWhoAmI:
		c.reply(h.Xid, e.Zxid(), nil, &jute.WhoAmIResponse{ClientInfo: c.whoAmI()})
	case jute.OpReconfig:
		c.reply(h.Xid, e.Zxid(), schema.NewError(schema.CodeReconfigDisabled, ""))
	default:
		// As ZooKeeper 3.8: Unimplemented with zxid -1, then the
		// connection is closed (sasl included: zkgate has no SASL).
		c.reply(h.Xid, -1, schema.ErrUnimplemented)
		c.logClose(fmt.Sprintf("unknown opcode %d", int32(h.Type)), nil)
		return false
	}
	return true
}

// createOp maps a create request to the engine, as ZooKeeper 3.8 treats
// each opcode's flags: createContainer makes a container whatever its
// flags (0-4), create and create2 make a plain persistent node for the
// container flag, and TTL flags need createTTL.
func createOp(op jute.OpCode, path string, data []byte, acl []jute.ACL, flags jute.CreateMode, ttl int64) (gateway.CreateOp, error) {
	mode := gateway.CreateMode(flags)
	out := gateway.CreateOp{Path: path, Data: data, ACL: aclsIn(acl)}
	switch op {
	case opTTLWithoutTTL:
		return out, schema.Errorf(schema.CodeMarshallingError, path, "TTL flags %d in a multi's create without a TTL", flags)
	case jute.OpCreateContainer:
		if mode < 0 || mode > gateway.Container {
			return out, schema.Errorf(schema.CodeBadArguments, path, "createContainer with flags %d", flags)
		}
		// Flags 2 and 3 make a sequential container, as in ZooKeeper 3.8.
		out.Sequential = mode.Sequential()
		mode = gateway.Container
	case jute.OpCreateTTL:
		if !mode.TTL() {
			return out, schema.Errorf(schema.CodeBadArguments, path, "createTTL with flags %d", flags)
		}
		out.TTL = time.Duration(ttl) * time.Millisecond
		if ttl <= 0 || ttl > schema.MaxTTL {
			return out, schema.Errorf(schema.CodeBadArguments, path, "ttl %d out of range", ttl)
		}
	default:
		if mode.TTL() {
			return out, schema.Errorf(schema.CodeBadArguments, path, "TTL flags need createTTL")
		}
		if mode == gateway.Container {
			mode = gateway.Persistent
		}
	}
	out.Mode = mode
	return out, nil
}

// statOf is a Stat for the wire: jute.Stat has schema.Stat's fields in
// the same order.
func statOf(s schema.Stat) jute.Stat { return jute.Stat(s) }

func aclsIn(in []jute.ACL) []schema.ACL {
	out := make([]schema.ACL, len(in))
	for i, a := range in {
		out[i] = schema.ACL{Perms: schema.Perm(a.Perms), ID: schema.ID(a.ID)}
	}
	return out
}

func aclsOut(in []schema.ACL) []jute.ACL {
	out := make([]jute.ACL, len(in))
	for i, a := range in {
		out[i] = jute.ACL{Perms: int32(a.Perms), ID: jute.ID(a.ID)}
	}
	return out
}
