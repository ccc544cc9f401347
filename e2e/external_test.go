package e2e

import (
	"strings"
	"testing"

	"github.com/zkgate/zkgate/e2e/harness"
)

// TestExternalEtcd: `zkgate serve --etcd-endpoints` runs the namespace in
// front of an etcd cluster it does not embed, keeping no state of its
// own: what it writes is in that etcd, and another node over the same
// etcd sees it.
func TestExternalEtcd(t *testing.T) {
	t.Parallel()
	etcd := harness.StartNode(t, harness.NodeOptions{Name: "etcd"})
	gw := harness.StartNode(t, harness.NodeOptions{Name: "gateway", Args: []string{"--etcd-endpoints", etcd.ClientURL}})
	if !strings.Contains(gw.Log(), `"etcd-endpoints":["`+etcd.ClientURL+`"]`) {
		t.Fatalf("ready line does not name the external etcd:\n%s", gw.Log())
	}

	if out := ctlOK(t, gw, "create", "/via-gateway", "x"); out != "Created /via-gateway\n" {
		t.Fatalf("create through the gateway: %q", out)
	}
	if out := ctlOK(t, etcd, "get", "/via-gateway"); out != "x" {
		t.Fatalf("read through the embedded node: %q", out)
	}
	ctlOK(t, etcd, "create", "/via-etcd-node")
	if out := ctlOK(t, gw, "ls", "/"); out != "[via-etcd-node, via-gateway, zookeeper]\n" {
		t.Fatalf("ls through the gateway: %q", out)
	}
	// The gateway keeps nothing: stopped and started again, it serves the
	// same namespace.
	gw.Stop()
	gw.Restart()
	if out := ctlOK(t, gw, "get", "/via-gateway"); out != "x" {
		t.Fatalf("after the gateway restarted: %q", out)
	}
	// The etcd v3 API is the etcd cluster's own, not the gateway's.
	if r := harness.EtcdctlResult(t, "", gw.ClientURL, "get", "k"); r.ExitCode == 0 {
		t.Fatalf("the gateway answered the etcd API: %q", r.Stdout)
	}
}

func TestExternalEtcd_Unreachable(t *testing.T) {
	t.Parallel()
	port := harness.FreePort(t)
	r := harness.RunZkgate(t, cliTimeout, nil, "serve", "--zk-listen", "", "--etcd-endpoints", "http://127.0.0.1:"+itoa(int64(port)),
		"--listen-client-urls", "http://127.0.0.1:"+itoa(int64(harness.FreePort(t))))
	oneLineError(t, r, "etcd-endpoints", "does not answer")
}
