package jute

// GetEphemeralsRequest is the body of getEphemerals (103):
// {ustring prefixPath}.
type GetEphemeralsRequest struct {
	PrefixPath string
}

// Encode implements Encodable.
func (r *GetEphemeralsRequest) Encode(e *Encoder) {
	e.WriteString(r.PrefixPath)
}

// Decode implements Decodable.
func (r *GetEphemeralsRequest) Decode(d *Decoder) error {
	r.PrefixPath = d.ReadString()
	return d.Err()
}

// GetEphemeralsResponse answers getEphemerals: {vector<ustring>
// ephemerals}, full paths. Nil is sent as an empty vector.
type GetEphemeralsResponse struct {
	Ephemerals []string
}

// Encode implements Encodable.
func (r *GetEphemeralsResponse) Encode(e *Encoder) {
	e.writeStrings(r.Ephemerals)
}

// Decode implements Decodable.
func (r *GetEphemeralsResponse) Decode(d *Decoder) error {
	r.Ephemerals = d.readStrings()
	return d.Err()
}
