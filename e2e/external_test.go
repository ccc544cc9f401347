package e2e

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

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
	if out := ctlOK(t, etcd, "get", "/via-gateway"); out != "x\n" {
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
	if out := ctlOK(t, gw, "get", "/via-gateway"); out != "x\n" {
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

// TestExternalEtcd_TLSAndAuth: a gateway in front of an etcd that
// requires client certificates and has authentication enabled reaches it
// with --etcd-trusted-ca-file, --etcd-cert-file/--etcd-key-file and
// --etcd-user, and serves its own faces over TLS: the namespace HTTP/JSON
// API on an https client URL and the ZooKeeper protocol on
// --zk-secure-listen.
func TestExternalEtcd_TLSAndAuth(t *testing.T) {
	t.Parallel()
	certs := harness.NewCerts(t)
	etcd, _ := startTLSNode(t, certs, true)
	et := certs.EtcdctlArgs(true)
	harness.Etcdctl(t, etcd.ClientURL, append(et, "user", "add", "root", "--new-user-password=rootpw")...)
	harness.Etcdctl(t, etcd.ClientURL, append(et, "user", "add", "zkgate", "--new-user-password=zkpw")...)
	harness.Etcdctl(t, etcd.ClientURL, append(et, "role", "add", "zkgate")...)
	grantZkgatePrefixTLS(t, etcd.ClientURL, certs, "zkgate")
	harness.Etcdctl(t, etcd.ClientURL, append(et, "user", "grant-role", "zkgate", "zkgate")...)
	harness.Etcdctl(t, etcd.ClientURL, append(et, "auth", "enable")...)

	zkTLS := "127.0.0.1:" + itoa(int64(harness.FreePort(t)))
	gw := harness.StartNode(t, harness.NodeOptions{
		Name: "gateway",
		TLS:  certs.ClientTLS(true),
		Args: append(certs.ServerArgs(true),
			"--etcd-endpoints", etcd.ClientURL, "--etcd-trusted-ca-file", certs.CAFile,
			"--etcd-cert-file", certs.ClientCert, "--etcd-key-file", certs.ClientKey,
			"--etcd-user", "zkgate", "--zk-secure-listen", zkTLS),
		Env: []string{"ZKGATE_ETCD_PASSWORD=zkpw"},
	})
	if !strings.Contains(gw.Log(), `"namespace-http-json":["https://`) {
		t.Fatalf("ready line:\n%s", gw.Log())
	}

	c, events, err := zk.Connect([]string{zkTLS}, 10*time.Second, zk.WithLogger(quietLogger{}), zk.WithDialer(tlsDialer(certs.ClientTLS(true))))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	waitSession(t, events)
	if _, err := c.Create("/ext", []byte("v"), 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create("/ext/eph", nil, zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: certs.ClientTLS(true)}}
	resp, err := hc.Get(gw.ClientURL + "/zk/v1/data?path=/ext")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"data":"`+b64("v")+`"`) {
		t.Fatalf("HTTP over TLS through the gateway: %s %s", resp.Status, body)
	}
	// The znode is in the external etcd, read through its own namespace.
	resp, err = hc.Get(etcd.ClientURL + "/zk/v1/children?path=/ext")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `"children":["eph"]`) {
		t.Fatalf("children on the etcd node: %s", body)
	}

	// A wrong password is a start-up error naming the option.
	r := harness.RunZkgate(t, cliTimeout, []string{"ZKGATE_ETCD_PASSWORD=wrong"}, "serve", "--zk-listen", "",
		"--etcd-endpoints", etcd.ClientURL, "--etcd-trusted-ca-file", certs.CAFile,
		"--etcd-cert-file", certs.ClientCert, "--etcd-key-file", certs.ClientKey, "--etcd-user", "zkgate",
		"--listen-client-urls", "http://127.0.0.1:"+itoa(int64(harness.FreePort(t))))
	oneLineError(t, r, "etcd-user", "authentication failed")
}

// grantZkgatePrefixTLS is grantZkgatePrefix on an https client URL that
// requires client certificates.
func grantZkgatePrefixTLS(t *testing.T, clientURL string, certs *harness.Certs, role string) {
	t.Helper()
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: certs.ClientTLS(true)}}
	body := `{"name":"` + role + `","perm":{"permType":"READWRITE","key":"AHprZ2F0ZS8=","range_end":"AHprZ2F0ZTA="}}`
	resp, err := hc.Post(clientURL+"/v3/auth/role/grant", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("granting the zkgate prefix: %s", resp.Status)
	}
}
