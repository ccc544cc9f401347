package schema

import (
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"strings"
)

// Perm is a set of ZooKeeper permissions (ZooDefs.Perms), as carried in an
// ACL entry and as an operation needs them.
type Perm int32

// ZooKeeper's permission bits.
const (
	PermRead   Perm = 1 << 0 // getData, getChildren (exists needs none)
	PermWrite  Perm = 1 << 1 // setData
	PermCreate Perm = 1 << 2 // create a child
	PermDelete Perm = 1 << 3 // delete a child
	PermAdmin  Perm = 1 << 4 // setACL; getACL without masked digests
	PermAll    Perm = PermRead | PermWrite | PermCreate | PermDelete | PermAdmin
)

// permLetters is zkCli's order: GetAclCommand prints c, d, r, w, a.
var permLetters = [...]struct {
	p Perm
	c byte
}{{PermCreate, 'c'}, {PermDelete, 'd'}, {PermRead, 'r'}, {PermWrite, 'w'}, {PermAdmin, 'a'}}

// String returns p as zkCli's getAcl prints it: the letters of the bits
// set, in the order "cdrwa" ("cdrwa" for PermAll, "r" for PermRead, "" for
// none). Bits outside PermAll are not shown, as in zkCli.
func (p Perm) String() string {
	var b [len(permLetters)]byte
	n := 0
	for _, l := range permLetters {
		if p&l.p != 0 {
			b[n] = l.c
			n++
		}
	}
	return string(b[:n])
}

// ParsePerm parses permission letters as zkCli's setAcl and create -a take
// them: any of c, d, r, w, a, in any order, repeats allowed; "" is no
// permission. Unlike zkCli, which prints "Unknown perm type" and ignores
// the letter, ParsePerm rejects any other character.
func ParsePerm(s string) (Perm, error) {
	var p Perm
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case 'r':
			p |= PermRead
		case 'w':
			p |= PermWrite
		case 'c':
			p |= PermCreate
		case 'd':
			p |= PermDelete
		case 'a':
			p |= PermAdmin
		default:
			return 0, fmt.Errorf("unknown permission %q in %q (want letters of cdrwa)", s[i:i+1], s)
		}
	}
	return p, nil
}

// ID is the identity part of an ACL entry (org.apache.zookeeper.data.Id):
// an authentication scheme and an id whose form depends on the scheme.
type ID struct {
	Scheme string
	ID     string
	// Null marks the strings a ZooKeeper client sent as null (jute length
	// -1) rather than as text; they are "" here. Clients do send them:
	// kazoo writes every empty string as null, so its Id("auth", "") has
	// a null id. FixupACL gives null what ZooKeeper's Java code does, and
	// never lets one into a stored ACL. The zero value is no null.
	Null NullField
}

// NullField is a set of the strings of an ID that were sent as null.
type NullField uint8

// The strings of an ID that may be null.
const (
	NullScheme NullField = 1 << iota
	NullID
)

// ACL is one ACL entry: the permissions granted to an identity.
type ACL struct {
	Perms Perm
	ID    ID
}

// The schemes zkgate knows. "auth" only appears in ACLs given to create or
// setACL and is expanded by FixupACL; "super" only appears among a
// session's identities.
const (
	schemeWorld  = "world"
	schemeAuth   = "auth"
	schemeDigest = "digest"
	schemeIP     = "ip"
	schemeSuper  = "super"
	schemeSASL   = "sasl"
	schemeX509   = "x509"
)

// SchemeSASL is the scheme of the identities SASL authentication gives
// ("sasl:bob", "sasl:zkcli@EXAMPLE.COM").
const SchemeSASL = schemeSASL

// anyone is the world scheme's only id.
const anyone = "anyone"

