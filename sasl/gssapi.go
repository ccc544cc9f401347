package sasl

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"github.com/jcmturner/gofork/encoding/asn1"
	"github.com/jcmturner/gokrb5/v8/asn1tools"
	"github.com/jcmturner/gokrb5/v8/crypto"
	"github.com/jcmturner/gokrb5/v8/gssapi"
	"github.com/jcmturner/gokrb5/v8/iana/keyusage"
	"github.com/jcmturner/gokrb5/v8/iana/msgtype"
	"github.com/jcmturner/gokrb5/v8/keytab"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/service"
	"github.com/jcmturner/gokrb5/v8/types"
)

// krbServer is what a Krb5LoginModule section gives: the service's keys
// and its principal.
type krbServer struct {
	keytab    *keytab.Keytab
	principal string // "zookeeper/localhost@EXAMPLE.COM"
	realm     string
}

// gssapiServer is the server side of one GSSAPI exchange (RFC 4752 over
// Kerberos V5, RFC 4121), as ZooKeeper's server runs Java's:
//
//  1. the client's initial context token carries an AP-REQ for the
//     service principal; the server checks it with its keytab and, when
//     the client asks for mutual authentication, answers an AP-REP (else
//     an empty token);
//  2. the client sends an empty token; the server sends a wrap token
//     (integrity only) of 4 bytes: security layers offered (1: none, the
//     only one ZooKeeper uses) and its maximum buffer size;
//  3. the client's wrap token chooses layer 1 and may name an
//     authorization id; the server checks it and is done (no token).
//
// Only the RFC 4121 token formats are handled (the AES and newer
// encryption types MIT and Java use by default); DES and RC4 tickets are
// refused.
type gssapiServer struct {
	srv   *krbServer
	canon func(string) (string, error)
	step  int
	key   types.EncryptionKey // the key wrap tokens use
	seq   uint64              // the acceptor's sequence number
	peer  string              // the client principal, "client@REALM"
	id    string
}

func (s *gssapiServer) Mechanism() string { return "GSSAPI" }

func (s *gssapiServer) AuthorizationID() string { return s.id }

// gssMutualFlag is GSS_C_MUTUAL_FLAG in the authenticator checksum.
const gssMutualFlag = 2

// gssChecksumType is the authenticator checksum type of GSS-API (RFC
// 4121 4.1.1).
const gssChecksumType = 0x8003

// maxGSSBuffer is the largest wrapped message the server says it takes
// (Java's default).
const maxGSSBuffer = 65536

func gssErr(format string, args ...any) error {
	return fmt.Errorf("GSSAPI: %s: %w", fmt.Sprintf(format, args...), ErrMalformed)
}

func (s *gssapiServer) Step(token []byte) ([]byte, bool, error) {
	out, done, err := s.next(token)
	if err != nil {
		s.step = gssOver // a failed exchange is over
	}
	return out, done, err
}

// gssOver is the step of an exchange that ended.
const gssOver = 3

func (s *gssapiServer) next(token []byte) ([]byte, bool, error) {
	switch s.step {
	case 0:
		s.step = 1
		return s.accept(token)
	case 1:
		s.step = 2
		if len(token) != 0 {
			return nil, false, gssErr("expected an empty token after the context was established")
		}
		offer := binary.BigEndian.AppendUint32(nil, maxGSSBuffer)
		offer[0] = 1 // layers offered: none
		out, err := s.wrap(offer)
		return out, false, err
	case 2:
		s.step = gssOver
		msg, err := s.unwrap(token)
		if err != nil {
			return nil, false, err
		}
		if len(msg) < 4 {
			return nil, false, gssErr("security layer message of %d bytes", len(msg))
		}
		if msg[0] != 1 {
			return nil, false, gssErr("security layer %d chosen, only 1 (none) was offered", msg[0])
		}
		// The authorization id, if any, is not what ZooKeeper records: its
		// callback handler names the session after the authenticated
		// principal.
		id, err := s.canon(s.peer)
		if err != nil {
			return nil, false, err
		}
		s.id = id
		return nil, true, nil
	}
	return nil, false, fmt.Errorf("GSSAPI: %w", ErrExchangeOver)
}

