package jute

import (
	"encoding/binary"
	"fmt"
)

// A Decoder reads jute encodings from a byte slice. It never panics and
// never allocates more than the input could hold: every read checks the
// bounds, and every length or count is checked against the bytes that
// remain before anything is allocated.
//
// Errors are sticky: after the first failure every read returns a zero
// value and Err returns that failure, so a record's Decode can read all
// its fields and check once. Buffers and strings are copies: nothing
// returned aliases the input, which the caller may reuse at once.
//
// A Decoder is not safe for concurrent use.
type Decoder struct {
	buf []byte
	off int
	err error
}

// NewDecoder returns a Decoder that reads b from the start.
func NewDecoder(b []byte) *Decoder {
	return &Decoder{buf: b}
}

// Err returns the first error met, or nil. It wraps ErrTruncated,
// ErrNegativeLength, ErrNullString or ErrUnknownOp.
func (d *Decoder) Err() error { return d.err }

// Offset returns the number of bytes consumed so far.
func (d *Decoder) Offset() int { return d.off }

// Remaining returns the number of bytes not yet consumed.
func (d *Decoder) Remaining() int { return len(d.buf) - d.off }

// Finish returns Err, or an error wrapping ErrTrailingBytes if bytes
// remain: use it when the record read is the whole packet.
func (d *Decoder) Finish() error {
	if d.err != nil {
		return d.err
	}
	if n := d.Remaining(); n > 0 {
		return fmt.Errorf("%w: %d unread bytes at offset %d", ErrTrailingBytes, n, d.off)
	}
	return nil
}

// fail records err (the first one only) and returns the sticky error.
func (d *Decoder) fail(err error) error {
	if d.err == nil {
		d.err = err
	}
	return d.err
}

// need reports whether n more bytes can be read, failing with
// ErrTruncated if not. It is false once an error has been met.
func (d *Decoder) need(n int, what string) bool {
	if d.err != nil {
		return false
	}
	if n > d.Remaining() {
		d.fail(fmt.Errorf("jute: reading %s at offset %d: need %d bytes, %d remain: %w", what, d.off, n, d.Remaining(), ErrTruncated))
		return false
	}
	return true
}

// ReadInt reads a jute int.
func (d *Decoder) ReadInt() int32 {
	if !d.need(4, "int") {
		return 0
	}
	v := int32(binary.BigEndian.Uint32(d.buf[d.off:]))
	d.off += 4
	return v
}

// ReadLong reads a jute long.
func (d *Decoder) ReadLong() int64 {
	if !d.need(8, "long") {
		return 0
	}
	v := int64(binary.BigEndian.Uint64(d.buf[d.off:]))
	d.off += 8
	return v
}

// ReadBool reads a jute boolean. Like Java's DataInput.readBoolean, any
// non-zero byte is true.
func (d *Decoder) ReadBool() bool {
	if !d.need(1, "boolean") {
		return false
	}
	v := d.buf[d.off] != 0
	d.off++
	return v
}

// readLen reads a length or count. It returns -1 for null. A count of n
// items of at least minItem bytes each must fit in the remaining input.
func (d *Decoder) readLen(what string, minItem int) int {
	start := d.off
	n := d.ReadInt()
	if d.err != nil {
		return -1
	}
	switch {
	case n == -1:
		return -1
	case n < 0:
		d.fail(fmt.Errorf("jute: reading %s at offset %d: length %d: %w", what, start, n, ErrNegativeLength))
		return -1
	case int64(n) > int64(d.Remaining()/minItem):
		d.fail(fmt.Errorf("jute: reading %s at offset %d: length %d but %d bytes remain: %w", what, start, n, d.Remaining(), ErrTruncated))
		return -1
	}
	return int(n)
}

// ReadBuffer reads a jute buffer: nil for null (length -1), a non-nil
// slice otherwise (empty for length 0). The result is a copy.
func (d *Decoder) ReadBuffer() []byte {
	n := d.readLen("buffer", 1)
	if n < 0 {
		return nil
	}
	b := make([]byte, n)
	copy(b, d.buf[d.off:])
	d.off += n
	return b
}

// ReadString reads a jute ustring that must not be null; a null one
// fails with ErrNullString. The bytes are taken as they are: invalid
// UTF-8 is not an error here (ZooKeeper's Java decoder would turn it into
// U+FFFD; path validation is the server's business).
func (d *Decoder) ReadString() string {
	start := d.off
	s, null := d.ReadStringOrNull()
	if null && d.err == nil {
		d.fail(fmt.Errorf("jute: reading ustring at offset %d: %w", start, ErrNullString))
	}
	return s
}

// ReadStringOrNull reads a jute ustring that may be null: null is true
// (and s empty) for length -1.
func (d *Decoder) ReadStringOrNull() (s string, null bool) {
	n := d.readLen("ustring", 1)
	if n < 0 {
		return "", d.err == nil
	}
	s = string(d.buf[d.off : d.off+n])
	d.off += n
	return s, false
}

// ReadVectorLen reads a vector's count: -1 for a null vector. Every item
// takes at least minItemSize bytes (at least 1); a count whose items
// cannot fit in the remaining input fails with ErrTruncated, so the
// caller can allocate count items safely.
func (d *Decoder) ReadVectorLen(minItemSize int) int {
	return d.readLen("vector", max(minItemSize, 1))
}

// ReadStrings reads a vector<ustring>: nil for a null vector, a non-nil
// slice otherwise. Null items fail with ErrNullString.
func (d *Decoder) ReadStrings() []string {
	n := d.ReadVectorLen(4)
	if n < 0 {
		return nil
	}
	v := make([]string, 0, n)
	for i := 0; i < n && d.err == nil; i++ {
		v = append(v, d.ReadString())
	}
	return v
}

// readStrings reads a vector<ustring> of a reply, where null is read as
// empty (see "Null values" in the package documentation).
func (d *Decoder) readStrings() []string {
	v := d.ReadStrings()
	if v == nil {
		v = []string{}
	}
	return v
}
