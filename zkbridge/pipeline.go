package zkbridge

import (
	"context"
	"encoding/binary"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/zkbridge/jute"
)

// A connection's requests are pipelined: a client may have many in
// flight, and zkgate works on several at once while answering them, and
// applying them, strictly in the order they were sent.
//
// Each request is a call. Calls are linked in arrival order: a call's
// reply waits until the previous call has finished (replied, armed its
// watch), so replies leave in order whatever order the work completes
// in. What may overlap depends on the kind of request:
//
//   - writes (create, delete, setData, setACL, multi) are handed to the
//     engine's committer one after the other: the next request is read
//     only once the write has its place in the committer's queue
//     (gateway.WithQueued), and the committer keeps that order, so a
//     session's writes are applied in the order sent and may share one
//     etcd transaction;
//   - reads (exists, getData, getChildren, getACL, ...) run side by side,
//     but only after every earlier write has been answered, so each sees
//     the session's own writes; a write after reads waits for them, so no
//     read sees a later write;
//   - everything else (ping, auth, sync, the watch-management opcodes,
//     closeSession, anything unknown) runs alone once everything before
//     it has finished, and nothing after it starts before it ends.
//
// A call that ends the connection (a request header cut short, an
// unknown opcode, closeSession, a failed auth) does so in its turn: later calls' replies are dropped, and
// no later write is started.

// maxInFlight bounds one connection's calls in flight; further requests
// wait in the socket.
const maxInFlight = 256

// maxQueuedBytes is how many reply bytes may wait for a slow reader
// before no further request is read.
const maxQueuedBytes = 4 << 20

type callKind int

const (
	kindAlone callKind = iota
	kindRead
	kindWrite
)

// kindOf classifies a request packet by its opcode (bytes 4..8), as
// opTable has it; an opcode not in the table runs alone.
func kindOf(pkt []byte) callKind {
	if len(pkt) < 8 {
		return kindAlone
	}
	return opTable[jute.OpCode(int32(binary.BigEndian.Uint32(pkt[4:8])))].kind
}

// apart runs f on a goroutine of its own and waits for it: f's stack is
// freed when it returns, rather than left grown on the caller's.
func apart(f func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	<-done
}

// call is one request in flight.
type call struct {
	*conn
	prev <-chan struct{} // closed when the previous call has finished
	done chan struct{}   // closed when this one has

	queuedOnce sync.Once
	// queued, for a write only (the reader waits on it), is closed
	// once the write is queued, or the call ends.
	queued chan struct{}
	failed atomic.Bool // the call ends the connection

	// For the request statistics (counted once, before the reply is
	// queued, as ZooKeeper counts before it responds: a client that has
	// its reply sees it counted).
	pkt     []byte
	start   time.Time
	counted bool
	// pooled holds pkt, returned to the pool when the call ends.
	pooled *[]byte
}

// count records the call's statistics once, from the call's goroutine.
func (c *call) count() {
	if c.counted {
		return
	}
	c.counted = true
	d := time.Since(c.start)
	c.s.stats.outstanding.Add(-1)
	c.s.stats.requestDone(c.pkt, d)
	if len(c.pkt) >= 4 {
		c.stats.done(int32(binary.BigEndian.Uint32(c.pkt)), d, time.Since(c.s.started))
	}
}

func (c *call) markQueued() {
	if c.queued != nil {
		c.queuedOnce.Do(func() { close(c.queued) })
	}
}

// context is the call's request context.
func (c *call) context() (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	if c.queued == nil {
		return ctx, cancel
	}
	return gateway.WithQueued(ctx, c.markQueued), cancel
}

// reply queues a reply in the call's turn; after a call that ended the
// connection, nothing.
func (c *call) reply(xid int32, zxid int64, err error, body ...jute.Encodable) {
	<-c.prev
	c.count()
	if c.stopped.Load() {
		return
	}
	c.conn.reply(xid, zxid, err, body...)
}

// replyXid is reply for auth and setWatches (see conn.replyXid).
func (c *call) replyXid(xid int32, zxid int64, err error) {
	<-c.prev
	c.count()
	if c.stopped.Load() {
		return
	}
	c.conn.replyXid(xid, zxid, err)
}

