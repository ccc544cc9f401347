package e2e

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zkgate/zkgate/e2e/harness"
)

// verifyUnit runs `systemd-analyze verify` on the unit text saved as
// zkgate.service and returns what it says about the unit.
func verifyUnit(t *testing.T, unit string) (complaints []string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "zkgate.service")
	if err := os.WriteFile(path, []byte(unit), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("systemd-analyze", "verify", path).CombinedOutput()
	if err != nil {
		complaints = append(complaints, "systemd-analyze verify: "+err.Error())
	}
	for _, l := range strings.Split(string(out), "\n") {
		if strings.Contains(l, "zkgate") {
			complaints = append(complaints, l)
		} else if strings.TrimSpace(l) != "" {
			t.Logf("systemd-analyze (about another unit): %s", l)
		}
	}
	return complaints
}

// TestSystemd_UnitVerifies: configs/zkgate.service passes `systemd-analyze
// verify` without a warning (with ExecStart pointing at the binary under
// test, as verify checks that it is executable); an unknown key added to
// it is reported, so the check sees warnings.
func TestSystemd_UnitVerifies(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join("..", "configs", "zkgate.service"))
	if err != nil {
		t.Fatal(err)
	}
	unit := string(raw)
	if !strings.Contains(unit, "ExecStart=/usr/local/bin/zkgate serve\n") {
		t.Fatalf("ExecStart is not /usr/local/bin/zkgate serve (make install's path)")
	}
	unit = strings.Replace(unit, "/usr/local/bin/zkgate", harness.Zkgate(t), 1)
	for _, c := range verifyUnit(t, unit) {
		t.Errorf("configs/zkgate.service: %s", c)
	}
	bad := strings.Replace(unit, "[Service]\n", "[Service]\nNoSuchOption=yes\n", 1)
	if c := verifyUnit(t, bad); len(c) == 0 || !strings.Contains(strings.Join(c, "\n"), "NoSuchOption") {
		t.Errorf("an unknown key was not reported: %q", c)
	}
}

// TestSystemd_Notify: with NOTIFY_SOCKET set, as a Type=notify unit
// runs it, serve sends READY=1 once it serves clients and STOPPING=1 on
// SIGTERM.
func TestSystemd_Notify(t *testing.T) {
	t.Parallel()
	dir, err := os.MkdirTemp("", "zkgate-notify")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "notify") // short: unix socket paths are limited
	l, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	msgs := make(chan string, 8)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, _, err := l.ReadFromUnix(buf)
			if err != nil {
				close(msgs)
				return
			}
			msgs <- string(buf[:n])
		}
	}()
	n := harness.NewNode(t, harness.NodeOptions{Env: []string{"NOTIFY_SOCKET=" + sock}})
	n.Start()
	expect := func(want string) {
		t.Helper()
		select {
		case m := <-msgs:
			if m != want {
				t.Fatalf("systemd got %q, want %q", m, want)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("no %s from zkgate", want)
		}
	}
	expect("READY=1")
	n.WaitLog("zkgate ready", 10*time.Second)
	n.Signal(syscall.SIGTERM)
	expect("STOPPING=1")
	n.Wait(30 * time.Second)
}
