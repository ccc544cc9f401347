package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/zkgate/zkgate/recipes/client"
	"github.com/zkgate/zkgate/schema"
	"github.com/zkgate/zkgate/schema/zkgatepb"
)

// recipeOptions are the flags of lock and elect.
type recipeOptions struct {
	dialFlags
	sessionTimeout time.Duration
	curator        bool
	// states, when set, gets a line on each session state change.
	states io.Writer
}

func (o *recipeOptions) flags(cmd *cobra.Command) {
	f := cmd.Flags()
	o.add(f, "Credentials as scheme:credentials, e.g. digest:user:password (repeatable); a client certificate (--cert) is the x509 identity")
	f.DurationVar(&o.sessionTimeout, "session-timeout", 10*time.Second, "Session timeout: if this process dies, what it holds is freed this long after; if no keepalive succeeds for this long, the session is lost")
	f.BoolVar(&o.curator, "curator", false, "Use Curator's node names and ordering (InterProcessMutex, LeaderLatch) instead of kazoo's")
}

// sessionConn connects and opens a session kept alive until close.
func (o *recipeOptions) sessionConn(cmd *cobra.Command) (*client.Session, *client.Conn, func(), error) {
	conn, rc, err := o.dial(cmd.Context())
	if err != nil {
		return nil, nil, nil, err
	}
	opts := []client.Option{client.WithTimeout(o.sessionTimeout)}
	for _, a := range rc.Auth {
		opts = append(opts, client.WithAuth(a.GetScheme(), string(a.GetCredentials())))
	}
	if w := o.states; w != nil {
		opts = append(opts, client.WithStateListener(func(st client.State) {
			if st == client.Suspended {
				fmt.Fprintf(w, "zkgate: session suspended: no keepalive answered for a third of the session timeout (%s); retrying on %s\n", o.sessionTimeout, strings.Join(o.endpoints, ","))
			}
		}))
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), o.timeout)
	defer cancel()
	s, err := client.NewSession(ctx, conn, opts...)
	if err != nil {
		conn.Close()
		return nil, nil, nil, err
	}
	return s, conn, func() { s.Close(); conn.Close() }, nil
}

// nodeFailed reports whether err is the failure of the node a blocking
// call went through (it died, or its connection broke), not an answer.
func nodeFailed(err error) bool {
	var ee *client.EndpointError
	return errors.As(err, &ee) || status.Code(err) == codes.Unavailable
}

// retryWait reports whether a wait for a lock or a leadership that broke
// (err from Lock, Campaign or removeOwnContenders) is worth making again
// through another node: its node failed, or a request of the clean-up
// found no answer in time (a leader election under way). A ZooKeeper
// error that Lock or Campaign itself answered (a *schema.Error in the
// chain, whatever status it still reports) is not: it is the server's
// answer. Whether the session lives is the caller's check.
func retryWait(err error) bool {
	var cleanup describedError
	var ze *schema.Error
	if !errors.As(err, &cleanup) && errors.As(err, &ze) {
		return false
	}
	return nodeFailed(err) || status.Code(err) == codes.DeadlineExceeded || errors.Is(err, context.DeadlineExceeded)
}

// describedError prints as client.Describe prints err (one line for a
// person) and unwraps to err, for retryWait.
type describedError struct {
	prefix string
	err    error
}

func (e describedError) Error() string { return e.prefix + client.Describe(e.err).Error() }
func (e describedError) Unwrap() error { return e.err }

// removeOwnContenders deletes the contenders of session s under path.
// zkgate lock holds one Mutex per session, so after a Lock call broke
// with its node, any such contender is that call's orphan: left in the
// queue, the retried call would wait behind it for ever (recipes/client
// doc, "Which requests are retried").
func removeOwnContenders(ctx context.Context, s *client.Session, conn *client.Conn, path string, limit time.Duration) error {
	select { // not a busy loop while no node answers
	case <-ctx.Done():
		return ctx.Err()
	case <-s.Done():
		return s.Err()
	case <-time.After(100 * time.Millisecond):
	}
	ns := zkgatepb.NewNamespaceClient(conn)
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	kids, err := ns.GetChildren(ctx, &zkgatepb.GetChildrenRequest{Ctx: s.Context(), Path: path})
	if err != nil {
		return describedError{"listing the contenders of " + path + ": ", err}
	}
	for _, k := range kids.GetChildren() {
		p := strings.TrimSuffix(path, "/") + "/" + k
		st, err := ns.Exists(ctx, &zkgatepb.ExistsRequest{Ctx: s.Context(), Path: p})
		if err != nil {
			continue // gone meanwhile
		}
		if st.GetStat().GetEphemeralOwner() != s.ID() {
			continue
		}
		if _, err := ns.Delete(ctx, &zkgatepb.DeleteRequest{Ctx: s.Context(), Path: p}); err != nil && status.Code(err) != codes.NotFound {
			return describedError{"removing the orphan contender " + p + ": ", err}
		}
	}
	return nil
}

