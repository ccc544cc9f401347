package gateway

import (
	"context"
	"fmt"
	"sort"

	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/zkgate/zkgate/schema"
)

// WatchFiring summarises how many watches the events of one type fired
// on this node, as ZooKeeper's node_{created,deleted,changed,children}_
// watch_count summaries: Count events that fired at least one watch,
// together Sum watches, at least Min and at most Max per event.
type WatchFiring struct {
	Count, Sum, Min, Max int64
}

func (f *WatchFiring) add(n int) {
	v := int64(n)
	if f.Count == 0 || v < f.Min {
		f.Min = v
	}
	if v > f.Max {
		f.Max = v
	}
	f.Count++
	f.Sum += v
}

// WatchesFired reports, for each event type, how many watches its events
// fired on this node since the engine started (every face's watches).
// Index it with EventNodeCreated, EventNodeDeleted, EventNodeDataChanged
// and EventNodeChildrenChanged.
func (e *Engine) WatchesFired() map[EventType]WatchFiring { return e.hub.firings() }

// DataWatches lists the watches of this node that ZooKeeper keeps in its
// data-watch table (getData and exists watches, persistent and
// persistent-recursive ones), by path, paths sorted: what ZooKeeper's
// wchs, wchc and wchp report (they leave child watches out).
func (e *Engine) DataWatches() (paths []string, watchers [][]Watcher) {
	byPath := e.hub.dataWatchers()
	for p := range byPath {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		watchers = append(watchers, byPath[p])
	}
	return paths, watchers
}

// dataSizePage is how many znodes ApproximateDataSize reads at a time.
const dataSizePage = 1000

// ApproximateDataSize is ZooKeeper's approximate_data_size: the length
// of every znode's path plus the length of its data, summed over the
// namespace. It reads every znode (serializable reads of this member,
// dataSizePage at a time, at one revision), so it costs about one read
// of the whole namespace: a few milliseconds for ten thousand znodes,
// about a second for a million from the embedded member's store.
func (e *Engine) ApproximateDataSize(ctx context.Context) (int64, error) {
	from, end := schema.NodeSpace()
	var (
		total int64
		rev   int64
	)
	for {
		var (
			kvs  []*mvccpb.KeyValue
			more bool
		)
		if e.cfg.LocalStore != nil {
			// A page of etcd's Range counts every key to the range's
			// end, which makes paging through the namespace quadratic
			// (a minute of CPU for 400,000 znodes); the store's own
			// Range stops at the page's end.
			r, err := localPage(ctx, e.cfg.LocalStore, from, end, rev, dataSizePage)
			if err != nil {
				return 0, fmt.Errorf("reading znodes for their size: %w", err)
			}
			kvs, rev, more = r.KVs, r.Rev, len(r.KVs) == dataSizePage
		} else {
			opts := []clientv3.OpOption{clientv3.WithRange(end), clientv3.WithLimit(dataSizePage), clientv3.WithSerializable()}
			if rev != 0 {
				opts = append(opts, clientv3.WithRev(rev))
			}
			r, err := e.kv.Get(ctx, from, opts...)
			if err != nil {
				return 0, fmt.Errorf("reading znodes for their size: %w", err)
			}
			if rev == 0 {
				rev = r.Header.Revision
			}
			kvs, more = r.Kvs, r.More
		}
		for _, kv := range kvs {
			p, ok := schema.PathOfNodeKey(string(kv.Key))
			if !ok {
				continue
			}
			n, err := schema.UnmarshalNode(kv.Value)
			if err != nil {
				return 0, fmt.Errorf("decoding znode %s: %w", p, err)
			}
			total += int64(len(p) + len(n.Data))
		}
		if !more || len(kvs) == 0 {
			return total, nil
		}
		from = string(kvs[len(kvs)-1].Key) + "\x00"
	}
}
