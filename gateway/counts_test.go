package gateway_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/gateway/gatewaytest"
	"github.com/zkgate/zkgate/schema"
)

// TestCounts_KeptFromEvents: the znode, ephemeral and session counts the
// engine reports without reading a key are, after every kind of change
// (through this node, another gateway node, and etcd itself removing an
// expired session's keys), what counting etcd's keys gives at the same
// revision; an engine started over the data counts the same.
func TestCounts_KeptFromEvents(t *testing.T) {
	cl := gatewaytest.StartCluster(t, 1)
	kv := cl.Client(0)
	e := gatewaytest.NewEngine(t, kv, gateway.Config{})
	other := gatewaytest.NewEngine(t, kv, gateway.Config{MinSessionTimeout: time.Second})
	ctx := ctxT(t)
	check := func(step string, engines ...*gateway.Engine) {
		t.Helper()
		rev, err := e.ClusterZxid(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := rawCounts(t, ctx, kv, rev)
		for i, en := range append([]*gateway.Engine{e}, engines...) {
			if err := en.WaitZxid(ctx, rev); err != nil {
				t.Fatal(err)
			}
			z, eph, s, err := en.Counts(ctx)
			if got := [3]int64{z, eph, s}; err != nil || got != want {
				t.Fatalf("%s: engine %d counts %v %v, etcd's keys %v", step, i, got, err, want)
			}
		}
	}
	check("at start")
	mustCreate(t, e, anyone, "/c", "", gateway.Persistent)
	for i := range 5 {
		mustCreate(t, e, anyone, fmt.Sprintf("/c/p%d", i), "", gateway.Persistent)
	}
	check("persistent creates")
	s, err := other.CreateSession(ctx, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	check("a session opened on another node")
	for range 3 {
		mustCreate(t, other, s.Caller(), "/c/e-", "", gateway.EphemeralSequential)
	}
	check("ephemerals through another node")
	// One multi deletes a znode and creates it again: one put.
	if _, _, err := e.Multi(ctx, anyone, []gateway.Op{&gateway.DeleteOp{Path: "/c/p0", Version: -1}, &gateway.CreateOp{Path: "/c/p0", ACL: schema.OpenACLUnsafe}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Delete(ctx, anyone, "/c/p1", -1); err != nil {
		t.Fatal(err)
	}
	check("a delete and a multi's delete and create")
	s2, err := e.CreateSession(ctx, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	mustCreate(t, e, s2.Caller(), "/c/mine", "", gateway.Ephemeral)
	if _, err := e.CloseSession(ctx, s2.ID); err != nil {
		t.Fatal(err)
	}
	check("a session closed with its ephemeral")
	// other stops renewing s: etcd expires its leases and deletes its
	// record, its ephemerals and their index by itself.
	waitFor(t, 30*time.Second, func() bool {
		rev, err := e.ClusterZxid(ctx)
		return err == nil && rawCounts(t, ctx, kv, rev)[2] == 0
	})
	check("a session expired")
	late := gatewaytest.NewEngine(t, kv, gateway.Config{})
	check("an engine started over the data", late)
}

// rawCounts counts etcd's node, ephemeral index and session keys at rev.
func rawCounts(t *testing.T, ctx context.Context, kv *clientv3.Client, rev int64) [3]int64 {
	t.Helper()
	start, end := schema.NodeSpace()
	var out [3]int64
	for i, r := range [][2]string{{start, end}, {schema.EphemeralSpace(), schema.PrefixEnd(schema.EphemeralSpace())}, {schema.SessionSpace(), schema.PrefixEnd(schema.SessionSpace())}} {
		resp, err := kv.Get(ctx, r[0], clientv3.WithRange(r[1]), clientv3.WithCountOnly(), clientv3.WithRev(rev))
		if err != nil {
			t.Fatal(err)
		}
		out[i] = resp.Count
	}
	return out
}
