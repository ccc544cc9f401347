package faults

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/prometheus/common/expfmt"
	pmodel "github.com/prometheus/common/model"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/zkgate/zkgate/e2e/harness"
	"github.com/zkgate/zkgate/zkbridge/jute"
)

// soakFor is how long TestSoak keeps its load and kills going: make soak
// asks for ten minutes; a plain go test gets five, which fit in its
// default timeout. Memory is judged from soakJudgeMin on.
var soakFor = flag.Duration("soak", 5*time.Minute, "how long TestSoak runs its load and member kills (make soak: 10m; memory is judged from 3m on)")

const (
	soakSessions    = 12                    // go-zookeeper sessions, four starting on each node
	soakChurners    = 2                     // goroutines opening short-lived sessions
	soakChurnEvery  = 20 * time.Millisecond // each opens a session this often at most
	soakChurnTTL    = 4 * time.Second       // session timeout of the short-lived sessions
	soakDowntime    = 3 * time.Second       // how long a killed member stays down
	soakCompaction  = "1m"                  // --auto-compaction-retention: history held is steady after a minute
	soakGoroutineOK = 40                    // goroutines a quiet node may have above its quiet start
	soakFDsOK       = 10                    // open files likewise
	soakHeapSlack   = 4 << 20               // live heap the last third may add to the middle third's, besides soakGrowth
	soakQuietWait   = 60 * time.Second      // how long a node has to settle once the load is gone
	soakOpTimeout   = 5 * time.Second       // bound of one etcd or HTTP call
	soakWatchWait   = 20 * time.Second      // bound on a watch event after the write that fires it
	soakSampleMin   = 5 * time.Second       // samples are at least this far apart
	soakKillMin     = 15 * time.Second      // kills are at least this far apart
	soakGrowth      = 1.1                   // the last third's memory over the middle third's (medians)
	soakRSSSlack    = 8 << 20               // resident memory likewise
	soakMaxBacklog  = 20                    // sequential children a load session keeps
	soakJudgeMin    = 3 * time.Minute       // a run this long has a first third of warm-up past the first compaction
	soakHTTPTimeout = soakOpTimeout + time.Second
)

// sample is one reading of a node's /metrics, taken right after a forced
// garbage collection so that the heap figure is the live heap.
type sample struct {
	at                         time.Duration // since the load started
	node                       int
	goroutines, fds, heap, rss float64
}

// soak is one TestSoak run. Its load (stop, workers, problems) is the
// fault suite's, without a history.
type soak struct {
	load
	c     *harness.Cluster
	pprof []string // each node's --pprof-listen
	start time.Time
	http  *http.Client

	node1     *clientv3.Client // node1 alone, to move the leadership
	memberIDs []uint64         // of each node

	ops, failed, churned, watchEvents, kills, moves atomic.Int64

	samplesMu sync.Mutex
	samples   []sample
}

func (s *soak) count(err error) {
	s.ops.Add(1)
	if err != nil {
		s.failed.Add(1)
	}
}

