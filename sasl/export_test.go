package sasl

import (
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/types"
)

// NewServerWithNonce is NewServer with a fixed challenge nonce, to replay
// recorded exchanges.
func (c *ServerConfig) NewServerWithNonce(nonce string) Server {
	s := c.NewServer().(*digestServer)
	s.newNonce = func() (string, error) { return nonce, nil }
	return s
}

// DigestResponse exposes digestResponse.
var DigestResponse = digestResponse

// ParseDirectives exposes parseDirectives.
var ParseDirectives = parseDirectives

// Canonical exposes the identity a config makes of a principal.
func (c *ServerConfig) Canonical(name string) (string, error) { return c.canonical(name) }

// NewGSSAPIClient exposes the GSSAPI initiator, started with a service
// ticket made without a KDC.
func NewGSSAPIClient(tkt messages.Ticket, sessionKey types.EncryptionKey, cname types.PrincipalName, crealm string) Client {
	return newGSSAPIClient(tkt, sessionKey, cname, crealm)
}
