package zkbridge

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/sasl"
	"github.com/zkgate/zkgate/schema"
	"github.com/zkgate/zkgate/zkbridge/jute"
)

// conn is one client connection. Its driver is three parts:
//
//   - loop (pipeline.go) reads packets and runs them as calls, several at
//     once, answering them in the order they were sent;
//   - the engine calls Notify for watch events; the engine delivers a
//     change's events before the write that made it returns and before
//     any read that reflects it, so queueing events and replies on one
//     queue in call order gives ZooKeeper's ordering: an event precedes
//     every reply that reflects its change;
//   - a reply is written by its call when nothing is queued or being
//     written; otherwise it, and every watch event, is queued, and
//     writeQueue, a goroutine that runs only while the queue is not
//     empty, writes the queue to the socket.
type conn struct {
	s  *Server
	nc net.Conn

	// Session state, set by the handshake.
	e      *gateway.Engine // the engine that opened the session
	sess   gateway.Session
	caller gateway.Caller
	// authAdded is the identities in the order they were added;
	// caller.Auth lists them in ZooKeeper's order (schema.AuthSetOrder).
	authAdded []schema.AuthID
	// x509 is the subject of the client certificate the TLS handshake
	// verified (schema.X509ID), "" if none.
	x509 string
	// saslServer is the connection's SASL exchange, made at its first
	// sasl request (saslRequest).
	saslServer sasl.Server
	lastZxid   atomic.Int64 // highest zxid sent to the client
	// sessionID is sess.ID once the handshake succeeded, for other
	// connections' handshakes to read (see closeSessionConns).
	sessionID atomic.Int64
	// watchAuth is caller.Auth for the hub, which reads it from its own
	// goroutine (WatchAuth).
	watchAuth atomic.Pointer[[]schema.AuthID]
	renewed   time.Duration // last session renewal, since s.started

	// stopped is set, in its turn, by a request that ends the
	// connection (see pipeline.go).
	stopped atomic.Bool
	// lingering is set once the server has finished with the connection
	// (see linger): from then on it is not counted as alive, as a
	// ZooKeeper server no longer counts a connection it has closed,
	// though its goroutine may still be draining what the client sends.
	lingering atomic.Bool

	mu     sync.Mutex
	queue  []*[]byte // packets from encode, returned to the pool once written
	queued int       // bytes in queue and being written
	// writing is set while someone (writeQueue, or sendReply) writes to
	// nc; writeQueue runs only then.
	writing bool
	closing bool
	// broken is set when the client stopped reading (see enqueueLocked)
	// or a write failed: nothing more is queued.
	broken  bool
	flushed chan struct{} // closed when writing ends, for finish
	// drained is signalled when writeQueue has written a batch; made by
	// the first waitQueue that waits for it.
	drained chan struct{}

	opened   time.Duration // since s.started
	received atomic.Int64
	sent     atomic.Int64
	// lastOp is the op code of the last request (lastOperation of cons),
	// 0 before the handshake.
	lastOp atomic.Int32
	stats  connStats
}

// An idle connection costs what its conn holds: the struct stays within
// 384 bytes (TestConn_IdleSize), with what only some connections use
// (a sasl exchange, a drained channel) made when needed.

func newConn(s *Server, nc net.Conn) *conn {
	return &conn{s: s, nc: nc, opened: time.Since(s.started)}
}

// ip is the client's address, for the ip auth scheme.
func (c *conn) ip() string {
	if a, ok := c.nc.RemoteAddr().(*net.TCPAddr); ok {
		return a.IP.String()
	}
	return ""
}

// lastOperation is the short name of the last request's operation, as
// ZooKeeper's cons prints it ("NA" before any).
func (c *conn) lastOperation() string {
	switch op := jute.OpCode(c.lastOp.Load()); op {
	case 0:
		return "NA"
	case jute.OpCreateSession:
		return "SESS"
	default:
		if e, ok := opTable[op]; ok && e.lop != "" {
			return e.lop
		}
		return "NA"
	}
}

