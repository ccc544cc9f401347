package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/zkgate/zkgate/cmd/zkgate/internal/bench"
	"github.com/zkgate/zkgate/cmd/zkgate/internal/zkdial"
)

func benchFlags(cmd *cobra.Command, c *bench.Config) {
	f := cmd.Flags()
	f.IntVar(&c.Clients, "clients", 32, "Concurrent clients, each with its own session")
	f.IntVar(&c.Conns, "conns", 0, "gRPC or etcd connections shared by the clients (0: one per client)")
	f.DurationVar(&c.Duration, "duration", 10*time.Second, "How long each run lasts")
	f.Int64Var(&c.Ops, "ops", 0, "End each run after this many operations instead (watch: rounds)")
	f.IntVar(&c.ValueSize, "value-size", 256, "Size of written values in bytes")
	f.IntVar(&c.Keys, "keys", 1000, "Key space of set, get, mixed, put and range")
	f.Float64Var(&c.ReadRatio, "read-ratio", 0.9, "Share of reads in mixed")
	f.IntVar(&c.Children, "children", 1000, "Children of the parent read by children")
	f.StringVar(&c.Root, "root", "/bench", "Path (etcd: key prefix bench/) under which each run makes a fresh subtree")
	f.Float64Var(&c.Rate, "rate", 0, "Operations a second the clients start together on a fixed schedule, latency counted from when each was due (0: each client as fast as it is answered)")
	f.DurationVar(&c.DialTimeout, "dial-timeout", zkdial.DefaultDialTimeout, "How long each ZooKeeper-protocol session may take to connect (its addresses sharing it), or a --grpc endpoint to answer")
}

func workloadHelp() string {
	var b strings.Builder
	for _, w := range bench.Workloads {
		fmt.Fprintf(&b, "  %-17s %-8s %s\n", w.Name, "("+w.Targets+")", w.Doc)
	}
	return b.String()
}

