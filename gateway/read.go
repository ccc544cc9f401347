package gateway

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"go.etcd.io/etcd/api/v3/mvccpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/zkgate/zkgate/schema"
)

// Reads are served from the local etcd member without a Raft round
// (serializable), as ZooKeeper servers serve them, at the revision this
// node's watch hub has dispatched: so a reply never reflects a change
// whose watch events are not yet queued. A session must never see state
// older than it has already seen, so every read takes the session's last
// zxid (ReadOptions.MinZxid) and waits, if need be, until the hub has reached it (also
// on another node, after the session moved). Sync returns a revision at
// least as new as every write committed before it, so a read given that
// revision is up to date. The same holds against an external etcd: the
// hub watches the member the client talks to, and a member that is behind
// is caught up by a linearizable read.

// snapshot reads keys (and the given prefix ranges, keys only) at the
// hub's revision, once that is no older than minRev, and returns what it
// found and that revision.
func (e *Engine) snapshot(ctx context.Context, minRev int64, keys []string, ranges ...clientv3.Op) (reading, int64, error) {
	rd, rev, _, err := e.snapshotWatch(ctx, minRev, nil, keys, ranges...)
	return rd, rev, err
}

// reading is what a read of keys (and prefix ranges) found.
type reading struct {
	// ents are the keys' states, in the order read; shared with the key
	// cache, never to be written.
	ents []*entry
	// resp is the store's answer, the keys' responses before the
	// ranges'; nil when every key came from the key cache (a read
	// without ranges).
	resp *clientv3.TxnResponse
}

// readingOf is what resp, a read of nkeys keys and then ranges, found.
func readingOf(resp *clientv3.TxnResponse, nkeys int) reading {
	return reading{ents: entriesOf(resp, nkeys), resp: resp}
}