// WatchAuth tells the hub the connection's identities
// (gateway.AuthWatcher): it delivers an event only if they may read its
// node, as ZooKeeper does.
func (c *conn) WatchAuth() []schema.AuthID {
	if p := c.watchAuth.Load(); p != nil {
		return *p
	}
	return nil
}

// setWatchAuth publishes caller.Auth to WatchAuth; call it after every
// change of caller.Auth.
func (c *conn) setWatchAuth() {
	auth := c.caller.Auth
	c.watchAuth.Store(&auth)
}

// Notify queues a watch event (gateway.Watcher).
func (c *conn) Notify(ev gateway.Event) {
	hdr := jute.ReplyHeader{Xid: jute.XidNotification, Zxid: -1}
	we := jute.WatcherEvent{Type: jute.EventType(ev.Type), State: jute.StateSyncConnected, Path: ev.Path}
	c.send(encode(&hdr, &we))
}

// encode encodes a packet into a pooled buffer, which send and sendReply
// return to the pool once written.
func encode(recs ...jute.Encodable) *[]byte {
	p := getBuf(256)
	*p = jute.AppendPacket(*p, recs...)
	return p
}

// send queues a packet, and starts the writer if nobody is writing.
func (c *conn) send(pkt *[]byte) {
	c.mu.Lock()
	c.enqueueLocked(pkt)
	start := c.startWriterLocked()
	c.mu.Unlock()
	if start {
		go c.writeQueue()
	}
}

// startWriterLocked reports whether the caller is to start writeQueue:
// something is queued and nobody writes. It marks the connection as
// being written. c.mu must be held.
func (c *conn) startWriterLocked() bool {
	if c.writing || len(c.queue) == 0 {
		return false
	}
	c.writing = true
	return true
}

// enqueueLocked queues pkt unless the connection is closing. A client
// with more than MaxQueuedBytes waiting is not reading: its connection is
// closed, and what it has not read is dropped. c.mu must be held.
func (c *conn) enqueueLocked(pkt *[]byte) {
	if c.closing || c.broken {
		return
	}
	if c.queued+len(*pkt) > c.s.cfg.MaxQueuedBytes {
		c.dropQueueLocked()
		c.s.lg.Warn("closing a ZooKeeper connection whose client does not read", zap.String("remote", c.nc.RemoteAddr().String()),
			zap.Int("queued-bytes-limit", c.s.cfg.MaxQueuedBytes))
		// Closing the socket ends the reader and any write; never
		// block here (the hub calls send).
		_ = c.nc.Close()
		return
	}
	c.queue = append(c.queue, pkt)
	c.queued += len(*pkt)
}

// dropQueueLocked drops what is queued, for good: the connection is
// closed, and nothing more is queued. c.mu must be held.
func (c *conn) dropQueueLocked() {
	c.broken = true
	for _, q := range c.queue {
		c.queued -= len(*q)
	}
	clear(c.queue)
	c.queue = nil
}

// sendReply writes a reply at once, from the calling goroutine, when
// nothing is queued or being written: the reply a waiting client needs
// goes out without a hand-off to another goroutine. Otherwise it queues
// the reply behind what is there, as send. Watch events always go
// through send (the hub must never wait for a socket), so an event queued
// before a reply still leaves first.
func (c *conn) sendReply(pkt *[]byte) {
	c.mu.Lock()
	if c.closing || c.broken || c.writing || len(c.queue) > 0 {
		c.enqueueLocked(pkt)
		start := c.startWriterLocked()
		c.mu.Unlock()
		if start {
			go c.writeQueue()
		}
		return
	}
	c.writing = true
	c.mu.Unlock()
	// Counted before the write, as writeQueue counts: a client that has
	// its reply sees it counted.
	c.sent.Add(1)
	c.s.stats.countSent(*pkt)
	_ = c.nc.SetWriteDeadline(time.Now().Add(30 * time.Second))
	_, err := c.nc.Write(*pkt)
	putBuf(pkt)
	c.mu.Lock()
	if err != nil {
		c.nc.Close()
		c.dropQueueLocked()
	}
	// What was queued meanwhile (watch events) goes to a writer of its
	// own: this call has its turn to finish.
	more := len(c.queue) > 0
	if !more {
		c.idleLocked()
	}
	c.mu.Unlock()
	if more {
		go c.writeQueue()
	}
}

