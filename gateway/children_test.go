package gateway_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/gateway/gatewaytest"
	"github.com/zkgate/zkgate/schema"
)

// childrenInEtcd is the ground truth: the children of path at rev, from
// a range over their keys.
func childrenInEtcd(t *testing.T, kv *clientv3.Client, path string, rev int64) []string {
	t.Helper()
	prefix := schema.ChildrenPrefix(path)
	resp, err := kv.Get(context.Background(), prefix, clientv3.WithPrefix(), clientv3.WithKeysOnly(), clientv3.WithRev(rev))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, kv := range resp.Kvs {
		names = append(names, string(kv.Key[len(prefix):]))
	}
	slices.Sort(names)
	return names
}

// TestChildren_CacheExactAtEveryRevision: while writers (through another
// gateway node) create and delete children of several parents, and
// readers load and read the children cache of one node, every
// getChildren answer is exactly the children etcd holds at the zxid the
// answer carries, and its Stat counts them. A cache that missed a change
// made while a set was loading, or that answered at another revision
// than its Stat, fails this. With a cache that holds about one set, sets
// are dropped and loaded again all the time, under the writes.
func TestChildren_CacheExactAtEveryRevision(t *testing.T) {
	for _, c := range []struct {
		name  string
		bytes int64
	}{{"default", 0}, {"reloading", 2500}} {
		t.Run(c.name, func(t *testing.T) { testChildrenExact(t, c.bytes) })
	}
}

func testChildrenExact(t *testing.T, cacheBytes int64) {
	cl := gatewaytest.StartCluster(t, 1)
	reader := gatewaytest.NewEngine(t, cl.Client(0), gateway.Config{ChildCacheBytes: cacheBytes})
	writer := gatewaytest.NewEngine(t, cl.Client(0), gateway.Config{})
	ctx := ctxT(t)
	parents := []string{"/a", "/b", "/c"}
	for _, p := range parents {
		mustCreate(t, writer, anyone, p, "", gateway.Persistent)
		for i := range 20 {
			mustCreate(t, writer, anyone, fmt.Sprintf("%s/n%03d", p, i), "", gateway.Persistent)
		}
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 1))
			for {
				select {
				case <-stop:
					return
				default:
				}
				p := fmt.Sprintf("%s/n%03d", parents[r.IntN(len(parents))], r.IntN(40))
				if _, err := writer.Create(ctx, anyone, gateway.CreateOp{Path: p, ACL: schema.OpenACLUnsafe, Mode: gateway.Persistent}); schema.CodeOf(err) == schema.CodeNodeExists {
					_, _ = writer.Delete(ctx, anyone, p, -1)
				}
			}
		}()
	}
	var rwg sync.WaitGroup
	errs := make(chan error, 8)
	for range 3 {
		rwg.Add(1)
		go func() {
			defer rwg.Done()
			for i := range 200 {
				p := parents[i%len(parents)]
				res, err := reader.GetChildren(ctx, anyone, p, gateway.ReadOptions{})
				names, st, rev := res.Children, res.Stat, res.Zxid
				if err != nil {
					errs <- err
					return
				}
				if want := childrenInEtcd(t, cl.Client(0), p, rev); !slices.Equal(names, want) {
					errs <- fmt.Errorf("children of %s at %d: %v, etcd holds %v", p, rev, names, want)
					return
				}
				if int(st.NumChildren) != len(names) {
					errs <- fmt.Errorf("children of %s at %d: %d names, numChildren %d", p, rev, len(names), st.NumChildren)
					return
				}
			}
		}()
	}
	rwg.Wait()
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if sets, _ := reader.ChildCacheStats(); cacheBytes == 0 && sets != len(parents) {
		t.Fatalf("children cache holds %d sets, want the %d parents read", sets, len(parents))
	}
}

