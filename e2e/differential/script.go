package differential

import (
	"errors"
	"fmt"
	"strings"

	"github.com/zkgate/zkgate/e2e/harness"
	"github.com/zkgate/zkgate/schema"
	"github.com/zkgate/zkgate/zkbridge/jute"
)

// Scripts

type stepKind int

const (
	kConnect   stepKind = iota // open a new session
	kReconnect                 // handshake with another session's id and password
	kCall                      // one request
	kAuth                      // addauth
	kEvents                    // wait for n notifications
	kClose                     // closeSession
	kDrop                      // close the socket, leaving the session to expire
	kPollGone                  // poll exists until NoNode (expiry, reaping)
	kCustom                    // run: a step that needs more than a request
)

type step struct {
	kind    stepKind
	sess    string
	op      jute.OpCode
	req     jute.Encodable
	desc    string
	n       int
	timeout int32
	from    string // kReconnect: whose id and password
	path    string // kPollGone
	xid     int32  // kCall: a special xid instead of the next one
	sorted  bool   // kEvents: print the events sorted
	src     string // where the step was read from (file:line), if from text
	// run (kCustom) performs the step given the open sessions (the named
	// one may be missing) and prints its outcome; a connection it returns
	// becomes the named session's.
	run func(addr string, sessions map[string]*harness.ZKRaw) (*harness.ZKRaw, []Line)
}

// Script is a named list of steps; build it with New and its methods, or
// read it from text with Parse.
type Script struct {
	Name  string
	steps []step
}

// New returns an empty script.
func New(name string) *Script { return &Script{Name: name} }

func (s *Script) add(st step) { s.steps = append(s.steps, st) }

func (s *Script) Connect(sess string, timeout int32) {
	s.add(step{kind: kConnect, sess: sess, timeout: timeout, desc: fmt.Sprintf("connect timeout=%d", timeout)})
}

func (s *Script) Reconnect(sess, from string) {
	s.add(step{kind: kReconnect, sess: sess, from: from, desc: "reconnect as the session of " + from})
}

func (s *Script) Call(sess string, op jute.OpCode, req jute.Encodable) {
	s.add(step{kind: kCall, sess: sess, op: op, req: req, desc: describe(op, req)})
}

func (s *Script) Auth(sess, scheme, cred string) {
	s.add(step{kind: kAuth, sess: sess, desc: fmt.Sprintf("addauth %s %q", scheme, cred),
		req: &jute.AuthPacket{Scheme: scheme, Auth: []byte(cred)}})
}

func (s *Script) Events(sess string, n int) {
	s.add(step{kind: kEvents, sess: sess, n: n, desc: fmt.Sprintf("wait for %d events", n)})
}

// eventsUnordered waits for n events that one transaction fires on
// several nodes and prints them sorted: ZooKeeper fires the deletions of
// a session's ephemerals in the iteration order of a hash set, which is
// no contract (the events of one node, and NodeDeleted before the
// parent's NodeChildrenChanged for one delete, are still in order within
// what the sorted list can show).
func (s *Script) EventsUnordered(sess string, n int) {
	s.add(step{kind: kEvents, sess: sess, n: n, sorted: true, desc: fmt.Sprintf("wait for %d events (sorted)", n)})
}

func (s *Script) CloseSession(sess string) {
	s.add(step{kind: kClose, sess: sess, desc: "closeSession"})
}

func (s *Script) Drop(sess string) {
	s.add(step{kind: kDrop, sess: sess, desc: "drop the connection (no closeSession)"})
}

func (s *Script) PollGone(sess, path string) {
	s.add(step{kind: kPollGone, sess: sess, path: path, desc: "poll exists until gone: " + path})
}

// CallXid is one request sent with xid instead of the next one, printed
// as desc.
func (s *Script) CallXid(sess string, xid int32, op jute.OpCode, req jute.Encodable, desc string) {
	s.add(step{kind: kCall, sess: sess, op: op, xid: xid, req: req, desc: desc})
}

// Sessions are a run's open connections by session name.
type Sessions = map[string]*harness.ZKRaw

// Custom is a step that needs more than a request: run performs it
// against the server at addr given the open sessions (sess may be
// missing) and returns the lines of its outcome; a connection it returns
// becomes sess's.
func (s *Script) Custom(sess, desc string, run func(addr string, sessions Sessions) (*harness.ZKRaw, []Line)) {
	s.add(step{kind: kCustom, sess: sess, desc: desc, run: run})
}

