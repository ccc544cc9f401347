package gateway_test

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/gateway/gatewaytest"
	"github.com/zkgate/zkgate/schema"
)

// TestTurn_SlowNodeStillCommits: a gateway node whose transactions take
// longer to reach etcd than another's (a follower's, far from the Raft
// leader) loses its compares to that node's writes under the same parent
// every time; it takes the turn and its sequential creates all succeed,
// as every write does on ZooKeeper, while the other node keeps writing.
// The sequence numbers issued under the parent are unique and without
// gaps.
func TestTurn_SlowNodeStillCommits(t *testing.T) {
	cl := gatewaytest.StartCluster(t, 1)
	slow := gatewaytest.NewEngine(t, cl.Client(0), gateway.Config{})
	fast := gatewaytest.NewEngine(t, cl.Client(0), gateway.Config{})
	slow.SetSendDelay(5 * time.Millisecond)
	ctx := ctxT(t)
	mustCreate(t, fast, anyone, "/p", "", gateway.Persistent)

	var mu sync.Mutex
	var names []string
	add := func(p string) {
		mu.Lock()
		names = append(names, p)
		mu.Unlock()
	}
	create := func(e *gateway.Engine) error {
		made, err := e.Create(ctx, anyone, gateway.CreateOp{Path: "/p/n-", ACL: schema.OpenACLUnsafe, Mode: gateway.PersistentSequential})
		if err != nil {
			return err
		}
		add(made.Path)
		return nil
	}

	// The fast node writes under /p without pause until the slow one is
	// done.
	done := make(chan struct{})
	var wg sync.WaitGroup
	errc := make(chan error, 16)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				if err := create(fast); err != nil {
					errc <- fmt.Errorf("fast node: %w", err)
					return
				}
			}
		}()
	}
	const slowCreates = 20
	for i := range slowCreates {
		if err := create(slow); err != nil {
			t.Errorf("slow node, create %d: %v", i, err)
			break
		}
	}
	close(done)
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
	if t.Failed() {
		return
	}
	taken, _ := slow.Turns()
	_, waited := fast.Turns()
	if taken == 0 || waited == 0 {
		t.Errorf("the slow node took %d turns and the fast one waited for %d: the test did not make the slow node lose", taken, waited)
	}

	// Unique and gap-free, from 0.
	sort.Strings(names)
	for i, p := range names {
		if want := fmt.Sprintf("/p/n-%010d", i); p != want {
			t.Fatalf("sequential name %d is %s, want %s", i, p, want)
		}
	}
	st := stat(t, fast, "/p")
	if int(st.NumChildren) != len(names) {
		t.Errorf("/p has %d children, %d were created", st.NumChildren, len(names))
	}
	// The turn key is gone once its holder's batch committed.
	if resp, err := cl.Client(0).Get(ctx, schema.TurnKey()); err != nil || len(resp.Kvs) != 0 {
		t.Errorf("turn key after the writes: %v %v", resp, err)
	}
}

// TestTurn_AbandonedTurnExpires: a turn key whose holder went away (its
// process killed before it wrote its batch) holds every node's writes
// back only until a committer has seen it for the turn expiry; then it
// is deleted and writes go on.
func TestTurn_AbandonedTurnExpires(t *testing.T) {
	defer gateway.SetTurnExpiry(200 * time.Millisecond)()
	cl := gatewaytest.StartCluster(t, 1)
	e := gatewaytest.NewEngine(t, cl.Client(0), gateway.Config{})
	ctx := ctxT(t)
	if _, err := cl.Client(0).Put(ctx, schema.TurnKey(), "gone/1"); err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := e.Create(wctx, anyone, gateway.CreateOp{Path: "/after", ACL: schema.OpenACLUnsafe, Mode: gateway.Persistent}); err != nil {
		t.Fatalf("create behind an abandoned turn: %v", err)
	}
	if _, waited := e.Turns(); waited == 0 {
		t.Error("the committer never waited for the turn")
	}
	if resp, err := cl.Client(0).Get(ctx, schema.TurnKey()); err != nil || len(resp.Kvs) != 0 {
		t.Errorf("abandoned turn key still there: %v %v", resp, err)
	}
}

// TestTurn_NeverWaitsForItself: with batches pipelined behind the one
// that carries its turn key's deletion, and that batch failing once more
// (a foreign write already on its way), a committer sees its own key in
// the later batches' answers: it holds the turn, never waits for it
// (which would stall every node's writes until the key expires).
func TestTurn_NeverWaitsForItself(t *testing.T) {
	cl := gatewaytest.StartCluster(t, 1)
	e := gatewaytest.NewEngine(t, cl.Client(0), gateway.Config{CommitDepth: 4})
	ctx := ctxT(t)
	for i := range 8 {
		mustCreate(t, e, anyone, fmt.Sprintf("/k%d", i), "", gateway.Persistent)
	}
	rec, err := cl.Client(0).Get(ctx, schema.NodeKey("/k0"))
	if err != nil || len(rec.Kvs) != 1 {
		t.Fatalf("reading /k0's record: %v %v", rec, err)
	}
	e.SetSendDelay(10 * time.Millisecond)

	// A foreign writer rewrites /k0's record (same content) until the
	// committer has taken its turn and lost once more with it.
	done := make(chan struct{})
	go func() {
		defer close(done)
		redone := int64(-1)
		for {
			if taken, _ := e.Turns(); taken > 0 {
				if redone < 0 {
					redone = e.Stats().Redone
				} else if e.Stats().Redone > redone {
					return
				}
			}
			if _, err := cl.Client(0).Put(ctx, schema.NodeKey("/k0"), string(rec.Kvs[0].Value)); err != nil {
				return
			}
		}
	}()
	// Sets arrive all the time, so that batches follow the one that
	// carries the turn while it is in flight.
	var wg sync.WaitGroup
	errc := make(chan error, 4096)
	tick := time.NewTicker(500 * time.Microsecond)
	defer tick.Stop()
	for i := 0; ; i++ {
		select {
		case <-done:
		case <-tick.C:
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := e.SetData(ctx, anyone, fmt.Sprintf("/k%d", i%8), []byte("x"), -1); err != nil {
					errc <- err
				}
			}()
			continue
		}
		break
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
	taken, waited := e.Turns()
	if taken == 0 {
		t.Fatal("the committer took no turn: the test did not make it lose")
	}
	if waited != 0 {
		t.Errorf("the only committer waited %d times for a turn: its own", waited)
	}
}
