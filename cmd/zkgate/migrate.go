package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/grpc"

	"github.com/zkgate/zkgate/cmd/zkgate/internal/migrate"
	"github.com/zkgate/zkgate/cmd/zkgate/internal/zkdial"
	"github.com/zkgate/zkgate/recipes/client"
	"github.com/zkgate/zkgate/sasl"
)

// exitError is an error with its own exit status.
type exitError struct {
	msg  string
	code int
}

func (e exitError) Error() string { return e.msg }
func (e exitError) ExitCode() int { return e.code }

// migrateEnds are the flags naming the two ends, each a ZooKeeper
// (zk://HOST:PORT[,...][/chroot]) or a zkgate (http(s)://HOST:PORT[,...]);
// --from may also be a dump file. A zkgate end is dialed as every client
// command dials zkgate (dialFlags), its flags named and worded for both
// ends.
type migrateEnds struct {
	from, to string
	fromAuth []string
	path     string
	// JAAS client files (--from-jaas-config, --to-jaas-config) and service
	// names for SASL with a ZooKeeper end, and what they configure.
	fromJAAS, toJAAS       string
	fromService, toService string
	fromSASL, toSASL       *sasl.ClientConfig
	// dest holds the dial flags: its dialWait (--dial-timeout) bounds
	// every session, its timeout (--command-timeout) each request to a
	// zkgate end, its auth is --to-auth and its tls is for an https end.
	dest dialFlags
}

func (m *migrateEnds) flags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&m.from, "from", "", "The source: a ZooKeeper, zk://HOST:PORT[,HOST:PORT...][/chroot] (or without zk://), a zkgate, http(s)://HOST:PORT[,...], or a dump file (zkgate ctl dump), FILE or file://FILE")
	f.StringVar(&m.to, "to", "", "The destination: a zkgate, http(s)://HOST:PORT[,...] (or without http://), or a ZooKeeper, zk://HOST:PORT[,HOST:PORT...][/chroot]")
	f.StringSliceVar(&m.fromAuth, "from-auth", nil, "Auth on the source, scheme:credentials (digest:user:password); repeatable")
	f.StringSliceVar(&m.dest.auth, "to-auth", nil, "Auth on the destination, scheme:credentials; repeatable")
	f.StringVar(&m.fromJAAS, "from-jaas-config", "", "SASL on a ZooKeeper source: the JAAS file of its clients, whose Client section logs in (DigestLoginModule username/password: DIGEST-MD5; Krb5LoginModule with a keytab or useTicketCache: Kerberos)")
	f.StringVar(&m.toJAAS, "to-jaas-config", "", "SASL on a ZooKeeper destination: as --from-jaas-config")
	f.StringVar(&m.fromService, "from-sasl-service", sasl.DefaultService, "Kerberos: the service of the source's principal, SERVICE/HOST (zookeeper.sasl.client.username)")
	f.StringVar(&m.toService, "to-sasl-service", sasl.DefaultService, "Kerberos: the service of the destination's principal, SERVICE/HOST")
	f.StringVar(&m.path, "path", "/", "The subtree to work on (default for a dump: the dump's path)")
	f.DurationVar(&m.dest.dialWait, "dial-timeout", zkdial.DefaultDialTimeout, "How long to wait for a session with a ZooKeeper end, its addresses sharing it, and for a node of a zkgate end to answer")
	f.DurationVar(&m.dest.timeout, "command-timeout", defaultCommandTimeout, "Time limit of each request to a zkgate end, retries on other endpoints included")
	f.StringVar(&m.dest.tls.cacert, "cacert", "", "CA certificates (PEM) to verify an https end (default: the system's)")
	f.StringVar(&m.dest.tls.cert, "cert", "", "Client certificate (PEM) for an https end that requires one")
	f.StringVar(&m.dest.tls.key, "key", "", "Private key (PEM) of --cert")
}

// requestTimeout bounds each unary request on a connection (streams, such
// as watches, are left as they are).
type requestTimeout struct {
	grpc.ClientConnInterface
	d time.Duration
}

