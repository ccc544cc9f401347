package gateway

import (
	"context"
	"slices"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/zkgate/zkgate/schema"
)

// TestHub gives the tests of package gateway_test a hub of their own.
type TestHub struct{ h *hub }

// StartTestHub runs a hub from revision from, with one-shot data and child
// watches of w already set.
func StartTestHub(ctx context.Context, client *clientv3.Client, from int64, w Watcher, data, child []string) *TestHub {
	h := newHub(zap.NewNop(), client, 0, "")
	var specs []watchSpec
	for _, p := range data {
		specs = append(specs, watchSpec{t: tData, path: p})
	}
	for _, p := range child {
		specs = append(specs, watchSpec{t: tChild, path: p})
	}
	h.register(w, false, specs)
	go h.run(ctx, from)
	return &TestHub{h}
}

// Wait waits until the hub has dispatched rev.
func (t *TestHub) Wait(ctx context.Context, rev int64) error { return t.h.wait(ctx, rev) }

// WatchData sets a one-shot data watch.
func (t *TestHub) WatchData(path string, w Watcher) {
	t.h.register(w, false, []watchSpec{{t: tData, path: path}})
}

// ChildCacheStats reports the children cache's sets and estimated bytes.
func (e *Engine) ChildCacheStats() (sets int, bytes int64) { return e.hub.childCacheStats() }

// LocalRead is localRead, for its equivalence test.
var LocalRead = localRead

// QuotaUsage is quotaUsage at the newest revision, for the test that its
// two ways of reading agree.
func (e *Engine) QuotaUsage(ctx context.Context, root string, serial, bytes bool) (schema.StatsTrack, error) {
	return e.quotaUsage(ctx, root, 0, serial, bytes)
}

// WaitLeaseStock waits until the lease pool's stock for ttl seconds holds
// at least n leases and no grant for it is in flight, and returns the
// leases in stock.
func (e *Engine) WaitLeaseStock(ctx context.Context, ttl int64, n int) ([]clientv3.LeaseID, error) {
	p := e.leases
	for {
		p.mu.Lock()
		s := p.stocks[ttl]
		ch := p.change
		if s != nil && len(s.leases) >= n && s.granting == 0 {
			var ids []clientv3.LeaseID
			for _, l := range s.leases {
				ids = append(ids, l.id)
			}
			p.mu.Unlock()
			return ids, nil
		}
		p.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// PauseLeaseRefill stops the lease pool from granting ahead of need.
func (e *Engine) PauseLeaseRefill() {
	e.leases.mu.Lock()
	e.leases.paused = true
	e.leases.mu.Unlock()
}

// SetLeaseClock replaces the clock the lease pool ages its stock by.
func (e *Engine) SetLeaseClock(now func() time.Time) {
	e.leases.mu.Lock()
	e.leases.now = now
	e.leases.mu.Unlock()
}

// LeaseTTL is leaseTTL.
var LeaseTTL = leaseTTL

// WaitLeaseInStock waits until lease id is in the stock for ttl seconds,
// and returns the leases in stock.
func (e *Engine) WaitLeaseInStock(ctx context.Context, ttl int64, id clientv3.LeaseID) ([]clientv3.LeaseID, error) {
	p := e.leases
	for {
		p.mu.Lock()
		ch := p.change
		var ids []clientv3.LeaseID
		if s := p.stocks[ttl]; s != nil {
			for _, l := range s.leases {
				ids = append(ids, l.id)
			}
		}
		p.mu.Unlock()
		if slices.Contains(ids, id) {
			return ids, nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ids, ctx.Err()
		}
	}
}

// MaxInFlight is the most batches the committer has had in flight at
// once.
func (e *Engine) MaxInFlight() int64 { return e.maxInFlight.Load() }

// Redone counts the committer's batches whose compares failed.
func (e *Engine) Redone() int64 { return e.redone.Load() }

// Overtaken counts the committer's batches that failed for having
// reached etcd before the batch before them.
func (e *Engine) Overtaken() int64 { return e.overtaken.Load() }

// Launched counts the committer's batches sent.
func (e *Engine) Launched() int64 { return e.launched.Load() }

// Staged counts the batches validated while the batch before them was in
// flight and sent on its answer.
func (e *Engine) Staged() int64 { return e.staged.Load() }

// Unstaged counts the staged batches dropped, their requests to be
// validated again, because a batch in flight failed.
func (e *Engine) Unstaged() int64 { return e.unstaged.Load() }

// LeasesGranted counts the leases the lease pool has granted.
func (e *Engine) LeasesGranted() int64 { return e.leases.granted.Load() }

// SetSendDelay holds back each of the committer's transactions by d, as
// if its node were farther from the Raft leader than the others.
func (e *Engine) SetSendDelay(d time.Duration) { e.sendDelay.Store(int64(d)) }

// Turns reports how many turns the committer took, and how many turns of
// other committers it waited for.
func (e *Engine) Turns() (taken, waited int64) { return e.turns.Load(), e.turnWaits.Load() }

// SetTurnExpiry sets how long a committer waits for another's turn
// before it deletes the turn key.
func SetTurnExpiry(d time.Duration) (restore func()) {
	old := turnExpiry
	turnExpiry = d
	return func() { turnExpiry = old }
}

// ExpiredThrough is the revision of the last session record's deletion
// the expiry watch has handled.
func (e *Engine) ExpiredThrough() int64 { return e.expiredThrough.Load() }

// RemovalChunks counts the transactions of ephemerals' removals e queued.
func (e *Engine) RemovalChunks() int64 { return e.removalChunks.Load() }

// LateChecks counts the ended sessions e looked at after a grace, not
// having served them.
func (e *Engine) LateChecks() int64 { return e.lateChecks.Load() }
