package zkbridge_test

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/gateway/gatewaytest"
	"github.com/zkgate/zkgate/sasl"
	"github.com/zkgate/zkgate/schema"
	"github.com/zkgate/zkgate/zkbridge"
	"github.com/zkgate/zkgate/zkbridge/jute"
)

func saslBridge(t *testing.T, enforce ...string) string {
	t.Helper()
	j, err := sasl.ParseJAAS(`Server { org.apache.zookeeper.server.auth.DigestLoginModule required user_bob="bobsecret"; };`)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := sasl.NewServerConfig(j, "Server", sasl.ServerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cl := gatewaytest.StartCluster(t, 1)
	return startBridgeWith(t, cl, 0, gateway.Config{Providers: schema.Providers{SASL: true}}, func(c *zkbridge.Config) {
		c.SASL = sc
		c.EnforceAuthSchemes = enforce
	})
}

// saslStep sends one sasl request with xid and returns the reply header
// and token.
func (c *client) saslStep(xid int32, token []byte) (jute.ReplyHeader, []byte) {
	c.t.Helper()
	rh, d, err := c.CallXid(xid, jute.OpSASL, &jute.SASLRequest{Token: token})
	if err != nil {
		c.t.Fatalf("sasl xid %d: %v", xid, err)
	}
	var r jute.SASLResponse
	if err := r.Decode(d); err != nil {
		c.t.Fatalf("sasl reply: %v", err)
	}
	return rh, r.Token
}

// authenticate runs a DIGEST-MD5 exchange with xids 1 and 2 and returns
// the last reply header.
func (c *client) authenticate(user, password string) jute.ReplyHeader {
	c.t.Helper()
	cl := sasl.NewDigestClient(user, password)
	tok, _ := cl.Start()
	rh, ch := c.saslStep(1, tok)
	if rh.Err != schema.CodeOK || rh.Zxid != 0 {
		c.t.Fatalf("challenge reply %+v", rh)
	}
	rsp, _, err := cl.Step(ch)
	if err != nil {
		c.t.Fatal(err)
	}
	rh, fin := c.saslStep(2, rsp)
	if rh.Err == schema.CodeOK {
		if _, done, err := cl.Step(fin); err != nil || !done {
			c.t.Fatalf("rspauth: done %v err %v", done, err)
		}
	} else if fin != nil {
		c.t.Fatalf("failure carries token %q, want null", fin)
	}
	return rh
}

func (c *client) whoAmI() []jute.ClientInfo {
	c.t.Helper()
	rh, d := c.call(jute.OpWhoAmI, nil)
	var r jute.WhoAmIResponse
	if rh.Err != schema.CodeOK || r.Decode(d) != nil {
		c.t.Fatalf("whoAmI: %v", rh.Err)
	}
	return r.ClientInfo
}

// TestSASL_Exchange: a DIGEST-MD5 exchange gets replies with zxid 0 and
// the request's xid, and the session then holds sasl:bob, listed by
// whoAmI before ip as ZooKeeper lists them.
func TestSASL_Exchange(t *testing.T) {
	addr := saslBridge(t)
	c := connect(t, addr, jute.ConnectRequest{TimeOut: 30000, Passwd: make([]byte, 16)})
	if rh := c.authenticate("bob", "bobsecret"); rh.Err != schema.CodeOK || rh.Xid != 2 || rh.Zxid != 0 {
		t.Fatalf("response reply %+v", rh)
	}
	got := c.whoAmI()
	want := []jute.ClientInfo{{AuthScheme: "sasl", User: "bob"}, {AuthScheme: "ip", User: "127.0.0.1"}}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("whoAmI %+v, want %+v", got, want)
	}
	// Another token after the exchange: AuthFailed, null token, closed.
	rh, tok := c.saslStep(3, []byte{})
	if rh.Err != schema.CodeAuthFailed || rh.Zxid != 0 || tok != nil {
		t.Fatalf("after the exchange: %+v %q", rh, tok)
	}
	if f := c.frame(); f != nil {
		t.Fatalf("connection open after AuthFailed: %x", f)
	}
}

