package harness

import (
	"context"

	"github.com/zkgate/zkgate/zkbridge/zkraw"
)

// ZKRaw is the raw ZooKeeper client of zkbridge/zkraw under the names the
// e2e tests use: it sends exactly the records a test gives it, one
// request at a time, and keeps the watch notifications it reads in
// arrival order, against zkgate and a real ZooKeeper alike. It does not
// ping on its own: a session stays alive only while the test keeps
// calling.
//
//	c, err := harness.DialZK(addr, harness.ZKConnectOptions{TimeOut: 10000})
//	rh, d, err := c.Call(jute.OpExists, &jute.ExistsRequest{Path: "/a", Watch: true})
//	evs := c.TakeEvents() // notifications that arrived before that reply
type ZKRaw = zkraw.Conn

// ZKEvent is one watch notification.
type ZKEvent = zkraw.Event

// ZKConnectOptions shape a handshake. Zero values give a new session with
// a 10 s timeout and a zero password; each call waits up to 15 s.
type ZKConnectOptions = zkraw.Options

// ErrZKClosed is returned when the server closed the connection.
var ErrZKClosed = zkraw.ErrClosed

// DialZK connects to addr and performs the handshake (zkraw.Dial). A
// server answer of "expired" (SessionID 0) is not an error: look at Resp.
func DialZK(addr string, o ZKConnectOptions) (*ZKRaw, error) {
	return zkraw.Dial(context.Background(), addr, o)
}
