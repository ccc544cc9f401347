package migrate

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/go-zookeeper/zk"
	"golang.org/x/sync/errgroup"

	"github.com/zkgate/zkgate/schema"
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
// as its children change. The first pass goes one tree level at a time,
// workers znodes side by side, as Copy does; the changes that fire
// meanwhile wait in the queue and are brought over after it. ACL changes
// fire no watch in ZooKeeper: a last Copy (zkgate migrate without
// --follow) or zkgate diff catches them. copied is called once the first
// pass is done, with what it did. Follow returns when ctx ends (nil,
// after the first pass) or the source session expires.
//
// The source is read through the ZooKeeper protocol, a ZooKeeper
// ensemble's or zkgate's own ZooKeeper port; the destination is either.
func Follow(ctx context.Context, src *ZooKeeper, dst Dest, root string, opts Options, copied func(CopyResult)) (CopyResult, error) {
	f := &follower{src: src, dst: dst, del: opts.Delete, known: map[string][]string{}}
	if err := checkTTL(ctx, src, dst, root, opts.Workers); err != nil {
		return f.res, err
	}
	if err := putAncestors(ctx, src, dst, root, &f.res); err != nil {
		return f.res, err
	}
	if err := f.first(ctx, root, opts.Workers); err != nil {
		return f.res, err
	}
	if copied != nil {
		copied(f.result())
	}
	for {
		select {
		case <-ctx.Done():
			return f.result(), nil
		case <-src.events.ready:
		}
		for _, ev := range src.events.take() {
			if ev.State == zk.StateExpired {
				return f.result(), errors.New("the source session expired: run zkgate migrate --follow again")
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
				if ctx.Err() != nil {
					return f.result(), nil // ended while bringing a change over
				}
				return f.result(), err
			}
		}
	}
}

type follower struct {
	src *ZooKeeper
	dst Dest
	del bool       // Options.Delete
	mu  sync.Mutex // res and known, which the first pass shares
	res CopyResult
	// known are the children last seen, per followed parent.
	known map[string][]string
}

func (f *follower) result() CopyResult {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.res
	r.Ephemerals = slices.Clone(r.Ephemerals)
	r.Unreadable = slices.Clone(r.Unreadable)
	r.Conflicts = slices.Clone(r.Conflicts)
	r.Kept = slices.Clone(r.Kept)
	slices.Sort(r.Kept)
	slices.Sort(r.Ephemerals)
	slices.Sort(r.Unreadable)
	slices.Sort(r.Conflicts)
	return r
}

