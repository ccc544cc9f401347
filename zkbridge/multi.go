package zkbridge

import (
	"context"

	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/schema"
	"github.com/zkgate/zkgate/zkbridge/jute"
)

// multi applies a multi (14) atomically. The reply header's err is 0 even
// when it fails, as ZooKeeper's: the failure is in the per-op results.
func (c *call) multi(ctx context.Context, xid int32, in []jute.MultiOp) {
	e := c.e
	ops := make([]gateway.Op, len(in))
	for i, op := range in {
		switch r := op.Request.(type) {
		case *jute.CreateRequest:
			o, err := createOp(op.Op, r.Path, r.Data, r.ACL, r.Flags, 0)
			if err != nil {
				c.multiFailed(xid, e.Zxid(), len(in), i, err)
				return
			}
			ops[i] = &o
		case *jute.CreateTTLRequest:
			o, err := createOp(op.Op, r.Path, r.Data, r.ACL, r.Flags, r.TTL)
			if err != nil {
				c.multiFailed(xid, e.Zxid(), len(in), i, err)
				return
			}
			ops[i] = &o
		case *jute.DeleteRequest:
			ops[i] = &gateway.DeleteOp{Path: r.Path, Version: r.Version}
		case *jute.SetDataRequest:
			ops[i] = &gateway.SetDataOp{Path: r.Path, Data: r.Data, Version: r.Version}
		case *jute.CheckVersionRequest:
			ops[i] = &gateway.CheckOp{Path: r.Path, Version: r.Version}
		}
	}
	results, zxid, err := e.Multi(ctx, c.caller, ops)
	if err != nil && (len(results) != len(ops) || schema.CodeOf(err) == schema.CodeMarshallingError) {
		// Not an op's failure (etcd unreachable, too large): the whole
		// request fails. So does an op whose ACL has a null string
		// ZooKeeper's Java code trips on (schema.FixupACL): its
		// NullPointerException escapes the per-op handling of a multi,
		// and ZooKeeper answers the whole request MarshallingError.
		c.reply(xid, zxid, err)
		return
	}
	resp := jute.MultiResponse{Results: make([]jute.MultiResult, len(results))}
	for i, res := range results {
		if err != nil {
			resp.Results[i] = jute.ErrorResult(schema.CodeOf(res.Err))
			continue
		}
		switch in[i].Op {
		case jute.OpCreate, jute.OpCreate2:
			// create2 in a multi answers with the path alone, as
			// ZooKeeper's does.
			resp.Results[i] = jute.CreateResult(res.Path)
		case jute.OpCreateContainer, jute.OpCreateTTL:
			resp.Results[i] = jute.Create2Result(res.Path, statOf(*res.Stat))
		case jute.OpDelete:
			resp.Results[i] = jute.DeleteResult()
		case jute.OpSetData:
			resp.Results[i] = jute.SetDataResult(statOf(*res.Stat))
		case jute.OpCheck:
			resp.Results[i] = jute.CheckResult()
		}
	}
	c.reply(xid, zxid, nil, &resp)
}

// multiFailed answers a multi whose op i was refused before reaching the
// engine.
func (c *call) multiFailed(xid int32, zxid int64, n, failed int, err error) {
	resp := jute.MultiResponse{Results: make([]jute.MultiResult, n)}
	for i := range resp.Results {
		switch {
		case i < failed:
			resp.Results[i] = jute.ErrorResult(schema.CodeOK)
		case i == failed:
			resp.Results[i] = jute.ErrorResult(schema.CodeOf(err))
		default:
			resp.Results[i] = jute.ErrorResult(schema.CodeRuntimeInconsistency)
		}
	}
	c.reply(xid, zxid, nil, &resp)
}

// multiRead answers each read on its own: one failing does not fail the
// others, as in ZooKeeper.
func (c *call) multiRead(ctx context.Context, xid int32, in []jute.MultiOp, minRev int64) {
	e := c.e
	resp := jute.MultiResponse{Results: make([]jute.MultiResult, len(in))}
	zxid := e.Zxid()
	for i, op := range in {
		switch r := op.Request.(type) {
		case *jute.GetDataRequest:
			data, st, z, err := e.GetData(ctx, c.caller, r.Path, minRev)
			if err != nil {
				resp.Results[i] = jute.ErrorResult(schema.CodeOf(err))
				continue
			}
			zxid = max(zxid, z)
			resp.Results[i] = jute.GetDataResult(data, statOf(st))
		case *jute.GetChildrenRequest:
			kids, _, z, err := e.GetChildren(ctx, c.caller, r.Path, minRev)
			if err != nil {
				resp.Results[i] = jute.ErrorResult(schema.CodeOf(err))
				continue
			}
			zxid = max(zxid, z)
			resp.Results[i] = jute.GetChildrenResult(kids)
		}
	}
	c.reply(xid, zxid, nil, &resp)
}
