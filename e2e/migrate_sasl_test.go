package e2e

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zkgate/zkgate/e2e/harness"
)

// saslTree creates, through any session (ACLs bind the znodes' later
// readers, not their creator), /s with a znode and a child readable only
// by sasl:id, a digest one, one of mixed ACLs and an open one. It
// returns how many znodes there are under /s, /s included.
func saslTree(t *testing.T, c *zk.Conn, id string) int {
	t.Helper()
	open := zk.WorldACL(zk.PermAll)
	sasl := []zk.ACL{{Perms: zk.PermAll, Scheme: "sasl", ID: id}}
	must := func(p, data string, acl []zk.ACL) {
		t.Helper()
		if _, err := c.Create(p, []byte(data), 0, acl); err != nil {
			t.Fatalf("create %s: %v", p, err)
		}
	}
	must("/s", "root", open)
	must("/s/only-sasl", "for "+id, open)
	must("/s/only-sasl/child", "c", sasl)
	if _, err := c.SetACL("/s/only-sasl", sasl, -1); err != nil {
		t.Fatal(err)
	}
	must("/s/digest", "d", zk.DigestACL(zk.PermAll, "admin", "pw"))
	must("/s/mixed", "m", append(append(zk.DigestACL(zk.PermRead|zk.PermAdmin, "admin", "pw"),
		zk.ACL{Perms: zk.PermRead | zk.PermWrite, Scheme: "sasl", ID: id}), zk.WorldACL(zk.PermRead)...))
	must("/s/open", "o", open)
	return 6
}

// saslACLs reads the ACL of /s/only-sasl and /s/mixed through c.
func saslACLs(t *testing.T, c *zk.Conn, root string) string {
	t.Helper()
	var out []string
	for _, p := range []string{"/s/only-sasl", "/s/mixed"} {
		acl, _, err := c.GetACL(root + p)
		if err != nil {
			t.Fatalf("getAcl %s: %v", root+p, err)
		}
		out = append(out, fmt.Sprint(acl))
	}
	return strings.Join(out, " ")
}

// saslDestination is a zkgate node where sasl ACLs are valid (SASL is
// configured, with saslServerJAAS) and super:superpw reads everything.
func saslDestination(t *testing.T) *harness.Node {
	t.Helper()
	return harness.StartNode(t, harness.NodeOptions{Args: []string{"--zk-jaas-config", writeFile(t, t.TempDir(), "server.jaas", saslServerJAAS),
		"--zk-super-digest", digestID("super", "superpw")}})
}

// oneLine fails unless r failed with status 2 and a one-line error
// holding want.
func oneLine(t *testing.T, what string, r harness.Result, want string) {
	t.Helper()
	if r.ExitCode != 2 || strings.Count(strings.TrimSpace(r.Stderr), "\n") != 0 || !strings.Contains(r.Stderr, want) {
		t.Fatalf("%s: status %d, want 2 and one line with %q\n%s%s", what, r.ExitCode, want, r.Stdout, r.Stderr)
	}
	t.Logf("%s: %s", what, strings.TrimSpace(r.Stderr))
}

