package jute

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// DefaultMaxBuffer is ZooKeeper's default jute.maxbuffer, 0xfffff bytes:
// the largest packet body a real ZooKeeper 3.8 accepts (one byte more and
// it closes the connection).
const DefaultMaxBuffer = 0xfffff

// frameChunk bounds how much ReadFrameBody allocates ahead of the bytes
// actually received, so a peer that announces a large frame and sends
// nothing does not make the server commit that much memory.
const frameChunk = 64 << 10

// ReadFrame reads one frame from r: a 4-byte big-endian length, then
// that many bytes of body, which it returns. The body is read into buf
// when it fits (buf may be nil), so a caller that is done with the
// previous frame can pass it back.
//
// Errors: io.EOF if r ended cleanly before the frame (the peer closed);
// io.ErrUnexpectedEOF if it ended inside it; ErrFrameTooLarge if the
// length is above limit; ErrNegativeLength if it is negative; otherwise the
// reader's error. Frames of length 0 are returned (empty), since the
// length is valid and the record decoder will reject the body.
//
// A connection that may open with a four-letter word should read the 4
// bytes itself, check FourLetterWord, then use FrameLength and
// ReadFrameBody.
func ReadFrame(r io.Reader, buf []byte, limit int) ([]byte, error) {
	var prefix [4]byte
	if _, err := io.ReadFull(r, prefix[:]); err != nil {
		return nil, err
	}
	n, err := FrameLength(prefix, limit)
	if err != nil {
		return nil, err
	}
	return ReadFrameBody(r, n, buf)
}

// FrameLength decodes a frame's 4-byte length prefix and checks it
// against limit: above it fails with ErrFrameTooLarge, negative with
// ErrNegativeLength. A length of exactly limit is accepted.
func FrameLength(prefix [4]byte, limit int) (int, error) {
	n := int32(binary.BigEndian.Uint32(prefix[:]))
	if n < 0 {
		return 0, fmt.Errorf("jute: frame length %d: %w", n, ErrNegativeLength)
	}
	if int64(n) > int64(limit) {
		return 0, fmt.Errorf("jute: frame length %d > max %d: %w", n, limit, ErrFrameTooLarge)
	}
	return int(n), nil
}

// ReadFrameBody reads a frame body of n bytes (from FrameLength) from r,
// into buf when it fits. It fails with io.ErrUnexpectedEOF if r ends
// first. Memory grows with the bytes received, not with n.
func ReadFrameBody(r io.Reader, n int, buf []byte) ([]byte, error) {
	if n <= cap(buf) {
		buf = buf[:n]
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, unexpectedEOF(err)
		}
		return buf, nil
	}
	buf = buf[:0]
	for len(buf) < n {
		chunk := min(n-len(buf), max(frameChunk, len(buf)))
		start := len(buf)
		if cap(buf) < start+chunk {
			grown := make([]byte, start, start+chunk)
			copy(grown, buf)
			buf = grown
		}
		buf = buf[:start+chunk]
		if _, err := io.ReadFull(r, buf[start:]); err != nil {
			return nil, unexpectedEOF(err)
		}
	}
	return buf, nil
}

// unexpectedEOF turns io.EOF inside a frame into io.ErrUnexpectedEOF.
func unexpectedEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// AppendFrame appends body to dst behind its 4-byte length prefix.
func AppendFrame(dst, body []byte) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(body)))
	return append(dst, body...)
}

// AppendPacket appends one frame holding the encodings of recs (typically
// a ReplyHeader and a response record) to dst, encoding in place behind
// the length prefix.
func AppendPacket(dst []byte, recs ...Encodable) []byte {
	start := len(dst)
	dst = Append(append(dst, 0, 0, 0, 0), recs...)
	binary.BigEndian.PutUint32(dst[start:], uint32(len(dst)-start-4))
	return dst
}
