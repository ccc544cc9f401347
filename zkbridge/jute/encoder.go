package jute

import (
	"encoding/binary"
	"slices"
)

// An Encoder appends jute encodings to a byte slice. The zero value is
// ready to use and starts from an empty slice. Encoding cannot fail.
// An Encoder is not safe for concurrent use.
type Encoder struct {
	buf []byte
}

// NewEncoder returns an Encoder that appends to dst.
func NewEncoder(dst []byte) *Encoder {
	return &Encoder{buf: dst}
}

// Bytes returns the slice with everything appended so far.
func (e *Encoder) Bytes() []byte { return e.buf }

// Len returns the length of Bytes.
func (e *Encoder) Len() int { return len(e.buf) }

// WriteInt appends a jute int: 4 bytes, big-endian.
func (e *Encoder) WriteInt(v int32) {
	e.buf = binary.BigEndian.AppendUint32(e.buf, uint32(v))
}

// WriteLong appends a jute long: 8 bytes, big-endian.
func (e *Encoder) WriteLong(v int64) {
	e.buf = binary.BigEndian.AppendUint64(e.buf, uint64(v))
}

// WriteBool appends a jute boolean: one byte, 1 or 0.
func (e *Encoder) WriteBool(v bool) {
	if v {
		e.buf = append(e.buf, 1)
	} else {
		e.buf = append(e.buf, 0)
	}
}

// WriteBuffer appends a jute buffer: an int length and the bytes. A nil
// slice is written as null (length -1); a non-nil empty slice as length 0.
func (e *Encoder) WriteBuffer(b []byte) {
	if b == nil {
		e.WriteInt(-1)
		return
	}
	e.WriteInt(int32(len(b)))
	e.buf = append(e.buf, b...)
}

// WriteString appends a jute ustring: an int length and the bytes of s,
// as they are (jute strings are UTF-8; WriteString does not check).
func (e *Encoder) WriteString(s string) {
	e.WriteInt(int32(len(s)))
	e.buf = append(e.buf, s...)
}

// WriteNullString appends a null ustring (length -1).
func (e *Encoder) WriteNullString() {
	e.WriteInt(-1)
}

// WriteVectorLen appends a jute vector's count; -1 means a null vector.
// The caller then appends the n items.
func (e *Encoder) WriteVectorLen(n int) {
	e.WriteInt(int32(n))
}

// WriteStrings appends a vector<ustring>. A nil slice is written as a
// null vector (count -1); a non-nil empty slice as count 0.
func (e *Encoder) WriteStrings(v []string) {
	if v == nil {
		e.WriteInt(-1)
		return
	}
	e.writeStrings(v)
}

// writeStrings appends a vector<ustring> that is never null: nil is
// written as an empty vector. Replies use it (see "Null values" in the
// package documentation).
func (e *Encoder) writeStrings(v []string) {
	n := 4 + 4*len(v)
	for _, s := range v {
		n += len(s)
	}
	// One grow, then each item written in place: appending item by item
	// was most of a getChildren of 1,000 children.
	at := len(e.buf)
	e.buf = slices.Grow(e.buf, n)[:at+n]
	b := e.buf[at:]
	binary.BigEndian.PutUint32(b, uint32(len(v)))
	b = b[4:]
	for _, s := range v {
		binary.BigEndian.PutUint32(b, uint32(len(s)))
		b = b[4+copy(b[4:], s):]
	}
}

// AppendStrings appends v to dst as a reply's vector<ustring> (nil as an
// empty vector) and returns the extended slice: for a vector encoded once
// and sent many times (see Raw).
func AppendStrings(dst []byte, v []string) []byte {
	e := Encoder{buf: dst}
	e.writeStrings(v)
	return e.buf
}

// Raw is bytes already encoded, appended as they are: a part of a record
// encoded ahead (AppendStrings), followed by the rest of the record.
type Raw []byte

// Encode implements Encodable.
func (r Raw) Encode(e *Encoder) { e.buf = append(e.buf, r...) }
