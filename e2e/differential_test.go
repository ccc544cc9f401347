package e2e

// Differential tests: the same operation scripts run against a real
// ZooKeeper 3.8 (harness.StartZooKeeper) and against zkgate
// (harness.StartNode), over the raw jute client harness.ZKRaw, and the
// normalized transcripts must be identical, step by step.
//
// # Transcript
//
// Every step prints a head ("07 a> create2 /crud/x ...") and the lines of
// its outcome: the watch notifications the session read before the reply
// (in arrival order), then the reply: error code, header zxid and the
// decoded body. A script ends with a ping on every open session, printing
// the notifications still in flight ("drain"), so spurious events show.
//
// # Normalizations (each one, and why)
//
// Values that are legitimately different between two servers are
// rewritten; nothing else is touched.
//
//   - Stat zxids (czxid, mzxid, pzxid) become labels named after the step
//     where the value was first seen: Z7 (and Z7b, Z7c for further new
//     values in the same step, in print order). Equal zxids get equal
//     labels, so "the parent's pzxid is the child's czxid" and "a multi
//     uses one zxid" are compared. A new value smaller than one already
//     seen is printed with "(<Zk)", Zk being the smallest larger label, so
//     order is compared too. 0 and -1 stay literal (the root and system
//     nodes have zxid 0 on ZooKeeper). Labels by first appearance rather
//     than dense ranks keep one extra zxid from renaming every later one.
//   - Reply-header zxids are printed as "~Zk", the label of the largest
//     Stat zxid seen so far that is <= the value ("~." when none is).
//     Known difference: ZooKeeper consumes a zxid for every failed write,
//     for createSession and for closeSession, and reports the last one in
//     the next replies; zkgate consumes none for failed writes. The exact
//     header value thus differs only by zxids no Stat ever shows; the
//     floor still catches a stale (lower) header zxid. 0 and -1 (addauth,
//     notifications, unknown opcode) stay literal.
//   - ctime and mtime are printed as t(Zk), the label of the zxid they
//     belong to (ctime to czxid, mtime to mzxid), or 0. Wall-clock values
//     differ between servers and two transactions may fall in the same
//     millisecond, so equality of times across transactions is not
//     stable; what is checked instead, per server: one zxid always shows
//     one time ("!time" otherwise), times never go backwards as zxids go
//     forwards ("!order"), and the time lies within the run ("!clock").
//   - Session ids become S1, S2, ... in order of first appearance (the
//     connect responses come first), also as ephemeralOwner. Passwords are
//     not printed.
//   - Lists ZooKeeper returns in hash order are sorted: children
//     (getChildren, getChildren2, multiRead), getEphemerals and whoAmI.
//     zkgate sorts; ZooKeeper's order is not part of its contract.
//
// Differences that remain are findings. The ones not fixed yet are listed
// in knownDifferences with the exact normalized outcome of both sides for
// that step, so the suite passes and the list documents what zkgate
// still gets wrong; an entry whose difference has gone away fails the
// test so the list stays true.

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zkgate/zkgate/e2e/harness"
	"github.com/zkgate/zkgate/schema"
	"github.com/zkgate/zkgate/zkbridge/jute"
)

// ---------------------------------------------------------------------
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
	// run (kCustom) performs the step given the open sessions (the named
	// one may be missing) and prints its outcome; a connection it returns
	// becomes the named session's.
	run func(addr string, sessions map[string]*harness.ZKRaw) (*harness.ZKRaw, []line)
}

type script struct {
	name  string
	steps []step
}

func (s *script) add(st step) { s.steps = append(s.steps, st) }

func (s *script) connect(sess string, timeout int32) {
	s.add(step{kind: kConnect, sess: sess, timeout: timeout, desc: fmt.Sprintf("connect timeout=%d", timeout)})
}

func (s *script) reconnect(sess, from string) {
	s.add(step{kind: kReconnect, sess: sess, from: from, desc: "reconnect as the session of " + from})
}

func (s *script) call(sess string, op jute.OpCode, req jute.Encodable) {
	s.add(step{kind: kCall, sess: sess, op: op, req: req, desc: describe(op, req)})
}

func (s *script) auth(sess, scheme, cred string) {
	s.add(step{kind: kAuth, sess: sess, desc: fmt.Sprintf("addauth %s %q", scheme, cred),
		req: &jute.AuthPacket{Scheme: scheme, Auth: []byte(cred)}})
}

func (s *script) events(sess string, n int) {
	s.add(step{kind: kEvents, sess: sess, n: n, desc: fmt.Sprintf("wait for %d events", n)})
}

// eventsUnordered waits for n events that one transaction fires on
// several nodes and prints them sorted: ZooKeeper fires the deletions of
// a session's ephemerals in the iteration order of a hash set, which is
// no contract (the events of one node, and NodeDeleted before the
// parent's NodeChildrenChanged for one delete, are still in order within
// what the sorted list can show).
func (s *script) eventsUnordered(sess string, n int) {
	s.add(step{kind: kEvents, sess: sess, n: n, sorted: true, desc: fmt.Sprintf("wait for %d events (sorted)", n)})
}

func (s *script) closeSession(sess string) {
	s.add(step{kind: kClose, sess: sess, desc: "closeSession"})
}

func (s *script) drop(sess string) {
	s.add(step{kind: kDrop, sess: sess, desc: "drop the connection (no closeSession)"})
}

func (s *script) pollGone(sess, path string) {
	s.add(step{kind: kPollGone, sess: sess, path: path, desc: "poll exists until gone: " + path})
}

// Request shorthands.

var worldAll = []jute.ACL{{Perms: jute.PermAll, ID: jute.ID{Scheme: "world", ID: "anyone"}}}

func acl(perms int32, scheme, id string) jute.ACL {
	return jute.ACL{Perms: perms, ID: jute.ID{Scheme: scheme, ID: id}}
}

func (s *script) create(sess string, op jute.OpCode, path, data string, flags jute.CreateMode) {
	s.call(sess, op, &jute.CreateRequest{Path: path, Data: bytesOrNil(data), ACL: worldAll, Flags: flags})
}

// c2 is a create2 of a persistent node with world ACL.
func (s *script) c2(sess, path, data string) { s.create(sess, jute.OpCreate2, path, data, 0) }

func (s *script) createACL(sess, path string, a []jute.ACL, flags jute.CreateMode) {
	s.call(sess, jute.OpCreate2, &jute.CreateRequest{Path: path, Data: []byte("x"), ACL: a, Flags: flags})
}

func (s *script) createTTL(sess, path string, flags jute.CreateMode, ttl int64) {
	s.call(sess, jute.OpCreateTTL, &jute.CreateTTLRequest{Path: path, Data: []byte("t"), ACL: worldAll, Flags: flags, TTL: ttl})
}

func (s *script) del(sess, path string, version int32) {
	s.call(sess, jute.OpDelete, &jute.DeleteRequest{Path: path, Version: version})
}

func (s *script) exists(sess, path string, watch bool) {
	s.call(sess, jute.OpExists, &jute.ExistsRequest{Path: path, Watch: watch})
}

func (s *script) get(sess, path string, watch bool) {
	s.call(sess, jute.OpGetData, &jute.GetDataRequest{Path: path, Watch: watch})
}

func (s *script) set(sess, path, data string, version int32) {
	s.call(sess, jute.OpSetData, &jute.SetDataRequest{Path: path, Data: bytesOrNil(data), Version: version})
}

func (s *script) children(sess, path string, watch bool) {
	s.call(sess, jute.OpGetChildren, &jute.GetChildrenRequest{Path: path, Watch: watch})
}

func (s *script) children2(sess, path string, watch bool) {
	s.call(sess, jute.OpGetChildren2, &jute.GetChildren2Request{Path: path, Watch: watch})
}

func (s *script) getACL(sess, path string) {
	s.call(sess, jute.OpGetACL, &jute.GetACLRequest{Path: path})
}

func (s *script) setACL(sess, path string, a []jute.ACL, version int32) {
	s.call(sess, jute.OpSetACL, &jute.SetACLRequest{Path: path, ACL: a, Version: version})
}

func (s *script) multi(sess string, ops ...jute.MultiOp) {
	s.call(sess, jute.OpMulti, &jute.MultiRequest{Ops: ops})
}

func mCreate(path string, flags jute.CreateMode) jute.MultiOp {
	return jute.MultiOp{Op: jute.OpCreate, Request: &jute.CreateRequest{Path: path, Data: []byte("m"), ACL: worldAll, Flags: flags}}
}

func mOp(op jute.OpCode, req jute.Record) jute.MultiOp { return jute.MultiOp{Op: op, Request: req} }

// nullData marks a null buffer in the shorthands.
const nullData = "\x00<null>"

