package e2e

import (
	"bufio"
	"encoding/json"
	"io"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zkgate/zkgate/e2e/harness"
)

// These tests drive a real zkgate with the etcdctl that go.mod pins, the
// way an etcd user would.

func TestEtcdctl_PutGetDel(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{})
	ep := n.ClientURL

	if out := harness.Etcdctl(t, ep, "put", "app/a", "1"); strings.TrimSpace(out) != "OK" {
		t.Fatalf("put: %q", out)
	}
	harness.Etcdctl(t, ep, "put", "app/b", "2")
	harness.Etcdctl(t, ep, "put", "other", "3")

	if got := harness.Etcdctl(t, ep, "get", "app/", "--prefix"); got != "app/a\n1\napp/b\n2\n" {
		t.Fatalf("get --prefix = %q", got)
	}
	if got := harness.Etcdctl(t, ep, "get", "app/", "--prefix", "--keys-only"); strings.Fields(got)[0] != "app/a" || len(strings.Fields(got)) != 2 {
		t.Fatalf("get --keys-only = %q", got)
	}

	// Overwrite app/a and read the old value at the revision of the first put.
	var first struct {
		Kvs []struct {
			ModRevision int64 `json:"mod_revision"`
		} `json:"kvs"`
	}
	mustJSON(t, harness.Etcdctl(t, ep, "get", "app/a", "-w", "json"), &first)
	harness.Etcdctl(t, ep, "put", "app/a", "changed")
	rev := first.Kvs[0].ModRevision
	if got := harness.Etcdctl(t, ep, "get", "app/a", "--rev", itoa(rev)); got != "app/a\n1\n" {
		t.Fatalf("get --rev %d = %q", rev, got)
	}
	if got := harness.Etcdctl(t, ep, "get", "app/a"); got != "app/a\nchanged\n" {
		t.Fatalf("get = %q", got)
	}

	if got := harness.Etcdctl(t, ep, "del", "app/", "--prefix"); strings.TrimSpace(got) != "2" {
		t.Fatalf("del --prefix deleted %q keys, want 2", got)
	}
	if got := harness.Etcdctl(t, ep, "get", "app/", "--prefix"); got != "" {
		t.Fatalf("after del: %q", got)
	}
	if got := harness.Etcdctl(t, ep, "get", "other"); got != "other\n3\n" {
		t.Fatalf("other key touched: %q", got)
	}
}

func TestEtcdctl_Txn(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{})
	ep := n.ClientURL
	harness.Etcdctl(t, ep, "put", "flag", "on")

	script := `value("flag") = "on"

put result "then-branch"

put result "else-branch"

`
	r := harness.EtcdctlResult(t, script, ep, "txn")
	if r.ExitCode != 0 || !strings.HasPrefix(r.Stdout, "SUCCESS") {
		t.Fatalf("txn: exit %d, %q %q", r.ExitCode, r.Stdout, r.Stderr)
	}
	if got := harness.Etcdctl(t, ep, "get", "result", "--print-value-only"); got != "then-branch\n" {
		t.Fatalf("after true txn: %q", got)
	}

	harness.Etcdctl(t, ep, "put", "flag", "off")
	r = harness.EtcdctlResult(t, script, ep, "txn")
	if r.ExitCode != 0 || !strings.HasPrefix(r.Stdout, "FAILURE") {
		t.Fatalf("txn: exit %d, %q %q", r.ExitCode, r.Stdout, r.Stderr)
	}
	if got := harness.Etcdctl(t, ep, "get", "result", "--print-value-only"); got != "else-branch\n" {
		t.Fatalf("after false txn: %q", got)
	}
}

