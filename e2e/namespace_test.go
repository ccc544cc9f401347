package e2e

import (
	"bytes"
	"fmt"
	"net/url"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zkgate/zkgate/e2e/harness"
)

// ctl runs `zkgate ctl` against n and returns its result.
func ctl(t *testing.T, n *harness.Node, stdin string, args ...string) harness.Result {
	t.Helper()
	full := append([]string{"ctl", "--endpoints", n.ClientURL}, args...)
	return harness.RunZkgateInput(t, cliTimeout, stdin, full...)
}

// ctlOK runs ctl and fails the test unless it succeeds.
func ctlOK(t *testing.T, n *harness.Node, args ...string) string {
	t.Helper()
	r := ctl(t, n, "", args...)
	if r.ExitCode != 0 {
		t.Fatalf("zkgate ctl %s: exit %d: %s", strings.Join(args, " "), r.ExitCode, r.Stderr)
	}
	return r.Stdout
}

func TestCtl_Verbs(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{})

	if out := ctlOK(t, n, "create", "/app", "v1"); out != "Created /app\n" {
		t.Fatalf("create: %q", out)
	}
	if out := ctlOK(t, n, "create", "-s", "/app/job-", "x"); out != "Created /app/job-0000000000\n" {
		t.Fatalf("create -s: %q", out)
	}
	ctlOK(t, n, "create", "/app/cfg")
	ctlOK(t, n, "create", "/app/cfg/deep", "d")
	if out := ctlOK(t, n, "ls", "/app"); out != "[cfg, job-0000000000]\n" {
		t.Fatalf("ls: %q", out)
	}
	if out := ctlOK(t, n, "ls", "-R", "/app"); out != "/app\n/app/cfg\n/app/cfg/deep\n/app/job-0000000000\n" {
		t.Fatalf("ls -R: %q", out)
	}
	if out := ctlOK(t, n, "tree", "/app"); out != "/app\n  cfg\n    deep\n  job-0000000000\n" {
		t.Fatalf("tree: %q", out)
	}
	if out := ctlOK(t, n, "get", "/app"); out != "v1\n" {
		t.Fatalf("get: %q", out)
	}
	stat := ctlOK(t, n, "stat", "/app")
	for _, w := range []string{"dataVersion = 0\n", "numChildren = 2\n", "cversion = 2\n", "dataLength = 2\n", "ephemeralOwner = 0x0\n"} {
		if !strings.Contains(stat, w) {
			t.Errorf("stat lacks %q:\n%s", w, stat)
		}
	}

	// set with the right and a wrong version.
	ctlOK(t, n, "set", "-v", "0", "/app", "v2")
	r := ctl(t, n, "", "set", "-v", "0", "/app", "v3")
	if r.ExitCode == 0 || strings.TrimSpace(r.Stderr) != "zkgate: KeeperErrorCode = BadVersion for /app" {
		t.Fatalf("set with a stale version: exit %d %q", r.ExitCode, r.Stderr)
	}
	// Binary data through stdin.
	bin := []byte{0, 1, 2, 0xff, '\n', 0}
	if r := ctl(t, n, string(bin), "set", "/app/cfg", "-"); r.ExitCode != 0 {
		t.Fatalf("set from stdin: %s", r.Stderr)
	}
	if out := ctlOK(t, n, "get", "/app/cfg"); !bytes.Equal([]byte(out), append(bin, '\n')) {
		t.Fatalf("binary data came back as %v", []byte(out))
	}

	// JSON for scripts.
	var st struct {
		Path string `json:"path"`
		Stat struct {
			Version     int32 `json:"version"`
			NumChildren int32 `json:"num_children"`
		} `json:"stat"`
	}
	mustJSON(t, ctlOK(t, n, "-o", "json", "stat", "/app"), &st)
	if st.Path != "/app" || st.Stat.Version != 1 || st.Stat.NumChildren != 2 {
		t.Fatalf("stat -o json: %+v", st)
	}

	// Errors in ZooKeeper's terms, non-zero exit.
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"get", "/nope"}, "KeeperErrorCode = NoNode for /nope"},
		{[]string{"create", "/app", "again"}, "KeeperErrorCode = NodeExists for /app"},
		{[]string{"delete", "/app"}, "KeeperErrorCode = Directory not empty for /app"},
		{[]string{"create", "/missing/child"}, "KeeperErrorCode = NoNode for /missing/child"},
		{[]string{"create", "/app/"}, "BadArguments"},
	} {
		r := ctl(t, n, "", tc.args...)
		if r.ExitCode == 0 || !strings.Contains(r.Stderr, tc.want) || strings.Count(strings.TrimSpace(r.Stderr), "\n") != 0 {
			t.Errorf("ctl %v: exit %d, stderr %q, want one line with %q", tc.args, r.ExitCode, r.Stderr, tc.want)
		}
	}

	// delete with a version, deleteall for a subtree.
	r = ctl(t, n, "", "delete", "-v", "7", "/app/job-0000000000")
	if r.ExitCode == 0 || !strings.Contains(r.Stderr, "BadVersion") {
		t.Fatalf("delete -v 7: %q", r.Stderr)
	}
	ctlOK(t, n, "delete", "-v", "0", "/app/job-0000000000")
	ctlOK(t, n, "deleteall", "/app")
	if out := ctlOK(t, n, "ls", "/"); out != "[zookeeper]\n" {
		t.Fatalf("after deleteall: %q", out)
	}
}

