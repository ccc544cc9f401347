package e2e

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zkgate/zkgate/e2e/harness"
)

// saslServerJAAS is the Server section a real ZooKeeper and zkgate both
// read (gateway/testdata/zookeeper-3.8-behaviour.md, SASL).
const saslServerJAAS = `Server {
       org.apache.zookeeper.server.auth.DigestLoginModule required
       user_super="adminsecret"
       user_bob="bobsecret";
};
`

// saslProvider is the zoo.cfg line that turns SASL on in ZooKeeper.
const saslProvider = "authProvider.1=org.apache.zookeeper.server.auth.SASLAuthenticationProvider\n"

// writeFile writes text to name in dir and returns its path.
func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// digestClientJAAS is zkCli.sh's CLIENT_JVMFLAGS for a client JAAS file
// with a DIGEST-MD5 Client section.
func digestClientJAAS(t *testing.T, user, password string) string {
	return "-Djava.security.auth.login.config=" + writeFile(t, t.TempDir(), "client.jaas", fmt.Sprintf(`Client {
       org.apache.zookeeper.server.auth.DigestLoginModule required
       username=%q
       password=%q;
};
`, user, password))
}

// startSASLPair starts a real ZooKeeper 3.8 and a zkgate node configured
// with the same server JAAS file (and zoo.cfg lines, zkgate flags).
func startSASLPair(t *testing.T, zooCfg string, args ...string) (zk, gate string) {
	t.Helper()
	jaas := writeFile(t, t.TempDir(), "server.jaas", saslServerJAAS)
	z := harness.StartZooKeeperConfig(t, saslProvider+zooCfg, "-Djava.security.auth.login.config="+jaas)
	n := harness.StartNode(t, harness.NodeOptions{Args: append([]string{"--zk-jaas-config", jaas}, args...)})
	return z.Addr, n.ZKAddr
}

// zkCliAs runs zkCli.sh with one command and CLIENT_JVMFLAGS flags (the
// client JAAS file: "" for none), and returns what it printed that is not
// logging, and its exit status.
func zkCliAs(t *testing.T, addr, flags string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command("/usr/share/zookeeper/bin/zkCli.sh", append([]string{"-server", addr}, args...)...)
	cmd.Env = append(os.Environ(), "CLIENT_JVMFLAGS="+flags)
	out, err := outputWithin(t, cmd, 90*time.Second, fmt.Sprintf("zkCli.sh %v", args))
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("zkCli.sh %v: %v", args, err)
	}
	return zkCliOutput(string(out)), code
}

// zkCliNoise matches zkCli.sh's logging, stack traces and banners.
var zkCliNoise = regexp.MustCompile(`^(SLF4J:|\s+at |Connecting to |WATCHER::$|\d{4}-\d\d-\d\d |\[main|.*(INFO|WARN|ERROR|DEBUG)\b|[a-z]+\.[a-zA-Z.]+(Exception|Error)\b|Caused by:|\s*\.\.\. \d+ more)`)

// zkCliOutput keeps the lines zkCli.sh prints for its user: events and
// the command's output.
func zkCliOutput(out string) string {
	var keep []string
	for _, l := range strings.Split(out, "\n") {
		if strings.TrimSpace(l) == "" || zkCliNoise.MatchString(l) {
			continue
		}
		keep = append(keep, l)
	}
	return strings.Join(keep, "\n")
}

// sideBySide runs the same zkCli.sh command against a real ZooKeeper and
// zkgate and fails unless both print the same (zkCliNormal: the events
// first, then the command's output) and exit alike; it returns what zkgate
// printed, so normalised.
func sideBySide(t *testing.T, zk, gate, flags string, args ...string) (string, int) {
	t.Helper()
	want, wantCode := zkCliAs(t, zk, flags, args...)
	got, gotCode := zkCliAs(t, gate, flags, args...)
	want, got = zkCliNormal(want), zkCliNormal(got)
	if got != want || gotCode != wantCode {
		t.Fatalf("zkCli.sh %v:\nZooKeeper (exit %d):\n%s\nzkgate (exit %d):\n%s", args, wantCode, want, gotCode, got)
	}
	return got, gotCode
}

// zkCliNormal puts zkCli.sh's events (WatchedEvent lines, which it prints
// from another thread, anywhere among the command's output) first, sorted,
// and then the command's output in its order.
func zkCliNormal(s string) string {
	var out, events []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, "WatchedEvent ") {
			events = append(events, l)
		} else {
			out = append(out, l)
		}
	}
	slices.Sort(events)
	return strings.Join(append(events, out...), "\n")
}

// hasLine reports whether zkCli.sh printed line as a line of its own.
func hasLine(out, line string) bool {
	return slices.Contains(strings.Split(out, "\n"), line)
}

