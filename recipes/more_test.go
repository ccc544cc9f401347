package recipes_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/recipes/client"
)

// returned reports whether ch yields within a short window: used to
// check that a blocking call is still blocked (the negative can only be
// observed over some time).
func returned(ch <-chan error) bool {
	select {
	case <-ch:
		return true
	case <-time.After(300 * time.Millisecond):
		return false
	}
}

// testCtx bounds a test's blocking calls, so a recipe that fails to
// release a waiter fails the test instead of hanging it.
func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func async(f func() error) <-chan error {
	ch := make(chan error, 1)
	go func() { ch <- f() }()
	return ch
}

// TestReadWriteLock: readers hold the lock together; a writer waits for
// them; a reader that comes after a waiting writer waits behind it (no
// writer starvation); once the writer is done the reader gets in.
func TestReadWriteLock(t *testing.T) {
	v := start(t, gateway.Config{})
	ctx := testCtx(t)
	r1 := client.NewMutex(v.session(10*time.Second), "/rw", client.Read())
	r2 := client.NewMutex(v.session(10*time.Second), "/rw", client.Read())
	if err := r1.Lock(ctx); err != nil {
		t.Fatal(err)
	}
	if err := r2.Lock(ctx); err != nil {
		t.Fatalf("second reader while the first holds: %v", err)
	}
	w := client.NewMutex(v.session(10*time.Second), "/rw")
	if ok, err := w.TryLock(ctx); err != nil || ok {
		t.Fatalf("writer TryLock while readers hold: %v %v", ok, err)
	}
	wDone := async(func() error { return w.Lock(ctx) })
	waitFor(t, func() bool { return len(v.children("/rw")) == 3 })
	r3 := client.NewMutex(v.session(10*time.Second), "/rw", client.Read())
	r3Done := async(func() error { return r3.Lock(ctx) })
	waitFor(t, func() bool { return len(v.children("/rw")) == 4 })
	if returned(wDone) {
		t.Fatal("the writer got in while readers held the lock")
	}
	if returned(r3Done) {
		t.Fatal("a reader jumped ahead of a waiting writer")
	}
	r1.Unlock(ctx)
	if returned(wDone) {
		t.Fatal("the writer got in while a reader still held the lock")
	}
	r2.Unlock(ctx)
	if err := <-wDone; err != nil {
		t.Fatal(err)
	}
	if returned(r3Done) {
		t.Fatal("a reader got in while the writer held the lock")
	}
	w.Unlock(ctx)
	if err := <-r3Done; err != nil {
		t.Fatal(err)
	}
}

