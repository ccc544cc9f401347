package gateway_test

import (
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/gateway/gatewaytest"
	"github.com/zkgate/zkgate/schema"
)

// pastView is everything the reads of one znode answer at one zxid.
type pastView struct {
	data          []byte
	stat          schema.Stat
	found         bool
	dataErr       schema.Code
	children      []string
	childErr      schema.Code
	acl           []schema.ACL
	aclErr        schema.Code
	count         int64
	countErr      schema.Code
	anyoneDataErr schema.Code
}

func (v pastView) String() string {
	return fmt.Sprintf("data %q found %v err %v stat %+v children %v (%v) acl %v (%v) count %d (%v) anyone %v",
		v.data, v.found, v.dataErr, v.stat, v.children, v.childErr, v.acl, v.aclErr, v.count, v.countErr, v.anyoneDataErr)
}

// viewAt reads path with o as caller c, and as anyone.
func viewAt(t *testing.T, e *gateway.Engine, c gateway.Caller, path string, o gateway.ReadOptions) pastView {
	t.Helper()
	ctx := ctxT(t)
	var v pastView
	ex, err := e.Exists(ctx, c, path, o)
	if err != nil {
		t.Fatalf("exists %s %+v: %v", path, o, err)
	}
	v.found = ex.Found
	d, err := e.GetData(ctx, c, path, o)
	v.data, v.stat, v.dataErr = d.Data, d.Stat, schema.CodeOf(err)
	if ex.Found && ex.Stat != d.Stat && err == nil {
		t.Fatalf("exists and getData of %s disagree at %+v", path, o)
	}
	ch, err := e.GetChildren(ctx, c, path, o)
	v.children, v.childErr = ch.Children, schema.CodeOf(err)
	a, err := e.GetACL(ctx, c, path, o)
	v.acl, v.aclErr = a.ACL, schema.CodeOf(err)
	n, err := e.GetAllChildrenNumber(ctx, c, path, o)
	v.count, v.countErr = n.Count, schema.CodeOf(err)
	_, err = e.GetData(ctx, anyone, path, o)
	v.anyoneDataErr = schema.CodeOf(err)
	return v
}

