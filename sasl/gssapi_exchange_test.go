package sasl_test

import (
	"encoding/binary"
	"errors"
	"testing"
	"time"

	"github.com/jcmturner/gofork/encoding/asn1"
	"github.com/jcmturner/gokrb5/v8/asn1tools"
	"github.com/jcmturner/gokrb5/v8/crypto"
	"github.com/jcmturner/gokrb5/v8/gssapi"
	"github.com/jcmturner/gokrb5/v8/iana/etypeID"
	"github.com/jcmturner/gokrb5/v8/iana/keyusage"
	"github.com/jcmturner/gokrb5/v8/iana/nametype"
	"github.com/jcmturner/gokrb5/v8/keytab"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/types"

	"github.com/zkgate/zkgate/sasl"
)

// initiator is a Kerberos GSSAPI client without a KDC: it forges the
// service ticket with the service's key, as only the KDC could, so that
// the server's side of the exchange can be driven from a test.
type initiator struct {
	t          *testing.T
	sessionKey types.EncryptionKey
	key        types.EncryptionKey // the key wrap tokens use (the subkey)
	seq        int64
	token      []byte // the initial context token
}

// forgeTicket is a service ticket for zookeeper/localhost given to
// client, sealed with password's key, made without a KDC as only the
// KDC could, and its session key.
func forgeTicket(t testing.TB, client, password string) (messages.Ticket, types.EncryptionKey, types.PrincipalName) {
	t.Helper()
	kt := keytab.New()
	if err := kt.AddEntry("zookeeper/localhost", "ZKGATE.TEST", password, time.Now(), 1, etypeID.AES256_CTS_HMAC_SHA1_96); err != nil {
		t.Fatal(err)
	}
	cname := types.NewPrincipalName(nametype.KRB_NT_PRINCIPAL, client)
	sname := types.NewPrincipalName(nametype.KRB_NT_SRV_INST, "zookeeper/localhost")
	now := time.Now().UTC()
	tkt, key, err := messages.NewTicket(cname, "ZKGATE.TEST", sname, "ZKGATE.TEST", types.NewKrbFlags(), kt,
		etypeID.AES256_CTS_HMAC_SHA1_96, 1, now, now, now.Add(time.Hour), now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return tkt, key, cname
}

func newInitiator(t *testing.T, client string, mutual bool, password string) *initiator {
	t.Helper()
	tkt, sessionKey, cname := forgeTicket(t, client, password)
	auth, err := types.NewAuthenticator("ZKGATE.TEST", cname)
	if err != nil {
		t.Fatal(err)
	}
	if err := auth.GenerateSeqNumberAndSubKey(etypeID.AES256_CTS_HMAC_SHA1_96, 32); err != nil {
		t.Fatal(err)
	}
	flags := uint32(gssapi.ContextFlagInteg | gssapi.ContextFlagConf)
	if mutual {
		flags |= gssapi.ContextFlagMutual
	}
	ck := make([]byte, 24)
	binary.LittleEndian.PutUint32(ck[:4], 16)
	binary.LittleEndian.PutUint32(ck[20:], flags)
	auth.Cksum = types.Checksum{CksumType: 0x8003, Checksum: ck}
	apReq, err := messages.NewAPReq(tkt, sessionKey, auth)
	if err != nil {
		t.Fatal(err)
	}
	if mutual {
		types.SetFlag(&apReq.APOptions, 2) // mutual-required
	}
	rb, err := apReq.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	ob, _ := asn1.Marshal(gssapi.OIDKRB5.OID())
	tok := asn1tools.AddASNAppTag(append(append(ob, 1, 0), rb...), 0)
	return &initiator{t: t, sessionKey: sessionKey, key: auth.SubKey, seq: auth.SeqNumber, token: tok}
}

// readWrap checks an acceptor's wrap token and returns its message and
// sequence number.
func (in *initiator) readWrap(b []byte) ([]byte, uint64) {
	in.t.Helper()
	var wt gssapi.WrapToken
	if err := wt.Unmarshal(b, true); err != nil {
		in.t.Fatal(err)
	}
	if ok, err := wt.Verify(in.key, keyusage.GSSAPI_ACCEPTOR_SEAL); !ok {
		in.t.Fatalf("acceptor wrap token: %v", err)
	}
	return wt.Payload, wt.SndSeqNum
}

// wrap makes the initiator's wrap token of msg, rotated by rrc bytes.
func (in *initiator) wrap(msg []byte, rrc int) []byte {
	in.t.Helper()
	wt, err := gssapi.NewInitiatorWrapToken(msg, in.key)
	if err != nil {
		in.t.Fatal(err)
	}
	wt.SndSeqNum = uint64(uint32(in.seq))
	wt.CheckSum = nil
	if err := wt.SetCheckSum(in.key, keyusage.GSSAPI_INITIATOR_SEAL); err != nil {
		in.t.Fatal(err)
	}
	b, err := wt.Marshal()
	if err != nil {
		in.t.Fatal(err)
	}
	if rrc > 0 {
		data := b[gssapi.HdrLen:]
		n := len(data)
		rot := append(append([]byte(nil), data[n-rrc:]...), data[:n-rrc]...)
		b = append(b[:gssapi.HdrLen:gssapi.HdrLen], rot...)
		binary.BigEndian.PutUint16(b[6:8], uint16(rrc))
	}
	return b
}

// TestGSSAPIServer_Exchange runs RFC 4752's exchange against the server:
// the AP-REP of mutual authentication decrypts with the session key and
// carries the authenticator's sequence number, which also numbers the
// server's wrap token (as Java's acceptor numbers it); the offer is no
// security layer with a 65536-byte buffer; the client's choice, rotated
// or not, completes the exchange as client@ZKGATE.TEST.
func TestGSSAPIServer_Exchange(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutual bool
		rrc    int
	}{{"mutual", true, 0}, {"no mutual", false, 0}, {"rotated", true, 5}} {
		t.Run(tc.name, func(t *testing.T) {
			c := kerberosConfig(t, sasl.ServerOptions{})
			in := newInitiator(t, "client", tc.mutual, "service password")
			s := c.NewServer()
			rep, done, err := s.Step(in.token)
			if err != nil || done {
				t.Fatalf("AP-REQ: done %v err %v", done, err)
			}
			if tc.mutual {
				var oid asn1.ObjectIdentifier
				rest, err := asn1.UnmarshalWithParams(rep, &oid, "application,explicit,tag:0")
				if err != nil || len(rest) < 2 || rest[0] != 2 || rest[1] != 0 {
					t.Fatalf("AP-REP token %x: %v", rep, err)
				}
				var ap messages.APRep
				if err := ap.Unmarshal(rest[2:]); err != nil {
					t.Fatal(err)
				}
				plain, err := crypto.DecryptEncPart(ap.EncPart, in.sessionKey, keyusage.AP_REP_ENCPART)
				if err != nil {
					t.Fatalf("AP-REP does not decrypt with the session key: %v", err)
				}
				var part messages.EncAPRepPart
				if err := part.Unmarshal(plain); err != nil {
					t.Fatal(err)
				}
				if part.SequenceNumber != int64(uint32(in.seq)) {
					t.Fatalf("AP-REP sequence number %d, want the authenticator's %d", part.SequenceNumber, uint32(in.seq))
				}
			} else if len(rep) != 0 {
				t.Fatalf("token %x without mutual authentication", rep)
			}
			offer, done, err := s.Step([]byte{})
			if err != nil || done {
				t.Fatalf("offer: done %v err %v", done, err)
			}
			msg, seq := in.readWrap(offer)
			if string(msg) != "\x01\x01\x00\x00" || seq != uint64(uint32(in.seq)) {
				t.Fatalf("offer %x seq %d, want 01010000 seq %d", msg, seq, uint32(in.seq))
			}
			out, done, err := s.Step(in.wrap(append([]byte{1, 0, 0, 0}, "client@ZKGATE.TEST"...), tc.rrc))
			if err != nil || !done || out != nil {
				t.Fatalf("choice: out %x done %v err %v", out, done, err)
			}
			if id := s.AuthorizationID(); id != "client@ZKGATE.TEST" {
				t.Fatalf("identity %q", id)
			}
		})
	}
}

