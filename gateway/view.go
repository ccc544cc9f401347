package gateway

import (
	"context"
	"fmt"
	"sync/atomic"

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/storage/mvcc"

	"github.com/zkgate/zkgate/schema"
)

// Revisions not known while a view is built are markers: the negative
// sequence number of the batch whose transaction will give them (see
// commit.go). A key written by the batch being built has its own marker,
// a key written by a batch still in flight that batch's; they are
// replaced by the committed revisions once known (resolveStat).
func marker(seq int64) int64 { return -seq }

// entry is one key as a batch sees it.
type entry struct {
	exists    bool
	value     []byte
	createRev int64 // a marker when created by a batch not yet committed
	modRev    int64 // a marker when written by a batch not yet committed
	version   int64 // etcd's version of the key (puts since its creation)
	lease     int64
	// writer is the session whose request wrote the key in this batch
	// (view.writer).
	writer int64
	// inexact marks a key written by a batch in flight whose state after
	// that batch no comparison can pin down: its create revision (or the
	// czxid its record holds) is that batch's revision, still unknown. A
	// request that reads it waits for that batch (see base.blocked).
	inexact bool
	// unread marks a key put by a batch that had not read it: its
	// create revision and version after the batch are guesses.
	unread bool
	// rec is value decoded as a znode record (node), once asked for.
	rec atomic.Pointer[schema.Node]
}

// node is the znode record e holds, decoded once: the reads of a cached
// entry share it, Data included, which is value's own bytes and which no
// one writes into (a write replaces it).
func (e *entry) node() (schema.Node, error) {
	if n := e.rec.Load(); n != nil {
		return *n, nil
	}
	n, err := schema.UnmarshalNodeShared(e.value)
	if err != nil {
		return n, err
	}
	e.rec.Store(&n)
	return n, nil
}

// layer is the writes of a batch in flight, as etcd will hold them once
// it commits: a later batch is validated over them.
type layer struct {
	seq     int64
	entries map[string]*entry
}

// base is the state of the keys a batch has read from etcd. Every key read
// becomes a comparison in the batch's transaction, so the transaction only
// commits if none of them changed since: validation against base is
// therefore as good as validation at the commit revision.
type base struct {
	kv      clientv3.KV
	entries map[string]*entry
	order   []string // keys in the order they were first read
	serial  bool     // serializable reads (fast, may be stale: compares catch it)
	store   mvcc.KV  // the embedded member's store, for serializable reads
	// cache, when set, serves serializable reads of keys the committer
	// knows (keycache.go); fetch adds what it reads to it.
	cache *keyCache
	// hits and misses count the keys read from cache and from etcd.
	hits, misses *atomic.Int64
	// quotas caches the committed usage of quota roots (checkQuota).
	quotas map[string]schema.StatsTrack

	// seq is the sequence number of the batch being built (its marker
	// is marker(seq)).
	seq int64
	// pending are the writes of the batches in flight, oldest first: the
	// batch is validated over them, as if they had committed.
	pending []*layer
	// blocked is set when a request reads a key that a batch in flight
	// wrote inexactly: the request cannot be validated before that batch
	// commits.
	blocked bool
	// ncmp counts the comparisons of the keys read (see compares).
	ncmp int
}

func (e *Engine) newBase(serial bool, seq int64, pending []*layer) *base {
	return &base{kv: e.kv, store: e.cfg.LocalStore, cache: e.keys, hits: &e.keyHits, misses: &e.keyMisses, entries: make(map[string]*entry), serial: serial, seq: seq, pending: pending}
}

// marker is the marker of the batch being built.
func (b *base) marker() int64 { return marker(b.seq) }

// fromPending returns key's state as the batches in flight leave it, if
// any of them writes it.
func (b *base) fromPending(key string) (*entry, bool) {
	for i := len(b.pending) - 1; i >= 0; i-- {
		if e, ok := b.pending[i].entries[key]; ok {
			return e, true
		}
	}
	return nil, false
}

