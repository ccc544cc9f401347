package zkbridge_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/gateway/gatewaytest"
	"github.com/zkgate/zkgate/zkbridge"
	"github.com/zkgate/zkgate/zkbridge/jute"
	"github.com/zkgate/zkgate/zkbridge/zkraw"
)

// selfSigned is a certificate for 127.0.0.1 and a pool trusting it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "zkbridge"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: k}, pool
}

// TestServeTLS: one Server on a plaintext and a TLS listener. Over TLS a
// session is opened and four-letter words are answered, conf naming both
// ports as ZooKeeper's clientPort and secureClientPort; a plaintext
// handshake on the TLS listener, and a client that never completes the
// TLS handshake, are closed without an answer.
func TestServeTLS(t *testing.T) {
	cl := gatewaytest.StartCluster(t, 1)
	e := gatewaytest.NewEngine(t, cl.Client(0), gateway.Config{})
	s, err := zkbridge.New(zkbridge.Config{Engine: e, HandshakeTimeout: time.Second, FourLetterWords: []string{"*"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	plain, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	secure, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cert, pool := selfSigned(t)
	go s.Serve(plain)
	go s.ServeTLS(secure, &tls.Config{Certificates: []tls.Certificate{cert}})
	clientTLS := &tls.Config{RootCAs: pool}

	word := func(w string) string {
		t.Helper()
		nc, err := tls.Dial("tcp", secure.Addr().String(), clientTLS)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		nc.SetDeadline(time.Now().Add(10 * time.Second))
		nc.Write([]byte(w))
		b, _ := io.ReadAll(nc)
		return string(b)
	}
	if got := word("ruok"); got != "imok" {
		t.Fatalf("ruok over TLS: %q", got)
	}
	_, pp, _ := net.SplitHostPort(plain.Addr().String())
	_, sp, _ := net.SplitHostPort(secure.Addr().String())
	conf := word("conf")
	for _, want := range []string{"clientPort=" + pp + "\n", "secureClientPort=" + sp + "\n",
		"clientPortAddress=" + plain.Addr().String() + "\n", "secureClientPortAddress=" + secure.Addr().String() + "\n"} {
		if !strings.Contains(conf, want) {
			t.Errorf("conf lacks %q:\n%s", want, conf)
		}
	}

	// A ZooKeeper session over TLS.
	nc, err := tls.Dial("tcp", secure.Addr().String(), clientTLS)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	zc, err := zkraw.Handshake(nc, options(jute.ConnectRequest{TimeOut: 10000}))
	if err != nil {
		t.Fatalf("handshake over TLS: %v", err)
	}
	if zc.Resp.SessionID == 0 {
		t.Fatalf("handshake over TLS answered %+v", zc.Resp)
	}
	c := &client{Conn: zc, t: t}
	if got := c.create("/over-tls", 0); got != "/over-tls" {
		t.Fatalf("create over TLS: %q", got)
	}

	// Closed: a plaintext four-letter word, a silent client.
	for name, first := range map[string][]byte{"plaintext": []byte("ruok"), "silent": nil} {
		raw, err := net.Dial("tcp", secure.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		raw.Write(first)
		raw.SetReadDeadline(time.Now().Add(20 * time.Second))
		b, err := io.ReadAll(raw)
		raw.Close()
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("%s: connection not closed", name)
		}
		if strings.Contains(string(b), "imok") {
			t.Fatalf("%s: answered %q", name, b)
		}
	}
}