func TestEtcdctl_WatchFromRevision(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{})
	ep := n.ClientURL

	var st statusJSON
	mustJSON(t, harness.Etcdctl(t, ep, "endpoint", "status", "-w", "json"), &st)
	start := st[0].Status.Header.Revision + 1

	// Writes made before the watcher starts are still delivered, because
	// it watches from a revision.
	harness.Etcdctl(t, ep, "put", "w/1", "one")
	harness.Etcdctl(t, ep, "put", "w/2", "two")
	harness.Etcdctl(t, ep, "del", "w/1")

	cmd := harness.EtcdctlCmd(t, ep, "watch", "w/", "--prefix", "--rev", itoa(start))
	lines := startLines(t, cmd)
	// A delete prints an empty value line.
	want := []string{"PUT", "w/1", "one", "PUT", "w/2", "two", "DELETE", "w/1", ""}
	expectLines(t, lines, want)

	// And a write after the watcher is running.
	harness.Etcdctl(t, ep, "put", "w/3", "three")
	expectLines(t, lines, []string{"PUT", "w/3", "three"})
}

func TestEtcdctl_Lease(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{})
	ep := n.ClientURL

	out := harness.Etcdctl(t, ep, "lease", "grant", "60")
	m := regexp.MustCompile(`lease ([0-9a-f]+) granted with TTL\(60s\)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("lease grant: %q", out)
	}
	id := m[1]
	harness.Etcdctl(t, ep, "put", "--lease="+id, "leased/a", "x")
	harness.Etcdctl(t, ep, "put", "--lease="+id, "leased/b", "y")

	if out := harness.Etcdctl(t, ep, "lease", "keep-alive", "--once", id); !strings.Contains(out, "lease "+id+" keepalived with TTL(60)") {
		t.Fatalf("keep-alive --once: %q", out)
	}
	ttl := harness.Etcdctl(t, ep, "lease", "timetolive", id, "--keys")
	if !strings.Contains(ttl, "leased/a") || !strings.Contains(ttl, "leased/b") {
		t.Fatalf("timetolive --keys does not list the attached keys: %q", ttl)
	}
	if out := harness.Etcdctl(t, ep, "lease", "list"); !strings.Contains(out, id) {
		t.Fatalf("lease list: %q", out)
	}

	if out := harness.Etcdctl(t, ep, "lease", "revoke", id); !strings.Contains(out, "revoked") {
		t.Fatalf("revoke: %q", out)
	}
	if got := harness.Etcdctl(t, ep, "get", "leased/", "--prefix"); got != "" {
		t.Fatalf("keys survived their lease's revocation: %q", got)
	}
}

func TestEtcdctl_KeepAliveStream(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{})
	ep := n.ClientURL
	out := harness.Etcdctl(t, ep, "lease", "grant", "2")
	id := regexp.MustCompile(`lease ([0-9a-f]+) granted`).FindStringSubmatch(out)[1]
	harness.Etcdctl(t, ep, "put", "--lease="+id, "kept", "alive")

	// A streaming keep-alive renews the lease every TTL/3; three renewals
	// take longer than the TTL, so the key outlives the original TTL.
	cmd := harness.EtcdctlCmd(t, ep, "lease", "keep-alive", id)
	lines := startLines(t, cmd)
	for range 4 {
		expectMatch(t, lines, regexp.MustCompile(`lease `+id+` keepalived with TTL\(2\)`))
	}
	if got := harness.Etcdctl(t, ep, "get", "kept", "--print-value-only"); got != "alive\n" {
		t.Fatalf("key of a kept-alive lease is gone: %q", got)
	}
}

func TestEtcdctl_ElectTwoCandidates(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{})
	ep := n.ClientURL

	first := harness.EtcdctlCmd(t, ep, "elect", "leader-election", "alice")
	firstOut := startLines(t, first)
	expectMatch(t, firstOut, regexp.MustCompile(`^leader-election/[0-9a-f]+$`))
	expectLines(t, firstOut, []string{"alice"})

	second := harness.EtcdctlCmd(t, ep, "elect", "leader-election", "bob")
	secondOut := startLines(t, second)

	// An observer sees alice as leader.
	obs := harness.EtcdctlCmd(t, ep, "elect", "-l", "leader-election")
	obsOut := startLines(t, obs)
	expectMatch(t, obsOut, regexp.MustCompile(`^leader-election/`))
	expectLines(t, obsOut, []string{"alice"})

	// bob is not leader while alice holds office.
	assertNoLine(t, secondOut, 300*time.Millisecond)

	// alice steps down (etcdctl resigns on SIGINT); bob takes over and the
	// observer sees it.
	if err := first.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	expectMatch(t, secondOut, regexp.MustCompile(`^leader-election/[0-9a-f]+$`))
	expectLines(t, secondOut, []string{"bob"})
	expectMatch(t, obsOut, regexp.MustCompile(`^leader-election/`))
	expectLines(t, obsOut, []string{"bob"})
}

func TestEtcdctl_LockTwoContenders(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{})
	ep := n.ClientURL

	holder := harness.EtcdctlCmd(t, ep, "lock", "the-lock")
	holderOut := startLines(t, holder)
	expectMatch(t, holderOut, regexp.MustCompile(`^the-lock/[0-9a-f]+$`))

	// The contender runs a command under the lock once it gets it.
	contender := harness.EtcdctlCmd(t, ep, "lock", "the-lock", "echo", "contender-has-lock")
	contenderOut := startLines(t, contender)
	assertNoLine(t, contenderOut, 300*time.Millisecond)

	if err := holder.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	expectLines(t, contenderOut, []string{"contender-has-lock"})
	if err := contender.Wait(); err != nil {
		t.Fatalf("contender: %v", err)
	}
	if got := harness.Etcdctl(t, ep, "get", "the-lock/", "--prefix", "--keys-only"); strings.TrimSpace(got) != "" {
		t.Fatalf("lock keys left behind: %q", got)
	}
}

func TestEtcdctl_EndpointAndMembers(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{Name: "solo"})
	ep := n.ClientURL

	var st statusJSON
	mustJSON(t, harness.Etcdctl(t, ep, "endpoint", "status", "-w", "json"), &st)
	if len(st) != 1 || st[0].Endpoint != ep || st[0].Status.Version != "3.7.3" {
		t.Fatalf("endpoint status: %+v", st)
	}
	if st[0].Status.Leader != st[0].Status.Header.MemberID {
		t.Fatalf("single member is not its own leader: %+v", st[0].Status)
	}

	out := harness.Etcdctl(t, ep, "endpoint", "health")
	if !strings.Contains(out, ep+" is healthy") {
		t.Fatalf("endpoint health: %q", out)
	}

	var ml struct {
		Members []struct {
			Name       string   `json:"name"`
			PeerURLs   []string `json:"peerURLs"`
			ClientURLs []string `json:"clientURLs"`
		} `json:"members"`
	}
	mustJSON(t, harness.Etcdctl(t, ep, "member", "list", "-w", "json"), &ml)
	if len(ml.Members) != 1 || ml.Members[0].Name != "solo" ||
		ml.Members[0].PeerURLs[0] != n.PeerURL || ml.Members[0].ClientURLs[0] != n.ClientURL {
		t.Fatalf("member list: %+v", ml)
	}
}

type statusJSON []struct {
	Endpoint string `json:"Endpoint"`
	Status   struct {
		Header struct {
			MemberID uint64 `json:"member_id"`
			Revision int64  `json:"revision"`
		} `json:"header"`
		Version string `json:"version"`
		Leader  uint64 `json:"leader"`
	} `json:"Status"`
}

// startLines starts cmd and delivers its stdout line by line.
func startLines(t *testing.T, cmd interface {
	StdoutPipe() (io.ReadCloser, error)
	Start() error
}) <-chan string {
	t.Helper()
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 100)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	return lines
}

const lineTimeout = 30 * time.Second

func expectLines(t *testing.T, lines <-chan string, want []string) {
	t.Helper()
	for _, w := range want {
		select {
		case got, ok := <-lines:
			if !ok {
				t.Fatalf("output ended, want %q", w)
			}
			if got != w {
				t.Fatalf("got line %q, want %q", got, w)
			}
		case <-time.After(lineTimeout):
			t.Fatalf("no line within %v, want %q", lineTimeout, w)
		}
	}
}

func expectMatch(t *testing.T, lines <-chan string, re *regexp.Regexp) {
	t.Helper()
	select {
	case got, ok := <-lines:
		if !ok {
			t.Fatalf("output ended, want a line matching %s", re)
		}
		if !re.MatchString(got) {
			t.Fatalf("got line %q, want a match of %s", got, re)
		}
	case <-time.After(lineTimeout):
		t.Fatalf("no line within %v, want a match of %s", lineTimeout, re)
	}
}

// assertNoLine checks that nothing is printed for a while: used to show a
// second candidate or contender is still waiting. The wait only bounds how
// long we look; a wrong line fails the test whenever it comes.
func assertNoLine(t *testing.T, lines <-chan string, d time.Duration) {
	t.Helper()
	select {
	case got := <-lines:
		t.Fatalf("unexpected output %q", got)
	case <-time.After(d):
	}
}

func mustJSON(t *testing.T, s string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(s), v); err != nil {
		t.Fatalf("parsing %q: %v", s, err)
	}
}

func TestEtcdctl_AuthAndMaintenance(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{})
	ep := n.ClientURL
	harness.Etcdctl(t, ep, "put", "secret", "s3")

	// Maintenance: a snapshot of the member's database, and a defrag.
	snap := t.TempDir() + "/snap.db"
	if out := harness.Etcdctl(t, ep, "snapshot", "save", snap); !strings.Contains(out, "Snapshot saved at "+snap) {
		t.Fatalf("snapshot save: %q", out)
	}
	if out := harness.Etcdctl(t, ep, "defrag"); !strings.Contains(out, "Finished defragmenting etcd member["+ep+"]") {
		t.Fatalf("defrag: %q", out)
	}
	if out := harness.Etcdctl(t, ep, "alarm", "list"); strings.TrimSpace(out) != "" {
		t.Fatalf("alarms on a fresh node: %q", out)
	}

	// Auth: once enabled, anonymous requests are refused and users with
	// the right role get through.
	harness.Etcdctl(t, ep, "user", "add", "root", "--new-user-password=rootpw")
	harness.Etcdctl(t, ep, "user", "add", "reader", "--new-user-password=readpw")
	harness.Etcdctl(t, ep, "role", "add", "read-secret")
	harness.Etcdctl(t, ep, "role", "grant-permission", "read-secret", "read", "secret")
	harness.Etcdctl(t, ep, "user", "grant-role", "reader", "read-secret")
	if out := harness.Etcdctl(t, ep, "auth", "enable"); !strings.Contains(out, "Authentication Enabled") {
		t.Fatalf("auth enable: %q", out)
	}
	if r := harness.EtcdctlResult(t, "", ep, "get", "secret"); r.ExitCode == 0 {
		t.Fatalf("anonymous get with auth on succeeded: %q", r.Stdout)
	}
	if got := harness.Etcdctl(t, ep, "--user", "reader:readpw", "get", "secret", "--print-value-only"); got != "s3\n" {
		t.Fatalf("reader get: %q", got)
	}
	if r := harness.EtcdctlResult(t, "", ep, "--user", "reader:readpw", "put", "secret", "x"); r.ExitCode == 0 || !strings.Contains(r.Stderr, "permission denied") {
		t.Fatalf("reader put: exit %d %q", r.ExitCode, r.Stderr)
	}
	harness.Etcdctl(t, ep, "--user", "root:rootpw", "auth", "disable")
	harness.Etcdctl(t, ep, "get", "secret")
}
