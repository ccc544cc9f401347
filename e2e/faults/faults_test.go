package faults

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/go-zookeeper/zk"

	"github.com/zkgate/zkgate/e2e/harness"
)

const (
	// loadTimeout is the session timeout of the load and watcher
	// sessions: they must survive every fault.
	loadTimeout = 8 * time.Second
	// deadTimeout is the session timeout of the sessions whose clients
	// are killed.
	deadTimeout = 4 * time.Second
	// electionTimeout is the cluster's --election-timeout.
	electionTimeout = time.Second
)

// scenario is one fault and how it heals.
type scenario struct {
	name string
	// inject runs the fault on r's cluster and heals it. It returns how
	// many faults it injected. It calls kill (once) at the moment the
	// fault starts, which kills the doomed clients, and returns once the
	// cluster serves again.
	inject func(t *testing.T, r *run, kill func()) int
	// missed: the watcher on the victim node misses the change of its
	// watched znode while held off, and must get it through SetWatches.
	missed bool
}

// result is one scenario's figures for the summary.
type result struct {
	name, figures string
	ok            bool
}

var (
	resultsMu sync.Mutex
	results   []result
)

// TestFaults runs every scenario on a fresh cluster and prints a summary.
func TestFaults(t *testing.T) {
	scenarios := []scenario{
		{name: "kill-leader", missed: true, inject: killing(leader)},
		{name: "kill-follower", missed: true, inject: killing(follower)},
		{name: "partition-leader", inject: cuttingOff(leader)},
		{name: "partition-follower", inject: cuttingOff(follower)},
		{name: "peer-latency", inject: func(t *testing.T, r *run, kill func()) int {
			for _, p := range r.cluster.Proxies {
				p.DelayTx(100*time.Millisecond, 50*time.Millisecond)
				p.DelayRx(100*time.Millisecond, 50*time.Millisecond)
			}
			kill()
			r.changeWatched(t)
			r.afterFault(t, 6*time.Second)
			for _, p := range r.cluster.Proxies {
				p.UndelayTx()
				p.UndelayRx()
			}
			return len(r.cluster.Proxies)
		}},
		{name: "restart-all", inject: func(t *testing.T, r *run, kill func()) int {
			for _, n := range r.cluster.Nodes {
				n.Kill()
			}
			kill()
			for _, n := range r.cluster.Nodes {
				n.Start()
			}
			for _, n := range r.cluster.Nodes {
				n.WaitReady()
			}
			r.changeWatched(t)
			r.afterFault(t, 2*time.Second)
			return len(r.cluster.Nodes)
		}},
	}
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) { runScenario(t, s) })
	}
	resultsMu.Lock()
	defer resultsMu.Unlock()
	fmt.Println("\nfault suite: one line per scenario")
	for _, r := range results {
		status := "PASS"
		if !r.ok {
			status = "FAIL"
		}
		fmt.Printf("  %-18s %s  %s\n", r.name, status, r.figures)
	}
}

// leader and follower pick a victim.
func leader(t *testing.T, r *run) *harness.Node   { return r.cluster.Leader(30 * time.Second) }
func follower(t *testing.T, r *run) *harness.Node { return r.follower(t) }

// killing SIGKILLs the victim under load, with its watcher held off until
// its watched znode changed, and restarts it after 3 s.
func killing(pick func(*testing.T, *run) *harness.Node) func(*testing.T, *run, func()) int {
	return func(t *testing.T, r *run, kill func()) int {
		victim := pick(t, r)
		r.victim = victim
		release := r.holdWatcher(victim)
		victim.Kill()
		kill()
		r.changeWatched(t)
		release()
		r.afterFault(t, 3*time.Second)
		victim.Restart()
		return 1
	}
}

