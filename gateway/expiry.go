package gateway

import (
	"context"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/zkgate/zkgate/schema"
)

// runExpiry removes the ephemerals of sessions whose lease expired. It
// watches the session records; a periodic scan of the ephemeral index
// catches anything the watch missed (a restart, a compacted revision, or
// all gateways having been down).
func (e *Engine) runExpiry(ctx context.Context) {
	tick := time.NewTicker(e.cfg.ReaperInterval)
	defer tick.Stop()
	for ctx.Err() == nil {
		rev := e.scanOrphans(ctx)
		wctx, cancel := context.WithCancel(clientv3.WithRequireLeader(ctx))
		wch := e.cfg.Client.Watch(wctx, schema.SessionSpace(), clientv3.WithPrefix(),
			clientv3.WithRev(rev+1), clientv3.WithFilterPut(), clientv3.WithPrevKV())
	loop:
		for {
			select {
			case resp, ok := <-wch:
				if !ok || resp.Err() != nil {
					if resp.Err() != nil && ctx.Err() == nil {
						e.lg.Debug("session watch restarts", zap.Error(resp.Err()))
					}
					break loop
				}
				for _, ev := range resp.Events {
					id, ok := schema.SessionOfKey(string(ev.Kv.Key))
					if !ok {
						continue
					}
					if neverHadEphemerals(ev) {
						// Its record, as deleted, names no ephemeral
						// lease: it created none (see CloseSession).
						e.forgetEphemeralLease(id)
					} else {
						e.expire(ctx, id)
					}
					e.expiredThrough.Store(ev.Kv.ModRevision)
				}
			case <-tick.C:
				e.scanOrphans(ctx)
			case <-ctx.Done():
				break loop
			}
		}
		cancel()
	}
}

// neverHadEphemerals reports whether the deletion ev of a session record
// shows a session that created no ephemeral: its record as deleted names
// no ephemeral lease. Without the record (no previous value) it reports
// false, and the ephemerals are looked for.
func neverHadEphemerals(ev *clientv3.Event) bool {
	if ev.PrevKv == nil {
		return false
	}
	s, err := schema.UnmarshalSession(ev.PrevKv.Value)
	return err == nil && s.EphemeralLease == 0
}

// expire removes an ended session's ephemerals. Its ephemeral lease, now
// holding nothing, is left to expire: every gateway node runs this, and
// revoking it from each would only make etcd log failed revocations.
func (e *Engine) expire(ctx context.Context, id int64) {
	e.forgetEphemeralLease(id)
	if _, err := e.removeEphemerals(ctx, id); err != nil {
		if ctx.Err() == nil {
			e.lg.Warn("removing ephemerals of an expired session", zap.String("session", schema.SessionKey(id)[len(schema.SessionSpace()):]), zap.Error(err))
		}
	}
}

// scanOrphans expires every session that has ephemerals indexed but no
// record, and returns the revision it read at.
func (e *Engine) scanOrphans(ctx context.Context) int64 {
	resp, err := e.kv.Get(ctx, schema.EphemeralSpace(), clientv3.WithPrefix(), clientv3.WithKeysOnly())
	if err != nil {
		if ctx.Err() == nil {
			e.lg.Warn("scanning ephemerals", zap.Error(err))
		}
		return 0
	}
	rev := resp.Header.Revision
	owners := map[int64]bool{}
	for _, kv := range resp.Kvs {
		if id, _, ok := schema.ParseEphemeralKey(string(kv.Key)); ok {
			owners[id] = true
		}
	}
	for id := range owners {
		s, err := e.kv.Get(ctx, schema.SessionKey(id), clientv3.WithKeysOnly())
		if err != nil {
			return rev
		}
		if len(s.Kvs) == 0 {
			e.expire(ctx, id)
		}
	}
	return rev
}

// runReaper removes containers whose last child is gone and TTL nodes
// left unmodified and childless for their TTL, every ReaperInterval.
func (e *Engine) runReaper(ctx context.Context) {
	tick := time.NewTicker(e.cfg.ReaperInterval)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			e.reap(ctx)
		case <-ctx.Done():
			return
		}
	}
}

func (e *Engine) reap(ctx context.Context) {
	resp, err := e.kv.Get(ctx, schema.ReaperSpace(), clientv3.WithPrefix(), clientv3.WithKeysOnly())
	if err != nil {
		return
	}
	now := e.now().UnixMilli()
	for _, kv := range resp.Kvs {
		path, ok := schema.PathOfReaperKey(string(kv.Key))
		if !ok {
			continue
		}
		snap, _, err := e.snapshot(ctx, 0, readKeys(path))
		if err != nil {
			return
		}
		n, err := e.nodeFrom(snap)
		if err != nil || n == nil || n.stat.NumChildren > 0 {
			continue
		}
		switch n.rec.Kind {
		case schema.KindContainer:
			if n.stat.Cversion <= 0 {
				continue // never had a child
			}
		case schema.KindTTL:
			if now-n.rec.Mtime <= n.rec.TTL {
				continue
			}
		default:
			continue
		}
		// The version check keeps a node modified since this read.
		_, err = e.Delete(ctx, Caller{internal: true}, path, n.rec.Version)
		if err != nil && schema.CodeOf(err) != schema.CodeNotEmpty && schema.CodeOf(err) != schema.CodeBadVersion && schema.CodeOf(err) != schema.CodeNoNode {
			e.lg.Warn("reaping", zap.String("path", path), zap.Error(err))
		}
	}
}