// TestChildren_CacheBoundedAndDisabled: a small cache drops the least
// recently read sets and stays within its bound, answers stay right; a
// deleted parent's set is dropped; a negative bound disables the cache.
func TestChildren_CacheBoundedAndDisabled(t *testing.T) {
	cl := gatewaytest.StartCluster(t, 1)
	const bound = 4 << 10
	small := gatewaytest.NewEngine(t, cl.Client(0), gateway.Config{ChildCacheBytes: bound})
	off := gatewaytest.NewEngine(t, cl.Client(0), gateway.Config{ChildCacheBytes: -1})
	ctx := ctxT(t)
	for p := range 10 {
		mustCreate(t, small, anyone, fmt.Sprintf("/p%d", p), "", gateway.Persistent)
		for i := range 30 {
			mustCreate(t, small, anyone, fmt.Sprintf("/p%d/child-%04d", p, i), "", gateway.Persistent)
		}
	}
	for round := range 3 {
		for p := range 10 {
			path := fmt.Sprintf("/p%d", p)
			res, err := small.GetChildren(ctx, anyone, path, gateway.ReadOptions{})
			names, rev := res.Children, res.Zxid
			if err != nil {
				t.Fatal(err)
			}
			if want := childrenInEtcd(t, cl.Client(0), path, rev); !slices.Equal(names, want) {
				t.Fatalf("round %d: children of %s: %v, want %v", round, path, names, want)
			}
			if _, bytes := small.ChildCacheStats(); bytes > bound {
				t.Fatalf("children cache at %d bytes, bound %d", bytes, bound)
			}
		}
	}
	if sets, _ := small.ChildCacheStats(); sets == 0 || sets == 10 {
		t.Fatalf("a 4 KiB cache holds %d of 10 sets of 30 names", sets)
	}

	// A deleted parent leaves no set behind.
	res, err := small.GetChildren(ctx, anyone, "/p9", gateway.ReadOptions{})
	names := res.Children
	if err != nil {
		t.Fatal(err)
	}
	before, _ := small.ChildCacheStats()
	for _, n := range names {
		if _, err := small.Delete(ctx, anyone, "/p9/"+n, -1); err != nil {
			t.Fatal(err)
		}
	}
	rev, err := small.Delete(ctx, anyone, "/p9", -1)
	if err != nil {
		t.Fatal(err)
	}
	if res, _ := small.Exists(ctx, anyone, "/p9", gateway.ReadOptions{MinZxid: rev}); res.Found {
		t.Fatal("/p9 still exists")
	}
	if after, _ := small.ChildCacheStats(); after != before-1 {
		t.Fatalf("%d sets after deleting a cached parent, %d before", after, before)
	}

	for range 2 {
		if _, err := off.GetChildren(ctx, anyone, "/p0", gateway.ReadOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if sets, bytes := off.ChildCacheStats(); sets != 0 || bytes != 0 {
		t.Fatalf("a disabled cache holds %d sets, %d bytes", sets, bytes)
	}
}

// TestChildren_UnchangedParentListedOnce: reads of a parent that has not
// changed share one list of its children (listing 1,000 names on every
// read was a fifth of the CPU of getChildren); a change gives the next
// read a new list, and the list an earlier read holds is left as it was.
func TestChildren_UnchangedParentListedOnce(t *testing.T) {
	cl := gatewaytest.StartCluster(t, 1)
	e := gatewaytest.NewEngine(t, cl.Client(0), gateway.Config{})
	ctx := ctxT(t)
	mustCreate(t, e, anyone, "/p", "", gateway.Persistent)
	for i := range 5 {
		mustCreate(t, e, anyone, fmt.Sprintf("/p/c%d", i), "", gateway.Persistent)
	}
	read := func() []string {
		t.Helper()
		res, err := e.GetChildren(ctx, anyone, "/p", gateway.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return res.Children
	}
	read() // loads the set
	a, b, c := read(), read(), read()
	if &b[0] != &c[0] {
		t.Fatal("two reads of an unchanged parent listed its children twice")
	}
	if !slices.Equal(a, b) {
		t.Fatalf("%v then %v", a, b)
	}
	held := slices.Clone(b)
	_, _, rev := mustCreate(t, e, anyone, "/p/c5", "", gateway.Persistent)
	res, err := e.GetChildren(ctx, anyone, "/p", gateway.ReadOptions{MinZxid: rev})
	if err != nil {
		t.Fatal(err)
	}
	if want := childrenInEtcd(t, cl.Client(0), "/p", res.Zxid); !slices.Equal(res.Children, want) {
		t.Fatalf("after a create: %v, want %v", res.Children, want)
	}
	if !slices.Equal(b, held) {
		t.Fatalf("a list a read held changed to %v (was %v)", b, held)
	}
}
