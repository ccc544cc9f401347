package bench

import (
	"context"
	"math"
	"slices"
	"testing"
	"time"
)

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		in   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{7}, 7},
		{[]float64{3, 1, 2}, 2},
		{[]float64{4, 1, 3, 2}, 2.5},
		{[]float64{10, 1, 1000, 2, 3}, 3},
	} {
		in := slices.Clone(c.in)
		if got := median(c.in); got != c.want {
			t.Errorf("median(%v) = %v, want %v", c.in, got, c.want)
		}
		if !slices.Equal(in, c.in) {
			t.Errorf("median reordered its input: %v", c.in)
		}
	}
}

// fakeRuns answers each run with figures from a table keyed by target
// label and round (counted per target), and records the order of runs.
type fakeRuns struct {
	figures map[string][]Result // label -> one per round
	seen    map[string]int
	order   []string
}

func (f *fakeRuns) run(_ context.Context, cfg Config) (Result, error) {
	label := cfg.Target.String()
	f.order = append(f.order, cfg.Workload+" "+label)
	r := f.figures[label][f.seen[label]]
	f.seen[label]++
	r.Workload, r.Target = cfg.Workload, label
	return r, nil
}

func fig(ops float64, p50, p99, p999 time.Duration) Result {
	return Result{Ops: int64(ops), OpsPerSec: ops, Elapsed: time.Second, P50: p50, P99: p99, P999: p999, Max: 2 * p999}
}

// TestSuite_RoundsAlternateTargets checks the order of the runs: each
// workload's rounds one after the other, each round every target once,
// every other round in reverse order.
func TestSuite_RoundsAlternateTargets(t *testing.T) {
	targets := SuiteTargets{ZooKeeper: []string{"z1"}, ZkgateZK: []string{"g1", "g2"}, ZkgateGRPC: "http://g1", Etcd: "http://e1"}
	zk, gate, grpc, etcd := "ZooKeeper z1", "zkgate zk g1,g2", "zkgate grpc http://g1", "etcd http://e1"
	one := []Result{fig(1, 1, 1, 1), fig(1, 1, 1, 1), fig(1, 1, 1, 1)}
	f := &fakeRuns{figures: map[string][]Result{zk: one, gate: one, grpc: one, etcd: one}, seen: map[string]int{}}
	cs, err := suite(context.Background(), Config{}, targets, []string{"set", "put"}, SuiteOptions{Rounds: 3}, nil, f.run)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"set " + zk, "set " + gate, "set " + grpc,
		"set " + grpc, "set " + gate, "set " + zk,
		"set " + zk, "set " + gate, "set " + grpc,
		"put " + etcd, "put " + etcd, "put " + etcd,
	}
	if !slices.Equal(f.order, want) {
		t.Fatalf("runs in order\n%q\nwant\n%q", f.order, want)
	}
	if len(cs) != 2 || len(cs[0].Rounds) != 3 || len(cs[1].Rounds) != 3 {
		t.Fatalf("comparisons %+v, want 2 workloads of 3 rounds", cs)
	}
	for i, rd := range cs[0].Rounds {
		if rd.Round != i+1 || len(rd.Results) != 3 {
			t.Fatalf("round %d: %+v", i+1, rd)
		}
	}
	// The rows are in the canonical order whatever the last round's.
	var labels []string
	for _, r := range cs[0].Results {
		labels = append(labels, r.Target)
	}
	if !slices.Equal(labels, []string{zk, gate, grpc}) {
		t.Fatalf("rows %q", labels)
	}
}

