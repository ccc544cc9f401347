package e2e

import (
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.etcd.io/etcd/pkg/v3/proxy"

	"github.com/zkgate/zkgate/e2e/harness"
)

// Holders of one lock append to one file: "NAME start NANOS" when their
// command starts, and "NAME term NANOS" when it gets SIGTERM.
const holderScript = `echo "$1 start $(date +%s%N)" >> "$2"
trap 'echo "$1 term $(date +%s%N)" >> "$2"; exit 0' TERM
i=0
while [ $i -lt "$3" ]; do sleep 0.05; i=$((i+1)); done
echo "$1 end $(date +%s%N)" >> "$2"`

// holderCmd is `zkgate lock` running the holder script as name: the
// first holder, A, runs for 20 s unless stopped; the others end at once.
func holderCmd(t *testing.T, endpoints, path, name, file string, extra ...string) *exec.Cmd {
	ticks := 1
	if name == "A" {
		ticks = 400
	}
	return holderCmdFor(t, endpoints, path, name, file, ticks, extra...)
}

// holderCmdFor is holderCmd whose command runs for ticks × 50 ms.
func holderCmdFor(t *testing.T, endpoints, path, name, file string, ticks int, extra ...string) *exec.Cmd {
	args := append([]string{"lock", "--endpoints", endpoints, "--session-timeout", "3s", "--kill-after", "2s"}, extra...)
	args = append(args, path, "--", "sh", "-c", holderScript, "holder", name, file, strconv.Itoa(ticks))
	cmd := exec.Command(harness.Zkgate(t), args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	t.Cleanup(func() {
		if cmd.Process != nil && cmd.ProcessState == nil {
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		}
	})
	return cmd
}

// holderEvents reads the file: the time of each "NAME EVENT".
func holderEvents(t *testing.T, file string) map[string]int64 {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	ev := map[string]int64{}
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Fields(l)
		if len(f) != 3 {
			continue
		}
		n, err := strconv.ParseInt(f[2], 10, 64)
		if err != nil {
			t.Fatalf("bad line %q in %s", l, file)
		}
		ev[f[0]+" "+f[1]] = n
	}
	return ev
}

// waitEvent polls the file until it has event, within limit.
func waitEvent(t *testing.T, file, event string, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if _, ok := holderEvents(t, file)[event]; ok {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	b, _ := os.ReadFile(file)
	t.Fatalf("no %q within %s; file:\n%s", event, limit, b)
}

// waitExit waits for cmd to exit, within limit, and returns its status.
func waitExit(t *testing.T, cmd *exec.Cmd, limit time.Duration) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
		return cmd.ProcessState.ExitCode()
	case <-time.After(limit):
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
		t.Fatalf("%v still running after %s", cmd.Args[:4], limit)
		return -1
	}
}

// checkHandover runs the second holder B (through other endpoints) after
// the first, A, was cut off, and checks that B's command started only
// after A's command got SIGTERM, and that A said it lost the lock and
// exited 1.
func checkHandover(t *testing.T, a *exec.Cmd, aErr *strings.Builder, b *exec.Cmd, file string) {
	t.Helper()
	if code := waitExit(t, b, 30*time.Second); code != 0 {
		t.Fatalf("second holder exited %d: %s", code, b.Stderr)
	}
	if code := waitExit(t, a, 15*time.Second); code != 1 {
		t.Fatalf("first holder exited %d, want 1; stderr: %s", code, aErr)
	}
	if !strings.Contains(aErr.String(), "lost") || strings.Contains(aErr.String(), "rpc error") {
		t.Errorf("first holder's stderr does not say the lock was lost in one line: %q", aErr)
	}
	ev := holderEvents(t, file)
	term, ok := ev["A term"]
	if !ok {
		t.Fatalf("first holder's command never got SIGTERM; events %v", ev)
	}
	if _, ok := ev["B term"]; ok {
		t.Fatalf("second holder's command got SIGTERM; events %v", ev)
	}
	if _, ok := ev["A end"]; ok {
		t.Fatalf("first holder's command ran to its end; events %v", ev)
	}
	bStart, ok := ev["B start"]
	if !ok {
		t.Fatalf("second holder's command never started; events %v", ev)
	}
	if bStart <= term {
		t.Fatalf("two holders at once: B started %s before A got SIGTERM", time.Duration(term-bStart))
	}
	t.Logf("first holder said: %s", strings.TrimSpace(aErr.String()))
	t.Logf("A got SIGTERM %s after it started, %s before B started", time.Duration(term-ev["A start"]), time.Duration(bStart-term))
}

