package zkbridge

import (
	"io"
	"net"

	"github.com/zkgate/zkgate/zkbridge/jute"
)

// readBufferSize is a connection's read buffer: requests are read through
// it, a few per system call when a client pipelines.
const readBufferSize = 4 << 10

// frameReader reads a connection's request frames. Its read buffer, from
// the pool, is held only while it holds bytes not yet read: a connection
// waits for its next request without one (waitInput). Each frame's body
// is copied to a pooled buffer of its own, which its call returns when
// it ends (the decoded records copy what they keep).
type frameReader struct {
	nc net.Conn
	// wait, where the connection allows it, waits until nc has input
	// and reads it into a pooled buffer it takes only then (see
	// newWaiter); nil: the frame's length is read straight from nc into
	// hdr, so nothing is held while waiting either.
	wait *waiter
	buf  *[]byte // the read buffer; nil when empty
	r, w int     // (*buf)[r:w] is unread
	hdr  [4]byte
}

func newFrameReader(nc net.Conn) *frameReader {
	fr := &frameReader{nc: nc}
	fr.wait = newWaiter(nc, fr)
	return fr
}

// buffered is how many bytes were received and not yet read.
func (fr *frameReader) buffered() int { return fr.w - fr.r }

// Read reads what is buffered, or else straight from the connection (a
// frame's remainder, read into its own buffer).
func (fr *frameReader) Read(p []byte) (int, error) {
	if fr.buf == nil {
		return fr.nc.Read(p)
	}
	n := copy(p, (*fr.buf)[fr.r:fr.w])
	fr.r += n
	if fr.r == fr.w {
		fr.release()
	}
	return n, nil
}

// release returns the empty read buffer to the pool.
func (fr *frameReader) release() {
	putBuf(fr.buf)
	fr.buf, fr.r, fr.w = nil, 0, 0
}

// waitInput waits for the connection's next input where it can do so
// without a buffer (see waiter), and reads what has arrived. The reader
// calls it, before next, straight from its loop: a shallow stack while
// it waits is a small one (see conn.open).
func (fr *frameReader) waitInput() error {
	if fr.buf != nil || fr.wait == nil {
		return nil
	}
	return fr.wait.wait()
}

// next reads the next frame, of at most limit bytes (jute.FrameLength).
// Its body is in pooled (nil for a body beyond maxPooled, which is read
// as its bytes arrive, as jute.ReadFrameBody reads), to be returned to
// the pool once the frame is decoded.
func (fr *frameReader) next(limit int) (body []byte, pooled *[]byte, err error) {
	if _, err := io.ReadFull(fr, fr.hdr[:]); err != nil {
		return nil, nil, err
	}
	n, err := jute.FrameLength(fr.hdr, limit)
	if err != nil {
		return nil, nil, err
	}
	if n > maxPooled {
		body, err := jute.ReadFrameBody(fr, n, nil)
		return body, nil, err
	}
	pooled = getBuf(n)
	body, err = jute.ReadFrameBody(fr, n, *pooled)
	if err != nil {
		putBuf(pooled)
		return nil, nil, err
	}
	return body, pooled, nil
}
