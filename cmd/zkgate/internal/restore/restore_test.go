package restore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"google.golang.org/grpc"

	"github.com/zkgate/zkgate/cmd/zkgate/internal/migrate"
	"github.com/zkgate/zkgate/cmd/zkgate/internal/restore"
	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/gateway/api"
	"github.com/zkgate/zkgate/gateway/gatewaytest"
	"github.com/zkgate/zkgate/schema"
	"github.com/zkgate/zkgate/schema/zkgatepb"
)

var anyone = gateway.Caller{}

// wider is the open ACL and one more entry: an ACL change that leaves
// every permission in place.
var wider = append([]schema.ACL{{Perms: schema.PermRead, ID: schema.ID{Scheme: "ip", ID: "127.0.0.1"}}}, schema.OpenACLUnsafe...)

// server is a real zkgate in the test process: its own etcd member, the
// namespace engine, and the namespace gRPC API restore writes through.
func server(t *testing.T) (*gateway.Engine, *grpc.ClientConn) {
	t.Helper()
	cl := gatewaytest.StartCluster(t, 1)
	e := gatewaytest.NewEngine(t, cl.Client(0), gateway.Config{})
	_, conn := gatewaytest.ServeGRPC(t, api.NewServer(e).Register)
	return e, conn
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func create(t *testing.T, e *gateway.Engine, p, data string) int64 {
	t.Helper()
	r, err := e.Create(ctxT(t), anyone, gateway.CreateOp{Path: p, Data: []byte(data), ACL: schema.OpenACLUnsafe})
	if err != nil {
		t.Fatalf("create %s: %v", p, err)
	}
	return r.Zxid
}

func data(t *testing.T, e *gateway.Engine, p string) string {
	t.Helper()
	r, err := e.GetData(ctxT(t), anyone, p, gateway.ReadOptions{})
	if err != nil {
		t.Fatalf("get %s: %v", p, err)
	}
	return string(r.Data)
}

// plan is what ctl restore shows: the differences between the namespace
// at zxid then and as it is at base.
func plan(t *testing.T, conn *grpc.ClientConn, then, base int64, root string) (*migrate.Zkgate, []migrate.Difference) {
	t.Helper()
	z, err := migrate.NewZkgate(conn, nil)
	if err != nil {
		t.Fatal(err)
	}
	var diffs []migrate.Difference
	if _, err := migrate.Diff(ctxT(t), z.At(then), z.At(base), root, 4, false, func(d migrate.Difference) { diffs = append(diffs, d) }); err != nil {
		t.Fatal(err)
	}
	return z.At(then), diffs
}

// TestApply_PutsTheSubtreeBack: with nothing written after the plan,
// Apply makes the subtree what it was: data and ACL put back, deleted
// znodes created again with what was below them, znodes made since
// deleted.
func TestApply_PutsTheSubtreeBack(t *testing.T) {
	e, conn := server(t)
	ctx := ctxT(t)
	create(t, e, "/r", "a")
	create(t, e, "/r/gone", "g")
	then := create(t, e, "/r/gone/kid", "k")
	if _, err := e.SetData(ctx, anyone, "/r", []byte("b"), -1); err != nil {
		t.Fatal(err)
	}
	if _, err := e.SetACL(ctx, anyone, "/r", wider, -1); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Delete(ctx, anyone, "/r/gone/kid", -1); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Delete(ctx, anyone, "/r/gone", -1); err != nil {
		t.Fatal(err)
	}
	create(t, e, "/r/new", "")
	base := create(t, e, "/r/new/deep", "")
	past, diffs := plan(t, conn, then, base, "/r")
	res, err := restore.Apply(ctx, conn, &zkgatepb.RequestContext{}, past, base, "/r", true, diffs)
	if err != nil {
		t.Fatal(err)
	}
	if res.Created != 2 || res.Updated != 2 || res.Deleted != 2 {
		t.Errorf("created %d, updated %d, deleted %d; want 2, 2, 2", res.Created, res.Updated, res.Deleted)
	}
	if got := data(t, e, "/r") + data(t, e, "/r/gone") + data(t, e, "/r/gone/kid"); got != "agk" {
		t.Errorf("restored data %q", got)
	}
	if a, err := e.GetACL(ctx, anyone, "/r", gateway.ReadOptions{}); err != nil || len(a.ACL) != 1 || a.ACL[0] != schema.OpenACLUnsafe[0] {
		t.Errorf("restored ACL %v %v", a.ACL, err)
	}
	if ex, err := e.Exists(ctx, anyone, "/r/new", gateway.ReadOptions{}); err != nil || ex.Found {
		t.Errorf("/r/new after the restore: %+v %v", ex, err)
	}
}

// TestApply_NeverOverwritesALaterWrite: a write made after the plan's
// zxid (a data change, an ACL change, the creation of a znode the plan
// creates, a child under a znode the plan deletes) stops Apply at that
// znode with a ChangedError, and the write stays as it was made.
func TestApply_NeverOverwritesALaterWrite(t *testing.T) {
	for _, c := range []struct {
		name  string
		later func(t *testing.T, e *gateway.Engine)
		path  string
		check func(t *testing.T, e *gateway.Engine)
	}{
		{"data", func(t *testing.T, e *gateway.Engine) {
			if _, err := e.SetData(ctxT(t), anyone, "/r", []byte("later"), -1); err != nil {
				t.Fatal(err)
			}
		}, "/r", func(t *testing.T, e *gateway.Engine) {
			if d := data(t, e, "/r"); d != "later" {
				t.Errorf("/r is %q, want the later write", d)
			}
		}},
		{"acl", func(t *testing.T, e *gateway.Engine) {
			if _, err := e.SetACL(ctxT(t), anyone, "/r/acl", schema.OpenACLUnsafe, -1); err != nil {
				t.Fatal(err)
			}
		}, "/r/acl", func(t *testing.T, e *gateway.Engine) {
			if a, _ := e.GetACL(ctxT(t), anyone, "/r/acl", gateway.ReadOptions{}); a.Stat.Aversion != 2 {
				t.Errorf("/r/acl's aversion %d, want 2 (the later write's)", a.Stat.Aversion)
			}
		}},
		{"created", func(t *testing.T, e *gateway.Engine) { create(t, e, "/r/gone", "later") }, "/r/gone", func(t *testing.T, e *gateway.Engine) {
			if d := data(t, e, "/r/gone"); d != "later" {
				t.Errorf("/r/gone is %q, want the later write", d)
			}
		}},
		{"child", func(t *testing.T, e *gateway.Engine) { create(t, e, "/r/new/later", "") }, "/r/new", func(t *testing.T, e *gateway.Engine) {
			if d := data(t, e, "/r/new/later"); d != "" {
				t.Errorf("/r/new/later is %q", d)
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			e, conn := server(t)
			ctx := ctxT(t)
			create(t, e, "/r", "a")
			create(t, e, "/r/acl", "")
			then := create(t, e, "/r/gone", "g")
			// Only the change the case is about differs from then,
			// so that the others cannot stop Apply first; the plan is
			// made at that change's zxid.
			var base int64
			switch c.name {
			case "data":
				r, err := e.SetData(ctx, anyone, "/r", []byte("b"), -1)
				if err != nil {
					t.Fatal(err)
				}
				base = r.Zxid
			case "acl":
				r, err := e.SetACL(ctx, anyone, "/r/acl", wider, -1)
				if err != nil {
					t.Fatal(err)
				}
				base = r.Zxid
			case "created":
				z, err := e.Delete(ctx, anyone, "/r/gone", -1)
				if err != nil {
					t.Fatal(err)
				}
				base = z
			case "child":
				base = create(t, e, "/r/new", "")
			}
			past, diffs := plan(t, conn, then, base, "/r")
			if len(diffs) != 1 {
				t.Fatalf("plan %v, want one difference", diffs)
			}
			c.later(t, e)
			_, err := restore.Apply(ctx, conn, &zkgatepb.RequestContext{}, past, base, "/r", true, diffs)
			var ce *restore.ChangedError
			if !restore.IsChanged(err) {
				t.Fatalf("Apply after a later write: %v, want a ChangedError", err)
			}
			if errors.As(err, &ce); ce.Path != c.path || ce.Base != base || ce.Done != 0 {
				t.Errorf("ChangedError %+v, want %s at 0x%x after 0 writes", ce, c.path, base)
			}
			c.check(t, e)
		})
	}
}
