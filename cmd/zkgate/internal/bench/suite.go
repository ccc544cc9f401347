package bench

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// SuiteTargets are the servers a suite compares.
type SuiteTargets struct {
	// ZooKeeper is a real ZooKeeper (host:port, or the members of an
	// ensemble), the reference.
	ZooKeeper []string
	// ZkgateZK is zkgate's ZooKeeper-protocol port (host:port), or the
	// ports of several nodes of one cluster.
	ZkgateZK []string
	// ZkgateGRPC is zkgate's client URL (namespace API).
	ZkgateGRPC string
	// Etcd is an etcd client URL for the raw put/range rows (zkgate's own
	// client URL serves etcd's API).
	Etcd string
	// PlainEtcd is the client URL of a plain etcd member, the reference
	// of the put/range rows: their ratio is Etcd (zkgate's member) over
	// it.
	PlainEtcd string
}

// Comparison is one workload of a suite: the reference and the others.
type Comparison struct {
	Workload string `json:"workload"`
	// Results has a row per target, in the order ZooKeeper, zkgate's
	// ZooKeeper protocol, gRPC, etcd. With one round it is that round's
	// result; with several, the median over the rounds of ops/s, p50,
	// p99 and p99.9, with ops, errors and elapsed summed and max the
	// largest.
	Results []Result `json:"results"`
	// Rounds is every round, its results in the order they ran.
	Rounds []Round `json:"rounds"`
	// Ratio is zkgate/ZooKeeper throughput on the ZooKeeper protocol, and
	// P99Ratio the same for p99 latency (below 1 is better): the median
	// of the rounds' ratios; 0 when either side is missing. For put and
	// range it is zkgate's etcd member over the plain etcd member.
	Ratio    float64 `json:"zkgate_over_zookeeper_ops"`
	P99Ratio float64 `json:"zkgate_over_zookeeper_p99"`
	// ZkgateOps is zkgate's throughput on the ZooKeeper protocol, and
	// EtcdOps raw etcd's (put and range), for the layer's cost: medians
	// over the rounds.
	ZkgateOps float64 `json:"zkgate_zk_ops_per_sec,omitempty"`
	EtcdOps   float64 `json:"etcd_ops_per_sec,omitempty"`
	// EqualLoad is the workload again at a fixed rate both servers
	// sustain (SuiteOptions.EqualLoad), when asked for.
	EqualLoad *EqualLoad `json:"equal_load,omitempty"`
}

// EqualLoad is a workload run on ZooKeeper and on zkgate's ZooKeeper
// protocol at the same fixed rate (Config.Rate): their latencies under
// the same load, where the closed runs compare each at its own most.
type EqualLoad struct {
	// Rate is the load offered to both, operations a second.
	Rate float64 `json:"rate"`
	// Results has ZooKeeper's row and zkgate's, medians over the rounds
	// as in Comparison.
	Results []Result `json:"results"`
	Rounds  []Round  `json:"rounds"`
	// P50Ratio and P99Ratio are zkgate/ZooKeeper latencies, the median of
	// the rounds' ratios.
	P50Ratio float64 `json:"zkgate_over_zookeeper_p50"`
	P99Ratio float64 `json:"zkgate_over_zookeeper_p99"`
}

// SuiteOptions are a suite's settings beyond each run's.
type SuiteOptions struct {
	// Rounds is how many times each workload runs on each target (at
	// least once).
	Rounds int
	// EqualLoad, when above 0, runs each of EqualLoadWorkloads again,
	// Rounds times, on ZooKeeper and zkgate's ZooKeeper protocol at this
	// share of the slower one's median ops/s in the closed runs.
	EqualLoad float64
}

// EqualLoadWorkloads are the workloads SuiteOptions.EqualLoad runs again
// at a fixed rate.
var EqualLoadWorkloads = []string{"create", "create-ephemeral", "set", "get", "mixed", "children"}

// Round is one round of a workload: each target once.
type Round struct {
	// Round counts from 1.
	Round   int      `json:"round"`
	Results []Result `json:"results"`
	// Ratio, P50Ratio and P99Ratio are this round's zkgate/ZooKeeper
	// ratios (0 when either side is missing).
	Ratio    float64 `json:"zkgate_over_zookeeper_ops,omitempty"`
	P50Ratio float64 `json:"zkgate_over_zookeeper_p50,omitempty"`
	P99Ratio float64 `json:"zkgate_over_zookeeper_p99,omitempty"`
}

