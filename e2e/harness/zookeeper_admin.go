package harness

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// AdminServerJars are what ZooKeeper's AdminServer needs on the class
// path besides the server: Jetty and Jackson, from Debian's packages
// (dependencies of the zookeeper package).
var AdminServerJars = []string{
	"/usr/share/java/jetty9-server.jar", "/usr/share/java/jetty9-servlet.jar", "/usr/share/java/jetty9-http.jar",
	"/usr/share/java/jetty9-io.jar", "/usr/share/java/jetty9-util.jar", "/usr/share/java/jetty9-security.jar",
	"/usr/share/java/jackson-core.jar", "/usr/share/java/jackson-databind.jar", "/usr/share/java/jackson-annotations.jar",
	"/usr/share/java/servlet-api.jar",
}

// StartZooKeeperAdmin is StartZooKeeper with ZooKeeper's AdminServer on:
// it answers /commands/<name> (ZooKeeper 3.8's JSON) at the returned
// base URL (http://127.0.0.1:PORT).
func StartZooKeeperAdmin(t testing.TB) (*ZooKeeper, string) {
	t.Helper()
	java, err := exec.LookPath("java")
	if err != nil {
		t.Fatalf("java not found (run `make peers` to install the zookeeper package): %v", err)
	}
	for _, j := range append(append([]string(nil), ZooKeeperJars...), AdminServerJars...) {
		if _, err := os.Stat(j); err != nil {
			t.Fatalf("jar missing (run `make peers`): %v", err)
		}
	}
	adminPort := FreePort(t)
	// Later zoo.cfg lines win over newZooKeeper's admin.enableServer=false.
	z := newZooKeeper(t, t.TempDir(), FreePort(t), fmt.Sprintf(
		"admin.enableServer=true\nadmin.serverAddress=127.0.0.1\nadmin.serverPort=%d\n", adminPort))
	z.extraJars = AdminServerJars
	z.start(java)
	z.waitReady()
	return z, fmt.Sprintf("http://127.0.0.1:%d", adminPort)
}

// NettyJars are what ZooKeeper's Netty server (its secure client port)
// needs on the class path, from Debian's packages (zookeeper.jar's manifest
// names only part of them).
var NettyJars = []string{
	"/usr/share/java/netty-codec.jar", "/usr/share/java/netty-resolver.jar", "/usr/share/java/netty-handler.jar",
	"/usr/share/java/netty-buffer.jar", "/usr/share/java/netty-common.jar", "/usr/share/java/netty-transport.jar",
	"/usr/share/java/netty-transport-native-unix-common.jar",
}

// StartZooKeeperTLS is StartZooKeeper with a secure client port as
// ZooKeeper's documentation configures one: the Netty server factory,
// the key and trust stores in PEM (keyStore holds the server's key and
// certificate), client certificates required and, with x509, the
// X509AuthenticationProvider registered. zooCfg are more zoo.cfg lines.
// It returns the server and the secure port's address.
func StartZooKeeperTLS(t testing.TB, keyStore, trustStore string, x509 bool, zooCfg string, jvmFlags ...string) (*ZooKeeper, string) {
	t.Helper()
	java, err := exec.LookPath("java")
	if err != nil {
		t.Fatalf("java not found (run `make peers` to install the zookeeper package): %v", err)
	}
	securePort := FreePort(t)
	cfg := fmt.Sprintf("secureClientPort=%d\nsecureClientPortAddress=127.0.0.1\n"+
		"serverCnxnFactory=org.apache.zookeeper.server.NettyServerCnxnFactory\n"+
		"ssl.keyStore.location=%s\nssl.keyStore.type=PEM\nssl.trustStore.location=%s\nssl.trustStore.type=PEM\nssl.clientAuth=need\n",
		securePort, keyStore, trustStore)
	if x509 {
		cfg += "authProvider.x509=org.apache.zookeeper.server.auth.X509AuthenticationProvider\n"
	}
	z := newZooKeeper(t, t.TempDir(), FreePort(t), cfg+zooCfg)
	z.extraJars = NettyJars
	z.start(java, jvmFlags...)
	z.waitReady()
	return z, fmt.Sprintf("127.0.0.1:%d", securePort)
}
