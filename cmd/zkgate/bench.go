package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/zkgate/zkgate/cmd/zkgate/internal/bench"
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
  --grpc URL          zkgate's namespace gRPC API (its client URL)
  --etcd URL          a raw etcd (clientv3), such as zkgate's own client URL

Workloads (targets):
` + workloadHelp() + `
Each run works in a fresh subtree under --root and leaves it there. Runs
longer than 5 s print a progress line on stderr. Compare servers in the same
run on the same machine and quote ratios: absolute figures depend on the
machine. 'zkgate bench suite' runs every workload against several servers
in turn and prints the ratios; 'make bench' starts zkgate and a real
ZooKeeper and runs it.`,
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
	f.StringVar(&zk, "zk", "", "ZooKeeper-protocol target, host:port[,host:port...]")
	f.StringVar(&c.Target.GRPC, "grpc", "", "zkgate namespace API target, a client URL")
	f.StringVar(&c.Target.Etcd, "etcd", "", "raw etcd target, a client URL")
	f.BoolVar(&asJSON, "json", false, "Print JSON instead of a table")

	var sc bench.Config
	var workloads []string
	var suiteJSON bool
	suite := &cobra.Command{
		Use:   "suite --zookeeper HOST:PORT --zkgate-zk HOST:PORT --zkgate-grpc URL --etcd URL",
		Short: "Run every workload against ZooKeeper and zkgate in turn and print the ratios",
		Long: `zkgate bench suite runs each workload (--workloads) against each given server
in turn, one at a time, with the same settings: a real ZooKeeper (the
reference), zkgate's ZooKeeper-protocol port, zkgate's gRPC API, and raw
etcd for put and range. It prints every run, then zkgate/ZooKeeper ratios of
throughput and p99 latency, and the cost of the layer: zkgate's
ZooKeeper-protocol set over raw etcd put on the same server.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if targets.ZooKeeper == "" && targets.ZkgateZK == "" && targets.ZkgateGRPC == "" && targets.Etcd == "" {
				return errors.New("suite: give at least one server")
			}
			sc.Progress = cmd.ErrOrStderr()
			cs, err := bench.Suite(cmd.Context(), sc, targets, workloads, cmd.ErrOrStderr())
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
	sf.StringVar(&targets.ZooKeeper, "zookeeper", "", "A real ZooKeeper, host:port (the reference)")
	sf.StringVar(&targets.ZkgateZK, "zkgate-zk", "", "zkgate's ZooKeeper-protocol address, host:port")
	sf.StringVar(&targets.ZkgateGRPC, "zkgate-grpc", "", "zkgate's client URL, for the gRPC rows")
	sf.StringVar(&targets.Etcd, "etcd", "", "An etcd client URL for the put and range rows")
	sf.StringSliceVar(&workloads, "workloads", []string{"create", "create-ephemeral", "set", "get", "mixed", "children", "watch", "connect", "lock", "put", "range"}, "Workloads to run")
	sf.BoolVar(&suiteJSON, "json", false, "Print JSON instead of tables")
	cmd.AddCommand(suite)
	return cmd
}
