package e2e

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zkgate/zkgate/e2e/harness"
)

// startTLSNode starts a node whose client URL is https with the test
// certificates, requiring client certificates when clientCertAuth is
// set, and serving the ZooKeeper protocol over TLS on zkTLS (its peer
// URL is https too).
func startTLSNode(t *testing.T, certs *harness.Certs, clientCertAuth bool) (n *harness.Node, zkTLS string) {
	t.Helper()
	zkTLS = fmt.Sprintf("127.0.0.1:%d", harness.FreePort(t))
	args := append(append(certs.ServerArgs(clientCertAuth), certs.PeerArgs()...), "--zk-secure-listen", zkTLS)
	n = harness.StartNode(t, harness.NodeOptions{Args: args, TLS: certs.ClientTLS(clientCertAuth)})
	return n, zkTLS
}

// TestTLS_ClientPort: with https and client-cert-auth, etcdctl works with
// the CA and a client certificate and is refused without the
// certificate, with a certificate of another CA and in plaintext; the
// namespace's HTTP/JSON API works over the same TLS port (its own call
// into the gRPC service presents the server certificate).
func TestTLS_ClientPort(t *testing.T) {
	t.Parallel()
	certs := harness.NewCerts(t)
	n, _ := startTLSNode(t, certs, true)
	ep := n.ClientURL
	if !strings.HasPrefix(ep, "https://") {
		t.Fatalf("client URL %s", ep)
	}
	n.WaitLog(`"etcd-grpc":["`+ep+`"]`, 5*time.Second)

	harness.Etcdctl(t, ep, append(certs.EtcdctlArgs(true), "put", "k", "over-tls")...)
	if got := harness.Etcdctl(t, ep, append(certs.EtcdctlArgs(true), "get", "k", "--print-value-only")...); got != "over-tls\n" {
		t.Fatalf("get over TLS: %q", got)
	}
	for name, args := range map[string][]string{
		"no client certificate":     certs.EtcdctlArgs(false),
		"certificate of another CA": {"--cacert", certs.CAFile, "--cert", certs.RogueCert, "--key", certs.RogueKey},
		"no CA":                     nil,
	} {
		r := harness.EtcdctlResult(t, "", ep, append(append(args, "--dial-timeout", "2s", "--command-timeout", "3s"), "put", "k", "refused")...)
		if r.ExitCode == 0 {
			t.Errorf("%s: put succeeded: %s", name, r.Stdout)
		}
	}
	if r := harness.EtcdctlResult(t, "", strings.Replace(ep, "https://", "http://", 1), "--dial-timeout", "2s", "--command-timeout", "3s", "put", "k", "plain"); r.ExitCode == 0 {
		t.Errorf("plaintext put succeeded: %s", r.Stdout)
	}
	if got := harness.Etcdctl(t, ep, append(certs.EtcdctlArgs(true), "get", "k", "--print-value-only")...); got != "over-tls\n" {
		t.Fatalf("a refused client changed k: %q", got)
	}

	// The namespace's HTTP/JSON API on the same port.
	withCert := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: certs.ClientTLS(true)}}
	resp, err := withCert.Post(ep+"/zk/v1/create", "application/json", strings.NewReader(`{"path":"/tls","data":"`+b64("hello")+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"path":"/tls"`) {
		t.Fatalf("create over https: %s %s", resp.Status, body)
	}
	resp, err = withCert.Get(ep + "/zk/v1/data?path=/tls")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `"data":"`+b64("hello")+`"`) {
		t.Fatalf("data over https: %s", body)
	}
	noCert := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: certs.ClientTLS(false)}}
	if resp, err := noCert.Get(ep + "/zk/v1/data?path=/tls"); err == nil {
		resp.Body.Close()
		t.Fatalf("no client certificate: %s", resp.Status)
	}

	// zkgate ctl takes etcdctl's TLS flags (the namespace gRPC API).
	tlsCtl := []string{"--cacert", certs.CAFile, "--cert", certs.ClientCert, "--key", certs.ClientKey}
	if out := ctlOK(t, n, append(tlsCtl, "create", "/tls/ctl", "c")...); out != "Created /tls/ctl\n" {
		t.Fatalf("ctl create over TLS: %q", out)
	}
	if out := ctlOK(t, n, append(tlsCtl, "get", "/tls")...); out != "hello\n" {
		t.Fatalf("ctl get over TLS: %q", out)
	}
	if r := ctl(t, n, "", "--cacert", certs.CAFile, "--command-timeout", "3s", "create", "/tls/refused"); r.ExitCode == 0 {
		t.Fatalf("ctl without a client certificate: %q", r.Stdout)
	}
	if out := ctlOK(t, n, append(tlsCtl, "ls", "/tls")...); out != "[ctl]\n" {
		t.Fatalf("after a refused ctl: %q", out)
	}
}

// TestTLS_ClusterPeers: three members with https peer URLs and mutual
// peer authentication form a cluster, replicate a write to every member,
// elect a new leader when the leader is killed, and refuse a peer
// connection without a certificate of their CA.
func TestTLS_ClusterPeers(t *testing.T) {
	t.Parallel()
	certs := harness.NewCerts(t)
	c := harness.StartTLSCluster(t, certs, 3)
	for _, n := range c.Nodes {
		if !strings.HasPrefix(n.PeerURL, "https://") {
			t.Fatalf("peer URL %s", n.PeerURL)
		}
	}
	out := harness.Etcdctl(t, c.Nodes[0].ClientURL, append(certs.EtcdctlArgs(true), "member", "list")...)
	if strings.Count(out, "https://127.0.0.1:") != 6 || strings.Contains(out, "unstarted") {
		t.Fatalf("member list:\n%s", out)
	}
	harness.Etcdctl(t, c.Nodes[0].ClientURL, append(certs.EtcdctlArgs(true), "put", "replicated", "yes")...)
	for _, n := range c.Nodes {
		// A linearizable read on each member goes through its own Raft
		// log over the TLS peer links.
		if got := harness.Etcdctl(t, n.ClientURL, append(certs.EtcdctlArgs(true), "get", "replicated", "--print-value-only")...); got != "yes\n" {
			t.Fatalf("%s: %q", n.Name, got)
		}
	}
	// The leader goes: the other two elect one over their TLS links and
	// go on.
	leader := c.Leader(30 * time.Second)
	leader.Kill()
	var rest []*harness.Node
	for _, n := range c.Nodes {
		if n != leader {
			rest = append(rest, n)
		}
	}
	if c.Leader(30*time.Second) == leader {
		t.Fatal("the killed leader still leads")
	}
	harness.Etcdctl(t, rest[0].ClientURL, append(certs.EtcdctlArgs(true), "put", "after", "failover")...)
	if got := harness.Etcdctl(t, rest[1].ClientURL, append(certs.EtcdctlArgs(true), "get", "after", "--print-value-only")...); got != "failover\n" {
		t.Fatalf("after the leader went: %q", got)
	}
	// A peer without a certificate of the CA is refused by every member.
	for _, n := range rest {
		tc := certs.ClientTLS(false)
		conn, err := tls.Dial("tcp", strings.TrimPrefix(n.PeerURL, "https://"), tc)
		if err == nil {
			// TLS 1.3 reports a refused client certificate on the first read.
			conn.SetDeadline(time.Now().Add(5 * time.Second))
			_, err = conn.Write([]byte("GET /members HTTP/1.1\r\nHost: x\r\n\r\n"))
			if err == nil {
				_, err = conn.Read(make([]byte, 1))
			}
			conn.Close()
		}
		if err == nil {
			t.Fatalf("%s: peer port answered a client without a certificate", n.Name)
		}
	}
}

// tlsDialer makes go-zookeeper connect over TLS.
func tlsDialer(tc *tls.Config) zk.Dialer {
	return func(network, address string, timeout time.Duration) (net.Conn, error) {
		return tls.DialWithDialer(&net.Dialer{Timeout: timeout}, network, address, tc)
	}
}

// TestTLS_ZooKeeperGoClient: go-zookeeper over --zk-secure-listen with a
// client certificate creates, reads, watches and keeps an ephemeral; a
// plaintext client and a client without a certificate get their
// connection closed, and the server goes on serving.
func TestTLS_ZooKeeperGoClient(t *testing.T) {
	t.Parallel()
	certs := harness.NewCerts(t)
	n, zkTLS := startTLSNode(t, certs, true)

	c, events, err := zk.Connect([]string{zkTLS}, 10*time.Second, zk.WithLogger(quietLogger{}), zk.WithDialer(tlsDialer(certs.ClientTLS(true))))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	waitSession(t, events)
	if _, err := c.Create("/secure", []byte("v1"), 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create("/secure/eph", nil, zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	data, _, wch, err := c.GetW("/secure")
	if err != nil || string(data) != "v1" {
		t.Fatalf("get: %q %v", data, err)
	}
	// The plaintext port sees the same tree.
	plain, _ := zkConnect(t, n.ZKAddr)
	if _, err := plain.Set("/secure", []byte("v2"), -1); err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-wch:
		if ev.Type != zk.EventNodeDataChanged || ev.Path != "/secure" {
			t.Fatalf("event %+v", ev)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no watch event over TLS")
	}
	_, st, err := plain.Get("/secure/eph")
	if err != nil || st.EphemeralOwner != c.SessionID() {
		t.Fatalf("ephemeral: %+v %v", st, err)
	}

	// A plaintext ZooKeeper handshake on the TLS port: closed, no reply.
	raw, err := net.Dial("tcp", zkTLS)
	if err != nil {
		t.Fatal(err)
	}
	raw.SetDeadline(time.Now().Add(10 * time.Second))
	connect := []byte{0, 0, 0, 44, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x75, 0x30, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	if _, err := raw.Write(connect); err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(raw)
	raw.Close()
	if err != nil || len(b) > 0 && b[0] != 0x15 { // nothing, or a TLS alert record
		t.Fatalf("plaintext client on the TLS port read %q, %v", b, err)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatal("plaintext client on the TLS port was not closed")
	}

	// Without a client certificate, and with one from another CA: refused.
	for name, tc := range map[string]*tls.Config{"no certificate": certs.ClientTLS(false), "another CA": rogueTLS(t, certs)} {
		conn, err := tls.Dial("tcp", zkTLS, tc)
		if err == nil {
			conn.SetDeadline(time.Now().Add(10 * time.Second))
			_, err = conn.Write([]byte("ruok"))
			if err == nil {
				var got []byte
				got, err = io.ReadAll(conn)
				if err == nil && len(got) > 0 {
					t.Fatalf("%s: answered %q", name, got)
				}
			}
			conn.Close()
		}
	}

	// Four-letter words over TLS; conf shows both ports as ZooKeeper does.
	ask := func(word string) string {
		conn, err := tls.Dial("tcp", zkTLS, certs.ClientTLS(true))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := conn.Write([]byte(word)); err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(conn)
		return string(b)
	}
	if got := ask("ruok"); got != "imok" {
		t.Fatalf("ruok over TLS: %q", got)
	}
	_, plainPort, _ := net.SplitHostPort(n.ZKAddr)
	_, tlsPort, _ := net.SplitHostPort(zkTLS)
	conf := ask("conf")
	for _, want := range []string{"clientPort=" + plainPort + "\n", "secureClientPort=" + tlsPort + "\n", "secureClientPortAddress=" + zkTLS + "\n", "clientPortAddress=" + n.ZKAddr + "\n"} {
		if !strings.Contains(conf, want) {
			t.Errorf("conf lacks %q:\n%s", want, conf)
		}
	}
	if data, _, err := c.Get("/secure"); err != nil || string(data) != "v2" {
		t.Fatalf("after refused clients: %q %v", data, err)
	}
}

func rogueTLS(t *testing.T, certs *harness.Certs) *tls.Config {
	tc := certs.ClientTLS(false)
	kp, err := tls.LoadX509KeyPair(certs.RogueCert, certs.RogueKey)
	if err != nil {
		t.Fatal(err)
	}
	tc.Certificates = []tls.Certificate{kp}
	return tc
}

func waitSession(t *testing.T, events <-chan zk.Event) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case ev := <-events:
			if ev.State == zk.StateHasSession {
				return
			}
		case <-deadline:
			t.Fatal("no ZooKeeper session")
		}
	}
}

// TestTLS_Kazoo: kazoo with use_ssl, the CA and a client certificate
// works over --zk-secure-listen (create, ephemeral, watch, a Lock).
func TestTLS_Kazoo(t *testing.T) {
	t.Parallel()
	certs := harness.NewCerts(t)
	_, zkTLS := startTLSNode(t, certs, true)
	runKazoo(t, zkTLS, fmt.Sprintf(`
zk = KazooClient(hosts=sys.argv[1], timeout=10, use_ssl=True, ca=%q, certfile=%q, keyfile=%q)
zk.start(timeout=20)
zk.create("/k", b"v1")
zk.create("/k/eph", b"", ephemeral=True)
got = threading.Event()
def w(ev):
    if ev.type == "CHANGED": got.set()
data, st = zk.get("/k", watch=w)
assert data == b"v1", data
zk.set("/k", b"v2")
assert got.wait(10), "no watch event"
assert zk.exists("/k/eph").ephemeralOwner == zk.client_id[0]
with zk.Lock("/locks/tls", "me"):
    pass
zk.stop()
print("OK")
`, certs.CAFile, certs.ClientCert, certs.ClientKey))
}
