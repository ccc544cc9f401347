package e2e

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/go-zookeeper/zk"

	"github.com/zkgate/zkgate/e2e/harness"
)

// TestCtl_RestoreAfterDeleteall: a 1,000-znode subtree (data, digest
// ACLs, grandchildren) deleted with deleteall is brought back by ctl
// restore --at the zxid before: the same paths, data and ACLs, with
// versions moved forward (new zxids); a kazoo client watching the
// subtree's root sees it come back, as it would any write.
func TestCtl_RestoreAfterDeleteall(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{})
	c, _ := zkConnect(t, n.ZKAddr)
	if err := c.AddAuth("digest", []byte("alice:pw")); err != nil {
		t.Fatal(err)
	}
	open := zk.WorldACL(zk.PermAll)
	alice := zk.DigestACL(zk.PermAll, "alice", "pw")
	if _, err := c.Create("/big", []byte("root"), 0, open); err != nil {
		t.Fatal(err)
	}
	type node struct {
		data string
		acl  []zk.ACL
	}
	want := map[string]node{"/big": {"root", open}}
	var last int64
	for i := range 1000 {
		p := fmt.Sprintf("/big/c%04d", i)
		if i%100 == 99 {
			p = fmt.Sprintf("/big/c%04d/g", i-1) // a grandchild
		}
		acl := open
		if i%10 == 3 {
			acl = alice
		}
		data := fmt.Sprintf("d%d", i)
		if _, err := c.Create(p, []byte(data), 0, acl); err != nil {
			t.Fatalf("create %s: %v", p, err)
		}
		want[p] = node{data, acl}
	}
	_, st, err := c.Get("/big/c0998/g")
	if err != nil {
		t.Fatal(err)
	}
	last = st.Mzxid
	ctlOK(t, n, "--auth", "digest:alice:pw", "deleteall", "/big")

	// kazoo waits for /big to come back.
	cmd := exec.Command(python, "-c", kazooPrelude+`
import threading
zk = client()
seen = threading.Event()
def fired(event):
    print("event", event.type, event.path, flush=True)
    seen.set()
if zk.exists("/big", watch=fired) is not None:
    print("exists already", flush=True)
print("watching", flush=True)
seen.wait(60)
`, n.ZKAddr)
	k := startProc(t, cmd)
	if l := k.line(lineTimeout); l != "watching" {
		t.Fatalf("kazoo: %q", l)
	}

	r := ctl(t, n, "", "--auth", "digest:alice:pw", "restore", "--at", fmt.Sprint(last), "-R", "--yes", "/big")
	if r.ExitCode != 0 {
		t.Fatalf("restore: exit %d %s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	if l := k.line(lineTimeout); l != "event CREATED /big" {
		t.Errorf("kazoo saw %q, want the creation of /big", l)
	}

	got := 0
	var walk func(p string)
	walk = func(p string) {
		data, st, err := c.Get(p)
		if err != nil {
			t.Fatalf("get %s: %v", p, err)
		}
		acl, _, err := c.GetACL(p)
		if err != nil {
			t.Fatalf("getACL %s: %v", p, err)
		}
		w, ok := want[p]
		switch {
		case !ok:
			t.Errorf("%s: not in the subtree restored", p)
		case string(data) != w.data || fmt.Sprint(acl) != fmt.Sprint(w.acl):
			t.Errorf("%s: %q %v, want %q %v", p, data, acl, w.data, w.acl)
		case st.Czxid <= last:
			t.Errorf("%s: czxid %d, not a new write after %d", p, st.Czxid, last)
		}
		got++
		kids, _, err := c.Children(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range kids {
			walk(strings.TrimSuffix(p, "/") + "/" + k)
		}
	}
	walk("/big")
	if got != len(want) {
		t.Errorf("%d znodes restored, want %d", got, len(want))
	}
}
