/*
Package jute is the codec of ZooKeeper's client wire protocol: the
primitives of jute (Hadoop record I/O, the serialization ZooKeeper's
zookeeper.jute is written in), the packet framing, and every record a
ZooKeeper 3.4-3.9 client exchanges with a server, as Go structs. It does
no I/O beyond reading frames from an io.Reader, holds no session state
and knows nothing of znodes: zkbridge drives it.

# Encoding

Jute writes the fields of a record one after the other, with no tags and
no record length:

	int       4 bytes, big-endian two's complement
	long      8 bytes, big-endian
	boolean   1 byte: 1 or 0 when written; any non-zero byte reads as true
	buffer    int length, then the bytes; length -1 is null
	ustring   int length, then the UTF-8 bytes; length -1 is null
	vector    int count, then the items; count -1 is null
	record    its fields in order (nested records are inlined)

Every packet after the 4-byte length prefix of its frame is a header
record (RequestHeader from the client, ReplyHeader from the server)
followed by the body record its type calls for; the handshake packets
(ConnectRequest, ConnectResponse) have no header.

# Use

	body, err := jute.ReadFrame(conn, buf, jute.DefaultMaxBuffer)
	d := jute.NewDecoder(body)
	var h jute.RequestHeader
	h.Decode(d)
	var req jute.GetDataRequest
	if err := req.Decode(d); err != nil { ... } // or d.Finish() to refuse trailing bytes
	out = jute.AppendPacket(out[:0], &jute.ReplyHeader{Xid: h.Xid, Zxid: z}, &jute.GetDataResponse{Data: data, Stat: st})

Records implement Record (Encode(*Encoder), Decode(*Decoder) error) with
pointer receivers. Decoder errors are sticky, so Decode methods read every
field and return the first failure. DecodeExact and Decoder.Finish refuse
bytes left after the record (ErrTrailingBytes); DecodePrefix and a plain
Decode leave them. A real ZooKeeper ignores trailing bytes after a
request's record, so the bridge chooses per packet which to use.

# Null values

Jute distinguishes null from empty for buffers, strings and vectors. Here:

  - Buffers ([]byte): nil is null (-1) and a non-nil empty slice is empty
    (0), both ways. ZooKeeper keeps the difference for znode data (a node
    created with null data returns null), so GetDataResponse sends nil as
    null: use []byte{} for empty data. Decoded buffers are copies.
  - Strings: record fields are plain Go strings. Decoding a null ustring
    into one fails with ErrNullString; ZooKeeper fails such requests (a
    null path) with MarshallingError, which is what the bridge answers for
    any decoding error. Decoder.ReadStringOrNull and
    Encoder.WriteNullString handle null explicitly. The one exception is
    the ID of an ACL entry, whose strings may be null (ID.Null): ZooKeeper
    takes a null id in an "auth" entry, and kazoo sends Id("auth", "")
    that way.
  - Vectors in records a client sends (CreateRequest.ACL, SetWatches, ...):
    nil is null, both ways, so a null ACL list can be told from an empty
    one. Vectors in records a server sends (children, ephemerals, ACLs of
    getACL, whoAmI, multi results) are never null: nil is encoded as an
    empty vector, because ZooKeeper never sends null there and clients
    would hand null to the application; a null one is decoded as empty.

Strings are not checked for valid UTF-8: bytes are kept as they are.

# Handshake forms

ConnectRequest gained a trailing readOnly boolean in ZooKeeper 3.4. Old
clients (and go-zookeeper) still send the 44-byte form without it; others
send 45 bytes (with a 16-byte password). ConnectRequest.Decode accepts
both and sets Legacy for the short one. Such clients also read a
ConnectResponse without readOnly (36 bytes instead of 37): answer with
ConnectResponse.Legacy set to the request's Legacy.

# Multi

MultiRequest decodes the body of multi (14) and multiRead (22) into typed
operations (MultiOp); MultiRequest.CheckKind tells whether they suit the
opcode. MultiResponse encodes the per-operation results (MultiResult, built
with CreateResult, Create2Result, DeleteResult, SetDataResult, CheckResult,
GetDataResult, GetChildrenResult, ErrorResult) exactly as ZooKeeper's
MultiResponse.serialize does, ending with the header {-1, true, -1}.

# Limits

ReadFrame refuses a frame longer than its limit (ErrFrameTooLarge; a real
ZooKeeper uses jute.maxbuffer, DefaultMaxBuffer = 0xfffff bytes, and closes
the connection) and allocates as the bytes arrive, not as announced. A
Decoder never panics and never allocates beyond its input: every length or
count is checked against the bytes left before anything is allocated, and
negative lengths other than -1 fail with ErrNegativeLength. FuzzDecode
checks this for every record.

FourLetterWord recognises the four-letter words (ruok, srvr, mntr, ...)
that may replace the handshake on a fresh connection; FourLetterWords
lists them all (zkgate's configuration checks its whitelist against it).

# Concurrency

Encoder and Decoder values are not safe for concurrent use; the package
has no other state.
*/
package jute