// TestSoak runs mixed load on a three-node cluster for -soak while the
// two members other than node1 are SIGKILLed and restarted in turn (node1
// is kept a follower, so that its role does not change its memory), and
// checks that nothing grows: node1's live heap and resident memory stay
// level from the middle third of the run to the last, and once the load
// is gone every node comes back to the goroutines and open files it had
// before it (a leak per connection, session or watch would show there).
// It prints the samples and figures.
func TestSoak(t *testing.T) {
	dur := *soakFor
	if d, ok := t.Deadline(); ok && time.Until(d) < dur+3*time.Minute {
		t.Fatalf("-soak %v does not fit in the test's -timeout: give at least %v", dur, dur+3*time.Minute)
	}
	s := &soak{load: load{stop: make(chan struct{})}, http: &http.Client{Timeout: soakHTTPTimeout}}
	ports := make([]int, 3)
	for i := range ports {
		ports[i] = harness.FreePort(t)
		s.pprof = append(s.pprof, fmt.Sprintf("http://127.0.0.1:%d", ports[i]))
	}
	s.c = harness.StartClusterEach(t, 3,
		func(i int) []string { return []string{"--pprof-listen", fmt.Sprintf("127.0.0.1:%d", ports[i])} },
		"--election-timeout", fmt.Sprint(electionTimeout.Milliseconds()),
		"--zk-min-session-timeout", fmt.Sprint(soakChurnTTL.Milliseconds()),
		"--auto-compaction-retention", soakCompaction)
	for i, n := range s.c.Nodes {
		t.Logf("node%d: client %s, ZooKeeper %s, profiles %s/debug/pprof/", i+1, n.ClientURL, n.ZKAddr, s.pprof[i])
		id, err := strconv.ParseUint(n.MemberID(), 16, 64)
		if err != nil {
			t.Fatal(err)
		}
		s.memberIDs = append(s.memberIDs, id)
	}
	// Its connection is up before the quiet figures are read.
	s.node1 = harness.NewClient(t, s.c.Nodes[0].ClientURL)
	s.keepNode1Follower(t)
	quiet := s.quietFigures(t)
	t.Logf("quiet start: %s", formatQuiet(quiet))

	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d, load for %v", seed, dur)
	admin := connect(t, "admin", s.zkServers(0), loadTimeout)
	for _, p := range []string{"/soak", "/soak/churn"} {
		if _, err := admin.Create(p, nil, 0, openACL); err != nil {
			t.Fatalf("create %s: %v", p, err)
		}
	}
	s.start = time.Now()
	var sessions []*client
	for i := range soakSessions {
		c := connect(t, fmt.Sprintf("soak%d", i), s.zkServers(i%3), loadTimeout)
		sessions = append(sessions, c)
		s.wg.Add(1)
		go s.zkWorker(i, c, seed)
	}
	var etcds []*clientv3.Client
	for i := range s.c.Nodes {
		cli := newEtcdClient(t, s.rotated(i))
		etcds = append(etcds, cli)
		s.wg.Add(2)
		go s.etcdWorker(i, cli, seed)
		go s.httpWorker(i)
	}
	s.wg.Add(1 + soakChurners)
	for j := range soakChurners {
		go s.churn(j, seed)
	}
	go s.sampler(max(soakSampleMin, dur/30))

	s.killInTurn(t, dur)
	close(s.stop)
	s.wg.Wait()
	loadFor := time.Since(s.start)

	// Every load session lived through every kill.
	for _, c := range sessions {
		if c.expired.Load() {
			t.Errorf("session %s expired", c.name)
		}
		c.Close()
	}
	admin.Close()
	for _, cli := range etcds {
		cli.Close()
	}
	s.http.CloseIdleConnections()
	for _, e := range s.errs {
		t.Error(e)
	}
	if s.ops.Load()-s.failed.Load() == 0 {
		t.Fatal("no operation succeeded")
	}

	s.checkLevel(t)
	end := s.settle(t, quiet)
	t.Logf("quiet end:   %s", formatQuiet(end))
	s.report(t, loadFor, quiet, end)
}

// killInTurn SIGKILLs node2 and node3 in turn, every tenth of dur, each
// for soakDowntime, until dur has passed; when the victim was the leader,
// the leadership goes to the other, never to node1. It runs in the test
// goroutine.
func (s *soak) killInTurn(t *testing.T, dur time.Duration) {
	deadline := time.After(dur)
	tick := time.NewTicker(max(soakKillMin, dur/10))
	defer tick.Stop()
	for k := 0; ; k++ {
		select {
		case <-tick.C:
		case <-deadline:
			return
		}
		victim := s.c.Nodes[1+k%2]
		victim.Kill()
		s.kills.Add(1)
		select {
		case <-time.After(soakDowntime):
		case <-deadline:
			victim.Restart()
			return
		}
		victim.Restart()
		s.keepNode1Follower(t)
	}
}

// keepNode1Follower moves the leadership away from node1 when a kill has
// given it to node1, so that the process whose memory is judged keeps one
// role all along: a leader holds more than a follower (its followers'
// progress, the leases, the snapshots it sends).
func (s *soak) keepNode1Follower(t *testing.T) {
	t.Helper()
	if s.c.Leader(30*time.Second) != s.c.Nodes[0] {
		return
	}
	var errs []error
	for _, id := range s.memberIDs[1:] {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err := s.node1.MoveLeader(ctx, id)
		cancel()
		if err == nil {
			s.moves.Add(1)
			return
		}
		errs = append(errs, err)
	}
	t.Fatalf("moving the leadership away from node1: %v", errors.Join(errs...))
}

