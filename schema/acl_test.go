package schema

import (
	"errors"
	"reflect"
	"slices"
	"testing"
)

func TestPerm_Values(t *testing.T) {
	got := []Perm{PermRead, PermWrite, PermCreate, PermDelete, PermAdmin, PermAll}
	want := []Perm{1, 2, 4, 8, 16, 31}
	if !slices.Equal(got, want) {
		t.Fatalf("perm values %v, want %v", got, want)
	}
}

func TestPerm_String(t *testing.T) {
	for _, tc := range []struct {
		p    Perm
		want string
	}{
		{PermAll, "cdrwa"},
		{PermRead, "r"},
		{0, ""},
		{PermWrite | PermAdmin, "wa"},
		{PermRead | PermCreate, "cr"},
		{PermDelete | PermWrite, "dw"},
		{PermRead | 1<<5 | 1<<10, "r"}, // unknown bits are not shown
		{-1, "cdrwa"},
	} {
		if got := tc.p.String(); got != tc.want {
			t.Errorf("Perm(%d).String() = %q, want %q", tc.p, got, tc.want)
		}
	}
}

func TestParsePerm_Table(t *testing.T) {
	for _, tc := range []struct {
		s       string
		want    Perm
		wantErr bool
	}{
		{"cdrwa", PermAll, false},
		{"awrdc", PermAll, false},
		{"r", PermRead, false},
		{"rr", PermRead, false},
		{"rw", PermRead | PermWrite, false},
		{"", 0, false},
		{"x", 0, true},
		{"R", 0, true},
		{"rw ", 0, true},
		{"r,w", 0, true},
	} {
		got, err := ParsePerm(tc.s)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("ParsePerm(%q) = %v, %v; want %v, err %v", tc.s, got, err, tc.want, tc.wantErr)
		}
	}
	for p := Perm(0); p <= PermAll; p++ {
		if got, err := ParsePerm(p.String()); err != nil || got != p {
			t.Errorf("ParsePerm(%q) = %v, %v; want %v", p.String(), got, err, p)
		}
	}
}

