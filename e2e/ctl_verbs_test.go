package e2e

import (
	"fmt"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zkgate/zkgate/e2e/harness"
)

// usageError checks a command line zkgate cannot run: exit status 2,
// nothing on stdout, one line on stderr holding each of want.
func usageError(t *testing.T, r harness.Result, want ...string) {
	t.Helper()
	if r.ExitCode != 2 {
		t.Fatalf("exit %d, want 2; stdout %q stderr %q", r.ExitCode, r.Stdout, r.Stderr)
	}
	if r.Stdout != "" {
		t.Fatalf("stdout %q, want nothing", r.Stdout)
	}
	oneLineError(t, r, want...)
	if strings.Count(r.Stderr, "zkgate:") != 1 {
		t.Fatalf("the zkgate: prefix is not printed once: %q", r.Stderr)
	}
}

// TestCLI_UsageErrors: an unknown command or verb, a wrong number of
// arguments, a bad flag exit 2 with one line naming the verb and its
// usage; none needs a node (nothing is sent).
func TestCLI_UsageErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"ctl", "rmrf", "/a"}, []string{`unknown verb "rmrf" for "zkgate ctl"`, "usage: zkgate ctl VERB"}},
		{[]string{"ctl", "lisquota", "/a"}, []string{`unknown verb "lisquota"`, `did you mean "listquota"?`}},
		{[]string{"ctl", "get"}, []string{"ctl get: accepts 1 arg(s), received 0", "usage: zkgate ctl get [-s] [-w] PATH"}},
		{[]string{"ctl", "get", "/a", "extra"}, []string{"ctl get: accepts 1 arg(s), received 2", "usage: zkgate ctl get [-s] [-w] PATH"}},
		{[]string{"ctl", "set", "/a"}, []string{"ctl set: accepts 2 arg(s)", "usage: zkgate ctl set [-v VERSION] PATH DATA"}},
		{[]string{"ctl", "whoami", "x"}, []string{"ctl whoami:", "usage: zkgate ctl whoami"}},
		{[]string{"ctl", "get", "--nope", "/a"}, []string{"ctl get: unknown flag: --nope", "usage: zkgate ctl get"}},
		{[]string{"ctl", "addauth"}, []string{"ctl addauth:", "--auth SCHEME:AUTH", "usage: zkgate ctl addauth SCHEME AUTH"}},
		{[]string{"ctl", "addauth", "digest"}, []string{"ctl addauth:", "--auth"}},
		{[]string{"ctl", "setquota", "/a"}, []string{"ctl setquota: missing the limit", "usage: zkgate ctl setquota -n|-b|-N|-B VAL PATH"}},
		{[]string{"ctl", "setquota", "-n", "1", "-b", "2", "/a"}, []string{"ctl setquota: one of -n, -b, -N, -B at a time"}},
		{[]string{"ctl", "setquota", "-n", "many", "/a"}, []string{"ctl setquota:", "many"}},
		{[]string{"ctl", "delquota", "-n", "-N", "/a"}, []string{"ctl delquota: one of -n, -b, -N, -B at a time"}},
		{[]string{"ctl", "ls", "-R", "-w", "/a"}, []string{"ctl ls: -R cannot be combined with -s or -w"}},
		{[]string{"ctl", "get", "--at", "soon", "/a"}, []string{`ctl get: --at "soon": want a zxid`}},
		{[]string{"ctl", "set", "--at", "5", "/a", "x"}, []string{"ctl set: unknown flag: --at"}},
		{[]string{"servee"}, []string{`unknown command "servee" for "zkgate"`, `did you mean "serve"?`}},
		{[]string{"version", "now"}, []string{"version:", "usage: zkgate version"}},
		{[]string{"--nope"}, []string{"unknown flag: --nope", "see 'zkgate --help'"}},
		{[]string{"completion"}, []string{"completion: accepts 1 arg(s)", "usage: zkgate completion bash|zsh|fish"}},
		{[]string{"completion", "tcsh"}, []string{`invalid argument "tcsh"`}},
		{[]string{"help", "nosuch"}, []string{`help: unknown help topic "nosuch"`}},
		{[]string{"help", "ctl", "nope"}, []string{`unknown help topic "ctl nope"`}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			usageError(t, harness.RunZkgate(t, cliTimeout, nil, tc.args...), tc.want...)
		})
	}
	// No verb at all is a request for help, not an error.
	if r := harness.RunZkgate(t, cliTimeout, nil, "ctl"); r.ExitCode != 0 || !strings.Contains(r.Stdout, "setquota") {
		t.Fatalf("zkgate ctl: exit %d\n%s", r.ExitCode, r.Stdout)
	}
}

