package harness

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"time"

	"github.com/zkgate/zkgate/zkbridge/jute"
)

// ZKRaw is a raw ZooKeeper client for tests: it sends exactly the records
// a test gives it over zkbridge/jute, one request at a time, and keeps
// the watch notifications it reads in arrival order. It works against
// zkgate and a real ZooKeeper alike. It does not ping on its own: a
// session stays alive only while the test keeps calling.
//
//	c, err := harness.DialZK(addr, harness.ZKConnectOptions{TimeOut: 10000})
//	rh, d, err := c.Call(jute.OpExists, &jute.ExistsRequest{Path: "/a", Watch: true})
//	evs := c.TakeEvents() // notifications that arrived before that reply
type ZKRaw struct {
	// Resp is the server's ConnectResponse. An expired or unknown session
	// gets SessionID 0 and TimeOut 0 (and the server closes).
	Resp jute.ConnectResponse

	nc      net.Conn
	xid     int32
	pending []ZKEvent
	closed  bool
	buf     []byte
}

// ZKEvent is one watch notification.
type ZKEvent struct {
	Zxid  int64 // ReplyHeader.zxid of the notification (-1 on ZooKeeper)
	Type  jute.EventType
	State jute.KeeperState
	Path  string
}

func (e ZKEvent) String() string {
	return fmt.Sprintf("%v %v %s", e.Type, e.State, e.Path)
}

// ZKConnectOptions shape a handshake. Zero values give a new session with
// a 10 s timeout and a zero password.
type ZKConnectOptions struct {
	SessionID    int64
	Passwd       []byte
	TimeOut      int32 // ms; 0 means 10000
	LastZxidSeen int64
	Legacy       bool // the 44-byte form without readOnly
	ReadOnly     bool // the client accepts a read-only server
	// Pipelined is written in the same write as the ConnectRequest,
	// before the ConnectResponse is read: whole frames (AppendPacket) for
	// requests sent before the handshake ends. Read their replies with
	// ReadReply.
	Pipelined []byte
}

// ErrZKClosed is returned when the server closed the connection.
var ErrZKClosed = errors.New("zkraw: connection closed by the server")

// ZKCallTimeout bounds how long ZKRaw waits for any one reply.
var ZKCallTimeout = 15 * time.Second

// DialZK connects to addr and performs the handshake. A server answer of
// "expired" (SessionID 0) is not an error: look at Resp.
func DialZK(addr string, o ZKConnectOptions) (*ZKRaw, error) {
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	c := &ZKRaw{nc: nc}
	req := jute.ConnectRequest{
		LastZxidSeen: o.LastZxidSeen,
		TimeOut:      o.TimeOut,
		SessionID:    o.SessionID,
		Passwd:       o.Passwd,
		Legacy:       o.Legacy,
		ReadOnly:     o.ReadOnly,
	}
	if req.Passwd == nil {
		req.Passwd = make([]byte, 16)
	}
	if req.TimeOut == 0 {
		req.TimeOut = 10000
	}
	if err := c.write(append(jute.AppendPacket(nil, &req), o.Pipelined...)); err != nil {
		nc.Close()
		return nil, err
	}
	body, err := c.frame(time.Now().Add(ZKCallTimeout))
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("handshake: %w", err)
	}
	if err := jute.DecodeExact(body, &c.Resp); err != nil {
		nc.Close()
		return nil, fmt.Errorf("handshake: %w", err)
	}
	return c, nil
}

func (c *ZKRaw) write(b []byte) error {
	if c.closed {
		return ErrZKClosed
	}
	c.nc.SetWriteDeadline(time.Now().Add(ZKCallTimeout))
	_, err := c.nc.Write(b)
	if isClosedErr(err) {
		c.closed = true
		return ErrZKClosed
	}
	return err
}

func isClosedErr(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, net.ErrClosed)
}

// frame reads one frame before deadline.
func (c *ZKRaw) frame(deadline time.Time) ([]byte, error) {
	if c.closed {
		return nil, ErrZKClosed
	}
	c.nc.SetReadDeadline(deadline)
	b, err := jute.ReadFrame(c.nc, c.buf[:0], jute.DefaultMaxBuffer+1024)
	if isClosedErr(err) {
		c.closed = true
		return nil, ErrZKClosed
	}
	if err != nil {
		return nil, err
	}
	c.buf = b
	return b, nil
}