// role is what a suite target stands for in the comparison.
type role int

const (
	roleZooKeeper role = iota
	roleZkgateZK
	roleZkgateGRPC
	roleEtcd
	rolePlainEtcd
)

type suiteTarget struct {
	role   role
	target Target
}

// suiteTargets are the targets of workload w, in the canonical order.
func suiteTargets(w string, t SuiteTargets) []suiteTarget {
	var out []suiteTarget
	switch w {
	case "put", "range":
		if t.PlainEtcd != "" {
			out = append(out, suiteTarget{rolePlainEtcd, Target{Etcd: t.PlainEtcd, Label: "plain etcd " + t.PlainEtcd}})
		}
		if t.Etcd != "" {
			out = append(out, suiteTarget{roleEtcd, Target{Etcd: t.Etcd, Label: "etcd " + t.Etcd}})
		}
	default:
		if len(t.ZooKeeper) > 0 {
			out = append(out, suiteTarget{roleZooKeeper, Target{ZK: t.ZooKeeper, Label: "ZooKeeper " + strings.Join(t.ZooKeeper, ",")}})
		}
		if len(t.ZkgateZK) > 0 {
			out = append(out, suiteTarget{roleZkgateZK, Target{ZK: t.ZkgateZK, Label: "zkgate zk " + strings.Join(t.ZkgateZK, ",")}})
		}
		if t.ZkgateGRPC != "" {
			out = append(out, suiteTarget{roleZkgateGRPC, Target{GRPC: t.ZkgateGRPC, Label: "zkgate grpc " + t.ZkgateGRPC}})
		}
	}
	return out
}

// roundOrder is the order in which round (from 0) runs the targets: the
// canonical order in even rounds, reversed in odd ones, so that no target
// always runs right after another (on a server still busy with the last
// run's background work, say) and the pair a ratio compares ran next to
// each other.
func roundOrder(ts []suiteTarget, round int) []suiteTarget {
	out := slices.Clone(ts)
	if round%2 == 1 {
		slices.Reverse(out)
	}
	return out
}

// runFunc runs one workload: Run, or a stand-in in tests.
type runFunc func(ctx context.Context, cfg Config) (Result, error)

// Suite runs each workload rounds times (at least once). A round runs the
// workload once on each target that has it, one after the other (see
// roundOrder), and the next round starts when it ends: rounds of one
// workload alternate the targets instead of running one target's rounds
// back to back. base holds the shared knobs.
func Suite(ctx context.Context, base Config, t SuiteTargets, workloads []string, opts SuiteOptions, progress io.Writer) ([]Comparison, error) {
	return suite(ctx, base, t, workloads, opts, progress, Run)
}

