package gateway

import (
	"context"
	"strconv"
	"strings"
	"time"

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/zkgate/zkgate/schema"
)

// Taking turns. Each gateway node's committer validates against what it
// read and loses its compares when another node wrote the same keys
// first (the parent of sequential children, say). The node whose
// transactions take longest to reach the Raft leader (a follower's)
// then loses nearly every time while the others keep writing, and its
// requests would fail after maxAttempts, which ZooKeeper, whose leader
// orders every write, never does.
//
// So a committer whose oldest request has lost turnAfter times takes the
// turn key (schema.TurnKey) when no one holds it, reads again, and sends
// its batch with the key's deletion. Every writing batch of every
// committer compares the key as absent (or as its own, for its holder):
// while one node holds it, the others' batches fail, their committers see
// the key in the failed transaction's answer and send nothing until it is
// gone. The holder's batch therefore meets only writes that were already
// on their way when it took the key, which its second read sees; it
// commits at the latest on its next attempt.
//
// A holder that stops without deleting the key (its process killed, its
// member cut off) stalls the other nodes' writes: a committer that has
// seen the same holder's key for turnExpiry by its own clock deletes it.

// turnAfter is how many times a request has lost its compares before
// its committer takes the turn.
const turnAfter = 4

// turnExpiry is how long a committer waits for a turn held by another
// before it deletes the key.
var turnExpiry = time.Second

// turnPoll bounds the interval at which a waiting committer reads the
// turn key.
const turnPoll = 5 * time.Millisecond

// turnState is a committer's view of the turn key.
type turnState struct {
	// held is the value this committer wrote into the turn key, while it
	// holds it and no batch in flight carries its deletion.
	held string
	n    int64 // turns taken, for the key's values

	// waiting is set while another committer holds the turn; seenRev is
	// the key's mod revision when first seen, at seenAt; poll the next
	// interval to read it again at.
	waiting bool
	seenRev int64
	seenAt  time.Time
	poll    time.Duration
}

// turnCompare is what a writing batch compares the turn key to.
func (c *committer) turnCompare() *pb.Compare {
	if c.turn.held != "" {
		return valueIs(schema.TurnKey(), c.turn.held)
	}
	return createRevIs(schema.TurnKey(), 0)
}

// takeTurn takes the turn key for the first request waiting, which has
// lost turnAfter times, and reports whether the batch can be built now:
// false while another committer holds the key.
func (c *committer) takeTurn() bool {
	e := c.e
	c.turn.n++
	mine := c.turnPrefix() + strconv.FormatInt(c.turn.n, 10)
	resp, err := e.kv.Txn(c.ctx).
		If(clientv3.Compare(clientv3.CreateRevision(schema.TurnKey()), "=", 0)).
		Then(clientv3.OpPut(schema.TurnKey(), mine)).
		Else(clientv3.OpGet(schema.TurnKey())).Commit()
	if err != nil {
		// The batch meets the same error, and answers it.
		e.lg.Debug("taking the turn", zap.Error(err))
		return true
	}
	if !resp.Succeeded {
		c.sawTurn(resp.Responses[0].GetResponseRange().GetKvs())
		return !c.turn.waiting
	}
	e.turns.Add(1)
	c.turn.held = mine
	// Read again, after the key: the embedded member has applied the put
	// when it answers, so its own store is as new as a linearizable read.
	c.serial = e.cfg.LocalStore != nil
	return true
}

// sawTurn notes the turn key as a failed transaction read it: held by
// another committer, this one waits for it to go.
func (c *committer) sawTurn(kvs []*mvccpb.KeyValue) {
	if len(kvs) == 0 {
		return
	}
	kv := kvs[0]
	if strings.HasPrefix(string(kv.Value), c.turnPrefix()) {
		// Still this committer's (its batch carrying the deletion failed
		// on another compare, or a batch behind it saw the key, or it
		// took the turn with an answer lost): it holds it, and never
		// waits for it.
		c.turn.held = string(kv.Value)
		return
	}
	if c.turn.waiting && kv.ModRevision == c.turn.seenRev {
		return
	}
	c.e.turnWaits.Add(1)
	c.turn.waiting, c.turn.seenRev, c.turn.seenAt, c.turn.poll = true, kv.ModRevision, c.e.now(), 200*time.Microsecond
}

// turnPrefix starts the values this committer writes into the turn key.
func (c *committer) turnPrefix() string { return c.e.chainKey[len(schema.Prefix):] + "/" }

// checkTurn reads the turn key again while waiting for it to go.
func (c *committer) checkTurn() {
	e := c.e
	resp, err := e.kv.Get(c.ctx, schema.TurnKey(), clientv3.WithSerializable())
	c.turn.poll = min(2*c.turn.poll, turnPoll)
	if err != nil {
		return
	}
	switch {
	case len(resp.Kvs) == 0:
		c.turn.waiting = false
	case resp.Kvs[0].ModRevision != c.turn.seenRev:
		// Another turn: wait for it in its own right.
		c.turn.seenRev, c.turn.seenAt = resp.Kvs[0].ModRevision, e.now()
	case e.now().Sub(c.turn.seenAt) >= turnExpiry:
		e.lg.Info("deleting a turn key held too long by another gateway node", zap.ByteString("holder", resp.Kvs[0].Value), zap.Duration("held-for-at-least", turnExpiry))
		if _, err := e.kv.Txn(c.ctx).
			If(clientv3.Compare(clientv3.ModRevision(schema.TurnKey()), "=", c.turn.seenRev)).
			Then(clientv3.OpDelete(schema.TurnKey())).Commit(); err == nil {
			c.turn.waiting = false
		}
	}
}

// giveTurn deletes the turn key if this committer holds it: before a
// batch that writes nothing, and when the committer stops.
func (c *committer) giveTurn(ctx context.Context) {
	if c.turn.held == "" {
		return
	}
	mine := c.turn.held
	c.turn.held = ""
	if _, err := c.e.kv.Txn(ctx).
		If(clientv3.Compare(clientv3.Value(schema.TurnKey()), "=", mine)).
		Then(clientv3.OpDelete(schema.TurnKey())).Commit(); err != nil {
		c.e.lg.Debug("giving the turn back", zap.Error(err))
	}
}
