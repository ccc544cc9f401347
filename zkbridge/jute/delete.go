package jute

// DeleteRequest is the body of delete (2): {ustring path; int version},
// version -1 matching any.
type DeleteRequest struct {
	Path    string
	Version int32
}

// Encode implements Encodable.
func (r *DeleteRequest) Encode(e *Encoder) {
	e.WriteString(r.Path)
	e.WriteInt(r.Version)
}

// Decode implements Decodable.
func (r *DeleteRequest) Decode(d *Decoder) error {
	r.Path = d.ReadString()
	r.Version = d.ReadInt()
	return d.Err()
}