func TestCtl_NodeKindsAndACL(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{})

	// An ephemeral lives as long as ctl's session: gone when ctl exits.
	if out := ctlOK(t, n, "create", "-e", "/eph", "x"); out != "Created /eph\n" {
		t.Fatalf("create -e: %q", out)
	}
	if r := ctl(t, n, "", "stat", "/eph"); r.ExitCode == 0 {
		t.Fatalf("ephemeral outlived ctl's session:\n%s", r.Stdout)
	}
	ctlOK(t, n, "create", "-c", "/box")
	ctlOK(t, n, "create", "-t", "60000", "/ttl", "x")
	ctlOK(t, n, "create", "-s", "-t", "60000", "/ttl-seq-")
	// The suffix counts every child ever created under /, the ephemeral too.
	if out := ctlOK(t, n, "ls", "/"); out != "[box, ttl, ttl-seq-0000000003, zookeeper]\n" {
		t.Fatalf("ls /: %q", out)
	}
	if r := ctl(t, n, "", "create", "-c", "-e", "/x"); r.ExitCode == 0 {
		t.Fatal("-c -e accepted")
	}

	// ACLs: only alice may write once set, and others see her digest masked.
	ctlOK(t, n, "create", "/secret", "s")
	alice := []string{"--auth", "digest:alice:pw"}
	ctlOK(t, n, append(alice, "setAcl", "/secret", "digest:alice:V55/p2T0OpjQ+low3NVAH4aLvm0=:cdrwa,world:anyone:r")...)
	if out := ctlOK(t, n, "getAcl", "/secret"); out != "'digest,'alice:x\n: cdrwa\n'world,'anyone\n: r\n" {
		t.Fatalf("getAcl without ADMIN: %q", out)
	}
	if out := ctlOK(t, n, append(alice, "getAcl", "/secret")...); !strings.Contains(out, "'digest,'alice:V55/p2T0OpjQ+low3NVAH4aLvm0=\n: cdrwa\n") {
		t.Fatalf("getAcl as alice: %q", out)
	}
	r := ctl(t, n, "", "set", "/secret", "mine")
	if r.ExitCode == 0 || !strings.Contains(r.Stderr, "KeeperErrorCode = NoAuth for /secret") {
		t.Fatalf("set without auth: %q", r.Stderr)
	}
	ctlOK(t, n, append(alice, "set", "/secret", "alice's")...)
	if out := ctlOK(t, n, "get", "/secret"); out != "alice's\n" {
		t.Fatalf("get: %q", out)
	}
	if r := ctl(t, n, "", "setAcl", "/secret", "nonsense"); r.ExitCode == 0 {
		t.Fatal("bad ACL accepted")
	}
}

