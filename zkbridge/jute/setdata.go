package jute

// SetDataRequest is the body of setData (5): {ustring path; buffer data;
// int version}.
type SetDataRequest struct {
	Path    string
	Data    []byte
	Version int32
}

// Encode implements Encodable.
func (r *SetDataRequest) Encode(e *Encoder) {
	e.WriteString(r.Path)
	e.WriteBuffer(r.Data)
	e.WriteInt(r.Version)
}

// Decode implements Decodable.
func (r *SetDataRequest) Decode(d *Decoder) error {
	r.Path = d.ReadString()
	r.Data = d.ReadBuffer()
	r.Version = d.ReadInt()
	return d.Err()
}

// SetDataResponse answers setData: {Stat stat}.
type SetDataResponse struct {
	Stat Stat
}

// Encode implements Encodable.
func (r *SetDataResponse) Encode(e *Encoder) {
	r.Stat.Encode(e)
}

// Decode implements Decodable.
func (r *SetDataResponse) Decode(d *Decoder) error {
	return r.Stat.Decode(d)
}