// TestSuite_MediansAndRatiosPerRound checks that each target's row holds
// the median of each figure over the rounds and that the ratio is the
// median of the rounds' own ratios, which is not the ratio of the
// medians.
func TestSuite_MediansAndRatiosPerRound(t *testing.T) {
	ms := time.Millisecond
	zk, gate := "ZooKeeper z1,z2,z3", "zkgate zk g1"
	f := &fakeRuns{seen: map[string]int{}, figures: map[string][]Result{
		// Rounds in which ZooKeeper was slow, fast, middling.
		zk: {fig(100, 1*ms, 10*ms, 20*ms), fig(1000, 3*ms, 30*ms, 60*ms), fig(400, 2*ms, 20*ms, 40*ms)},
		// zkgate: per round 2.0, 0.5, 1.5 of ZooKeeper's ops/s.
		gate: {fig(200, 5*ms, 40*ms, 90*ms), fig(500, 4*ms, 15*ms, 80*ms), fig(600, 6*ms, 10*ms, 70*ms)},
	}}
	cs, err := suite(context.Background(), Config{}, SuiteTargets{ZooKeeper: []string{"z1", "z2", "z3"}, ZkgateZK: []string{"g1"}}, []string{"get"}, SuiteOptions{Rounds: 3}, nil, f.run)
	if err != nil {
		t.Fatal(err)
	}
	c := cs[0]
	wantRounds := [][2]float64{{2.0, 4.0}, {0.5, 0.5}, {1.5, 0.5}}
	for i, rd := range c.Rounds {
		if !near(rd.Ratio, wantRounds[i][0]) || !near(rd.P99Ratio, wantRounds[i][1]) {
			t.Errorf("round %d ratios %v %v, want %v", i+1, rd.Ratio, rd.P99Ratio, wantRounds[i])
		}
	}
	// Median of 2.0, 0.5, 1.5; the ratio of the medians would be 500/400.
	if !near(c.Ratio, 1.5) || !near(c.P99Ratio, 0.5) {
		t.Errorf("ratios %v %v, want 1.5 0.5", c.Ratio, c.P99Ratio)
	}
	z, g := c.Results[0], c.Results[1]
	if z.Target != zk || g.Target != gate {
		t.Fatalf("rows %q %q", z.Target, g.Target)
	}
	if z.OpsPerSec != 400 || z.P50 != 2*ms || z.P99 != 20*ms || z.P999 != 40*ms || z.Max != 120*ms || z.Ops != 1500 || z.Elapsed != 3*time.Second {
		t.Errorf("ZooKeeper row %+v", z)
	}
	// Each figure's own median: ops/s 500, p50 5, p99 15, p99.9 80 ms
	// come from three different rounds.
	if g.OpsPerSec != 500 || g.P50 != 5*ms || g.P99 != 15*ms || g.P999 != 80*ms || g.Max != 180*ms {
		t.Errorf("zkgate row %+v", g)
	}
	if c.ZkgateOps != 500 {
		t.Errorf("zkgate ops %v", c.ZkgateOps)
	}
}