func (c requestTimeout) Invoke(ctx context.Context, method string, args, reply any, opts ...grpc.CallOption) error {
	ctx, cancel := context.WithTimeout(ctx, c.d)
	defer cancel()
	return c.ClientConnInterface.Invoke(ctx, method, args, reply, opts...)
}

// end is what --from or --to names: a live ZooKeeper, a zkgate, or (for
// --from) a dump file.
type end struct {
	tree   migrate.Tree
	zk     *migrate.ZooKeeper // a ZooKeeper, else nil
	zkgate *migrate.Zkgate    // a zkgate, else nil
	dump   *migrate.Dump      // a dump, else nil
	// connect is a ZooKeeper's address list, for CountZnodes.
	connect string
	close   func()
}

// dest is the end as Copy and Follow write it.
func (e end) dest() migrate.Dest {
	if e.zk != nil {
		return e.zk
	}
	return e.zkgate
}

// zkAddress is the address list and chroot of a ZooKeeper end:
// zk://HOST:PORT[,...][/chroot], or for --from the same without zk://.
func zkAddress(s string, bareIsZK bool) (string, bool) {
	if rest, ok := strings.CutPrefix(s, "zk://"); ok {
		return rest, true
	}
	return s, bareIsZK && !strings.Contains(s, "://")
}

// dumpFile is the file --from names when it names a dump: file://PATH,
// or an existing file.
func dumpFile(from string) (string, bool) {
	if p, ok := strings.CutPrefix(from, "file://"); ok {
		return p, true
	}
	if st, err := os.Stat(from); err == nil && st.Mode().IsRegular() {
		return from, true
	}
	return "", false
}

// readDump reads the dump file whole: any fault in it is one line,
// before anything is written.
func readDump(file string) (*migrate.Dump, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("--from: %w", err)
	}
	defer f.Close()
	d, err := migrate.ReadDump(f)
	if err != nil {
		return nil, fmt.Errorf("--from %s: %w", file, err)
	}
	return d, nil
}

// open connects to both ends. pathSet tells whether --path was given: a
// dump's root is the default path.
func (m *migrateEnds) open(ctx context.Context, pathSet bool) (src, dst end, closeAll func(), err error) {
	if m.from == "" || m.to == "" {
		return src, dst, nil, fmt.Errorf("--from and --to are required")
	}
	if m.dest.dialWait <= 0 {
		return src, dst, nil, fmt.Errorf("--dial-timeout %s: must be positive", m.dest.dialWait)
	}
	if m.dest.timeout <= 0 {
		return src, dst, nil, fmt.Errorf("--command-timeout %s: must be positive", m.dest.timeout)
	}
	// Check both before dialing either.
	if _, ok := zkAddress(m.to, false); !ok {
		if err := checkEndpoints("--to", m.to); err != nil {
			return src, dst, nil, err
		}
	}
	if _, ok := dumpFile(m.from); !ok {
		if _, ok := zkAddress(m.from, true); !ok {
			if err := checkEndpoints("--from", m.from); err != nil {
				return src, dst, nil, err
			}
		}
	}
	if err := m.saslConfigs(); err != nil {
		return src, dst, nil, err
	}
	if file, ok := dumpFile(m.from); ok {
		d, err := readDump(file)
		if err != nil {
			return src, dst, nil, err
		}
		switch {
		case !pathSet:
			m.path = d.Header.Path
		case !d.Contains(m.path):
			return src, dst, nil, fmt.Errorf("--path %s: the dump %s holds %s and what is below it", m.path, file, d.Header.Path)
		}
		src = end{tree: d, dump: d, close: func() {}}
	} else if src, err = m.dial(ctx, m.from, true, m.fromAuth, m.fromSASL); err != nil {
		return src, dst, nil, fmt.Errorf("source: %w", err)
	}
	if dst, err = m.dial(ctx, m.to, false, m.dest.auth, m.toSASL); err != nil {
		src.close()
		return src, dst, nil, fmt.Errorf("destination: %w", err)
	}
	return src, dst, func() { src.close(); dst.close() }, nil
}

