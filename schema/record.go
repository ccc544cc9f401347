package schema

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Kind is what sort of znode a record is.
type Kind uint8

// Kinds of znode. Sequential is not a kind: it only names the node.
const (
	KindPersistent Kind = iota
	KindEphemeral
	KindContainer
	KindTTL
)

func (k Kind) String() string {
	switch k {
	case KindPersistent:
		return "persistent"
	case KindEphemeral:
		return "ephemeral"
	case KindContainer:
		return "container"
	case KindTTL:
		return "ttl"
	}
	return fmt.Sprintf("Kind(%d)", k)
}

// Node is the value of a znode's node key. The zxids of the Stat are not
// stored: czxid and mzxid are the node key's create and mod revisions.
type Node struct {
	Kind    Kind
	Version int32 // data version, incremented by each setData
	Ctime   int64 // ms since the epoch, at create
	Mtime   int64 // ms since the epoch, at create or last setData
	// Owner is the owning session of an ephemeral, 0 otherwise.
	Owner int64
	// TTL is the time to live of a TTL node in ms, 0 otherwise.
	TTL int64
	// Data is the znode's data. nil is null data, which ZooKeeper keeps
	// apart from empty data (a client that creates a znode with null data
	// reads null back); a non-nil empty slice is empty data.
	Data []byte
	// Czxid, when not 0, overrides the key's etcd create revision as the
	// znode's czxid; CzxidThisWrite (-1) means the revision this record
	// was written at. A multi that deletes a znode and creates it again
	// cannot delete and put one key in one etcd transaction: it writes
	// the new znode over the old key, which keeps its create revision,
	// and marks the record so (see NodeCreatedByWrite).
	Czxid int64
	// Writer is the session whose request wrote this record (0 for
	// zkgate's own writes and requests without a session), as
	// ZooKeeper's transaction log keeps the session of each
	// transaction: History lists it.
	Writer int64
}

// CzxidThisWrite is Node.Czxid for a record that created its znode
// anew at the revision it was written.
const CzxidThisWrite = -1

// NodeCreatedByWrite reports whether the node record b was written by the
// write that created its znode anew over a key that already held one
// (Node.Czxid is CzxidThisWrite): a delete and a create, for watches.
func NodeCreatedByWrite(b []byte) bool {
	if len(b) < 2 || (b[0] != nodeFormatCzxid && b[0] != nodeFormatCzxidNullData && (b[0] != nodeFormatFlags || b[1]&nodeFlagCzxid == 0)) {
		return false
	}
	n, err := UnmarshalNode(b)
	return err == nil && n.Czxid == CzxidThisWrite
}

// Meta is the value of a znode's children meta key.
type Meta struct {
	NumChildren int32
	// Creations counts children ever created; the next sequential child
	// gets it as its suffix. It is never decremented.
	Creations int32
}

// Cversion is the cversion ZooKeeper reports: it stores the creations
// count and derives cversion as 2*creations - numChildren, which is one
// per child created plus one per child deleted for any znode that started
// childless (and -1 for the root, which starts with /zookeeper).
func (m Meta) Cversion() int32 { return 2*m.Creations - m.NumChildren }

// ACLRecord is the value of a znode's ACL key.
type ACLRecord struct {
	Aversion int32
	ACL      []ACL
	// Writer is the session whose request wrote this record (a create
	// or a setACL), as Node.Writer.
	Writer int64
}

// Session is the value of a session key.
type Session struct {
	Password  []byte // 16 bytes
	TimeoutMs int32  // negotiated timeout
	// EphemeralLease holds the session's ephemeral znodes. It outlives the
	// session lease by a grace period, so a gateway normally removes the
	// ephemerals itself (updating their parents) before etcd would. 0
	// until the session creates its first ephemeral: the write that does
	// writes the lease here too.
	EphemeralLease int64
	// Lease is the session lease, which holds this record. 0 in records
	// of format 1, whose session id is their lease's id (see LeaseOf).
	Lease int64
}

// LeaseOf is the session lease of session id, whose record is s.
func (s Session) LeaseOf(id int64) int64 {
	if s.Lease != 0 {
		return s.Lease
	}
	return id
}

// sessionFormatLease is the format byte of a session record that names
// its session lease (Session.Lease) after the ephemeral lease; records
// without one keep format 1.
const sessionFormatLease = 2

const recordFormat = 1

// nodeFormatNullData is the format byte of a node record whose data is
// null: the same fields as format 1 and no data bytes after them. Records
// with data (empty included) keep format 1, so records written before null
// data was kept apart read as they did: with empty data.
const nodeFormatNullData = 2