// Well-known ACLs (ZooDefs.Ids). They are shared: copy before modifying.
var (
	// OpenACLUnsafe gives every permission to everyone:
	// world:anyone:cdrwa. It is what a znode has when no ACL was set.
	OpenACLUnsafe = []ACL{{Perms: PermAll, ID: ID{Scheme: schemeWorld, ID: anyone}}}
	// CreatorAllACL gives every permission to the creator's authenticated
	// identities (auth::cdrwa); FixupACL expands it.
	CreatorAllACL = []ACL{{Perms: PermAll, ID: ID{Scheme: schemeAuth, ID: ""}}}
	// ReadACLUnsafe lets everyone read: world:anyone:r.
	ReadACLUnsafe = []ACL{{Perms: PermRead, ID: ID{Scheme: schemeWorld, ID: anyone}}}
)

// ParseACL parses an ACL in zkCli's setAcl syntax: comma-separated
// "scheme:id:perms" entries, for example
//
//	world:anyone:cdrwa,digest:bob:HASH=:r,ip:10.0.0.0/8:rw
//
// As zkCli does, each entry is split at its first and its last ':', so ids
// may contain ':' (digest "user:hash", IPv6 addresses) but schemes may
// not. Unlike zkCli, which prints a complaint and skips a malformed entry
// (and ignores unknown permission letters), ParseACL rejects the whole
// string. It only parses: FixupACL decides whether the ACL is acceptable.
func ParseACL(s string) ([]ACL, error) {
	entries := strings.Split(s, ",")
	acls := make([]ACL, 0, len(entries))
	for i, e := range entries {
		first := strings.IndexByte(e, ':')
		last := strings.LastIndexByte(e, ':')
		if first < 0 || first == last {
			return nil, fmt.Errorf("ACL entry %d (%q) does not have the form scheme:id:perms", i+1, e)
		}
		perms, err := ParsePerm(e[last+1:])
		if err != nil {
			return nil, fmt.Errorf("ACL entry %d: %w", i+1, err)
		}
		acls = append(acls, ACL{Perms: perms, ID: ID{Scheme: e[:first], ID: e[first+1 : last]}})
	}
	return acls, nil
}

// FormatACL formats acls in the syntax ParseACL reads. ParseACL gives back
// acls when no scheme contains ':', no scheme or id contains ',', and no
// entry has bits outside PermAll.
func FormatACL(acls []ACL) string {
	var b strings.Builder
	for i, a := range acls {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(a.ID.Scheme)
		b.WriteByte(':')
		b.WriteString(a.ID.ID)
		b.WriteByte(':')
		b.WriteString(a.Perms.String())
	}
	return b.String()
}

// DigestID returns the digest-scheme id of a user and password as
// DigestAuthenticationProvider.generateDigest computes it from
// "user:password": the text before its first ':', a ':', and the standard
// padded base64 of the SHA-1 of the whole "user:password" in UTF-8. So
// DigestID("super", "test") is "super:D/InIHSb7yEEbrWz8b9l71RjZJU=". A user
// containing ':' is cut at it, as in ZooKeeper.
func DigestID(user, password string) string {
	return generateDigest(user + ":" + password)
}

// generateDigest is DigestAuthenticationProvider.generateDigest: ZooKeeper
// hashes the Java string, so invalid UTF-8 is first replaced as a server
// would decode it.
func generateDigest(idPassword string) string {
	idPassword = javaString(idPassword)
	user, _, _ := strings.Cut(idPassword, ":")
	sum := sha1.Sum([]byte(idPassword))
	return user + ":" + base64.StdEncoding.EncodeToString(sum[:])
}

// AuthID is an identity a session holds: ip:<client address> from the
// moment it connects, plus one per successful addAuth (digest
// "user:hash") and one for a SASL exchange (sasl "bob"). world:anyone is implicit and not listed. A super user is
// recognised by its digest (see Allowed); an AuthID with Scheme "super"
// (what ZooKeeper itself records) is also honoured.
type AuthID struct {
	Scheme string
	ID     string
}

