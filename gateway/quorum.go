package gateway

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/zkgate/zkgate/schema"
)

// A ZooKeeper server that loses its quorum stops serving: it closes its
// clients' connections and refuses new ones, so that they go to a server
// that has one. An etcd member that cannot reach a quorum does not say
// so; its linearizable reads and writes wait, and give up after seconds.
// The engine therefore probes: every quorumProbeEvery it makes a
// linearizable read (etcd's ReadIndex, which the leader answers only
// after a quorum has confirmed its leadership), and Serving reports
// whether one has succeeded within the last quorumStaleAfter. This finds
// a member that still hears a leader but cannot be heard (an asymmetric
// partition), which Config.HasLeader alone does not.
const (
	quorumProbeEvery = 500 * time.Millisecond
	// quorumStaleAfter is longer than an ordinary election (etcd's
	// default election timeout is 1 s), so that one does not make a
	// member look cut off.
	quorumStaleAfter = 3 * time.Second
	// quorumProbeLimit bounds one probe. A probe that succeeds proves
	// the quorum as of when it was sent, and probes overlap (one starts
	// every quorumProbeEvery whether or not the last has returned), so
	// a slow network (peers hundreds of milliseconds apart) delays the
	// answers without making the member look cut off: only a quorum that
	// answers no probe sent in quorumStaleAfter does.
	quorumProbeLimit = quorumStaleAfter
)

// quorumProbe holds when a probe last succeeded.
type quorumProbe struct {
	lastOK atomic.Int64 // UnixNano of the sending of the newest probe that succeeded
}

// ok records that a probe sent at sent succeeded, keeping the newest.
func (q *quorumProbe) ok(sent time.Time) {
	t := sent.UnixNano()
	for {
		old := q.lastOK.Load()
		if t <= old || q.lastOK.CompareAndSwap(old, t) {
			return
		}
	}
}

// run probes until ctx ends. It logs one line when the member loses its
// quorum (no probe has succeeded for quorumStaleAfter, so an ordinary
// election does not count) and one when it has it again, not one per
// probe: etcd's own warnings while it cannot reach its peers are shown at
// debug level only (see the node's logging package). At most
// quorumProbeLimit/quorumProbeEvery probes are in flight.
func (q *quorumProbe) run(ctx context.Context, kv clientv3.KV, now func() time.Time, lg *zap.Logger) {
	tick := time.NewTicker(quorumProbeEvery)
	defer tick.Stop()
	var wg sync.WaitGroup
	defer wg.Wait()
	var lastErr atomic.Pointer[error] // of the latest failed probe, for the log line
	lost := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		sent := now()
		wg.Add(1)
		go func() {
			defer wg.Done()
			pctx, cancel := context.WithTimeout(ctx, quorumProbeLimit)
			defer cancel()
			if _, err := kv.Get(pctx, schema.VersionKey(), clientv3.WithKeysOnly()); err != nil {
				if ctx.Err() == nil {
					lastErr.Store(&err)
				}
				return
			}
			q.ok(sent)
		}()
		since := now().Sub(time.Unix(0, q.lastOK.Load()))
		switch {
		case lost && since < quorumStaleAfter:
			lost = false
			lg.Info("quorum regained: serving clients again")
		case !lost && since >= quorumStaleAfter:
			lost = true
			fields := []zap.Field{zap.Duration("last-quorum", since.Round(time.Millisecond))}
			if err := lastErr.Load(); err != nil {
				fields = append(fields, zap.Error(*err))
			}
			lg.Warn("quorum lost: this node cannot reach a quorum of etcd members; refusing clients until it can", fields...)
		}
	}
}

// Serving reports whether the etcd member under the engine can serve:
// it knows a leader (Config.HasLeader, when set), and a linearizable read
// has succeeded within the last few seconds. The ZooKeeper port refuses
// new connections, and closes a connection at its next ping, while it
// cannot.
func (e *Engine) Serving() bool {
	if e.cfg.HasLeader != nil && !e.cfg.HasLeader() {
		return false
	}
	return e.now().Sub(time.Unix(0, e.quorum.lastOK.Load())) < quorumStaleAfter
}

// QuorumLost reports whether no linearizable read has succeeded for the
// last few seconds: the member has been cut off for longer than an
// ordinary election takes. Unlike Serving it stays false through an
// election, so callers that would rather wait for the next leader than
// fail at once (zkgate's gRPC services, whose requests etcd holds until
// a leader is elected) refuse only on a lasting loss.
func (e *Engine) QuorumLost() bool {
	return e.now().Sub(time.Unix(0, e.quorum.lastOK.Load())) >= quorumStaleAfter
}