func TestCLI_VersionFlag(t *testing.T) {
	t.Parallel()
	flag := harness.RunZkgate(t, cliTimeout, nil, "--version")
	cmd := harness.RunZkgate(t, cliTimeout, nil, "version")
	if flag.ExitCode != 0 || flag.Stderr != "" || !strings.HasPrefix(flag.Stdout, "zkgate version: ") {
		t.Fatalf("zkgate --version: %+v", flag)
	}
	if flag.Stdout != cmd.Stdout {
		t.Fatalf("--version printed %q, version %q", flag.Stdout, cmd.Stdout)
	}
}

func TestCLI_Completion(t *testing.T) {
	t.Parallel()
	for shell, want := range map[string]string{"bash": "__start_zkgate", "zsh": "#compdef zkgate", "fish": "complete -c zkgate"} {
		r := harness.RunZkgate(t, cliTimeout, nil, "completion", shell)
		if r.ExitCode != 0 || !strings.Contains(r.Stdout, want) || !strings.HasSuffix(r.Stdout, "\n") {
			t.Errorf("completion %s: exit %d, lacks %q; stderr %q", shell, r.ExitCode, want, r.Stderr)
		}
	}
	// What the scripts call: the ctl verbs and their flags complete.
	r := harness.RunZkgate(t, cliTimeout, nil, "__complete", "ctl", "setq")
	if r.ExitCode != 0 || !strings.Contains(r.Stdout, "setquota") {
		t.Fatalf("completing 'ctl setq': %+v", r)
	}
	r = harness.RunZkgate(t, cliTimeout, nil, "__complete", "ctl", "get", "-")
	if !strings.Contains(r.Stdout, "--stat") || !strings.Contains(r.Stdout, "--watch") {
		t.Fatalf("completing 'ctl get -': %+v", r)
	}
}

// TestCtl_PathCheck: every verb checks its path as zkCli.sh does, reads
// included, with zkCli.sh's message (measured, see the behaviour file,
// "ctl verbs"), exit 1, and sends nothing.
func TestCtl_PathCheck(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{})
	ctlOK(t, n, "create", "/app", "v")
	bad := map[string]string{
		"app":       "Path must start with / character",
		"":          "Path length must be > 0",
		"/app/../b": `Invalid path string "/app/../b" caused by relative paths not allowed @6`,
		"/app/.":    `Invalid path string "/app/." caused by relative paths not allowed @5`,
		"/app/./c1": `Invalid path string "/app/./c1" caused by relative paths not allowed @5`,
		"/app/":     "Path must not end with / character",
		"/app//c1":  `Invalid path string "/app//c1" caused by empty node name specified @5`,
	}
	verbs := [][]string{
		{"ls"}, {"ls", "-R"}, {"ls", "-s"}, {"tree"}, {"stat"}, {"get"}, {"get", "-s"}, {"create"}, {"delete"}, {"deleteall"}, {"rmr"},
		{"getAcl"}, {"sync"}, {"getAllChildrenNumber"}, {"getEphemerals"}, {"listquota"}, {"delquota"}, {"setquota", "-n", "3"},
		{"watch"}, {"get", "-w"},
	}
	for p, msg := range bad {
		vs := verbs
		if p != "app" && p != "/app/../b" {
			vs = [][]string{{"ls"}, {"get"}, {"stat"}} // every verb takes the same check
		}
		for _, v := range vs {
			args := append(append([]string{}, v...), p)
			r := ctl(t, n, "", args...)
			if r.ExitCode != 1 || r.Stdout != "" || !strings.Contains(r.Stderr, msg) || !strings.Contains(r.Stderr, "BadArguments") {
				t.Errorf("ctl %q: exit %d stdout %q stderr %q, want exit 1 and %q", args, r.ExitCode, r.Stdout, r.Stderr, msg)
			}
		}
		for _, args := range [][]string{{"set", p, "x"}, {"setAcl", p, "world:anyone:r"}, {"create", p, "x"}} {
			if r := ctl(t, n, "", args...); r.ExitCode != 1 || !strings.Contains(r.Stderr, msg) {
				t.Errorf("ctl %q: exit %d stderr %q, want %q", args, r.ExitCode, r.Stderr, msg)
			}
		}
	}
	// A sequential create may end with '/': ZooKeeper appends the number.
	if out := ctlOK(t, n, "create", "-s", "/app/"); out != "Created /app/0000000000\n" {
		t.Fatalf("create -s /app/: %q", out)
	}
	// multi checks each op's path.
	r := ctl(t, n, `{"ops":[{"create":{"path":"/app/ok"}},{"check":{"path":"/app/../x"}}]}`, "multi")
	if r.ExitCode != 1 || !strings.Contains(r.Stderr, "relative paths not allowed") {
		t.Fatalf("multi with a relative path: %+v", r)
	}
	if out := ctlOK(t, n, "ls", "/app"); out != "[0000000000]\n" {
		t.Fatalf("something was written: ls /app = %q", out)
	}
}

