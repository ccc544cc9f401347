package zkdial

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zkgate/zkgate/sasl"
	"github.com/zkgate/zkgate/schema"
	"github.com/zkgate/zkgate/zkbridge/jute"
)

// saslServer answers as ZooKeeper with DIGEST-MD5 SASL does: a session,
// then each sasl request stepped through a sasl.Server; AuthFailed and a
// closed connection when the exchange fails. It records what each
// connection's first requests were and who authenticated.
type saslServer struct {
	cfg   *sasl.ServerConfig
	none  bool // answer sasl requests OK with no token, as ZooKeeper without SASL
	conns atomic.Int32
	mu    sync.Mutex
	seen  []string // "sasl xid N" for each sasl request, "op N" for others
	ids   []string
}

func (s *saslServer) serve(c net.Conn) {
	s.conns.Add(1)
	go func() {
		defer c.Close()
		if _, err := jute.ReadFrame(c, nil, 1<<20); err != nil {
			return
		}
		c.Write(jute.AppendPacket(nil, &jute.ConnectResponse{TimeOut: 10000, SessionID: 42, Passwd: make([]byte, 16)}))
		srv := s.cfg.NewServer()
		for {
			body, err := jute.ReadFrame(c, nil, 1<<20)
			if err != nil {
				return
			}
			d := jute.NewDecoder(body)
			var h jute.RequestHeader
			if err := h.Decode(d); err != nil {
				return
			}
			if h.Type != jute.OpSASL {
				s.mu.Lock()
				s.seen = append(s.seen, "op "+h.Type.String())
				s.mu.Unlock()
				continue // unanswered: Dial needs nothing more
			}
			s.mu.Lock()
			s.seen = append(s.seen, fmt.Sprintf("sasl xid %d", h.Xid))
			s.mu.Unlock()
			var req jute.SASLRequest
			if err := req.Decode(d); err != nil {
				return
			}
			if s.none {
				c.Write(jute.AppendPacket(nil, &jute.ReplyHeader{Xid: h.Xid}, &jute.SASLResponse{}))
				continue
			}
			out, done, err := srv.Step(req.Token)
			if err != nil {
				c.Write(jute.AppendPacket(nil, &jute.ReplyHeader{Xid: h.Xid, Err: schema.CodeAuthFailed}, &jute.SASLResponse{}))
				return
			}
			c.Write(jute.AppendPacket(nil, &jute.ReplyHeader{Xid: h.Xid}, &jute.SASLResponse{Token: out}))
			if done {
				s.mu.Lock()
				s.ids = append(s.ids, srv.AuthorizationID())
				s.mu.Unlock()
			}
		}
	}()
}

func digestConfigs(t *testing.T, password string) (*sasl.ServerConfig, *sasl.ClientConfig) {
	t.Helper()
	j, err := sasl.ParseJAAS(`Server { org.apache.zookeeper.server.auth.DigestLoginModule required user_bob="bobsecret"; };
Client { org.apache.zookeeper.server.auth.DigestLoginModule required username="bob" password="` + password + `"; };`)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := sasl.NewServerConfig(j, "Server", sasl.ServerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cc, err := sasl.NewClientConfig(j, "Client", sasl.ClientOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return sc, cc
}

// TestDial_SASL: with Options.SASL the session is authenticated before
// Dial returns, the sasl requests (xids 1 and 2) being the first sent on
// the connection; a wrong password ends Dial at once, after one
// connection, in one line naming the address and AuthFailed, without the
// password; a server without SASL is named as such.
func TestDial_SASL(t *testing.T) {
	t.Parallel()
	sc, cc := digestConfigs(t, "bobsecret")
	s := &saslServer{cfg: sc}
	addr := listen(t, s.serve)
	conn, err := Dial(context.Background(), []string{addr}, Options{SessionTimeout: 10 * time.Second, DialTimeout: 5 * time.Second, SASL: cc})
	if err != nil {
		t.Fatal(err)
	}
	conn.Close()
	s.mu.Lock()
	seen, ids := s.seen, s.ids
	s.mu.Unlock()
	if len(seen) < 2 || seen[0] != "sasl xid 1" || seen[1] != "sasl xid 2" || len(ids) != 1 || ids[0] != "bob" {
		t.Fatalf("requests %q, identities %q", seen, ids)
	}

	sc, wrong := digestConfigs(t, "not bobs password")
	s = &saslServer{cfg: sc}
	addr = listen(t, s.serve)
	_, err = Dial(context.Background(), []string{addr}, Options{SessionTimeout: 10 * time.Second, DialTimeout: 5 * time.Second, SASL: wrong})
	want := addr + ": SASL DIGEST-MD5 authentication as bob failed: the server answered AuthFailed (a wrong password, or a user it does not know)"
	if err == nil || err.Error() != want || strings.Contains(err.Error(), "password\"") {
		t.Fatalf("wrong password: %v, want %q", err, want)
	}
	if n := s.conns.Load(); n != 1 {
		t.Fatalf("%d connections after a refusal, want 1", n)
	}

	// A server without SASL answers OK and no token.
	s = &saslServer{cfg: sc, none: true}
	addr = listen(t, s.serve)
	_, err = Dial(context.Background(), []string{addr}, Options{SessionTimeout: 10 * time.Second, DialTimeout: 5 * time.Second, SASL: cc})
	want = addr + ": SASL DIGEST-MD5 authentication as bob failed: the server does not do SASL (it answered the first sasl request with no token: is its SASL provider configured?)"
	if err == nil || err.Error() != want {
		t.Fatalf("a server without SASL: %v, want %q", err, want)
	}
}

// TestHostNames: an address go-zookeeper dials, resolved from a name, is
// mapped back to that name for the service principal; an IP address
// given as such is not mapped (SASLHost looks it up).
func TestHostNames(t *testing.T) {
	t.Parallel()
	names := hostNames(context.Background(), []string{"localhost:2181", "127.0.0.2:2182"})
	if names["127.0.0.1:2181"] != "localhost" {
		t.Fatalf("localhost:2181 resolved: %v", names)
	}
	for a := range names {
		if strings.HasSuffix(a, ":2182") {
			t.Fatalf("an IP address mapped: %v", names)
		}
	}
	if h := SASLHost("zk1.example.com:2181"); h != "zk1.example.com" {
		t.Fatalf("SASLHost of a name: %q", h)
	}
}
