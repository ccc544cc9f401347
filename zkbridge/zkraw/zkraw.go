package zkraw

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"time"

	"github.com/zkgate/zkgate/zkbridge/jute"
)

// Conn is a ZooKeeper session over one connection.
type Conn struct {
	// Resp is the server's ConnectResponse. An expired or unknown session
	// gets SessionID 0 and TimeOut 0 (and the server closes).
	Resp jute.ConnectResponse

	nc      net.Conn
	timeout time.Duration
	xid     int32
	pending []Event
	closed  bool // by the server, or by Drop
	dropped bool // by Drop
	buf     []byte
}

// Event is one watch notification.
type Event struct {
	Zxid  int64 // ReplyHeader.zxid of the notification (-1 on ZooKeeper)
	Type  jute.EventType
	State jute.KeeperState
	Path  string
}

func (e Event) String() string {
	return fmt.Sprintf("%v %v %s", e.Type, e.State, e.Path)
}

// Options shape a handshake. Zero values give a new session with a 10 s
// timeout and a zero password.
type Options struct {
	SessionID    int64
	Passwd       []byte // nil means 16 zero bytes
	TimeOut      int32  // session timeout asked for, in ms; 0 means 10000
	LastZxidSeen int64
	Legacy       bool // the 44-byte ConnectRequest without readOnly
	ReadOnly     bool // the client accepts a read-only server
	// Pipelined is written in the same write as the ConnectRequest,
	// before the ConnectResponse is read: whole frames (jute.AppendPacket)
	// for requests sent before the handshake ends. Read their replies
	// with ReadReply.
	Pipelined []byte

	// DialTimeout bounds Dial's TCP connect; 0 means 5 s.
	DialTimeout time.Duration
	// CallTimeout bounds the handshake and each call's wait for its
	// reply; 0 means 15 s.
	CallTimeout time.Duration
}

// ErrClosed is returned when the server closed the connection.
var ErrClosed = errors.New("zkraw: connection closed by the server")

// maxFrame is the largest frame read: a reply carries at most
// jute.maxbuffer bytes of data, plus its headers and Stat.
const maxFrame = jute.DefaultMaxBuffer + 1024

// Dial connects to addr (host:port) and performs the handshake. A server
// answer of "expired" (SessionID 0) is not an error: look at Resp.
func Dial(ctx context.Context, addr string, o Options) (*Conn, error) {
	d := net.Dialer{Timeout: o.DialTimeout}
	if d.Timeout == 0 {
		d.Timeout = 5 * time.Second
	}
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	c, err := Handshake(nc, o)
	if err != nil {
		nc.Close()
		return nil, err
	}
	return c, nil
}

// Handshake performs the handshake on nc, a connection to a ZooKeeper
// port, and returns the Conn that owns it from then on. It does not close
// nc when it fails.
func Handshake(nc net.Conn, o Options) (*Conn, error) {
	c := &Conn{nc: nc, timeout: o.CallTimeout}
	if c.timeout == 0 {
		c.timeout = 15 * time.Second
	}
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
	if err := c.Send(append(jute.AppendPacket(nil, &req), o.Pipelined...)); err != nil {
		return nil, err
	}
	body, err := c.readFrame(time.Now().Add(c.timeout))
	if err != nil {
		return nil, fmt.Errorf("handshake: %w", err)
	}
	if err := jute.DecodeExact(body, &c.Resp); err != nil {
		return nil, fmt.Errorf("handshake: %w", err)
	}
	_ = nc.SetDeadline(time.Time{})
	return c, nil
}

// Send writes b, a request already framed (jute.AppendPacket,
// jute.AppendFrame) or any bytes at all, within CallTimeout.
func (c *Conn) Send(b []byte) error {
	if c.closed {
		return ErrClosed
	}
	_ = c.nc.SetWriteDeadline(time.Now().Add(c.timeout))
	_, err := c.nc.Write(b)
	if isClosedErr(err) {
		c.closed = true
		return ErrClosed
	}
	return err
}

func isClosedErr(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, net.ErrClosed)
}

// ReadFrame reads the body of one frame before deadline, whatever it
// holds (a reply, a notification, or bytes no record describes). The
// body is valid until the next read. A timeout is reported as an error
// wrapping os.ErrDeadlineExceeded, a closed connection as ErrClosed.
// Unlike the calls, it reads on after a Send met a closed connection,
// until the end of the stream: what the server sent before it closed may
// still be waiting.
func (c *Conn) ReadFrame(deadline time.Time) ([]byte, error) {
	if c.dropped {
		return nil, ErrClosed
	}
	return c.readFrame(deadline)
}

