package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testPEM writes a self-signed certificate (for any use) and its key
// under dir.
func testPEM(t *testing.T, dir, name string) (cert, key string) {
	t.Helper()
	return testPEMUsage(t, dir, name)
}

// testPEMUsage is testPEM with the given extended key usages.
func testPEMUsage(t *testing.T, dir, name string, usage ...x509.ExtKeyUsage) (cert, key string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		ExtKeyUsage: usage}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	cert, key = filepath.Join(dir, name+".pem"), filepath.Join(dir, name+"-key.pem")
	if err := os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return cert, key
}

func TestValidate_TLS(t *testing.T) {
	dir := t.TempDir()
	cert, key := testPEM(t, dir, "server")
	otherCert, otherKey := testPEM(t, dir, "other")
	serverOnly, serverOnlyKey := testPEMUsage(t, dir, "server-only", x509.ExtKeyUsageServerAuth)
	missing := filepath.Join(dir, "missing.pem")
	garbage := filepath.Join(dir, "garbage.pem")
	if err := os.WriteFile(garbage, []byte("not PEM\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	https := func(c *Config) {
		c.ListenClientURLs = []string{"https://127.0.0.1:2379"}
		c.AdvertiseClientURLs = []string{"https://127.0.0.1:2379"}
	}
	httpsPeers := func(c *Config) {
		c.ListenPeerURLs = []string{"https://127.0.0.1:2380"}
		c.InitialAdvertisePeerURLs = []string{"https://127.0.0.1:2380"}
	}
	withCert := func(c *Config) { c.CertFile, c.KeyFile = cert, key }
	external := func(c *Config) { c.EtcdEndpoints = []string{"https://127.0.0.1:2379"} }

	bad := []struct {
		field string
		edits []func(*Config)
		why   string
	}{
		{"cert-file", []func(*Config){https}, "to serve https listen-client-urls"},
		{"cert-file", []func(*Config){func(c *Config) { c.ZKSecureListen = "127.0.0.1:2281" }}, "to serve zk-secure-listen"},
		{"key-file", []func(*Config){https, func(c *Config) { c.CertFile = cert }}, "must be set when cert-file is"},
		{"cert-file", []func(*Config){https, func(c *Config) { c.KeyFile = key }}, "must be set when key-file is"},
		{"cert-file", []func(*Config){https, func(c *Config) { c.CertFile, c.KeyFile = missing, key }}, "cannot be read"},
		{"key-file", []func(*Config){https, func(c *Config) { c.CertFile, c.KeyFile = cert, missing }}, "cannot be read"},
		{"cert-file", []func(*Config){https, func(c *Config) { c.CertFile, c.KeyFile = cert, otherKey }}, "not a PEM certificate and its private key"},
		{"cert-file", []func(*Config){https, func(c *Config) { c.CertFile, c.KeyFile = garbage, key }}, "not a PEM certificate"},
		{"trusted-ca-file", []func(*Config){https, withCert, func(c *Config) { c.TrustedCAFile = garbage }}, "holds no PEM certificate"},
		{"trusted-ca-file", []func(*Config){https, withCert, func(c *Config) { c.TrustedCAFile = missing }}, "cannot be read"},
		{"client-cert-auth", []func(*Config){https, withCert, func(c *Config) { c.ClientCertAuth = true }}, "needs trusted-ca-file"},
		{"client-cert-auth", []func(*Config){withCert, func(c *Config) { c.ClientCertAuth, c.TrustedCAFile = true, otherCert }}, "nothing to guard"},
		{"advertise-client-urls", []func(*Config){withCert, func(c *Config) { c.AdvertiseClientURLs = []string{"https://127.0.0.1:2379"} }}, "no listen-client-url is"},
		{"cert-file", []func(*Config){https, func(c *Config) { c.CertFile, c.KeyFile, c.TrustedCAFile = serverOnly, serverOnlyKey, cert }}, "lacks the clientAuth extended key usage"},
		{"peer-cert-file", []func(*Config){httpsPeers, func(c *Config) { c.PeerCertFile, c.PeerKeyFile, c.PeerTrustedCAFile = serverOnly, serverOnlyKey, cert }}, "lacks the clientAuth extended key usage"},
		{"peer-cert-file", []func(*Config){httpsPeers}, "to serve https listen-peer-urls"},
		{"peer-cert-file", []func(*Config){func(c *Config) { c.PeerCertFile, c.PeerKeyFile = cert, key }}, "would not be used"},
		{"peer-key-file", []func(*Config){httpsPeers, func(c *Config) { c.PeerCertFile = cert }}, "must be set when peer-cert-file is"},
		{"peer-client-cert-auth", []func(*Config){httpsPeers, func(c *Config) { c.PeerCertFile, c.PeerKeyFile, c.PeerClientCertAuth = cert, key, true }}, "needs peer-trusted-ca-file"},
		{"initial-advertise-peer-urls", []func(*Config){func(c *Config) { c.InitialAdvertisePeerURLs = []string{"https://127.0.0.1:2380"} }}, "scheme of listen-peer-urls"},
		{"etcd-cert-file", []func(*Config){func(c *Config) { c.EtcdCertFile, c.EtcdKeyFile = cert, key }}, "only for reaching etcd-endpoints"},
		{"peer-cert-file", []func(*Config){external, func(c *Config) { c.PeerCertFile = cert }}, "only for an embedded member"},
		{"etcd-key-file", []func(*Config){external, func(c *Config) { c.EtcdCertFile = cert }}, "must be set when etcd-cert-file is"},
		{"etcd-trusted-ca-file", []func(*Config){external, func(c *Config) { c.EtcdTrustedCAFile = garbage }}, "holds no PEM certificate"},
		{"etcd-endpoints", []func(*Config){func(c *Config) { c.EtcdEndpoints, c.EtcdTrustedCAFile = []string{"http://127.0.0.1:2379"}, cert }}, "not https"},
		{"etcd-password", []func(*Config){func(c *Config) { c.EtcdUser = "zkgate" }}, "must be set when etcd-user is"},
		{"etcd-user", []func(*Config){func(c *Config) { c.EtcdPassword = "pw" }}, "must be set when etcd-password is"},
		{"zk-secure-listen", []func(*Config){withCert, func(c *Config) { c.ZKSecureListen = "2281" }}, "host:port"},
		{"zk-secure-listen", []func(*Config){withCert, func(c *Config) { c.ZKSecureListen = c.ZKListen }}, "also zk-listen"},
	}
	for _, tc := range bad {
		t.Run(tc.field+"/"+tc.why, func(t *testing.T) {
			c := Default()
			for _, e := range tc.edits {
				e(&c)
			}
			err := c.Validate()
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field || !strings.Contains(fe.Reason, tc.why) {
				t.Fatalf("Validate() = %v, want field %s and reason containing %q", err, tc.field, tc.why)
			}
		})
	}

	good := map[string][]func(*Config){
		"https clients":       {https, withCert},
		"client certificates": {https, withCert, func(c *Config) { c.TrustedCAFile, c.ClientCertAuth = cert, true }},
		"https peers": {httpsPeers, func(c *Config) {
			c.PeerCertFile, c.PeerKeyFile, c.PeerTrustedCAFile, c.PeerClientCertAuth = cert, key, cert, true
		}},
		"zookeeper over TLS only":       {withCert, func(c *Config) { c.ZKListen, c.ZKSecureListen = "", "127.0.0.1:2281" }},
		"etcd user":                     {func(c *Config) { c.EtcdUser, c.EtcdPassword = "zkgate", "pw" }},
		"external etcd over TLS":        {external, func(c *Config) { c.EtcdCertFile, c.EtcdKeyFile, c.EtcdTrustedCAFile = cert, key, cert }},
		"external etcd, system roots":   {external},
		"external gateway serves https": {external, https, withCert},
	}
	for name, edits := range good {
		t.Run("ok/"+name, func(t *testing.T) {
			c := Default()
			for _, e := range edits {
				e(&c)
			}
			if err := c.Validate(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestLoad_BoolFlagAndSecret(t *testing.T) {
	dir := t.TempDir()
	cert, key := testPEM(t, dir, "server")
	c, err := load(t, "--listen-client-urls", "https://127.0.0.1:2379", "--advertise-client-urls", "https://127.0.0.1:2379",
		"--cert-file", cert, "--key-file", key, "--trusted-ca-file", cert, "--client-cert-auth",
		"--etcd-user", "zkgate", "--etcd-password", "s3cret", "--zk-super-digest", "super:D/InIHSb7yEEbrWz8b9l71RjZJU=")
	if err != nil {
		t.Fatal(err)
	}
	if !c.ClientCertAuth || c.EtcdPassword != "s3cret" {
		t.Fatalf("read %+v", c)
	}
	out := Effective(&c)
	if strings.Contains(out, "s3cret") || !strings.Contains(out, `etcd-password: "(set)"`) || !strings.Contains(out, `client-cert-auth: "true"`) ||
		strings.Contains(out, "D/InIHSb7") || !strings.Contains(out, `zk-super-digest: "(set)"`) {
		t.Fatalf("Effective:\n%s", out)
	}
	t.Setenv("ZKGATE_CLIENT_CERT_AUTH", "maybe")
	_, err = load(t)
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "client-cert-auth" {
		t.Fatalf("bad bool: %v", err)
	}
}
