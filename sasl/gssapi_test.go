package sasl_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jcmturner/gokrb5/v8/iana/etypeID"
	"github.com/jcmturner/gokrb5/v8/keytab"

	"github.com/zkgate/zkgate/sasl"
)

// kerberosConfig is a GSSAPI server configuration with a keytab for
// zookeeper/localhost@ZKGATE.TEST.
func kerberosConfig(t testing.TB, opts sasl.ServerOptions) *sasl.ServerConfig {
	t.Helper()
	kt := keytab.New()
	if err := kt.AddEntry("zookeeper/localhost", "ZKGATE.TEST", "service password", time.Now(), 1, etypeID.AES256_CTS_HMAC_SHA1_96); err != nil {
		t.Fatal(err)
	}
	b, err := kt.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "zk.keytab")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	j, err := sasl.ParseJAAS(fmt.Sprintf(`Server {
       com.sun.security.auth.module.Krb5LoginModule required
       useKeyTab=true keyTab=%q storeKey=true useTicketCache=false
       principal="zookeeper/localhost@ZKGATE.TEST";
};`, path))
	if err != nil {
		t.Fatal(err)
	}
	c, err := sasl.NewServerConfig(j, "Server", opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestNewServerConfig_Kerberos(t *testing.T) {
	c := kerberosConfig(t, sasl.ServerOptions{})
	if c.Mechanism() != "GSSAPI" || c.NewServer().Mechanism() != "GSSAPI" {
		t.Fatalf("mechanism %s", c.Mechanism())
	}
	for _, text := range []string{
		`Server { com.sun.security.auth.module.Krb5LoginModule required keyTab="/x" principal="a@R"; };`,
		`Server { com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true principal="a@R"; };`,
		`Server { com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true keyTab="/nonexistent" principal="a@R"; };`,
		`Server { com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true keyTab="/x" principal="norealm"; };`,
	} {
		j, err := sasl.ParseJAAS(text)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sasl.NewServerConfig(j, "Server", sasl.ServerOptions{}); err == nil {
			t.Errorf("%s: no error", text)
		}
	}
}

// TestCanonical follows ZooKeeper's SaslServerCallbackHandler with the
// DEFAULT auth_to_local rule and the server principal's realm as the
// default realm.
func TestCanonical(t *testing.T) {
	for _, c := range []struct {
		opts     sasl.ServerOptions
		in, want string
	}{
		{sasl.ServerOptions{}, "client@ZKGATE.TEST", "client@ZKGATE.TEST"},
		{sasl.ServerOptions{RemoveRealmFromPrincipal: true}, "client@ZKGATE.TEST", "client"},
		{sasl.ServerOptions{}, "zkcli/host@ZKGATE.TEST", "zkcli/host@ZKGATE.TEST"},
		{sasl.ServerOptions{RemoveHostFromPrincipal: true}, "zkcli/host@ZKGATE.TEST", "zkcli@ZKGATE.TEST"},
		{sasl.ServerOptions{RemoveHostFromPrincipal: true, RemoveRealmFromPrincipal: true}, "zkcli/host@ZKGATE.TEST", "zkcli"},
		{sasl.ServerOptions{RemoveHostFromPrincipal: true, RemoveRealmFromPrincipal: true}, "bob@OTHER.REALM", "bob@OTHER.REALM"},
		{sasl.ServerOptions{RemoveRealmFromPrincipal: true}, "bob", "bob"},
	} {
		got, err := kerberosConfig(t, c.opts).Canonical(c.in)
		if err != nil || got != c.want {
			t.Errorf("%+v %s: %q %v, want %q", c.opts, c.in, got, err, c.want)
		}
	}
	if _, err := kerberosConfig(t, sasl.ServerOptions{}).Canonical("a@b@c"); !errors.Is(err, sasl.ErrBadCredentials) {
		t.Errorf("a@b@c: err = %v", err)
	}
}

func TestGSSAPIServer_Malformed(t *testing.T) {
	c := kerberosConfig(t, sasl.ServerOptions{})
	for _, tok := range [][]byte{
		nil, {}, []byte("garbage"),
		{0x60, 0x80},
		// An initial context token for another mechanism (SPNEGO's OID).
		{0x60, 0x08, 0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02},
		// Kerberos' OID, then no AP-REQ.
		{0x60, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02, 0x01, 0x00},
		{0x60, 0x0f, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02, 0x01, 0x00, 0x6e, 0x00},
	} {
		s := c.NewServer()
		out, done, err := s.Step(tok)
		if err == nil || done || out != nil || !errors.Is(err, sasl.ErrMalformed) {
			t.Errorf("%x: out %x done %v err %v", tok, out, done, err)
		}
		if _, _, err := s.Step([]byte{}); !errors.Is(err, sasl.ErrMalformed) && !errors.Is(err, sasl.ErrExchangeOver) {
			t.Errorf("%x: a step after the failure: %v", tok, err)
		}
	}
}

// FuzzGSSAPIServer feeds arbitrary first tokens to a GSSAPI server: it
// never panics and never authenticates (no token can carry a ticket for
// the test keytab's key without the key).
func FuzzGSSAPIServer(f *testing.F) {
	f.Add([]byte{0x60, 0x0f, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02, 0x01, 0x00, 0x6e, 0x00})
	f.Add([]byte("garbage"))
	c := kerberosConfig(f, sasl.ServerOptions{})
	f.Fuzz(func(t *testing.T, tok []byte) {
		s := c.NewServer()
		_, done, err := s.Step(tok)
		if err == nil || done {
			t.Fatalf("token %x accepted (done %v)", tok, done)
		}
	})
}
