package gateway_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/gateway/gatewaytest"
	"github.com/zkgate/zkgate/schema"
)

// TestSession_CloseAfterEphemeralsDeleted: ephemerals deleted before their
// session ends (by their owner, or another session) are not counted again
// when it closes: the parent's Stat stays right (found by the
// differential suite against ZooKeeper).
func TestSession_CloseAfterEphemeralsDeleted(t *testing.T) {
	e := newEngine(t, gateway.Config{})
	ctx := ctxT(t)
	c, _ := e.CreateSession(ctx, 10*time.Second)
	o, _ := e.CreateSession(ctx, 10*time.Second)
	mustCreate(t, e, o.Caller(), "/eA", "", gateway.Persistent)
	mustCreate(t, e, c.Caller(), "/eA/c1", "", gateway.Ephemeral)
	mustCreate(t, e, c.Caller(), "/eA/c2", "", gateway.Ephemeral)
	mustCreate(t, e, o.Caller(), "/eA/other", "", gateway.Persistent)
	mustCreate(t, e, c.Caller(), "/eA/c3", "", gateway.Ephemeral)
	if _, err := e.Delete(ctx, o.Caller(), "/eA/c1", -1); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Delete(ctx, c.Caller(), "/eA/c3", -1); err != nil {
		t.Fatal(err)
	}
	if _, err := e.SetData(ctx, o.Caller(), "/eA/c2", []byte("x"), -1); err != nil {
		t.Fatal(err)
	}

	rev, err := e.CloseSession(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	res, _ := e.Exists(ctx, anyone, "/eA", gateway.ReadOptions{MinZxid: rev})
	st := res.Stat
	cr, _ := e.GetChildren(ctx, anyone, "/eA", gateway.ReadOptions{MinZxid: rev})
	kids := cr.Children
	// Created: c1 c2 c3 other (4); deleted: c1 c3 c2 (3).
	if st.NumChildren != 1 || len(kids) != 1 || st.Cversion != 7 {
		t.Fatalf("parent %+v, children %v", st, kids)
	}
}

// TestSession_CloseWithThousandsOfEphemerals: a session holding more
// ephemerals than fit in one etcd transaction closes, and expires, with
// every one removed and the parents' Stat right; writes of other callers
// in flight meanwhile are not failed by it.
func TestSession_CloseWithThousandsOfEphemerals(t *testing.T) {
	e := newEngine(t, gateway.Config{MaxBatchOps: 1024, MinSessionTimeout: time.Second})
	ctx := ctxT(t)
	mustCreate(t, e, anyone, "/a", "", gateway.Persistent)
	mustCreate(t, e, anyone, "/b", "", gateway.Persistent)
	const n = 1500
	fill := func(c gateway.Caller) {
		createEphemerals(t, e, c, n, func(i int) string { return fmt.Sprintf("%s/e%d", []string{"/a", "/b"}[i%2], i) })
	}
	// Each parent gets n/2 creations per round; with no child left,
	// cversion = 2*creations.
	check := func(when string, rounds int32) {
		for _, p := range []string{"/a", "/b"} {
			if st := stat(t, e, p); st.NumChildren != 0 || st.Cversion != 2*rounds*n/2 {
				t.Fatalf("%s after %s: %+v", p, when, st)
			}
			res, err := e.GetChildren(ctx, anyone, p, gateway.ReadOptions{})
			kids := res.Children
			if err != nil || len(kids) != 0 {
				t.Fatalf("%s after %s: children %d %v", p, when, len(kids), err)
			}
		}
	}

	s, err := e.CreateSession(ctx, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	fill(s.Caller())
	// Other writes go on while the session closes.
	others := make(chan error, 1)
	go func() {
		for i := range 200 {
			if _, err := e.Create(ctx, anyone, gateway.CreateOp{Path: fmt.Sprintf("/o%d", i), ACL: schema.OpenACLUnsafe}); err != nil {
				others <- err
				return
			}
		}
		others <- nil
	}()
	if _, err := e.CloseSession(ctx, s.ID); err != nil {
		t.Fatalf("closing a session with %d ephemerals: %v", n, err)
	}
	if err := <-others; err != nil {
		t.Fatalf("a write beside the close: %v", err)
	}
	check("close", 1)

	// The same by expiry.
	s, err = e.CreateSession(ctx, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	fill(s.Caller())
	deadline := time.Now().Add(30 * time.Second)
	for stat(t, e, "/a").NumChildren != 0 || stat(t, e, "/b").NumChildren != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("ephemerals left after expiry: %d + %d", stat(t, e, "/a").NumChildren, stat(t, e, "/b").NumChildren)
		}
		time.Sleep(50 * time.Millisecond)
	}
	check("expiry", 2)
}

// TestSession_CloseLetsOtherWritesThrough: a session whose ephemerals take
// several transactions to remove does not hold up the writes of other
// sessions until the last one: a write sent once the removal has begun
// commits before it ends. (ZooKeeper's closeSession is one transaction;
// its writes wait for all of it, measured in
// testdata/zookeeper-3.8-behaviour.md, which etcd takes much longer to
// apply for thousands of ephemerals.)
func TestSession_CloseLetsOtherWritesThrough(t *testing.T) {
	// Eight ephemerals per transaction: 48 take six.
	e := newEngine(t, gateway.Config{MaxBatchOps: 64})
	ctx := ctxT(t)
	mustCreate(t, e, anyone, "/a", "", gateway.Persistent)
	mustCreate(t, e, anyone, "/w", "", gateway.Persistent)
	s, err := e.CreateSession(ctx, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	o, err := e.CreateSession(ctx, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	const n = 48
	for i := range n {
		mustCreate(t, e, s.Caller(), fmt.Sprintf("/a/e%02d", i), "", gateway.Ephemeral)
	}
	r := newRecorder()
	res, err := e.GetChildren(ctx, anyone, "/a", gateway.ReadOptions{Watcher: r})
	if err != nil || len(res.Children) != n {
		t.Fatalf("children %d, %v", len(res.Children), err)
	}
	res.Armed.Arm()
	// Every batch waits a while before etcd has it: the removal's six
	// take long enough for the write below to be queued among them.
	e.SetSendDelay(20 * time.Millisecond)
	type closed struct {
		rev int64
		err error
	}
	done := make(chan closed, 1)
	go func() {
		rev, err := e.CloseSession(ctx, s.ID)
		done <- closed{rev, err}
	}()
	<-r.ch // the first ephemerals are gone
	set, err := e.SetData(ctx, o.Caller(), "/w", []byte("x"), -1)
	if err != nil {
		t.Fatal(err)
	}
	c := <-done
	if c.err != nil {
		t.Fatal(c.err)
	}
	if set.Zxid >= c.rev {
		t.Fatalf("a write sent while the close removed its first ephemerals committed at zxid %d, after the whole removal (%d)", set.Zxid, c.rev)
	}
	if st := stat(t, e, "/a"); st.NumChildren != 0 || st.Cversion != 2*n {
		t.Fatalf("/a after the close: %+v", st)
	}
}

// ephemeralListings counts the reads of a session's ephemeral index that go
// through it (CloseSession's and the expiry watch's, which looks for the
// ephemerals of every session whose record goes).
type ephemeralListings struct {
	clientv3.KV
	n atomic.Int64
}

func (k *ephemeralListings) Get(ctx context.Context, key string, opts ...clientv3.OpOption) (*clientv3.GetResponse, error) {
	if strings.HasPrefix(key, schema.EphemeralSpace()) && key != schema.EphemeralSpace() {
		k.n.Add(1)
	}
	return k.KV.Get(ctx, key, opts...)
}

// TestSession_CloseOfASessionWithoutEphemeralsLooksForNone: closing a
// session that never created an ephemeral reads no ephemeral index, on
// the node that closes it nor in the expiry watch; one that did is still
// looked up and its ephemerals removed, by CloseSession (the expiry
// watch, seeing its record go, joins that removal or looks again once it
// is over).
func TestSession_CloseOfASessionWithoutEphemeralsLooksForNone(t *testing.T) {
	cl := gatewaytest.StartCluster(t, 1)
	cli := cl.Client(0)
	counted := &ephemeralListings{KV: cli.KV}
	cli.KV = counted
	e := gatewaytest.NewEngine(t, cli, gateway.Config{})
	ctx := ctxT(t)
	mustCreate(t, e, anyone, "/p", "", gateway.Persistent)
	var last int64
	for range 20 {
		s, err := e.CreateSession(ctx, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		mustCreate(t, e, s.Caller(), fmt.Sprintf("/p/n-%x", s.ID), "", gateway.Persistent)
		if last, err = e.CloseSession(ctx, s.ID); err != nil {
			t.Fatal(err)
		}
	}
	// Then a session with an ephemeral, closed after them: looked up by
	// CloseSession. The expiry watch sees the closes in revision order:
	// once it has handled this one, it has handled the 20 before.
	s, err := e.CreateSession(ctx, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	mustCreate(t, e, s.Caller(), "/p/eph", "", gateway.Ephemeral)
	rev, err := e.CloseSession(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if res, _ := e.Exists(ctx, anyone, "/p/eph", gateway.ReadOptions{MinZxid: max(rev, last)}); res.Found {
		t.Fatal("the ephemeral of a closed session is still there")
	}
	waitFor(t, 10*time.Second, func() bool { return e.ExpiredThrough() > last })
	if got := counted.n.Load(); got < 1 || got > 2 {
		t.Fatalf("%d listings of ephemeral indexes for 20 sessions without ephemerals and 1 with", got)
	}
}

// createEphemerals creates n ephemerals of c through e, all at once, the
// i-th at path(i).
func createEphemerals(t *testing.T, e *gateway.Engine, c gateway.Caller, n int, path func(i int) string) {
	t.Helper()
	ctx := ctxT(t)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := e.Create(ctx, c, gateway.CreateOp{Path: path(i), ACL: schema.OpenACLUnsafe, Mode: gateway.Ephemeral}); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}
