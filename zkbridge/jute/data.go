package jute

import "github.com/zkgate/zkgate/schema"

// The records of zookeeper.jute's org.apache.zookeeper.data module that
// clients see.

// ID is an identity: org.apache.zookeeper.data.Id{ustring scheme;
// ustring id}. It converts to and from schema.ID (same fields). Either
// string may be null in what a client sends (kazoo sends every empty
// string as null): Null says which, and the string is "" then. ZooKeeper
// accepts a null id in an "auth" ACL entry and fails other nulls (see
// schema.FixupACL), so a null here is not a decoding error.
type ID struct {
	Scheme string
	ID     string
	// Null marks the strings that are null (length -1) rather than "";
	// Encode writes them as null.
	Null schema.NullField
}

// Encode implements Encodable.
func (r *ID) Encode(e *Encoder) {
	writeStringOrNull(e, r.Scheme, r.Null&schema.NullScheme != 0)
	writeStringOrNull(e, r.ID, r.Null&schema.NullID != 0)
}

// Decode implements Decodable.
func (r *ID) Decode(d *Decoder) error {
	r.Null = 0
	var null bool
	if r.Scheme, null = d.ReadStringOrNull(); null {
		r.Null |= schema.NullScheme
	}
	if r.ID, null = d.ReadStringOrNull(); null {
		r.Null |= schema.NullID
	}
	return d.Err()
}

func writeStringOrNull(e *Encoder, s string, null bool) {
	if null {
		e.WriteNullString()
		return
	}
	e.WriteString(s)
}

// ACL is one ACL entry: org.apache.zookeeper.data.ACL{int perms; Id id}.
// Perms is a set of the Perm* bits, kept as sent (ZooKeeper stores any
// value, even -1).
type ACL struct {
	Perms int32
	ID    ID
}

// aclMinSize is the smallest encoding of an ACL: perms and two empty
// strings.
const aclMinSize = 4 + 4 + 4

// Encode implements Encodable.
func (r *ACL) Encode(e *Encoder) {
	e.WriteInt(r.Perms)
	r.ID.Encode(e)
}

// Decode implements Decodable.
func (r *ACL) Decode(d *Decoder) error {
	r.Perms = d.ReadInt()
	return r.ID.Decode(d)
}

// writeACLs appends a vector<ACL>; nil is null when nullable, else empty.
func writeACLs(e *Encoder, v []ACL, nullable bool) {
	if v == nil && nullable {
		e.WriteVectorLen(-1)
		return
	}
	e.WriteVectorLen(len(v))
	for i := range v {
		v[i].Encode(e)
	}
}

// readACLs reads a vector<ACL>: nil for null when nullable, else empty.
func readACLs(d *Decoder, nullable bool) []ACL {
	n := d.ReadVectorLen(aclMinSize)
	if n < 0 {
		if nullable || d.Err() != nil {
			return nil
		}
		return []ACL{}
	}
	v := make([]ACL, n)
	for i := 0; i < n && d.Err() == nil; i++ {
		v[i].Decode(d)
	}
	return v
}

// Stat is a znode's metadata: org.apache.zookeeper.data.Stat, 68 bytes on
// the wire. Its fields are those of schema.Stat, in the same order, so
// the two convert to each other (jute.Stat(s)).
type Stat struct {
	Czxid          int64 // zxid of the create
	Mzxid          int64 // zxid of the last setData
	Ctime          int64 // create time, ms since the epoch
	Mtime          int64 // last setData time
	Version        int32 // data version
	Cversion       int32 // child version
	Aversion       int32 // ACL version
	EphemeralOwner int64 // owning session of an ephemeral, else 0
	DataLength     int32
	NumChildren    int32
	Pzxid          int64 // zxid of the last change to the children
}

// StatSize is the encoded size of a Stat.
const StatSize = 8 + 8 + 8 + 8 + 4 + 4 + 4 + 8 + 4 + 4 + 8

// Encode implements Encodable.
func (r *Stat) Encode(e *Encoder) {
	e.WriteLong(r.Czxid)
	e.WriteLong(r.Mzxid)
	e.WriteLong(r.Ctime)
	e.WriteLong(r.Mtime)
	e.WriteInt(r.Version)
	e.WriteInt(r.Cversion)
	e.WriteInt(r.Aversion)
	e.WriteLong(r.EphemeralOwner)
	e.WriteInt(r.DataLength)
	e.WriteInt(r.NumChildren)
	e.WriteLong(r.Pzxid)
}

// Decode implements Decodable.
func (r *Stat) Decode(d *Decoder) error {
	r.Czxid = d.ReadLong()
	r.Mzxid = d.ReadLong()
	r.Ctime = d.ReadLong()
	r.Mtime = d.ReadLong()
	r.Version = d.ReadInt()
	r.Cversion = d.ReadInt()
	r.Aversion = d.ReadInt()
	r.EphemeralOwner = d.ReadLong()
	r.DataLength = d.ReadInt()
	r.NumChildren = d.ReadInt()
	r.Pzxid = d.ReadLong()
	return d.Err()
}

// ClientInfo is one identity of a session as whoAmI reports it:
// org.apache.zookeeper.data.ClientInfo{ustring authScheme; ustring user}
// (ZooKeeper 3.7+).
type ClientInfo struct {
	AuthScheme string
	User       string
}

// Encode implements Encodable.
func (r *ClientInfo) Encode(e *Encoder) {
	e.WriteString(r.AuthScheme)
	e.WriteString(r.User)
}

// Decode implements Decodable.
func (r *ClientInfo) Decode(d *Decoder) error {
	r.AuthScheme = d.ReadString()
	r.User = d.ReadString()
	return d.Err()
}
