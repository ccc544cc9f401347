package jute

// GetDataRequest is the body of getData (4), also inside multiRead:
// {ustring path; boolean watch}.
type GetDataRequest struct {
	Path  string
	Watch bool
}

// Encode implements Encodable.
func (r *GetDataRequest) Encode(e *Encoder) {
	e.WriteString(r.Path)
	e.WriteBool(r.Watch)
}

// Decode implements Decodable.
func (r *GetDataRequest) Decode(d *Decoder) error {
	r.Path = d.ReadString()
	r.Watch = d.ReadBool()
	return d.Err()
}

// GetDataResponse answers getData: {buffer data; Stat stat}. Data nil is
// sent as a null buffer, which is what ZooKeeper returns for a znode
// created with null data; use a non-nil empty slice for empty data.
type GetDataResponse struct {
	Data []byte
	Stat Stat
}

// Encode implements Encodable.
func (r *GetDataResponse) Encode(e *Encoder) {
	e.WriteBuffer(r.Data)
	r.Stat.Encode(e)
}

// Decode implements Decodable.
func (r *GetDataResponse) Decode(d *Decoder) error {
	r.Data = d.ReadBuffer()
	return r.Stat.Decode(d)
}
