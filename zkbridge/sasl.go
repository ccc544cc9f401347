package zkbridge

import (
	"go.uber.org/zap"

	"github.com/zkgate/zkgate/schema"
	"github.com/zkgate/zkgate/zkbridge/jute"
)

// saslRequest answers a sasl request (102), one step of the connection's
// SASL exchange, as ZooKeeper 3.8's processSasl does (measured, see
// gateway/testdata/zookeeper-3.8-behaviour.md, SASL):
//
//   - without SASL configured it is an unknown opcode (unknownOp);
//   - a record that does not decode, or a null token, gets no reply and
//     the connection is closed;
//   - each token goes to the connection's sasl.Server (made at the first
//     sasl request); its answer comes back in a SetSASLResponse with the
//     request's xid and zxid 0; when the exchange completes, the session
//     gets the identity sasl:<id>, and super:"" too if <id> is the
//     SASLSuperUser;
//   - a token the server refuses (bad credentials, a malformed token, or
//     any token after the exchange completed) gets AuthFailed with a
//     SetSASLResponse holding a null token, and the connection is closed.
func (c *call) saslRequest(rq *request) bool {
	cfg := c.s.cfg.SASL
	if cfg == nil {
		return c.unknownOp(rq)
	}
	var r jute.SASLRequest
	if err := r.Decode(rq.d); err != nil {
		c.logClose("malformed sasl packet", err)
		return false
	}
	if r.Token == nil {
		c.logClose("sasl packet with a null token", nil)
		return false
	}
	if c.saslServer == nil {
		c.saslServer = cfg.NewServer()
	}
	out, done, err := c.saslServer.Step(r.Token)
	if err != nil {
		hdr := jute.ReplyHeader{Xid: rq.hdr.Xid, Err: schema.CodeAuthFailed}
		c.sendReply(encode(&hdr, &jute.SASLResponse{}))
		c.s.lg.Warn("SASL authentication failed", zap.String("remote", c.nc.RemoteAddr().String()),
			zap.String("mechanism", c.saslServer.Mechanism()), zap.Error(err))
		c.logClose("SASL authentication failed", nil)
		return false
	}
	if done {
		id := c.saslServer.AuthorizationID()
		c.authAdded = append(c.authAdded, schema.AuthID{Scheme: schema.SchemeSASL, ID: id})
		if su := c.s.cfg.SASLSuperUser; su != "" && id == su {
			// As ZooKeeper's isSaslSuperUser: super:"" after sasl:<id>.
			c.authAdded = append(c.authAdded, schema.AuthID{Scheme: "super"})
		}
		c.caller.Auth = schema.AuthSetOrder(c.authAdded)
		c.setWatchAuth()
	}
	hdr := jute.ReplyHeader{Xid: rq.hdr.Xid}
	c.sendReply(encode(&hdr, &jute.SASLResponse{Token: out}))
	return true
}

// enforceAuth is ZooKeeper 3.8's enforce.auth.enabled: a session holding
// no identity of the schemes in EnforceAuthSchemes gets
// SessionClosedRequireSaslAuth (zxid 0, no body) on any request but auth
// and sasl, and its connection is closed; the session itself lives on
// until it expires. It reports whether the request may go on.
func (c *call) enforceAuth(rq *request) bool {
	schemes := c.s.cfg.EnforceAuthSchemes
	if len(schemes) == 0 || rq.hdr.Type == jute.OpAuth || rq.hdr.Type == jute.OpSASL {
		return true
	}
	for _, id := range c.caller.Auth {
		for _, s := range schemes {
			if id.Scheme == s {
				return true
			}
		}
	}
	hdr := jute.ReplyHeader{Xid: rq.hdr.Xid, Err: schema.CodeSessionClosedRequireSaslAuth}
	c.sendReply(encode(&hdr))
	c.logClose("the session has not authenticated with a required scheme", nil)
	return false
}