// TestGSSAPIServer_Refused: a ticket sealed with another key, a layer
// that was not offered, a bad checksum and a non-empty second token end
// the exchange with an error.
func TestGSSAPIServer_Refused(t *testing.T) {
	c := kerberosConfig(t, sasl.ServerOptions{})
	if _, _, err := c.NewServer().Step(newInitiator(t, "client", true, "another key").token); !errors.Is(err, sasl.ErrBadCredentials) {
		t.Errorf("ticket for another key: %v", err)
	}
	start := func() (*initiator, sasl.Server) {
		in := newInitiator(t, "client", true, "service password")
		s := c.NewServer()
		if _, _, err := s.Step(in.token); err != nil {
			t.Fatal(err)
		}
		return in, s
	}
	_, s := start()
	if _, _, err := s.Step([]byte("x")); !errors.Is(err, sasl.ErrMalformed) {
		t.Errorf("non-empty second token: %v", err)
	}
	in, s := start()
	if _, _, err := s.Step([]byte{}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Step(in.wrap([]byte{4, 0, 0, 0}, 0)); !errors.Is(err, sasl.ErrMalformed) {
		t.Errorf("layer 4 chosen: %v", err)
	}
	in, s = start()
	if _, _, err := s.Step([]byte{}); err != nil {
		t.Fatal(err)
	}
	w := in.wrap([]byte{1, 0, 0, 0}, 0)
	w[len(w)-1] ^= 1
	if _, _, err := s.Step(w); !errors.Is(err, sasl.ErrBadCredentials) {
		t.Errorf("bad checksum: %v", err)
	}
}
