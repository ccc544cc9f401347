package zkbridge_test

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/gateway/gatewaytest"
	"github.com/zkgate/zkgate/schema"
	"github.com/zkgate/zkgate/zkbridge"
	"github.com/zkgate/zkgate/zkbridge/jute"
)

// Hostile input: each test sends what a broken or malicious client
// sends, and checks that it gets a clear error or a closed connection,
// that nothing is written (the etcd revision does not move), that other
// clients are served, and that the connection's goroutines are gone
// afterwards.

// goroutineSlack is how far above its baseline the goroutine count may
// settle: the embedded etcd member starts and ends goroutines of its own.
// Each test opens well over this many hostile connections, so one
// goroutine left behind per connection shows.
const goroutineSlack = 10

// awaitGoroutines polls runtime.NumGoroutine until it is at most limit,
// and fails after timeout.
func awaitGoroutines(t testing.TB, limit int, timeout time.Duration) int {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		n := runtime.NumGoroutine()
		if n <= limit {
			return n
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines, still above %d after %v: connections leak goroutines", n, limit, timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// revision is the cluster's current etcd revision: every write to the
// namespace (and every session opened) moves it.
func revision(t testing.TB, cl *gatewaytest.Cluster) int64 {
	t.Helper()
	resp, err := cl.Client(0).Get(context.Background(), "probe")
	if err != nil {
		t.Fatal(err)
	}
	return resp.Header.Revision
}

// awaitClosed waits until the server closes nc, failing if it sends
// anything or does not close within timeout.
func awaitClosed(t testing.TB, nc net.Conn, timeout time.Duration) {
	t.Helper()
	nc.SetReadDeadline(time.Now().Add(timeout))
	n, err := nc.Read(make([]byte, 1))
	if n > 0 {
		t.Fatal("the server answered")
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("connection still open after %v", timeout)
	}
}

// TestHandshake_NeverCompletes: connections that never complete their
// handshake (silent, a length prefix cut short, a length and half a
// ConnectRequest, a length announcing more than is sent) are closed by
// the server once HandshakeTimeout has passed, not before; no session is
// opened (the etcd revision does not move); a client connecting
// meanwhile is served; their goroutines are gone afterwards. A
// ConnectRequest that is whole but malformed is closed at once.
func TestHandshake_NeverCompletes(t *testing.T) {
	cl := gatewaytest.StartCluster(t, 1)
	const timeout = 2 * time.Second
	addr := startBridgeWith(t, cl, 0, gateway.Config{}, func(c *zkbridge.Config) { c.HandshakeTimeout = timeout })
	warm := connect(t, addr, jute.ConnectRequest{})
	warm.stat("/")
	base := runtime.NumGoroutine()
	rev := revision(t, cl)

	full := jute.AppendPacket(nil, &jute.ConnectRequest{TimeOut: 10000, Passwd: make([]byte, 16)})
	stalls := [][]byte{
		nil,         // connects and sends nothing
		full[:2],    // half the length prefix
		full[:4],    // the length alone
		full[:4+20], // the length and half a ConnectRequest
		jute.AppendFrame(nil, make([]byte, 1000))[:4+45], // 1,000 bytes announced, 45 sent
	}
	const perKind = 20
	start := time.Now()
	var conns []net.Conn
	for _, b := range stalls {
		for range perKind {
			nc, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { nc.Close() })
			if _, err := nc.Write(b); err != nil {
				t.Fatal(err)
			}
			conns = append(conns, nc)
		}
	}
	// A whole ConnectRequest that does not decode: closed at once.
	bad, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer bad.Close()
	bad.Write(jute.AppendFrame(nil, full[4:4+20]))
	awaitClosed(t, bad, timeout/2)

	if r := revision(t, cl); r != rev {
		t.Fatalf("stalled handshakes wrote to etcd: revision %d -> %d", rev, r)
	}
	// Meanwhile a client completes its handshake and is served.
	c := connect(t, addr, jute.ConnectRequest{})
	if _, code := c.stat("/"); code != schema.CodeOK {
		t.Fatalf("a client connecting among stalled handshakes: %v", code)
	}
	c.Drop()
	rev = revision(t, cl) // c opened a session

	for _, nc := range conns {
		awaitClosed(t, nc, timeout+10*time.Second)
	}
	if took := time.Since(start); took < timeout {
		t.Fatalf("stalled handshakes closed after %v, before the %v deadline", took, timeout)
	}
	if r := revision(t, cl); r != rev {
		t.Fatalf("stalled handshakes wrote to etcd: revision %d -> %d", rev, r)
	}
	for _, nc := range conns {
		nc.Close()
	}
	n := awaitGoroutines(t, base+goroutineSlack, 20*time.Second)
	t.Logf("%d stalled handshakes closed after %v; goroutines %d before, %d after", len(conns), time.Since(start).Round(time.Millisecond), base, n)
}

// TestBadInput_NothingWritten: on one connection, a create, create2,
// createContainer, createTTL, delete, setData, setACL and multi, each cut
// short, and a multi whose second op is malformed after a valid create:
// each is answered MarshallingError, the connection goes on, and the
// etcd revision does not move (the multi's first op is not applied).
func TestBadInput_NothingWritten(t *testing.T) {
	cl := gatewaytest.StartCluster(t, 1)
	addr := startBridge(t, cl, 0, gateway.Config{})
	c := connect(t, addr, jute.ConnectRequest{})
	c.create("/h", 0)
	c.create("/h/a", 0)
	rev := revision(t, cl)

	create := jute.Append(nil, &jute.CreateRequest{Path: "/h/new", Data: []byte("x"), ACL: openACL})
	ttl := jute.Append(nil, &jute.CreateTTLRequest{Path: "/h/new", ACL: openACL, Flags: 5, TTL: 1000})
	del := jute.Append(nil, &jute.DeleteRequest{Path: "/h/a", Version: -1})
	set := jute.Append(nil, &jute.SetDataRequest{Path: "/h/a", Data: []byte("changed"), Version: -1})
	setACL := jute.Append(nil, &jute.SetACLRequest{Path: "/h/a", ACL: openACL[:1], Version: -1})
	multiCreate := jute.Append(nil, &jute.MultiHeader{Type: jute.OpCreate, Err: -1}, &jute.CreateRequest{Path: "/h/m", ACL: openACL})
	multiSet := jute.Append(nil, &jute.MultiHeader{Type: jute.OpSetData, Err: -1}, &jute.SetDataRequest{Path: "/h/a", Version: -1})
	done := jute.Append(nil, &jute.MultiHeader{Type: -1, Done: true, Err: -1})
	cases := []struct {
		name string
		op   jute.OpCode
		body []byte
	}{
		{"create cut short", jute.OpCreate, create[:len(create)-1]},
		{"create2 with a negative data length", jute.OpCreate2, append(append(create[:4+6:4+6], 0xff, 0xff, 0xff, 0xfe), create[4+6+4+1:]...)},
		{"createContainer cut short", jute.OpCreateContainer, create[:10]},
		{"createTTL without its ttl", jute.OpCreateTTL, ttl[:len(ttl)-8]},
		{"delete without its version", jute.OpDelete, del[:len(del)-4]},
		{"setData cut in its data", jute.OpSetData, set[:len(set)-6]},
		{"setACL cut in its ACL", jute.OpSetACL, setACL[:len(setACL)-8]},
		{"multi whose second op is cut short", jute.OpMulti, append(append([]byte(nil), multiCreate...), multiSet[:len(multiSet)-2]...)},
		{"multi whose second op has a negative path length", jute.OpMulti,
			append(append(append([]byte(nil), multiCreate...), append(multiSet[:9:9], 0xff, 0xff, 0xff, 0xfe)...), done...)},
		{"multi whose second op is of unknown type", jute.OpMulti,
			append(append(append([]byte(nil), multiCreate...), jute.Append(nil, &jute.MultiHeader{Type: 99, Err: -1})...), done...)},
		{"multi without its done header", jute.OpMulti, append(append([]byte(nil), multiCreate...), multiSet...)},
	}
	for _, tc := range cases {
		xid := c.NextXid()
		c.write(jute.AppendFrame(nil, append(jute.Append(nil, &jute.RequestHeader{Xid: xid, Type: tc.op}), tc.body...)))
		body := c.frame()
		if body == nil {
			t.Fatalf("%s: connection closed", tc.name)
		}
		var rh jute.ReplyHeader
		if _, err := jute.DecodePrefix(body, &rh); err != nil || rh.Xid != xid || rh.Err != schema.CodeMarshallingError {
			t.Fatalf("%s: reply %+v %v, want MarshallingError", tc.name, rh, err)
		}
		if r := revision(t, cl); r != rev {
			t.Fatalf("%s: revision %d -> %d: something was written", tc.name, rev, r)
		}
	}
	for _, p := range []string{"/h/new", "/h/m"} {
		if _, code := c.stat(p); code != schema.CodeNoNode {
			t.Fatalf("%s: %v, want NoNode", p, code)
		}
	}
	if st, _ := c.stat("/h/a"); st.Version != 0 || st.Aversion != 0 {
		t.Fatalf("/h/a changed: %+v", st)
	}
	// The connection goes on.
	if p := c.create("/h/after", 0); p != "/h/after" {
		t.Fatal(p)
	}
}

// TestBadInput_FramesCutOff: connections that send part of a frame (a
// length prefix cut short, a request header cut short, a create whose
// body stops halfway) and then close are cleaned up: nothing is written,
// another client is served throughout, and their goroutines are gone.
// So are connections that announce a negative or oversized frame.
func TestBadInput_FramesCutOff(t *testing.T) {
	cl := gatewaytest.StartCluster(t, 1)
	addr := startBridge(t, cl, 0, gateway.Config{})
	other := connect(t, addr, jute.ConnectRequest{})
	other.create("/h", 0)
	base := runtime.NumGoroutine()

	create := jute.AppendPacket(nil, &jute.RequestHeader{Xid: 1, Type: jute.OpCreate},
		&jute.CreateRequest{Path: "/h/new", Data: make([]byte, 2000), ACL: openACL})
	cuts := []struct {
		name  string
		bytes []byte
		// closed: the server closes the connection by itself, at once.
		closed bool
	}{
		{"half a length prefix", create[:2], false},
		{"a length prefix alone", create[:4], false},
		{"half a request header", create[:8], false},
		{"a create cut halfway", create[:len(create)/2], false},
		{"a create one byte short", create[:len(create)-1], false},
		{"a negative frame length", []byte{0xff, 0xff, 0xff, 0xfe, 0, 0, 0, 1}, true},
		{"a frame over MaxPacket", jute.AppendFrame(nil, make([]byte, 4097)), true},
		{"a frame length of 2^31-1", []byte{0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 1}, true},
	}
	const perCut = 10
	var sessions []*client
	for range cuts {
		for range perCut {
			// Sessions outlive the test: none expires and writes.
			c := connect(t, addr, jute.ConnectRequest{TimeOut: 40000})
			sessions = append(sessions, c)
		}
	}
	rev := revision(t, cl)
	for i, cut := range cuts {
		for _, c := range sessions[i*perCut : (i+1)*perCut] {
			c.write(cut.bytes)
			if cut.closed {
				awaitClosed(t, c.NetConn(), 10*time.Second)
			} else {
				c.NetConn().(*net.TCPConn).CloseWrite()
			}
		}
		if _, code := other.stat("/h"); code != schema.CodeOK {
			t.Fatalf("after %s: another client's exists: %v", cut.name, code)
		}
	}
	// Every connection cut off ends (the server sees the end of the
	// stream inside a frame and closes).
	for _, c := range sessions {
		awaitClosed(t, c.NetConn(), 10*time.Second)
		c.Drop()
	}
	if r := revision(t, cl); r != rev {
		t.Fatalf("frames cut off wrote to etcd: revision %d -> %d", rev, r)
	}
	if _, code := other.stat("/h/new"); code != schema.CodeNoNode {
		t.Fatalf("/h/new: %v", code)
	}
	n := awaitGoroutines(t, base+goroutineSlack, 20*time.Second)
	t.Logf("%d connections cut off; goroutines %d before, %d after", len(sessions), base, n)
}

// TestExpiredSession_RequestsOnItsConnection: a session that ends while
// its connection is open (its lease revoked, as when it expires while
// the node that holds the connection cannot reach etcd) loses its
// ephemeral; a write on the connection is answered SessionExpired and
// writes nothing; the next ping finds the session gone and the server
// closes the connection without answering, as ZooKeeper closes the
// connection of an expired session, rather than keep answering a client
// that believes its session (and its ephemerals, its locks) alive; a
// reconnect with the session's id and password is told it expired.
func TestExpiredSession_RequestsOnItsConnection(t *testing.T) {
	cl := gatewaytest.StartCluster(t, 1)
	addr := startBridge(t, cl, 0, gateway.Config{})
	w := connect(t, addr, jute.ConnectRequest{})
	w.create("/exp", 0)
	base := runtime.NumGoroutine()

	for _, first := range []string{"write", "ping"} {
		t.Run(first+" first", func(t *testing.T) {
			c := connect(t, addr, jute.ConnectRequest{TimeOut: 30000})
			c.create("/exp/eph-"+first, jute.CreateMode(1))
			resp, err := cl.Client(0).Get(context.Background(), schema.SessionKey(c.Resp.SessionID))
			if err != nil || len(resp.Kvs) != 1 {
				t.Fatalf("session record: %v %v", resp, err)
			}
			rec, err := schema.UnmarshalSession(resp.Kvs[0].Value)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := cl.Client(0).Revoke(context.Background(), clientv3.LeaseID(rec.LeaseOf(c.Resp.SessionID))); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(20 * time.Second)
			for {
				if _, code := w.stat("/exp/eph-" + first); code == schema.CodeNoNode {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("the ephemeral outlived its session")
				}
				time.Sleep(20 * time.Millisecond)
			}
			rev := revision(t, cl)

			if first == "write" {
				for _, mode := range []jute.CreateMode{0, 1} {
					rh, _ := c.call(jute.OpCreate, &jute.CreateRequest{Path: "/exp/after", ACL: openACL, Flags: mode})
					if rh.Err != schema.CodeSessionExpired {
						t.Fatalf("create (mode %d) on an ended session: %v, want SessionExpired", mode, rh.Err)
					}
				}
				rh, _ := c.call(jute.OpSetData, &jute.SetDataRequest{Path: "/exp", Data: []byte("x"), Version: -1})
				if rh.Err != schema.CodeSessionExpired {
					t.Fatalf("setData on an ended session: %v, want SessionExpired", rh.Err)
				}
			}
			c.write(jute.AppendPacket(nil, &jute.RequestHeader{Xid: jute.XidPing, Type: jute.OpPing}))
			if f := c.frame(); f != nil {
				t.Fatalf("a ping on an ended session was answered: %+v", header(t, f))
			}
			if r := revision(t, cl); r != rev {
				t.Fatalf("requests on an ended session wrote to etcd: revision %d -> %d", rev, r)
			}
			if st, _ := w.stat("/exp"); st.Version != 0 || st.NumChildren != 0 {
				t.Fatalf("/exp: %+v", st)
			}

			re := connect(t, addr, jute.ConnectRequest{SessionID: c.Resp.SessionID, Passwd: c.Resp.Passwd, TimeOut: 30000})
			if re.Resp.SessionID != 0 || re.Resp.TimeOut != 0 {
				t.Fatalf("reconnecting to an ended session: %+v", re.Resp)
			}
			if re.frame() != nil {
				t.Fatal("connection open after the expired answer")
			}
		})
	}
	n := awaitGoroutines(t, base+goroutineSlack, 20*time.Second)
	t.Logf("goroutines %d before, %d after", base, n)
}

// auth sends addauth and returns the reply's error code, or false if the
// connection was closed without one.
func (c *client) auth(scheme, cred string) (schema.Code, bool) {
	c.t.Helper()
	c.write(jute.AppendPacket(nil, &jute.RequestHeader{Xid: jute.XidAuth, Type: jute.OpAuth},
		&jute.AuthPacket{Scheme: scheme, Auth: []byte(cred)}))
	body := c.frame()
	if body == nil {
		return 0, false
	}
	rh := header(c.t, body)
	if rh.Xid != jute.XidAuth {
		c.t.Fatalf("auth reply xid %d", rh.Xid)
	}
	return rh.Err, true
}

// TestACL_WithoutAuth: a session without the identity a node's ACL names
// (none, or the right user with a wrong password) is refused with NoAuth
// everything ZooKeeper 3.8 refuses it (reading data and children,
// counting descendants, getACL without READ or ADMIN, setData even with
// a wrong version, setACL, creating or deleting a child, even a missing
// one, a multi touching the node, a multiRead op), gets what ZooKeeper
// gives without a check (exists, sync, getACL with READ, digests masked),
// and writes nothing; an auth packet of an unknown scheme (or "world") is
// answered AuthFailed and the connection closed.
func TestACL_WithoutAuth(t *testing.T) {
	cl := gatewaytest.StartCluster(t, 1)
	addr := startBridge(t, cl, 0, gateway.Config{})
	owner := connect(t, addr, jute.ConnectRequest{})
	if code, ok := owner.auth("digest", "alice:pw"); !ok || code != schema.CodeOK {
		t.Fatalf("addauth: %v %v", code, ok)
	}
	alice := jute.ID{Scheme: "digest", ID: schema.DigestID("alice", "pw")}
	onlyAlice := []jute.ACL{{Perms: jute.PermAll, ID: alice}}
	mk := func(path string, acl []jute.ACL) {
		rh, _ := owner.call(jute.OpCreate, &jute.CreateRequest{Path: path, Data: []byte("secret"), ACL: acl})
		if rh.Err != schema.CodeOK {
			t.Fatalf("create %s: %v", path, rh.Err)
		}
	}
	mk("/acl", openACL)
	mk("/acl/L", onlyAlice)
	mk("/acl/L/child", openACL)
	mk("/acl/read", append([]jute.ACL{{Perms: jute.PermRead, ID: jute.ID{Scheme: "world", ID: "anyone"}}}, onlyAlice...))
	mk("/acl/admin", append([]jute.ACL{{Perms: jute.PermAdmin, ID: jute.ID{Scheme: "world", ID: "anyone"}}}, onlyAlice...))
	mk("/acl/write", append([]jute.ACL{{Perms: jute.PermWrite, ID: jute.ID{Scheme: "world", ID: "anyone"}}}, onlyAlice...))

	stranger := connect(t, addr, jute.ConnectRequest{})
	wrongPw := connect(t, addr, jute.ConnectRequest{})
	if code, ok := wrongPw.auth("digest", "alice:wrong"); !ok || code != schema.CodeOK {
		t.Fatalf("addauth with a wrong password (ZooKeeper accepts it): %v %v", code, ok)
	}
	base := runtime.NumGoroutine()
	rev := revision(t, cl)

	multi := func(ops ...jute.MultiOp) jute.Encodable { return &jute.MultiRequest{Ops: ops} }
	cases := []struct {
		name string
		op   jute.OpCode
		req  jute.Encodable
		want schema.Code
	}{
		{"getData", jute.OpGetData, &jute.GetDataRequest{Path: "/acl/L"}, schema.CodeNoAuth},
		{"getData with a watch", jute.OpGetData, &jute.GetDataRequest{Path: "/acl/L", Watch: true}, schema.CodeNoAuth},
		{"getChildren", jute.OpGetChildren, &jute.GetChildrenRequest{Path: "/acl/L"}, schema.CodeNoAuth},
		{"getChildren2", jute.OpGetChildren2, &jute.GetChildren2Request{Path: "/acl/L"}, schema.CodeNoAuth},
		{"getAllChildrenNumber", jute.OpGetAllChildrenNumber, &jute.GetAllChildrenNumberRequest{Path: "/acl/L"}, schema.CodeNoAuth},
		{"getACL without READ or ADMIN", jute.OpGetACL, &jute.GetACLRequest{Path: "/acl/L"}, schema.CodeNoAuth},
		{"getACL with WRITE only", jute.OpGetACL, &jute.GetACLRequest{Path: "/acl/write"}, schema.CodeNoAuth},
		{"setData", jute.OpSetData, &jute.SetDataRequest{Path: "/acl/L", Data: []byte("x"), Version: -1}, schema.CodeNoAuth},
		{"setData with a wrong version", jute.OpSetData, &jute.SetDataRequest{Path: "/acl/L", Data: []byte("x"), Version: 9}, schema.CodeNoAuth},
		{"setACL", jute.OpSetACL, &jute.SetACLRequest{Path: "/acl/L", ACL: openACL, Version: -1}, schema.CodeNoAuth},
		{"setACL with a wrong version", jute.OpSetACL, &jute.SetACLRequest{Path: "/acl/L", ACL: openACL, Version: 5}, schema.CodeNoAuth},
		{"setACL with READ only", jute.OpSetACL, &jute.SetACLRequest{Path: "/acl/read", ACL: openACL, Version: -1}, schema.CodeNoAuth},
		{"create a child", jute.OpCreate, &jute.CreateRequest{Path: "/acl/L/x", ACL: openACL}, schema.CodeNoAuth},
		{"create2 an ephemeral child", jute.OpCreate2, &jute.CreateRequest{Path: "/acl/L/x", ACL: openACL, Flags: 1}, schema.CodeNoAuth},
		{"create a sequential child", jute.OpCreate, &jute.CreateRequest{Path: "/acl/L/s-", ACL: openACL, Flags: 2}, schema.CodeNoAuth},
		{"delete a child", jute.OpDelete, &jute.DeleteRequest{Path: "/acl/L/child", Version: -1}, schema.CodeNoAuth},
		{"delete a missing child", jute.OpDelete, &jute.DeleteRequest{Path: "/acl/L/missing", Version: -1}, schema.CodeNoAuth},
		{"create under a missing child", jute.OpCreate, &jute.CreateRequest{Path: "/acl/L/missing/x", ACL: openACL}, schema.CodeNoNode},
		{"exists (no check)", jute.OpExists, &jute.ExistsRequest{Path: "/acl/L"}, schema.CodeOK},
		{"sync (no check)", jute.OpSync, &jute.SyncRequest{Path: "/acl/L"}, schema.CodeOK},
		{"getACL with READ", jute.OpGetACL, &jute.GetACLRequest{Path: "/acl/read"}, schema.CodeOK},
		{"getACL with ADMIN", jute.OpGetACL, &jute.GetACLRequest{Path: "/acl/admin"}, schema.CodeOK},
	}
	for _, who := range []*client{stranger, wrongPw} {
		for _, tc := range cases {
			rh, d := who.call(tc.op, tc.req)
			if rh.Err != tc.want {
				t.Fatalf("%s: %v, want %v", tc.name, rh.Err, tc.want)
			}
			if tc.op == jute.OpGetACL && rh.Err == schema.CodeOK {
				var r jute.GetACLResponse
				if err := r.Decode(d); err != nil {
					t.Fatal(err)
				}
				for _, a := range r.ACL {
					if a.ID.Scheme == "digest" && tc.name == "getACL with READ" && a.ID.ID != "alice:x" {
						t.Fatalf("%s: digest shown as %s, want alice:x (masked without ADMIN)", tc.name, a.ID.ID)
					}
				}
			}
		}
		// A multi whose second op is refused applies neither.
		rh, d := who.call(jute.OpMulti, multi(
			jute.MultiOp{Op: jute.OpCreate, Request: &jute.CreateRequest{Path: "/acl/m", ACL: openACL}},
			jute.MultiOp{Op: jute.OpSetData, Request: &jute.SetDataRequest{Path: "/acl/L", Data: []byte("x"), Version: -1}}))
		var mr jute.MultiResponse
		if err := mr.Decode(d); err != nil || rh.Err != 0 || len(mr.Results) != 2 ||
			mr.Results[0].Err != schema.CodeOK || mr.Results[1].Err != schema.CodeNoAuth {
			t.Fatalf("multi [create, setData on /acl/L]: %+v %+v %v", rh, mr.Results, err)
		}
		rh, d = who.call(jute.OpMulti, multi(jute.MultiOp{Op: jute.OpCheck, Request: &jute.CheckVersionRequest{Path: "/acl/L", Version: 0}}))
		mr = jute.MultiResponse{}
		if err := mr.Decode(d); err != nil || len(mr.Results) != 1 || mr.Results[0].Err != schema.CodeNoAuth {
			t.Fatalf("multi [check /acl/L]: %+v %+v %v", rh, mr.Results, err)
		}
		rh, d = who.call(jute.OpMultiRead, multi(
			jute.MultiOp{Op: jute.OpGetData, Request: &jute.GetDataRequest{Path: "/acl/L"}},
			jute.MultiOp{Op: jute.OpGetData, Request: &jute.GetDataRequest{Path: "/acl/read"}}))
		mr = jute.MultiResponse{}
		if err := mr.Decode(d); err != nil || len(mr.Results) != 2 || mr.Results[0].Err != schema.CodeNoAuth ||
			mr.Results[1].Err != schema.CodeOK || string(mr.Results[1].Data) != "secret" {
			t.Fatalf("multiRead [/acl/L, /acl/read]: %+v %+v %v", rh, mr.Results, err)
		}
	}
	if r := revision(t, cl); r != rev {
		t.Fatalf("requests refused NoAuth wrote to etcd: revision %d -> %d", rev, r)
	}
	// Nothing changed, as the owner sees it.
	if st, _ := owner.stat("/acl/L"); st.Version != 0 || st.Aversion != 0 || st.NumChildren != 1 {
		t.Fatalf("/acl/L: %+v", st)
	}
	// A refused read set no watch: changing the node sends the stranger
	// nothing before the reply to its next request.
	if rh, _ := owner.call(jute.OpSetData, &jute.SetDataRequest{Path: "/acl/L", Data: []byte("v2"), Version: -1}); rh.Err != 0 {
		t.Fatal(rh.Err)
	}
	xid := stranger.NextXid()
	stranger.write(jute.AppendPacket(nil, &jute.RequestHeader{Xid: xid, Type: jute.OpExists}, &jute.ExistsRequest{Path: "/acl"}))
	if h := header(t, stranger.frame()); h.Xid != xid {
		t.Fatalf("a NoAuth getData left a watch behind: got xid %d first", h.Xid)
	}

	// Bad auth packets: AuthFailed, then the connection is closed.
	for _, scheme := range []string{"bogus", "world", ""} {
		c := connect(t, addr, jute.ConnectRequest{})
		code, ok := c.auth(scheme, "x")
		if !ok || code != schema.CodeAuthFailed {
			t.Fatalf("addauth %q: %v (answered: %v), want AuthFailed", scheme, code, ok)
		}
		if c.frame() != nil {
			t.Fatalf("addauth %q: connection open after AuthFailed", scheme)
		}
		c.Drop()
	}
	if _, code := stranger.stat("/acl/L"); code != schema.CodeOK {
		t.Fatalf("another session after bad auth packets: %v", code)
	}
	stranger.Drop()
	wrongPw.Drop()
	n := awaitGoroutines(t, base+goroutineSlack, 20*time.Second)
	t.Logf("goroutines %d before, %d after", base, n)
}

// TestSlowReader_RepliesNotBuffered: a client that sends getData after
// getData of an 8 KiB node and never reads a reply (each request 22
// bytes, its reply 8 KiB: 100,000 of them would be 800 MiB) is no
// longer read once a few MiB of replies wait for it: its writes stall,
// the server has read only a fraction of what it sent, and the server's
// heap grows by a few MiB, not by what it was asked. Other clients are
// served meanwhile; once the client goes, its goroutines go too.
func TestSlowReader_RepliesNotBuffered(t *testing.T) {
	cl := gatewaytest.StartCluster(t, 1)
	addr := startBridgeWith(t, cl, 0, gateway.Config{}, func(c *zkbridge.Config) { c.MaxPacket = 1 << 20 })
	other := connect(t, addr, jute.ConnectRequest{})
	rh, _ := other.call(jute.OpCreate, &jute.CreateRequest{Path: "/big", Data: make([]byte, 8<<10), ACL: openACL})
	if rh.Err != 0 {
		t.Fatal(rh.Err)
	}
	slow := connect(t, addr, jute.ConnectRequest{TimeOut: 40000})
	base := runtime.NumGoroutine()
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	heap0 := heap()

	var batch []byte
	for i := range 1000 {
		batch = jute.AppendPacket(batch, &jute.RequestHeader{Xid: int32(i + 1), Type: jute.OpGetData}, &jute.GetDataRequest{Path: "/big"})
	}
	const most = 1000000 // 22 MB of requests, more than the kernel's buffers hold
	sent := 0
	for sent < most {
		// The server stops reading: the kernel's buffers fill and a write
		// makes no progress for a second.
		slow.NetConn().SetWriteDeadline(time.Now().Add(time.Second))
		n, err := slow.NetConn().Write(batch)
		sent += n / (len(batch) / 1000)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if sent%100000 == 0 && heap()-heap0 > 256<<20 {
			t.Fatalf("the heap grew by %d MiB for a client that reads nothing", (heap()-heap0)>>20)
		}
	}
	if sent >= most {
		t.Fatalf("the server read %d requests from a client that reads no reply", most)
	}
	received := srvrCount(t, addr, "Received")
	grown := int64(heap()) - int64(heap0)
	t.Logf("the client sent %d requests before its writes stalled, the server read %d of them (%d MiB of replies); the heap grew by %.1f MiB",
		sent, received, received*(8<<10)>>20, float64(grown)/(1<<20))
	if grown > 32<<20 {
		t.Fatalf("the heap grew by %d MiB for a client that reads nothing", grown>>20)
	}
	if received > 10000 {
		t.Fatalf("the server read %d requests from a client that reads no reply", received)
	}
	// Others are served meanwhile.
	if rh, _ := other.call(jute.OpGetData, &jute.GetDataRequest{Path: "/big"}); rh.Err != 0 {
		t.Fatalf("getData on another session: %v", rh.Err)
	}
	slow.Drop()
	n := awaitGoroutines(t, base+goroutineSlack, 40*time.Second)
	t.Logf("goroutines %d before, %d after the slow client closed", base, n)
}

// srvrCount reads a count ("Received", "Sent", ...) from the srvr
// four-letter word.
func srvrCount(t testing.TB, addr, name string) int {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	nc.Write([]byte("srvr"))
	b, _ := io.ReadAll(nc)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, name+": "); ok {
			n, err := strconv.Atoi(v)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatalf("srvr has no %s: %q", name, b)
	return 0
}
