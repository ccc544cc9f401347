package migrate

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/go-zookeeper/zk"

	"github.com/zkgate/zkgate/schema"
	"github.com/zkgate/zkgate/schema/zkgatepb"
)

// eventQueue holds the source session's events (go-zookeeper calls push
// from its receive loop, which must never wait) until Follow takes them.
type eventQueue struct {
	mu     sync.Mutex
	events []zk.Event
	ready  chan struct{}
}

func newEventQueue() *eventQueue { return &eventQueue{ready: make(chan struct{}, 1)} }

func (q *eventQueue) push(ev zk.Event) {
	q.mu.Lock()
	q.events = append(q.events, ev)
	q.mu.Unlock()
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

func (q *eventQueue) take() []zk.Event {
	q.mu.Lock()
	defer q.mu.Unlock()
	evs := q.events
	q.events = nil
	return evs
}

// Follow copies the source tree under root into the destination as Copy
// does, but reads every znode with a watch set by the same read (data and
// children), so that any change made after it was read, during the copy
// or after, fires and is brought over: data and creations by reading the
// znode again (and re-arming its watch), deletions by deleting the
// destination's subtree, and each parent's sequence counter carried over
// as its children change. ACL changes fire no watch in ZooKeeper: a last
// Copy (zkgate migrate without --follow) or zkgate diff catches them.
// copied is called once the first pass is done, with what it did. Follow
// returns when ctx ends (nil) or the source session expires.
func Follow(ctx context.Context, src *ZooKeeper, dst *Zkgate, root string, copied func(CopyResult)) (CopyResult, error) {
	f := &follower{src: src, dst: dst, known: map[string][]string{}}
	if err := f.sync(ctx, root, true); err != nil {
		return f.res, err
	}
	if copied != nil {
		copied(f.res)
	}
	for {
		select {
		case <-ctx.Done():
			return f.res, nil
		case <-src.events.ready:
		}
		for _, ev := range src.events.take() {
			if ev.State == zk.StateExpired {
				return f.res, errors.New("the source session expired: run zkgate migrate --follow again")
			}
			p, ok := src.rel(ev.Path)
			if !ok || ev.Type == zk.EventSession || ev.Type == zk.EventNotWatching {
				continue
			}
			var err error
			switch ev.Type {
			case zk.EventNodeDataChanged:
				err = f.sync(ctx, p, false)
			case zk.EventNodeChildrenChanged, zk.EventNodeCreated:
				err = f.sync(ctx, p, true)
			case zk.EventNodeDeleted:
				// Read again: it may have been created anew since,
				// which fires no other watch.
				err = f.sync(ctx, p, true)
			}
			if err != nil {
				return f.res, err
			}
		}
	}
}

type follower struct {
	src   *ZooKeeper
	dst   *Zkgate
	res   CopyResult
	known map[string][]string // children last seen, per followed parent
}

// rel turns a path the source reports into one under the chroot.
func (z *ZooKeeper) rel(p string) (string, bool) {
	if z.chroot == "" {
		return p, true
	}
	if p == z.chroot {
		return "/", true
	}
	rest, ok := strings.CutPrefix(p, z.chroot+"/")
	return "/" + rest, ok
}

// sync reads p with its data watch and makes the destination's p the
// same; with children, it also reads p's children with a child watch,
// follows new ones, removes gone ones and carries the sequence counter.
func (f *follower) sync(ctx context.Context, p string, children bool) error {
	if p == "/zookeeper" || strings.HasPrefix(p, "/zookeeper/") {
		return nil
	}
	n, err := f.src.read(p, true)
	switch {
	case errors.Is(err, ErrNoAuth):
		if !slices.Contains(f.res.Unreadable, p) {
			f.res.Unreadable = append(f.res.Unreadable, p)
		}
		return nil
	case err != nil:
		return fmt.Errorf("source: %w", err)
	case n == nil:
		return f.remove(ctx, p)
	}
	switch {
	case n.Kind == Ephemeral:
		if !slices.Contains(f.res.Ephemerals, p) {
			f.res.Ephemerals = append(f.res.Ephemerals, p)
		}
		return nil
	case n.Masked():
		f.res.Unreadable = append(f.res.Unreadable, p+maskedNote)
		return nil
	}
	if err := f.dst.put(ctx, p, n, &f.res); err != nil {
		return err
	}
	if !children {
		return nil
	}
	kids, st, _, err := f.src.conn.ChildrenW(f.src.abs(p))
	if errors.Is(err, zk.ErrNoNode) {
		return f.remove(ctx, p)
	}
	if err != nil {
		return fmt.Errorf("source: listing %s: %w", p, err)
	}
	slices.Sort(kids)
	old := f.known[p]
	f.known[p] = kids
	for _, k := range old {
		if _, found := slices.BinarySearch(kids, k); !found {
			if err := f.sync(ctx, join(p, k), true); err != nil {
				return err
			}
		}
	}
	for _, k := range kids {
		if _, found := slices.BinarySearch(old, k); !found {
			if err := f.sync(ctx, join(p, k), true); err != nil {
				return err
			}
		}
	}
	// The children are in: carry the counter over (it never goes down).
	if next := (st.Cversion + st.NumChildren) / 2; next > 0 {
		changed, err := f.dst.raiseSequence(ctx, p, next)
		if err != nil {
			return err
		}
		if changed {
			f.res.Sequences++
		}
	}
	return nil
}

// remove deletes the destination's subtree at p, children first, and
// forgets it, so that a later creation under the same name is new to
// its parent's next listing.
func (f *follower) remove(ctx context.Context, p string) error {
	for k := range f.known {
		if k == p || strings.HasPrefix(k, p+"/") {
			delete(f.known, k)
		}
	}
	if p != "/" {
		parent, name := schema.Parent(p), schema.Base(p)
		if kids := f.known[parent]; kids != nil {
			f.known[parent] = slices.DeleteFunc(slices.Clone(kids), func(k string) bool { return k == name })
		}
	}
	return f.dst.deleteTree(ctx, p)
}

// deleteTree deletes p and everything under it.
func (g *Zkgate) deleteTree(ctx context.Context, p string) error {
	kids, err := g.Children(ctx, p)
	if err != nil {
		return fmt.Errorf("destination: %w", err)
	}
	for _, k := range kids {
		if err := g.deleteTree(ctx, join(p, k)); err != nil {
			return err
		}
	}
	_, err = g.ns.Delete(ctx, &zkgatepb.DeleteRequest{Ctx: g.rc, Path: p})
	if err != nil && schema.CodeOf(schema.ErrorFromStatus(err)) != schema.CodeNoNode {
		return fmt.Errorf("deleting %s: %w", p, schema.ErrorFromStatus(err))
	}
	return nil
}