// next reads one packet: a notification is queued and reported with
// notif set; anything else is returned with its header.
func (c *ZKRaw) next(deadline time.Time) (rh jute.ReplyHeader, d *jute.Decoder, notif bool, err error) {
	body, err := c.frame(deadline)
	if err != nil {
		return rh, nil, false, err
	}
	d = jute.NewDecoder(append([]byte(nil), body...))
	if err := rh.Decode(d); err != nil {
		return rh, nil, false, err
	}
	if rh.Xid == jute.XidNotification {
		var ev jute.WatcherEvent
		if err := ev.Decode(d); err != nil {
			return rh, nil, false, fmt.Errorf("notification: %w", err)
		}
		c.pending = append(c.pending, ZKEvent{Zxid: rh.Zxid, Type: ev.Type, State: ev.State, Path: ev.Path})
		return rh, nil, true, nil
	}
	return rh, d, false, nil
}

// await reads until the reply with xid arrives, queueing notifications.
func (c *ZKRaw) await(xid int32) (jute.ReplyHeader, *jute.Decoder, error) {
	deadline := time.Now().Add(ZKCallTimeout)
	for {
		rh, d, notif, err := c.next(deadline)
		if err != nil {
			return rh, nil, err
		}
		if notif {
			continue
		}
		if rh.Xid != xid {
			return rh, d, fmt.Errorf("zkraw: reply xid %d, want %d", rh.Xid, xid)
		}
		return rh, d, nil
	}
}

// Call sends a request (req may be nil for an empty body) and waits for
// its reply. The decoder is positioned after the reply header. Watch
// notifications read meanwhile are queued (TakeEvents).
func (c *ZKRaw) Call(op jute.OpCode, req jute.Encodable) (jute.ReplyHeader, *jute.Decoder, error) {
	c.xid++
	return c.CallXid(c.xid, op, req)
}

// CallXid is Call with a given xid (for the special xids).
func (c *ZKRaw) CallXid(xid int32, op jute.OpCode, req jute.Encodable) (jute.ReplyHeader, *jute.Decoder, error) {
	h := jute.RequestHeader{Xid: xid, Type: op}
	recs := []jute.Encodable{&h}
	if req != nil {
		recs = append(recs, req)
	}
	if err := c.write(jute.AppendPacket(nil, recs...)); err != nil {
		return jute.ReplyHeader{}, nil, err
	}
	return c.await(xid)
}

// WriteRaw writes b to the connection as it is (frames included), for
// requests no record describes; read the answer with ReadReply.
func (c *ZKRaw) WriteRaw(b []byte) error { return c.write(b) }

// ReadReply reads the next packet that is not a notification (those are
// queued) and returns its header and body, whatever its xid.
func (c *ZKRaw) ReadReply() (jute.ReplyHeader, *jute.Decoder, error) {
	deadline := time.Now().Add(ZKCallTimeout)
	for {
		rh, d, notif, err := c.next(deadline)
		if err != nil || !notif {
			return rh, d, err
		}
	}
}

// Auth sends addauth (xid -4) and returns its reply header.
func (c *ZKRaw) Auth(scheme string, auth []byte) (jute.ReplyHeader, error) {
	rh, _, err := c.CallXid(jute.XidAuth, jute.OpAuth, &jute.AuthPacket{Scheme: scheme, Auth: auth})
	return rh, err
}

// Ping sends a ping (xid -2) and waits for its reply; notifications sent
// before it are queued.
func (c *ZKRaw) Ping() (jute.ReplyHeader, error) {
	rh, _, err := c.CallXid(jute.XidPing, jute.OpPing, nil)
	return rh, err
}

// WaitEvents reads until at least n notifications are queued or timeout
// passes, then returns (and takes) all queued ones.
func (c *ZKRaw) WaitEvents(n int, timeout time.Duration) ([]ZKEvent, error) {
	deadline := time.Now().Add(timeout)
	for len(c.pending) < n {
		_, _, notif, err := c.next(deadline)
		if err != nil {
			evs := c.TakeEvents()
			if errors.Is(err, os.ErrDeadlineExceeded) {
				return evs, fmt.Errorf("zkraw: %d of %d events within %v", len(evs), n, timeout)
			}
			return evs, err
		}
		if !notif {
			return c.TakeEvents(), errors.New("zkraw: a reply arrived while only events were awaited")
		}
	}
	return c.TakeEvents(), nil
}

// TakeEvents returns the queued notifications in arrival order and
// empties the queue.
func (c *ZKRaw) TakeEvents() []ZKEvent {
	evs := c.pending
	c.pending = nil
	return evs
}

// CloseSession sends closeSession, waits for its reply and closes the
// connection.
func (c *ZKRaw) CloseSession() (jute.ReplyHeader, error) {
	rh, _, err := c.Call(jute.OpCloseSession, nil)
	c.Drop()
	return rh, err
}

// Drop closes the TCP connection without ending the session.
func (c *ZKRaw) Drop() {
	c.closed = true
	c.nc.Close()
}

// Closed reports whether the connection is known to be closed.
func (c *ZKRaw) Closed() bool { return c.closed }
