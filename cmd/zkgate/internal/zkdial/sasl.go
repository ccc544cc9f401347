package zkdial

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/zkgate/zkgate/sasl"
	"github.com/zkgate/zkgate/schema"
	"github.com/zkgate/zkgate/zkbridge/jute"
)

// Call carries one SASL token to the server in a sasl request and
// returns the reply's error code and the server's token.
type Call func(token []byte) (code schema.Code, reply []byte, err error)

// hostNames maps each address a host name of servers (host:port each)
// resolves to back to that name: go-zookeeper dials the addresses, and
// the service principal names the host as the operator gave it.
func hostNames(ctx context.Context, servers []string) map[string]string {
	names := map[string]string{}
	for _, s := range servers {
		host, port, err := net.SplitHostPort(s)
		if err != nil || net.ParseIP(host) != nil {
			continue
		}
		lctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		ips, err := net.DefaultResolver.LookupHost(lctx, host)
		cancel()
		if err != nil {
			continue
		}
		for _, ip := range ips {
			names[net.JoinHostPort(ip, port)] = host
		}
	}
	return names
}

// SASLHost is the host of addr (host:port) as a service principal names
// it: a name as given; an IP address turned into its name by a reverse
// lookup (as the Java client canonicalises it), left as it is when there
// is none.
func SASLHost(addr string) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	if net.ParseIP(host) == nil {
		return host
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	names, err := net.DefaultResolver.LookupAddr(ctx, host)
	if err != nil || len(names) == 0 {
		return host
	}
	return strings.TrimSuffix(names[0], ".")
}

// Authenticate runs a SASL exchange with the server at addr on a session
// just established, call carrying each token: the tokens of cfg's client
// for host (the server's name in its principal; SASLHost(addr) if empty)
// until both sides are done. Its error is one line naming
// addr, the mechanism, the identity and the cause (an AuthFailed answer,
// the server's tokens not verifying, no ticket from the KDC); it never
// quotes a token or a password.
func Authenticate(cfg *sasl.ClientConfig, addr, host string, call Call) error {
	fail := func(format string, args ...any) error {
		return saslError{fmt.Sprintf("%s: SASL %s authentication as %s failed: %s", addr, cfg.Mechanism(), cfg.Identity(), fmt.Sprintf(format, args...))}
	}
	if host == "" {
		host = SASLHost(addr)
	}
	cl, err := cfg.NewClient(host)
	if err != nil {
		return fail("%v", err)
	}
	tok, err := cl.Start()
	if err != nil {
		return fail("%v", err)
	}
	last := false
	for first := true; ; first = false {
		code, reply, err := call(tok)
		if err != nil {
			return fail("%v", err)
		}
		switch {
		case first && code == schema.CodeUnimplemented:
			return fail("the server does not do SASL (it answered the first sasl request Unimplemented)")
		case first && code == schema.CodeOK && len(reply) == 0:
			// ZooKeeper without its SASL provider.
			return fail("the server does not do SASL (it answered the first sasl request with no token: is its SASL provider configured?)")
		case code == schema.CodeAuthFailed && cl.Mechanism() == "GSSAPI":
			return fail("the server answered AuthFailed (it cannot accept the ticket: one for another service, or sealed with a key it no longer has)")
		case code == schema.CodeAuthFailed:
			return fail("the server answered AuthFailed (a wrong password, or a user it does not know)")
		case code != schema.CodeOK:
			return fail("the server answered %v", code)
		}
		if last {
			return nil
		}
		out, done, err := cl.Step(reply)
		if err != nil {
			return fail("%v", err)
		}
		if done && out == nil {
			return nil
		}
		tok, last = out, done
	}
}

// saslError is Authenticate's error: the exchange failed, which ends
// Dial (a read that failed before it is an ordinary attempt's failure).
type saslError struct{ msg string }

func (e saslError) Error() string { return e.msg }

// maxConnectResponse is the largest ConnectResponse frame read before a
// SASL exchange: a real one is 37 bytes.
const maxConnectResponse = 1024

// authenticate reads the ConnectResponse that go-zookeeper awaits and,
// if it opened a session, runs the SASL exchange on the connection
// (requests numbered 1, 2, ..., as the Java client numbers them; its
// own requests then start again at 1, as kazoo's do, which ZooKeeper
// takes). The ConnectResponse is then handed to go-zookeeper's reads
// (pending): go-zookeeper is blocked reading it meanwhile, so nothing
// else is written. Everything is within the attempt's limit.
func (c *handshakeConn) authenticate() error {
	_ = c.Conn.SetDeadline(c.limit)
	defer func() {
		_ = c.Conn.SetWriteDeadline(time.Time{})
		_ = c.Conn.SetReadDeadline(c.limit)
	}()
	var hdr [4]byte
	if _, err := io.ReadFull(c.Conn, hdr[:]); err != nil {
		return err
	}
	c.answered.Store(true)
	n := binary.BigEndian.Uint32(hdr[:])
	if n < 16 || n > maxConnectResponse {
		c.pending = hdr[:] // not a ConnectResponse: go-zookeeper says so
		return nil
	}
	frame := make([]byte, 4+n)
	copy(frame, hdr[:])
	if _, err := io.ReadFull(c.Conn, frame[4:]); err != nil {
		return err
	}
	c.pending = frame
	if binary.BigEndian.Uint64(frame[4+8:4+16]) == 0 {
		return nil // no session: go-zookeeper's "session expired"
	}
	xid := int32(0)
	call := func(token []byte) (schema.Code, []byte, error) {
		xid++
		req := jute.AppendPacket(nil, &jute.RequestHeader{Xid: xid, Type: jute.OpSASL}, &jute.SASLRequest{Token: token})
		if _, err := c.Conn.Write(req); err != nil {
			return 0, nil, fmt.Errorf("sending a sasl request: %v", err)
		}
		if _, err := io.ReadFull(c.Conn, hdr[:]); err != nil {
			return 0, nil, readErr(err)
		}
		m := binary.BigEndian.Uint32(hdr[:])
		if m < jute.ReplyHeaderSize || m > 1<<20 {
			return 0, nil, fmt.Errorf("a sasl reply of %d bytes", m)
		}
		body := make([]byte, m)
		if _, err := io.ReadFull(c.Conn, body); err != nil {
			return 0, nil, readErr(err)
		}
		var rh jute.ReplyHeader
		d := jute.NewDecoder(body)
		if err := rh.Decode(d); err != nil {
			return 0, nil, fmt.Errorf("the sasl reply does not parse: %v", err)
		}
		if rh.Xid != xid {
			return 0, nil, fmt.Errorf("a reply of xid %d to the sasl request of xid %d", rh.Xid, xid)
		}
		if rh.Err != schema.CodeOK {
			return rh.Err, nil, nil
		}
		var r jute.SASLResponse
		if len(body) > jute.ReplyHeaderSize {
			if err := r.Decode(d); err != nil {
				return 0, nil, fmt.Errorf("the sasl reply does not parse: %v", err)
			}
		}
		return rh.Err, r.Token, nil
	}
	shown := c.addr // as the operator gave it, if by name
	if _, port, err := net.SplitHostPort(c.addr); err == nil && c.host != "" {
		shown = net.JoinHostPort(c.host, port)
	}
	return Authenticate(c.sasl, shown, c.host, call)
}

// readErr words a read that failed during the exchange.
func readErr(err error) error {
	var ne net.Error
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("the server closed the connection")
	case errors.As(err, &ne) && ne.Timeout():
		return errors.New("no answer from the server in time")
	}
	return err
}