// accept checks the initial context token.
func (s *gssapiServer) accept(token []byte) ([]byte, bool, error) {
	var apReq messages.APReq
	if err := parseInitialToken(token, &apReq); err != nil {
		return nil, false, err
	}
	settings := service.NewSettings(s.srv.keytab, service.KeytabPrincipal(s.srv.principal), service.DecodePAC(false))
	ok, creds, err := service.VerifyAPREQ(&apReq, settings)
	if err != nil || !ok {
		return nil, false, fmt.Errorf("GSSAPI: the AP-REQ does not verify (%v): %w", krbReason(err), ErrBadCredentials)
	}
	if apReq.Ticket.DecryptedEncPart.Key.KeyType < 17 {
		return nil, false, gssErr("encryption type %d has no RFC 4121 tokens", apReq.Ticket.DecryptedEncPart.Key.KeyType)
	}
	s.peer = creds.UserName() + "@" + creds.Domain()
	auth := apReq.Authenticator
	if auth.Cksum.CksumType != gssChecksumType || len(auth.Cksum.Checksum) < 24 {
		return nil, false, gssErr("authenticator without the GSS-API checksum")
	}
	flags := binary.LittleEndian.Uint32(auth.Cksum.Checksum[20:24])
	// RFC 4121 2: no acceptor subkey is sent, so wrap tokens use the
	// initiator's subkey if it sent one, else the ticket's session key.
	s.key = apReq.Ticket.DecryptedEncPart.Key
	if auth.SubKey.KeyType != 0 {
		s.key = auth.SubKey
	}
	// The acceptor numbers its tokens from the initiator's sequence
	// number, as Java's acceptor does (measured: ZooKeeper's AP-REP and
	// first wrap token carry the number of the client's authenticator,
	// and Java's initiator counts a token numbered otherwise as a gap).
	s.seq = uint64(uint32(auth.SeqNumber))
	if flags&gssMutualFlag == 0 {
		return []byte{}, false, nil
	}
	rep, err := s.apRep(auth, apReq.Ticket.DecryptedEncPart.Key)
	if err != nil {
		return nil, false, err
	}
	return rep, false, nil
}

// krbReason is a Kerberos error's text for a log: gokrb5's errors name
// principals and codes, never keys.
func krbReason(err error) string {
	if err == nil {
		return "not valid"
	}
	s := err.Error()
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}

// parseInitialToken reads RFC 2743's InitialContextToken framing around
// a Kerberos AP-REQ (RFC 4121 4.1).
func parseInitialToken(b []byte, apReq *messages.APReq) error {
	var oid asn1.ObjectIdentifier
	rest, err := asn1.UnmarshalWithParams(b, &oid, "application,explicit,tag:0")
	if err != nil {
		return gssErr("not an initial context token")
	}
	if !oid.Equal(gssapi.OIDKRB5.OID()) {
		return gssErr("mechanism %s is not Kerberos V5", oid)
	}
	if len(rest) < 2 || rest[0] != 1 || rest[1] != 0 {
		return gssErr("not an AP-REQ token")
	}
	if err := apReq.Unmarshal(rest[2:]); err != nil {
		return gssErr("the AP-REQ does not parse")
	}
	return nil
}

// apRep makes the AP-REP token of mutual authentication: ctime and cusec
// of the client's authenticator and the acceptor's sequence number,
// encrypted in the ticket's session key.
func (s *gssapiServer) apRep(auth types.Authenticator, sessionKey types.EncryptionKey) ([]byte, error) {
	part := messages.EncAPRepPart{CTime: auth.CTime, Cusec: auth.Cusec, SequenceNumber: int64(s.seq)}
	pb, err := asn1.Marshal(part)
	if err != nil {
		return nil, fmt.Errorf("GSSAPI: encoding the AP-REP: %w", err)
	}
	pb = asn1tools.AddASNAppTag(pb, 27) // EncAPRepPart
	enc, err := crypto.GetEncryptedData(pb, sessionKey, keyusage.AP_REP_ENCPART, 0)
	if err != nil {
		return nil, fmt.Errorf("GSSAPI: encrypting the AP-REP: %w", err)
	}
	rb, err := asn1.Marshal(messages.APRep{PVNO: 5, MsgType: msgtype.KRB_AP_REP, EncPart: enc})
	if err != nil {
		return nil, fmt.Errorf("GSSAPI: encoding the AP-REP: %w", err)
	}
	rb = asn1tools.AddASNAppTag(rb, 15) // AP-REP
	ob, _ := asn1.Marshal(gssapi.OIDKRB5.OID())
	tok := append(append(ob, 2, 0), rb...)
	return asn1tools.AddASNAppTag(tok, 0), nil
}

