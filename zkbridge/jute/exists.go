package jute

// ExistsRequest is the body of exists (3): {ustring path; boolean watch}.
type ExistsRequest struct {
	Path  string
	Watch bool
}

// Encode implements Encodable.
func (r *ExistsRequest) Encode(e *Encoder) {
	e.WriteString(r.Path)
	e.WriteBool(r.Watch)
}

// Decode implements Decodable.
func (r *ExistsRequest) Decode(d *Decoder) error {
	r.Path = d.ReadString()
	r.Watch = d.ReadBool()
	return d.Err()
}

// ExistsResponse answers exists: {Stat stat}. A missing node is answered
// with NoNode in the ReplyHeader and no body.
type ExistsResponse struct {
	Stat Stat
}

// Encode implements Encodable.
func (r *ExistsResponse) Encode(e *Encoder) {
	r.Stat.Encode(e)
}

// Decode implements Decodable.
func (r *ExistsResponse) Decode(d *Decoder) error {
	return r.Stat.Decode(d)
}
