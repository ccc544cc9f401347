package gateway

import (
	"context"
	"errors"
	"fmt"

	"go.etcd.io/etcd/api/v3/mvccpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/pkg/v3/traceutil"
	"go.etcd.io/etcd/server/v3/storage/mvcc"
	"go.uber.org/zap"

	"github.com/zkgate/zkgate/schema"
)

// Quotas, as ZooKeeper 3.8 keeps them (measured, see
// testdata/zookeeper-3.8-behaviour.md, "Quotas kept"): a quota on /app is
// the znodes /zookeeper/quota/app/zookeeper_limits and
// /zookeeper/quota/app/zookeeper_stats. ZooKeeper rewrites the stats
// znode's data in memory as znodes under /app are created, deleted and
// set, without a new zxid, version or watch event. zkgate writes nothing:
// it computes the stats when they are read, counting /app's subtree (/app
// included) and its data bytes at the revision the read is served at, so
// the figures are exact at that zxid and cost nothing on writes. The stats
// znode's Stat is its own (czxid, mzxid, version as written), with
// dataLength that of the computed text, as ZooKeeper's shows.

// quotaPageSize bounds the records one etcd read of a subtree returns.
const quotaPageSize = 1000

// quotaUsage counts the znodes of root's subtree, root included, and,
// when bytes is set, the bytes of their data (else Bytes is -1), at
// revision rev (0: the newest the member has). serial reads the local
// member (straight from its store in zkgate serve, Config.LocalStore);
// otherwise etcd confirms with a quorum. Counting alone reads only etcd's
// index, one count per depth; the bytes need every record of the
// subtree, read a page at a time. Every read sees one revision.
func (e *Engine) quotaUsage(ctx context.Context, root string, rev int64, serial, bytes bool) (schema.StatsTrack, error) {
	u := schema.StatsTrack{CountHardLimit: -1, ByteHardLimit: -1}
	if !bytes {
		u.Bytes = -1
	}
	var read rangeFunc
	if serial && e.cfg.LocalStore != nil {
		txn := e.cfg.LocalStore.Read(mvcc.ConcurrentReadTxMode, traceutil.TODO())
		defer txn.End()
		if rev == 0 {
			rev = txn.Rev()
		}
		read = func(from, end string) ([]*mvccpb.KeyValue, int64, error) {
			ro := mvcc.RangeOptions{Rev: rev, Limit: quotaPageSize}
			if !bytes {
				ro = mvcc.RangeOptions{Rev: rev, CountOnly: true}
			}
			var endKey []byte
			if end != "" {
				endKey = []byte(end)
			}
			r, err := txn.Range(ctx, []byte(from), endKey, ro)
			switch {
			case errors.Is(err, mvcc.ErrCompacted):
				return nil, 0, rpctypes.ErrCompacted
			case errors.Is(err, mvcc.ErrFutureRev):
				return nil, 0, rpctypes.ErrFutureRev
			case err != nil:
				return nil, 0, err
			}
			return r.KVs, int64(r.Count), nil
		}
	} else {
		read = func(from, end string) ([]*mvccpb.KeyValue, int64, error) {
			opts := []clientv3.OpOption{clientv3.WithLimit(quotaPageSize)}
			if !bytes {
				opts = []clientv3.OpOption{clientv3.WithCountOnly()}
			}
			if end != "" {
				opts = append(opts, clientv3.WithRange(end))
			}
			if rev > 0 {
				opts = append(opts, clientv3.WithRev(rev))
			}
			if serial {
				opts = append(opts, clientv3.WithSerializable())
			}
			r, err := e.kv.Get(ctx, from, opts...)
			if serial && errors.Is(err, rpctypes.ErrFutureRev) {
				// This member is behind the revision asked for: read
				// through the leader.
				serial = false
				r, err = e.kv.Get(ctx, from, opts[:len(opts)-1]...)
			}
			if err != nil {
				return nil, 0, err
			}
			if rev == 0 {
				rev = r.Header.Revision
			}
			return r.Kvs, r.Count, nil
		}
	}
	count := func(from, end string) (bool, error) {
		found := false
		for {
			kvs, n, err := read(from, end)
			if err != nil {
				return false, fmt.Errorf("counting the quota of %s: %w", root, err)
			}
			if !bytes {
				u.Count += n
				return n > 0, nil
			}
			for _, kv := range kvs {
				rec, err := schema.UnmarshalNode(kv.Value)
				if err != nil {
					return false, fmt.Errorf("counting the quota of %s: %w", root, err)
				}
				u.Count++
				u.Bytes += int64(len(rec.Data))
				found = true
			}
			if len(kvs) < quotaPageSize || end == "" {
				return found, nil
			}
			from = string(kvs[len(kvs)-1].Key) + "\x00"
		}
	}
	found, err := count(schema.NodeKey(root), "")
	if err != nil || !found {
		return u, err
	}
	// Level by level: a level with no znode ends the subtree.
	for depth := schema.Depth(root) + 1; ; depth++ {
		prefix := schema.NodeKeyPrefixAtDepth(depth, root+"/")
		found, err := count(prefix, schema.PrefixEnd(prefix))
		if err != nil || !found {
			return u, err
		}
	}
}

