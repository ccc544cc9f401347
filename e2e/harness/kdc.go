package harness

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// KDC is a local MIT Kerberos KDC started by a test (Debian packages
// krb5-kdc and krb5-admin-server; `make peers` installs them) for a realm
// of its own on a free loopback port, its database, configuration and
// keytabs under t.TempDir(). It is killed when the test ends and its log
// is shown if the test failed.
type KDC struct {
	Realm string
	// Krb5Conf is a krb5.conf naming the KDC and the realm as default: give
	// it to Java (-Djava.security.krb5.conf) and MIT tools (KRB5_CONFIG).
	Krb5Conf string
	Port     int

	dir string
	env []string
	t   testing.TB
}

// KDCRealm is the realm of a test KDC.
const KDCRealm = "ZKGATE.TEST"

// KDC binaries of Debian's packages.
const (
	kdb5Util    = "/usr/sbin/kdb5_util"
	kadminLocal = "/usr/sbin/kadmin.local"
	krb5kdc     = "/usr/sbin/krb5kdc"
)

// StartKDC creates a realm and starts its KDC, answering once it accepts
// connections.
func StartKDC(t testing.TB) *KDC {
	t.Helper()
	for _, b := range []string{kdb5Util, kadminLocal, krb5kdc} {
		if _, err := os.Stat(b); err != nil {
			t.Fatalf("MIT Kerberos KDC missing (run `make peers`): %v", err)
		}
	}
	k := &KDC{Realm: KDCRealm, Port: FreePort(t), dir: t.TempDir(), t: t}
	k.Krb5Conf = filepath.Join(k.dir, "krb5.conf")
	enctypes := "aes256-cts-hmac-sha1-96 aes128-cts-hmac-sha1-96"
	krb5 := fmt.Sprintf(`[libdefaults]
 default_realm = %[1]s
 dns_lookup_realm = false
 dns_lookup_kdc = false
 rdns = false
 udp_preference_limit = 1
 default_tkt_enctypes = %[3]s
 default_tgs_enctypes = %[3]s
 permitted_enctypes = %[3]s
[realms]
 %[1]s = {
  kdc = 127.0.0.1:%[2]d
 }
[domain_realm]
 localhost = %[1]s
`, k.Realm, k.Port, enctypes)
	kdc := fmt.Sprintf(`[kdcdefaults]
 kdc_ports = %[2]d
 kdc_tcp_ports = %[2]d
[realms]
 %[1]s = {
  database_name = %[3]s/principal
  key_stash_file = %[3]s/stash
  acl_file = %[3]s/kadm5.acl
  kdc_ports = %[2]d
  kdc_tcp_ports = %[2]d
  max_life = 10h 0m 0s
  supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal
 }
[logging]
 kdc = FILE:%[3]s/kdc.log
`, k.Realm, k.Port, k.dir)
	for name, text := range map[string]string{"krb5.conf": krb5, "kdc.conf": kdc, "kadm5.acl": ""} {
		if err := os.WriteFile(filepath.Join(k.dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	k.env = cleanEnv([]string{"KRB5_CONFIG=" + k.Krb5Conf, "KRB5_KDC_PROFILE=" + filepath.Join(k.dir, "kdc.conf")})
	k.run(kdb5Util, "create", "-s", "-r", k.Realm, "-P", "test master password")
	cmd := exec.Command(krb5kdc, "-n", "-r", k.Realm)
	cmd.Env = k.env
	log := &logBuffer{}
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting krb5kdc: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(k.dir, "kdc.log"))
			t.Logf("krb5kdc output:\n%s\nkdc.log:\n%s", log.String(), b)
		}
	})
	deadline := time.Now().Add(ReadyTimeout)
	for {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", k.Port), time.Second)
		if err == nil {
			c.Close()
			return k
		}
		select {
		case <-exited:
			t.Fatalf("krb5kdc exited: %s", log.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("krb5kdc does not accept connections on port %d: %s", k.Port, log.String())
		}
	}
}

// run runs a Kerberos admin command with the KDC's configuration.
func (k *KDC) run(bin string, args ...string) {
	k.t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = k.env
	out, err := cmd.CombinedOutput()
	if err != nil {
		k.t.Fatalf("%s %s: %v\n%s", bin, strings.Join(args, " "), err, out)
	}
}

// AddPrincipal adds a principal (without the realm: "zookeeper/localhost",
// "client") with a random key, and returns a keytab holding it.
func (k *KDC) AddPrincipal(name string) (keytab string) {
	k.t.Helper()
	keytab = filepath.Join(k.dir, strings.ReplaceAll(name, "/", "_")+".keytab")
	k.run(kadminLocal, "-r", k.Realm, "-q", "addprinc -randkey "+name)
	k.run(kadminLocal, "-r", k.Realm, "-q", "ktadd -k "+keytab+" "+name)
	return keytab
}

// Env is the environment MIT tools (kinit) and libraries (kazoo's
// pure-sasl through python3-kerberos) need for this realm, with the
// credential cache ccache.
func (k *KDC) Env(ccache string) []string {
	return append(append([]string(nil), k.env...), "KRB5CCNAME=FILE:"+ccache)
}