// AuthFromCredentials returns the identity that addAuth(scheme, cred)
// gives a session connected from clientIP, as ZooKeeper's authentication
// providers do:
//
//   - "digest": cred is "user:password" (decoded as UTF-8) and the identity
//     is digest:generateDigest(cred). As in ZooKeeper, cred without ':' is
//     not an error: "bob" gives "bob:" + base64(sha1("bob")), an identity
//     no well-formed digest ACL matches.
//   - "ip": cred is ignored and the identity is ip:clientIP, which the
//     session already holds (IPAuthenticationProvider adds the
//     connection's address). An empty clientIP is an error.
//   - any other scheme (world, super, sasl, x509, ...) has no provider
//     zkgate supports: the error is an *Error with CodeAuthFailed
//     (errors.Is(err, ErrAuthFailed)); ZooKeeper answers AuthFailed and
//     closes the connection.
//
// Scheme names are case-sensitive. The caller keeps the session's list and
// need not add an identity it already holds.
func AuthFromCredentials(scheme string, cred []byte, clientIP string) (AuthID, error) {
	switch scheme {
	case schemeDigest:
		return AuthID{Scheme: schemeDigest, ID: generateDigest(string(cred))}, nil
	case schemeIP:
		if clientIP == "" {
			return AuthID{}, Errorf(CodeAuthFailed, "", "ip auth: the client address is unknown")
		}
		return AuthID{Scheme: schemeIP, ID: clientIP}, nil
	}
	return AuthID{}, Errorf(CodeAuthFailed, "", "unsupported auth scheme %q", scheme)
}

// FixupACL checks an ACL given to create or setACL and expands it, as
// ZooKeeper's PrepRequestProcessor.fixupACL does, for a session holding
// the identities auth:
//
//   - duplicate entries (same perms, scheme and id) are removed first,
//     keeping the first; a nil or empty list is invalid;
//   - world:anyone is kept; "world" with any other id is invalid;
//   - an "auth" entry (its id is ignored) is replaced by one entry with its
//     perms for each of the session's authenticated identities, which for
//     zkgate are the digest ones (ip is not an authenticated scheme, and
//     "super" has no provider); if there are none the ACL is invalid. The
//     expansion happens after duplicate removal, so it may produce
//     duplicates, as in ZooKeeper;
//   - a "digest" id must split on ':' into exactly two parts the way Java's
//     String.split does, which drops trailing empty parts: "bob:hash" and
//     ":hash" and "bob:hash:" pass, "bob", "bob:" and "a:b:c" do not;
//   - an "ip" id must be an IPv4 address with an optional "/bits" (see
//     Allowed for the forms accepted), bits at most 32; IPv6 is refused,
//     as ZooKeeper 3.8 refuses it;
//   - a "sasl" id, when p.SASL (ZooKeeper's SASLAuthenticationProvider is
//     configured), must be a name ZooKeeper's KerberosName accepts: no
//     '@', or service[/host]@realm with no other '/' or '@';
//   - an "x509" id, when p.X509, must be an X.500 name (see
//     validX500Name);
//   - any other scheme, including "super" and "", is invalid, as are
//     "sasl" without p.SASL and "x509" without p.X509 (ZooKeeper without
//     the provider refuses them).
//
// Entries are checked in order and the first failure decides. Permission
// bits are not checked, as in ZooKeeper: 0 and bits outside PermAll are
// kept. Errors are *Error with no path (the caller sets it), of code
// InvalidACL (errors.Is(err, ErrInvalidACL)), or MarshallingError for the
// null strings (ID.Null) on which ZooKeeper's Java code throws a
// NullPointerException, which its server answers with MarshallingError:
//
//   - while removing duplicates, an entry is compared with each entry
//     kept before it, perms first, then scheme, then id, calling equals
//     on its own strings: a null scheme or id of the entry compared is
//     MarshallingError once the fields before it are equal (a null scheme
//     of an entry kept before only makes them differ);
//   - a null scheme is InvalidACL; a null id of "world", "digest" or "ip"
//     is MarshallingError; of "auth" it is ignored like any auth id; of
//     any other scheme the scheme makes it InvalidACL.
//
// The result is a new slice with no null strings; acls is not modified.
func FixupACL(acls []ACL, auth []AuthID) ([]ACL, error) {
	return Providers{}.FixupACL(acls, auth)
}