func TestCtl_Watch(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{})
	ctlOK(t, n, "create", "/w")
	cmd := exec.Command(harness.Zkgate(t), "ctl", "--endpoints", n.ClientURL, "-o", "json", "watch", "-R", "/w")
	lines := startLines(t, cmd)
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	var first struct {
		Watching string `json:"watching"`
	}
	select {
	case l := <-lines:
		mustJSON(t, l, &first)
	case <-time.After(lineTimeout):
		t.Fatal("watch did not start")
	}
	if first.Watching != "/w" {
		t.Fatalf("first line %+v", first)
	}
	ctlOK(t, n, "create", "/w/a", "1")
	ctlOK(t, n, "set", "/w/a", "2")
	ctlOK(t, n, "create", "/w/a/b")
	ctlOK(t, n, "deleteall", "/w/a")
	want := []string{"NodeCreated /w/a", "NodeDataChanged /w/a", "NodeCreated /w/a/b", "NodeDeleted /w/a/b", "NodeDeleted /w/a"}
	for _, w := range want {
		select {
		case l := <-lines:
			var ev struct{ Type, Path string }
			mustJSON(t, l, &ev)
			if ev.Type+" "+ev.Path != w {
				t.Fatalf("event %s %s, want %s", ev.Type, ev.Path, w)
			}
		case <-time.After(lineTimeout):
			t.Fatalf("no event, want %s", w)
		}
	}
	// Ctrl-C ends it cleanly.
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("watch after Ctrl-C: %v", err)
	}
}

// TestCtl_WatchSince: ctl watch -R --since ZXID first prints every
// change after ZXID, then the live ones; a consumer restarted with the
// zxid of the last event it printed goes on from there, each change once.
func TestCtl_WatchSince(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{})
	ctlOK(t, n, "create", "/cf")
	var st struct {
		Stat struct{ Czxid int64 } `json:"stat"`
	}
	mustJSON(t, ctlOK(t, n, "-o", "json", "stat", "/cf"), &st)
	ctlOK(t, n, "create", "/cf/a", "1")
	ctlOK(t, n, "set", "/cf/a", "2")

	type event struct {
		Type, Path string
		Zxid       int64
	}
	follow := func(since int64, want []string, then func()) event {
		t.Helper()
		cmd := exec.Command(harness.Zkgate(t), "ctl", "--endpoints", n.ClientURL, "-o", "json", "watch", "-R", "--since", fmt.Sprint(since), "/cf")
		lines := startLines(t, cmd)
		defer func() {
			cmd.Process.Kill()
			cmd.Wait()
		}()
		var last event
		for i, w := range want {
			if i == 1 && then != nil {
				then()
			}
			select {
			case l := <-lines:
				if i == 0 {
					continue // {"watching": ...}
				}
				mustJSON(t, l, &last)
				if last.Type+" "+last.Path != w {
					t.Fatalf("event %d: %s %s, want %s", i, last.Type, last.Path, w)
				}
			case <-time.After(lineTimeout):
				t.Fatalf("no line, want %s", w)
			}
		}
		return last
	}
	// The history, then a live change.
	last := follow(st.Stat.Czxid, []string{"watching", "NodeCreated /cf/a", "NodeDataChanged /cf/a", "NodeCreated /cf/b"}, func() { ctlOK(t, n, "create", "/cf/b") })
	// Changes while no one follows; the consumer resumes from the last
	// zxid it printed.
	ctlOK(t, n, "delete", "/cf/a")
	follow(last.Zxid, []string{"watching", "NodeDeleted /cf/a"}, nil)
}