// TestCtl_OutputEndsWithNewline: get prints the data and a newline, as
// zkCli.sh; -s adds the Stat, as zkCli.sh's get -s and ls -s.
func TestCtl_OutputEndsWithNewline(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{})
	ctlOK(t, n, "create", "/g", "v1")
	ctlOK(t, n, "create", "/g/c", "")
	if out := ctlOK(t, n, "get", "/g"); out != "v1\n" {
		t.Fatalf("get: %q", out)
	}
	if out := ctlOK(t, n, "get", "/g/c"); out != "\n" {
		t.Fatalf("get of empty data: %q", out)
	}
	// Null data (create without DATA) prints as zkCli.sh prints it.
	ctlOK(t, n, "create", "/null")
	if out := ctlOK(t, n, "get", "/null"); out != "null\n" {
		t.Fatalf("get of null data: %q", out)
	}
	stat := ctlOK(t, n, "stat", "/g")
	if out := ctlOK(t, n, "get", "-s", "/g"); out != "v1\n"+stat {
		t.Fatalf("get -s: %q, want data then %q", out, stat)
	}
	if out := ctlOK(t, n, "ls", "-s", "/g"); out != "[c]\n"+stat {
		t.Fatalf("ls -s: %q", out)
	}
	for _, args := range [][]string{{"whoami"}, {"version"}, {"sync", "/g"}, {"getAllChildrenNumber", "/g"}, {"getEphemerals"}, {"tree", "/g"}, {"getAcl", "/g"}} {
		if out := ctlOK(t, n, args...); !strings.HasSuffix(out, "\n") {
			t.Errorf("ctl %v: %q does not end with a newline", args, out)
		}
	}
}

