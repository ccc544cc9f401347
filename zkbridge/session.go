package zkbridge

import (
	"github.com/zkgate/zkgate/schema"
	"github.com/zkgate/zkgate/zkbridge/jute"
)

// The session's opcodes: ping, auth, whoAmI and closeSession. The
// handshake that opens or resumes a session is in conn.go.

// ping answers with the ping xid (-2) whatever the request's, as
// ZooKeeper's FinalRequestProcessor answers a ping. The session was
// renewed before the call ran (conn.keepAlive).
func (c *call) ping(rq *request) bool {
	c.reply(jute.XidPing, c.e.Zxid(), nil)
	return true
}

// auth adds an identity to the connection. A scheme or credentials
// ZooKeeper would refuse get AuthFailed, and the connection is closed.
func (c *call) auth(rq *request, r *jute.AuthPacket) bool {
	id, err := schema.AuthFromCredentials(r.Scheme, r.Auth, c.ip())
	if r.Scheme == schema.SchemeX509 {
		// X509AuthenticationProvider: the connection's verified client
		// certificate, whatever the credentials; none is AuthFailed.
		id, err = schema.AuthID{Scheme: schema.SchemeX509, ID: c.x509}, nil
		if c.x509 == "" {
			err = schema.Errorf(schema.CodeAuthFailed, "", "x509 auth without a verified client certificate")
		}
	}
	if err != nil {
		// ZooKeeper answers AuthFailed and closes the connection.
		c.s.stats.authFailed.Add(1)
		c.replyXid(rq.hdr.Xid, 0, schema.ErrAuthFailed)
		c.logClose("authentication failed", err)
		return false
	}
	// As DigestAuthenticationProvider: the super user also gets the
	// identity super:"" (which whoAmI lists), added first.
	if id.Scheme == "digest" && id.ID == c.e.SuperDigest() {
		c.authAdded = append(c.authAdded, schema.AuthID{Scheme: "super"})
	}
	c.authAdded = append(c.authAdded, id)
	// A session's identities are a set, listed in ZooKeeper's order.
	c.caller.Auth = schema.AuthSetOrder(c.authAdded)
	c.setWatchAuth()
	c.replyXid(rq.hdr.Xid, 0, nil)
	return true
}

// whoAmIRequest answers whoAmI (conn.whoAmI).
func (c *call) whoAmIRequest(rq *request) bool {
	c.reply(rq.hdr.Xid, c.e.Zxid(), nil, &jute.WhoAmIResponse{ClientInfo: c.whoAmI()})
	return true
}

// closeSession ends the session and then the connection. The reply
// carries no error even if the engine could not close the session (its
// lease then expires).
func (c *call) closeSession(rq *request) bool {
	zxid, err := c.e.CloseSession(rq.ctx, c.sess.ID)
	if err != nil {
		zxid = c.e.Zxid()
	}
	c.reply(rq.hdr.Xid, zxid, nil)
	c.logClose("session closed by the client", nil)
	return false
}
