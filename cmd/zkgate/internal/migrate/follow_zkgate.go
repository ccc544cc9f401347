package migrate

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/zkgate/zkgate/schema"
	"github.com/zkgate/zkgate/schema/zkgatepb"
)

// FollowZkgate is Follow from a zkgate read through its namespace gRPC
// API. It first opens a persistent recursive watch on root (zkgate's Watch,
// ZooKeeper's addWatch), which reports every creation, data change and
// deletion under root from the zxid it starts at, in order; then copies
// the tree as CopyWith does (with opts); then reads each znode an event
// names again and makes the destination's the same (or removes it, but
// for the destination's own ephemerals), and carries the parent's
// sequence counter over after a creation. The events of the copy's time
// wait in a queue. A watch fires for no ACL change: a last Copy or diff
// catches them. copied is called once the copy is done. When the node
// serving the watch goes away, the watch is opened again from the zxid of
// the last event brought in, on any node of src that answers, so that no
// change is missed (zkgate's Watch from a start zxid). FollowZkgate
// returns when ctx ends (nil, after the copy) or the watch cannot be
// opened again within 30 s (run it again).
func FollowZkgate(ctx context.Context, src *Zkgate, dst Dest, root string, opts Options, copied func(CopyResult)) (CopyResult, error) {
	var res CopyResult
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, from, err := watchFrom(wctx, src, root, 0)
	if err != nil {
		return res, fmt.Errorf("source: watching %s: %w", root, schema.ErrorFromStatus(err))
	}
	q := &watchQueue{ready: make(chan struct{}, 1)}
	go func() {
		last := from
		for {
			r, err := stream.Recv()
			if err == nil {
				last = r.GetZxid()
				q.push(r, nil)
				continue
			}
			// The node went away: go on from the last zxid brought in,
			// on whichever node answers, without a gap.
			if stream, err = resumeWatch(wctx, src, root, last, err); err != nil {
				q.push(nil, err)
				return
			}
		}
	}()
	if res, err = CopyWith(ctx, src, dst, root, opts, nil); err != nil {
		return res, err
	}
	if copied != nil {
		copied(res)
	}
	for {
		select {
		case <-ctx.Done():
			return res, nil
		case <-q.ready:
		}
		evs, werr := q.take()
		for _, ev := range evs {
			if err := syncZkgate(ctx, src, dst, root, ev.GetEvent(), ev.GetZxid(), &res); err != nil {
				if ctx.Err() != nil {
					return res, nil // ended while bringing a change over
				}
				return res, err
			}
		}
		if werr != nil {
			if ctx.Err() != nil {
				return res, nil
			}
			return res, fmt.Errorf("the watch on the source ended (%v): run zkgate migrate --follow again", werr)
		}
	}
}

// watchFrom opens a persistent recursive watch on root, from the zxid
// from (0: from now), and returns it with the zxid it counts from.
func watchFrom(ctx context.Context, src *Zkgate, root string, from int64) (zkgatepb.Namespace_WatchClient, int64, error) {
	stream, err := src.ns.Watch(ctx, &zkgatepb.WatchRequest{Ctx: src.rc, Path: root, Mode: zkgatepb.WatchMode_WATCH_MODE_PERSISTENT_RECURSIVE, StartZxid: from})
	if err != nil {
		return nil, 0, err
	}
	first, err := stream.Recv()
	if err != nil {
		return nil, 0, err
	}
	if from == 0 {
		from = first.GetZxid()
	}
	return stream, from, nil
}

// resumeWatchFor bounds how long a broken watch is tried again.
const resumeWatchFor = 30 * time.Second

// resumeWatch opens the watch again from the zxid last, after it ended
// with cause: the events after last come first, then live ones. It tries
// for resumeWatchFor, the endpoints taking turns; a zxid no longer in the
// history kept, or the end of ctx, ends it.
func resumeWatch(ctx context.Context, src *Zkgate, root string, last int64, cause error) (zkgatepb.Namespace_WatchClient, error) {
	deadline := time.Now().Add(resumeWatchFor)
	for {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		stream, _, err := watchFrom(ctx, src, root, last)
		if err == nil {
			return stream, nil
		}
		if schema.CodeOf(schema.ErrorFromStatus(err)) == schema.CodeBadArguments || time.Now().After(deadline) {
			return nil, fmt.Errorf("%v; resuming it from zxid %d: %w", schema.ErrorFromStatus(cause), last, schema.ErrorFromStatus(err))
		}
		select {
		case <-ctx.Done():
		case <-time.After(200 * time.Millisecond): // the next endpoint's turn
		}
	}
}

// syncZkgate brings over the change one event of the watch names, made
// at zxid: p is read again and put, or removed when it is gone; after a
// creation, its parent's sequence counter is carried over as it was at
// zxid (read at that zxid), not as it is now: the creations after it are
// still to come, each adding one on both sides.
func syncZkgate(ctx context.Context, src *Zkgate, dst Dest, root string, ev *zkgatepb.WatchEvent, zxid int64, res *CopyResult) error {
	p := ev.GetPath()
	if p == "/zookeeper" || strings.HasPrefix(p, "/zookeeper/") {
		return nil
	}
	if err := syncNode(ctx, src, dst, p, res); err != nil {
		return err
	}
	// Every creation counts, of a znode gone since or an ephemeral too.
	if ev.GetType() != zkgatepb.EventType_EVENT_TYPE_NODE_CREATED || p == root {
		return nil
	}
	parent := schema.Parent(p)
	pn, err := src.At(zxid).Node(ctx, parent)
	if err != nil {
		// Out of the history kept: now's counter, which may run ahead
		// of the destination's creations to come but never reuses one.
		pn, err = src.Node(ctx, parent)
	}
	if err != nil || pn == nil || pn.NextSequence() == 0 {
		return nil // gone meanwhile, or unreadable: its own events tell
	}
	changed, err := raiseSequence(ctx, dst, parent, pn.NextSequence())
	if changed {
		res.Sequences++
	}
	return err
}

// syncNode reads p again and makes the destination's p the same, or
// removes it when it is gone.
func syncNode(ctx context.Context, src *Zkgate, dst Dest, p string, res *CopyResult) error {
	n, err := src.Node(ctx, p)
	switch {
	case errors.Is(err, ErrNoAuth):
		if !slices.Contains(res.Unreadable, p) {
			res.Unreadable = append(res.Unreadable, p)
		}
		return nil
	case err != nil:
		return fmt.Errorf("source: %w", err)
	case n == nil:
		return remove(ctx, dst, p, res)
	case n.Kind == Ephemeral:
		if !slices.Contains(res.Ephemerals, p) {
			res.Ephemerals = append(res.Ephemerals, p)
		}
		return nil
	case n.Masked():
		res.Unreadable = append(res.Unreadable, p+maskedNote)
		return nil
	}
	return put(ctx, dst, p, n, res)
}

// watchQueue holds a watch stream's events until FollowZkgate takes them,
// and the error that ended the stream.
type watchQueue struct {
	mu     sync.Mutex
	events []*zkgatepb.WatchResponse
	err    error
	ready  chan struct{}
}

func (q *watchQueue) push(ev *zkgatepb.WatchResponse, err error) {
	q.mu.Lock()
	if ev.GetEvent() != nil {
		q.events = append(q.events, ev)
	}
	if err != nil {
		q.err = err
	}
	q.mu.Unlock()
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

func (q *watchQueue) take() ([]*zkgatepb.WatchResponse, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	evs := q.events
	q.events = nil
	return evs, q.err
}