// TestCtl_ReadAt: get, stat, ls, tree and getAcl --at ZXID print the
// znode as it was at that zxid (zkCli.sh's hex zxids taken as printed);
// -w with --at is refused, and a zxid before the znode existed is NoNode.
func TestCtl_ReadAt(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{})
	ctlOK(t, n, "create", "/at", "v1")
	then := ctlOK(t, n, "stat", "/at")
	var mzxid string
	for _, l := range strings.Split(then, "\n") {
		if v, ok := strings.CutPrefix(l, "mZxid = "); ok {
			mzxid = v
		}
	}
	if !strings.HasPrefix(mzxid, "0x") {
		t.Fatalf("no mZxid in %q", then)
	}
	ctlOK(t, n, "set", "/at", "v2")
	ctlOK(t, n, "create", "/at/kid", "")
	ctlOK(t, n, "setAcl", "/at", "world:anyone:r")

	if out := ctlOK(t, n, "get", "--at", mzxid, "/at"); out != "v1\n" {
		t.Errorf("get --at %s: %q", mzxid, out)
	}
	if out := ctlOK(t, n, "get", "/at"); out != "v2\n" {
		t.Errorf("get now: %q", out)
	}
	if out := ctlOK(t, n, "stat", "--at", mzxid, "/at"); out != then {
		t.Errorf("stat --at %s:\n%s\nwant\n%s", mzxid, out, then)
	}
	if out := ctlOK(t, n, "ls", "--at", mzxid, "/at"); out != "[]\n" {
		t.Errorf("ls --at %s: %q", mzxid, out)
	}
	if out := ctlOK(t, n, "tree", "--at", mzxid, "/at"); out != "/at\n" {
		t.Errorf("tree --at %s: %q", mzxid, out)
	}
	if out := ctlOK(t, n, "getAcl", "--at", mzxid, "/at"); out != "'world,'anyone\n: cdrwa\n" {
		t.Errorf("getAcl --at %s: %q", mzxid, out)
	}
	if r := ctl(t, n, "", "get", "--at", "1", "/at"); r.ExitCode != 1 || !strings.Contains(r.Stderr, "NoNode for /at") {
		t.Errorf("get --at 1: exit %d, %q", r.ExitCode, r.Stderr)
	}
	usageError(t, ctl(t, n, "", "get", "-w", "--at", mzxid, "/at"), "ctl get: --at cannot be combined with -w")

	// A time stands for the last zxid at or before it.
	ctlOK(t, n, "create", "/tm", "first")
	made := time.Now()
	for time.Now().UnixMilli() <= made.UnixMilli() {
		runtime.Gosched()
	}
	ctlOK(t, n, "set", "/tm", "second")
	r := ctl(t, n, "", "get", "--at", made.UTC().Format(time.RFC3339Nano), "/tm")
	if r.ExitCode != 0 || r.Stdout != "first\n" || !strings.Contains(r.Stderr, "--at "+made.UTC().Format(time.RFC3339Nano)+": zxid 0x") {
		t.Errorf("get --at %s: exit %d %q %q", made.UTC().Format(time.RFC3339Nano), r.ExitCode, r.Stdout, r.Stderr)
	}
	if r := ctl(t, n, "", "get", "--at", "-1ms", "/tm"); r.ExitCode != 0 || r.Stdout != "second\n" {
		t.Errorf("get --at -1ms: exit %d %q %q", r.ExitCode, r.Stdout, r.Stderr)
	}
	if r := ctl(t, n, "", "get", "--at", "2999-01-01T00:00:00Z", "/tm"); r.ExitCode != 1 || !strings.Contains(r.Stderr, "in the future") {
		t.Errorf("get --at a future time: exit %d %q", r.ExitCode, r.Stderr)
	}
}

// TestCtl_History: ctl history lists each change of a znode the cluster
// keeps, oldest first, one line each (zxid, time, kind, path, versions);
// -p adds the data, --diff a line diff of each data change, -R the
// children's changes, -o json one object a line.
func TestCtl_History(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{})
	ctlOK(t, n, "create", "/hi", "alpha\nbeta\n")
	ctlOK(t, n, "create", "/hi/kid", "k")
	ctlOK(t, n, "set", "/hi", "alpha\ngamma\n")
	ctlOK(t, n, "setAcl", "/hi", "world:anyone:cdra")
	ctlOK(t, n, "delete", "/hi/kid")

	kinds := func(out string) []string {
		var k []string
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			if f := strings.Split(l, "\t"); len(f) >= 5 && strings.HasPrefix(f[0], "0x") {
				k = append(k, f[3]+" "+f[4])
			}
		}
		return k
	}
	out := ctlOK(t, n, "history", "/hi")
	if got := strings.Join(kinds(out), ", "); got != "create  /hi, setData /hi, setAcl  /hi" {
		t.Fatalf("history /hi: %s\n%s", got, out)
	}
	// How far back it reaches, on stderr: nothing compacted yet.
	if r := ctl(t, n, "", "history", "/hi"); !strings.HasPrefix(r.Stderr, "history kept from zxid 0x1 (") {
		t.Errorf("history's stderr: %q", r.Stderr)
	}
	if !strings.Contains(out, "dataVersion 1 dataLength 12") || !strings.Contains(out, "aclVersion 1 world:anyone:cdra") {
		t.Errorf("history /hi lacks versions and sizes:\n%s", out)
	}
	if got := strings.Join(kinds(ctlOK(t, n, "history", "-R", "/hi")), ", "); got != "create  /hi, create  /hi/kid, setData /hi, setAcl  /hi, delete  /hi/kid" {
		t.Errorf("history -R /hi: %s", got)
	}
	if d := ctlOK(t, n, "history", "--diff", "/hi"); !strings.Contains(d, "\t-beta") || !strings.Contains(d, "\t+gamma") {
		t.Errorf("history --diff:\n%s", d)
	}
	if p := ctlOK(t, n, "history", "-p", "/hi/kid", "-R"); strings.Count(p, "\tk\n") != 2 {
		t.Errorf("history -p /hi/kid (created and deleted with data k):\n%s", p)
	}
	js := strings.Split(strings.TrimSpace(ctlOK(t, n, "-o", "json", "history", "/hi")), "\n")
	var first struct {
		Zxid int64
		Time int64
		Type string
		Path string
	}
	mustJSON(t, js[0], &first)
	if len(js) != 3 || first.Type != "create" || first.Path != "/hi" || first.Zxid == 0 || first.Time == 0 {
		t.Errorf("history -o json: %v", js)
	}
	usageError(t, ctl(t, n, "", "history", "-p", "--diff", "/hi"), "ctl history: -p and --diff cannot be combined")

	// changes: the net change of each znode after a zxid, exit 1 if any.
	since := first.Zxid // /hi's create
	ctlOK(t, n, "create", "/hi/new", "")
	ctlOK(t, n, "create", "/hi/gone", "")
	ctlOK(t, n, "delete", "/hi/gone")
	r := ctl(t, n, "", "changes", "--from", fmt.Sprint(since), "/hi")
	if r.ExitCode != 1 || r.Stdout != "~ /hi: data, acl\n+ /hi/new\n" {
		t.Errorf("changes --from %d /hi: exit %d\n%s%s", since, r.ExitCode, r.Stdout, r.Stderr)
	}
	var last struct{ Zxid int64 }
	hs := strings.Split(strings.TrimSpace(ctlOK(t, n, "-o", "json", "history", "-R", "/hi")), "\n")
	mustJSON(t, hs[len(hs)-1], &last)
	if r := ctl(t, n, "", "changes", "--from", fmt.Sprint(last.Zxid), "/hi"); r.ExitCode != 0 || r.Stdout != "" {
		t.Errorf("changes after the last change: exit %d %q %q", r.ExitCode, r.Stdout, r.Stderr)
	}
	usageError(t, ctl(t, n, "", "changes", "/hi"), "ctl changes: --from ZXID is required")
}

