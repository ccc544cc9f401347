//go:build !unix

package zkbridge

import "net"

// newWaiter is nil off Unix: the frame's length is read straight from the
// connection (see frameReader).
func newWaiter(nc net.Conn) func(*frameReader) error { return nil }