// saslConfigs reads --from-jaas-config and --to-jaas-config, for
// ZooKeeper ends only, and logs in to Kerberos: a fault is one line
// before anything is dialed.
func (m *migrateEnds) saslConfigs() error {
	load := func(flag, file, addr string, bareIsZK bool, service string) (*sasl.ClientConfig, error) {
		if file == "" {
			return nil, nil
		}
		if _, isDump := dumpFile(addr); isDump && bareIsZK {
			return nil, fmt.Errorf("--%s: SASL is for a ZooKeeper end, and --from is a dump", flag)
		}
		if _, ok := zkAddress(addr, bareIsZK); !ok {
			return nil, fmt.Errorf("--%s: SASL is for a ZooKeeper end, zk://HOST:PORT (a zkgate end takes --cert or --%s-auth)", flag, strings.TrimSuffix(flag, "-jaas-config"))
		}
		j, err := sasl.LoadJAAS(file)
		if err != nil {
			return nil, fmt.Errorf("--%s: %w", flag, err)
		}
		c, err := sasl.NewClientConfig(j, "Client", sasl.ClientOptions{Service: service})
		if err != nil {
			return nil, fmt.Errorf("--%s %s: %w", flag, file, err)
		}
		if err := c.Login(); err != nil {
			return nil, fmt.Errorf("--%s %s: %w", flag, file, err)
		}
		return c, nil
	}
	if m.fromService != sasl.DefaultService && m.fromJAAS == "" {
		return errors.New("--from-sasl-service needs --from-jaas-config")
	}
	if m.toService != sasl.DefaultService && m.toJAAS == "" {
		return errors.New("--to-sasl-service needs --to-jaas-config")
	}
	var err error
	if m.fromSASL, err = load("from-jaas-config", m.fromJAAS, m.from, true, m.fromService); err != nil {
		return err
	}
	m.toSASL, err = load("to-jaas-config", m.toJAAS, m.to, false, m.toService)
	return err
}

// checkEndpoints checks a comma-separated list of zkgate client URLs.
func checkEndpoints(flag, list string) error {
	for _, ep := range strings.Split(list, ",") {
		if _, _, err := client.ParseEndpoint(ep); err != nil {
			return fmt.Errorf("%s: %w (or a ZooKeeper: zk://HOST:PORT[,...][/chroot])", flag, err)
		}
	}
	return nil
}

// dial connects to one end, a ZooKeeper or a zkgate, with auth.
func (m *migrateEnds) dial(ctx context.Context, addr string, bareIsZK bool, auth []string, sc *sasl.ClientConfig) (end, error) {
	if connect, ok := zkAddress(addr, bareIsZK); ok {
		z, err := migrate.DialZooKeeper(ctx, connect, auth, sc, m.dest.dialWait)
		if err != nil {
			return end{}, err
		}
		return end{tree: z, zk: z, connect: connect, close: z.Close}, nil
	}
	d := m.dest
	d.endpoints, d.auth = strings.Split(addr, ","), auth
	conn, err := d.connect(ctx)
	if err != nil {
		return end{}, err
	}
	g, err := migrate.NewZkgate(requestTimeout{conn, m.dest.timeout}, auth)
	if err != nil {
		conn.Close()
		return end{}, err
	}
	return end{tree: g, zkgate: g, close: func() { conn.Close() }}, nil
}