// TestCtl_Restore: ctl restore --at ZXID -R puts a subtree back as it
// was: deleted znodes created again with their data and ACL, data and
// ACLs put back, znodes made since deleted (with what is below them);
// --dry-run and a "no" at the prompt change nothing.
func TestCtl_Restore(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{})
	ctlOK(t, n, "create", "/r", "a")
	ctlOK(t, n, "create", "/r/k1", "x")
	ctlOK(t, n, "create", "/r/k2", "y")
	var st struct {
		Stat struct{ Czxid int64 } `json:"stat"`
	}
	mustJSON(t, ctlOK(t, n, "-o", "json", "stat", "/r/k2"), &st)
	then := fmt.Sprint(st.Stat.Czxid)

	ctlOK(t, n, "set", "/r", "b")
	ctlOK(t, n, "delete", "/r/k1")
	ctlOK(t, n, "setAcl", "/r/k2", "world:anyone:cdra")
	ctlOK(t, n, "create", "/r/k3", "z")
	ctlOK(t, n, "create", "/r/k3/deep", "")
	// A live session's ephemeral (a lock held) under what did not exist.
	zc, _ := zkConnect(t, n.ZKAddr)
	if _, err := zc.Create("/r/k3/lock", nil, zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}

	plan := ctlOK(t, n, "restore", "--at", then, "-R", "--dry-run", "/r")
	for _, want := range []string{"set the data of /r", "create /r/k1", "set the acl of /r/k2", "delete /r/k3 and everything below it"} {
		if !strings.Contains(plan, want) {
			t.Errorf("restore --dry-run lacks %q:\n%s", want, plan)
		}
	}
	if r := ctl(t, n, "n\n", "restore", "--at", then, "-R", "/r"); r.ExitCode != 1 || !strings.Contains(r.Stderr, "not restored") {
		t.Errorf("restore answered no: exit %d %q", r.ExitCode, r.Stderr)
	}
	if out := ctlOK(t, n, "get", "/r"); out != "b\n" {
		t.Fatalf("after --dry-run and no: /r is %q", out)
	}

	// A write made while the question waits is not overwritten: the plan
	// is made again after the answer, and it changed.
	p := startProc(t, exec.Command(harness.Zkgate(t), "ctl", "--endpoints", n.ClientURL, "restore", "--at", then, "-R", "/r"))
	for !strings.HasPrefix(p.line(lineTimeout), "delete /r/k3") {
		// the plan's other lines
	}
	ctlOK(t, n, "set", "/r", "c") // as long as the data it replaces

	p.send("y")
	<-p.done
	if code := p.cmd.ProcessState.ExitCode(); code != 1 {
		t.Errorf("restore after a change during its question: exit %d, want 1", code)
	}
	if out := ctlOK(t, n, "get", "/r"); out != "c\n" {
		t.Errorf("/r after the refused restore: %q", out)
	}

	r := ctl(t, n, "", "restore", "--at", then, "-R", "--yes", "/r")
	if r.ExitCode != 0 || !strings.Contains(r.Stderr, "ephemeral, left alone: /r/k3/lock") {
		t.Fatalf("restore: exit %d %q", r.ExitCode, r.Stderr)
	}
	// The ephemeral and the znode above it stay; the rest of /r/k3 went.
	if out := ctlOK(t, n, "ls", "/r/k3"); out != "[lock]\n" {
		t.Errorf("/r/k3 after the restore: %q", out)
	}
	zc.Close()
	ctlOK(t, n, "restore", "--at", then, "-R", "--yes", "/r")
	if out := ctlOK(t, n, "get", "/r"); out != "a\n" {
		t.Errorf("restored /r: %q", out)
	}
	if out := ctlOK(t, n, "get", "/r/k1"); out != "x\n" {
		t.Errorf("restored /r/k1: %q", out)
	}
	if out := ctlOK(t, n, "getAcl", "/r/k2"); out != "'world,'anyone\n: cdrwa\n" {
		t.Errorf("restored ACL of /r/k2: %q", out)
	}
	if out := ctlOK(t, n, "ls", "/r"); out != "[k1, k2]\n" {
		t.Errorf("restored children of /r: %q", out)
	}
	// Nothing left to do.
	if plan := ctlOK(t, n, "restore", "--at", then, "-R", "--dry-run", "/r"); plan != "" {
		t.Errorf("a second restore would still do:\n%s", plan)
	}
	usageError(t, ctl(t, n, "", "restore", "/r"), "ctl restore: --at ZXID is required")
}

