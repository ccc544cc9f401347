package gateway

import (
	"context"
	"fmt"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/pkg/v3/traceutil"
	"go.etcd.io/etcd/server/v3/storage/mvcc"

	"github.com/zkgate/zkgate/schema"
)

// OldestZxid is the oldest zxid a read at a past zxid can reach: etcd
// keeps every revision since its last compaction.
func (e *Engine) OldestZxid(ctx context.Context) (int64, error) {
	if e.cfg.LocalStore != nil {
		txn := e.cfg.LocalStore.Read(mvcc.ConcurrentReadTxMode, traceutil.TODO())
		first := txn.FirstRev()
		txn.End()
		return max(first, 1), nil
	}
	// Against an external etcd: a watch from revision 1 is told the
	// compaction revision, when there was one.
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	resp, ok := <-e.cfg.Client.Watch(clientv3.WithRequireLeader(wctx), schema.VersionKey(), clientv3.WithRev(1))
	switch {
	case !ok:
		return 0, fmt.Errorf("reading the oldest zxid: %w", wctx.Err())
	case resp.CompactRevision > 0:
		return resp.CompactRevision, nil
	case resp.Err() != nil:
		return 0, resp.Err()
	}
	return 1, nil
}

// retentionNote is Config.History for an error message.
func (e *Engine) retentionNote() string {
	if e.cfg.History == "" {
		return ""
	}
	return " (" + e.cfg.History + ")"
}
