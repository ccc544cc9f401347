package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "zkgate",
		Short: "A coordination service on etcd's Raft, for teams moving off ZooKeeper",
		Long: `zkgate is one binary that embeds a real etcd v3 member (Raft consensus and
MVCC storage) and serves the etcd v3 API unchanged: etcdctl, clientv3 and its
concurrency package (Election, Mutex, STM) work against zkgate as against
etcd. ZooKeeper-style faces are built on the same member.

Start a single node on loopback with data in ./zkgate-data:

  zkgate serve

then talk to it with any etcd client:

  etcdctl --endpoints http://127.0.0.1:2379 put greeting hello`,
		SilenceUsage:  true,
		SilenceErrors: true,
		// no completion command: zkgate has nothing to complete yet
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true},
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return fmt.Errorf("%s: %w (see '%s --help')", c.CommandPath(), err, c.CommandPath())
	})
	root.AddCommand(newServeCommand(), newCtlCommand(), newLockCommand(), newElectCommand(), newBenchCommand(), newMigrateCommand(), newDiffCommand(), newVersionCommand())
	return root
}
