package jute

// WhoAmIResponse answers whoAmI (107, a request with no body):
// {vector<ClientInfo> clientInfo}. Nil is sent as an empty vector.
type WhoAmIResponse struct {
	ClientInfo []ClientInfo
}

// clientInfoMinSize is the smallest encoding of a ClientInfo.
const clientInfoMinSize = 4 + 4

// Encode implements Encodable.
func (r *WhoAmIResponse) Encode(e *Encoder) {
	e.WriteVectorLen(len(r.ClientInfo))
	for i := range r.ClientInfo {
		r.ClientInfo[i].Encode(e)
	}
}

// Decode implements Decodable. A null vector is read as empty.
func (r *WhoAmIResponse) Decode(d *Decoder) error {
	n := d.ReadVectorLen(clientInfoMinSize)
	r.ClientInfo = make([]ClientInfo, max(n, 0))
	for i := 0; i < n && d.Err() == nil; i++ {
		r.ClientInfo[i].Decode(d)
	}
	return d.Err()
}
