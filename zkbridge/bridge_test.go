package zkbridge_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/gateway/gatewaytest"
	"github.com/zkgate/zkgate/schema"
	"github.com/zkgate/zkgate/zkbridge"
	"github.com/zkgate/zkgate/zkbridge/jute"
	"github.com/zkgate/zkgate/zkbridge/zkraw"
)

// startBridge serves the ZooKeeper protocol over an engine on member i of
// cl and returns its address.
func startBridge(t testing.TB, cl *gatewaytest.Cluster, i int, cfg gateway.Config) string {
	t.Helper()
	return startBridgeWith(t, cl, i, cfg, nil)
}

// startBridgeWith is startBridge with the bridge's Config adjusted by set.
func startBridgeWith(t testing.TB, cl *gatewaytest.Cluster, i int, cfg gateway.Config, set func(*zkbridge.Config)) string {
	t.Helper()
	_, addr := startServer(t, cl, i, cfg, set)
	return addr
}

// startServer is startBridgeWith, returning the server too.
func startServer(t testing.TB, cl *gatewaytest.Cluster, i int, cfg gateway.Config, set func(*zkbridge.Config)) (*zkbridge.Server, string) {
	t.Helper()
	e := gatewaytest.NewEngine(t, cl.Client(i), cfg)
	bc := zkbridge.Config{Engine: e, MaxPacket: 4096, HandshakeTimeout: time.Second}
	if set != nil {
		set(&bc)
	}
	s, err := zkbridge.New(bc)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(l)
	t.Cleanup(func() { s.Close() })
	return s, l.Addr().String()
}

// client is a raw protocol client over zkraw, failing its test where
// zkraw returns an error: it sends what tests tell it to, byte for byte.
type client struct {
	*zkraw.Conn
	t testing.TB
}

// callTimeout bounds each of a client's handshakes, writes and reads.
const callTimeout = 30 * time.Second

// connect dials and completes the handshake. An expired answer
// (SessionID 0) is not a failure: look at Resp.
func connect(t testing.TB, addr string, req jute.ConnectRequest) *client {
	t.Helper()
	c, err := zkraw.Dial(context.Background(), addr, options(req))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Drop)
	return &client{Conn: c, t: t}
}

// options are the zkraw options of a handshake sending req.
func options(req jute.ConnectRequest) zkraw.Options {
	return zkraw.Options{SessionID: req.SessionID, Passwd: req.Passwd, TimeOut: req.TimeOut,
		LastZxidSeen: req.LastZxidSeen, Legacy: req.Legacy, ReadOnly: req.ReadOnly, CallTimeout: callTimeout}
}

// answered sends a handshake and reports whether the server answered it:
// false when it closed the connection without an answer. Anything else
// (no answer and no close within callTimeout) fails the test.
func answered(t testing.TB, addr string, req jute.ConnectRequest) bool {
	t.Helper()
	c, err := zkraw.Dial(context.Background(), addr, options(req))
	if errors.Is(err, zkraw.ErrClosed) {
		return false
	}
	if err != nil {
		t.Fatal(err)
	}
	c.Drop()
	return true
}

// write sends b as it is (frames included).
func (c *client) write(b []byte) {
	c.t.Helper()
	if err := c.Send(b); err != nil {
		c.t.Fatal(err)
	}
}

// frame reads one frame, whatever it holds; nil when the server closed
// the connection.
func (c *client) frame() []byte {
	c.t.Helper()
	b, err := c.ReadFrame(time.Now().Add(callTimeout))
	if errors.Is(err, zkraw.ErrClosed) {
		return nil
	}
	if err != nil {
		c.t.Fatal(err)
	}
	return append([]byte(nil), b...)
}

// call sends a request and returns the reply header and body, passing
// over notifications. A ping is sent with the ping xid (-2), as clients
// send it and ZooKeeper answers it.
func (c *client) call(op jute.OpCode, req jute.Encodable) (jute.ReplyHeader, *jute.Decoder) {
	c.t.Helper()
	var rh jute.ReplyHeader
	var d *jute.Decoder
	var err error
	if op == jute.OpPing {
		rh, d, err = c.CallXid(jute.XidPing, op, req)
	} else {
		rh, d, err = c.Call(op, req)
	}
	if errors.Is(err, zkraw.ErrClosed) {
		c.t.Fatalf("connection closed waiting for the reply to %v", op)
	}
	if err != nil {
		c.t.Fatal(err)
	}
	return rh, d
}