// Providers are the authentication providers a server has besides ip and
// digest, which every ZooKeeper has: they decide which ACL schemes
// FixupACL accepts. The zero value is a ZooKeeper with none.
type Providers struct {
	// SASL: SASLAuthenticationProvider, the "sasl" scheme.
	SASL bool
	// X509: X509AuthenticationProvider, the "x509" scheme (a TLS client
	// certificate's subject).
	X509 bool
}

// FixupACL is the package's FixupACL for a server with the providers p.
func (p Providers) FixupACL(acls []ACL, auth []AuthID) ([]ACL, error) {
	uniq := make([]ACL, 0, len(acls))
	for i, a := range acls {
		dup := false
		for _, b := range uniq {
			eq, npe := javaACLEquals(a, b)
			if npe {
				return nil, Errorf(CodeMarshallingError, "", "ACL entry %d: null string compared while removing duplicates", i+1)
			}
			if eq {
				dup = true
				break
			}
		}
		if !dup {
			uniq = append(uniq, a)
		}
	}
	if len(uniq) == 0 {
		return nil, Errorf(CodeInvalidACL, "", "empty ACL")
	}
	out := make([]ACL, 0, len(uniq))
	for i, a := range uniq {
		if a.ID.Null&NullScheme != 0 {
			return nil, Errorf(CodeInvalidACL, "", "ACL entry %d: null scheme", i+1)
		}
		nullID := a.ID.Null&NullID != 0
		switch a.ID.Scheme {
		case schemeWorld:
			if nullID {
				return nil, Errorf(CodeMarshallingError, "", "ACL entry %d: null world id", i+1)
			}
			if a.ID.ID != anyone {
				return nil, Errorf(CodeInvalidACL, "", "ACL entry %d: the world scheme's only id is anyone", i+1)
			}
			out = append(out, a)
		case schemeAuth:
			n := len(out)
			for _, id := range auth {
				if authenticatedScheme(id.Scheme) {
					out = append(out, ACL{Perms: a.Perms, ID: ID{Scheme: id.Scheme, ID: id.ID}})
				}
			}
			if len(out) == n {
				return nil, Errorf(CodeInvalidACL, "", "ACL entry %d: auth scheme but the session has no authenticated identity", i+1)
			}
		case schemeDigest:
			if nullID {
				return nil, Errorf(CodeMarshallingError, "", "ACL entry %d: null digest id", i+1)
			}
			if !validDigestID(a.ID.ID) {
				// The id is not quoted: it may hold a password hash.
				return nil, Errorf(CodeInvalidACL, "", "ACL entry %d: digest id is not of the form user:hash", i+1)
			}
			out = append(out, a)
		case schemeIP:
			if nullID {
				return nil, Errorf(CodeMarshallingError, "", "ACL entry %d: null ip id", i+1)
			}
			if !validIPID(a.ID.ID) {
				return nil, Errorf(CodeInvalidACL, "", "ACL entry %d: ip id %q is not an address[/bits]", i+1, a.ID.ID)
			}
			out = append(out, a)
		case schemeSASL:
			if !p.SASL {
				return nil, Errorf(CodeInvalidACL, "", "ACL entry %d: unsupported scheme %q (SASL is not configured)", i+1, a.ID.Scheme)
			}
			if nullID {
				return nil, Errorf(CodeMarshallingError, "", "ACL entry %d: null sasl id", i+1)
			}
			if !validKerberosName(a.ID.ID) {
				return nil, Errorf(CodeInvalidACL, "", "ACL entry %d: sasl id %q is not a valid Kerberos name", i+1, a.ID.ID)
			}
			out = append(out, a)
		case schemeX509:
			if !p.X509 {
				return nil, Errorf(CodeInvalidACL, "", "ACL entry %d: unsupported scheme %q (client certificates are not configured)", i+1, a.ID.Scheme)
			}
			if nullID {
				return nil, Errorf(CodeMarshallingError, "", "ACL entry %d: null x509 id", i+1)
			}
			if !validX500Name(a.ID.ID) {
				return nil, Errorf(CodeInvalidACL, "", "ACL entry %d: x509 id %q is not an X.500 name", i+1, a.ID.ID)
			}
			out = append(out, a)
		default:
			return nil, Errorf(CodeInvalidACL, "", "ACL entry %d: unsupported scheme %q", i+1, a.ID.Scheme)
		}
	}
	return out, nil
}