// TestSASL_DigestZkCli: the stock zkCli.sh with a DIGEST-MD5 client JAAS
// file authenticates to zkgate as to a real ZooKeeper 3.8 configured with
// the same server JAAS file: it creates a znode with a sasl ACL, whoami
// shows the identity, a session without SASL gets NoAuth, the sasl super
// user passes the sasl ACL, and a wrong password or an unknown user fails
// with AuthFailed, as on ZooKeeper.
func TestSASL_DigestZkCli(t *testing.T) {
	t.Parallel()
	zk, gate := startSASLPair(t, "")
	bob := digestClientJAAS(t, "bob", "bobsecret")

	out, _ := sideBySide(t, zk, gate, bob, "create", "/s1", "x", "sasl:bob:cdrwa")
	if !strings.Contains(out, "WatchedEvent state:SaslAuthenticated type:None path:null") || !strings.Contains(out, "Created /s1") {
		t.Fatalf("create as bob:\n%s", out)
	}
	if out, _ := sideBySide(t, zk, gate, bob, "getAcl", "/s1"); !strings.Contains(out, "'sasl,'bob\n: cdrwa") {
		t.Fatalf("getAcl:\n%s", out)
	}
	if out, _ := sideBySide(t, zk, gate, bob, "whoami"); !strings.Contains(out, "Auth scheme: User\nsasl: bob\nip: 127.0.0.1") {
		t.Fatalf("whoami:\n%s", out)
	}
	if out, code := sideBySide(t, zk, gate, "", "get", "/s1"); !strings.Contains(out, "Insufficient permission : /s1") || code != 1 {
		t.Fatalf("get without SASL (exit %d):\n%s", code, out)
	}
	super := digestClientJAAS(t, "super", "adminsecret")
	if out, _ := sideBySide(t, zk, gate, super, "get", "/s1"); !hasLine(out, "x") {
		t.Fatalf("get as the sasl super user:\n%s", out)
	}
	for _, bad := range []string{digestClientJAAS(t, "bob", "wrong"), digestClientJAAS(t, "eve", "x")} {
		out, code := sideBySide(t, zk, gate, bad, "get", "/s1")
		if !strings.Contains(out, "WatchedEvent state:AuthFailed type:None path:null") || !strings.Contains(out, "KeeperErrorCode = AuthFailed for /s1") || code != 1 {
			t.Fatalf("get with bad credentials (exit %d):\n%s", code, out)
		}
		if out, _ := sideBySide(t, zk, gate, bad, "whoami"); !hasLine(out, "Auth scheme: User") || strings.Contains(out, "sasl:") {
			t.Fatalf("whoami with bad credentials:\n%s", out)
		}
	}
	// auth:: expands to the SASL identity; sasl ids KerberosName refuses
	// are InvalidACL.
	if out, _ := sideBySide(t, zk, gate, bob, "create", "/s2", "y", "auth::cdrwa"); !strings.Contains(out, "Created /s2") {
		t.Fatalf("create with auth:::\n%s", out)
	}
	if out, _ := sideBySide(t, zk, gate, bob, "getAcl", "/s2"); !strings.Contains(out, "'sasl,'bob\n: cdrwa") {
		t.Fatalf("getAcl of auth:::\n%s", out)
	}
	if out, _ := sideBySide(t, zk, gate, bob, "create", "/s3", "y", "sasl:a@b@c:cdrwa"); !strings.Contains(out, "KeeperErrorCode = InvalidACL for /s3") {
		t.Fatalf("create with an invalid sasl id:\n%s", out)
	}
}

// TestSASL_SuperUser: with zookeeper.superUser=bob on ZooKeeper and
// --zk-sasl-super-user bob on zkgate, bob authenticated with SASL also
// holds super (whoami lists it) and reads a znode whose digest ACL names
// someone else, ACL unmasked.
func TestSASL_SuperUser(t *testing.T) {
	t.Parallel()
	jaas := writeFile(t, t.TempDir(), "server.jaas", saslServerJAAS)
	z := harness.StartZooKeeperConfig(t, saslProvider, "-Djava.security.auth.login.config="+jaas, "-Dzookeeper.superUser=bob")
	n := harness.StartNode(t, harness.NodeOptions{Args: []string{"--zk-jaas-config", jaas, "--zk-sasl-super-user", "bob"}})
	zk, gate := z.Addr, n.ZKAddr
	bob := digestClientJAAS(t, "bob", "bobsecret")
	if out, _ := sideBySide(t, zk, gate, bob, "whoami"); !strings.Contains(out, "sasl: bob\nsuper: \nip: 127.0.0.1") {
		t.Fatalf("whoami as the super user:\n%s", out)
	}
	if out, _ := sideBySide(t, zk, gate, "", "create", "/d", "x", "digest:alice:WRONGHASHxxxxxxxxxxxxxxxxxx=:cdrwa"); !strings.Contains(out, "Created /d") {
		t.Fatalf("create:\n%s", out)
	}
	if out, _ := sideBySide(t, zk, gate, bob, "get", "/d"); !hasLine(out, "x") {
		t.Fatalf("get as the super user:\n%s", out)
	}
	if out, _ := sideBySide(t, zk, gate, bob, "getAcl", "/d"); !strings.Contains(out, "'digest,'alice:WRONGHASHxxxxxxxxxxxxxxxxxx=\n: cdrwa") {
		t.Fatalf("getAcl as the super user:\n%s", out)
	}
	if out, _ := sideBySide(t, zk, gate, digestClientJAAS(t, "super", "adminsecret"), "get", "/d"); !strings.Contains(out, "Insufficient permission : /d") {
		t.Fatalf("get as sasl:super, not the super user:\n%s", out)
	}
}