// rangeKvs are the keys the i-th range found.
func (r reading) rangeKvs(i int) []*mvccpb.KeyValue {
	return r.resp.Responses[len(r.ents)+i].GetResponseRange().Kvs
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
func (e *Engine) snapshotWatch(ctx context.Context, minRev int64, wr *watchReq, keys []string, ranges ...clientv3.Op) (reading, int64, *Armed, error) {
	if err := e.hub.wait(ctx, minRev); err != nil {
		return reading{}, 0, nil, err
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
	rd, err := e.readCurrent(ctx, rev, keys, ranges)
	var resp *clientv3.TxnResponse
	if errors.Is(err, rpctypes.ErrCompacted) {
		// etcd compacted past the hub (it fell far behind): read the
		// newest state, once the hub has caught up with it, so replies
		// still follow their events.
		if latest, gerr := e.kv.Get(ctx, schema.VersionKey(), clientv3.WithKeysOnly()); gerr == nil {
			if werr := e.hub.wait(ctx, latest.Header.Revision); werr != nil {
				return reading{}, 0, nil, werr
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
		return reading{}, 0, nil, fmt.Errorf("reading from etcd: %w", err)
	}
	if resp != nil {
		rd = readingOf(resp, len(keys))
	}
	return rd, rev, a, nil
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
		e.localReads.Add(1)
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

// readCurrent is readAt (serializable) for a read at a revision the hub
// gave it (what the node serves now, not a past zxid): from the key cache
// when it holds every key as of rev (keyCache.getAt), otherwise from the
// member's store, whose answer then goes into the cache. Only with the
// embedded member, and only for reads of keys without ranges.
func (e *Engine) readCurrent(ctx context.Context, rev int64, keys []string, ranges []clientv3.Op) (reading, error) {
	if e.cfg.LocalStore == nil || e.keys == nil || len(ranges) > 0 || len(keys) == 0 || len(keys) > 8 {
		resp, err := e.readAt(ctx, rev, true, keys, ranges)
		if err != nil {
			return reading{}, err
		}
		return readingOf(resp, len(keys)), nil
	}
	got := make([]*entry, len(keys))
	if e.keys.getAt(rev, keys, got) {
		e.localReads.Add(1)
		e.readKeyHits.Add(1)
		return reading{ents: got}, nil
	}
	resp, err := e.readAt(ctx, rev, true, keys, nil)
	if err != nil {
		return reading{}, err
	}
	rd := readingOf(resp, len(keys))
	e.keys.put(rev, keys, rd.ents)
	return rd, nil
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

// nodeFrom decodes the znode a read of readKeys found (its first three
// keys).
func (e *Engine) nodeFrom(rd reading) (*readNode, error) {
	nk := rd.ents[0]
	if !nk.exists {
		return nil, nil
	}
	rec, err := nk.node()
	if err != nil {
		return nil, err
	}
	var meta schema.Meta
	var metaRev int64
	if mk := rd.ents[1]; mk.exists {
		if meta, err = schema.UnmarshalMeta(mk.value); err != nil {
			return nil, err
		}
		metaRev = mk.modRev
	}
	acl := schema.ACLRecord{ACL: schema.OpenACLUnsafe}
	if ak := rd.ents[2]; ak.exists {
		if acl, err = schema.UnmarshalACL(ak.value); err != nil {
			return nil, err
		}
	}
	st := schema.MakeStat(&rec, meta, acl.Aversion, schema.Revisions{NodeCreate: czxidOf(&rec, nk.createRev, nk.modRev), NodeMod: nk.modRev, MetaMod: metaRev})
	return &readNode{rec: rec, stat: e.present(st), acl: acl}, nil
}

// permitted decodes the znode of a snapshot and checks the caller may
// read it: NoNode if it is missing, NoAuth without one of need's bits.
func (e *Engine) permitted(rd reading, c Caller, path string, need schema.Perm) (*readNode, error) {
	n, err := e.nodeFrom(rd)
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

// ReadOptions are the options of a read.
type ReadOptions struct {
	// MinZxid is the oldest zxid the read may reflect: the session's last
	// zxid, so that it never sees state older than it has already seen.
	// The read waits, if need be, until this node has reached it.
	MinZxid int64
	// Watcher, when not nil, asks Exists, GetData or GetChildren to leave
	// a one-shot watch for it; the result's Armed releases it. The other
	// reads set no watch and refuse one with BadArguments.
	Watcher Watcher
	// AtZxid, when not 0, asks Exists, GetData, GetChildren, GetACL and
	// GetAllChildrenNumber for the znode as it was at that zxid: exactly
	// what a read served at that zxid answered (data, Stat, children,
	// ACL, and the permission check against that ACL). It waits for this
	// node to reach the zxid, as MinZxid does. Such a read sets no watch
	// (BadArguments with Watcher). A zxid beyond the cluster's newest is
	// BadArguments; one older than the history etcd keeps (compacted) is
	// BadArguments naming the oldest zxid still reachable.
	AtZxid int64
}

// pastRead checks a read at o.AtZxid: no watch, a zxid no newer than
// this node can reach.
func (e *Engine) pastRead(ctx context.Context, o ReadOptions, op, path string) error {
	if o.AtZxid < 0 {
		return schema.Errorf(schema.CodeBadArguments, path, "zxid %d to read at is negative", o.AtZxid)
	}
	if o.Watcher != nil {
		return schema.Errorf(schema.CodeBadArguments, path, "%s at a past zxid sets no watch", op)
	}
	return e.hub.wait(ctx, max(o.MinZxid, o.AtZxid))
}

// readPast reads keys and ranges at zxid, for a read with
// ReadOptions.AtZxid.
func (e *Engine) readPast(ctx context.Context, zxid int64, keys []string, ranges ...clientv3.Op) (*clientv3.TxnResponse, error) {
	resp, err := e.readAt(ctx, zxid, true, keys, ranges)
	if errors.Is(err, rpctypes.ErrFutureRev) {
		resp, err = e.readAt(ctx, zxid, false, keys, ranges)
	}
	if errors.Is(err, rpctypes.ErrCompacted) {
		return nil, e.compactedError(ctx, zxid)
	}
	if err != nil {
		return nil, fmt.Errorf("reading from etcd: %w", err)
	}
	return resp, nil
}

// ReadResult is what Exists and GetData return.
type ReadResult struct {
	// Data is the znode's data (GetData only): nil when it is null
	// (created or set with nil data), non-nil otherwise, empty included.
	Data []byte
	// Stat is the znode's Stat when Found.
	Stat schema.Stat
	// Found is false when Exists finds no znode; GetData reports a
	// missing one as NoNode instead.
	Found bool
	// Zxid is the zxid the answer reflects; on an error, the zxid the
	// failure reflects (0 when the read did not get that far).
	Zxid int64
	// Armed is the watch the read left for ReadOptions.Watcher, nil if
	// none. Its events wait until the caller calls Armed.Arm, which it
	// does once its reply is queued, so no event overtakes that reply.
	Armed *Armed
	// Kind and TTL (ms, a TTL node's) are the znode's kind (GetData
	// only), which the Stat shows for an ephemeral only: a container
	// and a TTL node read as persistent there, as in ZooKeeper.
	Kind schema.Kind
	TTL  int64
}

// ChildrenResult is what GetChildren returns.
type ChildrenResult struct {
	// Children are the names of the znode's children, sorted. The slice
	// may be shared with other reads (the children cache's list): read
	// it, never modify it.
	Children []string
	// Shared reports that Children is the children cache's list, which
	// the reads of this parent share until it changes: a caller may keep
	// what it derives from it (an encoding) for as long as it holds the
	// slice itself.
	Shared bool
	// Stat is the znode's Stat.
	Stat schema.Stat
	// Zxid and Armed are as in ReadResult.
	Zxid  int64
	Armed *Armed
}

// ACLResult is what GetACL returns.
type ACLResult struct {
	ACL  []schema.ACL
	Stat schema.Stat
	// Zxid is as in ReadResult.
	Zxid int64
}

// CountResult is what GetAllChildrenNumber returns.
type CountResult struct {
	// Count is the number of the znode's descendants.
	Count int64
	// Zxid is as in ReadResult.
	Zxid int64
}

// EphemeralsResult is what GetEphemerals returns.
type EphemeralsResult struct {
	// Paths are the session's ephemeral znodes, sorted.
	Paths []string
	// Zxid is as in ReadResult.
	Zxid int64
}

// noWatch refuses a watch asked of a read that sets none.
func noWatch(o ReadOptions, op, path string) error {
	if o.Watcher != nil {
		return schema.Errorf(schema.CodeBadArguments, path, "%s sets no watch", op)
	}
	return nil
}

// Exists returns the Stat of the znode at path, or Found false. It needs
// no permission, as in ZooKeeper. With o.Watcher, it also leaves a
// one-shot watch that fires on the node's creation, data change or
// deletion (whether or not it exists now); call Arm on the result's
// Armed once the reply is queued.
// Errors: BadArguments (a null character in path, the one check
// ZooKeeper makes on exists).
func (e *Engine) Exists(ctx context.Context, c Caller, path string, o ReadOptions) (ReadResult, error) {
	if strings.IndexByte(path, 0) >= 0 {
		return ReadResult{}, schema.Errorf(schema.CodeBadArguments, path, "null character in path")
	}
	wr := watchFor(o.Watcher, tData, path)
	path = readPath(path)
	rd, rev, a, err := e.snapshotOrPast(ctx, o, "exists", wr, path)
	if err != nil {
		return ReadResult{}, err
	}
	n, err := e.nodeFrom(rd)
	if err != nil {
		e.unwatch(wr, a)
		return ReadResult{Zxid: rev}, err
	}
	if n == nil {
		return ReadResult{Zxid: rev, Armed: a}, nil
	}
	if err := e.withQuotaStats(ctx, path, rev, n); err != nil {
		e.unwatch(wr, a)
		return ReadResult{Zxid: rev}, err
	}
	return ReadResult{Stat: n.stat, Found: true, Zxid: rev, Armed: a}, nil
}

// snapshotOrPast reads the znode at path: at o.AtZxid when set, else as
// snapshotWatch does.
func (e *Engine) snapshotOrPast(ctx context.Context, o ReadOptions, op string, wr *watchReq, path string) (reading, int64, *Armed, error) {
	if o.AtZxid == 0 {
		return e.snapshotWatch(ctx, o.MinZxid, wr, readKeys(path))
	}
	if err := e.pastRead(ctx, o, op, path); err != nil {
		return reading{}, 0, nil, err
	}
	resp, err := e.readPast(ctx, o.AtZxid, readKeys(path))
	if err != nil {
		return reading{}, 0, nil, err
	}
	return readingOf(resp, 3), o.AtZxid, nil, nil
}

// pastChildren is GetChildren at o.AtZxid: the children's keys as they
// were, never the children cache (which holds the current set).
func (e *Engine) pastChildren(ctx context.Context, c Caller, path string, o ReadOptions) (ChildrenResult, error) {
	if err := e.pastRead(ctx, o, "getChildren", path); err != nil {
		return ChildrenResult{}, err
	}
	prefix := schema.ChildrenPrefix(path)
	resp, err := e.readPast(ctx, o.AtZxid, readKeys(path), prefixRange(prefix))
	if err != nil {
		return ChildrenResult{}, err
	}
	rd := readingOf(resp, 3)
	rev := o.AtZxid
	n, err := e.permitted(rd, c, path, schema.PermRead)
	if err == nil {
		err = e.withQuotaStats(ctx, path, rev, n)
	}
	if err != nil {
		return ChildrenResult{Zxid: rev}, err
	}
	kvs := rd.rangeKvs(0)
	names := make([]string, 0, len(kvs))
	for _, kv := range kvs {
		names = append(names, string(kv.Key[len(prefix):]))
	}
	sort.Strings(names)
	return ChildrenResult{Children: names, Stat: n.stat, Zxid: rev}, nil
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

// GetData returns the data and Stat of the znode at path (Found is true).
// With o.Watcher, when the read succeeds, it also leaves a one-shot data
// watch (see Exists for Arm); a failed read leaves none.
// Errors: NoNode, NoAuth (no READ).
func (e *Engine) GetData(ctx context.Context, c Caller, path string, o ReadOptions) (ReadResult, error) {
	wr := watchFor(o.Watcher, tData, path)
	path = readPath(path)
	rd, rev, a, err := e.snapshotOrPast(ctx, o, "getData", wr, path)
	if err != nil {
		return ReadResult{}, err
	}
	n, err := e.permitted(rd, c, path, schema.PermRead)
	if err == nil {
		err = e.withQuotaStats(ctx, path, rev, n)
	}
	if err != nil {
		e.unwatch(wr, a)
		return ReadResult{Zxid: rev}, err
	}
	return ReadResult{Data: n.rec.Data, Stat: n.stat, Found: true, Zxid: rev, Armed: a, Kind: n.rec.Kind, TTL: n.rec.TTL}, nil
}

// GetChildren returns the names of the children of the znode at path,
// sorted, and its Stat. Grandchildren are not read. With o.Watcher, when
// the read succeeds, it also leaves a one-shot child watch (see Exists
// for Arm). The names come from the children cache when it holds path's
// set (only the parent's records are read from etcd), else from a range
// over the children's keys, which loads the cache.
// Errors: NoNode, NoAuth (no READ).
func (e *Engine) GetChildren(ctx context.Context, c Caller, path string, o ReadOptions) (ChildrenResult, error) {
	wr := watchFor(o.Watcher, tChild, path)
	path = readPath(path)
	prefix := schema.ChildrenPrefix(path)
	if o.AtZxid != 0 {
		return e.pastChildren(ctx, c, path, o)
	}
	if err := e.hub.wait(ctx, o.MinZxid); err != nil {
		return ChildrenResult{}, err
	}
	en, fresh, rev, cached := e.hub.childrenAt(wr, path)
	load := cached.load
	var a *Armed
	if en != nil {
		a = &Armed{h: e.hub, w: wr.w, en: en, wr: wr, fresh: fresh}
	}
	var ranges []clientv3.Op
	if !cached.hit() {
		ranges = append(ranges, prefixRange(prefix))
	}
	rd, err := e.readCurrent(ctx, rev, readKeys(path), ranges)
	if err != nil {
		// Compacted past, or a member behind: the general read copes.
		if load != nil {
			e.hub.abandonChildren(path, load)
		}
		e.unwatch(wr, a)
		rd, rev, a, err = e.snapshotWatch(ctx, o.MinZxid, wr, readKeys(path), prefixRange(prefix))
		if err != nil {
			return ChildrenResult{}, err
		}
		cached, load = cachedChildren{}, nil
	}
	var names []string
	shared := false
	switch {
	case cached.list != nil:
		names, shared = cached.list, true
	case cached.names != nil:
		names = make([]string, 0, cached.names.Len())
		cached.names.Scan(func(n string) bool { names = append(names, n); return true })
		e.hub.offerChildren(path, cached, names)
	default:
		kvs := rd.rangeKvs(0)
		names = make([]string, 0, len(kvs))
		for _, kv := range kvs {
			names = append(names, string(kv.Key[len(prefix):]))
		}
		sort.Strings(names)
	}
	n, err := e.permitted(rd, c, path, schema.PermRead)
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
		return ChildrenResult{Zxid: rev}, err
	}
	return ChildrenResult{Children: names, Shared: shared, Stat: n.stat, Zxid: rev, Armed: a}, nil
}

// GetACL returns the ACL and Stat of the znode at path. It needs READ or
// ADMIN; without ADMIN, digest ids are shown as "user:x", as ZooKeeper
// shows them. It sets no watch.
// Errors: BadArguments (o.Watcher set), NoNode, NoAuth.
func (e *Engine) GetACL(ctx context.Context, c Caller, path string, o ReadOptions) (ACLResult, error) {
	if err := noWatch(o, "getACL", path); err != nil {
		return ACLResult{}, err
	}
	path = readPath(path)
	rd, rev, _, err := e.snapshotOrPast(ctx, o, "getACL", nil, path)
	if err != nil {
		return ACLResult{}, err
	}
	n, err := e.permitted(rd, c, path, schema.PermRead|schema.PermAdmin)
	if err == nil {
		err = e.withQuotaStats(ctx, path, rev, n)
	}
	if err != nil {
		return ACLResult{Zxid: rev}, err
	}
	if !e.allowed(c, n.acl, schema.PermAdmin) {
		return ACLResult{ACL: schema.MaskDigests(n.acl.ACL), Stat: n.stat, Zxid: rev}, nil
	}
	return ACLResult{ACL: n.acl.ACL, Stat: n.stat, Zxid: rev}, nil
}

// GetAllChildrenNumber counts every descendant of the znode at path. It
// sets no watch.
// Errors: BadArguments (o.Watcher set), NoNode, NoAuth (no READ).
func (e *Engine) GetAllChildrenNumber(ctx context.Context, c Caller, path string, o ReadOptions) (CountResult, error) {
	if err := noWatch(o, "getAllChildrenNumber", path); err != nil {
		return CountResult{}, err
	}
	// ZooKeeper counts "" one higher than "/": it keeps the root under
	// both names.
	var extra int64
	if path == "" {
		extra = 1
	}
	path = readPath(path)
	rd, rev, _, err := e.snapshotOrPast(ctx, o, "getAllChildrenNumber", nil, path)
	if err != nil {
		return CountResult{}, err
	}
	if _, err := e.permitted(rd, c, path, schema.PermRead); err != nil {
		return CountResult{Zxid: rev}, err
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
			return CountResult{Zxid: rev}, fmt.Errorf("counting descendants: %w", err)
		}
		if r.Count == 0 {
			return CountResult{Count: total + extra, Zxid: rev}, nil
		}
		total += r.Count
	}
}

// GetEphemerals lists the caller's session's ephemeral znodes whose path
// starts with prefix, sorted. As in ZooKeeper, the prefix is a string
// prefix, not a path ("/a" also matches "/ab"), and one that is empty or
// "/" once trimmed as Java's String.trim does (of every character up to
// and including the space) lists them all. It sets no watch.
// Errors: BadArguments (no session, or o.Watcher set), SessionExpired.
func (e *Engine) GetEphemerals(ctx context.Context, c Caller, prefix string, o ReadOptions) (EphemeralsResult, error) {
	if c.Session == 0 {
		return EphemeralsResult{}, schema.Errorf(schema.CodeBadArguments, prefix, "getEphemerals needs a session")
	}
	if err := noWatch(o, "getEphemerals", prefix); err != nil {
		return EphemeralsResult{}, err
	}
	if o.AtZxid != 0 {
		return EphemeralsResult{}, schema.Errorf(schema.CodeBadArguments, prefix, "getEphemerals reads only the current state")
	}
	if t := strings.TrimFunc(prefix, func(r rune) bool { return r <= ' ' }); t == "" || t == "/" {
		prefix = "/"
	}
	idx := schema.EphemeralPrefix(c.Session)
	rd, rev, err := e.snapshot(ctx, o.MinZxid, []string{schema.SessionKey(c.Session)}, prefixRange(idx))
	if err != nil {
		return EphemeralsResult{}, err
	}
	if !c.internal && !sessionMatches(rd.ents[0], c.Password) {
		return EphemeralsResult{Zxid: rev}, schema.ErrSessionExpired
	}
	var out []string
	for _, kv := range rd.rangeKvs(0) {
		if _, p, ok := schema.ParseEphemeralKey(string(kv.Key)); ok && strings.HasPrefix(p, prefix) {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return EphemeralsResult{Paths: out, Zxid: rev}, nil
}

// Sync returns a zxid no older than any write committed before the call;
// reads given it as ReadOptions.MinZxid see all of them.
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

// EphemeralsBySession lists every session's ephemeral znodes, sorted, by
// session id, as this node's member holds them (ZooKeeper's dump
// command): the whole cluster's, read from the ephemeral index.
func (e *Engine) EphemeralsBySession(ctx context.Context) (map[int64][]string, error) {
	idx := schema.EphemeralSpace()
	resp, err := e.kv.Get(ctx, idx, clientv3.WithRange(schema.PrefixEnd(idx)), clientv3.WithKeysOnly(), clientv3.WithSerializable())
	if err != nil {
		return nil, fmt.Errorf("reading the ephemeral index: %w", err)
	}
	out := map[int64][]string{}
	for _, kv := range resp.Kvs {
		if owner, p, ok := schema.ParseEphemeralKey(string(kv.Key)); ok {
			out[owner] = append(out[owner], p)
		}
	}
	for _, ps := range out {
		sort.Strings(ps)
	}
	return out, nil
}
