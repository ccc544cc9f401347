package sasl_test

import (
	"errors"
	"testing"

	"github.com/zkgate/zkgate/sasl"
)

// forgedClient is a GSSAPI client holding a service ticket for
// zookeeper/localhost sealed with password's key, made without a KDC
// as only the KDC could.
func forgedClient(t testing.TB, client, password string) sasl.Client {
	t.Helper()
	tkt, key, cname := forgeTicket(t, client, password)
	return sasl.NewGSSAPIClient(tkt, key, cname, "ZKGATE.TEST")
}

// TestGSSAPIClient_AgainstServer: the client's exchange with the server
// side completes in three round trips, mutual authentication checked,
// and the session gets the client's principal.
func TestGSSAPIClient_AgainstServer(t *testing.T) {
	s := kerberosConfig(t, sasl.ServerOptions{}).NewServer()
	c := forgedClient(t, "client", "service password")
	tok, err := c.Start()
	if err != nil {
		t.Fatal(err)
	}
	for round := 1; ; round++ {
		out, sdone, err := s.Step(tok)
		if err != nil {
			t.Fatalf("round %d, server: %v", round, err)
		}
		if sdone {
			if round != 3 || out != nil {
				t.Fatalf("server done in round %d with %x", round, out)
			}
			break
		}
		next, cdone, err := c.Step(out)
		if err != nil {
			t.Fatalf("round %d, client: %v", round, err)
		}
		if cdone != (round == 2) {
			t.Fatalf("client done %v in round %d", cdone, round)
		}
		tok = next
	}
	if id := s.AuthorizationID(); id != "client@ZKGATE.TEST" {
		t.Fatalf("identity %q", id)
	}
}

// TestGSSAPIClient_RefusesAForgedServer: an AP-REP that does not decrypt
// with the client's session key (another exchange's), no AP-REP at all,
// and a wrap token whose checksum was changed end the exchange with
// ErrBadCredentials; a wrap token from another exchange does not verify.
func TestGSSAPIClient_RefusesAForgedServer(t *testing.T) {
	cfg := kerberosConfig(t, sasl.ServerOptions{})
	// The server's answers to another client's exchange.
	other := forgedClient(t, "client", "service password")
	otherTok, _ := other.Start()
	s := cfg.NewServer()
	otherRep, _, err := s.Step(otherTok)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := other.Step(otherRep); err != nil {
		t.Fatal(err)
	}
	otherOffer, _, err := s.Step([]byte{})
	if err != nil {
		t.Fatal(err)
	}

	c := forgedClient(t, "client", "service password")
	c.Start()
	if _, _, err := c.Step(otherRep); !errors.Is(err, sasl.ErrBadCredentials) {
		t.Errorf("another exchange's AP-REP: %v", err)
	}
	c = forgedClient(t, "client", "service password")
	c.Start()
	if _, _, err := c.Step([]byte{}); !errors.Is(err, sasl.ErrBadCredentials) {
		t.Errorf("no AP-REP: %v", err)
	}

	c = forgedClient(t, "client", "service password")
	tok, _ := c.Start()
	s = cfg.NewServer()
	rep, _, err := s.Step(tok)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Step(rep); err != nil {
		t.Fatal(err)
	}
	offer, _, err := s.Step([]byte{})
	if err != nil {
		t.Fatal(err)
	}
	bad := append([]byte(nil), offer...)
	bad[len(bad)-1] ^= 1
	if _, _, err := c.Step(bad); !errors.Is(err, sasl.ErrBadCredentials) {
		t.Errorf("a changed checksum: %v", err)
	}

	c = forgedClient(t, "client", "service password")
	tok, _ = c.Start()
	rep, _, _ = cfg.NewServer().Step(tok)
	if _, _, err := c.Step(rep); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Step(otherOffer); !errors.Is(err, sasl.ErrBadCredentials) {
		t.Errorf("another exchange's wrap token: %v", err)
	}
}

// FuzzGSSAPIClient: whatever the server sends, the client's Step returns
// (an error wrapping the package's sentinels, or a token), never panics.
func FuzzGSSAPIClient(f *testing.F) {
	cfg := kerberosConfig(f, sasl.ServerOptions{})
	c := forgedClient(f, "client", "service password")
	tok, _ := c.Start()
	s := cfg.NewServer()
	rep, _, _ := s.Step(tok)
	c.Step(rep)
	offer, _, _ := s.Step([]byte{})
	f.Add(rep, offer)
	f.Add([]byte{}, []byte{5, 4, 1, 0xff, 0, 12, 0, 0})
	f.Add([]byte{0x60, 0x03, 0x06, 0x01, 0x00}, []byte{5, 4, 5, 0xff, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, first, second []byte) {
		c := forgedClient(t, "client", "service password")
		if _, err := c.Start(); err != nil {
			t.Fatal(err)
		}
		if _, _, err := c.Step(first); err != nil {
			if !errors.Is(err, sasl.ErrMalformed) && !errors.Is(err, sasl.ErrBadCredentials) {
				t.Fatalf("AP-REP error outside the sentinels: %v", err)
			}
			return
		}
		if _, _, err := c.Step(second); err != nil && !errors.Is(err, sasl.ErrMalformed) && !errors.Is(err, sasl.ErrBadCredentials) {
			t.Fatalf("wrap token error outside the sentinels: %v", err)
		}
	})
}

// FuzzDigestClient: whatever challenge and rspauth the server sends, the
// DIGEST-MD5 client answers or fails, never panics, and never accepts an
// rspauth it did not compute.
func FuzzDigestClient(f *testing.F) {
	f.Add([]byte(`realm="zk-sasl-md5",nonce="abc",charset=utf-8,algorithm=md5-sess`), []byte("rspauth=0123"))
	f.Add([]byte(`nonce="x",qop="auth-int"`), []byte{})
	f.Add([]byte(`realm="a\`), []byte("rspauth="))
	f.Fuzz(func(t *testing.T, challenge, rspauth []byte) {
		c := sasl.NewDigestClient("bob", "bobsecret")
		if _, err := c.Start(); err != nil {
			t.Fatal(err)
		}
		if _, _, err := c.Step(challenge); err != nil {
			return
		}
		if _, done, err := c.Step(rspauth); done || !errors.Is(err, sasl.ErrBadCredentials) {
			t.Fatalf("rspauth %q: done %v, err %v", rspauth, done, err)
		}
	})
}
