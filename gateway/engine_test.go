package gateway_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/gateway/gatewaytest"
	"github.com/zkgate/zkgate/schema"
)

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// engineClient is the etcd client of the last engine newEngine made, for
// reference benchmarks.
var engineClient *clientv3.Client

func newEngine(t testing.TB, cfg gateway.Config) *gateway.Engine {
	cl := gatewaytest.StartCluster(t, 1)
	engineClient = cl.Client(0)
	return gatewaytest.NewEngine(t, cl.Client(0), cfg)
}

var anyone = gateway.Caller{}

func mustCreate(t testing.TB, e *gateway.Engine, c gateway.Caller, path, data string, mode gateway.CreateMode) (string, schema.Stat, int64) {
	t.Helper()
	made, err := e.Create(ctxT(t), c, gateway.CreateOp{Path: path, Data: []byte(data), ACL: schema.OpenACLUnsafe, Mode: mode})
	p, st, rev := made.Path, made.Stat, made.Zxid
	if err != nil {
		t.Fatalf("create %s: %v", path, err)
	}
	return p, st, rev
}

func stat(t testing.TB, e *gateway.Engine, path string) schema.Stat {
	t.Helper()
	res, err := e.Exists(ctxT(t), anyone, path, gateway.ReadOptions{})
	st, ok := res.Stat, res.Found
	if err != nil || !ok {
		t.Fatalf("exists %s: %v %v", path, ok, err)
	}
	return st
}

func wantCode(t testing.TB, err error, code schema.Code) {
	t.Helper()
	if schema.CodeOf(err) != code {
		t.Fatalf("got %v, want %v", err, code)
	}
}

func TestCreate_StatArithmetic(t *testing.T) {
	e := newEngine(t, gateway.Config{})
	ctx := ctxT(t)

	p, st, rev := mustCreate(t, e, anyone, "/a", "hello", gateway.Persistent)
	if p != "/a" {
		t.Fatalf("path %q", p)
	}
	want := schema.Stat{Czxid: rev, Mzxid: rev, Ctime: st.Ctime, Mtime: st.Ctime, DataLength: 5, Pzxid: rev}
	if st != want || st.Ctime == 0 {
		t.Fatalf("create Stat %+v, want %+v", st, want)
	}
	if got := stat(t, e, "/a"); got != st {
		t.Fatalf("exists Stat %+v, create returned %+v", got, st)
	}

	// A child: the parent's cversion, numChildren and pzxid move; its
	// mzxid and version do not.
	_, _, crev := mustCreate(t, e, anyone, "/a/b", "", gateway.Persistent)
	pst := stat(t, e, "/a")
	if pst.Cversion != 1 || pst.NumChildren != 1 || pst.Pzxid != crev || pst.Mzxid != rev || pst.Version != 0 {
		t.Fatalf("parent after child create: %+v", pst)
	}

	// setData: version, mzxid, mtime; the parent's pzxid is untouched.
	set, err := e.SetData(ctx, anyone, "/a/b", []byte("xyz"), 0)
	sst, srev := set.Stat, set.Zxid
	if err != nil {
		t.Fatal(err)
	}
	if sst.Version != 1 || sst.Mzxid != srev || sst.Czxid != crev || sst.DataLength != 3 || sst.Mtime < sst.Ctime {
		t.Fatalf("setData Stat %+v", sst)
	}
	if got := stat(t, e, "/a"); got.Pzxid != crev {
		t.Fatalf("child setData moved the parent's pzxid: %+v", got)
	}
	res, err := e.GetData(ctx, anyone, "/a/b", gateway.ReadOptions{})
	data, gst := res.Data, res.Stat
	if err != nil || string(data) != "xyz" || gst != sst {
		t.Fatalf("getData %q %+v %v", data, gst, err)
	}

	// setACL: aversion moves, mzxid does not.
	set, err = e.SetACL(ctx, anyone, "/a/b", schema.ReadACLUnsafe, 0)
	ast := set.Stat
	if err != nil {
		t.Fatal(err)
	}
	if ast.Aversion != 1 || ast.Mzxid != srev || ast.Version != 1 {
		t.Fatalf("setACL Stat %+v", ast)
	}

	// Delete: the parent's cversion counts deletes too.
	drev, err := e.Delete(ctx, anyone, "/a/b", -1)
	if err != nil {
		t.Fatal(err)
	}
	pst = stat(t, e, "/a")
	if pst.Cversion != 2 || pst.NumChildren != 0 || pst.Pzxid != drev {
		t.Fatalf("parent after delete: %+v", pst)
	}
	if res, _ := e.Exists(ctx, anyone, "/a/b", gateway.ReadOptions{}); res.Found {
		t.Fatal("deleted node exists")
	}
}

