package sasl

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ZooKeeper's DIGEST-MD5 names: its server is created for the protocol
// "zookeeper" and the server name "zk-sasl-md5", which is also the only
// realm it offers; clients send digest-uri "zookeeper/zk-sasl-md5".
const (
	digestProtocol = "zookeeper"
	DigestRealm    = "zk-sasl-md5"
)

// maxDigestResponse is the longest digest-response accepted (RFC 2831
// 2.1.2: "The size of a digest-response is less than 4096 bytes").
const maxDigestResponse = 4096

// digestServer is the server side of one DIGEST-MD5 exchange (RFC 2831,
// quality of protection "auth" only, as ZooKeeper negotiates it):
//
//  1. whatever the client's first token (ZooKeeper clients send an empty
//     one; ZooKeeper ignores any content), the server sends its challenge;
//  2. the client's digest-response is checked, and the server answers
//     "rspauth=..." and is done; any fault is an error and the exchange
//     is over.
type digestServer struct {
	users func(user string) (password string, ok bool)
	canon func(name string) (string, error)
	step  int
	// newNonce makes the challenge's nonce (randomNonce but in tests).
	newNonce func() (string, error)
	nonce    string
	authID   string
}

func (s *digestServer) Mechanism() string { return "DIGEST-MD5" }

func (s *digestServer) AuthorizationID() string { return s.authID }

func (s *digestServer) Step(token []byte) ([]byte, bool, error) {
	switch s.step {
	case 0:
		s.step = 1
		nonce, err := s.newNonce()
		if err != nil {
			return nil, false, fmt.Errorf("DIGEST-MD5: making a nonce: %w", err)
		}
		s.nonce = nonce
		return []byte(`realm="` + DigestRealm + `",nonce="` + s.nonce + `",charset=utf-8,algorithm=md5-sess`), false, nil
	case 1:
		s.step = 2
		rsp, id, err := s.verify(token)
		if err != nil {
			return nil, false, err
		}
		s.authID = id
		return rsp, true, nil
	}
	return nil, false, fmt.Errorf("DIGEST-MD5: %w", ErrExchangeOver)
}

// randomNonce is 30 random bytes in base64, 40 characters like Java's.
func randomNonce() (string, error) {
	var n [30]byte
	if _, err := rand.Read(n[:]); err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(n[:]), nil
}

// verify checks a digest-response and returns rspauth and the identity.
// Errors say what was wrong in the response without quoting it.
func (s *digestServer) verify(token []byte) ([]byte, string, error) {
	if len(token) >= maxDigestResponse {
		return nil, "", digestErr("response of %d bytes, more than RFC 2831 allows", len(token))
	}
	d, err := parseDirectives(token)
	if err != nil {
		return nil, "", err
	}
	utf8Set := false
	if cs, ok := d["charset"]; ok {
		if !strings.EqualFold(cs, "utf-8") {
			return nil, "", digestErr("charset is not utf-8")
		}
		utf8Set = true
	}
	user, ok := d["username"]
	if !ok {
		return nil, "", digestErr("no username")
	}
	realm := d["realm"] // absent: "" in A1 (RFC 2831 2.1.2)
	if _, ok := d["realm"]; ok && realm != DigestRealm {
		return nil, "", digestErr("realm is not the one offered")
	}
	if n, ok := d["nonce"]; !ok || subtle.ConstantTimeCompare([]byte(n), []byte(s.nonce)) != 1 {
		return nil, "", digestErr("nonce is not the one sent")
	}
	cnonce, ok := d["cnonce"]
	if !ok || cnonce == "" {
		return nil, "", digestErr("no cnonce")
	}
	nc, ok := d["nc"]
	if !ok {
		return nil, "", digestErr("no nc")
	}
	if v, err := strconv.ParseUint(nc, 16, 32); err != nil || len(nc) != 8 || v != 1 {
		return nil, "", digestErr("nc is not 00000001")
	}
	qop := "auth"
	if q, ok := d["qop"]; ok {
		qop = q
	}
	if qop != "auth" {
		return nil, "", digestErr("qop is not auth, the only one offered")
	}
	if _, ok := d["cipher"]; ok {
		return nil, "", digestErr("cipher given without auth-conf")
	}
	if mb, ok := d["maxbuf"]; ok {
		if v, err := strconv.ParseUint(mb, 10, 32); err != nil || v < 16 || v > 16777215 {
			return nil, "", digestErr("maxbuf out of range")
		}
	}
	uri, ok := d["digest-uri"]
	if !ok {
		return nil, "", digestErr("no digest-uri")
	}
	parts := strings.Split(uri, "/")
	if (len(parts) != 2 && len(parts) != 3) || !strings.EqualFold(parts[0], digestProtocol) || !strings.EqualFold(parts[1], DigestRealm) {
		return nil, "", digestErr("digest-uri is not %s/%s", digestProtocol, DigestRealm)
	}
	response, ok := d["response"]
	if !ok || len(response) != 32 {
		return nil, "", digestErr("no response of 32 hex digits")
	}
	authzid, hasAuthzid := d["authzid"]

	// The user name as the client hashed it: with charset=utf-8 it is
	// UTF-8 text; without, ISO 8859-1, one byte per character.
	name := user
	if !utf8Set {
		name = latin1ToUTF8(user)
	} else if !utf8.ValidString(user) {
		return nil, "", digestErr("username is not UTF-8")
	}
	password, known := s.users(name)
	if !known {
		// Hash anyway, so that an unknown user costs what a known one does.
		password = ""
	}
	userText, realmText := user, realm
	if utf8Set {
		userText, realmText = latin1IfPossible(user), latin1IfPossible(realm)
	}
	a1 := md5.Sum([]byte(userText + ":" + realmText + ":" + latin1IfPossible(password)))
	a1s := string(a1[:]) + ":" + s.nonce + ":" + cnonce
	if hasAuthzid {
		a1s += ":" + authzid
	}
	ha1 := md5Hex(a1s)
	want := md5Hex(ha1 + ":" + s.nonce + ":" + nc + ":" + cnonce + ":" + qop + ":" + md5Hex("AUTHENTICATE:"+uri))
	if subtle.ConstantTimeCompare([]byte(strings.ToLower(response)), []byte(want)) != 1 || !known {
		return nil, "", fmt.Errorf("DIGEST-MD5: %w", ErrBadCredentials)
	}
	id, err := s.canon(name)
	if err != nil {
		return nil, "", err
	}
	rspauth := md5Hex(ha1 + ":" + s.nonce + ":" + nc + ":" + cnonce + ":" + qop + ":" + md5Hex(":"+uri))
	return []byte("rspauth=" + rspauth), id, nil
}

