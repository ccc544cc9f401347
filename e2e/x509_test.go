package e2e

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	"github.com/zkgate/zkgate/e2e/harness"
	"github.com/zkgate/zkgate/schema/zkgatepb"
	"github.com/zkgate/zkgate/zkbridge/jute"
	"github.com/zkgate/zkgate/zkbridge/zkraw"
)

// TestX509_EveryFace: with client certificates required, the subject of a
// verified client certificate is the x509 identity on --zk-secure-listen
// (whoAmI lists it, as ZooKeeper's X509AuthenticationProvider adds it at
// the TLS handshake), over gRPC and over the HTTP/JSON API; an x509 ACL
// lets that certificate in and keeps another certificate, a plaintext
// ZooKeeper session and the HTTP API's own certificate out.
func TestX509_EveryFace(t *testing.T) {
	t.Parallel()
	certs := harness.NewCerts(t)
	n, zkTLS := startTLSNode(t, certs, true)
	otherCert, otherKey := certs.IssueClient("other", "other")
	other := certs.ClientTLS(false)
	kp, err := tls.LoadX509KeyPair(otherCert, otherKey)
	if err != nil {
		t.Fatal(err)
	}
	other.Certificates = []tls.Certificate{kp}

	// ZooKeeper port, TLS: whoAmI, then a znode only CN=client may use.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dialTLS := func(tc *tls.Config) *zkraw.Conn {
		nc, err := tls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, "tcp", zkTLS, tc)
		if err != nil {
			t.Fatal(err)
		}
		c, err := zkraw.Handshake(nc, zkraw.Options{TimeOut: 10000, CallTimeout: 30 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Drop)
		return c
	}
	c := dialTLS(certs.ClientTLS(true))
	rh, d, err := c.Call(jute.OpWhoAmI, nil)
	var who jute.WhoAmIResponse
	if err != nil || rh.Err != 0 || who.Decode(d) != nil {
		t.Fatalf("whoAmI: %+v %v", rh, err)
	}
	if got := strings.Join(whoList(who), " "); got != "x509:CN=client ip:127.0.0.1" && got != "ip:127.0.0.1 x509:CN=client" {
		t.Fatalf("whoAmI over TLS: %v", whoList(who))
	}
	acl := []jute.ACL{{Perms: 31, ID: jute.ID{Scheme: "x509", ID: "CN=client"}}}
	if rh, _, err := c.Call(jute.OpCreate, &jute.CreateRequest{Path: "/x", Data: []byte("secret"), ACL: acl}); err != nil || rh.Err != 0 {
		t.Fatalf("create with an x509 ACL: %+v %v", rh, err)
	}
	getData := func(c *zkraw.Conn) int32 {
		rh, _, err := c.Call(jute.OpGetData, &jute.GetDataRequest{Path: "/x"})
		if err != nil {
			t.Fatal(err)
		}
		return int32(rh.Err)
	}
	if code := getData(c); code != 0 {
		t.Fatalf("getData as CN=client: %d", code)
	}
	oc := dialTLS(other)
	if code := getData(oc); code != -102 {
		t.Fatalf("getData as CN=other: %d, want NoAuth", code)
	}
	if rh, err := oc.Auth("x509", nil); err != nil || rh.Err != 0 {
		t.Fatalf("addauth x509 with a certificate: %+v %v", rh, err)
	}
	pc, err := zkraw.Dial(ctx, n.ZKAddr, zkraw.Options{TimeOut: 10000, CallTimeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Drop()
	if code := getData(pc); code != -102 {
		t.Fatalf("getData in plaintext: %d, want NoAuth", code)
	}
	if rh, err := pc.Auth("x509", nil); err != nil || rh.Err != -115 {
		t.Fatalf("addauth x509 in plaintext: %+v %v, want AuthFailed", rh, err)
	}

	// go-zookeeper over TLS sees the same.
	gz, events, err := zk.Connect([]string{zkTLS}, 10*time.Second, zk.WithLogger(quietLogger{}), zk.WithDialer(tlsDialer(certs.ClientTLS(true))))
	if err != nil {
		t.Fatal(err)
	}
	defer gz.Close()
	waitSession(t, events)
	if data, _, err := gz.Get("/x"); err != nil || string(data) != "secret" {
		t.Fatalf("go-zookeeper get as CN=client: %q %v", data, err)
	}

	// gRPC, with either certificate.
	host := strings.TrimPrefix(n.ClientURL, "https://")
	grpcGet := func(tc *tls.Config) error {
		conn, err := grpc.NewClient(host, grpc.WithTransportCredentials(credentials.NewTLS(tc)))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		_, err = zkgatepb.NewNamespaceClient(conn).GetData(ctx, &zkgatepb.GetDataRequest{Path: "/x"})
		return err
	}
	if err := grpcGet(certs.ClientTLS(true)); err != nil {
		t.Fatalf("gRPC GetData as CN=client: %v", err)
	}
	if err := grpcGet(other); err == nil || !strings.Contains(err.Error(), "NoAuth") {
		t.Fatalf("gRPC GetData as CN=other: %v, want NoAuth", err)
	}

	// HTTP/JSON: the client's certificate counts, not the relay's, and a
	// client cannot pass an identity in relay metadata.
	httpGet := func(tc *tls.Config, hdr map[string]string) (int, string) {
		hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: tc}}
		req, _ := http.NewRequest("GET", n.ClientURL+"/zk/v1/data?path=/x", nil)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := httpGet(certs.ClientTLS(true), nil); code != 200 || !strings.Contains(body, `"data":"`+b64("secret")+`"`) {
		t.Fatalf("HTTP get as CN=client: %d %s", code, body)
	}
	// ctl with --cert: whoami lists the certificate's subject, and reads
	// the znode; sasl is refused by name.
	tlsArgs := []string{"ctl", "--endpoints", n.ClientURL, "--cacert", certs.CAFile, "--cert", certs.ClientCert, "--key", certs.ClientKey}
	r := harness.RunZkgate(t, cliTimeout, nil, append(tlsArgs, "whoami")...)
	if r.ExitCode != 0 || !strings.Contains(r.Stdout, "x509: CN=client\n") {
		t.Fatalf("ctl whoami with --cert: exit %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	if r := harness.RunZkgate(t, cliTimeout, nil, append(tlsArgs, "get", "/x")...); r.ExitCode != 0 || r.Stdout != "secret\n" {
		t.Fatalf("ctl get with --cert: exit %d %q %s", r.ExitCode, r.Stdout, r.Stderr)
	}
	if r := harness.RunZkgate(t, cliTimeout, nil, append(tlsArgs, "--auth", "sasl:bob", "get", "/x")...); r.ExitCode == 0 || !strings.Contains(r.Stderr, "sasl is negotiated on the ZooKeeper port") {
		t.Fatalf("ctl --auth sasl: exit %d %s", r.ExitCode, r.Stderr)
	}

	forged := map[string]string{"Grpc-Metadata-X-Zkgate-X509": "CN=client", "Grpc-Metadata-X-Zkgate-Relay": "guess"}
	if code, body := httpGet(other, forged); code != 403 || !strings.Contains(body, "NoAuth") {
		t.Fatalf("HTTP get as CN=other with forged metadata: %d %s", code, body)
	}
}

func whoList(r jute.WhoAmIResponse) []string {
	var out []string
	for _, ci := range r.ClientInfo {
		out = append(out, ci.AuthScheme+":"+ci.User)
	}
	return out
}
