package jute

// GetACLRequest is the body of getACL (6): {ustring path}.
type GetACLRequest struct {
	Path string
}

// Encode implements Encodable.
func (r *GetACLRequest) Encode(e *Encoder) {
	e.WriteString(r.Path)
}

// Decode implements Decodable.
func (r *GetACLRequest) Decode(d *Decoder) error {
	r.Path = d.ReadString()
	return d.Err()
}

// GetACLResponse answers getACL: {vector<ACL> acl; Stat stat}. As in
// every reply, a nil ACL is sent as an empty vector, never null.
type GetACLResponse struct {
	ACL  []ACL
	Stat Stat
}

// Encode implements Encodable.
func (r *GetACLResponse) Encode(e *Encoder) {
	writeACLs(e, r.ACL, false)
	r.Stat.Encode(e)
}

// Decode implements Decodable.
func (r *GetACLResponse) Decode(d *Decoder) error {
	r.ACL = readACLs(d, false)
	return r.Stat.Decode(d)
}

// SetACLRequest is the body of setACL (7): {ustring path; vector<ACL>
// acl; int version}. ACL is nil when sent as null.
type SetACLRequest struct {
	Path    string
	ACL     []ACL
	Version int32
}

// Encode implements Encodable.
func (r *SetACLRequest) Encode(e *Encoder) {
	e.WriteString(r.Path)
	writeACLs(e, r.ACL, true)
	e.WriteInt(r.Version)
}

// Decode implements Decodable.
func (r *SetACLRequest) Decode(d *Decoder) error {
	r.Path = d.ReadString()
	r.ACL = readACLs(d, true)
	r.Version = d.ReadInt()
	return d.Err()
}

// SetACLResponse answers setACL: {Stat stat}.
type SetACLResponse struct {
	Stat Stat
}

// Encode implements Encodable.
func (r *SetACLResponse) Encode(e *Encoder) {
	r.Stat.Encode(e)
}

// Decode implements Decodable.
func (r *SetACLResponse) Decode(d *Decoder) error {
	return r.Stat.Decode(d)
}
