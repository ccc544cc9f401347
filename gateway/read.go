package gateway

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/zkgate/zkgate/schema"
)

// Reads are served from the local etcd member without a Raft round
// (serializable), as ZooKeeper servers serve them, at the revision this
// node's watch hub has dispatched: so a reply never reflects a change
// whose watch events are not yet queued. A session must never see state
// older than it has already seen, so every read takes the session's last
// zxid (minRev) and waits, if need be, until the hub has reached it (also
// on another node, after the session moved). Sync returns a revision at
// least as new as every write committed before it, so a read given that
// revision is up to date. The same holds against an external etcd: the
// hub watches the member the client talks to, and a member that is behind
// is caught up by a linearizable read.

// snapshot reads keys (and the given prefix ranges, keys only) at the
// hub's revision, once that is no older than minRev, and returns the
// response and that revision.
func (e *Engine) snapshot(ctx context.Context, minRev int64, keys []string, ranges ...clientv3.Op) (*clientv3.TxnResponse, int64, error) {
	resp, rev, _, err := e.snapshotWatch(ctx, minRev, nil, keys, ranges...)
	return resp, rev, err
}

// watchReq asks a read to leave a watch of w on path in table t.
type watchReq struct {
	t    int
	path string
	w    Watcher
}

// Armed is what a read that set a watch returns: the watch holds its
// events until Arm is called, which the caller does once the reply is
// queued. Arm of a nil *Armed does nothing.
type Armed struct {
	h  *hub
	w  Watcher
	en *watchEntry
	wr *watchReq
	// fresh: the read added en; a watch w already had there is not the
	// read's to drop when it finds no node.
	fresh bool
}

// Arm releases the watch set by a read. The watch replaces w's persistent
// watch of the same ZooKeeper table on that path (hub.replaceLocked).
func (a *Armed) Arm() {
	if a != nil {
		a.h.armRead(a.w, a.en, a.wr.t, a.wr.path)
	}
}

// snapshotWatch is snapshot that also registers a watch at exactly the
// revision read, so that every later change fires it.
func (e *Engine) snapshotWatch(ctx context.Context, minRev int64, wr *watchReq, keys []string, ranges ...clientv3.Op) (*clientv3.TxnResponse, int64, *Armed, error) {
	if err := e.hub.wait(ctx, minRev); err != nil {
		return nil, 0, nil, err
	}
	var a *Armed
	var rev int64
	if wr != nil {
		var en *watchEntry
		var fresh bool
		en, rev, fresh = e.hub.addAt(wr.t, wr.path, wr.w)
		a = &Armed{h: e.hub, w: wr.w, en: en, wr: wr, fresh: fresh}
	} else {
		rev = e.hub.current()
	}
	resp, err := e.readAt(ctx, rev, true, keys, ranges)
	if errors.Is(err, rpctypes.ErrCompacted) {
		// etcd compacted past the hub (it fell far behind): read the
		// newest state, once the hub has caught up with it, so replies
		// still follow their events.
		if latest, gerr := e.kv.Get(ctx, schema.VersionKey(), clientv3.WithKeysOnly()); gerr == nil {
			if werr := e.hub.wait(ctx, latest.Header.Revision); werr != nil {
				return nil, 0, nil, werr
			}
			rev = e.hub.current()
			resp, err = e.readAt(ctx, rev, true, keys, ranges)
		}
	}
	if errors.Is(err, rpctypes.ErrFutureRev) {
		// This member is behind the one the hub watches (external etcd
		// behind a load balancer): a linearizable read catches it up.
		resp, err = e.readAt(ctx, rev, false, keys, ranges)
	}
	if err != nil {
		e.unwatch(wr, a)
		return nil, 0, nil, fmt.Errorf("reading from etcd: %w", err)
	}
	return resp, rev, a, nil
}

// unwatch removes the watch a read registered when the read ends up not
// setting one (ZooKeeper sets no watch on getData or getChildren of a
// missing node). A watch w had there before the read (an exists watch on
// the missing node) stays.
func (e *Engine) unwatch(wr *watchReq, a *Armed) {
	if a != nil && a.fresh {
		e.hub.drop(wr.t, wr.path, wr.w, a.en)
	}
}

