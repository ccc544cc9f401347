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
