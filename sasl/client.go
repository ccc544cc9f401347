package sasl

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
)

// A Client is the client side of one authentication exchange, a state
// machine without I/O like Server: its first token is Start's, and each
// server token is given to Step. It is not safe for concurrent use.
type Client interface {
	Mechanism() string
	// Start returns the first token to send.
	Start() ([]byte, error)
	// Step takes the server's token and returns the next one to send;
	// done reports that the server proved itself and nothing more is
	// sent.
	Step(token []byte) (out []byte, done bool, err error)
}

// NewDigestClient returns a DIGEST-MD5 client for ZooKeeper, as the
// Java client's DigestLoginModule section (username, password) makes
// one: charset utf-8, qop auth, digest-uri "zookeeper/zk-sasl-md5",
// authzid the user name.
func NewDigestClient(user, password string) Client {
	return &digestClient{user: user, password: password}
}

type digestClient struct {
	user, password string
	step           int
	expect         string // the rspauth the server must send
}

func (c *digestClient) Mechanism() string { return "DIGEST-MD5" }

func (c *digestClient) Start() ([]byte, error) { return []byte{}, nil }

func (c *digestClient) Step(token []byte) ([]byte, bool, error) {
	switch c.step {
	case 0:
		c.step = 1
		d, err := parseDirectives(token)
		if err != nil {
			return nil, false, fmt.Errorf("server challenge: %w", err)
		}
		nonce, ok := d["nonce"]
		if !ok {
			return nil, false, digestErr("server challenge without a nonce")
		}
		if q, ok := d["qop"]; ok && !containsToken(q, "auth") {
			return nil, false, digestErr("server does not offer qop auth")
		}
		realm := d["realm"]
		var cn [24]byte
		if _, err := rand.Read(cn[:]); err != nil {
			return nil, false, err
		}
		cnonce := base64.StdEncoding.EncodeToString(cn[:])
		uri := digestProtocol + "/" + DigestRealm
		resp, rspauth := digestResponse(c.user, realm, c.password, nonce, cnonce, "00000001", c.user, uri)
		c.expect = "rspauth=" + rspauth
		out := fmt.Sprintf(`charset=utf-8,username=%s,realm=%s,nonce=%s,nc=00000001,cnonce=%s,digest-uri=%s,maxbuf=65536,response=%s,qop=auth,authzid=%s`,
			quote(c.user), quote(realm), quote(nonce), quote(cnonce), quote(uri), resp, quote(c.user))
		return []byte(out), false, nil
	case 1:
		c.step = 2
		if subtle.ConstantTimeCompare(token, []byte(c.expect)) != 1 {
			return nil, false, fmt.Errorf("DIGEST-MD5: the server's rspauth does not verify: %w", ErrBadCredentials)
		}
		return nil, true, nil
	}
	return nil, false, fmt.Errorf("DIGEST-MD5: %w", ErrExchangeOver)
}

// digestResponse computes RFC 2831's response and rspauth values for qop
// auth, md5-sess, charset utf-8 (an empty authzid is left out of A1).
func digestResponse(user, realm, password, nonce, cnonce, nc, authzid, uri string) (response, rspauth string) {
	h := md5.Sum([]byte(latin1IfPossible(user) + ":" + latin1IfPossible(realm) + ":" + latin1IfPossible(password)))
	a1 := string(h[:]) + ":" + nonce + ":" + cnonce
	if authzid != "" {
		a1 += ":" + authzid
	}
	ha1 := md5Hex(a1)
	response = md5Hex(ha1 + ":" + nonce + ":" + nc + ":" + cnonce + ":auth:" + md5Hex("AUTHENTICATE:"+uri))
	rspauth = md5Hex(ha1 + ":" + nonce + ":" + nc + ":" + cnonce + ":auth:" + md5Hex(":"+uri))
	return response, rspauth
}

func containsToken(list, tok string) bool {
	for _, t := range strings.Split(list, ",") {
		if strings.TrimSpace(t) == tok {
			return true
		}
	}
	return false
}

// quote is an RFC 2831 quoted-string.
func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
