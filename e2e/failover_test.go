package e2e

import (
	"context"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zkgate/zkgate/e2e/harness"
)

// oneLineErr checks a failed command's stderr: exit status 1, one line,
// containing want, and no gRPC text.
func oneLineErr(t *testing.T, r harness.Result, want string) {
	t.Helper()
	msg := strings.TrimSpace(r.Stderr)
	if r.ExitCode == 0 || !strings.Contains(msg, want) || strings.Contains(msg, "rpc error") || strings.Count(msg, "\n") > 0 {
		t.Errorf("got exit %d, stderr %q; want one line with %q and no gRPC text", r.ExitCode, msg, want)
	}
}

// TestFailover_FirstEndpointDown: with the first of --endpoints down,
// ctl, lock and elect use the next one, as etcdctl does.
func TestFailover_FirstEndpointDown(t *testing.T) {
	c := harness.StartCluster(t, 3)
	c.Nodes[0].Kill()
	// Writes are not retried through an election (see recipes/client's
	// doc): let the others agree on a leader first, should node1 have led.
	c.Leader(10 * time.Second)
	eps := strings.Join(c.Endpoints(), ",")
	if r := harness.RunZkgate(t, 20*time.Second, nil, "ctl", "--endpoints", eps, "create", "/c1", "v1"); r.ExitCode != 0 {
		t.Fatalf("create: exit %d: %s", r.ExitCode, r.Stderr)
	}
	if r := harness.RunZkgate(t, 20*time.Second, nil, "ctl", "--endpoints", eps, "get", "/c1"); r.ExitCode != 0 || strings.TrimSpace(r.Stdout) != "v1" {
		t.Fatalf("get: exit %d, stdout %q, stderr %s", r.ExitCode, r.Stdout, r.Stderr)
	}
	if r := harness.RunZkgate(t, 20*time.Second, nil, "lock", "--endpoints", eps, "/locks/first-down", "--", "echo", "held"); r.ExitCode != 0 || r.Stdout != "held\n" {
		t.Fatalf("lock: exit %d, stdout %q, stderr %s", r.ExitCode, r.Stdout, r.Stderr)
	}
	// The only endpoint down: a one-line error naming it.
	r := harness.RunZkgate(t, 20*time.Second, nil, "ctl", "--endpoints", c.Nodes[0].ClientURL, "get", "/c1")
	oneLineErr(t, r, "cannot reach "+c.Nodes[0].ClientURL+": connection refused")
	r = harness.RunZkgate(t, 20*time.Second, nil, "elect", "--endpoints", c.Nodes[0].ClientURL, "/e", "me")
	oneLineErr(t, r, "cannot reach "+c.Nodes[0].ClientURL+": connection refused")
}

// TestFailover_SessionKeepsItsLock: a holder that lists every node keeps
// its session, and so its lock, when the node it uses dies: the lock's
// command runs to its end, and a second holder gets the lock only then.
func TestFailover_SessionKeepsItsLock(t *testing.T) {
	c := harness.StartCluster(t, 3, "--zk-min-session-timeout", "1000")
	n := c.Nodes
	file := filepath.Join(t.TempDir(), "holders")
	a := holderCmdFor(t, n[2].ClientURL+","+n[0].ClientURL+","+n[1].ClientURL, "/locks/keep", "A", file, 100)
	var aErr strings.Builder
	a.Stderr = &aErr
	if err := a.Start(); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, file, "A start", 15*time.Second)
	n[2].Kill()
	b := holderCmd(t, n[0].ClientURL+","+n[1].ClientURL, "/locks/keep", "B", file)
	b.Stderr = &strings.Builder{}
	if err := b.Start(); err != nil {
		t.Fatal(err)
	}
	if code := waitExit(t, b, 30*time.Second); code != 0 {
		t.Fatalf("second holder exited %d: %s", code, b.Stderr)
	}
	if code := waitExit(t, a, 15*time.Second); code != 0 {
		t.Fatalf("first holder exited %d, want 0 (its session moved to another node); stderr: %s", code, aErr.String())
	}
	ev := holderEvents(t, file)
	if _, ok := ev["A term"]; ok {
		t.Fatalf("first holder's command got SIGTERM; events %v; stderr %s", ev, aErr.String())
	}
	if ev["B start"] <= ev["A end"] {
		t.Fatalf("second holder started before the first ended: %v", ev)
	}
}