func newMigrateCommand() *cobra.Command {
	var (
		m        migrateEnds
		follow   bool
		del      bool
		parallel int
	)
	cmd := &cobra.Command{
		Use:   "migrate --from zk://HOST:PORT[/chroot]|URL|FILE --to URL|zk://HOST:PORT[/chroot] [--path /sub]",
		Short: "Copy a live ZooKeeper tree, or a dump, into zkgate, or zkgate's back into ZooKeeper",
		Long: `zkgate migrate copies the tree under --path from a live ZooKeeper (--from)
into zkgate (--to) through the ZooKeeper protocol and zkgate's API: every
znode with its data and ACL exactly, persistent, container and TTL nodes as
such, sequentially named nodes under their names, parents before children
(and --path's ancestors first, if zkgate lacks them). Last, each parent's
sequence counter is carried over, so that a sequential create in zkgate
never reuses a number ZooKeeper issued.

Either end may be a ZooKeeper, zk://HOST:PORT[,HOST:PORT...][/chroot]
(for --from the zk:// may be left out), or a zkgate, http(s)://HOST:PORT
[,...]: zkgate to ZooKeeper is the way back, ZooKeeper to ZooKeeper and
zkgate to zkgate a copy between clusters. Into a ZooKeeper, a parent's
sequence counter, for which ZooKeeper has no request, is raised by
creating and deleting a scratch child (zkgate-raise-sequence) as many
times as it must move, a thousand to a multi: that needs CREATE and
DELETE on the parent, and fires its child watches. A TTL node needs a
ZooKeeper started with -Dzookeeper.extendedTypesEnabled=true: a source
holding TTL nodes stops the copy into any other before anything is
written. (ZooKeeper shows its clients containers and TTL nodes as
persistent znodes: from a ZooKeeper they are copied as such; zkgate and
its dumps tell them apart.)

--from may instead name a dump file, FILE or file://FILE, written by
'zkgate ctl dump': the tree as it was at the dump's zxid is copied as a
live source's would be (sequence counters included), so that a dump is a
backup that zkgate migrate restores, into the same cluster or another.
--path defaults to the dump's path and must lie within it. The whole dump
is read and checked before anything is written: a fault in it is one
error naming its line. Znodes the dump could not read are reported as
unreadable, as with a live source.

Ephemeral znodes are not copied: their owners recreate them once they
connect to zkgate. They are listed at the end. /zookeeper, the server's
own subtree (quotas, config), is skipped too; zkgate diff skips the same.

A znode that zkgate already has gets the source's data and ACL if they
differ, so an interrupted migration is resumed by running it again; a
znode of another kind (say, ephemeral in zkgate) is left alone and listed
as a conflict. Protected trees need the right auth on both ends, with
ADMIN permission on the source (without it ZooKeeper shows digest ACLs
masked, and such a znode is not copied); for ACLs that refuse the copier
itself, use a super user (zkgate serve --zk-super-digest,
--to-auth digest:super:PASSWORD, and ZooKeeper's own super digest with
--from-auth). Check the result with 'zkgate diff'.

A ZooKeeper end that authenticates with SASL is reached with
--from-jaas-config or --to-jaas-config: the JAAS file its Java clients
read (-Djava.security.auth.login.config), whose Client section logs in.
DigestLoginModule's username and password give DIGEST-MD5; Krb5LoginModule
with useKeyTab=true, keyTab and principal gives Kerberos (GSSAPI): zkgate
logs in to the KDC with the keytab (krb5.conf from KRB5_CONFIG, else
/etc/krb5.conf), or with useTicketCache=true takes kinit's ticket
(ticketCache=FILE, else KRB5CCNAME), and asks for a ticket to
zookeeper/HOST, HOST being the host of the address as given (an IP address
is looked up for its name) and zookeeper the service of
--from-sasl-service or --to-sasl-service (the Java client's
zookeeper.sasl.client.username). Every connection authenticates before its
first request, so that znodes with sasl ACLs are read and written as that
identity; sasl ACLs are copied as any other (a zkgate end takes them when
started with zkgate serve --zk-jaas-config, as ZooKeeper with its SASL
provider). --from-auth and --to-auth are added on top. A refusal (a wrong
password, a ticket the server cannot accept, a principal the keytab has no
key for) is one line naming the address, before anything is written.

--dial-timeout bounds the wait for a session with the source, and for a
node of --to (a comma-separated list: any that answers is used): an address
that refuses, or accepts and never answers, is reported in one line with
its cause (cannot reach 127.0.0.1:2181: connection refused).

An https end is verified with the CA certificates of --cacert (the
system's otherwise); --cert and --key present a client certificate to a
node that requires one (zkgate serve --client-cert-auth).

With --delete, the destination's znodes under --path that the source does
not have are deleted too, with what is under them, but for ephemerals (a
live session's, listed and left alone): the way back into a ZooKeeper that
still holds the tree as it was before the move, where znodes deleted in
zkgate since would otherwise come back. Without it nothing is deleted
(zkgate diff lists such znodes, "+ PATH").

With --follow, zkgate migrate keeps following the source after the copy
until interrupted (SIGINT or SIGTERM): creations, data changes and
deletions, made during the copy or after, are brought over, and parents'
sequence counters with them. Point the clients at the destination, then
stop it. A ZooKeeper source (zk://) has every znode read with a watch; a
zkgate source (http(s)://) is followed through one persistent recursive
watch on --path (zkgate's Watch, ZooKeeper's addWatch), opened before the
copy, and opened again on another node of --from, from the last change
brought in, if its node goes away. The first pass copies --parallel
znodes side by side, as a plain copy does. A deletion in the source
leaves an ephemeral of the destination's own at that path alone (its
owner moved and made it) and lists it. ACL changes fire no watch in
ZooKeeper: a last run without --follow, or zkgate diff, catches them.

Progress goes to stderr: first the number of znodes to go through (from
the source's getAllChildrenNumber, ZooKeeper 3.6 and later, less
/zookeeper's), then on a terminal a line redrawn every second, with the
share done and an ETA, else a plain line every 5 seconds. The report goes to stdout: what was
created, updated or already equal, then how the source's znodes under
--path add up (copied, ephemeral, conflict, unreadable: the same number
as the first line, unless the source changed meanwhile), then each znode
not copied and why. The exit status is 0 when everything readable was
copied, 1 if there were conflicts, 2 if znodes could not be read or the
copy failed.`,
		Example: `  zkgate migrate --from 10.0.0.5:2181 --to http://127.0.0.1:2379
  zkgate migrate --from zk1:2181,zk2:2181/app --to http://127.0.0.1:2379 --path /config --from-auth digest:admin:secret
  KRB5_CONFIG=/etc/krb5.conf zkgate migrate --from zk://zk1.example.com:2181 --from-jaas-config /etc/zookeeper/client.jaas --to http://127.0.0.1:2379
  zkgate ctl dump -f app.jsonl /app && zkgate migrate --from app.jsonl --to http://127.0.0.1:2379
  zkgate migrate --follow --delete --from http://127.0.0.1:2379 --to zk://zk1:2181,zk2:2181   # the way back`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if follow {
				if _, ok := dumpFile(m.from); ok {
					return exitError{"--follow follows a live ZooKeeper: a dump does not change", 2}
				}
			}
			src, dst, closeAll, err := m.open(ctx, cmd.Flags().Changed("path"))
			if err != nil {
				return exitError{err.Error(), 2}
			}
			defer closeAll()
			start := time.Now()
			errOut, out := cmd.ErrOrStderr(), cmd.OutOrStdout()
			var res migrate.CopyResult
			fctx, stop := interrupted(ctx)
			defer stop()
			if follow {
				opts := migrate.Options{Workers: parallel, Delete: del}
				copied := func(r migrate.CopyResult) {
					fmt.Fprintf(out, "copied: %d znodes created, %d updated, %d already equal in %.1f s; following changes until interrupted\n",
						r.Created, r.Updated, r.Unchanged, time.Since(start).Seconds())
				}
				if src.zkgate != nil {
					res, err = migrate.FollowZkgate(fctx, src.zkgate, dst.dest(), m.path, opts, copied)
				} else {
					res, err = migrate.Follow(fctx, src.zk, dst.dest(), m.path, opts, copied)
				}
			} else {
				p := newProgress(errOut, start)
				if total, system, ok := m.count(ctx, src); ok {
					p.total = total
					line := fmt.Sprintf("copying %d znodes under %s", total, m.path)
					if system > 0 {
						line += fmt.Sprintf(" (and skipping /zookeeper, the server's own %d)", system)
					}
					fmt.Fprintln(errOut, line)
				}
				res, err = migrate.CopyWith(ctx, src.tree, dst.dest(), m.path, migrate.Options{Workers: parallel, Delete: del}, func(r migrate.CopyResult) {
					p.show(int64(r.Seen()))
				})
				p.end()
			}
			deleted := ""
			if del || res.Deleted > 0 {
				deleted = fmt.Sprintf("; %d deleted, not in the source", res.Deleted)
			}
			fmt.Fprintf(out, "%d znodes created, %d updated, %d already equal in %.1f s; %d sequence counters carried over%s\n", res.Created, res.Updated, res.Unchanged, time.Since(start).Seconds(), res.Sequences, deleted)
			if !follow {
				fmt.Fprintln(out, tally(res, m.path))
			}
			for _, p := range res.Ephemerals {
				fmt.Fprintf(out, "ephemeral, not copied: %s\n", p)
			}
			for _, p := range res.Kept {
				fmt.Fprintf(out, "ephemeral of the destination, not in the source, left to its session: %s\n", p)
			}
			for _, c := range res.Conflicts {
				fmt.Fprintf(out, "conflict, left alone: %s\n", c)
			}
			for _, p := range res.Unreadable {
				if src.dump != nil {
					fmt.Fprintf(out, "not readable when the dump was taken, not copied: %s\n", p)
					continue
				}
				fmt.Fprintf(out, "not readable with the --from-auth given, not copied: %s\n", p)
			}
			if follow && fctx.Err() != nil && ctx.Err() == nil {
				err = nil // interrupted: the way --follow ends
			}
			switch {
			case err != nil:
				return exitError{err.Error(), 2}
			case len(res.Unreadable) > 0:
				return exitError{fmt.Sprintf("%d znodes could not be read", len(res.Unreadable)), 2}
			case len(res.Conflicts) > 0:
				return exitError{fmt.Sprintf("%d conflicts", len(res.Conflicts)), 1}
			}
			return nil
		},
	}
	m.flags(cmd)
	cmd.Flags().BoolVar(&follow, "follow", false, "After the copy, keep following the source's changes until interrupted")
	cmd.Flags().BoolVar(&del, "delete", false, "Delete what the destination has under --path and the source does not (but its ephemerals): for a tree that was a copy before, such as ZooKeeper's on the way back")
	cmd.Flags().IntVar(&parallel, "parallel", 32, "Znodes copied side by side (by --follow too, in its first pass)")
	return cmd
}