// TestLockLost_HolderNodeKilled: the holder reaches the cluster through
// one node only; that node is killed. The holder's session can no longer
// be renewed: zkgate lock must stop its command before the server
// expires the session and a second `zkgate lock` gets the lock.
func TestLockLost_HolderNodeKilled(t *testing.T) {
	c := harness.StartCluster(t, 3, "--zk-min-session-timeout", "1000")
	others := c.Nodes[0].ClientURL + "," + c.Nodes[1].ClientURL
	for run := range 2 {
		victim := c.Nodes[2]
		file := filepath.Join(t.TempDir(), "holders")
		path := fmt.Sprintf("/locks/killed%d", run)
		a := holderCmd(t, victim.ClientURL, path, "A", file)
		var aErr strings.Builder
		a.Stderr = &aErr
		if err := a.Start(); err != nil {
			t.Fatal(err)
		}
		waitEvent(t, file, "A start", 15*time.Second)
		victim.Kill()
		b := holderCmd(t, others, path, "B", file)
		b.Stderr = &strings.Builder{}
		if err := b.Start(); err != nil {
			t.Fatal(err)
		}
		checkHandover(t, a, &aErr, b, file)
		victim.Restart()
		victim.WaitReady()
	}
}

// TestLockLost_HolderNodePartitioned: the holder reaches its node
// through a proxy that then drops everything both ways; the node itself
// stays in the cluster, keeps the session until it expires, and gives
// the lock to a second holder then. The first must have stopped its
// command by then.
func TestLockLost_HolderNodePartitioned(t *testing.T) {
	c := harness.StartCluster(t, 3, "--zk-min-session-timeout", "1000")
	target, err := url.Parse(c.Nodes[2].ClientURL)
	if err != nil {
		t.Fatal(err)
	}
	others := c.Nodes[0].ClientURL + "," + c.Nodes[1].ClientURL
	for run := range 3 {
		p, proxied := clientProxy(t, target.Host)
		file := filepath.Join(t.TempDir(), "holders")
		path := fmt.Sprintf("/locks/partitioned%d", run)
		a := holderCmd(t, proxied, path, "A", file)
		var aErr strings.Builder
		a.Stderr = &aErr
		if err := a.Start(); err != nil {
			t.Fatal(err)
		}
		waitEvent(t, file, "A start", 15*time.Second)
		p.BlackholeTx()
		p.BlackholeRx()
		b := holderCmd(t, others, path, "B", file)
		b.Stderr = &strings.Builder{}
		if err := b.Start(); err != nil {
			t.Fatal(err)
		}
		checkHandover(t, a, &aErr, b, file)
		if !strings.Contains(aErr.String(), "suspended") {
			t.Errorf("first holder did not warn that its session was suspended: %q", aErr.String())
		}
		p.Close()
	}

	// A command that ignores SIGTERM gets SIGKILL --kill-after later.
	p, proxied := clientProxy(t, target.Host)
	file := filepath.Join(t.TempDir(), "started")
	a := exec.Command(harness.Zkgate(t), "lock", "--endpoints", proxied, "--session-timeout", "3s", "--kill-after", "1s",
		"/locks/stubborn", "--", "sh", "-c", `trap "" TERM; touch "$1"; i=0; while [ $i -lt 400 ]; do sleep 0.05; i=$((i+1)); done`, "stubborn", file)
	var aErr strings.Builder
	a.Stderr = &aErr
	if err := a.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, err := os.Stat(file); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("stubborn command never started")
		}
	}
	p.BlackholeTx()
	p.BlackholeRx()
	start := time.Now()
	if code := waitExit(t, a, 15*time.Second); code != 1 || !strings.Contains(aErr.String(), "sent it SIGTERM, then SIGKILL") {
		t.Fatalf("exit %d, stderr %q; want 1 and SIGKILL after SIGTERM", code, aErr.String())
	}
	if d := time.Since(start); d > 6*time.Second {
		t.Fatalf("a command ignoring SIGTERM ran %s after the partition", d)
	}

	p.Close()

	// The command's own children stop with it: a script that the signal
	// ends leaves no child holding on to the lost lock.
	p, proxied = clientProxy(t, target.Host)
	pidFile := filepath.Join(t.TempDir(), "child")
	a = exec.Command(harness.Zkgate(t), "lock", "--endpoints", proxied, "--session-timeout", "3s", "--kill-after", "1s",
		"/locks/family", "--", "sh", "-c", `sleep 60 & echo $! > "$1.tmp"; mv "$1.tmp" "$1"; wait`, "family", pidFile)
	aErr.Reset()
	a.Stderr = &aErr
	if err := a.Start(); err != nil {
		t.Fatal(err)
	}
	var child int
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if b, err := os.ReadFile(pidFile); err == nil {
			if child, err = strconv.Atoi(strings.TrimSpace(string(b))); err != nil {
				t.Fatal(err)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the command never started its child")
		}
	}
	t.Cleanup(func() { _ = syscall.Kill(child, syscall.SIGKILL) })
	p.BlackholeTx()
	p.BlackholeRx()
	if code := waitExit(t, a, 15*time.Second); code != 1 || !strings.Contains(aErr.String(), "lost") {
		t.Fatalf("exit %d, stderr %q; want 1 and the lock lost", code, aErr.String())
	}
	for deadline := time.Now().Add(5 * time.Second); alive(child); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the command's child %d still runs after the lock was lost", child)
		}
	}
}