func (o *recipeOptions) recipeOpts(extra ...client.RecipeOption) []client.RecipeOption {
	if o.curator {
		extra = append(extra, client.Curator())
	}
	return extra
}

// interrupted is a context ended by SIGINT or SIGTERM.
func interrupted(parent context.Context) (context.Context, context.CancelFunc) {
	return signal.NotifyContext(parent, os.Interrupt, syscall.SIGTERM)
}

func newLockCommand() *cobra.Command {
	o := &recipeOptions{}
	var (
		identifier string
		killAfter  time.Duration
	)
	cmd := &cobra.Command{
		Use:   "lock [flags] PATH [-- COMMAND [ARGS...]]",
		Short: "Hold a lock on a ZooKeeper path, alone or while a command runs",
		Long: `zkgate lock waits for the lock on PATH (zkgate's Lock service, first come first
served, shared with kazoo's Lock on the same path, or Curator's
InterProcessMutex with --curator), then:

  - with a COMMAND, runs it while holding the lock and releases the lock when
    it exits, exiting with its status. The command gets ZKGATE_LOCK_NODE (the
    lock's znode), ZKGATE_LOCK_TOKEN (its fencing token, the znode's creation
    revision) and ZKGATE_LOCK_SEQUENCE (its sequence number, which grows with
    each holder) in its environment;
  - without one, prints the lock's znode and holds the lock until interrupted
    (Ctrl-C or SIGTERM).

The lock belongs to a session this process keeps alive, through any of
--endpoints that answers: if the process dies, the lock is freed after the
session timeout. If no keepalive succeeds for nine tenths of the session
timeout (every endpoint down or cut off; or the session expired), the lock is
lost: zkgate lock sends the command SIGTERM (and SIGKILL --kill-after later,
if it still runs), says on stderr that the lock was lost, and exits with
status 1. The SIGTERM comes before the server can expire the session, so
before another holder can get the lock; a command that ignores it runs on
until the SIGKILL. The signals go to the command and every process it
started, so a script's children stop with it. After a third of the timeout without a
keepalive it warns that the session is suspended.`,
		Example: `  zkgate lock /locks/backup -- ./backup.sh
  zkgate lock --session-timeout 5s /locks/deploy`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path, command := args[0], args[1:]
			if dash := cmd.ArgsLenAtDash(); dash >= 0 && dash != 1 {
				return fmt.Errorf("lock: one PATH before --, got %d arguments", dash)
			} else if dash < 0 && len(args) > 1 {
				return fmt.Errorf("lock: put the command after --: zkgate lock %s -- %s", path, args[1])
			}
			if killAfter < 0 {
				return fmt.Errorf("--kill-after %s: must not be negative", killAfter)
			}
			ctx, stop := interrupted(cmd.Context())
			defer stop()
			o.states = cmd.ErrOrStderr()
			s, conn, closeSession, err := o.sessionConn(cmd)
			if err != nil {
				return err
			}
			defer closeSession()
			if identifier == "" {
				host, _ := os.Hostname()
				identifier = host + ":" + strconv.Itoa(os.Getpid())
			}
			m := client.NewMutex(s, path, o.recipeOpts(client.Identifier([]byte(identifier)))...)
			err = m.Lock(ctx)
			for err != nil && ctx.Err() == nil && s.Err() == nil && retryWait(err) {
				// The node the wait went through failed; the session
				// lives on through another: wait again there, without
				// the contender the broken call may have left.
				if err = removeOwnContenders(ctx, s, conn, path, o.timeout); err == nil {
					err = m.Lock(ctx)
				}
			}
			if err != nil {
				if ctx.Err() != nil {
					return errors.New("lock: interrupted while waiting")
				}
				if errors.Is(err, client.ErrSessionEnded) {
					return fmt.Errorf("lock: session lost while waiting for %s: %w", path, s.Err())
				}
				return err
			}
			release := func() error {
				rctx, cancel := context.WithTimeout(context.Background(), o.timeout)
				defer cancel()
				return m.Unlock(rctx)
			}
			key := m.Key()
			if len(command) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), key.GetNode())
				select {
				case <-ctx.Done():
				case <-s.Done():
					return fmt.Errorf("lock on %s lost: %w", path, s.Err())
				}
				return release()
			}
			c := exec.Command(command[0], command[1:]...)
			c.Stdin, c.Stdout, c.Stderr = os.Stdin, cmd.OutOrStdout(), cmd.ErrOrStderr()
			c.Env = append(os.Environ(),
				"ZKGATE_LOCK_NODE="+key.GetNode(),
				"ZKGATE_LOCK_TOKEN="+strconv.FormatInt(key.GetToken(), 10),
				"ZKGATE_LOCK_SEQUENCE="+strconv.FormatInt(key.GetSequence(), 10),
			)
			if err := c.Start(); err != nil {
				release()
				return fmt.Errorf("lock: starting %s: %w", command[0], err)
			}
			// Signals go to the command and every process it started (a
			// script's children stop with it). The command stays in
			// zkgate's process group, so whatever stops that group (a
			// terminal's Ctrl-C, a supervisor) stops the command too.
			tree := &processTree{root: c.Process.Pid}
			signal := tree.signal
			exited := make(chan error, 1)
			go func() { exited <- c.Wait() }()
			// lost stops the command before anyone else can hold the
			// lock: SIGTERM, then SIGKILL after --kill-after.
			lost := func() error {
				signal(syscall.SIGTERM)
				sent := "SIGTERM"
				select {
				case <-exited:
				case <-time.After(killAfter):
					signal(syscall.SIGKILL)
					sent = "SIGTERM, then SIGKILL"
					<-exited
				}
				signal(syscall.SIGKILL) // what is left of its children
				return exitError{fmt.Sprintf("lock on %s lost while %s ran (%v): sent it %s", path, command[0], s.Err(), sent), 1}
			}
			var runErr error
			select {
			case runErr = <-exited:
			case <-s.Done():
				return lost()
			case <-ctx.Done():
				// Interrupted: pass it on, wait for the command, release;
				// unless the lock is lost meanwhile.
				signal(syscall.SIGTERM)
				select {
				case runErr = <-exited:
				case <-s.Done():
					return lost()
				}
			}
			if err := release(); err != nil {
				return err
			}
			var exit *exec.ExitError
			if errors.As(runErr, &exit) {
				closeSession()
				os.Exit(exit.ExitCode())
			}
			return runErr
		},
	}
	o.flags(cmd)
	cmd.Flags().StringVar(&identifier, "identifier", "", "Identifier stored in the lock's znode (default HOST:PID), shown as the holder")
	cmd.Flags().DurationVar(&killAfter, "kill-after", 10*time.Second, "When the lock is lost, send SIGKILL this long after SIGTERM if the command still runs")
	return cmd
}

