package e2e

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zkgate/zkgate/e2e/harness"
)

// kerberosJAAS is a JAAS section logging in with Krb5LoginModule from a
// keytab, as ZooKeeper's documentation configures servers and clients.
func kerberosJAAS(section, keytab, principal string) string {
	return fmt.Sprintf(`%s {
       com.sun.security.auth.module.Krb5LoginModule required
       useKeyTab=true
       keyTab=%q
       storeKey=true
       useTicketCache=false
       principal=%q;
};
`, section, keytab, principal)
}

// kerberosPair shapes startKerberosPair's servers.
type kerberosPair struct {
	jvmFlags []string // more for ZooKeeper
	args     []string // more for zkgate
}

// startKerberosPair starts a local KDC, then a real ZooKeeper 3.8 and a
// zkgate node with the same server JAAS file (service principal
// zookeeper/localhost, from its keytab); it returns the KDC and both
// addresses as localhost:PORT (the host a Kerberos client names the
// service by).
func startKerberosPair(t *testing.T, p kerberosPair) (kdc *harness.KDC, zk, gate string) {
	t.Helper()
	kdc = harness.StartKDC(t)
	keytab := kdc.AddPrincipal("zookeeper/localhost")
	jaas := writeFile(t, t.TempDir(), "server.jaas", kerberosJAAS("Server", keytab, "zookeeper/localhost@"+kdc.Realm))
	z := harness.StartZooKeeperConfig(t, saslProvider, append([]string{"-Djava.security.auth.login.config=" + jaas, "-Djava.security.krb5.conf=" + kdc.Krb5Conf}, p.jvmFlags...)...)
	n := harness.StartNode(t, harness.NodeOptions{Args: append([]string{"--zk-jaas-config", jaas}, p.args...)})
	local := func(addr string) string { return "localhost:" + addr[strings.LastIndexByte(addr, ':')+1:] }
	return kdc, local(z.Addr), local(n.ZKAddr)
}

// TestSASL_KerberosZkCli: zkCli.sh with a Kerberos client JAAS file (a
// keytab) authenticates with GSSAPI to zkgate as to a real ZooKeeper 3.8
// configured with the same server JAAS file and keytab: a znode with a
// sasl ACL for the principal, whoami, NoAuth for a session without it, and
// a client whose login fails, all alike.
func TestSASL_KerberosZkCli(t *testing.T) {
	t.Parallel()
	kdc, zk, gate := startKerberosPair(t, kerberosPair{})
	clientKeytab := kdc.AddPrincipal("client")
	krb5 := " -Djava.security.krb5.conf=" + kdc.Krb5Conf
	client := "-Djava.security.auth.login.config=" + writeFile(t, t.TempDir(), "client.jaas", kerberosJAAS("Client", clientKeytab, "client@"+kdc.Realm)) + krb5
	principal := "client@" + kdc.Realm

	out, _ := sideBySide(t, zk, gate, client, "create", "/g1", "x", "sasl:"+principal+":cdrwa")
	if !strings.Contains(out, "WatchedEvent state:SaslAuthenticated type:None path:null") || !strings.Contains(out, "Created /g1") {
		t.Fatalf("create as %s:\n%s", principal, out)
	}
	if out, _ := sideBySide(t, zk, gate, client, "whoami"); !strings.Contains(out, "Auth scheme: User\nsasl: "+principal+"\nip: 127.0.0.1") {
		t.Fatalf("whoami:\n%s", out)
	}
	if out, _ := sideBySide(t, zk, gate, client, "get", "/g1"); !hasLine(out, "x") {
		t.Fatalf("get:\n%s", out)
	}
	out, code := sideBySide(t, zk, gate, "", "get", "/g1")
	if !strings.Contains(out, "Insufficient permission : /g1") || code != 1 {
		t.Fatalf("get without SASL (exit %d):\n%s", code, out)
	}
	// A principal whose key is not in the keytab: the login fails in the
	// client, which goes on unauthenticated, alike on both servers.
	wrong := "-Djava.security.auth.login.config=" + writeFile(t, t.TempDir(), "wrong.jaas", kerberosJAAS("Client", clientKeytab, "nobody@"+kdc.Realm)) + krb5
	out, code = sideBySide(t, zk, gate, wrong, "get", "/g1")
	if !strings.Contains(out, "WatchedEvent state:AuthFailed type:None path:null") || !strings.Contains(out, "Insufficient permission : /g1") || code != 1 {
		t.Fatalf("get with a principal not in the keytab (exit %d):\n%s", code, out)
	}
}