// TestSuite_OneRound keeps what a suite without --rounds reported: the
// run's own figures and their ratio.
func TestSuite_OneRound(t *testing.T) {
	ms := time.Millisecond
	f := &fakeRuns{seen: map[string]int{}, figures: map[string][]Result{
		"ZooKeeper z": {fig(300, ms, 4*ms, 8*ms)},
		"zkgate zk g": {fig(150, ms, 6*ms, 9*ms)},
	}}
	cs, err := suite(context.Background(), Config{}, SuiteTargets{ZooKeeper: []string{"z"}, ZkgateZK: []string{"g"}}, []string{"set"}, SuiteOptions{}, nil, f.run)
	if err != nil {
		t.Fatal(err)
	}
	c := cs[0]
	if len(c.Rounds) != 1 || !near(c.Ratio, 0.5) || !near(c.P99Ratio, 1.5) || c.Results[1] != c.Rounds[0].Results[1] {
		t.Fatalf("comparison %+v", c)
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestClientAddrs(t *testing.T) {
	addrs := []string{"a", "b", "c"}
	var got []string
	for i := range 7 {
		got = append(got, clientAddrs(addrs, i)...)
	}
	if want := []string{"a", "b", "c", "a", "b", "c", "a"}; !slices.Equal(got, want) {
		t.Fatalf("clients on %q, want %q", got, want)
	}
	if !slices.Equal(clientAddrs(addrs, -1), addrs) || !slices.Equal(clientAddrs([]string{"a"}, 5), []string{"a"}) {
		t.Fatal("the driver's own session or a single address")
	}
}

// TestSuite_PlainEtcdIsThePutReference: with a plain etcd member, put and
// range run on both, the plain one first, and their ratio is zkgate's
// member over the plain one.
func TestSuite_PlainEtcdIsThePutReference(t *testing.T) {
	ms := time.Millisecond
	plain, gate := "plain etcd http://p", "etcd http://e"
	f := &fakeRuns{seen: map[string]int{}, figures: map[string][]Result{
		plain: {fig(1000, ms, 10*ms, 20*ms), fig(800, ms, 10*ms, 20*ms)},
		gate:  {fig(950, ms, 11*ms, 20*ms), fig(840, ms, 9*ms, 20*ms)},
	}}
	cs, err := suite(context.Background(), Config{}, SuiteTargets{Etcd: "http://e", PlainEtcd: "http://p"}, []string{"put"}, SuiteOptions{Rounds: 2}, nil, f.run)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"put " + plain, "put " + gate, "put " + gate, "put " + plain}; !slices.Equal(f.order, want) {
		t.Fatalf("runs %q, want %q", f.order, want)
	}
	c := cs[0]
	// Rounds: 0.95 and 1.05; median 1.0. p99: 1.1 and 0.9.
	if !near(c.Ratio, 1.0) || !near(c.P99Ratio, 1.0) {
		t.Fatalf("ratios %v %v, want 1 1", c.Ratio, c.P99Ratio)
	}
	if c.EtcdOps != 895 {
		t.Fatalf("zkgate member's ops/s %v, want the median 895", c.EtcdOps)
	}
}

// TestSuite_EqualLoadAtTheSlowerServersRate: with EqualLoad, a workload
// of EqualLoadWorkloads runs again on ZooKeeper and zkgate's ZooKeeper
// protocol only, at that share of the slower one's median ops/s, the
// rounds alternating as before; its latency ratios are the medians of the
// rounds'. Other workloads run once as before.
func TestSuite_EqualLoadAtTheSlowerServersRate(t *testing.T) {
	ms := time.Millisecond
	zk, gate, grpc := "ZooKeeper z", "zkgate zk g", "zkgate grpc http://g"
	var rates []float64
	f := &fakeRuns{seen: map[string]int{}, figures: map[string][]Result{
		// Closed: ZooKeeper 1000 and 1200 ops/s (median 1100), zkgate
		// 800 and 1000 (median 900, the slower). At a rate: p99 ratios
		// 2/4 and 6/4, p50 ratios 1/2 and 3/2.
		zk:   {fig(1000, ms, 10*ms, 20*ms), fig(1200, ms, 10*ms, 20*ms), fig(450, 2*ms, 4*ms, 5*ms), fig(450, 2*ms, 4*ms, 5*ms), fig(9, ms, ms, ms), fig(9, ms, ms, ms)},
		gate: {fig(800, ms, 10*ms, 20*ms), fig(1000, ms, 10*ms, 20*ms), fig(450, 1*ms, 2*ms, 5*ms), fig(450, 3*ms, 6*ms, 5*ms), fig(9, ms, ms, ms), fig(9, ms, ms, ms)},
		grpc: {fig(500, ms, 10*ms, 20*ms), fig(500, ms, 10*ms, 20*ms), fig(9, ms, ms, ms), fig(9, ms, ms, ms)},
	}}
	run := func(ctx context.Context, cfg Config) (Result, error) {
		if cfg.Rate > 0 {
			rates = append(rates, cfg.Rate)
		}
		return f.run(ctx, cfg)
	}
	targets := SuiteTargets{ZooKeeper: []string{"z"}, ZkgateZK: []string{"g"}, ZkgateGRPC: "http://g"}
	cs, err := suite(context.Background(), Config{}, targets, []string{"set", "watch"}, SuiteOptions{Rounds: 2, EqualLoad: 0.5}, nil, run)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"set " + zk, "set " + gate, "set " + grpc, "set " + grpc, "set " + gate, "set " + zk,
		"set " + zk, "set " + gate, "set " + gate, "set " + zk,
		"watch " + zk, "watch " + gate, "watch " + grpc, "watch " + grpc, "watch " + gate, "watch " + zk}
	if !slices.Equal(f.order, want) {
		t.Fatalf("runs %q, want %q", f.order, want)
	}
	if !slices.Equal(rates, []float64{450, 450, 450, 450}) {
		t.Fatalf("rates %v, want half of zkgate's median 900", rates)
	}
	el := cs[0].EqualLoad
	if el == nil || el.Rate != 450 || len(el.Rounds) != 2 || len(el.Results) != 2 {
		t.Fatalf("equal load %+v", el)
	}
	if !near(el.P99Ratio, 1.0) || !near(el.P50Ratio, 1.0) {
		t.Fatalf("equal-load ratios p50 %v p99 %v, want the medians 1 and 1", el.P50Ratio, el.P99Ratio)
	}
	if cs[1].EqualLoad != nil {
		t.Fatalf("watch ran at a rate: %+v", cs[1].EqualLoad)
	}
}