// nodeFormatCzxid and nodeFormatCzxidNullData are formats 1 and 2 with
// Node.Czxid after TTL; records without it keep formats 1 and 2.
const (
	nodeFormatCzxid         = 3
	nodeFormatCzxidNullData = 4
)

// nodeFormatFlags is the format of a node record with a Writer: a flags
// byte (nodeFlagNullData, nodeFlagCzxid) follows the format byte, then
// the fields of format 1, Czxid when flagged, Writer, and the data bytes
// unless null. Records without a Writer keep formats 1 to 4.
const nodeFormatFlags = 5

const (
	nodeFlagNullData = 1 << iota
	nodeFlagCzxid
)

// aclFormatWriter is the format of an ACL record with a Writer, which
// follows Aversion; records without one keep format 1.
const aclFormatWriter = 2

// ErrCorrupt is returned when a stored record cannot be decoded.
var ErrCorrupt = errors.New("corrupt zkgate record")

// The encodings are: a format byte, then varint fields in order, then any
// bytes payload last. Unknown trailing fields are an error, so a record of
// a later format is never silently misread.

// Marshal encodes n: format 1 with the data last, or format 2 (no data
// bytes) when n.Data is nil.
func (n *Node) Marshal() []byte {
	b := make([]byte, 0, 40+len(n.Data))
	if n.Writer != 0 {
		var flags byte
		if n.Data == nil {
			flags |= nodeFlagNullData
		}
		if n.Czxid != 0 {
			flags |= nodeFlagCzxid
		}
		b = append(b, nodeFormatFlags, flags, byte(n.Kind))
		b = binary.AppendVarint(b, int64(n.Version))
		b = binary.AppendVarint(b, n.Ctime)
		b = binary.AppendVarint(b, n.Mtime)
		b = binary.AppendVarint(b, n.Owner)
		b = binary.AppendVarint(b, n.TTL)
		if n.Czxid != 0 {
			b = binary.AppendVarint(b, n.Czxid)
		}
		b = binary.AppendVarint(b, n.Writer)
		return append(b, n.Data...)
	}
	format := byte(recordFormat)
	switch {
	case n.Data == nil && n.Czxid != 0:
		format = nodeFormatCzxidNullData
	case n.Data == nil:
		format = nodeFormatNullData
	case n.Czxid != 0:
		format = nodeFormatCzxid
	}
	b = append(b, format, byte(n.Kind))
	b = binary.AppendVarint(b, int64(n.Version))
	b = binary.AppendVarint(b, n.Ctime)
	b = binary.AppendVarint(b, n.Mtime)
	b = binary.AppendVarint(b, n.Owner)
	b = binary.AppendVarint(b, n.TTL)
	if n.Czxid != 0 {
		b = binary.AppendVarint(b, n.Czxid)
	}
	return append(b, n.Data...)
}

// UnmarshalNode decodes a node record. Its Data is nil for null data and
// a non-nil slice otherwise (empty for empty data).
func UnmarshalNode(b []byte) (Node, error) { return unmarshalNode(b, false) }

// UnmarshalNodeShared is UnmarshalNode, but the Data it returns is b's
// own bytes (with no room to append into b), not a copy: for records
// that neither the caller nor anyone it hands Data to writes into, such
// as values kept in a cache.
func UnmarshalNodeShared(b []byte) (Node, error) { return unmarshalNode(b, true) }

func unmarshalNode(b []byte, share bool) (Node, error) {
	var n Node
	r := reader{b: b}
	format := r.byte()
	var nullData, hasCzxid bool
	switch format {
	case recordFormat:
	case nodeFormatNullData:
		nullData = true
	case nodeFormatCzxid:
		hasCzxid = true
	case nodeFormatCzxidNullData:
		nullData, hasCzxid = true, true
	case nodeFormatFlags:
		flags := r.byte()
		if flags&^(nodeFlagNullData|nodeFlagCzxid) != 0 {
			return n, ErrCorrupt
		}
		nullData, hasCzxid = flags&nodeFlagNullData != 0, flags&nodeFlagCzxid != 0
	default:
		return n, ErrCorrupt
	}
	n.Kind = Kind(r.byte())
	n.Version = int32(r.varint())
	n.Ctime = r.varint()
	n.Mtime = r.varint()
	n.Owner = r.varint()
	n.TTL = r.varint()
	if hasCzxid {
		n.Czxid = r.varint()
		if n.Czxid == 0 || n.Czxid < CzxidThisWrite {
			return Node{}, ErrCorrupt
		}
	}
	if format == nodeFormatFlags {
		if n.Writer = r.varint(); n.Writer == 0 {
			return Node{}, ErrCorrupt
		}
	}
	if r.err != nil || n.Kind > KindTTL {
		return Node{}, ErrCorrupt
	}
	if nullData {
		if len(r.b) != 0 {
			return Node{}, ErrCorrupt
		}
		return n, nil
	}
	if share {
		n.Data = r.b[:len(r.b):len(r.b)]
		return n, nil
	}
	n.Data = r.rest()
	return n, nil
}

