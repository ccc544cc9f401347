package api

import (
	"sync"

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
		var sendErr error
		err := e.Replay(ctx, c, req.GetPath(), mode, since, zxid, func(ev gateway.Event) {
			if sendErr == nil {
				sendErr = stream.Send(watchResponse(ev))
			}
		})
		if sendErr != nil {
			return sendErr
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
	var sendErr error
	err = e.History(ctx, c, req.GetPath(), gateway.HistoryOptions{
		Recursive: req.GetRecursive(), From: req.GetFromZxid(), To: req.GetToZxid(), Data: req.GetData(),
	}, func(ch gateway.Change) error {
		sendErr = stream.Send(&zkgatepb.HistoryResponse{Change: &zkgatepb.Change{
			Zxid: ch.Zxid, Time: ch.Time, Type: zkgatepb.ChangeType(ch.Type), Path: ch.Path,
			Version: ch.Version, Aversion: ch.Aversion, DataLength: ch.DataLength,
			EphemeralOwner: ch.EphemeralOwner, Data: ch.Data, DataHidden: ch.DataHidden, Acl: aclsPB(ch.ACL),
		}})
		return sendErr
	})
	if sendErr != nil {
		return sendErr
	}
	if err != nil {
		return s.fail(ctx, err)
	}
	return nil
}
