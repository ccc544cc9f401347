package gateway

import (
	"context"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/zkgate/zkgate/schema"
)

// A session's ephemeral lease is taken with its first ephemeral, not
// when it opens: most sessions of a fleet never create one (readers,
// watchers), and each lease etcd holds costs its lessor memory and a
// renewal at every ping. The write that creates the session's first
// ephemeral also writes the lease into the session record, in the same
// transaction, so that a session record that names no ephemeral lease
// holds no ephemeral.
//
// The lease is taken from the pool before the request is queued (the
// committer never waits for a grant), which needs the session's timeout:
// the record is read once per session and node, and a node remembers
// which sessions have their lease (ephLeases) until they end.

// ephemeralCreate reports whether ops create an ephemeral.
func ephemeralCreate(ops []Op) bool {
	for _, op := range ops {
		if o, ok := op.(*CreateOp); ok && o.Mode.Ephemeral() {
			return true
		}
	}
	return false
}

// ephPending is a lease taken for a session's first ephemerals, shared
// by every request that wants one while it is not settled: a session that
// creates many ephemerals at once takes one lease, not one each.
type ephPending struct {
	ready chan struct{} // closed once id and ttl are set (id 0: none)
	id    int64
	ttl   int64
	users int  // requests holding it
	used  bool // a committed request wrote it into the session record
	// unknown: a request that wrote it may have committed.
	unknown bool
}

// takeEphemeralLease gives r, which creates an ephemeral in its session,
// a lease for the session's ephemerals when the session has none yet. A
// session that cannot be read is left to the request's own checks
// (SessionExpired).
func (e *Engine) takeEphemeralLease(ctx context.Context, r *request) {
	id := r.caller.Session
	if id == 0 || !ephemeralCreate(r.ops) {
		return
	}
	if _, ok := e.ephLeases.Load(id); ok {
		return
	}
	e.ephMu.Lock()
	p := e.ephPending[id]
	first := p == nil
	if first {
		p = &ephPending{ready: make(chan struct{})}
		e.ephPending[id] = p
	}
	p.users++
	e.ephMu.Unlock()
	r.ephPending = p
	if first {
		p.id, p.ttl = e.newEphemeralLease(ctx, id)
		close(p.ready)
	} else {
		select {
		case <-p.ready:
		case <-ctx.Done():
			return // submit fails on ctx too; settle lets go of p
		}
	}
	r.ephLease, r.ephTTL = p.id, p.ttl
}

// newEphemeralLease takes a lease from the pool for the ephemerals of
// session id, if its record names none; 0 if it does (remembered) or
// cannot be read.
func (e *Engine) newEphemeralLease(ctx context.Context, id int64) (lease, ttl int64) {
	rec, err := e.session(ctx, id)
	if err != nil {
		return 0, 0
	}
	if rec.EphemeralLease != 0 {
		e.ephLeases.Store(id, rec.EphemeralLease)
		return 0, 0
	}
	ttl = 2 * leaseTTL(time.Duration(rec.TimeoutMs)*time.Millisecond)
	l, err := e.leases.take(ctx, ttl)
	if err != nil {
		return 0, 0
	}
	return int64(l), ttl
}

// settleEphemeralLease ends what takeEphemeralLease began, once r is
// answered. The first request that wrote the lease into its session
// record and committed renews it (a lease from the pool has at least half
// its TTL left; renewed, it outlives the session lease by the full
// grace), and the node remembers it; once no request holds it, a lease
// none wrote goes back to the pool. One that a request whose outcome is
// not known wrote is left alone: the session renews it if it was
// written, etcd expires it otherwise.
func (e *Engine) settleEphemeralLease(ctx context.Context, r *request, submitted error) {
	p := r.ephPending
	if p == nil {
		return
	}
	id := r.caller.Session
	renew := false
	e.ephMu.Lock()
	switch {
	case submitted != nil && r.ephUsed:
		p.unknown = true
	case submitted != nil:
		// Not known whether it was validated with the lease: as if.
		p.unknown = p.unknown || r.ephLease != 0
	case r.err == nil && r.ephUsed:
		renew = !p.used
		p.used = true
	case r.err != nil && r.ephUsed && schema.CodeOf(r.err) == schema.CodeSystemError:
		p.unknown = true
	}
	p.users--
	last := p.users == 0
	if last {
		delete(e.ephPending, id)
	}
	e.ephMu.Unlock()
	if renew {
		_ = e.leases.renew(ctx, clientv3.LeaseID(p.id))
		e.ephLeases.Store(id, p.id)
	}
	if last && !p.used && !p.unknown && p.id != 0 {
		e.leases.put(p.ttl, clientv3.LeaseID(p.id))
	}
}

// useEphemeralLease is the lease the ephemerals of request r's session go
// on, in view v whose session record is sess: the record's, or r's own,
// which v then writes into the record.
func (e *Engine) useEphemeralLease(v *view, r *request, sess schema.Session) (int64, error) {
	if sess.EphemeralLease != 0 {
		return sess.EphemeralLease, nil
	}
	if r.ephLease == 0 {
		return 0, schema.Errorf(schema.CodeSystemError, "", "session 0x%x has no lease for its ephemerals", r.caller.Session)
	}
	sess.EphemeralLease = r.ephLease
	v.put(schema.SessionKey(r.caller.Session), sess.Marshal(), sess.LeaseOf(r.caller.Session))
	r.ephUsed = true
	return r.ephLease, nil
}

// forgetEphemeralLease drops what this node remembers of an ended session.
func (e *Engine) forgetEphemeralLease(id int64) { e.ephLeases.Delete(id) }
