package gateway

import (
	"context"
	"fmt"
	"sort"
	"strings"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/zkgate/zkgate/schema"
)

// Reads are served from the local etcd member without a Raft round
// (serializable), which is what ZooKeeper servers do too. A session must
// never see state older than it has already seen, so every read takes the
// session's last zxid (minRev): if the local member has not yet applied
// that revision, the read is repeated linearizably, which waits for it.
// Sync returns a revision at least as new as every write committed before
// it, so a read given that revision is up to date.

// snapshot reads keys (and the given prefix ranges, keys only) at one
// revision no older than minRev.
func (e *Engine) snapshot(ctx context.Context, minRev int64, keys []string, ranges ...clientv3.Op) (*clientv3.TxnResponse, error) {
	ops := make([]clientv3.Op, 0, len(keys)+len(ranges))
	for _, k := range keys {
		ops = append(ops, clientv3.OpGet(k, clientv3.WithSerializable()))
	}
	ops = append(ops, ranges...)
	resp, err := e.kv.Txn(ctx).Then(ops...).Commit()
	if err != nil {
		return nil, fmt.Errorf("reading from etcd: %w", err)
	}
	if resp.Header.Revision >= minRev {
		return resp, nil
	}
	// Behind the session: read through the leader.
	for i, k := range keys {
		ops[i] = clientv3.OpGet(k)
	}
	for i := range ranges {
		ops[len(keys)+i] = linearizable(ranges[i])
	}
	resp, err = e.kv.Txn(ctx).Then(ops...).Commit()
	if err != nil {
		return nil, fmt.Errorf("reading from etcd: %w", err)
	}
	return resp, nil
}

func linearizable(op clientv3.Op) clientv3.Op {
	opts := []clientv3.OpOption{clientv3.WithKeysOnly()}
	if end := op.RangeBytes(); len(end) > 0 {
		opts = append(opts, clientv3.WithRange(string(end)))
	}
	return clientv3.OpGet(string(op.KeyBytes()), opts...)
}

// readNode is a znode as one snapshot shows it.
type readNode struct {
	rec  schema.Node
	stat schema.Stat
	acl  schema.ACLRecord
}

// nodeFrom decodes the first three responses of a snapshot of nodeKeys.
func (e *Engine) nodeFrom(resp *clientv3.TxnResponse) (*readNode, error) {
	nk := resp.Responses[0].GetResponseRange().Kvs
	if len(nk) == 0 {
		return nil, nil
	}
	rec, err := schema.UnmarshalNode(nk[0].Value)
	if err != nil {
		return nil, err
	}
	var meta schema.Meta
	var metaRev int64
	if mk := resp.Responses[1].GetResponseRange().Kvs; len(mk) == 1 {
		if meta, err = schema.UnmarshalMeta(mk[0].Value); err != nil {
			return nil, err
		}
		metaRev = mk[0].ModRevision
	}
	acl := schema.ACLRecord{ACL: schema.OpenACLUnsafe}
	if ak := resp.Responses[2].GetResponseRange().Kvs; len(ak) == 1 {
		if acl, err = schema.UnmarshalACL(ak[0].Value); err != nil {
			return nil, err
		}
	}
	st := schema.MakeStat(&rec, meta, acl.Aversion, schema.Revisions{NodeCreate: nk[0].CreateRevision, NodeMod: nk[0].ModRevision, MetaMod: metaRev})
	return &readNode{rec: rec, stat: e.present(st), acl: acl}, nil
}

// readPath maps a read's path to the znode looked up. ZooKeeper validates
// paths only on writes: a read of a malformed path finds no node, and ""
// reads the root.
func readPath(path string) string {
	if path == "" {
		return "/"
	}
	return path
}

// Exists returns the Stat of the znode at path, or found false. It needs
// no permission, as in ZooKeeper. rev is the zxid the answer reflects.
func (e *Engine) Exists(ctx context.Context, c Caller, path string, minRev int64) (st schema.Stat, found bool, rev int64, err error) {
	if strings.IndexByte(path, 0) >= 0 {
		// The one check ZooKeeper makes on exists.
		return st, false, 0, schema.Errorf(schema.CodeBadArguments, path, "null character in path")
	}
	path = readPath(path)
	resp, err := e.snapshot(ctx, minRev, readKeys(path))
	if err != nil {
		return st, false, 0, err
	}
	n, err := e.nodeFrom(resp)
	if err != nil || n == nil {
		return st, false, resp.Header.Revision, err
	}
	return n.stat, true, resp.Header.Revision, nil
}

// readKeys are the keys a read of one znode needs, always three so that
// nodeFrom can decode them; a malformed path reads keys that cannot exist.
func readKeys(path string) []string {
	return []string{schema.NodeKey(path), schema.MetaKey(path), schema.ACLKey(path)}
}

// GetData returns the data and Stat of the znode at path.
// Errors: NoNode, NoAuth (no READ).
func (e *Engine) GetData(ctx context.Context, c Caller, path string, minRev int64) ([]byte, schema.Stat, int64, error) {
	path = readPath(path)
	resp, err := e.snapshot(ctx, minRev, readKeys(path))
	if err != nil {
		return nil, schema.Stat{}, 0, err
	}
	rev := resp.Header.Revision
	n, err := e.nodeFrom(resp)
	if err != nil {
		return nil, schema.Stat{}, rev, err
	}
	if n == nil {
		return nil, schema.Stat{}, rev, schema.NewError(schema.CodeNoNode, path)
	}
	if !e.allowed(c, n.acl, schema.PermRead) {
		return nil, schema.Stat{}, rev, schema.NewError(schema.CodeNoAuth, path)
	}
	return n.rec.Data, n.stat, rev, nil
}

