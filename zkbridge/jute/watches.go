package jute

// SetWatches re-arms a client's one-shot watches after a reconnect (xid
// XidSetWatches, type OpSetWatches): {long relativeZxid;
// vector<ustring> dataWatches; vector<ustring> existWatches;
// vector<ustring> childWatches}. Vectors are nil when sent as null.
type SetWatches struct {
	RelativeZxid int64
	DataWatches  []string
	ExistWatches []string
	ChildWatches []string
}

// Encode implements Encodable.
func (r *SetWatches) Encode(e *Encoder) {
	e.WriteLong(r.RelativeZxid)
	e.WriteStrings(r.DataWatches)
	e.WriteStrings(r.ExistWatches)
	e.WriteStrings(r.ChildWatches)
}

// Decode implements Decodable.
func (r *SetWatches) Decode(d *Decoder) error {
	r.RelativeZxid = d.ReadLong()
	r.DataWatches = d.ReadStrings()
	r.ExistWatches = d.ReadStrings()
	r.ChildWatches = d.ReadStrings()
	return d.Err()
}

// SetWatches2 is SetWatches with persistent watches (type OpSetWatches2,
// ZooKeeper 3.6+): SetWatches' fields and {vector<ustring>
// persistentWatches; vector<ustring> persistentRecursiveWatches}.
type SetWatches2 struct {
	RelativeZxid               int64
	DataWatches                []string
	ExistWatches               []string
	ChildWatches               []string
	PersistentWatches          []string
	PersistentRecursiveWatches []string
}

// Encode implements Encodable.
func (r *SetWatches2) Encode(e *Encoder) {
	e.WriteLong(r.RelativeZxid)
	e.WriteStrings(r.DataWatches)
	e.WriteStrings(r.ExistWatches)
	e.WriteStrings(r.ChildWatches)
	e.WriteStrings(r.PersistentWatches)
	e.WriteStrings(r.PersistentRecursiveWatches)
}

// Decode implements Decodable.
func (r *SetWatches2) Decode(d *Decoder) error {
	r.RelativeZxid = d.ReadLong()
	r.DataWatches = d.ReadStrings()
	r.ExistWatches = d.ReadStrings()
	r.ChildWatches = d.ReadStrings()
	r.PersistentWatches = d.ReadStrings()
	r.PersistentRecursiveWatches = d.ReadStrings()
	return d.Err()
}

// AddWatchRequest is the body of addWatch (106): {ustring path; int mode}.
type AddWatchRequest struct {
	Path string
	Mode AddWatchMode
}

// Encode implements Encodable.
func (r *AddWatchRequest) Encode(e *Encoder) {
	e.WriteString(r.Path)
	e.WriteInt(int32(r.Mode))
}

// Decode implements Decodable.
func (r *AddWatchRequest) Decode(d *Decoder) error {
	r.Path = d.ReadString()
	r.Mode = AddWatchMode(d.ReadInt())
	return d.Err()
}

// CheckWatchesRequest is the body of checkWatches (17): {ustring path;
// int type}.
type CheckWatchesRequest struct {
	Path string
	Type WatcherType
}

// Encode implements Encodable.
func (r *CheckWatchesRequest) Encode(e *Encoder) {
	e.WriteString(r.Path)
	e.WriteInt(int32(r.Type))
}

// Decode implements Decodable.
func (r *CheckWatchesRequest) Decode(d *Decoder) error {
	r.Path = d.ReadString()
	r.Type = WatcherType(d.ReadInt())
	return d.Err()
}

// RemoveWatchesRequest is the body of removeWatches (18): {ustring path;
// int type}.
type RemoveWatchesRequest struct {
	Path string
	Type WatcherType
}

// Encode implements Encodable.
func (r *RemoveWatchesRequest) Encode(e *Encoder) {
	e.WriteString(r.Path)
	e.WriteInt(int32(r.Type))
}

// Decode implements Decodable.
func (r *RemoveWatchesRequest) Decode(d *Decoder) error {
	r.Path = d.ReadString()
	r.Type = WatcherType(d.ReadInt())
	return d.Err()
}
