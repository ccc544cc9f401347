package gateway

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// leasePool keeps etcd leases granted ahead of need, one stock per TTL,
// so that opening a session waits for one Raft round (writing its
// record) rather than three (two lease grants and the record). A closed
// session's leases, holding nothing, are stocked too (recycle): etcd
// syncs its database to disk for every lease revoked, which would bound
// the sessions closed per second by the disk.
//
// A stock is refilled only when a lease taken from it leaves it below
// half its target, so an idle server grants nothing, and a server whose
// sessions close as fast as they open grants nothing either: their leases
// come back. Its target size doubles each time it runs dry and halves
// each time leases grow too old unused, between minStock and maxStock. A lease stays in stock at most half its TTL; older ones are
// left to expire (they hold no keys). Every lease taken is renewed (a
// keep-alive, which is no Raft round) before the session it carries is
// answered, so a session starts with its full TTL, as one whose leases
// were granted for it.
type leasePool struct {
	client *clientv3.Client
	// renewIn, when set, renews a lease in process (Config.LeaseRenew).
	renewIn func(ctx context.Context, id int64) (int64, error)
	lg      *zap.Logger
	now     func() time.Time
	// ctx ends the background grants and revokes (close).
	ctx    context.Context
	cancel context.CancelFunc

	mu     sync.Mutex
	stocks map[int64]*leaseStock
	closed bool
	paused bool           // no refills (tests)
	change chan struct{}  // closed and replaced when a grant ends (tests)
	wg     sync.WaitGroup // background grants

	// revokes queues leases to revoke in the background (revokeLater).
	revokes chan clientv3.LeaseID

	// granted counts the leases granted (tests).
	granted atomic.Int64
}

const (
	minStock = 2
	maxStock = 256
	// maxGrantsInFlight bounds the background grants of one stock.
	maxGrantsInFlight = 32
)

type leaseStock struct {
	ttl      int64
	leases   []pooledLease // oldest first
	want     int
	granting int
}

type pooledLease struct {
	id clientv3.LeaseID
	// granted is when the grant was sent: the lease lives at least until
	// granted plus its TTL, unless renewed.
	granted time.Time
}

func newLeasePool(client *clientv3.Client, renewIn func(context.Context, int64) (int64, error), lg *zap.Logger, now func() time.Time) *leasePool {
	p := &leasePool{client: client, renewIn: renewIn, lg: lg, now: now, stocks: make(map[int64]*leaseStock), change: make(chan struct{}), revokes: make(chan clientv3.LeaseID, 4096)}
	p.ctx, p.cancel = context.WithCancel(context.Background())
	p.wg.Add(1)
	go p.revokeLoop()
	return p
}

// close ends the background grants and revokes and waits for them.
// Leases still in stock are left to expire.
func (p *leasePool) close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.cancel()
	p.wg.Wait()
}

// revokeLater revokes a lease in the background, where no client waits
// for it. A lease that cannot be queued (a burst beyond the queue) or
// revoked is left to expire with its TTL.
func (p *leasePool) revokeLater(id clientv3.LeaseID) {
	select {
	case p.revokes <- id:
	default:
	}
}

func (p *leasePool) revokeLoop() {
	defer p.wg.Done()
	for {
		select {
		case id := <-p.revokes:
			ctx, cancel := context.WithTimeout(p.ctx, 5*time.Second)
			if _, err := p.client.Revoke(ctx, id); err != nil && !errLeaseGone(err) {
				p.lg.Debug("revoking a lease in the background", zap.Int64("lease", int64(id)), zap.Error(err))
			}
			cancel()
		case <-p.ctx.Done():
			return
		}
	}
}

// maxAge is how long a lease of ttl seconds may wait in stock.
func maxAge(ttl int64) time.Duration { return time.Duration(ttl) * time.Second / 2 }