// javaACLEquals is a.equals(b) of ZooKeeper's generated ACL and Id
// classes: perms, then scheme, then id, each string compared with
// a's String.equals. npe reports the NullPointerException that calling
// equals on a null string of a throws.
func javaACLEquals(a, b ACL) (eq, npe bool) {
	if a.Perms != b.Perms {
		return false, false
	}
	if a.ID.Null&NullScheme != 0 {
		return false, true
	}
	if b.ID.Null&NullScheme != 0 || a.ID.Scheme != b.ID.Scheme {
		return false, false
	}
	if a.ID.Null&NullID != 0 {
		return false, true
	}
	if b.ID.Null&NullID != 0 || a.ID.ID != b.ID.ID {
		return false, false
	}
	return true, false
}

// authenticatedScheme reports whether ZooKeeper's provider for scheme says
// isAuthenticated, so that "auth" ACL entries expand to identities of it.
// Of the providers zkgate has, digest, sasl and x509 do (ip does not).
func authenticatedScheme(scheme string) bool {
	return scheme == schemeDigest || scheme == schemeSASL || scheme == schemeX509
}

// validKerberosName is SASLAuthenticationProvider.isValid: new
// KerberosName(id) does not throw. A name with an '@' must match
// ([^/@]*)(/([^/@]*))?@([^/@]*); one without is accepted whole.
func validKerberosName(id string) bool {
	at := strings.IndexByte(id, '@')
	if at < 0 {
		return true
	}
	left, realm := id[:at], id[at+1:]
	return !strings.ContainsAny(realm, "/@") && strings.Count(left, "/") <= 1
}

// validDigestID is DigestAuthenticationProvider.isValid:
// id.split(":").length == 2, where Java's split drops trailing empty
// strings.
func validDigestID(id string) bool {
	return len(javaSplitNoTrailing(id, ":")) == 2
}

// javaSplitNoTrailing splits s like Java's s.split(sep) for a literal sep:
// trailing empty strings are removed (a lone "" stays for s == "").
func javaSplitNoTrailing(s, sep string) []string {
	parts := strings.Split(s, sep)
	if s == "" {
		return parts
	}
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	return parts
}

