package schema

import (
	"encoding/hex"
	"errors"
	"testing"
)

// TestX509ID_Java compares X509ID with Java 17's
// X500Principal.getName() on the same DER subjects (X500Principal(byte[])
// printed by a small Java program, gateway/testdata/zookeeper-3.8-behaviour.md,
// x509).
func TestX509ID_Java(t *testing.T) {
	for _, c := range []struct{ der, want string }{
		{"302731143012060355040a130b7a6b676174652074657374310f300d06035504031306636c69656e74", `CN=client,O=zkgate test`},
		{"3045310b30090603550406130244453118300a060355040b1303646576300a060355040b13036f7073311c301a06035504030c13612c622b633d6422655c663c673e683b69236a",
			`CN=a\,b\+c\=d\"e\\f\<g\>h\;i\#j,OU=dev+OU=ops,C=DE`},
		{"30453110300e06035504070c075ac3bc72696368310d300b06035504111304383030303115301306035504030c0c206c65616423747261696c20310b3009060355040513023432",
			`2.5.4.5=#13023432,CN=\ lead\#trail\ ,2.5.4.17=#130438303030,L=Zürich`},
		{"303c310b300906035504030c0223783114301206092a864886f70d0109010c056140622e6331173015060a0992268993f22c64011913076578616d706c65",
			`DC=example,1.2.840.113549.1.9.1=#0c056140622e63,CN=\#x`},
		{"3000", ``},
	} {
		der, _ := hex.DecodeString(c.der)
		got, err := X509ID(der)
		if err != nil || got != c.want {
			t.Errorf("%s:\n got %q %v\nwant %q", c.der, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "30", "3003310130", "3000ff"} {
		der, _ := hex.DecodeString(bad)
		if _, err := X509ID(der); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// TestFixupACL_X509 follows Java's new X500Principal(id): which x509 ids
// are valid (measured with Java 17, as above).
func TestFixupACL_X509(t *testing.T) {
	p := Providers{X509: true}
	for _, c := range []struct {
		id string
		ok bool
	}{
		{"CN=a", true}, {"CN=a,O=b", true}, {"cn=a; o=b", true}, {"CN=a+OU=b", true},
		{"OID.2.5.4.3=a", true}, {"2.5.4.3=a", true}, {`CN="quoted, value"`, true}, {"CN=#0c0161", true},
		{`CN=a\,b`, true}, {`CN=a\2cb`, true}, {"CN=a=b", true}, {"EMAILADDRESS=a@b.c", true},
		{" CN = a , O = b ", true}, {"CN=", true}, {"", true},
		{"CN=#0c016", false}, {`CN=a\zb`, false}, {"FOO=bar", false}, {"CN", false}, {"CN=a,", false},
		{"=a", false}, {"CN=a<b", false}, {"x", false},
	} {
		acl := []ACL{{PermRead, ID{"x509", c.id, 0}}}
		_, err := p.FixupACL(acl, nil)
		if c.ok != (err == nil) || err != nil && !errors.Is(err, ErrInvalidACL) {
			t.Errorf("x509:%s: err = %v, want valid %v", c.id, err, c.ok)
		}
		if _, err := FixupACL(acl, nil); !errors.Is(err, ErrInvalidACL) {
			t.Errorf("x509:%s without the provider: err = %v", c.id, err)
		}
	}
	acl := []ACL{{PermRead, ID{"x509", "CN=client,O=zkgate test", 0}}}
	if !Allowed(acl, PermRead, []AuthID{{"x509", "CN=client,O=zkgate test"}}, "") {
		t.Error("x509 identity does not match its entry")
	}
	if Allowed(acl, PermRead, []AuthID{{"x509", "CN=client, O=zkgate test"}}, "") {
		t.Error("x509 ids are compared as strings, as ZooKeeper compares them")
	}
	got, err := p.FixupACL(CreatorAllACL, []AuthID{{"ip", "127.0.0.1"}, {"x509", "CN=c"}})
	if err != nil || len(got) != 1 || got[0].ID != (ID{"x509", "CN=c", 0}) {
		t.Errorf("auth expansion with an x509 identity: %v %v", got, err)
	}
}