// zkServers are the ZooKeeper addresses, node i first.
func (s *soak) zkServers(i int) []string {
	var out []string
	for k := range s.c.Nodes {
		out = append(out, s.c.Nodes[(i+k)%len(s.c.Nodes)].ZKAddr)
	}
	return out
}

// rotated are the client URLs, node i first.
func (s *soak) rotated(i int) []string {
	var out []string
	for k := range s.c.Nodes {
		out = append(out, s.c.Nodes[(i+k)%len(s.c.Nodes)].ClientURL)
	}
	return out
}

// zkWorker drives one go-zookeeper session over its own subtree: writes,
// reads, sequential children (persistent and ephemeral), multis, and
// watches it fires itself and must see fire.
func (s *soak) zkWorker(id int, c *client, seed uint64) {
	defer s.wg.Done()
	rng := rand.New(rand.NewPCG(uint64(id), seed))
	base := fmt.Sprintf("/soak/w%d", id)
	for {
		_, err := c.Create(base, nil, 0, openACL)
		if err == nil || errors.Is(err, zk.ErrNodeExists) {
			break
		}
		if s.stopped() {
			return
		}
	}
	var kids []string
	for n := 0; !s.stopped(); n++ {
		data := []byte(fmt.Sprintf("w%d-%d", id, n))
		switch p := rng.IntN(100); {
		case p < 20:
			flags := int32(zk.FlagSequence)
			if n%2 == 0 {
				flags |= zk.FlagEphemeral
			}
			name, err := c.Create(base+"/s-", data, flags, openACL)
			s.count(err)
			if err == nil {
				kids = append(kids, name)
			}
			if len(kids) > soakMaxBacklog {
				err := c.Delete(kids[0], -1)
				s.count(err)
				if err == nil || errors.Is(err, zk.ErrNoNode) {
					kids = kids[1:]
				}
			}
		case p < 40:
			_, err := c.Set(base, data, -1)
			s.count(err)
		case p < 55:
			s.watchOwnWrite(c, base, data)
		case p < 65:
			_, _, err := c.Children(base)
			s.count(err)
		case p < 75:
			_, err := c.Multi(
				&zk.CreateRequest{Path: base + "/m", Data: data, Acl: openACL},
				&zk.SetDataRequest{Path: base, Data: data, Version: -1},
				&zk.DeleteRequest{Path: base + "/m", Version: -1})
			s.count(err)
		default:
			_, _, err := c.Get(base)
			s.count(err)
		}
	}
}

// watchOwnWrite sets a data watch on path, writes it, and waits for the
// event: once the write is acknowledged, the event must come, across any
// reconnection (SetWatches).
func (s *soak) watchOwnWrite(c *client, path string, data []byte) {
	_, _, ch, err := c.GetW(path)
	s.count(err)
	if err != nil {
		return
	}
	_, err = c.Set(path, data, -1)
	s.count(err)
	if err != nil {
		return // the watch may or may not fire; either is right
	}
	select {
	case ev := <-ch:
		if ev.Type != zk.EventNodeDataChanged {
			s.problem("%s: watch on %s fired %v after a set", c.name, path, ev.Type)
			return
		}
		s.watchEvents.Add(1)
	case <-time.After(soakWatchWait):
		s.problem("%s: no watch event on %s within %v of an acknowledged set", c.name, path, soakWatchWait)
	}
}

