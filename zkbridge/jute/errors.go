package jute

import "errors"

// Sentinel errors. Decoding errors are returned wrapped, with the offset
// and what was being read; compare them with errors.Is. They say nothing
// about ZooKeeper error codes: ZooKeeper answers a request whose record
// does not decode with MarshallingError, and zkbridge's request decoding
// (handle.go) answers so, whichever of these it meets.
var (
	// ErrTruncated means the input ended inside a record: a fixed-size
	// field did not fit, or a buffer, string or vector claimed more bytes
	// than remain in the input.
	ErrTruncated = errors.New("jute: truncated input")

	// ErrNegativeLength means a length or count was negative and not -1
	// (the only negative value jute gives a meaning: null).
	ErrNegativeLength = errors.New("jute: negative length")

	// ErrTrailingBytes means a record that must fill its packet was
	// followed by unread bytes (see DecodeExact and Decoder.Finish).
	ErrTrailingBytes = errors.New("jute: trailing bytes after record")

	// ErrNullString means a null ustring (length -1) was found where the
	// record has a plain string. ZooKeeper's server fails such requests
	// (a null path) with MarshallingError. Decoder.ReadStringOrNull reads
	// a ustring that may be null.
	ErrNullString = errors.New("jute: null string")

	// ErrUnknownOp means a multi request or response contained an
	// operation type that cannot appear there.
	ErrUnknownOp = errors.New("jute: unknown operation in multi")

	// ErrMultiKind means a multi mixed operation kinds: a read inside a
	// multi (14) or a write inside a multiRead (22). See
	// MultiRequest.CheckKind.
	ErrMultiKind = errors.New("jute: operation not allowed in this kind of multi")

	// ErrFrameTooLarge means a frame's length prefix is larger than the
	// maximum the reader accepts (jute.maxbuffer). The caller should log
	// and close the connection, as ZooKeeper does.
	ErrFrameTooLarge = errors.New("jute: frame larger than the maximum")
)