func newElectCommand() *cobra.Command {
	o := &recipeOptions{}
	var listen bool
	cmd := &cobra.Command{
		Use:   "elect [flags] PATH [PROPOSAL]",
		Short: "Run for leader on a ZooKeeper path, or watch who leads",
		Long: `zkgate elect campaigns in the election on PATH (zkgate's Election service,
shared with kazoo's Election on the same path, or Curator's LeaderLatch with
--curator) with PROPOSAL as its value. When elected it prints the leader's
znode and PROPOSAL, and leads until interrupted (Ctrl-C or SIGTERM); then it
resigns.

With -l it only observes: it prints the leader's znode and value, then again
at each change of leader or value, until interrupted. When the node it
observes through goes away, it goes on through another of --endpoints.

Leadership belongs to a session this process keeps alive, through any of
--endpoints that answers: if the process dies, another candidate takes over
after the session timeout. If no keepalive succeeds for nine tenths of the
session timeout, leadership is lost: zkgate elect says so and exits with
status 1, before the server can expire the session and elect another
candidate.`,
		Example: `  zkgate elect /election/scheduler "$(hostname)"
  zkgate elect -l /election/scheduler`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := args[0]
			if listen != (len(args) == 1) {
				if listen {
					return errors.New("elect: -l takes no PROPOSAL")
				}
				return errors.New("elect: give a PROPOSAL to campaign, or -l to observe")
			}
			ctx, stop := interrupted(cmd.Context())
			defer stop()
			o.states = cmd.ErrOrStderr()
			s, conn, closeSession, err := o.sessionConn(cmd)
			if err != nil {
				return err
			}
			defer closeSession()
			e := client.NewElection(s, path, o.recipeOpts()...)
			out := cmd.OutOrStdout()
			if listen {
				return observe(ctx, e, s, path, out, o.timeout)
			}
			err = e.Campaign(ctx, []byte(args[1]))
			for err != nil && ctx.Err() == nil && s.Err() == nil && retryWait(err) {
				// As lock: campaign again through another node.
				if err = removeOwnContenders(ctx, s, conn, path, o.timeout); err == nil {
					err = e.Campaign(ctx, []byte(args[1]))
				}
			}
			if err != nil {
				if ctx.Err() != nil {
					return errors.New("elect: interrupted while campaigning")
				}
				if errors.Is(err, client.ErrSessionEnded) {
					return fmt.Errorf("elect: session lost while campaigning on %s: %w", path, s.Err())
				}
				return err
			}
			fmt.Fprintf(out, "%s\n%s\n", e.Key().GetNode(), args[1])
			select {
			case <-ctx.Done():
			case <-s.Done():
				return fmt.Errorf("leadership of %s lost: %w", path, s.Err())
			}
			rctx, cancel := context.WithTimeout(context.Background(), o.timeout)
			defer cancel()
			return e.Resign(rctx)
		},
	}
	o.flags(cmd)
	cmd.Flags().BoolVarP(&listen, "listen", "l", false, "Only observe the leader")
	return cmd
}