// TestSemaphore: with 3 leases, three holders get in and a fourth does
// not until one leaves; 8 contenders taking turns never exceed 3; a
// different max_leases on the same path is refused.
func TestSemaphore(t *testing.T) {
	v := start(t, gateway.Config{})
	ctx := testCtx(t)
	var held []*client.Semaphore
	for i := range 3 {
		m := client.NewSemaphore(v.session(10*time.Second), "/sem", 3, client.Identifier([]byte(fmt.Sprint(i))))
		if ok, err := m.TryAcquire(ctx); err != nil || !ok {
			t.Fatalf("lease %d of 3: %v %v", i, ok, err)
		}
		held = append(held, m)
	}
	fourth := client.NewSemaphore(v.session(10*time.Second), "/sem", 3)
	if ok, err := fourth.TryAcquire(ctx); err != nil || ok {
		t.Fatalf("a fourth lease of 3: %v %v", ok, err)
	}
	ids, err := held[0].Holders(ctx)
	if err != nil || len(ids) != 3 {
		t.Fatalf("holders: %q %v", ids, err)
	}
	got := async(func() error { return fourth.Acquire(ctx) })
	if returned(got) {
		t.Fatal("a fourth holder got in with three leases taken")
	}
	held[1].Release(ctx)
	if err := <-got; err != nil {
		t.Fatal(err)
	}
	if _, err := client.NewSemaphore(v.session(10*time.Second), "/sem", 5).TryAcquire(ctx); status.Code(errUnwrap(err)) != codes.FailedPrecondition {
		t.Fatalf("a different max_leases: %v", err)
	}

	var inside, most atomic.Int32
	var wg sync.WaitGroup
	for i := range 8 {
		s := v.session(10 * time.Second)
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := client.NewSemaphore(s, "/sem2", 3, client.Identifier([]byte(fmt.Sprint(i))))
			for range 5 {
				if err := m.Acquire(ctx); err != nil {
					t.Error(err)
					return
				}
				n := inside.Add(1)
				for {
					old := most.Load()
					if n <= old || most.CompareAndSwap(old, n) {
						break
					}
				}
				inside.Add(-1)
				if err := m.Release(ctx); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if most.Load() > 3 {
		t.Fatalf("%d holders of a 3-lease semaphore at once", most.Load())
	}
}

func errUnwrap(err error) error {
	for {
		type unwrapper interface{ Unwrap() error }
		u, ok := err.(unwrapper)
		if !ok {
			return err
		}
		err = u.Unwrap()
	}
}

// TestBarrier: Wait returns at once without a barrier, blocks while it
// is up, and returns when it is removed.
func TestBarrier(t *testing.T) {
	v := start(t, gateway.Config{})
	ctx := testCtx(t)
	b := client.NewBarrier(v.session(10*time.Second), "/barrier")
	if err := b.Wait(ctx); err != nil {
		t.Fatalf("Wait without a barrier: %v", err)
	}
	if err := b.Set(ctx); err != nil {
		t.Fatal(err)
	}
	waiting := async(func() error { return client.NewBarrier(v.session(10*time.Second), "/barrier").Wait(ctx) })
	if returned(waiting) {
		t.Fatal("Wait returned while the barrier was up")
	}
	if removed, err := b.Remove(ctx); err != nil || !removed {
		t.Fatalf("Remove: %v %v", removed, err)
	}
	if err := <-waiting; err != nil {
		t.Fatal(err)
	}
	if removed, err := b.Remove(ctx); err != nil || removed {
		t.Fatalf("Remove of a barrier that is down: %v %v", removed, err)
	}
}

// TestDoubleBarrier: with 3 participants, no Enter returns before the
// third enters, and no Leave returns before the last leaves.
func TestDoubleBarrier(t *testing.T) {
	v := start(t, gateway.Config{})
	ctx := testCtx(t)
	var ps []*client.DoubleBarrier
	for i := range 3 {
		ps = append(ps, client.NewDoubleBarrier(v.session(10*time.Second), "/db", 3, client.Identifier([]byte(fmt.Sprint(i)))))
	}
	e0 := async(func() error { return ps[0].Enter(ctx) })
	e1 := async(func() error { return ps[1].Enter(ctx) })
	waitFor(t, func() bool { return len(v.children("/db")) == 2 })
	if returned(e0) || returned(e1) {
		t.Fatal("Enter returned with 2 of 3 participants in")
	}
	if err := ps[2].Enter(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-e0; err != nil {
		t.Fatal(err)
	}
	if err := <-e1; err != nil {
		t.Fatal(err)
	}
	l0 := async(func() error { return ps[0].Leave(ctx) })
	l1 := async(func() error { return ps[1].Leave(ctx) })
	if returned(l0) || returned(l1) {
		t.Fatal("Leave returned with a participant still in")
	}
	if err := ps[2].Leave(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-l0; err != nil {
		t.Fatal(err)
	}
	if err := <-l1; err != nil {
		t.Fatal(err)
	}
	if kids := v.children("/db"); len(kids) != 0 {
		t.Fatalf("left behind: %v", kids)
	}
}

// TestQueue: items come out by priority, then in the order put; with
// four concurrent takers every item is taken exactly once; Take waits for
// an item; TryTake on an empty queue finds none.
func TestQueue(t *testing.T) {
	v := start(t, gateway.Config{})
	ctx := testCtx(t)
	q := client.NewQueue(v.session(10*time.Second), "/q")
	for _, it := range []struct {
		v string
		p int
	}{{"a", 100}, {"b", 5}, {"c", 100}, {"d", 999}, {"e", 0}} {
		if err := q.Put(ctx, []byte(it.v), it.p); err != nil {
			t.Fatal(err)
		}
	}
	var order []string
	for range 5 {
		b, err := q.Take(ctx)
		if err != nil {
			t.Fatal(err)
		}
		order = append(order, string(b))
	}
	if fmt.Sprint(order) != "[e b a c d]" {
		t.Fatalf("taken in order %v, want [e b a c d]", order)
	}
	if _, found, err := q.TryTake(ctx); err != nil || found {
		t.Fatalf("TryTake on an empty queue: %v %v", found, err)
	}

	const items = 100
	var (
		mu    sync.Mutex
		taken []int
		wg    sync.WaitGroup
	)
	for range 4 {
		s := v.session(10 * time.Second)
		wg.Add(1)
		go func() {
			defer wg.Done()
			tq := client.NewQueue(s, "/q")
			for {
				b, found, err := tq.TryTake(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				if !found {
					return
				}
				var n int
				fmt.Sscan(string(b), &n)
				mu.Lock()
				taken = append(taken, n)
				mu.Unlock()
			}
		}()
	}
	// Items are put after the takers start, so some find it empty
	// early: they are restarted until all items are in.
	for i := range items {
		if err := q.Put(ctx, []byte(fmt.Sprint(i)), 100); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	for {
		b, found, err := q.TryTake(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !found {
			break
		}
		var n int
		fmt.Sscan(string(b), &n)
		taken = append(taken, n)
	}
	sort.Ints(taken)
	for i, n := range taken {
		if n != i || len(taken) != items {
			t.Fatalf("taken items %v: want each of 0..%d once", taken, items-1)
		}
	}

	waiting := async(func() error {
		b, err := client.NewQueue(v.session(10*time.Second), "/q2").Take(ctx)
		if err == nil && string(b) != "late" {
			err = fmt.Errorf("took %q", b)
		}
		return err
	})
	if returned(waiting) {
		t.Fatal("Take returned from an empty queue")
	}
	if err := client.NewQueue(v.session(10*time.Second), "/q2").Put(ctx, []byte("late"), 1); err != nil {
		t.Fatal(err)
	}
	if err := <-waiting; err != nil {
		t.Fatal(err)
	}
}

// TestCounter: concurrent adds all count; the data is decimal text
// (kazoo) or a big-endian int32 (Curator's SharedCount).
func TestCounter(t *testing.T) {
	v := start(t, gateway.Config{})
	ctx := testCtx(t)
	var wg sync.WaitGroup
	for range 16 {
		s := v.session(10 * time.Second)
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := client.NewCounter(s, "/counter")
			for range 50 {
				if _, err := c.Add(ctx, 1); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	c := client.NewCounter(v.session(10*time.Second), "/counter")
	if n, err := c.Value(ctx); err != nil || n != 800 {
		t.Fatalf("counter after 800 concurrent adds: %d %v", n, err)
	}
	if n, err := c.Add(ctx, -801); err != nil || n != -1 {
		t.Fatalf("add -801: %d %v", n, err)
	}
	res, err := v.e.GetData(ctx, gateway.Caller{}, "/counter", gateway.ReadOptions{})
	data := res.Data
	if err != nil || string(data) != "-1" {
		t.Fatalf("kazoo counter data %q %v", data, err)
	}
	cc := client.NewCounter(v.session(10*time.Second), "/shared", client.Curator())
	if n, err := cc.Add(ctx, 258); err != nil || n != 258 {
		t.Fatalf("Curator counter add: %d %v", n, err)
	}
	res, err = v.e.GetData(ctx, gateway.Caller{}, "/shared", gateway.ReadOptions{})
	data = res.Data
	if err != nil || len(data) != 4 || binary.BigEndian.Uint32(data) != 258 {
		t.Fatalf("Curator counter data %x %v", data, err)
	}
	if _, err := client.NewCounter(v.session(10*time.Second), "/counter", client.Curator()).Value(ctx); status.Code(errUnwrap(err)) != codes.FailedPrecondition {
		t.Fatalf("reading text as a SharedCount: %v", err)
	}
}