func TestErrors_EveryOperation(t *testing.T) {
	e := newEngine(t, gateway.Config{})
	ctx := ctxT(t)
	mustCreate(t, e, anyone, "/p", "", gateway.Persistent)
	mustCreate(t, e, anyone, "/p/c", "", gateway.Persistent)
	s, err := e.CreateSession(ctx, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	sc := s.Caller()
	mustCreate(t, e, sc, "/eph", "", gateway.Ephemeral)

	create := func(path string, mode gateway.CreateMode) error {
		_, err := e.Create(ctx, sc, gateway.CreateOp{Path: path, ACL: schema.OpenACLUnsafe, Mode: mode})
		return err
	}
	wantCode(t, create("/missing/x", gateway.Persistent), schema.CodeNoNode)
	wantCode(t, create("/p", gateway.Persistent), schema.CodeNodeExists)
	wantCode(t, create("/", gateway.Persistent), schema.CodeNodeExists)
	wantCode(t, create("/eph/x", gateway.Persistent), schema.CodeNoChildrenForEphemerals)
	wantCode(t, create("/p/", gateway.Persistent), schema.CodeBadArguments)
	wantCode(t, create("p", gateway.Persistent), schema.CodeBadArguments)
	wantCode(t, create("//p", gateway.Persistent), schema.CodeBadArguments)
	// The parent "/p/." does not exist: ZooKeeper looks it up first.
	wantCode(t, create("/p/./x", gateway.Persistent), schema.CodeNoNode)
	wantCode(t, create("/p/x", gateway.CreateMode(7)), schema.CodeBadArguments)
	_, err = e.Create(ctx, sc, gateway.CreateOp{Path: "/p/x", Mode: gateway.Persistent})
	wantCode(t, err, schema.CodeInvalidACL)
	_, err = e.Create(ctx, anyone, gateway.CreateOp{Path: "/p/x", ACL: schema.OpenACLUnsafe, Mode: gateway.Ephemeral})
	wantCode(t, err, schema.CodeBadArguments)
	_, err = e.Create(ctx, sc, gateway.CreateOp{Path: "/p/big", ACL: schema.OpenACLUnsafe, Data: make([]byte, 1<<20+1)})
	wantCode(t, err, schema.CodeBadArguments)

	_, err = e.Delete(ctx, anyone, "/p", -1)
	wantCode(t, err, schema.CodeNotEmpty)
	_, err = e.Delete(ctx, anyone, "/p/c", 5)
	wantCode(t, err, schema.CodeBadVersion)
	_, err = e.Delete(ctx, anyone, "/nope", -1)
	wantCode(t, err, schema.CodeNoNode)
	_, err = e.Delete(ctx, anyone, "/", -1)
	wantCode(t, err, schema.CodeBadArguments)

	_, err = e.SetData(ctx, anyone, "/p", nil, 3)
	wantCode(t, err, schema.CodeBadVersion)
	_, err = e.SetData(ctx, anyone, "/nope", nil, -1)
	wantCode(t, err, schema.CodeNoNode)
	_, err = e.SetACL(ctx, anyone, "/p", schema.OpenACLUnsafe, 4)
	wantCode(t, err, schema.CodeBadVersion)
	_, err = e.SetACL(ctx, anyone, "/p", nil, -1)
	wantCode(t, err, schema.CodeInvalidACL)

	_, err = e.GetData(ctx, anyone, "/nope", gateway.ReadOptions{})
	wantCode(t, err, schema.CodeNoNode)
	_, err = e.GetChildren(ctx, anyone, "/nope", gateway.ReadOptions{})
	wantCode(t, err, schema.CodeNoNode)
	// Reads do not validate paths: a malformed one is simply not there.
	_, err = e.GetData(ctx, anyone, "/p//c", gateway.ReadOptions{})
	wantCode(t, err, schema.CodeNoNode)

	// Bad input changed nothing.
	if got := stat(t, e, "/p"); got.NumChildren != 1 || got.Cversion != 1 || got.Version != 0 {
		t.Fatalf("/p changed by failed requests: %+v", got)
	}
}

// TestSequential_MatchesZooKeeper follows the sequence a real ZooKeeper
// 3.8 was measured on: the suffix counts child creations, never deletions.
func TestSequential_MatchesZooKeeper(t *testing.T) {
	e := newEngine(t, gateway.Config{})
	ctx := ctxT(t)
	mustCreate(t, e, anyone, "/p", "", gateway.Persistent)
	seq := func() string {
		p, _, _ := mustCreate(t, e, anyone, "/p/s-", "", gateway.PersistentSequential)
		return p
	}
	if a, b := seq(), seq(); a != "/p/s-0000000000" || b != "/p/s-0000000001" {
		t.Fatalf("first two: %s %s", a, b)
	}
	if _, err := e.Delete(ctx, anyone, "/p/s-0000000000", -1); err != nil {
		t.Fatal(err)
	}
	if got := seq(); got != "/p/s-0000000002" {
		t.Fatalf("after a delete: %s", got)
	}
	if got := stat(t, e, "/p").Cversion; got != 4 {
		t.Fatalf("cversion %d, want 4", got)
	}
	for _, p := range []string{"/p/s-0000000001", "/p/s-0000000002"} {
		if _, err := e.Delete(ctx, anyone, p, -1); err != nil {
			t.Fatal(err)
		}
	}
	if got := seq(); got != "/p/s-0000000003" {
		t.Fatalf("after two deletes: %s", got)
	}
	if got := stat(t, e, "/p").Cversion; got != 7 {
		t.Fatalf("cversion %d, want 7", got)
	}
	mustCreate(t, e, anyone, "/p/plain", "", gateway.Persistent)
	if _, err := e.Delete(ctx, anyone, "/p/plain", -1); err != nil {
		t.Fatal(err)
	}
	if got := seq(); got != "/p/s-0000000005" {
		t.Fatalf("after a plain child: %s", got)
	}
	// A sequential name may end in "/": the suffix is the whole name.
	if p, _, _ := mustCreate(t, e, anyone, "/p/", "", gateway.PersistentSequential); p != "/p/0000000006" {
		t.Fatalf("trailing slash: %s", p)
	}
}

// TestSequential_Contention: many sessions creating sequential children
// of one parent at once get unique, gap-free numbers, and the parent's
// Stat counts every one.
func TestSequential_Contention(t *testing.T) {
	e := newEngine(t, gateway.Config{})
	ctx := ctxT(t)
	mustCreate(t, e, anyone, "/q", "", gateway.Persistent)
	const workers, each = 32, 200
	var mu sync.Mutex
	var names []string
	var wg sync.WaitGroup
	errc := make(chan error, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := e.CreateSession(ctx, 10*time.Second)
			if err != nil {
				errc <- err
				return
			}
			c := s.Caller()
			for range each {
				made, err := e.Create(ctx, c, gateway.CreateOp{Path: "/q/item-", ACL: schema.OpenACLUnsafe, Mode: gateway.PersistentSequential})
				p := made.Path
				if err != nil {
					errc <- err
					return
				}
				mu.Lock()
				names = append(names, p)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	sort.Strings(names)
	for i, n := range names {
		if want := fmt.Sprintf("/q/item-%010d", i); n != want {
			t.Fatalf("name %d is %s, want %s (duplicate or gap)", i, n, want)
		}
	}
	st := stat(t, e, "/q")
	if st.NumChildren != workers*each || st.Cversion != workers*each {
		t.Fatalf("parent Stat %+v, want %d children", st, workers*each)
	}
	res, err := e.GetChildren(ctx, anyone, "/q", gateway.ReadOptions{})
	kids := res.Children
	if err != nil || len(kids) != workers*each {
		t.Fatalf("getChildren: %d %v", len(kids), err)
	}
}

func TestMulti_SuccessAndFailure(t *testing.T) {
	e := newEngine(t, gateway.Config{})
	ctx := ctxT(t)
	mustCreate(t, e, anyone, "/m", "", gateway.Persistent)

	res, rev, err := e.Multi(ctx, anyone, []gateway.Op{
		&gateway.CreateOp{Path: "/m/a", Data: []byte("1"), ACL: schema.OpenACLUnsafe},
		&gateway.CreateOp{Path: "/m/a/b", ACL: schema.OpenACLUnsafe},
		&gateway.SetDataOp{Path: "/m/a", Data: []byte("2"), Version: 0},
		&gateway.CheckOp{Path: "/m/a", Version: 1},
		&gateway.CreateOp{Path: "/m/s-", ACL: schema.OpenACLUnsafe, Mode: gateway.PersistentSequential},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Path != "/m/a" || res[1].Path != "/m/a/b" || res[2].Stat.Version != 1 || res[4].Path != "/m/s-0000000001" {
		t.Fatalf("results %+v", res)
	}
	// One transaction: every created node has the same czxid.
	if res[0].Stat.Czxid != rev || res[1].Stat.Czxid != rev || res[2].Stat.Mzxid != rev {
		t.Fatalf("multi not at one zxid %d: %+v %+v", rev, *res[0].Stat, *res[1].Stat)
	}

	before := stat(t, e, "/m")
	res, _, err = e.Multi(ctx, anyone, []gateway.Op{
		&gateway.CreateOp{Path: "/m/new", ACL: schema.OpenACLUnsafe},
		&gateway.DeleteOp{Path: "/m/a", Version: -1}, // not empty
		&gateway.SetDataOp{Path: "/m/a", Version: -1},
	})
	wantCode(t, err, schema.CodeNotEmpty)
	codes := []schema.Code{schema.CodeOf(res[0].Err), schema.CodeOf(res[1].Err), schema.CodeOf(res[2].Err)}
	if codes[0] != schema.CodeOK || codes[1] != schema.CodeNotEmpty || codes[2] != schema.CodeRuntimeInconsistency {
		t.Fatalf("failed multi results %v", codes)
	}
	if res, _ := e.Exists(ctx, anyone, "/m/new", gateway.ReadOptions{}); res.Found {
		t.Fatal("failed multi half-applied")
	}
	if after := stat(t, e, "/m"); after != before {
		t.Fatalf("failed multi changed the parent: %+v -> %+v", before, after)
	}
}

func TestSession_CloseRemovesEphemerals(t *testing.T) {
	e := newEngine(t, gateway.Config{})
	ctx := ctxT(t)
	mustCreate(t, e, anyone, "/locks", "", gateway.Persistent)
	s, err := e.CreateSession(ctx, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c := s.Caller()
	p1, st1, _ := mustCreate(t, e, c, "/locks/lock-", "", gateway.EphemeralSequential)
	mustCreate(t, e, c, "/locks/plain", "", gateway.Ephemeral)
	if st1.EphemeralOwner != s.ID {
		t.Fatalf("ephemeralOwner %x, want %x", st1.EphemeralOwner, s.ID)
	}
	res, err := e.GetEphemerals(ctx, c, "/locks", gateway.ReadOptions{})
	eph := res.Paths
	if err != nil || len(eph) != 2 || eph[0] != p1 {
		t.Fatalf("getEphemerals %v %v", eph, err)
	}
	rev, err := e.CloseSession(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	st := stat(t, e, "/locks")
	if st.NumChildren != 0 || st.Cversion != 4 || st.Pzxid != rev {
		t.Fatalf("parent after close: %+v (close at %d)", st, rev)
	}
	_, err = e.Create(ctx, c, gateway.CreateOp{Path: "/locks/x", ACL: schema.OpenACLUnsafe, Mode: gateway.Ephemeral})
	wantCode(t, err, schema.CodeSessionExpired)
	_, err = e.ResumeSession(ctx, s.ID, s.Password)
	wantCode(t, err, schema.CodeSessionExpired)
}

// TestSession_PasswordRequired: a request naming a session without its
// password is refused as an expired session, and changes nothing.
func TestSession_PasswordRequired(t *testing.T) {
	e := newEngine(t, gateway.Config{})
	ctx := ctxT(t)
	s, err := e.CreateSession(ctx, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	mustCreate(t, e, s.Caller(), "/mine", "", gateway.Ephemeral)
	for _, thief := range []gateway.Caller{{Session: s.ID}, {Session: s.ID, Password: []byte("0123456789abcdef")}} {
		_, err := e.Create(ctx, thief, gateway.CreateOp{Path: "/stolen", ACL: schema.OpenACLUnsafe, Mode: gateway.Ephemeral})
		wantCode(t, err, schema.CodeSessionExpired)
		_, err = e.GetEphemerals(ctx, thief, "/", gateway.ReadOptions{})
		wantCode(t, err, schema.CodeSessionExpired)
		wantCode(t, e.CheckSession(ctx, s.ID, thief.Password), schema.CodeSessionExpired)
	}
	if err := e.CheckSession(ctx, s.ID, s.Password); err != nil {
		t.Fatal(err)
	}
	if res, err := e.GetEphemerals(ctx, s.Caller(), "/", gateway.ReadOptions{}); err != nil || len(res.Paths) != 1 {
		t.Fatalf("owner's getEphemerals: %v %v", res.Paths, err)
	}
}

func TestSession_ExpiryRemovesEphemerals(t *testing.T) {
	e := newEngine(t, gateway.Config{MinSessionTimeout: time.Second, ReaperInterval: time.Hour})
	ctx := ctxT(t)
	mustCreate(t, e, anyone, "/svc", "", gateway.Persistent)
	s, err := e.CreateSession(ctx, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if s.Timeout != time.Second {
		t.Fatalf("timeout %v", s.Timeout)
	}
	c := s.Caller()
	mustCreate(t, e, c, "/svc/a", "", gateway.Ephemeral)
	mustCreate(t, e, c, "/svc/b", "", gateway.Ephemeral)
	waitFor(t, 30*time.Second, func() bool { return stat(t, e, "/svc").NumChildren == 0 })
	st := stat(t, e, "/svc")
	if st.Cversion != 4 {
		t.Fatalf("parent after expiry: %+v", st)
	}
	res, _ := e.GetChildren(ctx, anyone, "/svc", gateway.ReadOptions{})
	kids := res.Children
	if len(kids) != 0 {
		t.Fatalf("children left: %v", kids)
	}
}

func TestSession_TimeoutClamped(t *testing.T) {
	e := newEngine(t, gateway.Config{MinSessionTimeout: 4 * time.Second, MaxSessionTimeout: 40 * time.Second})
	ctx := ctxT(t)
	for _, tc := range []struct{ ask, got time.Duration }{{time.Second, 4 * time.Second}, {10 * time.Second, 10 * time.Second}, {time.Hour, 40 * time.Second}} {
		s, err := e.CreateSession(ctx, tc.ask)
		if err != nil || s.Timeout != tc.got {
			t.Fatalf("asked %v, got %v (%v), want %v", tc.ask, s.Timeout, err, tc.got)
		}
	}
}

// waitFor polls cond: used only where the awaited change is made by etcd
// on its own clock (lease expiry), with no event to wait on.
func waitFor(t testing.TB, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %v", d)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

var _ = errors.Is

// TestRead_ZxidAheadOfCluster: a read asking for a zxid the cluster has
// never reached fails at once instead of waiting forever.
func TestRead_ZxidAheadOfCluster(t *testing.T) {
	e := newEngine(t, gateway.Config{})
	_, _, rev := mustCreate(t, e, anyone, "/z", "", gateway.Persistent)
	if _, err := e.GetData(ctxT(t), anyone, "/z", gateway.ReadOptions{MinZxid: rev}); err != nil {
		t.Fatalf("read at the newest zxid: %v", err)
	}
	_, err := e.GetData(ctxT(t), anyone, "/z", gateway.ReadOptions{MinZxid: rev + 1000})
	wantCode(t, err, schema.CodeBadArguments)
}