// idleLocked records that nobody writes, and wakes finish if it waits
// for that. c.mu must be held.
func (c *conn) idleLocked() {
	c.writing = false
	if c.flushed != nil {
		close(c.flushed)
		c.flushed = nil
	}
}

// writeQueue writes queued packets until the queue is empty, then ends:
// it runs only while there is something to write (see send), so an idle
// connection has no writer goroutine.
func (c *conn) writeQueue() {
	var bufs net.Buffers
	for {
		c.mu.Lock()
		q := c.queue
		c.queue = nil
		if len(q) == 0 {
			c.idleLocked()
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		n := 0
		bufs = bufs[:0]
		for _, pkt := range q {
			n += len(*pkt)
			bufs = append(bufs, *pkt)
		}
		// Counted before the write, as sendReply counts.
		c.sent.Add(int64(len(q)))
		for _, pkt := range q {
			c.s.stats.countSent(*pkt)
		}
		// One writev for everything queued.
		_ = c.nc.SetWriteDeadline(time.Now().Add(30 * time.Second))
		_, err := bufs.WriteTo(c.nc)
		for i, pkt := range q {
			putBuf(pkt)
			q[i] = nil
		}
		c.mu.Lock()
		c.queued -= n
		if err != nil {
			c.nc.Close()
			c.dropQueueLocked()
		}
		drained := c.drained
		c.mu.Unlock()
		if drained != nil {
			select {
			case drained <- struct{}{}:
			default:
			}
		}
	}
}

// waitQueue waits while more than maxQueuedBytes of replies wait for
// the client to read them: a client that does not read stops being read.
// A failed write drops the queue, so it does not wait for a connection
// that is closed.
func (c *conn) waitQueue() {
	for {
		c.mu.Lock()
		if c.queued <= maxQueuedBytes {
			c.mu.Unlock()
			return
		}
		// Made under the lock that orders it with writeQueue's count:
		// a batch written after this check signals it.
		if c.drained == nil {
			c.drained = make(chan struct{}, 1)
		}
		drained := c.drained
		c.mu.Unlock()
		<-drained
	}
}

// isClosed reports whether a read failed because the connection ended.
func isClosed(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed)
}

// finish stops queueing and waits until what was queued is written (or
// dropped).
func (c *conn) finish() {
	c.mu.Lock()
	c.closing = true
	c.mu.Unlock()
	c.awaitWritten()
}

// awaitWritten waits until nobody writes to the connection: what was
// queued before it was called is written, and no writer goroutine runs,
// until something more is sent.
func (c *conn) awaitWritten() {
	c.mu.Lock()
	var flushed chan struct{}
	if c.writing {
		if c.flushed == nil {
			c.flushed = make(chan struct{})
		}
		flushed = c.flushed
	}
	c.mu.Unlock()
	if flushed != nil {
		<-flushed
	}
}

func (c *conn) serve() {
	defer c.nc.Close()
	defer func() {
		// No input may take the server down: a bug met by one
		// connection ends that connection, with the stack in the log.
		if r := recover(); r != nil {
			c.s.lg.Error("ZooKeeper connection handler panicked", zap.Any("panic", r), zap.Stack("stack"))
		}
	}()
	first, ok := c.open()
	if !ok {
		return
	}
	defer c.finish()
	apart(func() { ok = c.handshake(first) }) // see apart
	if !ok {
		return
	}
	defer c.e.Forget(c)
	c.loop()
}

