package jute

// SASLRequest is the body of a sasl request (type OpSASL, an ordinary
// xid): GetSASLRequest {buffer token}. The client's first token is empty
// for DIGEST-MD5 (length 0, not null); a null token (nil here) is a
// malformed request, which ZooKeeper answers by closing the connection.
// Token holds credentials material: never log it.
type SASLRequest struct {
	Token []byte
}

// Encode implements Encodable.
func (r *SASLRequest) Encode(e *Encoder) { e.WriteBuffer(r.Token) }

// Decode implements Decodable.
func (r *SASLRequest) Decode(d *Decoder) error {
	r.Token = d.ReadBuffer()
	return d.Err()
}

// SASLResponse answers a sasl request: SetSASLResponse {buffer token},
// the server's challenge or final token. ZooKeeper sends it with reply
// zxid 0, and also behind an AuthFailed reply header, then with a null
// token (nil here).
type SASLResponse struct {
	Token []byte
}

// Encode implements Encodable.
func (r *SASLResponse) Encode(e *Encoder) { e.WriteBuffer(r.Token) }

// Decode implements Decodable.
func (r *SASLResponse) Decode(d *Decoder) error {
	r.Token = d.ReadBuffer()
	return d.Err()
}
