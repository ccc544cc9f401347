package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoad_SASL: --zk-jaas-config, the Kerberos options and the enforced
// schemes come from flags or the config file, and Validate names the
// option at fault.
func TestLoad_SASL(t *testing.T) {
	dir := t.TempDir()
	jaas := filepath.Join(dir, "server.jaas")
	if err := os.WriteFile(jaas, []byte(`Server { org.apache.zookeeper.server.auth.DigestLoginModule required user_bob="secret"; };`), 0o600); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "c.yaml")
	yaml := "zk-jaas-config: " + jaas + "\nzk-enforce-auth-schemes: [sasl, digest]\nzk-kerberos-remove-realm-from-principal: true\n"
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := load(t, "--config", file)
	if err != nil {
		t.Fatal(err)
	}
	if c.JAASConfig != jaas || strings.Join(c.EnforceAuthSchemes, ",") != "sasl,digest" || !c.KerberosRemoveRealmFromPrincipal || c.KerberosRemoveHostFromPrincipal {
		t.Fatalf("from the file: %+v %v %v", c.JAASConfig, c.EnforceAuthSchemes, c.KerberosRemoveRealmFromPrincipal)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if !c.Engine().Providers.SASL || c.Engine().Providers.X509 {
		t.Fatalf("providers %+v", c.Engine().Providers)
	}

	noServer := filepath.Join(dir, "client.jaas")
	if err := os.WriteFile(noServer, []byte(`Client { org.apache.zookeeper.server.auth.DigestLoginModule required username="bob" password="secret"; };`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args  []string
		field string
		want  string
	}{
		{[]string{"--zk-jaas-config", filepath.Join(dir, "missing")}, "zk-jaas-config", "reading JAAS file"},
		{[]string{"--zk-jaas-config", noServer}, "zk-jaas-config", "no Server section"},
		{[]string{"--zk-enforce-auth-schemes", "sasl"}, "zk-enforce-auth-schemes", "sasl needs zk-jaas-config"},
		{[]string{"--zk-enforce-auth-schemes", "x509"}, "zk-enforce-auth-schemes", "x509 needs client-cert-auth"},
		{[]string{"--zk-enforce-auth-schemes", "digest,world"}, "zk-enforce-auth-schemes", `"world" is not a scheme`},
		{[]string{"--zk-sasl-super-user", "bob"}, "zk-sasl-super-user", "needs zk-jaas-config"},
	} {
		c, err := load(t, tc.args...) // Load validates
		if err == nil {
			err = c.Validate()
		}
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: Validate() = %v, want a FieldError for %s saying %q", tc.args, err, tc.field, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("%v: the error quotes a password: %v", tc.args, err)
		}
	}
}
