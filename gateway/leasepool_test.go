package gateway_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/schema"
)

// raftIndex is the Raft index of the test cluster's member.
func raftIndex(t *testing.T, c *clientv3.Client) uint64 {
	t.Helper()
	st, err := c.Status(ctxT(t), c.Endpoints()[0])
	if err != nil {
		t.Fatal(err)
	}
	return st.RaftIndex
}

// TestSession_OpensInOneRaftRound: once the lease pool holds leases of
// the session's TTL, opening a session writes one Raft entry (its
// record): the grants it needs were made ahead. Refills are paused so
// that only the entries CreateSession itself waits for are counted.
func TestSession_OpensInOneRaftRound(t *testing.T) {
	e := newEngine(t, gateway.Config{})
	c := engineClient
	ctx := ctxT(t)
	const timeout = 10 * time.Second
	stockS, stockE := warmStocks(t, e, timeout)
	e.PauseLeaseRefill()
	before := raftIndex(t, c)
	s, err := e.CreateSession(ctx, timeout)
	if err != nil {
		t.Fatal(err)
	}
	if n := raftIndex(t, c) - before; n != 1 {
		t.Fatalf("opening a session wrote %d Raft entries, want 1", n)
	}
	// The session works: its record is there, its ephemerals go with it.
	// The first one writes the ephemeral lease into the record in the
	// same write.
	before = raftIndex(t, c)
	mustCreate(t, e, s.Caller(), "/pooled", "", gateway.Ephemeral)
	if n := raftIndex(t, c) - before; n != 1 {
		t.Fatalf("the session's first ephemeral wrote %d Raft entries, want 1", n)
	}
	rec := sessionRecord(t, c, s.ID)
	if !slices.Contains(stockS, clientv3.LeaseID(rec.Lease)) {
		t.Fatalf("session lease %x did not come from the stock %v", rec.Lease, stockS)
	}
	if !slices.Contains(stockE, clientv3.LeaseID(rec.EphemeralLease)) {
		t.Fatalf("ephemeral lease %x did not come from the stock %v", rec.EphemeralLease, stockE)
	}
	rev, err := e.CloseSession(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if res, _ := e.Exists(ctx, anyone, "/pooled", gateway.ReadOptions{MinZxid: rev}); res.Found {
		t.Fatal("the ephemeral outlived its session")
	}
}

// TestSession_PooledLeaseStartsWithFullTTL: a lease that waited in stock
// is renewed before its session is answered, so the session has its
// whole timeout from the moment it opens, as one whose lease was granted
// for it; the ephemeral lease too.
func TestSession_PooledLeaseStartsWithFullTTL(t *testing.T) {
	e := newEngine(t, gateway.Config{})
	c := engineClient
	ctx := ctxT(t)
	const timeout = 4 * time.Second
	ttl := gateway.LeaseTTL(timeout)
	warmStocks(t, e, timeout)
	// Let the stock age by more than a second of its TTL (the scenario
	// itself, not a wait for an event).
	time.Sleep(1500 * time.Millisecond)
	s, err := e.CreateSession(ctx, timeout)
	if err != nil {
		t.Fatal(err)
	}
	mustCreate(t, e, s.Caller(), "/full-ttl", "", gateway.Ephemeral)
	rec := sessionRecord(t, c, s.ID)
	left, err := c.TimeToLive(ctx, clientv3.LeaseID(rec.Lease))
	if err != nil {
		t.Fatal(err)
	}
	// etcd rounds the remaining TTL down to whole seconds: an unrenewed
	// lease would show ttl-2 here.
	if left.TTL < ttl-1 {
		t.Fatalf("session lease has %d s of %d left at open", left.TTL, ttl)
	}
	left, err = c.TimeToLive(ctx, clientv3.LeaseID(rec.EphemeralLease))
	if err != nil {
		t.Fatal(err)
	}
	if left.TTL < 2*ttl-1 {
		t.Fatalf("ephemeral lease has %d s of %d left after the first ephemeral", left.TTL, 2*ttl)
	}
}

// TestSession_StaleStockIsNotUsed: a lease that waited in stock longer
// than half its TTL is not handed to a session (it could expire before
// its renewal); the session gets a fresh one.
func TestSession_StaleStockIsNotUsed(t *testing.T) {
	e := newEngine(t, gateway.Config{})
	ctx := ctxT(t)
	const timeout = 10 * time.Second
	ttl := gateway.LeaseTTL(timeout)
	stock, _ := warmStocks(t, e, timeout)
	later := time.Now().Add(time.Duration(ttl) * time.Second)
	e.SetLeaseClock(func() time.Time { return later })
	s, err := e.CreateSession(ctx, timeout)
	if err != nil {
		t.Fatal(err)
	}
	if l := sessionRecord(t, engineClient, s.ID).Lease; slices.Contains(stock, clientv3.LeaseID(l)) {
		t.Fatalf("session %x got lease %x, which waited %d s in stock", s.ID, l, ttl)
	}
}

// TestSession_CloseHandsLeasesOn: a closed session's leases hold
// nothing once CloseSession returns (its record and its ephemerals are
// gone), and the next sessions of the same timeout open on them rather
// than on new grants; the new sessions' ids are new. Closing and opening
// thus revoke and grant nothing, which etcd would sync to disk each time.
func TestSession_CloseHandsLeasesOn(t *testing.T) {
	e := newEngine(t, gateway.Config{})
	c := engineClient
	ctx := ctxT(t)
	const timeout = 20 * time.Second
	ttl := gateway.LeaseTTL(timeout)
	s, err := e.CreateSession(ctx, timeout)
	if err != nil {
		t.Fatal(err)
	}
	mustCreate(t, e, anyone, "/hand", "", gateway.Persistent)
	mustCreate(t, e, s.Caller(), "/hand/e1", "", gateway.Ephemeral)
	mustCreate(t, e, s.Caller(), "/hand/e2", "", gateway.Ephemeral)
	rec := sessionRecord(t, c, s.ID)
	// Let the stocks settle, then stop granting: the next sessions can
	// only open on what is in stock.
	settledStocks(t, e, ttl)
	e.PauseLeaseRefill()
	if _, err := e.CloseSession(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	for _, l := range []int64{rec.Lease, rec.EphemeralLease} {
		ttlResp, err := c.TimeToLive(ctx, clientv3.LeaseID(l), clientv3.WithAttachedKeys())
		if err != nil {
			t.Fatal(err)
		}
		if ttlResp.TTL <= 0 || len(ttlResp.Keys) != 0 {
			t.Fatalf("lease %x after close: ttl %d, keys %q; want alive and empty", l, ttlResp.TTL, ttlResp.Keys)
		}
	}
	stockS, err := e.WaitLeaseInStock(ctx, ttl, clientv3.LeaseID(rec.Lease))
	if err != nil {
		t.Fatalf("session lease %x not back in stock: %v", rec.Lease, stockS)
	}
	if stockE, err := e.WaitLeaseInStock(ctx, 2*ttl, clientv3.LeaseID(rec.EphemeralLease)); err != nil {
		t.Fatalf("ephemeral lease %x not back in stock: %v", rec.EphemeralLease, stockE)
	}
	seen := map[int64]bool{s.ID: true}
	var leases []int64
	for range len(stockS) {
		n, err := e.CreateSession(ctx, timeout)
		if err != nil {
			t.Fatal(err)
		}
		if seen[n.ID] {
			t.Fatalf("session id %x used twice", n.ID)
		}
		seen[n.ID] = true
		leases = append(leases, sessionRecord(t, c, n.ID).Lease)
	}
	if !slices.Contains(leases, rec.Lease) {
		t.Fatalf("no new session opened on the closed session's lease %x: %x", rec.Lease, leases)
	}
	// The old session stays ended: its id and password open nothing.
	if _, err := e.ResumeSession(ctx, s.ID, s.Password); schema.CodeOf(err) != schema.CodeSessionExpired {
		t.Fatalf("resuming the closed session: %v, want SessionExpired", err)
	}
}

// TestSession_SteadyOpenAndCloseGrantsNothing: sessions that close as
// fast as others open run on the leases they hand back: once the pool's
// stocks have settled, rounds of 8 sessions opened together and then
// closed make it grant none. (Topping the stock up at each open, while
// as many leases came back, granted one lease per session and left every
// lease beyond the stock's room to expire unused, and etcd syncs its
// database for each lease it revokes.)
func TestSession_SteadyOpenAndCloseGrantsNothing(t *testing.T) {
	e := newEngine(t, gateway.Config{})
	ctx := ctxT(t)
	const timeout = 10 * time.Second
	ttl := gateway.LeaseTTL(timeout)
	round := func() {
		var ss []gateway.Session
		var recs []schema.Session
		for range 8 {
			s, err := e.CreateSession(ctx, timeout)
			if err != nil {
				t.Fatal(err)
			}
			mustCreate(t, e, s.Caller(), fmt.Sprintf("/steady-%x", s.ID), "", gateway.Ephemeral)
			ss = append(ss, s)
			recs = append(recs, sessionRecord(t, engineClient, s.ID))
		}
		for i, s := range ss {
			if _, err := e.CloseSession(ctx, s.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := e.WaitLeaseInStock(ctx, ttl, clientv3.LeaseID(recs[i].Lease)); err != nil {
				t.Fatal(err)
			}
			if _, err := e.WaitLeaseInStock(ctx, 2*ttl, clientv3.LeaseID(recs[i].EphemeralLease)); err != nil {
				t.Fatal(err)
			}
		}
	}
	for range 3 {
		round()
	}
	settledStocks(t, e, ttl)
	before := e.LeasesGranted()
	for range 10 {
		round()
	}
	if g := e.LeasesGranted() - before; g != 0 {
		t.Fatalf("10 rounds of 8 sessions opened and closed made the pool grant %d leases, want 0", g)
	}
}

// sessionRecord reads session id's record from etcd.
func sessionRecord(t *testing.T, c *clientv3.Client, id int64) schema.Session {
	t.Helper()
	resp, err := c.Get(ctxT(t), schema.SessionKey(id))
	if err != nil || len(resp.Kvs) != 1 {
		t.Fatalf("session 0x%x record: %v %v", id, resp, err)
	}
	rec, err := schema.UnmarshalSession(resp.Kvs[0].Value)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// warmStocks opens a session of timeout, so that the lease pool stocks
// leases of its TTL, and returns the settled stocks (settledStocks).
func warmStocks(t *testing.T, e *gateway.Engine, timeout time.Duration) (session, ephemeral []clientv3.LeaseID) {
	t.Helper()
	s, err := e.CreateSession(ctxT(t), timeout)
	if err != nil {
		t.Fatal(err)
	}
	mustCreate(t, e, s.Caller(), fmt.Sprintf("/warm-%x", s.ID), "", gateway.Ephemeral)
	return settledStocks(t, e, gateway.LeaseTTL(timeout))
}

// settledStocks waits until the lease pool holds session leases of ttl
// seconds and ephemeral leases of twice that, with no grant in flight,
// and returns them.
func settledStocks(t *testing.T, e *gateway.Engine, ttl int64) (session, ephemeral []clientv3.LeaseID) {
	t.Helper()
	ctx := ctxT(t)
	session, err := e.WaitLeaseStock(ctx, ttl, 1)
	if err != nil {
		t.Fatal(err)
	}
	ephemeral, err = e.WaitLeaseStock(ctx, 2*ttl, 1)
	if err != nil {
		t.Fatal(err)
	}
	return session, ephemeral
}

// TestSession_EphemeralLeaseComesWithTheFirstEphemeral: a session that
// creates no ephemeral holds one lease (its record names no ephemeral
// lease, and KeepAlive renews it alone); its first ephemerals, created
// at once (singly and in a multi), all go on one lease from the pool,
// written into the record, and the leases the others took go back to the
// pool; the session's expiry removes them all.
func TestSession_EphemeralLeaseComesWithTheFirstEphemeral(t *testing.T) {
	e := newEngine(t, gateway.Config{})
	c := engineClient
	ctx := ctxT(t)
	const timeout = 4 * time.Second
	ttl := gateway.LeaseTTL(timeout)
	s, err := e.CreateSession(ctx, timeout)
	if err != nil {
		t.Fatal(err)
	}
	if rec := sessionRecord(t, c, s.ID); rec.EphemeralLease != 0 {
		t.Fatalf("a new session's record names ephemeral lease %x", rec.EphemeralLease)
	}
	if err := e.KeepAlive(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, e, anyone, "/first", "", gateway.Persistent)
	const n = 8
	errs := make(chan error, n+1)
	for i := range n {
		go func() {
			_, err := e.Create(ctx, s.Caller(), gateway.CreateOp{Path: fmt.Sprintf("/first/e%d", i), ACL: schema.OpenACLUnsafe, Mode: gateway.Ephemeral})
			errs <- err
		}()
	}
	go func() {
		_, _, err := e.Multi(ctx, s.Caller(), []gateway.Op{
			&gateway.CreateOp{Path: "/first/m1", ACL: schema.OpenACLUnsafe, Mode: gateway.Ephemeral},
			&gateway.CreateOp{Path: "/first/m2", ACL: schema.OpenACLUnsafe, Mode: gateway.Ephemeral},
		})
		errs <- err
	}()
	for range n + 1 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	// Renewed, so that it lives through the checks below.
	if err := e.KeepAlive(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	rec := sessionRecord(t, c, s.ID)
	if rec.EphemeralLease == 0 {
		t.Fatal("the record names no ephemeral lease after the session's first ephemerals")
	}
	held, err := c.TimeToLive(ctx, clientv3.LeaseID(rec.EphemeralLease), clientv3.WithAttachedKeys())
	if err != nil {
		t.Fatal(err)
	}
	nodes := 0
	for _, k := range held.Keys {
		if schema.IsNodeKey(string(k)) {
			nodes++
		}
	}
	if nodes != n+2 {
		t.Fatalf("the ephemeral lease holds %d znodes, want %d", nodes, n+2)
	}
	w := make(chanWatcher, 1)
	kids, err := e.GetChildren(ctx, anyone, "/first", gateway.ReadOptions{Watcher: w})
	if err != nil {
		t.Fatal(err)
	}
	kids.Armed.Arm()
	// The other leases taken for the first ephemerals hold nothing.
	stock, err := e.WaitLeaseStock(ctx, 2*ttl, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range stock {
		if l == clientv3.LeaseID(rec.EphemeralLease) {
			t.Fatalf("the session's ephemeral lease %x is in the pool", l)
		}
		if r, err := c.TimeToLive(ctx, l, clientv3.WithAttachedKeys()); err == nil && len(r.Keys) != 0 {
			t.Fatalf("pooled lease %x holds %q", l, r.Keys)
		}
	}
	// Expiry takes them all, in one write.
	if ev := <-w; ev.Type != gateway.EventNodeChildrenChanged {
		t.Fatalf("event %+v", ev)
	}
	if ch, err := e.GetChildren(ctx, anyone, "/first", gateway.ReadOptions{}); err != nil || len(ch.Children) != 0 {
		t.Fatalf("children of /first after the session expired: %v %v", ch.Children, err)
	}
}