// count is the number of the source's znodes under --path that migrate
// goes through, and of those under /zookeeper, which it skips, if the
// source can tell (getAllChildrenNumber).
func (m *migrateEnds) count(ctx context.Context, src end) (total, system int64, ok bool) {
	if src.dump != nil {
		total, system = src.dump.Count(m.path)
		return total, system, true
	}
	count := func(root string) (int64, error) {
		if src.zkgate != nil {
			return src.zkgate.Count(ctx, root)
		}
		return migrate.CountZnodes(ctx, src.connect, m.fromAuth, m.fromSASL, root, m.dest.dialWait)
	}
	total, err := count(m.path)
	if err != nil {
		return 0, 0, false
	}
	if m.path == "/" || m.path == "/zookeeper" {
		if n, err := count("/zookeeper"); err == nil {
			system = n
		}
	}
	return total - system, system, true
}

// tally says how the source's znodes under root add up: the same things
// the "copying N znodes" line counts.
func tally(r migrate.CopyResult, root string) string {
	line := fmt.Sprintf("%d znodes under %s in the source: %d copied or already equal", r.Seen(), root, r.Created+r.Updated+r.Unchanged)
	if n := len(r.Ephemerals); n > 0 {
		line += fmt.Sprintf(", %d %s (not copied: owners recreate them)", n, plural(n, "ephemeral"))
	}
	if n := len(r.Conflicts); n > 0 {
		line += fmt.Sprintf(", %d in conflict (left alone)", n)
	}
	if n := len(r.Unreadable); n > 0 {
		line += fmt.Sprintf(", %d unreadable (not copied, nor what is under them)", n)
	}
	if len(r.System) > 0 {
		line += "; skipped " + strings.Join(r.System, ", ") + ", the server's own subtree"
	}
	if r.Ancestors > 0 {
		line += fmt.Sprintf("; %d %s of %s put first", r.Ancestors, plural(r.Ancestors, "ancestor"), root)
	}
	return line
}

