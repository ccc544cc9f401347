package recipes_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/gateway/api"
	"github.com/zkgate/zkgate/gateway/gatewaytest"
	"github.com/zkgate/zkgate/recipes"
	"github.com/zkgate/zkgate/recipes/client"
	"github.com/zkgate/zkgate/schema"
	"github.com/zkgate/zkgate/schema/zkgatepb"
)

// env is one etcd member with an engine, the Namespace and recipe
// services on a loopback gRPC listener, and a client connection to them.
type env struct {
	t    *testing.T
	etcd *clientv3.Client
	e    *gateway.Engine
	conn *grpc.ClientConn
}

func start(t *testing.T, cfg gateway.Config) *env {
	t.Helper()
	cl := gatewaytest.StartCluster(t, 1)
	e := gatewaytest.NewEngine(t, cl.Client(0), cfg)
	_, conn := gatewaytest.ServeGRPC(t, func(g *grpc.Server) {
		ns := api.NewServer(e)
		ns.Register(g)
		recipes.NewServer(ns).Register(g)
	})
	return &env{t: t, etcd: cl.Client(0), e: e, conn: conn}
}

func (v *env) session(timeout time.Duration) *client.Session {
	v.t.Helper()
	s, err := client.NewSession(context.Background(), v.conn, client.WithTimeout(timeout))
	if err != nil {
		v.t.Fatal(err)
	}
	v.t.Cleanup(func() { s.Close() })
	return s
}

func (v *env) children(path string) []string {
	v.t.Helper()
	res, err := v.e.GetChildren(context.Background(), gateway.Caller{}, path, gateway.ReadOptions{})
	kids := res.Children
	if errors.Is(err, schema.ErrNoNode) {
		return nil
	}
	if err != nil {
		v.t.Fatal(err)
	}
	return kids
}

// seq is the sequence number at the end of a contender's name.
func seq(t testing.TB, node string) int {
	t.Helper()
	n, err := strconv.Atoi(node[len(node)-10:])
	if err != nil {
		t.Fatalf("contender %s has no sequence number", node)
	}
	return n
}

