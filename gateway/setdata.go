package gateway

import (
	"context"

	"github.com/zkgate/zkgate/schema"
)

// SetResult is what SetData and SetACL return.
type SetResult struct {
	// Stat is the znode's Stat after the write.
	Stat schema.Stat
	// Zxid is the zxid of the write; on an error, the zxid the failure
	// reflects (0 when the request was not validated).
	Zxid int64
}

// SetData replaces the data of the znode at path if version is its data
// version (or -1), and returns its Stat and the zxid of the write.
//
// Errors: BadArguments (bad path, data too large), NoNode, NoAuth (no
// WRITE), QuotaExceeded (with Config.EnforceQuota, past a hard limit of
// the quota governing the path; checked before the version, as ZooKeeper
// does), BadVersion.
func (e *Engine) SetData(ctx context.Context, c Caller, path string, data []byte, version int32) (SetResult, error) {
	r := &request{caller: c, ops: []Op{&SetDataOp{Path: path, Data: data, Version: version}}, keys: e.withQuotaKeys(nodeKeys(path), path)}
	if err := e.submit(ctx, r); err != nil {
		return SetResult{}, err
	}
	if r.err != nil {
		return SetResult{Zxid: r.rev}, r.err
	}
	return SetResult{Stat: *r.results[0].Stat, Zxid: r.rev}, nil
}

// nodeKeys are the keys of one znode.
func nodeKeys(path string) []string {
	if schema.ValidatePath(path) != nil {
		return nil
	}
	return []string{schema.NodeKey(path), schema.MetaKey(path), schema.ACLKey(path)}
}

func (e *Engine) applySetData(v *view, c Caller, op *SetDataOp, now int64) (OpResult, error) {
	path := op.Path
	if err := schema.ValidatePath(path); err != nil {
		return OpResult{}, err
	}
	if len(op.Data) > e.cfg.MaxDataBytes {
		return OpResult{}, schema.Errorf(schema.CodeBadArguments, path, "data of %d bytes is over the limit of %d", len(op.Data), e.cfg.MaxDataBytes)
	}
	z, ok := v.node(path)
	if !ok {
		return OpResult{}, schema.NewError(schema.CodeNoNode, path)
	}
	if !e.allowed(c, v.acl(path), schema.PermWrite) {
		return OpResult{}, schema.NewError(schema.CodeNoAuth, path)
	}
	if err := e.checkQuota(v, path, int64(len(op.Data))-int64(len(z.rec.Data)), 0); err != nil {
		return OpResult{}, err
	}
	if err := checkVersion(path, z.rec.Version, op.Version); err != nil {
		return OpResult{}, err
	}
	z.rec.Version++
	z.rec.Mtime = now
	z.rec.Data = op.Data
	v.putNode(z)
	z, _ = v.node(path)
	st := v.stat(z)
	return OpResult{Stat: &st}, nil
}

func (e *Engine) applyCheck(v *view, c Caller, op *CheckOp) error {
	path := op.Path
	if err := schema.ValidatePath(path); err != nil {
		return err
	}
	z, ok := v.node(path)
	if !ok {
		return schema.NewError(schema.CodeNoNode, path)
	}
	if !e.allowed(c, v.acl(path), schema.PermRead) {
		return schema.NewError(schema.CodeNoAuth, path)
	}
	return checkVersion(path, z.rec.Version, op.Version)
}
