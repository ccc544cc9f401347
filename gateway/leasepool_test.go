package gateway_test

import (
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
	ttl := gateway.LeaseTTL(timeout)
	if _, err := e.CreateSession(ctx, timeout); err != nil {
		t.Fatal(err)
	}
	stockS, err := e.WaitLeaseStock(ctx, ttl, 1)
	if err != nil {
		t.Fatal(err)
	}
	stockE, err := e.WaitLeaseStock(ctx, 2*ttl, 1)
	if err != nil {
		t.Fatal(err)
	}
	e.PauseLeaseRefill()
	before := raftIndex(t, c)
	s, err := e.CreateSession(ctx, timeout)
	if err != nil {
		t.Fatal(err)
	}
	if n := raftIndex(t, c) - before; n != 1 {
		t.Fatalf("opening a session wrote %d Raft entries, want 1", n)
	}
	if !slices.Contains(stockS, clientv3.LeaseID(s.ID)) {
		t.Fatalf("session %x did not come from the stock %v", s.ID, stockS)
	}
	// The session works: its record is there, its ephemerals go with it.
	mustCreate(t, e, s.Caller(), "/pooled", "", gateway.Ephemeral)
	resp, err := c.Get(ctx, schema.SessionKey(s.ID))
	if err != nil || len(resp.Kvs) != 1 {
		t.Fatalf("session record: %v %v", resp, err)
	}
	rec, err := schema.UnmarshalSession(resp.Kvs[0].Value)
	if err != nil {
		t.Fatal(err)
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
	if _, err := e.CreateSession(ctx, timeout); err != nil {
		t.Fatal(err)
	}
	if _, err := e.WaitLeaseStock(ctx, ttl, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := e.WaitLeaseStock(ctx, 2*ttl, 1); err != nil {
		t.Fatal(err)
	}
	// Let the stock age by more than a second of its TTL (the scenario
	// itself, not a wait for an event).
	time.Sleep(1500 * time.Millisecond)
	s, err := e.CreateSession(ctx, timeout)
	if err != nil {
		t.Fatal(err)
	}
	left, err := c.TimeToLive(ctx, clientv3.LeaseID(s.ID))
	if err != nil {
		t.Fatal(err)
	}
	// etcd rounds the remaining TTL down to whole seconds: an unrenewed
	// lease would show ttl-2 here.
	if left.TTL < ttl-1 {
		t.Fatalf("session lease has %d s of %d left at open", left.TTL, ttl)
	}
	resp, err := c.Get(ctx, schema.SessionKey(s.ID))
	if err != nil || len(resp.Kvs) != 1 {
		t.Fatalf("session record: %v %v", resp, err)
	}
	rec, _ := schema.UnmarshalSession(resp.Kvs[0].Value)
	left, err = c.TimeToLive(ctx, clientv3.LeaseID(rec.EphemeralLease))
	if err != nil {
		t.Fatal(err)
	}
	if left.TTL < 2*ttl-1 {
		t.Fatalf("ephemeral lease has %d s of %d left at open", left.TTL, 2*ttl)
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
	if _, err := e.CreateSession(ctx, timeout); err != nil {
		t.Fatal(err)
	}
	stock, err := e.WaitLeaseStock(ctx, ttl, 1)
	if err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Duration(ttl) * time.Second)
	e.SetLeaseClock(func() time.Time { return later })
	s, err := e.CreateSession(ctx, timeout)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(stock, clientv3.LeaseID(s.ID)) {
		t.Fatalf("session %x got a lease that waited %d s in stock", s.ID, ttl)
	}
}

// TestSession_CloseRevokesEphemeralLease: closing a session answers
// before its ephemeral lease is revoked, but the lease does go, rather
// than wait out its TTL.
func TestSession_CloseRevokesEphemeralLease(t *testing.T) {
	e := newEngine(t, gateway.Config{})
	c := engineClient
	ctx := ctxT(t)
	s, err := e.CreateSession(ctx, 20*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Get(ctx, schema.SessionKey(s.ID))
	if err != nil || len(resp.Kvs) != 1 {
		t.Fatalf("session record: %v %v", resp, err)
	}
	rec, _ := schema.UnmarshalSession(resp.Kvs[0].Value)
	if _, err := e.CloseSession(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	// Await the revocation: a watch cannot see a lease, so ask until
	// etcd no longer knows it (well within the lease's 40 s TTL).
	for {
		left, err := c.TimeToLive(ctx, clientv3.LeaseID(rec.EphemeralLease))
		if err != nil {
			t.Fatal(err)
		}
		if left.TTL == -1 {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("ephemeral lease still has %d s after close", left.TTL)
		case <-time.After(10 * time.Millisecond):
		}
	}
}
