package zkraw_test

import (
	"bytes"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/zkgate/zkgate/zkbridge/jute"
	"github.com/zkgate/zkgate/zkbridge/zkraw"
)

// server plays a scripted ZooKeeper on a loopback port: it answers one
// connection's handshake, runs script, then closes the connection. It
// returns a client connection to it; the test waits for the script.
func server(t *testing.T, script func(read func() (jute.RequestHeader, []byte), write func(...jute.Encodable))) net.Conn {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	cli, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	nc, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { <-done })
	go func() {
		defer close(done)
		defer nc.Close()
		body, err := jute.ReadFrame(nc, nil, jute.DefaultMaxBuffer)
		if err != nil {
			t.Errorf("server: reading the handshake: %v", err)
			return
		}
		var req jute.ConnectRequest
		if err := jute.DecodeExact(body, &req); err != nil {
			t.Errorf("server: %v", err)
			return
		}
		if req.TimeOut != 10000 || !bytes.Equal(req.Passwd, make([]byte, 16)) {
			t.Errorf("server: ConnectRequest %+v, want the defaults (10000 ms, 16 zero bytes)", req)
		}
		write := func(recs ...jute.Encodable) {
			if _, err := nc.Write(jute.AppendPacket(nil, recs...)); err != nil {
				t.Errorf("server: writing: %v", err)
			}
		}
		write(&jute.ConnectResponse{TimeOut: req.TimeOut, SessionID: 7, Passwd: make([]byte, 16)})
		read := func() (jute.RequestHeader, []byte) {
			var h jute.RequestHeader
			body, err := jute.ReadFrame(nc, nil, jute.DefaultMaxBuffer)
			if err != nil {
				t.Errorf("server: reading a request: %v", err)
				return h, nil
			}
			n, err := jute.DecodePrefix(body, &h)
			if err != nil {
				t.Errorf("server: %v", err)
			}
			return h, body[n:]
		}
		script(read, write)
	}()
	return cli
}

