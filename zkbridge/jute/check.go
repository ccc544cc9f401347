package jute

// CheckVersionRequest is the body of check (13), which only appears
// inside a multi: {ustring path; int version}.
type CheckVersionRequest struct {
	Path    string
	Version int32
}

// Encode implements Encodable.
func (r *CheckVersionRequest) Encode(e *Encoder) {
	e.WriteString(r.Path)
	e.WriteInt(r.Version)
}

// Decode implements Decodable.
func (r *CheckVersionRequest) Decode(d *Decoder) error {
	r.Path = d.ReadString()
	r.Version = d.ReadInt()
	return d.Err()
}