// cuttingOff drops all traffic through the victim's peer proxy for 6 s.
func cuttingOff(pick func(*testing.T, *run) *harness.Node) func(*testing.T, *run, func()) int {
	return func(t *testing.T, r *run, kill func()) int {
		victim := pick(t, r)
		r.victim = victim
		p := r.proxyOf(victim)
		p.BlackholeTx()
		p.BlackholeRx()
		kill()
		r.changeWatched(t)
		r.afterFault(t, 6*time.Second)
		p.UnblackholeTx()
		p.UnblackholeRx()
		return 1
	}
}

// run is one scenario's cluster, clients and history.
type run struct {
	cluster  *harness.Cluster
	h        *history
	admin    *client   // setup, changes and final reads; moves freely
	watchers []*client // watchers[i] starts on node i
	watched  []<-chan zk.Event
	doomed   []*client
	victim   *harness.Node
	load     *load
}

func (r *run) zkServers(first int) []string {
	var s []string
	for i := range r.cluster.Nodes {
		s = append(s, r.cluster.Nodes[(first+i)%len(r.cluster.Nodes)].ZKAddr)
	}
	return s
}

func (r *run) index(n *harness.Node) int {
	for i, m := range r.cluster.Nodes {
		if m == n {
			return i
		}
	}
	panic("not a node of the cluster")
}

func (r *run) proxyOf(n *harness.Node) interface {
	BlackholeTx()
	BlackholeRx()
	UnblackholeTx()
	UnblackholeRx()
} {
	return r.cluster.Proxies[r.index(n)]
}

func (r *run) follower(t *testing.T) *harness.Node {
	leader := r.cluster.Leader(30 * time.Second)
	for _, n := range r.cluster.Nodes {
		if n != leader {
			return n
		}
	}
	t.Fatal("no follower")
	return nil
}

// holdWatcher makes the watcher that starts on n wait to reconnect until
// release is called.
func (r *run) holdWatcher(n *harness.Node) (release func()) {
	return r.watchers[r.index(n)].hold()
}

// changeWatched sets every watcher's watched znode through the admin
// session (which moves to a node that serves).
func (r *run) changeWatched(t *testing.T) {
	t.Helper()
	for i := range r.watchers {
		if err := retry(func() error {
			_, err := r.admin.Set(fmt.Sprintf("/faults/watched/w%d", i), []byte("changed"), 0)
			if errors.Is(err, zk.ErrBadVersion) {
				// An earlier try landed without an answer.
				return nil
			}
			return err
		}); err != nil {
			t.Fatalf("changing /faults/watched/w%d: %v", i, err)
		}
	}
}

// afterFault lets the load run on for d: while a fault holds, or after
// it healed.
func (r *run) afterFault(t *testing.T, d time.Duration) {
	t.Helper()
	time.Sleep(d)
}