// Allowed reports whether a session holding the identities auth may do
// something needing need on a znode whose ACL is acls, as ZooKeeper's
// ZooKeeperServer.checkACL decides:
//
//   - an empty ACL allows everything;
//   - a super user is allowed everything: a session holding the digest
//     identity equal to superDigest ("super:HASH", as
//     zookeeper.DigestAuthenticationProvider.superDigest is set; "" means
//     no super user) or any identity with scheme "super";
//   - otherwise some entry must share a bit with need (any bit: checkACL
//     tests perms&need != 0, so need should be a single permission) and be
//     world:anyone, or match one of the session's identities of the same
//     scheme: digest ids by exact string equality, ip ids by address
//     matching (below), sasl ids by exact string equality, the sasl
//     identity "super" matching every sasl entry (as
//     SASLAuthenticationProvider.matches), x509 ids by exact string
//     equality. Entries of other schemes match
//     no one.
//
// An ip entry "addr" or "addr/bits" matches a session's ip identity when
// both are of the same family and equal in their first bits bits (all of
// them without "/bits"), as IPAuthenticationProvider.matches decides. An
// address containing ':' is IPv6: up to eight ':'-separated groups of one
// to four hex digits, with at most one "::"; embedded IPv4 ("::ffff:1.2.3.4")
// and zones ("%eth0") are not accepted. Otherwise it is IPv4: exactly four
// '.'-separated decimal numbers from 0 to 255. Numbers are parsed as Java's
// Integer.parseInt does, so a leading '+' or '-' sign and leading zeros
// are accepted ("010" is ten), but only ASCII digits are (Java also takes
// other Unicode digits). IPv6 matching follows the ZooKeeper releases that
// support it; ZooKeeper 3.8 itself matches IPv4 only and refuses IPv6
// entries (FixupACL does too), so only an ACL stored by an earlier zkgate
// can hold one.
func Allowed(acls []ACL, need Perm, auth []AuthID, superDigest string) bool {
	if len(acls) == 0 {
		return true
	}
	for _, id := range auth {
		if id.Scheme == schemeSuper || superDigest != "" && id.Scheme == schemeDigest && id.ID == superDigest {
			return true
		}
	}
	for _, a := range acls {
		if a.Perms&need == 0 {
			continue
		}
		switch a.ID.Scheme {
		case schemeWorld:
			if a.ID.ID == anyone {
				return true
			}
		case schemeDigest:
			for _, id := range auth {
				if id.Scheme == schemeDigest && id.ID == a.ID.ID {
					return true
				}
			}
		case schemeIP:
			for _, id := range auth {
				if id.Scheme == schemeIP && ipMatches(id.ID, a.ID.ID) {
					return true
				}
			}
		case schemeSASL:
			for _, id := range auth {
				if id.Scheme == schemeSASL && (id.ID == a.ID.ID || id.ID == saslSuperID) {
					return true
				}
			}
		case schemeX509:
			for _, id := range auth {
				if id.Scheme == schemeX509 && id.ID == a.ID.ID {
					return true
				}
			}
		}
	}
	return false
}

// saslSuperID is the sasl identity SASLAuthenticationProvider.matches lets
// through every sasl ACL entry (measured: a session authenticated as
// sasl:super reads a znode whose ACL is sasl:bob).
const saslSuperID = "super"

// MaskDigests returns a copy of acls in which every digest id has what
// follows its first ':' replaced by "x" ("bob:HASH=" becomes "bob:x"), as
// ZooKeeper's getACL shows an ACL to a session without ADMIN permission on
// the znode. ZooKeeper does it with id.replaceAll(":.*", ":x"); since '.'
// does not match line terminators there, neither does it here (see
// maskDigest). Other schemes are copied unchanged.
func MaskDigests(acls []ACL) []ACL {
	if acls == nil {
		return nil
	}
	out := make([]ACL, len(acls))
	for i, a := range acls {
		if a.ID.Scheme == schemeDigest {
			a.ID.ID = maskDigest(a.ID.ID)
		}
		out[i] = a
	}
	return out
}

// maskDigest is Java's id.replaceAll(":.*", ":x"): every ':' and the
// characters after it up to a line terminator (\n, \r, U+0085, U+2028,
// U+2029) become ":x", and the search goes on after that.
func maskDigest(id string) string {
	if !strings.Contains(id, ":") {
		return id
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(id, ':')
		if i < 0 {
			b.WriteString(id)
			return b.String()
		}
		b.WriteString(id[:i])
		b.WriteString(":x")
		id = id[i+1:]
		end := strings.IndexFunc(id, func(r rune) bool {
			return r == '\n' || r == '\r' || r == 0x85 || r == 0x2028 || r == 0x2029
		})
		if end < 0 {
			return b.String()
		}
		id = id[end:]
	}
}

// ipMatches is IPAuthenticationProvider.matches(id, aclExpr): the
// session's address id against the ACL's "addr[/bits]".
func ipMatches(id, aclExpr string) bool {
	addr, bits, ok := parseIPExpr(aclExpr)
	if !ok {
		return false
	}
	remote, ok := ipBytes(id)
	if !ok || len(remote) != len(addr) {
		return false
	}
	maskBits(addr, bits)
	maskBits(remote, bits)
	return string(addr) == string(remote)
}

