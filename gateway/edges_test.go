package gateway_test

import (
	"testing"

	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/schema"
)

// Behaviours measured on ZooKeeper 3.8 (testdata/zookeeper-3.8-behaviour.md,
// "Edges of request processing"), which e2e's differential script edges2
// also compares.

// A multi that deletes a znode and creates it again: the new znode has the
// multi's czxid (also after a later setData), and watchers see a delete
// and a create, not a data change.
func TestMulti_DeleteAndCreateAgain(t *testing.T) {
	e := newEngine(t, gateway.Config{})
	ctx := ctxT(t)
	mustCreate(t, e, anyone, "/p", "", gateway.Persistent)
	_, old, _ := mustCreate(t, e, anyone, "/p/r", "old", gateway.Persistent)
	data := newRecorder()
	if res, err := e.GetData(ctx, anyone, "/p/r", gateway.ReadOptions{Watcher: data}); err != nil {
		t.Fatal(err)
	} else {
		res.Armed.Arm()
	}
	kids := newRecorder()
	if res, err := e.GetChildren(ctx, anyone, "/p", gateway.ReadOptions{Watcher: kids}); err != nil {
		t.Fatal(err)
	} else {
		res.Armed.Arm()
	}
	pers := newRecorder()
	if _, err := e.AddWatch(ctx, anyone, "/p/r", gateway.WatchPersistent, pers); err != nil {
		t.Fatal(err)
	}
	_, zxid, err := e.Multi(ctx, anyone, []gateway.Op{
		&gateway.DeleteOp{Path: "/p/r", Version: -1},
		&gateway.CreateOp{Path: "/p/r", Data: []byte("new"), ACL: schema.OpenACLUnsafe},
	})
	if err != nil {
		t.Fatal(err)
	}
	st := stat(t, e, "/p/r")
	if st.Czxid != zxid || st.Mzxid != zxid || st.Czxid == old.Czxid || st.Version != 0 {
		t.Fatalf("after the multi (zxid %d, old czxid %d): %+v", zxid, old.Czxid, st)
	}
	expectEvents(t, data, "NodeDeleted /p/r")
	expectEvents(t, kids, "NodeChildrenChanged /p")
	expectEvents(t, pers, "NodeDeleted /p/r", "NodeCreated /p/r")
	set, err := e.SetData(ctx, anyone, "/p/r", []byte("x"), 0)
	st2, zxid2 := set.Stat, set.Zxid
	if err != nil {
		t.Fatal(err)
	}
	if st2.Czxid != zxid || st2.Mzxid != zxid2 || stat(t, e, "/p/r").Czxid != zxid {
		t.Fatalf("after setData: czxid %d mzxid %d, want %d and %d", st2.Czxid, st2.Mzxid, zxid, zxid2)
	}
	expectEvents(t, pers, "NodeDeleted /p/r", "NodeCreated /p/r", "NodeDataChanged /p/r")
}

// One mode per connection, path and table: a getData watch over a
// persistent watch makes its data half one-shot; the child half stays.
func TestWatch_OneShotReplacesPersistentDataHalf(t *testing.T) {
	e := newEngine(t, gateway.Config{})
	ctx := ctxT(t)
	mustCreate(t, e, anyone, "/m", "", gateway.Persistent)
	r := newRecorder()
	if _, err := e.AddWatch(ctx, anyone, "/m", gateway.WatchPersistent, r); err != nil {
		t.Fatal(err)
	}
	res, err := e.GetData(ctx, anyone, "/m", gateway.ReadOptions{Watcher: r})
	a := res.Armed
	if err != nil {
		t.Fatal(err)
	}
	a.Arm()
	for _, d := range []string{"1", "2"} {
		if _, err := e.SetData(ctx, anyone, "/m", []byte(d), -1); err != nil {
			t.Fatal(err)
		}
	}
	mustCreate(t, e, anyone, "/m/c", "", gateway.Persistent)
	expectEvents(t, r, "NodeDataChanged /m", "NodeChildrenChanged /m")
	if err := e.CheckWatches(anyone, "/m", gateway.WatcherData, r); schema.CodeOf(err) != schema.CodeNoWatcher {
		t.Fatalf("checkWatches data: %v, want NoWatcher", err)
	}
	if err := e.CheckWatches(anyone, "/m", gateway.WatcherChildren, r); err != nil {
		t.Fatalf("checkWatches children: %v", err)
	}
}