// TestHTTP_NamespaceWithCurl drives the path API as curl would.
func TestHTTP_NamespaceWithCurl(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{})
	call := func(method, path, body string) (int, map[string]any) {
		t.Helper()
		return httpJSON(t, n.ClientURL, method, path, body)
	}
	code, m := call("POST", "/zk/v1/create", `{"path":"/web","data":"`+b64("hello")+`"}`)
	if code != 200 || m["path"] != "/web" {
		t.Fatalf("create: %d %v", code, m)
	}
	call("POST", "/zk/v1/create", `{"path":"/web/child"}`)
	code, m = call("GET", "/zk/v1/data?path=/web", "")
	if code != 200 || m["data"] != b64("hello") {
		t.Fatalf("data: %d %v", code, m)
	}
	code, m = call("GET", "/zk/v1/children?path=/web", "")
	if kids, _ := m["children"].([]any); code != 200 || len(kids) != 1 || kids[0] != "child" {
		t.Fatalf("children: %d %v", code, m)
	}
	code, m = call("GET", "/zk/v1/stat?path=/web", "")
	if st, _ := m["stat"].(map[string]any); code != 200 || st["num_children"] != float64(1) {
		t.Fatalf("stat: %d %v", code, m)
	}
	// The same znodes through ctl.
	if out := ctlOK(t, n, "get", "/web"); out != "hello\n" {
		t.Fatalf("ctl get: %q", out)
	}
	code, m = call("POST", "/zk/v1/delete", `{"path":"/web"}`)
	if code != 409 && code != 400 || m["zk_error"] != "NotEmpty" {
		t.Fatalf("delete non-empty: %d %v", code, m)
	}
	code, m = call("GET", "/zk/v1/data?path=/nope", "")
	if code != 404 || m["zk_error"] != "NoNode" || m["message"] != "KeeperErrorCode = NoNode for /nope" {
		t.Fatalf("missing node: %d %v", code, m)
	}

	// A session with an ephemeral, closed over HTTP.
	code, m = call("POST", "/zk/v1/sessions", `{"timeout_ms":10000}`)
	sid, _ := m["session_id"].(string)
	pw, _ := m["password"].(string)
	if code != 200 || sid == "" {
		t.Fatalf("session: %d %v", code, m)
	}
	code, m = call("POST", "/zk/v1/create", `{"ctx":{"session_id":"`+sid+`","session_password":"`+pw+`"},"path":"/web/eph","mode":"CREATE_MODE_EPHEMERAL"}`)
	if code != 200 {
		t.Fatalf("ephemeral: %d %v", code, m)
	}
	if code, _ = call("DELETE", "/zk/v1/sessions/"+sid+"?password="+url.QueryEscape(pw), ""); code != 200 {
		t.Fatalf("close session: %d", code)
	}
	code, m = call("GET", "/zk/v1/children?path=/web", "")
	if kids, _ := m["children"].([]any); code != 200 || len(kids) != 1 {
		t.Fatalf("children after close: %v", m)
	}
}

func TestCtl_SyncCountEphemeralsMulti(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{})
	ctlOK(t, n, "create", "/m")
	if out := ctlOK(t, n, "sync", "/m"); !strings.HasPrefix(out, "Sync is OK") {
		t.Fatalf("sync: %q", out)
	}
	ops := `{"ops":[
		{"create":{"path":"/m/a","data":"` + b64("1") + `"}},
		{"create":{"path":"/m/a/b"}},
		{"check":{"path":"/m","version":0}},
		{"set_data":{"path":"/m","data":"` + b64("x") + `"}}]}`
	r := ctl(t, n, ops, "multi")
	if r.ExitCode != 0 || r.Stdout != "0: created /m/a\n1: created /m/a/b\n2: checked\n3: set (version 1)\n" {
		t.Fatalf("multi: exit %d %q %q", r.ExitCode, r.Stdout, r.Stderr)
	}
	if out := ctlOK(t, n, "getAllChildrenNumber", "/m"); out != "2\n" {
		t.Fatalf("getAllChildrenNumber: %q", out)
	}
	// A failing multi applies nothing and reports every op as ZooKeeper.
	bad := `{"ops":[{"create":{"path":"/m/c"}},{"delete":{"path":"/m/a"}},{"create":{"path":"/m/d"}}]}`
	r = ctl(t, n, bad, "multi")
	if r.ExitCode == 0 || r.Stdout != "0: Ok\n1: NotEmpty\n2: RuntimeInconsistency\n" || !strings.Contains(r.Stderr, "KeeperErrorCode = Directory not empty for /m/a") {
		t.Fatalf("failed multi: exit %d %q %q", r.ExitCode, r.Stdout, r.Stderr)
	}
	if out := ctlOK(t, n, "getAllChildrenNumber", "/m"); out != "2\n" {
		t.Fatalf("failed multi changed the tree: %q", out)
	}
	if out := ctlOK(t, n, "getEphemerals"); out != "[]\n" {
		t.Fatalf("getEphemerals: %q", out)
	}
	if r := ctl(t, n, "not json", "multi"); r.ExitCode == 0 {
		t.Fatal("malformed multi accepted")
	}
}
