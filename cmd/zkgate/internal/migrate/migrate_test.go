package migrate

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/zkgate/zkgate/cmd/zkgate/internal/zkdial"
	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/gateway/api"
	"github.com/zkgate/zkgate/gateway/gatewaytest"
	"github.com/zkgate/zkgate/schema"
	"github.com/zkgate/zkgate/zkbridge"
)

// server is a real zkgate in the test process: an etcd member of its own,
// the namespace engine, its ZooKeeper port (zkAddr) and its namespace
// gRPC API (grpcAddr). The source of a migration is one read through
// its ZooKeeper port, as a ZooKeeper ensemble would be; the destination
// one read through gRPC, as zkgate migrate reads it.
type server struct {
	zkAddr, grpcAddr string
}

func startServer(t *testing.T) server {
	t.Helper()
	cl := gatewaytest.StartCluster(t, 1)
	e := gatewaytest.NewEngine(t, cl.Client(0), gateway.Config{})
	bridge, err := zkbridge.New(zkbridge.Config{Engine: e})
	if err != nil {
		t.Fatal(err)
	}
	zl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go bridge.Serve(zl)
	t.Cleanup(func() { bridge.Close() })

	grpcAddr, _ := gatewaytest.ServeGRPC(t, api.NewServer(e).Register)
	return server{zkAddr: zl.Addr().String(), grpcAddr: grpcAddr}
}