// take returns a lease of ttl seconds, from stock if it has one, and
// starts refilling the stock in the background.
func (p *leasePool) take(ctx context.Context, ttl int64) (clientv3.LeaseID, error) {
	p.mu.Lock()
	s := p.stocks[ttl]
	if s == nil {
		s = &leaseStock{ttl: ttl, want: minStock}
		p.stocks[ttl] = s
	}
	now := p.now()
	stale := 0
	for len(s.leases) > 0 && now.Sub(s.leases[0].granted) > maxAge(ttl) {
		s.leases = s.leases[1:]
		stale++
	}
	if stale > 0 {
		s.want = max(minStock, s.want/2)
	}
	var id clientv3.LeaseID
	if len(s.leases) > 0 {
		id = s.leases[0].id
		s.leases = s.leases[1:]
	} else {
		s.want = min(maxStock, s.want*2)
	}
	if len(s.leases)+s.granting < (s.want+1)/2 {
		// Below half its target: closing sessions hand leases back, so
		// a stock that only dips is left to them. Topping it up at each
		// take would grant one lease per session opened while as many
		// come back, and every lease beyond the stock's room would
		// expire unused: etcd syncs its database for each.
		p.refill(s)
	}
	p.mu.Unlock()
	if id != 0 {
		return id, nil
	}
	return p.grant(ctx, ttl)
}

// refill starts the grants that bring s to its target. p.mu is held.
func (p *leasePool) refill(s *leaseStock) {
	if p.closed || p.paused {
		return
	}
	n := min(s.want-len(s.leases)-s.granting, maxGrantsInFlight-s.granting)
	for range max(n, 0) {
		s.granting++
		p.wg.Add(1)
		go p.grantInto(s)
	}
}

func (p *leasePool) grantInto(s *leaseStock) {
	defer p.wg.Done()
	ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	start := p.clock()
	id, err := p.grant(ctx, s.ttl)
	p.mu.Lock()
	defer p.mu.Unlock()
	s.granting--
	p.notify()
	if err != nil {
		if p.ctx.Err() == nil {
			p.lg.Debug("granting a lease ahead of need", zap.Error(err))
		}
		return
	}
	s.leases = append(s.leases, pooledLease{id: id, granted: start})
}

func (p *leasePool) grant(ctx context.Context, ttl int64) (clientv3.LeaseID, error) {
	resp, err := p.client.Grant(ctx, ttl)
	if err != nil {
		return 0, err
	}
	p.granted.Add(1)
	return resp.ID, nil
}

// put stocks a lease of ttl seconds that holds nothing and was renewed
// just now, if the stock has room; a lease left out expires on its own.
func (p *leasePool) put(ttl int64, id clientv3.LeaseID) {
	p.putAt(ttl, id, p.clock())
}

func (p *leasePool) putAt(ttl int64, id clientv3.LeaseID, renewed time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.stocks[ttl]
	if s == nil {
		s = &leaseStock{ttl: ttl, want: minStock}
		p.stocks[ttl] = s
	}
	if p.closed || len(s.leases) >= maxStock {
		return
	}
	s.leases = append(s.leases, pooledLease{id: id, granted: renewed})
	p.notify()
}

// recycle renews a lease of ttl seconds that holds nothing (a closed
// session's) in the background and stocks it; one that is gone by then
// is forgotten.
func (p *leasePool) recycle(ttl int64, id clientv3.LeaseID) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.wg.Add(1)
	p.mu.Unlock()
	go func() {
		defer p.wg.Done()
		ctx, cancel := context.WithTimeout(p.ctx, 5*time.Second)
		defer cancel()
		start := p.clock()
		if err := p.renew(ctx, id); err != nil {
			return
		}
		p.putAt(ttl, id, start)
	}()
}

func (p *leasePool) clock() time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.now()
}

// notify wakes WaitLeaseStock (tests). p.mu is held.
func (p *leasePool) notify() {
	close(p.change)
	p.change = make(chan struct{})
}

// renew resets a lease to its full TTL; ErrLeaseNotFound if it expired.
func (p *leasePool) renew(ctx context.Context, id clientv3.LeaseID) error {
	if p.renewIn == nil {
		_, err := p.client.KeepAliveOnce(ctx, id)
		return err
	}
	ttl, err := p.renewIn(ctx, int64(id))
	if err == nil && ttl <= 0 {
		// As KeepAliveOnce reports a renewal that found no lease.
		err = rpctypes.ErrLeaseNotFound
	}
	return err
}

// errLeaseGone reports whether err says a lease no longer exists.
func errLeaseGone(err error) bool { return errors.Is(err, rpctypes.ErrLeaseNotFound) }
