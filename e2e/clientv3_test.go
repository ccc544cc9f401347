package e2e

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/client/v3/concurrency"
	"go.etcd.io/etcd/server/v3/etcdserver/api/v3lock/v3lockpb"

	"github.com/zkgate/zkgate/e2e/harness"
)

// These tests use etcd's own Go client against the real binary.

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestClientv3_KVAndTxn(t *testing.T) {
	t.Parallel()
	c := harness.StartNode(t, harness.NodeOptions{}).Client()
	ctx := testCtx(t)

	put, err := c.Put(ctx, "k", "v1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Put(ctx, "k", "v2"); err != nil {
		t.Fatal(err)
	}
	old, err := c.Get(ctx, "k", clientv3.WithRev(put.Header.Revision))
	if err != nil || string(old.Kvs[0].Value) != "v1" {
		t.Fatalf("get at revision %d: %v %v", put.Header.Revision, old, err)
	}
	cur, err := c.Get(ctx, "k")
	if err != nil || string(cur.Kvs[0].Value) != "v2" || cur.Kvs[0].Version != 2 {
		t.Fatalf("get: %v %v", cur, err)
	}

	// Compare-and-swap on the key's mod revision: the stale one loses.
	stale := put.Header.Revision
	txn, err := c.Txn(ctx).
		If(clientv3.Compare(clientv3.ModRevision("k"), "=", stale)).
		Then(clientv3.OpPut("k", "lost-update")).
		Else(clientv3.OpGet("k")).Commit()
	if err != nil {
		t.Fatal(err)
	}
	if txn.Succeeded || string(txn.Responses[0].GetResponseRange().Kvs[0].Value) != "v2" {
		t.Fatalf("stale CAS succeeded or else-branch wrong: %+v", txn)
	}
	txn, err = c.Txn(ctx).
		If(clientv3.Compare(clientv3.ModRevision("k"), "=", cur.Kvs[0].ModRevision)).
		Then(clientv3.OpPut("k", "v3"), clientv3.OpPut("k2", "x")).Commit()
	if err != nil || !txn.Succeeded {
		t.Fatalf("fresh CAS: %+v %v", txn, err)
	}
	both, err := c.Get(ctx, "k", clientv3.WithRange("k3"))
	if err != nil || both.Count != 2 || string(both.Kvs[0].Value) != "v3" {
		t.Fatalf("after txn: %+v %v", both, err)
	}
	// Both puts of the txn share one revision.
	if both.Kvs[0].ModRevision != both.Kvs[1].ModRevision {
		t.Fatalf("txn puts at different revisions: %d %d", both.Kvs[0].ModRevision, both.Kvs[1].ModRevision)
	}

	// A big transaction, beyond etcd's default of 128 ops, is accepted.
	ops := make([]clientv3.Op, 1000)
	for i := range ops {
		ops[i] = clientv3.OpPut(fmt.Sprintf("big/%04d", i), "x")
	}
	if _, err := c.Txn(ctx).Then(ops...).Commit(); err != nil {
		t.Fatalf("1000-op txn: %v", err)
	}
}

