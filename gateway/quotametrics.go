package gateway

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/zkgate/zkgate/schema"
)

// QuotaFigures are what ZooKeeper 3.8's quota gauges report of one
// namespace (the first element of quota roots' paths: "app" for quotas
// on /app and /app/x), summed over its quota roots as ZooKeeper sums
// them: CountLimit and BytesLimit are each root's hard limit, or its
// soft limit where no hard one is set (-1 for neither, as written);
// Count and Bytes its usage now. HasLimits and HasUsage say whether a
// root of the namespace has a limits znode, and a stats znode: ZooKeeper
// reports limits from the first and usage from the second.
type QuotaFigures struct {
	CountLimit, BytesLimit int64
	Count, Bytes           int64
	HasLimits, HasUsage    bool
}

// QuotaFigures reports, by namespace, the quotas under /zookeeper/quota
// as ZooKeeper's quota_{count,bytes}_{limit,usage}_per_namespace gauges
// do. It reads the quota subtree (serializable reads of this member) and
// counts each quota root's subtree with its data (quotaUsage), so it costs
// a read of every quota root's subtree.
func (e *Engine) QuotaFigures(ctx context.Context) (map[string]QuotaFigures, error) {
	out := map[string]QuotaFigures{}
	for depth := schema.Depth(schema.QuotaRoot) + 1; ; depth++ {
		prefix := schema.NodeKeyPrefixAtDepth(depth, schema.QuotaRoot+"/")
		r, err := e.kv.Get(ctx, prefix, clientv3.WithRange(schema.PrefixEnd(prefix)), clientv3.WithSerializable())
		if err != nil {
			return nil, fmt.Errorf("reading the quotas: %w", err)
		}
		if len(r.Kvs) == 0 {
			return out, nil
		}
		for _, kv := range r.Kvs {
			p, ok := schema.PathOfNodeKey(string(kv.Key))
			if !ok {
				continue
			}
			rest := strings.TrimPrefix(p, schema.QuotaRoot)
			root, isLimits := strings.CutSuffix(rest, "/"+schema.QuotaLimitsNode)
			root, isStats := strings.CutSuffix(root, "/"+schema.QuotaStatsNode)
			ns := topNamespace(root)
			if ns == "" || !isLimits && !isStats {
				continue
			}
			f := out[ns]
			if isLimits {
				n, err := schema.UnmarshalNode(kv.Value)
				if err != nil {
					return nil, fmt.Errorf("decoding %s: %w", p, err)
				}
				l, err := schema.ParseStatsTrack(string(n.Data))
				if err != nil {
					continue // ZooKeeper's StatsTrack would not read it either
				}
				f.CountLimit += hardOrSoft(l.CountHardLimit, l.Count)
				f.BytesLimit += hardOrSoft(l.ByteHardLimit, l.Bytes)
				f.HasLimits = true
			} else {
				u, err := e.quotaUsage(ctx, root, 0, true, true)
				if err != nil {
					return nil, err
				}
				f.Count += u.Count
				f.Bytes += u.Bytes
				f.HasUsage = true
			}
			out[ns] = f
		}
	}
}

// hardOrSoft is the limit ZooKeeper's quota gauges report: the hard one
// if set.
func hardOrSoft(hard, soft int64) int64 {
	if hard > -1 {
		return hard
	}
	return soft
}

// topNamespace is the first element of path ("app" for "/app/x"), or ""
// for none.
func topNamespace(path string) string {
	rest, ok := strings.CutPrefix(path, "/")
	if !ok || rest == "" {
		return ""
	}
	ns, _, _ := strings.Cut(rest, "/")
	return ns
}

// quotaExceeded counts, by namespace, the writes refused QuotaExceeded
// (ZooKeeper's quota_exceeded_error_per_namespace).
type quotaExceeded struct {
	mu sync.Mutex
	n  map[string]int64
}

// count counts the answer err of a request if it is QuotaExceeded, by
// the namespace of its path (a quota root's namespace is that of every
// path under it).
func (q *quotaExceeded) count(err error) {
	var se *schema.Error
	if !errors.As(err, &se) || se.Code != schema.CodeQuotaExceeded {
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.n == nil {
		q.n = map[string]int64{}
	}
	q.n[topNamespace(se.Path)]++
}

// QuotaExceeded reports, by namespace, how many writes this node refused
// with QuotaExceeded (a hard limit, with EnforceQuota).
func (e *Engine) QuotaExceeded() map[string]int64 {
	e.quotaExceeded.mu.Lock()
	defer e.quotaExceeded.mu.Unlock()
	out := make(map[string]int64, len(e.quotaExceeded.n))
	for k, v := range e.quotaExceeded.n {
		out[k] = v
	}
	return out
}
