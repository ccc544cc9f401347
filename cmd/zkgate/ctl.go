package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/zkgate/zkgate/recipes/client"
	"github.com/zkgate/zkgate/schema"
	"github.com/zkgate/zkgate/schema/zkgatepb"
)

// ctlOptions are the flags every ctl verb shares.
type ctlOptions struct {
	dialFlags
	output string
	// at is --at of the reads that take it: a zxid to read at.
	at string
}

// addAt adds --at to a read verb.
func (o *ctlOptions) addAt(cmd *cobra.Command) {
	cmd.Flags().StringVar(&o.at, "at", "", "read as of this point, exactly what a read then answered, as long as the cluster still keeps that history: "+pointUsage)
}

// pointUsage says what a zxid-or-time flag takes.
const pointUsage = `a zxid (decimal, or 0x hex as zkCli.sh prints zxids) or a time: RFC 3339 ("2026-12-07T10:00:00Z"), local "2026-12-07 10:00:00", or "-10m" for ten minutes ago; a time stands for the last zxid at or before it`

// point is a zxid-or-time flag's value: a zxid, or a time (ms) to be
// resolved by the node (ZxidAt).
type point struct {
	zxid, ms int64
	isTime   bool
}

// parsePoint parses a flag that takes a zxid or a time (pointUsage); ""
// is the zero point.
func parsePoint(name, s string, now time.Time) (point, error) {
	if s == "" {
		return point{}, nil
	}
	if z, err := strconv.ParseInt(s, 0, 64); err == nil {
		if z <= 0 {
			return point{}, fmt.Errorf("--%s %q: want a zxid, a positive number", name, s)
		}
		return point{zxid: z}, nil
	}
	if d, ok := strings.CutPrefix(s, "-"); ok {
		if ago, err := time.ParseDuration(d); err == nil && ago > 0 {
			return point{ms: now.Add(-ago).UnixMilli(), isTime: true}, nil
		}
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return point{ms: t.UnixMilli(), isTime: true}, nil
	}
	for _, layout := range []string{"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return point{ms: t.UnixMilli(), isTime: true}, nil
		}
	}
	return point{}, fmt.Errorf("--%s %q: want %s", name, s, pointUsage)
}

// resolve turns a zxid-or-time flag into a zxid, asking the node for the
// zxid of a time; usage errors are *usageError.
func (c *ctlClient) resolve(cmd *cobra.Command, name, s string) (int64, error) {
	p, err := parsePoint(name, s, time.Now())
	if err != nil {
		return 0, &usageError{cmd: cmd, err: err}
	}
	if !p.isTime {
		return p.zxid, nil
	}
	ctx, cancel := c.ctx()
	defer cancel()
	r, err := c.ns.ZxidAt(ctx, &zkgatepb.ZxidAtRequest{Ctx: &zkgatepb.RequestContext{Auth: c.rc.GetAuth()}, TimeMs: p.ms})
	if err != nil {
		return 0, ctlErr(err)
	}
	fmt.Fprintf(c.errOut, "--%s %s: zxid 0x%x, made at %s\n", name, s, r.Zxid, changeTime(r.TimeMs))
	c.pointTime = r.TimeMs
	return r.Zxid, nil
}

// noWatchAt refuses -w with --at: the past does not change.
func noWatchAt(cmd *cobra.Command, watch bool, c *ctlClient) error {
	if watch && c.rc.GetAtZxid() != 0 {
		return &usageError{cmd: cmd, err: fmt.Errorf("--at cannot be combined with -w")}
	}
	return nil
}