// TestLock_Contention: 16 sessions take the same lock 50 times each.
// Inside the lock each checks it is alone, and increments a counter in
// etcd with a transaction guarded by its fencing token (the compare
// fails if its contender is gone). Holders follow each other in the
// order of their sequence numbers (FIFO), tokens only grow, and every
// client finishes its rounds (no waiter starves).
func TestLock_Contention(t *testing.T) {
	v := start(t, gateway.Config{})
	const clients, rounds = 16, 50
	const counter = "contention-counter"
	var (
		inside    atomic.Int32
		mu        sync.Mutex
		lastSeq   = -1
		lastToken int64
		order     []string
		wg        sync.WaitGroup
		failed    atomic.Bool
	)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	for i := range clients {
		s := v.session(10 * time.Second)
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := client.NewMutex(s, "/locks/contention", client.Identifier([]byte(fmt.Sprint(i))))
			for r := range rounds {
				if err := m.Lock(ctx); err != nil {
					t.Errorf("client %d round %d: %v", i, r, err)
					failed.Store(true)
					return
				}
				if n := inside.Add(1); n != 1 {
					t.Errorf("%d holders at once", n)
					failed.Store(true)
				}
				key := m.Key()
				mu.Lock()
				if sq := seq(t, key.GetNode()); sq <= lastSeq {
					t.Errorf("holder with sequence %d after %d: not FIFO", sq, lastSeq)
					failed.Store(true)
				} else {
					lastSeq = sq
				}
				if key.GetToken() < lastToken {
					t.Errorf("token %d after %d", key.GetToken(), lastToken)
					failed.Store(true)
				}
				if int(key.GetSequence()) != seq(t, key.GetNode()) {
					t.Errorf("key sequence %d, node %s", key.GetSequence(), key.GetNode())
					failed.Store(true)
				}
				lastToken = key.GetToken()
				order = append(order, key.GetNode())
				mu.Unlock()
				get, err := v.etcd.Get(ctx, counter)
				if err != nil {
					t.Error(err)
					return
				}
				n := 0
				if len(get.Kvs) == 1 {
					n, _ = strconv.Atoi(string(get.Kvs[0].Value))
				}
				txn, err := v.etcd.Txn(ctx).
					If(clientv3.Compare(clientv3.CreateRevision(string(key.GetEtcdKey())), "=", key.GetToken())).
					Then(clientv3.OpPut(counter, strconv.Itoa(n+1))).Commit()
				if err != nil || !txn.Succeeded {
					t.Errorf("fenced write by the holder failed: %v", err)
					failed.Store(true)
				}
				inside.Add(-1)
				if err := m.Unlock(ctx); err != nil {
					t.Errorf("unlock: %v", err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if failed.Load() {
		return
	}
	get, err := v.etcd.Get(ctx, counter)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(get.Kvs[0].Value); got != strconv.Itoa(clients*rounds) {
		t.Fatalf("counter %s after %d fenced increments", got, clients*rounds)
	}
	if kids := v.children("/locks/contention"); len(kids) != 0 {
		t.Fatalf("contenders left: %v", kids)
	}
}

// TestLock_FencingTokenFailsAfterRelease: the holder's compare on its
// token holds while it holds the lock, and fails once it has released it
// and another holds it.
func TestLock_FencingTokenFailsAfterRelease(t *testing.T) {
	v := start(t, gateway.Config{})
	ctx := testCtx(t)
	a := client.NewMutex(v.session(10*time.Second), "/fence")
	if err := a.Lock(ctx); err != nil {
		t.Fatal(err)
	}
	key := a.Key()
	fenced := func() bool {
		txn, err := v.etcd.Txn(ctx).If(clientv3.Compare(clientv3.CreateRevision(string(key.GetEtcdKey())), "=", key.GetToken())).Commit()
		if err != nil {
			t.Fatal(err)
		}
		return txn.Succeeded
	}
	if !fenced() {
		t.Fatal("the holder's fencing compare fails while it holds the lock")
	}
	if err := a.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
	b := client.NewMutex(v.session(10*time.Second), "/fence")
	if err := b.Lock(ctx); err != nil {
		t.Fatal(err)
	}
	if fenced() {
		t.Fatal("the old holder's fencing compare holds after it released the lock")
	}
	if b.Token() <= key.GetToken() || b.Key().GetSequence() <= key.GetSequence() {
		t.Fatalf("new holder's token %d and sequence %d are not above %d and %d", b.Token(), b.Key().GetSequence(), key.GetToken(), key.GetSequence())
	}
}

// TestLock_TryLockDeadlineAndHolder: TryLock on a held lock fails at once
// and leaves no contender; Lock gives up at the caller's deadline and
// leaves the queue; Holder names the holder and its identifier; a lock
// freed by its holder's session ending goes to the next waiter.
func TestLock_TryLockDeadlineAndHolder(t *testing.T) {
	v := start(t, gateway.Config{MinSessionTimeout: time.Second})
	ctx := testCtx(t)
	holderS := v.session(10 * time.Second)
	h := client.NewMutex(holderS, "/l", client.Identifier([]byte("holder")))
	if ok, err := h.TryLock(ctx); err != nil || !ok {
		t.Fatalf("TryLock on a free lock: %v %v", ok, err)
	}
	o := client.NewMutex(v.session(10*time.Second), "/l", client.Identifier([]byte("other")))
	if ok, err := o.TryLock(ctx); err != nil || ok {
		t.Fatalf("TryLock on a held lock: %v %v", ok, err)
	}
	if kids := v.children("/l"); len(kids) != 1 {
		t.Fatalf("contenders after a failed TryLock: %v", kids)
	}
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	err := o.Lock(short)
	cancel()
	if status.Code(errors.Unwrap(err)) != codes.DeadlineExceeded {
		t.Fatalf("Lock past its deadline: %v", err)
	}
	// The server removes the contender once it sees the call end.
	waitFor(t, func() bool { return len(v.children("/l")) == 1 })
	key, id, err := client.Holder(ctx, holderS, "/l")
	if err != nil || key.GetNode() != h.Key().GetNode() || string(id) != "holder" {
		t.Fatalf("Holder: %v %q %v, want %s", key, id, err, h.Key().GetNode())
	}

	// The waiter gets the lock when the holder's session ends.
	got := make(chan error, 1)
	go func() { got <- o.Lock(ctx) }()
	waitFor(t, func() bool { return len(v.children("/l")) == 2 })
	if err := holderS.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-got; err != nil {
		t.Fatalf("waiter after the holder's session closed: %v", err)
	}
	if err := o.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
	if _, _, err := client.Holder(ctx, v.session(10*time.Second), "/l"); status.Code(err) != codes.NotFound {
		t.Fatalf("Holder of a free lock: %v", err)
	}
}

// waitFor polls a condition on the engine's state (there is no event to
// wait for from outside the service).
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestLock_SessionRequired: a contender needs a session.
func TestLock_SessionRequired(t *testing.T) {
	v := start(t, gateway.Config{})
	lk := zkgatepb.NewLockClient(v.conn)
	_, err := lk.Lock(context.Background(), &zkgatepb.LockRequest{Path: "/x"})
	if status.Code(err) != codes.InvalidArgument {
		t.Fatalf("Lock without a session: %v", err)
	}
	s := v.session(10 * time.Second)
	for _, p := range []string{"", "/", "x", "/a/"} {
		_, err := lk.Lock(context.Background(), &zkgatepb.LockRequest{Ctx: s.Context(), Path: p})
		if status.Code(err) != codes.InvalidArgument {
			t.Fatalf("Lock on %q: %v", p, err)
		}
	}
}

// TestElection_ObserveResignAndExpiry: three candidates; Observe sees
// each leader in order, and a proclaimed value; Resign hands over to the
// next; a leader whose session ends is replaced.
func TestElection_ObserveResignAndExpiry(t *testing.T) {
	v := start(t, gateway.Config{})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	obs := client.NewElection(v.session(10*time.Second), "/election/e")
	seen := obs.Observe(ctx)

	var sessions []*client.Session
	var cands []*client.Election
	won := make(chan int, 3)
	for i := range 3 {
		s := v.session(10 * time.Second)
		sessions = append(sessions, s)
		e := client.NewElection(s, "/election/e")
		cands = append(cands, e)
		if i == 0 {
			if err := e.Campaign(ctx, []byte("c0")); err != nil {
				t.Fatal(err)
			}
			won <- 0
			continue
		}
		// Each later candidate enters after the previous one (the
		// children count shows it), so the order is known.
		go func() {
			if err := e.Campaign(ctx, []byte(fmt.Sprintf("c%d", i))); err != nil {
				t.Error(err)
				return
			}
			won <- i
		}()
		waitFor(t, func() bool { return len(v.children("/election/e")) == i+1 })
	}
	next := func(want string) client.Leader {
		t.Helper()
		select {
		case l := <-seen:
			if string(l.Value) != want {
				t.Fatalf("observed leader value %q, want %q", l.Value, want)
			}
			return l
		case <-ctx.Done():
			t.Fatalf("no leader observed, want %q", want)
		}
		return client.Leader{}
	}
	if <-won != 0 {
		t.Fatal("first candidate did not win")
	}
	l := next("c0")
	if l.Key.GetNode() != cands[0].Key().GetNode() {
		t.Fatalf("observed leader %s, want %s", l.Key.GetNode(), cands[0].Key().GetNode())
	}
	if err := cands[0].Proclaim(ctx, []byte("c0-updated")); err != nil {
		t.Fatal(err)
	}
	next("c0-updated")
	if err := cands[1].Proclaim(ctx, []byte("x")); !errors.Is(err, client.ErrNotLeader) {
		t.Fatalf("Proclaim by a candidate that does not lead: %v", err)
	}
	if err := cands[0].Resign(ctx); err != nil {
		t.Fatal(err)
	}
	if w := <-won; w != 1 {
		t.Fatalf("candidate %d won after the resignation, want 1", w)
	}
	next("c1")
	if err := sessions[1].Close(); err != nil { // the leader dies
		t.Fatal(err)
	}
	if w := <-won; w != 2 {
		t.Fatalf("candidate %d won after the leader's session ended, want 2", w)
	}
	next("c2")
	ld, err := obs.Leader(ctx)
	if err != nil || string(ld.Value) != "c2" {
		t.Fatalf("Leader: %v %v", ld, err)
	}
	// A resigned key cannot proclaim.
	_, err = zkgatepb.NewElectionClient(v.conn).Proclaim(ctx, &zkgatepb.ProclaimRequest{Ctx: sessions[0].Context(), Leader: l.Key, Value: []byte("stale")})
	if status.Code(err) != codes.FailedPrecondition {
		t.Fatalf("Proclaim with a resigned key: %v", err)
	}
}

// TestLayouts: the contenders' names follow kazoo's and Curator's
// conventions, and each layout orders contenders by its own rule:
// kazoo's ignores children without "__lock__<seq>", Curator's sorts
// every child by the text after "lock-" (or "latch-").
func TestLayouts(t *testing.T) {
	v := start(t, gateway.Config{})
	ctx := testCtx(t)
	s := v.session(10 * time.Second)

	k := client.NewMutex(s, "/layout/kazoo")
	if err := k.Lock(ctx); err != nil {
		t.Fatal(err)
	}
	if name := k.Key().GetNode(); !regexp.MustCompile(`^/layout/kazoo/[0-9a-f]{32}__lock__\d{10}$`).MatchString(name) {
		t.Fatalf("kazoo-layout contender %s", name)
	}
	c := client.NewMutex(s, "/layout/curator", client.Curator())
	if err := c.Lock(ctx); err != nil {
		t.Fatal(err)
	}
	uuidRE := `[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`
	if name := c.Key().GetNode(); !regexp.MustCompile(`^/layout/curator/_c_` + uuidRE + `-lock-\d{10}$`).MatchString(name) {
		t.Fatalf("Curator-layout contender %s", name)
	}
	e := client.NewElection(s, "/layout/latch", client.Curator())
	if err := e.Campaign(ctx, []byte("p")); err != nil {
		t.Fatal(err)
	}
	if name := e.Key().GetNode(); !regexp.MustCompile(`^/layout/latch/_c_` + uuidRE + `-latch-\d{10}$`).MatchString(name) {
		t.Fatalf("Curator-layout candidate %s", name)
	}

	// Ordering rules, on hand-made children of one path: a later
	// sequence number with a name that sorts first, and a stranger.
	var mk func(name string)
	mk = func(name string) {
		_, err := v.e.Create(ctx, gateway.Caller{}, gateway.CreateOp{Path: "/layout/order/" + name, Data: []byte(name), ACL: schema.OpenACLUnsafe})
		if err != nil && !errors.Is(err, schema.ErrNoNode) {
			t.Fatal(err)
		}
		if errors.Is(err, schema.ErrNoNode) {
			if _, err := v.e.Create(ctx, gateway.Caller{}, gateway.CreateOp{Path: "/layout/order", ACL: schema.OpenACLUnsafe}); err != nil {
				t.Fatal(err)
			}
			mk(name)
		}
	}
	mk("b" + strings.Repeat("0", 31) + "__lock__0000000007")
	mk("a" + strings.Repeat("0", 31) + "__lock__0000000009")
	mk("_c_zzz-lock-0000000003")
	mk("lease_holder")
	holder := func(opts ...client.RecipeOption) string {
		key, _, err := client.Holder(ctx, s, "/layout/order", opts...)
		if err != nil {
			t.Fatal(err)
		}
		return key.GetNode()[len("/layout/order/"):]
	}
	if got := holder(); got != "b"+strings.Repeat("0", 31)+"__lock__0000000007" {
		t.Fatalf("kazoo layout: holder %s", got)
	}
	// Curator: "lease_holder" has no "lock-" and sorts by its whole name,
	// after the digits; "_c_zzz-lock-0000000003" sorts by "0000000003".
	if got := holder(client.Curator()); got != "_c_zzz-lock-0000000003" {
		t.Fatalf("Curator layout: holder %s", got)
	}
}