func newBenchCommand() *cobra.Command {
	var (
		c       bench.Config
		zk      string
		asJSON  bool
		targets bench.SuiteTargets
	)
	cmd := &cobra.Command{
		Use:   "bench WORKLOAD --zk HOST:PORT[,...] | --grpc URL | --etcd URL",
		Short: "Measure throughput and latency of a workload against a server",
		Long: `zkgate bench runs one workload with --clients concurrent clients against one
target and prints operations per second, errors and latency percentiles:

  --zk HOST:PORT,...  any ZooKeeper-protocol server: zkgate or a real ZooKeeper
                      (several addresses: clients spread over them round-robin)
  --grpc URL          zkgate's namespace gRPC API (its client URL)
  --etcd URL          a raw etcd (clientv3), such as zkgate's own client URL

Workloads (targets):
` + workloadHelp() + `
Each run works in a fresh subtree under --root and leaves it there. Runs
longer than 5 s print a progress line on stderr. Compare servers in the same
run on the same machine and quote ratios: absolute figures depend on the
machine. 'zkgate bench suite' runs every workload against several servers
in turn and prints the ratios; 'make bench' starts zkgate and a real
ZooKeeper and runs it, 'make bench-cluster' a three-node zkgate cluster and
a three-member ZooKeeper ensemble.`,
		Example: `  zkgate bench set --zk 127.0.0.1:2181 --clients 32
  zkgate bench mixed --zk 127.0.0.1:2181 --read-ratio 0.9 --json
  zkgate bench put --etcd http://127.0.0.1:2379`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c.Workload = args[0]
			if zk != "" {
				c.Target.ZK = strings.Split(zk, ",")
			}
			c.Progress = cmd.ErrOrStderr()
			res, err := bench.Run(cmd.Context(), c)
			if err != nil && res.Ops == 0 {
				return err
			}
			if asJSON {
				if jerr := bench.PrintJSON(cmd.OutOrStdout(), res); jerr != nil {
					return jerr
				}
			} else {
				bench.Print(cmd.OutOrStdout(), []bench.Result{res})
			}
			return err
		},
	}
	benchFlags(cmd, &c)
	f := cmd.Flags()
	f.StringVar(&zk, "zk", "", "ZooKeeper-protocol target, host:port[,host:port...]; with several, client i connects to the i-th mod N and stays there")
	f.StringVar(&c.Target.GRPC, "grpc", "", "zkgate namespace API target, a client URL")
	f.StringVar(&c.Target.Etcd, "etcd", "", "raw etcd target, a client URL")
	f.BoolVar(&asJSON, "json", false, "Print JSON instead of a table")

	var sc bench.Config
	var workloads []string
	var suiteJSON bool
	var rounds int
	var equal float64
	suite := &cobra.Command{
		Use:   "suite --zookeeper HOST:PORT[,...] --zkgate-zk HOST:PORT[,...] --zkgate-grpc URL --etcd URL",
		Short: "Run every workload against ZooKeeper and zkgate in turn and print the ratios",
		Long: `zkgate bench suite runs each workload (--workloads) against each given server
in turn, one at a time, with the same settings: a real ZooKeeper (the
reference), zkgate's ZooKeeper-protocol port, zkgate's gRPC API, and raw
etcd for put and range. It prints every run, then zkgate/ZooKeeper ratios of
throughput and p99 latency, and the cost of the layer: zkgate's
ZooKeeper-protocol set over raw etcd put on the same server. With
--plain-etcd, put and range also run against a plain etcd member, and their
ratio is zkgate's member over it: what serving zkgate costs etcd's own API.

--rounds N runs each workload N times. A round runs it once on each server,
and the rounds alternate: round 1 in the order above, round 2 in the reverse
order, and so on, so that each ratio compares two runs made next to each
other and no server always runs after the same other one. The table then
shows for each server the median over the rounds of ops/s, p50, p99 and
p99.9; each ratio is computed within a round (that round's zkgate over that
round's ZooKeeper), and the ratio columns are the median of those, with
every round's ratio beside it. --json carries every round's results.

Those runs are closed: each client sends its next request as soon as it has
its answer, so they find the most each server does, and their latencies are
those of a saturated server (sharing the machine with this driver, on one
machine). --equal-load 0.5 then runs create, create-ephemeral, set, get,
mixed and children again on ZooKeeper and zkgate's ZooKeeper port only, both
offered the same fixed rate, half the slower one's median ops/s (--rate),
and prints their latencies side by side: what a client sees from each at
the same load.

--zookeeper and --zkgate-zk take several addresses, comma-separated (the
members of a ZooKeeper ensemble, the nodes of a zkgate cluster): the
clients are then spread over them round-robin, client i on address i mod
N, each staying on its own.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if len(targets.ZooKeeper) == 0 && len(targets.ZkgateZK) == 0 && targets.ZkgateGRPC == "" && targets.Etcd == "" && targets.PlainEtcd == "" {
				return errors.New("suite: give at least one server")
			}
			if rounds < 1 {
				return errors.New("suite: --rounds must be at least 1")
			}
			if equal < 0 || equal > 1 {
				return errors.New("suite: --equal-load is a share of the slower server's ops/s, between 0 and 1")
			}
			sc.Progress = cmd.ErrOrStderr()
			cs, err := bench.Suite(cmd.Context(), sc, targets, workloads, bench.SuiteOptions{Rounds: rounds, EqualLoad: equal}, cmd.ErrOrStderr())
			if suiteJSON {
				if jerr := bench.PrintJSON(cmd.OutOrStdout(), cs); jerr != nil {
					return jerr
				}
			} else {
				bench.PrintSuite(cmd.OutOrStdout(), cs)
			}
			return err
		},
	}
	benchFlags(suite, &sc)
	sf := suite.Flags()
	sf.StringSliceVar(&targets.ZooKeeper, "zookeeper", nil, "A real ZooKeeper, host:port (the reference); the members of an ensemble, comma-separated, to spread the clients over them")
	sf.StringSliceVar(&targets.ZkgateZK, "zkgate-zk", nil, "zkgate's ZooKeeper-protocol address, host:port; several nodes' addresses, comma-separated, to spread the clients over them")
	sf.StringVar(&targets.ZkgateGRPC, "zkgate-grpc", "", "zkgate's client URL, for the gRPC rows")
	sf.StringVar(&targets.Etcd, "etcd", "", "An etcd client URL for the put and range rows")
	sf.StringVar(&targets.PlainEtcd, "plain-etcd", "", "A plain etcd member's client URL, the reference of the put and range rows (zkgate's member over it)")
	sf.StringSliceVar(&workloads, "workloads", []string{"create", "create-ephemeral", "set", "get", "mixed", "children", "watch", "connect", "lock", "put", "range"}, "Workloads to run")
	sf.IntVar(&rounds, "rounds", 1, "Run each workload this many times, alternating the servers round by round, and report medians")
	sf.BoolVar(&suiteJSON, "json", false, "Print JSON instead of tables (with every round)")
	sf.Float64Var(&equal, "equal-load", 0, "Run "+strings.Join(bench.EqualLoadWorkloads, ", ")+" again on ZooKeeper and zkgate's ZooKeeper protocol at this share (0.5 for half) of the slower one's ops/s, the same fixed rate for both, and compare their latencies (0: not)")
	cmd.AddCommand(suite, newBenchScaleCommand(), newBenchScaleReportCommand(), newBenchReadyCommand())
	return cmd
}

func newBenchScaleCommand() *cobra.Command {
	var (
		c      bench.ScaleConfig
		zk     string
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "scale --zk HOST:PORT --pid PID",
		Short: "Load a large tree into a server and measure its memory, getChildren, sessions and watches",
		Long: `zkgate bench scale measures a ZooKeeper-protocol server whose process is
--pid (resident memory from /proc) at scale, in this order:

  --sessions concurrent sessions on the fresh server (raw handshakes kept
    alive with pings, then closed): RSS bytes per session;
  a load of --znodes znodes of --value-size bytes (--big of them under one
    parent, the rest 1,000 per parent): the load rate and the RSS once
    loaded;
  getChildren of the parent of --big children (first call, then median);
  --watches exists watches on distinct loaded znodes from 100 sessions:
    RSS bytes per watch.

RSS of a garbage-collected server moves with its collector as much as with
what it holds, so with --pprof (a Go server) or --jvm (jcmd) the live
memory after a full GC is measured too, and per session and per watch.
Run it against ZooKeeper and zkgate with the same flags, each with --json to
a file, and compare with 'zkgate bench scale-report'. 'make bench-scale'
does all of it, with restart times.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if zk == "" || c.PID == 0 {
				return errors.New("scale: --zk and --pid are required")
			}
			c.ZK = strings.Split(zk, ",")
			c.Progress = cmd.ErrOrStderr()
			res, err := bench.Scale(cmd.Context(), c)
			if err != nil {
				return err
			}
			if asJSON {
				return bench.PrintJSON(cmd.OutOrStdout(), res)
			}
			return bench.PrintScale(cmd.OutOrStdout(), []bench.ScaleResult{res})
		},
	}
	f := cmd.Flags()
	f.StringVar(&zk, "zk", "", "ZooKeeper-protocol server, host:port")
	f.IntVar(&c.PID, "pid", 0, "Process id of that server, for its resident memory")
	f.StringVar(&c.Label, "label", "", "Name of the server in the report (default: its address)")
	f.StringVar(&c.PprofURL, "pprof", "", "A Go server's pprof listener (zkgate serve --pprof-listen), as http://HOST:PORT, for its live memory after a GC")
	f.BoolVar(&c.JVM, "jvm", false, "The server is a JVM: measure its live heap after a GC with jcmd (from a JDK)")
	f.IntVar(&c.Znodes, "znodes", 1_000_000, "Znodes to load")
	f.IntVar(&c.Big, "big", 100_000, "Of those, children of one parent read with getChildren")
	f.IntVar(&c.Sessions, "sessions", 10_000, "Concurrent sessions to open")
	f.IntVar(&c.Watches, "watches", 100_000, "Watches to set")
	f.IntVar(&c.ValueSize, "value-size", 256, "Bytes of data per znode")
	f.IntVar(&c.Conns, "conns", 16, "Sessions that load, each with 64 creates in flight")
	f.StringVar(&c.Root, "root", "/scale", "Parent of the loaded tree")
	f.BoolVar(&asJSON, "json", false, "Print JSON instead of a table")
	return cmd
}

func newBenchScaleReportCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "scale-report REFERENCE.json RESULT.json",
		Short: "Print two scale runs side by side with the ratio of the second to the first",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			var res []bench.ScaleResult
			for _, f := range args {
				r, err := bench.ReadScale(f)
				if err != nil {
					return err
				}
				res = append(res, r)
			}
			return bench.PrintScale(cmd.OutOrStdout(), res)
		},
	}
}

func newBenchReadyCommand() *cobra.Command {
	var (
		zk      string
		path    string
		timeout time.Duration
	)
	cmd := &cobra.Command{
		Use:   "ready --zk HOST:PORT --path PATH",
		Short: "Wait until a ZooKeeper-protocol server serves getChildren of PATH; print how long that took",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			took, err := bench.WaitReady(ctx, strings.Split(zk, ","), path)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%.2f\n", took.Seconds())
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&zk, "zk", "127.0.0.1:2181", "ZooKeeper-protocol server, host:port")
	f.StringVar(&path, "path", "/", "Path whose children must be readable")
	f.DurationVar(&timeout, "timeout", 10*time.Minute, "Give up after this long")
	return cmd
}