// ConnectWith is a handshake with the options opts gives (from the open
// sessions, e.g. another session's id); the connection, if any, becomes
// sess's.
func (s *Script) ConnectWith(sess, desc string, opts func(sessions Sessions) harness.ZKConnectOptions) {
	s.Custom(sess, "connect "+desc, func(addr string, sessions Sessions) (*harness.ZKRaw, []Line) {
		nc, err := harness.DialZK(addr, opts(sessions))
		if err != nil {
			var l Line
			l.Text("connect failed: %v", err)
			return nil, []Line{l}
		}
		return nc, []Line{ConnectLine(nc)}
	})
}

// Ping shows whether sess's connection is still open (and the events
// that were in flight).
func (s *Script) Ping(sess string) {
	s.Custom(sess, "ping", func(_ string, sessions Sessions) (*harness.ZKRaw, []Line) {
		c := sessions[sess]
		rh, err := c.Ping()
		lines := EventLines(c.TakeEvents())
		return nil, append(lines, ReplyLine(jute.OpPing, rh, nil, err))
	})
}

// AwaitClose shows whether the server closes sess's connection within
// CloseWait (ZooKeeper closes from another thread after some answers, so
// a request sent right behind may still be served).
func (s *Script) AwaitClose(sess string) {
	s.Custom(sess, "wait for the server to close", func(_ string, sessions Sessions) (*harness.ZKRaw, []Line) {
		c := sessions[sess]
		evs, err := c.WaitEvents(1, CloseWait)
		lines := EventLines(evs)
		var l Line
		switch {
		case errors.Is(err, harness.ErrZKClosed):
			l.Text("closed by the server")
		case err == nil:
			l.Text("an event")
		default:
			l.Text("still open after %v", CloseWait)
		}
		c.Drop()
		return nil, append(lines, l)
	})
}

// Request shorthands.

// WorldAll is the ACL world:anyone with every permission.
var WorldAll = []jute.ACL{{Perms: jute.PermAll, ID: jute.ID{Scheme: "world", ID: "anyone"}}}

// ACL is one ACL entry.
func ACL(perms int32, scheme, id string) jute.ACL {
	return jute.ACL{Perms: perms, ID: jute.ID{Scheme: scheme, ID: id}}
}

func (s *Script) Create(sess string, op jute.OpCode, path, data string, flags jute.CreateMode) {
	s.Call(sess, op, &jute.CreateRequest{Path: path, Data: bytesOrNil(data), ACL: WorldAll, Flags: flags})
}

// C2 is a create2 of a persistent node with world ACL.
func (s *Script) C2(sess, path, data string) { s.Create(sess, jute.OpCreate2, path, data, 0) }

func (s *Script) CreateACL(sess, path string, a []jute.ACL, flags jute.CreateMode) {
	s.Call(sess, jute.OpCreate2, &jute.CreateRequest{Path: path, Data: []byte("x"), ACL: a, Flags: flags})
}

func (s *Script) CreateTTL(sess, path string, flags jute.CreateMode, ttl int64) {
	s.Call(sess, jute.OpCreateTTL, &jute.CreateTTLRequest{Path: path, Data: []byte("t"), ACL: WorldAll, Flags: flags, TTL: ttl})
}

func (s *Script) Del(sess, path string, version int32) {
	s.Call(sess, jute.OpDelete, &jute.DeleteRequest{Path: path, Version: version})
}

func (s *Script) Exists(sess, path string, watch bool) {
	s.Call(sess, jute.OpExists, &jute.ExistsRequest{Path: path, Watch: watch})
}

func (s *Script) Get(sess, path string, watch bool) {
	s.Call(sess, jute.OpGetData, &jute.GetDataRequest{Path: path, Watch: watch})
}

func (s *Script) Set(sess, path, data string, version int32) {
	s.Call(sess, jute.OpSetData, &jute.SetDataRequest{Path: path, Data: bytesOrNil(data), Version: version})
}

func (s *Script) Children(sess, path string, watch bool) {
	s.Call(sess, jute.OpGetChildren, &jute.GetChildrenRequest{Path: path, Watch: watch})
}

