package gateway_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/gateway/gatewaytest"
	"github.com/zkgate/zkgate/schema"
)

// recorder is a Watcher that keeps what it is told.
type recorder struct {
	mu     sync.Mutex
	events []gateway.Event
	ch     chan gateway.Event
}

func newRecorder() *recorder { return &recorder{ch: make(chan gateway.Event, 1000)} }

func (r *recorder) Notify(ev gateway.Event) {
	r.mu.Lock()
	r.events = append(r.events, ev)
	r.mu.Unlock()
	r.ch <- ev
}

// got returns what has been delivered so far, as "Type path" strings.
func (r *recorder) got() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.events {
		out = append(out, fmt.Sprintf("%v %s", e.Type, e.Path))
	}
	return out
}

func expectEvents(t *testing.T, r *recorder, want ...string) {
	t.Helper()
	if got := r.got(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("events %v, want %v", got, want)
	}
}

// The engine delivers a write's events before the write returns, so the
// tests can check events right after each write without waiting.

func TestWatch_OneShotData(t *testing.T) {
	e := newEngine(t, gateway.Config{})
	ctx := ctxT(t)
	mustCreate(t, e, anyone, "/w", "", gateway.Persistent)
	r := newRecorder()
	res, err := e.GetData(ctx, anyone, "/w", gateway.ReadOptions{Watcher: r})
	a := res.Armed
	if err != nil {
		t.Fatal(err)
	}
	a.Arm()
	if _, err := e.SetData(ctx, anyone, "/w", []byte("1"), -1); err != nil {
		t.Fatal(err)
	}
	expectEvents(t, r, "NodeDataChanged /w")
	// One-shot: the second change is not reported.
	if _, err := e.SetData(ctx, anyone, "/w", []byte("2"), -1); err != nil {
		t.Fatal(err)
	}
	expectEvents(t, r, "NodeDataChanged /w")
	// setACL fires nothing.
	res, _ = e.GetData(ctx, anyone, "/w", gateway.ReadOptions{Watcher: r})
	a = res.Armed
	a.Arm()
	if _, err := e.SetACL(ctx, anyone, "/w", schema.OpenACLUnsafe, -1); err != nil {
		t.Fatal(err)
	}
	expectEvents(t, r, "NodeDataChanged /w")
}

func TestWatch_ExistsOnMissingNode(t *testing.T) {
	e := newEngine(t, gateway.Config{})
	ctx := ctxT(t)
	r := newRecorder()
	res, err := e.Exists(ctx, anyone, "/later", gateway.ReadOptions{Watcher: r})
	found, a := res.Found, res.Armed
	if err != nil || found {
		t.Fatalf("exists: %v %v", found, err)
	}
	a.Arm()
	mustCreate(t, e, anyone, "/later", "", gateway.Persistent)
	if _, err := e.Delete(ctx, anyone, "/later", -1); err != nil {
		t.Fatal(err)
	}
	expectEvents(t, r, "NodeCreated /later")

	// getData on a missing node sets no watch.
	r2 := newRecorder()
	_, err = e.GetData(ctx, anyone, "/later", gateway.ReadOptions{Watcher: r2})
	wantCode(t, err, schema.CodeNoNode)
	mustCreate(t, e, anyone, "/later", "", gateway.Persistent)
	expectEvents(t, r2)
}

func TestWatch_ChildrenAndDeleteDedup(t *testing.T) {
	e := newEngine(t, gateway.Config{})
	ctx := ctxT(t)
	mustCreate(t, e, anyone, "/p", "", gateway.Persistent)
	mustCreate(t, e, anyone, "/p/n", "", gateway.Persistent)
	r := newRecorder()
	arm := func(a *gateway.Armed, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		a.Arm()
	}
	cr, err := e.GetChildren(ctx, anyone, "/p", gateway.ReadOptions{Watcher: r})
	arm(cr.Armed, err)
	mustCreate(t, e, anyone, "/p/c", "", gateway.Persistent)
	// A child's data change does not fire a child watch.
	expectEvents(t, r, "NodeChildrenChanged /p")

	// Data, exists and child watches on one node: its deletion is
	// reported once, then the parent's child watch fires.
	dr, err := e.GetData(ctx, anyone, "/p/n", gateway.ReadOptions{Watcher: r})
	arm(dr.Armed, err)
	dr, err = e.Exists(ctx, anyone, "/p/n", gateway.ReadOptions{Watcher: r})
	arm(dr.Armed, err)
	cr, err = e.GetChildren(ctx, anyone, "/p/n", gateway.ReadOptions{Watcher: r})
	arm(cr.Armed, err)
	cr, err = e.GetChildren(ctx, anyone, "/p", gateway.ReadOptions{Watcher: r})
	arm(cr.Armed, err)
	if _, err := e.Delete(ctx, anyone, "/p/n", -1); err != nil {
		t.Fatal(err)
	}
	expectEvents(t, r, "NodeChildrenChanged /p", "NodeDeleted /p/n", "NodeChildrenChanged /p")
}

