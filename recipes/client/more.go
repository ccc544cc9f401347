package client

import (
	"context"
	"fmt"

	"github.com/zkgate/zkgate/schema/zkgatepb"
)

// Semaphore lets up to a fixed number of holders in at a time (kazoo's
// Semaphore layout). One Semaphore value holds at most one lease.
type Semaphore struct {
	s    *Session
	path string
	max  int32
	o    recipeOptions
	key  *zkgatepb.RecipeKey
}

// NewSemaphore returns a Semaphore on path with maxLeases leases.
func NewSemaphore(s *Session, path string, maxLeases int, opts ...RecipeOption) *Semaphore {
	return &Semaphore{s: s, path: path, max: int32(maxLeases), o: recipeOpts(opts)}
}

func (m *Semaphore) acquire(ctx context.Context, try bool) (bool, error) {
	resp, err := m.s.sem.Acquire(ctx, &zkgatepb.SemaphoreAcquireRequest{Ctx: m.s.Context(), Path: m.path, MaxLeases: m.max, Identifier: m.o.identifier, Try: try})
	if err != nil {
		return false, fmt.Errorf("semaphore %s: %w", m.path, err)
	}
	m.s.saw(resp.GetZxid())
	if resp.GetAcquired() {
		m.key = resp.GetKey()
	}
	return resp.GetAcquired(), nil
}

// Acquire waits for a lease.
func (m *Semaphore) Acquire(ctx context.Context) error { _, err := m.acquire(ctx, false); return err }

// TryAcquire takes a lease if one is free, without waiting.
func (m *Semaphore) TryAcquire(ctx context.Context) (bool, error) { return m.acquire(ctx, true) }

// Release gives the lease back.
func (m *Semaphore) Release(ctx context.Context) error {
	if m.key == nil {
		return ErrNotHeld
	}
	resp, err := m.s.sem.Release(ctx, &zkgatepb.SemaphoreReleaseRequest{Ctx: m.s.Context(), Key: m.key})
	if err != nil {
		return fmt.Errorf("semaphore %s: %w", m.path, err)
	}
	m.s.saw(resp.GetZxid())
	m.key = nil
	return nil
}

// Holders lists the lease holders' identifiers.
func (m *Semaphore) Holders(ctx context.Context) ([][]byte, error) {
	resp, err := m.s.sem.Holders(ctx, &zkgatepb.SemaphoreHoldersRequest{Ctx: m.s.Context(), Path: m.path})
	if err != nil {
		return nil, fmt.Errorf("semaphore %s: %w", m.path, err)
	}
	m.s.saw(resp.GetZxid())
	return resp.GetIdentifiers(), nil
}

// Barrier holds callers of Wait back while it is up.
type Barrier struct {
	s    *Session
	path string
}

// NewBarrier returns the barrier on path.
func NewBarrier(s *Session, path string) *Barrier { return &Barrier{s: s, path: path} }

// Set puts the barrier up.
func (b *Barrier) Set(ctx context.Context) error {
	resp, err := b.s.bar.Set(ctx, &zkgatepb.BarrierSetRequest{Ctx: b.s.Context(), Path: b.path})
	if err != nil {
		return fmt.Errorf("barrier %s: %w", b.path, err)
	}
	b.s.saw(resp.GetZxid())
	return nil
}

// Remove takes the barrier down; it reports whether it was up.
func (b *Barrier) Remove(ctx context.Context) (bool, error) {
	resp, err := b.s.bar.Remove(ctx, &zkgatepb.BarrierRemoveRequest{Ctx: b.s.Context(), Path: b.path})
	if err != nil {
		return false, fmt.Errorf("barrier %s: %w", b.path, err)
	}
	b.s.saw(resp.GetZxid())
	return resp.GetRemoved(), nil
}

// Wait blocks while the barrier is up.
func (b *Barrier) Wait(ctx context.Context) error {
	resp, err := b.s.bar.Wait(ctx, &zkgatepb.BarrierWaitRequest{Ctx: b.s.Context(), Path: b.path})
	if err != nil {
		return fmt.Errorf("barrier %s: %w", b.path, err)
	}
	b.s.saw(resp.GetZxid())
	return nil
}

// DoubleBarrier synchronises the start and end of a task among a number
// of participants. One DoubleBarrier value is one participant.
type DoubleBarrier struct {
	s            *Session
	path         string
	participants int32
	o            recipeOptions
	key          *zkgatepb.RecipeKey
}

