package gateway_test

import (
	"testing"

	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/schema"
)

func digestCaller(t *testing.T, user, pw string) gateway.Caller {
	id, err := schema.AuthFromCredentials("digest", []byte(user+":"+pw), "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	return gateway.Caller{Auth: []schema.AuthID{id}}
}

func TestACL_Denials(t *testing.T) {
	super := schema.DigestID("super", "secret")
	e := newEngine(t, gateway.Config{SuperDigest: super})
	ctx := ctxT(t)
	alice := digestCaller(t, "alice", "pw")
	bob := digestCaller(t, "bob", "pw")

	// CREATOR_ALL_ACL becomes alice's digest.
	_, err := e.Create(ctx, alice, gateway.CreateOp{Path: "/secret", Data: []byte("s"), ACL: schema.CreatorAllACL})
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.GetACL(ctx, alice, "/secret", gateway.ReadOptions{})
	acl := res.ACL
	if err != nil || len(acl) != 1 || acl[0].ID != (schema.ID{Scheme: "digest", ID: schema.DigestID("alice", "pw")}) {
		t.Fatalf("getACL %v %v", acl, err)
	}
	// Without auth, CREATOR_ALL_ACL is invalid.
	_, err = e.Create(ctx, anyone, gateway.CreateOp{Path: "/x", ACL: schema.CreatorAllACL})
	wantCode(t, err, schema.CodeInvalidACL)

	// bob may do nothing but see that it exists.
	_, err = e.GetData(ctx, bob, "/secret", gateway.ReadOptions{})
	wantCode(t, err, schema.CodeNoAuth)
	_, err = e.GetChildren(ctx, bob, "/secret", gateway.ReadOptions{})
	wantCode(t, err, schema.CodeNoAuth)
	_, err = e.SetData(ctx, bob, "/secret", nil, -1)
	wantCode(t, err, schema.CodeNoAuth)
	_, err = e.SetACL(ctx, bob, "/secret", schema.OpenACLUnsafe, 7) // ADMIN before version
	wantCode(t, err, schema.CodeNoAuth)
	_, err = e.Create(ctx, bob, gateway.CreateOp{Path: "/secret/child", ACL: schema.OpenACLUnsafe})
	wantCode(t, err, schema.CodeNoAuth)
	_, err = e.GetACL(ctx, bob, "/secret", gateway.ReadOptions{})
	wantCode(t, err, schema.CodeNoAuth)
	_, _, err = e.Multi(ctx, bob, []gateway.Op{&gateway.CheckOp{Path: "/secret", Version: -1}})
	wantCode(t, err, schema.CodeNoAuth)
	if res, err := e.Exists(ctx, bob, "/secret", gateway.ReadOptions{}); err != nil || !res.Found {
		t.Fatalf("exists needs no permission: %v %v", res.Found, err)
	}
	// Delete needs DELETE on the parent only: "/" is open.
	mustCreate(t, e, anyone, "/open", "", gateway.Persistent)
	if _, err := e.Create(ctx, alice, gateway.CreateOp{Path: "/open/locked", ACL: schema.CreatorAllACL}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Delete(ctx, bob, "/open/locked", -1); err != nil {
		t.Fatalf("delete with DELETE on the parent: %v", err)
	}

	// A READ-only reader sees digests masked; alice (ADMIN) sees them.
	readers := []schema.ACL{{Perms: schema.PermAll, ID: schema.ID{Scheme: "digest", ID: schema.DigestID("alice", "pw")}}, {Perms: schema.PermRead, ID: schema.ID{Scheme: "world", ID: "anyone"}}}
	if _, err := e.SetACL(ctx, alice, "/secret", readers, 0); err != nil {
		t.Fatal(err)
	}
	ar, err := e.GetACL(ctx, bob, "/secret", gateway.ReadOptions{})
	acl, st := ar.ACL, ar.Stat
	if err != nil || acl[0].ID.ID != "alice:x" || st.Aversion != 1 {
		t.Fatalf("masked getACL %v %+v %v", acl, st, err)
	}
	if res, err := e.GetData(ctx, bob, "/secret", gateway.ReadOptions{}); err != nil || string(res.Data) != "s" {
		t.Fatalf("read with world READ: %q %v", res.Data, err)
	}

	// The super user passes every check.
	su := digestCaller(t, "super", "secret")
	if _, err := e.SetData(ctx, su, "/secret", []byte("by super"), -1); err != nil {
		t.Fatalf("super setData: %v", err)
	}
	// /zookeeper/config is read-only, as in ZooKeeper, except for super.
	_, err = e.SetData(ctx, anyone, "/zookeeper/config", []byte("x"), -1)
	wantCode(t, err, schema.CodeNoAuth)
	if _, err := e.SetData(ctx, su, "/zookeeper/config", nil, -1); err != nil {
		t.Fatal(err)
	}

	// ip ACLs match the caller's address.
	local := gateway.Caller{Auth: []schema.AuthID{{Scheme: "ip", ID: "127.0.0.1"}}}
	remote := gateway.Caller{Auth: []schema.AuthID{{Scheme: "ip", ID: "10.1.2.3"}}}
	ipACL := []schema.ACL{{Perms: schema.PermAll, ID: schema.ID{Scheme: "ip", ID: "127.0.0.0/8"}}}
	if _, err := e.Create(ctx, local, gateway.CreateOp{Path: "/loopback-only", ACL: ipACL}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.GetData(ctx, local, "/loopback-only", gateway.ReadOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err = e.GetData(ctx, remote, "/loopback-only", gateway.ReadOptions{})
	wantCode(t, err, schema.CodeNoAuth)
}

func TestZookeeperNode_AsZooKeeperShowsIt(t *testing.T) {
	e := newEngine(t, gateway.Config{})
	ctx := ctxT(t)
	res, err := e.GetChildren(ctx, anyone, "/", gateway.ReadOptions{})
	kids, root := res.Children, res.Stat
	if err != nil || len(kids) != 1 || kids[0] != "zookeeper" {
		t.Fatalf("root children %v %v", kids, err)
	}
	if root != (schema.Stat{Cversion: -1, NumChildren: 1}) {
		t.Fatalf("root Stat %+v", root)
	}
	zr, err := e.GetChildren(ctx, anyone, "/zookeeper", gateway.ReadOptions{})
	kids, zk := zr.Children, zr.Stat
	if err != nil || len(kids) != 2 || kids[0] != "config" || kids[1] != "quota" {
		t.Fatalf("/zookeeper children %v %v", kids, err)
	}
	if zk != (schema.Stat{Cversion: -2, NumChildren: 2}) {
		t.Fatalf("/zookeeper Stat %+v", zk)
	}
	ar2, err := e.GetACL(ctx, anyone, "/zookeeper/config", gateway.ReadOptions{})
	acl, cfg := ar2.ACL, ar2.Stat
	if err != nil || len(acl) != 1 || acl[0] != schema.ReadACLUnsafe[0] || cfg.Aversion != -1 {
		t.Fatalf("/zookeeper/config %v %+v %v", acl, cfg, err)
	}
	for _, p := range []string{"/", "/zookeeper", "/zookeeper/quota", "/zookeeper/config"} {
		_, err := e.Delete(ctx, anyone, p, -1)
		wantCode(t, err, schema.CodeBadArguments)
	}
	// The first sequential child of the root is numbered 0: /zookeeper
	// does not count as a creation.
	if p, _, _ := mustCreate(t, e, anyone, "/", "", gateway.PersistentSequential); p != "/0000000000" {
		t.Fatalf("first sequential child of / is %s", p)
	}
	cr, err := e.GetAllChildrenNumber(ctx, anyone, "/", gateway.ReadOptions{})
	n := cr.Count
	if err != nil || n != 4 {
		t.Fatalf("getAllChildrenNumber(/) = %d %v", n, err)
	}
	if res, _ := e.GetAllChildrenNumber(ctx, anyone, "", gateway.ReadOptions{}); res.Count != 5 {
		t.Fatalf(`getAllChildrenNumber("") = %d, want one more than "/"`, res.Count)
	}
}