// rangeFunc reads the keys in [from, end) (from alone when end is ""):
// a page of records, or with counting alone their number.
type rangeFunc func(from, end string) ([]*mvccpb.KeyValue, int64, error)

// withQuotaStats replaces, when path is a quota's stats znode, n's data
// by the stats of its quota root counted at rev, and n's dataLength by
// their length.
func (e *Engine) withQuotaStats(ctx context.Context, path string, rev int64, n *readNode) error {
	root, ok := schema.QuotaStatsRoot(path)
	if !ok || n == nil {
		return nil
	}
	u, err := e.quotaUsage(ctx, root, rev, true, true)
	if errors.Is(err, rpctypes.ErrCompacted) {
		// etcd compacted past the hub (it fell far behind): count the
		// newest state, as other reads then do.
		u, err = e.quotaUsage(ctx, root, 0, false, true)
	}
	if err != nil {
		return err
	}
	n.rec.Data = []byte(u.StatsString())
	n.stat.DataLength = int32(len(n.rec.Data))
	return nil
}

// quotaKeys are the keys a write of path reads when quotas are enforced:
// the limits znodes of every quota root that could govern it.
func quotaKeys(path string) []string {
	roots := schema.QuotaRootsAbove(path)
	keys := make([]string, len(roots))
	for i, r := range roots {
		keys[i] = schema.NodeKey(schema.QuotaLimitsPath(r))
	}
	return keys
}

// checkQuota is ZooKeeper's checkQuota, made when the engine enforces
// quotas (Config.EnforceQuota) for a create (countDiff 1) or a setData
// (countDiff 0) of path that changes the data bytes by bytesDiff. The
// quota governing path is the deepest quota root at or above it; its
// usage is counted as committed before the batch, as ZooKeeper checks
// against its committed tree (so the creates of one multi are each
// checked against the state before the multi, as ZooKeeper checks them).
// A write that takes a limit past it logs ZooKeeper's "Quota exceeded"
// line; past a hard limit it fails with QuotaExceeded.
func (e *Engine) checkQuota(v *view, path string, bytesDiff, countDiff int64) error {
	if !e.cfg.EnforceQuota {
		return nil
	}
	var root string
	var limits schema.StatsTrack
	for _, r := range schema.QuotaRootsAbove(path) {
		z, ok := v.node(schema.QuotaLimitsPath(r))
		if !ok {
			continue
		}
		l, err := schema.ParseStatsTrack(string(z.rec.Data))
		if err != nil {
			e.lg.Warn("unreadable quota limits: quota not checked", zap.String("quota", r), zap.Error(err))
			return nil
		}
		root, limits = r, l
		break
	}
	if root == "" {
		return nil
	}
	checkCount := countDiff != 0 && (limits.Count > -1 || limits.CountHardLimit > -1)
	checkBytes := bytesDiff != 0 && (limits.Bytes > -1 || limits.ByteHardLimit > -1)
	if !checkCount && !checkBytes {
		return nil
	}
	used, err := v.base.usage(e, v.ctx, root, checkBytes)
	if err != nil {
		v.fail(err)
		return err
	}
	exceeded := func(what string, now, soft, hard int64) error {
		limit, kind := soft, "soft"
		if hard > -1 {
			limit, kind = hard, "hard"
		}
		if now <= limit {
			return nil
		}
		e.lg.Warn(fmt.Sprintf("Quota exceeded: %s [current %s=%d, %s%sLimit=%d]", root, what, now, kind, limitName(what), limit),
			zap.String("path", path))
		if kind == "hard" {
			return schema.NewError(schema.CodeQuotaExceeded, path)
		}
		return nil
	}
	if checkCount {
		if err := exceeded("count", used.Count+countDiff, limits.Count, limits.CountHardLimit); err != nil {
			return err
		}
	}
	if checkBytes {
		return exceeded("bytes", used.Bytes+bytesDiff, limits.Bytes, limits.ByteHardLimit)
	}
	return nil
}

// limitName is the word ZooKeeper's log line uses for a limit of what.
func limitName(what string) string {
	if what == "count" {
		return "Count"
	}
	return "Byte"
}

// usage is the committed usage of a quota root, counted once per batch
// attempt; its bytes only when bytes is set (or they were counted).
func (b *base) usage(e *Engine, ctx context.Context, root string, bytes bool) (schema.StatsTrack, error) {
	if u, ok := b.quotas[root]; ok && (u.Bytes >= 0 || !bytes) {
		return u, nil
	}
	// The count is compared by nothing in the batch's transaction: read
	// it serializably only from the embedded member, which has applied
	// every write this node committed; through a client, a member behind
	// would miss them.
	u, err := e.quotaUsage(ctx, root, 0, b.serial && e.cfg.LocalStore != nil, bytes)
	if err != nil {
		return u, err
	}
	if b.quotas == nil {
		b.quotas = make(map[string]schema.StatsTrack)
	}
	b.quotas[root] = u
	return u, nil
}

// withQuotaKeys adds to keys, when quotas are enforced, the keys
// checkQuota reads for a write of path.
func (e *Engine) withQuotaKeys(keys []string, path string) []string {
	if !e.cfg.EnforceQuota || len(keys) == 0 {
		return keys
	}
	return append(keys, quotaKeys(path)...)
}
