package schema

// Stat is a znode's Stat as ZooKeeper defines it. zxids are etcd revisions.
type Stat struct {
	Czxid          int64
	Mzxid          int64
	Ctime          int64
	Mtime          int64
	Version        int32
	Cversion       int32
	Aversion       int32
	EphemeralOwner int64
	DataLength     int32
	NumChildren    int32
	Pzxid          int64
}

// MaxTTL is the largest TTL ZooKeeper accepts, in ms (2^40-1: it keeps
// the TTL in the low 40 bits of an internal owner field).
const MaxTTL int64 = 1<<40 - 1

// OwnerField is what Stat.ephemeralOwner shows for n: the owning session
// of an ephemeral, else 0. ZooKeeper marks containers and TTL nodes with
// special owner values internally but shows clients 0 for them too.
func (n *Node) OwnerField() int64 {
	if n.Kind == KindEphemeral {
		return n.Owner
	}
	return 0
}

// Revisions are the etcd revisions a Stat is derived from. A zero
// MetaModRevision means the meta key does not exist.
type Revisions struct {
	NodeCreate, NodeMod int64
	MetaMod             int64
}

// MakeStat assembles a Stat from a node record, its children meta and ACL
// version, and the revisions of their keys.
func MakeStat(n *Node, m Meta, aversion int32, rev Revisions) Stat {
	pzxid := rev.MetaMod
	if pzxid == 0 {
		pzxid = rev.NodeCreate
	}
	return Stat{
		Czxid:          rev.NodeCreate,
		Mzxid:          rev.NodeMod,
		Ctime:          n.Ctime,
		Mtime:          n.Mtime,
		Version:        n.Version,
		Cversion:       m.Cversion(),
		Aversion:       aversion,
		EphemeralOwner: n.OwnerField(),
		DataLength:     int32(len(n.Data)),
		NumChildren:    m.NumChildren,
		Pzxid:          pzxid,
	}
}