// TestPastReads_AnswerAsThen: after each of a series of writes (creates,
// sets, an ACL change, deletes, the znode's own deletion and re-creation),
// every read of the znode is recorded with the zxid it reflects; later,
// each read asked again at that zxid answers exactly the same: data,
// Stat, children, ACL, descendant count, and the permission check against
// the ACL of the time.
func TestPastReads_AnswerAsThen(t *testing.T) {
	e := newEngine(t, gateway.Config{})
	ctx := ctxT(t)
	alice := digestCaller(t, "alice", "pw")
	aliceOnly := []schema.ACL{{Perms: schema.PermAll, ID: schema.ID{Scheme: "digest", ID: schema.DigestID("alice", "pw")}}}

	recorded := map[int64]pastView{}
	record := func(zxid int64) {
		t.Helper()
		v := viewAt(t, e, alice, "/h", gateway.ReadOptions{MinZxid: zxid})
		if e.Zxid() != zxid {
			t.Fatalf("the node serves zxid %d after a write at %d: the test needs the write's own state", e.Zxid(), zxid)
		}
		recorded[zxid] = v
	}
	steps := []func() (int64, error){
		func() (int64, error) {
			r, err := e.Create(ctx, alice, gateway.CreateOp{Path: "/h", Data: []byte("one"), ACL: schema.OpenACLUnsafe})
			return r.Zxid, err
		},
		func() (int64, error) { r, err := e.SetData(ctx, alice, "/h", []byte("two"), -1); return r.Zxid, err },
		func() (int64, error) {
			r, err := e.Create(ctx, alice, gateway.CreateOp{Path: "/h/c1", Data: []byte("x"), ACL: schema.OpenACLUnsafe})
			return r.Zxid, err
		},
		func() (int64, error) {
			r, err := e.Create(ctx, alice, gateway.CreateOp{Path: "/h/c1/g", ACL: schema.OpenACLUnsafe})
			return r.Zxid, err
		},
		func() (int64, error) { r, err := e.SetACL(ctx, alice, "/h", aliceOnly, -1); return r.Zxid, err },
		func() (int64, error) {
			r, err := e.Create(ctx, alice, gateway.CreateOp{Path: "/h/c2", ACL: schema.OpenACLUnsafe})
			return r.Zxid, err
		},
		func() (int64, error) { return e.Delete(ctx, alice, "/h/c1/g", -1) },
		func() (int64, error) { return e.Delete(ctx, alice, "/h/c1", -1) },
		func() (int64, error) { r, err := e.SetData(ctx, alice, "/h", nil, 1); return r.Zxid, err },
		func() (int64, error) { return e.Delete(ctx, alice, "/h/c2", -1) },
		func() (int64, error) { return e.Delete(ctx, alice, "/h", -1) },
		func() (int64, error) {
			r, err := e.Create(ctx, alice, gateway.CreateOp{Path: "/h", Data: []byte("again"), ACL: schema.OpenACLUnsafe})
			return r.Zxid, err
		},
	}
	before := e.Zxid()
	record(before)
	for i, step := range steps {
		zxid, err := step()
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		record(zxid)
	}
	for zxid, want := range recorded {
		got := viewAt(t, e, alice, "/h", gateway.ReadOptions{AtZxid: zxid})
		if !reflect.DeepEqual(got, want) {
			t.Errorf("at zxid %d:\n got %v\nwant %v", zxid, got, want)
		}
	}
	// The views differ from one another: the reads at a zxid are not all
	// answering the newest state.
	if recorded[before].found || !recorded[before+1].found || recorded[before+5].anyoneDataErr != schema.CodeNoAuth {
		t.Errorf("the recorded views do not show the writes: %v / %v / %v", recorded[before], recorded[before+1], recorded[before+5])
	}
}

// TestPastReads_Refused: a read at a past zxid sets no watch, cannot ask
// for a zxid beyond the cluster's newest, and one before the history etcd
// keeps (compacted) says which zxid is the oldest still reachable and
// how history is kept.
func TestPastReads_Refused(t *testing.T) {
	cl := gatewaytest.StartCluster(t, 1)
	e := gatewaytest.NewEngine(t, cl.Client(0), gateway.Config{History: "history retention 5m"})
	ctx := ctxT(t)
	first := mustCreate3(t, e, "/r", "a")
	for i := range 3 {
		if _, err := e.SetData(ctx, anyone, "/r", []byte(fmt.Sprint(i)), -1); err != nil {
			t.Fatal(err)
		}
	}
	now := e.Zxid()

	_, err := e.GetData(ctx, anyone, "/r", gateway.ReadOptions{AtZxid: first, Watcher: newEventLog()})
	wantCode(t, err, schema.CodeBadArguments)
	_, err = e.GetData(ctx, anyone, "/r", gateway.ReadOptions{AtZxid: now + 1_000_000})
	wantCode(t, err, schema.CodeBadArguments)
	_, err = e.GetData(ctx, anyone, "/r", gateway.ReadOptions{AtZxid: -3})
	wantCode(t, err, schema.CodeBadArguments)

	if _, err := cl.Client(0).Compact(ctx, now-1, clientv3.WithCompactPhysical()); err != nil {
		t.Fatal(err)
	}
	if oldest, err := e.OldestZxid(ctx); err != nil || oldest != now-1 {
		t.Fatalf("oldest zxid %d (%v), want %d", oldest, err, now-1)
	}
	_, err = e.GetData(ctx, anyone, "/r", gateway.ReadOptions{AtZxid: first})
	wantCode(t, err, schema.CodeBadArguments)
	if msg := err.Error(); !strings.Contains(msg, fmt.Sprintf("oldest reachable zxid is %d", now-1)) || !strings.Contains(msg, "history retention 5m") {
		t.Errorf("compacted read: %q should name the oldest reachable zxid and the retention", msg)
	}
	res, err := e.GetData(ctx, anyone, "/r", gateway.ReadOptions{AtZxid: now - 1})
	if err != nil || string(res.Data) != "1" || res.Zxid != now-1 {
		t.Errorf("read at the oldest reachable zxid: %q at %d, %v", res.Data, res.Zxid, err)
	}
}