// retry runs f until it succeeds or 30 s pass; for setup and checks,
// which must get through whatever the cluster is doing.
func retry(f func() error) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := f()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func runScenario(t *testing.T, s scenario) {
	res := result{name: s.name}
	defer func() {
		res.ok = !t.Failed()
		resultsMu.Lock()
		results = append(results, res)
		resultsMu.Unlock()
	}()
	cl := harness.StartProxiedCluster(t, 3,
		"--election-timeout", fmt.Sprint(electionTimeout.Milliseconds()),
		"--zk-min-session-timeout", fmt.Sprint(deadTimeout.Milliseconds()))
	r := &run{cluster: cl, h: newHistory()}
	r.admin = connect(t, "admin", r.zkServers(0), loadTimeout)
	setup(t, r)

	// Load: two ZooKeeper sessions starting on each node, and one etcd
	// client per node.
	l := &load{h: r.h, stop: make(chan struct{})}
	r.load = l
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	id := 0
	for i := range cl.Nodes {
		for range 2 {
			c := connect(t, fmt.Sprintf("load%d", id), r.zkServers(i), loadTimeout)
			l.wg.Add(1)
			go l.zkWorker(id, c, seed)
			id++
		}
	}
	for i := range cl.Nodes {
		cli := newEtcdClient(t, []string{cl.Nodes[i].ClientURL})
		l.wg.Add(1)
		go l.etcdWorker(id, cli, seed)
		id++
	}

	// Warm up, inject, heal, run on.
	waitOps(t, r.h, 300, 30*time.Second)
	var killedAt time.Time
	kill := func() {
		killedAt = time.Now()
		for _, c := range r.doomed {
			c.kill()
		}
	}
	faults := s.inject(t, r, kill)
	healedAt := time.Now()
	waitHealthy(t, cl)
	// The load runs on for a while on the healed cluster.
	r.afterFault(t, 3*time.Second)
	close(l.stop)
	l.wg.Wait()
	for _, e := range l.errs {
		t.Error(e)
	}

	// The watchers: same sessions, ephemerals kept, missed events
	// delivered.
	checkWatchers(t, r)

	// The doomed sessions: ephemerals gone within the session timeout
	// (counted from when the cluster could serve again, as ZooKeeper
	// restarts session timers after a leader election), parent's Stat
	// right.
	expiry := checkDoomed(t, r, killedAt, healedAt)

	// Final linearizable reads of every key.
	finalReads(t, r)

	// Linearizability.
	ops := len(r.h.ops)
	check, info := porcupine.CheckOperationsVerbose(model.ToModel(), r.h.ops, 3*time.Minute)
	if check != porcupine.Ok {
		file := filepath.Join(os.TempDir(), "zkgate-faults-"+s.name+".html")
		if err := porcupine.VisualizePath(model.ToModel(), info, file); err == nil {
			t.Logf("history visualised in %s", file)
		}
		t.Errorf("history of %d operations is not linearizable: %s", ops, check)
		dumpIllegal(t, s.name, r.h.ops)
	}
	reads, problems := r.h.checkSessions()
	for _, p := range problems {
		t.Error(p)
	}

	// Sequence numbers.
	seqs := checkSequence(t, r)

	res.figures = fmt.Sprintf("%d ops linearizable: %s; %d session reads in order; %d sequential names, none twice, none lost; faults %d; ephemerals of %d dead sessions gone %.1fs after the kill; %d watchers kept sessions, ephemerals and events",
		ops, check, reads, seqs, faults, len(r.doomed), expiry.Seconds(), len(r.watchers))
	t.Logf("%s: %s", s.name, res.figures)
	t.Logf("counts: %s", r.h.summary())
}

// setup creates the tree, the watchers and the doomed sessions.
func setup(t *testing.T, r *run) {
	t.Helper()
	paths := []string{"/faults", "/faults/seq", "/faults/live", "/faults/watched", "/faults/dead"}
	for g := range zkGroups {
		paths = append(paths, fmt.Sprintf("/faults/z%d", g))
	}
	for i := range r.cluster.Nodes {
		paths = append(paths, fmt.Sprintf("/faults/watched/w%d", i))
	}
	for _, p := range paths {
		if _, err := r.admin.Create(p, nil, 0, openACL); err != nil {
			t.Fatalf("create %s: %v", p, err)
		}
	}
	for i := range r.cluster.Nodes {
		w := connect(t, fmt.Sprintf("watcher%d", i), r.zkServers(i), loadTimeout)
		if _, err := w.Create(fmt.Sprintf("/faults/live/w%d", i), nil, zk.FlagEphemeral, openACL); err != nil {
			t.Fatal(err)
		}
		_, _, ch, err := w.GetW(fmt.Sprintf("/faults/watched/w%d", i))
		if err != nil {
			t.Fatal(err)
		}
		r.watchers = append(r.watchers, w)
		r.watched = append(r.watched, ch)
	}
	for i := range r.cluster.Nodes {
		d := connect(t, fmt.Sprintf("doomed%d", i), r.zkServers(i), deadTimeout)
		for j := range 2 {
			if _, err := d.Create(fmt.Sprintf("/faults/dead/d%d-%d", i, j), nil, zk.FlagEphemeral, openACL); err != nil {
				t.Fatal(err)
			}
		}
		r.doomed = append(r.doomed, d)
	}
}