func (c *Conn) readFrame(deadline time.Time) ([]byte, error) {
	_ = c.nc.SetReadDeadline(deadline)
	b, err := jute.ReadFrame(c.nc, c.buf[:0], maxFrame)
	if isClosedErr(err) {
		c.closed = true
		return nil, ErrClosed
	}
	if err != nil {
		return nil, err
	}
	c.buf = b
	return b, nil
}

// next reads one packet: a notification is queued and reported with
// notif set; anything else is returned with its header.
func (c *Conn) next(deadline time.Time) (rh jute.ReplyHeader, d *jute.Decoder, notif bool, err error) {
	if c.closed {
		return rh, nil, false, ErrClosed
	}
	body, err := c.readFrame(deadline)
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
		c.pending = append(c.pending, Event{Zxid: rh.Zxid, Type: ev.Type, State: ev.State, Path: ev.Path})
		return rh, nil, true, nil
	}
	return rh, d, false, nil
}

// await reads until the reply with xid arrives, queueing notifications.
func (c *Conn) await(xid int32) (jute.ReplyHeader, *jute.Decoder, error) {
	deadline := time.Now().Add(c.timeout)
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

// Call sends a request (req may be nil for an empty body) with the next
// xid (1, 2, ...) and waits for its reply. The decoder is positioned
// after the reply header. Watch notifications read meanwhile are queued
// (TakeEvents). A reply with another xid is an error.
func (c *Conn) Call(op jute.OpCode, req jute.Encodable) (jute.ReplyHeader, *jute.Decoder, error) {
	c.xid++
	return c.CallXid(c.xid, op, req)
}

// CallXid is Call with a given xid (for the special xids).
func (c *Conn) CallXid(xid int32, op jute.OpCode, req jute.Encodable) (jute.ReplyHeader, *jute.Decoder, error) {
	h := jute.RequestHeader{Xid: xid, Type: op}
	recs := []jute.Encodable{&h}
	if req != nil {
		recs = append(recs, req)
	}
	if err := c.Send(jute.AppendPacket(nil, recs...)); err != nil {
		return jute.ReplyHeader{}, nil, err
	}
	return c.await(xid)
}

// NextXid takes the next xid of the sequence Call numbers its requests
// with (1, 2, ...), for a request the caller frames and sends itself
// (Send): the calls after it go on with the xid after it, as they would
// on a client that sent all of them.
func (c *Conn) NextXid() int32 {
	c.xid++
	return c.xid
}

// Xid is the last xid of that sequence used, by Call or NextXid; 0
// before the first request.
func (c *Conn) Xid() int32 { return c.xid }

// NetConn is the connection under c, for what a caller does to the
// transport itself: half-closing it, writing under a deadline of its own,
// waiting for the server to close it. Bytes read or written there
// bypass c, which does not know of them.
func (c *Conn) NetConn() net.Conn { return c.nc }

// WriteRaw writes b to the connection as it is (frames included), for
// requests no record describes; read the answer with ReadReply. It is
// Send under the name the e2e tests use.
func (c *Conn) WriteRaw(b []byte) error { return c.Send(b) }

// ReadReply reads the next packet that is not a notification (those are
// queued) and returns its header and body, whatever its xid, waiting up
// to CallTimeout.
func (c *Conn) ReadReply() (jute.ReplyHeader, *jute.Decoder, error) {
	deadline := time.Now().Add(c.timeout)
	for {
		rh, d, notif, err := c.next(deadline)
		if err != nil || !notif {
			return rh, d, err
		}
	}
}

// Auth sends addauth (xid -4) and returns its reply header.
func (c *Conn) Auth(scheme string, auth []byte) (jute.ReplyHeader, error) {
	rh, _, err := c.CallXid(jute.XidAuth, jute.OpAuth, &jute.AuthPacket{Scheme: scheme, Auth: auth})
	return rh, err
}

// Ping sends a ping (xid -2) and waits for its reply; notifications sent
// before it are queued.
func (c *Conn) Ping() (jute.ReplyHeader, error) {
	rh, _, err := c.CallXid(jute.XidPing, jute.OpPing, nil)
	return rh, err
}

// WaitEvents reads until at least n notifications are queued or timeout
// passes, then returns (and takes) all queued ones. A reply arriving
// meanwhile is an error.
func (c *Conn) WaitEvents(n int, timeout time.Duration) ([]Event, error) {
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
func (c *Conn) TakeEvents() []Event {
	evs := c.pending
	c.pending = nil
	return evs
}

// CloseSession sends closeSession, waits for its reply and closes the
// connection.
func (c *Conn) CloseSession() (jute.ReplyHeader, error) {
	rh, _, err := c.Call(jute.OpCloseSession, nil)
	c.Drop()
	return rh, err
}

// Drop closes the TCP connection without ending the session.
func (c *Conn) Drop() {
	c.closed, c.dropped = true, true
	c.nc.Close()
}

// Closed reports whether the connection is known to be closed.
func (c *Conn) Closed() bool { return c.closed }
