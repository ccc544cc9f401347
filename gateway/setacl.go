package gateway

import (
	"context"

	"github.com/zkgate/zkgate/schema"
)

// SetACL replaces the ACL of the znode at path if aversion is its ACL
// version (or -1), and returns its Stat and the zxid of the write.
//
// Errors: BadArguments (bad path), InvalidACL (or MarshallingError for
// the null strings schema.FixupACL describes), NoNode, NoAuth (no ADMIN),
// BadVersion.
func (e *Engine) SetACL(ctx context.Context, c Caller, path string, acl []schema.ACL, aversion int32) (SetResult, error) {
	var st schema.Stat
	r := &request{caller: c, keys: nodeKeys(path)}
	r.apply = func(e *Engine, v *view, r *request) {
		if err := schema.ValidatePath(path); err != nil {
			r.err = err
			return
		}
		fixed, err := schema.FixupACL(acl, c.Auth)
		if err != nil {
			r.err = schema.NewError(schema.CodeOf(err), path)
			return
		}
		z, ok := v.node(path)
		if !ok {
			r.err = schema.NewError(schema.CodeNoNode, path)
			return
		}
		cur := v.acl(path)
		if !e.allowed(c, cur, schema.PermAdmin) {
			r.err = schema.NewError(schema.CodeNoAuth, path)
			return
		}
		if err := checkVersion(path, cur.Aversion, aversion); err != nil {
			r.err = err
			return
		}
		rec := schema.ACLRecord{Aversion: cur.Aversion + 1, ACL: fixed, Writer: v.writer}
		v.put(schema.ACLKey(path), rec.Marshal(), z.lease)
		st = v.stat(z)
		r.stats = []*schema.Stat{&st}
	}
	if err := e.submit(ctx, r); err != nil {
		return SetResult{}, err
	}
	if r.err != nil {
		return SetResult{Zxid: r.rev}, r.err
	}
	return SetResult{Stat: st, Zxid: r.rev}, nil
}

// RaiseSequence raises the suffix the next sequential child of the znode
// at path gets to at least next, as if that many children had been
// created under it (its cversion, 2*creations - numChildren, follows); it
// never lowers it. It carries a parent's sequence counter over from
// another ensemble, so that no number issued there is issued again. It
// needs ADMIN, changes no data and fires no watch.
//
// Errors: BadArguments (bad path, negative next), NoNode, NoAuth.
func (e *Engine) RaiseSequence(ctx context.Context, c Caller, path string, next int32) (schema.Stat, int64, error) {
	var st schema.Stat
	r := &request{caller: c, keys: nodeKeys(path)}
	r.apply = func(e *Engine, v *view, r *request) {
		if err := schema.ValidatePath(path); err != nil {
			r.err = err
			return
		}
		if next < 0 {
			r.err = schema.Errorf(schema.CodeBadArguments, path, "next sequence %d is negative", next)
			return
		}
		z, ok := v.node(path)
		if !ok {
			r.err = schema.NewError(schema.CodeNoNode, path)
			return
		}
		if !e.allowed(c, v.acl(path), schema.PermAdmin) {
			r.err = schema.NewError(schema.CodeNoAuth, path)
			return
		}
		if meta, _ := v.meta(path); next > meta.Creations {
			meta.Creations = next
			v.putMeta(path, meta)
		}
		st = v.stat(z)
		r.stats = []*schema.Stat{&st}
	}
	if err := e.submit(ctx, r); err != nil {
		return schema.Stat{}, 0, err
	}
	if r.err != nil {
		return schema.Stat{}, r.rev, r.err
	}
	return st, r.rev, nil
}