func bytesOrNil(s string) []byte {
	if s == nullData {
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

// ---------------------------------------------------------------------
// Transcript tokens: values that normalization rewrites are kept typed
// until then.

type tokKind int

const (
	tText  tokKind = iota
	tZxid          // a Stat zxid
	tHZxid         // a reply-header zxid
	tTime          // ctime/mtime; z is the zxid it belongs to
	tSess          // a session id
)

type tok struct {
	kind tokKind
	s    string
	v, z int64
}

type line []tok

func (l *line) text(format string, args ...any) {
	*l = append(*l, tok{kind: tText, s: fmt.Sprintf(format, args...)})
}
func (l *line) zxid(v int64)    { *l = append(*l, tok{kind: tZxid, v: v}) }
func (l *line) hzxid(v int64)   { *l = append(*l, tok{kind: tHZxid, v: v}) }
func (l *line) time(v, z int64) { *l = append(*l, tok{kind: tTime, v: v, z: z}) }
func (l *line) sess(v int64)    { *l = append(*l, tok{kind: tSess, v: v}) }

func (l *line) stat(st jute.Stat) {
	l.text("stat{cz=")
	l.zxid(st.Czxid)
	l.text(" mz=")
	l.zxid(st.Mzxid)
	l.text(" ct=")
	l.time(st.Ctime, st.Czxid)
	l.text(" mt=")
	l.time(st.Mtime, st.Mzxid)
	l.text(" v=%d cv=%d av=%d eph=", st.Version, st.Cversion, st.Aversion)
	l.sess(st.EphemeralOwner)
	l.text(" len=%d nc=%d pz=", st.DataLength, st.NumChildren)
	l.zxid(st.Pzxid)
	l.text("}")
}

type entry struct {
	head  string
	lines []line
}

// ---------------------------------------------------------------------
// Running a script against one server

const (
	eventWait = 10 * time.Second
	goneWait  = 30 * time.Second
	closeWait = 5 * time.Second
)

type runResult struct {
	entries    []entry
	start, end time.Time
}

func runScript(addr string, sc *script) runResult {
	res := runResult{start: time.Now()}
	sessions := map[string]*harness.ZKRaw{}
	var order []string
	for i, st := range sc.steps {
		e := entry{head: fmt.Sprintf("%02d %s> %s", i, st.sess, st.desc)}
		c := sessions[st.sess]
		if c == nil && st.kind != kConnect && st.kind != kReconnect && st.kind != kCustom {
			var l line
			l.text("no such session")
			e.lines = append(e.lines, l)
			res.entries = append(res.entries, e)
			continue
		}
		switch st.kind {
		case kConnect, kReconnect:
			o := harness.ZKConnectOptions{TimeOut: st.timeout}
			if st.kind == kReconnect {
				old := sessions[st.from]
				o.SessionID, o.Passwd = old.Resp.SessionID, old.Resp.Passwd
			}
			nc, err := harness.DialZK(addr, o)
			var l line
			if err != nil {
				l.text("connect failed: %v", err)
			} else {
				if _, ok := sessions[st.sess]; !ok {
					order = append(order, st.sess)
				}
				sessions[st.sess] = nc
				l = connectLine(nc)
			}
			e.lines = append(e.lines, l)
		case kCustom:
			nc, lines := st.run(addr, sessions)
			if nc != nil {
				if _, ok := sessions[st.sess]; !ok {
					order = append(order, st.sess)
				}
				sessions[st.sess] = nc
			}
			e.lines = append(e.lines, lines...)
		case kCall:
			var (
				rh  jute.ReplyHeader
				d   *jute.Decoder
				err error
			)
			if st.xid != 0 {
				rh, d, err = c.CallXid(st.xid, st.op, st.req)
			} else {
				rh, d, err = c.Call(st.op, st.req)
			}
			e.lines = append(e.lines, eventLines(c.TakeEvents())...)
			e.lines = append(e.lines, replyLine(st.op, rh, d, err))
		case kAuth:
			ap := st.req.(*jute.AuthPacket)
			rh, err := c.Auth(ap.Scheme, ap.Auth)
			e.lines = append(e.lines, eventLines(c.TakeEvents())...)
			e.lines = append(e.lines, replyLine(jute.OpAuth, rh, nil, err))
			if err == nil && rh.Err != 0 {
				// ZooKeeper closes after AuthFailed: show whether the
				// server closed within closeWait, then drop it anyway.
				var l line
				_, err := c.WaitEvents(1, closeWait)
				switch {
				case errors.Is(err, harness.ErrZKClosed):
					l.text("then closed by the server")
				case err == nil:
					l.text("then an event")
				default:
					l.text("then still open after %v", closeWait)
				}
				c.Drop()
				e.lines = append(e.lines, l)
			}
		case kEvents:
			evs, err := c.WaitEvents(st.n, eventWait)
			if st.sorted {
				slices.SortFunc(evs, func(a, b harness.ZKEvent) int { return strings.Compare(a.String(), b.String()) })
			}
			e.lines = append(e.lines, eventLines(evs)...)
			if err != nil {
				var l line
				l.text("wait: %v", errText(err))
				e.lines = append(e.lines, l)
			}
		case kClose:
			rh, err := c.CloseSession()
			e.lines = append(e.lines, eventLines(c.TakeEvents())...)
			e.lines = append(e.lines, replyLine(jute.OpCloseSession, rh, nil, err))
		case kDrop:
			c.Drop()
		case kPollGone:
			deadline := time.Now().Add(goneWait)
			var l line
			for {
				rh, _, err := c.Call(jute.OpExists, &jute.ExistsRequest{Path: st.path})
				if err != nil {
					l.text("poll: %v", errText(err))
					break
				}
				if rh.Err == schema.CodeNoNode {
					l.text("gone")
					break
				}
				if time.Now().After(deadline) {
					l.text("still there after %v (%v)", goneWait, rh.Err)
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
			e.lines = append(e.lines, eventLines(c.TakeEvents())...)
			e.lines = append(e.lines, l)
		}
		res.entries = append(res.entries, e)
	}
	// Drain: a ping on each open session shows events still in flight.
	for _, name := range order {
		c := sessions[name]
		if c.Closed() {
			continue
		}
		e := entry{head: fmt.Sprintf("end %s> ping (drain events)", name)}
		_, err := c.Ping()
		e.lines = append(e.lines, eventLines(c.TakeEvents())...)
		if err != nil {
			var l line
			l.text("ping: %v", errText(err))
			e.lines = append(e.lines, l)
		}
		c.Drop()
		res.entries = append(res.entries, e)
	}
	res.end = time.Now()
	return res
}

// connectLine prints a ConnectResponse; for an expired answer
// (session 0) it also shows whether the server then closes.
func connectLine(nc *harness.ZKRaw) line {
	var l line
	l.text("session=")
	l.sess(nc.Resp.SessionID)
	l.text(" timeout=%d passwdLen=%d readOnly=%v", nc.Resp.TimeOut, len(nc.Resp.Passwd), nc.Resp.ReadOnly)
	if nc.Resp.SessionID == 0 {
		if _, err := nc.Ping(); errors.Is(err, harness.ErrZKClosed) {
			l.text(", then closed")
		} else {
			l.text(", then ping: %v", errText(err))
		}
	}
	return l
}

func errText(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, harness.ErrZKClosed):
		return "connection closed"
	case errors.Is(err, os.ErrDeadlineExceeded):
		return "timeout"
	}
	return err.Error()
}

func eventLines(evs []harness.ZKEvent) []line {
	var out []line
	for _, ev := range evs {
		var l line
		l.text("  event %v %v %q zxid=", ev.Type, ev.State, ev.Path)
		l.hzxid(ev.Zxid)
		out = append(out, l)
	}
	return out
}

func replyLine(op jute.OpCode, rh jute.ReplyHeader, d *jute.Decoder, err error) line {
	var l line
	if err != nil {
		l.text("  -> %s", errText(err))
		return l
	}
	l.text("  -> %v", rh.Err)
	if rh.Err == schema.CodeOK && d != nil {
		var body line
		decodeBody(&body, op, d)
		if len(body) > 0 {
			l.text(" ")
			l = append(l, body...)
		}
	}
	l.text(" hz=")
	l.hzxid(rh.Zxid)
	return l
}

func decodeBody(l *line, op jute.OpCode, d *jute.Decoder) {
	fail := func(err error) { l.text("<decode: %v>", err) }
	switch op {
	case jute.OpCreate:
		var r jute.CreateResponse
		if err := r.Decode(d); err != nil {
			fail(err)
			return
		}
		l.text("%q", r.Path)
	case jute.OpCreate2, jute.OpCreateContainer, jute.OpCreateTTL:
		var r jute.Create2Response
		if err := r.Decode(d); err != nil {
			fail(err)
			return
		}
		l.text("%q ", r.Path)
		l.stat(r.Stat)
	case jute.OpExists, jute.OpSetData, jute.OpSetACL:
		var st jute.Stat
		if err := st.Decode(d); err != nil {
			fail(err)
			return
		}
		l.stat(st)
	case jute.OpGetData, jute.OpReconfig:
		var r jute.GetDataResponse
		if err := r.Decode(d); err != nil {
			fail(err)
			return
		}
		l.text("%s ", dataText(r.Data))
		l.stat(r.Stat)
	case jute.OpGetACL:
		var r jute.GetACLResponse
		if err := r.Decode(d); err != nil {
			fail(err)
			return
		}
		l.text("%v ", r.ACL)
		l.stat(r.Stat)
	case jute.OpGetChildren:
		var r jute.GetChildrenResponse
		if err := r.Decode(d); err != nil {
			fail(err)
			return
		}
		l.text("%q", sorted(r.Children))
	case jute.OpGetChildren2:
		var r jute.GetChildren2Response
		if err := r.Decode(d); err != nil {
			fail(err)
			return
		}
		l.text("%q ", sorted(r.Children))
		l.stat(r.Stat)
	case jute.OpSync:
		var r jute.SyncResponse
		if err := r.Decode(d); err != nil {
			fail(err)
			return
		}
		l.text("%q", r.Path)
	case jute.OpGetAllChildrenNumber:
		var r jute.GetAllChildrenNumberResponse
		if err := r.Decode(d); err != nil {
			fail(err)
			return
		}
		l.text("%d", r.TotalNumber)
	case jute.OpGetEphemerals:
		var r jute.GetEphemeralsResponse
		if err := r.Decode(d); err != nil {
			fail(err)
			return
		}
		l.text("%q", sorted(r.Ephemerals))
	case jute.OpWhoAmI:
		var r jute.WhoAmIResponse
		if err := r.Decode(d); err != nil {
			fail(err)
			return
		}
		var ids []string
		for _, ci := range r.ClientInfo {
			ids = append(ids, ci.AuthScheme+":"+ci.User)
		}
		l.text("%q", sorted(ids))
	case jute.OpMulti, jute.OpMultiRead:
		var r jute.MultiResponse
		if err := r.Decode(d); err != nil {
			fail(err)
			return
		}
		l.text("[")
		for i, res := range r.Results {
			if i > 0 {
				l.text(" | ")
			}
			l.text("%v", res.Op)
			switch res.Op {
			case jute.OpCreate:
				l.text(" %q", res.Path)
			case jute.OpCreate2:
				l.text(" %q ", res.Path)
				l.stat(res.Stat)
			case jute.OpSetData:
				l.text(" ")
				l.stat(res.Stat)
			case jute.OpGetData:
				l.text(" %s ", dataText(res.Data))
				l.stat(res.Stat)
			case jute.OpGetChildren:
				l.text(" %q", sorted(res.Children))
			case jute.OpError:
				l.text(" %v", res.Err)
			}
		}
		l.text("]")
	}
	if d.Remaining() > 0 {
		l.text(" +%d trailing bytes", d.Remaining())
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// ---------------------------------------------------------------------
// Normalization

type normalizer struct {
	labels     map[int64]string
	known      []int64 // Stat zxids seen, sorted
	step       int
	newInStep  int
	times      map[int64]int64 // zxid -> time
	sessions   map[int64]string
	start, end time.Time
}

func normalize(r runResult) [][]string {
	n := &normalizer{labels: map[int64]string{}, times: map[int64]int64{}, sessions: map[int64]string{}, start: r.start, end: r.end}
	var out [][]string
	for i, e := range r.entries {
		n.step, n.newInStep = i, 0
		lines := []string{e.head}
		for _, l := range e.lines {
			lines = append(lines, n.line(l))
		}
		out = append(out, lines)
	}
	return out
}

func (n *normalizer) line(l line) string {
	var b strings.Builder
	for _, t := range l {
		switch t.kind {
		case tText:
			b.WriteString(t.s)
		case tZxid:
			b.WriteString(n.zxid(t.v))
		case tHZxid:
			b.WriteString(n.hzxid(t.v))
		case tTime:
			b.WriteString(n.time(t.v, t.z))
		case tSess:
			b.WriteString(n.sess(t.v))
		}
	}
	return b.String()
}

func (n *normalizer) zxid(v int64) string {
	if v == 0 || v == -1 {
		return fmt.Sprint(v)
	}
	if l, ok := n.labels[v]; ok {
		return l
	}
	n.newInStep++
	l := fmt.Sprintf("Z%d", n.step)
	if n.newInStep > 1 {
		l += string(rune('a' + n.newInStep - 1))
	}
	n.labels[v] = l
	i, _ := slices.BinarySearch(n.known, v)
	n.known = slices.Insert(n.known, i, v)
	if i < len(n.known)-1 {
		return l + "(<" + n.labels[n.known[i+1]] + ")"
	}
	return l
}

func (n *normalizer) hzxid(v int64) string {
	if v == 0 || v == -1 {
		return fmt.Sprint(v)
	}
	i, found := slices.BinarySearch(n.known, v)
	if found {
		return "~" + n.labels[v]
	}
	if i == 0 {
		return "~."
	}
	return "~" + n.labels[n.known[i-1]]
}

func (n *normalizer) time(v, z int64) string {
	if v == 0 {
		return "0"
	}
	label := "t(" + n.zxid(z) + ")"
	if prev, ok := n.times[z]; ok {
		if prev != v {
			label += "!time"
		}
		return label
	}
	n.times[z] = v
	for oz, ot := range n.times {
		if (oz < z && ot > v) || (oz > z && ot < v) {
			label += "!order"
			break
		}
	}
	t := time.UnixMilli(v)
	if t.Before(n.start.Add(-2*time.Second)) || t.After(n.end.Add(2*time.Second)) {
		label += "!clock"
	}
	return label
}

func (n *normalizer) sess(v int64) string {
	if v == 0 {
		return "0"
	}
	if l, ok := n.sessions[v]; ok {
		return l
	}
	l := fmt.Sprintf("S%d", len(n.sessions)+1)
	n.sessions[v] = l
	return l
}

// ---------------------------------------------------------------------
// The suite

// knownDifference is one step where zkgate is known to answer unlike
// ZooKeeper 3.8: zk and gate are that step's normalized outcome (the
// lines after the head, joined by newlines) on each side.
type knownDifference struct {
	script string
	step   int
	zk     string
	gate   string
	why    string
	// flaky: zkgate's outcome is timing-dependent and sometimes matches
	// ZooKeeper's; a matching run is not reported as the difference gone.
	flaky bool
}

var knownDifferences = []knownDifference{
	{script: "edges2", step: 16,
		zk:   "session=S2 timeout=10000 passwdLen=16 readOnly=false",
		gate: "session=S2 timeout=30000 passwdLen=16 readOnly=false",
		why: "a reconnect keeps the session timeout negotiated when the session was created: the session is an " +
			"etcd lease, whose TTL etcd cannot change, so zkgate answers the timeout it will keep to " +
			"(ZooKeeper 3.8 renegotiates it from the reconnect's request)"},
	{script: "edges2", step: 198,
		zk:   "  event NodeCreated SyncConnected \"/e2/mp/x\" zxid=-1\n  event NodeChildrenChanged SyncConnected \"/e2/mp\" zxid=-1\n  event NodeChildrenChanged SyncConnected \"/e2/mp\" zxid=-1\n  -> Ok hz=~Z192",
		gate: "  -> Ok hz=~Z192",
		why:  multiOneWritePerKey},
	{script: "edges2", step: 199,
		zk:   "  event NodeCreated SyncConnected \"/e2/mp/x\" zxid=-1\n  event NodeDeleted SyncConnected \"/e2/mp/x\" zxid=-1\n  -> Ok hz=~Z192",
		gate: "  -> Ok hz=~Z192",
		why:  multiOneWritePerKey},
	{script: "edges2", step: 201,
		zk:   "  event NodeDataChanged SyncConnected \"/e2/mp\" zxid=-1\n  event NodeDataChanged SyncConnected \"/e2/mp\" zxid=-1\n  -> Ok hz=~Z200",
		gate: "  event NodeDataChanged SyncConnected \"/e2/mp\" zxid=-1\n  -> Ok hz=~Z200",
		why:  multiOneWritePerKey},
	{script: "edges2", step: 202,
		zk:   "  event NodeDataChanged SyncConnected \"/e2/mp\" zxid=-1\n  event NodeDataChanged SyncConnected \"/e2/mp\" zxid=-1\n  -> Ok hz=~Z200",
		gate: "  event NodeDataChanged SyncConnected \"/e2/mp\" zxid=-1\n  -> Ok hz=~Z200",
		why:  multiOneWritePerKey},
	{script: "edges2", step: 204,
		zk:   "  event NodeChildrenChanged SyncConnected \"/e2/mp\" zxid=-1\n  event NodeChildrenChanged SyncConnected \"/e2/mp\" zxid=-1\n  event NodeChildrenChanged SyncConnected \"/e2/mp\" zxid=-1\n  -> Ok hz=~Z203",
		gate: "  event NodeChildrenChanged SyncConnected \"/e2/mp\" zxid=-1\n  -> Ok hz=~Z203",
		why:  multiOneWritePerKey},
	{script: "edges2", step: 205,
		zk:   "  event NodeCreated SyncConnected \"/e2/mp/y\" zxid=-1\n  event NodeDataChanged SyncConnected \"/e2/mp/y\" zxid=-1\n  event NodeDeleted SyncConnected \"/e2/mp/y\" zxid=-1\n  event NodeCreated SyncConnected \"/e2/mp/y\" zxid=-1\n  -> Ok hz=~Z203",
		gate: "  event NodeCreated SyncConnected \"/e2/mp/y\" zxid=-1\n  -> Ok hz=~Z203",
		why:  multiOneWritePerKey},
}

// multiOneWritePerKey is why a multi that writes one znode more than once
// fires fewer events than ZooKeeper.
const multiOneWritePerKey = "a multi that writes one znode more than once (create then delete, two setData, " +
	"create, setData, delete and create again) fires the events of the znode's net change, once, where ZooKeeper " +
	"fires every op's: a multi is one etcd transaction, which holds one write per key, and watches follow " +
	"etcd's events (a znode created and deleted by one multi fires nothing); the final state a client reads " +
	"after its events is the same"

func TestDifferential(t *testing.T) {
	scripts := differentialScripts()
	zk, gate := startZooKeeperAndNode(t, harness.NodeOptions{Args: []string{
		"--zk-min-session-timeout", "4000",
		"--zk-max-session-timeout", "40000",
		"--zk-container-check-interval", "1000",
		"--zk-4lw-whitelist", "*",
	}})
	for _, sc := range scripts {
		t.Run(sc.name, func(t *testing.T) {
			var zr, gr runResult
			var w sync.WaitGroup
			w.Add(2)
			go func() { defer w.Done(); zr = runScript(zk.Addr, sc) }()
			go func() { defer w.Done(); gr = runScript(gate.ZKAddr, sc) }()
			w.Wait()
			compareTranscripts(t, sc.name, normalize(zr), normalize(gr))
		})
	}
}

func compareTranscripts(t *testing.T, name string, zk, gate [][]string) {
	t.Helper()
	known := map[int]knownDifference{}
	for _, k := range knownDifferences {
		if k.script == name {
			known[k.step] = k
		}
	}
	var diffs []int
	for i := range max(len(zk), len(gate)) {
		var z, g []string
		if i < len(zk) {
			z = zk[i]
		}
		if i < len(gate) {
			g = gate[i]
		}
		zs, gs := strings.Join(tailOf(z), "\n"), strings.Join(tailOf(g), "\n")
		k, isKnown := known[i]
		delete(known, i)
		switch {
		case zs == gs && isKnown && k.flaky:
			t.Logf("step %d: known flaky difference did not show this time: %s", i, k.why)
		case zs == gs && isKnown:
			t.Errorf("step %d: known difference no longer occurs (remove it from knownDifferences): %s", i, k.why)
		case zs == gs:
		case isKnown && k.zk == zs && k.gate == gs:
			t.Logf("step %d: known difference: %s", i, k.why)
		default:
			diffs = append(diffs, i)
		}
	}
	for i, k := range known {
		t.Errorf("known difference at step %d is beyond the script: %s", i, k.why)
	}
	if len(diffs) == 0 {
		if os.Getenv("ZKDIFF_VERBOSE") != "" {
			var b strings.Builder
			for i := range zk {
				b.WriteString(sideBySide(zk[i], at(gate, i)))
			}
			t.Log("\n" + b.String())
		}
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d step(s) differ: %v\n", len(diffs), diffs)
	for _, i := range diffs {
		b.WriteString(sideBySide(at(zk, i), at(gate, i)))
	}
	b.WriteString("\nas knownDifferences entries, once understood:\n")
	for _, i := range diffs {
		fmt.Fprintf(&b, "\t{script: %q, step: %d,\n\t\tzk:   %q,\n\t\tgate: %q,\n\t\twhy:  \"\"},\n",
			name, i, strings.Join(tailOf(at(zk, i)), "\n"), strings.Join(tailOf(at(gate, i)), "\n"))
	}
	b.WriteString("\n=== full transcripts side by side (ZooKeeper | zkgate) ===\n")
	for i := range max(len(zk), len(gate)) {
		b.WriteString(sideBySide(at(zk, i), at(gate, i)))
	}
	t.Error(b.String())
}

func at(x [][]string, i int) []string {
	if i < len(x) {
		return x[i]
	}
	return []string{"(missing)"}
}

func tailOf(x []string) []string {
	if len(x) == 0 {
		return nil
	}
	return x[1:]
}

func sideBySide(z, g []string) string {
	var b strings.Builder
	mark := " "
	if strings.Join(z, "\n") != strings.Join(g, "\n") {
		mark = "!"
	}
	for i := range max(len(z), len(g)) {
		var zl, gl string
		if i < len(z) {
			zl = z[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		fmt.Fprintf(&b, "%s %-100s | %s\n", mark, zl, gl)
	}
	return b.String()
}

// ---------------------------------------------------------------------
// Scripts. Each works under its own top-level path with its own sessions,
// so one ZooKeeper and one zkgate serve them all; "pristine" reads the
// root and /zookeeper and runs first.

func differentialScripts() []*script {
	return []*script{
		scriptPristine(),
		scriptCRUD(),
		scriptCreateFlags(),
		scriptPaths(),
		scriptSequential(),
		scriptACL(),
		scriptMulti(),
		scriptWatches(),
		scriptPersistentWatches(),
		scriptEphemerals(),
		scriptMisc(),
		scriptExpiry(),
		scriptContainers(),
		scriptTTL(),
		scriptSetWatches(),
		scriptNullData(), scriptACLForms(), scriptEdges2(),
	}
}

// scriptPristine: the root, /zookeeper, /zookeeper/quota and
// /zookeeper/config of a fresh server (facts 3, 9), and what clients may
// and may not do to them (facts 1).
func scriptPristine() *script {
	s := &script{name: "pristine"}
	s.connect("a", 30000)
	for _, p := range []string{"/", "", "/zookeeper", "/zookeeper/quota", "/zookeeper/config"} {
		s.exists("a", p, false)
		s.get("a", p, false)
		s.getACL("a", p)
		s.children2("a", p, false)
	}
	s.call("a", jute.OpGetAllChildrenNumber, &jute.GetAllChildrenNumberRequest{Path: "/"})
	s.call("a", jute.OpGetAllChildrenNumber, &jute.GetAllChildrenNumberRequest{Path: ""})
	s.call("a", jute.OpGetAllChildrenNumber, &jute.GetAllChildrenNumberRequest{Path: "/zookeeper"})
	for _, p := range []string{"/", "/zookeeper", "/zookeeper/quota", "/zookeeper/config"} {
		s.del("a", p, -1)
		s.c2("a", p, "")
	}
	s.set("a", "/zookeeper/config", "x", -1)
	s.setACL("a", "/zookeeper/config", worldAll, -1)
	s.c2("a", "/zookeeper/config/x", "")
	s.c2("a", "/zookeeper/x", "zx")
	s.c2("a", "/zookeeper/quota/x", "")
	s.exists("a", "/zookeeper", false)
	s.exists("a", "/zookeeper/quota", false)
	s.del("a", "/zookeeper/x", 0)
	s.del("a", "/zookeeper/quota/x", 0)
	s.exists("a", "/zookeeper", false)
	s.set("a", "/zookeeper/quota", "q", 0)
	s.set("a", "/", "root", -1)
	s.setACL("a", "/", worldAll, 0)
	s.exists("a", "/", false)
	s.c2("a", "/pristine", "")
	s.exists("a", "/", false)
	s.children("a", "/", false)
	return s
}

// scriptCRUD: create, exists, getData, setData and delete with versions
// and their error precedence (facts 2, 3).
func scriptCRUD() *script {
	s := &script{name: "crud"}
	s.connect("a", 30000)
	s.c2("a", "/crud", "")
	s.create("a", jute.OpCreate, "/crud/a", "hello", 0)
	s.create("a", jute.OpCreate, "/crud/a", "again", 0)
	s.exists("a", "/crud/a", false)
	s.exists("a", "/crud", false)
	s.get("a", "/crud/a", false)
	s.set("a", "/crud/a", "v1", -1)
	s.set("a", "/crud/a", "v1", 1) // identical data still bumps
	s.set("a", "/crud/a", "v3", 7)
	s.set("a", "/crud/a", "v3", -2)
	s.set("a", "/crud/missing", "x", 5)
	s.set("a", "/crud/missing", "x", -1)
	s.get("a", "/crud/a", false)
	s.exists("a", "/crud", false)
	s.c2("a", "/crud/a/child", "c")
	s.set("a", "/crud/a/child", "c2", -1)
	s.exists("a", "/crud/a", false)
	s.del("a", "/crud/a", 7) // BadVersion before NotEmpty
	s.del("a", "/crud/a", 2) // NotEmpty
	s.del("a", "/crud/a/child", 0)
	s.del("a", "/crud/a/child", -1)
	s.del("a", "/crud/a", 5)
	s.del("a", "/crud/a", 2)
	s.exists("a", "/crud", false)
	s.get("a", "/crud/a", false)
	s.del("a", "/crud/missing/x", -1)
	s.c2("a", "/crud/missing/x", "")
	// Null and empty data.
	s.create("a", jute.OpCreate2, "/crud/null", nullData, 0)
	s.get("a", "/crud/null", false)
	s.c2("a", "/crud/empty", "")
	s.get("a", "/crud/empty", false)
	s.set("a", "/crud/empty", nullData, -1)
	s.get("a", "/crud/empty", false)
	// Ephemeral parent.
	s.create("a", jute.OpCreate2, "/crud/e", "", jute.ModeEphemeral)
	s.c2("a", "/crud/e/x", "")
	s.create("a", jute.OpCreate2, "/crud/e/x", "", jute.ModeEphemeralSequential)
	s.create("a", jute.OpCreate2, "/crud/e/", "", jute.ModePersistentSequential)
	s.create("a", jute.OpCreate2, "/crud/e", "", jute.ModeEphemeral)
	// getChildren, getChildren2, getAllChildrenNumber.
	s.c2("a", "/crud/g", "")
	s.c2("a", "/crud/g/b", "")
	s.c2("a", "/crud/g/a", "")
	s.c2("a", "/crud/g/a/x", "")
	s.c2("a", "/crud/g/a/x/y", "")
	s.children("a", "/crud/g", false)
	s.children2("a", "/crud/g", false)
	s.children("a", "/crud/nope", false)
	s.children2("a", "/crud/nope", false)
	for _, p := range []string{"/crud/g", "/crud/g/a", "/crud/g/a/x/y", "/crud/g/", "crud", "/crud/nope"} {
		s.call("a", jute.OpGetAllChildrenNumber, &jute.GetAllChildrenNumberRequest{Path: p})
	}
	// sync echoes its path and validates nothing.
	for _, p := range []string{"/crud", "/crud/nope", "", "a", "/a/../b"} {
		s.call("a", jute.OpSync, &jute.SyncRequest{Path: p})
	}
	s.closeSession("a")
	return s
}

// scriptCreateFlags: every create opcode with every flag (facts 7).
func scriptCreateFlags() *script {
	s := &script{name: "createflags"}
	s.connect("a", 30000)
	s.c2("a", "/cf", "")
	for f := jute.CreateMode(-1); f <= 7; f++ {
		s.create("a", jute.OpCreate, fmt.Sprintf("/cf/c1-%d", f), "d", f)
		s.create("a", jute.OpCreate2, fmt.Sprintf("/cf/c2-%d", f), "d", f)
		s.create("a", jute.OpCreateContainer, fmt.Sprintf("/cf/cc-%d", f), "d", f)
		s.createTTL("a", fmt.Sprintf("/cf/ct-%d", f), f, 100000)
	}
	for _, ttl := range []int64{0, -1, 1, 1<<40 - 1, 1 << 40} {
		s.createTTL("a", fmt.Sprintf("/cf/ttl-%d", ttl), jute.ModePersistentWithTTL, ttl)
	}
	s.children("a", "/cf", false)
	s.exists("a", "/cf", false)
	s.call("a", jute.OpGetEphemerals, &jute.GetEphemeralsRequest{PrefixPath: "/cf"})
	return s
}

// scriptPaths: path validation per operation (facts 1).
func scriptPaths() *script {
	s := &script{name: "paths"}
	s.connect("a", 30000)
	s.c2("a", "/pth", "")
	s.c2("a", "/pth/a", "")
	s.c2("a", "/pth/a/b", "")
	s.createACL("a", "/pth/locked", []jute.ACL{acl(jute.PermAll, "digest", "nobody:x")}, 0)
	paths := []string{
		"", "a", "/pth/a/", "//pth", "/pth/a//b", "/pth/a/./b", "/pth/a/../b",
		"/pth/.", "/pth/..", "/pth/a/.", "/pth/a/..", "/pth/a/b/.",
		"/pth/a\x00b", "/pth/a\x01b", "/pth/a\tb", "/pth/a\x7fb", "/pth/a\u0080b", "/pth/a\u009fb",
		"/pth/a\xed\xa0\x80b", "/pth/a\ue000b", "/pth/a\uf8ffb", "/pth/a\ufff0b", "/pth/a\ufffdb", "/pth/a\uffffb",
		"/pth/a\U0001F600b", "/pth/a\xffb", "/pth/a\xc0\x80b",
		"/pth/a\u00a0b", "/pth/a\uf900b", "/pth/a\ufeffb", "/pth/a\uffefb", "/pth/a b", "/pth/ ",
		"/pth/a\\b", "/pth/é", "/pth/a/.b", "/pth/a/..b", "/pth/a/...", "/pth/a/b.",
		"/pth/locked/", "/pth/locked/./b", "/pth/nonexist/./b", "/pth/nonexist/", "/pth/a/b/c/",
		"/zookeeper/./x",
	}
	for _, p := range paths {
		s.create("a", jute.OpCreate2, p, "", 0)
		s.create("a", jute.OpCreate2, p, "", jute.ModePersistentSequential)
		s.del("a", p, -1)
		s.set("a", p, "x", -1)
		s.setACL("a", p, worldAll, -1)
		s.exists("a", p, false)
		s.get("a", p, false)
		s.children("a", p, false)
		s.getACL("a", p)
		s.multi("a", mOp(jute.OpCheck, &jute.CheckVersionRequest{Path: p, Version: -1}))
	}
	s.children("a", "/pth", false)
	s.children("a", "/pth/a", false)
	return s
}

// scriptSequential: sequence numbers count child creations of any kind,
// never deletions (facts 5).
func scriptSequential() *script {
	s := &script{name: "sequential"}
	s.connect("a", 30000)
	s.c2("a", "/seq", "")
	s.create("a", jute.OpCreate2, "/seq/s-", "", jute.ModePersistentSequential)
	s.create("a", jute.OpCreate2, "/seq/s-", "", jute.ModePersistentSequential)
	s.del("a", "/seq/s-0000000000", -1)
	s.create("a", jute.OpCreate2, "/seq/s-", "", jute.ModePersistentSequential)
	s.exists("a", "/seq", false)
	s.del("a", "/seq/s-0000000001", -1)
	s.del("a", "/seq/s-0000000002", -1)
	s.create("a", jute.OpCreate, "/seq/s-", "", jute.ModeEphemeralSequential)
	s.exists("a", "/seq", false)
	s.c2("a", "/seq/plain", "")
	s.del("a", "/seq/plain", -1)
	s.create("a", jute.OpCreate2, "/seq/", "", jute.ModePersistentSequential)
	s.c2("a", "/seq/plain", "") // a failed create counts nothing
	s.c2("a", "/seq/plain", "")
	s.multi("a", mCreate("/seq/m-", jute.ModePersistentSequential), mCreate("/seq/m-", jute.ModePersistentSequential))
	s.multi("a", mCreate("/seq/f-", jute.ModePersistentSequential), mCreate("/seq/plain", 0))
	s.create("a", jute.OpCreate2, "/seq/z", "", jute.ModePersistentSequential)
	s.children2("a", "/seq", false)
	s.closeSession("a")
	s.connect("b", 30000)
	s.children2("b", "/seq", false)
	return s
}

var (
	aliceID = "alice:V55/p2T0OpjQ+low3NVAH4aLvm0="
	aliceRW = []jute.ACL{acl(jute.PermAll, "digest", aliceID), acl(jute.PermRead, "world", "anyone")}
)

// scriptACL: digest auth, ACL checks and their order, masked getACL,
// setACL with aversion, InvalidACL, the auth scheme, whoAmI (facts 2, 10).
func scriptACL() *script {
	s := &script{name: "acl"}
	s.connect("a", 30000)
	s.connect("b", 30000)
	s.call("a", jute.OpWhoAmI, nil)
	s.auth("a", "digest", "alice:pw")
	s.call("a", jute.OpWhoAmI, nil)
	s.c2("a", "/acl", "")
	s.createACL("a", "/acl/r", aliceRW, 0)
	s.getACL("a", "/acl/r")
	s.getACL("b", "/acl/r") // READ only: digest masked
	s.get("b", "/acl/r", false)
	s.set("b", "/acl/r", "x", -1)
	s.set("b", "/acl/r", "x", 9)
	s.setACL("b", "/acl/r", worldAll, 5)
	s.c2("b", "/acl/r/x", "")
	s.setACL("a", "/acl/r", aliceRW, 5)
	s.setACL("a", "/acl/r", aliceRW, 0)
	s.setACL("a", "/acl/r", aliceRW, 0)
	s.exists("a", "/acl/r", false)
	// A node nobody but alice can touch.
	s.createACL("a", "/acl/L", []jute.ACL{acl(jute.PermAll, "digest", aliceID)}, 0)
	s.c2("a", "/acl/L/child", "")
	s.createACL("a", "/acl/L/eph", worldAll, jute.ModeEphemeral)
	s.exists("b", "/acl/L", false)
	s.get("b", "/acl/L", false)
	s.children("b", "/acl/L", false)
	s.children2("b", "/acl/L", false)
	s.getACL("b", "/acl/L")
	s.call("b", jute.OpGetAllChildrenNumber, &jute.GetAllChildrenNumberRequest{Path: "/acl/L"})
	s.call("b", jute.OpSync, &jute.SyncRequest{Path: "/acl/L"})
	s.c2("b", "/acl/L/x", "")
	s.c2("b", "/acl/L/x/y", "")
	s.del("b", "/acl/L/missing", -1)
	s.del("b", "/acl/L/child", -1)
	s.multi("b", mOp(jute.OpCheck, &jute.CheckVersionRequest{Path: "/acl/L", Version: 5}))
	s.call("b", jute.OpMultiRead, &jute.MultiRequest{Ops: []jute.MultiOp{
		mOp(jute.OpGetData, &jute.GetDataRequest{Path: "/acl/L"}),
		mOp(jute.OpGetData, &jute.GetDataRequest{Path: "/acl/r"}),
	}})
	s.call("a", jute.OpGetEphemerals, &jute.GetEphemeralsRequest{PrefixPath: "/acl/L"})
	// getACL needs READ or ADMIN.
	for _, p := range []int32{jute.PermRead, jute.PermAdmin, jute.PermWrite, jute.PermCreate | jute.PermDelete, 0} {
		path := fmt.Sprintf("/acl/p%d", p)
		s.createACL("a", path, []jute.ACL{acl(p, "world", "anyone")}, 0)
		s.getACL("b", path)
		s.get("b", path, false)
		s.get("a", path, false)
	}
	// delete needs DELETE on the parent only.
	s.del("b", "/acl/L", 5)
	s.del("a", "/acl/L/child", -1)
	s.del("a", "/acl/L/eph", -1)
	// Invalid ACLs, checked before everything but the cheap path check.
	invalid := [][]jute.ACL{
		{}, nil, {acl(31, "bogus", "x")}, {acl(31, "world", "someone")},
		{acl(31, "auth", "")}, {acl(1, "world", "anyone"), acl(31, "auth", "")},
		{acl(31, "ip", "300.1.1.1")}, {acl(31, "ip", "127.0.0.1/33")}, {acl(31, "ip", "")},
		{acl(31, "digest", "alice")}, {acl(31, "digest", "alice:")},
	}
	for i, a := range invalid {
		s.createACL("b", fmt.Sprintf("/acl/inv%d", i), a, 0)
	}
	s.createACL("b", "/acl/r", nil, 0)
	s.createACL("b", "/acl/missing/x", []jute.ACL{}, 0)
	s.createACL("b", "acl", []jute.ACL{}, 0)
	s.setACL("b", "/acl/missing", []jute.ACL{}, -1)
	// Accepted oddities.
	valid := [][]jute.ACL{
		{acl(0, "world", "anyone")}, {acl(32, "world", "anyone")}, {acl(-1, "world", "anyone")},
		{acl(31, "digest", "alice:pw")}, {acl(31, "ip", "127.0.0.1")}, {acl(31, "ip", "10.0.0.0/8")},
		{acl(31, "world", "anyone"), acl(31, "world", "anyone"), acl(1, "world", "anyone")},
		{acl(5, "auth", "ignored")}, {acl(1, "world", "anyone"), acl(31, "auth", "")},
	}
	for i, a := range valid {
		p := fmt.Sprintf("/acl/ok%d", i)
		s.createACL("a", p, a, 0)
		s.getACL("a", p)
		s.get("b", p, false)
	}
	// More identities.
	s.auth("a", "digest", "bob:pw")
	s.auth("a", "digest", "alice:pw")
	s.call("a", jute.OpWhoAmI, nil)
	s.createACL("a", "/acl/two", []jute.ACL{acl(31, "auth", "")}, 0)
	s.getACL("a", "/acl/two")
	s.auth("b", "digest", "alice:wrong")
	s.get("b", "/acl/L", false)
	s.auth("b", "digest", "nocolon")
	s.auth("b", "digest", "")
	s.auth("b", "ip", "127.0.0.1")
	s.call("b", jute.OpWhoAmI, nil)
	s.auth("b", "bogus", "x")
	s.connect("c", 30000)
	s.auth("c", "world", "anyone")
	return s
}

// scriptMulti: multi success and failure results, one zxid per multi,
// ops seeing earlier ops, multiRead (facts 6).
func scriptMulti() *script {
	s := &script{name: "multi"}
	s.connect("a", 30000)
	s.c2("a", "/m", "")
	s.c2("a", "/m/x", "x")
	s.multi("a",
		mCreate("/m/a", 0),
		mOp(jute.OpCreate2, &jute.CreateRequest{Path: "/m/b", Data: []byte("b"), ACL: worldAll}),
		mOp(jute.OpCreateContainer, &jute.CreateRequest{Path: "/m/c", Data: []byte("c"), ACL: worldAll, Flags: jute.ModeContainer}),
		mOp(jute.OpCreateTTL, &jute.CreateTTLRequest{Path: "/m/t", Data: []byte("t"), ACL: worldAll, Flags: jute.ModePersistentWithTTL, TTL: 100000}),
		mOp(jute.OpSetData, &jute.SetDataRequest{Path: "/m/x", Data: []byte("y"), Version: 0}),
		mOp(jute.OpCheck, &jute.CheckVersionRequest{Path: "/m/x", Version: 1}),
		mOp(jute.OpDelete, &jute.DeleteRequest{Path: "/m/a", Version: 0}),
	)
	s.exists("a", "/m", false)
	s.exists("a", "/m/b", false)
	// Failures: the ops before carry 0, the failing one its code, the rest -2.
	s.multi("a", mCreate("/m/f1", 0), mOp(jute.OpSetData, &jute.SetDataRequest{Path: "/m/x", Data: []byte("z"), Version: -1}),
		mCreate("/m/b", 0), mOp(jute.OpDelete, &jute.DeleteRequest{Path: "/m/x", Version: -1}),
		mOp(jute.OpCheck, &jute.CheckVersionRequest{Path: "/m/x", Version: -1}))
	s.multi("a", mOp(jute.OpCheck, &jute.CheckVersionRequest{Path: "/m/x", Version: 99}), mCreate("/m/f2", 0))
	s.multi("a", mCreate("/m/f3", 0), mOp(jute.OpDelete, &jute.DeleteRequest{Path: "/m/nonexist", Version: -1}))
	s.multi("a", mCreate("/m/f4", 0), mCreate("/m/", 0), mCreate("/m/f5", 0))
	s.multi("a", mCreate("/m/f6", 0), mOp(jute.OpCreate, &jute.CreateRequest{Path: "/m/f7", ACL: []jute.ACL{}}))
	s.multi("a", mOp(jute.OpCheck, &jute.CheckVersionRequest{Path: "/m/nonexist", Version: -1}))
	s.multi("a", mOp(jute.OpCheck, &jute.CheckVersionRequest{Path: "/m/x/", Version: -1}))
	s.multi("a", mCreate("/m/b", 0), mCreate("/m/x", 0)) // only the first failure is reported
	s.exists("a", "/m", false)
	s.exists("a", "/m/f1", false)
	s.get("a", "/m/x", false)
	// Ops see earlier ops.
	s.multi("a", mCreate("/m/p", 0), mCreate("/m/p/c", 0), mCreate("/m/p/c/d", 0))
	s.exists("a", "/m/p", false)
	s.multi("a", mOp(jute.OpDelete, &jute.DeleteRequest{Path: "/m/p/c/d", Version: -1}), mCreate("/m/p/c/d", 0))
	s.multi("a", mCreate("/m/q", 0), mOp(jute.OpDelete, &jute.DeleteRequest{Path: "/m/q", Version: 0}))
	s.exists("a", "/m/q", false)
	s.multi("a",
		mOp(jute.OpSetData, &jute.SetDataRequest{Path: "/m/x", Data: []byte("1"), Version: -1}),
		mOp(jute.OpSetData, &jute.SetDataRequest{Path: "/m/x", Data: []byte("2"), Version: -1}),
		mOp(jute.OpCheck, &jute.CheckVersionRequest{Path: "/m/x", Version: 3}))
	s.multi("a", mCreate("/m/p/c/e", 0), mOp(jute.OpDelete, &jute.DeleteRequest{Path: "/m/p/c", Version: -1}))
	s.multi("a", mCreate("/m/eph", jute.ModeEphemeral), mCreate("/m/eph/c", 0))
	s.multi("a", mCreate("/m/z-", jute.ModePersistentSequential), mCreate("/m/z-", jute.ModePersistentSequential))
	// Empty multi and multiRead; kinds mixed up.
	s.multi("a")
	s.call("a", jute.OpMultiRead, &jute.MultiRequest{})
	s.call("a", jute.OpMultiRead, &jute.MultiRequest{Ops: []jute.MultiOp{
		mOp(jute.OpGetData, &jute.GetDataRequest{Path: "/m/x"}),
		mOp(jute.OpGetChildren, &jute.GetChildrenRequest{Path: "/m/p"}),
		mOp(jute.OpGetData, &jute.GetDataRequest{Path: "/m/nonexist"}),
		mOp(jute.OpGetChildren, &jute.GetChildrenRequest{Path: "/m"}),
	}})
	s.call("a", jute.OpMultiRead, &jute.MultiRequest{Ops: []jute.MultiOp{mCreate("/m/r", 0)}})
	s.multi("a", mOp(jute.OpGetData, &jute.GetDataRequest{Path: "/m/x"}))
	s.exists("a", "/m/r", false)
	return s
}

// scriptWatches: one-shot watches, their events and their order
// relative to replies, on the writer's connection and another (facts 11).
func scriptWatches() *script {
	s := &script{name: "watches"}
	s.connect("a", 30000)
	s.connect("b", 30000)
	s.c2("a", "/w", "")
	// Own write: the event precedes the reply.
	s.exists("a", "/w/n", true)
	s.c2("a", "/w/n", "1")
	// Several watches on one node: one event each kind.
	s.get("a", "/w/n", true)
	s.exists("a", "/w/n", true)
	s.children("a", "/w/n", true)
	s.get("a", "/w/n", true)
	s.children("a", "/w", true)
	s.set("a", "/w/n", "2", -1)
	s.get("a", "/w/n", true)
	s.del("a", "/w/n", -1)
	// Another session's writes.
	s.exists("b", "/w/o", true)
	s.children("b", "/w", true)
	s.c2("a", "/w/o", "")
	s.events("b", 2)
	s.get("b", "/w/o", true)
	s.set("a", "/w/o", "x", -1)
	s.events("b", 1)
	s.set("a", "/w/o", "y", -1) // consumed: nothing
	s.exists("b", "/w/o", true)
	s.del("a", "/w/o", -1)
	s.events("b", 1)
	// Created and deleted: only NodeCreated.
	s.exists("b", "/w/p", true)
	s.c2("a", "/w/p", "")
	s.del("a", "/w/p", -1)
	s.events("b", 1)
	// Failed writes and setACL fire nothing; child setData neither.
	s.c2("a", "/w/q", "")
	s.get("b", "/w/q", true)
	s.children("b", "/w", true)
	s.c2("a", "/w/q", "")
	s.set("a", "/w/q", "z", 9)
	s.setACL("a", "/w/q", worldAll, -1)
	s.c2("a", "/w/q/c", "")
	s.set("a", "/w/q/c", "z", -1)
	s.exists("b", "/w/q", false)
	// A multi creating two children: one NodeChildrenChanged.
	s.exists("a", "/w/m1", true)
	s.exists("a", "/w/m2", true)
	s.multi("a", mCreate("/w/m1", 0), mCreate("/w/m2", 0))
	s.events("b", 1)
	// An own delete with data and child watches.
	s.get("a", "/w/m1", true)
	s.children("a", "/w", true)
	s.del("a", "/w/m1", -1)
	// checkWatches / removeWatches.
	s.get("a", "/w/m2", true)
	s.call("a", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/w/m2", Type: jute.WatcherData})
	s.call("a", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/w/m2", Type: jute.WatcherChildren})
	s.call("a", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/w/m2", Type: jute.WatcherAny})
	s.call("a", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/w/none", Type: jute.WatcherAny})
	s.call("a", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/w/m2", Type: 7})
	s.call("a", jute.OpRemoveWatches, &jute.RemoveWatchesRequest{Path: "/w/m2", Type: jute.WatcherChildren})
	s.call("a", jute.OpRemoveWatches, &jute.RemoveWatchesRequest{Path: "/w/m2", Type: jute.WatcherData})
	s.call("a", jute.OpRemoveWatches, &jute.RemoveWatchesRequest{Path: "/w/m2", Type: jute.WatcherData})
	s.children("a", "/w/m2", true)
	s.exists("a", "/w/m2", true)
	s.call("a", jute.OpRemoveWatches, &jute.RemoveWatchesRequest{Path: "/w/m2", Type: jute.WatcherAny})
	s.call("a", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/w/m2", Type: jute.WatcherAny})
	s.set("a", "/w/m2", "no event", -1)
	// Events from a session's close.
	s.c2("a", "/w/eph", "")
	s.create("b", jute.OpCreate2, "/w/eph/e1", "", jute.ModeEphemeral)
	s.exists("a", "/w/eph/e1", true)
	s.children("a", "/w/eph", true)
	s.closeSession("b")
	s.events("a", 2)
	s.exists("a", "/w/eph", false)
	return s
}

// scriptPersistentWatches: addWatch persistent and recursive (facts 11).
func scriptPersistentWatches() *script {
	s := &script{name: "persistentwatches"}
	s.connect("a", 30000)
	s.connect("b", 30000)
	s.c2("a", "/pw", "")
	s.call("b", jute.OpAddWatch, &jute.AddWatchRequest{Path: "/pw/r", Mode: jute.AddWatchPersistentRecursive})
	s.call("b", jute.OpAddWatch, &jute.AddWatchRequest{Path: "/pw/p", Mode: jute.AddWatchPersistent})
	s.call("b", jute.OpAddWatch, &jute.AddWatchRequest{Path: "/pw/x", Mode: 2})
	s.c2("a", "/pw/r", "")
	s.events("b", 1)
	s.c2("a", "/pw/r/a", "")
	s.events("b", 1)
	s.c2("a", "/pw/r/a/b", "")
	s.events("b", 1)
	s.set("a", "/pw/r/a/b", "1", -1)
	s.events("b", 1)
	s.set("a", "/pw/r", "1", -1)
	s.events("b", 1)
	s.c2("a", "/pw/rX", "") // string prefix only: nothing
	s.del("a", "/pw/r/a/b", -1)
	s.events("b", 1)
	s.c2("a", "/pw/p", "")
	s.events("b", 1)
	s.c2("a", "/pw/p/a", "")
	s.events("b", 1)
	s.c2("a", "/pw/p/a/b", "") // grandchild: nothing
	s.set("a", "/pw/p", "1", -1)
	s.events("b", 1)
	s.set("a", "/pw/p", "2", -1)
	s.events("b", 1)
	s.del("a", "/pw/p/a/b", -1)
	s.del("a", "/pw/p/a", -1)
	s.events("b", 1)
	s.del("a", "/pw/p", -1)
	s.events("b", 1)
	s.c2("a", "/pw/p", "")
	s.events("b", 1)
	s.call("b", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/pw/r", Type: jute.WatcherData})
	s.call("b", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/pw/r", Type: jute.WatcherPersistentRecursive})
	s.call("b", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/pw/p", Type: jute.WatcherPersistent})
	s.call("b", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/pw/p", Type: jute.WatcherChildren})
	s.call("b", jute.OpRemoveWatches, &jute.RemoveWatchesRequest{Path: "/pw/r", Type: jute.WatcherAny})
	s.set("a", "/pw/r", "2", -1)
	s.call("b", jute.OpRemoveWatches, &jute.RemoveWatchesRequest{Path: "/pw/p", Type: jute.WatcherPersistent})
	s.set("a", "/pw/p", "2", -1)
	// A persistent watch on its own writes: the event precedes the reply.
	s.call("a", jute.OpAddWatch, &jute.AddWatchRequest{Path: "/pw", Mode: jute.AddWatchPersistentRecursive})
	s.c2("a", "/pw/own", "")
	s.multi("a", mCreate("/pw/own/1", 0), mCreate("/pw/own/2", 0))
	s.set("b", "/pw/own", "b", -1)
	s.events("a", 1)
	return s
}

// scriptEphemerals: getEphemerals prefixes and the parent's Stat after a
// session's close (facts 4, 8).
func scriptEphemerals() *script {
	s := &script{name: "ephemerals"}
	s.connect("a", 30000)
	s.connect("o", 30000)
	s.c2("a", "/eA", "")
	s.c2("a", "/eAB", "")
	s.create("a", jute.OpCreate2, "/eA/e1", "", jute.ModeEphemeral)
	s.create("a", jute.OpCreate2, "/eA/e2", "", jute.ModeEphemeral)
	s.create("a", jute.OpCreate2, "/eA/s-", "", jute.ModeEphemeralSequential)
	s.create("a", jute.OpCreate2, "/eAB/e3", "", jute.ModeEphemeral)
	s.create("a", jute.OpCreate, "/e-top", "", jute.ModeEphemeral)
	s.create("o", jute.OpCreate2, "/eA/other", "", jute.ModeEphemeral)
	for _, p := range []string{"/eA", "/eA/", "/eA/e", "/e", "/eA/e1", "/nonexist", "e", "x", "/e-top", "/eAB/", "", "  ", " / ", "\t/\n", " /eA"} {
		s.call("a", jute.OpGetEphemerals, &jute.GetEphemeralsRequest{PrefixPath: p})
	}
	s.call("o", jute.OpGetEphemerals, &jute.GetEphemeralsRequest{PrefixPath: "/eA"})
	s.exists("o", "/eA", false)
	s.exists("o", "/eAB", false)
	s.get("o", "/eA/e1", true)
	s.children("o", "/eA", true)
	s.get("o", "/eAB/e3", true)
	s.exists("o", "/e-top", true)
	s.closeSession("a")
	s.eventsUnordered("o", 4)
	s.exists("o", "/eA", false)
	s.exists("o", "/eAB", false)
	s.exists("o", "/e-top", false)
	s.children("o", "/eA", false)
	// Another session may delete someone's ephemeral.
	s.connect("c", 30000)
	s.create("c", jute.OpCreate2, "/eA/c1", "", jute.ModeEphemeral)
	s.create("c", jute.OpCreate2, "/eA/c2", "", jute.ModeEphemeral)
	s.del("o", "/eA/c1", -1)
	s.set("o", "/eA/c2", "o", -1)
	s.closeSession("c")
	s.exists("o", "/eA", false)
	s.children("o", "/eA", false)
	s.call("o", jute.OpGetEphemerals, &jute.GetEphemeralsRequest{PrefixPath: "/"})
	return s
}

// reconfigRequest is ReconfigRequest{joiningServers, leavingServers,
// newMembers, curConfigId}.
type reconfigRequest struct {
	joining, leaving, members string
	configID                  int64
}

func (r *reconfigRequest) Encode(e *jute.Encoder) {
	e.WriteString(r.joining)
	e.WriteString(r.leaving)
	e.WriteString(r.members)
	e.WriteLong(r.configID)
}

// scriptMisc: reconfig, a client's deleteContainer, setWatches, unknown
// opcodes.
func scriptMisc() *script {
	s := &script{name: "misc"}
	s.connect("a", 30000)
	s.c2("a", "/misc", "")
	s.call("a", jute.OpReconfig, &reconfigRequest{joining: "server.2=127.0.0.1:1:2:participant;127.0.0.1:3", configID: -1})
	s.call("a", jute.OpDeleteContainer, &jute.DeleteRequest{Path: "/misc", Version: -1})
	s.exists("a", "/misc", false)
	s.connect("b", 30000)
	// As clients send it after a reconnect: xid -8, empty lists.
	s.add(step{kind: kCall, sess: "b", op: jute.OpSetWatches, xid: jute.XidSetWatches, desc: "setWatches xid=-8 relativeZxid=0 data=[/misc]",
		req: &jute.SetWatches{RelativeZxid: 0, DataWatches: []string{"/misc"}, ExistWatches: []string{}, ChildWatches: []string{}}})
	s.set("a", "/misc", "x", -1)
	s.events("b", 1)
	// With null lists and an ordinary xid.
	s.call("b", jute.OpSetWatches, &jute.SetWatches{RelativeZxid: 0, DataWatches: []string{"/misc"}})
	s.exists("b", "/misc", false)
	s.connect("c", 30000)
	s.call("c", jute.OpCode(99), nil)
	s.exists("c", "/misc", false)
	s.connect("d", 30000)
	s.call("d", jute.OpCode(1000), nil)
	s.exists("d", "/misc", false)
	return s
}

// scriptExpiry: a session left alone expires; its ephemerals go in one
// transaction; the parent's Stat and the watchers show it; its id then
// reads as expired (facts 4).
func scriptExpiry() *script {
	s := &script{name: "expiry"}
	s.connect("a", 30000)
	s.connect("x", 4000)
	s.c2("a", "/exp", "")
	s.c2("a", "/exp2", "")
	s.create("x", jute.OpCreate2, "/exp/b0", "", jute.ModeEphemeral)
	s.create("x", jute.OpCreate2, "/exp/b1", "", jute.ModeEphemeral)
	s.create("x", jute.OpCreate2, "/exp/bs", "", jute.ModeEphemeralSequential)
	s.create("x", jute.OpCreate2, "/exp2/b", "", jute.ModeEphemeral)
	s.children("a", "/exp", true)
	s.exists("a", "/exp2/b", true)
	s.exists("a", "/exp", false)
	s.drop("x")
	s.pollGone("a", "/exp/b0")
	s.eventsUnordered("a", 2)
	s.exists("a", "/exp", false)
	s.exists("a", "/exp2", false)
	s.children("a", "/exp", false)
	s.reconnect("y", "x")
	s.c2("a", "/exp/after", "")
	s.exists("a", "/exp", false)
	return s
}

// scriptContainers: containers go after their last child, are kept if
// never used or still used; create2 with the container flag makes a
// plain node (facts 7).
func scriptContainers() *script {
	s := &script{name: "containers"}
	s.connect("a", 30000)
	s.connect("b", 30000)
	s.c2("a", "/ct", "")
	s.create("a", jute.OpCreateContainer, "/ct/used", "", jute.ModeContainer)
	s.create("a", jute.OpCreateContainer, "/ct/never", "", jute.ModeContainer)
	s.create("a", jute.OpCreateContainer, "/ct/kept", "", jute.ModeContainer)
	s.create("a", jute.OpCreateContainer, "/ct/eph", "", jute.ModeEphemeral)
	s.create("a", jute.OpCreate2, "/ct/plain", "", jute.ModeContainer)
	s.multi("a", mOp(jute.OpCreateContainer, &jute.CreateRequest{Path: "/ct/multi", ACL: worldAll, Flags: jute.ModeContainer}))
	s.c2("a", "/ct/used/c", "")
	s.c2("a", "/ct/kept/c", "")
	s.c2("a", "/ct/kept/c/g", "")
	s.c2("a", "/ct/plain/c", "")
	s.create("b", jute.OpCreate2, "/ct/eph/e", "", jute.ModeEphemeral)
	s.exists("a", "/ct/used", true)
	s.children("a", "/ct", true)
	s.del("a", "/ct/used/c", -1)
	s.del("a", "/ct/kept/c/g", -1)
	s.del("a", "/ct/plain/c", -1)
	s.closeSession("b")
	s.pollGone("a", "/ct/used")
	s.pollGone("a", "/ct/eph")
	s.events("a", 2)
	s.exists("a", "/ct/never", false)
	s.exists("a", "/ct/kept", false)
	s.exists("a", "/ct/plain", false)
	s.exists("a", "/ct/multi", false)
	s.exists("a", "/ct", false)
	s.children("a", "/ct", false)
	return s
}

// scriptTTL: TTL nodes go when unmodified for their TTL and childless
// (facts 7).
func scriptTTL() *script {
	s := &script{name: "ttl"}
	s.connect("a", 30000)
	s.c2("a", "/ttl", "")
	s.createTTL("a", "/ttl/short", jute.ModePersistentWithTTL, 1000)
	s.createTTL("a", "/ttl/parent", jute.ModePersistentWithTTL, 1000)
	s.createTTL("a", "/ttl/s-", jute.ModePersistentSequentialWithTTL, 1000)
	s.createTTL("a", "/ttl/long", jute.ModePersistentWithTTL, 1000000)
	s.c2("a", "/ttl/parent/c", "")
	s.exists("a", "/ttl/short", true)
	s.pollGone("a", "/ttl/short")
	s.pollGone("a", "/ttl/s-0000000002")
	s.exists("a", "/ttl/parent", false)
	s.exists("a", "/ttl/long", false)
	s.exists("a", "/ttl", false)
	s.del("a", "/ttl/parent/c", -1)
	s.pollGone("a", "/ttl/parent")
	s.children("a", "/ttl", false)
	return s
}