// plural is word, with an s unless n is 1.
func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// progress shows a copy's progress on stderr: a line redrawn in place on
// a terminal, else a plain line every 5 seconds; with the total, the
// share done and an ETA.
type progress struct {
	w       io.Writer
	tty     bool
	start   time.Time
	total   int64
	printed time.Time
	drawn   bool
}

func newProgress(w io.Writer, start time.Time) *progress {
	p := &progress{w: w, start: start}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	return p
}

func (p *progress) show(done int64) {
	if !p.tty && time.Since(p.printed) < 5*time.Second {
		return
	}
	p.printed = time.Now()
	rate := float64(done) / time.Since(p.start).Seconds()
	line := fmt.Sprintf("%d znodes copied, %.0f/s", done, rate)
	if p.total > 0 {
		left := max(p.total-done, 0)
		eta := time.Duration(float64(left)/max(rate, 1)) * time.Second
		line = fmt.Sprintf("%d of %d znodes copied (%.0f%%), %.0f/s, %s to go", done, p.total, 100*float64(done)/float64(p.total), rate, eta.Round(time.Second))
	}
	if p.tty {
		fmt.Fprintf(p.w, "\r\033[K%s", line)
		p.drawn = true
	} else {
		fmt.Fprintln(p.w, line)
	}
}

