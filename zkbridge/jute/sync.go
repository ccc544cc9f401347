package jute

// SyncRequest is the body of sync (9): {ustring path}.
type SyncRequest struct {
	Path string
}

// Encode implements Encodable.
func (r *SyncRequest) Encode(e *Encoder) {
	e.WriteString(r.Path)
}

// Decode implements Decodable.
func (r *SyncRequest) Decode(d *Decoder) error {
	r.Path = d.ReadString()
	return d.Err()
}

// SyncResponse answers sync: {ustring path}, the request's path echoed.
type SyncResponse struct {
	Path string
}

// Encode implements Encodable.
func (r *SyncResponse) Encode(e *Encoder) {
	e.WriteString(r.Path)
}

// Decode implements Decodable.
func (r *SyncResponse) Decode(d *Decoder) error {
	r.Path = d.ReadString()
	return d.Err()
}
