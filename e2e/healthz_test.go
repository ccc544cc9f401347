package e2e

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/zkgate/zkgate/e2e/harness"
	"github.com/zkgate/zkgate/zkbridge/admin"
)

// getText GETs url and returns the status and body.
func getText(t *testing.T, url string) (int, string) {
	t.Helper()
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// checkHealthz asks base for /livez and /readyz, plain and ?verbose, and
// checks etcd 3.7's answers: 200 "ok\n", the verbose lines "[+]NAME ok"
// in etcd's order before it, or 503 naming the failed check.
func checkHealthz(t *testing.T, base string, live, ready []string, failed string) {
	t.Helper()
	for _, c := range []struct {
		path   string
		checks []string
		fail   string
	}{{"/livez", live, ""}, {"/readyz", ready, failed}} {
		code, body := getText(t, base+c.path)
		vcode, vbody := getText(t, base+c.path+"?verbose")
		if c.fail == "" {
			var want strings.Builder
			for _, n := range c.checks {
				fmt.Fprintf(&want, "[+]%s ok\n", n)
			}
			want.WriteString("ok\n")
			if code != http.StatusOK || body != "ok\n" || vcode != http.StatusOK || vbody != want.String() {
				t.Errorf("%s%s: %d %q, verbose %d %q; want 200 %q and %q", base, c.path, code, body, vcode, vbody, "ok\n", want.String())
			}
			continue
		}
		re := regexp.MustCompile(`(?m)^\[-\]` + c.fail + ` failed: .+$`)
		if code != http.StatusServiceUnavailable || !re.MatchString(body) || vcode != http.StatusServiceUnavailable {
			t.Errorf("%s%s: %d %q (verbose %d); want 503 with [-]%s failed", base, c.path, code, body, vcode, c.fail)
		}
		// The failed check excluded: the others pass.
		if code, body := getText(t, base+c.path+"?exclude="+c.fail); code != http.StatusOK || body != "ok\n" {
			t.Errorf("%s%s?exclude=%s: %d %q, want 200 ok", base, c.path, c.fail, code, body)
		}
	}
	// One check by its own path.
	if code, body := getText(t, base+"/readyz/serializable_read?verbose"); code != http.StatusOK || body != "[+]serializable_read ok\nok\n" {
		t.Errorf("%s/readyz/serializable_read: %d %q", base, code, body)
	}
}

var (
	memberLivez  = []string{"serializable_read"}
	memberReadyz = []string{"data_corruption", "serializable_read", "linearizable_read", "non_learner"}
)

// TestHealthz_Member: a serving member answers /livez and /readyz as
// etcd 3.7 does; in front of it, a gateway on an external etcd answers
// the same paths with its checks of that etcd (livez has none).
func TestHealthz_Member(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{})
	checkHealthz(t, n.ClientURL, memberLivez, memberReadyz, "")
	gw := harness.StartNode(t, harness.NodeOptions{Name: "gateway", Args: []string{"--etcd-endpoints", n.ClientURL}})
	checkHealthz(t, gw.ClientURL, nil, []string{"data_corruption", "serializable_read", "linearizable_read"}, "")
	// The gateway's etcd gone: not ready, still live.
	n.Stop()
	if code, body := getText(t, gw.ClientURL+"/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "[-]linearizable_read failed") {
		t.Errorf("gateway /readyz without its etcd: %d %q", code, body)
	}
	if code, body := getText(t, gw.ClientURL+"/livez"); code != http.StatusOK || body != "ok\n" {
		t.Errorf("gateway /livez without its etcd: %d %q", code, body)
	}
}

// TestHealthz_NoQuorum: a member waiting for its quorum at start, and
// one that lost it, answer /livez 200 (the local store reads) and
// /readyz 503 at once with linearizable_read failed; the AdminServer
// commands answer ZooKeeper's not-serving error, environment aside, and
// the ready member answers them again once the quorum is back.
func TestHealthz_NoQuorum(t *testing.T) {
	t.Parallel()
	var peers [3]int
	var members []string
	for i := range peers {
		peers[i] = harness.FreePort(t)
		members = append(members, fmt.Sprintf("node%d=http://127.0.0.1:%d", i+1, peers[i]))
	}
	nodes := make([]*harness.Node, 3)
	for i := range nodes {
		nodes[i] = harness.NewNode(t, harness.NodeOptions{Name: fmt.Sprintf("node%d", i+1), PeerPort: peers[i],
			InitialCluster: strings.Join(members, ","), Args: []string{"--initial-cluster-token", "healthz-" + t.Name()}})
	}
	n1 := nodes[0]
	n1.Start()
	waitUnhealthy(t, n1, nil, 10*time.Second)
	checkHealthz(t, n1.ClientURL, memberLivez, memberReadyz, "linearizable_read")
	checkNotServingCommands(t, n1.ClientURL+admin.Prefix)

	nodes[1].Start()
	nodes[2].Start()
	for _, n := range nodes {
		n.WaitReady()
	}
	checkHealthz(t, n1.ClientURL, memberLivez, memberReadyz, "")

	// Two members stopped: the survivor lost its quorum.
	nodes[1].Stop()
	nodes[2].Stop()
	waitUnhealthy(t, n1, nil, 15*time.Second)
	checkHealthz(t, n1.ClientURL, memberLivez, memberReadyz, "linearizable_read")
	checkNotServingCommands(t, n1.ClientURL+admin.Prefix)
}

// checkNotServingCommands: every command but environment answers
// ZooKeeper 3.8's error without a quorum, ruok included (measured:
// zookeeper-3.8-admin-noquorum-ruok.json).
func checkNotServingCommands(t *testing.T, base string) {
	t.Helper()
	hc := &http.Client{Timeout: 5 * time.Second}
	want := recordedAdmin(t, "noquorum-ruok")["error"]
	for name := range adminCommands {
		a := adminGet(t, hc, base, name)
		if name == "environment" {
			if a.body["error"] != nil {
				t.Errorf("%s/environment without a quorum: %v", base, a.body)
			}
			continue
		}
		if a.status != http.StatusOK || a.body["command"] != name || a.body["error"] != want || len(a.body) != 2 {
			t.Errorf("%s/%s without a quorum: %d %v, want 200 {command, error: %v}", base, name, a.status, a.body, want)
		}
	}
}