// TestFailover_LockRightAfterLeaderKilled: a lock started just after the
// etcd leader dies waits out the election (retrying session creation
// within --command-timeout) instead of failing with "request timed out".
func TestFailover_LockRightAfterLeaderKilled(t *testing.T) {
	c := harness.StartCluster(t, 3)
	leader := c.Leader(10 * time.Second)
	var eps []string
	for _, n := range c.Nodes {
		if n != leader {
			eps = append(eps, n.ClientURL)
		}
	}
	leader.Kill()
	r := harness.RunZkgate(t, 30*time.Second, nil, "lock", "--endpoints", strings.Join(eps, ","), "/locks/after-leader", "--", "echo", "held")
	if r.ExitCode != 0 || r.Stdout != "held\n" {
		t.Fatalf("lock after the leader died: exit %d, stdout %q, stderr %s", r.ExitCode, r.Stdout, r.Stderr)
	}
}

// TestDialErrors_OneLine: what the client commands say when an endpoint
// cannot be used: a refused port, a listener that accepts and never
// answers, a TLS endpoint given as http://, an https endpoint that wants
// a client certificate not given.
func TestDialErrors_OneLine(t *testing.T) {
	refused := "http://127.0.0.1:" + itoa(int64(harness.FreePort(t)))
	t.Run("refused", func(t *testing.T) {
		for _, args := range [][]string{
			{"ctl", "--endpoints", refused, "get", "/c1"},
			{"lock", "--endpoints", refused, "/l", "--", "true"},
			{"elect", "--endpoints", refused, "/e", "me"},
		} {
			start := time.Now()
			oneLineErr(t, harness.RunZkgate(t, 20*time.Second, nil, args...), "cannot reach "+refused+": connection refused")
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("%s took %s for a refused port", args[0], d)
			}
		}
	})
	t.Run("silent", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		go func() {
			var held []net.Conn
			defer func() {
				for _, c := range held {
					c.Close()
				}
			}()
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				held = append(held, c)
			}
		}()
		ep := "http://" + ln.Addr().String()
		start := time.Now()
		oneLineErr(t, harness.RunZkgate(t, 20*time.Second, nil, "ctl", "--endpoints", ep, "--dial-timeout", "1s", "get", "/c1"), ep+": no answer within 1s")
		if d := time.Since(start); d > 4*time.Second {
			t.Errorf("a silent port took %s with --dial-timeout 1s", d)
		}
	})
	certs := harness.NewCerts(t)
	n, _ := startTLSNode(t, certs, true)
	hostPort := strings.TrimPrefix(n.ClientURL, "https://")
	t.Run("tls-as-http", func(t *testing.T) {
		oneLineErr(t, harness.RunZkgate(t, 20*time.Second, nil, "ctl", "--endpoints", "http://"+hostPort, "get", "/c1"), hostPort+" serves TLS: use https://")
	})
	t.Run("no-client-cert", func(t *testing.T) {
		oneLineErr(t, harness.RunZkgate(t, 20*time.Second, nil, "ctl", "--endpoints", n.ClientURL, "--cacert", certs.CAFile, "get", "/c1"), "the server requires a client certificate")
	})
	t.Run("with-client-cert", func(t *testing.T) {
		r := harness.RunZkgate(t, 20*time.Second, nil, append([]string{"ctl", "--endpoints", n.ClientURL}, append(certs.EtcdctlArgs(true), "create", "/c1", "x")...)...)
		if r.ExitCode != 0 {
			t.Fatalf("with a client certificate: exit %d: %s", r.ExitCode, r.Stderr)
		}
	})
}

// TestFailover_NoQuorum: a node that has lost its quorum is named, and
// the cause is "no quorum", not gRPC's text.
func TestFailover_NoQuorum(t *testing.T) {
	c := harness.StartCluster(t, 3)
	c.Nodes[1].Kill()
	c.Nodes[2].Kill()
	start := time.Now()
	r := harness.RunZkgate(t, 30*time.Second, nil, "ctl", "--endpoints", c.Nodes[0].ClientURL, "create", "/nq", "x")
	t.Logf("after %s: %s", time.Since(start), r.Stderr)
	oneLineErr(t, r, "no quorum")
	r = harness.RunZkgate(t, 30*time.Second, nil, "lock", "--endpoints", c.Nodes[0].ClientURL, "/l", "--", "true")
	t.Logf("after %s: %s", time.Since(start), r.Stderr)
	oneLineErr(t, r, "no quorum")
}

