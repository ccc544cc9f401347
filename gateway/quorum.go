package gateway

import (
	"context"
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
	quorumProbeLimit = time.Second
	// quorumStaleAfter is longer than an ordinary election (etcd's
	// default election timeout is 1 s), so that one does not make a
	// member look cut off.
	quorumStaleAfter = 3 * time.Second
)

// quorumProbe holds when a probe last succeeded.
type quorumProbe struct {
	lastOK atomic.Int64 // UnixNano
}

// run probes until ctx ends. It logs one line when the member loses its
// quorum (no probe has succeeded for quorumStaleAfter, so an ordinary
// election does not count) and one when it has it again, not one per
// probe: etcd's own warnings while it cannot reach its peers are shown at
// debug level only (see the node's logging package).
func (q *quorumProbe) run(ctx context.Context, kv clientv3.KV, now func() time.Time, lg *zap.Logger) {
	tick := time.NewTicker(quorumProbeEvery)
	defer tick.Stop()
	lost := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		pctx, cancel := context.WithTimeout(ctx, quorumProbeLimit)
		_, err := kv.Get(pctx, schema.VersionKey(), clientv3.WithKeysOnly())
		cancel()
		if ctx.Err() != nil {
			return
		}
		t := now()
		if err == nil {
			q.lastOK.Store(t.UnixNano())
			if lost {
				lost = false
				lg.Info("quorum regained: serving clients again")
			}
			continue
		}
		if since := t.Sub(time.Unix(0, q.lastOK.Load())); !lost && since >= quorumStaleAfter {
			lost = true
			lg.Warn("quorum lost: this node cannot reach a quorum of etcd members; refusing clients until it can",
				zap.Duration("last-quorum", since.Round(time.Millisecond)), zap.Error(err))
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