func mustCreate3(t *testing.T, e *gateway.Engine, path, data string) int64 {
	t.Helper()
	_, _, zxid := mustCreate(t, e, anyone, path, data, gateway.Persistent)
	return zxid
}

// TestHistory_ListsEveryChange: a znode's history lists its create, data
// changes, ACL changes and delete (then its re-creation) in order, each
// at the zxid the write answered, with versions, sizes and times; -R
// adds its children's; data shows only where the caller could read the
// znode at the time.
func TestHistory_ListsEveryChange(t *testing.T) {
	e := newEngine(t, gateway.Config{})
	ctx := ctxT(t)
	alice := digestCaller(t, "alice", "pw")
	aliceOnly := []schema.ACL{{Perms: schema.PermAll, ID: schema.ID{Scheme: "digest", ID: schema.DigestID("alice", "pw")}}}
	start := e.Zxid()

	var want []string
	line := func(zxid int64, typ, path string, version int32, data string) {
		want = append(want, fmt.Sprintf("%d %s %s v%d %q", zxid, typ, path, version, data))
	}
	cr, err := e.Create(ctx, alice, gateway.CreateOp{Path: "/hx", Data: []byte("one"), ACL: schema.OpenACLUnsafe})
	if err != nil {
		t.Fatal(err)
	}
	line(cr.Zxid, "create", "/hx", 0, "one")
	kid, err := e.Create(ctx, alice, gateway.CreateOp{Path: "/hx/kid", Data: []byte("k"), ACL: schema.OpenACLUnsafe})
	if err != nil {
		t.Fatal(err)
	}
	kidLine := fmt.Sprintf("%d create /hx/kid v0 %q", kid.Zxid, "k")
	s1, err := e.SetData(ctx, alice, "/hx", []byte("two"), -1)
	if err != nil {
		t.Fatal(err)
	}
	line(s1.Zxid, "setData", "/hx", 1, "two")
	a1, err := e.SetACL(ctx, alice, "/hx", aliceOnly, -1)
	if err != nil {
		t.Fatal(err)
	}
	line(a1.Zxid, "setAcl", "/hx", 0, "")
	s2, err := e.SetData(ctx, alice, "/hx", []byte("three"), -1)
	if err != nil {
		t.Fatal(err)
	}
	line(s2.Zxid, "setData", "/hx", 2, "three")
	d1, err := e.Delete(ctx, alice, "/hx/kid", -1)
	if err != nil {
		t.Fatal(err)
	}
	kidDel := fmt.Sprintf("%d delete /hx/kid v0 %q", d1, "k")
	d2, err := e.Delete(ctx, alice, "/hx", -1)
	if err != nil {
		t.Fatal(err)
	}
	line(d2, "delete", "/hx", 2, "three")
	cr2, err := e.Create(ctx, alice, gateway.CreateOp{Path: "/hx", Data: []byte("again"), ACL: schema.OpenACLUnsafe})
	if err != nil {
		t.Fatal(err)
	}
	line(cr2.Zxid, "create", "/hx", 0, "again")

	list := func(c gateway.Caller, o gateway.HistoryOptions) ([]string, []gateway.Change) {
		t.Helper()
		var got []string
		var chs []gateway.Change
		o.Data = true
		if err := e.History(ctx, c, "/hx", o, func(ch gateway.Change) error {
			v := ch.Version
			if ch.Type == gateway.ChangeSetACL {
				v = 0
			}
			got = append(got, fmt.Sprintf("%d %s %s v%d %q", ch.Zxid, ch.Type, ch.Path, v, ch.Data))
			chs = append(chs, ch)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return got, chs
	}
	got, chs := list(alice, gateway.HistoryOptions{From: start + 1})
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("history of /hx:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, ch := range chs {
		if ch.Time == 0 {
			t.Errorf("change %d %s has no time", ch.Zxid, ch.Type)
		}
		if ch.Type == gateway.ChangeSetACL && (ch.Aversion != 1 || !reflect.DeepEqual(ch.ACL, aliceOnly)) {
			t.Errorf("setAcl change: aversion %d ACL %v", ch.Aversion, ch.ACL)
		}
	}

	// -R: the child's changes too, in zxid order.
	rgot, _ := list(alice, gateway.HistoryOptions{From: start + 1, Recursive: true})
	rwant := append([]string{want[0], kidLine}, want[1:4]...)
	rwant = append(rwant, kidDel)
	rwant = append(rwant, want[4:]...)
	if strings.Join(rgot, "\n") != strings.Join(rwant, "\n") {
		t.Errorf("history -R of /hx:\n%s\nwant\n%s", strings.Join(rgot, "\n"), strings.Join(rwant, "\n"))
	}

	// Anyone sees every change, but not the data written while only
	// alice could read it.
	_, achs := list(anyone, gateway.HistoryOptions{From: start + 1})
	for _, ch := range achs {
		hidden := ch.Zxid == s2.Zxid || ch.Zxid == d2
		if ch.DataHidden != hidden || hidden && ch.Data != nil {
			t.Errorf("anyone, change %d %s: data %q hidden %v", ch.Zxid, ch.Type, ch.Data, ch.DataHidden)
		}
	}

	// A range.
	if g, _ := list(alice, gateway.HistoryOptions{From: s1.Zxid, To: s2.Zxid}); len(g) != 3 {
		t.Errorf("history from %d to %d: %v", s1.Zxid, s2.Zxid, g)
	}

	// After a compaction, the history starts at the oldest zxid kept,
	// that zxid's change included; before it is BadArguments naming it.
	if _, err := engineClient.Compact(ctx, s2.Zxid, clientv3.WithCompactPhysical()); err != nil {
		t.Fatal(err)
	}
	for _, from := range []int64{0, s2.Zxid} {
		if g, _ := list(alice, gateway.HistoryOptions{From: from}); len(g) != 3 || !strings.HasPrefix(g[0], fmt.Sprintf("%d setData /hx", s2.Zxid)) {
			t.Errorf("history from %d after compacting at %d: %v", from, s2.Zxid, g)
		}
	}
	err = e.History(ctx, alice, "/hx", gateway.HistoryOptions{From: s1.Zxid}, func(gateway.Change) error { return nil })
	wantCode(t, err, schema.CodeBadArguments)
	if !strings.Contains(err.Error(), fmt.Sprintf("oldest reachable zxid is %d", s2.Zxid)) {
		t.Errorf("history from before the compaction: %v", err)
	}
}

// TestZxidAt_PicksTheLastZxidAtOrBefore: a time picks the last zxid made
// at or before it (each write's time is its batch's, the znode's mtime);
// a time in the future, or before the history kept, is BadArguments
// naming the oldest zxid.
func TestZxidAt_PicksTheLastZxidAtOrBefore(t *testing.T) {
	cl := gatewaytest.StartCluster(t, 1)
	e := gatewaytest.NewEngine(t, cl.Client(0), gateway.Config{})
	ctx := ctxT(t)
	type write struct{ zxid, before, after int64 }
	var writes []write
	for i := range 6 {
		// Each write in a millisecond of its own.
		last := int64(0)
		if len(writes) > 0 {
			last = writes[len(writes)-1].after
		}
		for time.Now().UnixMilli() <= last {
			runtime.Gosched()
		}
		before := time.Now().UnixMilli()
		made, err := e.Create(ctx, anyone, gateway.CreateOp{Path: fmt.Sprintf("/t%d", i), ACL: schema.OpenACLUnsafe})
		if err != nil {
			t.Fatal(err)
		}
		writes = append(writes, write{made.Zxid, before, time.Now().UnixMilli()})
		if made.Stat.Mtime < before || made.Stat.Mtime > writes[i].after {
			t.Fatalf("mtime %d outside [%d, %d]", made.Stat.Mtime, before, writes[i].after)
		}
	}
	for i, w := range writes {
		zxid, at, err := e.ZxidAt(ctx, w.after)
		if err != nil || zxid != w.zxid || at < w.before || at > w.after {
			t.Errorf("write %d (zxid %d, made in [%d, %d]): ZxidAt(%d) = %d at %d, %v", i, w.zxid, w.before, w.after, w.after, zxid, at, err)
		}
	}
	_, _, err := e.ZxidAt(ctx, time.Now().Add(time.Hour).UnixMilli())
	wantCode(t, err, schema.CodeBadArguments)

	if _, err := cl.Client(0).Compact(ctx, writes[3].zxid, clientv3.WithCompactPhysical()); err != nil {
		t.Fatal(err)
	}
	_, _, err = e.ZxidAt(ctx, writes[1].after)
	wantCode(t, err, schema.CodeBadArguments)
	if !strings.Contains(err.Error(), fmt.Sprintf("oldest reachable zxid is %d", writes[3].zxid)) {
		t.Errorf("a time before the history kept: %v", err)
	}
	if zxid, _, err := e.ZxidAt(ctx, writes[4].after); err != nil || zxid != writes[4].zxid {
		t.Errorf("after the compaction, ZxidAt of write 4: %d %v", zxid, err)
	}
}

// TestHistory_HidesWhatACLsHid: a caller's recursive history lists a
// znode only where it could read its parent then (as getChildren would
// have listed it), and an ACL only where it could read it (READ or
// ADMIN); the owner sees all.
func TestHistory_HidesWhatACLsHid(t *testing.T) {
	e := newEngine(t, gateway.Config{})
	ctx := ctxT(t)
	alice := digestCaller(t, "alice", "pw")
	aliceOnly := []schema.ACL{{Perms: schema.PermAll, ID: schema.ID{Scheme: "digest", ID: schema.DigestID("alice", "pw")}}}
	start := e.Zxid()
	for _, p := range []string{"/secret", "/secret/acme-merger"} {
		if _, err := e.Create(ctx, alice, gateway.CreateOp{Path: p, Data: []byte("x"), ACL: aliceOnly}); err != nil {
			t.Fatal(err)
		}
	}
	list := func(c gateway.Caller) []gateway.Change {
		var chs []gateway.Change
		if err := e.History(ctx, c, "/", gateway.HistoryOptions{From: start + 1, Recursive: true}, func(ch gateway.Change) error {
			chs = append(chs, ch)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return chs
	}
	got := list(anyone)
	if len(got) != 1 || got[0].Path != "/secret" || got[0].ACL != nil {
		t.Errorf("anyone's history of /: %+v, want /secret's create alone, without its ACL", got)
	}
	if got := list(alice); len(got) != 2 || got[1].Path != "/secret/acme-merger" || len(got[1].ACL) != 1 {
		t.Errorf("alice's history of /: %+v", got)
	}
	// To before the history kept is refused, not an empty history.
	now := e.Zxid()
	if _, err := engineClient.Compact(ctx, now, clientv3.WithCompactPhysical()); err != nil {
		t.Fatal(err)
	}
	err := e.History(ctx, alice, "/", gateway.HistoryOptions{To: start}, func(gateway.Change) error { return nil })
	wantCode(t, err, schema.CodeBadArguments)
}

// TestHistory_NamesTheSessionOfEachChange: each change is listed with the
// session whose request made it, as ZooKeeper's transaction log keeps
// it: creates, data and ACL changes, deletes (also when two sessions'
// deletions share a batch), a multi's delete and create again, the
// removal of a closed session's ephemeral (that session), and 0 for a
// request without a session.
func TestHistory_NamesTheSessionOfEachChange(t *testing.T) {
	e := newEngine(t, gateway.Config{})
	ctx := ctxT(t)
	sa, err := e.CreateSession(ctx, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	sb, err := e.CreateSession(ctx, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	a, b := sa.Caller(), sb.Caller()
	start := e.Zxid()
	want := map[string]int64{} // "type path" -> session
	mustCreate(t, e, a, "/hs", "", gateway.Persistent)
	want["create /hs"] = sa.ID
	if _, err := e.SetData(ctx, b, "/hs", []byte("x"), -1); err != nil {
		t.Fatal(err)
	}
	want["setData /hs"] = sb.ID
	if _, err := e.SetACL(ctx, b, "/hs", schema.OpenACLUnsafe, -1); err != nil {
		t.Fatal(err)
	}
	want["setAcl /hs"] = sb.ID
	mustCreate(t, e, a, "/hs/eph", "", gateway.Ephemeral)
	want["create /hs/eph"] = sa.ID
	mustCreate(t, e, anyone, "/hs/m", "", gateway.Persistent)
	want["create /hs/m"] = 0
	// Deletions by both sessions at once, so that batches hold both.
	const n = 40
	for i := range n {
		mustCreate(t, e, anyone, fmt.Sprintf("/hs/d%02d", i), "", gateway.Persistent)
		want[fmt.Sprintf("create /hs/d%02d", i)] = 0
	}
	errs := make(chan error, n)
	for i := range n {
		c, id := a, sa.ID
		if i%3 != 0 {
			c, id = b, sb.ID
		}
		p := fmt.Sprintf("/hs/d%02d", i)
		want["delete "+p] = id
		go func() {
			_, err := e.Delete(ctx, c, p, -1)
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	// A multi deletes /hs/m and creates it again: both are b's.
	if _, _, err := e.Multi(ctx, b, []gateway.Op{&gateway.DeleteOp{Path: "/hs/m", Version: -1}, &gateway.CreateOp{Path: "/hs/m", ACL: schema.OpenACLUnsafe}}); err != nil {
		t.Fatal(err)
	}
	closed, err := e.CloseSession(ctx, sa.ID)
	if err != nil {
		t.Fatal(err)
	}
	want["delete /hs/eph"] = sa.ID

	// Up to the close's zxid: the node may not serve it yet.
	got := map[string][]int64{}
	if err := e.History(ctx, anyone, "/hs", gateway.HistoryOptions{From: start + 1, To: closed, Recursive: true}, func(ch gateway.Change) error {
		k := fmt.Sprintf("%s %s", ch.Type, ch.Path)
		got[k] = append(got[k], ch.Session)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if s := got["delete /hs/m"]; len(s) != 1 || s[0] != sb.ID {
		t.Errorf("the multi's delete of /hs/m: sessions %x, want [%x]", s, sb.ID)
	}
	if s := got["create /hs/m"]; len(s) != 2 || s[0] != 0 || s[1] != sb.ID {
		t.Errorf("the creates of /hs/m: sessions %x, want [0 %x]", s, sb.ID)
	}
	delete(got, "delete /hs/m")
	delete(got, "create /hs/m")
	delete(want, "create /hs/m")
	if len(got) != len(want) {
		t.Errorf("%d kinds of change listed, want %d: %v", len(got), len(want), got)
	}
	for k, id := range want {
		if s := got[k]; len(s) != 1 || s[0] != id {
			t.Errorf("%s: sessions %x, want [%x]", k, s, id)
		}
	}
}
