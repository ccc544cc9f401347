package sasl_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/zkgate/zkgate/sasl"
)

func TestParseJAAS_ZooKeeperFiles(t *testing.T) {
	text := `/* the server's file */
Server {
       org.apache.zookeeper.server.auth.DigestLoginModule required
       user_super="adminsecret"
       user_bob="bob\"secret";  // bob's
};
// a comment
Client {
  com.sun.security.auth.module.Krb5LoginModule Required
  useKeyTab=true keyTab="/etc/zk/zk.keytab"
  storeKey=true
  principal="zookeeper/localhost@EXAMPLE.COM";
  org.example.Other optional;
};`
	got, err := sasl.ParseJAAS(text)
	if err != nil {
		t.Fatal(err)
	}
	want := sasl.JAAS{
		"Server": {{Class: sasl.DigestLoginModule, Flag: "required", Options: map[string]string{"user_super": "adminsecret", "user_bob": `bob"secret`}}},
		"Client": {
			{Class: sasl.Krb5LoginModule, Flag: "required", Options: map[string]string{"useKeyTab": "true", "keyTab": "/etc/zk/zk.keytab", "storeKey": "true", "principal": "zookeeper/localhost@EXAMPLE.COM"}},
			{Class: "org.example.Other", Flag: "optional", Options: map[string]string{}},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %#v\nwant %#v", got, want)
	}
}

func TestParseJAAS_Errors(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{`Server { a.B required; }`, "line 1: want ; after the }"},
		{`Server { a.B mandatory; };`, `control flag "mandatory"`},
		{"Server {\n a.B required x=\"secret1\" x=\"secret2\"; };", "line 2: option x given twice"},
		{`Server { a.B required x; };`, "want = after option x"},
		{`Server { a.B required x=; };`, "want a value for option x"},
		{"Server { a.B required x=\"unterminated\n\"; };", "not closed on its line"},
		{`Server { a.B required; }; Server { a.B required; };`, `section "Server" appears twice`},
		{`Server { a.B required x=/path; };`, "unexpected character '/'"},
		{`/* open`, "comment not closed"},
		{`Server { a.B required x=1 ! };`, "unexpected character '!'"},
		{`{`, "want a section name"},
	} {
		_, err := sasl.ParseJAAS(c.text)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: err = %v, want it to contain %q", c.text, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("%q: the error quotes a value: %v", c.text, err)
		}
	}
}

func TestNewServerConfig_Sections(t *testing.T) {
	j, err := sasl.ParseJAAS(`Server { org.apache.zookeeper.server.auth.DigestLoginModule required username="q" password="p"; };
Other { org.example.Mod required; };
Empty { org.apache.zookeeper.server.auth.DigestLoginModule required; };`)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sasl.NewServerConfig(j, "Server", sasl.ServerOptions{}); err == nil || !strings.Contains(err.Error(), "no user_") {
		t.Errorf("Server with only the quorum's username/password: err = %v", err)
	}
	if _, err := sasl.NewServerConfig(j, "Other", sasl.ServerOptions{}); err == nil || !strings.Contains(err.Error(), "org.example.Mod is not supported") {
		t.Errorf("unknown module: err = %v", err)
	}
	if _, err := sasl.NewServerConfig(j, "Missing", sasl.ServerOptions{}); err == nil || !strings.Contains(err.Error(), "no Missing section (sections: Empty, Other, Server)") {
		t.Errorf("missing section: err = %v", err)
	}
}

func TestParseKerberosName(t *testing.T) {
	for _, c := range []struct {
		in string
		ok bool
		k  sasl.KerberosName
	}{
		{"bob", true, sasl.KerberosName{Service: "bob"}},
		{"a/b/c", true, sasl.KerberosName{Service: "a/b/c"}},
		{"", true, sasl.KerberosName{}},
		{"bob@R", true, sasl.KerberosName{Service: "bob", Realm: "R", HasRealm: true}},
		{"zk/host@R", true, sasl.KerberosName{Service: "zk", Host: "host", HasHost: true, Realm: "R", HasRealm: true}},
		{"zk/@R", true, sasl.KerberosName{Service: "zk", HasHost: true, HasRealm: true, Realm: "R"}},
		{"a@b@c", false, sasl.KerberosName{}},
		{"a/b/c@d", false, sasl.KerberosName{}},
		{"a@b/c", false, sasl.KerberosName{}},
	} {
		k, ok := sasl.ParseKerberosName(c.in)
		if ok != c.ok || k != c.k {
			t.Errorf("%q: got %+v %v, want %+v %v", c.in, k, ok, c.k, c.ok)
		}
	}
}

// FuzzParseJAAS feeds arbitrary text to the parser: it never panics, and
// what it accepts has sections with classes and known flags.
func FuzzParseJAAS(f *testing.F) {
	f.Add("Server { a.B required user_x=\"y\"; };")
	f.Add("A { b optional k=v /* c */ ; }; // d")
	f.Add("\"q\\777\" { x sufficient; };")
	f.Fuzz(func(t *testing.T, text string) {
		j, err := sasl.ParseJAAS(text)
		if err != nil {
			return
		}
		for name, mods := range j {
			for _, m := range mods {
				if m.Class == "" || (m.Flag != "required" && m.Flag != "requisite" && m.Flag != "sufficient" && m.Flag != "optional") {
					t.Fatalf("section %q: module %+v", name, m)
				}
			}
		}
	})
}
