package gateway

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"time"

	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/zkgate/zkgate/schema"
)

// Sessions are etcd leases. A session holds two:
//
//   - the session lease, whose TTL is the negotiated timeout, holds the
//     session record (password, timeout, both leases), whose key holds
//     the session id: a random positive 63-bit number, written only if
//     no record has it. (Records written before ids were apart from
//     leases have no lease in them: their session id is their lease's.)
//   - the ephemeral lease, with twice the TTL, holds the session's
//     ephemeral znodes. It is taken with the session's first ephemeral
//     (ephlease.go), which writes it into the record; a session that
//     creates none holds one lease.
//
// Leases come from a pool (leasepool.go): granted ahead of need, or left
// by a closed session, whose record and ephemerals are deleted by
// transactions and whose leases then hold nothing. etcd syncs its
// database for every lease it revokes, so a session that closes hands
// its leases on rather than revoke them. Both are renewed together by
// KeepAlive. When the session lease expires,
// etcd deletes the session record; every gateway node watches for that,
// and the nodes that served the session delete its ephemerals in one
// transaction that updates each parent's cversion, numChildren and pzxid
// exactly as explicit deletes would (the others look for any left after
// a grace: expiry.go). If no gateway is running, the ephemeral lease still expires and
// etcd deletes the ephemerals; the parents' Stat is then repaired from the
// ephemeral index when a gateway starts.

// Session describes an open session.
type Session struct {
	ID       int64
	Password []byte
	Timeout  time.Duration
}

// Caller is the Caller of requests made in this session.
func (s Session) Caller() Caller { return Caller{Session: s.ID, Password: s.Password} }

// clampTimeout applies the configured bounds, as ZooKeeper negotiates.
func (e *Engine) clampTimeout(t time.Duration) time.Duration {
	return min(max(t, e.cfg.MinSessionTimeout), e.cfg.MaxSessionTimeout)
}

// leaseTTL is the lease TTL, in whole seconds, for a session timeout.
func leaseTTL(t time.Duration) int64 {
	return int64((t + time.Second - 1) / time.Second)
}

// CreateSession opens a session with the requested timeout, clamped to
// [MinSessionTimeout, MaxSessionTimeout]. Its lease comes from the
// engine's lease pool (granted ahead of need, or left by a closed
// session) and is renewed while its record is written, so the caller
// waits for one Raft round.
func (e *Engine) CreateSession(ctx context.Context, timeout time.Duration) (Session, error) {
	t := e.clampTimeout(timeout)
	ttl := leaseTTL(t)
	pw := make([]byte, 16)
	if _, err := rand.Read(pw); err != nil {
		return Session{}, err
	}
	for attempt := 1; ; attempt++ {
		id, err := newSessionID()
		if err != nil {
			return Session{}, err
		}
		sl, err := e.leases.take(ctx, ttl)
		if err != nil {
			return Session{}, fmt.Errorf("granting session lease: %w", err)
		}
		// The ephemeral lease comes with the first ephemeral (ephlease.go).
		rec := schema.Session{Password: pw, TimeoutMs: int32(t.Milliseconds()), Lease: int64(sl)}
		key := schema.SessionKey(id)
		// The record and the renewal go out together: a renewal is no
		// Raft round, so the record's write is what the caller waits for.
		var errS error
		renewed := make(chan struct{})
		go func() { defer close(renewed); errS = e.leases.renew(ctx, sl) }()
		resp, errP := e.kv.Txn(ctx).If(clientv3.Compare(clientv3.CreateRevision(key), "=", 0)).
			Then(clientv3.OpPut(key, string(rec.Marshal()), clientv3.WithLease(sl))).Commit()
		<-renewed
		if err := errors.Join(errP, errS); err != nil {
			// The record, if written, goes with its lease.
			e.leases.revokeLater(sl)
			gone := (errP == nil || errLeaseGone(errP)) && (errS == nil || errLeaseGone(errS))
			if gone && attempt < 3 {
				// A lease from the stock expired before it was renewed:
				// take fresh ones.
				continue
			}
			return Session{}, fmt.Errorf("writing session: %w", err)
		}
		if !resp.Succeeded {
			// The id is taken (one chance in 2^63 per session open):
			// the leases, renewed and holding nothing, go back.
			e.leases.put(ttl, sl)
			continue
		}
		return Session{ID: id, Password: pw, Timeout: t}, nil
	}
}