// latin1IfPossible is UTF-8 text as RFC 2831 hashes it: in ISO 8859-1
// if every character fits there, in UTF-8 otherwise. (Without
// charset=utf-8 the user name and realm arrive in ISO 8859-1 and are
// hashed as received; a password with characters beyond U+00FF can then
// not be used, as in Java.)
func latin1IfPossible(s string) string {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xff {
			return s
		}
		b = append(b, byte(r))
	}
	return string(b)
}

// latin1ToUTF8 reads b as ISO 8859-1.
func latin1ToUTF8(b string) string {
	var sb strings.Builder
	for i := 0; i < len(b); i++ {
		sb.WriteRune(rune(b[i]))
	}
	return sb.String()
}

func md5Hex(s string) string {
	h := md5.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}

func digestErr(format string, args ...any) error {
	return fmt.Errorf("DIGEST-MD5: %s: %w", fmt.Sprintf(format, args...), ErrMalformed)
}

// parseDirectives parses a digest-response (RFC 2831 2.1.2): a comma
// separated list of name=value, each value a token or a quoted-string,
// with optional white space around the elements and empty elements
// allowed (the #rule). Names are case-insensitive (returned lower case); a
// name given twice is an error; unknown names are kept (and ignored).
func parseDirectives(b []byte) (map[string]string, error) {
	out := map[string]string{}
	i := 0
	skipLWS := func() {
		for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
			i++
		}
	}
	for {
		skipLWS()
		if i == len(b) {
			break
		}
		if b[i] == ',' {
			i++
			continue
		}
		start := i
		for i < len(b) && isTokenByte(b[i]) {
			i++
		}
		if i == start {
			return nil, digestErr("directive name expected at byte %d", start)
		}
		name := strings.ToLower(string(b[start:i]))
		skipLWS()
		if i == len(b) || b[i] != '=' {
			return nil, digestErr("= expected after directive %q", name)
		}
		i++
		skipLWS()
		var val []byte
		if i < len(b) && b[i] == '"' {
			i++
			closed := false
			for i < len(b) {
				c := b[i]
				i++
				if c == '\\' && i < len(b) {
					val = append(val, b[i])
					i++
					continue
				}
				if c == '"' {
					closed = true
					break
				}
				val = append(val, c)
			}
			if !closed {
				return nil, digestErr("quoted value of %q not closed", name)
			}
		} else {
			vs := i
			for i < len(b) && isTokenByte(b[i]) {
				i++
			}
			val = b[vs:i]
		}
		if _, dup := out[name]; dup {
			return nil, digestErr("directive %q given twice", name)
		}
		out[name] = string(val)
		skipLWS()
		if i < len(b) {
			if b[i] != ',' {
				return nil, digestErr("comma expected after directive %q", name)
			}
			i++
		}
	}
	return out, nil
}

// isTokenByte is RFC 2616's token character: any CHAR but CTLs and
// separators.
func isTokenByte(c byte) bool {
	return c > 32 && c < 127 && !strings.ContainsRune("()<>@,;:\\\"/[]?={} \t", rune(c))
}

// Sentinel errors of an exchange. Every error a Server returns wraps one
// of them; the bridge answers all of them AuthFailed, as ZooKeeper does.
var (
	// ErrMalformed: the client's token does not parse or breaks the
	// mechanism's rules.
	ErrMalformed = errors.New("malformed token")
	// ErrBadCredentials: the credentials do not verify (wrong password,
	// unknown user, ticket not for this service).
	ErrBadCredentials = errors.New("credentials rejected")
	// ErrExchangeOver: a token came after the exchange ended.
	ErrExchangeOver = errors.New("authentication exchange already over")
)
