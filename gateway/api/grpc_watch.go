package api

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/schema"
	"github.com/zkgate/zkgate/schema/zkgatepb"
)

// streamWatcher queues events for one Watch stream. Notify never blocks:
// a stream that falls more than maxQueued events behind is ended, and the
// client must watch again and re-read, as a ZooKeeper client does after
// a disconnect.
type streamWatcher struct {
	// auth is the stream's caller's identities: like a ZooKeeper
	// connection, a stream gets only events of nodes it may read
	// (AuthWatcher).
	auth     []schema.AuthID
	mu       sync.Mutex
	queue    []gateway.Event
	overflow bool
	ready    chan struct{} // has one token when the queue is not empty
}

const maxQueued = 100000

// WatchAuth implements gateway.AuthWatcher.
func (w *streamWatcher) WatchAuth() []schema.AuthID { return w.auth }

func (w *streamWatcher) Notify(ev gateway.Event) {
	w.mu.Lock()
	if len(w.queue) >= maxQueued {
		w.overflow = true
	} else {
		w.queue = append(w.queue, ev)
	}
	w.mu.Unlock()
	select {
	case w.ready <- struct{}{}:
	default:
	}
}

func (w *streamWatcher) take() ([]gateway.Event, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	q := w.queue
	w.queue = nil
	return q, w.overflow
}

// Watch streams a persistent (or persistent recursive) watch's events
// (gateway.Engine.AddWatch) until the client goes away.
func (s *Server) Watch(req *zkgatepb.WatchRequest, stream zkgatepb.Namespace_WatchServer) error {
	ctx := stream.Context()
	e, c, err := s.begin(ctx, req.GetCtx())
	if err != nil {
		return s.fail(ctx, err)
	}
	mode := gateway.WatchMode(req.GetMode())
	w := &streamWatcher{auth: c.Auth, ready: make(chan struct{}, 1)}
	if err := e.WaitZxid(ctx, req.GetCtx().GetMinZxid()); err != nil {
		return s.fail(ctx, err)
	}
	zxid, err := e.AddWatch(ctx, c, req.GetPath(), mode, w)
	if err != nil {
		return s.fail(ctx, err)
	}
	defer e.Forget(w)
	if err := stream.Send(&zkgatepb.WatchResponse{Zxid: zxid}); err != nil {
		return err
	}
	if since := req.GetStartZxid(); since != 0 {
		// The changes up to the watch's zxid, replayed; those after it
		// wait in w's queue meanwhile.
		q := newSendQueue(ctx, func(m any) error { return stream.Send(m.(*zkgatepb.WatchResponse)) })
		err := e.Replay(ctx, c, req.GetPath(), mode, since, zxid, func(ev gateway.Event) error {
			return q.put(watchResponse(ev), len(ev.Path)+32)
		})
		if qerr := q.close(); qerr != nil && err == nil {
			err = qerr
		}
		if err != nil {
			return s.fail(ctx, err)
		}
	}
	for {
		select {
		case <-w.ready:
		case <-ctx.Done():
			return nil
		}
		evs, overflow := w.take()
		for _, ev := range evs {
			if err := stream.Send(watchResponse(ev)); err != nil {
				return err
			}
		}
		if overflow {
			return s.fail(ctx, schema.Errorf(schema.CodeConnectionLoss, req.GetPath(), "watch stream fell %d events behind", maxQueued))
		}
	}
}

func watchResponse(ev gateway.Event) *zkgatepb.WatchResponse {
	return &zkgatepb.WatchResponse{
		Event: &zkgatepb.WatchEvent{Type: zkgatepb.EventType(ev.Type), Path: ev.Path},
		Zxid:  ev.Zxid,
	}
}

