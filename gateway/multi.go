package gateway

import (
	"context"

	"github.com/zkgate/zkgate/schema"
)

// Multi applies ops atomically: all of them, or none. It returns one
// result per op and the zxid of the write. When an op fails, Multi returns
// its error, and the results are as ZooKeeper reports them: OK for the ops
// before it (rolled back), its error, and RuntimeInconsistency after it.
func (e *Engine) Multi(ctx context.Context, c Caller, ops []Op) ([]OpResult, int64, error) {
	r := &request{caller: c, ops: ops, multi: true}
	for _, op := range ops {
		switch o := op.(type) {
		case *CreateOp:
			r.keys = append(r.keys, e.withQuotaKeys(createKeys(o, c), o.Path)...)
		case *DeleteOp:
			r.keys = append(r.keys, deleteKeys(o.Path)...)
		case *SetDataOp:
			r.keys = append(r.keys, e.withQuotaKeys(nodeKeys(o.Path), o.Path)...)
		case *CheckOp:
			r.keys = append(r.keys, nodeKeys(o.Path)...)
		case *FailOp:
			if o.Err == nil {
				return nil, 0, schema.Errorf(schema.CodeBadArguments, "", "FailOp without an error")
			}
		case nil:
			return nil, 0, schema.Errorf(schema.CodeBadArguments, "", "nil operation in multi")
		}
	}
	e.takeEphemeralLease(ctx, r)
	err := e.submit(ctx, r)
	e.settleEphemeralLease(ctx, r, err)
	if err != nil {
		return nil, 0, err
	}
	return r.results, r.rev, r.err
}
