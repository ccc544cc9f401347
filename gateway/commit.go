package gateway

import (
	"context"
	"crypto/subtle"
	"fmt"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/zkgate/zkgate/schema"
)

// request is one call queued for the committer.
type request struct {
	caller Caller
	ops    []Op
	multi  bool
	// apply, when set, replaces the op-based validation (setACL, session
	// close).
	apply func(e *Engine, v *view, r *request)

	// keys the committer reads ahead for this request in one round trip.
	keys []string

	results []OpResult
	err     error
	rev     int64
	// stats to resolve to the commit revision.
	stats []*schema.Stat
	done  chan struct{}
}

// queuedKey is the context key of WithQueued.
type queuedKey struct{}

// WithQueued returns a context that makes a write (Create, Delete,
// SetData, SetACL, Multi) call f once the write has its place in the
// committer's queue, before it waits for the commit. Writes are
// committed in the order they are queued, so a caller that starts its
// next write only after f has run keeps its writes in order while many
// are in flight (a ZooKeeper connection's pipeline). f is not called for
// a write refused before it is queued; it may be called more than once.
func WithQueued(ctx context.Context, f func()) context.Context {
	return context.WithValue(ctx, queuedKey{}, f)
}

func (e *Engine) submit(ctx context.Context, r *request) error {
	r.done = make(chan struct{})
	select {
	case e.reqs <- r:
		if f, ok := ctx.Value(queuedKey{}).(func()); ok {
			f()
		}
	case <-e.stop:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-r.done:
		if r.err != nil || r.rev == 0 {
			// A failed request wrote nothing: answer at the revision
			// reads are served at.
			r.rev = e.hub.current()
			return nil
		}
		// The write's events are queued before its reply.
		return e.hub.wait(ctx, r.rev)
	case <-e.stop:
		return ErrClosed
	case <-ctx.Done():
		// The write may still be applied, as a ZooKeeper request whose
		// connection is lost may be.
		return ctx.Err()
	}
}

const maxBatchRequests = 1024

func (e *Engine) commitLoop() {
	defer e.wg.Done()
	var carry []*request
	for {
		batch := carry
		carry = nil
		if len(batch) == 0 {
			select {
			case r := <-e.reqs:
				batch = append(batch, r)
			case <-e.stop:
				return
			}
		}
	drain:
		for len(batch) < maxBatchRequests {
			select {
			case r := <-e.reqs:
				batch = append(batch, r)
			default:
				break drain
			}
		}
		carry = e.commitBatch(batch)
	}
}

// maxAttempts bounds the retries of one batch that keeps meeting
// concurrent writers (other gateway nodes).
const maxAttempts = 64

// commitBatch commits the first requests of batch and returns the rest,
// in order, for the next batch.
func (e *Engine) commitBatch(batch []*request) []*request {
	// Read ahead only what one transaction can compare: every key read is
	// compared, and etcd bounds a transaction's compares too. Requests
	// beyond the budget wait for the next batch, in order.
	budget := e.cfg.MaxBatchOps / 2
	n, keys := 1, len(batch[0].keys)
	for n < len(batch) && keys+len(batch[n].keys) <= budget {
		keys += len(batch[n].keys)
		n++
	}
	rest := e.commitPrefix(batch[:n])
	if n == len(batch) {
		return rest
	}
	return append(append([]*request(nil), rest...), batch[n:]...)
}

// commitPrefix validates and commits as much of batch as fits in one
// transaction and returns the requests left for the next one.
func (e *Engine) commitPrefix(batch []*request) (rest []*request) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-e.stop:
			cancel()
		case <-ctx.Done():
		}
	}()

	serial := true
	var reread []string
	for attempt := 1; ; attempt++ {
		b := newBase(e.kv, e.cfg.LocalStore, serial)
		keys := reread
		for _, r := range batch {
			keys = append(keys, r.keys...)
		}
		if err := b.fetch(ctx, keys); err != nil {
			e.finish(batch, 0, err)
			return nil
		}
		top := b.newView(ctx)
		now := e.now().UnixMilli()
		taken := batch
		rest = nil
		writes, size := 0, 0
		for i, r := range batch {
			c := top.child()
			e.validate(c, r, now)
			if c.err != nil {
				top.fail(c.err)
				break
			}
			if r.err != nil {
				continue
			}
			if i > 0 && rewritesNode(top, c) {
				// A second write to a znode in one transaction would
				// merge two changes into one watch event: it waits for
				// the next batch, with every later request.
				taken, rest = batch[:i], batch[i:]
				break
			}
			w, by := len(c.order), viewBytes(c)
			if writes+w > e.cfg.MaxBatchOps || len(b.order) > e.cfg.MaxBatchOps || size+by > e.cfg.MaxBatchBytes {
				if i == 0 {
					// Too large for any transaction on its own.
					r.err = schema.Errorf(schema.CodeBadArguments, "", "request needs more than %d etcd operations or %d bytes", e.cfg.MaxBatchOps, e.cfg.MaxBatchBytes)
					r.results = failedResults(len(r.ops), 0, r.err)
					if !r.multi {
						r.results = nil
					}
					continue
				}
				// r and every later request go in the next batch, which
				// keeps each session's requests in order.
				taken, rest = batch[:i], batch[i:]
				break
			}
			c.merge()
			writes += w
			size += by
		}
		if top.err != nil {
			if attempt < maxAttempts {
				serial = false
				reread = b.order
				continue
			}
			e.finish(taken, 0, top.err)
			return rest
		}
		resp, err := e.kv.Txn(ctx).If(b.compares()...).Then(commitOps(b, top)...).Commit()
		if err != nil {
			e.finish(taken, 0, fmt.Errorf("committing to etcd: %w", err))
			return rest
		}
		if !resp.Succeeded {
			// Someone else (another gateway node, or a stale local read)
			// changed a key we read: read again, linearizably, and redo.
			if attempt >= maxAttempts {
				e.finish(taken, 0, schema.Errorf(schema.CodeSystemError, "", "too much contention: %d attempts", attempt))
				return rest
			}
			reread = b.order
			// The embedded member answered after applying up to the
			// failed transaction's revision: its store is as new as a
			// linearizable read would be, and as fast as the winner's.
			// Through a client, read linearizably.
			serial = e.cfg.LocalStore != nil
			continue
		}
		e.finish(taken, resp.Header.Revision, nil)
		return rest
	}
}