// History streams the changes of a znode or subtree that the cluster
// still keeps (gateway.Engine.History).
func (s *Server) History(req *zkgatepb.HistoryRequest, stream zkgatepb.Namespace_HistoryServer) error {
	ctx := stream.Context()
	e, c, err := s.begin(ctx, req.GetCtx())
	if err != nil {
		return s.fail(ctx, err)
	}
	if err := e.WaitZxid(ctx, req.GetCtx().GetMinZxid()); err != nil {
		return s.fail(ctx, err)
	}
	q := newSendQueue(ctx, func(m any) error { return stream.Send(m.(*zkgatepb.HistoryResponse)) })
	err = e.History(ctx, c, req.GetPath(), gateway.HistoryOptions{
		Recursive: req.GetRecursive(), From: req.GetFromZxid(), To: req.GetToZxid(), Data: req.GetData(),
	}, func(ch gateway.Change) error {
		return q.put(&zkgatepb.HistoryResponse{Change: &zkgatepb.Change{
			Zxid: ch.Zxid, Time: ch.Time, Session: ch.Session, Type: zkgatepb.ChangeType(ch.Type), Path: ch.Path,
			Version: ch.Version, Aversion: ch.Aversion, DataLength: ch.DataLength,
			EphemeralOwner: ch.EphemeralOwner, Data: ch.Data, DataHidden: ch.DataHidden, Acl: aclsPB(ch.ACL),
		}}, len(ch.Path)+len(ch.Data)+64)
	})
	if qerr := q.close(); qerr != nil && err == nil {
		err = qerr
	}
	if err != nil {
		return s.fail(ctx, err)
	}
	return nil
}

// Bounds of a sendQueue: what a stream of past changes may hold in
// memory ahead of its client.
const (
	sendQueueMessages = 10000
	sendQueueBytes    = 64 << 20
)

// errTooSlow ends a stream of past changes whose client reads more
// slowly than etcd delivers them, rather than hold the whole history in
// memory for it.
var errTooSlow = schema.Errorf(schema.CodeConnectionLoss, "", "the client read the past changes too slowly (more than %d changes or %d MiB waiting): ask for a narrower range of zxids", sendQueueMessages, sendQueueBytes>>20)

// sendQueue hands a stream's messages to a goroutine of their own, so
// that the scan of etcd's history is never held up by the client, and
// refuses more than its bounds allow.
type sendQueue struct {
	ch    chan any
	sizes chan int
	bytes atomic.Int64
	done  chan struct{}
	err   error // of send, once done is closed
}

func newSendQueue(ctx context.Context, send func(any) error) *sendQueue {
	q := &sendQueue{ch: make(chan any, sendQueueMessages), sizes: make(chan int, sendQueueMessages), done: make(chan struct{})}
	go func() {
		defer close(q.done)
		for m := range q.ch {
			n := <-q.sizes
			if q.err == nil {
				q.err = send(m)
			}
			q.bytes.Add(-int64(n))
		}
	}()
	return q
}

// put queues m, of about size bytes, or fails: the client is gone, or
// too slow.
func (q *sendQueue) put(m any, size int) error {
	select {
	case <-q.done:
		return q.err
	default:
	}
	if q.bytes.Add(int64(size)) > sendQueueBytes {
		return errTooSlow
	}
	select {
	case q.ch <- m:
		q.sizes <- size
		return nil
	default:
		return errTooSlow
	}
}

// close waits for the queued messages to be sent and returns the error
// of sending them, if any.
func (q *sendQueue) close() error {
	close(q.ch)
	<-q.done
	return q.err
}

// ZxidAt returns the last zxid made at or before a time
// (gateway.Engine.ZxidAt).
func (s *Server) ZxidAt(ctx context.Context, req *zkgatepb.ZxidAtRequest) (*zkgatepb.ZxidAtResponse, error) {
	e, _, err := s.begin(ctx, req.GetCtx())
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	zxid, at, err := e.ZxidAt(ctx, req.GetTimeMs())
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &zkgatepb.ZxidAtResponse{Zxid: zxid, TimeMs: at}, nil
}

// HistoryRange tells how far back history reaches
// (gateway.Engine.HistoryRange).
func (s *Server) HistoryRange(ctx context.Context, req *zkgatepb.HistoryRangeRequest) (*zkgatepb.HistoryRangeResponse, error) {
	e, _, err := s.begin(ctx, req.GetCtx())
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	oldest, at, zxid, err := e.HistoryRange(ctx)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &zkgatepb.HistoryRangeResponse{OldestZxid: oldest, OldestTimeMs: at, Zxid: zxid}, nil
}