// TestSASL_KerberosKazoo: kazoo with sasl_options GSSAPI (pure-sasl over
// python3-kerberos, a ticket from kinit with the client's keytab)
// authenticates to zkgate as to a real ZooKeeper.
func TestSASL_KerberosKazoo(t *testing.T) {
	t.Parallel()
	kdc, zk, gate := startKerberosPair(t, kerberosPair{})
	clientKeytab := kdc.AddPrincipal("client")
	ccache := filepath.Join(t.TempDir(), "ccache")
	kinit := exec.Command("kinit", "-kt", clientKeytab, "client@"+kdc.Realm)
	kinit.Env = kdc.Env(ccache)
	if out, err := kinit.CombinedOutput(); err != nil {
		t.Fatalf("kinit: %v\n%s", err, out)
	}
	script := `
from kazoo.security import make_acl
zk = KazooClient(hosts=sys.argv[1], timeout=10, sasl_options={"mechanism": "GSSAPI", "service": "zookeeper"})
zk.start(timeout=20)
print(zk.create("/kg", b"x", acl=[make_acl("sasl", "client@` + kdc.Realm + `", all=True)]))
print(zk.get_acls("/kg")[0])
print(zk.get("/kg")[0])
zk.stop()
anon = client()
try:
    anon.get("/kg")
except NoAuthError:
    print("anonymous: NoAuthError")
anon.stop()
print("OK")
`
	run := func(hosts string) string {
		cmd := exec.Command(python, "-c", kazooPrelude+script, hosts)
		cmd.Env = kdc.Env(ccache)
		out, err := outputWithin(t, cmd, 120*time.Second, "kazoo")
		if err != nil || !strings.HasSuffix(strings.TrimSpace(string(out)), "OK") {
			t.Fatalf("kazoo on %s: %v\n%s", hosts, err, out)
		}
		return string(out)
	}
	want, got := run(zk), run(gate)
	if got != want {
		t.Fatalf("ZooKeeper:\n%s\nzkgate:\n%s", want, got)
	}
	if !strings.Contains(got, "Id(scheme='sasl', id='client@"+kdc.Realm+"')") || !strings.Contains(got, "anonymous: NoAuthError") {
		t.Fatalf("kazoo:\n%s", got)
	}
}

// TestSASL_KerberosOptions: with kerberos.removeHostFromPrincipal and
// removeRealmFromPrincipal on ZooKeeper and the matching zkgate flags,
// the principal zkcli/localhost@REALM is the sasl identity zkcli on both;
// and a ticket for another service is refused alike.
func TestSASL_KerberosOptions(t *testing.T) {
	t.Parallel()
	kdc, zk, gate := startKerberosPair(t, kerberosPair{
		jvmFlags: []string{"-Dzookeeper.kerberos.removeHostFromPrincipal=true", "-Dzookeeper.kerberos.removeRealmFromPrincipal=true"},
		args:     []string{"--zk-kerberos-remove-host-from-principal", "--zk-kerberos-remove-realm-from-principal"},
	})
	keytab := kdc.AddPrincipal("zkcli/localhost")
	flags := "-Djava.security.auth.login.config=" + writeFile(t, t.TempDir(), "client.jaas", kerberosJAAS("Client", keytab, "zkcli/localhost@"+kdc.Realm)) +
		" -Djava.security.krb5.conf=" + kdc.Krb5Conf
	if out, _ := sideBySide(t, zk, gate, flags, "whoami"); !strings.Contains(out, "sasl: zkcli\n") {
		t.Fatalf("whoami with the host and realm removed:\n%s", out)
	}

	// A client that asks for a ticket to another service (which the KDC
	// knows) sends the servers an AP-REQ their keytab cannot open.
	kdc.AddPrincipal("other/localhost")
	client := kdc.AddPrincipal("client")
	flags2 := "-Djava.security.auth.login.config=" + writeFile(t, t.TempDir(), "client2.jaas", kerberosJAAS("Client", client, "client@"+kdc.Realm)) +
		" -Djava.security.krb5.conf=" + kdc.Krb5Conf + " -Dzookeeper.sasl.client.username=other"
	out, code := sideBySide(t, zk, gate, flags2, "ls", "/")
	if !strings.Contains(out, "WatchedEvent state:AuthFailed type:None path:null") || !strings.Contains(out, "KeeperErrorCode = AuthFailed for /") || code != 1 {
		t.Fatalf("ls with a ticket for another service (exit %d):\n%s", code, out)
	}
}
