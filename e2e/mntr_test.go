package e2e

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zkgate/zkgate/e2e/harness"
)

// update4lw rewrites zkbridge/testdata/zookeeper-3.8-*.txt from a real
// ZooKeeper 3.8 (standalone, and an ensemble's leader and follower) after
// mntrWorkload: go test ./e2e/ -run TestFourLetterWords_Capture -update-4lw
var update4lw = flag.Bool("update-4lw", false, "rewrite zkbridge/testdata/zookeeper-3.8-*.txt from a real ZooKeeper")

// captureWords are the four-letter words whose answers are captured.
var captureWords = []string{"mntr", "srvr", "stat", "cons", "conf", "envi", "wchs", "wchc", "wchp", "dirs", "isro", "ruok"}

// mntrWorkload is the known workload the mntr comparisons run: under
// root, three persistent znodes with 5 bytes of data each and two
// ephemerals of a second session; the first session holds a data watch
// on root/p1, an exists watch on root/missing and a child watch on root.
// It returns the two sessions, kept open until the test ends.
type mntrWorkload struct {
	a, b *zk.Conn
}

func runMntrWorkload(t *testing.T, root string, addrs ...string) mntrWorkload {
	t.Helper()
	a, _ := zkConnect(t, addrs...)
	b, _ := zkConnect(t, addrs...)
	acl := zk.WorldACL(zk.PermAll)
	if _, err := a.Create(root, []byte("root"), 0, acl); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/p1", "/p2", "/p3"} {
		if _, err := a.Create(root+p, []byte("five5"), 0, acl); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{"/e1", "/e2"} {
		if _, err := b.Create(root+p, []byte("e"), zk.FlagEphemeral, acl); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, _, err := a.GetW(root + "/p1"); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := a.ExistsW(root + "/missing"); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := a.ChildrenW(root); err != nil {
		t.Fatal(err)
	}
	return mntrWorkload{a: a, b: b}
}

// TestFourLetterWords_Capture captures the answers of a real ZooKeeper
// 3.8 after mntrWorkload, and with -update-4lw writes them where the
// zkbridge unit tests read them.
func TestFourLetterWords_Capture(t *testing.T) {
	if !*update4lw {
		t.Skip("captures are rewritten only with -update-4lw")
	}
	write := func(role string, z *harness.ZooKeeper) {
		for _, w := range captureWords {
			out, err := z.FourLetterWord(w)
			if err != nil {
				t.Fatal(err)
			}
			name := filepath.Join("..", "zkbridge", "testdata", "zookeeper-3.8-"+role+"-"+w+".txt")
			if err := os.WriteFile(name, []byte(out), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	z := harness.StartZooKeeper(t)
	runMntrWorkload(t, "/app", z.Addr)
	write("standalone", z)
	ens := harness.StartZooKeeperEnsemble(t, 3)
	leader, follower := ens.Leader(30*time.Second), ens.Follower(30*time.Second)
	runMntrWorkload(t, "/app", leader.Addr)
	runMntrWorkload(t, "/app2", follower.Addr)
	write("leader", leader)
	write("follower", follower)
}