// GetChildren returns the names of the children of the znode at path,
// sorted, and its Stat. Grandchildren are not read.
// Errors: NoNode, NoAuth (no READ).
func (e *Engine) GetChildren(ctx context.Context, c Caller, path string, minRev int64) ([]string, schema.Stat, int64, error) {
	path = readPath(path)
	prefix := schema.ChildrenPrefix(path)
	resp, err := e.snapshot(ctx, minRev, readKeys(path),
		clientv3.OpGet(prefix, clientv3.WithPrefix(), clientv3.WithKeysOnly(), clientv3.WithSerializable()))
	if err != nil {
		return nil, schema.Stat{}, 0, err
	}
	rev := resp.Header.Revision
	n, err := e.nodeFrom(resp)
	if err != nil {
		return nil, schema.Stat{}, rev, err
	}
	if n == nil {
		return nil, schema.Stat{}, rev, schema.NewError(schema.CodeNoNode, path)
	}
	if !e.allowed(c, n.acl, schema.PermRead) {
		return nil, schema.Stat{}, rev, schema.NewError(schema.CodeNoAuth, path)
	}
	kvs := resp.Responses[3].GetResponseRange().Kvs
	names := make([]string, 0, len(kvs))
	for _, kv := range kvs {
		names = append(names, string(kv.Key[len(prefix):]))
	}
	sort.Strings(names)
	return names, n.stat, rev, nil
}

// GetACL returns the ACL and Stat of the znode at path. It needs READ or
// ADMIN; without ADMIN, digest ids are shown as "user:x", as ZooKeeper
// shows them. Errors: NoNode, NoAuth.
func (e *Engine) GetACL(ctx context.Context, c Caller, path string, minRev int64) ([]schema.ACL, schema.Stat, int64, error) {
	path = readPath(path)
	resp, err := e.snapshot(ctx, minRev, readKeys(path))
	if err != nil {
		return nil, schema.Stat{}, 0, err
	}
	rev := resp.Header.Revision
	n, err := e.nodeFrom(resp)
	if err != nil {
		return nil, schema.Stat{}, rev, err
	}
	if n == nil {
		return nil, schema.Stat{}, rev, schema.NewError(schema.CodeNoNode, path)
	}
	if !e.allowed(c, n.acl, schema.PermRead|schema.PermAdmin) {
		return nil, schema.Stat{}, rev, schema.NewError(schema.CodeNoAuth, path)
	}
	if !e.allowed(c, n.acl, schema.PermAdmin) {
		return schema.MaskDigests(n.acl.ACL), n.stat, rev, nil
	}
	return n.acl.ACL, n.stat, rev, nil
}

// GetAllChildrenNumber counts every descendant of the znode at path.
// Errors: NoNode, NoAuth (no READ).
func (e *Engine) GetAllChildrenNumber(ctx context.Context, c Caller, path string, minRev int64) (int64, int64, error) {
	// ZooKeeper counts "" one higher than "/": it keeps the root under
	// both names.
	var extra int64
	if path == "" {
		extra = 1
	}
	path = readPath(path)
	resp, err := e.snapshot(ctx, minRev, readKeys(path))
	if err != nil {
		return 0, 0, err
	}
	rev := resp.Header.Revision
	n, err := e.nodeFrom(resp)
	if err != nil {
		return 0, rev, err
	}
	if n == nil {
		return 0, rev, schema.NewError(schema.CodeNoNode, path)
	}
	if !e.allowed(c, n.acl, schema.PermRead) {
		return 0, rev, schema.NewError(schema.CodeNoAuth, path)
	}
	// Level by level: a level with no descendant ends the tree.
	var total int64
	base := schema.Depth(path)
	sub := path
	if path != "/" {
		sub += "/"
	}
	for depth := base + 1; ; depth++ {
		prefix := schema.NodeKeyPrefixAtDepth(depth, sub)
		r, err := e.kv.Get(ctx, prefix, clientv3.WithPrefix(), clientv3.WithCountOnly(), clientv3.WithRev(rev), clientv3.WithSerializable())
		if err != nil {
			return 0, rev, fmt.Errorf("counting descendants: %w", err)
		}
		if r.Count == 0 {
			return total + extra, rev, nil
		}
		total += r.Count
	}
}

// GetEphemerals lists the caller's session's ephemeral znodes whose path
// starts with prefix ("/" for all), sorted.
func (e *Engine) GetEphemerals(ctx context.Context, c Caller, prefix string, minRev int64) ([]string, int64, error) {
	if c.Session == 0 {
		return nil, 0, schema.Errorf(schema.CodeBadArguments, prefix, "getEphemerals needs a session")
	}
	if prefix == "" {
		prefix = "/"
	}
	idx := schema.EphemeralPrefix(c.Session)
	resp, err := e.snapshot(ctx, minRev, nil,
		clientv3.OpGet(idx, clientv3.WithPrefix(), clientv3.WithKeysOnly(), clientv3.WithSerializable()))
	if err != nil {
		return nil, 0, err
	}
	var out []string
	for _, kv := range resp.Responses[0].GetResponseRange().Kvs {
		if _, p, ok := schema.ParseEphemeralKey(string(kv.Key)); ok && strings.HasPrefix(p, prefix) {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out, resp.Header.Revision, nil
}

// Sync returns a zxid no older than any write committed before the call;
// reads given it as minRev see all of them.
func (e *Engine) Sync(ctx context.Context, c Caller, path string) (int64, error) {
	resp, err := e.kv.Get(ctx, schema.VersionKey(), clientv3.WithKeysOnly())
	if err != nil {
		return 0, fmt.Errorf("sync: %w", err)
	}
	return resp.Header.Revision, nil
}