// commitOps are the writes of a batch's transaction. A batch whose
// requests all failed writes nothing, and etcd serves a transaction of
// compares alone from the member's own store, which may lag the leader
// (it counts it serializable): the failures, read from a possibly stale
// store, would then be confirmed by that same store. A read that is not
// serializable makes etcd confirm its state with a quorum first, so the
// compares hold at a point after every request of the batch was sent,
// and each failure is as linearizable as a write.
func commitOps(b *base, top *view) []clientv3.Op {
	ops := top.ops()
	if len(ops) == 0 && len(b.order) > 0 {
		ops = []clientv3.Op{clientv3.OpGet(b.order[0], clientv3.WithCountOnly())}
	}
	return ops
}

// rewritesNode reports whether c writes a znode that top has written.
func rewritesNode(top, c *view) bool {
	for _, k := range c.order {
		if _, ok := top.writes[k]; ok && schema.IsNodeKey(k) {
			return true
		}
	}
	return false
}

func viewBytes(v *view) int {
	n := 0
	for _, k := range v.order {
		n += len(k) + len(v.writes[k].value)
	}
	return n
}

// finish answers requests: with the commit revision, or with err.
func (e *Engine) finish(reqs []*request, rev int64, err error) {
	for _, r := range reqs {
		if err != nil {
			r.err = err
			r.results = nil
		} else {
			r.rev = rev
			for _, s := range r.stats {
				resolveStat(s, rev)
				*s = e.present(*s)
			}
		}
		close(r.done)
	}
}

// validate applies r to v: its writes go to v, its results and error to
// r. A read failure is left in v.err for the batch to retry.
func (e *Engine) validate(v *view, r *request, now int64) {
	r.err, r.results, r.stats = nil, nil, nil
	if r.caller.Session != 0 && !r.caller.internal {
		if !sessionMatches(v.get(schema.SessionKey(r.caller.Session)), r.caller.Password) {
			r.err = schema.ErrSessionExpired
			if r.multi {
				r.results = failedResults(len(r.ops), 0, r.err)
			}
			return
		}
	}
	if r.apply != nil {
		r.apply(e, v, r)
		return
	}
	r.results = make([]OpResult, len(r.ops))
	for i, op := range r.ops {
		res, err := e.applyOp(v, r, op, now)
		if err != nil {
			r.err = err
			if r.multi {
				r.results = failedResults(len(r.ops), i, err)
			} else {
				r.results[i] = OpResult{Err: err}
			}
			r.stats = nil
			return
		}
		r.results[i] = res
		if res.Stat != nil {
			r.stats = append(r.stats, res.Stat)
		}
	}
}

// sessionMatches reports whether a session record exists and holds
// password.
func sessionMatches(e *entry, password []byte) bool {
	if !e.exists {
		return false
	}
	rec, err := schema.UnmarshalSession(e.value)
	return err == nil && subtle.ConstantTimeCompare(rec.Password, password) == 1
}

// failedResults are a failed Multi's results, as ZooKeeper reports them:
// OK for the ops before the failure, its error, then RuntimeInconsistency.
func failedResults(n, failed int, err error) []OpResult {
	out := make([]OpResult, n)
	for i := range out {
		switch {
		case i < failed:
			out[i].Err = schema.NewError(schema.CodeOK, "")
		case i == failed:
			out[i].Err = err
		default:
			out[i].Err = schema.ErrRuntimeInconsistency
		}
	}
	return out
}

func (e *Engine) applyOp(v *view, r *request, op Op, now int64) (OpResult, error) {
	switch o := op.(type) {
	case *CreateOp:
		return e.applyCreate(v, r.caller, o, now)
	case *DeleteOp:
		return OpResult{}, e.applyDelete(v, r.caller, o)
	case *SetDataOp:
		return e.applySetData(v, r.caller, o, now)
	case *CheckOp:
		return OpResult{}, e.applyCheck(v, r.caller, o)
	case *FailOp:
		return OpResult{}, o.Err
	}
	return OpResult{}, schema.Errorf(schema.CodeUnimplemented, "", "unknown operation %T", op)
}