// validIPID is IPAuthenticationProvider.isValid of ZooKeeper 3.8, which
// takes IPv4 only: measured, every IPv6 form ("::1", "::1/128",
// "fe80::/10", "0:0:0:0:0:0:0:1") is InvalidACL there.
func validIPID(id string) bool {
	addr, _, ok := parseIPExpr(id)
	return ok && len(addr) == 4
}

// parseIPExpr parses "addr" or "addr/bits" (split at the first '/').
func parseIPExpr(expr string) (addr []byte, bits int, ok bool) {
	a, b, hasBits := strings.Cut(expr, "/")
	addr, ok = ipBytes(a)
	if !ok {
		return nil, 0, false
	}
	bits = len(addr) * 8
	if hasBits {
		n, ok := javaParseInt(b, 10)
		if !ok || n < 0 || n > int64(len(addr)*8) {
			return nil, 0, false
		}
		bits = int(n)
	}
	return addr, bits, true
}

// maskBits clears every bit of b after the first bits.
func maskBits(b []byte, bits int) {
	for i := range b {
		switch {
		case bits >= 8:
			bits -= 8
		case bits <= 0:
			b[i] = 0
		default:
			b[i] &= ^byte(0xff >> bits)
			bits = 0
		}
	}
}

// ipBytes is IPAuthenticationProvider.addr2Bytes: an address with a ':' is
// IPv6 (16 bytes), else one with a '.' is IPv4 (4 bytes), else invalid.
func ipBytes(s string) ([]byte, bool) {
	switch {
	case strings.Contains(s, ":"):
		return ipv6Bytes(s)
	case strings.Contains(s, "."):
		return ipv4Bytes(s)
	}
	return nil, false
}

func ipv4Bytes(s string) ([]byte, bool) {
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return nil, false
	}
	b := make([]byte, 4)
	for i, p := range parts {
		v, ok := javaParseInt(p, 10)
		if !ok || v < 0 || v > 255 {
			return nil, false
		}
		b[i] = byte(v)
	}
	return b, true
}

func ipv6Bytes(s string) ([]byte, bool) {
	var head, tail []string
	switch parts := strings.Split(s, "::"); len(parts) {
	case 1:
		head = strings.Split(s, ":")
		if len(head) != 8 {
			return nil, false
		}
	case 2:
		if parts[0] != "" {
			head = strings.Split(parts[0], ":")
		}
		if parts[1] != "" {
			tail = strings.Split(parts[1], ":")
		}
		if len(head)+len(tail) >= 8 {
			return nil, false
		}
	default:
		return nil, false
	}
	b := make([]byte, 16)
	if !ipv6Groups(b, head) || !ipv6Groups(b[16-2*len(tail):], tail) {
		return nil, false
	}
	return b, true
}

// ipv6Groups parses groups of one to four hex digits (Integer.parseInt
// with radix 16, so a sign is accepted) into b, two bytes each.
func ipv6Groups(b []byte, groups []string) bool {
	for i, g := range groups {
		if g == "" || len(g) > 4 {
			return false
		}
		v, ok := javaParseInt(g, 16)
		if !ok {
			return false
		}
		b[2*i] = byte(v >> 8)
		b[2*i+1] = byte(v)
	}
	return true
}

// javaParseInt is Integer.parseInt(s, radix) for ASCII input: an optional
// '+' or '-', then at least one digit; false if s is malformed or the value
// does not fit an int32.
func javaParseInt(s string, radix int64) (int64, bool) {
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "" {
		return 0, false
	}
	var v int64
	for i := 0; i < len(s); i++ {
		var d int64
		switch c := s[i]; {
		case '0' <= c && c <= '9':
			d = int64(c - '0')
		case 'a' <= c && c <= 'z':
			d = int64(c-'a') + 10
		case 'A' <= c && c <= 'Z':
			d = int64(c-'A') + 10
		default:
			return 0, false
		}
		if d >= radix {
			return 0, false
		}
		v = v*radix + d
		if v > 1<<31 {
			return 0, false
		}
	}
	if neg {
		v = -v
	}
	if v > 1<<31-1 {
		return 0, false
	}
	return v, true
}
