package e2e

import (
	"fmt"
	"net"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zkgate/zkgate/e2e/harness"
)

// silentListener accepts connections on a loopback port and never
// answers; hangUp closes each one at once instead. The listener and
// its connections are closed when the test ends.
func silentListener(t *testing.T, hangUp bool) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
		done  = make(chan struct{})
	)
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if hangUp {
				c.Close()
				continue
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

// refusedAddr is a loopback address where nothing listens.
func refusedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestZooKeeperDial_Unreachable: migrate, diff and bench --zk against a
// ZooKeeper address that refuses, one that accepts and never answers,
// and one that hangs up, each end within --dial-timeout (a refusal at
// once) with one line that names the address and the cause.
func TestZooKeeperDial_Unreachable(t *testing.T) {
	t.Parallel()
	harness.Zkgate(t) // built before any run is timed
	refused := refusedAddr(t)
	silent := silentListener(t, false)
	hangUp := silentListener(t, true)
	to := "http://" + refusedAddr(t) // never dialed: the source comes first

	commands := map[string]func(from string) []string{
		"migrate": func(from string) []string { return []string{"migrate", "--from", from, "--to", to} },
		"diff":    func(from string) []string { return []string{"diff", "--from", from, "--to", to} },
		"bench":   func(from string) []string { return []string{"bench", "set", "--zk", from, "--ops", "10"} },
	}
	cases := []struct {
		name, from string
		timeout    string        // --dial-timeout
		want       string        // the message's start, after "zkgate: "
		atLeast    time.Duration // how long the wait must be
		atMost     time.Duration
	}{
		{"refused", refused, "3s", "cannot reach " + refused + ": connection refused", 0, 3 * time.Second},
		{"silent", silent, "1s", silent + ": no answer within 1s", time.Second, 4 * time.Second},
		{"hang-up", hangUp, "3s", hangUp + ": closed the connection without a session", 0, 3 * time.Second},
		// Each address gets a third of the 3 s.
		{"all three", refused + "," + silent + "," + hangUp, "3s", "", time.Second, 5 * time.Second},
	}
	for cmd, args := range commands {
		for _, c := range cases {
			t.Run(cmd+"/"+c.name, func(t *testing.T) {
				t.Parallel()
				start := time.Now()
				r := harness.RunZkgate(t, 30*time.Second, nil, append(args(c.from), "--dial-timeout", c.timeout)...)
				took := time.Since(start)
				msg := strings.TrimSuffix(r.Stderr, "\n")
				if cmd == "bench" {
					msg = strings.Replace(msg, "preparing set on zk://"+c.from+": ", "", 1)
				} else {
					msg = strings.Replace(msg, "source: ", "", 1)
				}
				if r.ExitCode == 0 || strings.Contains(msg, "\n") || !strings.HasPrefix(msg, "zkgate: "+c.want) {
					t.Fatalf("exit %d, stderr %q; want one line starting %q", r.ExitCode, r.Stderr, "zkgate: "+c.want)
				}
				if cmd != "bench" && r.ExitCode != 2 {
					t.Errorf("exit %d, want 2", r.ExitCode)
				}
				if c.name == "all three" {
					for _, part := range []string{"cannot reach " + refused + ": connection refused", silent + ": no answer within 1s", hangUp + ": closed the connection"} {
						if !strings.Contains(msg, part) {
							t.Errorf("stderr %q lacks %q", r.Stderr, part)
						}
					}
				}
				if took < c.atLeast || took > c.atMost {
					t.Errorf("took %v, want between %v and %v", took, c.atLeast, c.atMost)
				}
			})
		}
	}
	t.Run("bad-timeout", func(t *testing.T) {
		t.Parallel()
		r := harness.RunZkgate(t, 30*time.Second, nil, "diff", "--from", refused, "--to", to, "--dial-timeout", "0s")
		if r.ExitCode != 2 || !strings.Contains(r.Stderr, "--dial-timeout 0s: must be positive") {
			t.Fatalf("exit %d, stderr %q", r.ExitCode, r.Stderr)
		}
	})
}

// TestMigrate_SkipsAndCounts: against a real ZooKeeper 3.8 whose tree
// holds a live ephemeral (its session kept open by the test), migrate
// from / announces as many znodes as its report adds up to, and names
// what it skipped (the ephemeral, /zookeeper) and why, and a subtree's
// ancestors apart; diff skips the
// same, lists the ephemerals of both sides apart and finds no
// difference, unless --include-ephemerals; a refused auth scheme and the
// happy path go through the bounded dial.
func TestMigrate_SkipsAndCounts(t *testing.T) {
	t.Parallel()
	ref := harness.StartZooKeeper(t)
	n := harness.StartNode(t, harness.NodeOptions{})
	src, _ := zkConnect(t, ref.Addr)
	open := zk.WorldACL(zk.PermAll)
	for _, p := range []string{"/svc", "/svc/a", "/svc/b", "/svc/members", "/cfg"} {
		if _, err := src.Create(p, []byte(p), 0, open); err != nil {
			t.Fatal(err)
		}
	}
	// The live ephemeral of another session, kept open until the end.
	owner, _ := zkConnect(t, ref.Addr)
	if _, err := owner.Create("/svc/members/m1", []byte("host:1"), zk.FlagEphemeral, open); err != nil {
		t.Fatal(err)
	}

	ends := []string{"--from", ref.Addr, "--to", n.ClientURL, "--dial-timeout", "10s"}
	r := harness.RunZkgate(t, 60*time.Second, nil, append([]string{"migrate"}, ends...)...)
	// The source counts 10 under / (getAllChildrenNumber 9, and /):
	// /zookeeper's 3 are skipped, 7 gone through, 6 copied (/ among
	// them, already there) and the ephemeral listed.
	if r.ExitCode != 0 ||
		!strings.Contains(r.Stderr, "copying 7 znodes under / (and skipping /zookeeper, the server's own 3)\n") ||
		!strings.Contains(r.Stdout, "\n7 znodes under / in the source: 6 copied or already equal, 1 ephemeral (not copied: owners recreate them); skipped /zookeeper, the server's own subtree\n") ||
		!strings.Contains(r.Stdout, "\nephemeral, not copied: /svc/members/m1\n") {
		t.Fatalf("migrate: status %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	// The announced number and the report's agree.
	announced := regexp.MustCompile(`copying (\d+) znodes`).FindStringSubmatch(r.Stderr)
	var created, updated, equal int
	if _, err := fmt.Sscanf(r.Stdout, "%d znodes created, %d updated, %d already equal", &created, &updated, &equal); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(created + updated + equal + 1); announced == nil || announced[1] != got {
		t.Fatalf("announced %v znodes, the report adds up to %s\n%s%s", announced, got, r.Stdout, r.Stderr)
	}

	// A subtree: its ancestor is put first and counted apart.
	r = harness.RunZkgate(t, 60*time.Second, nil, append([]string{"migrate", "--path", "/svc/members"}, ends...)...)
	if r.ExitCode != 0 || !strings.Contains(r.Stderr, "copying 2 znodes under /svc/members\n") ||
		!strings.Contains(r.Stdout, "\n2 znodes under /svc/members in the source: 1 copied or already equal, 1 ephemeral (not copied: owners recreate them); 1 ancestor of /svc/members put first\n") {
		t.Fatalf("migrate a subtree: status %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}

	// zkgate's own session holds an ephemeral the source lacks.
	dst, _ := zkConnect(t, n.ZKAddr)
	if _, err := dst.Create("/svc/members/m2", nil, zk.FlagEphemeral, open); err != nil {
		t.Fatal(err)
	}
	r = harness.RunZkgate(t, 60*time.Second, nil, append([]string{"diff"}, ends...)...)
	want := "ephemeral, not compared: /svc/members/m1 (in the source; its owner recreates it once connected to zkgate)\n" +
		"ephemeral, not compared: /svc/members/m2 (in the destination only, a session's of zkgate)\n" +
		"no differences: 6 znodes compared; 2 ephemerals not compared (--include-ephemerals compares them)\n"
	if r.ExitCode != 0 || r.Stdout != want {
		t.Fatalf("diff: status %d\n%s%s\nwant\n%s", r.ExitCode, r.Stdout, r.Stderr, want)
	}
	r = harness.RunZkgate(t, 60*time.Second, nil, append([]string{"diff", "--include-ephemerals"}, ends...)...)
	if r.ExitCode != 1 || r.Stdout != "- /svc/members/m1 (only in the source)\n+ /svc/members/m2 (only in the destination)\n" ||
		!strings.Contains(r.Stderr, "2 differences (6 znodes on both sides compared)") {
		t.Fatalf("diff --include-ephemerals: status %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}

	// ZooKeeper refuses an auth scheme it does not know: one line with
	// the address and the scheme, and no credentials.
	r = harness.RunZkgate(t, 60*time.Second, nil, append([]string{"diff", "--from-auth", "nosuch:letmein"}, ends...)...)
	if want := "zkgate: source: " + ref.Addr + ": auth failed (scheme nosuch): the server refused the credentials\n"; r.ExitCode != 2 || r.Stderr != want || strings.Contains(r.Stdout, "letmein") {
		t.Fatalf("a refused auth: status %d, stderr %q, want %q", r.ExitCode, r.Stderr, want)
	}
}
