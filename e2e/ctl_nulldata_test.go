package e2e

import (
	"strings"
	"testing"

	"github.com/zkgate/zkgate/e2e/harness"
	"github.com/zkgate/zkgate/schema"
)

// TestCtl_NullDataAndACLAsZkCli: ctl's create without DATA makes null
// data and its create takes an ACL (-a, or zkCli.sh's third argument), as
// zkCli.sh's create does on a real ZooKeeper 3.8; zkCli.sh then reads the
// same data and ACLs through both servers, and ctl's get and getAcl print
// what zkCli.sh prints (null for null data). Refused ACLs are refused with
// zkCli.sh's message.
func TestCtl_NullDataAndACLAsZkCli(t *testing.T) {
	t.Parallel()
	zk, n := startZooKeeperAndNode(t, harness.NodeOptions{})
	bob := "digest:" + schema.DigestID("bob", "pw") + ":cdrwa"
	zkCliScript(t, zk.Addr,
		"addauth digest alice:secret",
		"create /nd",
		`create /nd/empty ""`,
		"create /nd/data hello",
		"create /nd/acl1 x auth::cdrwa",
		"create /nd/acl2 x world:anyone:r,ip:10.0.0.0/8:cdrwa",
		"create /nd/acl3 x "+bob+",auth:any:r",
		"create /nd/null2",
		"set /nd/null2 v",
	)
	alice := []string{"--auth", "digest:alice:secret"}
	for _, args := range [][]string{
		{"create", "/nd"},
		{"create", "/nd/empty", ""},
		{"create", "/nd/data", "hello"},
		{"create", "/nd/acl1", "x", "auth::cdrwa"},
		{"create", "-a", "world:anyone:r,ip:10.0.0.0/8:cdrwa", "/nd/acl2", "x"},
		{"create", "/nd/acl3", "x", bob + ",auth:any:r"},
		{"create", "/nd/null2"},
		{"set", "/nd/null2", "v"},
	} {
		ctlOK(t, n, append(alice, args...)...)
	}
	reads := []string{"get /nd", "get /nd/empty", "get /nd/data", "getAcl /nd/acl1", "getAcl /nd/acl2", "getAcl /nd/acl3", "get /nd/null2"}
	want := zkCliScript(t, zk.Addr, append([]string{"addauth digest alice:secret"}, reads...)...)
	if got := zkCliScript(t, n.ZKAddr, append([]string{"addauth digest alice:secret"}, reads...)...); got != want {
		t.Fatalf("zkCli.sh reads zkgate's nodes as\n%s\nand ZooKeeper's as\n%s", got, want)
	}
	if !strings.HasPrefix(want, "null\n") {
		t.Fatalf("zkCli.sh's get of null data printed %q, not null", want)
	}
	// ctl prints what zkCli.sh printed (zkCliScript drops empty lines,
	// such as empty data's).
	var got strings.Builder
	for _, r := range reads {
		got.WriteString(ctlOK(t, n, append(alice, strings.Fields(r)...)...))
	}
	if g := strings.ReplaceAll(got.String(), "\n\n", "\n"); g != want {
		t.Fatalf("ctl printed\n%s\nzkCli.sh printed\n%s", g, want)
	}
	if out := ctlOK(t, n, "get", "/nd/empty"); out != "\n" {
		t.Fatalf("get of empty data: %q", out)
	}
	// -o json tells null from empty.
	for path, data := range map[string]string{"/nd": `"data":null`, "/nd/empty": `"data":""`} {
		if out := ctlOK(t, n, "-o", "json", "get", path); !strings.Contains(strings.ReplaceAll(out, " ", ""), data) {
			t.Fatalf("get -o json %s: %s", path, out)
		}
	}

	// Refusals: zkCli.sh's message (it goes on to print "Acl is not
	// valid"; ctl stops at the error, exit 1), and nothing created.
	for _, tc := range []struct {
		acl  string
		auth bool
	}{
		{"auth::cdrwa", false},
		{"ip:::1:cdrwa", true},
		{"ip:10.0.0.0/33:r", true},
		{"world:someone:r", true},
		{"digest:bob:cdrwa", true},
		{"super::cdrwa", true},
		{"world:anyone:r,bogus:x:r", true},
	} {
		var pre []string
		var args []string
		if tc.auth {
			pre = []string{"addauth digest alice:secret"}
			args = alice
		}
		zkOut := zkCliScript(t, zk.Addr, append(pre, "create /nd/bad x "+tc.acl, "ls /nd")...)
		const msg = "KeeperErrorCode = InvalidACL for /nd/bad"
		if !strings.Contains(zkOut, msg) || strings.Contains(zkOut, "bad]") || strings.Contains(zkOut, "bad,") {
			t.Fatalf("zkCli.sh create with ACL %s: %s", tc.acl, zkOut)
		}
		r := ctl(t, n, "", append(args, "create", "/nd/bad", "x", tc.acl)...)
		if r.ExitCode != 1 || !strings.Contains(r.Stderr, msg) {
			t.Errorf("ctl create with ACL %s: exit %d, stderr %q; want %q", tc.acl, r.ExitCode, r.Stderr, msg)
		}
		if out := ctlOK(t, n, "ls", "/nd"); strings.Contains(out, "bad") {
			t.Fatalf("ctl create with ACL %s created the node: %s", tc.acl, out)
		}
	}
	// The ACL given twice is a usage error.
	if r := ctl(t, n, "", "create", "-a", "world:anyone:r", "/nd/twice", "x", "world:anyone:r"); r.ExitCode != 2 {
		t.Fatalf("ACL twice: %+v", r)
	}
}
