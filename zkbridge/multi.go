package zkbridge

import (
	"context"

	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/schema"
	"github.com/zkgate/zkgate/zkbridge/jute"
)

// multiRequest answers multi and multiRead. A request that is not a
// sequence of ops, or holds an op of the other kind, is MarshallingError,
// as ZooKeeper answers it; the connection goes on. Bytes after the done
// header are ignored, as ZooKeeper ignores them after every request
// record.
func (c *call) multiRequest(rq *request) bool {
	h := rq.hdr
	var r jute.MultiRequest
	if err := r.Decode(rq.d); err != nil {
		c.reply(h.Xid, c.e.Zxid(), schema.NewError(schema.CodeMarshallingError, ""))
		return true
	}
	if err := r.CheckKind(h.Type); err != nil {
		c.reply(h.Xid, c.e.Zxid(), schema.NewError(schema.CodeMarshallingError, ""))
		return true
	}
	if h.Type == jute.OpMulti {
		c.multi(rq.ctx, h.Xid, r.Ops)
	} else {
		c.multiRead(rq.ctx, h.Xid, r.Ops, rq.minZxid)
	}
	return true
}

// multi applies a multi (14) atomically. The reply header's err is 0 even
// when it fails, as ZooKeeper's: the failure is in the per-op results.
// An op refused here (gateway.FailOp) fails where it stands, after the
// ops before it are checked, as in ZooKeeper.
func (c *call) multi(ctx context.Context, xid int32, in []jute.MultiOp) {
	e := c.e
	ops := make([]gateway.Op, len(in))
	kinds := make([]jute.OpCode, len(in))
	for i, op := range in {
		kinds[i] = op.Op
		switch r := op.Request.(type) {
		case *jute.CreateRequest:
			kinds[i] = multiCreateKind(op.Op, r.Flags)
			o, err := createOp(kinds[i], r.Path, r.Data, r.ACL, r.Flags, 0)
			if err != nil {
				ops[i] = &gateway.FailOp{Err: err}
				continue
			}
			ops[i] = &o
		case *jute.CreateTTLRequest:
			kinds[i] = multiCreateKind(op.Op, r.Flags)
			o, err := createOp(kinds[i], r.Path, r.Data, r.ACL, r.Flags, r.TTL)
			if err != nil {
				ops[i] = &gateway.FailOp{Err: err}
				continue
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
		switch kinds[i] {
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

// multiCreateKind is the kind of create a multi's create op makes.
// ZooKeeper 3.8's MultiOperationRecord rebuilds each create of a multi
// with Op.create, whose opcode follows the flags whatever the record's:
// container flags make a container (answered as createContainer, with a
// Stat), TTL flags a TTL node (createTTL: only a createTTL record has a
// TTL; for a create, create2 or createContainer record ZooKeeper's cast
// fails and the whole request is MarshallingError), any other flags an
// ordinary create (answered with the path alone: createContainer or
// createTTL with flag 1 makes an ephemeral). Measured in
// zookeeper-3.8-behaviour.md, "Edges of request processing".
func multiCreateKind(op jute.OpCode, flags jute.CreateMode) jute.OpCode {
	switch mode := gateway.CreateMode(flags); {
	case mode.TTL() && op == jute.OpCreateTTL:
		return jute.OpCreateTTL
	case mode.TTL():
		return opTTLWithoutTTL
	case mode == gateway.Container:
		return jute.OpCreateContainer
	}
	return jute.OpCreate
}

// opTTLWithoutTTL marks a multi's create whose flags ask for a TTL node
// and whose record has no TTL: createOp refuses it with MarshallingError.
const opTTLWithoutTTL jute.OpCode = -1000

// multiRead answers each read on its own: one failing does not fail the
// others, as in ZooKeeper.
func (c *call) multiRead(ctx context.Context, xid int32, in []jute.MultiOp, minRev int64) {
	e := c.e
	resp := jute.MultiResponse{Results: make([]jute.MultiResult, len(in))}
	zxid := e.Zxid()
	for i, op := range in {
		switch r := op.Request.(type) {
		case *jute.GetDataRequest:
			res, err := e.GetData(ctx, c.caller, r.Path, gateway.ReadOptions{MinZxid: minRev})
			if err != nil {
				resp.Results[i] = jute.ErrorResult(schema.CodeOf(err))
				continue
			}
			zxid = max(zxid, res.Zxid)
			resp.Results[i] = jute.GetDataResult(res.Data, statOf(res.Stat))
		case *jute.GetChildrenRequest:
			res, err := e.GetChildren(ctx, c.caller, r.Path, gateway.ReadOptions{MinZxid: minRev})
			if err != nil {
				resp.Results[i] = jute.ErrorResult(schema.CodeOf(err))
				continue
			}
			zxid = max(zxid, res.Zxid)
			resp.Results[i] = jute.GetChildrenResult(res.Children)
		}
	}
	c.reply(xid, zxid, nil, &resp)
}
