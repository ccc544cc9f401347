package e2e

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/zkgate/zkgate/e2e/harness"
)

// health is one GET of a node's /health: status, etcd's JSON body, and
// how long it took.
type health struct {
	status int
	Health string `json:"health"`
	Reason string `json:"reason"`
	took   time.Duration
}

func getHealth(url string, tc *tls.Config) (health, error) {
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: tc}}
	defer c.CloseIdleConnections()
	start := time.Now()
	resp, err := c.Get(url + "/health")
	if err != nil {
		return health{}, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	h := health{status: resp.StatusCode, took: time.Since(start)}
	if err := json.Unmarshal(b, &h); err != nil {
		return h, fmt.Errorf("/health answered %d %q: %v", resp.StatusCode, b, err)
	}
	return h, nil
}

// waitUnhealthy polls /health until it answers 503 and returns that
// answer. Every answer on the way must come within a second (with some
// slack for a loaded machine): etcd's own /health waits up to 7 s on a
// member that has just lost its quorum and still hears no election.
func waitUnhealthy(t *testing.T, n *harness.Node, tc *tls.Config, timeout time.Duration) health {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		h, err := getHealth(n.ClientURL, tc)
		if err == nil && h.took > 1500*time.Millisecond {
			t.Errorf("node %s: /health answered %d %q after %v", n.Name, h.status, h.Reason, h.took)
		}
		if err == nil && h.status == http.StatusServiceUnavailable {
			return h
		}
		if time.Now().After(deadline) {
			t.Fatalf("node %s: /health did not answer 503 within %v (last: %+v, %v)", n.Name, timeout, h, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// checkNoQuorumAnswers checks that a node without quorum answers at once:
// /health 503 with a reason in etcd's JSON within a second, and zkgate
// ctl failing with "no quorum" well within its own timeouts. tc and
// ctlTLS are how to reach an https node.
func checkNoQuorumAnswers(t *testing.T, n *harness.Node, tc *tls.Config, ctlTLS []string, ctlArgs ...string) {
	t.Helper()
	h, err := getHealth(n.ClientURL, tc)
	if err != nil {
		t.Fatal(err)
	}
	if h.status != http.StatusServiceUnavailable || h.Health != "false" || h.Reason == "" || h.took > time.Second {
		t.Fatalf("node %s without quorum: /health answered %d %+v in %v; want 503, health false with a reason, within 1s", n.Name, h.status, h, h.took)
	}
	start := time.Now()
	r := harness.RunZkgate(t, 30*time.Second, nil, append(append([]string{"ctl", "--endpoints", n.ClientURL}, ctlTLS...), ctlArgs...)...)
	if took := time.Since(start); r.ExitCode == 0 || !strings.Contains(r.Stderr, "no quorum") || took > 10*time.Second {
		t.Fatalf("ctl %v on node %s without quorum: exit %d after %v, stderr %q; want a failure naming no quorum within 10s",
			ctlArgs, n.Name, r.ExitCode, took, r.Stderr)
	}
}

// TestNoQuorum_StartingNodeAnswersAtOnce: a member of a three-node
// cluster started alone waits for a quorum; meanwhile its client port
// answers at once (etcd itself would leave connections unanswered):
// /health with 503, the etcd API and the namespace with Unavailable "no
// quorum". Once a second member starts, the same port serves normally.
func TestNoQuorum_StartingNodeAnswersAtOnce(t *testing.T) {
	t.Parallel()
	var peers [3]int
	var members []string
	for i := range peers {
		peers[i] = harness.FreePort(t)
		members = append(members, fmt.Sprintf("node%d=http://127.0.0.1:%d", i+1, peers[i]))
	}
	node := func(i int) *harness.Node {
		return harness.NewNode(t, harness.NodeOptions{Name: fmt.Sprintf("node%d", i+1), PeerPort: peers[i],
			InitialCluster: strings.Join(members, ","), Args: []string{"--initial-cluster-token", "noquorum-start"}})
	}
	n1 := node(0)
	n1.Start()
	h := waitUnhealthy(t, n1, nil, 10*time.Second)
	if h.Reason != "RAFT NO LEADER" {
		t.Errorf("/health reason %q, want etcd's %q", h.Reason, "RAFT NO LEADER")
	}
	checkNoQuorumAnswers(t, n1, nil, nil, "ls", "/")

	// The etcd API: Unavailable at once, which etcd's clients take as
	// "try another endpoint".
	conn, err := grpc.NewClient(strings.TrimPrefix(n1.ClientURL, "http://"), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	_, err = pb.NewKVClient(conn).Range(ctx, &pb.RangeRequest{Key: []byte("k")})
	if st := status.Convert(err); st.Code() != codes.Unavailable || !strings.Contains(st.Message(), "no quorum") || time.Since(start) > time.Second {
		t.Fatalf("etcd Range on a member waiting for a quorum: %v after %v; want Unavailable naming no quorum within 1s", err, time.Since(start))
	}

	n2 := node(1)
	n2.Start()
	n1.WaitReady()
	n2.WaitReady()
	if r := harness.RunZkgate(t, 30*time.Second, nil, "ctl", "--endpoints", n1.ClientURL, "ls", "/"); r.ExitCode != 0 {
		t.Fatalf("ctl ls after the quorum formed: exit %d: %s", r.ExitCode, r.Stderr)
	}
	if _, err := pb.NewKVClient(conn).Range(ctx, &pb.RangeRequest{Key: []byte("k")}); err != nil {
		t.Fatalf("etcd Range on the connection opened before the quorum formed: %v", err)
	}
	if w := warnings(n1.Log()); len(w) > 0 {
		t.Errorf("node1 logged at warn or error level while it waited for a quorum:\n%s", strings.Join(w, "\n"))
	}
}

// TestNoQuorum_StartingNodeTLS: the same answers on https client URLs
// requiring client certificates, with the node's certificate settings.
func TestNoQuorum_StartingNodeTLS(t *testing.T) {
	t.Parallel()
	certs := harness.NewCerts(t)
	p1 := harness.FreePort(t)
	cluster := fmt.Sprintf("node1=https://127.0.0.1:%d,node2=https://127.0.0.1:%d,node3=https://127.0.0.1:%d", p1, harness.FreePort(t), harness.FreePort(t))
	tc := certs.ClientTLS(true)
	n := harness.NewNode(t, harness.NodeOptions{Name: "node1", PeerPort: p1, InitialCluster: cluster, TLS: tc,
		Args: append(certs.ServerArgs(true), certs.PeerArgs()...)})
	n.Start()
	waitUnhealthy(t, n, tc, 10*time.Second)
	checkNoQuorumAnswers(t, n, tc, []string{"--cacert", certs.CAFile, "--cert", certs.ClientCert, "--key", certs.ClientKey}, "ls", "/")
	if _, err := getHealth(n.ClientURL, certs.ClientTLS(false)); err == nil {
		t.Error("/health answered a client without a certificate while client certificates are required")
	}
}

// TestNoQuorum_RunningNodeLosesQuorum: when two members of three stop
// (one cleanly, the leader killed, so that the survivor still believes
// in a leader for a moment), the survivor answers /health within a
// second, soon with 503, refuses namespace calls with "no quorum" instead
// of waiting for etcd's request timeout, and logs exactly one line when
// it loses its quorum and one when it has it again, and nothing else at
// warn or error level.
//
// The cleanly stopped member's data dir then serves for the data dir
// check: a node started as another member on it fails at once, naming
// both.
func TestNoQuorum_RunningNodeLosesQuorum(t *testing.T) {
	t.Parallel()
	c := harness.StartCluster(t, 3)
	leader := c.Leader(30 * time.Second)
	var followers []*harness.Node
	for _, n := range c.Nodes {
		if n != leader {
			followers = append(followers, n)
		}
	}
	survivor, other := followers[0], followers[1]
	other.Stop()
	leader.Kill()
	waitUnhealthy(t, survivor, nil, 15*time.Second)
	checkNoQuorumAnswers(t, survivor, nil, nil, "create", "/nq")
	survivor.WaitLog("quorum lost", 15*time.Second)

	r := harness.RunZkgate(t, 20*time.Second, nil, "serve", "--name", "node9", "--data-dir", other.DataDir,
		"--listen-client-urls", fmt.Sprintf("http://127.0.0.1:%d", harness.FreePort(t)),
		"--advertise-client-urls", "http://127.0.0.1:1",
		"--listen-peer-urls", fmt.Sprintf("http://127.0.0.1:%d", harness.FreePort(t)),
		"--initial-advertise-peer-urls", "http://127.0.0.1:2",
		"--zk-listen", "")
	if lines := strings.Split(strings.TrimSpace(r.Stderr), "\n"); r.ExitCode == 0 || len(lines) != 1 ||
		!strings.Contains(lines[0], "member "+other.Name) || !strings.Contains(lines[0], "member node9") || !strings.Contains(lines[0], other.DataDir) {
		t.Errorf("serve as node9 on %s's data dir: exit %d, stderr %q; want one line naming both members and the data dir", other.Name, r.ExitCode, r.Stderr)
	}

	other.Restart()
	survivor.WaitLog("quorum regained", 15*time.Second)
	log := survivor.Log()
	if lost, back := strings.Count(log, "quorum lost"), strings.Count(log, "quorum regained"); lost != 1 || back != 1 {
		t.Errorf("%s logged %d quorum losses and %d recoveries, want 1 each", survivor.Name, lost, back)
	}
	if w := warnings(log, "quorum lost"); len(w) > 0 {
		t.Errorf("%s logged at warn or error level beyond its quorum line:\n%s", survivor.Name, strings.Join(w, "\n"))
	}
}