// alive reports whether process pid runs (a zombie does not).
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// pid (comm) state ...: the state follows the last ')'.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && i+2 < len(s) && s[i+2] != 'Z'
}

// clientProxy is a TCP proxy (etcd's pkg/proxy) to target; it returns
// the proxy and its client URL.
func clientProxy(t *testing.T, target string) (proxy.Server, string) {
	t.Helper()
	port := harness.FreePort(t)
	p := harness.StartProxy(t, port, target)
	return p, fmt.Sprintf("http://127.0.0.1:%d", port)
}

// TestElectLost_NodePartitioned: a leader cut off from the cluster says
// leadership was lost and exits 1, before another candidate is elected.
func TestElectLost_NodePartitioned(t *testing.T) {
	c := harness.StartCluster(t, 3, "--zk-min-session-timeout", "1000")
	target, err := url.Parse(c.Nodes[2].ClientURL)
	if err != nil {
		t.Fatal(err)
	}
	p, proxied := clientProxy(t, target.Host)
	dir := t.TempDir()
	// elect runs a candidate whose stdout goes to a file.
	elect := func(name, endpoints string) (*exec.Cmd, *strings.Builder, string) {
		out := filepath.Join(dir, name)
		f, err := os.Create(out)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		cmd := exec.Command(harness.Zkgate(t), "elect", "--endpoints", endpoints, "--session-timeout", "3s", "/election/cut", name)
		var stderr strings.Builder
		cmd.Stdout, cmd.Stderr = f, &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if cmd.ProcessState == nil {
				cmd.Process.Kill()
				cmd.Wait()
			}
		})
		return cmd, &stderr, out
	}
	elected := func(out string, limit time.Duration) bool {
		for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if b, _ := os.ReadFile(out); strings.HasPrefix(string(b), "/election/cut/") {
				return true
			}
		}
		return false
	}
	a, aErr, aOut := elect("first", proxied)
	if !elected(aOut, 15*time.Second) {
		t.Fatal("first candidate not elected")
	}
	p.BlackholeTx()
	p.BlackholeRx()
	b, _, bOut := elect("second", c.Nodes[0].ClientURL)
	if code := waitExit(t, a, 15*time.Second); code != 1 || !strings.Contains(aErr.String(), "leadership of /election/cut lost") {
		t.Fatalf("cut-off leader exited %d, stderr %q", code, aErr.String())
	}
	if b, _ := os.ReadFile(bOut); len(b) > 0 {
		t.Fatalf("second candidate elected before the first said it lost: %q", b)
	}
	if !elected(bOut, 15*time.Second) {
		t.Fatal("second candidate not elected after the first lost")
	}
	b.Process.Signal(syscall.SIGTERM)
	waitExit(t, b, 10*time.Second)
}
