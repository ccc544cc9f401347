package e2e

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/zkgate/zkgate/e2e/harness"
)

// zkCli runs the stock Java zkCli.sh (Debian's zookeeper package) with
// one command and returns its output.
func zkCli(t *testing.T, addr string, args ...string) string {
	t.Helper()
	cmd := exec.Command("/usr/share/zookeeper/bin/zkCli.sh", append([]string{"-server", addr}, args...)...)
	out, err := outputWithin(t, cmd, 90*time.Second, fmt.Sprintf("zkCli.sh %v", args))
	if err != nil {
		t.Fatalf("zkCli.sh %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func TestZkCli_Commands(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{})
	a := n.ZKAddr
	if out := zkCli(t, a, "create", "/cli", "hello"); !strings.Contains(out, "Created /cli") {
		t.Fatalf("create: %s", out)
	}
	zkCli(t, a, "create", "/cli/child", "c")
	if out := zkCli(t, a, "create", "-s", "/cli/seq-", "s"); !strings.Contains(out, "Created /cli/seq-0000000001") {
		t.Fatalf("create -s: %s", out)
	}
	if out := zkCli(t, a, "create", "-e", "/cli/eph", "e"); !strings.Contains(out, "Created /cli/eph") {
		t.Fatalf("create -e: %s", out)
	}
	// zkCli.sh exits without closing its session, so the ephemeral lives
	// until that session times out, as on ZooKeeper.
	if out := zkCli(t, a, "ls", "/cli"); !strings.Contains(out, "[child, eph, seq-0000000001]") {
		t.Fatalf("ls: %s", out)
	}
	if out := zkCli(t, a, "get", "/cli"); !strings.Contains(out, "\nhello\n") {
		t.Fatalf("get: %s", out)
	}
	zkCli(t, a, "set", "/cli", "world")
	out := zkCli(t, a, "stat", "/cli")
	for _, w := range []string{"dataVersion = 1", "numChildren = 3", "dataLength = 5", "cversion = 3"} {
		if !strings.Contains(out, w) {
			t.Errorf("stat lacks %q: %s", w, out)
		}
	}
	zkCli(t, a, "delete", "/cli/child")
	zkCli(t, a, "deleteall", "/cli")
	if out := zkCli(t, a, "ls", "/"); !strings.Contains(out, "[zookeeper]") {
		t.Fatalf("after deleteall: %s", out)
	}
}

// outputWithin runs cmd and returns its combined output and error; a
// command still running after d is killed and fails the test, named as
// what.
func outputWithin(t *testing.T, cmd *exec.Cmd, d time.Duration, what string) ([]byte, error) {
	t.Helper()
	done := make(chan struct{})
	var out []byte
	var err error
	go func() { out, err = cmd.CombinedOutput(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
		cmd.Process.Kill()
		<-done
		t.Fatalf("%s timed out:\n%s", what, out)
	}
	return out, err
}