// open reads the first 4 bytes of a connection, after the TLS handshake
// if it has one: those of a ZooKeeper client's ConnectRequest, or a
// four-letter word, which it answers. It reports whether a ZooKeeper
// client is to be served. It is a function of its own, as the TLS
// handshake and four-letter words are: serve's frame stays small, and so
// does the stack its reader waits on while idle (below 2 KiB, the stack
// a goroutine starts with).
func (c *conn) open() (first [4]byte, ok bool) {
	_ = c.nc.SetReadDeadline(time.Now().Add(c.s.cfg.HandshakeTimeout))
	if tc, ok := c.nc.(*tls.Conn); ok && !c.tlsHandshake(tc) {
		return first, false
	}
	if _, err := io.ReadFull(c.nc, first[:]); err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			c.s.stats.handshakeExpired.Add(1)
		}
		return first, false
	}
	if word, ok := jute.FourLetterWord(first[:]); ok {
		c.fourLetterWord(word)
		c.linger()
		return first, false
	}
	if c.s.serving() == nil {
		// As a ZooKeeper server without a quorum (lost, or not yet
		// found at start): the connection is closed as soon as the
		// length of the ConnectRequest is read, and the client tries
		// another server, rather than wait here for etcd to give up,
		// which could outlast its session.
		c.s.stats.refusedNoQuorum.Add(1)
		c.logClose(noQuorum, nil)
		c.linger()
		return first, false
	}
	return first, true
}

// Lingering on a connection the server has finished with (see linger).
const (
	lingerTimeout = time.Second
	lingerBytes   = 64 << 10
)

// linger closes the server's side of a connection the server has
// finished with gracefully: it sends FIN after what was written
// (CloseWrite), then reads and drops what the client still sends, until
// the client closes too, for at most lingerTimeout and lingerBytes.
// Closing a socket with unread input makes the kernel send a reset
// instead, and a client that has not yet read the answer loses it: `echo
// ruok | nc` sends "ruok\n", and the "\n" is never read. The deferred
// Close in serve then finds nothing unread.
func (c *conn) linger() {
	c.lingering.Store(true)
	if cw, ok := c.nc.(interface{ CloseWrite() error }); ok {
		if err := cw.CloseWrite(); err != nil {
			return
		}
	}
	_ = c.nc.SetReadDeadline(time.Now().Add(lingerTimeout))
	_, _ = io.CopyN(io.Discard, c.nc, lingerBytes)
}

func (c *conn) logClose(reason string, err error) {
	fields := []zap.Field{zap.String("remote", c.nc.RemoteAddr().String()), zap.String("reason", reason)}
	if err != nil {
		fields = append(fields, zap.Error(err))
	}
	if c.sess.ID != 0 {
		fields = append(fields, zap.String("session", fmt.Sprintf("0x%x", uint64(c.sess.ID))))
	}
	c.s.lg.Info("closing ZooKeeper connection", fields...)
}