func (c *client) create(path string, flags jute.CreateMode) string {
	c.t.Helper()
	rh, d := c.call(jute.OpCreate, &jute.CreateRequest{Path: path, ACL: []jute.ACL{{Perms: 31, ID: jute.ID{Scheme: "world", ID: "anyone"}}}, Flags: flags})
	if rh.Err != schema.CodeOK {
		c.t.Fatalf("create %s: %v", path, rh.Err)
	}
	var r jute.CreateResponse
	if err := r.Decode(d); err != nil {
		c.t.Fatal(err)
	}
	return r.Path
}

func (c *client) stat(path string) (jute.Stat, schema.Code) {
	c.t.Helper()
	rh, d := c.call(jute.OpExists, &jute.ExistsRequest{Path: path})
	var r jute.ExistsResponse
	if rh.Err == schema.CodeOK {
		if err := r.Decode(d); err != nil {
			c.t.Fatal(err)
		}
	}
	return r.Stat, rh.Err
}

func TestHandshake_LegacyAndCurrentForms(t *testing.T) {
	cl := gatewaytest.StartCluster(t, 1)
	addr := startBridge(t, cl, 0, gateway.Config{})
	for _, legacy := range []bool{false, true} {
		c := connect(t, addr, jute.ConnectRequest{TimeOut: 1000, Legacy: legacy})
		if c.Resp.Legacy != legacy {
			t.Fatalf("legacy request answered with legacy=%v", c.Resp.Legacy)
		}
		// The timeout is clamped to the minimum, 4 s.
		if c.Resp.SessionID == 0 || c.Resp.TimeOut != 4000 || len(c.Resp.Passwd) != 16 {
			t.Fatalf("connect response %+v", c.Resp)
		}
	}
}

// TestSession_NoQuorumClosesConnection: a node whose etcd member has lost
// its quorum cannot renew sessions. As a ZooKeeper server that loses its
// quorum, it closes its clients' connections, within two thirds of the
// session timeout of a ping it cannot renew, so that they move to a
// server that has one; it does not leave the ping hanging. And it turns
// a new connection away at once, as a ZooKeeper server that is not
// serving does, rather than hold the client until etcd gives up (7 s for
// a read, 10 s for the handshake), which could outlast the session.
func TestSession_NoQuorumClosesConnection(t *testing.T) {
	cl := gatewaytest.StartCluster(t, 3)
	a := startBridge(t, cl, 0, gateway.Config{MinSessionTimeout: time.Second})
	const timeout = 3 * time.Second
	c := connect(t, a, jute.ConnectRequest{TimeOut: int32(timeout.Milliseconds())})
	if rh, _ := c.call(jute.OpPing, nil); rh.Err != schema.CodeOK {
		t.Fatalf("ping: %+v", rh)
	}
	cl.StopMember(1)
	cl.StopMember(2)
	// Pings as a client sends them, a third of the timeout apart. Those
	// renewed before the member learns it is alone are answered; then
	// one is not, and the connection ends, well before the 30 s the
	// test's client waits for a frame (requests to etcd are bounded by
	// 60 s).
	for pings := 0; ; pings++ {
		c.write(jute.AppendPacket(nil, &jute.RequestHeader{Xid: jute.XidPing, Type: jute.OpPing}))
		sent := time.Now()
		body := c.frame()
		if body == nil {
			if waited := time.Since(sent); waited > timeout {
				t.Fatalf("connection closed %v after the unrenewed ping, more than the session timeout", waited)
			}
			t.Logf("connection closed after %d answered pings, %v after the last ping", pings, time.Since(sent).Round(time.Millisecond))
			break
		}
		var rh jute.ReplyHeader
		if err := rh.Decode(jute.NewDecoder(body)); err != nil || rh.Xid != jute.XidPing || rh.Err != schema.CodeOK {
			t.Fatalf("ping %d answered %+v %v", pings, rh, err)
		}
		if pings > 100 {
			t.Fatal("pings still answered by a member without quorum")
		}
		time.Sleep(timeout / 3) // a client's ping interval, not synchronisation
	}

	// The client comes back with its session: closed without an answer,
	// sooner than etcd would give up on the session's read.
	start := time.Now()
	if answered(t, a, jute.ConnectRequest{SessionID: c.Resp.SessionID, Passwd: c.Resp.Passwd, TimeOut: int32(timeout.Milliseconds())}) {
		t.Fatal("a node without quorum answered a handshake")
	}
	if waited := time.Since(start); waited > 5*time.Second {
		t.Fatalf("a node without quorum held a handshake %v before closing it", waited)
	}
}

