package gateway

import (
	"context"
	"fmt"
	"strings"

	"github.com/zkgate/zkgate/schema"
)

// CreateResult is what Create returns.
type CreateResult struct {
	// Path is the znode's path, with the sequence suffix of a sequential
	// node.
	Path string
	// Stat is the new znode's Stat.
	Stat schema.Stat
	// Zxid is the zxid of the write; on an error, the zxid the failure
	// reflects (0 when the request was not validated).
	Zxid int64
}

// Create creates a znode and returns its path, Stat and the zxid of the
// write.
//
// Errors, in ZooKeeper's order of checks: BadArguments (mode or TTL, a
// path without '/' or with NUL, data too large), InvalidACL (or
// MarshallingError for the null ACL strings schema.FixupACL describes;
// in a Multi that fails the whole request on ZooKeeper), NoNode (no
// parent), NoAuth (no CREATE on the parent), BadArguments (the final path
// is malformed), NodeExists, NoChildrenForEphemerals, QuotaExceeded (with
// Config.EnforceQuota, past a hard limit of the quota governing the path),
// SessionExpired (an ephemeral without a live session).
func (e *Engine) Create(ctx context.Context, c Caller, op CreateOp) (CreateResult, error) {
	r := &request{caller: c, ops: []Op{&op}, keys: e.withQuotaKeys(createKeys(&op, c), op.Path)}
	e.takeEphemeralLease(ctx, r)
	err := e.submit(ctx, r)
	e.settleEphemeralLease(ctx, r, err)
	if err != nil {
		return CreateResult{}, err
	}
	if r.err != nil {
		return CreateResult{Zxid: r.rev}, r.err
	}
	res := r.results[0]
	return CreateResult{Path: res.Path, Stat: *res.Stat, Zxid: r.rev}, nil
}

// createKeys are the keys a create reads.
func createKeys(op *CreateOp, c Caller) []string {
	if cheapPathCheck(op.Path) != nil {
		return nil
	}
	parent := parentOf(op.Path)
	keys := []string{schema.NodeKey(parent), schema.MetaKey(parent), schema.ACLKey(parent)}
	if !op.sequential() {
		keys = append(keys, schema.NodeKey(op.Path))
	}
	if c.Session != 0 {
		keys = append(keys, schema.SessionKey(c.Session))
	}
	return keys
}

// parentOf is the parent ZooKeeper looks up for a write: schema.Parent,
// except that the root stands for "" (ZooKeeper cuts at the last '/' and
// its tree keeps the root under ""), so "/" and a path without '/' have
// the root as parent.
func parentOf(path string) string {
	if p := schema.Parent(path); p != "" {
		return p
	}
	return "/"
}

// cheapPathCheck is the check ZooKeeper makes before anything else on
// create and delete: there must be a '/', and no NUL.
func cheapPathCheck(path string) error {
	if !strings.Contains(path, "/") || strings.IndexByte(path, 0) >= 0 {
		return schema.Errorf(schema.CodeBadArguments, path, "invalid path")
	}
	return nil
}