// before returns key's state before the batch being built (after the
// batches in flight), or nil if key was neither read nor written by them.
func (b *base) before(key string) *entry {
	if e, ok := b.fromPending(key); ok {
		return e
	}
	return b.entries[key]
}

// addRead records key as read, with its state e.
func (b *base) addRead(key string, e *entry) {
	b.entries[key] = e
	b.order = append(b.order, key)
	if p, ok := b.fromPending(key); ok && p.exists && !p.inexact {
		b.ncmp += 2
	} else {
		b.ncmp++
	}
}

// fetch reads keys not yet in b in one round trip.
func (b *base) fetch(ctx context.Context, keys []string) error {
	var want []string
	seen := make(map[string]bool, len(keys))
	for _, k := range keys {
		if _, ok := b.entries[k]; ok || seen[k] {
			continue
		}
		seen[k] = true
		if b.serial && cacheable(k) {
			if e, ok := b.cache.get(k); ok {
				b.addRead(k, e)
				b.hits.Add(1)
				continue
			}
		}
		want = append(want, k)
	}
	for len(want) > 0 {
		// etcd limits the operations of one txn; read in chunks.
		n := min(len(want), 1024)
		var resp *clientv3.TxnResponse
		var err error
		if b.serial && b.store != nil {
			resp, err = localRead(ctx, b.store, 0, want[:n], nil)
		} else {
			ops := make([]clientv3.Op, n)
			for i, k := range want[:n] {
				if b.serial {
					ops[i] = clientv3.OpGet(k, clientv3.WithSerializable())
				} else {
					ops[i] = clientv3.OpGet(k)
				}
			}
			resp, err = b.kv.Txn(ctx).Then(ops...).Commit()
		}
		if err != nil {
			return fmt.Errorf("reading znode state: %w", err)
		}
		read := entriesOf(resp, len(resp.Responses))
		for i, e := range read {
			b.addRead(want[i], e)
		}
		b.cache.put(resp.Header.Revision, want[:n], read)
		b.misses.Add(int64(n))
		want = want[n:]
	}
	return nil
}

// entriesOf is the state of each key a read of single keys read.
func entriesOf(resp *clientv3.TxnResponse, n int) []*entry {
	read := make([]*entry, n)
	for i, r := range resp.Responses[:n] {
		e := &entry{}
		if kvs := r.GetResponseRange().Kvs; len(kvs) == 1 {
			kv := kvs[0]
			e = &entry{exists: true, value: kv.Value, createRev: kv.CreateRevision, modRev: kv.ModRevision, version: kv.Version, lease: kv.Lease}
		}
		read[i] = e
	}
	return read
}

// assumeAbsent records key as absent without reading it: the batch's
// transaction then fails if it exists, and the retry reads it. Used for the
// names of sequential nodes, which almost never exist.
func (b *base) assumeAbsent(key string) {
	if _, ok := b.entries[key]; !ok {
		b.addRead(key, &entry{})
	}
}

// compares guard every key read: unchanged mod revision, or still absent.
// A key that a batch in flight writes is compared to the state that batch
// leaves, whose mod revision is not known yet: a key it deletes must be
// absent; a key it puts, which existed before it, must have the same
// create revision and etcd's version one more than before (any later put
// raises the version, a delete and a create again changes the create
// revision). A key it creates cannot be compared exactly: no request of
// the batch has read it (base.blocked), so it is not compared.
func (b *base) compares() []*pb.Compare {
	cmps := make([]*pb.Compare, 0, b.ncmp+3)
	for _, k := range b.order {
		e, pending := b.fromPending(k)
		switch {
		case !pending:
			e = b.entries[k]
			if e.exists {
				cmps = append(cmps, modRevIs(k, e.modRev))
			} else {
				cmps = append(cmps, createRevIs(k, 0))
			}
		case !e.exists:
			cmps = append(cmps, createRevIs(k, 0))
		case !e.inexact:
			cmps = append(cmps, createRevIs(k, e.createRev), versionIs(k, e.version))
		}
	}
	return cmps
}