// TestCtl_WatchFlag: get -w, stat -w and ls -w print, then wait for the
// one event that fires their watch, print it as zkCli.sh does and exit 0;
// changes that do not fire it are passed over.
func TestCtl_WatchFlag(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{})
	ctlOK(t, n, "create", "/w", "d0")
	for _, tc := range []struct {
		args    []string
		first   string     // first line printed
		changes [][]string // ctl commands; the last fires the watch
		event   string
	}{
		{[]string{"get", "-w", "/w"}, "d0", [][]string{{"create", "/w/kid"}, {"set", "/w", "d1"}}, "WatchedEvent state:SyncConnected type:NodeDataChanged path:/w"},
		{[]string{"stat", "-w", "/w"}, "cZxid = ", [][]string{{"delete", "/w/kid"}, {"set", "/w", "d2"}}, "WatchedEvent state:SyncConnected type:NodeDataChanged path:/w"},
		{[]string{"ls", "-w", "/w"}, "[]", [][]string{{"set", "/w", "d3"}, {"create", "/w/k2"}}, "WatchedEvent state:SyncConnected type:NodeChildrenChanged path:/w"},
	} {
		t.Run(tc.args[0], func(t *testing.T) {
			cmd := exec.Command(harness.Zkgate(t), append([]string{"ctl", "--endpoints", n.ClientURL}, tc.args...)...)
			lines := startLines(t, cmd)
			t.Cleanup(func() {
				if cmd.ProcessState == nil {
					cmd.Process.Kill()
					cmd.Wait()
				}
			})
			select {
			case l := <-lines:
				if !strings.HasPrefix(l, tc.first) {
					t.Fatalf("first line %q, want %q", l, tc.first)
				}
			case <-time.After(lineTimeout):
				t.Fatal("nothing printed")
			}
			for _, c := range tc.changes {
				ctlOK(t, n, c...)
			}
			var last string
			for l := range lines { // until ctl exits
				last = l
			}
			if err := cmd.Wait(); err != nil {
				t.Fatalf("ctl %v: %v", tc.args, err)
			}
			if last != tc.event {
				t.Fatalf("last line %q, want %q", last, tc.event)
			}
		})
	}
}

