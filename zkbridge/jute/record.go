package jute

// An Encodable appends its jute encoding to an Encoder.
type Encodable interface {
	Encode(e *Encoder)
}

// A Decodable reads itself from a Decoder. Decode returns the Decoder's
// error (see Decoder.Err); on error the receiver holds partial values.
type Decodable interface {
	Decode(d *Decoder) error
}

// A Record is a jute record: every type of this package that is a record
// of zookeeper.jute (or a multi envelope) implements it with pointer
// receivers.
type Record interface {
	Encodable
	Decodable
}

// Append appends the encodings of recs, one after the other, to dst and
// returns the extended slice.
func Append(dst []byte, recs ...Encodable) []byte {
	e := Encoder{buf: dst}
	for _, r := range recs {
		r.Encode(&e)
	}
	return e.buf
}

// DecodeExact decodes recs, one after the other, from b, which they must
// fill exactly: leftover bytes fail with ErrTrailingBytes; otherwise the
// errors are those of the records' Decode (see Decoder.Err). Use it where
// the records are the whole packet. (ZooKeeper itself ignores bytes after
// a request's record; the bridge may choose DecodePrefix to match.)
func DecodeExact(b []byte, recs ...Decodable) error {
	d := NewDecoder(b)
	for _, r := range recs {
		if err := r.Decode(d); err != nil {
			return err
		}
	}
	return d.Finish()
}

// DecodePrefix decodes recs, one after the other, from the start of b and
// returns the number of bytes they took. Bytes after them are left alone.
func DecodePrefix(b []byte, recs ...Decodable) (int, error) {
	d := NewDecoder(b)
	for _, r := range recs {
		if err := r.Decode(d); err != nil {
			return d.Offset(), err
		}
	}
	return d.Offset(), nil
}
