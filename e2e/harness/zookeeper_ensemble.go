package harness

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// ZooKeeperEnsemble is a real ZooKeeper 3.8 ensemble of several members
// on loopback, started by a test; every member is killed when the test
// ends.
type ZooKeeperEnsemble struct {
	Members []*ZooKeeper // Members[i] has myid i+1
}

// StartZooKeeperEnsemble starts size ZooKeeper servers forming one
// ensemble (server.N=127.0.0.1:QUORUM:ELECTION lines, a myid file in
// each data dir), each as StartZooKeeper starts one, and waits until every
// member serves (srvr reports a leader or follower mode).
func StartZooKeeperEnsemble(t testing.TB, size int) *ZooKeeperEnsemble {
	t.Helper()
	java, err := exec.LookPath("java")
	if err != nil {
		t.Fatalf("java not found (run `make peers` to install the zookeeper package): %v", err)
	}
	var servers strings.Builder
	ports := make([]int, size)
	for i := range ports {
		ports[i] = FreePort(t)
		fmt.Fprintf(&servers, "server.%d=127.0.0.1:%d:%d\n", i+1, FreePort(t), FreePort(t))
	}
	e := &ZooKeeperEnsemble{}
	for i := range ports {
		z := newZooKeeper(t, t.TempDir(), ports[i], "initLimit=10\nsyncLimit=5\n"+servers.String())
		if err := os.WriteFile(filepath.Join(z.DataDir, "myid"), []byte(fmt.Sprintf("%d\n", i+1)), 0o644); err != nil {
			t.Fatal(err)
		}
		e.Members = append(e.Members, z)
	}
	for _, z := range e.Members {
		z.start(java)
	}
	for _, z := range e.Members {
		z.waitReady()
	}
	return e
}

// Leader returns the member whose srvr reports "Mode: leader", waiting up
// to timeout for one.
func (e *ZooKeeperEnsemble) Leader(timeout time.Duration) *ZooKeeper {
	return e.inMode("leader", timeout)
}

// Follower returns a member whose srvr reports "Mode: follower", waiting
// up to timeout for one.
func (e *ZooKeeperEnsemble) Follower(timeout time.Duration) *ZooKeeper {
	return e.inMode("follower", timeout)
}

func (e *ZooKeeperEnsemble) inMode(mode string, timeout time.Duration) *ZooKeeper {
	t := e.Members[0].t
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		for _, z := range e.Members {
			if st, err := z.FourLetterWord("srvr"); err == nil && strings.Contains(st, "\nMode: "+mode+"\n") {
				return z
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no ZooKeeper member in mode %s within %v", mode, timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Addrs are the client addresses of every member.
func (e *ZooKeeperEnsemble) Addrs() []string {
	var out []string
	for _, z := range e.Members {
		out = append(out, z.Addr)
	}
	return out
}
