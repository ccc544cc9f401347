package e2e

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zkgate/zkgate/e2e/harness"
)

// TestZooKeeper_SequenceCounterRaisedByMulti measures on a real ZooKeeper
// 3.8 what zkgate migrate relies on to raise a parent's sequence counter
// in ZooKeeper, which has no request for it (recorded in
// gateway/testdata/zookeeper-3.8-behaviour.md, "Raising a sequence
// counter"): the next sequential suffix is the number of children ever
// created, (cversion + numChildren) / 2; a create and a delete of one
// scratch child raise it by 1 and cversion by 2; a multi of 1,000 such
// pairs raises it by 1,000 in one transaction (one zxid), and fires the
// parent's child watch; cversion minus
// numChildren stays even through creations, deletions, sequential
// creations, multis and an ephemeral's removal at its session's close. A
// TTL node created under a parent that does not exist is NoNode when TTL
// nodes are enabled, and Unimplemented (-6) otherwise, before the parent
// is looked at: a probe that writes nothing.
func TestZooKeeper_SequenceCounterRaisedByMulti(t *testing.T) {
	t.Parallel()
	ref := harness.StartZooKeeper(t)
	c, _ := zkConnect(t, ref.Addr)
	open := zk.WorldACL(zk.PermAll)
	stat := func() *zk.Stat {
		t.Helper()
		_, st, err := c.Get("/m")
		if err != nil {
			t.Fatal(err)
		}
		if (st.Cversion-st.NumChildren)%2 != 0 {
			t.Fatalf("/m: cversion %d minus numChildren %d is odd", st.Cversion, st.NumChildren)
		}
		return st
	}
	next := func() int32 { st := stat(); return (st.Cversion + st.NumChildren) / 2 }
	seq := func() string {
		t.Helper()
		p, err := c.Create("/m/s-", nil, zk.FlagSequence, open)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	if _, err := c.Create("/m", nil, 0, open); err != nil {
		t.Fatal(err)
	}
	if p := seq(); p != "/m/s-0000000000" || next() != 1 {
		t.Fatalf("first sequential child %s, next %d", p, next())
	}
	if _, err := c.Create("/m/x", nil, 0, open); err != nil {
		t.Fatal(err)
	}
	before := stat()
	if err := c.Delete("/m/x", -1); err != nil {
		t.Fatal(err)
	}
	if st := stat(); st.Cversion != before.Cversion+1 {
		t.Fatalf("a deletion moved cversion from %d to %d", before.Cversion, st.Cversion)
	}
	if p := seq(); p != "/m/s-0000000002" {
		t.Fatalf("after a create and a delete: %s, want /m/s-0000000002", p)
	}

	// A multi of 1,000 creates and deletes of one scratch child, which
	// fires the parent's child watch.
	_, _, watch, err := c.ChildrenW("/m")
	if err != nil {
		t.Fatal(err)
	}
	before = stat()
	ops := make([]any, 0, 2000)
	for range 1000 {
		ops = append(ops, &zk.CreateRequest{Path: "/m/scratch", Acl: open}, &zk.DeleteRequest{Path: "/m/scratch", Version: -1})
	}
	if _, err := c.Multi(ops...); err != nil {
		t.Fatal(err)
	}
	if ev := <-watch; ev.Type != zk.EventNodeChildrenChanged || ev.Path != "/m" {
		t.Fatalf("the multi fired %v", ev)
	}
	after := stat()
	if after.Cversion != before.Cversion+2000 || after.NumChildren != before.NumChildren {
		t.Fatalf("the multi moved cversion %d -> %d, numChildren %d -> %d", before.Cversion, after.Cversion, before.NumChildren, after.NumChildren)
	}
	// One transaction: the next write's zxid follows the multi's.
	z, err := c.Create("/m/after", nil, 0, open)
	if err != nil {
		t.Fatal(err)
	}
	_, zst, err := c.Get(z)
	if err != nil || zst.Czxid != after.Pzxid+1 {
		t.Fatalf("the multi's zxid %d, the next create's %d (%v): not one transaction", after.Pzxid, zst.Czxid, err)
	}
	if p := seq(); p != "/m/s-0000001004" {
		t.Fatalf("after the multi: %s, want /m/s-0000001004", p)
	}

	// An ephemeral removed at its session's close moves cversion by 1.
	e, _ := zkConnect(t, ref.Addr)
	if _, err := e.Create("/m/eph-", nil, zk.FlagEphemeral|zk.FlagSequence, open); err != nil {
		t.Fatal(err)
	}
	before = stat()
	e.Close()
	for {
		kids, _, ev, err := c.ChildrenW("/m")
		if err != nil {
			t.Fatal(err)
		}
		if len(kids) == int(before.NumChildren)-1 {
			break
		}
		select {
		case <-ev:
		case <-time.After(30 * time.Second):
			t.Fatal("the ephemeral outlived its session")
		}
	}
	if st := stat(); st.Cversion != before.Cversion+1 || next() != 1006 {
		t.Fatalf("after the ephemeral's removal: cversion %d -> %d, next %d", before.Cversion, st.Cversion, next())
	}

	// The TTL probe.
	_, err = c.CreateTTL("/missing/x", nil, zk.FlagTTL, open, time.Hour)
	if !errors.Is(err, zk.ErrNoNode) {
		t.Fatalf("a TTL node under a missing parent, TTL nodes enabled: %v, want NoNode", err)
	}
	plain := harness.StartZooKeeper(t, "-Dzookeeper.extendedTypesEnabled=false")
	p, _ := zkConnect(t, plain.Addr)
	_, err = p.CreateTTL("/missing/x", nil, zk.FlagTTL, open, time.Hour)
	if err == nil || !strings.Contains(err.Error(), "-6") {
		t.Fatalf("a TTL node under a missing parent, TTL nodes disabled: %v, want Unimplemented (-6)", err)
	}
	if _, err := p.CreateTTL("/ttl", nil, zk.FlagTTL, open, time.Hour); err == nil {
		t.Fatal("a TTL node was created with TTL nodes disabled")
	}
}