// processTree is a command and the processes it started, found through
// /proc (Linux). Each is known by its pid and its start time, so that a
// pid reused by another process is never signalled.
type processTree struct {
	root  int
	known map[int]string // pid -> start time (/proc/PID/stat field 22)
}

// signal sends sig to every process of the tree: those known before and
// still running, and those below the root now.
func (t *processTree) signal(sig syscall.Signal) {
	if t.known == nil {
		t.known = map[int]string{}
	}
	parents := map[int][]int{}
	starts := map[int]string{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ppid, start, ok := procStat(pid); ok {
			parents[ppid] = append(parents[ppid], pid)
			starts[pid] = start
		}
	}
	if _, ok := starts[t.root]; ok {
		for queue := []int{t.root}; len(queue) > 0; queue = queue[1:] {
			pid := queue[0]
			if _, seen := t.known[pid]; !seen {
				t.known[pid] = starts[pid]
			}
			queue = append(queue, parents[pid]...)
		}
	}
	for pid, start := range t.known {
		if starts[pid] == start {
			_ = syscall.Kill(pid, sig)
		}
	}
}

// procStat reads a process's parent pid and start time from
// /proc/PID/stat; a zombie counts as gone.
func procStat(pid int) (ppid int, start string, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, "", false
	}
	// "pid (comm) state ppid ...": comm may hold spaces and parentheses.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, "", false
	}
	f := strings.Fields(string(b[i+1:]))
	// f[0] is field 3 (state), so field n is f[n-3].
	if len(f) < 20 || f[0] == "Z" {
		return 0, "", false
	}
	ppid, err = strconv.Atoi(f[1])
	return ppid, f[19], err == nil
}

// observe prints the leader of e's election, then each change of leader
// or value, until ctx ends. When the observation's node goes away, it
// observes again through another of the endpoints (printing only what
// changed meanwhile); it fails on an error of the server's (NoAuth, a
// bad path), once no observation could be made for retryFor, or when
// the session is lost.
func observe(ctx context.Context, e *client.Election, s *client.Session, path string, out io.Writer, retryFor time.Duration) error {
	var lastNode string
	var lastValue []byte
	failingSince := time.Now()
	for {
		for l := range e.Observe(ctx) {
			failingSince = time.Now()
			if l.Key.GetNode() == lastNode && bytes.Equal(l.Value, lastValue) {
				continue // seen before the observation moved
			}
			lastNode, lastValue = l.Key.GetNode(), l.Value
			fmt.Fprintf(out, "%s\n%s\n", lastNode, lastValue)
		}
		err := e.ObserveErr()
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil && !nodeFailed(err):
			return fmt.Errorf("elect: %w", client.Describe(err))
		case s.Err() != nil:
			return fmt.Errorf("elect: observing %s: %w", path, s.Err())
		case time.Since(failingSince) > retryFor:
			return fmt.Errorf("elect: observing %s: no node answered for %s: %w", path, retryFor, client.Describe(err))
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(100 * time.Millisecond):
		}
	}
}
