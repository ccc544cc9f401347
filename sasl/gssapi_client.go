package sasl

import (
	"encoding/binary"
	"fmt"

	"github.com/jcmturner/gofork/encoding/asn1"
	"github.com/jcmturner/gokrb5/v8/asn1tools"
	"github.com/jcmturner/gokrb5/v8/crypto"
	"github.com/jcmturner/gokrb5/v8/gssapi"
	"github.com/jcmturner/gokrb5/v8/iana/flags"
	"github.com/jcmturner/gokrb5/v8/iana/keyusage"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/types"
)

// gssapiClient is the initiator's side of one GSSAPI exchange (RFC 4752
// over Kerberos V5, RFC 4121), as ZooKeeper's Java client runs it:
//
//  1. Start: the initial context token, an AP-REQ for the service
//     ticket with mutual authentication asked for, an initiator subkey
//     and a sequence number;
//  2. the server's AP-REP must decrypt with the session key and echo the
//     authenticator's time: the server proved itself; an empty token
//     goes back;
//  3. the server's wrap token (integrity only, checked with the subkey,
//     or the acceptor's if its AP-REP names one) offers security layers
//     and a buffer size; the answer, wrapped, chooses layer 1 (none) and
//     names the client principal as the authorization id. Done.
type gssapiClient struct {
	ticket     messages.Ticket
	sessionKey types.EncryptionKey
	cname      types.PrincipalName
	crealm     string
	step       int
	auth       types.Authenticator
	key        types.EncryptionKey // the key of wrap tokens
	acceptor   types.EncryptionKey // the AP-REP's subkey, if it sent one
}

// newGSSAPIClient starts an exchange with a service ticket and its
// session key.
func newGSSAPIClient(tkt messages.Ticket, sessionKey types.EncryptionKey, cname types.PrincipalName, crealm string) *gssapiClient {
	return &gssapiClient{ticket: tkt, sessionKey: sessionKey, cname: cname, crealm: crealm}
}

func (c *gssapiClient) Mechanism() string { return "GSSAPI" }

func (c *gssapiClient) Start() ([]byte, error) {
	if c.sessionKey.KeyType < 17 {
		return nil, gssErr("the service ticket's encryption type %d has no RFC 4121 tokens", c.sessionKey.KeyType)
	}
	et, err := crypto.GetEtype(c.sessionKey.KeyType)
	if err != nil {
		return nil, fmt.Errorf("GSSAPI: %w", err)
	}
	auth, err := types.NewAuthenticator(c.crealm, c.cname)
	if err != nil {
		return nil, fmt.Errorf("GSSAPI: %w", err)
	}
	if err := auth.GenerateSeqNumberAndSubKey(c.sessionKey.KeyType, et.GetKeyByteSize()); err != nil {
		return nil, fmt.Errorf("GSSAPI: %w", err)
	}
	// RFC 4121 4.1.1: the checksum of a GSS-API authenticator, without
	// channel bindings, with the context flags asked for.
	ck := make([]byte, 24)
	binary.LittleEndian.PutUint32(ck[:4], 16)
	binary.LittleEndian.PutUint32(ck[20:], uint32(gssapi.ContextFlagMutual|gssapi.ContextFlagInteg))
	auth.Cksum = types.Checksum{CksumType: gssChecksumType, Checksum: ck}
	apReq, err := messages.NewAPReq(c.ticket, c.sessionKey, auth)
	if err != nil {
		return nil, fmt.Errorf("GSSAPI: making the AP-REQ: %w", err)
	}
	types.SetFlag(&apReq.APOptions, flags.APOptionMutualRequired)
	rb, err := apReq.Marshal()
	if err != nil {
		return nil, fmt.Errorf("GSSAPI: encoding the AP-REQ: %w", err)
	}
	c.auth, c.key = auth, auth.SubKey
	ob, _ := asn1.Marshal(gssapi.OIDKRB5.OID())
	return asn1tools.AddASNAppTag(append(append(ob, 1, 0), rb...), 0), nil
}

func (c *gssapiClient) Step(token []byte) ([]byte, bool, error) {
	switch c.step {
	case 0:
		c.step = 1
		if err := c.checkAPRep(token); err != nil {
			c.step = gssOver
			return nil, false, err
		}
		return []byte{}, false, nil
	case 1:
		c.step = gssOver
		msg, err := c.unwrap(token)
		if err != nil {
			return nil, false, err
		}
		if len(msg) != 4 {
			return nil, false, gssErr("security layer offer of %d bytes", len(msg))
		}
		if msg[0]&1 == 0 {
			return nil, false, gssErr("the server does not offer security layer 1 (none)")
		}
		choice := append([]byte{1, 0, 0, 0}, c.principal()...)
		out, err := c.wrap(choice)
		return out, true, err
	}
	return nil, false, fmt.Errorf("GSSAPI: %w", ErrExchangeOver)
}

// principal is the client's name with its realm.
func (c *gssapiClient) principal() string {
	return c.cname.PrincipalNameString() + "@" + c.crealm
}

