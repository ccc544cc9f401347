package gateway

import (
	"strconv"
	"strings"
	"sync/atomic"

	"go.uber.org/zap"
	"google.golang.org/grpc/metadata"

	"context"
	"errors"
	"fmt"
	"time"

	"go.etcd.io/etcd/api/v3/mvccpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/pkg/v3/traceutil"
	"go.etcd.io/etcd/server/v3/storage/mvcc"

	"github.com/zkgate/zkgate/schema"
)

// OldestZxid is the oldest zxid a read at a past zxid can reach: etcd
// keeps every revision since its last compaction.
func (e *Engine) OldestZxid(ctx context.Context) (int64, error) {
	if e.cfg.LocalStore != nil {
		txn := e.cfg.LocalStore.Read(mvcc.ConcurrentReadTxMode, traceutil.TODO())
		first := txn.FirstRev()
		txn.End()
		return max(first, 1), nil
	}
	// Against an external etcd: the first revision a read at is not
	// refused as compacted, by a binary search (a few dozen reads of one
	// key, counted only).
	e.oldestMu.Lock()
	defer e.oldestMu.Unlock()
	if !e.oldestAt.IsZero() && e.now().Sub(e.oldestAt) < oldestTTL {
		return e.oldest, nil
	}
	now, err := e.kv.Get(ctx, schema.VersionKey(), clientv3.WithCountOnly())
	if err != nil {
		return 0, fmt.Errorf("reading the oldest zxid: %w", err)
	}
	lo, hi := int64(1), now.Header.Revision
	for lo < hi {
		mid := lo + (hi-lo)/2
		_, err := e.kv.Get(ctx, schema.VersionKey(), clientv3.WithRev(mid), clientv3.WithCountOnly(), clientv3.WithSerializable())
		switch {
		case errors.Is(err, rpctypes.ErrCompacted):
			lo = mid + 1
		case err != nil:
			return 0, fmt.Errorf("reading the oldest zxid: %w", err)
		default:
			hi = mid
		}
	}
	e.oldest, e.oldestAt = lo, e.now()
	return lo, nil
}

// oldestTTL is how long OldestZxid reuses what it found against an
// external etcd.
const oldestTTL = 10 * time.Second

// retentionNote is Config.History for an error message.
func (e *Engine) retentionNote() string {
	if e.cfg.History == "" {
		return ""
	}
	return " (" + e.cfg.History + ")"
}

// replays numbers the replays, for their watch streams.
var replays atomic.Uint64

// collect is the Watcher a replay's hub fires: it hands each event to fn,
// with the identities of the caller the replay is for.
type collect struct {
	auth []schema.AuthID
	fn   func(Event)
}

func (c *collect) Notify(ev Event)            { c.fn(ev) }
func (c *collect) WatchAuth() []schema.AuthID { return c.auth }

// Replay calls fn, in order, with every event a persistent watch of mode
// on path, held by caller c, would have fired for the changes after zxid
// since up to zxid until: the same events, in the same order, filtered by
// the ACLs of the time, that a watch set at since would have delivered
// (AddWatch). A caller that sets a watch with AddWatch, which returns the
// zxid it counts from, and replays up to that zxid, gets every change
// after since exactly once. since must be within the history the cluster
// keeps (BadArguments naming the oldest reachable zxid otherwise), and
// until no newer than this node has reached. An error from fn ends the
// replay with it.
func (e *Engine) Replay(ctx context.Context, c Caller, path string, mode WatchMode, since, until int64, fn func(Event) error) error {
	specs, err := persistentSpecs(path, mode)
	if err != nil {
		return err
	}
	if since < 0 {
		return schema.Errorf(schema.CodeBadArguments, path, "zxid %d to replay from is negative", since)
	}
	if err := e.hub.wait(ctx, max(since, until)); err != nil {
		return err
	}
	if since >= until {
		return nil
	}
	acls, err := readACLs(ctx, e.kv, since)
	if errors.Is(err, rpctypes.ErrCompacted) {
		return e.compactedError(ctx, since)
	}
	if err != nil {
		return err
	}
	h := newHub(e.lg, e.cfg.Client, -1, e.cfg.SuperDigest)
	h.seed(since, acls, keyCounts{}) // a replay counts nothing
	var stop error
	stopped := func() error { return stop }
	h.register(&collect{auth: c.Auth, fn: func(ev Event) {
		if stop == nil {
			stop = fn(ev)
		}
	}}, false, specs)

	return e.scanChanges(ctx, since, until, func(evs []*clientv3.Event, rev int64, progress bool) error {
		h.dispatch(evs, rev, progress)
		return stopped()
	})
}