func (e *Engine) readAt(ctx context.Context, rev int64, serial bool, keys []string, ranges []clientv3.Op) (*clientv3.TxnResponse, error) {
	if serial && e.cfg.LocalStore != nil {
		return localRead(ctx, e.cfg.LocalStore, rev, keys, ranges)
	}
	ops := make([]clientv3.Op, 0, len(keys)+len(ranges))
	opt := func(extra ...clientv3.OpOption) []clientv3.OpOption {
		o := append(extra, clientv3.WithRev(rev))
		if serial {
			o = append(o, clientv3.WithSerializable())
		}
		return o
	}
	for _, k := range keys {
		ops = append(ops, clientv3.OpGet(k, opt()...))
	}
	for _, r := range ranges {
		ops = append(ops, clientv3.OpGet(string(r.KeyBytes()), opt(clientv3.WithRange(string(r.RangeBytes())), clientv3.WithKeysOnly())...))
	}
	return e.kv.Txn(ctx).Then(ops...).Commit()
}

// prefixRange is a keys-only read of every key under prefix, for snapshot.
func prefixRange(prefix string) clientv3.Op {
	return clientv3.OpGet(prefix, clientv3.WithRange(schema.PrefixEnd(prefix)))
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
	st := schema.MakeStat(&rec, meta, acl.Aversion, schema.Revisions{NodeCreate: czxidOf(&rec, nk[0].CreateRevision, nk[0].ModRevision), NodeMod: nk[0].ModRevision, MetaMod: metaRev})
	return &readNode{rec: rec, stat: e.present(st), acl: acl}, nil
}

// permitted decodes the znode of a snapshot and checks the caller may
// read it: NoNode if it is missing, NoAuth without one of need's bits.
func (e *Engine) permitted(resp *clientv3.TxnResponse, c Caller, path string, need schema.Perm) (*readNode, error) {
	n, err := e.nodeFrom(resp)
	if err != nil {
		return nil, err
	}
	if n == nil {
		return nil, schema.NewError(schema.CodeNoNode, path)
	}
	if !e.allowed(c, n.acl, need) {
		return nil, schema.NewError(schema.CodeNoAuth, path)
	}
	return n, nil
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
	st, found, rev, _, err = e.ExistsWatch(ctx, c, path, minRev, nil)
	return st, found, rev, err
}

// ExistsWatch is Exists that, when w is not nil, also leaves a one-shot
// watch for w that fires on the node's creation, data change or deletion
// (whether or not it exists now). Call Arm on the result once the reply
// is queued; events of the watch wait for it.
func (e *Engine) ExistsWatch(ctx context.Context, c Caller, path string, minRev int64, w Watcher) (st schema.Stat, found bool, rev int64, a *Armed, err error) {
	if strings.IndexByte(path, 0) >= 0 {
		// The one check ZooKeeper makes on exists.
		return st, false, 0, nil, schema.Errorf(schema.CodeBadArguments, path, "null character in path")
	}
	wr := watchFor(w, tData, path)
	path = readPath(path)
	resp, rev, a, err := e.snapshotWatch(ctx, minRev, wr, readKeys(path))
	if err != nil {
		return st, false, 0, nil, err
	}
	n, err := e.nodeFrom(resp)
	if err != nil {
		e.unwatch(wr, a)
		return st, false, rev, nil, err
	}
	if n == nil {
		return st, false, rev, a, nil
	}
	if err := e.withQuotaStats(ctx, path, rev, n); err != nil {
		e.unwatch(wr, a)
		return st, false, rev, nil, err
	}
	return n.stat, true, rev, a, nil
}

// watchFor is the watch a read of path leaves for w (nil for none). It is
// on path as given: a read of "" reads the root, but its watch stays on
// "", where no change ever fires it, as ZooKeeper's DataTree keeps it.
func watchFor(w Watcher, t int, path string) *watchReq {
	if w == nil {
		return nil
	}
	return &watchReq{t: t, path: path, w: w}
}

// readKeys are the keys a read of one znode needs, always three so that
// nodeFrom can decode them; a malformed path reads keys that cannot exist.
func readKeys(path string) []string {
	return []string{schema.NodeKey(path), schema.MetaKey(path), schema.ACLKey(path)}
}

// GetData returns the data and Stat of the znode at path. The data is nil
// when it is null (created or set with nil data) and non-nil otherwise,
// empty included.
// Errors: NoNode, NoAuth (no READ).
func (e *Engine) GetData(ctx context.Context, c Caller, path string, minRev int64) ([]byte, schema.Stat, int64, error) {
	data, st, rev, _, err := e.GetDataWatch(ctx, c, path, minRev, nil)
	return data, st, rev, err
}