func (s *Script) Children2(sess, path string, watch bool) {
	s.Call(sess, jute.OpGetChildren2, &jute.GetChildren2Request{Path: path, Watch: watch})
}

func (s *Script) GetACL(sess, path string) {
	s.Call(sess, jute.OpGetACL, &jute.GetACLRequest{Path: path})
}

func (s *Script) SetACL(sess, path string, a []jute.ACL, version int32) {
	s.Call(sess, jute.OpSetACL, &jute.SetACLRequest{Path: path, ACL: a, Version: version})
}

func (s *Script) Multi(sess string, ops ...jute.MultiOp) {
	s.Call(sess, jute.OpMulti, &jute.MultiRequest{Ops: ops})
}

// MCreate is a multi's create of a node with data "m" and world ACL.
func MCreate(path string, flags jute.CreateMode) jute.MultiOp {
	return jute.MultiOp{Op: jute.OpCreate, Request: &jute.CreateRequest{Path: path, Data: []byte("m"), ACL: WorldAll, Flags: flags}}
}

// MOp is one op of a multi.
func MOp(op jute.OpCode, req jute.Record) jute.MultiOp { return jute.MultiOp{Op: op, Request: req} }

// NullData marks a null buffer in the shorthands.
const NullData = "\x00<null>"

func bytesOrNil(s string) []byte {
	if s == NullData {
		return nil
	}
	return []byte(s)
}

func describe(op jute.OpCode, req jute.Encodable) string {
	if req == nil {
		return op.String()
	}
	switch r := req.(type) {
	case *jute.MultiRequest:
		var parts []string
		for _, o := range r.Ops {
			parts = append(parts, describe(o.Op, o.Request))
		}
		return fmt.Sprintf("%v [%s]", op, strings.Join(parts, "; "))
	case *jute.CreateRequest:
		return fmt.Sprintf("%v %q data=%s acl=%v flags=%d", op, r.Path, dataText(r.Data), r.ACL, r.Flags)
	case *jute.CreateTTLRequest:
		return fmt.Sprintf("%v %q data=%s acl=%v flags=%d ttl=%d", op, r.Path, dataText(r.Data), r.ACL, r.Flags, r.TTL)
	case *jute.SetDataRequest:
		return fmt.Sprintf("%v %q data=%s version=%d", op, r.Path, dataText(r.Data), r.Version)
	case *Trailing:
		return fmt.Sprintf("%s +%d trailing bytes", describe(op, r.Rec), r.N)
	}
	return strings.TrimPrefix(fmt.Sprintf("%v %#v", op, req), "&jute.")
}

// dataText prints data quoted, and null data (a nil buffer) as null.
func dataText(b []byte) string {
	if b == nil {
		return "null"
	}
	return fmt.Sprintf("%q", b)
}

// ACLNullID is an ACL entry whose id is sent as null, as kazoo sends an
// empty id.
func ACLNullID(perms int32, scheme string) jute.ACL {
	return jute.ACL{Perms: perms, ID: jute.ID{Scheme: scheme, Null: schema.NullID}}
}

// ACLNullScheme is an ACL entry whose scheme is sent as null.
func ACLNullScheme(perms int32, id string) jute.ACL {
	return jute.ACL{Perms: perms, ID: jute.ID{ID: id, Null: schema.NullScheme}}
}

// ReconfigRequest is ReconfigRequest{joiningServers, leavingServers,
// newMembers, curConfigId}.
type ReconfigRequest struct {
	Joining, Leaving, Members string
	ConfigID                  int64
}

// Encode writes the record.
func (r *ReconfigRequest) Encode(e *jute.Encoder) {
	e.WriteString(r.Joining)
	e.WriteString(r.Leaving)
	e.WriteString(r.Members)
	e.WriteLong(r.ConfigID)
}

// Trailing is a request record followed by N extra bytes (0x01 each).
type Trailing struct {
	Rec jute.Encodable
	N   int
}

// Encode writes the record and the extra bytes.
func (t *Trailing) Encode(e *jute.Encoder) {
	t.Rec.Encode(e)
	for range t.N {
		e.WriteBool(true)
	}
}

// WithTrailing is rec followed by n extra bytes.
func WithTrailing(rec jute.Encodable, n int) *Trailing { return &Trailing{Rec: rec, N: n} }
