package gateway

import (
	"context"
	"fmt"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/storage/mvcc"

	"github.com/zkgate/zkgate/schema"
)

// pendingRev stands for the revision of the transaction being built: the
// revision a key written in this batch will have once it commits.
const pendingRev int64 = -1

// entry is one key as a batch sees it.
type entry struct {
	exists    bool
	value     []byte
	createRev int64 // pendingRev when created in this batch
	modRev    int64 // pendingRev when written in this batch
	lease     int64
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
	// quotas caches the committed usage of quota roots (checkQuota).
	quotas map[string]schema.StatsTrack
}

func newBase(kv clientv3.KV, store mvcc.KV, serial bool) *base {
	return &base{kv: kv, store: store, entries: make(map[string]*entry), serial: serial}
}

// fetch reads keys not yet in b in one round trip.
func (b *base) fetch(ctx context.Context, keys []string) error {
	var ops []clientv3.Op
	var want []string
	seen := make(map[string]bool, len(keys))
	for _, k := range keys {
		if _, ok := b.entries[k]; ok || seen[k] {
			continue
		}
		seen[k] = true
		want = append(want, k)
		opts := []clientv3.OpOption{}
		if b.serial {
			opts = append(opts, clientv3.WithSerializable())
		}
		ops = append(ops, clientv3.OpGet(k, opts...))
	}
	for len(ops) > 0 {
		// etcd limits the operations of one txn; read in chunks.
		n := min(len(ops), 1024)
		var resp *clientv3.TxnResponse
		var err error
		if b.serial && b.store != nil {
			resp, err = localRead(ctx, b.store, 0, want[:n], nil)
		} else {
			resp, err = b.kv.Txn(ctx).Then(ops[:n]...).Commit()
		}
		if err != nil {
			return fmt.Errorf("reading znode state: %w", err)
		}
		for i, r := range resp.Responses {
			e := &entry{}
			if kvs := r.GetResponseRange().Kvs; len(kvs) == 1 {
				kv := kvs[0]
				e = &entry{exists: true, value: kv.Value, createRev: kv.CreateRevision, modRev: kv.ModRevision, lease: kv.Lease}
			}
			b.entries[want[i]] = e
			b.order = append(b.order, want[i])
		}
		ops, want = ops[n:], want[n:]
	}
	return nil
}

// assumeAbsent records key as absent without reading it: the batch's
// transaction then fails if it exists, and the retry reads it. Used for the
// names of sequential nodes, which almost never exist.
func (b *base) assumeAbsent(key string) {
	if _, ok := b.entries[key]; !ok {
		b.entries[key] = &entry{}
		b.order = append(b.order, key)
	}
}

// compares guard every key read: unchanged mod revision, or still absent.
func (b *base) compares() []clientv3.Cmp {
	cmps := make([]clientv3.Cmp, 0, len(b.order))
	for _, k := range b.order {
		e := b.entries[k]
		if e.exists {
			cmps = append(cmps, clientv3.Compare(clientv3.ModRevision(k), "=", e.modRev))
		} else {
			cmps = append(cmps, clientv3.Compare(clientv3.CreateRevision(k), "=", 0))
		}
	}
	return cmps
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
}

func (b *base) newView(ctx context.Context) *view {
	return &view{base: b, writes: make(map[string]*entry), ctx: ctx}
}

// child starts a layer whose writes reach v only through merge.
func (v *view) child() *view {
	return &view{base: v.base, parent: v, writes: make(map[string]*entry), ctx: v.ctx}
}

// get returns key's state, reading it from etcd if no one has yet.
func (v *view) get(key string) *entry {
	for w := v; w != nil; w = w.parent {
		if e, ok := w.writes[key]; ok {
			return e
		}
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
	e := &entry{exists: true, value: value, modRev: pendingRev, lease: lease, createRev: old.createRev}
	if !old.exists {
		e.createRev = pendingRev
	}
	v.set(key, e)
}

func (v *view) del(key string) {
	v.set(key, &entry{})
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
func (v *view) ops() []clientv3.Op {
	ops := make([]clientv3.Op, 0, len(v.order))
	for _, k := range v.order {
		e := v.writes[k]
		b := v.base.entries[k]
		switch {
		case e.exists && e.lease != 0:
			ops = append(ops, clientv3.OpPut(k, string(e.value), clientv3.WithLease(clientv3.LeaseID(e.lease))))
		case e.exists:
			ops = append(ops, clientv3.OpPut(k, string(e.value)))
		case b == nil || b.exists:
			// A key deleted without being read (an ephemeral's index
			// entry, a reaper mark) is deleted unconditionally: deleting
			// an absent key changes nothing.
			ops = append(ops, clientv3.OpDelete(k))
		}
	}
	return ops
}

// resolve replaces pendingRev by the committed revision.
func resolve(rev, committed int64) int64 {
	if rev == pendingRev {
		return committed
	}
	return rev
}