// end finishes a line drawn in place.
func (p *progress) end() {
	if p.drawn {
		fmt.Fprintln(p.w)
	}
}

func newDiffCommand() *cobra.Command {
	var (
		m                 migrateEnds
		parallel          int
		includeEphemerals bool
		at                string
	)
	cmd := &cobra.Command{
		Use:   "diff --from zk://HOST:PORT[/chroot]|URL|FILE --to URL|zk://HOST:PORT[/chroot] [--path /sub]",
		Short: "Compare a ZooKeeper tree, or a dump, with zkgate's (or any two): paths, data, ACLs and kinds",
		Long: `zkgate diff walks the tree under --path in a live ZooKeeper (--from) and in
zkgate (--to) and prints every difference, one per line:

  - PATH   only in the source (its subtree is not listed further)
  + PATH   only in the destination
  ~ PATH: data|acl|kind differs (how)
  ! PATH: an ACL keeps it from being read (give --from-auth or --to-auth)

where kind is persistent, ephemeral, container or ttl. /zookeeper, each
server's own subtree, is skipped.

Either end may be a ZooKeeper, zk://HOST:PORT[,HOST:PORT...][/chroot]
(for --from the zk:// may be left out), or a zkgate, http(s)://HOST:PORT
[,...], so that every direction zkgate migrate copies in is checked the
same way: after the way back, --from is zkgate and --to ZooKeeper.

Ephemerals are skipped as zkgate migrate skips them: they belong to live
sessions, whose owners recreate them once they connect to zkgate. Each
ephemeral of the source, and each of zkgate where the source has nothing,
is listed after the differences and not counted as one:

  ephemeral, not compared: PATH (what the other side has there)

--include-ephemerals compares them as any other znode.

--from may instead name a dump file (FILE or file://FILE, from 'zkgate
ctl dump'): the tree as it was at the dump's zxid is compared, under the
dump's path unless --path says otherwise. --at compares zkgate (--to) as
it was at a zxid or a time instead: whether a restore gave back the tree
as it was, say.

--dial-timeout bounds the wait for a session with the source, and for a
node of --to (a comma-separated list: any that answers is used): an address
that refuses, or accepts and never answers, is reported in one line with
its cause.

An https end is verified with the CA certificates of --cacert (the
system's otherwise); --cert and --key present a client certificate to a
node that requires one (zkgate serve --client-cert-auth).

A ZooKeeper end that authenticates with SASL (DIGEST-MD5 or Kerberos) is
reached with --from-jaas-config or --to-jaas-config, the JAAS file of its
Java clients (its Client section), as zkgate migrate reaches it (see its
help): znodes only a sasl identity may read are then compared too.

The exit status is 0 only if the trees are the same, 1 if they differ, 2
if they could not all be compared.`,
		Example: `  zkgate diff --from 10.0.0.5:2181 --to http://127.0.0.1:2379
  zkgate diff --from http://127.0.0.1:2379 --to zk://10.0.0.5:2181   # after the way back
  zkgate diff --from zk1:2181,zk2:2181/app --to http://127.0.0.1:2379 --path /config --from-auth digest:admin:secret
  zkgate diff --from zk://zk1.example.com:2181 --from-jaas-config /etc/zookeeper/client.jaas --to http://127.0.0.1:2379`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			src, dst, closeAll, err := m.open(ctx, cmd.Flags().Changed("path"))
			if err != nil {
				return exitError{err.Error(), 2}
			}
			defer closeAll()
			to := dst.tree
			if at != "" {
				if dst.zkgate == nil {
					return exitError{"--at reads a zkgate's history: --to must be a zkgate, http(s)://HOST:PORT", 2}
				}
				p, err := parsePoint("at", at, time.Now())
				if err != nil {
					return exitError{err.Error(), 2}
				}
				zxid := p.zxid
				if p.isTime {
					if zxid, err = dst.zkgate.ZxidAt(ctx, p.ms); err != nil {
						return exitError{fmt.Sprintf("--at %s: %v", at, err), 2}
					}
				}
				to = dst.zkgate.At(zxid)
			}
			out := cmd.OutOrStdout()
			res, err := migrate.Diff(ctx, src.tree, to, m.path, parallel, includeEphemerals, func(d migrate.Difference) {
				if src.dump != nil && d.What == "unreadable" && strings.HasPrefix(d.Detail, "the source's") {
					d.Detail = "the dump could not read it: take it with the auth it needs (zkgate ctl --auth)"
				}
				fmt.Fprintln(out, d)
			})
			if err != nil {
				return exitError{err.Error(), 2}
			}
			for _, e := range res.Ephemerals {
				fmt.Fprintln(out, e)
			}
			notCompared := ""
			if n := len(res.Ephemerals); n > 0 {
				notCompared = fmt.Sprintf("; %d %s not compared (--include-ephemerals compares them)", n, plural(n, "ephemeral"))
			}
			switch status := res.Status(); status {
			case 2:
				return exitError{fmt.Sprintf("%d znodes could not be read (see the lines with !), %d differences in all", res.Unreadable, len(res.Differences)), status}
			case 1:
				return exitError{fmt.Sprintf("%d differences (%d znodes on both sides compared%s)", len(res.Differences), res.Compared, notCompared), status}
			}
			fmt.Fprintf(out, "no differences: %d znodes compared%s\n", res.Compared, notCompared)
			return nil
		},
	}
	m.flags(cmd)
	cmd.Flags().IntVar(&parallel, "parallel", 32, "Znodes compared side by side")
	cmd.Flags().BoolVar(&includeEphemerals, "include-ephemerals", false, "Compare ephemerals too, as any other znode (by default they are listed apart)")
	cmd.Flags().StringVar(&at, "at", "", "Compare the destination (--to) as it was at this point, as long as its cluster still keeps that history: "+pointUsage)
	return cmd
}
