package gateway_test

import (
	"context"
	"fmt"
	"sort"
	"strconv"
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

// eventLog is a Watcher that keeps every event; Notify never blocks.
type eventLog struct {
	mu     sync.Mutex
	events []gateway.Event
	moved  chan struct{}
}

func newEventLog() *eventLog { return &eventLog{moved: make(chan struct{}, 1)} }

func (l *eventLog) Notify(ev gateway.Event) {
	l.mu.Lock()
	l.events = append(l.events, ev)
	l.mu.Unlock()
	select {
	case l.moved <- struct{}{}:
	default:
	}
}

// await waits until the log holds at least n events.
func (l *eventLog) await(ctx context.Context, n int) ([]gateway.Event, error) {
	for {
		l.mu.Lock()
		evs := append([]gateway.Event(nil), l.events...)
		l.mu.Unlock()
		if len(evs) >= n {
			return evs, nil
		}
		select {
		case <-l.moved:
		case <-ctx.Done():
			return evs, fmt.Errorf("%d events of %d: %w", len(evs), n, ctx.Err())
		}
	}
}

// outcome is the answer to one write.
type outcome struct {
	zxid    int64
	err     error
	path    string
	stat    schema.Stat
	results []gateway.OpResult
}

// call is a write issued without waiting for its answer.
type call struct {
	name string // for messages
	done chan struct{}
	out  outcome
}

// pipeline issues a session's writes one after another without waiting
// for their answers, as a ZooKeeper connection does: each is issued once
// the one before has its place in the committer's queue.
type pipeline struct {
	ctx      context.Context
	calls    []*call
	progress chan struct{} // told of each answer, if not nil
}

func (p *pipeline) issue(name string, f func(ctx context.Context) outcome) *call {
	c := &call{name: name, done: make(chan struct{})}
	queued := make(chan struct{})
	var once sync.Once
	mark := func() { once.Do(func() { close(queued) }) }
	go func() {
		c.out = f(gateway.WithQueued(p.ctx, mark))
		mark()
		close(c.done)
		select {
		case p.progress <- struct{}{}:
		default:
		}
	}()
	<-queued
	p.calls = append(p.calls, c)
	return c
}

// wait waits for every answer and checks that the zxids of the answers
// never go back in the order the writes were issued.
func (p *pipeline) wait(t *testing.T) {
	t.Helper()
	var last int64
	var lastName string
	for _, c := range p.calls {
		<-c.done
		if c.out.zxid < last {
			t.Errorf("%s answered at zxid %d, after %s at %d: the session's order is broken", c.name, c.out.zxid, lastName, last)
		}
		last, lastName = c.out.zxid, c.name
	}
	p.calls = nil
}

// change is one change a watch must report: the event's type, path and
// zxid.
type change struct {
	typ  gateway.EventType
	path string
	zxid int64
}

func (c change) String() string { return fmt.Sprintf("%v %s@%d", c.typ, c.path, c.zxid) }

// twoCommitters are two gateway nodes on one etcd, each with a pipelined
// committer.
func twoCommitters(t *testing.T, depth int) (*gatewaytest.Cluster, []*gateway.Engine) {
	cl := gatewaytest.StartCluster(t, 1)
	cfg := gateway.Config{CommitDepth: depth}
	return cl, []*gateway.Engine{gatewaytest.NewEngine(t, cl.Client(0), cfg), gatewaytest.NewEngine(t, cl.Client(0), cfg)}
}

// TestPipeline_Model drives sessions on two gateway nodes, each issuing
// dependent writes without waiting for their answers (create, setData,
// delete of one path; multis; ephemerals; sequential children of one
// shared parent), while a foreign writer rewrites, through etcd itself,
// keys the committers read (the parents' ACL records, with the same
// content), so that batches in flight fail and are redone. Each answer
// is checked against a sequential model of its session (its paths are
// its own): codes, versions, cversion, numChildren, czxid, mzxid, pzxid;
// answers never go back in zxid within a session; the sequence numbers
// issued under the shared parent are unique and without gaps; the watch
// events are exactly one per change, at the change's zxid, and the
// final state is the model's. At depth 4 batches are sent while others
// are in flight; at depth 1 the next batch is staged (validated while the
// one before is in flight) and dropped, to be validated again, when the
// one before fails: the run goes on until that has happened.
func TestPipeline_Model(t *testing.T) {
	for _, depth := range []int{4, 1} {
		t.Run(strconv.Itoa(depth), func(t *testing.T) { testPipelineModel(t, depth) })
	}
}

func testPipelineModel(t *testing.T, depth int) {
	cl, engines := twoCommitters(t, depth)
	ctx := ctxT(t)
	kv := cl.Client(0)
	// Not world:anyone:cdrwa alone: the ACLs are records in etcd, which
	// the foreign writer rewrites.
	acl := []schema.ACL{schema.OpenACLUnsafe[0], {Perms: schema.PermAll, ID: schema.ID{Scheme: "digest", ID: schema.DigestID("foreign", "writer")}}}
	create := func(e *gateway.Engine, c gateway.Caller, path, data string, mode gateway.CreateMode) func(context.Context) outcome {
		return func(ctx context.Context) outcome {
			r, err := e.Create(ctx, c, gateway.CreateOp{Path: path, Data: []byte(data), ACL: acl, Mode: mode})
			return outcome{zxid: r.Zxid, err: err, path: r.Path, stat: r.Stat}
		}
	}
	setData := func(e *gateway.Engine, c gateway.Caller, path, data string, version int32) func(context.Context) outcome {
		return func(ctx context.Context) outcome {
			r, err := e.SetData(ctx, c, path, []byte(data), version)
			return outcome{zxid: r.Zxid, err: err, stat: r.Stat}
		}
	}
	del := func(e *gateway.Engine, c gateway.Caller, path string, version int32) func(context.Context) outcome {
		return func(ctx context.Context) outcome {
			zxid, err := e.Delete(ctx, c, path, version)
			return outcome{zxid: zxid, err: err}
		}
	}
	multi := func(e *gateway.Engine, c gateway.Caller, ops ...gateway.Op) func(context.Context) outcome {
		return func(ctx context.Context) outcome {
			res, zxid, err := e.Multi(ctx, c, ops)
			return outcome{zxid: zxid, err: err, results: res}
		}
	}

	log := newEventLog()
	if _, err := engines[0].AddWatch(ctx, anyone, "/", gateway.WatchPersistentRecursive, log); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var changes []change
	var seqNames []string
	record := func(cs ...change) {
		mu.Lock()
		changes = append(changes, cs...)
		mu.Unlock()
	}
	mk := func(path string) {
		r, err := engines[0].Create(ctx, anyone, gateway.CreateOp{Path: path, ACL: acl})
		if err != nil {
			t.Fatal(err)
		}
		record(change{gateway.EventNodeCreated, path, r.Zxid})
	}
	mk("/t")
	mk("/t/q")

	const sessions = 6
	type sess struct {
		e   *gateway.Engine
		s   gateway.Session
		dir string
	}
	var ss []sess
	for i := range sessions {
		e := engines[i%2]
		s, err := e.CreateSession(ctx, 20*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		dir := fmt.Sprintf("/t/s%d", i)
		mk(dir)
		ss = append(ss, sess{e, s, dir})
	}

	// The foreign writer rewrites the parents' ACL records, unchanged,
	// behind the committers' backs until enough batches were redone.
	redone := func() int64 { return engines[0].Redone() + engines[1].Redone() }
	const wantRedone = 20
	unstaged := func() int64 { return engines[0].Unstaged() + engines[1].Unstaged() }
	wantUnstaged := int64(0)
	if depth == 1 {
		wantUnstaged = 5
	}
	var foreignWrites atomic.Int64
	// Sessions tell of each answer: the foreign writer writes once per
	// answer at most, so that the sessions go on.
	progress := make(chan struct{}, 1)
	stopForeign := make(chan struct{})
	foreignDone := make(chan error, 1)
	go func() {
		parents := []string{"/t/q"}
		for _, s := range ss {
			parents = append(parents, s.dir)
		}
		for i := 0; ; i++ {
			select {
			case <-stopForeign:
				foreignDone <- nil
				return
			case <-progress:
			}
			k := schema.ACLKey(parents[i%len(parents)])
			r, err := kv.Get(ctx, k)
			if err != nil || len(r.Kvs) != 1 {
				foreignDone <- fmt.Errorf("reading %q: %v %v", k, r, err)
				return
			}
			got := r.Kvs[0]
			if _, err := kv.Txn(ctx).If(clientv3.Compare(clientv3.ModRevision(k), "=", got.ModRevision)).Then(clientv3.OpPut(k, string(got.Value))).Commit(); err != nil {
				foreignDone <- err
				return
			}
			foreignWrites.Add(1)
		}
	}()

	// Each session runs rounds until every session has done minRounds
	// and the committers have redone enough batches.
	const minRounds = 3
	var wg sync.WaitGroup
	var roundsDone atomic.Int64
	for i, se := range ss {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e, c, dir := se.e, se.s.Caller(), se.dir
			// The model of the session's directory.
			var dirPzxid, dirMzxid int64
			var dirCversion, dirChildren int32
			dirVersion := int32(0)
			a := dir + "/a"
			for round := 0; ; round++ {
				if ctx.Err() != nil {
					t.Errorf("session %d: %v after %d rounds (%d redone, %d foreign writes)", i, ctx.Err(), round, redone(), foreignWrites.Load())
					return
				}
				if round >= minRounds && roundsDone.Load() >= sessions*minRounds && redone() >= wantRedone && unstaged() >= wantUnstaged {
					return
				}
				p := &pipeline{ctx: ctx, progress: progress}
				eph := fmt.Sprintf("%s/e%d", dir, round)
				m := fmt.Sprintf("%s/m%d", dir, round)
				cA := p.issue("create a", create(e, c, a, "c", gateway.Persistent))
				set1 := p.issue("setData a v0", setData(e, c, a, "d1", 0))
				bad := p.issue("setData a v5", setData(e, c, a, "x", 5))
				set2 := p.issue("setData a -1", setData(e, c, a, "d2", -1))
				again := p.issue("create a again", create(e, c, a, "", gateway.Persistent))
				cE := p.issue("create ephemeral", create(e, c, eph, "", gateway.Ephemeral))
				cS := p.issue("create sequential", create(e, c, "/t/q/n-", "", gateway.PersistentSequential))
				mOK := p.issue("multi", multi(e, c,
					&gateway.CheckOp{Path: a, Version: 2},
					&gateway.CreateOp{Path: m, ACL: acl},
					&gateway.SetDataOp{Path: a, Data: []byte("d3"), Version: -1}))
				mBad := p.issue("failing multi", multi(e, c,
					&gateway.CreateOp{Path: dir + "/x", ACL: acl},
					&gateway.SetDataOp{Path: dir + "/missing", Version: -1}))
				dA := p.issue("delete a", del(e, c, a, 3))
				sDir := p.issue("setData dir", setData(e, c, dir, "r", -1))
				dM := p.issue("delete m", del(e, c, m, -1))
				dE := p.issue("delete ephemeral", del(e, c, eph, -1))
				p.wait(t)

				fail := func(c *call, format string, args ...any) {
					t.Errorf("session %d round %d, %s: %s (%+v)", i, round, c.name, fmt.Sprintf(format, args...), c.out)
				}
				for _, c := range []*call{cA, set1, set2, cE, cS, mOK, dA, sDir, dM, dE} {
					if c.out.err != nil {
						fail(c, "unexpected error %v", c.out.err)
					}
				}
				if t.Failed() {
					return
				}
				if schema.CodeOf(bad.out.err) != schema.CodeBadVersion {
					fail(bad, "want BadVersion")
				}
				if schema.CodeOf(again.out.err) != schema.CodeNodeExists {
					fail(again, "want NodeExists")
				}
				if schema.CodeOf(mBad.out.err) != schema.CodeNoNode || len(mBad.out.results) != 2 || schema.CodeOf(mBad.out.results[0].Err) != schema.CodeOK {
					fail(mBad, "want NoNode at the second op")
				}
				// Stats, against the model.
				cz := cA.out.zxid
				if st := cA.out.stat; st.Czxid != cz || st.Mzxid != cz || st.Pzxid != cz || st.Version != 0 {
					fail(cA, "create Stat %+v", st)
				}
				if st := set1.out.stat; st.Version != 1 || st.Czxid != cz || st.Mzxid != set1.out.zxid || st.DataLength != 2 {
					fail(set1, "Stat %+v", st)
				}
				if st := set2.out.stat; st.Version != 2 || st.Czxid != cz || st.Mzxid != set2.out.zxid {
					fail(set2, "Stat %+v", st)
				}
				if st := cE.out.stat; st.EphemeralOwner != se.s.ID || st.Czxid != cE.out.zxid {
					fail(cE, "Stat %+v", st)
				}
				if r := mOK.out.results; len(r) != 3 || r[1].Path != m || r[2].Stat == nil || r[2].Stat.Version != 3 || r[2].Stat.Mzxid != mOK.out.zxid || r[2].Stat.Czxid != cz {
					fail(mOK, "results %+v", r)
				}
				// The directory: a, e, m created; a deleted before its
				// setData; m and e after.
				dirCversion += 3 + 1
				dirChildren += 3 - 1
				dirPzxid = dA.out.zxid
				dirVersion++
				dirMzxid = sDir.out.zxid
				want := schema.Stat{Czxid: sDir.out.stat.Czxid, Mzxid: dirMzxid, Ctime: sDir.out.stat.Ctime, Mtime: sDir.out.stat.Mtime, Version: dirVersion, Cversion: dirCversion, DataLength: 1, NumChildren: dirChildren, Pzxid: dirPzxid}
				if st := sDir.out.stat; st != want {
					fail(sDir, "Stat %+v, want %+v", st, want)
				}
				dirCversion += 2
				dirChildren -= 2
				record(
					change{gateway.EventNodeCreated, a, cz},
					change{gateway.EventNodeDataChanged, a, set1.out.zxid},
					change{gateway.EventNodeDataChanged, a, set2.out.zxid},
					change{gateway.EventNodeCreated, eph, cE.out.zxid},
					change{gateway.EventNodeCreated, cS.out.path, cS.out.zxid},
					change{gateway.EventNodeCreated, m, mOK.out.zxid},
					change{gateway.EventNodeDataChanged, a, mOK.out.zxid},
					change{gateway.EventNodeDeleted, a, dA.out.zxid},
					change{gateway.EventNodeDataChanged, dir, sDir.out.zxid},
					change{gateway.EventNodeDeleted, m, dM.out.zxid},
					change{gateway.EventNodeDeleted, eph, dE.out.zxid},
				)
				mu.Lock()
				seqNames = append(seqNames, cS.out.path)
				mu.Unlock()
				roundsDone.Add(1)
			}
		}()
	}
	wg.Wait()
	close(stopForeign)
	if err := <-foreignDone; err != nil {
		t.Fatal(err)
	}
	if t.Failed() {
		return
	}
	t.Logf("%d rounds, %d batches redone, %d foreign writes, most in flight %d and %d, %d staged, %d of them dropped", roundsDone.Load(), redone(), foreignWrites.Load(), engines[0].MaxInFlight(), engines[1].MaxInFlight(), engines[0].Staged()+engines[1].Staged(), unstaged())

	// Ephemerals go with their session: one left by each session.
	for _, se := range ss {
		c := se.s.Caller()
		r, err := se.e.Create(ctx, c, gateway.CreateOp{Path: se.dir + "/last", ACL: acl, Mode: gateway.Ephemeral})
		if err != nil {
			t.Fatal(err)
		}
		record(change{gateway.EventNodeCreated, se.dir + "/last", r.Zxid})
		zxid, err := se.e.CloseSession(ctx, se.s.ID)
		if err != nil {
			t.Fatal(err)
		}
		record(change{gateway.EventNodeDeleted, se.dir + "/last", zxid})
	}

	// Sequence numbers: unique, from 0, without gaps.
	sort.Strings(seqNames)
	for i, p := range seqNames {
		if want := fmt.Sprintf("/t/q/n-%010d", i); p != want {
			t.Fatalf("sequential child %d is %s, want %s (all: %v)", i, p, want, seqNames)
		}
	}
	var last int64
	for _, c := range changes {
		last = max(last, c.zxid)
	}
	q, err := engines[1].Exists(ctx, anyone, "/t/q", gateway.ReadOptions{MinZxid: last})
	if err != nil || q.Stat.NumChildren != int32(len(seqNames)) || q.Stat.Cversion != int32(len(seqNames)) {
		t.Fatalf("/t/q: %+v %v, %d created", q.Stat, err, len(seqNames))
	}
	// The final state: each directory empty again.
	for _, se := range ss {
		r, err := engines[1].GetChildren(ctx, anyone, se.dir, gateway.ReadOptions{MinZxid: last})
		if err != nil || len(r.Children) != 0 || r.Stat.NumChildren != 0 {
			t.Fatalf("%s: children %v, Stat %+v, %v", se.dir, r.Children, r.Stat, err)
		}
	}

	// One event per change, at its zxid, in the order of the zxids.
	evs, err := log.await(ctx, len(changes))
	if err != nil {
		t.Fatal(err)
	}
	var got []change
	for i, ev := range evs {
		if i > 0 && ev.Zxid < evs[i-1].Zxid {
			t.Fatalf("event %d (%v %s@%d) before the one ahead of it (@%d)", i, ev.Type, ev.Path, ev.Zxid, evs[i-1].Zxid)
		}
		got = append(got, change{ev.Type, ev.Path, ev.Zxid})
	}
	key := func(cs []change) []string {
		out := make([]string, len(cs))
		for i, c := range cs {
			out[i] = c.String()
		}
		sort.Strings(out)
		return out
	}
	if g, w := strings.Join(key(got), "\n"), strings.Join(key(changes), "\n"); g != w {
		t.Fatalf("events (%d) are not the changes (%d):\n%s", len(got), len(changes), diffLines(key(got), key(changes)))
	}
}

// diffLines lists the lines only in got and only in want (both sorted).
func diffLines(got, want []string) string {
	count := map[string]int{}
	for _, g := range got {
		count[g]++
	}
	for _, w := range want {
		count[w]--
	}
	var b strings.Builder
	for l, n := range count {
		switch {
		case n > 0:
			fmt.Fprintf(&b, "extra %s (x%d)\n", l, n)
		case n < 0:
			fmt.Fprintf(&b, "missing %s (x%d)\n", l, -n)
		}
	}
	return b.String()
}

// TestPipeline_BatchesInFlight: under concurrent writers the committer
// really has several batches in flight at once with CommitDepth above
// one, and never more than one with CommitDepth 1.
func TestPipeline_BatchesInFlight(t *testing.T) {
	for _, depth := range []int{4, 1} {
		t.Run(strconv.Itoa(depth), func(t *testing.T) {
			e := newEngine(t, gateway.Config{CommitDepth: depth})
			ctx := ctxT(t)
			mustCreate(t, e, anyone, "/q", "", gateway.Persistent)
			const writers, each = 16, 50
			var wg sync.WaitGroup
			var stop atomic.Bool
			errc := make(chan error, writers)
			for range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for n := 0; ; n++ {
						// Depth 1 writes a fixed amount; above one, until
						// batches were seen in flight together.
						if depth == 1 && n == each || depth > 1 && stop.Load() {
							return
						}
						if _, err := e.Create(ctx, anyone, gateway.CreateOp{Path: "/q/n-", ACL: schema.OpenACLUnsafe, Mode: gateway.PersistentSequential}); err != nil {
							errc <- err
							return
						}
						if e.MaxInFlight() > 1 {
							stop.Store(true)
						}
					}
				}()
			}
			wg.Wait()
			close(errc)
			for err := range errc {
				t.Fatal(err)
			}
			got := e.MaxInFlight()
			t.Logf("depth %d: most in flight %d, %d batches redone", depth, got, e.Redone())
			switch {
			case depth > 1 && got < 2:
				t.Fatalf("depth %d: at most %d batch in flight", depth, got)
			case got > int64(depth):
				t.Fatalf("depth %d: %d batches in flight", depth, got)
			}
			st := stat(t, e, "/q")
			if int64(st.NumChildren) != int64(st.Cversion) {
				t.Fatalf("/q: %+v", st)
			}
		})
	}
}