// handshake reads the ConnectRequest and opens or resumes the session.
// It reports whether the connection goes on.
//
// A request to resume a session first closes the session's other
// connections to this server, as ZooKeeper 3.8's processConnectRequest
// does before it checks the password: a reconnect with a wrong password
// or a stale id still ends the connection it names (the session lives
// on). A client whose lastZxidSeen is ahead is refused before that.
func (c *conn) handshake(first [4]byte) bool {
	n, err := jute.FrameLength(first, c.s.cfg.MaxPacket)
	if err != nil {
		c.logClose("bad connect request", err)
		return false
	}
	body, err := jute.ReadFrameBody(c.nc, n, nil)
	if err != nil {
		return false
	}
	c.s.stats.bytesReceived.Add(int64(4 + len(body)))
	c.s.stats.connectRequests.Add(1)
	var req jute.ConnectRequest
	if err := jute.DecodeExact(body, &req); err != nil {
		c.logClose("malformed connect request", err)
		return false
	}
	e := c.s.serving()
	if e == nil {
		// The quorum was lost while the request was read: as in serve.
		c.s.stats.refusedNoQuorum.Add(1)
		c.logClose(noQuorum, nil)
		return false
	}
	c.e = e
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// A node that loses its quorum now, before it has answered, closes
	// the connection as soon as it knows (as a ZooKeeper server that
	// loses its quorum closes every connection, those in their handshake
	// too), rather than leave the client waiting on etcd, which holds a
	// request without a quorum until the 10 s above: longer than a
	// client with a short session timeout waits before it would have
	// moved to another server.
	ctx = whileServing(ctx, e)
	// A client that has seen a zxid this cluster never reached saw
	// another cluster (or a member that lost data): ZooKeeper refuses it
	// by closing the socket, and the client tries another server.
	if req.LastZxidSeen > e.Zxid() {
		cz, err := e.ClusterZxid(ctx)
		if err != nil || req.LastZxidSeen > cz {
			c.logClose("client has seen a newer zxid", fmt.Errorf("client 0x%x, cluster 0x%x", req.LastZxidSeen, cz))
			return false
		}
	}
	if req.SessionID != 0 {
		c.s.closeSessionConns(req.SessionID, c)
	}
	var sess gateway.Session
	if req.SessionID == 0 {
		// Opening a session is a write, as in ZooKeeper's updatelatency.
		start := time.Now()
		sess, err = e.CreateSession(ctx, time.Duration(req.TimeOut)*time.Millisecond)
		if err == nil {
			c.s.stats.updateLat.addDuration(time.Since(start))
		}
	} else {
		sess, err = e.ResumeSession(ctx, req.SessionID, req.Passwd)
	}
	if errors.Is(err, schema.ErrSessionExpired) {
		// As ZooKeeper: a zero timeout and session id tell the client its
		// session has expired.
		resp := jute.ConnectResponse{Passwd: make([]byte, 16), Legacy: req.Legacy}
		c.sendReply(encode(&resp))
		c.logClose("session expired", nil)
		return false
	}
	if err != nil {
		if !e.Serving() {
			c.logClose(noQuorum, err)
			return false
		}
		c.logClose("opening session", err)
		return false
	}
	c.sess = sess
	c.sessionID.Store(sess.ID)
	c.caller = sess.Caller()
	c.lastOp.Store(int32(jute.OpCreateSession))
	if ip := c.ip(); ip != "" {
		c.authAdded = []schema.AuthID{{Scheme: "ip", ID: ip}}
	}
	// As X509AuthenticationProvider once the TLS handshake verified a
	// client certificate.
	if c.x509 != "" {
		c.authAdded = append(c.authAdded, schema.AuthID{Scheme: schema.SchemeX509, ID: c.x509})
	}
	if len(c.authAdded) > 0 {
		c.caller.Auth = schema.AuthSetOrder(c.authAdded)
	}
	c.setWatchAuth()
	c.lastZxid.Store(max(req.LastZxidSeen, 0))
	c.renewed = time.Since(c.s.started)
	resp := jute.ConnectResponse{
		TimeOut:   int32(sess.Timeout.Milliseconds()),
		SessionID: sess.ID,
		Passwd:    sess.Password,
		Legacy:    req.Legacy,
	}
	c.sendReply(encode(&resp))
	return true
}

// noQuorum is why a connection is refused or closed while the node
// cannot reach a quorum (Engine.Serving).
const noQuorum = "no quorum: this node cannot reach a quorum of etcd members; the client is to try another server"

// keepAlive renews the session on pings, and on other requests when a
// third of the timeout has passed since the last renewal. It returns why
// the connection must end (and the error behind it), or "" to go on:
//   - the session has ended (expired, or closed from another connection):
//     ZooKeeper closes the connection of an expired session, and the
//     client learns of the expiry when it reconnects;
//   - this node cannot reach a quorum (Engine.Serving), or the renewal
//     did not succeed within two thirds of the timeout (etcd is stalled):
//     it cannot keep the session alive, as a ZooKeeper server that has
//     lost its quorum cannot; and, as that server does, it closes the
//     connection, so the client moves to a server that can. The session
//     itself lives on until its lease expires.
func (c *conn) keepAlive(ping bool) (end string, err error) {
	if !ping && time.Since(c.s.started)-c.renewed < c.sess.Timeout/3 {
		return "", nil
	}
	if !c.e.Serving() {
		return noQuorum, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), min(requestTimeout, c.sess.Timeout*2/3))
	defer cancel()
	err = c.e.KeepAlive(ctx, c.sess.ID)
	switch {
	case err == nil:
		c.renewed = time.Since(c.s.started)
		return "", nil
	case errors.Is(err, schema.ErrSessionExpired):
		return "session expired", nil
	default:
		return "cannot renew the session here: the client is to move to another server", err
	}
}