// Marshal encodes m.
func (m *Meta) Marshal() []byte {
	b := make([]byte, 0, 16)
	b = append(b, recordFormat)
	b = binary.AppendVarint(b, int64(m.NumChildren))
	b = binary.AppendVarint(b, int64(m.Creations))
	return b
}

// UnmarshalMeta decodes a children meta record.
func UnmarshalMeta(b []byte) (Meta, error) {
	var m Meta
	r := reader{b: b}
	if r.byte() != recordFormat {
		return m, ErrCorrupt
	}
	m.NumChildren = int32(r.varint())
	m.Creations = int32(r.varint())
	if r.err != nil || len(r.rest()) != 0 {
		return Meta{}, ErrCorrupt
	}
	return m, nil
}

// Marshal encodes a.
func (a *ACLRecord) Marshal() []byte {
	b := []byte{recordFormat}
	if a.Writer != 0 {
		b[0] = aclFormatWriter
	}
	b = binary.AppendVarint(b, int64(a.Aversion))
	if a.Writer != 0 {
		b = binary.AppendVarint(b, a.Writer)
	}
	b = binary.AppendUvarint(b, uint64(len(a.ACL)))
	for _, e := range a.ACL {
		b = binary.AppendVarint(b, int64(e.Perms))
		b = appendString(b, e.ID.Scheme)
		b = appendString(b, e.ID.ID)
	}
	return b
}

// UnmarshalACL decodes an ACL record.
func UnmarshalACL(b []byte) (ACLRecord, error) {
	var a ACLRecord
	r := reader{b: b}
	format := r.byte()
	if format != recordFormat && format != aclFormatWriter {
		return a, ErrCorrupt
	}
	a.Aversion = int32(r.varint())
	if format == aclFormatWriter {
		if a.Writer = r.varint(); a.Writer == 0 {
			return ACLRecord{}, ErrCorrupt
		}
	}
	n := r.uvarint()
	if n > uint64(len(b)) {
		return ACLRecord{}, ErrCorrupt
	}
	a.ACL = make([]ACL, 0, n)
	for range n {
		var e ACL
		e.Perms = Perm(r.varint())
		e.ID.Scheme = r.string()
		e.ID.ID = r.string()
		a.ACL = append(a.ACL, e)
	}
	if r.err != nil || len(r.rest()) != 0 {
		return ACLRecord{}, ErrCorrupt
	}
	return a, nil
}

// Marshal encodes s.
func (s *Session) Marshal() []byte {
	format := byte(recordFormat)
	if s.Lease != 0 {
		format = sessionFormatLease
	}
	b := []byte{format}
	b = binary.AppendVarint(b, int64(s.TimeoutMs))
	b = binary.AppendVarint(b, s.EphemeralLease)
	if s.Lease != 0 {
		b = binary.AppendVarint(b, s.Lease)
	}
	return append(b, s.Password...)
}

// UnmarshalSession decodes a session record.
func UnmarshalSession(b []byte) (Session, error) {
	var s Session
	r := reader{b: b}
	format := r.byte()
	if format != recordFormat && format != sessionFormatLease {
		return s, ErrCorrupt
	}
	s.TimeoutMs = int32(r.varint())
	s.EphemeralLease = r.varint()
	if format == sessionFormatLease {
		if s.Lease = r.varint(); s.Lease == 0 {
			return Session{}, ErrCorrupt
		}
	}
	if r.err != nil {
		return Session{}, ErrCorrupt
	}
	s.Password = r.rest()
	return s, nil
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

type reader struct {
	b   []byte
	err error
}

func (r *reader) byte() byte {
	if len(r.b) == 0 {
		r.err = ErrCorrupt
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *reader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.err = ErrCorrupt
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = ErrCorrupt
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) string() string {
	n := r.uvarint()
	if r.err != nil || n > uint64(len(r.b)) {
		r.err = ErrCorrupt
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

func (r *reader) rest() []byte {
	out := make([]byte, len(r.b))
	copy(out, r.b)
	r.b = nil
	return out
}