// waitOps waits until the history holds n more operations than now, or
// fails after timeout.
func waitOps(t *testing.T, h *history, n int, timeout time.Duration) {
	t.Helper()
	h.mu.Lock()
	want := len(h.ops) + n
	h.mu.Unlock()
	deadline := time.Now().Add(timeout)
	for {
		h.mu.Lock()
		got := len(h.ops)
		h.mu.Unlock()
		if got >= want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d operations within %v", got, want, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitHealthy waits until every node agrees on a leader and serves.
func waitHealthy(t *testing.T, cl *harness.Cluster) {
	t.Helper()
	cl.Leader(60 * time.Second)
	for _, n := range cl.Nodes {
		n.WaitReady()
	}
}

func checkWatchers(t *testing.T, r *run) {
	t.Helper()
	for i, w := range r.watchers {
		select {
		case ev := <-r.watched[i]:
			if ev.Type != zk.EventNodeDataChanged || ev.Path != fmt.Sprintf("/faults/watched/w%d", i) {
				t.Errorf("watcher %d: got %+v, want a data change of /faults/watched/w%d", i, ev, i)
			}
		case <-time.After(loadTimeout + 5*time.Second):
			t.Errorf("watcher %d: no event for the change of /faults/watched/w%d", i, i)
		}
		if w.expired.Load() {
			t.Errorf("watcher %d: session expired", i)
			continue
		}
		var st *zk.Stat
		err := retry(func() error {
			var err error
			_, st, err = w.Get(fmt.Sprintf("/faults/live/w%d", i))
			return err
		})
		if err != nil {
			t.Errorf("watcher %d: its ephemeral: %v", i, err)
		} else if st.EphemeralOwner != w.SessionID() {
			t.Errorf("watcher %d: ephemeral owned by %#x, session is %#x", i, st.EphemeralOwner, w.SessionID())
		}
	}
}

// checkDoomed waits for the doomed sessions' ephemerals to go and checks
// their parent's Stat. It returns how long after the kill they went.
func checkDoomed(t *testing.T, r *run, killedAt, healedAt time.Time) time.Duration {
	t.Helper()
	created := 2 * len(r.doomed)
	deadline := healedAt.Add(deadTimeout + electionTimeout + 3*time.Second)
	for {
		children, st, ch, err := r.admin.ChildrenW("/faults/dead")
		if err == nil && len(children) == 0 {
			gone := time.Since(killedAt)
			if st.NumChildren != 0 || st.Cversion != int32(2*created) {
				t.Errorf("/faults/dead after expiry: numChildren %d cversion %d, want 0 and %d", st.NumChildren, st.Cversion, 2*created)
			}
			if st.Pzxid <= st.Czxid {
				t.Errorf("/faults/dead: pzxid %d not after its creation %d", st.Pzxid, st.Czxid)
			}
			if time.Now().After(deadline) {
				t.Errorf("ephemerals of dead sessions went %v after the kill, later than the session timeout allows", gone)
			}
			return gone
		}
		wait := time.Until(deadline)
		if wait < 0 {
			t.Errorf("ephemerals of dead sessions still there %v after the kill: %v (%v)", time.Since(killedAt), children, err)
			return time.Since(killedAt)
		}
		if err != nil {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		select {
		case <-ch:
		case <-time.After(wait):
		}
	}
}

// finalReads reads every key linearizably once the cluster is whole: any
// acknowledged write missing from them makes the history illegal.
func finalReads(t *testing.T, r *run) {
	t.Helper()
	const client = 1000
	for g := range zkGroups {
		group := fmt.Sprintf("z%d", g)
		for k := range 2 {
			path := znodePath(group, k)
			err := retry(func() error {
				call := r.h.now()
				if _, err := r.admin.Sync(path); err != nil {
					return err
				}
				b, st, err := r.admin.Get(path)
				in := input{kind: zkSyncGet, group: group, key: k}
				switch {
				case err == nil:
					r.h.add(client, "zk", in, call, output{exists: true, data: string(b), version: st.Version})
				case errors.Is(err, zk.ErrNoNode):
					r.h.add(client, "zk", in, call, output{err: "NoNode"})
				default:
					return err
				}
				return nil
			})
			if err != nil {
				t.Fatalf("final read of %s: %v", path, err)
			}
		}
	}
	cli := newEtcdClient(t, r.cluster.Endpoints())
	for g := range etcdGroups {
		group := fmt.Sprintf("e%d", g)
		for k := range 2 {
			err := retry(func() error {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				call := r.h.now()
				resp, err := cli.Get(ctx, etcdKey(group, k))
				if err != nil {
					return err
				}
				out := output{}
				if len(resp.Kvs) > 0 {
					out = output{exists: true, data: string(resp.Kvs[0].Value), version: int32(resp.Kvs[0].Version)}
				}
				r.h.add(client+1, "etcd", input{kind: etcdGet, group: group, key: k}, call, out)
				return nil
			})
			if err != nil {
				t.Fatalf("final read of %s: %v", etcdKey(group, k), err)
			}
		}
	}
}

// checkSequence checks that no sequential name was acknowledged twice and
// that every acknowledged one exists. It returns how many there were.
func checkSequence(t *testing.T, r *run) int {
	t.Helper()
	var children []string
	if err := retry(func() error {
		if _, err := r.admin.Sync("/faults/seq"); err != nil {
			return err
		}
		var err error
		children, _, err = r.admin.Children("/faults/seq")
		return err
	}); err != nil {
		t.Fatalf("listing /faults/seq: %v", err)
	}
	have := map[string]bool{}
	for _, c := range children {
		have[c] = true
	}
	r.h.mu.Lock()
	defer r.h.mu.Unlock()
	var twice, lost []string
	for name, n := range r.h.seq {
		if n > 1 {
			twice = append(twice, name)
		}
		if !have[name] {
			lost = append(lost, name)
		}
	}
	sort.Strings(twice)
	sort.Strings(lost)
	if len(twice) > 0 {
		t.Errorf("sequential names acknowledged more than once: %s", strings.Join(twice, ", "))
	}
	if len(lost) > 0 {
		t.Errorf("acknowledged sequential znodes lost: %s", strings.Join(lost, ", "))
	}
	return len(r.h.seq)
}

// dumpIllegal writes each group whose history is not linearizable to a
// file, one operation per line in call order, for a person to read.
func dumpIllegal(t *testing.T, name string, ops []porcupine.Operation) {
	m := model.ToModel()
	for _, part := range m.Partition(ops) {
		if porcupine.CheckOperationsTimeout(m, part, time.Minute) == porcupine.Ok {
			continue
		}
		sort.Slice(part, func(i, j int) bool { return part[i].Call < part[j].Call })
		g := part[0].Input.(input).group
		file := filepath.Join(os.TempDir(), fmt.Sprintf("zkgate-faults-%s-%s.txt", name, g))
		var b strings.Builder
		for _, op := range part {
			ret := "never"
			if op.Return != never {
				ret = fmt.Sprintf("%.6f", float64(op.Return)/1e9)
			}
			fmt.Fprintf(&b, "%.6f %s c%d %s\n", float64(op.Call)/1e9, ret, op.ClientId, m.DescribeOperation(op.Input, op.Output))
		}
		if err := os.WriteFile(file, []byte(b.String()), 0o644); err == nil {
			t.Logf("group %s is not linearizable: its %d operations are in %s", g, len(part), file)
		}
		// The shortest illegal prefix (in call order) ends near the
		// operation that broke it.
		lo, hi := 1, len(part)
		for lo < hi {
			mid := (lo + hi) / 2
			if porcupine.CheckOperationsTimeout(m, part[:mid], time.Minute) == porcupine.Illegal {
				hi = mid
			} else {
				lo = mid + 1
			}
		}
		t.Logf("group %s: the first %d operations are not linearizable; the last is line %d: %s", g, lo, lo, m.DescribeOperation(part[lo-1].Input, part[lo-1].Output))
	}
}