// readOptions are the options of the read rq: no older than the zxid the
// client has seen, and watched by c if it asks for a watch.
func (c *conn) readOptions(rq *request, watch bool) gateway.ReadOptions {
	o := gateway.ReadOptions{MinZxid: rq.minZxid}
	if watch {
		o.Watcher = c
	}
	return o
}

// reply queues a reply: the header, and on success the body.
func (c *conn) reply(xid int32, zxid int64, err error, body ...jute.Encodable) {
	if zxid == 0 {
		// An error found before the engine read anything: ZooKeeper puts
		// its last zxid in the header.
		zxid = c.e.Zxid()
	}
	if zxid > 0 {
		for {
			cur := c.lastZxid.Load()
			if zxid <= cur || c.lastZxid.CompareAndSwap(cur, zxid) {
				break
			}
		}
	}
	hdr := jute.ReplyHeader{Xid: xid, Zxid: zxid, Err: schema.CodeOf(err)}
	if err != nil {
		if hdr.Err == schema.CodeSystemError {
			c.s.lg.Warn("ZooKeeper request failed", zap.Int32("xid", xid), zap.Error(err))
		}
		c.sendReply(encode(&hdr))
		return
	}
	recs := append([]jute.Encodable{&hdr}, body...)
	c.sendReply(encode(recs...))
}

// replyXid answers auth and setWatches: ZooKeeper echoes the request's
// xid (the Java client sends -4 and -8, go-zookeeper its own counter) and
// leaves the session's zxid alone.
func (c *conn) replyXid(xid int32, zxid int64, err error) {
	hdr := jute.ReplyHeader{Xid: xid, Zxid: zxid, Err: schema.CodeOf(err)}
	c.sendReply(encode(&hdr))
}

// whoAmI lists the connection's identities as ZooKeeper's whoAmI does:
// the scheme and the user part of each.
func (c *conn) whoAmI() []jute.ClientInfo {
	var out []jute.ClientInfo
	for _, id := range c.caller.Auth {
		user := id.ID
		if id.Scheme == "digest" {
			user, _, _ = strings.Cut(id.ID, ":")
		}
		out = append(out, jute.ClientInfo{AuthScheme: id.Scheme, User: user})
	}
	return out
}

// tlsHandshake runs a TLS connection's handshake and takes the x509
// identity of the client certificate it verified. It is a function of
// its own, kept out of open, so that open's frame stays small on a
// plaintext connection (see open).
//
//go:noinline
func (c *conn) tlsHandshake(tc *tls.Conn) bool {
	// A plaintext client, or a certificate the server does not trust,
	// ends here, within the handshake timeout.
	c.s.stats.tlsHandshakes.Add(1)
	err := tc.Handshake()
	c.s.stats.tlsHandshakes.Add(-1)
	if err != nil {
		c.s.stats.tlsFailed.Add(1)
		c.logClose("TLS handshake failed", err)
		return false
	}
	c.x509 = x509Identity(tc.ConnectionState())
	return true
}

// x509Identity is the x509 identity of a TLS connection: the subject of
// the client certificate its handshake verified, "" if none was.
func x509Identity(st tls.ConnectionState) string {
	if len(st.VerifiedChains) == 0 || len(st.PeerCertificates) == 0 {
		return ""
	}
	id, err := schema.X509ID(st.PeerCertificates[0].RawSubject)
	if err != nil {
		return ""
	}
	return id
}

// servingPoll is how often whileServing looks at Engine.Serving, a read of
// two atomics.
const servingPoll = 50 * time.Millisecond

// whileServing returns a context that ends with ctx or as soon as e stops
// serving (Engine.Serving), whichever comes first. Its goroutine ends with
// ctx, so the caller cancels ctx when done.
func whileServing(ctx context.Context, e *gateway.Engine) context.Context {
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		tick := time.NewTicker(servingPoll)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				if !e.Serving() {
					cancel()
					return
				}
			}
		}
	}()
	return ctx
}
