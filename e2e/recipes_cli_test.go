package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zkgate/zkgate/e2e/harness"
)

// cliProc is a process (the zkgate CLI, a kazoo script) whose output
// lines the test reads as they come and whose stdin it can write.
type cliProc struct {
	t     *testing.T
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan string
	done  chan struct{}
}

// startCLI starts the zkgate binary with args.
func startCLI(t *testing.T, args ...string) *cliProc {
	t.Helper()
	return startProc(t, exec.Command(harness.Zkgate(t), args...))
}

// startProc starts cmd in its own process group (so a kill reaches the
// commands it runs too); the process is killed when the test ends.
func startProc(t *testing.T, cmd *exec.Cmd) *cliProc {
	t.Helper()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &cliProc{t: t, cmd: cmd, stdin: stdin, lines: make(chan string, 100), done: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		close(p.lines)
		cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			t.Logf("%s stderr:\n%s", strings.Join(cmd.Args, " "), stderr.String())
		}
	})
	return p
}

// send writes a line to the process's stdin.
func (p *cliProc) send(line string) {
	p.t.Helper()
	if _, err := io.WriteString(p.stdin, line+"\n"); err != nil {
		p.t.Fatal(err)
	}
}

// kill sends SIGKILL to the process group and waits for the process.
func (p *cliProc) kill() {
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	<-p.done
}

// line waits for the next output line.
func (p *cliProc) line(timeout time.Duration) string {
	p.t.Helper()
	select {
	case l, ok := <-p.lines:
		if !ok {
			p.t.Fatal("process ended without the line awaited")
		}
		return l
	case <-time.After(timeout):
		p.t.Fatal("no output line in time")
	}
	return ""
}

// quiet reports whether no line comes while ctx lasts.
func (p *cliProc) quiet(ctx context.Context) bool {
	select {
	case l, ok := <-p.lines:
		if ok {
			p.t.Logf("unexpected line %q", l)
		}
		return false
	case <-ctx.Done():
		return true
	}
}

// TestLockCLI_CrashedHolderIsReplaced: `zkgate lock PATH -- COMMAND`
// runs the command while holding the lock (with its token in the
// environment); a second one waits; when the holder's process is killed
// with SIGKILL, the waiter gets the lock once the dead holder's session
// has expired, within the session timeout and a margin.
func TestLockCLI_CrashedHolderIsReplaced(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{})
	const timeout = 4 * time.Second
	lock := func(label string) *cliProc {
		return startCLI(t, "lock", "--endpoints", n.ClientURL, "--session-timeout", timeout.String(), "/locks/crash",
			"--", "sh", "-c", `echo `+label+` $ZKGATE_LOCK_TOKEN $ZKGATE_LOCK_NODE; exec sleep 300`)
	}
	a := lock("A")
	first := strings.Fields(a.line(30 * time.Second))
	if len(first) != 3 || first[0] != "A" || first[1] == "" || !strings.HasPrefix(first[2], "/locks/crash/") {
		t.Fatalf("holder's command saw %q", first)
	}
	b := lock("B")
	// The waiter is queued once its contender exists: two children.
	waitChildren(t, n, "/locks/crash", 2)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	if !b.quiet(ctx) {
		t.Fatal("the waiter ran its command while the holder held the lock")
	}
	cancel()
	killed := time.Now()
	a.kill()
	second := strings.Fields(b.line(3 * timeout))
	if len(second) != 3 || second[0] != "B" || atoi(t, second[1]) <= atoi(t, first[1]) {
		t.Fatalf("waiter's command saw %q after the holder's %q", second, first)
	}
	if took := time.Since(killed); took > timeout+3*time.Second {
		t.Fatalf("the lock passed %v after the holder died; session timeout %v", took, timeout)
	}
}

// TestLockCLI_ExitStatusAndRelease: the command's exit status is zkgate
// lock's, and the lock is free afterwards.
func TestLockCLI_ExitStatusAndRelease(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{})
	r := harness.RunZkgate(t, 30*time.Second, nil, "lock", "--endpoints", n.ClientURL, "/locks/status", "--", "sh", "-c", "exit 7")
	if r.ExitCode != 7 {
		t.Fatalf("exit status %d, want the command's 7; stderr %s", r.ExitCode, r.Stderr)
	}
	waitChildren(t, n, "/locks/status", 0)
	r = harness.RunZkgate(t, 30*time.Second, nil, "lock", "--endpoints", n.ClientURL, "/locks/status", "extra")
	if r.ExitCode == 0 || !strings.Contains(r.Stderr, "--") {
		t.Fatalf("a command without --: status %d, stderr %s", r.ExitCode, r.Stderr)
	}
}

// TestElectCLI: three candidates and an observer; the observer prints
// each leader in turn as the first resigns (SIGINT) and the second is
// killed (SIGKILL).
func TestElectCLI(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{})
	elect := func(args ...string) *cliProc {
		return startCLI(t, append([]string{"elect", "--endpoints", n.ClientURL, "--session-timeout", "4s"}, args...)...)
	}
	var cands []*cliProc
	for i, name := range []string{"alpha", "beta", "gamma"} {
		cands = append(cands, elect("/election/cli", name))
		if i == 0 {
			if node := cands[0].line(30 * time.Second); !strings.HasPrefix(node, "/election/cli/") {
				t.Fatalf("leader printed %q", node)
			}
			if v := cands[0].line(time.Second); v != "alpha" {
				t.Fatalf("leader printed value %q", v)
			}
		}
		waitChildren(t, n, "/election/cli", i+1)
	}
	obs := elect("-l", "/election/cli")
	next := func(want string) {
		t.Helper()
		obs.line(30 * time.Second) // the leader's znode
		if v := obs.line(time.Second); v != want {
			t.Fatalf("observer saw leader %q, want %q", v, want)
		}
	}
	next("alpha")
	_ = cands[0].cmd.Process.Signal(syscall.SIGINT) // resigns
	<-cands[0].done
	if cands[0].cmd.ProcessState.ExitCode() != 0 {
		t.Fatalf("interrupted leader exited with %d", cands[0].cmd.ProcessState.ExitCode())
	}
	next("beta")
	cands[1].line(10 * time.Second)
	if v := cands[1].line(time.Second); v != "beta" {
		t.Fatalf("second leader printed %q", v)
	}
	cands[1].kill()
	next("gamma")
}

func atoi(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// waitChildren waits until path has n children, read with zkgate ctl.
func waitChildren(t *testing.T, n *harness.Node, path string, want int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		r := harness.RunZkgate(t, 30*time.Second, nil, "ctl", "--endpoints", n.ClientURL, "-o", "json", "ls", path)
		var ls struct{ Children []string }
		got := -1
		if json.Unmarshal([]byte(r.Stdout), &ls) == nil {
			got = len(ls.Children)
		}
		if r.ExitCode == 0 && got == want || want == 0 && r.ExitCode != 0 && strings.Contains(r.Stderr, "NoNode") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s has %d children (status %d, %s), want %d", path, got, r.ExitCode, r.Stderr, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