// TestSession_ResumedOnAnotherNodeAndExpiry: a session opened on one node
// is resumed on another with its ephemeral; a wrong password reads as an
// expired session; a session left alone expires and its ephemeral goes,
// updating the parent.
func TestSession_ResumedOnAnotherNodeAndExpiry(t *testing.T) {
	cl := gatewaytest.StartCluster(t, 3)
	cfg := gateway.Config{MinSessionTimeout: time.Second}
	a := startBridge(t, cl, 0, cfg)
	b := startBridge(t, cl, 2, cfg)

	c := connect(t, a, jute.ConnectRequest{TimeOut: 2000})
	c.create("/svc", 0)
	c.create("/svc/member", jute.CreateMode(1))
	if rh, _ := c.call(jute.OpPing, nil); rh.Err != schema.CodeOK {
		t.Fatalf("ping: %+v", rh)
	}
	c.Drop() // no closeSession: the session lives on

	// Wrong password: ZooKeeper's expired answer.
	bad := connect(t, b, jute.ConnectRequest{SessionID: c.Resp.SessionID, Passwd: bytes.Repeat([]byte{1}, 16)})
	if bad.Resp.SessionID != 0 || bad.Resp.TimeOut != 0 {
		t.Fatalf("wrong password answered %+v", bad.Resp)
	}
	if bad.frame() != nil {
		t.Fatal("connection not closed after an expired answer")
	}

	// Right password on another node: same session, ephemeral kept.
	r := connect(t, b, jute.ConnectRequest{SessionID: c.Resp.SessionID, Passwd: c.Resp.Passwd, TimeOut: 2000})
	if r.Resp.SessionID != c.Resp.SessionID {
		t.Fatalf("resumed as %x, want %x", r.Resp.SessionID, c.Resp.SessionID)
	}
	st, code := r.stat("/svc/member")
	if code != schema.CodeOK || st.EphemeralOwner != c.Resp.SessionID {
		t.Fatalf("ephemeral after resume: %+v %v", st, code)
	}
	r.Drop()

	// Nobody keeps it alive: it expires, and the parent counts the delete.
	w := connect(t, a, jute.ConnectRequest{})
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, code := w.stat("/svc/member"); code == schema.CodeNoNode {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("ephemeral outlived its session")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if st, _ := w.stat("/svc"); st.NumChildren != 0 || st.Cversion != 2 {
		t.Fatalf("parent after expiry: %+v", st)
	}
}

func TestHandshake_ZxidAheadIsRefused(t *testing.T) {
	cl := gatewaytest.StartCluster(t, 1)
	addr := startBridge(t, cl, 0, gateway.Config{})
	if answered(t, addr, jute.ConnectRequest{LastZxidSeen: 1 << 40}) {
		t.Fatal("a client ahead of the cluster got a session")
	}
}

// TestBadInput_ClosesOnlyThatConnection: an oversized packet, a request
// header cut short or garbage closes that connection; others go on. A
// request record cut short is answered MarshallingError and its
// connection goes on, as ZooKeeper 3.8 answers it. An unknown opcode is
// answered Unimplemented and the connection is closed.
func TestBadInput_ClosesOnlyThatConnection(t *testing.T) {
	cl := gatewaytest.StartCluster(t, 1)
	addr := startBridge(t, cl, 0, gateway.Config{})
	good := connect(t, addr, jute.ConnectRequest{})

	big := connect(t, addr, jute.ConnectRequest{})
	big.write(jute.AppendFrame(nil, make([]byte, 5000))) // MaxPacket is 4096
	if big.frame() != nil {
		t.Fatal("oversized packet did not close the connection")
	}
	short := connect(t, addr, jute.ConnectRequest{})
	short.write(jute.AppendFrame(nil, []byte{0, 0, 0, 1, 0, 0})) // half a request header
	if short.frame() != nil {
		t.Fatal("a request header cut short did not close the connection")
	}
	bad := connect(t, addr, jute.ConnectRequest{})
	if xid := bad.NextXid(); xid != 1 {
		t.Fatalf("first xid %d, want the 1 of the bytes below", xid)
	}
	bad.write(jute.AppendFrame(nil, []byte{0, 0, 0, 1, 0, 0, 0, 4, 0xff, 0xff})) // getData (xid 1) with a broken path
	if body := bad.frame(); body == nil {
		t.Fatal("a malformed getData closed the connection")
	} else {
		var rh jute.ReplyHeader
		if _, err := jute.DecodePrefix(body, &rh); err != nil || rh.Xid != 1 || rh.Err != schema.CodeMarshallingError {
			t.Fatalf("malformed getData: %+v %v", rh, err)
		}
	}
	if _, code := bad.stat("/"); code != schema.CodeOK {
		t.Fatalf("exists after a malformed getData: %v", code)
	}
	junk, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	junk.Write([]byte{0x7f, 0xff, 0xff, 0xff, 1, 2, 3})
	junk.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, _ := junk.Read(make([]byte, 10)); n != 0 {
		t.Fatal("garbage handshake answered")
	}
	junk.Close()

	// A null path is MarshallingError, and the connection goes on.
	good.write(jute.AppendFrame(nil, append(jute.Append(nil, &jute.RequestHeader{Xid: good.NextXid(), Type: jute.OpGetData}), 0xff, 0xff, 0xff, 0xff, 0)))
	if body := good.frame(); body == nil {
		t.Fatal("null path closed the connection")
	} else {
		var rh jute.ReplyHeader
		if _, err := jute.DecodePrefix(body, &rh); err != nil || rh.Err != schema.CodeMarshallingError {
			t.Fatalf("null path: %+v %v", rh, err)
		}
	}
	rh, _ := good.call(jute.OpReconfig, nil)
	if rh.Err != schema.CodeReconfigDisabled {
		t.Fatalf("reconfig: %+v", rh)
	}
	if p := good.create("/still-works", 0); p != "/still-works" {
		t.Fatalf("create after others' bad input: %s", p)
	}
	// An unknown opcode: Unimplemented with zxid -1, then ZooKeeper
	// closes the connection.
	rh, _ = good.call(jute.OpCode(99), nil)
	if rh.Err != schema.CodeUnimplemented || rh.Zxid != -1 {
		t.Fatalf("unknown opcode: %+v", rh)
	}
	if good.frame() != nil {
		t.Fatal("connection open after an unknown opcode")
	}
}

// TestHandshake_Timeout: a connection that never sends its handshake is
// dropped after the handshake timeout.
func TestHandshake_Timeout(t *testing.T) {
	cl := gatewaytest.StartCluster(t, 1)
	addr := startBridge(t, cl, 0, gateway.Config{})
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.Write([]byte{0, 0}) // half a length, then nothing
	nc.SetReadDeadline(time.Now().Add(20 * time.Second))
	_, err = nc.Read(make([]byte, 1))
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatal("silent connection not dropped by the server")
	}
}