// checkAPRep checks the acceptor's reply to the AP-REQ (RFC 4121 4.1):
// an AP-REP that decrypts with the session key and gives back the
// authenticator's time.
func (c *gssapiClient) checkAPRep(token []byte) error {
	if len(token) == 0 {
		return fmt.Errorf("GSSAPI: the server did not answer the mutual authentication asked for: %w", ErrBadCredentials)
	}
	var oid asn1.ObjectIdentifier
	rest, err := asn1.UnmarshalWithParams(token, &oid, "application,explicit,tag:0")
	if err != nil {
		return gssErr("the server's token is not a context token")
	}
	if !oid.Equal(gssapi.OIDKRB5.OID()) {
		return gssErr("mechanism %s is not Kerberos V5", oid)
	}
	if len(rest) >= 2 && rest[0] == 3 && rest[1] == 0 {
		var ke messages.KRBError
		if ke.Unmarshal(rest[2:]) == nil {
			return fmt.Errorf("GSSAPI: the server refused the AP-REQ: %s: %w", krbReason(ke), ErrBadCredentials)
		}
		return gssErr("the server's error token does not parse")
	}
	if len(rest) < 2 || rest[0] != 2 || rest[1] != 0 {
		return gssErr("not an AP-REP token")
	}
	var rep messages.APRep
	if err := rep.Unmarshal(rest[2:]); err != nil {
		return gssErr("the AP-REP does not parse")
	}
	plain, err := crypto.DecryptEncPart(rep.EncPart, c.sessionKey, keyusage.AP_REP_ENCPART)
	if err != nil {
		return fmt.Errorf("GSSAPI: the AP-REP does not decrypt with the session key: %w", ErrBadCredentials)
	}
	var part messages.EncAPRepPart
	if err := part.Unmarshal(plain); err != nil {
		return gssErr("the AP-REP's encrypted part does not parse")
	}
	if part.CTime.Unix() != c.auth.CTime.Unix() || part.Cusec != c.auth.Cusec { // KerberosTime is whole seconds
		return fmt.Errorf("GSSAPI: the AP-REP does not give back the authenticator's time: %w", ErrBadCredentials)
	}
	c.acceptor = part.Subkey
	return nil
}

// unwrap checks the acceptor's integrity-only wrap token and returns its
// message: a token whose data was rotated (RRC) is turned back first.
func (c *gssapiClient) unwrap(b []byte) ([]byte, error) {
	if len(b) < gssapi.HdrLen || b[0] != 5 || b[1] != 4 {
		return nil, gssErr("not a wrap token")
	}
	if b[2]&wrapSentByAcceptor == 0 {
		return nil, gssErr("wrap token not sent by an acceptor")
	}
	if b[2]&wrapSealed != 0 {
		return nil, gssErr("sealed wrap token where no security layer was negotiated")
	}
	key := c.key
	if b[2]&wrapAcceptorSubkey != 0 {
		if c.acceptor.KeyType == 0 {
			return nil, gssErr("wrap token names an acceptor subkey the AP-REP did not carry")
		}
		key = c.acceptor
	}
	tok := unrotate(b)
	var wt gssapi.WrapToken
	if err := wt.Unmarshal(tok, true); err != nil {
		return nil, gssErr("wrap token: %v", err)
	}
	et, err := crypto.GetEtype(key.KeyType)
	if err != nil {
		return nil, fmt.Errorf("GSSAPI: %w", err)
	}
	if int(wt.EC) != et.GetHMACBitLength()/8 {
		return nil, gssErr("wrap token checksum of %d bytes", wt.EC)
	}
	if ok, err := wt.Verify(key, keyusage.GSSAPI_ACCEPTOR_SEAL); !ok || err != nil {
		return nil, fmt.Errorf("GSSAPI: the server's wrap token checksum does not verify: %w", ErrBadCredentials)
	}
	c.key = key
	return wt.Payload, nil
}

// wrap makes the initiator's integrity-only wrap token of msg, numbered
// with the authenticator's sequence number.
func (c *gssapiClient) wrap(msg []byte) ([]byte, error) {
	et, err := crypto.GetEtype(c.key.KeyType)
	if err != nil {
		return nil, fmt.Errorf("GSSAPI: %w", err)
	}
	var fl byte
	if c.key.KeyType == c.acceptor.KeyType && string(c.key.KeyValue) == string(c.acceptor.KeyValue) && c.acceptor.KeyType != 0 {
		fl = wrapAcceptorSubkey
	}
	wt := gssapi.WrapToken{Flags: fl, EC: uint16(et.GetHMACBitLength() / 8), SndSeqNum: uint64(uint32(c.auth.SeqNumber)), Payload: msg}
	if err := wt.SetCheckSum(c.key, keyusage.GSSAPI_INITIATOR_SEAL); err != nil {
		return nil, fmt.Errorf("GSSAPI: %w", err)
	}
	return wt.Marshal()
}