// TestSASL_Failures: bad credentials and malformed tokens get AuthFailed
// (with a null token) and a closed connection; a null token or a record
// cut short gets no reply at all; none of it disturbs the server.
func TestSASL_Failures(t *testing.T) {
	addr := saslBridge(t)
	newConn := func() *client { return connect(t, addr, jute.ConnectRequest{TimeOut: 30000, Passwd: make([]byte, 16)}) }
	for _, pw := range []string{"wrong", ""} {
		c := newConn()
		if rh := c.authenticate("bob", pw); rh.Err != schema.CodeAuthFailed || rh.Xid != 2 || rh.Zxid != 0 {
			t.Fatalf("password %q: %+v", pw, rh)
		}
		if f := c.frame(); f != nil {
			t.Fatalf("connection open after AuthFailed: %x", f)
		}
	}
	for _, garbage := range [][]byte{[]byte(`xx,,="`), {}, bytes.Repeat([]byte("a"), 60000)[:3000], {0xff, 0, '"', '\\'}} {
		c := newConn()
		if rh, _ := c.saslStep(-8, []byte("ignored")); rh.Err != schema.CodeOK || rh.Xid != -8 {
			t.Fatalf("challenge: %+v", rh)
		}
		if rh, tok := c.saslStep(2, garbage); rh.Err != schema.CodeAuthFailed || tok != nil {
			t.Fatalf("garbage %q: %+v %q", garbage, rh, tok)
		}
	}
	frame := func(b []byte) []byte {
		return binary.BigEndian.AppendUint32(nil, uint32(len(b)))
	}
	for _, body := range [][]byte{
		{0xff, 0xff, 0xff, 0xff}, // null token
		{0, 0},                   // cut short
		{0, 0, 0, 9, 'a'},        // longer than the frame
	} {
		c := newConn()
		pkt := append(binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, 1), uint32(jute.OpSASL)), body...)
		c.write(append(frame(pkt), pkt...))
		if f := c.frame(); f != nil {
			t.Fatalf("body %x answered: %x", body, f)
		}
	}
	// The server still serves.
	c := newConn()
	if rh := c.authenticate("bob", "bobsecret"); rh.Err != schema.CodeOK {
		t.Fatalf("after the failures: %+v", rh)
	}
}

// TestSASL_Enforced: with enforced schemes, an unauthenticated session's
// first request gets SessionClosedRequireSaslAuth with zxid 0 and the
// connection is closed; after SASL or addauth digest it is served.
func TestSASL_Enforced(t *testing.T) {
	addr := saslBridge(t, "sasl", "digest")
	c := connect(t, addr, jute.ConnectRequest{TimeOut: 30000, Passwd: make([]byte, 16)})
	rh, _, err := c.Call(jute.OpGetChildren, &jute.GetChildrenRequest{Path: "/"})
	if err != nil || rh.Err != schema.CodeSessionClosedRequireSaslAuth || rh.Zxid != 0 || rh.Xid != 1 {
		t.Fatalf("unauthenticated getChildren: %+v %v", rh, err)
	}
	if f := c.frame(); f != nil {
		t.Fatalf("connection open: %x", f)
	}
	c = connect(t, addr, jute.ConnectRequest{TimeOut: 30000, Passwd: make([]byte, 16)})
	if rh := c.authenticate("bob", "bobsecret"); rh.Err != schema.CodeOK {
		t.Fatalf("sasl: %+v", rh)
	}
	if _, code := c.stat("/"); code != schema.CodeOK {
		t.Fatalf("after SASL: %v", code)
	}
	c = connect(t, addr, jute.ConnectRequest{TimeOut: 30000, Passwd: make([]byte, 16)})
	if rh, err := c.Auth("digest", []byte("u:p")); err != nil || rh.Err != schema.CodeOK {
		t.Fatalf("addauth: %+v %v", rh, err)
	}
	if _, code := c.stat("/"); code != schema.CodeOK {
		t.Fatalf("after addauth digest: %v", code)
	}
	// ip is no required scheme here: a ping is refused too.
	c = connect(t, addr, jute.ConnectRequest{TimeOut: 30000, Passwd: make([]byte, 16)})
	if rh, err := c.Ping(); err != nil || rh.Err != schema.CodeSessionClosedRequireSaslAuth {
		t.Fatalf("unauthenticated ping: %+v %v", rh, err)
	}
}