// newSessionID is a random session id: positive, as ZooKeeper's are, and
// apart from the ids of the session's leases, so that a closed session's
// leases can serve another session without its id ever being reused.
func newSessionID() (int64, error) {
	var b [8]byte
	for {
		if _, err := rand.Read(b[:]); err != nil {
			return 0, err
		}
		if id := int64(binary.BigEndian.Uint64(b[:]) >> 1); id != 0 {
			return id, nil
		}
	}
}

// session reads a session record; ErrSessionExpired if there is none.
func (e *Engine) session(ctx context.Context, id int64) (schema.Session, error) {
	resp, err := e.kv.Get(ctx, schema.SessionKey(id))
	if err != nil {
		return schema.Session{}, fmt.Errorf("reading session: %w", err)
	}
	return sessionRecord(resp.Kvs)
}

// sessionRecord is the session record a read of its key found
// (ErrSessionExpired: none).
func sessionRecord(kvs []*mvccpb.KeyValue) (schema.Session, error) {
	if len(kvs) == 0 {
		return schema.Session{}, schema.ErrSessionExpired
	}
	return schema.UnmarshalSession(kvs[0].Value)
}

// ResumeSession checks a session id and password, as a client reconnecting
// to any gateway node presents them, and renews the session. An unknown
// session or a wrong password is ErrSessionExpired, as in ZooKeeper.
func (e *Engine) ResumeSession(ctx context.Context, id int64, password []byte) (Session, error) {
	rec, err := e.session(ctx, id)
	if err != nil {
		return Session{}, err
	}
	if subtle.ConstantTimeCompare(rec.Password, password) != 1 {
		return Session{}, schema.ErrSessionExpired
	}
	if err := e.renew(ctx, id, rec); err != nil {
		return Session{}, err
	}
	return Session{ID: id, Password: rec.Password, Timeout: time.Duration(rec.TimeoutMs) * time.Millisecond}, nil
}

// CheckSession reports whether a session is open and password is its
// password: nil if so, ErrSessionExpired if not (also for a wrong
// password, as ZooKeeper answers a reconnect with one).
func (e *Engine) CheckSession(ctx context.Context, id int64, password []byte) error {
	rec, err := e.session(ctx, id)
	if err != nil {
		return err
	}
	if subtle.ConstantTimeCompare(rec.Password, password) != 1 {
		return schema.ErrSessionExpired
	}
	return nil
}

// KeepAlive renews a session. ErrSessionExpired if it has expired.
//
// The session's record, which names its leases, is read from the
// embedded member's store as it stands (a serializable read), not by a
// linearizable read: every ping of every session renews, and a
// linearizable read is a round to the Raft leader of its own, on top of
// the renewal's (the leader confirms its leadership for it). A record
// deleted moments ago on another node may still be read here: the
// renewal then succeeds once more, and the next one finds the record
// gone. A session whose lease has expired is found by the renewal itself.
func (e *Engine) KeepAlive(ctx context.Context, id int64) error {
	rec, err := e.sessionHere(ctx, id)
	if err != nil {
		return err
	}
	return e.renew(ctx, id, rec)
}

// sessionHere is session, read from the embedded member's store without a
// round to the Raft leader when there is one (Config.LocalStore).
func (e *Engine) sessionHere(ctx context.Context, id int64) (schema.Session, error) {
	if e.cfg.LocalStore == nil {
		return e.session(ctx, id)
	}
	resp, err := localRead(ctx, e.cfg.LocalStore, 0, []string{schema.SessionKey(id)}, nil)
	if err != nil {
		return schema.Session{}, fmt.Errorf("reading session: %w", err)
	}
	return sessionRecord(resp.Responses[0].GetResponseRange().GetKvs())
}