// run handles the call and finishes it in its turn.
func (c *call) run(pkt []byte) {
	goOn := false
	c.pkt, c.start = pkt, time.Now()
	c.s.stats.outstanding.Add(1)
	defer func() {
		if r := recover(); r != nil {
			// No input may take the server down: a bug met by one request
			// ends its connection, with the stack in the log.
			c.s.lg.Error("ZooKeeper request handler panicked", zap.Any("panic", r), zap.Stack("stack"))
			goOn = false
		}
		c.count()
		if !goOn {
			c.failed.Store(true)
		}
		c.markQueued()
		<-c.prev
		if !goOn && !c.stopped.Swap(true) {
			// Wake the reader, which may be waiting for the next packet.
			_ = c.nc.SetReadDeadline(time.Unix(1, 0))
		}
		if c.pooled != nil {
			// Nothing refers to pkt any more: the decoded records are
			// copies, and the statistics are counted.
			putBuf(c.pooled)
			c.pkt, c.pooled = nil, nil
		}
		close(c.done)
	}()
	goOn = c.handle(pkt)
}

// loop reads requests and runs them as calls until the connection ends;
// it returns once every call has finished.
func (c *conn) loop() {
	var (
		wg sync.WaitGroup
		// slots is made for the first call run on a goroutine of its
		// own: an idle connection has none.
		slots chan struct{}
		prev  = closedChan
		last  = kindAlone
	)
	defer wg.Wait()
	in := newFrameReader(c.nc)
	for {
		c.waitQueue()
		// ZooKeeper closes a connection silent for the session timeout;
		// clients ping at a third of it.
		_ = c.nc.SetReadDeadline(time.Now().Add(c.sess.Timeout))
		if c.stopped.Load() {
			return
		}
		err := in.waitInput()
		var pkt []byte
		var pooled *[]byte
		if err == nil {
			pkt, pooled, err = in.next(c.s.cfg.MaxPacket)
		}
		if errors.Is(err, jute.ErrFrameTooLarge) {
			c.s.stats.tooLarge.Add(1)
		}
		if err != nil {
			if !c.stopped.Load() && !isClosed(err) {
				c.logClose("reading request", err)
			}
			return
		}
		c.received.Add(1)
		c.s.stats.received.Add(1)
		c.s.stats.bytesReceived.Add(int64(4 + len(pkt)))

		kind := kindOf(pkt)
		if kind != last || kind == kindAlone {
			// A new group waits for everything before it.
			<-prev
			if c.stopped.Load() {
				return
			}
		}
		last = kind
		if end, err := c.keepAlive(isPing(pkt)); end != "" {
			// The session has ended, or this node cannot keep it: this
			// request and any after it go unanswered, as ZooKeeper drops
			// the requests of a session it no longer has (or of every
			// session, once it has lost its quorum) and closes the
			// connection.
			c.logClose(end, err)
			return
		}
		cl := &call{conn: c, prev: prev, done: make(chan struct{}), pooled: pooled}
		if kind == kindWrite {
			cl.queued = make(chan struct{})
		}
		prev = cl.done
		// A read with nothing in flight and nothing more sent runs here:
		// the client waits for it, and a goroutine would only add the
		// cost of growing a fresh stack.
		idle := kind == kindRead && in.buffered() == 0 && isClosedChan(cl.prev)
		if kind == kindAlone || idle {
			if kind == kindAlone {
				// Pings and the like, what an idle session sends, run
				// on a goroutine of their own: run here, their deep
				// calls would keep this reader's stack grown while it
				// waits, which would cost every idle session kilobytes.
				apart(func() { cl.run(pkt) })
			} else {
				cl.run(pkt)
			}
			if cl.failed.Load() {
				return
			}
			continue
		}
		if slots == nil {
			slots = make(chan struct{}, maxInFlight)
		}
		slots <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			cl.run(pkt)
		}()
		if kind == kindWrite {
			<-cl.queued
			if cl.failed.Load() {
				// Nothing after a request that ends the connection is
				// started.
				return
			}
		}
	}
}

// closedChan is a closed channel: the previous call of a connection's
// first call.
var closedChan = func() chan struct{} {
	ch := make(chan struct{})
	close(ch)
	return ch
}()

func isClosedChan(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

func isPing(pkt []byte) bool {
	return len(pkt) >= 8 && jute.OpCode(int32(binary.BigEndian.Uint32(pkt[4:8]))) == jute.OpPing
}
