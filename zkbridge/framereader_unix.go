//go:build unix

package zkbridge

import (
	"io"
	"net"
	"os"
	"syscall"
)

// A waiter, for a connection with a file descriptor (TCP, Unix), waits
// for input in the runtime's poller with no buffer held, as nc.Read
// would wait but for its buffer: it takes the read buffer from the pool
// when it tries a read, and gives it back if there is nothing to read
// yet. Input that is there is read at once, in one system call. Read
// deadlines and Close end the wait as they end a Read.
type waiter struct {
	rc   syscall.RawConn
	fr   *frameReader
	read func(fd uintptr) bool // made once: a func value per wait would be an allocation
	n    int
	err  error
}

// newWaiter returns fr's waiter, or nil for a connection without a file
// descriptor (TLS).
func newWaiter(nc net.Conn, fr *frameReader) *waiter {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	w := &waiter{rc: rc, fr: fr}
	w.read = w.tryRead
	return w
}

// tryRead is rc.Read's function: it reads into the read buffer, or gives
// the buffer back and reports false to wait when there is nothing yet.
func (w *waiter) tryRead(fd uintptr) bool {
	fr := w.fr
	fr.buf = getBuf(readBufferSize)
	b := (*fr.buf)[:cap(*fr.buf)]
	for {
		w.n, w.err = syscall.Read(int(fd), b)
		if w.err != syscall.EINTR {
			break
		}
	}
	if w.err == syscall.EAGAIN {
		fr.release()
		return false
	}
	return true
}

// wait waits for input and reads it into fr's read buffer.
func (w *waiter) wait() error {
	if err := w.rc.Read(w.read); err != nil {
		if w.fr.buf != nil {
			w.fr.release()
		}
		return err
	}
	return w.done()
}

// done ends a wait whose read returned.
func (w *waiter) done() error {
	fr := w.fr
	switch {
	case w.err != nil:
		fr.release()
		return os.NewSyscallError("read", w.err)
	case w.n == 0:
		fr.release()
		return io.EOF
	}
	fr.r, fr.w = 0, w.n
	return nil
}
