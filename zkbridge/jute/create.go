package jute

// CreateRequest is the body of create (1), create2 (15) and
// createContainer (19): {ustring path; buffer data; vector<ACL> acl;
// int flags}. Data and ACL are nil when sent as null (ZooKeeper stores
// null data as such and answers a null ACL list with InvalidACL).
type CreateRequest struct {
	Path  string
	Data  []byte
	ACL   []ACL
	Flags CreateMode
}

// Encode implements Encodable.
func (r *CreateRequest) Encode(e *Encoder) {
	e.WriteString(r.Path)
	e.WriteBuffer(r.Data)
	writeACLs(e, r.ACL, true)
	e.WriteInt(int32(r.Flags))
}

// Decode implements Decodable.
func (r *CreateRequest) Decode(d *Decoder) error {
	r.Path = d.ReadString()
	r.Data = d.ReadBuffer()
	r.ACL = readACLs(d, true)
	r.Flags = CreateMode(d.ReadInt())
	return d.Err()
}

// CreateTTLRequest is the body of createTTL (21): CreateRequest's fields
// and {long ttl} (ms).
type CreateTTLRequest struct {
	Path  string
	Data  []byte
	ACL   []ACL
	Flags CreateMode
	TTL   int64
}

// Encode implements Encodable.
func (r *CreateTTLRequest) Encode(e *Encoder) {
	e.WriteString(r.Path)
	e.WriteBuffer(r.Data)
	writeACLs(e, r.ACL, true)
	e.WriteInt(int32(r.Flags))
	e.WriteLong(r.TTL)
}

// Decode implements Decodable.
func (r *CreateTTLRequest) Decode(d *Decoder) error {
	r.Path = d.ReadString()
	r.Data = d.ReadBuffer()
	r.ACL = readACLs(d, true)
	r.Flags = CreateMode(d.ReadInt())
	r.TTL = d.ReadLong()
	return d.Err()
}

// CreateResponse answers create (1): {ustring path}, the path created
// (with its sequence suffix).
type CreateResponse struct {
	Path string
}

// Encode implements Encodable.
func (r *CreateResponse) Encode(e *Encoder) {
	e.WriteString(r.Path)
}

// Decode implements Decodable.
func (r *CreateResponse) Decode(d *Decoder) error {
	r.Path = d.ReadString()
	return d.Err()
}

// Create2Response answers create2 (15), createContainer (19) and
// createTTL (21): {ustring path; Stat stat}.
type Create2Response struct {
	Path string
	Stat Stat
}

// Encode implements Encodable.
func (r *Create2Response) Encode(e *Encoder) {
	e.WriteString(r.Path)
	r.Stat.Encode(e)
}

// Decode implements Decodable.
func (r *Create2Response) Decode(d *Decoder) error {
	r.Path = d.ReadString()
	return r.Stat.Decode(d)
}