// TestFailover_WaiterMovesWithItsSession: a lock waiter whose node dies
// waits on through another listed node, in the same session, and gets
// the lock when the holder lets go (without its orphaned contender of
// the broken call blocking it).
func TestFailover_WaiterMovesWithItsSession(t *testing.T) {
	c := harness.StartCluster(t, 3, "--zk-min-session-timeout", "1000")
	n := c.Nodes
	file := filepath.Join(t.TempDir(), "holders")
	a := holderCmdFor(t, n[0].ClientURL, "/locks/wait", "A", file, 80)
	a.Stderr = &strings.Builder{}
	if err := a.Start(); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, file, "A start", 15*time.Second)
	b := holderCmd(t, n[2].ClientURL+","+n[1].ClientURL, "/locks/wait", "B", file)
	var bErr strings.Builder
	b.Stderr = &bErr
	if err := b.Start(); err != nil {
		t.Fatal(err)
	}
	// B waits once its contender is there.
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		r := harness.RunZkgate(t, 10*time.Second, nil, "ctl", "--endpoints", n[0].ClientURL, "ls", "/locks/wait")
		if len(strings.Fields(r.Stdout)) >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("second contender never queued: %q %s", r.Stdout, r.Stderr)
		}
	}
	n[2].Kill()
	if code := waitExit(t, a, 20*time.Second); code != 0 {
		t.Fatalf("holder exited %d: %s", code, a.Stderr)
	}
	if code := waitExit(t, b, 30*time.Second); code != 0 {
		t.Fatalf("waiter exited %d, want 0 (it should wait on through node2): %s", code, bErr.String())
	}
	ev := holderEvents(t, file)
	if ev["B start"] <= ev["A end"] {
		t.Fatalf("waiter started before the holder ended: %v", ev)
	}
}

// TestFailover_ObserverMovesToAnotherNode: `zkgate elect -l` with every
// node listed keeps observing when the node it observes through dies,
// and prints the next leader once.
func TestFailover_ObserverMovesToAnotherNode(t *testing.T) {
	c := harness.StartCluster(t, 3)
	n1, n2, n3 := c.Nodes[0].ClientURL, c.Nodes[1].ClientURL, c.Nodes[2].ClientURL
	alpha := startCLI(t, "elect", "--endpoints", n2, "--session-timeout", "4s", "/election/moving", "alpha")
	if node := alpha.line(30 * time.Second); !strings.HasPrefix(node, "/election/moving/") {
		t.Fatalf("leader printed %q", node)
	}
	alpha.line(5 * time.Second)
	// The observer lists node1 and, through a proxy that first answers
	// nothing, node2: it starts on node1.
	u2, err := url.Parse(n2)
	if err != nil {
		t.Fatal(err)
	}
	p, proxied := clientProxy(t, u2.Host)
	p.BlackholeTx()
	p.BlackholeRx()
	obs := startCLI(t, "elect", "-l", "--endpoints", n1+","+proxied, "--session-timeout", "4s", "/election/moving")
	next := func(want string) {
		t.Helper()
		obs.line(30 * time.Second) // the leader's znode
		if v := obs.line(5 * time.Second); v != want {
			t.Fatalf("observer saw leader %q, want %q", v, want)
		}
	}
	next("alpha")
	p.UnblackholeTx()
	p.UnblackholeRx()
	c.Nodes[0].Kill()
	c.Leader(10 * time.Second)
	beta := startCLI(t, "elect", "--endpoints", n3, "--session-timeout", "4s", "/election/moving", "beta")
	waitChildren(t, c.Nodes[2], "/election/moving", 2)
	_ = alpha.cmd.Process.Signal(syscall.SIGINT) // resigns
	<-alpha.done
	if beta.line(30*time.Second) == "" {
		t.Fatal("beta not elected")
	}
	next("beta")
	// No leader printed twice: nothing more comes while beta leads.
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if !obs.quiet(ctx) {
		t.Fatal("observer printed again without a change of leader")
	}
	select {
	case <-obs.done:
		t.Fatal("observer exited")
	default:
	}
}