// TestWatch_HeldUntilArmed: an event of a watch whose read's reply is not
// yet queued waits for Arm.
func TestWatch_HeldUntilArmed(t *testing.T) {
	e := newEngine(t, gateway.Config{})
	ctx := ctxT(t)
	mustCreate(t, e, anyone, "/h", "", gateway.Persistent)
	r := newRecorder()
	res, err := e.GetData(ctx, anyone, "/h", gateway.ReadOptions{Watcher: r})
	a := res.Armed
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.SetData(ctx, anyone, "/h", []byte("x"), -1); err != nil {
		t.Fatal(err)
	}
	expectEvents(t, r)
	a.Arm()
	expectEvents(t, r, "NodeDataChanged /h")
}

func TestWatch_PersistentAndRecursive(t *testing.T) {
	e := newEngine(t, gateway.Config{})
	ctx := ctxT(t)
	mustCreate(t, e, anyone, "/r", "", gateway.Persistent)
	per, rec := newRecorder(), newRecorder()
	if _, err := e.AddWatch(ctx, anyone, "/r", gateway.WatchPersistent, per); err != nil {
		t.Fatal(err)
	}
	if _, err := e.AddWatch(ctx, anyone, "/r", gateway.WatchPersistentRecursive, rec); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, e, anyone, "/r/a", "", gateway.Persistent)
	mustCreate(t, e, anyone, "/r/a/b", "", gateway.Persistent)
	mustCreate(t, e, anyone, "/rX", "", gateway.Persistent) // a sibling with the same string prefix
	for i := range 2 {
		if _, err := e.SetData(ctx, anyone, "/r", []byte(fmt.Sprint(i)), -1); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.Delete(ctx, anyone, "/r/a/b", -1); err != nil {
		t.Fatal(err)
	}
	expectEvents(t, per, "NodeChildrenChanged /r", "NodeDataChanged /r", "NodeDataChanged /r")
	expectEvents(t, rec, "NodeCreated /r/a", "NodeCreated /r/a/b", "NodeDataChanged /r", "NodeDataChanged /r", "NodeDeleted /r/a/b")

	// As in ZooKeeper 3.8: a persistent watch is found as Data and as
	// Children; the persistent types are not accepted here.
	if err := e.CheckWatches(anyone, "/r", gateway.WatcherChildren, per); err != nil {
		t.Fatal(err)
	}
	if err := e.CheckWatches(anyone, "/r", gateway.WatcherData, rec); err != nil {
		t.Fatal(err)
	}
	wantCode(t, e.CheckWatches(anyone, "/r", gateway.WatcherPersistent, per), schema.CodeMarshallingError)
	if err := e.RemoveWatches(anyone, "/r", gateway.WatcherAny, rec); err != nil {
		t.Fatal(err)
	}
	wantCode(t, e.RemoveWatches(anyone, "/r", gateway.WatcherAny, rec), schema.CodeNoWatcher)
	wantCode(t, e.CheckWatches(anyone, "/nope", gateway.WatcherChildren, per), schema.CodeNoWatcher)
	mustCreate(t, e, anyone, "/r/c", "", gateway.Persistent)
	if got := len(rec.got()); got != 5 {
		t.Fatalf("removed recursive watch still fired: %v", rec.got())
	}
}

