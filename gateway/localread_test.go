package gateway_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"go.etcd.io/etcd/api/v3/mvccpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/gateway/gatewaytest"
	"github.com/zkgate/zkgate/schema"
)

// TestLocalRead_SameAsSerializableTxn: a read from the member's store
// answers exactly what etcd's serializable Txn of the same operations
// answers, at every revision (keys, missing keys, keys-only ranges, leases,
// versions), and fails the same way for a compacted or a future revision.
func TestLocalRead_SameAsSerializableTxn(t *testing.T) {
	cl := gatewaytest.StartCluster(t, 1)
	kv := cl.Client(0)
	store := cl.Members[0].Server.KV()
	ctx := context.Background()
	lease, err := kv.Grant(ctx, 60)
	if err != nil {
		t.Fatal(err)
	}
	var revs []int64
	for i := range 12 {
		var opts []clientv3.OpOption
		if i%3 == 0 {
			opts = append(opts, clientv3.WithLease(lease.ID))
		}
		r, err := kv.Put(ctx, fmt.Sprintf("p/%d", i%5), fmt.Sprintf("v%d", i), opts...)
		if err != nil {
			t.Fatal(err)
		}
		revs = append(revs, r.Header.Revision)
		if i == 7 {
			if r, err := kv.Delete(ctx, "p/2"); err != nil {
				t.Fatal(err)
			} else {
				revs = append(revs, r.Header.Revision)
			}
		}
	}
	keys := []string{"p/0", "p/2", "p/4", "missing"}
	ranges := []clientv3.Op{clientv3.OpGet("p/", clientv3.WithRange("p0"))}
	viaTxn := func(rev int64) (*clientv3.TxnResponse, error) {
		var ops []clientv3.Op
		for _, k := range keys {
			ops = append(ops, clientv3.OpGet(k, clientv3.WithRev(rev), clientv3.WithSerializable()))
		}
		ops = append(ops, clientv3.OpGet("p/", clientv3.WithRange("p0"), clientv3.WithKeysOnly(), clientv3.WithRev(rev), clientv3.WithSerializable()))
		return kv.Txn(ctx).Then(ops...).Commit()
	}
	for _, rev := range revs {
		want, err := viaTxn(rev)
		if err != nil {
			t.Fatal(err)
		}
		got, err := gateway.LocalRead(ctx, store, rev, keys, ranges)
		if err != nil {
			t.Fatalf("rev %d: %v", rev, err)
		}
		if len(got.Responses) != len(want.Responses) {
			t.Fatalf("rev %d: %d responses, want %d", rev, len(got.Responses), len(want.Responses))
		}
		for i := range want.Responses {
			g, w := got.Responses[i].GetResponseRange().Kvs, want.Responses[i].GetResponseRange().Kvs
			if !sameKVs(g, w) {
				t.Fatalf("rev %d, op %d: %v, want %v", rev, i, g, w)
			}
		}
	}

	last := revs[len(revs)-1]
	if _, err := gateway.LocalRead(ctx, store, last+10, keys, ranges); !errors.Is(err, rpctypes.ErrFutureRev) {
		t.Fatalf("future revision: %v, want ErrFutureRev", err)
	}
	if _, err := kv.Compact(ctx, revs[5]); err != nil {
		t.Fatal(err)
	}
	if _, err := gateway.LocalRead(ctx, store, revs[2], keys, ranges); !errors.Is(err, rpctypes.ErrCompacted) {
		t.Fatalf("compacted revision: %v, want ErrCompacted", err)
	}
}

func sameKVs(a, b []*mvccpb.KeyValue) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if string(x.Key) != string(y.Key) || string(x.Value) != string(y.Value) || x.CreateRevision != y.CreateRevision ||
			x.ModRevision != y.ModRevision || x.Version != y.Version || x.Lease != y.Lease {
			return false
		}
	}
	return true
}

// TestApproximateDataSize_SameFromTheStore: approximate_data_size read
// page by page from the member's store is the one read through etcd's
// client, over more znodes than one page, and counts a write as it lands.
func TestApproximateDataSize_SameFromTheStore(t *testing.T) {
	cl := gatewaytest.StartCluster(t, 1)
	viaClient := gatewaytest.NewEngine(t, cl.Client(0), gateway.Config{})
	viaStore := gatewaytest.NewEngine(t, cl.Client(0), gateway.Config{LocalStore: cl.Members[0].Server.KV()})
	ctx := ctxT(t)
	mustCreate(t, viaClient, anyone, "/size", "", gateway.Persistent)
	ops := make([]gateway.Op, 0, 500)
	for i := range 2500 {
		ops = append(ops, &gateway.CreateOp{Path: fmt.Sprintf("/size/n%04d", i), Data: []byte(fmt.Sprint(i)), ACL: schema.OpenACLUnsafe})
		if len(ops) == cap(ops) {
			if _, _, err := viaClient.Multi(ctx, anyone, ops); err != nil {
				t.Fatal(err)
			}
			ops = ops[:0]
		}
	}
	want, err := viaClient.ApproximateDataSize(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got, err := viaStore.ApproximateDataSize(ctx)
	if err != nil || got != want {
		t.Fatalf("from the store: %d %v; through the client: %d", got, err, want)
	}
	if _, err := viaStore.SetData(ctx, anyone, "/size/n0001", []byte("twelve bytes"), -1); err != nil {
		t.Fatal(err)
	}
	if got, err := viaStore.ApproximateDataSize(ctx); err != nil || got != want+11 {
		t.Fatalf("after data of 1 byte became 12: %d %v, want %d", got, err, want+11)
	}
}
