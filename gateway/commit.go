package gateway

import (
	"context"
	"crypto/subtle"
	"fmt"
	"time"

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

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
	// attempts counts the batches of r that met a concurrent writer.
	attempts int
	rev      int64
	// stats to resolve to the commit revision.
	stats []*schema.Stat
	done  chan struct{}
	// ephLease, of ephTTL seconds, is a lease for the ephemerals of a
	// session that has none yet (ephlease.go); ephUsed says the request
	// wrote it into the session record.
	ephLease   int64
	ephTTL     int64
	ephUsed    bool
	ephPending *ephPending
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
		if r.rev == 0 {
			// A request failed before its batch was committed: answer at
			// the revision reads are served at.
			r.rev = e.hub.current()
			return nil
		}
		// A write's events are queued before its reply; a failed
		// request in a committed batch is answered at the batch's
		// revision, which holds the state it was validated against
		// (with the batches before it), once reads are served there:
		// so a session's answers never go back in zxid.
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

// maxAttempts bounds the times one request is validated again because
// its batch met concurrent writers (other gateway nodes).
const maxAttempts = 64

// The committer pipelines its batches, as ZooKeeper's
// PrepRequestProcessor validates against its outstanding changes: while
// batches are in flight (up to Config.CommitDepth), the next one is
// validated against the state read from etcd plus the writes of every
// batch in flight (view.go: base.pending), and sent at once.
//
// They apply in order through the chain key (schema.ChainKey), which
// only this committer writes: every batch puts a sequence number never
// used before into it, and a batch sent while another is in flight
// compares the chain key to that predecessor's number. So a batch
// applies only right after its predecessor did: if the predecessor
// failed, every batch after it fails too, and if etcd is given them out
// of order, the later one fails and is redone. Answers come in order:
// when a batch fails, the committer waits for the answers of every batch
// in flight, then validates their requests again, in order, from a fresh
// read.
//
// A batch validated over a batch in flight compares the keys that batch
// writes to the state it leaves (base.compares). A key it creates has a
// create revision no one knows yet: a request that reads it waits for
// that batch's answer (base.blocked), with every request after it.
type committer struct {
	e     *Engine
	ctx   context.Context
	depth int

	queue    []*request // waiting, in order
	inflight []*flight  // sent, oldest first
	// waitOldest is set when the first request waiting cannot be
	// validated before the oldest batch in flight is answered.
	waitOldest bool

	seq int64 // the last sequence number used
	// chain is the chain key's value once the batches sent so far have
	// applied, when known ("" for a chain key not yet written); a batch
	// sent with none in flight compares it, or reads the key when it is
	// not known.
	chain      string
	chainKnown bool
	// revs are the revisions of committed batches by sequence number,
	// for Stats built over them (resolveStat).
	revs map[int64]int64

	// prevOK is set when the last batch answered committed.
	prevOK bool

	serial bool     // the next batch reads serializably
	reread []string // keys a failed batch read, to read again

	turn turnState

	// staged is the next batch, validated while the batches in flight
	// fill the depth; nil when there is none. stageable is unset where
	// a batch must be validated with none in flight (quotas).
	staged    *staged
	stageable bool
}

// staged is a batch validated over the batches in flight while they fill
// the depth, a request at a time as requests arrive, and sent the moment
// the oldest of them commits: validation takes no time of its own between
// two transactions, and the batch still carries every request that
// arrived while the one before it was in flight (one WAL sync for them
// all, where a batch sent at once would carry only the first few).
type staged struct {
	b     *base
	top   *view
	taken []*request
	now   int64
	// floor is the sequence number of the oldest batch in flight when
	// it was started (flight.floor).
	floor int64
	// nkeys counts the keys the taken requests read, against the batch's
	// read budget.
	nkeys int
	tally
	// full is set when the next request waiting cannot join: the batch
	// is bounded, or the request reads a key a batch in flight creates.
	full bool
}

// flight is a batch sent to etcd, its answer awaited.
type flight struct {
	reqs  []*request
	layer *layer
	// wrote is set when the batch writes (znodes and the chain key); a
	// batch that writes nothing is sent with none in flight, and none
	// follows it until it is answered.
	wrote bool
	// floor is the sequence number of the oldest batch in flight when
	// this one was built: its Stats refer to batches from there on.
	floor int64
	keys  []string // the keys it read
	// cmps and ops are its transaction; prev the chain key's value it
	// compares to, when it was sent with a batch in flight.
	cmps []*pb.Compare
	ops  []*pb.RequestOp
	prev string
	// value is what the batch writes into the chain key.
	value string
	// turn is the turn key's value the batch deletes, when its
	// committer held the turn (turn.go).
	turn   string
	result chan flightResult
	// entered is closed when its transaction is handed to etcd; done
	// when etcd has answered it.
	entered, done chan struct{}
}

type flightResult struct {
	resp *clientv3.TxnResponse
	err  error
}

// depth is the most batches the committer keeps in flight.
func (e *Engine) depth() int {
	if e.cfg.EnforceQuota {
		// checkQuota counts a quota's usage as committed (base.usage),
		// which does not see the writes of batches in flight: with
		// quotas enforced, one batch at a time.
		return 1
	}
	return e.cfg.CommitDepth
}

func (e *Engine) commitLoop() {
	defer e.wg.Done()
	ctx, cancel := e.untilStop(context.Background())
	defer cancel()
	c := &committer{e: e, ctx: ctx, depth: e.depth(), chainKnown: true, revs: map[int64]int64{}, serial: true, stageable: !e.cfg.EnforceQuota}
	defer func() {
		// A batch in flight may carry the turn key's deletion: its
		// transaction is cancelled with the committer.
		for _, f := range c.inflight {
			if f.turn != "" {
				c.turn.held = f.turn
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		c.giveTurn(ctx)
	}()
	for {
		readOnly := len(c.inflight) > 0 && !c.inflight[len(c.inflight)-1].wrote
		if len(c.queue) > 0 && len(c.inflight) < c.depth && c.staged == nil && !c.waitOldest && !readOnly && !c.turn.waiting {
			c.send()
			continue
		}
		if c.canStage() {
			c.stage()
			continue
		}
		var in chan *request
		if len(c.queue) < maxBatchRequests {
			in = e.reqs
		}
		var answer chan flightResult
		if len(c.inflight) > 0 {
			answer = c.inflight[0].result
		}
		var turnCheck <-chan time.Time
		if c.turn.waiting && len(c.inflight) == 0 {
			turnCheck = time.After(c.turn.poll)
		}
		select {
		case r := <-in:
			c.queue = append(c.queue, r)
		drain:
			for len(c.queue) < maxBatchRequests {
				select {
				case r := <-e.reqs:
					c.queue = append(c.queue, r)
				default:
					break drain
				}
			}
		case res := <-answer:
			c.land(res)
		case <-turnCheck:
			c.checkTurn()
		case <-e.stop:
			return
		}
	}
}

// send validates the first requests waiting and sends them as a batch.
func (c *committer) send() {
	e := c.e
	if c.turn.held == "" && c.queue[0].attempts >= turnAfter {
		if len(c.inflight) > 0 {
			c.waitOldest = true
			return
		}
		if !c.takeTurn() {
			return
		}
	}
	n, _ := c.readAhead(0, 0)
	batch := c.queue[:n]
	pending := make([]*layer, len(c.inflight))
	for i, f := range c.inflight {
		pending[i] = f.layer
	}
	for attempt := 1; ; attempt++ {
		c.seq++
		b := e.newBase(c.serial, c.seq, pending)
		keys := c.reread
		if len(c.inflight) == 0 && !c.chainKnown {
			// Read the chain key with the rest: its compare holds it.
			keys = append(keys, e.chainKey)
		}
		keys = batchKeys(keys, batch)
		if err := b.fetch(c.ctx, keys); err != nil {
			c.finish(batch, 0, err)
			c.queue = c.queue[n:]
			c.giveTurn(c.ctx)
			return
		}
		top := b.newView(c.ctx)
		now := e.now().UnixMilli()
		taken, rest := batch, c.queue[n:]
		var t tally
	validation:
		for i, r := range batch {
			switch wait, err := c.admit(b, top, r, now, i == 0, &t); {
			case err != nil:
				top.fail(err)
				break validation
			case wait:
				taken, rest = batch[:i], c.queue[i:]
				break validation
			}
		}
		if top.err != nil {
			if attempt < maxAttempts {
				c.serial = false
				c.reread = b.order
				continue
			}
			c.finish(taken, 0, top.err)
			c.queue = rest
			c.giveTurn(c.ctx)
			return
		}
		ops := top.ops()
		if len(taken) == 0 || len(ops) == 0 && len(c.inflight) > 0 {
			// Nothing can be validated before the oldest batch is
			// answered; or nothing to write: such a batch is sent with
			// none in flight, so that it moves no revision (launch).
			c.waitOldest = true
			return
		}
		c.queue = rest
		c.serial, c.reread = true, nil
		c.launch(taken, b, top, ops, now, b.seq)
		return
	}
}

// canStage reports whether the first requests waiting can be validated
// into the staged batch now.
func (c *committer) canStage() bool {
	n := len(c.inflight)
	return c.stageable && len(c.queue) > 0 && n > 0 && n >= c.depth && c.inflight[n-1].wrote &&
		(c.staged == nil || !c.staged.full) && !c.waitOldest && !c.turn.waiting &&
		c.turn.held == "" && c.reread == nil && c.queue[0].attempts < turnAfter
}

// stage validates the first requests waiting into the staged batch, over
// the batches in flight, as send would validate them into a batch sent
// at once; requests that do not fit stay waiting, in order.
func (c *committer) stage() {
	e := c.e
	s := c.staged
	if s == nil {
		pending := make([]*layer, len(c.inflight))
		for i, f := range c.inflight {
			pending[i] = f.layer
		}
		c.seq++
		s = &staged{b: e.newBase(true, c.seq, pending), now: e.now().UnixMilli(), floor: c.inflight[0].layer.seq}
		s.top = s.b.newView(c.ctx)
		c.staged = s
	}
	n, nkeys := c.readAhead(len(s.taken), s.nkeys)
	if n == 0 {
		s.full = true
		return
	}
	if err := s.b.fetch(c.ctx, batchKeys(nil, c.queue[:n])); err != nil {
		// The batch is validated again once the oldest is answered.
		c.unstage()
		c.waitOldest = true
		return
	}
	s.nkeys = nkeys
	took := 0
	for _, r := range c.queue[:n] {
		wait, err := c.admit(s.b, s.top, r, s.now, len(s.taken) == 0, &s.tally)
		if err != nil {
			c.queue = c.queue[took:]
			c.unstage()
			c.waitOldest = true
			return
		}
		if wait {
			s.full = true
			break
		}
		s.taken = append(s.taken, r)
		took++
	}
	c.queue = c.queue[took:]
}

// readAhead is for a batch that has taken have requests, which read
// nkeys keys: it returns how many of the requests waiting, from the
// first, the batch reads next, and the keys the batch then reads in all.
// A batch reads only what one transaction can compare (every key read is
// compared, and etcd bounds a transaction's compares too), and an empty
// batch always reads one request. Requests beyond the budget wait for
// the next batch, in order.
func (c *committer) readAhead(have, nkeys int) (n, total int) {
	budget := c.e.cfg.MaxBatchOps / 2
	for n < len(c.queue) && have+n < maxBatchRequests && (have+n == 0 || nkeys+len(c.queue[n].keys) <= budget) {
		nkeys += len(c.queue[n].keys)
		n++
	}
	return n, nkeys
}

// batchKeys appends to keys those the requests reqs read: each request's
// own, and its session's key, which validate reads first, in the same
// round trip.
func batchKeys(keys []string, reqs []*request) []string {
	for _, r := range reqs {
		keys = append(keys, r.keys...)
		if r.caller.Session != 0 && !r.caller.internal {
			keys = append(keys, schema.SessionKey(r.caller.Session))
		}
	}
	return keys
}

// tally counts the writes and bytes of the requests a batch has taken,
// against its bounds.
type tally struct{ writes, size int }

// admit validates r into top, the batch's view over base b, as its first
// request or after others, and merges r's writes into it when they fit.
// It reports wait when r and every later request wait for the next
// batch, or the error that failed the view (the batch is validated
// again). They wait when:
//   - r read a key a batch in flight creates: they wait for its answer;
//   - r writes a znode the batch writes already: a second write in one
//     transaction would merge two changes into one watch event;
//   - r's writes do not fit in the batch's bounds, which keeps each
//     session's requests in order.
//
// A request answered with its own error, or too large for any
// transaction on its own, is taken, as answered.
func (c *committer) admit(b *base, top *view, r *request, now int64, first bool, t *tally) (wait bool, err error) {
	e := c.e
	b.blocked = false
	v := top.child()
	e.validate(v, r, now)
	switch {
	case v.err != nil:
		return false, v.err
	case b.blocked:
		return true, nil
	case r.err != nil:
		return false, nil
	case !first && rewritesNode(top, v):
		return true, nil
	}
	w, by := len(v.order), viewBytes(v)
	if t.writes+w > e.cfg.MaxBatchOps || b.ncmp > e.cfg.MaxBatchOps || t.size+by > e.cfg.MaxBatchBytes {
		if !first {
			return true, nil
		}
		tooLarge(e, r)
		return false, nil
	}
	v.merge()
	t.writes += w
	t.size += by
	return false, nil
}

// unstage puts the staged batch's requests back first in the queue, to be
// validated again.
func (c *committer) unstage() {
	if s := c.staged; s != nil {
		c.staged = nil
		c.queue = append(s.taken, c.queue...)
		c.e.unstaged.Add(1)
	}
}

// launchStaged sends the staged batch, once the batch before it has
// committed.
func (c *committer) launchStaged() {
	s := c.staged
	c.staged = nil
	if len(s.taken) == 0 {
		return
	}
	ops := s.top.ops()
	if len(ops) == 0 && len(c.inflight) > 0 {
		// Nothing to write: such a batch goes with none in flight.
		c.queue = append(s.taken, c.queue...)
		return
	}
	c.e.staged.Add(1)
	c.launch(s.taken, s.b, s.top, ops, s.now, s.floor)
}

// tooLarge answers r, which needs more than any one transaction holds.
func tooLarge(e *Engine, r *request) {
	r.err = schema.Errorf(schema.CodeBadArguments, "", "request needs more than %d etcd operations or %d bytes", e.cfg.MaxBatchOps, e.cfg.MaxBatchBytes)
	r.results = failedResults(len(r.ops), 0, r.err)
	if !r.multi {
		r.results = nil
	}
}

// launch sends the batch of taken requests validated in top, whose
// writes are ops; floor is the sequence number of the oldest batch in
// flight when its validation started.
func (c *committer) launch(taken []*request, b *base, top *view, ops []*pb.RequestOp, now, floor int64) {
	e := c.e
	cmps := b.compares()
	wrote := len(ops) > 0
	var prev string
	switch {
	case !wrote:
		// Nothing to write (and nothing in flight, see send): the
		// compares alone decide, at a revision this batch does not
		// move (see readOnlyOps); later batches wait for its answer.
		ops = readOnlyOps(e.chainKey)
	case len(c.inflight) > 0:
		prev = c.inflight[len(c.inflight)-1].value
		cmps = append(cmps, valueIs(e.chainKey, prev))
	case !c.chainKnown:
		// Compared as a key read (its mod revision, or absent).
	case c.chain == "":
		cmps = append(cmps, createRevIs(e.chainKey, 0))
	default:
		cmps = append(cmps, valueIs(e.chainKey, c.chain))
	}
	var turn, value string
	if wrote {
		cmps = append(cmps, c.turnCompare())
		if turn = c.turn.held; turn != "" {
			c.turn.held = ""
			ops = append(ops, &pb.RequestOp{Request: &pb.RequestOp_RequestDeleteRange{RequestDeleteRange: &pb.DeleteRangeRequest{Key: []byte(schema.TurnKey())}}})
		}
		value = schema.ChainValue(b.seq, now, top.deleters())
		ops = append(ops, putOp(e.chainKey, []byte(value), 0))
	} else {
		// A batch that writes nothing moves no revision: the turn is
		// given back first.
		c.giveTurn(c.ctx)
	}
	f := &flight{reqs: taken, layer: top.seal(), wrote: wrote, floor: floor, keys: b.order, cmps: cmps, ops: ops, prev: prev, turn: turn, value: value}
	if len(c.inflight) > 0 {
		f.floor = min(floor, c.inflight[0].layer.seq)
	}
	c.inflight = append(c.inflight, f)
	e.launched.Add(1)
	e.batchSizes.add(len(taken))
	if n := int64(len(c.inflight)); n > e.maxInFlight.Load() {
		e.maxInFlight.Store(n)
	}
	c.start(f)
}

// start sends f's transaction. When its compares fail, it reads the
// chain key, to tell a batch that reached etcd before its predecessor
// (land).
func (c *committer) start(f *flight) {
	e := c.e
	result := make(chan flightResult, 1)
	f.result = result
	f.entered, f.done = make(chan struct{}), make(chan struct{})
	var before *flight
	if n := len(c.inflight); n > 1 {
		before = c.inflight[n-2]
	}
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		defer close(f.done)
		if before != nil {
			// Give the batch before a head start into etcd: sent from
			// goroutines of their own, the two could reach Raft in the
			// other order, and the later one would fail its chain
			// compare, with every batch after it.
			select {
			case <-before.entered:
			case <-before.done:
			case <-c.ctx.Done():
			}
			select {
			case <-before.done:
			case <-time.After(headStart):
			case <-c.ctx.Done():
			}
		}
		close(f.entered)
		if d := e.sendDelay.Load(); d > 0 {
			select {
			case <-time.After(time.Duration(d)):
			case <-c.ctx.Done():
			}
		}
		resp, err := e.commitTxn(c.ctx, f)
		result <- flightResult{resp, err}
	}()
}

// commitTxn sends f's transaction: its compares and operations, and when
// they fail, reads of the chain key and the turn key.
func (e *Engine) commitTxn(ctx context.Context, f *flight) (*clientv3.TxnResponse, error) {
	if e.cfg.KVClient == nil {
		return e.kv.Txn(ctx).If(clientCmps(f.cmps)...).Then(clientOps(f.ops)...).Else(clientv3.OpGet(e.chainKey), clientv3.OpGet(schema.TurnKey())).Commit()
	}
	resp, err := e.cfg.KVClient.Txn(ctx, &pb.TxnRequest{
		Compare: f.cmps,
		Success: f.ops,
		Failure: []*pb.RequestOp{getOp(e.chainKey, false), getOp(schema.TurnKey(), false)},
	})
	if err != nil {
		// As the etcd client reports it.
		if ctx.Err() != nil && (status.Code(err) == codes.Canceled || status.Code(err) == codes.DeadlineExceeded) {
			return nil, ctx.Err()
		}
		return nil, rpctypes.Error(err)
	}
	return (*clientv3.TxnResponse)(resp), nil
}

// headStart is how long a batch waits after its predecessor was handed to
// etcd before it is handed over itself.
var headStart = 200 * time.Microsecond

// overtook reports whether f, whose compares failed, was evaluated before
// its predecessor applied: etcd was given the two in the other order
// (their transactions are sent from goroutines of their own).
func (c *committer) overtook(f *flight, resp *clientv3.TxnResponse) bool {
	if f.prev == "" || !c.prevOK || len(resp.Responses) != 2 {
		return false
	}
	kvs := resp.Responses[0].GetResponseRange().GetKvs()
	return len(kvs) == 0 || string(kvs[0].Value) != f.prev
}

// land takes the answer of the oldest batch in flight. A batch that
// failed takes every later one down with it: their answers are awaited,
// and their requests validated again, in order, before any other.
func (c *committer) land(res flightResult) {
	f := c.inflight[0]
	if res.err == nil && !res.resp.Succeeded && c.overtook(f, res.resp) {
		// Sent again as it is, f would succeed; but every batch after
		// it went out before and fails: they are all validated again,
		// into fewer batches, as after a conflict.
		c.e.overtaken.Add(1)
	}
	c.inflight = c.inflight[1:]
	c.waitOldest = false
	if c.settle(f, res, nil) {
		if c.staged != nil {
			if res.err == nil {
				c.launchStaged()
			} else {
				// Whether f applied is not known, nor whether the
				// staged batch's compares hold.
				c.unstage()
			}
		}
		return
	}
	// The staged batch compares the chain key to a number f never wrote.
	c.unstage()
	// Every batch after f compares the chain key to a number f (or one
	// after it) never wrote: they fail.
	redo := c.redo(f, nil)
	for len(c.inflight) > 0 {
		g := c.inflight[0]
		c.inflight = c.inflight[1:]
		if !c.settle(g, <-g.result, redo) {
			redo = c.redo(g, redo)
		}
	}
	c.queue = append(redo, c.queue...)
}

// settle answers the requests of f if it committed, or if its outcome is
// unknown (an etcd error), and reports whether it did; a batch whose
// compares failed is left for redo. redo is what is already to be redone.
func (c *committer) settle(f *flight, res flightResult, redo []*request) bool {
	switch {
	case res.err != nil:
		c.prevOK = false
		c.e.lg.Debug("batch failed", zap.Error(res.err))
		c.finish(f.reqs, 0, fmt.Errorf("committing to etcd: %w", res.err))
		// Whether its writes applied is not known.
		c.e.keys.reset(0)
		// Whether it applied is not known: the next batch reads the
		// chain key.
		c.chainKnown = false
		if f.turn != "" {
			// Nor whether it deleted the turn key.
			c.turn.held = f.turn
			c.giveTurn(c.ctx)
		}
		return true
	case res.resp.Succeeded:
		c.prevOK = true
		rev := res.resp.Header.Revision
		c.revs[f.layer.seq] = rev
		c.remember(f, rev)
		if f.wrote {
			c.chain, c.chainKnown = f.value, true
		}
		c.finish(f.reqs, rev, nil)
		// Later batches' Stats refer to batches from their floor on.
		floor := f.layer.seq + 1
		for _, g := range c.inflight {
			floor = min(floor, g.floor)
		}
		if c.staged != nil {
			floor = min(floor, c.staged.floor)
		}
		for seq := range c.revs {
			if seq < floor {
				delete(c.revs, seq)
			}
		}
		return true
	}
	if len(res.resp.Responses) == 2 {
		c.sawTurn(res.resp.Responses[1].GetResponseRange().GetKvs())
	}
	return false
}

// remember puts the keys f wrote, as it left them at rev, into the key
// cache.
func (c *committer) remember(f *flight, rev int64) {
	if c.e.keys == nil || !f.wrote {
		return
	}
	keys := make([]string, 0, len(f.layer.entries))
	entries := make([]*entry, 0, len(f.layer.entries))
	for k, e := range f.layer.entries {
		if e.exists {
			if e.unread {
				entries = append(entries, nil) // dropped
				keys = append(keys, k)
				continue
			}
			cr := e.createRev
			if cr < 0 {
				if -cr == f.layer.seq {
					cr = rev
				} else if r, ok := c.revs[-cr]; ok {
					cr = r
				} else {
					entries = append(entries, nil)
					keys = append(keys, k)
					continue
				}
			}
			e = &entry{exists: true, value: e.value, createRev: cr, modRev: rev, version: e.version, lease: e.lease}
		}
		keys = append(keys, k)
		entries = append(entries, e)
	}
	c.e.keys.put(rev, keys, entries)
}

// redo returns redo with the requests of f, whose compares failed,
// appended in order (those past maxAttempts are answered instead), and
// prepares the next batch to read again what f read.
func (c *committer) redo(f *flight, redo []*request) []*request {
	c.e.redone.Add(1)
	// What f read or wrote may be what changed: read it again.
	c.e.keys.drop(f.keys)
	c.prevOK = false
	c.chainKnown = false
	// The embedded member answered after applying up to the failed
	// transaction's revision: its store is as new as a linearizable read
	// would be, and as fast as the winner's. Through a client, read
	// linearizably.
	c.serial = c.e.cfg.LocalStore != nil
	if len(redo) == 0 {
		// The next batch starts with f's requests: it reads what f read
		// (not what the later ones read, which would only add
		// comparisons).
		c.reread = f.keys
	}
	for _, r := range f.reqs {
		r.attempts++
		if r.attempts >= maxAttempts {
			c.finish([]*request{r}, 0, schema.Errorf(schema.CodeSystemError, "", "too much contention: %d attempts", r.attempts))
			continue
		}
		redo = append(redo, r)
	}
	return redo
}

// readOnlyOps are the operations of a batch that writes nothing. etcd
// serves a transaction of compares alone from the member's own store,
// which may lag the leader (it counts it serializable): the failures,
// read from a possibly stale store, would then be confirmed by that same
// store. A read that is not serializable makes etcd confirm its state
// with a quorum first, so the compares hold at a point after every
// request of the batch was sent, and each failure is as linearizable as
// a write.
func readOnlyOps(key string) []*pb.RequestOp {
	return []*pb.RequestOp{getOp(key, true)}
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
func (c *committer) finish(reqs []*request, rev int64, err error) {
	revOf := func(m int64) (int64, bool) {
		r, ok := c.revs[-m]
		return r, ok
	}
	for _, r := range reqs {
		if err != nil {
			r.err = err
			r.results = nil
		} else {
			r.rev = rev
			for _, s := range r.stats {
				if !resolveStat(s, revOf) {
					// It refers to a batch whose outcome was not known
					// (an etcd error), yet committed before this one.
					r.err = schema.Errorf(schema.CodeSystemError, "", "committing to etcd: the zxid of an earlier write is unknown")
					r.results = nil
					break
				}
				*s = c.e.present(*s)
			}
		}
		c.e.quotaExceeded.count(r.err)
		close(r.done)
	}
}

// validate applies r to v: its writes go to v, its results and error to
// r. A read failure is left in v.err for the batch to retry.
func (e *Engine) validate(v *view, r *request, now int64) {
	r.err, r.results, r.stats = nil, nil, nil
	r.ephUsed = false
	v.writer = r.caller.Session
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
		return e.applyCreate(v, r, o, now)
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
