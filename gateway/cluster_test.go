package gateway_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/gateway/gatewaytest"
	"github.com/zkgate/zkgate/schema"
)

// TestSession_ResumedOnAnotherNode: a session opened through one node of
// a 3-node cluster is resumed through another with its id and password,
// and keeps its ephemerals; a wrong password is an expired session.
func TestSession_ResumedOnAnotherNode(t *testing.T) {
	cl := gatewaytest.StartCluster(t, 3)
	a := gatewaytest.NewEngine(t, cl.Client(0), gateway.Config{})
	b := gatewaytest.NewEngine(t, cl.Client(2), gateway.Config{})
	ctx := ctxT(t)
	s, err := a.CreateSession(ctx, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c := s.Caller()
	_, _, rev := mustCreate(t, a, c, "/eph", "mine", gateway.Ephemeral)

	_, err = b.ResumeSession(ctx, s.ID, []byte("wrong password..."))
	wantCode(t, err, schema.CodeSessionExpired)
	got, err := b.ResumeSession(ctx, s.ID, s.Password)
	if err != nil || got.Timeout != s.Timeout {
		t.Fatalf("resume: %+v %v", got, err)
	}
	// Through node b, at the zxid the client saw on a.
	res, err := b.Exists(ctx, c, "/eph", gateway.ReadOptions{MinZxid: rev})
	st, ok := res.Stat, res.Found
	if err != nil || !ok || st.EphemeralOwner != s.ID {
		t.Fatalf("ephemeral via b: %+v %v %v", st, ok, err)
	}
	er, err := b.GetEphemerals(ctx, c, "/", gateway.ReadOptions{MinZxid: rev})
	eph := er.Paths
	if err != nil || len(eph) != 1 {
		t.Fatalf("getEphemerals via b: %v %v", eph, err)
	}
	// Keep-alives through b keep it; closing through b removes it.
	if err := b.KeepAlive(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	closed, err := b.CloseSession(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	// Through node a, at the zxid of the close (another member may not
	// have applied it yet, as another ZooKeeper server may lag).
	if res, _ := a.Exists(ctx, anyone, "/eph", gateway.ReadOptions{MinZxid: closed}); res.Found {
		t.Fatal("ephemeral survived its session's close")
	}
}

// TestSession_RepairAfterAllGatewaysDown: with no gateway running, etcd
// still removes an expired session's ephemerals; the next gateway repairs
// the parents' Stat.
func TestSession_RepairAfterAllGatewaysDown(t *testing.T) {
	cl := gatewaytest.StartCluster(t, 1)
	ctx := ctxT(t)
	cfg := gateway.Config{MinSessionTimeout: time.Second, ReaperInterval: time.Hour}
	first, err := gateway.New(ctx, withClient(cfg, cl.Client(0)))
	if err != nil {
		t.Fatal(err)
	}
	mustCreate(t, first, anyone, "/p", "", gateway.Persistent)
	s, err := first.CreateSession(ctx, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	mustCreate(t, first, s.Caller(), "/p/e", "", gateway.Ephemeral)
	first.Close()

	// No gateway: etcd deletes the ephemeral when its lease expires.
	kv := cl.Client(0)
	waitFor(t, 30*time.Second, func() bool {
		r, err := kv.Get(ctx, schema.NodeKey("/p/e"), clientv3.WithCountOnly())
		return err == nil && r.Count == 0
	})
	second := gatewaytest.NewEngine(t, kv, cfg)
	waitFor(t, 30*time.Second, func() bool { return stat(t, second, "/p").NumChildren == 0 })
	if st := stat(t, second, "/p"); st.Cversion != 2 {
		t.Fatalf("parent after repair: %+v", st)
	}
	r, err := kv.Get(ctx, schema.EphemeralSpace(), clientv3.WithPrefix(), clientv3.WithCountOnly())
	if err != nil || r.Count != 0 {
		t.Fatalf("ephemeral index left: %v %v", r, err)
	}
}

func withClient(cfg gateway.Config, c *clientv3.Client) gateway.Config {
	cfg.Client = c
	return cfg
}

// TestConcurrent_TwoGatewayNodes: writers on two gateway nodes racing on
// the same znodes lose no update and never reuse a sequence number.
func TestConcurrent_TwoGatewayNodes(t *testing.T) {
	cl := gatewaytest.StartCluster(t, 3)
	engines := []*gateway.Engine{
		gatewaytest.NewEngine(t, cl.Client(0), gateway.Config{}),
		gatewaytest.NewEngine(t, cl.Client(1), gateway.Config{}),
	}
	ctx := ctxT(t)
	mustCreate(t, engines[0], anyone, "/counter", "0", gateway.Persistent)
	_, _, created := mustCreate(t, engines[0], anyone, "/seq", "", gateway.Persistent)
	const workers, each = 8, 25
	var wg sync.WaitGroup
	var mu sync.Mutex
	names := map[string]bool{}
	var last int64 // the newest zxid any writer saw
	errc := make(chan error, 2*workers)
	for i := range 2 * workers {
		e := engines[i%2]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				// Read-modify-write with the version: retry on BadVersion.
				for {
					// No older than the creates, as a client that made
					// them would ask: engine 1's member may be behind.
					res, err := e.GetData(ctx, anyone, "/counter", gateway.ReadOptions{MinZxid: created})
					data, st := res.Data, res.Stat
					if err != nil {
						errc <- err
						return
					}
					var n int
					fmt.Sscan(string(data), &n)
					set, err := e.SetData(ctx, anyone, "/counter", []byte(fmt.Sprint(n+1)), st.Version)
					rev := set.Zxid
					if schema.CodeOf(err) == schema.CodeBadVersion {
						continue
					}
					if err != nil {
						errc <- err
						return
					}
					mu.Lock()
					last = max(last, rev)
					mu.Unlock()
					break
				}
				made, err := e.Create(ctx, anyone, gateway.CreateOp{Path: "/seq/n-", ACL: schema.OpenACLUnsafe, Mode: gateway.PersistentSequential})
				p, rev := made.Path, made.Zxid
				if err != nil {
					errc <- err
					return
				}
				mu.Lock()
				last = max(last, rev)
				if names[p] {
					errc <- fmt.Errorf("sequence name %s issued twice", p)
				}
				names[p] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	// Read through node 1 no older than the newest write, wherever it was
	// made, as a ZooKeeper client's session would.
	res, err := engines[1].GetData(ctx, anyone, "/counter", gateway.ReadOptions{MinZxid: last})
	data, st := res.Data, res.Stat
	if err != nil || string(data) != fmt.Sprint(2*workers*each) || st.Version != 2*workers*each {
		t.Fatalf("counter %q version %d: lost updates (%v)", data, st.Version, err)
	}
	sr, err := engines[1].Exists(ctx, anyone, "/seq", gateway.ReadOptions{MinZxid: last})
	seq := sr.Stat
	if err != nil {
		t.Fatal(err)
	}
	if seq.NumChildren != 2*workers*each || len(names) != 2*workers*each {
		t.Fatalf("/seq has %d children, %d names", seq.NumChildren, len(names))
	}
}

func TestReaper_ContainersAndTTL(t *testing.T) {
	e := newEngine(t, gateway.Config{ReaperInterval: 100 * time.Millisecond})
	ctx := ctxT(t)
	mustCreate(t, e, anyone, "/c", "", gateway.Container)
	mustCreate(t, e, anyone, "/unused", "", gateway.Container)
	mustCreate(t, e, anyone, "/c/child", "", gateway.Persistent)
	made, err := e.Create(ctx, anyone, gateway.CreateOp{Path: "/t", ACL: schema.OpenACLUnsafe, Mode: gateway.PersistentWithTTL, TTL: 300 * time.Millisecond})
	st := made.Stat
	if err != nil {
		t.Fatal(err)
	}
	if st.EphemeralOwner != 0 {
		t.Fatalf("TTL node shows ephemeralOwner %x, ZooKeeper shows 0", st.EphemeralOwner)
	}
	_, err = e.Create(ctx, anyone, gateway.CreateOp{Path: "/bad", ACL: schema.OpenACLUnsafe, Mode: gateway.PersistentWithTTL})
	wantCode(t, err, schema.CodeBadArguments)
	_, err = e.Create(ctx, anyone, gateway.CreateOp{Path: "/bad", ACL: schema.OpenACLUnsafe, Mode: gateway.PersistentWithTTL, TTL: time.Duration(schema.MaxTTL+1) * time.Millisecond})
	wantCode(t, err, schema.CodeBadArguments)

	// The TTL node goes once unmodified for its TTL.
	waitFor(t, 30*time.Second, func() bool { res, _ := e.Exists(ctx, anyone, "/t", gateway.ReadOptions{}); return !res.Found })
	// The container stays while it has a child, and goes after.
	if res, _ := e.Exists(ctx, anyone, "/c", gateway.ReadOptions{}); !res.Found {
		t.Fatal("container with a child was removed")
	}
	if _, err := e.Delete(ctx, anyone, "/c/child", -1); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, func() bool { res, _ := e.Exists(ctx, anyone, "/c", gateway.ReadOptions{}); return !res.Found })
	// A container that never had a child is kept.
	if res, _ := e.Exists(ctx, anyone, "/unused", gateway.ReadOptions{}); !res.Found {
		t.Fatal("never-used container was removed")
	}
	if root := stat(t, e, "/"); root.NumChildren != 2 { // zookeeper, unused
		t.Fatalf("root after reaping: %+v", root)
	}
}

func TestMulti_HundredsOfOps(t *testing.T) {
	e := newEngine(t, gateway.Config{})
	ctx := ctxT(t)
	mustCreate(t, e, anyone, "/big", "", gateway.Persistent)
	ops := make([]gateway.Op, 500)
	for i := range ops {
		ops[i] = &gateway.CreateOp{Path: fmt.Sprintf("/big/n%03d", i), Data: make([]byte, 512), ACL: schema.OpenACLUnsafe}
	}
	res, _, err := e.Multi(ctx, anyone, ops)
	if err != nil || len(res) != 500 {
		t.Fatalf("500-op multi: %d results, %v", len(res), err)
	}
	if st := stat(t, e, "/big"); st.NumChildren != 500 {
		t.Fatalf("after multi: %+v", st)
	}
	// Too many ops for one transaction: a clear error, nothing applied.
	huge := make([]gateway.Op, 5000)
	for i := range huge {
		huge[i] = &gateway.CreateOp{Path: fmt.Sprintf("/big/h%04d", i), ACL: schema.OpenACLUnsafe}
	}
	_, _, err = e.Multi(ctx, anyone, huge)
	wantCode(t, err, schema.CodeBadArguments)
	if st := stat(t, e, "/big"); st.NumChildren != 500 {
		t.Fatalf("oversized multi half-applied: %+v", st)
	}
}

// TestWatch_SurvivesCompaction: etcd compaction while watches are active
// neither silences them nor breaks reads.
func TestWatch_SurvivesCompaction(t *testing.T) {
	cl := gatewaytest.StartCluster(t, 1)
	e := gatewaytest.NewEngine(t, cl.Client(0), gateway.Config{})
	ctx := ctxT(t)
	mustCreate(t, e, anyone, "/w", "", gateway.Persistent)
	r := newRecorder()
	if _, err := e.AddWatch(ctx, anyone, "/w", gateway.WatchPersistentRecursive, r); err != nil {
		t.Fatal(err)
	}
	res, err := e.GetChildren(ctx, anyone, "/w", gateway.ReadOptions{Watcher: r})
	a := res.Armed
	if err != nil {
		t.Fatal(err)
	}
	a.Arm()
	var rev int64
	for i := range 20 {
		_, _, rev = mustCreate(t, e, anyone, fmt.Sprintf("/w/%d", i), "", gateway.Persistent)
	}
	if _, err := cl.Client(0).Compact(ctx, rev, clientv3.WithCompactPhysical()); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, e, anyone, "/w/after", "", gateway.Persistent)
	if _, err := e.GetData(ctx, anyone, "/w/after", gateway.ReadOptions{}); err != nil {
		t.Fatalf("read after compaction: %v", err)
	}
	got := r.got()
	if len(got) != 22 || got[0] != "NodeCreated /w/0" || got[1] != "NodeChildrenChanged /w" || got[21] != "NodeCreated /w/after" {
		t.Fatalf("events across compaction: %v", got)
	}
}

// TestFailedWrites_Linearizable: a write that fails is as linearizable as
// one that succeeds. A znode created through the leader's gateway is
// there for a setData or a create sent through a follower's gateway the
// moment the create is acknowledged, even if the follower's store has
// not applied it yet: the follower must not answer NoNode (or, after a
// delete, NodeExists) from its own store.
func TestFailedWrites_Linearizable(t *testing.T) {
	cl := gatewaytest.StartCluster(t, 3)
	leader := -1
	for i, m := range cl.Members {
		if m.Server.Leader() == m.Server.MemberID() {
			leader = i
		}
	}
	if leader < 0 {
		t.Fatal("no leader")
	}
	l := gatewaytest.NewEngine(t, cl.Client(leader), gateway.Config{})
	f := gatewaytest.NewEngine(t, cl.Client((leader+1)%3), gateway.Config{})
	ctx := ctxT(t)
	for i := range 300 {
		path := fmt.Sprintf("/x%d", i)
		mustCreate(t, l, anyone, path, "a", gateway.Persistent)
		if _, err := f.SetData(ctx, anyone, path, []byte("b"), -1); err != nil {
			t.Fatalf("setData %s through a follower right after its create: %v", path, err)
		}
		if _, err := l.Delete(ctx, anyone, path, -1); err != nil {
			t.Fatal(err)
		}
		if _, err := f.Create(ctx, anyone, gateway.CreateOp{Path: path, ACL: schema.OpenACLUnsafe}); err != nil {
			t.Fatalf("create %s through a follower right after its delete: %v", path, err)
		}
	}
}

// TestSession_EndedSessionRemovedOnce: of three gateway nodes, the one
// that closes a session removes its ephemerals; the other two, which see
// its record go, look after a grace, find none left and remove nothing
// (they used to remove the same ephemerals alongside, each losing the
// other's compares). The same when the session expires: the node that
// served it removes them.
func TestSession_EndedSessionRemovedOnce(t *testing.T) {
	cl := gatewaytest.StartCluster(t, 1)
	cfg := gateway.Config{MaxBatchOps: 256, MinSessionTimeout: time.Second}
	a := gatewaytest.NewEngine(t, cl.Client(0), cfg)
	others := []*gateway.Engine{gatewaytest.NewEngine(t, cl.Client(0), cfg), gatewaytest.NewEngine(t, cl.Client(0), cfg)}
	ctx := ctxT(t)
	mustCreate(t, a, anyone, "/p", "", gateway.Persistent)
	const n = 600 // 19 transactions of 32 to remove
	fill := func(s gateway.Session, round int) {
		t.Helper()
		createEphemerals(t, a, s.Caller(), n, func(i int) string { return fmt.Sprintf("/p/r%d-%d", round, i) })
	}
	// ended waits until the other nodes have looked at the session and
	// checks who removed its ephemerals.
	ended := func(how string, checked []int64, chunks int64, zxid int64) {
		t.Helper()
		waitFor(t, 30*time.Second, func() bool {
			return others[0].LateChecks() > checked[0] && others[1].LateChecks() > checked[1]
		})
		for i, o := range others {
			if got := o.RemovalChunks(); got != 0 {
				t.Errorf("after the %s, another node queued %d removal transactions", how, got)
			}
			if st := stat(t, o, "/p"); st.NumChildren != 0 {
				t.Errorf("after the %s, node %d sees /p %+v", how, i+1, st)
			}
		}
		if got := a.RemovalChunks() - chunks; got < n/32 {
			t.Errorf("after the %s, its node queued %d removal transactions, want at least %d", how, got, n/32)
		}
		if res, err := others[0].Exists(ctx, anyone, "/p", gateway.ReadOptions{MinZxid: zxid}); err != nil || res.Stat.NumChildren != 0 {
			t.Fatalf("after the %s: /p %+v %v", how, res.Stat, err)
		}
	}

	s, err := a.CreateSession(ctx, 4*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	fill(s, 1)
	checked := []int64{others[0].LateChecks(), others[1].LateChecks()}
	chunks := a.RemovalChunks()
	zxid, err := a.CloseSession(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	ended("close", checked, chunks, zxid)

	// The others look a quarter of the timeout after the expiry: 1 s,
	// time enough for its node to remove 600 ephemerals on a loaded
	// machine (with 250 ms they sometimes found some left).
	s, err = a.CreateSession(ctx, 4*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	fill(s, 2)
	checked = []int64{others[0].LateChecks(), others[1].LateChecks()}
	chunks = a.RemovalChunks()
	waitFor(t, 30*time.Second, func() bool { return stat(t, a, "/p").NumChildren == 0 })
	ended("expiry", checked, chunks, a.Zxid())
}

// TestSession_EphemeralsOfAGoneNodesSession: a session whose node went
// away with it (stopped, never closing it) ends by expiry; another node,
// which never served it, removes its ephemerals after the grace, with the
// parent's Stat, before etcd's ephemeral lease would.
func TestSession_EphemeralsOfAGoneNodesSession(t *testing.T) {
	cl := gatewaytest.StartCluster(t, 1)
	ctx := ctxT(t)
	cfg := gateway.Config{MinSessionTimeout: time.Second, ReaperInterval: time.Hour}
	gone, err := gateway.New(ctx, withClient(cfg, cl.Client(0)))
	if err != nil {
		t.Fatal(err)
	}
	other := gatewaytest.NewEngine(t, cl.Client(0), cfg)
	mustCreate(t, gone, anyone, "/p", "", gateway.Persistent)
	s, err := gone.CreateSession(ctx, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		mustCreate(t, gone, s.Caller(), fmt.Sprintf("/p/e%d", i), "", gateway.Ephemeral)
	}
	gone.Close()

	waitFor(t, 30*time.Second, func() bool { return other.LateChecks() > 0 })
	if got := other.RemovalChunks(); got != 1 {
		t.Fatalf("the other node queued %d removal transactions, want 1", got)
	}
	if st := stat(t, other, "/p"); st.NumChildren != 0 || st.Cversion != 10 {
		t.Fatalf("/p after the session expired: %+v", st)
	}
}