func (e *Engine) applyCreate(v *view, r *request, op *CreateOp, now int64) (OpResult, error) {
	c := r.caller
	path := op.Path
	if op.Mode < 0 || op.Mode > maxCreateMode {
		return OpResult{}, schema.Errorf(schema.CodeBadArguments, path, "unknown create mode %d", op.Mode)
	}
	// The one check of a TTL, whichever face the create came from.
	var ttl int64
	if op.Mode.TTL() {
		ttl = op.TTL.Milliseconds()
		if ttl <= 0 || ttl > schema.MaxTTL {
			return OpResult{}, schema.Errorf(schema.CodeBadArguments, path, "ttl must be between 1 ms and %d ms", schema.MaxTTL)
		}
	} else if op.TTL != 0 {
		return OpResult{}, schema.Errorf(schema.CodeBadArguments, path, "ttl given for a node that is not a TTL node")
	}
	// ZooKeeper's order of checks (see testdata/zookeeper-3.8-behaviour.md,
	// sections 1 and 2): the cheap path check, the ACL, the parent, CREATE
	// on the parent, then the full path check of the final name, then
	// existence, then an ephemeral parent.
	if err := cheapPathCheck(path); err != nil {
		return OpResult{}, err
	}
	if len(op.Data) > e.cfg.MaxDataBytes {
		return OpResult{}, schema.Errorf(schema.CodeBadArguments, path, "data of %d bytes is over the limit of %d", len(op.Data), e.cfg.MaxDataBytes)
	}
	acl, err := e.cfg.Providers.FixupACL(op.ACL, c.Auth)
	if err != nil {
		if !c.internal {
			// InvalidACL, or MarshallingError where ZooKeeper meets a
			// null string it cannot handle (see schema.FixupACL).
			return OpResult{}, schema.NewError(schema.CodeOf(err), path)
		}
		acl = op.ACL
	}
	parentPath := parentOf(path)
	parent, ok := v.node(parentPath)
	if !ok {
		return OpResult{}, schema.NewError(schema.CodeNoNode, path)
	}
	if !e.allowed(c, v.acl(parentPath), schema.PermCreate) {
		return OpResult{}, schema.NewError(schema.CodeNoAuth, path)
	}
	meta, _ := v.meta(parentPath)
	if op.sequential() {
		path = fmt.Sprintf("%s%010d", path, meta.Creations)
	}
	if err := schema.ValidatePath(path); err != nil {
		return OpResult{}, err
	}
	if op.sequential() {
		v.base.assumeAbsent(schema.NodeKey(path))
	}
	if _, exists := v.node(path); exists {
		return OpResult{}, schema.NewError(schema.CodeNodeExists, path)
	}
	if parent.rec.Kind == schema.KindEphemeral {
		return OpResult{}, schema.NewError(schema.CodeNoChildrenForEphemerals, path)
	}
	if err := e.checkQuota(v, path, int64(len(op.Data)), 1); err != nil {
		return OpResult{}, err
	}

	z := &znode{path: path, rec: schema.Node{Kind: op.Mode.kind(), Ctime: now, Mtime: now, TTL: ttl, Data: op.Data}}
	if op.Mode.Ephemeral() {
		if c.Session == 0 {
			return OpResult{}, schema.Errorf(schema.CodeBadArguments, path, "ephemeral node without a session")
		}
		se := v.get(schema.SessionKey(c.Session))
		if !se.exists {
			return OpResult{}, schema.NewError(schema.CodeSessionExpired, path)
		}
		sess, err := schema.UnmarshalSession(se.value)
		if err != nil {
			v.fail(err)
			return OpResult{}, err
		}
		z.rec.Owner = c.Session
		if z.lease, err = e.useEphemeralLease(v, r, sess); err != nil {
			return OpResult{}, err
		}
		// The znode is new, so are its other keys: taken as absent
		// without a read of their own (a read per key, one at a time,
		// was a tenth of an ephemeral create's CPU). The batch's
		// compares check it, and a batch redone reads them.
		v.base.assumeAbsent(schema.EphemeralKey(c.Session, path))
		v.put(schema.EphemeralKey(c.Session, path), nil, 0)
	}
	v.putNode(z)
	if !isOpen(acl) {
		rec := schema.ACLRecord{ACL: acl, Writer: v.writer}
		v.base.assumeAbsent(schema.ACLKey(path))
		v.put(schema.ACLKey(path), rec.Marshal(), z.lease)
	}
	if z.rec.Kind == schema.KindContainer || z.rec.Kind == schema.KindTTL {
		v.base.assumeAbsent(schema.ReaperKey(path))
		v.put(schema.ReaperKey(path), nil, 0)
	}
	meta.NumChildren++
	meta.Creations++
	v.putMeta(parentPath, meta)

	// A new node has no children meta and its ACL version is 0: its Stat
	// needs no further reads.
	st := schema.MakeStat(&z.rec, schema.Meta{}, 0, schema.Revisions{NodeCreate: v.base.marker(), NodeMod: v.base.marker()})
	return OpResult{Path: path, Stat: &st}, nil
}

func isOpen(acl []schema.ACL) bool {
	return len(acl) == 1 && acl[0] == schema.OpenACLUnsafe[0]
}