// GetDataWatch is GetData that, when w is not nil and the read succeeds,
// leaves a one-shot data watch for w (see ExistsWatch for Arm).
func (e *Engine) GetDataWatch(ctx context.Context, c Caller, path string, minRev int64, w Watcher) ([]byte, schema.Stat, int64, *Armed, error) {
	wr := watchFor(w, tData, path)
	path = readPath(path)
	resp, rev, a, err := e.snapshotWatch(ctx, minRev, wr, readKeys(path))
	if err != nil {
		return nil, schema.Stat{}, 0, nil, err
	}
	n, err := e.permitted(resp, c, path, schema.PermRead)
	if err == nil {
		err = e.withQuotaStats(ctx, path, rev, n)
	}
	if err != nil {
		e.unwatch(wr, a)
		return nil, schema.Stat{}, rev, nil, err
	}
	return n.rec.Data, n.stat, rev, a, nil
}

// GetChildren returns the names of the children of the znode at path,
// sorted, and its Stat. Grandchildren are not read.
// Errors: NoNode, NoAuth (no READ).
func (e *Engine) GetChildren(ctx context.Context, c Caller, path string, minRev int64) ([]string, schema.Stat, int64, error) {
	kids, st, rev, _, err := e.GetChildrenWatch(ctx, c, path, minRev, nil)
	return kids, st, rev, err
}

// GetChildrenWatch is GetChildren that, when w is not nil and the read
// succeeds, leaves a one-shot child watch for w (see ExistsWatch for Arm).
// The names come from the children cache when it holds path's set (only
// the parent's records are read from etcd), else from a range over the
// children's keys, which loads the cache.
func (e *Engine) GetChildrenWatch(ctx context.Context, c Caller, path string, minRev int64, w Watcher) ([]string, schema.Stat, int64, *Armed, error) {
	wr := watchFor(w, tChild, path)
	path = readPath(path)
	prefix := schema.ChildrenPrefix(path)
	if err := e.hub.wait(ctx, minRev); err != nil {
		return nil, schema.Stat{}, 0, nil, err
	}
	en, fresh, rev, cached, load := e.hub.childrenAt(wr, path)
	var a *Armed
	if en != nil {
		a = &Armed{h: e.hub, w: wr.w, en: en, wr: wr, fresh: fresh}
	}
	var ranges []clientv3.Op
	if cached == nil {
		ranges = append(ranges, prefixRange(prefix))
	}
	resp, err := e.readAt(ctx, rev, true, readKeys(path), ranges)
	if err != nil {
		// Compacted past, or a member behind: the general read copes.
		if load != nil {
			e.hub.abandonChildren(path, load)
		}
		e.unwatch(wr, a)
		resp, rev, a, err = e.snapshotWatch(ctx, minRev, wr, readKeys(path), prefixRange(prefix))
		if err != nil {
			return nil, schema.Stat{}, 0, nil, err
		}
		cached, load = nil, nil
	}
	var names []string
	if cached != nil {
		names = make([]string, 0, cached.Len())
		cached.Scan(func(n string) bool { names = append(names, n); return true })
	} else {
		kvs := resp.Responses[3].GetResponseRange().Kvs
		names = make([]string, 0, len(kvs))
		for _, kv := range kvs {
			names = append(names, string(kv.Key[len(prefix):]))
		}
		sort.Strings(names)
	}
	n, err := e.permitted(resp, c, path, schema.PermRead)
	if load != nil {
		if n != nil || schema.CodeOf(err) == schema.CodeNoAuth {
			e.hub.installChildren(path, load, names)
		} else {
			e.hub.abandonChildren(path, load)
		}
	}
	if err == nil {
		err = e.withQuotaStats(ctx, path, rev, n)
	}
	if err != nil {
		e.unwatch(wr, a)
		return nil, schema.Stat{}, rev, nil, err
	}
	return names, n.stat, rev, a, nil
}