// TestWatch_EphemeralExpiryAndOtherNode: a watch on one gateway node
// fires for a change made through another node, and for an ephemeral
// removed by its session's end.
func TestWatch_EphemeralExpiryAndOtherNode(t *testing.T) {
	cl := gatewaytest.StartCluster(t, 3)
	a := gatewaytest.NewEngine(t, cl.Client(0), gateway.Config{})
	b := gatewaytest.NewEngine(t, cl.Client(1), gateway.Config{})
	ctx := ctxT(t)
	mustCreate(t, a, anyone, "/svc", "", gateway.Persistent)
	s, err := b.CreateSession(ctx, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	r := newRecorder()
	res, err := a.GetChildren(ctx, anyone, "/svc", gateway.ReadOptions{Watcher: r})
	armA := res.Armed
	if err != nil {
		t.Fatal(err)
	}
	armA.Arm()
	_, _, rev := mustCreate(t, b, s.Caller(), "/svc/member", "", gateway.Ephemeral)
	waitEvent(t, r, "NodeChildrenChanged /svc")
	// The watch node read at the write's zxid, on the other node, sees it.
	cr, err := a.GetChildren(ctx, anyone, "/svc", gateway.ReadOptions{MinZxid: rev, Watcher: r})
	kids, armA2 := cr.Children, cr.Armed
	if err != nil || len(kids) != 1 {
		t.Fatalf("children via node a at zxid %d: %v %v", rev, kids, err)
	}
	armA2.Arm()
	if _, err := b.CloseSession(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, r, "NodeChildrenChanged /svc")
}

func waitEvent(t *testing.T, r *recorder, want string) {
	t.Helper()
	select {
	case ev := <-r.ch:
		if got := fmt.Sprintf("%v %s", ev.Type, ev.Path); got != want {
			t.Fatalf("event %s, want %s", got, want)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("no event, want %s", want)
	}
}

// TestWatch_EveryChangeItsOwnEvent: concurrent writes to one znode (which
// the committer would otherwise batch into one transaction) each give the
// persistent watcher its own event.
func TestWatch_EveryChangeItsOwnEvent(t *testing.T) {
	e := newEngine(t, gateway.Config{})
	ctx := ctxT(t)
	mustCreate(t, e, anyone, "/hot", "", gateway.Persistent)
	r := newRecorder()
	if _, err := e.AddWatch(ctx, anyone, "/hot", gateway.WatchPersistent, r); err != nil {
		t.Fatal(err)
	}
	const writers = 32
	var wg sync.WaitGroup
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := e.SetData(ctx, anyone, "/hot", []byte(fmt.Sprint(i)), -1); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if got := len(r.got()); got != writers {
		t.Fatalf("%d events for %d changes", got, writers)
	}
	if st := stat(t, e, "/hot"); st.Version != writers {
		t.Fatalf("version %d", st.Version)
	}
}

// TestWatch_RefusedByReadsThatSetNone: getACL, getAllChildrenNumber and
// getEphemerals set no watch, so a Watcher given to them is refused with
// BadArguments and leaves none.
func TestWatch_RefusedByReadsThatSetNone(t *testing.T) {
	e := newEngine(t, gateway.Config{})
	ctx := ctxT(t)
	s, err := e.CreateSession(ctx, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	mustCreate(t, e, s.Caller(), "/n", "", gateway.Ephemeral)
	r := newRecorder()
	o := gateway.ReadOptions{Watcher: r}
	_, err = e.GetACL(ctx, anyone, "/n", o)
	wantCode(t, err, schema.CodeBadArguments)
	_, err = e.GetAllChildrenNumber(ctx, anyone, "/n", o)
	wantCode(t, err, schema.CodeBadArguments)
	_, err = e.GetEphemerals(ctx, s.Caller(), "/", o)
	wantCode(t, err, schema.CodeBadArguments)
	if w, _ := e.WatchCount(); w != 0 {
		t.Fatalf("%d watches left by refused reads", w)
	}
	// Without a Watcher the same reads succeed.
	if res, err := e.GetEphemerals(ctx, s.Caller(), "/", gateway.ReadOptions{}); err != nil || len(res.Paths) != 1 {
		t.Fatalf("getEphemerals: %v %v", res.Paths, err)
	}
}
