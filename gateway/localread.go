package gateway

import (
	"context"
	"errors"

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/pkg/v3/traceutil"
	"go.etcd.io/etcd/server/v3/storage/mvcc"
)

// localRead serves a serializable read from the embedded member's MVCC
// store in one read transaction, as etcd's own serializable Txn does, but
// without its request path (permission checks meant for remote users,
// tracing, request and response conversion), which costs more than the
// read itself for the few keys of a znode. Keys-only ranges come from the
// in-memory index. The answer has the shape of a Txn response of the same
// operations; mvcc's ErrCompacted and ErrFutureRev become the rpctypes
// errors a client would see.
// localPage reads up to limit keys of [from, end) at rev (0: the newest)
// from store. Unlike etcd's Range, it does not count the keys past the
// page.
func localPage(ctx context.Context, store mvcc.KV, from, end string, rev int64, limit int) (*mvcc.RangeResult, error) {
	txn := store.Read(mvcc.ConcurrentReadTxMode, traceutil.TODO())
	defer txn.End()
	r, err := txn.Range(ctx, []byte(from), []byte(end), mvcc.RangeOptions{Rev: rev, Limit: int64(limit)})
	switch {
	case errors.Is(err, mvcc.ErrCompacted):
		return nil, rpctypes.ErrCompacted
	case errors.Is(err, mvcc.ErrFutureRev):
		return nil, rpctypes.ErrFutureRev
	case err != nil:
		return nil, err
	}
	if rev == 0 {
		r.Rev = txn.Rev()
	} else {
		r.Rev = rev
	}
	return r, nil
}

func localRead(ctx context.Context, store mvcc.KV, rev int64, keys []string, ranges []clientv3.Op) (*clientv3.TxnResponse, error) {
	txn := store.Read(mvcc.ConcurrentReadTxMode, traceutil.TODO())
	defer txn.End()
	resp := &clientv3.TxnResponse{
		Header:    &pb.ResponseHeader{Revision: txn.Rev()},
		Succeeded: true,
		Responses: make([]*pb.ResponseOp, 0, len(keys)+len(ranges)),
	}
	add := func(key, end []byte, keysOnly bool) error {
		r, err := txn.Range(ctx, key, end, mvcc.RangeOptions{Rev: rev, FastKeysOnly: keysOnly})
		switch {
		case errors.Is(err, mvcc.ErrCompacted):
			return rpctypes.ErrCompacted
		case errors.Is(err, mvcc.ErrFutureRev):
			return rpctypes.ErrFutureRev
		case err != nil:
			return err
		}
		resp.Responses = append(resp.Responses, &pb.ResponseOp{Response: &pb.ResponseOp_ResponseRange{
			ResponseRange: &pb.RangeResponse{Header: resp.Header, Kvs: r.KVs, Count: int64(r.Count)},
		}})
		return nil
	}
	for _, k := range keys {
		if err := add([]byte(k), nil, false); err != nil {
			return nil, err
		}
	}
	for _, r := range ranges {
		if err := add(r.KeyBytes(), r.RangeBytes(), true); err != nil {
			return nil, err
		}
	}
	return resp, nil
}