// The compares of a batch, built as etcd takes them (clientv3.Compare
// copies each one by reflection).

// modRevIs compares key's mod revision to rev.
func modRevIs(key string, rev int64) *pb.Compare {
	return &pb.Compare{Key: []byte(key), Target: pb.Compare_MOD, Result: pb.Compare_EQUAL, TargetUnion: &pb.Compare_ModRevision{ModRevision: rev}}
}

// createRevIs compares key's create revision to rev (0: absent).
func createRevIs(key string, rev int64) *pb.Compare {
	return &pb.Compare{Key: []byte(key), Target: pb.Compare_CREATE, Result: pb.Compare_EQUAL, TargetUnion: &pb.Compare_CreateRevision{CreateRevision: rev}}
}

// versionIs compares key's version to v.
func versionIs(key string, v int64) *pb.Compare {
	return &pb.Compare{Key: []byte(key), Target: pb.Compare_VERSION, Result: pb.Compare_EQUAL, TargetUnion: &pb.Compare_Version{Version: v}}
}

// valueIs compares key's value to value.
func valueIs(key, value string) *pb.Compare {
	return &pb.Compare{Key: []byte(key), Target: pb.Compare_VALUE, Result: pb.Compare_EQUAL, TargetUnion: &pb.Compare_Value{Value: []byte(value)}}
}

// clientCmps are cmps as the etcd client takes them.
func clientCmps(cmps []*pb.Compare) []clientv3.Cmp {
	out := make([]clientv3.Cmp, len(cmps))
	for i, c := range cmps {
		out[i] = clientv3.FromCompare(c)
	}
	return out
}

// view is a layer of writes over base (or over another view, for the ops
// of one request, which are kept or dropped together).
type view struct {
	base   *base
	parent *view
	writes map[string]*entry
	order  []string
	ctx    context.Context
	err    error // a read failure; the batch is retried
	// writer is the session whose request writes through v: records
	// carry it (schema.Node.Writer, schema.ACLRecord.Writer), and so
	// does the chain key for deletions (deleters).
	writer int64
}

func (b *base) newView(ctx context.Context) *view {
	return &view{base: b, writes: make(map[string]*entry), ctx: ctx}
}

// child starts a layer whose writes reach v only through merge.
func (v *view) child() *view {
	return &view{base: v.base, parent: v, writes: make(map[string]*entry), ctx: v.ctx, writer: v.writer}
}

// get returns key's state, reading it from etcd if no one has yet.
func (v *view) get(key string) *entry {
	for w := v; w != nil; w = w.parent {
		if e, ok := w.writes[key]; ok {
			return e
		}
	}
	if e, ok := v.base.fromPending(key); ok {
		if e.inexact {
			v.base.blocked = true
		}
		return e
	}
	if e, ok := v.base.entries[key]; ok {
		return e
	}
	if err := v.base.fetch(v.ctx, []string{key}); err != nil {
		if v.err == nil {
			v.err = err
		}
		return &entry{}
	}
	return v.base.entries[key]
}

func (v *view) put(key string, value []byte, lease int64) {
	old := v.get(key)
	m := v.base.marker()
	e := &entry{exists: true, value: value, modRev: m, lease: lease, createRev: old.createRev, writer: v.writer}
	if !old.exists {
		e.createRev = m
	}
	v.set(key, e)
}

func (v *view) del(key string) {
	v.set(key, &entry{writer: v.writer})
}

func (v *view) set(key string, e *entry) {
	if _, ok := v.writes[key]; !ok {
		v.order = append(v.order, key)
	}
	v.writes[key] = e
}

// merge hands c's writes to its parent.
func (c *view) merge() {
	p := c.parent
	for _, k := range c.order {
		p.set(k, c.writes[k])
	}
	if c.err != nil && p.err == nil {
		p.err = c.err
	}
}

