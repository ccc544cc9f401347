package jute

import "github.com/zkgate/zkgate/schema"

// RequestHeader starts every client packet after the handshake:
// {int xid; int type}. Xid is the client's request number, or one of the
// special Xid* values.
type RequestHeader struct {
	Xid  int32
	Type OpCode
}

// RequestHeaderSize is the encoded size of a RequestHeader.
const RequestHeaderSize = 8

// Encode implements Encodable.
func (r *RequestHeader) Encode(e *Encoder) {
	e.WriteInt(r.Xid)
	e.WriteInt(int32(r.Type))
}

// Decode implements Decodable.
func (r *RequestHeader) Decode(d *Decoder) error {
	r.Xid = d.ReadInt()
	r.Type = OpCode(d.ReadInt())
	return d.Err()
}

// ReplyHeader starts every server packet after the handshake:
// {int xid; long zxid; int err}. A reply with Err != 0 carries no body.
type ReplyHeader struct {
	Xid  int32
	Zxid int64
	Err  schema.Code
}

// ReplyHeaderSize is the encoded size of a ReplyHeader.
const ReplyHeaderSize = 16

// Encode implements Encodable.
func (r *ReplyHeader) Encode(e *Encoder) {
	e.WriteInt(r.Xid)
	e.WriteLong(r.Zxid)
	e.WriteInt(int32(r.Err))
}

// Decode implements Decodable.
func (r *ReplyHeader) Decode(d *Decoder) error {
	r.Xid = d.ReadInt()
	r.Zxid = d.ReadLong()
	r.Err = schema.Code(d.ReadInt())
	return d.Err()
}

// MultiHeader precedes each operation of a multi request and each result
// of a multi response: {int type; boolean done; int err}. A header with
// Done set ends the list; ZooKeeper writes it as {-1, true, -1}.
type MultiHeader struct {
	Type OpCode
	Done bool
	Err  schema.Code
}

// multiDone is the header that ends a multi request or response.
var multiDone = MultiHeader{Type: OpError, Done: true, Err: -1}

// Encode implements Encodable.
func (r *MultiHeader) Encode(e *Encoder) {
	e.WriteInt(int32(r.Type))
	e.WriteBool(r.Done)
	e.WriteInt(int32(r.Err))
}

// Decode implements Decodable.
func (r *MultiHeader) Decode(d *Decoder) error {
	r.Type = OpCode(d.ReadInt())
	r.Done = d.ReadBool()
	r.Err = schema.Code(d.ReadInt())
	return d.Err()
}

// WatcherEvent is the body of a notification (ReplyHeader{XidNotification,
// -1, 0}): {int type; int state; ustring path}.
type WatcherEvent struct {
	Type  EventType
	State KeeperState
	Path  string
}

// Encode implements Encodable.
func (r *WatcherEvent) Encode(e *Encoder) {
	e.WriteInt(int32(r.Type))
	e.WriteInt(int32(r.State))
	e.WriteString(r.Path)
}

// Decode implements Decodable.
func (r *WatcherEvent) Decode(d *Decoder) error {
	r.Type = EventType(d.ReadInt())
	r.State = KeeperState(d.ReadInt())
	r.Path = d.ReadString()
	return d.Err()
}

// AuthPacket is the body of addauth (xid XidAuth, type OpAuth):
// {int type; ustring scheme; buffer auth}. Type is always 0 in practice.
// Auth is nil for a null buffer. It holds a credential: never log it.
type AuthPacket struct {
	Type   int32
	Scheme string
	Auth   []byte
}

// Encode implements Encodable.
func (r *AuthPacket) Encode(e *Encoder) {
	e.WriteInt(r.Type)
	e.WriteString(r.Scheme)
	e.WriteBuffer(r.Auth)
}

// Decode implements Decodable.
func (r *AuthPacket) Decode(d *Decoder) error {
	r.Type = d.ReadInt()
	r.Scheme = d.ReadString()
	r.Auth = d.ReadBuffer()
	return d.Err()
}

// ErrorResponse is the result of a failed operation inside a multi:
// {int err}.
type ErrorResponse struct {
	Err schema.Code
}

// Encode implements Encodable.
func (r *ErrorResponse) Encode(e *Encoder) {
	e.WriteInt(int32(r.Err))
}

// Decode implements Decodable.
func (r *ErrorResponse) Decode(d *Decoder) error {
	r.Err = schema.Code(d.ReadInt())
	return d.Err()
}
