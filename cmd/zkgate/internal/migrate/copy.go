package migrate

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/zkgate/zkgate/schema"
)

// CopyResult is what Copy did. Every znode of the source under the root
// that Copy reached is counted once, in exactly one of Created, Updated,
// Unchanged, Ephemerals, Conflicts and Unreadable (Seen is their sum), so
// that it adds up to the source's own count (getAllChildrenNumber) less
// the skipped System subtrees. The root's ancestors, put first, are
// counted apart in Ancestors (one of another kind in the destination is
// listed among the Conflicts).
type CopyResult struct {
	Created    int      // znodes created in the destination
	Sequences  int      // parents whose sequence counter was raised to the source's
	Updated    int      // existing ones whose data or ACL was set to the source's
	Unchanged  int      // existing ones already equal
	Ephemerals []string // ephemerals in the source, not copied
	Conflicts  []string // destination znodes of another kind, left alone
	Unreadable []string // source znodes an ACL kept from being read, or whose ACL is masked
	Ancestors  int      // ancestors of the root created or updated first (not in the counts above)
	System     []string // the servers' own subtrees met and skipped (/zookeeper)
	// With Options.Delete (and in Follow, as the source's znodes go):
	Deleted int      // destination znodes deleted, the source having none there
	Kept    []string // destination ephemerals where the source has none, left to their sessions
}

// Options are how Copy and Follow go about it.
type Options struct {
	// Workers is how many znodes of a level are copied side by side.
	Workers int
	// Delete deletes, under each znode copied, the destination's
	// children that the source does not have (and what is under them),
	// but for its ephemerals: a tree that was the source's before, such
	// as ZooKeeper's on the way back, is made the source's again.
	Delete bool
}

// Seen is the number of the source's znodes under the root that Copy
// reached: the ones it copied, found equal, or did not copy and listed.
func (r CopyResult) Seen() int {
	return r.Created + r.Updated + r.Unchanged + len(r.Ephemerals) + len(r.Conflicts) + len(r.Unreadable)
}

// Copy copies the source tree under root into the destination,
// breadth-first so that parents come first: each znode with its data,
// ACL and kind (persistent, container, TTL with its TTL); a sequentially
// named znode keeps its name. Ephemerals are not copied (their owners
// recreate them) and are listed. The ancestors of root are copied first
// if the destination lacks them. A znode that
// already exists in the destination gets the source's data and ACL if
// they differ, so an interrupted copy can simply be run again. A znode
// whose ACL refuses the destination's auth to create children stops the
// copy: run it with a super user on both ends (zkgate serve
// --zk-super-digest). Last, each parent's sequence counter is raised to the
// source's, so that a sequential create in zkgate never reuses a number
// the source issued (and its cversion matches the source's). workers
// znodes of a level are copied side by side. progress, if not nil, is
// called every second or so, from another goroutine.
func Copy(ctx context.Context, src Tree, dst Dest, root string, workers int, progress func(CopyResult)) (CopyResult, error) {
	return CopyWith(ctx, src, dst, root, Options{Workers: workers}, progress)
}

// CopyWith is Copy with Options: with Delete, the destination's znodes
// that the source does not have are deleted too.
func CopyWith(ctx context.Context, src Tree, dst Dest, root string, opts Options, progress func(CopyResult)) (CopyResult, error) {
	workers := opts.Workers
	var (
		mu  sync.Mutex
		res CopyResult
	)
	if err := checkTTL(ctx, src, dst, root, workers); err != nil {
		return res, err
	}
	if err := putAncestors(ctx, src, dst, root, &res); err != nil {
		return res, err
	}
	if progress != nil {
		tick := time.NewTicker(time.Second)
		done := make(chan struct{})
		defer func() { tick.Stop(); close(done) }()
		go func() {
			for {
				select {
				case <-tick.C:
					mu.Lock()
					r := res
					mu.Unlock()
					progress(r)
				case <-done:
					return
				}
			}
		}()
	}
	type raise struct {
		path string
		next int32
	}
	var raises []raise
	// One level of the tree at a time, its znodes side by side: every
	// parent is in before its children.
	level := []string{root}
	for len(level) > 0 {
		var next []string
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(max(1, workers))
		for _, p := range level {
			if p == "/zookeeper" {
				// The server's own (quotas, config): zkgate has its own.
				res.System = append(res.System, p)
				continue
			}
			g.Go(func() error {
				n, err := src.Node(gctx, p)
				switch {
				case errors.Is(err, ErrNoAuth):
					mu.Lock()
					res.Unreadable = append(res.Unreadable, p)
					mu.Unlock()
					return nil
				case err != nil:
					return fmt.Errorf("source: %w", err)
				case n == nil:
					return nil // deleted meanwhile
				case n.Kind == Ephemeral:
					mu.Lock()
					res.Ephemerals = append(res.Ephemerals, p)
					mu.Unlock()
					return nil
				case n.Masked():
					// Without ADMIN on it the ACL's digests read as
					// "user:x": copied, it would lock its users out.
					mu.Lock()
					res.Unreadable = append(res.Unreadable, p+maskedNote)
					mu.Unlock()
					return nil
				}
				var one CopyResult
				if err := put(gctx, dst, p, n, &one); err != nil {
					return err
				}
				kids, err := src.Children(gctx, p)
				if err != nil {
					return fmt.Errorf("source: %w", err)
				}
				if opts.Delete {
					if err := prune(gctx, dst, p, kids, &one); err != nil {
						return err
					}
				}
				mu.Lock()
				defer mu.Unlock()
				res.add(one)
				if n.NextSequence() > 0 {
					raises = append(raises, raise{p, n.NextSequence()})
				}
				for _, k := range kids {
					next = append(next, join(p, k))
				}
				return nil
			})
		}
		if err := g.Wait(); err != nil {
			return res, err
		}
		slices.Sort(next)
		level = next
	}
	// After the children, whose creation counted too: the counter never
	// goes down, so the source's number is the floor.
	for _, r := range raises {
		changed, err := raiseSequence(ctx, dst, r.path, r.next)
		if err != nil {
			return res, err
		}
		if changed {
			res.Sequences++
		}
	}
	slices.Sort(res.Ephemerals)
	slices.Sort(res.Unreadable)
	slices.Sort(res.Conflicts)
	slices.Sort(res.Kept)
	return res, nil
}

