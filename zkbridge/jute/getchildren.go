package jute

// GetChildrenRequest is the body of getChildren (8), also inside
// multiRead: {ustring path; boolean watch}.
type GetChildrenRequest struct {
	Path  string
	Watch bool
}

// Encode implements Encodable.
func (r *GetChildrenRequest) Encode(e *Encoder) {
	e.WriteString(r.Path)
	e.WriteBool(r.Watch)
}

// Decode implements Decodable.
func (r *GetChildrenRequest) Decode(d *Decoder) error {
	r.Path = d.ReadString()
	r.Watch = d.ReadBool()
	return d.Err()
}

// GetChildrenResponse answers getChildren: {vector<ustring> children},
// the children's names (not paths). Nil is sent as an empty vector.
type GetChildrenResponse struct {
	Children []string
}

// Encode implements Encodable.
func (r *GetChildrenResponse) Encode(e *Encoder) {
	e.writeStrings(r.Children)
}

// Decode implements Decodable.
func (r *GetChildrenResponse) Decode(d *Decoder) error {
	r.Children = d.readStrings()
	return d.Err()
}

// GetChildren2Request is the body of getChildren2 (12): {ustring path;
// boolean watch}.
type GetChildren2Request struct {
	Path  string
	Watch bool
}

// Encode implements Encodable.
func (r *GetChildren2Request) Encode(e *Encoder) {
	e.WriteString(r.Path)
	e.WriteBool(r.Watch)
}

// Decode implements Decodable.
func (r *GetChildren2Request) Decode(d *Decoder) error {
	r.Path = d.ReadString()
	r.Watch = d.ReadBool()
	return d.Err()
}

// GetChildren2Response answers getChildren2: {vector<ustring> children;
// Stat stat}. Nil children are sent as an empty vector.
type GetChildren2Response struct {
	Children []string
	Stat     Stat
}

// Encode implements Encodable.
func (r *GetChildren2Response) Encode(e *Encoder) {
	e.writeStrings(r.Children)
	r.Stat.Encode(e)
}

// Decode implements Decodable.
func (r *GetChildren2Response) Decode(d *Decoder) error {
	r.Children = d.readStrings()
	return r.Stat.Decode(d)
}

// GetAllChildrenNumberRequest is the body of getAllChildrenNumber (104):
// {ustring path}.
type GetAllChildrenNumberRequest struct {
	Path string
}

// Encode implements Encodable.
func (r *GetAllChildrenNumberRequest) Encode(e *Encoder) {
	e.WriteString(r.Path)
}

// Decode implements Decodable.
func (r *GetAllChildrenNumberRequest) Decode(d *Decoder) error {
	r.Path = d.ReadString()
	return d.Err()
}

// GetAllChildrenNumberResponse answers getAllChildrenNumber:
// {int totalNumber}, the number of all descendants.
type GetAllChildrenNumberResponse struct {
	TotalNumber int32
}

// Encode implements Encodable.
func (r *GetAllChildrenNumberResponse) Encode(e *Encoder) {
	e.WriteInt(r.TotalNumber)
}

// Decode implements Decodable.
func (r *GetAllChildrenNumberResponse) Decode(d *Decoder) error {
	r.TotalNumber = d.ReadInt()
	return d.Err()
}
