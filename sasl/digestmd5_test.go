package sasl_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/zkgate/zkgate/sasl"
)

func digestConfig(t testing.TB) *sasl.ServerConfig {
	t.Helper()
	j, err := sasl.ParseJAAS(`Server {
       org.apache.zookeeper.server.auth.DigestLoginModule required
       user_super="adminsecret"
       user_bob="bobsecret"
       user_jörg="päss€";
};`)
	if err != nil {
		t.Fatal(err)
	}
	c, err := sasl.NewServerConfig(j, "Server", sasl.ServerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestDigestResponse_RFC2831 checks the hash against RFC 2831 4's example.
func TestDigestResponse_RFC2831(t *testing.T) {
	rsp, rspauth := sasl.DigestResponse("chris", "elwood.innosoft.com", "secret", "OA6MG9tEQGm2hh", "OA6MHXh6VqTrRk", "00000001", "", "imap/elwood.innosoft.com")
	if rsp != "d388dad90d4bbd760a152321f2143af7" || rspauth != "ea40f60335c427b5527b84dbabcdfffd" {
		t.Fatalf("response %s rspauth %s", rsp, rspauth)
	}
}

// zkCliExchange is an exchange recorded between zkCli.sh (ZooKeeper 3.8's
// Java client) and a real ZooKeeper 3.8 server, user bob, password
// bobsecret (gateway/testdata/zookeeper-3.8-behaviour.md, SASL).
const (
	zkCliNonce    = "chneTIO4b9SP5FHlKTU789EtL0FzmOu6kDYmZq1z"
	zkCliResponse = `charset=utf-8,username="bob",realm="zk-sasl-md5",nonce="chneTIO4b9SP5FHlKTU789EtL0FzmOu6kDYmZq1z",nc=00000001,cnonce="7YaFHLfYAQn2jSWMJ/nViszjf1Rsa8y9XeAiIetg",digest-uri="zookeeper/zk-sasl-md5",maxbuf=65536,response=8d795717b800f6d8059853e238a44768,qop=auth,authzid="bob"`
	zkCliRspauth  = "rspauth=94a29124ec119a4b3959cd34ae950551"
)

func TestDigestServer_RecordedZkCliExchange(t *testing.T) {
	s := digestConfig(t).NewServerWithNonce(zkCliNonce)
	ch, done, err := s.Step([]byte{})
	if err != nil || done {
		t.Fatalf("first step: done %v err %v", done, err)
	}
	if want := `realm="zk-sasl-md5",nonce="` + zkCliNonce + `",charset=utf-8,algorithm=md5-sess`; string(ch) != want {
		t.Fatalf("challenge %q, want %q", ch, want)
	}
	out, done, err := s.Step([]byte(zkCliResponse))
	if err != nil || !done {
		t.Fatalf("second step: done %v err %v", done, err)
	}
	if string(out) != zkCliRspauth {
		t.Fatalf("rspauth %q, want %q", out, zkCliRspauth)
	}
	if id := s.AuthorizationID(); id != "bob" {
		t.Fatalf("identity %q", id)
	}
	if _, _, err := s.Step([]byte(zkCliResponse)); !errors.Is(err, sasl.ErrExchangeOver) {
		t.Fatalf("a third token: err = %v, want ErrExchangeOver", err)
	}
}

func TestDigestServer_NonEmptyFirstTokenIgnored(t *testing.T) {
	s := digestConfig(t).NewServer()
	ch, done, err := s.Step([]byte("garbage"))
	if err != nil || done || !strings.HasPrefix(string(ch), `realm="zk-sasl-md5",nonce="`) {
		t.Fatalf("challenge %q done %v err %v", ch, done, err)
	}
}

// exchange runs a client against a fresh server and returns the identity
// the server gives it.
func exchange(t *testing.T, c *sasl.ServerConfig, user, password string) (string, error) {
	t.Helper()
	s := c.NewServer()
	cl := sasl.NewDigestClient(user, password)
	tok, err := cl.Start()
	if err != nil {
		t.Fatal(err)
	}
	for {
		out, done, err := s.Step(tok)
		if err != nil {
			return "", err
		}
		next, cdone, cerr := cl.Step(out)
		if cerr != nil {
			t.Fatalf("client: %v", cerr)
		}
		if done != cdone {
			t.Fatalf("server done %v, client done %v", done, cdone)
		}
		if done {
			return s.AuthorizationID(), nil
		}
		tok = next
	}
}

func TestDigestServer_Client(t *testing.T) {
	c := digestConfig(t)
	for _, tc := range []struct {
		user, pw, id string
		err          error
	}{
		{"bob", "bobsecret", "bob", nil},
		{"super", "adminsecret", "super", nil},
		{"jörg", "päss€", "jörg", nil},
		{"bob", "wrong", "", sasl.ErrBadCredentials},
		{"eve", "x", "", sasl.ErrBadCredentials},
		{"Bob", "bobsecret", "", sasl.ErrBadCredentials},
	} {
		id, err := exchange(t, c, tc.user, tc.pw)
		if id != tc.id || !errors.Is(err, tc.err) {
			t.Errorf("%s/%s: id %q err %v, want %q %v", tc.user, tc.pw, id, err, tc.id, tc.err)
		}
		if err != nil && (strings.Contains(err.Error(), tc.pw) || strings.Contains(err.Error(), tc.user)) {
			t.Errorf("the error names the credentials: %v", err)
		}
	}
}

// pureSASLResponse is what kazoo's pure-sasl 0.5.1 sends: no charset, no
// authzid, no maxbuf, qop first.
func pureSASLResponse(user, password, nonce string) string {
	cnonce := "5594504224272249"
	rsp, _ := sasl.DigestResponse(user, "zk-sasl-md5", password, nonce, cnonce, "00000001", "", "zookeeper/zk-sasl-md5")
	return `qop=auth,realm="zk-sasl-md5",username="` + user + `",nonce="` + nonce + `",cnonce="` + cnonce + `",nc=00000001,digest-uri="zookeeper/zk-sasl-md5",response=` + rsp
}

func TestDigestServer_PureSASLForm(t *testing.T) {
	s := digestConfig(t).NewServerWithNonce("n0nce")
	if _, _, err := s.Step(nil); err != nil {
		t.Fatal(err)
	}
	if _, done, err := s.Step([]byte(pureSASLResponse("bob", "bobsecret", "n0nce"))); err != nil || !done {
		t.Fatalf("done %v err %v", done, err)
	}
}

func TestDigestServer_Malformed(t *testing.T) {
	good := zkCliResponse
	for _, tc := range []struct{ name, rsp string }{
		{"empty", ""},
		{"garbage", `xx,,="`},
		{"no username", strings.Replace(good, `username="bob",`, "", 1)},
		{"other nonce", strings.Replace(good, `nonce="chne`, `nonce="xhne`, 1)},
		{"nc 2", strings.Replace(good, "nc=00000001", "nc=00000002", 1)},
		{"qop auth-int", strings.Replace(good, "qop=auth", "qop=auth-int", 1)},
		{"charset latin1", strings.Replace(good, "charset=utf-8", "charset=iso-8859-1", 1)},
		{"other uri", strings.Replace(good, "zookeeper/zk-sasl-md5", "imap/zk-sasl-md5", 1)},
		{"other realm", strings.Replace(good, `realm="zk-sasl-md5"`, `realm="x"`, 1)},
		{"duplicate", good + `,username="bob"`},
		{"unclosed quote", strings.Replace(good, `authzid="bob"`, `authzid="bob`, 1)},
		{"short response", strings.Replace(good, "response=8d79", "response=8d7", 1)},
		{"maxbuf 0", strings.Replace(good, "maxbuf=65536", "maxbuf=0", 1)},
		{"cipher", good + ",cipher=rc4"},
		{"no cnonce", strings.Replace(good, `cnonce="7YaFHLfYAQn2jSWMJ/nViszjf1Rsa8y9XeAiIetg",`, "", 1)},
		{"huge", good + "," + strings.Repeat("a", 5000) + "=b"},
		{"name only", "username"},
		{"no comma", `username="bob" realm="x"`},
	} {
		s := digestConfig(t).NewServerWithNonce(zkCliNonce)
		if _, _, err := s.Step(nil); err != nil {
			t.Fatal(err)
		}
		out, done, err := s.Step([]byte(tc.rsp))
		if err == nil || done || out != nil {
			t.Errorf("%s: out %q done %v err %v", tc.name, out, done, err)
			continue
		}
		if !errors.Is(err, sasl.ErrMalformed) && !errors.Is(err, sasl.ErrBadCredentials) {
			t.Errorf("%s: err %v wraps neither sentinel", tc.name, err)
		}
	}
}

func TestParseDirectives_Forms(t *testing.T) {
	d, err := sasl.ParseDirectives([]byte(` a = "x\"y" ,, B=tok , c="" ,`))
	if err != nil {
		t.Fatal(err)
	}
	if len(d) != 3 || d["a"] != `x"y` || d["b"] != "tok" || d["c"] != "" {
		t.Fatalf("%q", d)
	}
}

// FuzzDigestServer feeds arbitrary digest-responses to a server: it never
// panics, and only a response carrying the right digest succeeds.
func FuzzDigestServer(f *testing.F) {
	f.Add([]byte(zkCliResponse))
	f.Add([]byte(pureSASLResponse("bob", "bobsecret", zkCliNonce)))
	f.Add([]byte(`xx,,="`))
	f.Add([]byte(`a="\`))
	c := digestConfig(f)
	f.Fuzz(func(t *testing.T, rsp []byte) {
		s := c.NewServerWithNonce(zkCliNonce)
		if _, _, err := s.Step(nil); err != nil {
			t.Fatal(err)
		}
		out, done, err := s.Step(rsp)
		if (err == nil) != done || (err == nil) != (out != nil) {
			t.Fatalf("out %q done %v err %v", out, done, err)
		}
		if done && s.AuthorizationID() != "bob" {
			t.Fatalf("authenticated as %q", s.AuthorizationID())
		}
	})
}