func TestClientv3_LargeValue(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{})
	c, err := clientv3.New(clientv3.Config{
		Endpoints:          []string{n.ClientURL},
		DialTimeout:        5 * time.Second,
		MaxCallSendMsgSize: 8 << 20,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := testCtx(t)
	// etcd's default request limit is 1.5 MiB; zkgate raises it to 4 MiB
	// so that 1 MiB znodes with their records, and batches of writes, fit.
	big := make([]byte, 2<<20)
	if _, err := c.Put(ctx, "big", string(big)); err != nil {
		t.Fatalf("put of %d bytes: %v", len(big), err)
	}
	// Past --max-request-bytes (4 MiB) the request is refused.
	huge := make([]byte, 5<<20)
	if _, err := c.Put(ctx, "huge", string(huge)); err == nil {
		t.Fatal("5 MiB put accepted")
	}
}

func TestClientv3_WatchFromRevision(t *testing.T) {
	t.Parallel()
	c := harness.StartNode(t, harness.NodeOptions{}).Client()
	ctx := testCtx(t)

	first, err := c.Put(ctx, "w/a", "1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Put(ctx, "w/b", "2"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Delete(ctx, "w/a"); err != nil {
		t.Fatal(err)
	}
	wch := c.Watch(ctx, "w/", clientv3.WithPrefix(), clientv3.WithRev(first.Header.Revision), clientv3.WithPrevKV())
	type ev struct {
		typ, key, val, prev string
	}
	var got []ev
	for len(got) < 3 {
		resp, ok := <-wch
		if !ok {
			t.Fatalf("watch closed after %v", got)
		}
		if err := resp.Err(); err != nil {
			t.Fatal(err)
		}
		for _, e := range resp.Events {
			x := ev{typ: e.Type.String(), key: string(e.Kv.Key), val: string(e.Kv.Value)}
			if e.PrevKv != nil {
				x.prev = string(e.PrevKv.Value)
			}
			got = append(got, x)
		}
	}
	want := []ev{{"PUT", "w/a", "1", ""}, {"PUT", "w/b", "2", ""}, {"DELETE", "w/a", "", "1"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("events %v, want %v", got, want)
	}
}

func TestClientv3_LeaseExpiryAndKeepAlive(t *testing.T) {
	t.Parallel()
	c := harness.StartNode(t, harness.NodeOptions{}).Client()
	ctx := testCtx(t)

	short, err := c.Grant(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	kept, err := c.Grant(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	put, err := c.Put(ctx, "eph/short", "x", clientv3.WithLease(short.ID))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Put(ctx, "eph/kept", "y", clientv3.WithLease(kept.ID)); err != nil {
		t.Fatal(err)
	}
	ka, err := c.KeepAlive(ctx, kept.ID)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for range ka {
		}
	}()

	// The unrenewed lease expires and takes its key with it.
	wch := c.Watch(ctx, "eph/short", clientv3.WithRev(put.Header.Revision+1))
	for resp := range wch {
		if len(resp.Events) > 0 {
			if resp.Events[0].Type != clientv3.EventTypeDelete {
				t.Fatalf("unexpected event %v", resp.Events[0])
			}
			break
		}
	}
	ttl, err := c.TimeToLive(ctx, short.ID)
	if err != nil || ttl.TTL != -1 {
		t.Fatalf("expired lease TTL = %v, %v; want -1", ttl, err)
	}
	// The kept-alive one, granted at the same time, lives on.
	got, err := c.Get(ctx, "eph/kept")
	if err != nil || got.Count != 1 {
		t.Fatalf("kept-alive key: %v %v", got, err)
	}
	if _, err := c.Revoke(ctx, kept.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.Get(ctx, "eph/", clientv3.WithPrefix()); got.Count != 0 {
		t.Fatalf("keys left after revoke: %v", got.Kvs)
	}
}

func TestClientv3_Election(t *testing.T) {
	t.Parallel()
	c := harness.StartNode(t, harness.NodeOptions{}).Client()
	ctx := testCtx(t)

	s1, err := concurrency.NewSession(c, concurrency.WithTTL(5))
	if err != nil {
		t.Fatal(err)
	}
	defer s1.Close()
	s2, err := concurrency.NewSession(c, concurrency.WithTTL(5))
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	e1 := concurrency.NewElection(s1, "/election/")
	e2 := concurrency.NewElection(s2, "/election/")

	if err := e1.Campaign(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	won2 := make(chan error, 1)
	go func() { won2 <- e2.Campaign(ctx, "bob") }()

	observer := concurrency.NewElection(s1, "/election/")
	obs := observer.Observe(ctx)
	expectLeader(t, obs, "alice")

	l, err := e2.Leader(ctx)
	if err != nil || string(l.Kvs[0].Value) != "alice" {
		t.Fatalf("Leader() = %v, %v", l, err)
	}
	select {
	case err := <-won2:
		t.Fatalf("bob won while alice leads: %v", err)
	default:
	}

	if err := e1.Proclaim(ctx, "alice-v2"); err != nil {
		t.Fatal(err)
	}
	expectLeader(t, obs, "alice-v2")

	if err := e1.Resign(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-won2; err != nil {
		t.Fatalf("bob's campaign: %v", err)
	}
	expectLeader(t, obs, "bob")
	l, err = e1.Leader(ctx)
	if err != nil || string(l.Kvs[0].Value) != "bob" {
		t.Fatalf("Leader() after resign = %v, %v", l, err)
	}
}

func expectLeader(t *testing.T, obs <-chan *clientv3.GetResponse, want string) {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case r, ok := <-obs:
			if !ok {
				t.Fatalf("observe ended before leader %q", want)
			}
			if len(r.Kvs) > 0 && string(r.Kvs[0].Value) == want {
				return
			}
		case <-timeout:
			t.Fatalf("observer never saw leader %q", want)
		}
	}
}

func TestClientv3_Mutex(t *testing.T) {
	t.Parallel()
	c := harness.StartNode(t, harness.NodeOptions{}).Client()
	ctx := testCtx(t)

	s1, err := concurrency.NewSession(c)
	if err != nil {
		t.Fatal(err)
	}
	defer s1.Close()
	s2, err := concurrency.NewSession(c)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	m1 := concurrency.NewMutex(s1, "/lock/")
	m2 := concurrency.NewMutex(s2, "/lock/")

	if err := m1.Lock(ctx); err != nil {
		t.Fatal(err)
	}
	if err := m2.TryLock(ctx); !errors.Is(err, concurrency.ErrLocked) {
		t.Fatalf("TryLock while held = %v, want ErrLocked", err)
	}
	got := make(chan error, 1)
	go func() { got <- m2.Lock(ctx) }()
	select {
	case err := <-got:
		t.Fatalf("second Lock returned while held: %v", err)
	default:
	}
	if err := m1.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-got; err != nil {
		t.Fatalf("second Lock after unlock: %v", err)
	}
	if err := m1.TryLock(ctx); !errors.Is(err, concurrency.ErrLocked) {
		t.Fatalf("TryLock by the first session while the second holds = %v", err)
	}
	if err := m2.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
	if err := m1.TryLock(ctx); err != nil {
		t.Fatalf("TryLock on a free mutex: %v", err)
	}
}

func TestClientv3_STM(t *testing.T) {
	t.Parallel()
	c := harness.StartNode(t, harness.NodeOptions{}).Client()
	ctx := testCtx(t)
	if _, err := c.Put(ctx, "acct/a", "100"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Put(ctx, "acct/b", "0"); err != nil {
		t.Fatal(err)
	}
	// Ten concurrent transfers of 10 under serializable STM: no lost update.
	errc := make(chan error, 10)
	for range 10 {
		go func() {
			_, err := concurrency.NewSTM(c, func(s concurrency.STM) error {
				var a, b int
				fmt.Sscan(s.Get("acct/a"), &a)
				fmt.Sscan(s.Get("acct/b"), &b)
				s.Put("acct/a", fmt.Sprint(a-10))
				s.Put("acct/b", fmt.Sprint(b+10))
				return nil
			}, concurrency.WithIsolation(concurrency.Serializable))
			errc <- err
		}()
	}
	for range 10 {
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
	a, _ := c.Get(ctx, "acct/a")
	b, _ := c.Get(ctx, "acct/b")
	if string(a.Kvs[0].Value) != "0" || string(b.Kvs[0].Value) != "100" {
		t.Fatalf("after transfers a=%s b=%s", a.Kvs[0].Value, b.Kvs[0].Value)
	}
}

// TestClientv3_LockService drives etcd's v3lock gRPC service, which zkgate
// serves on the client URL like etcd.
func TestClientv3_LockService(t *testing.T) {
	t.Parallel()
	c := harness.StartNode(t, harness.NodeOptions{}).Client()
	ctx := testCtx(t)
	lc := v3lockpb.NewLockClient(c.ActiveConnection())

	l1, err := c.Grant(ctx, 30)
	if err != nil {
		t.Fatal(err)
	}
	l2, err := c.Grant(ctx, 30)
	if err != nil {
		t.Fatal(err)
	}
	first, err := lc.Lock(ctx, &v3lockpb.LockRequest{Name: []byte("svc-lock"), Lease: int64(l1.ID)})
	if err != nil {
		t.Fatal(err)
	}
	second := make(chan *v3lockpb.LockResponse, 1)
	go func() {
		r, err := lc.Lock(ctx, &v3lockpb.LockRequest{Name: []byte("svc-lock"), Lease: int64(l2.ID)})
		if err != nil {
			t.Error(err)
		}
		second <- r
	}()
	select {
	case <-second:
		t.Fatal("second Lock granted while the first holds it")
	default:
	}
	// Revoking the holder's lease releases the lock.
	if _, err := c.Revoke(ctx, l1.ID); err != nil {
		t.Fatal(err)
	}
	r := <-second
	if r == nil || string(r.Key) == string(first.Key) {
		t.Fatalf("second lock key %v, first %s", r, first.Key)
	}
	if _, err := lc.Unlock(ctx, &v3lockpb.UnlockRequest{Key: r.Key}); err != nil {
		t.Fatal(err)
	}
}