// TestCtl_AuthVerbs: whoami lists the identities as zkCli.sh's whoami
// (ip, and digest users in ZooKeeper's order); addauth checks and tells
// how a one-shot ctl takes credentials; rmr is deleteall.
func TestCtl_AuthVerbs(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{})
	if out := ctlOK(t, n, "whoami"); out != "Auth scheme: User\nip: 127.0.0.1\n" {
		t.Fatalf("whoami: %q", out)
	}
	// As measured with zkCli.sh (addauth digest alice:secret; whoami).
	if out := ctlOK(t, n, "--auth", "digest:alice:secret", "whoami"); out != "Auth scheme: User\ndigest: alice\nip: 127.0.0.1\n" {
		t.Fatalf("whoami with --auth: %q", out)
	}
	out := ctlOK(t, n, "addauth", "digest", "alice:secret")
	if !strings.Contains(out, "--auth digest:AUTH") || strings.Contains(out, "secret") {
		t.Fatalf("addauth: %q", out)
	}
	if r := ctl(t, n, "", "addauth", "kerberos", "x"); r.ExitCode != 1 || !strings.Contains(r.Stderr, "kerberos") {
		t.Fatalf("addauth of an unknown scheme: %+v", r)
	}
	ctlOK(t, n, "create", "/r")
	ctlOK(t, n, "create", "/r/a")
	ctlOK(t, n, "create", "/r/a/b")
	ctlOK(t, n, "rmr", "/r")
	if out := ctlOK(t, n, "ls", "/"); out != "[zookeeper]\n" {
		t.Fatalf("after rmr: %q", out)
	}
}

