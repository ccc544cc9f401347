package zkbridge

import (
	"context"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/zkgate/zkgate/schema"
	"github.com/zkgate/zkgate/zkbridge/jute"
)

// requestTimeout bounds one request's work in the engine.
const requestTimeout = 60 * time.Second

// opTable is every opcode zkgate answers: its kind, which decides what
// may overlap it in a connection's pipeline (pipeline.go, kindOf), and
// its handler. The handlers live in files named for what they serve:
// read.go, write.go (and multi.go), watches.go and session.go. An opcode
// not in the table is answered Unimplemented and ends its connection
// (unknownOp), as ZooKeeper 3.8 answers one.
//
// It is filled in init: the handlers reach kindOf (through the request
// statistics), which reads the table.
var opTable map[jute.OpCode]opEntry

func init() {
	opTable = map[jute.OpCode]opEntry{
		// Writes.
		jute.OpCreate:          {kindWrite, record((*call).create), "CREA"},
		jute.OpCreate2:         {kindWrite, record((*call).create), "CREA"},
		jute.OpCreateContainer: {kindWrite, record((*call).create), "CREA"},
		jute.OpCreateTTL:       {kindWrite, record((*call).createTTL), "CREA"},
		jute.OpDelete:          {kindWrite, record((*call).delete), "DELE"},
		jute.OpSetData:         {kindWrite, record((*call).setData), "SETD"},
		jute.OpSetACL:          {kindWrite, record((*call).setACL), "SETA"},
		jute.OpMulti:           {kindWrite, (*call).multiRequest, "MULT"},
		jute.OpDeleteContainer: {kindAlone, (*call).deleteContainer, "DELE"},

		// Reads.
		jute.OpExists:               {kindRead, record((*call).exists), "EXIS"},
		jute.OpGetData:              {kindRead, record((*call).getData), "GETD"},
		jute.OpGetACL:               {kindRead, record((*call).getACL), "GETA"},
		jute.OpGetChildren:          {kindRead, record((*call).getChildren), "GETC"},
		jute.OpGetChildren2:         {kindRead, record((*call).getChildren2), "GETC"},
		jute.OpGetAllChildrenNumber: {kindRead, record((*call).getAllChildrenNumber), "GETACN"},
		jute.OpGetEphemerals:        {kindRead, record((*call).getEphemerals), "GETE"},
		jute.OpMultiRead:            {kindRead, (*call).multiRequest, "MLTR"},
		jute.OpSync:                 {kindAlone, record((*call).sync), "SYNC"},

		// Watches.
		jute.OpSetWatches:    {kindAlone, record((*call).setWatches), "SETW"},
		jute.OpSetWatches2:   {kindAlone, record((*call).setWatches2), "STW2"},
		jute.OpAddWatch:      {kindAlone, record((*call).addWatch), "ADDW"},
		jute.OpCheckWatches:  {kindAlone, record((*call).checkWatches), "CHKW"},
		jute.OpRemoveWatches: {kindAlone, record((*call).removeWatches), "REMW"},

		// The session.
		jute.OpPing:         {kindAlone, (*call).ping, "PING"},
		jute.OpAuth:         {kindAlone, record((*call).auth), ""},
		jute.OpSASL:         {kindAlone, (*call).saslRequest, ""},
		jute.OpWhoAmI:       {kindAlone, (*call).whoAmIRequest, "HOMI"},
		jute.OpCloseSession: {kindAlone, (*call).closeSession, "CLOS"},
		jute.OpReconfig:     {kindAlone, (*call).reconfig, "RECO"},
	}
}

// An opEntry is a row of opTable.
type opEntry struct {
	kind   callKind
	handle handler
	// lop is ZooKeeper's short name of the operation, as cons prints it
	// (lop=...); "" for one ZooKeeper does not record (auth). A session's
	// handshake is "SESS" (conn.go).
	lop string
}

// A handler answers one request and reports whether the connection goes
// on.
type handler func(c *call, rq *request) bool

// request is what a handler is given: the request's header, a decoder at
// its record, and the call's context.
type request struct {
	ctx context.Context
	hdr jute.RequestHeader
	d   *jute.Decoder
	// minZxid is the highest zxid the client had been sent when the
	// request was read: a read is served no older.
	minZxid int64
}

// handle answers one request packet and reports whether the connection
// goes on.
func (c *call) handle(pkt []byte) bool {
	d := jute.NewDecoder(pkt)
	var h jute.RequestHeader
	if err := h.Decode(d); err != nil {
		c.logClose("malformed request header", err)
		return false
	}
	entry, known := opTable[h.Type]
	if entry.lop != "" {
		c.lastOp.Store(int32(h.Type))
	}
	ctx, cancel := c.context()
	defer cancel()
	rq := &request{ctx: ctx, hdr: h, d: d, minZxid: c.lastZxid.Load()}
	if !c.enforceAuth(rq) {
		return false
	}
	if !known {
		return c.unknownOp(rq)
	}
	return entry.handle(c, rq)
}

// record makes a handler of f, which is given the request's record R
// decoded. A record that does not decode is answered by malformed.
func record[R any, P interface {
	*R
	jute.Decodable
}](f func(c *call, rq *request, r P) bool) handler {
	return func(c *call, rq *request) bool {
		r := P(new(R))
		if err := r.Decode(rq.d); err != nil {
			return c.malformed(rq, err)
		}
		return f(c, rq, r)
	}
}

// malformed answers a request whose record does not decode (cut short, a
// negative or oversized length, a null path): MarshallingError, and the
// connection goes on, as ZooKeeper 3.8 does: the frame's length keeps the
// stream in step. Only a malformed auth packet ends the connection
// (ZooKeeper closes it without a reply). Bytes after the record are
// ignored, as ZooKeeper ignores them.
func (c *call) malformed(rq *request, err error) bool {
	h := rq.hdr
	if h.Type == jute.OpAuth {
		c.logClose("malformed auth packet", err)
		return false
	}
	c.s.lg.Debug("malformed ZooKeeper request", zap.Stringer("op", h.Type), zap.Error(err))
	if h.Type == jute.OpSetWatches || h.Type == jute.OpSetWatches2 {
		c.replyXid(h.Xid, c.e.Zxid(), schema.ErrMarshallingError)
	} else {
		c.reply(h.Xid, c.e.Zxid(), schema.ErrMarshallingError)
	}
	return true
}

// unknownOp answers an opcode not in opTable as ZooKeeper 3.8 does:
// Unimplemented with zxid -1, then the connection is closed (sasl
// included when SASL is not configured).
func (c *call) unknownOp(rq *request) bool {
	c.reply(rq.hdr.Xid, -1, schema.ErrUnimplemented)
	c.logClose(fmt.Sprintf("unknown opcode %d", int32(rq.hdr.Type)), nil)
	return false
}

// reconfig is answered ReconfigDisabled, as by a ZooKeeper 3.8 server
// without reconfigEnabled: the membership is etcd's.
func (c *call) reconfig(rq *request) bool {
	c.reply(rq.hdr.Xid, c.e.Zxid(), schema.NewError(schema.CodeReconfigDisabled, ""))
	return true
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