func TestWellKnownACLs(t *testing.T) {
	for _, tc := range []struct {
		name string
		acl  []ACL
		want string
	}{
		{"OpenACLUnsafe", OpenACLUnsafe, "world:anyone:cdrwa"},
		{"CreatorAllACL", CreatorAllACL, "auth::cdrwa"},
		{"ReadACLUnsafe", ReadACLUnsafe, "world:anyone:r"},
	} {
		if got := FormatACL(tc.acl); got != tc.want {
			t.Errorf("%s = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestParseACL_Table(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want []ACL
	}{
		{"world:anyone:cdrwa", OpenACLUnsafe},
		{"world:anyone:cdrwa,digest:bob:HASH=:r,ip:10.0.0.0/8:rw", []ACL{
			{PermAll, ID{"world", "anyone", 0}},
			{PermRead, ID{"digest", "bob:HASH=", 0}},
			{PermRead | PermWrite, ID{"ip", "10.0.0.0/8", 0}},
		}},
		{"auth::cdrwa", CreatorAllACL},
		{"world:anyone:", []ACL{{0, ID{"world", "anyone", 0}}}},
		{"ip:::1:r", []ACL{{PermRead, ID{"ip", "::1", 0}}}},
		{"ip:fe80::/10:ra", []ACL{{PermRead | PermAdmin, ID{"ip", "fe80::/10", 0}}}},
		{"x509:CN=a:c", []ACL{{PermCreate, ID{"x509", "CN=a", 0}}}},
	} {
		got, err := ParseACL(tc.s)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseACL(%q) = %v, %v; want %v", tc.s, got, err, tc.want)
		}
	}
}

func TestParseACL_Errors(t *testing.T) {
	for _, s := range []string{
		"",
		"world",
		"world:anyone",
		",",
		"world:anyone:cdrwa,",
		",world:anyone:cdrwa",
		"world:anyone:x",
		"world:anyone:cdrwa,digest:bob",
	} {
		if got, err := ParseACL(s); err == nil {
			t.Errorf("ParseACL(%q) = %v, want an error", s, got)
		}
	}
}

func TestFormatACL_RoundTrip(t *testing.T) {
	for _, acls := range [][]ACL{
		OpenACLUnsafe,
		CreatorAllACL,
		ReadACLUnsafe,
		{{PermRead, ID{"digest", "bob:fyVmFCwVbTJYrznoSu1koqYEYF0=", 0}}, {PermAll, ID{"ip", "2001:db8::/32", 0}}},
		{{0, ID{"world", "anyone", 0}}},
	} {
		s := FormatACL(acls)
		got, err := ParseACL(s)
		if err != nil || !reflect.DeepEqual(got, acls) {
			t.Errorf("ParseACL(FormatACL(%v)) = %v, %v (text %q)", acls, got, err, s)
		}
	}
	if got := FormatACL(nil); got != "" {
		t.Errorf("FormatACL(nil) = %q", got)
	}
}

func TestDigestID_Vectors(t *testing.T) {
	// Computed with: echo -n 'user:password' | openssl sha1 -binary | base64
	for _, tc := range []struct{ user, password, want string }{
		{"super", "test", "super:D/InIHSb7yEEbrWz8b9l71RjZJU="}, // ZooKeeper's documented example
		{"super", "superpw", "super:g9oN2HttPfn8MMWJZ2r45Np/LIA="},
		{"user", "password", "user:tpUq/4Pn5A64fVZyQ0gOJ8ZWqkY="},
		{"bob", "secret", "bob:fyVmFCwVbTJYrznoSu1koqYEYF0="},
		{"a", "b:c", "a:cLzgnoJ6mP5qz3w+mwvPE2vDgu0="},
		{"a:b", "c", "a:cLzgnoJ6mP5qz3w+mwvPE2vDgu0="}, // the user is cut at its ':'
		{"p", "p\u00e4ssword", "p:Ly1AA1sGSZamcTFLJOvnR8Ils6M="},
		{"", "", ":BaefBs8/Z/cm2uaNGKIpD2yaUMk="},
	} {
		if got := DigestID(tc.user, tc.password); got != tc.want {
			t.Errorf("DigestID(%q, %q) = %q, want %q", tc.user, tc.password, got, tc.want)
		}
	}
}

func TestAuthFromCredentials_Table(t *testing.T) {
	for _, tc := range []struct {
		scheme string
		cred   string
		ip     string
		want   AuthID
		code   Code
	}{
		{"digest", "bob:secret", "10.0.0.1", AuthID{"digest", "bob:fyVmFCwVbTJYrznoSu1koqYEYF0="}, CodeOK},
		{"digest", "super:test", "", AuthID{"digest", "super:D/InIHSb7yEEbrWz8b9l71RjZJU="}, CodeOK},
		// No ':' is accepted, as ZooKeeper does: "bob:" + base64(sha1("bob")).
		{"digest", "bob", "", AuthID{"digest", "bob:SBgazSKz7a68ikR4aKfffOYpkgo="}, CodeOK},
		// Latin-1 bytes are not UTF-8: the server hashes U+FFFD instead.
		{"digest", "p:p\xe4ssword", "", AuthID{"digest", "p:6AjEH19AZP2R16y3HontTG3qL+U="}, CodeOK},
		{"ip", "anything", "10.0.0.1", AuthID{"ip", "10.0.0.1"}, CodeOK},
		{"ip", "", "::1", AuthID{"ip", "::1"}, CodeOK},
		{"ip", "", "", AuthID{}, CodeAuthFailed},
		{"world", "anyone", "10.0.0.1", AuthID{}, CodeAuthFailed},
		{"super", "x", "10.0.0.1", AuthID{}, CodeAuthFailed},
		{"sasl", "x", "10.0.0.1", AuthID{}, CodeAuthFailed},
		{"x509", "", "10.0.0.1", AuthID{}, CodeAuthFailed},
		{"Digest", "bob:secret", "10.0.0.1", AuthID{}, CodeAuthFailed},
		{"", "", "10.0.0.1", AuthID{}, CodeAuthFailed},
	} {
		got, err := AuthFromCredentials(tc.scheme, []byte(tc.cred), tc.ip)
		if got != tc.want || CodeOf(err) != tc.code {
			t.Errorf("AuthFromCredentials(%q, %q, %q) = %v, %v; want %v, %v", tc.scheme, tc.cred, tc.ip, got, err, tc.want, tc.code)
		}
		if tc.code != CodeOK && !errors.Is(err, ErrAuthFailed) {
			t.Errorf("AuthFromCredentials(%q): error %v is not ErrAuthFailed", tc.scheme, err)
		}
	}
}

var (
	bob     = AuthID{"digest", "bob:fyVmFCwVbTJYrznoSu1koqYEYF0="}
	alice   = AuthID{"digest", "alice:AAAAAAAAAAAAAAAAAAAAAAAAAAA="}
	ipLocal = AuthID{"ip", "127.0.0.1"}
)

func TestFixupACL_Valid(t *testing.T) {
	for _, tc := range []struct {
		name string
		acl  string
		auth []AuthID
		want string
	}{
		{"open", "world:anyone:cdrwa", nil, "world:anyone:cdrwa"},
		{"duplicates removed, first kept", "world:anyone:r,world:anyone:cdrwa,world:anyone:r", nil, "world:anyone:r,world:anyone:cdrwa"},
		{"creator all", "auth::cdrwa", []AuthID{ipLocal, bob}, "digest:" + bob.ID + ":cdrwa"},
		{"auth id ignored", "auth:whatever:r", []AuthID{bob}, "digest:" + bob.ID + ":r"},
		{"auth expands to every digest", "auth::rw", []AuthID{bob, ipLocal, alice, {"super", ""}},
			"digest:" + bob.ID + ":rw,digest:" + alice.ID + ":rw"},
		{"expansion may duplicate", "auth::cdrwa,digest:" + bob.ID + ":cdrwa", []AuthID{bob},
			"digest:" + bob.ID + ":cdrwa,digest:" + bob.ID + ":cdrwa"},
		{"digest", "digest:bob:hash:r", nil, "digest:bob:hash:r"},
		{"digest empty user", "digest::hash:r", nil, "digest::hash:r"},
		{"digest trailing colon", "digest:bob:hash::r", nil, "digest:bob:hash::r"},
		{"digest trailing colons", "digest:bob:hash:::r", nil, "digest:bob:hash:::r"},
		{"ip v4", "ip:10.0.0.1:r", nil, "ip:10.0.0.1:r"},
		{"ip v4 cidr", "ip:10.0.0.0/8:r,ip:0.0.0.0/0:w,ip:1.2.3.4/32:c", nil, "ip:10.0.0.0/8:r,ip:0.0.0.0/0:w,ip:1.2.3.4/32:c"},
		{"ip java ints", "ip:+1.2.3.4:r,ip:010.0.0.1/+8:r,ip:-0.0.0.0:r", nil, "ip:+1.2.3.4:r,ip:010.0.0.1/+8:r,ip:-0.0.0.0:r"},
		{"mixed", "world:anyone:r,auth::cdrwa,ip:10.0.0.0/8:rw", []AuthID{bob},
			"world:anyone:r,digest:" + bob.ID + ":cdrwa,ip:10.0.0.0/8:rw"},
	} {
		acls, err := ParseACL(tc.acl)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		orig := slices.Clone(acls)
		got, err := FixupACL(acls, tc.auth)
		if err != nil || FormatACL(got) != tc.want {
			t.Errorf("%s: FixupACL(%q) = %q, %v; want %q", tc.name, tc.acl, FormatACL(got), err, tc.want)
		}
		if !slices.Equal(acls, orig) {
			t.Errorf("%s: FixupACL modified its input", tc.name)
		}
	}
}

func TestFixupACL_PermsNotChecked(t *testing.T) {
	in := []ACL{{0, ID{"world", "anyone", 0}}, {64 | PermRead, ID{"ip", "1.2.3.4", 0}}}
	got, err := FixupACL(in, nil)
	if err != nil || !slices.Equal(got, in) {
		t.Fatalf("FixupACL(%v) = %v, %v", in, got, err)
	}
}

func TestFixupACL_Invalid(t *testing.T) {
	for _, tc := range []struct {
		name string
		acls []ACL
		auth []AuthID
	}{
		{"nil", nil, []AuthID{bob}},
		{"empty", []ACL{}, []AuthID{bob}},
		{"world other id", []ACL{{PermAll, ID{"world", "someone", 0}}}, nil},
		{"world empty id", []ACL{{PermAll, ID{"world", "", 0}}}, nil},
		{"auth without identities", CreatorAllACL, nil},
		{"auth with only ip", CreatorAllACL, []AuthID{ipLocal}},
		{"auth with only super", CreatorAllACL, []AuthID{{"super", ""}}},
		{"digest no colon", []ACL{{PermRead, ID{"digest", "bob", 0}}}, nil},
		{"digest empty hash", []ACL{{PermRead, ID{"digest", "bob:", 0}}}, nil},
		{"digest empty", []ACL{{PermRead, ID{"digest", "", 0}}}, nil},
		{"digest colon", []ACL{{PermRead, ID{"digest", ":", 0}}}, nil},
		{"digest double colon", []ACL{{PermRead, ID{"digest", "bob::", 0}}}, nil},
		{"digest three parts", []ACL{{PermRead, ID{"digest", "a:b:c", 0}}}, nil},
		{"ip empty", []ACL{{PermRead, ID{"ip", "", 0}}}, nil},
		{"ip host name", []ACL{{PermRead, ID{"ip", "localhost", 0}}}, nil},
		{"ip short", []ACL{{PermRead, ID{"ip", "10.0.0", 0}}}, nil},
		{"ip octet", []ACL{{PermRead, ID{"ip", "10.0.0.256", 0}}}, nil},
		{"ip empty octet", []ACL{{PermRead, ID{"ip", "10..0.1", 0}}}, nil},
		{"ip bits too many", []ACL{{PermRead, ID{"ip", "10.0.0.0/33", 0}}}, nil},
		{"ip bits negative", []ACL{{PermRead, ID{"ip", "10.0.0.0/-1", 0}}}, nil},
		{"ip bits empty", []ACL{{PermRead, ID{"ip", "10.0.0.0/", 0}}}, nil},
		{"ip bits junk", []ACL{{PermRead, ID{"ip", "10.0.0.0/8/9", 0}}}, nil},
		// ZooKeeper 3.8 takes no IPv6 entry at all.
		{"ip v6 loopback", []ACL{{PermRead, ID{"ip", "::1", 0}}}, nil},
		{"ip v6 full", []ACL{{PermRead, ID{"ip", "1:2:3:4:5:6:7:8", 0}}}, nil},
		{"ip v6 mask", []ACL{{PermRead, ID{"ip", "fe80::/10", 0}}}, nil},
		{"ip v6 any", []ACL{{PermRead, ID{"ip", "::/0", 0}}}, nil},
		{"ip v6 bits", []ACL{{PermRead, ID{"ip", "::1/129", 0}}}, nil},
		{"ip v6 nine groups", []ACL{{PermRead, ID{"ip", "1:2:3:4:5:6:7:8:9", 0}}}, nil},
		{"ip v6 seven groups", []ACL{{PermRead, ID{"ip", "1:2:3:4:5:6:7", 0}}}, nil},
		{"ip v6 eight groups and ::", []ACL{{PermRead, ID{"ip", "1:2:3:4:5:6:7::8", 0}}}, nil},
		{"ip v6 two ::", []ACL{{PermRead, ID{"ip", "1::2::3", 0}}}, nil},
		{"ip v6 :::", []ACL{{PermRead, ID{"ip", ":::", 0}}}, nil},
		{"ip v6 long group", []ACL{{PermRead, ID{"ip", "12345::", 0}}}, nil},
		{"ip v6 not hex", []ACL{{PermRead, ID{"ip", "fg::1", 0}}}, nil},
		{"ip v6 embedded v4", []ACL{{PermRead, ID{"ip", "::ffff:1.2.3.4", 0}}}, nil},
		{"ip v6 zone", []ACL{{PermRead, ID{"ip", "fe80::1%eth0", 0}}}, nil},
		{"unknown scheme", []ACL{{PermRead, ID{"sasl", "bob", 0}}}, nil},
		{"super scheme", []ACL{{PermRead, ID{"super", "", 0}}}, nil},
		{"empty scheme", []ACL{{PermRead, ID{"", "x", 0}}}, nil},
		{"one bad entry", []ACL{OpenACLUnsafe[0], {PermRead, ID{"Digest", "bob:h", 0}}}, nil},
	} {
		got, err := FixupACL(tc.acls, tc.auth)
		var e *Error
		if !errors.As(err, &e) || e.Code != CodeInvalidACL || e.Path != "" || got != nil {
			t.Errorf("%s: FixupACL = %v, %v; want InvalidACL with no path", tc.name, got, err)
		}
	}
}

// TestFixupACL_SASL follows the measured validity of sasl ids with the SASL
// provider configured (zookeeper-3.8-behaviour.md, SASL).
func TestFixupACL_SASL(t *testing.T) {
	sasl := Providers{SASL: true}
	for _, tc := range []struct {
		id string
		ok bool
	}{
		{"bob", true}, {"a/b@R", true}, {"", true}, {"a/b/c", true}, {"zk@R", true}, {"a/@", true},
		{"a@b@c", false}, {"a/b/c@d", false}, {"a@b/c", false},
	} {
		acl := []ACL{{PermAll, ID{"sasl", tc.id, 0}}}
		got, err := sasl.FixupACL(acl, nil)
		if tc.ok && (err != nil || !reflect.DeepEqual(got, acl)) {
			t.Errorf("sasl:%s: %v, %v", tc.id, got, err)
		}
		if !tc.ok && !errors.Is(err, ErrInvalidACL) {
			t.Errorf("sasl:%s: err = %v, want InvalidACL", tc.id, err)
		}
		if _, err := FixupACL(acl, nil); !errors.Is(err, ErrInvalidACL) {
			t.Errorf("sasl:%s without the provider: err = %v, want InvalidACL", tc.id, err)
		}
	}
	// auth expands to sasl identities, in the session's order.
	auth := []AuthID{{"sasl", "bob"}, ipLocal, bob}
	got, err := sasl.FixupACL(CreatorAllACL, auth)
	want := []ACL{{PermAll, ID{"sasl", "bob", 0}}, {PermAll, ID{"digest", bob.ID, 0}}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("auth with a sasl identity: %v, %v; want %v", got, err, want)
	}
	if _, err := sasl.FixupACL([]ACL{{PermAll, ID{"sasl", "", NullID}}}, nil); !errors.Is(err, ErrMarshallingError) {
		t.Errorf("null sasl id: err = %v, want MarshallingError", err)
	}
}

func TestAllowed_Table(t *testing.T) {
	const superDigest = "super:D/InIHSb7yEEbrWz8b9l71RjZJU="
	super := AuthID{"digest", superDigest}
	digestACL := []ACL{{PermRead | PermWrite, ID{"digest", bob.ID, 0}}}
	for _, tc := range []struct {
		name  string
		acl   []ACL
		need  Perm
		auth  []AuthID
		super string
		want  bool
	}{
		{"empty ACL allows all", nil, PermAdmin, nil, "", true},
		{"empty slice allows all", []ACL{}, PermDelete, nil, "", true},
		{"world read", ReadACLUnsafe, PermRead, nil, "", true},
		{"world read, need write", ReadACLUnsafe, PermWrite, nil, "", false},
		{"world other id", []ACL{{PermAll, ID{"world", "bob", 0}}}, PermRead, nil, "", false},
		{"open", OpenACLUnsafe, PermAdmin, nil, "", true},
		{"digest match", digestACL, PermRead, []AuthID{ipLocal, bob}, "", true},
		{"digest match write", digestACL, PermWrite, []AuthID{bob}, "", true},
		{"digest match, perm missing", digestACL, PermAdmin, []AuthID{bob}, "", false},
		{"digest mismatch", digestACL, PermRead, []AuthID{alice}, "", false},
		{"digest wrong scheme", digestACL, PermRead, []AuthID{{"ip", bob.ID}}, "", false},
		{"digest none", digestACL, PermRead, nil, "", false},
		{"need any bit", digestACL, PermRead | PermAdmin, []AuthID{bob}, "", true},
		{"need zero", OpenACLUnsafe, 0, nil, "", false},
		{"super by digest", digestACL, PermAdmin, []AuthID{super}, superDigest, true},
		{"super digest not configured", digestACL, PermAdmin, []AuthID{super}, "", false},
		{"super other password", digestACL, PermAdmin, []AuthID{{"digest", "super:other="}}, superDigest, false},
		{"empty digest is not super", digestACL, PermAdmin, []AuthID{{"digest", ""}}, "", false},
		{"super scheme", digestACL, PermAdmin, []AuthID{{"super", ""}}, "", true},
		{"auth entry matches no one", CreatorAllACL, PermRead, []AuthID{bob}, "", false},
		{"unknown scheme matches no one", []ACL{{PermAll, ID{"key", "bob", 0}}}, PermRead, []AuthID{{"key", "bob"}}, "", false},
		{"sasl match", []ACL{{PermAll, ID{"sasl", "bob", 0}}}, PermRead, []AuthID{{"sasl", "bob"}}, "", true},
		{"sasl mismatch", []ACL{{PermAll, ID{"sasl", "bob", 0}}}, PermRead, []AuthID{{"sasl", "Bob"}}, "", false},
		{"sasl super matches every sasl entry", []ACL{{PermAll, ID{"sasl", "bob", 0}}}, PermAdmin, []AuthID{{"sasl", "super"}}, "", true},
		{"sasl super is not a super user", digestACL, PermRead, []AuthID{{"sasl", "super"}}, "", false},
		{"sasl id is not a digest", digestACL, PermRead, []AuthID{{"sasl", bob.ID}}, "", false},
		{"second entry", []ACL{{PermRead, ID{"digest", alice.ID, 0}}, {PermRead, ID{"ip", "127.0.0.1", 0}}}, PermRead, []AuthID{ipLocal}, "", true},
	} {
		if got := Allowed(tc.acl, tc.need, tc.auth, tc.super); got != tc.want {
			t.Errorf("%s: Allowed = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestAllowed_IP(t *testing.T) {
	for _, tc := range []struct {
		expr, client string
		want         bool
	}{
		{"10.1.2.3", "10.1.2.3", true},
		{"10.1.2.3", "10.1.2.4", false},
		{"10.1.2.3/32", "10.1.2.3", true},
		{"10.0.0.0/8", "10.200.1.1", true},
		{"10.0.0.0/8", "11.0.0.1", false},
		{"10.9.9.9/8", "10.1.1.1", true}, // host bits of the ACL are masked too
		{"192.168.1.128/25", "192.168.1.200", true},
		{"192.168.1.128/25", "192.168.1.100", false},
		{"192.168.1.0/23", "192.168.0.7", true},
		{"192.168.1.0/23", "192.168.2.7", false},
		{"0.0.0.0/0", "203.0.113.9", true},
		{"0.0.0.0/0", "::1", false}, // families differ
		{"127.0.0.1", "::ffff:127.0.0.1", false},
		{"010.000.000.001", "10.0.0.1", true}, // Integer.parseInt reads leading zeros as decimal
		{"+10.0.0.1", "10.0.0.1", true},
		{"10.0.0.1/+32", "10.0.0.1", true},
		{"::1", "0:0:0:0:0:0:0:1", true}, // Java's getHostAddress form
		{"::1", "::1", true},
		{"::1", "::2", false},
		{"2001:db8::/32", "2001:db8:0:0:0:0:0:1", true},
		{"2001:db8::/32", "2001:db8:ffff::1", true},
		{"2001:db8::/32", "2001:db9::1", false},
		{"fe80::/10", "febf::1", true},
		{"fe80::/10", "fec0::1", false},
		{"::/0", "2001:db8::1", true},
		{"::/0", "10.0.0.1", false},
		{"FE80::1", "fe80:0:0:0:0:0:0:1", true},
		{"::ffff", "0:0:0:0:0:0:0:-1", true}, // parseInt(radix 16) takes a sign
		{"10.0.0.0/33", "10.0.0.1", false},
		{"bogus", "10.0.0.1", false},
		{"10.0.0.1", "bogus", false},
		{"10.0.0.1", "", false},
	} {
		acl := []ACL{{PermRead, ID{"ip", tc.expr, 0}}}
		if got := Allowed(acl, PermRead, []AuthID{{"ip", tc.client}}, ""); got != tc.want {
			t.Errorf("ip %q vs client %q: Allowed = %v, want %v", tc.expr, tc.client, got, tc.want)
		}
	}
}

func TestMaskDigests(t *testing.T) {
	in := []ACL{
		{PermRead, ID{"digest", "bob:fyVmFCwVbTJYrznoSu1koqYEYF0=", 0}},
		{PermAll, ID{"world", "anyone", 0}},
		{PermRead, ID{"ip", "fe80::1", 0}},
		{PermRead, ID{"digest", "nocolon", 0}},
		{PermRead, ID{"digest", "a:b:c", 0}},
		{PermRead, ID{"digest", ":hash", 0}},
		{PermRead, ID{"digest", "a:b\nc:d", 0}}, // Java's '.' stops at line terminators
		{PermRead, ID{"digest", "a:b\u2028c", 0}},
	}
	orig := slices.Clone(in)
	want := []ACL{
		{PermRead, ID{"digest", "bob:x", 0}},
		{PermAll, ID{"world", "anyone", 0}},
		{PermRead, ID{"ip", "fe80::1", 0}},
		{PermRead, ID{"digest", "nocolon", 0}},
		{PermRead, ID{"digest", "a:x", 0}},
		{PermRead, ID{"digest", ":x", 0}},
		{PermRead, ID{"digest", "a:x\nc:x", 0}},
		{PermRead, ID{"digest", "a:x\u2028c", 0}},
	}
	if got := MaskDigests(in); !slices.Equal(got, want) {
		t.Errorf("MaskDigests = %v, want %v", got, want)
	}
	if !slices.Equal(in, orig) {
		t.Error("MaskDigests modified its input")
	}
	if MaskDigests(nil) != nil {
		t.Error("MaskDigests(nil) != nil")
	}
}

// TestFixupACL_NullStrings: the null scheme and id strings kazoo sends for
// "" give what ZooKeeper 3.8 answered to kazoo (gateway/testdata/
// zookeeper-3.8-behaviour.md, "Null data and ACL forms").
func TestFixupACL_NullStrings(t *testing.T) {
	nullID := func(p Perm, scheme string) ACL { return ACL{p, ID{scheme, "", NullID}} }
	nullScheme := func(p Perm, id string) ACL { return ACL{p, ID{"", id, NullScheme}} }
	world := ACL{PermAll, ID{"world", "anyone", 0}}
	bogus := ACL{PermAll, ID{"bogus", "x", 0}}
	for _, tc := range []struct {
		name string
		acls []ACL
		auth []AuthID
		want Code // CodeOK: the ACL below
		ok   string
	}{
		{"auth null id", []ACL{nullID(PermAll, "auth")}, []AuthID{bob}, CodeOK, "digest:" + bob.ID + ":cdrwa"},
		{"auth null id, no identity", []ACL{nullID(PermAll, "auth")}, nil, CodeInvalidACL, ""},
		{"auth null id then world", []ACL{nullID(PermAll, "auth"), world}, []AuthID{bob}, CodeOK, "digest:" + bob.ID + ":cdrwa,world:anyone:cdrwa"},
		{"world null id", []ACL{nullID(PermAll, "world")}, nil, CodeMarshallingError, ""},
		{"digest null id", []ACL{nullID(PermAll, "digest")}, []AuthID{bob}, CodeMarshallingError, ""},
		{"ip null id", []ACL{nullID(PermAll, "ip")}, nil, CodeMarshallingError, ""},
		{"unknown scheme null id", []ACL{nullID(PermAll, "bogus")}, nil, CodeInvalidACL, ""},
		{"super null id", []ACL{nullID(PermAll, "super")}, nil, CodeInvalidACL, ""},
		{"null scheme", []ACL{nullScheme(PermAll, "x")}, nil, CodeInvalidACL, ""},
		{"null scheme and id", []ACL{{PermAll, ID{"", "", NullScheme | NullID}}}, nil, CodeInvalidACL, ""},
		// Duplicate removal compares each entry with those kept before it.
		{"null scheme after an entry of equal perms", []ACL{world, nullScheme(PermAll, "x")}, nil, CodeMarshallingError, ""},
		{"null scheme after an entry of other perms", []ACL{{PermRead, world.ID}, nullScheme(PermAll, "x")}, nil, CodeInvalidACL, ""},
		{"null scheme first", []ACL{nullScheme(PermAll, "x"), world}, nil, CodeInvalidACL, ""},
		{"world null id after world", []ACL{world, nullID(PermAll, "world")}, nil, CodeMarshallingError, ""},
		{"world null id after world of other perms", []ACL{{PermRead, world.ID}, nullID(PermAll, "world")}, nil, CodeMarshallingError, ""},
		{"digest null id twice", []ACL{nullID(PermAll, "digest"), nullID(PermAll, "digest")}, nil, CodeMarshallingError, ""},
		{"digest null id after world", []ACL{world, nullID(PermAll, "digest")}, nil, CodeMarshallingError, ""},
		{"invalid entry before a null id", []ACL{bogus, nullID(PermAll, "digest")}, nil, CodeInvalidACL, ""},
		{"null id before an invalid entry", []ACL{nullID(PermAll, "digest"), bogus}, nil, CodeMarshallingError, ""},
		{"auth without identity before a null id", []ACL{nullID(PermAll, "auth"), nullID(PermRead, "world")}, nil, CodeInvalidACL, ""},
	} {
		got, err := FixupACL(tc.acls, tc.auth)
		if tc.want == CodeOK {
			if err != nil || FormatACL(got) != tc.ok {
				t.Errorf("%s: FixupACL = %q, %v; want %q", tc.name, FormatACL(got), err, tc.ok)
			}
			for _, a := range got {
				if a.ID.Null != 0 {
					t.Errorf("%s: a null string in the result: %+v", tc.name, a)
				}
			}
			continue
		}
		var e *Error
		if !errors.As(err, &e) || e.Code != tc.want || e.Path != "" || got != nil {
			t.Errorf("%s: FixupACL = %v, %v; want %v with no path", tc.name, got, err, tc.want)
		}
	}
}
