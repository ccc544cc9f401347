package main

import (
	"context"
	"fmt"
	"net/url"

	"github.com/spf13/cobra"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/zkgate/zkgate/cmd/zkgate/internal/migrate"
)

// exitError is an error with its own exit status.
type exitError struct {
	msg  string
	code int
}

func (e exitError) Error() string { return e.msg }
func (e exitError) ExitCode() int { return e.code }

// migrateEnds are the flags naming the source ZooKeeper and the zkgate
// destination.
type migrateEnds struct {
	from, to         string
	fromAuth, toAuth []string
	path             string
}

func (m *migrateEnds) flags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&m.from, "from", "", "The source ZooKeeper: host:port[,host:port...][/chroot]")
	f.StringVar(&m.to, "to", "", "The destination zkgate's client URL, such as http://127.0.0.1:2379")
	f.StringSliceVar(&m.fromAuth, "from-auth", nil, "Auth on the source, scheme:credentials (digest:user:password); repeatable")
	f.StringSliceVar(&m.toAuth, "to-auth", nil, "Auth on the destination, scheme:credentials; repeatable")
	f.StringVar(&m.path, "path", "/", "The subtree to work on")
}

// open connects to both ends.
func (m *migrateEnds) open(ctx context.Context) (*migrate.ZooKeeper, *migrate.Zkgate, func(), error) {
	if m.from == "" || m.to == "" {
		return nil, nil, nil, fmt.Errorf("--from and --to are required")
	}
	u, err := url.Parse(m.to)
	if err != nil || u.Host == "" {
		return nil, nil, nil, fmt.Errorf("--to %q: not a URL such as http://127.0.0.1:2379", m.to)
	}
	src, err := migrate.DialZooKeeper(ctx, m.from, m.fromAuth)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("source %s: %w", m.from, err)
	}
	conn, err := grpc.NewClient(u.Host, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		src.Close()
		return nil, nil, nil, fmt.Errorf("destination %s: %w", m.to, err)
	}
	dst, err := migrate.NewZkgate(conn, m.toAuth)
	if err != nil {
		src.Close()
		conn.Close()
		return nil, nil, nil, err
	}
	return src, dst, func() { src.Close(); conn.Close() }, nil
}

func newDiffCommand() *cobra.Command {
	var m migrateEnds
	cmd := &cobra.Command{
		Use:   "diff --from HOST:PORT[/chroot] --to URL [--path /sub]",
		Short: "Compare a ZooKeeper tree with zkgate's: paths, data, ACLs and kinds",
		Long: `zkgate diff walks the tree under --path in a live ZooKeeper (--from) and in
zkgate (--to) and prints every difference, one per line:

  - PATH   only in the source (its subtree is not listed further)
  + PATH   only in the destination
  ~ PATH: data|acl|kind differs (how)
  ! PATH: an ACL keeps it from being read (give --from-auth or --to-auth)

where kind is persistent, ephemeral, container or ttl. /zookeeper, each
server's own subtree, is skipped. The exit status is 0 only if the trees
are the same, 1 if they differ, 2 if they could not all be compared.`,
		Example: `  zkgate diff --from 10.0.0.5:2181 --to http://127.0.0.1:2379
  zkgate diff --from zk1:2181,zk2:2181/app --to http://127.0.0.1:2379 --path /config --from-auth digest:admin:secret`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			src, dst, closeAll, err := m.open(ctx)
			if err != nil {
				return exitError{err.Error(), 2}
			}
			defer closeAll()
			out := cmd.OutOrStdout()
			res, err := migrate.Diff(ctx, src, dst, m.path, func(d migrate.Difference) { fmt.Fprintln(out, d) })
			if err != nil {
				return exitError{err.Error(), 2}
			}
			if res.Unreadable > 0 {
				return exitError{fmt.Sprintf("%d znodes could not be read (see the lines with !), %d differences in all", res.Unreadable, len(res.Differences)), 2}
			}
			if n := len(res.Differences); n > 0 {
				return exitError{fmt.Sprintf("%d differences (%d znodes on both sides compared)", n, res.Compared), 1}
			}
			fmt.Fprintf(out, "no differences: %d znodes compared\n", res.Compared)
			return nil
		},
	}
	m.flags(cmd)
	return cmd
}