// TestSASL_DigestKazoo: kazoo with sasl_options (pure-sasl's DIGEST-MD5,
// which sends no charset and no authzid) authenticates to zkgate as to a
// real ZooKeeper, and a wrong password ends in AuthFailedError on both.
func TestSASL_DigestKazoo(t *testing.T) {
	t.Parallel()
	zk, gate := startSASLPair(t, "")
	script := `
from kazoo.security import make_acl
def sasl_client(user, pw):
    c = KazooClient(hosts=sys.argv[1], timeout=10, sasl_options={"mechanism": "DIGEST-MD5", "username": user, "password": pw})
    c.start(timeout=20)
    return c
zk = sasl_client("bob", "bobsecret")
print(zk.create("/k1", b"x", acl=[make_acl("sasl", "bob", all=True)]))
acl, _ = zk.get_acls("/k1")
print(acl)
print(zk.get("/k1")[0])
zk.stop()
anon = client()
try:
    anon.get("/k1")
except NoAuthError:
    print("anonymous: NoAuthError")
anon.stop()
bad = KazooClient(hosts=sys.argv[1], timeout=10, sasl_options={"mechanism": "DIGEST-MD5", "username": "bob", "password": "wrong"})
# Not bad.start(): it marks the session connected before the SASL
# exchange and looks at the state from another thread, so a server that
# rejects the password quickly is sometimes reported as a time-out. The
# rejection ends the session: kazoo's listeners hear LOST, in the state
# AUTH_FAILED (which kazoo leaves for CLOSED soon after).
lost = threading.Event()
lost_in = []
def listen(s):
    if s == "LOST":
        lost_in.append(bad.client_state)
        lost.set()
bad.add_listener(listen)
bad.start_async()
if lost.wait(20) and lost_in[0] == "AUTH_FAILED":
    print("wrong password: AuthFailedError")
print("state", bad.state)
bad.stop()
print("OK")
`
	want := runKazoo(t, zk, script)
	got := runKazoo(t, gate, script)
	if got != want {
		t.Fatalf("ZooKeeper:\n%s\nzkgate:\n%s", want, got)
	}
	for _, w := range []string{"/k1\n", "Id(scheme='sasl', id='bob')", "b'x'", "anonymous: NoAuthError", "wrong password: AuthFailedError"} {
		if !strings.Contains(got, w) {
			t.Errorf("output lacks %q:\n%s", w, got)
		}
	}
}

// TestSASL_EnforcedAuth: with enforce.auth.schemes=sasl,digest on
// ZooKeeper and --zk-enforce-auth-schemes sasl,digest on zkgate, an
// unauthenticated zkCli.sh and go-zookeeper get what ZooKeeper gives them
// (SessionClosedRequireSaslAuth on the first request), and sessions that
// authenticated with SASL or addauth digest are served.
func TestSASL_EnforcedAuth(t *testing.T) {
	t.Parallel()
	zkAddr, gate := startSASLPair(t, "enforce.auth.enabled=true\nenforce.auth.schemes=sasl,digest\n", "--zk-enforce-auth-schemes", "sasl,digest")
	out, code := sideBySide(t, zkAddr, gate, "", "ls", "/")
	if !strings.Contains(out, "KeeperErrorCode = Session closed because client failed to authenticate for /") || code != 1 {
		t.Fatalf("unauthenticated ls (exit %d):\n%s", code, out)
	}
	if out, _ := sideBySide(t, zkAddr, gate, digestClientJAAS(t, "bob", "bobsecret"), "ls", "/"); !hasLine(out, "[zookeeper]") {
		t.Fatalf("ls after SASL:\n%s", out)
	}

	goZK := func(addr string, digest bool) string {
		c, _, err := zk.Connect([]string{addr}, 10*time.Second, zk.WithLogger(quietLogger{}))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if digest {
			if err := c.AddAuth("digest", []byte("u:p")); err != nil {
				return "addauth: " + err.Error()
			}
		}
		kids, _, err := c.Children("/")
		return fmt.Sprintf("%v %v", kids, err)
	}
	for _, digest := range []bool{false, true} {
		want, got := goZK(zkAddr, digest), goZK(gate, digest)
		t.Logf("go-zookeeper (addauth digest %v): %q", digest, got)
		if got != want {
			t.Fatalf("go-zookeeper (addauth digest %v): ZooKeeper %q, zkgate %q", digest, want, got)
		}
		// go-zookeeper 1.0.4 has no name for -124.
		if digest && got != "[zookeeper] <nil>" || !digest && got != "[] unknown error: -124" {
			t.Fatalf("go-zookeeper (addauth digest %v): %q", digest, got)
		}
	}
}
