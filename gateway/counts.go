package gateway

import (
	"context"
	"fmt"
	"strings"

	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/zkgate/zkgate/schema"
)

// keyCounts are how many znodes, ephemerals (the ephemeral index's
// entries) and sessions (session records) exist at the watch hub's
// revision. The hub counts them once when it starts (and again after a
// compaction made it miss events), then keeps them from its events, as
// ZooKeeper keeps its counts in memory: monitoring reads them without
// counting a million keys, which would hold etcd's index for a tenth of
// a second and stall every write meanwhile.
type keyCounts struct {
	znodes, ephemerals, sessions int64
}

// countKeys counts the keys of each kind at rev.
func countKeys(ctx context.Context, kv clientv3.KV, rev int64) (keyCounts, error) {
	var c keyCounts
	start, end := schema.NodeSpace()
	for _, r := range []struct {
		from, to string
		n        *int64
	}{
		{start, end, &c.znodes},
		{schema.EphemeralSpace(), schema.PrefixEnd(schema.EphemeralSpace()), &c.ephemerals},
		{schema.SessionSpace(), schema.PrefixEnd(schema.SessionSpace()), &c.sessions},
	} {
		resp, err := kv.Get(ctx, r.from, clientv3.WithRange(r.to), clientv3.WithCountOnly(), clientv3.WithRev(rev), clientv3.WithSerializable())
		if err != nil {
			return keyCounts{}, fmt.Errorf("counting znodes, ephemerals and sessions: %w", err)
		}
		*r.n = resp.Count
	}
	return c, nil
}

// apply counts one event: a key created or deleted.
func (c *keyCounts) apply(ev *clientv3.Event) {
	var d int64
	switch {
	case ev.Type == mvccpb.DELETE:
		d = -1
	case ev.IsCreate():
		d = 1
	default:
		return
	}
	k := string(ev.Kv.Key)
	switch {
	case schema.IsNodeKey(k):
		c.znodes += d
	case strings.HasPrefix(k, schema.EphemeralSpace()):
		c.ephemerals += d
	case strings.HasPrefix(k, schema.SessionSpace()):
		c.sessions += d
	}
}

// Counts reports how many znodes, ephemerals and sessions the cluster
// holds at the revision reads are served at, for monitoring (ZooKeeper's
// mntr). The watch hub keeps them from its events: this reads no key.
func (e *Engine) Counts(ctx context.Context) (znodes, ephemerals, sessions int64, err error) {
	c := e.hub.keyCounts()
	return c.znodes, c.ephemerals, c.sessions, nil
}
