package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zkgate/zkgate/e2e/harness"
)

// TestZkCli_TLS: the stock zkCli.sh, switched to ZooKeeper's Netty client
// with zookeeper.client.secure and PEM trust and key stores, as one
// configures it for a ZooKeeper secureClientPort, works against
// --zk-secure-listen with client certificates required.
func TestZkCli_TLS(t *testing.T) {
	t.Parallel()
	certs := harness.NewCerts(t)
	_, zkTLS := startTLSNode(t, certs, true)
	// Java's PEM key store takes the key and its certificate in one file.
	keyStore := filepath.Join(t.TempDir(), "client-keystore.pem")
	key, err := os.ReadFile(certs.ClientKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := os.ReadFile(certs.ClientCert)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyStore, append(key, cert...), 0o600); err != nil {
		t.Fatal(err)
	}
	flags := strings.Join([]string{
		"-Dzookeeper.clientCnxnSocket=org.apache.zookeeper.ClientCnxnSocketNetty",
		"-Dzookeeper.client.secure=true",
		"-Dzookeeper.ssl.trustStore.location=" + certs.CAFile,
		"-Dzookeeper.ssl.trustStore.type=PEM",
		"-Dzookeeper.ssl.keyStore.location=" + keyStore,
		"-Dzookeeper.ssl.keyStore.type=PEM",
		// Debian's zookeeper.jar names in its manifest only part of what
		// the Netty client needs (not netty-resolver, netty-codec, the
		// native unix classes), so the class path is given whole; the
		// simple SLF4J binding shows the client's own errors if it fails.
		"-cp", "/etc/zookeeper/conf:/usr/share/java/zookeeper.jar:/usr/share/java/netty-resolver.jar:/usr/share/java/netty-codec.jar:/usr/share/java/netty-transport-native-unix-common.jar:/usr/share/java/slf4j-simple.jar",
	}, " ")
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("/usr/share/zookeeper/bin/zkCli.sh", append([]string{"-server", zkTLS}, args...)...)
		cmd.Env = append(os.Environ(), "CLIENT_JVMFLAGS="+flags)
		done := make(chan struct{})
		var out []byte
		go func() { out, err = cmd.CombinedOutput(); close(done) }()
		select {
		case <-done:
		case <-time.After(90 * time.Second):
			cmd.Process.Kill()
			<-done
			t.Fatalf("zkCli.sh %v timed out:\n%s", args, out)
		}
		if err != nil {
			t.Fatalf("zkCli.sh %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	if out := run("create", "/cli-tls", "hello"); !strings.Contains(out, "Created /cli-tls") {
		t.Fatalf("create over TLS: %s", out)
	}
	if out := run("get", "/cli-tls"); !strings.Contains(out, "hello") {
		t.Fatalf("get over TLS: %s", out)
	}
}
