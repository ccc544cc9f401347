package gateway_test

import (
	"testing"
	"time"

	"github.com/zkgate/zkgate/gateway"
)

// TestSession_CloseAfterEphemeralsDeleted: ephemerals deleted before their
// session ends (by their owner, or another session) are not counted again
// when it closes: the parent's Stat stays right (found by the
// differential suite against ZooKeeper).
func TestSession_CloseAfterEphemeralsDeleted(t *testing.T) {
	e := newEngine(t, gateway.Config{})
	ctx := ctxT(t)
	c, _ := e.CreateSession(ctx, 10*time.Second)
	o, _ := e.CreateSession(ctx, 10*time.Second)
	mustCreate(t, e, o.Caller(), "/eA", "", gateway.Persistent)
	mustCreate(t, e, c.Caller(), "/eA/c1", "", gateway.Ephemeral)
	mustCreate(t, e, c.Caller(), "/eA/c2", "", gateway.Ephemeral)
	mustCreate(t, e, o.Caller(), "/eA/other", "", gateway.Persistent)
	mustCreate(t, e, c.Caller(), "/eA/c3", "", gateway.Ephemeral)
	if _, err := e.Delete(ctx, o.Caller(), "/eA/c1", -1); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Delete(ctx, c.Caller(), "/eA/c3", -1); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.SetData(ctx, o.Caller(), "/eA/c2", []byte("x"), -1); err != nil {
		t.Fatal(err)
	}

	rev, err := e.CloseSession(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	st, _, _, _ := e.Exists(ctx, anyone, "/eA", rev)
	kids, _, _, _ := e.GetChildren(ctx, anyone, "/eA", rev)
	// Created: c1 c2 c3 other (4); deleted: c1 c3 c2 (3).
	if st.NumChildren != 1 || len(kids) != 1 || st.Cversion != 7 {
		t.Fatalf("parent %+v, children %v", st, kids)
	}
}
