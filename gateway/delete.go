package gateway

import (
	"context"

	"github.com/zkgate/zkgate/schema"
)

// Delete deletes the znode at path if version is its data version (or -1)
// and it has no children. It returns the zxid of the write.
//
// Errors: BadArguments (no '/' or a NUL in path, or a built-in node: "/",
// /zookeeper and its two children), NoNode, NoAuth (no DELETE on the
// parent), BadVersion, NotEmpty.
func (e *Engine) Delete(ctx context.Context, c Caller, path string, version int32) (int64, error) {
	r := &request{caller: c, ops: []Op{&DeleteOp{Path: path, Version: version}}, keys: deleteKeys(path)}
	if err := e.submit(ctx, r); err != nil {
		return 0, err
	}
	return r.rev, r.err
}

func deleteKeys(path string) []string {
	if cheapPathCheck(path) != nil {
		return nil
	}
	parent := parentOf(path)
	return []string{schema.NodeKey(path), schema.MetaKey(path), schema.ACLKey(path), schema.NodeKey(parent), schema.MetaKey(parent), schema.ACLKey(parent)}
}

// undeletable are the nodes ZooKeeper refuses to delete with BadArguments.
var undeletable = map[string]bool{"/": true, "/zookeeper": true, "/zookeeper/quota": true, "/zookeeper/config": true}

func (e *Engine) applyDelete(v *view, c Caller, op *DeleteOp) error {
	// ZooKeeper's order: the cheap path check and the built-in nodes, the
	// parent, DELETE on the parent, the node, its version, its children.
	// A malformed path is not otherwise checked: it is simply not found.
	path := op.Path
	if err := cheapPathCheck(path); err != nil {
		return err
	}
	if undeletable[path] {
		return schema.Errorf(schema.CodeBadArguments, path, "built-in node cannot be deleted")
	}
	parentPath := parentOf(path)
	if _, ok := v.node(parentPath); !ok {
		return schema.NewError(schema.CodeNoNode, path)
	}
	if !e.allowed(c, v.acl(parentPath), schema.PermDelete) {
		return schema.NewError(schema.CodeNoAuth, path)
	}
	z, ok := v.node(path)
	if !ok {
		return schema.NewError(schema.CodeNoNode, path)
	}
	if err := checkVersion(path, z.rec.Version, op.Version); err != nil {
		return err
	}
	if m, _ := v.meta(path); m.NumChildren > 0 {
		return schema.NewError(schema.CodeNotEmpty, path)
	}
	v.removeNode(z)
	return nil
}

// removeNode deletes z's keys and updates its parent as a delete does.
func (v *view) removeNode(z *znode) {
	path := z.path
	v.del(schema.NodeKey(path))
	if v.get(schema.MetaKey(path)).exists {
		v.del(schema.MetaKey(path))
	}
	if v.get(schema.ACLKey(path)).exists {
		v.del(schema.ACLKey(path))
	}
	switch z.rec.Kind {
	case schema.KindEphemeral:
		v.del(schema.EphemeralKey(z.rec.Owner, path))
	case schema.KindContainer, schema.KindTTL:
		v.del(schema.ReaperKey(path))
	}
	parentPath := schema.Parent(path)
	m, _ := v.meta(parentPath)
	m.NumChildren--
	v.putMeta(parentPath, m)
}