// Wrap token flags (RFC 4121 4.2.2).
const (
	wrapSentByAcceptor = 1
	wrapSealed         = 2
	wrapAcceptorSubkey = 4
)

// wrap makes an integrity-only wrap token of msg from the acceptor.
func (s *gssapiServer) wrap(msg []byte) ([]byte, error) {
	et, err := crypto.GetEtype(s.key.KeyType)
	if err != nil {
		return nil, fmt.Errorf("GSSAPI: %w", err)
	}
	wt := gssapi.WrapToken{Flags: wrapSentByAcceptor, EC: uint16(et.GetHMACBitLength() / 8), SndSeqNum: s.seq, Payload: msg}
	if err := wt.SetCheckSum(s.key, keyusage.GSSAPI_ACCEPTOR_SEAL); err != nil {
		return nil, fmt.Errorf("GSSAPI: %w", err)
	}
	s.seq++
	return wt.Marshal()
}

// unwrap checks an integrity-only wrap token from the initiator and
// returns its message. A token whose data was rotated (RRC) is turned
// back first; a sealed (encrypted) token is refused, as no security
// layer is negotiated.
func (s *gssapiServer) unwrap(b []byte) ([]byte, error) {
	if len(b) < gssapi.HdrLen || b[0] != 5 || b[1] != 4 {
		return nil, gssErr("not a wrap token")
	}
	if b[2]&wrapSentByAcceptor != 0 {
		return nil, gssErr("wrap token sent by an acceptor")
	}
	if b[2]&wrapSealed != 0 {
		return nil, gssErr("sealed wrap token where no security layer was negotiated")
	}
	if b[2]&wrapAcceptorSubkey != 0 {
		return nil, gssErr("wrap token names an acceptor subkey none was sent")
	}
	tok := unrotate(b)
	var wt gssapi.WrapToken
	if err := wt.Unmarshal(tok, false); err != nil {
		return nil, gssErr("wrap token: %v", err)
	}
	et, err := crypto.GetEtype(s.key.KeyType)
	if err != nil {
		return nil, fmt.Errorf("GSSAPI: %w", err)
	}
	if int(wt.EC) != et.GetHMACBitLength()/8 {
		return nil, gssErr("wrap token checksum of %d bytes", wt.EC)
	}
	if ok, err := wt.Verify(s.key, keyusage.GSSAPI_INITIATOR_SEAL); !ok || err != nil {
		return nil, fmt.Errorf("GSSAPI: wrap token checksum does not verify: %w", ErrBadCredentials)
	}
	return wt.Payload, nil
}

// newKrbServer reads a Krb5LoginModule's options as ZooKeeper's server
// logs in with them: useKeyTab=true, keyTab=FILE, principal=NAME (with
// its realm). Options that only matter to Java's login (storeKey,
// useTicketCache, debug, doNotPrompt, isInitiator) are accepted.
func newKrbServer(m LoginModule) (*krbServer, error) {
	o := func(k string) string { return m.Options[k] }
	if !strings.EqualFold(o("useKeyTab"), "true") {
		return nil, errors.New("Krb5LoginModule: useKeyTab=true is needed (a server logs in with its keytab)")
	}
	path, principal := o("keyTab"), o("principal")
	if path == "" || principal == "" {
		return nil, errors.New("Krb5LoginModule: keyTab and principal are needed")
	}
	at := strings.LastIndexByte(principal, '@')
	if at < 0 || at == len(principal)-1 {
		return nil, fmt.Errorf("Krb5LoginModule: principal %q has no realm", principal)
	}
	kt, err := keytab.Load(path)
	if err != nil {
		return nil, fmt.Errorf("Krb5LoginModule: reading keyTab %s: %w", path, err)
	}
	return &krbServer{keytab: kt, principal: principal, realm: principal[at+1:]}, nil
}

// unrotate is a copy of the wrap token b (RFC 4121 4.2.5; at least its
// header) with its data rotated back by its RRC and the RRC zeroed, as
// gokrb5 reads a wrap token.
func unrotate(b []byte) []byte {
	data := append([]byte(nil), b[gssapi.HdrLen:]...)
	if rrc := int(binary.BigEndian.Uint16(b[6:8])); rrc != 0 && len(data) > 0 {
		rrc %= len(data)
		data = append(data[rrc:], data[:rrc]...)
	}
	tok := append(append([]byte(nil), b[:gssapi.HdrLen]...), data...)
	binary.BigEndian.PutUint16(tok[6:8], 0)
	return tok
}
