//go:build unix

package zkbridge

import (
	"io"
	"net"
	"os"
	"syscall"
)

// newWaiter returns, for a connection with a file descriptor (TCP, Unix),
// a wait that blocks in the runtime's poller with no buffer held, as
// nc.Read would block but for its buffer: it takes the read buffer from
// the pool when it tries a read, and gives it back if there is nothing
// to read yet. Input that is there is read at once, in one system call.
// Read deadlines and Close end the wait as they end a Read. A connection
// without one (TLS) gets nil.
func newWaiter(nc net.Conn) func(*frameReader) error {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	var (
		fr   *frameReader
		n    int
		rerr error
	)
	// One closure per connection: a func value made per wait would be
	// an allocation per request.
	read := func(fd uintptr) bool {
		fr.buf = getBuf(readBufferSize)
		b := (*fr.buf)[:cap(*fr.buf)]
		for {
			n, rerr = syscall.Read(int(fd), b)
			if rerr != syscall.EINTR {
				break
			}
		}
		if rerr == syscall.EAGAIN {
			fr.release()
			return false
		}
		return true
	}
	return func(r *frameReader) error {
		fr = r
		n, rerr = 0, nil
		if err := rc.Read(read); err != nil {
			if fr.buf != nil {
				fr.release()
			}
			return err
		}
		switch {
		case rerr != nil:
			fr.release()
			return os.NewSyscallError("read", rerr)
		case n == 0:
			fr.release()
			return io.EOF
		}
		fr.r, fr.w = 0, n
		return nil
	}
}