// scanChanges calls fn with etcd's events of zkgate's keys after since up
// to until, in order, a watch response at a time (as hub.dispatch takes
// them); a response's header revision is capped at until. An error from
// fn ends the scan with it.
func (e *Engine) scanChanges(ctx context.Context, since, until int64, fn func(evs []*clientv3.Event, headerRev int64, progress bool) error, opts ...clientv3.OpOption) error {
	// A watch stream of its own (the client groups watches into streams
	// by their context's metadata): its progress requests concern only
	// this scan's watch.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ctx = metadata.AppendToOutgoingContext(ctx, "zkgate-replay", strconv.FormatUint(replays.Add(1), 10))
	wr := e.cfg.Client
	start, end := schema.Prefix, schema.PrefixEnd(schema.Prefix)
	wch := wr.Watch(ctx, start, append([]clientv3.OpOption{clientv3.WithRange(end), clientv3.WithRev(since + 1), clientv3.WithProgressNotify()}, opts...)...)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case resp, ok := <-wch:
			if !ok {
				return fmt.Errorf("reading past changes: %w", ctx.Err())
			}
			if resp.CompactRevision != 0 {
				return e.compactedError(ctx, since)
			}
			if err := resp.Err(); err != nil {
				return fmt.Errorf("reading past changes: %w", err)
			}
			evs := resp.Events
			done := resp.IsProgressNotify() && resp.Header.Revision >= until ||
				len(evs) > 0 && evs[len(evs)-1].Kv.ModRevision >= until
			for i, ev := range evs {
				if ev.Kv.ModRevision > until {
					evs, done = evs[:i], true
					break
				}
			}
			if err := fn(evs, min(resp.Header.Revision, until), resp.IsProgressNotify()); err != nil {
				return err
			}
			if done {
				return nil
			}
		case <-tick.C:
			// Once the watch has sent the history, a progress request
			// is answered with the store's revision: past until, every
			// change up to it has been sent.
			_ = wr.RequestProgress(ctx)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// compactedError is the error of a read or replay from a zxid etcd no
// longer keeps.
func (e *Engine) compactedError(ctx context.Context, zxid int64) error {
	// A compaction since OldestZxid last looked (external etcd).
	e.oldestMu.Lock()
	e.oldestAt = time.Time{}
	e.oldestMu.Unlock()
	first, err := e.OldestZxid(ctx)
	if err != nil {
		return schema.Errorf(schema.CodeBadArguments, "", "zxid %d is older than the history this cluster keeps", zxid)
	}
	return schema.Errorf(schema.CodeBadArguments, "", "zxid %d is older than the history this cluster keeps: the oldest reachable zxid is %d%s", zxid, first, e.retentionNote())
}

// ChangeType is the kind of a znode change in History.
type ChangeType int

// The kinds of change, as ZooKeeper's transaction log names them.
const (
	ChangeCreate ChangeType = iota + 1
	ChangeSetData
	ChangeDelete
	ChangeSetACL
)

func (t ChangeType) String() string {
	switch t {
	case ChangeCreate:
		return "create"
	case ChangeSetData:
		return "setData"
	case ChangeDelete:
		return "delete"
	case ChangeSetACL:
		return "setAcl"
	}
	return fmt.Sprintf("ChangeType(%d)", int(t))
}

// Change is one change of a znode, as History lists it.
type Change struct {
	Zxid int64
	// Time is when the change was made, in milliseconds since the epoch
	// (the znode's mtime for a create or setData, the time of the batch
	// that made it otherwise); 0 when not known (a change made by etcd
	// itself, as a lease's expiry, or by an older zkgate).
	Time int64
	// Session is the session whose request made the change (as
	// ZooKeeper's transaction log records it): for the removal of an
	// ephemeral when its session closed or expired, that session; 0 for
	// a change made without one (the gRPC and HTTP faces without a
	// session, zkgate's own reaping of containers and TTL nodes) or
	// written by an older zkgate.
	Session int64
	Type    ChangeType
	Path    string
	// Version is the data version after a create or setData, the one
	// the znode had for a delete; Aversion the ACL version after a
	// setAcl (and for the other kinds, the one in effect).
	Version  int32
	Aversion int32
	// DataLength is the data's length after a create or setData, before
	// a delete.
	DataLength int32
	// EphemeralOwner is the session owning an ephemeral znode.
	EphemeralOwner int64
	// Data is the data after a create or setData (before a delete), with
	// HistoryOptions.Data, when the caller could read the znode then;
	// DataHidden says it could not.
	Data       []byte
	DataHidden bool
	// ACL is the ACL after a create or setAcl, digests masked as getACL
	// masks them for a caller without ADMIN on it.
	ACL []schema.ACL
}

// HistoryOptions select what History lists.
type HistoryOptions struct {
	// Recursive lists the changes of every znode under the path too.
	Recursive bool
	// From and To bound the zxids listed (both included); From 0 is the
	// oldest zxid the cluster keeps, To 0 the zxid this node serves.
	From, To int64
	// Data asks for the data of each create, setData and delete.
	Data bool
}

// History calls fn with every change of the znode at path (with
// o.Recursive, of every znode under it) within the history the cluster
// keeps, oldest first; fn returning an error stops it. Creates, data
// changes, deletes and ACL changes are listed, each at its zxid; a znode
// deleted and created again by one multi is a delete then a create. Data
// is given as the caller could read it at the time (the ACL then); a
// znode below path is listed only where the caller could read its parent
// then (as getChildren would have listed it), and an ACL only with READ
// or ADMIN on it (digests masked without ADMIN), as getACL shows it.
// Errors: BadArguments (From or To before the history kept, naming the oldest
// reachable zxid, or To beyond the cluster's newest).
func (e *Engine) History(ctx context.Context, c Caller, path string, o HistoryOptions, fn func(Change) error) error {
	if o.From < 0 || o.To < 0 || (o.To != 0 && o.To < o.From) {
		return schema.Errorf(schema.CodeBadArguments, path, "zxids %d to %d are not a range", o.From, o.To)
	}
	if err := e.hub.wait(ctx, o.To); err != nil {
		return err
	}
	until := o.To
	if until == 0 {
		until = e.hub.current()
	}
	oldest, err := e.OldestZxid(ctx)
	if err != nil {
		return err
	}
	from := o.From
	if from == 0 {
		from = oldest
	}
	if from < oldest {
		return e.compactedError(ctx, from)
	}
	if o.To != 0 && o.To < oldest {
		return e.compactedError(ctx, o.To)
	}
	since := from - 1
	if since >= until {
		return nil
	}
	// The ACLs before the first change listed decide whether its data is
	// shown; at the oldest zxid kept, the state before it is gone: its
	// own ACLs stand for them.
	acls, err := readACLs(ctx, e.kv, max(since, oldest))
	if errors.Is(err, rpctypes.ErrCompacted) {
		return e.compactedError(ctx, since)
	}
	if err != nil {
		return err
	}
	under := func(p string) bool {
		return p == path || o.Recursive && (path == "/" || strings.HasPrefix(p, path+"/"))
	}
	aclOf := func(p string) schema.ACLRecord {
		if a, ok := acls[p]; ok {
			return a
		}
		return schema.ACLRecord{ACL: schema.OpenACLUnsafe}
	}
	var stop error
	emit := func(ch Change, data []byte, p string) {
		if stop != nil {
			return
		}
		if p != path && !schema.Allowed(aclOf(schema.Parent(p)).ACL, schema.PermRead, c.Auth, e.cfg.SuperDigest) {
			// A znode below path is seen as getChildren sees it: only
			// by whoever could read its parent then.
			return
		}
		switch {
		case ch.ACL == nil:
		case !schema.Allowed(ch.ACL, schema.PermRead|schema.PermAdmin, c.Auth, e.cfg.SuperDigest):
			// As getACL refuses it.
			ch.ACL = nil
		case !schema.Allowed(ch.ACL, schema.PermAdmin, c.Auth, e.cfg.SuperDigest):
			// As getACL shows them without ADMIN.
			ch.ACL = schema.MaskDigests(ch.ACL)
		}
		if o.Data && ch.Type != ChangeSetACL {
			if schema.Allowed(aclOf(p).ACL, schema.PermRead, c.Auth, e.cfg.SuperDigest) {
				ch.Data = data
			} else {
				ch.DataHidden = true
			}
		}
		stop = fn(ch)
	}
	var batch []*clientv3.Event
	flush := func() {
		if len(batch) == 0 {
			return
		}
		rev := batch[0].Kv.ModRevision
		var at int64
		var deleters []int64 // the session of each znode deleted, in order
		chained := false     // the revision was a gateway's batch
		nodeDeletes := 0
		var gone []string
		acled := map[string]bool{}   // paths whose ACL key changed
		touched := map[string]bool{} // paths whose node key changed
		for _, ev := range batch {
			key := string(ev.Kv.Key)
			if schema.IsChainKey(key) && ev.Type != mvccpb.DELETE {
				chained = true
				if t, ok := schema.ChainTime(ev.Kv.Value); ok {
					at = t
				}
				deleters, _ = schema.ChainDeleters(ev.Kv.Value)
			}
			if p, ok := schema.PathOfNodeKey(key); ok {
				touched[p] = true
				if ev.Type == mvccpb.DELETE {
					nodeDeletes++
				}
			}
			// New ACLs apply before the node events of their revision,
			// removed ones after (as in hub.dispatch).
			p, ok := schema.PathOfACLKey(key)
			switch {
			case !ok:
			case ev.Type == mvccpb.DELETE:
				gone = append(gone, p)
				acled[p] = true
			default:
				if a, err := schema.UnmarshalACL(ev.Kv.Value); err == nil {
					acls[p] = a
				}
				acled[p] = true
			}
		}
		if len(deleters) != nodeDeletes {
			deleters = nil // not this revision's deletions: unknown
		}
		deleted := -1
		for _, ev := range batch {
			p, ok := schema.PathOfNodeKey(string(ev.Kv.Key))
			if ok && ev.Type == mvccpb.DELETE {
				deleted++
			}
			if !ok || !under(p) {
				continue
			}
			a := aclOf(p)
			if ev.Type == mvccpb.DELETE || !ev.IsCreate() && schema.NodeCreatedByWrite(ev.Kv.Value) {
				ch := Change{Zxid: rev, Time: at, Type: ChangeDelete, Path: p, Aversion: a.Aversion}
				var data []byte
				if ev.PrevKv != nil {
					rec, err := schema.UnmarshalNode(ev.PrevKv.Value)
					if err != nil {
						continue
					}
					ch.Version, ch.DataLength, ch.EphemeralOwner, data = rec.Version, int32(len(rec.Data)), rec.Owner, rec.Data
					if !chained && rec.Kind == schema.KindEphemeral {
						// etcd removed it with its session's lease.
						ch.Session = rec.Owner
					}
				}
				switch {
				case ev.Type != mvccpb.DELETE:
					// A multi's delete and create again: its session
					// wrote the new record.
					if rec, err := schema.UnmarshalNode(ev.Kv.Value); err == nil {
						ch.Session = rec.Writer
					}
				case deleters != nil:
					ch.Session = deleters[deleted]
				}
				emit(ch, data, p)
				if ev.Type == mvccpb.DELETE {
					continue
				}
			}
			rec, err := schema.UnmarshalNode(ev.Kv.Value)
			if err != nil {
				continue
			}
			ch := Change{Zxid: rev, Time: rec.Mtime, Session: rec.Writer, Type: ChangeSetData, Path: p, Version: rec.Version, Aversion: a.Aversion,
				DataLength: int32(len(rec.Data)), EphemeralOwner: rec.Owner}
			if ev.IsCreate() || schema.NodeCreatedByWrite(ev.Kv.Value) {
				ch.Type, ch.ACL = ChangeCreate, a.ACL
			}
			emit(ch, rec.Data, p)
		}
		for p := range acled {
			if touched[p] || !under(p) {
				continue // part of the znode's create or delete
			}
			a := aclOf(p)
			emit(Change{Zxid: rev, Time: at, Session: a.Writer, Type: ChangeSetACL, Path: p, Aversion: a.Aversion, ACL: a.ACL}, nil, p)
		}
		for _, p := range gone {
			delete(acls, p)
		}
		batch = batch[:0]
	}
	err = e.scanChanges(ctx, since, until, func(evs []*clientv3.Event, _ int64, _ bool) error {
		for _, ev := range evs {
			if len(batch) > 0 && ev.Kv.ModRevision != batch[0].Kv.ModRevision {
				flush()
			}
			batch = append(batch, ev)
		}
		return stop
	}, clientv3.WithPrevKV())
	if err == nil {
		flush()
	}
	if stop != nil {
		return stop
	}
	return err
}

// ZxidAt is the last zxid at or before the time ms (milliseconds since the
// epoch), within the history the cluster keeps, and the time it was made
// at. Times come from the batches' chain keys (schema.ChainValue): a zxid
// made by no gateway (a lease's expiry) has the time of the last batch
// before it. The times are the gateway nodes' clocks: with several
// nodes, a time picks a zxid as precisely as their clocks agree.
// Errors: BadArguments for a time before the oldest zxid kept
// (naming it and its time) or after the present.
func (e *Engine) ZxidAt(ctx context.Context, ms int64) (zxid, at int64, err error) {
	if ms > e.now().UnixMilli() {
		return 0, 0, schema.Errorf(schema.CodeBadArguments, "", "%s is in the future", time.UnixMilli(ms).UTC().Format(time.RFC3339Nano))
	}
	lo, err := e.OldestZxid(ctx)
	if err != nil {
		return 0, 0, err
	}
	hi := e.hub.current()
	first, err := e.timeOf(ctx, lo)
	if err != nil {
		return 0, 0, err
	}
	if first > ms {
		return 0, 0, schema.Errorf(schema.CodeBadArguments, "", "%s is before the history this cluster keeps: the oldest reachable zxid is %d, made at %s%s",
			time.UnixMilli(ms).UTC().Format(time.RFC3339Nano), lo, time.UnixMilli(first).UTC().Format(time.RFC3339Nano), e.retentionNote())
	}
	// The last revision whose time is at or before ms: times grow with
	// revisions.
	at = first
	for lo < hi {
		mid := lo + (hi-lo+1)/2
		t, err := e.timeOf(ctx, mid)
		if err != nil {
			return 0, 0, err
		}
		if t <= ms {
			lo, at = mid, t
		} else {
			hi = mid - 1
		}
	}
	return lo, at, nil
}

// dropStaleChainKeys deletes the chain keys of stopped engines whose last
// batch is older than the history kept: they date nothing a read can
// reach any more. Each engine leaves its chain key when it stops (for
// ZxidAt); this bounds them to the engines of the history kept.
func (e *Engine) dropStaleChainKeys(ctx context.Context) {
	oldest, err := e.OldestZxid(ctx)
	if err != nil || oldest <= 1 {
		return
	}
	resp, err := e.kv.Get(ctx, schema.ChainSpace(), clientv3.WithRange(schema.PrefixEnd(schema.ChainSpace())), clientv3.WithKeysOnly())
	if err != nil {
		return
	}
	for _, kv := range resp.Kvs {
		if kv.ModRevision >= oldest {
			continue
		}
		if _, err := e.kv.Txn(ctx).If(clientv3.Compare(clientv3.ModRevision(string(kv.Key)), "=", kv.ModRevision)).
			Then(clientv3.OpDelete(string(kv.Key))).Commit(); err != nil {
			e.lg.Debug("deleting a stale chain key", zap.Error(err))
			return
		}
	}
}

// HistoryRange is the oldest zxid history reaches (OldestZxid), the time
// it was made at (0 if not known), and the zxid this node serves.
func (e *Engine) HistoryRange(ctx context.Context) (oldest, oldestTime, zxid int64, err error) {
	zxid = e.hub.current()
	if oldest, err = e.OldestZxid(ctx); err != nil {
		return 0, 0, 0, err
	}
	oldestTime, err = e.timeOf(ctx, oldest)
	return oldest, oldestTime, zxid, err
}

// timeOf is the time of the newest batch at or before rev (its chain
// key's), 0 when none dates it.
func (e *Engine) timeOf(ctx context.Context, rev int64) (int64, error) {
	resp, err := e.readAt(ctx, rev, true, nil, []clientv3.Op{clientv3.OpGet(schema.ChainSpace(), clientv3.WithRange(schema.PrefixEnd(schema.ChainSpace())))})
	if errors.Is(err, rpctypes.ErrCompacted) {
		return 0, e.compactedError(ctx, rev)
	}
	if err != nil {
		return 0, fmt.Errorf("reading the time of zxid %d: %w", rev, err)
	}
	// The ranges of readAt are keys only: read the newest chain key's
	// value.
	var newest string
	var mod int64
	for _, kv := range resp.Responses[0].GetResponseRange().GetKvs() {
		if kv.ModRevision > mod {
			newest, mod = string(kv.Key), kv.ModRevision
		}
	}
	if newest == "" {
		return 0, nil
	}
	v, err := e.readAt(ctx, rev, true, []string{newest}, nil)
	if err != nil {
		return 0, fmt.Errorf("reading the time of zxid %d: %w", rev, err)
	}
	kvs := v.Responses[0].GetResponseRange().GetKvs()
	if len(kvs) == 0 {
		return 0, nil
	}
	t, _ := schema.ChainTime(kvs[0].Value)
	return t, nil
}