// NewDoubleBarrier returns a participant of the double barrier on path.
func NewDoubleBarrier(s *Session, path string, participants int, opts ...RecipeOption) *DoubleBarrier {
	return &DoubleBarrier{s: s, path: path, participants: int32(participants), o: recipeOpts(opts)}
}

// Enter waits until all participants have entered.
func (d *DoubleBarrier) Enter(ctx context.Context) error {
	resp, err := d.s.dbar.Enter(ctx, &zkgatepb.DoubleBarrierEnterRequest{Ctx: d.s.Context(), Path: d.path, Participants: d.participants, Identifier: d.o.identifier})
	if err != nil {
		return fmt.Errorf("double barrier %s: %w", d.path, err)
	}
	d.s.saw(resp.GetZxid())
	d.key = resp.GetKey()
	return nil
}

// Leave waits until all participants have left.
func (d *DoubleBarrier) Leave(ctx context.Context) error {
	if d.key == nil {
		return fmt.Errorf("double barrier %s: not entered", d.path)
	}
	resp, err := d.s.dbar.Leave(ctx, &zkgatepb.DoubleBarrierLeaveRequest{Ctx: d.s.Context(), Key: d.key})
	if err != nil {
		return fmt.Errorf("double barrier %s: %w", d.path, err)
	}
	d.s.saw(resp.GetZxid())
	d.key = nil
	return nil
}

// Queue is a distributed queue with priorities (kazoo's Queue layout).
type Queue struct {
	s    *Session
	path string
}

// NewQueue returns the queue on path.
func NewQueue(s *Session, path string) *Queue { return &Queue{s: s, path: path} }

// Put adds an item with a priority from 0 (first) to 999.
func (q *Queue) Put(ctx context.Context, value []byte, priority int) error {
	p := int32(priority)
	resp, err := q.s.queue.Put(ctx, &zkgatepb.QueuePutRequest{Ctx: q.s.Context(), Path: q.path, Value: value, Priority: &p})
	if err != nil {
		return fmt.Errorf("queue %s: %w", q.path, err)
	}
	q.s.saw(resp.GetZxid())
	return nil
}

// Take removes and returns the first item, waiting for one.
func (q *Queue) Take(ctx context.Context) ([]byte, error) {
	v, _, err := q.take(ctx, false)
	return v, err
}

// TryTake removes and returns the first item if there is one.
func (q *Queue) TryTake(ctx context.Context) ([]byte, bool, error) { return q.take(ctx, true) }

func (q *Queue) take(ctx context.Context, try bool) ([]byte, bool, error) {
	resp, err := q.s.queue.Take(ctx, &zkgatepb.QueueTakeRequest{Ctx: q.s.Context(), Path: q.path, Try: try})
	if err != nil {
		return nil, false, fmt.Errorf("queue %s: %w", q.path, err)
	}
	q.s.saw(resp.GetZxid())
	return resp.GetValue(), resp.GetFound(), nil
}

// Len counts the items.
func (q *Queue) Len(ctx context.Context) (int, error) {
	resp, err := q.s.queue.Len(ctx, &zkgatepb.QueueLenRequest{Ctx: q.s.Context(), Path: q.path})
	if err != nil {
		return 0, fmt.Errorf("queue %s: %w", q.path, err)
	}
	q.s.saw(resp.GetZxid())
	return int(resp.GetLen()), nil
}

// Counter is a shared integer (kazoo's Counter, or Curator's SharedCount
// with the Curator option).
type Counter struct {
	s    *Session
	path string
	o    recipeOptions
}

// NewCounter returns the counter on path.
func NewCounter(s *Session, path string, opts ...RecipeOption) *Counter {
	return &Counter{s: s, path: path, o: recipeOpts(opts)}
}

// Add adds delta and returns the new value.
func (c *Counter) Add(ctx context.Context, delta int64) (int64, error) {
	resp, err := c.s.counter.Add(ctx, &zkgatepb.CounterAddRequest{Ctx: c.s.Context(), Path: c.path, Delta: delta, Layout: c.o.layout})
	if err != nil {
		return 0, fmt.Errorf("counter %s: %w", c.path, err)
	}
	c.s.saw(resp.GetZxid())
	return resp.GetPostValue(), nil
}

// Value reads the counter.
func (c *Counter) Value(ctx context.Context) (int64, error) {
	resp, err := c.s.counter.Get(ctx, &zkgatepb.CounterGetRequest{Ctx: c.s.Context(), Path: c.path, Layout: c.o.layout})
	if err != nil {
		return 0, fmt.Errorf("counter %s: %w", c.path, err)
	}
	c.s.saw(resp.GetZxid())
	return resp.GetValue(), nil
}