// TestPipeline_DependentWritesOfOneSession: writes a session issues
// without waiting, each reading what the one before wrote, with batches
// in flight: a setData after a multi that deleted and created its znode
// again (whose czxid is that multi's zxid, unknown while it is in flight),
// a setData after a create, a child created under a parent a batch in
// flight set. Each answer is the one a sequential run gives.
func TestPipeline_DependentWritesOfOneSession(t *testing.T) {
	e := newEngine(t, gateway.Config{CommitDepth: 4})
	ctx := ctxT(t)
	mustCreate(t, e, anyone, "/r", "old", gateway.Persistent)
	s, err := e.CreateSession(ctx, 20*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c := s.Caller()
	for round := range 20 {
		p := &pipeline{ctx: ctx}
		again := p.issue("delete and create /r", func(ctx context.Context) outcome {
			res, zxid, err := e.Multi(ctx, c, []gateway.Op{
				&gateway.DeleteOp{Path: "/r", Version: -1},
				&gateway.CreateOp{Path: "/r", Data: []byte("new"), ACL: schema.OpenACLUnsafe},
			})
			return outcome{zxid: zxid, err: err, results: res}
		})
		set := p.issue("setData /r", func(ctx context.Context) outcome {
			r, err := e.SetData(ctx, c, "/r", []byte("set"), 0)
			return outcome{zxid: r.Zxid, err: err, stat: r.Stat}
		})
		child := fmt.Sprintf("/r/c%d", round)
		mk := p.issue("create child", func(ctx context.Context) outcome {
			r, err := e.Create(ctx, c, gateway.CreateOp{Path: child, ACL: schema.OpenACLUnsafe})
			return outcome{zxid: r.Zxid, err: err, stat: r.Stat}
		})
		setChild := p.issue("setData child", func(ctx context.Context) outcome {
			r, err := e.SetData(ctx, c, child, []byte("x"), 0)
			return outcome{zxid: r.Zxid, err: err, stat: r.Stat}
		})
		rm := p.issue("delete child", func(ctx context.Context) outcome {
			zxid, err := e.Delete(ctx, c, child, 1)
			return outcome{zxid: zxid, err: err}
		})
		p.wait(t)
		for _, x := range []*call{again, set, mk, setChild, rm} {
			if x.out.err != nil {
				t.Fatalf("round %d, %s: %v", round, x.name, x.out.err)
			}
		}
		if st := set.out.stat; st.Czxid != again.out.zxid || st.Version != 1 || st.Mzxid != set.out.zxid || st.Pzxid != again.out.zxid {
			t.Fatalf("round %d: setData after the multi at %d: %+v", round, again.out.zxid, st)
		}
		if st := setChild.out.stat; st.Czxid != mk.out.zxid || st.Version != 1 || st.Mzxid != setChild.out.zxid {
			t.Fatalf("round %d: setData after the create at %d: %+v", round, mk.out.zxid, st)
		}
		got := stat(t, e, "/r")
		if got.Czxid != again.out.zxid || got.Pzxid != rm.out.zxid || got.Cversion != 2 || got.NumChildren != 0 {
			t.Fatalf("round %d: /r %+v", round, got)
		}
	}
}

// TestPipeline_StagedOverBatchInFlight: at depth 1, the writes that arrive
// while a batch is in flight are validated over it and sent together, as
// one batch, the moment it commits; their Stats refer to its zxid, and a
// write that reads what the staged batch creates goes in the batch after.
func TestPipeline_StagedOverBatchInFlight(t *testing.T) {
	e := newEngine(t, gateway.Config{CommitDepth: 1})
	ctx := ctxT(t)
	for _, p := range []string{"/d", "/d/a", "/d/b"} {
		mustCreate(t, e, anyone, p, "", gateway.Persistent)
	}
	// The batch in flight stays there long enough for the others to
	// arrive.
	e.SetSendDelay(50 * time.Millisecond)
	staged, launched := e.Staged(), e.Launched()
	create := func(path string) func(context.Context) outcome {
		return func(ctx context.Context) outcome {
			r, err := e.Create(ctx, anyone, gateway.CreateOp{Path: path, ACL: schema.OpenACLUnsafe})
			return outcome{zxid: r.Zxid, err: err, stat: r.Stat}
		}
	}
	setData := func(path string) func(context.Context) outcome {
		return func(ctx context.Context) outcome {
			r, err := e.SetData(ctx, anyone, path, []byte("x"), -1)
			return outcome{zxid: r.Zxid, err: err, stat: r.Stat}
		}
	}
	p := &pipeline{ctx: ctx}
	rm := p.issue("delete /d/a", func(ctx context.Context) outcome {
		zxid, err := e.Delete(ctx, anyone, "/d/a", -1)
		return outcome{zxid: zxid, err: err}
	})
	// The delete's batch is on its way before the others come.
	for e.Launched() == launched {
		if ctx.Err() != nil {
			t.Fatal("the delete's batch was never sent")
		}
		time.Sleep(100 * time.Microsecond)
	}
	set := p.issue("setData /d", setData("/d"))
	again := p.issue("create /d/a", create("/d/a"))
	mk := p.issue("create /d/c", create("/d/c"))
	setC := p.issue("setData /d/c", setData("/d/c"))
	p.wait(t)
	for _, c := range []*call{rm, set, again, mk, setC} {
		if c.out.err != nil {
			t.Fatalf("%s: %v", c.name, c.out.err)
		}
	}
	if rm.out.zxid >= set.out.zxid || set.out.zxid != again.out.zxid || set.out.zxid != mk.out.zxid || setC.out.zxid <= mk.out.zxid {
		t.Fatalf("zxids: delete %d, then one batch %d %d %d, then %d", rm.out.zxid, set.out.zxid, again.out.zxid, mk.out.zxid, setC.out.zxid)
	}
	if st := set.out.stat; st.Pzxid != rm.out.zxid || st.Mzxid != set.out.zxid || st.Cversion != 3 || st.NumChildren != 1 || st.Version != 1 {
		t.Fatalf("setData /d over the delete in flight: %+v", st)
	}
	if st := setC.out.stat; st.Czxid != mk.out.zxid || st.Mzxid != setC.out.zxid || st.Version != 1 {
		t.Fatalf("setData /d/c after its create: %+v", st)
	}
	if got := e.Staged() - staged; got < 1 {
		t.Fatalf("%d batches staged", got)
	}
}
