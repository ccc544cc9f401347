package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// Print writes results as a table.
func Print(w io.Writer, results []Result) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "workload\ttarget\tclients\tops\terrors\tops/s\tp50\tp99\tp99.9\tmax\t")
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%.0f\t%s\t%s\t%s\t%s\t\n", r.Workload, r.Target, r.Clients, r.Ops, r.Errors,
			r.OpsPerSec, ms(r.P50), ms(r.P99), ms(r.P999), ms(r.Max))
	}
	tw.Flush()
	for _, r := range results {
		if r.FirstErr != "" {
			fmt.Fprintf(w, "%s on %s: first error: %s\n", r.Workload, r.Target, r.FirstErr)
		}
	}
}

// ms formats a latency in milliseconds.
func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond)) }

// PrintJSON writes results as a JSON array.
func PrintJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// SuiteTargets are the servers a suite compares.
type SuiteTargets struct {
	// ZooKeeper is a real ZooKeeper (host:port), the reference.
	ZooKeeper string
	// ZkgateZK is zkgate's ZooKeeper-protocol port (host:port).
	ZkgateZK string
	// ZkgateGRPC is zkgate's client URL (namespace API).
	ZkgateGRPC string
	// Etcd is an etcd client URL for the raw put/range rows (zkgate's own
	// client URL serves etcd's API).
	Etcd string
}

// Comparison is one workload of a suite: the reference and the others.
type Comparison struct {
	Workload string   `json:"workload"`
	Results  []Result `json:"results"`
	// Ratio is zkgate/ZooKeeper throughput on the ZooKeeper protocol, and
	// P99Ratio the same for p99 latency (below 1 is better); 0 when
	// either side is missing.
	Ratio    float64 `json:"zkgate_over_zookeeper_ops"`
	P99Ratio float64 `json:"zkgate_over_zookeeper_p99"`
	// ZkgateOps is zkgate's throughput on the ZooKeeper protocol, and
	// EtcdOps raw etcd's (put and range), for the layer's cost.
	ZkgateOps float64 `json:"zkgate_zk_ops_per_sec,omitempty"`
	EtcdOps   float64 `json:"etcd_ops_per_sec,omitempty"`
}

// Suite runs each workload on each target that has it, in turn, and
// compares zkgate with ZooKeeper. base holds the shared knobs.
func Suite(ctx context.Context, base Config, t SuiteTargets, workloads []string, progress io.Writer) ([]Comparison, error) {
	var out []Comparison
	for _, w := range workloads {
		c := Comparison{Workload: w}
		var zkRes, gateRes *Result
		run := func(target Target) (*Result, error) {
			cfg := base
			cfg.Workload, cfg.Target = w, target
			if progress != nil {
				fmt.Fprintf(progress, "%s on %s ...\n", w, target)
			}
			r, err := Run(ctx, cfg)
			if err != nil {
				return nil, fmt.Errorf("%s on %s: %w", w, target, err)
			}
			c.Results = append(c.Results, r)
			return &c.Results[len(c.Results)-1], nil
		}
		var err error
		switch w {
		case "put", "range":
			if t.Etcd != "" {
				var r *Result
				if r, err = run(Target{Etcd: t.Etcd, Label: "etcd " + t.Etcd}); err == nil {
					c.EtcdOps = r.OpsPerSec
				}
			}
		default:
			if t.ZooKeeper != "" {
				if zkRes, err = run(Target{ZK: []string{t.ZooKeeper}, Label: "ZooKeeper " + t.ZooKeeper}); err != nil {
					return out, err
				}
			}
			if t.ZkgateZK != "" {
				if gateRes, err = run(Target{ZK: []string{t.ZkgateZK}, Label: "zkgate zk " + t.ZkgateZK}); err != nil {
					return out, err
				}
				c.ZkgateOps = gateRes.OpsPerSec
			}
			if t.ZkgateGRPC != "" {
				_, err = run(Target{GRPC: t.ZkgateGRPC, Label: "zkgate grpc " + t.ZkgateGRPC})
			}
		}
		if err != nil {
			return out, err
		}
		if zkRes != nil && gateRes != nil && zkRes.OpsPerSec > 0 && zkRes.P99 > 0 {
			c.Ratio = gateRes.OpsPerSec / zkRes.OpsPerSec
			c.P99Ratio = float64(gateRes.P99) / float64(zkRes.P99)
		}
		out = append(out, c)
	}
	return out, nil
}

// PrintSuite writes a suite's results and its ratios.
func PrintSuite(w io.Writer, cs []Comparison) {
	var all []Result
	for _, c := range cs {
		all = append(all, c.Results...)
	}
	Print(w, all)
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "workload\tzkgate/ZooKeeper ops/s\tzkgate/ZooKeeper p99\t")
	for _, c := range cs {
		if c.Ratio > 0 {
			fmt.Fprintf(tw, "%s\t%.2f\t%.2f\t\n", c.Workload, c.Ratio, c.P99Ratio)
		}
	}
	tw.Flush()
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
}