func newCtlCommand() *cobra.Command {
	o := &ctlOptions{}
	cmd := &cobra.Command{
		Use:   "ctl VERB ...",
		Short: "Work with the znode namespace, with verbs named like zkCli.sh's",
		Long: `zkgate ctl talks to a zkgate node's namespace API (gRPC, on the node's client
URL) with verbs named and ordered like ZooKeeper's zkCli.sh:

  ls [-s] [-w] [-R] PATH
                        children of PATH (-s: and its Stat; -R: the whole
                        subtree)
  tree PATH             the subtree of PATH, indented
  stat [-w] PATH        the Stat of PATH
  get [-s] [-w] PATH    the data of PATH (raw bytes and a newline on stdout,
                        null for null data; -s: and its Stat)
  set [-v V] PATH DATA  replace the data (only at version V)
  create [-e] [-s] [-c] [-t TTL] [-a ACL] PATH [DATA [ACL]]
                        create a znode and print its path; -e ephemeral, -s
                        sequential, -c container, -t TTL in ms; no DATA is
                        null data; ACL as scheme:id:perms[,...] (default
                        world:anyone:cdrwa; auth::cdrwa is ctl's --auth ids)
  delete [-v V] PATH    delete a znode (only at version V)
  deleteall PATH        delete PATH and everything below it (also: rmr)
  watch [-R] [--since ZXID] PATH
                        print changes of PATH (-R: of its subtree) until
                        Ctrl-C; --since: first every change after ZXID
  history [-R] [-p|--diff] [--from ZXID] [--to ZXID] PATH
                        every change of PATH (-R: of its subtree) the
                        cluster still keeps: creates, data and ACL changes,
                        deletes, with zxid and time (-p: with the data;
                        --diff: a line diff of each data change)
  changes --from ZXID [--to ZXID] [PATH]
                        every znode under PATH created (+), deleted (-) or
                        changed (~) after ZXID; exit status 1 if any
  restore --at ZXID [-R] [--dry-run|--yes] PATH
                        write PATH (-R: its subtree) back as it was at ZXID,
                        as new writes (watches fire, versions move on),
                        after printing the plan and asking; a znode written
                        since the plan stops it, never overwritten
  dump [--at ZXID] [-f FILE] [PATH]
                        the subtree of PATH (default /) as it was at one
                        zxid (default: the zxid the node serves), one JSON
                        line per znode: data, Stat, ACL and kind; a backup
                        that 'zkgate migrate --from FILE' restores
  getAcl PATH           the ACL of PATH
  setAcl PATH ACL       replace the ACL, as scheme:id:perms[,...]
  sync PATH             catch the node up with every committed write
  getAllChildrenNumber PATH
                        count every znode below PATH
  getEphemerals [PREFIX]
                        ctl's own session's ephemerals (always none)
  multi                 apply operations read from stdin (JSON) atomically
  setquota -n|-b|-N|-B VAL PATH
                        set a quota limit: znode count (-n, -N hard) or data
                        bytes (-b, -B hard) of PATH's subtree
  listquota PATH        the quota of PATH and its stats
  delquota [-n|-b|-N|-B] PATH
                        remove the quota of PATH, or one limit of it
  whoami                the identities the node holds for ctl (ip, --auth)
  addauth SCHEME AUTH   check credentials; a ctl command takes them with --auth
  version               the versions of zkgate, etcd and Go

Each verb's own help says more: zkgate ctl watch --help, zkgate ctl history
--help, zkgate ctl changes --help, zkgate ctl restore --help, and so on.

--at ZXID (get, stat, ls, tree, getAcl, dump) reads the znode as it was at that
zxid: its data, Stat, children and ACL exactly as a read then answered
(ls -R and tree walk the whole subtree at that zxid). The cluster keeps
history back to its last compaction (serve --history-retention);
an older zxid is refused with the oldest one still reachable.

-w (get, stat, ls) sets a one-shot watch as zkCli.sh does: after the output,
ctl waits for the change that fires it and prints it as zkCli.sh prints a
watch event ("WatchedEvent state:SyncConnected type:NodeDataChanged
path:/app"), then exits; Ctrl-C stops the wait.

Every PATH is checked as ZooKeeper's client checks it, before anything is
sent: it starts with '/', has no empty, "." or ".." element and does not
end with '/' ("Path must start with / character"). Quotas are stored where
and as ZooKeeper 3.8 stores them (/zookeeper/quota/PATH/zookeeper_limits,
zookeeper_stats); the stats are what PATH's subtree holds when read, and
a node refuses writes past a hard limit when started with quotas enforced
(zkgate serve --zk-enforce-quota).

DATA may be "-" to read it from stdin (for binary content). Output is for
people, and ends with a newline; -o json prints JSON for scripts. Errors
are printed in ZooKeeper's terms ("KeeperErrorCode = NoNode for /a") on
stderr, with exit status 1. An unknown verb, a wrong number of arguments or
an unknown flag is an error naming the verb and its usage, with exit
status 2.
An ephemeral node created by ctl lives as long as ctl's session: it is
removed when ctl exits, as with zkCli.sh when it quits.`,
		Example: `  zkgate ctl create /app '{"feature":true}'
  zkgate ctl ls -R /app
  zkgate ctl --auth digest:alice:secret setAcl /app digest:alice:` + schema.DigestID("alice", "secret")[len("alice:"):] + `:cdrwa
  zkgate ctl -o json stat /app
  zkgate ctl get --at 0x2a /app`,
	}
	f := cmd.PersistentFlags()
	o.add(f, "Credentials as scheme:credentials, e.g. digest:user:password (repeatable), as zkCli's addauth")
	f.StringVarP(&o.output, "output", "o", "text", "Output format: text or json")
	cmd.AddCommand(
		ctlLs(o), ctlTree(o), ctlStat(o), ctlGet(o), ctlSet(o), ctlCreate(o),
		ctlDelete(o), ctlDeleteAll(o), ctlWatch(o), ctlHistory(o), ctlChanges(o), ctlRestore(o), ctlDump(o), ctlGetACL(o), ctlSetACL(o),
		ctlSync(o), ctlAllChildren(o), ctlEphemerals(o), ctlMulti(o),
		ctlSetQuota(o), ctlListQuota(o), ctlDelQuota(o), ctlWhoAmI(o), ctlAddAuth(o), ctlVersion(),
	)
	for _, v := range cmd.Commands() {
		v.PreRunE = checkPathArg
	}
	return cmd
}