// TestMigrate_SASLDigest: zkgate migrate reads a real ZooKeeper 3.8 that
// authenticates with DIGEST-MD5 SASL as bob (--from-jaas-config, the
// Client section zkCli.sh reads): znodes readable only by sasl:bob come
// over with their ACLs exactly, as do digest and mixed ones, and zkgate
// diff finds no difference; without the JAAS file diff cannot read them;
// a wrong password fails at once in one line naming the address and
// AuthFailed, and writes nothing. The way back, zkgate into a SASL
// ZooKeeper (--to-jaas-config), writes the children of a znode only bob
// may create under; and ZooKeeper into zkgate's own ZooKeeper port, SASL
// at both ends.
func TestMigrate_SASLDigest(t *testing.T) {
	t.Parallel()
	jaas := writeFile(t, t.TempDir(), "server.jaas", saslServerJAAS)
	zkAddr := harness.StartZooKeeperConfig(t, saslProvider, "-Djava.security.auth.login.config="+jaas).Addr
	n := saslDestination(t)
	src, _ := zkConnect(t, zkAddr)
	count := saslTree(t, src, "bob")
	dir := t.TempDir()
	clientJAAS := func(name, password string) string {
		return writeFile(t, dir, name, fmt.Sprintf("Client {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n  username=\"bob\"\n  password=%q;\n};\n", password))
	}
	bob, wrong := clientJAAS("bob.jaas", "bobsecret"), clientJAAS("wrong.jaas", "not-bobs")
	from := "zk://" + zkAddr
	run := func(verb, jaas string, more ...string) harness.Result {
		args := []string{verb, "--from", from, "--from-auth", "digest:admin:pw", "--to", n.ClientURL,
			"--to-auth", "digest:super:superpw", "--path", "/s", "--dial-timeout", "5s"}
		if jaas != "" {
			args = append(args, "--from-jaas-config", jaas)
		}
		return harness.RunZkgate(t, 60*time.Second, nil, append(args, more...)...)
	}

	r := run("migrate", wrong)
	oneLine(t, "a wrong password", r, zkAddr+": SASL DIGEST-MD5 authentication as bob failed: the server answered AuthFailed")
	if strings.Contains(r.Stderr, "not-bobs") {
		t.Fatalf("the password is shown: %s", r.Stderr)
	}
	dst, _ := zkConnect(t, n.ZKAddr)
	if err := dst.AddAuth("digest", []byte("super:superpw")); err != nil {
		t.Fatal(err)
	}
	if ok, _, err := dst.Exists("/s"); err != nil || ok {
		t.Fatalf("a refused migrate wrote /s (exists %v, %v)", ok, err)
	}

	r = run("migrate", bob)
	if r.ExitCode != 0 || !strings.HasPrefix(r.Stdout, fmt.Sprintf("%d znodes created, 0 updated", count)) ||
		!strings.Contains(r.Stderr, fmt.Sprintf("copying %d znodes under /s", count)) {
		t.Fatalf("migrate with SASL: status %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	r = run("diff", bob)
	if r.ExitCode != 0 || !strings.HasPrefix(r.Stdout, fmt.Sprintf("no differences: %d znodes compared", count)) {
		t.Fatalf("diff after migrate: status %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	// Without SASL (and the same trees), the source refuses to show sasl:bob's znode.
	if r := run("diff", ""); r.ExitCode != 2 || !strings.Contains(r.Stdout, "! /s/only-sasl: the source's ACL refuses to read it") {
		t.Fatalf("diff without SASL: status %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}

	want := "[{31 sasl bob}] [{17 digest " + digestID("admin", "pw") + "} {3 sasl bob} {1 world anyone}]"
	if got := saslACLs(t, dst, ""); got != want {
		t.Fatalf("ACLs in zkgate: %s, want %s", got, want)
	}
	if data, _, err := dst.Get("/s/only-sasl/child"); err != nil || string(data) != "c" {
		t.Fatalf("/s/only-sasl/child in zkgate: %q, %v", data, err)
	}

	// The way back, into /back of the SASL ZooKeeper: creating
	// /s/only-sasl/child needs bob's CREATE on its parent.
	if _, err := src.Create("/back", nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	back := func(verb, jaas string) harness.Result {
		args := []string{verb, "--from", n.ClientURL, "--from-auth", "digest:super:superpw", "--to", "zk://" + zkAddr + "/back",
			"--to-auth", "digest:admin:pw", "--path", "/s", "--dial-timeout", "5s"}
		if jaas != "" {
			args = append(args, "--to-jaas-config", jaas)
		}
		return harness.RunZkgate(t, 60*time.Second, nil, args...)
	}
	oneLine(t, "the way back with a wrong password", back("migrate", wrong), zkAddr+": SASL DIGEST-MD5 authentication as bob failed")
	if r := back("migrate", ""); r.ExitCode != 2 || !strings.Contains(r.Stdout+r.Stderr, "/s/only-sasl/child") {
		t.Fatalf("the way back without SASL: status %d, want 2 naming /s/only-sasl/child\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	if r := back("migrate", bob); r.ExitCode != 0 {
		t.Fatalf("the way back with SASL: status %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	if r := back("diff", bob); r.ExitCode != 0 || !strings.HasPrefix(r.Stdout, fmt.Sprintf("no differences: %d znodes compared", count)) {
		t.Fatalf("diff after the way back: status %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	// ZooKeeper to zkgate's ZooKeeper port, SASL at both ends (zkgate
	// serves DIGEST-MD5 with the same server JAAS file), under /copy.
	if _, err := dst.Create("/copy", nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	for _, verb := range []string{"migrate", "diff"} {
		r := harness.RunZkgate(t, 60*time.Second, nil, verb, "--from", from, "--from-jaas-config", bob, "--from-auth", "digest:admin:pw",
			"--to", "zk://"+n.ZKAddr+"/copy", "--to-jaas-config", bob, "--to-auth", "digest:admin:pw", "--path", "/s", "--dial-timeout", "5s")
		if r.ExitCode != 0 {
			t.Fatalf("%s into zkgate's ZooKeeper port with SASL: status %d\n%s%s", verb, r.ExitCode, r.Stdout, r.Stderr)
		}
	}
	if got := saslACLs(t, dst, "/copy"); got != want {
		t.Fatalf("ACLs in zkgate's /copy: %s, want %s", got, want)
	}

	// diff compared the ACLs; sasl:bob's znode is not readable here
	// without SASL, the mixed one shows them all.
	if err := src.AddAuth("digest", []byte("admin:pw")); err != nil {
		t.Fatal(err)
	}
	if acl, _, err := src.GetACL("/back/s/mixed"); err != nil || !strings.HasSuffix(want, " "+fmt.Sprint(acl)) {
		t.Fatalf("ACL of /back/s/mixed in ZooKeeper: %v (%v), want the end of %s", acl, err, want)
	}
}

// TestMigrate_SASLKerberos: zkgate migrate reads a Kerberos-secured real
// ZooKeeper 3.8 as the keytab's principal (a Krb5LoginModule Client
// section, krb5.conf from KRB5_CONFIG): znodes readable only by
// sasl:client@REALM come over with their ACLs, and zkgate diff finds no
// difference; a principal the keytab has no key for fails at once in one
// line, before anything is dialed, and writes nothing; a ticket for another service is
// refused by ZooKeeper, and one the KDC cannot give fails, each in one
// line naming the address. A ticket cache (kinit's) serves as well as the
// keytab. The way back, into the Kerberos ZooKeeper
// with --to-jaas-config, is diffed clean too.
func TestMigrate_SASLKerberos(t *testing.T) {
	t.Parallel()
	kdc := harness.StartKDC(t)
	jaas := writeFile(t, t.TempDir(), "server.jaas", kerberosJAAS("Server", kdc.AddPrincipal("zookeeper/localhost"), "zookeeper/localhost@"+kdc.Realm))
	z := harness.StartZooKeeperConfig(t, saslProvider, "-Djava.security.auth.login.config="+jaas, "-Djava.security.krb5.conf="+kdc.Krb5Conf)
	// The principal is zookeeper/localhost: the client names the host so.
	zkAddr := "localhost:" + z.Addr[strings.LastIndexByte(z.Addr, ':')+1:]
	n := saslDestination(t)
	principal := "client@" + kdc.Realm
	keytab := kdc.AddPrincipal("client")
	src, _ := zkConnect(t, zkAddr)
	count := saslTree(t, src, principal)
	dir := t.TempDir()
	good := writeFile(t, dir, "client.jaas", kerberosJAAS("Client", keytab, principal))
	kdc.AddPrincipal("someone")
	someone := writeFile(t, dir, "someone.jaas", kerberosJAAS("Client", keytab, "someone@"+kdc.Realm))
	env := []string{"KRB5_CONFIG=" + kdc.Krb5Conf}
	run := func(verb, jaas string, more ...string) harness.Result {
		return harness.RunZkgate(t, 60*time.Second, env, append([]string{verb, "--from", "zk://" + zkAddr, "--from-jaas-config", jaas,
			"--from-auth", "digest:admin:pw", "--to", n.ClientURL, "--to-auth", "digest:super:superpw", "--path", "/s", "--dial-timeout", "5s"}, more...)...)
	}

	oneLine(t, "a principal not in the keytab", run("migrate", someone), "--from-jaas-config "+someone+": JAAS Client section: Krb5LoginModule: keyTab "+keytab+" has no key for someone@"+kdc.Realm)
	// A ticket for a service the KDC knows, which ZooKeeper's keytab cannot
	// open (zookeeper.sasl.client.username=other); one the KDC does not know.
	kdc.AddPrincipal("other/localhost")
	oneLine(t, "a ticket for another service", run("migrate", good, "--from-sasl-service", "other"),
		"source: "+zkAddr+": SASL GSSAPI authentication as "+principal+" failed: the server answered AuthFailed (it cannot accept the ticket")
	oneLine(t, "a service the KDC does not know", run("migrate", good, "--from-sasl-service", "nothing"),
		"source: "+zkAddr+": SASL GSSAPI authentication as "+principal+" failed: no service ticket for nothing/localhost: the KDC answered (7) KDC_ERR_S_PRINCIPAL_UNKNOWN")
	dst, _ := zkConnect(t, n.ZKAddr)
	if err := dst.AddAuth("digest", []byte("super:superpw")); err != nil {
		t.Fatal(err)
	}
	if ok, _, err := dst.Exists("/s"); err != nil || ok {
		t.Fatalf("a refused migrate wrote /s (exists %v, %v)", ok, err)
	}

	r := run("migrate", good)
	if r.ExitCode != 0 || !strings.HasPrefix(r.Stdout, fmt.Sprintf("%d znodes created, 0 updated", count)) {
		t.Fatalf("migrate with Kerberos: status %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	r = run("diff", good)
	if r.ExitCode != 0 || !strings.HasPrefix(r.Stdout, fmt.Sprintf("no differences: %d znodes compared", count)) {
		t.Fatalf("diff after migrate: status %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	want := "[{31 sasl " + principal + "}] [{17 digest " + digestID("admin", "pw") + "} {3 sasl " + principal + "} {1 world anyone}]"
	if got := saslACLs(t, dst, ""); got != want {
		t.Fatalf("ACLs in zkgate: %s, want %s", got, want)
	}

	// From kinit's ticket cache (KRB5CCNAME) instead of the keytab.
	ccache := filepath.Join(dir, "ccache")
	kinit := exec.Command("kinit", "-kt", keytab, principal)
	kinit.Env = kdc.Env(ccache)
	if out, err := kinit.CombinedOutput(); err != nil {
		t.Fatalf("kinit: %v\n%s", err, out)
	}
	cache := writeFile(t, dir, "cache.jaas", "Client {\n  com.sun.security.auth.module.Krb5LoginModule required\n  useTicketCache=true;\n};\n")
	r = harness.RunZkgate(t, 60*time.Second, kdc.Env(ccache), "diff", "--from", "zk://"+zkAddr, "--from-jaas-config", cache,
		"--from-auth", "digest:admin:pw", "--to", n.ClientURL, "--to-auth", "digest:super:superpw", "--path", "/s", "--dial-timeout", "5s")
	if r.ExitCode != 0 || !strings.HasPrefix(r.Stdout, fmt.Sprintf("no differences: %d znodes compared", count)) {
		t.Fatalf("diff with the ticket cache: status %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}

	// The way back into /back of the Kerberos ZooKeeper: the child of
	// /s/only-sasl needs the principal's CREATE there.
	if _, err := src.Create("/back", nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	for _, verb := range []string{"migrate", "diff"} {
		r := harness.RunZkgate(t, 60*time.Second, env, verb, "--from", n.ClientURL, "--from-auth", "digest:super:superpw",
			"--to", "zk://"+zkAddr+"/back", "--to-jaas-config", good, "--to-auth", "digest:admin:pw", "--path", "/s", "--dial-timeout", "5s")
		if r.ExitCode != 0 {
			t.Fatalf("%s back into the Kerberos ZooKeeper: status %d\n%s%s", verb, r.ExitCode, r.Stdout, r.Stderr)
		}
	}
}