// renew renews both leases of session id, whose record is rec, together.
// ErrSessionExpired if the session lease is gone.
func (e *Engine) renew(ctx context.Context, id int64, rec schema.Session) error {
	var errE error
	done := make(chan struct{})
	if rec.EphemeralLease == 0 {
		// No ephemeral yet: no lease for them (ephlease.go).
		close(done)
	} else {
		if !e.servedSession(id) {
			// This node serves the session now: it removes its
			// ephemerals when it ends (expiry.go).
			e.ephLeases.Store(id, rec.EphemeralLease)
		}
		go func() {
			defer close(done)
			if err := e.leases.renew(ctx, clientv3.LeaseID(rec.EphemeralLease)); err != nil && !errLeaseGone(err) {
				errE = err
			}
		}()
	}
	errS := e.leases.renew(ctx, clientv3.LeaseID(rec.LeaseOf(id)))
	<-done
	if errS != nil {
		if errLeaseGone(errS) {
			return schema.ErrSessionExpired
		}
		return fmt.Errorf("renewing session: %w", errS)
	}
	if errE != nil {
		return fmt.Errorf("renewing session: %w", errE)
	}
	return nil
}

// CloseSession ends a session at once: its record is deleted (no write
// of the session can commit after that), then its ephemerals, with their
// parents updated, before CloseSession returns. Its leases, holding
// nothing then, go back to the lease pool for the next sessions: closing
// and opening sessions revoke and grant no lease, which etcd would have
// to sync to its database each time.
func (e *Engine) CloseSession(ctx context.Context, id int64) (int64, error) {
	key := schema.SessionKey(id)
	var rec schema.Session
	r := &request{caller: Caller{internal: true}, keys: []string{key}}
	r.apply = func(e *Engine, v *view, r *request) {
		s := v.get(key)
		if !s.exists {
			r.err = schema.ErrSessionExpired
			return
		}
		got, err := schema.UnmarshalSession(s.value)
		if err != nil {
			r.err = fmt.Errorf("session 0x%x: %w", id, err)
			return
		}
		rec = got
		v.del(key)
	}
	if err := e.submit(ctx, r); err != nil {
		return 0, err
	}
	if r.err != nil {
		return 0, r.err
	}
	ttl := leaseTTL(time.Duration(rec.TimeoutMs) * time.Millisecond)
	e.leases.recycle(ttl, clientv3.LeaseID(rec.LeaseOf(id)))
	if rec.EphemeralLease == 0 {
		// It never created an ephemeral (its first one writes the
		// lease into the record, in the same transaction, and the
		// record's deletion was compared against that): nothing to
		// look for.
		e.forgetEphemeralLease(id)
		return r.rev, nil
	}
	rev, err := e.removeEphemerals(ctx, id)
	if err != nil {
		// The ephemeral lease may still hold some: it is left to expire
		// with them, as an expired session's is.
		return 0, err
	}
	e.forgetEphemeralLease(id)
	if rec.EphemeralLease != 0 {
		e.leases.recycle(2*ttl, clientv3.LeaseID(rec.EphemeralLease))
	}
	return max(rev, r.rev), nil
}

// ephemeralsPerTxn is how many ephemerals one transaction removes: each
// costs six keys read and compared and up to five writes, within
// MaxBatchOps.
func (e *Engine) ephemeralsPerTxn() int { return max(1, e.cfg.MaxBatchOps/8) }