// ctlClient is one connection to a zkgate node.
type ctlClient struct {
	o    *ctlOptions
	conn *client.Conn
	ns   zkgatepb.NamespaceClient
	rc   *zkgatepb.RequestContext
	out  io.Writer
	// errOut takes progress notes that are not results.
	errOut io.Writer
	// pointTime is when the zxid the last time resolve turned into a zxid
	// was made (ms; 0 if no time was resolved).
	pointTime int64
}

func (o *ctlOptions) dial(cmd *cobra.Command) (*ctlClient, error) {
	if o.output != "text" && o.output != "json" {
		return nil, fmt.Errorf("--output %q: must be text or json", o.output)
	}
	if _, err := parsePoint("at", o.at, time.Now()); err != nil {
		return nil, &usageError{cmd: cmd, err: err}
	}
	conn, rc, err := o.dialFlags.dial(cmd.Context())
	if err != nil {
		return nil, err
	}
	c := &ctlClient{o: o, conn: conn, ns: zkgatepb.NewNamespaceClient(conn), rc: rc, out: cmd.OutOrStdout(), errOut: cmd.ErrOrStderr()}
	if o.at != "" {
		if rc.AtZxid, err = c.resolve(cmd, "at", o.at); err != nil {
			conn.Close()
			return nil, err
		}
	}
	return c, nil
}

func (c *ctlClient) Close() { c.conn.Close() }

func (c *ctlClient) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), c.o.timeout)
}

// ctlErr turns an RPC error into one line for a person: ZooKeeper's
// terms for the server's errors, the endpoint and the cause for a
// transport failure (client.Describe); never gRPC's own text.
func ctlErr(err error) error {
	return client.Describe(err)
}

func (c *ctlClient) json(v any) error {
	enc := json.NewEncoder(c.out)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// jsonLine prints v as one line of JSON (for streams).
func (c *ctlClient) jsonLine(v any) error {
	return json.NewEncoder(c.out).Encode(v)
}

// readData is DATA, or stdin for "-".
func readData(cmd *cobra.Command, arg string) ([]byte, error) {
	if arg != "-" {
		return []byte(arg), nil
	}
	return io.ReadAll(cmd.InOrStdin())
}

// verb builds a ctl subcommand whose run gets a connected client.
func verb(o *ctlOptions, use, short string, args cobra.PositionalArgs, run func(cmd *cobra.Command, c *ctlClient, args []string) error) *cobra.Command {
	return &cobra.Command{
		Use:   use,
		Short: short,
		Args:  args,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := o.dial(cmd)
			if err != nil {
				return err
			}
			defer c.Close()
			return run(cmd, c, args)
		},
	}
}
