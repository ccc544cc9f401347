package gateway_test

import (
	"testing"

	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/gateway/gatewaytest"
	"github.com/zkgate/zkgate/schema"
)

// TestRaiseSequence: raising a parent's sequence counter makes the next
// sequential child take the raised number and moves cversion as that many
// creations would; it never lowers the counter, needs ADMIN, and fails
// on a missing znode or a negative number without writing anything.
func TestRaiseSequence(t *testing.T) {
	cl := gatewaytest.StartCluster(t, 1)
	e := gatewaytest.NewEngine(t, cl.Client(0), gateway.Config{})
	ctx := ctxT(t)
	mustCreate(t, e, anyone, "/q", "", gateway.Persistent)
	mustCreate(t, e, anyone, "/q/item-", "", gateway.PersistentSequential)

	st, _, err := e.RaiseSequence(ctx, anyone, "/q", 41)
	if err != nil {
		t.Fatal(err)
	}
	// 41 creations, one child: cversion 2*41-1.
	if st.Cversion != 81 || st.NumChildren != 1 {
		t.Fatalf("after raising to 41: %+v", st)
	}
	if p, _, _ := mustCreate(t, e, anyone, "/q/item-", "", gateway.PersistentSequential); p != "/q/item-0000000041" {
		t.Fatalf("next sequential child %s, want /q/item-0000000041", p)
	}
	// Lower: nothing changes.
	if st, _, err = e.RaiseSequence(ctx, anyone, "/q", 3); err != nil || st.Cversion != 2*42-2 {
		t.Fatalf("lowering: %+v %v", st, err)
	}
	if p, _, _ := mustCreate(t, e, anyone, "/q/item-", "", gateway.PersistentSequential); p != "/q/item-0000000042" {
		t.Fatalf("after a lower raise, next child %s", p)
	}

	_, _, err = e.RaiseSequence(ctx, anyone, "/missing", 5)
	wantCode(t, err, schema.CodeNoNode)
	_, _, err = e.RaiseSequence(ctx, anyone, "/q", -1)
	wantCode(t, err, schema.CodeBadArguments)

	alice := digestCaller(t, "alice", "pw")
	acl := []schema.ACL{{Perms: schema.PermAll &^ schema.PermAdmin, ID: schema.ID{Scheme: "world", ID: "anyone"}}, {Perms: schema.PermAll, ID: schema.ID{Scheme: "digest", ID: schema.DigestID("alice", "pw")}}}
	if _, err := e.Create(ctx, anyone, gateway.CreateOp{Path: "/guarded", ACL: acl, Mode: gateway.Persistent}); err != nil {
		t.Fatal(err)
	}
	_, _, err = e.RaiseSequence(ctx, anyone, "/guarded", 7)
	wantCode(t, err, schema.CodeNoAuth)
	if st := stat(t, e, "/guarded"); st.Cversion != 0 {
		t.Fatalf("a refused raise changed cversion: %+v", st)
	}
	if _, _, err = e.RaiseSequence(ctx, alice, "/guarded", 7); err != nil {
		t.Fatal(err)
	}
}