// removeEphemerals deletes the ephemerals of a session that has ended,
// and repairs the parents of those etcd already removed when the
// ephemeral lease expired. Up to ephemeralsPerTxn go in one transaction,
// as ZooKeeper removes a session's ephemerals in one; a session with more
// loses them in several, in order, which watchers see as several zxids.
//
// A session's ephemerals are removed by one caller at a time on this
// node: CloseSession and the expiry watch, which sees the session's
// record go, share one removal rather than validating every ephemeral
// twice.
func (e *Engine) removeEphemerals(ctx context.Context, id int64) (int64, error) {
	ch := e.removals.DoChan(strconv.FormatInt(id, 16), func() (any, error) {
		// The removal goes on if its first caller gives up (a client
		// that closed its session and hung up): the session has ended,
		// its ephemerals must go, and other callers may be waiting.
		rctx, cancel := e.untilStop(context.WithoutCancel(ctx))
		defer cancel()
		return e.removeEphemeralsNow(rctx, id)
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return 0, res.Err
		}
		return res.Val.(int64), nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// removeEphemeralsNow is removeEphemerals for its one caller. Each chunk
// is queued once the one before it has committed: the writes other
// sessions send meanwhile go between them, and wait for one chunk at
// most, not for the whole removal (a session may hold many thousands of
// ephemerals).
func (e *Engine) removeEphemeralsNow(ctx context.Context, id int64) (int64, error) {
	resp, err := e.kv.Get(ctx, schema.EphemeralPrefix(id), clientv3.WithPrefix(), clientv3.WithKeysOnly())
	if err != nil {
		return 0, fmt.Errorf("listing ephemerals: %w", err)
	}
	if len(resp.Kvs) == 0 {
		// None left, perhaps because another remover (another node's
		// expiry watch, which sees the session's record go) got there
		// first: its removal is in etcd, but maybe not yet in what this
		// node serves. Wait until it is, so that CloseSession returns
		// with the ephemerals gone from every read here, as when it
		// removes them itself.
		if err := e.hub.wait(ctx, resp.Header.Revision); err != nil {
			return 0, err
		}
		return resp.Header.Revision, nil
	}
	var paths []string
	for _, kv := range resp.Kvs {
		if _, p, ok := schema.ParseEphemeralKey(string(kv.Key)); ok {
			paths = append(paths, p)
		}
	}
	var rev int64
	for len(paths) > 0 {
		n := min(len(paths), e.ephemeralsPerTxn())
		r := e.removeEphemeralsRequest(id, paths[:n])
		paths = paths[n:]
		e.removalChunks.Add(1)
		if err := e.submit(ctx, r); err != nil {
			return 0, err
		}
		if r.err != nil {
			return r.rev, r.err
		}
		rev = max(rev, r.rev)
	}
	return rev, nil
}

// removeEphemeralsRequest removes the ephemerals at paths of session id.
func (e *Engine) removeEphemeralsRequest(id int64, paths []string) *request {
	var keys []string
	for _, p := range paths {
		parent := schema.Parent(p)
		keys = append(keys, schema.EphemeralKey(id, p), schema.NodeKey(p), schema.MetaKey(p), schema.ACLKey(p), schema.NodeKey(parent), schema.MetaKey(parent))
	}
	// The session's own ephemerals are removed in its name, as
	// ZooKeeper's closeSession transaction carries its session.
	r := &request{caller: Caller{internal: true, Session: id}, keys: keys}
	r.apply = func(e *Engine, v *view, r *request) {
		for _, p := range paths {
			idx := v.get(schema.EphemeralKey(id, p))
			if !idx.exists {
				continue // removed meanwhile
			}
			if z, ok := v.node(p); ok && z.rec.Owner == id && z.createRev == idx.createRev {
				v.removeNode(z)
				continue
			}
			// etcd deleted the node with the ephemeral lease while no
			// gateway ran: the parent still counts it.
			v.del(schema.EphemeralKey(id, p))
			parent := schema.Parent(p)
			if _, ok := v.node(parent); ok {
				m, _ := v.meta(parent)
				m.NumChildren--
				v.putMeta(parent, m)
			}
		}
	}
	return r
}