// TestConn_CallQueuesNotifications: a notification read before a reply
// is queued in order and the reply is returned with its header; Ping
// uses xid -2; once the server closes, calls return ErrClosed.
func TestConn_CallQueuesNotifications(t *testing.T) {
	cli := server(t, func(read func() (jute.RequestHeader, []byte), write func(...jute.Encodable)) {
		h, body := read()
		var ex jute.ExistsRequest
		if err := jute.DecodeExact(body, &ex); err != nil || h.Xid != 1 || h.Type != jute.OpExists || ex.Path != "/a" || !ex.Watch {
			t.Errorf("server: got %+v %+v (%v), want exists /a with a watch, xid 1", h, ex, err)
		}
		write(&jute.ReplyHeader{Xid: jute.XidNotification, Zxid: -1}, &jute.WatcherEvent{Type: jute.EventNodeCreated, State: jute.StateSyncConnected, Path: "/b"})
		write(&jute.ReplyHeader{Xid: 1, Zxid: 5}, &jute.ExistsResponse{Stat: jute.Stat{Czxid: 4}})
		if h, _ := read(); h.Xid != jute.XidPing || h.Type != jute.OpPing {
			t.Errorf("server: got %+v, want a ping", h)
		}
		write(&jute.ReplyHeader{Xid: jute.XidPing, Zxid: 5})
	})
	c, err := zkraw.Handshake(cli, zkraw.Options{CallTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Drop()
	if c.Resp.SessionID != 7 {
		t.Fatalf("session %d, want 7", c.Resp.SessionID)
	}
	rh, d, err := c.Call(jute.OpExists, &jute.ExistsRequest{Path: "/a", Watch: true})
	if err != nil || rh.Xid != 1 || rh.Zxid != 5 || rh.Err != 0 {
		t.Fatalf("Call: %+v %v", rh, err)
	}
	var r jute.ExistsResponse
	if err := r.Decode(d); err != nil || r.Stat.Czxid != 4 {
		t.Fatalf("reply %+v (%v), want czxid 4", r, err)
	}
	want := zkraw.Event{Zxid: -1, Type: jute.EventNodeCreated, State: jute.StateSyncConnected, Path: "/b"}
	if evs := c.TakeEvents(); len(evs) != 1 || evs[0] != want {
		t.Fatalf("events %v, want [%v]", evs, want)
	}
	if rh, err := c.Ping(); err != nil || rh.Xid != jute.XidPing {
		t.Fatalf("Ping: %+v %v", rh, err)
	}
	if _, _, err := c.Call(jute.OpGetData, &jute.GetDataRequest{Path: "/a"}); !errors.Is(err, zkraw.ErrClosed) {
		t.Fatalf("Call after the server closed: %v, want ErrClosed", err)
	}
	if !c.Closed() {
		t.Fatal("Closed() is false after ErrClosed")
	}
}

// TestConn_ReplyOfAnotherXid: a reply that does not answer the request
// sent is an error, not taken for the answer.
func TestConn_ReplyOfAnotherXid(t *testing.T) {
	cli := server(t, func(read func() (jute.RequestHeader, []byte), write func(...jute.Encodable)) {
		read()
		write(&jute.ReplyHeader{Xid: 9, Zxid: 5})
	})
	c, err := zkraw.Handshake(cli, zkraw.Options{CallTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Drop()
	if rh, _, err := c.Call(jute.OpSync, &jute.SyncRequest{Path: "/"}); err == nil || rh.Xid != 9 {
		t.Fatalf("Call: %+v %v, want an error for xid 9", rh, err)
	}
}

// TestConn_WaitEventsTimesOut: WaitEvents returns what arrived and an
// error once its timeout passes without enough events.
func TestConn_WaitEventsTimesOut(t *testing.T) {
	done := make(chan struct{})
	cli := server(t, func(read func() (jute.RequestHeader, []byte), write func(...jute.Encodable)) {
		write(&jute.ReplyHeader{Xid: jute.XidNotification, Zxid: -1}, &jute.WatcherEvent{Type: jute.EventNodeDeleted, State: jute.StateSyncConnected, Path: "/a"})
		<-done
	})
	defer close(done)
	c, err := zkraw.Handshake(cli, zkraw.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Drop()
	evs, err := c.WaitEvents(2, 200*time.Millisecond)
	if err == nil || len(evs) != 1 || evs[0].Path != "/a" {
		t.Fatalf("WaitEvents: %v %v, want the one event and an error", evs, err)
	}
}

// TestConn_SendAndReadFrame: raw bytes go out as given and frames come
// back whole, whatever they hold; after the last one, the server's close
// is ErrClosed.
func TestConn_SendAndReadFrame(t *testing.T) {
	cli := server(t, func(read func() (jute.RequestHeader, []byte), write func(...jute.Encodable)) {
		if h, body := read(); h.Xid != 5 || h.Type != 99 || string(body) != "junk" {
			t.Errorf("server: got %+v %q, want xid 5, type 99, junk", h, body)
		}
		write(&jute.ReplyHeader{Xid: 5, Zxid: 8, Err: -6})
	})
	c, err := zkraw.Handshake(cli, zkraw.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Drop()
	if err := c.Send(jute.AppendFrame(nil, append(jute.Append(nil, &jute.RequestHeader{Xid: 5, Type: 99}), "junk"...))); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	body, err := c.ReadFrame(deadline)
	var rh jute.ReplyHeader
	if err == nil {
		err = jute.DecodeExact(body, &rh)
	}
	if err != nil || rh != (jute.ReplyHeader{Xid: 5, Zxid: 8, Err: -6}) {
		t.Fatalf("ReadFrame: %+v %v", rh, err)
	}
	if _, err := c.ReadFrame(deadline); !errors.Is(err, zkraw.ErrClosed) {
		t.Fatalf("ReadFrame after the server closed: %v, want ErrClosed", err)
	}
}

// TestConn_NextXidNumbersRawRequests: a request the caller frames with
// NextXid takes its place in Call's sequence, so the next call goes on
// with the xid after it; Xid reports the last one used; NetConn is the
// connection the Conn was made on.
func TestConn_NextXidNumbersRawRequests(t *testing.T) {
	cli := server(t, func(read func() (jute.RequestHeader, []byte), write func(...jute.Encodable)) {
		if h, _ := read(); h.Xid != 1 || h.Type != jute.OpSync {
			t.Errorf("server: got %+v, want sync with xid 1", h)
		}
		write(&jute.ReplyHeader{Xid: 1, Zxid: 3}, &jute.SyncResponse{Path: "/"})
		if h, _ := read(); h.Xid != 2 || h.Type != jute.OpExists {
			t.Errorf("server: got %+v, want exists with xid 2", h)
		}
		write(&jute.ReplyHeader{Xid: 2, Zxid: 3, Err: -101})
	})
	c, err := zkraw.Handshake(cli, zkraw.Options{CallTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Drop()
	if c.NetConn() != cli {
		t.Fatal("NetConn is not the connection given to Handshake")
	}
	if x := c.Xid(); x != 0 {
		t.Fatalf("Xid before any request: %d, want 0", x)
	}
	xid := c.NextXid()
	if xid != 1 || c.Xid() != 1 {
		t.Fatalf("NextXid %d, Xid %d; want 1, 1", xid, c.Xid())
	}
	if err := c.Send(jute.AppendPacket(nil, &jute.RequestHeader{Xid: xid, Type: jute.OpSync}, &jute.SyncRequest{Path: "/"})); err != nil {
		t.Fatal(err)
	}
	rh, _, err := c.ReadReply()
	if err != nil || rh.Xid != 1 {
		t.Fatalf("reply to the raw sync: %+v %v", rh, err)
	}
	rh, _, err = c.Call(jute.OpExists, &jute.ExistsRequest{Path: "/a"})
	if err != nil || rh.Xid != 2 || rh.Err != -101 {
		t.Fatalf("Call after NextXid: %+v %v, want xid 2", rh, err)
	}
	if c.Xid() != 2 {
		t.Fatalf("Xid after the call: %d, want 2", c.Xid())
	}
}