// A getData of a missing node sets no watch, and leaves the exists watch
// the same connection has there.
func TestWatch_ExistsWatchSurvivesGetDataOfMissingNode(t *testing.T) {
	e := newEngine(t, gateway.Config{})
	ctx := ctxT(t)
	r := newRecorder()
	res, err := e.Exists(ctx, anyone, "/later", gateway.ReadOptions{Watcher: r})
	found, a := res.Found, res.Armed
	if err != nil || found {
		t.Fatalf("exists: %v %v", found, err)
	}
	a.Arm()
	if _, err := e.GetData(ctx, anyone, "/later", gateway.ReadOptions{Watcher: r}); schema.CodeOf(err) != schema.CodeNoNode {
		t.Fatalf("getData: %v, want NoNode", err)
	}
	mustCreate(t, e, anyone, "/later", "", gateway.Persistent)
	expectEvents(t, r, "NodeCreated /later")
}

// checkWatches, as ZooKeeper 3.8's, finds any connection's watch on the
// path; a non-empty path without '/' is MarshallingError.
func TestCheckWatches_AnyConnection(t *testing.T) {
	e := newEngine(t, gateway.Config{})
	ctx := ctxT(t)
	mustCreate(t, e, anyone, "/n", "", gateway.Persistent)
	mine, other := newRecorder(), newRecorder()
	res, err := e.GetData(ctx, anyone, "/n", gateway.ReadOptions{Watcher: other})
	a := res.Armed
	if err != nil {
		t.Fatal(err)
	}
	a.Arm()
	if err := e.CheckWatches(anyone, "/n", gateway.WatcherData, mine); err != nil {
		t.Fatalf("checkWatches of another connection's watch: %v", err)
	}
	if err := e.RemoveWatches(anyone, "/n", gateway.WatcherData, mine); schema.CodeOf(err) != schema.CodeNoWatcher {
		t.Fatalf("removeWatches of another connection's watch: %v, want NoWatcher", err)
	}
	if err := e.CheckWatches(anyone, "n", gateway.WatcherData, mine); schema.CodeOf(err) != schema.CodeMarshallingError {
		t.Fatalf("checkWatches \"n\": %v, want MarshallingError", err)
	}
	if err := e.CheckWatches(anyone, "", gateway.WatcherData, mine); schema.CodeOf(err) != schema.CodeNoWatcher {
		t.Fatalf("checkWatches \"\": %v, want NoWatcher", err)
	}
}

// authRecorder is a recorder that tells the hub its identities.
type authRecorder struct {
	*recorder
	auth []schema.AuthID
}

func (r *authRecorder) WatchAuth() []schema.AuthID { return r.auth }

// An event goes only to watchers that may READ the node it is about (the
// parent for NodeChildrenChanged), as ZooKeeper delivers them since
// CVE-2024-23944; the watch is used up all the same.
func TestWatch_EventsOnlyToReaders(t *testing.T) {
	e := newEngine(t, gateway.Config{})
	ctx := ctxT(t)
	alice := digestCaller(t, "alice", "pw")
	if _, err := e.Create(ctx, alice, gateway.CreateOp{Path: "/locked", ACL: schema.CreatorAllACL}); err != nil {
		t.Fatal(err)
	}
	stranger := &authRecorder{recorder: newRecorder()}
	owner := &authRecorder{recorder: newRecorder(), auth: alice.Auth}
	for _, r := range []*authRecorder{stranger, owner} {
		if _, err := e.AddWatch(ctx, anyone, "/locked", gateway.WatchPersistent, r); err != nil {
			t.Fatal(err)
		}
		if res, err := e.Exists(ctx, anyone, "/locked/open", gateway.ReadOptions{Watcher: r}); err != nil || res.Found {
			t.Fatalf("exists: %v %v", res.Found, err)
		} else {
			res.Armed.Arm()
		}
	}
	if _, err := e.SetData(ctx, alice, "/locked", []byte("x"), -1); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Create(ctx, alice, gateway.CreateOp{Path: "/locked/open", ACL: schema.OpenACLUnsafe}); err != nil {
		t.Fatal(err)
	}
	expectEvents(t, stranger.recorder, "NodeCreated /locked/open")
	expectEvents(t, owner.recorder, "NodeDataChanged /locked", "NodeCreated /locked/open", "NodeChildrenChanged /locked")
	// A node deleted is judged by the ACL it had.
	if _, err := e.Create(ctx, alice, gateway.CreateOp{Path: "/locked2", ACL: schema.CreatorAllACL}); err != nil {
		t.Fatal(err)
	}
	for _, r := range []*authRecorder{stranger, owner} {
		if res, err := e.Exists(ctx, anyone, "/locked2", gateway.ReadOptions{Watcher: r}); err != nil || !res.Found {
			t.Fatalf("exists: %v %v", res.Found, err)
		} else {
			res.Armed.Arm()
		}
	}
	if _, err := e.Delete(ctx, alice, "/locked2", -1); err != nil {
		t.Fatal(err)
	}
	expectEvents(t, stranger.recorder, "NodeCreated /locked/open")
	expectEvents(t, owner.recorder, "NodeDataChanged /locked", "NodeCreated /locked/open", "NodeChildrenChanged /locked", "NodeDeleted /locked2")
}