// TestCreateContainer_Flags: createContainer makes a container whatever
// its flags (0 to 4), with a sequence suffix for flags 2 and 3, as
// ZooKeeper 3.8 does; create2 with the container flag makes a plain node.
func TestCreateContainer_Flags(t *testing.T) {
	cl := gatewaytest.StartCluster(t, 1)
	addr := startBridge(t, cl, 0, gateway.Config{})
	c := connect(t, addr, jute.ConnectRequest{})
	open := []jute.ACL{{Perms: 31, ID: jute.ID{Scheme: "world", ID: "anyone"}}}
	for flags := jute.CreateMode(0); flags <= 4; flags++ {
		path := "/k" + string(rune('0'+flags))
		rh, d := c.call(jute.OpCreateContainer, &jute.CreateRequest{Path: path, ACL: open, Flags: flags})
		if rh.Err != schema.CodeOK {
			t.Fatalf("createContainer flags %d: %v", flags, rh.Err)
		}
		var r jute.Create2Response
		if err := r.Decode(d); err != nil {
			t.Fatal(err)
		}
		if flags == 2 || flags == 3 {
			if len(r.Path) != len(path)+10 {
				t.Fatalf("flags %d: path %s has no sequence suffix", flags, r.Path)
			}
		} else if r.Path != path {
			t.Fatalf("flags %d: path %s", flags, r.Path)
		}
	}
	rh, _ := c.call(jute.OpCreateContainer, &jute.CreateRequest{Path: "/k6", ACL: open, Flags: 6})
	if rh.Err != schema.CodeBadArguments {
		t.Fatalf("createContainer flags 6: %v", rh.Err)
	}
}
