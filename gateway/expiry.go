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
//
// Every gateway node sees a session's record go, but one removal is
// enough: two nodes removing the same ephemerals lose each other's
// compares, and every other write in their batches is validated again.
// So the nodes that served the session (that created its ephemerals or
// kept it alive: ephLeases) remove them at once, as the node that closes
// a session does; the others only look, after a grace (lateGrace), for
// ephemerals the session still has, and remove those: the ones of a
// session whose node went away with it.
func (e *Engine) runExpiry(ctx context.Context) {
	tick := time.NewTicker(e.cfg.ReaperInterval)
	defer tick.Stop()
	var late lateQueue
	for ctx.Err() == nil {
		rev := e.scanOrphans(ctx)
		wctx, cancel := context.WithCancel(clientv3.WithRequireLeader(ctx))
		wch := e.cfg.Client.Watch(wctx, schema.SessionSpace(), clientv3.WithPrefix(),
			clientv3.WithRev(rev+1), clientv3.WithFilterPut(), clientv3.WithPrevKV())
	loop:
		for {
			select {
			case <-late.timer():
				for _, id := range late.due(time.Now()) {
					e.expire(ctx, id)
					e.lateChecks.Add(1)
				}
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
					switch {
					case neverHadEphemerals(ev):
						// Its record, as deleted, names no ephemeral
						// lease: it created none (see CloseSession).
						e.forgetEphemeralLease(id)
					case e.servedSession(id):
						e.expire(ctx, id)
					default:
						late.add(id, time.Now().Add(lateGrace(ev)))
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

// servedSession reports whether this node served session id: it created
// ephemerals for it or kept it alive since it had some.
func (e *Engine) servedSession(id int64) bool {
	_, ok := e.ephLeases.Load(id)
	return ok
}

// lateGrace is how long a node that did not serve a session whose record
// went waits before it looks for the session's ephemerals: a quarter of
// the session's timeout, at most two seconds. The ephemeral lease lasts
// twice the timeout from the session's last renewal, so the ephemerals
// are still there to remove, with their parents' Stat, when the node that
// served the session went away with it.
func lateGrace(ev *clientv3.Event) time.Duration {
	const most = 2 * time.Second
	if ev.PrevKv == nil {
		return most
	}
	s, err := schema.UnmarshalSession(ev.PrevKv.Value)
	if err != nil {
		return most
	}
	return min(time.Duration(s.TimeoutMs)*time.Millisecond/4, most)
}

// lateQueue holds the sessions whose ephemerals a node looks for after a
// grace, in the order they are due.
type lateQueue struct {
	ids  []int64
	at   []time.Time
	wait *time.Timer
}

func (q *lateQueue) add(id int64, at time.Time) {
	// Graces differ by timeout: keep the queue in order of due time.
	i := len(q.at)
	for i > 0 && q.at[i-1].After(at) {
		i--
	}
	q.ids = append(q.ids[:i], append([]int64{id}, q.ids[i:]...)...)
	q.at = append(q.at[:i], append([]time.Time{at}, q.at[i:]...)...)
	if q.wait != nil {
		q.wait.Stop()
		q.wait = nil
	}
}

// timer fires when the first session is due (nil: none waits).
func (q *lateQueue) timer() <-chan time.Time {
	if len(q.ids) == 0 {
		return nil
	}
	if q.wait == nil {
		q.wait = time.NewTimer(time.Until(q.at[0]))
	}
	return q.wait.C
}

// due takes the sessions due by now off the queue.
func (q *lateQueue) due(now time.Time) []int64 {
	q.wait = nil
	n := 0
	for n < len(q.at) && !q.at[n].After(now) {
		n++
	}
	if n == 0 && len(q.ids) > 0 {
		// The timer was set for the first.
		n = 1
	}
	ids := append([]int64(nil), q.ids[:n]...)
	q.ids, q.at = q.ids[n:], q.at[n:]
	return ids
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
