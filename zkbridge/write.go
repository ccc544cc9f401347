package zkbridge

import (
	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/schema"
	"github.com/zkgate/zkgate/zkbridge/jute"
)

// The writes: create (create, create2, createContainer, createTTL),
// delete, setData, setACL, and deleteContainer, which is refused. multi
// is in multi.go.

// create answers create, create2 and createContainer.
func (c *call) create(rq *request, r *jute.CreateRequest) bool {
	op, err := createOp(rq.hdr.Type, r.Path, r.Data, r.ACL, r.Flags, 0)
	c.createNode(rq, op, err)
	return true
}

// createTTL answers createTTL.
func (c *call) createTTL(rq *request, r *jute.CreateTTLRequest) bool {
	op, err := createOp(rq.hdr.Type, r.Path, r.Data, r.ACL, r.Flags, r.TTL)
	c.createNode(rq, op, err)
	return true
}

// createNode creates op's node, or answers err: create answers with the
// path, create2, createContainer and createTTL with the path and Stat.
func (c *call) createNode(rq *request, op gateway.CreateOp, err error) {
	h := rq.hdr
	if err != nil {
		c.reply(h.Xid, c.e.Zxid(), err)
		return
	}
	res, err := c.e.Create(rq.ctx, c.caller, op)
	if h.Type == jute.OpCreate {
		c.reply(h.Xid, res.Zxid, err, &jute.CreateResponse{Path: res.Path})
	} else {
		c.reply(h.Xid, res.Zxid, err, &jute.Create2Response{Path: res.Path, Stat: statOf(res.Stat)})
	}
}

func (c *call) delete(rq *request, r *jute.DeleteRequest) bool {
	zxid, err := c.e.Delete(rq.ctx, c.caller, r.Path, r.Version)
	c.reply(rq.hdr.Xid, zxid, err)
	return true
}

// deleteContainer is refused: only the server deletes containers.
func (c *call) deleteContainer(rq *request) bool {
	c.reply(rq.hdr.Xid, c.e.Zxid(), schema.Errorf(schema.CodeBadArguments, "", "deleteContainer is not a client operation"))
	return true
}

func (c *call) setData(rq *request, r *jute.SetDataRequest) bool {
	res, err := c.e.SetData(rq.ctx, c.caller, r.Path, r.Data, r.Version)
	c.reply(rq.hdr.Xid, res.Zxid, err, &jute.SetDataResponse{Stat: statOf(res.Stat)})
	return true
}

func (c *call) setACL(rq *request, r *jute.SetACLRequest) bool {
	res, err := c.e.SetACL(rq.ctx, c.caller, r.Path, aclsIn(r.ACL), r.Version)
	c.reply(rq.hdr.Xid, res.Zxid, err, &jute.SetACLResponse{Stat: statOf(res.Stat)})
	return true
}

// createOp maps a create request to the engine, as ZooKeeper 3.8 treats
// each opcode's flags: createContainer makes a container whatever its
// flags (0-4), create and create2 make a plain persistent node for the
// container flag, and TTL flags need createTTL: createTTL's flags must
// name a TTL mode, whose TTL the engine checks.
func createOp(op jute.OpCode, path string, data []byte, acl []jute.ACL, flags jute.CreateMode, ttl int64) (gateway.CreateOp, error) {
	mode := gateway.CreateMode(flags)
	out := gateway.CreateOp{Path: path, Data: data, ACL: aclsIn(acl)}
	switch op {
	case opTTLWithoutTTL:
		return out, schema.Errorf(schema.CodeMarshallingError, path, "TTL flags %d in a multi's create without a TTL", flags)
	case jute.OpCreateContainer:
		if mode < 0 || mode > gateway.Container {
			return out, schema.Errorf(schema.CodeBadArguments, path, "createContainer with flags %d", flags)
		}
		// Flags 2 and 3 make a sequential container, as in ZooKeeper 3.8.
		out.Sequential = mode.Sequential()
		mode = gateway.Container
	case jute.OpCreateTTL:
		if !mode.TTL() {
			return out, schema.Errorf(schema.CodeBadArguments, path, "createTTL with flags %d", flags)
		}
		// The engine checks the TTL, as it checks the gRPC face's.
		out.TTL = gateway.TTLMillis(ttl)
	default:
		// TTL flags without a TTL: the engine answers BadArguments, as
		// ZooKeeper answers create and create2 with them.
		if mode == gateway.Container {
			mode = gateway.Persistent
		}
	}
	out.Mode = mode
	return out, nil
}
