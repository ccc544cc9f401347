package jute

// ConnectRequest is the first packet of a client connection:
// {int protocolVersion; long lastZxidSeen; int timeOut; long sessionId;
// buffer passwd; boolean readOnly}.
//
// readOnly was added in ZooKeeper 3.4, and zookeeper.jute itself only
// gained the field in 3.9 (before, the Java code wrote and read it by
// hand after the record). Older clients, and some third-party ones (the
// Go client go-zookeeper among them), send the record without it: 44
// bytes with the usual 16-byte password instead of 45. Decode accepts
// both and sets Legacy for the short form; the server must then answer
// with a ConnectResponse that has Legacy set too, because such clients
// read exactly the short response.
type ConnectRequest struct {
	ProtocolVersion int32
	LastZxidSeen    int64
	TimeOut         int32 // requested session timeout, ms
	SessionID       int64 // 0 for a new session
	Passwd          []byte
	ReadOnly        bool // client accepts a read-only server
	// Legacy marks the old form without the readOnly byte. Decode sets
	// it when no byte follows passwd; Encode then omits readOnly.
	Legacy bool
}

// Encode implements Encodable.
func (r *ConnectRequest) Encode(e *Encoder) {
	e.WriteInt(r.ProtocolVersion)
	e.WriteLong(r.LastZxidSeen)
	e.WriteInt(r.TimeOut)
	e.WriteLong(r.SessionID)
	e.WriteBuffer(r.Passwd)
	if !r.Legacy {
		e.WriteBool(r.ReadOnly)
	}
}

// Decode implements Decodable. It reads the readOnly byte if any byte
// remains after passwd (as ZooKeeper does), else sets Legacy; so it is
// meant for a Decoder over the connect packet alone.
func (r *ConnectRequest) Decode(d *Decoder) error {
	r.ProtocolVersion = d.ReadInt()
	r.LastZxidSeen = d.ReadLong()
	r.TimeOut = d.ReadInt()
	r.SessionID = d.ReadLong()
	r.Passwd = d.ReadBuffer()
	r.Legacy = d.Err() == nil && d.Remaining() == 0
	r.ReadOnly = false
	if !r.Legacy {
		r.ReadOnly = d.ReadBool()
	}
	return d.Err()
}

// ConnectResponse answers a ConnectRequest: {int protocolVersion; int
// timeOut; long sessionId; buffer passwd; boolean readOnly}, 37 bytes
// with a 16-byte password, or 36 without readOnly in the Legacy form.
// An expired or unknown session is answered with TimeOut 0 and
// SessionID 0.
type ConnectResponse struct {
	ProtocolVersion int32
	TimeOut         int32 // negotiated session timeout, ms
	SessionID       int64
	Passwd          []byte
	ReadOnly        bool // the server is read-only
	// Legacy omits the readOnly byte; set it when the request was Legacy.
	Legacy bool
}

// Encode implements Encodable.
func (r *ConnectResponse) Encode(e *Encoder) {
	e.WriteInt(r.ProtocolVersion)
	e.WriteInt(r.TimeOut)
	e.WriteLong(r.SessionID)
	e.WriteBuffer(r.Passwd)
	if !r.Legacy {
		e.WriteBool(r.ReadOnly)
	}
}

// Decode implements Decodable; like ConnectRequest.Decode it takes the
// short form when nothing follows passwd.
func (r *ConnectResponse) Decode(d *Decoder) error {
	r.ProtocolVersion = d.ReadInt()
	r.TimeOut = d.ReadInt()
	r.SessionID = d.ReadLong()
	r.Passwd = d.ReadBuffer()
	r.Legacy = d.Err() == nil && d.Remaining() == 0
	r.ReadOnly = false
	if !r.Legacy {
		r.ReadOnly = d.ReadBool()
	}
	return d.Err()
}