// first is the first pass: one level at a time, workers znodes side by
// side, then the parents' sequence counters.
func (f *follower) first(ctx context.Context, root string, workers int) error {
	type raise struct {
		path string
		next int32
	}
	var raises []raise
	level := []string{root}
	for len(level) > 0 {
		var (
			mu   sync.Mutex
			next []string
		)
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(max(1, workers))
		for _, p := range level {
			g.Go(func() error {
				v, err := f.visit(gctx, p, true)
				if err != nil {
					return err
				}
				mu.Lock()
				defer mu.Unlock()
				for _, k := range v.added {
					next = append(next, join(p, k))
				}
				if v.next > 0 {
					raises = append(raises, raise{p, v.next})
				}
				return nil
			})
		}
		if err := g.Wait(); err != nil {
			return err
		}
		slices.Sort(next)
		level = next
	}
	for _, r := range raises {
		if err := f.raise(ctx, r.path, r.next); err != nil {
			return err
		}
	}
	return nil
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

// visited is what visit found of a parent: its children new and gone
// since last seen, and its sequence counter (0 if none to carry).
type visited struct {
	added, removed []string
	next           int32
}

// visit reads p with its data watch and makes the destination's p the
// same; with children, it also reads p's children with a child watch
// and tells which are new and which are gone since last seen.
func (f *follower) visit(ctx context.Context, p string, children bool) (visited, error) {
	var v visited
	if p == "/zookeeper" || strings.HasPrefix(p, "/zookeeper/") {
		if p == "/zookeeper" {
			f.note(&f.res.System, p)
		}
		return v, nil
	}
	n, err := f.src.read(p, true)
	switch {
	case errors.Is(err, ErrNoAuth):
		f.note(&f.res.Unreadable, p)
		return v, nil
	case err != nil:
		return v, fmt.Errorf("source: %w", err)
	case n == nil:
		return v, f.remove(ctx, p)
	case n.Kind == Ephemeral:
		f.note(&f.res.Ephemerals, p)
		return v, nil
	case n.Masked():
		f.note(&f.res.Unreadable, p+maskedNote)
		return v, nil
	}
	var one CopyResult
	if err := put(ctx, f.dst, p, n, &one); err != nil {
		return v, err
	}
	f.mu.Lock()
	f.res.add(one)
	f.mu.Unlock()
	if !children {
		return v, nil
	}
	kids, st, _, err := f.src.conn.ChildrenW(f.src.abs(p))
	if errors.Is(err, zk.ErrNoNode) {
		return v, f.remove(ctx, p)
	}
	if err != nil {
		return v, fmt.Errorf("source: listing %s: %w", p, err)
	}
	slices.Sort(kids)
	f.mu.Lock()
	old, seen := f.known[p]
	f.known[p] = kids
	f.mu.Unlock()
	if f.del && !seen {
		// The first time p is listed: what the destination has more.
		var one CopyResult
		err := prune(ctx, f.dst, p, kids, &one)
		f.mu.Lock()
		f.res.add(one)
		f.mu.Unlock()
		if err != nil {
			return v, err
		}
	}
	for _, k := range old {
		if _, found := slices.BinarySearch(kids, k); !found {
			v.removed = append(v.removed, k)
		}
	}
	for _, k := range kids {
		if _, found := slices.BinarySearch(old, k); !found {
			v.added = append(v.added, k)
		}
	}
	v.next = (st.Cversion + st.NumChildren) / 2
	return v, nil
}

// note adds p to list (a field of f.res) once.
func (f *follower) note(list *[]string, p string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !slices.Contains(*list, p) {
		*list = append(*list, p)
	}
}

// sync reads p with its data watch and makes the destination's p the
// same; with children, it also reads p's children with a child watch,
// follows new ones, removes gone ones and carries the sequence counter.
func (f *follower) sync(ctx context.Context, p string, children bool) error {
	v, err := f.visit(ctx, p, children)
	if err != nil {
		return err
	}
	for _, k := range append(v.removed, v.added...) {
		if err := f.sync(ctx, join(p, k), true); err != nil {
			return err
		}
	}
	// The children are in: carry the counter over (it never goes down).
	if v.next > 0 {
		return f.raise(ctx, p, v.next)
	}
	return nil
}

// raise carries p's sequence counter over.
func (f *follower) raise(ctx context.Context, p string, next int32) error {
	changed, err := raiseSequence(ctx, f.dst, p, next)
	if err != nil {
		return err
	}
	if changed {
		f.mu.Lock()
		f.res.Sequences++
		f.mu.Unlock()
	}
	return nil
}

// remove deletes the destination's subtree at p, children first (but an
// ephemeral of the destination's own at p, see remove), and forgets it,
// so that a later creation under the same name is new to its parent's
// next listing.
func (f *follower) remove(ctx context.Context, p string) error {
	f.mu.Lock()
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
	f.mu.Unlock()
	var one CopyResult
	err := remove(ctx, f.dst, p, &one)
	f.mu.Lock()
	f.res.Deleted += one.Deleted
	for _, k := range one.Kept {
		if !slices.Contains(f.res.Kept, k) {
			f.res.Kept = append(f.res.Kept, k)
		}
	}
	f.mu.Unlock()
	return err
}
