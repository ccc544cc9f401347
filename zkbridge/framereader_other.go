//go:build !unix

package zkbridge

import "net"

// waiter is not used off Unix: the frame's length is read straight from
// the connection (see frameReader).
type waiter struct{}

func newWaiter(net.Conn, *frameReader) *waiter { return nil }

func (*waiter) wait() error { return nil }