// ops turns v's writes (v must be the top view) into etcd operations.
func (v *view) ops() []*pb.RequestOp {
	ops := make([]*pb.RequestOp, 0, len(v.order)+1)
	for _, k := range v.order {
		e := v.writes[k]
		b := v.base.before(k)
		switch {
		case e.exists:
			ops = append(ops, putOp(k, e.value, e.lease))
		case b == nil || b.exists:
			// A key deleted without being read (an ephemeral's index
			// entry, a reaper mark) is deleted unconditionally: deleting
			// an absent key changes nothing.
			ops = append(ops, &pb.RequestOp{Request: &pb.RequestOp_RequestDeleteRange{RequestDeleteRange: &pb.DeleteRangeRequest{Key: []byte(k)}}})
		}
	}
	return ops
}

// deleters are the writers of the znodes ops deletes, in the order it
// deletes them (schema.ChainValue).
func (v *view) deleters() []int64 {
	var out []int64
	for _, k := range v.order {
		e := v.writes[k]
		if e.exists || !schema.IsNodeKey(k) {
			continue
		}
		if b := v.base.before(k); b == nil || b.exists {
			out = append(out, e.writer)
		}
	}
	return out
}

func putOp(key string, value []byte, lease int64) *pb.RequestOp {
	return &pb.RequestOp{Request: &pb.RequestOp_RequestPut{RequestPut: &pb.PutRequest{Key: []byte(key), Value: value, Lease: lease}}}
}

func getOp(key string, countOnly bool) *pb.RequestOp {
	return &pb.RequestOp{Request: &pb.RequestOp_RequestRange{RequestRange: &pb.RangeRequest{Key: []byte(key), CountOnly: countOnly}}}
}

// clientOps are ops as the etcd client takes them.
func clientOps(ops []*pb.RequestOp) []clientv3.Op {
	out := make([]clientv3.Op, len(ops))
	for i, op := range ops {
		switch r := op.Request.(type) {
		case *pb.RequestOp_RequestPut:
			var opts []clientv3.OpOption
			if r.RequestPut.Lease != 0 {
				opts = append(opts, clientv3.WithLease(clientv3.LeaseID(r.RequestPut.Lease)))
			}
			out[i] = clientv3.OpPut(string(r.RequestPut.Key), string(r.RequestPut.Value), opts...)
		case *pb.RequestOp_RequestDeleteRange:
			out[i] = clientv3.OpDelete(string(r.RequestDeleteRange.Key))
		case *pb.RequestOp_RequestRange:
			var opts []clientv3.OpOption
			if r.RequestRange.CountOnly {
				opts = append(opts, clientv3.WithCountOnly())
			}
			out[i] = clientv3.OpGet(string(r.RequestRange.Key), opts...)
		}
	}
	return out
}

// seal is the layer of the batch whose top view is v: each key it writes
// as etcd will hold it once the batch commits. etcd puts a key once per
// transaction, so a key that existed before the batch keeps its create
// revision and its version grows by one, however many requests wrote it.
func (v *view) seal() *layer {
	b := v.base
	m := b.marker()
	l := &layer{seq: b.seq, entries: make(map[string]*entry, len(v.order))}
	for _, k := range v.order {
		w := v.writes[k]
		if !w.exists {
			l.entries[k] = &entry{}
			continue
		}
		e := &entry{exists: true, value: w.value, modRev: m, lease: w.lease, createRev: m, version: 1, inexact: true}
		pre := b.before(k)
		e.unread = pre == nil
		if pre != nil && pre.exists {
			e.createRev, e.version = pre.createRev, pre.version+1
			// A record created anew over its key holds its czxid as
			// this write's revision (schema.CzxidThisWrite).
			e.inexact = pre.inexact || pre.createRev < 0 || (schema.IsNodeKey(k) && schema.NodeCreatedByWrite(w.value))
		}
		l.entries[k] = e
	}
	return l
}