// session is a ZooKeeper client session on s, for writing test trees.
func (s server) session(t *testing.T, auth ...string) *zk.Conn {
	t.Helper()
	c, err := zkdial.Dial(context.Background(), []string{s.zkAddr}, zkdial.Options{SessionTimeout: 10 * time.Second, Auth: auth})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// source reads s as migrate reads a ZooKeeper ensemble.
func (s server) source(t *testing.T, auth ...string) *ZooKeeper {
	t.Helper()
	z, err := DialZooKeeper(context.Background(), s.zkAddr, auth, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(z.Close)
	return z
}

// destination reads and writes s as migrate writes zkgate.
func (s server) destination(t *testing.T, auth ...string) *Zkgate {
	t.Helper()
	conn, err := grpc.NewClient("passthrough:///"+s.grpcAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	g, err := NewZkgate(conn, auth)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

var open = zk.WorldACL(zk.PermAll)

func mustCreate(t *testing.T, c *zk.Conn, p string, data []byte, flags int32, acl []zk.ACL) string {
	t.Helper()
	got, err := c.Create(p, data, flags, acl)
	if err != nil {
		t.Fatalf("create %s: %v", p, err)
	}
	return got
}

func mustGet(t *testing.T, c *zk.Conn, p string) ([]byte, *zk.Stat) {
	t.Helper()
	data, st, err := c.Get(p)
	if err != nil {
		t.Fatalf("get %s: %v", p, err)
	}
	return data, st
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// sourceCount is the source's own count of the znodes under /, less its
// /zookeeper subtree: what zkgate migrate announces before a copy.
func sourceCount(t *testing.T, s server) int {
	t.Helper()
	all, err := CountZnodes(ctx(t), s.zkAddr, nil, nil, "/", 0)
	if err != nil {
		t.Fatal(err)
	}
	system, err := CountZnodes(ctx(t), s.zkAddr, nil, nil, "/zookeeper", 0)
	if err != nil {
		t.Fatal(err)
	}
	return int(all - system)
}

// TestCopy_Tree copies a tree of every kind of znode into an empty zkgate:
// data (null kept apart from empty), ACLs, containers and TTL nodes with
// their children come over, ephemerals are listed and not copied, /zookeeper is skipped, every
// znode is counted once, and the trees then compare equal. A second copy
// changes nothing.
func TestCopy_Tree(t *testing.T) {
	from, to := startServer(t), startServer(t)
	w := from.session(t)
	readOnly := zk.WorldACL(zk.PermRead)
	mustCreate(t, w, "/app", []byte("app"), 0, open)
	mustCreate(t, w, "/app/null", nil, 0, open)
	mustCreate(t, w, "/app/empty", []byte{}, 0, open)
	mustCreate(t, w, "/app/ro", []byte("r"), 0, readOnly)
	mustCreate(t, w, "/app/eph", []byte("e"), zk.FlagEphemeral, open)
	if _, err := w.CreateContainer("/box", nil, zk.FlagContainer, open); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, w, "/box/item", []byte("i"), 0, open)
	if _, err := w.CreateTTL("/ttl", []byte("t"), zk.FlagTTL, open, time.Hour); err != nil {
		t.Fatal(err)
	}

	res, err := Copy(ctx(t), from.source(t), to.destination(t), "/", 4, nil)
	if err != nil {
		t.Fatal(err)
	}
	// /, /app, /app/null, /app/empty, /app/ro, /box, /box/item, /ttl.
	if res.Created != 7 || res.Updated != 0 || res.Unchanged != 1 {
		t.Errorf("created %d, updated %d, unchanged %d; want 7, 0, 1 (the root)", res.Created, res.Updated, res.Unchanged)
	}
	if !slices.Equal(res.Ephemerals, []string{"/app/eph"}) || len(res.Conflicts) != 0 || len(res.Unreadable) != 0 {
		t.Errorf("ephemerals %v, conflicts %v, unreadable %v", res.Ephemerals, res.Conflicts, res.Unreadable)
	}
	if !slices.Equal(res.System, []string{"/zookeeper"}) {
		t.Errorf("system %v, want [/zookeeper]", res.System)
	}
	if want := sourceCount(t, from); res.Seen() != want {
		t.Errorf("seen %d, the source counts %d", res.Seen(), want)
	}

	d := to.session(t)
	for p, want := range map[string][]byte{"/app": []byte("app"), "/app/null": nil, "/app/empty": {}, "/box/item": []byte("i")} {
		if got, _ := mustGet(t, d, p); (got == nil) != (want == nil) || string(got) != string(want) {
			t.Errorf("%s: data %#v, want %#v", p, got, want)
		}
	}
	if acl, _, err := d.GetACL("/app/ro"); err != nil || !slices.Equal(acl, readOnly) {
		t.Errorf("/app/ro: ACL %v (%v), want %v", acl, err, readOnly)
	}
	// A container's or TTL node's Stat reads ephemeralOwner 0, in
	// ZooKeeper 3.8 as in zkgate (gateway/testdata/zookeeper-3.8-behaviour.md),
	// so they are copied as the persistent znodes they read as.
	if data, _ := mustGet(t, d, "/ttl"); string(data) != "t" {
		t.Errorf("/ttl: data %q", data)
	}
	if ok, _, _ := d.Exists("/app/eph"); ok {
		t.Error("the ephemeral was copied")
	}

	diff, err := Diff(ctx(t), from.source(t), to.destination(t), "/", 4, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(diff.Differences) != 0 || diff.Compared != 8 || len(diff.Ephemerals) != 1 {
		t.Errorf("diff after the copy: %v, %d compared, ephemerals %v", diff.Differences, diff.Compared, diff.Ephemerals)
	}

	again, err := Copy(ctx(t), from.source(t), to.destination(t), "/", 4, nil)
	if err != nil {
		t.Fatal(err)
	}
	if again.Created != 0 || again.Updated != 0 || again.Unchanged != 8 || again.Sequences != 0 {
		t.Errorf("second copy: %+v, want everything unchanged", again)
	}
}

// TestCopy_Subtree copies /a/b alone: its ancestors are put first and
// counted apart, and siblings outside it are left out.
func TestCopy_Subtree(t *testing.T) {
	from, to := startServer(t), startServer(t)
	w := from.session(t)
	mustCreate(t, w, "/a", []byte("a"), 0, open)
	mustCreate(t, w, "/a/b", []byte("b"), 0, open)
	mustCreate(t, w, "/a/b/c", []byte("c"), 0, open)
	mustCreate(t, w, "/a/other", nil, 0, open)
	res, err := Copy(ctx(t), from.source(t), to.destination(t), "/a/b", 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Ancestors != 1 || res.Created != 2 {
		t.Errorf("ancestors %d, created %d; want 1, 2", res.Ancestors, res.Created)
	}
	d := to.session(t)
	if data, _ := mustGet(t, d, "/a"); string(data) != "a" {
		t.Errorf("ancestor /a: data %q", data)
	}
	if ok, _, _ := d.Exists("/a/other"); ok {
		t.Error("/a/other, outside the subtree, was copied")
	}
}

// TestCopy_ExistingAndConflicts: a znode the destination has already
// gets the source's data and ACL; one of another kind (an ephemeral of a
// zkgate session where the source has a persistent znode) is listed as a
// conflict and left as it is.
func TestCopy_ExistingAndConflicts(t *testing.T) {
	from, to := startServer(t), startServer(t)
	w, d := from.session(t), to.session(t)
	mustCreate(t, w, "/same", []byte("s"), 0, open)
	mustCreate(t, w, "/data", []byte("new"), 0, open)
	mustCreate(t, w, "/acl", []byte("a"), 0, zk.WorldACL(zk.PermRead))
	mustCreate(t, w, "/kind", []byte("k"), 0, open)
	mustCreate(t, d, "/same", []byte("s"), 0, open)
	mustCreate(t, d, "/data", []byte("old"), 0, open)
	mustCreate(t, d, "/acl", []byte("a"), 0, open)
	mustCreate(t, d, "/kind", []byte("mine"), zk.FlagEphemeral, open)

	res, err := Copy(ctx(t), from.source(t), to.destination(t), "/", 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Created != 0 || res.Updated != 2 || res.Unchanged != 2 {
		t.Errorf("created %d, updated %d, unchanged %d; want 0, 2 (/data, /acl), 2 (/, /same)", res.Created, res.Updated, res.Unchanged)
	}
	want := []string{"/kind: persistent in the source, ephemeral in the destination"}
	if !slices.Equal(res.Conflicts, want) {
		t.Errorf("conflicts %q, want %q", res.Conflicts, want)
	}
	if data, _ := mustGet(t, d, "/data"); string(data) != "new" {
		t.Errorf("/data: %q, want the source's", data)
	}
	if acl, _, _ := d.GetACL("/acl"); !slices.Equal(acl, zk.WorldACL(zk.PermRead)) {
		t.Errorf("/acl: ACL %v, want the source's", acl)
	}
	if data, st := mustGet(t, d, "/kind"); string(data) != "mine" || kindOf(st.EphemeralOwner) != Ephemeral {
		t.Errorf("/kind, a conflict, was changed: %q, %#x", data, st.EphemeralOwner)
	}
}

// TestCopy_UnreadableAndMasked: a znode whose ACL refuses the reader, and
// one whose ACL it reads masked ("admin:x", without ADMIN), are listed as
// unreadable and not copied; with the owner's auth both are copied.
func TestCopy_UnreadableAndMasked(t *testing.T) {
	from := startServer(t)
	w := from.session(t)
	admin := zk.DigestACL(zk.PermAll, "admin", "pw")
	mustCreate(t, w, "/secret", []byte("s"), 0, admin)
	mustCreate(t, w, "/masked", []byte("m"), 0, append(zk.WorldACL(zk.PermRead), admin...))

	to := startServer(t)
	res, err := Copy(ctx(t), from.source(t), to.destination(t), "/", 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"/masked" + maskedNote, "/secret"}
	if !slices.Equal(res.Unreadable, want) || res.Created != 0 {
		t.Errorf("unreadable %q, created %d; want %q, 0", res.Unreadable, res.Created, want)
	}
	d := to.session(t)
	for _, p := range []string{"/secret", "/masked"} {
		if ok, _, _ := d.Exists(p); ok {
			t.Errorf("%s was copied", p)
		}
	}
	diff, err := Diff(ctx(t), from.source(t), to.destination(t), "/", 2, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Masked but readable: only in the source. Unreadable: "!".
	if diff.Unreadable != 1 || diff.Status() != 2 {
		t.Errorf("diff: %d unreadable, status %d, %v; want 1, 2", diff.Unreadable, diff.Status(), diff.Differences)
	}

	res, err = Copy(ctx(t), from.source(t, "digest:admin:pw"), to.destination(t, "digest:admin:pw"), "/", 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Unreadable) != 0 || res.Created != 2 {
		t.Errorf("with auth: unreadable %q, created %d; want none, 2", res.Unreadable, res.Created)
	}
	if acl, _, _ := to.session(t, "digest:admin:pw").GetACL("/masked"); !slices.Equal(acl, append(zk.WorldACL(zk.PermRead), admin...)) {
		t.Errorf("/masked: ACL %v", acl)
	}
}

// TestCopy_RaisesSequence: a parent's sequence counter, which counts every
// child ever created, comes over, so zkgate's next sequential child gets
// the number the source would give, and the parent's cversion is the
// source's.
func TestCopy_RaisesSequence(t *testing.T) {
	from, to := startServer(t), startServer(t)
	w := from.session(t)
	mustCreate(t, w, "/q", nil, 0, open)
	var made []string
	for range 5 {
		made = append(made, mustCreate(t, w, "/q/n-", nil, zk.FlagSequence, open))
	}
	for _, p := range made[:3] {
		if err := w.Delete(p, -1); err != nil {
			t.Fatal(err)
		}
	}
	_, srcStat := mustGet(t, w, "/q")

	res, err := Copy(ctx(t), from.source(t), to.destination(t), "/", 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The root's counter is raised too: it has had children created.
	if res.Sequences < 1 {
		t.Errorf("sequences raised: %d", res.Sequences)
	}
	d := to.session(t)
	_, dstStat := mustGet(t, d, "/q")
	if dstStat.Cversion != srcStat.Cversion {
		t.Errorf("cversion %d, the source's %d", dstStat.Cversion, srcStat.Cversion)
	}
	next := mustCreate(t, w, "/q/n-", nil, zk.FlagSequence, open)
	if got := mustCreate(t, d, "/q/n-", nil, zk.FlagSequence, open); got != next {
		t.Errorf("next sequential child %s in zkgate, %s in the source", got, next)
	}
	// Copying again does not raise it further.
	again, err := Copy(ctx(t), from.source(t), to.destination(t), "/q", 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if again.Sequences != 0 {
		t.Errorf("second copy raised %d counters", again.Sequences)
	}
}

// TestDiff_Differences lists each kind of difference, level by level in
// path order, a subtree present on one side only once at its top, and
// the ephemerals apart; the exit status is 1.
func TestDiff_Differences(t *testing.T) {
	from, to := startServer(t), startServer(t)
	w, d := from.session(t), to.session(t)
	both := func(p string, data []byte) {
		mustCreate(t, w, p, data, 0, open)
		mustCreate(t, d, p, data, 0, open)
	}
	both("/same", []byte("x"))
	mustCreate(t, w, "/data", []byte("abc"), 0, open)
	mustCreate(t, d, "/data", []byte("ab"), 0, open)
	mustCreate(t, w, "/null", nil, 0, open)
	mustCreate(t, d, "/null", []byte{}, 0, open)
	mustCreate(t, w, "/acl", nil, 0, open)
	mustCreate(t, d, "/acl", nil, 0, zk.WorldACL(zk.PermRead))
	mustCreate(t, w, "/kind", nil, 0, open)
	mustCreate(t, d, "/kind", nil, zk.FlagEphemeral, open)
	mustCreate(t, w, "/src", nil, 0, open)
	mustCreate(t, w, "/src/child", nil, 0, open)
	mustCreate(t, d, "/dst", nil, 0, open)
	mustCreate(t, d, "/dst/child", nil, 0, open)
	both("/same/deep", nil)
	mustCreate(t, w, "/same/deep/gone", nil, 0, open)
	mustCreate(t, w, "/same/eph", nil, zk.FlagEphemeral, open)
	mustCreate(t, d, "/same/deph", nil, zk.FlagEphemeral, open)

	var reported []string
	res, err := Diff(ctx(t), from.source(t), to.destination(t), "/", 3, false, func(x Difference) { reported = append(reported, x.Path+" "+x.What) })
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"/acl acl", "/data data", "/dst only in destination", "/kind kind", "/null data", "/src only in source",
		"/same/deep/gone only in source",
	}
	if !slices.Equal(reported, want) {
		t.Errorf("reported\n%s\nwant\n%s", strings.Join(reported, "\n"), strings.Join(want, "\n"))
	}
	var lines []string
	for _, x := range res.Differences {
		lines = append(lines, x.String())
	}
	for _, line := range []string{
		"~ /data: data differs (3 bytes in the source, 2 bytes in the destination)",
		"~ /null: data differs (null in the source, 0 bytes in the destination)",
		"- /src (only in the source)",
		"+ /dst (only in the destination)",
	} {
		if !slices.Contains(lines, line) {
			t.Errorf("no line %q in\n%s", line, strings.Join(lines, "\n"))
		}
	}
	var ephemerals []string
	for _, e := range res.Ephemerals {
		ephemerals = append(ephemerals, e.String())
	}
	wantEph := []string{
		"ephemeral, not compared: /same/deph (in the destination only, a session's of zkgate)",
		"ephemeral, not compared: /same/eph (in the source; its owner recreates it once connected to zkgate)",
	}
	if !slices.Equal(ephemerals, wantEph) {
		t.Errorf("ephemerals\n%s\nwant\n%s", strings.Join(ephemerals, "\n"), strings.Join(wantEph, "\n"))
	}
	// /, /acl, /data, /kind, /null, /same, /same/deep.
	if res.Compared != 7 || res.Unreadable != 0 || res.Status() != 1 {
		t.Errorf("compared %d, unreadable %d, status %d; want 7, 0, 1", res.Compared, res.Unreadable, res.Status())
	}

	// Compared as any other znode, the ephemerals differ: each is on one
	// side only.
	res, err = Diff(ctx(t), from.source(t), to.destination(t), "/same", 1, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, x := range res.Differences {
		got = append(got, x.String())
	}
	want = []string{"+ /same/deph (only in the destination)", "- /same/eph (only in the source)", "- /same/deep/gone (only in the source)"}
	if !slices.Equal(got, want) || len(res.Ephemerals) != 0 {
		t.Errorf("with ephemerals: %q, ephemerals %v; want %q", got, res.Ephemerals, want)
	}
}

// TestDiff_Status: 0 for the same trees, 1 for differences, 2 when an ACL
// kept a znode from being compared, whatever else differs.
func TestDiff_Status(t *testing.T) {
	from, to := startServer(t), startServer(t)
	w, d := from.session(t), to.session(t)
	mustCreate(t, w, "/a", []byte("a"), 0, open)
	mustCreate(t, d, "/a", []byte("a"), 0, open)
	diff := func() DiffResult {
		t.Helper()
		res, err := Diff(ctx(t), from.source(t), to.destination(t), "/", 2, false, nil)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if res := diff(); res.Status() != 0 || len(res.Differences) != 0 {
		t.Errorf("same trees: status %d, %v", res.Status(), res.Differences)
	}
	if _, err := d.Set("/a", []byte("b"), -1); err != nil {
		t.Fatal(err)
	}
	if res := diff(); res.Status() != 1 {
		t.Errorf("different data: status %d, %v", res.Status(), res.Differences)
	}
	mustCreate(t, d, "/locked", nil, 0, zk.DigestACL(zk.PermAll, "admin", "pw"))
	mustCreate(t, w, "/locked", nil, 0, open)
	res := diff()
	if res.Status() != 2 || res.Unreadable != 1 {
		t.Errorf("unreadable in the destination: status %d, %d unreadable", res.Status(), res.Unreadable)
	}
	if !slices.ContainsFunc(res.Differences, func(x Difference) bool {
		return x.String() == "! /locked: the destination's ACL refuses to read it: give --to-auth"
	}) {
		t.Errorf("no line for /locked in %v", res.Differences)
	}
}

// TestFollow_BringsChangesOver: after the first pass, data changes,
// creations (sequential ones with their counter), deletions of whole
// subtrees and a deletion followed by a creation anew all reach the
// destination, until the trees compare equal; ephemerals are listed and
// not copied; Follow returns nil once its context ends.
func TestFollow_BringsChangesOver(t *testing.T) {
	t.Run("ZooKeeper protocol", func(t *testing.T) {
		testFollowBringsChangesOver(t, func(ctx context.Context, from, to server, copied func(CopyResult)) (CopyResult, error) {
			return Follow(ctx, from.source(t), to.destination(t), "/f", Options{Workers: 4}, copied)
		})
	})
	// Into a destination written through the ZooKeeper protocol (as a
	// ZooKeeper ensemble is): counters raised by scratch creations.
	t.Run("ZooKeeper protocol into ZooKeeper protocol", func(t *testing.T) {
		testFollowBringsChangesOver(t, func(ctx context.Context, from, to server, copied func(CopyResult)) (CopyResult, error) {
			return Follow(ctx, from.source(t), to.source(t), "/f", Options{Workers: 4}, copied)
		})
	})
	// FollowZkgate: the same, the source a zkgate read through gRPC.
	t.Run("zkgate gRPC", func(t *testing.T) {
		testFollowBringsChangesOver(t, func(ctx context.Context, from, to server, copied func(CopyResult)) (CopyResult, error) {
			return FollowZkgate(ctx, from.destination(t), to.destination(t), "/f", Options{Workers: 4}, copied)
		})
	})
	t.Run("zkgate gRPC into ZooKeeper protocol", func(t *testing.T) {
		testFollowBringsChangesOver(t, func(ctx context.Context, from, to server, copied func(CopyResult)) (CopyResult, error) {
			return FollowZkgate(ctx, from.destination(t), to.source(t), "/f", Options{Workers: 4}, copied)
		})
	})
}

func testFollowBringsChangesOver(t *testing.T, follow func(ctx context.Context, from, to server, copied func(CopyResult)) (CopyResult, error)) {
	from, to := startServer(t), startServer(t)
	w := from.session(t)
	mustCreate(t, w, "/f", []byte("v1"), 0, open)
	mustCreate(t, w, "/f/old", nil, 0, open)
	mustCreate(t, w, "/f/old/kid", nil, 0, open)
	mustCreate(t, w, "/f/again", []byte("first"), 0, open)

	fctx, stop := context.WithCancel(context.Background())
	defer stop()
	firstPass := make(chan CopyResult, 1)
	done := make(chan error, 1)
	var final CopyResult
	go func() {
		var err error
		final, err = follow(fctx, from, to, func(r CopyResult) { firstPass <- r })
		done <- err
	}()
	select {
	case r := <-firstPass:
		if r.Created != 4 {
			t.Errorf("first pass created %d, want 4", r.Created)
		}
	case err := <-done:
		t.Fatalf("Follow returned before its first pass: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("no first pass in 30s")
	}

	if _, err := w.Set("/f", []byte("v2"), -1); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, w, "/f/new", []byte("n"), 0, open)
	mustCreate(t, w, "/f/new/deeper", []byte("d"), 0, open)
	for range 3 {
		mustCreate(t, w, "/f/s-", nil, zk.FlagSequence, open)
	}
	mustCreate(t, w, "/f/eph", nil, zk.FlagEphemeral, open)
	for _, p := range []string{"/f/old/kid", "/f/old", "/f/again"} {
		if err := w.Delete(p, -1); err != nil {
			t.Fatal(err)
		}
	}
	mustCreate(t, w, "/f/again", []byte("second"), 0, open)
	// Last, a sequential child created and deleted at once: its number
	// counts all the same.
	if err := w.Delete(mustCreate(t, w, "/f/s-", nil, zk.FlagSequence, open), -1); err != nil {
		t.Fatal(err)
	}

	// Wait for the destination to match, the sequence counter of /f
	// included, reading it afresh each time.
	check, checkDst := from.source(t), to.destination(t)
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := Diff(ctx(t), check, checkDst, "/f", 2, false, nil)
		if err != nil {
			t.Fatal(err)
		}
		a, err := check.Node(ctx(t), "/f")
		if err != nil {
			t.Fatal(err)
		}
		b, err := checkDst.Node(ctx(t), "/f")
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Differences) == 0 && a.NextSequence() == b.NextSequence() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("destination still differs after 30s: %v; next sequence %d in the source, %d in the destination",
				res.Differences, a.NextSequence(), b.NextSequence())
		}
		select {
		case err := <-done:
			t.Fatalf("Follow returned: %v", err)
		case <-time.After(20 * time.Millisecond):
		}
	}
	d := to.session(t)
	if data, _ := mustGet(t, d, "/f/again"); string(data) != "second" {
		t.Errorf("/f/again: %q, want the znode created anew", data)
	}
	stop()
	select {
	case err := <-done:
		// Follow returns nil when its context ends between two changes;
		// one ending in the middle of bringing a change over may fail
		// that change's request instead.
		if err != nil {
			t.Logf("Follow: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Follow did not return once its context ended")
	}
	if !slices.Contains(final.Ephemerals, "/f/eph") {
		t.Errorf("ephemerals %v, want /f/eph listed", final.Ephemerals)
	}
}

// TestDialZooKeeper_Refused: an address that refuses is one error naming
// it, within the dial timeout.
func TestDialZooKeeper_Refused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	_, err = DialZooKeeper(context.Background(), addr, nil, nil, 2*time.Second)
	if err == nil || !strings.Contains(err.Error(), addr) {
		t.Fatalf("DialZooKeeper(%s) = %v, want an error naming it", addr, err)
	}
}

// TestZooKeeper_Chroot: a source read under a chroot sees it as its root,
// and its /zookeeper is skipped as the server's own would be.
func TestZooKeeper_Chroot(t *testing.T) {
	from, to := startServer(t), startServer(t)
	w := from.session(t)
	mustCreate(t, w, "/tenant", nil, 0, open)
	mustCreate(t, w, "/tenant/cfg", []byte("c"), 0, open)
	mustCreate(t, w, "/tenant/zookeeper", nil, 0, open)
	mustCreate(t, w, "/outside", nil, 0, open)
	src, err := DialZooKeeper(ctx(t), from.zkAddr+"/tenant", nil, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	res, err := Copy(ctx(t), src, to.destination(t), "/", 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Created != 1 || !slices.Equal(res.System, []string{"/zookeeper"}) {
		t.Errorf("created %d, system %v; want 1 (/cfg), [/zookeeper]", res.Created, res.System)
	}
	d := to.session(t)
	if data, _ := mustGet(t, d, "/cfg"); string(data) != "c" {
		t.Errorf("/cfg: %q", data)
	}
	if ok, _, _ := d.Exists("/outside"); ok {
		t.Error("/outside, outside the chroot, was copied")
	}
}

// gatedDest is a destination whose creations under parent wait until
// want of them are in flight at once: a copy that creates them one at a
// time never gets past the first.
type gatedDest struct {
	Dest
	parent string
	want   int
	mu     sync.Mutex
	n      int
	all    chan struct{}
}

func (d *gatedDest) Create(ctx context.Context, p string, n *Node) (bool, error) {
	if schema.Parent(p) == d.parent {
		d.mu.Lock()
		if d.n++; d.n == d.want {
			close(d.all)
		}
		d.mu.Unlock()
		select {
		case <-d.all:
		case <-ctx.Done():
			return false, fmt.Errorf("%s: %d creations in flight at most, want %d", p, d.n, d.want)
		}
	}
	return d.Dest.Create(ctx, p, n)
}

// TestFollow_FirstPassInParallel: Follow's first pass creates the
// znodes of a level side by side, workers at a time, as Copy does: with
// 4 workers, 4 children of one parent are being created at once.
func TestFollow_FirstPassInParallel(t *testing.T) {
	from, to := startServer(t), startServer(t)
	w := from.session(t)
	mustCreate(t, w, "/p", nil, 0, open)
	for i := range 8 {
		mustCreate(t, w, fmt.Sprintf("/p/k%d", i), nil, 0, open)
	}
	dst := &gatedDest{Dest: to.destination(t), parent: "/p", want: 4, all: make(chan struct{})}
	fctx, stop := context.WithTimeout(context.Background(), 30*time.Second)
	defer stop()
	copied := make(chan CopyResult, 1)
	done := make(chan error, 1)
	go func() {
		_, err := Follow(fctx, from.source(t), dst, "/p", Options{Workers: 4}, func(r CopyResult) { copied <- r; stop() })
		done <- err
	}()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-copied:
		if r.Created != 9 {
			t.Errorf("first pass created %d, want 9", r.Created)
		}
	default:
		t.Fatal("no first pass")
	}
}

// TestFollow_LeavesTheDestinationsEphemerals: an owner that moved to the
// destination has recreated its ephemeral there before its session in
// the source ended; when the source's ephemeral goes, Follow leaves the
// destination's alone and lists it, and it still deletes what the
// source deletes otherwise.
func TestFollow_LeavesTheDestinationsEphemerals(t *testing.T) {
	from, to := startServer(t), startServer(t)
	w := from.session(t)
	mustCreate(t, w, "/m", nil, 0, open)
	mustCreate(t, w, "/m/gone", nil, 0, open)
	old := from.session(t)
	mustCreate(t, old, "/m/member", []byte("old"), zk.FlagEphemeral, open)

	fctx, stop := context.WithCancel(context.Background())
	defer stop()
	copied := make(chan struct{})
	done := make(chan CopyResult, 1)
	go func() {
		r, err := Follow(fctx, from.source(t), to.destination(t), "/m", Options{Workers: 2}, func(CopyResult) { close(copied) })
		if err != nil {
			t.Error(err)
		}
		done <- r
	}()
	<-copied
	moved := to.session(t)
	mustCreate(t, moved, "/m/member", []byte("new"), zk.FlagEphemeral, open)
	old.Close()
	if err := w.Delete("/m/gone", -1); err != nil {
		t.Fatal(err)
	}
	// /m/gone goes after /m/member's removal in the source: once it is
	// gone from the destination, the member's removal was handled.
	d := to.session(t)
	for {
		ok, _, ev, err := d.ExistsW("/m/gone")
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
		select {
		case <-ev:
		case <-time.After(30 * time.Second):
			t.Fatal("/m/gone was not deleted from the destination")
		}
	}
	if data, _ := mustGet(t, d, "/m/member"); string(data) != "new" {
		t.Fatalf("/m/member in the destination: %q", data)
	}
	stop()
	r := <-done
	if !slices.Equal(r.Kept, []string{"/m/member"}) {
		t.Errorf("kept %v, want [/m/member]", r.Kept)
	}
}

// TestFollow_DeleteMakesTheDestinationTheSources: with Options.Delete,
// Follow's first pass deletes what the destination has more (a subtree,
// under a parent the source has too), but an ephemeral of the
// destination's own, which it lists, in both kinds of follow.
func TestFollow_DeleteMakesTheDestinationTheSources(t *testing.T) {
	for name, follow := range map[string]func(ctx context.Context, from, to server, copied func(CopyResult)) (CopyResult, error){
		"ZooKeeper protocol": func(ctx context.Context, from, to server, copied func(CopyResult)) (CopyResult, error) {
			return Follow(ctx, from.source(t), to.destination(t), "/d", Options{Workers: 2, Delete: true}, copied)
		},
		"zkgate gRPC": func(ctx context.Context, from, to server, copied func(CopyResult)) (CopyResult, error) {
			return FollowZkgate(ctx, from.destination(t), to.destination(t), "/d", Options{Workers: 2, Delete: true}, copied)
		},
	} {
		t.Run(name, func(t *testing.T) {
			from, to := startServer(t), startServer(t)
			w, d := from.session(t), to.session(t)
			for _, c := range []*zk.Conn{w, d} {
				mustCreate(t, c, "/d", nil, 0, open)
				mustCreate(t, c, "/d/both", nil, 0, open)
			}
			mustCreate(t, d, "/d/both/stale", nil, 0, open)
			mustCreate(t, d, "/d/both/stale/deep", nil, 0, open)
			mustCreate(t, d, "/d/live", nil, zk.FlagEphemeral, open)
			fctx, stop := context.WithCancel(context.Background())
			defer stop()
			var first CopyResult
			_, err := follow(fctx, from, to, func(r CopyResult) { first = r; stop() })
			if err != nil {
				t.Fatal(err)
			}
			if first.Deleted != 2 || !slices.Equal(first.Kept, []string{"/d/live"}) {
				t.Errorf("deleted %d, kept %v; want 2, [/d/live]", first.Deleted, first.Kept)
			}
			if ok, _, err := d.Exists("/d/both/stale"); err != nil || ok {
				t.Errorf("/d/both/stale is still in the destination (%v)", err)
			}
			if ok, _, err := d.Exists("/d/live"); err != nil || !ok {
				t.Errorf("/d/live, the destination's ephemeral, was deleted (%v)", err)
			}
		})
	}
}