func suite(ctx context.Context, base Config, t SuiteTargets, workloads []string, opts SuiteOptions, progress io.Writer, run runFunc) ([]Comparison, error) {
	rounds := max(opts.Rounds, 1)
	var out []Comparison
	for _, w := range workloads {
		ts := suiteTargets(w, t)
		rs, err := runRounds(ctx, base, w, ts, rounds, "", progress, run)
		if err != nil {
			return out, err
		}
		c := compare(w, ts, rs)
		if opts.EqualLoad > 0 && slices.Contains(EqualLoadWorkloads, w) {
			if err := equalLoad(ctx, base, &c, ts, rounds, opts.EqualLoad, progress, run); err != nil {
				out = append(out, c)
				return out, err
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// runRounds runs workload w rounds times on targets ts (see roundOrder);
// note, when not empty, says how in the progress lines.
func runRounds(ctx context.Context, base Config, w string, ts []suiteTarget, rounds int, note string, progress io.Writer, run runFunc) ([]Round, error) {
	var rs []Round
	for r := range rounds {
		rd := Round{Round: r + 1}
		byRole := map[role]Result{}
		for _, st := range roundOrder(ts, r) {
			cfg := base
			cfg.Workload, cfg.Target = w, st.target
			if progress != nil {
				if rounds > 1 {
					fmt.Fprintf(progress, "%s on %s%s (round %d of %d) ...\n", w, st.target, note, r+1, rounds)
				} else {
					fmt.Fprintf(progress, "%s on %s%s ...\n", w, st.target, note)
				}
			}
			res, err := run(ctx, cfg)
			if err != nil {
				return rs, fmt.Errorf("%s on %s%s: %w", w, st.target, note, err)
			}
			rd.Results = append(rd.Results, res)
			byRole[st.role] = res
		}
		rd.Ratio, rd.P50Ratio, rd.P99Ratio = ratios(byRole)
		rs = append(rs, rd)
	}
	return rs, nil
}

// equalLoad runs c's workload again on ZooKeeper and zkgate's ZooKeeper
// protocol, at share of the slower one's ops/s in c, and records it in
// c.EqualLoad. It does nothing without both.
func equalLoad(ctx context.Context, base Config, c *Comparison, ts []suiteTarget, rounds int, share float64, progress io.Writer, run runFunc) error {
	var pair []suiteTarget
	slowest := 0.0
	for _, st := range ts {
		if st.role != roleZooKeeper && st.role != roleZkgateZK {
			continue
		}
		for _, res := range c.Results {
			if res.Target == st.target.String() && res.OpsPerSec > 0 {
				pair = append(pair, st)
				if slowest == 0 || res.OpsPerSec < slowest {
					slowest = res.OpsPerSec
				}
			}
		}
	}
	if len(pair) != 2 {
		return nil
	}
	rate := share * slowest
	cfg := base
	cfg.Rate = rate
	rs, err := runRounds(ctx, cfg, c.Workload, pair, rounds, fmt.Sprintf(" at %.0f ops/s", rate), progress, run)
	if err != nil {
		return err
	}
	el := &EqualLoad{Rate: rate, Rounds: rs}
	sum := compare(c.Workload, pair, rs)
	el.Results = sum.Results
	el.P99Ratio = sum.P99Ratio
	var p50 []float64
	for _, rd := range rs {
		if rd.Ratio > 0 {
			p50 = append(p50, rd.P50Ratio)
		}
	}
	el.P50Ratio = median(p50)
	c.EqualLoad = el
	return nil
}

// ratios are zkgate/ZooKeeper throughput and p99 of one round (for put
// and range, zkgate's etcd member over the plain one), 0 when either side
// is missing or measured nothing.
func ratios(byRole map[role]Result) (ops, p50, p99 float64) {
	zk, ok1 := byRole[roleZooKeeper]
	gate, ok2 := byRole[roleZkgateZK]
	if _, ok := byRole[rolePlainEtcd]; ok {
		zk, ok1 = byRole[rolePlainEtcd]
		gate, ok2 = byRole[roleEtcd]
	}
	if !ok1 || !ok2 || zk.OpsPerSec <= 0 || zk.P99 <= 0 {
		return 0, 0, 0
	}
	if zk.P50 > 0 {
		p50 = float64(gate.P50) / float64(zk.P50)
	}
	return gate.OpsPerSec / zk.OpsPerSec, p50, float64(gate.P99) / float64(zk.P99)
}

// compare sums up the rounds of workload w on targets ts.
func compare(w string, ts []suiteTarget, rs []Round) Comparison {
	c := Comparison{Workload: w, Rounds: rs}
	for _, st := range ts {
		var per []Result
		for _, rd := range rs {
			for _, res := range rd.Results {
				if res.Target == st.target.String() {
					per = append(per, res)
				}
			}
		}
		if len(per) == 0 {
			continue
		}
		m := medianResult(per)
		c.Results = append(c.Results, m)
		switch st.role {
		case roleZkgateZK:
			c.ZkgateOps = m.OpsPerSec
		case roleEtcd:
			c.EtcdOps = m.OpsPerSec
		}
	}
	var ops, p99 []float64
	for _, rd := range rs {
		if rd.Ratio > 0 {
			ops = append(ops, rd.Ratio)
			p99 = append(p99, rd.P99Ratio)
		}
	}
	c.Ratio, c.P99Ratio = median(ops), median(p99)
	return c
}

// medianResult is one target's row over its rounds: the median of ops/s
// and of each percentile (each figure on its own, so they may come from
// different rounds), ops, errors and elapsed summed, max the largest,
// the first error seen.
func medianResult(per []Result) Result {
	m := per[0]
	var ops, p50, p99, p999 []float64
	m.Ops, m.Errors, m.Elapsed, m.Max = 0, 0, 0, 0
	for _, r := range per {
		ops = append(ops, r.OpsPerSec)
		p50 = append(p50, float64(r.P50))
		p99 = append(p99, float64(r.P99))
		p999 = append(p999, float64(r.P999))
		m.Ops += r.Ops
		m.Errors += r.Errors
		m.Elapsed += r.Elapsed
		m.Max = max(m.Max, r.Max)
		if m.FirstErr == "" {
			m.FirstErr = r.FirstErr
		}
	}
	m.OpsPerSec = median(ops)
	m.P50 = time.Duration(median(p50))
	m.P99 = time.Duration(median(p99))
	m.P999 = time.Duration(median(p999))
	return m
}

// median of xs: the middle value, or the mean of the two middle ones of
// an even count; 0 for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// PrintSuite writes a suite's results and its ratios.
func PrintSuite(w io.Writer, cs []Comparison) {
	var all []Result
	rounds := 1
	for _, c := range cs {
		all = append(all, c.Results...)
		rounds = max(rounds, len(c.Rounds))
	}
	if rounds > 1 {
		fmt.Fprintf(w, "median of %d rounds (ops, errors: all rounds; max: the largest):\n", rounds)
	}
	Print(w, all)
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	if rounds > 1 {
		fmt.Fprintln(tw, "workload\tzkgate/ZooKeeper ops/s\tzkgate/ZooKeeper p99\tops/s by round\tp99 by round\t")
	} else {
		fmt.Fprintln(tw, "workload\tzkgate/ZooKeeper ops/s\tzkgate/ZooKeeper p99\t")
	}
	for _, c := range cs {
		if c.Ratio <= 0 {
			continue
		}
		if rounds > 1 {
			var ops, p99 []string
			for _, rd := range c.Rounds {
				ops = append(ops, fmt.Sprintf("%.2f", rd.Ratio))
				p99 = append(p99, fmt.Sprintf("%.2f", rd.P99Ratio))
			}
			fmt.Fprintf(tw, "%s\t%.2f\t%.2f\t%s\t%s\t\n", c.Workload, c.Ratio, c.P99Ratio, strings.Join(ops, " "), strings.Join(p99, " "))
		} else {
			fmt.Fprintf(tw, "%s\t%.2f\t%.2f\t\n", c.Workload, c.Ratio, c.P99Ratio)
		}
	}
	tw.Flush()
	if rounds > 1 {
		fmt.Fprintln(w, "(ratios: the median of the rounds' ratios, each round's zkgate over that round's ZooKeeper)")
	}
	for _, c := range cs {
		if (c.Workload == "put" || c.Workload == "range") && c.Ratio > 0 {
			fmt.Fprintln(w, "(put and range: zkgate's etcd member over a plain etcd member)")
			break
		}
	}
	// The layer's cost: zkgate's ZooKeeper-protocol set against raw
	// etcd put on the same server, and get against range.
	ops := map[string]Comparison{}
	for _, c := range cs {
		ops[c.Workload] = c
	}
	for _, p := range [][2]string{{"set", "put"}, {"get", "range"}} {
		if z, e := ops[p[0]].ZkgateOps, ops[p[1]].EtcdOps; z > 0 && e > 0 {
			fmt.Fprintf(w, "zkgate ZooKeeper-protocol %s / raw etcd %s: %.2f\n", p[0], p[1], z/e)
		}
	}
	printEqualLoad(w, cs)
}

// printEqualLoad writes the equal-load runs of a suite, if any.
func printEqualLoad(w io.Writer, cs []Comparison) {
	var els []*Comparison
	for i := range cs {
		if cs[i].EqualLoad != nil {
			els = append(els, &cs[i])
		}
	}
	if len(els) == 0 {
		return
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "at equal load: ZooKeeper and zkgate offered the same fixed rate, latency counted from when each operation was due:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "workload	offered ops/s	server	ops/s	p50	p99	p99.9	zkgate/ZooKeeper p50	zkgate/ZooKeeper p99	")
	for _, c := range els {
		el := c.EqualLoad
		for i, res := range el.Results {
			name, p50, p99 := "ZooKeeper", "", ""
			if strings.HasPrefix(res.Target, "zkgate") {
				name = "zkgate"
				p50, p99 = fmt.Sprintf("%.2f", el.P50Ratio), fmt.Sprintf("%.2f", el.P99Ratio)
			}
			wl, offered := "", ""
			if i == 0 {
				wl, offered = c.Workload, fmt.Sprintf("%.0f", el.Rate)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%.0f\t%s\t%s\t%s\t%s\t%s\t\n", wl, offered, name, res.OpsPerSec, ms(res.P50), ms(res.P99), ms(res.P999), p50, p99)
		}
	}
	tw.Flush()
}
