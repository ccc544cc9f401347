package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/zkgate/zkgate/e2e/harness"
)

// TestMigrate_ToHTTPS: migrate and diff reach a zkgate whose client URL
// is https and requires client certificates, with --cacert, --cert and
// --key; without the CA they fail in one line naming the endpoint, and
// write nothing.
func TestMigrate_ToHTTPS(t *testing.T) {
	t.Parallel()
	ref := harness.StartZooKeeper(t)
	certs := harness.NewCerts(t)
	n, _ := startTLSNode(t, certs, true)
	src, _ := zkConnect(t, ref.Addr)
	buildTree(t, src)

	run := func(verb string, tlsArgs []string) harness.Result {
		args := append([]string{verb, "--from", ref.Addr, "--from-auth", "digest:admin:pw", "--to", n.ClientURL,
			"--to-auth", "digest:admin:pw", "--path", "/app", "--dial-timeout", "3s"}, tlsArgs...)
		return harness.RunZkgate(t, 60*time.Second, nil, args...)
	}

	r := run("migrate", nil)
	if r.ExitCode == 0 || strings.Count(strings.TrimSpace(r.Stderr), "\n") != 0 || !strings.Contains(r.Stderr, strings.TrimPrefix(n.ClientURL, "https://")) {
		t.Fatalf("migrate to https without the CA: status %d, want a one-line error naming the endpoint\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	dst, _ := zkConnect(t, n.ZKAddr)
	if ok, _, err := dst.Exists("/app"); err != nil || ok {
		t.Fatalf("a refused migrate wrote /app (exists %v, %v)", ok, err)
	}

	r = run("migrate", certs.EtcdctlArgs(true))
	if r.ExitCode != 0 {
		t.Fatalf("migrate to https: status %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	r = run("diff", certs.EtcdctlArgs(true))
	if r.ExitCode != 0 || !strings.HasPrefix(r.Stdout, "no differences: 16 znodes compared") {
		t.Fatalf("diff against https after migrate: status %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	// The node requires a client certificate: the CA alone is refused.
	if r = run("diff", certs.EtcdctlArgs(false)); r.ExitCode == 0 {
		t.Fatalf("diff against https without a client certificate: status 0\n%s", r.Stdout)
	}
}