// add counts what one put did into r.
func (r *CopyResult) add(one CopyResult) {
	r.Created += one.Created
	r.Updated += one.Updated
	r.Unchanged += one.Unchanged
	r.Conflicts = append(r.Conflicts, one.Conflicts...)
	r.Deleted += one.Deleted
	r.Kept = append(r.Kept, one.Kept...)
}

// ttlLister is a source that shows TTL nodes as such (a dump may): a live
// ZooKeeper or zkgate shows them as persistent (see doc.go).
type ttlLister interface {
	TTLNodes(root string) []string
}

// checkTTL stops a copy of TTL nodes into a ZooKeeper ensemble that does
// not create them, before anything is written: a source that shows TTL
// nodes (a dump, a zkgate; a ZooKeeper shows them as persistent) is
// searched for one, a dump's at once, a zkgate's (workers znodes of a
// level side by side) once the ensemble has answered a probe that it
// does not create them.
func checkTTL(ctx context.Context, src Tree, dst Dest, root string, workers int) error {
	z, ok := dst.(*ZooKeeper)
	if !ok {
		return nil
	}
	switch s := src.(type) {
	case ttlLister:
		if len(s.TTLNodes(root)) == 0 {
			return nil
		}
	case *Zkgate:
	default:
		return nil
	}
	enabled, err := z.TTLEnabled()
	if err != nil {
		return fmt.Errorf("destination: %w", err)
	}
	if enabled {
		return nil
	}
	var ttls []string
	if l, ok := src.(ttlLister); ok {
		ttls = l.TTLNodes(root)
	} else if ttls, err = findTTL(ctx, src, root, workers); err != nil {
		return err
	}
	if len(ttls) == 0 {
		return nil
	}
	return fmt.Errorf("the source has TTL nodes (%s first) and the destination ZooKeeper does not create them: start it with -Dzookeeper.extendedTypesEnabled=true; nothing was copied", ttls[0])
}

// findTTL walks src under root one level at a time, workers znodes side
// by side, and returns the TTL nodes of the first level that has any.
func findTTL(ctx context.Context, src Tree, root string, workers int) ([]string, error) {
	level := []string{root}
	for len(level) > 0 {
		var (
			mu         sync.Mutex
			next, ttls []string
		)
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(max(1, workers))
		for _, p := range level {
			if p == "/zookeeper" {
				continue
			}
			g.Go(func() error {
				n, err := src.Node(gctx, p)
				if errors.Is(err, ErrNoAuth) || err == nil && n == nil {
					return nil
				}
				if err != nil {
					return fmt.Errorf("source: %w", err)
				}
				kids, err := src.Children(gctx, p)
				if err != nil && !errors.Is(err, ErrNoAuth) {
					return fmt.Errorf("source: %w", err)
				}
				mu.Lock()
				defer mu.Unlock()
				if n.Kind == TTL {
					ttls = append(ttls, p)
				}
				for _, k := range kids {
					next = append(next, join(p, k))
				}
				return nil
			})
		}
		if err := g.Wait(); err != nil {
			return nil, err
		}
		if len(ttls) > 0 {
			slices.Sort(ttls)
			return ttls, nil
		}
		level = next
	}
	return nil, nil
}

// putAncestors puts root's ancestors into dst first, top down, counted
// in res.Ancestors (or among its conflicts).
func putAncestors(ctx context.Context, src Tree, dst Dest, root string, res *CopyResult) error {
	if z, ok := dst.(*ZooKeeper); ok && root != "/" {
		if err := z.ensureChroot(); err != nil {
			return err
		}
	}
	// root's ancestors, top down.
	var ancestors []string
	for a := schema.Parent(root); a != "/" && a != ""; a = schema.Parent(a) {
		ancestors = append([]string{a}, ancestors...)
	}
	for _, a := range ancestors {
		n, err := src.Node(ctx, a)
		if err != nil {
			return fmt.Errorf("source: %w", err)
		}
		if n == nil {
			return fmt.Errorf("source: %s does not exist", a)
		}
		var one CopyResult
		if err := put(ctx, dst, a, n, &one); err != nil {
			return err
		}
		if len(one.Conflicts) > 0 {
			res.Conflicts = append(res.Conflicts, one.Conflicts...)
			continue
		}
		res.Ancestors++
	}
	return nil
}