// etcdWorker drives a clientv3 client: puts, gets, compare-and-swaps,
// deletes, a watch on its prefix, and leases granted and revoked.
func (s *soak) etcdWorker(id int, cli *clientv3.Client, seed uint64) {
	defer s.wg.Done()
	rng := rand.New(rand.NewPCG(uint64(100+id), seed))
	prefix := fmt.Sprintf("/soak-etcd/c%d/", id)
	wctx, wcancel := context.WithCancel(clientv3.WithRequireLeader(context.Background()))
	var watcher sync.WaitGroup
	defer watcher.Wait()
	defer wcancel() // ends the watch before the wait
	watcher.Add(1)
	go func() {
		defer watcher.Done()
		// The watch is opened again after it ends with an error (such
		// as no leader), a little later.
		for wctx.Err() == nil {
			for resp := range cli.Watch(wctx, prefix, clientv3.WithPrefix()) {
				s.watchEvents.Add(int64(len(resp.Events)))
			}
			select {
			case <-wctx.Done():
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	for n := 0; !s.stopped(); n++ {
		key := fmt.Sprintf("%sk%d", prefix, rng.IntN(50))
		ctx, cancel := context.WithTimeout(context.Background(), soakOpTimeout)
		var err error
		switch p := rng.IntN(100); {
		case p < 35:
			_, err = cli.Put(ctx, key, fmt.Sprint(n))
		case p < 50:
			_, err = cli.Txn(ctx).If(clientv3.Compare(clientv3.Version(key), ">", 0)).
				Then(clientv3.OpPut(key, fmt.Sprint(n))).Else(clientv3.OpGet(key)).Commit()
		case p < 60:
			_, err = cli.Delete(ctx, key)
		case p < 65:
			var lease *clientv3.LeaseGrantResponse
			if lease, err = cli.Grant(ctx, 5); err == nil {
				if _, err = cli.Put(ctx, prefix+"leased", "x", clientv3.WithLease(lease.ID)); err == nil {
					_, err = cli.Revoke(ctx, lease.ID)
				}
			}
		default:
			_, err = cli.Get(ctx, key)
		}
		cancel()
		s.count(err)
	}
}

// httpWorker drives the HTTP/JSON API of node id (and of the next node
// while it is down): create, read and delete of a znode.
func (s *soak) httpWorker(id int) {
	defer s.wg.Done()
	for n := 0; !s.stopped(); n++ {
		base := s.c.Nodes[(id+n%2)%len(s.c.Nodes)].ClientURL + "/zk/v1/"
		path := fmt.Sprintf("/soak/h%d-%d", id, n%16)
		for _, call := range []struct{ method, route, body string }{
			{http.MethodPost, "create", fmt.Sprintf(`{"path":%q,"data":"aGk="}`, path)},
			{http.MethodGet, "data?path=" + path, ""},
			{http.MethodPost, "delete", fmt.Sprintf(`{"path":%q}`, path)},
		} {
			s.count(s.httpCall(call.method, base+call.route, call.body))
		}
	}
}

// httpCall is one HTTP API call; a ZooKeeper error (4xx) is an answer,
// not a failure.
func (s *soak) httpCall(method, url, body string) error {
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		return err
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode >= 500 {
		return fmt.Errorf("%s %s: %s", method, url, resp.Status)
	}
	return nil
}

// churn opens a short-lived session (at most) every soakChurnEvery on
// the nodes in turn, creates an ephemeral and a watch under /soak/churn, and either
// closes the session or drops its connection and leaves it to expire.
func (s *soak) churn(id int, seed uint64) {
	defer s.wg.Done()
	rng := rand.New(rand.NewPCG(uint64(200+id), seed))
	tick := time.NewTicker(soakChurnEvery)
	defer tick.Stop()
	for n := 0; ; n++ {
		select {
		case <-s.stop:
			return
		case <-tick.C:
		}
		addr := s.c.Nodes[(id+n)%len(s.c.Nodes)].ZKAddr
		c, err := harness.DialZK(addr, harness.ZKConnectOptions{TimeOut: int32(soakChurnTTL.Milliseconds())})
		if err != nil || c.Resp.SessionID == 0 {
			if c != nil {
				c.Drop()
			}
			s.count(errors.Join(err, errors.New("no session")))
			continue
		}
		path := fmt.Sprintf("/soak/churn/e%d-%d", id, n)
		rh, _, err := c.Call(jute.OpCreate, &jute.CreateRequest{Path: path, Data: []byte("e"), ACL: worldAll, Flags: jute.ModeEphemeral})
		s.count(errors.Join(err, errCode(rh)))
		// An exists watch on a znode that never comes (NoNode is the
		// answer): it lives until the session ends.
		_, _, err = c.Call(jute.OpExists, &jute.ExistsRequest{Path: path + "-w", Watch: true})
		s.count(err)
		if rng.IntN(2) == 0 {
			_, err = c.CloseSession()
			s.count(err)
		}
		c.Drop()
		s.churned.Add(1)
	}
}

var worldAll = []jute.ACL{{Perms: jute.PermAll, ID: jute.ID{Scheme: "world", ID: "anyone"}}}

func errCode(rh jute.ReplyHeader) error {
	if rh.Err != 0 {
		return fmt.Errorf("error %d", rh.Err)
	}
	return nil
}

// sampler reads every running node's figures every period.
func (s *soak) sampler(period time.Duration) {
	defer s.wg.Done()
	tick := time.NewTicker(period)
	defer tick.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-tick.C:
		}
		at := time.Since(s.start)
		for i, n := range s.c.Nodes {
			if !n.Running() {
				continue
			}
			if f, err := s.figures(i); err == nil {
				f.at = at
				s.samplesMu.Lock()
				s.samples = append(s.samples, f)
				s.samplesMu.Unlock()
			}
		}
	}
}

// figures forces a garbage collection on node i (through its heap
// profile) and reads its /metrics.
func (s *soak) figures(i int) (sample, error) {
	f := sample{node: i}
	if err := s.get(s.pprof[i]+"/debug/pprof/heap?gc=1", io.Discard); err != nil {
		return f, err
	}
	var buf bytes.Buffer
	if err := s.get(s.c.Nodes[i].ClientURL+"/metrics", &buf); err != nil {
		return f, err
	}
	parser := expfmt.NewTextParser(pmodel.UTF8Validation)
	families, err := parser.TextToMetricFamilies(&buf)
	if err != nil {
		return f, err
	}
	for name, dst := range map[string]*float64{
		"go_goroutines":                 &f.goroutines,
		"process_open_fds":              &f.fds,
		"go_memstats_heap_alloc_bytes":  &f.heap,
		"process_resident_memory_bytes": &f.rss,
	} {
		mf, ok := families[name]
		if !ok || len(mf.GetMetric()) == 0 {
			return f, fmt.Errorf("node%d: /metrics has no %s", i+1, name)
		}
		m := mf.GetMetric()[0]
		if g := m.GetGauge(); g != nil {
			*dst = g.GetValue()
		} else {
			*dst = m.GetUntyped().GetValue()
		}
	}
	return f, nil
}

func (s *soak) get(url string, w io.Writer) error {
	resp, err := s.http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	_, err = io.Copy(w, resp.Body)
	return err
}

// quietFigures reads every node's figures with no load on it: the least
// of a few readings, as goroutines of the moment come and go.
func (s *soak) quietFigures(t *testing.T) []sample {
	t.Helper()
	out := make([]sample, len(s.c.Nodes))
	for i := range s.c.Nodes {
		for r := range 3 {
			f, err := s.figures(i)
			if err != nil {
				t.Fatalf("node%d: %v", i+1, err)
			}
			if r == 0 || f.goroutines < out[i].goroutines {
				out[i] = f
			}
		}
	}
	return out
}

// settle waits until every node is back within soakGoroutineOK
// goroutines and soakFDsOK open files of its quiet start: the short-lived
// sessions left to expire must expire first. A node that does not get
// there has its goroutines dumped.
func (s *soak) settle(t *testing.T, quiet []sample) []sample {
	t.Helper()
	deadline := time.Now().Add(soakQuietWait)
	for {
		end := s.quietFigures(t)
		var over []int
		for i := range end {
			if end[i].goroutines > quiet[i].goroutines+soakGoroutineOK || end[i].fds > quiet[i].fds+soakFDsOK {
				over = append(over, i)
			}
		}
		if len(over) == 0 {
			return end
		}
		if time.Now().After(deadline) {
			for _, i := range over {
				var dump bytes.Buffer
				_ = s.get(s.pprof[i]+"/debug/pprof/goroutine?debug=1", &dump)
				t.Errorf("node%d has %.0f goroutines and %.0f open files %v after the load, against %.0f and %.0f before it; goroutines:\n%s",
					i+1, end[i].goroutines, end[i].fds, soakQuietWait, quiet[i].goroutines, quiet[i].fds, dump.String())
			}
			return end
		}
		select {
		case <-time.After(500 * time.Millisecond): // poll the figures
		case <-t.Context().Done():
			return end
		}
	}
}

// checkLevel compares node1's live heap and resident memory in the last
// third of the run with the middle third, by their medians (the figures
// rise and fall with the kills): the first third is warm-up, as caches
// fill and the first compaction comes after soakCompaction. node1 is never
// killed, so its process has seen the whole run.
func (s *soak) checkLevel(t *testing.T) {
	t.Helper()
	total := time.Since(s.start)
	if total < soakJudgeMin {
		t.Logf("memory not judged: %v of load is too short to be past warm-up (it takes %v)", total.Round(time.Second), soakJudgeMin)
		return
	}
	var midHeap, lastHeap, midRSS, lastRSS []float64
	for _, f := range s.samples {
		switch {
		case f.node != 0:
		case f.at >= 2*total/3:
			lastHeap, lastRSS = append(lastHeap, f.heap), append(lastRSS, f.rss)
		case f.at >= total/3:
			midHeap, midRSS = append(midHeap, f.heap), append(midRSS, f.rss)
		}
	}
	if len(midHeap) < 3 || len(lastHeap) < 3 {
		t.Errorf("node1 was sampled %d times in the middle third and %d in the last: too few to judge", len(midHeap), len(lastHeap))
		return
	}
	mh, lh, mr, lr := median(midHeap), median(lastHeap), median(midRSS), median(lastRSS)
	if lh > mh*soakGrowth+soakHeapSlack {
		t.Errorf("node1's live heap grew: median %s in the middle third, %s in the last", mib(mh), mib(lh))
	}
	if lr > mr*soakGrowth+soakRSSSlack {
		t.Errorf("node1's resident memory grew: median %s in the middle third, %s in the last", mib(mr), mib(lr))
	}
	t.Logf("node1 medians, middle third → last third: live heap %s → %s, RSS %s → %s", mib(mh), mib(lh), mib(mr), mib(lr))
}

func median(v []float64) float64 {
	v = slices.Clone(v)
	slices.Sort(v)
	return v[len(v)/2]
}

func mib(b float64) string { return fmt.Sprintf("%.1f MiB", b/(1<<20)) }

func formatQuiet(fs []sample) string {
	var parts []string
	for _, f := range fs {
		parts = append(parts, fmt.Sprintf("node%d %.0f goroutines, %.0f fds, heap %s, RSS %s",
			f.node+1, f.goroutines, f.fds, mib(f.heap), mib(f.rss)))
	}
	return strings.Join(parts, "; ")
}

// report prints the samples of every node and the figures of the run.
func (s *soak) report(t *testing.T, loadFor time.Duration, quiet, end []sample) {
	var b strings.Builder
	fmt.Fprintf(&b, "\nsoak samples (live heap after a forced GC):\n%8s %5s %10s %5s %10s %10s\n", "at", "node", "goroutines", "fds", "heap", "RSS")
	samples := slices.Clone(s.samples)
	slices.SortStableFunc(samples, func(a, b sample) int { return a.node - b.node })
	for _, f := range samples {
		fmt.Fprintf(&b, "%8s %5d %10.0f %5.0f %10s %10s\n", f.at.Round(time.Second), f.node+1, f.goroutines, f.fds, mib(f.heap), mib(f.rss))
	}
	fmt.Fprintf(&b, "SOAK %s: %v of load, %d member kills (%d leaderships moved off node1), %d operations (%d failed during kills), %d short-lived sessions, %d watch events\n",
		map[bool]string{true: "PASS", false: "FAIL"}[!t.Failed()], loadFor.Round(time.Second), s.kills.Load(), s.moves.Load(),
		s.ops.Load(), s.failed.Load(), s.churned.Load(), s.watchEvents.Load())
	for i := range quiet {
		fmt.Fprintf(&b, "SOAK node%d quiet: %.0f → %.0f goroutines, %.0f → %.0f open files, live heap %s → %s\n", i+1,
			quiet[i].goroutines, end[i].goroutines, quiet[i].fds, end[i].fds, mib(quiet[i].heap), mib(end[i].heap))
	}
	fmt.Print(b.String())
}
