package harness

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// Certs are PEM files made for one test under t.TempDir(): a CA, a
// certificate signed by it for the servers (127.0.0.1, ::1 and localhost;
// usable as a client certificate too, as etcd's own gateway and zkgate's
// HTTP API present it to their own listener), one for a client (common
// name "client"), and an unrelated CA with a client certificate of its own
// that the servers must refuse.
type Certs struct {
	CAFile                string
	ServerCert, ServerKey string
	ClientCert, ClientKey string
	RogueCert, RogueKey   string // a client certificate from another CA
	ca                    *x509.Certificate
	caKey                 *ecdsa.PrivateKey
	dir                   string
	t                     testing.TB
}

// NewCerts makes a CA and its certificates for t.
func NewCerts(t testing.TB) *Certs {
	t.Helper()
	c := &Certs{dir: t.TempDir(), t: t}
	c.ca, c.caKey = c.newCA("zkgate test CA")
	c.CAFile = c.writePEM("ca.pem", "CERTIFICATE", c.ca.Raw)
	c.ServerCert, c.ServerKey = c.issue("server", c.ca, c.caKey, "server",
		[]x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth})
	c.ClientCert, c.ClientKey = c.issue("client", c.ca, c.caKey, "client",
		[]x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth})
	rogueCA, rogueKey := c.newCA("another CA")
	c.RogueCert, c.RogueKey = c.issue("rogue", rogueCA, rogueKey, "client",
		[]x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth})
	return c
}

// IssueClient makes another client certificate signed by the test CA,
// with common name cn, in file.pem and file-key.pem.
func (c *Certs) IssueClient(file, cn string) (certFile, keyFile string) {
	return c.issue(file, c.ca, c.caKey, cn, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth})
}

func (c *Certs) newCA(name string) (*x509.Certificate, *ecdsa.PrivateKey) {
	key := c.key()
	tmpl := &x509.Certificate{
		SerialNumber:          serial(c.t),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		c.t.Fatalf("creating a CA: %v", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		c.t.Fatal(err)
	}
	return cert, key
}

func (c *Certs) issue(file string, ca *x509.Certificate, caKey *ecdsa.PrivateKey, cn string, usage []x509.ExtKeyUsage) (certFile, keyFile string) {
	key := c.key()
	tmpl := &x509.Certificate{
		SerialNumber: serial(c.t),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  usage,
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		c.t.Fatalf("issuing %s: %v", file, err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.writePEM(file+".pem", "CERTIFICATE", der), c.writePEM(file+"-key.pem", "PRIVATE KEY", kder)
}

func (c *Certs) key() *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		c.t.Fatal(err)
	}
	return k
}

func serial(t testing.TB) *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func (c *Certs) writePEM(name, typ string, der []byte) string {
	p := filepath.Join(c.dir, name)
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		c.t.Fatal(err)
	}
	return p
}

// ClientTLS is a client's TLS configuration: it trusts the CA and, when
// withCert is set, presents the client certificate.
func (c *Certs) ClientTLS(withCert bool) *tls.Config {
	c.t.Helper()
	pool := x509.NewCertPool()
	pool.AddCert(c.ca)
	tc := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	if withCert {
		kp, err := tls.LoadX509KeyPair(c.ClientCert, c.ClientKey)
		if err != nil {
			c.t.Fatal(err)
		}
		tc.Certificates = []tls.Certificate{kp}
	}
	return tc
}

// ServerArgs are the zkgate options serving the client port (and
// --zk-secure-listen, if given) with the server certificate, requiring
// client certificates when clientCertAuth is set.
func (c *Certs) ServerArgs(clientCertAuth bool) []string {
	args := []string{"--cert-file", c.ServerCert, "--key-file", c.ServerKey}
	if clientCertAuth {
		args = append(args, "--trusted-ca-file", c.CAFile, "--client-cert-auth")
	}
	return args
}

// PeerArgs are the zkgate options for https peer URLs with mutual
// authentication between members (each presents the server certificate).
func (c *Certs) PeerArgs() []string {
	return []string{"--peer-cert-file", c.ServerCert, "--peer-key-file", c.ServerKey,
		"--peer-trusted-ca-file", c.CAFile, "--peer-client-cert-auth"}
}

// EtcdctlArgs are etcdctl's TLS flags: the CA and, when withCert is set,
// the client certificate.
func (c *Certs) EtcdctlArgs(withCert bool) []string {
	args := []string{"--cacert", c.CAFile}
	if withCert {
		args = append(args, "--cert", c.ClientCert, "--key", c.ClientKey)
	}
	return args
}

// NewTLSClient is NewClient over TLS.
func NewTLSClient(t testing.TB, tc *tls.Config, endpoints ...string) *clientv3.Client {
	t.Helper()
	c, err := clientv3.New(clientv3.Config{
		Endpoints:   endpoints,
		DialTimeout: 5 * time.Second,
		Logger:      zap.NewNop(),
		TLS:         tc,
	})
	if err != nil {
		t.Fatalf("clientv3: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// StartTLSCluster is StartCluster with https client and peer URLs: every
// member serves clients with c's server certificate (client certificates
// required) and talks to the others over mutually authenticated TLS.
// The harness reaches the nodes with c's client certificate.
func StartTLSCluster(t testing.TB, c *Certs, size int, extra ...string) *Cluster {
	t.Helper()
	cl := &Cluster{t: t}
	opts := make([]NodeOptions, size)
	var members []string
	args := append(append(append([]string{"--initial-cluster-token", "e2e-" + t.Name()}, c.ServerArgs(true)...), c.PeerArgs()...), extra...)
	for i := range opts {
		opts[i] = NodeOptions{
			Name:       fmt.Sprintf("node%d", i+1),
			ClientPort: FreePort(t),
			PeerPort:   FreePort(t),
			Args:       args,
			TLS:        c.ClientTLS(true),
		}
		members = append(members, fmt.Sprintf("%s=https://127.0.0.1:%d", opts[i].Name, opts[i].PeerPort))
	}
	for i := range opts {
		opts[i].InitialCluster = strings.Join(members, ",")
		cl.Nodes = append(cl.Nodes, NewNode(t, opts[i]))
	}
	for _, n := range cl.Nodes {
		n.Start()
	}
	for _, n := range cl.Nodes {
		n.WaitReady()
	}
	return cl
}
