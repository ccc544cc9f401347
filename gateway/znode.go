package gateway

import (
	"fmt"

	"github.com/zkgate/zkgate/schema"
)

// znode is a znode as a view sees it.
type znode struct {
	path      string
	rec       schema.Node
	createRev int64
	modRev    int64
	lease     int64
}

// node reads the znode at path; ok is false if there is none.
func (v *view) node(path string) (z *znode, ok bool) {
	e := v.get(schema.NodeKey(path))
	if !e.exists {
		return nil, false
	}
	rec, err := e.node()
	if err != nil {
		v.fail(fmt.Errorf("znode %s: %w", path, err))
		return nil, false
	}
	return &znode{path: path, rec: rec, createRev: czxidOf(&rec, e.createRev, e.modRev), modRev: e.modRev, lease: e.lease}, true
}

// czxidOf is the czxid of a node record whose key has the given create
// and mod revisions: the key's create revision unless the record says
// otherwise (schema.Node.Czxid).
func czxidOf(rec *schema.Node, createRev, modRev int64) int64 {
	switch {
	case rec.Czxid == schema.CzxidThisWrite:
		return modRev
	case rec.Czxid != 0:
		return rec.Czxid
	}
	return createRev
}

// meta reads path's children meta and the revision of its key (0 if it
// has none yet).
func (v *view) meta(path string) (schema.Meta, int64) {
	e := v.get(schema.MetaKey(path))
	if !e.exists {
		return schema.Meta{}, 0
	}
	m, err := schema.UnmarshalMeta(e.value)
	if err != nil {
		v.fail(fmt.Errorf("children of %s: %w", path, err))
	}
	return m, e.modRev
}

// acl reads path's ACL; a znode without an ACL key is world:anyone:cdrwa
// at aversion 0.
func (v *view) acl(path string) schema.ACLRecord {
	e := v.get(schema.ACLKey(path))
	if !e.exists {
		return schema.ACLRecord{ACL: schema.OpenACLUnsafe}
	}
	a, err := schema.UnmarshalACL(e.value)
	if err != nil {
		v.fail(fmt.Errorf("ACL of %s: %w", path, err))
	}
	return a
}

func (v *view) fail(err error) {
	if v.err == nil {
		v.err = err
	}
}

// putNode writes z. A znode whose czxid is not its key's etcd create
// revision (created anew, in this batch, over a key etcd still holds: a
// multi that deletes it and creates it again) says so in its record
// (schema.Node.Czxid), and keeps saying so in later writes.
func (v *view) putNode(z *znode) {
	key := schema.NodeKey(z.path)
	m := v.base.marker()
	czxid := m
	if old := v.get(key); old.exists {
		czxid = z.createRev
	}
	rec := z.rec
	rec.Czxid, rec.Writer = 0, v.writer
	if b := v.base.before(key); b != nil && b.exists && czxid != b.createRev {
		switch {
		case czxid == m:
			rec.Czxid = schema.CzxidThisWrite
		case czxid < 0:
			// The czxid of a batch in flight: not known yet (such a
			// key is read inexactly, so this request waits anyway).
			v.base.blocked = true
		default:
			rec.Czxid = czxid
		}
	}
	v.put(key, rec.Marshal(), z.lease)
}

func (v *view) putMeta(path string, m schema.Meta) {
	v.put(schema.MetaKey(path), m.Marshal(), 0)
}

// stat computes path's Stat in v; revisions written by batches not yet
// committed are markers until they commit (see resolveStat).
func (v *view) stat(z *znode) schema.Stat {
	m, metaRev := v.meta(z.path)
	a := v.acl(z.path)
	return schema.MakeStat(&z.rec, m, a.Aversion, schema.Revisions{NodeCreate: z.createRev, NodeMod: z.modRev, MetaMod: metaRev})
}

// resolveStat replaces the markers in a Stat built in a view by the
// committed revisions revOf gives; it reports false if one is unknown.
func resolveStat(s *schema.Stat, revOf func(marker int64) (int64, bool)) bool {
	ok := true
	for _, p := range []*int64{&s.Czxid, &s.Mzxid, &s.Pzxid} {
		if *p < 0 {
			r, known := revOf(*p)
			*p = r
			ok = ok && known
		}
	}
	return ok
}