// zkCliScript runs zkCli.sh with commands on stdin, one session, and
// returns what it printed on stdout and stderr, the session's own notes
// left out.
func zkCliScript(t *testing.T, addr string, commands ...string) string {
	t.Helper()
	cmd := exec.Command("/usr/share/zookeeper/bin/zkCli.sh", "-server", addr)
	cmd.Stdin = strings.NewReader(strings.Join(append(commands, "quit"), "\n") + "\n")
	done := make(chan struct{})
	var out []byte
	go func() { out, _ = cmd.CombinedOutput(); close(done) }()
	select {
	case <-done:
	case <-time.After(90 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("zkCli.sh timed out:\n%s", out)
	}
	var keep []string
	for _, l := range strings.Split(string(out), "\n") {
		if l == "" || strings.Contains(l, "log4j") || strings.Contains(l, "SLF4J") || strings.HasPrefix(l, "WATCHER::") ||
			strings.HasPrefix(l, "WatchedEvent state:") || strings.HasPrefix(l, "Connecting to") ||
			strings.HasPrefix(l, "Welcome to ZooKeeper") || strings.HasPrefix(l, "JLine support") || strings.HasPrefix(l, "absolute path is") {
			continue
		}
		keep = append(keep, l)
	}
	return strings.Join(keep, "\n") + "\n"
}

// TestCtl_QuotaAsZooKeeper: ctl's setquota, listquota and delquota store
// and print quotas exactly as zkCli.sh does on a real ZooKeeper 3.8, and
// zkCli.sh reads ctl's quotas through zkgate's ZooKeeper port.
func TestCtl_QuotaAsZooKeeper(t *testing.T) {
	t.Parallel()
	zk := harness.StartZooKeeper(t)
	n := harness.StartNode(t, harness.NodeOptions{})
	steps := [][]string{
		{"create", "/app", "x"},
		{"create", "/app/c1", "yy"},
		{"setquota", "-n", "10", "/app"},
		{"setquota", "-B", "200", "/app"},
		{"setquota", "-N", "5", "/app"},
		{"delquota", "-n", "/app"},
		{"create", "/other", "z"},
		{"create", "/other/deep", "d"},
		{"create", "/other/deep/er", "zzzz"},
		{"setquota", "-b", "50", "/other/deep"},
	}
	var script []string
	for _, s := range steps {
		script = append(script, strings.Join(s, " "))
		ctlOK(t, n, s...)
	}
	reads := []string{
		"get /zookeeper/quota/app/zookeeper_limits", "get /zookeeper/quota/app/zookeeper_stats",
		"get /zookeeper/quota/other/deep/zookeeper_limits", "get /zookeeper/quota/other/deep/zookeeper_stats",
		"listquota /app", "listquota /other/deep",
	}
	zkCliScript(t, zk.Addr, script...)
	want := zkCliScript(t, zk.Addr, reads...)
	// The same, read by zkCli.sh through zkgate's ZooKeeper port.
	got := zkCliScript(t, n.ZKAddr, reads...)
	if got != want {
		t.Fatalf("zkCli.sh reads zkgate's quotas as\n%s\nand ZooKeeper's as\n%s", got, want)
	}
	// ctl prints listquota as zkCli.sh does.
	list := ctlOK(t, n, "listquota", "/app")
	if list != "Output quota for /app count=-1,bytes=-1=;byteHardLimit=200;countHardLimit=5\nOutput stat for /app count=2,bytes=3\n" || !strings.Contains(want, list) {
		t.Fatalf("listquota: %q; zkCli.sh:\n%s", list, want)
	}
	// The refusals zkCli.sh makes.
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"setquota", "-n", "3", "/app/c1"}, "/app/c1 has a parent /app which has a quota"},
		{[]string{"setquota", "-n", "3", "/other"}, "/other has a child /other/deep which has a quota"},
		{[]string{"setquota", "-n", "3", "/nonexist"}, "/nonexist does not exist"},
		{[]string{"setquota", "-n", "0", "/app"}, "the num quota must be greater than zero"},
		{[]string{"setquota", "-B", "-1", "/app"}, "the bytes quota must be greater than zero"},
		{[]string{"setquota", "-n", "1", "/zookeeper/quota"}, "cannot set a quota under the path: /zookeeper/quota"},
		{[]string{"listquota", "/nonexist"}, "quota for /nonexist does not exist"},
		{[]string{"delquota", "/nonexist"}, "quota does not exist for /nonexist"},
	} {
		if r := ctl(t, n, "", tc.args...); r.ExitCode != 1 || !strings.Contains(r.Stderr, tc.want) {
			t.Errorf("ctl %v: exit %d stderr %q, want %q", tc.args, r.ExitCode, r.Stderr, tc.want)
		}
	}
	// A limit below what the subtree holds is set, with zkCli.sh's warning.
	r := ctl(t, n, "", "setquota", "-n", "1", "/app")
	if r.ExitCode != 0 || !strings.Contains(r.Stderr, "[Warning]: the count quota you create is less than the existing count:2") {
		t.Fatalf("setquota below the count: %+v", r)
	}
	// delquota removes the quota's znodes and the empty ones above them.
	ctlOK(t, n, "delquota", "/app")
	ctlOK(t, n, "delquota", "/other/deep")
	if out := ctlOK(t, n, "ls", "-R", "/zookeeper/quota"); out != "/zookeeper/quota\n" {
		t.Fatalf("after delquota: %q", out)
	}
	// -o json for scripts.
	ctlOK(t, n, "setquota", "-b", "7", "/app")
	var q struct {
		Quota map[string]int64 `json:"quota"`
		Stats map[string]int64 `json:"stats"`
	}
	mustJSON(t, ctlOK(t, n, "-o", "json", "listquota", "/app"), &q)
	if fmt.Sprint(q.Quota) != "map[byte_hard_limit:-1 bytes:7 count:-1 count_hard_limit:-1]" || fmt.Sprint(q.Stats) != "map[bytes:3 count:2]" {
		t.Fatalf("listquota -o json: %+v", q)
	}
}

// TestMake_Install: make install puts the binary in $(PREFIX)/bin, and
// make help lists the target.
func TestMake_Install(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("make"); err != nil {
		t.Fatal("make is not installed: apt-get install make")
	}
	dir := t.TempDir()
	help, err := exec.Command("make", "-C", "..", "help").CombinedOutput()
	if err != nil || !strings.Contains(string(help), "install ") {
		t.Fatalf("make help: %v\n%s", err, help)
	}
	out, err := exec.Command("make", "-C", "..", "install", "PREFIX="+dir+"/prefix", "BIN="+dir+"/zkgate").CombinedOutput()
	if err != nil {
		t.Fatalf("make install: %v\n%s", err, out)
	}
	v, err := exec.Command(dir+"/prefix/bin/zkgate", "--version").Output()
	if err != nil || !strings.HasPrefix(string(v), "zkgate version: ") {
		t.Fatalf("the installed zkgate --version: %v %q", err, v)
	}
}
