package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zkgate/zkgate/e2e/harness"
)

// zkCliTLSFlags are zkCli.sh's CLIENT_JVMFLAGS for a secure client port
// with the client certificate of keyStore (key and certificate in one
// PEM file), as TestZkCli_TLS gives them.
func zkCliTLSFlags(certs *harness.Certs, keyStore string) string {
	return strings.Join([]string{
		"-Dzookeeper.clientCnxnSocket=org.apache.zookeeper.ClientCnxnSocketNetty",
		"-Dzookeeper.client.secure=true",
		"-Dzookeeper.ssl.trustStore.location=" + certs.CAFile,
		"-Dzookeeper.ssl.trustStore.type=PEM",
		"-Dzookeeper.ssl.keyStore.location=" + keyStore,
		"-Dzookeeper.ssl.keyStore.type=PEM",
		"-cp", "/etc/zookeeper/conf:/usr/share/java/zookeeper.jar:/usr/share/java/netty-resolver.jar:/usr/share/java/netty-codec.jar:/usr/share/java/netty-transport-native-unix-common.jar:/usr/share/java/slf4j-simple.jar",
	}, " ")
}

// pemBundle writes a key and its certificate into one PEM file.
func pemBundle(t *testing.T, key, cert string) string {
	t.Helper()
	k, err := os.ReadFile(key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := os.ReadFile(cert)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "keystore.pem")
	if err := os.WriteFile(p, append(k, c...), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestX509_ZkCliSideBySide: zkCli.sh over TLS with a client certificate
// gets the same x509 identity from zkgate's --zk-secure-listen as from a
// real ZooKeeper 3.8 secure port with X509AuthenticationProvider: whoami,
// a znode with an x509 ACL, getAcl, and NoAuth for another certificate.
func TestX509_ZkCliSideBySide(t *testing.T) {
	t.Parallel()
	certs := harness.NewCerts(t)
	_, zkTLS := harness.StartZooKeeperTLS(t, pemBundle(t, certs.ServerKey, certs.ServerCert), certs.CAFile, true, "")
	_, gateTLS := startTLSNode(t, certs, true)
	client := zkCliTLSFlags(certs, pemBundle(t, certs.ClientKey, certs.ClientCert))
	otherCert, otherKey := certs.IssueClient("other", "other")
	other := zkCliTLSFlags(certs, pemBundle(t, otherKey, otherCert))

	if out, _ := sideBySide(t, zkTLS, gateTLS, client, "whoami"); !strings.Contains(out, "x509: CN=client") {
		t.Fatalf("whoami:\n%s", out)
	}
	if out, _ := sideBySide(t, zkTLS, gateTLS, client, "create", "/x", "v", "x509:CN=client:cdrwa"); !strings.Contains(out, "Created /x") {
		t.Fatalf("create with an x509 ACL:\n%s", out)
	}
	if out, _ := sideBySide(t, zkTLS, gateTLS, client, "getAcl", "/x"); !strings.Contains(out, "'x509,'CN=client\n: cdrwa") {
		t.Fatalf("getAcl:\n%s", out)
	}
	if out, code := sideBySide(t, zkTLS, gateTLS, other, "get", "/x"); !strings.Contains(out, "Insufficient permission : /x") || code != 1 {
		t.Fatalf("get as CN=other (exit %d):\n%s", code, out)
	}
	if out, _ := sideBySide(t, zkTLS, gateTLS, client, "create", "/y", "v", "x509:FOO=bar:cdrwa"); !strings.Contains(out, "InvalidACL") {
		t.Fatalf("create with an invalid x509 id:\n%s", out)
	}
}
