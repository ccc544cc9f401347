package zkbridge_test

import (
	"context"
	"errors"
	"net"
	"os"
	"runtime"
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
	c.nc.Close()
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
		c.xid++
		c.write(jute.AppendFrame(nil, append(jute.Append(nil, &jute.RequestHeader{Xid: c.xid, Type: tc.op}), tc.body...)))
		body := c.frame()
		if body == nil {
			t.Fatalf("%s: connection closed", tc.name)
		}
		var rh jute.ReplyHeader
		if _, err := jute.DecodePrefix(body, &rh); err != nil || rh.Xid != c.xid || rh.Err != schema.CodeMarshallingError {
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
				awaitClosed(t, c.nc, 10*time.Second)
			} else {
				c.nc.(*net.TCPConn).CloseWrite()
			}
		}
		if _, code := other.stat("/h"); code != schema.CodeOK {
			t.Fatalf("after %s: another client's exists: %v", cut.name, code)
		}
	}
	// Every connection cut off ends (the server sees the end of the
	// stream inside a frame and closes).
	for _, c := range sessions {
		awaitClosed(t, c.nc, 10*time.Second)
		c.nc.Close()
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
			if _, err := cl.Client(0).Revoke(context.Background(), clientv3.LeaseID(c.resp.SessionID)); err != nil {
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

			re := connect(t, addr, jute.ConnectRequest{SessionID: c.resp.SessionID, Passwd: c.resp.Passwd, TimeOut: 30000})
			if re.resp.SessionID != 0 || re.resp.TimeOut != 0 {
				t.Fatalf("reconnecting to an ended session: %+v", re.resp)
			}
			if re.frame() != nil {
				t.Fatal("connection open after the expired answer")
			}
		})
	}
	n := awaitGoroutines(t, base+goroutineSlack, 20*time.Second)
	t.Logf("goroutines %d before, %d after", base, n)
}