// GetACL returns the ACL and Stat of the znode at path. It needs READ or
// ADMIN; without ADMIN, digest ids are shown as "user:x", as ZooKeeper
// shows them. Errors: NoNode, NoAuth.
func (e *Engine) GetACL(ctx context.Context, c Caller, path string, minRev int64) ([]schema.ACL, schema.Stat, int64, error) {
	path = readPath(path)
	resp, rev, err := e.snapshot(ctx, minRev, readKeys(path))
	if err != nil {
		return nil, schema.Stat{}, 0, err
	}
	n, err := e.permitted(resp, c, path, schema.PermRead|schema.PermAdmin)
	if err == nil {
		err = e.withQuotaStats(ctx, path, rev, n)
	}
	if err != nil {
		return nil, schema.Stat{}, rev, err
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
	resp, rev, err := e.snapshot(ctx, minRev, readKeys(path))
	if err != nil {
		return 0, 0, err
	}
	if _, err := e.permitted(resp, c, path, schema.PermRead); err != nil {
		return 0, rev, err
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
		r, err := e.kv.Get(ctx, prefix, clientv3.WithPrefix(), clientv3.WithCountOnly(), clientv3.WithRev(rev))
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
// starts with prefix, sorted. As in ZooKeeper, the prefix is a string
// prefix, not a path ("/a" also matches "/ab"), and one that is empty or
// "/" once trimmed as Java's String.trim does (of every character up to
// and including the space) lists them all.
func (e *Engine) GetEphemerals(ctx context.Context, c Caller, prefix string, minRev int64) ([]string, int64, error) {
	if c.Session == 0 {
		return nil, 0, schema.Errorf(schema.CodeBadArguments, prefix, "getEphemerals needs a session")
	}
	if t := strings.TrimFunc(prefix, func(r rune) bool { return r <= ' ' }); t == "" || t == "/" {
		prefix = "/"
	}
	idx := schema.EphemeralPrefix(c.Session)
	resp, rev, err := e.snapshot(ctx, minRev, []string{schema.SessionKey(c.Session)}, prefixRange(idx))
	if err != nil {
		return nil, 0, err
	}
	if kvs := resp.Responses[0].GetResponseRange().Kvs; !c.internal && (len(kvs) == 0 || !sessionMatches(&entry{exists: true, value: kvs[0].Value}, c.Password)) {
		return nil, rev, schema.ErrSessionExpired
	}
	var out []string
	for _, kv := range resp.Responses[1].GetResponseRange().Kvs {
		if _, p, ok := schema.ParseEphemeralKey(string(kv.Key)); ok && strings.HasPrefix(p, prefix) {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out, rev, nil
}

// Sync returns a zxid no older than any write committed before the call;
// reads given it as minRev see all of them.
func (e *Engine) Sync(ctx context.Context, c Caller, path string) (int64, error) {
	resp, err := e.kv.Get(ctx, schema.VersionKey(), clientv3.WithKeysOnly())
	if err != nil {
		return 0, fmt.Errorf("sync: %w", err)
	}
	if err := e.hub.wait(ctx, resp.Header.Revision); err != nil {
		return 0, err
	}
	return e.hub.current(), nil
}

// Zxid is the zxid this node serves reads at: every change up to it is
// visible and its watch events dispatched.
func (e *Engine) Zxid() int64 { return e.hub.current() }

// ClusterZxid is the cluster's newest revision, read through the leader.
func (e *Engine) ClusterZxid(ctx context.Context) (int64, error) {
	resp, err := e.kv.Get(ctx, schema.VersionKey(), clientv3.WithKeysOnly())
	if err != nil {
		return 0, fmt.Errorf("reading the cluster's zxid: %w", err)
	}
	return resp.Header.Revision, nil
}

// Counts reports how many znodes, ephemerals and sessions the cluster
// holds, for monitoring (ZooKeeper's mntr). It counts keys, so it costs a
// little more with each million znodes.
func (e *Engine) Counts(ctx context.Context) (znodes, ephemerals, sessions int64, err error) {
	start, end := schema.NodeSpace()
	count := func(from, to string) int64 {
		if err != nil {
			return 0
		}
		r, gerr := e.kv.Get(ctx, from, clientv3.WithRange(to), clientv3.WithCountOnly(), clientv3.WithSerializable())
		if gerr != nil {
			err = gerr
			return 0
		}
		return r.Count
	}
	znodes = count(start, end)
	ephemerals = count(schema.EphemeralSpace(), schema.PrefixEnd(schema.EphemeralSpace()))
	sessions = count(schema.SessionSpace(), schema.PrefixEnd(schema.SessionSpace()))
	return znodes, ephemerals, sessions, err
}
