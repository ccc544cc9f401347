package e2e

// Differential tests: the same operation scripts run against a real
// ZooKeeper 3.8 and against zkgate, and the normalized transcripts must be
// identical, step by step. The runner, its transcript and its
// normalizations are in package differential (see its doc).

import (
	"fmt"
	"testing"

	"github.com/zkgate/zkgate/e2e/differential"
	"github.com/zkgate/zkgate/e2e/harness"
	"github.com/zkgate/zkgate/zkbridge/jute"
)

// Shorthands for the scripts.
var (
	worldAll = differential.WorldAll
	acl      = differential.ACL
	mCreate  = differential.MCreate
	mOp      = differential.MOp
)

const nullData = differential.NullData

// knownDifferences are the steps where zkgate is known to answer unlike
// ZooKeeper 3.8 (differential.KnownDifference).
var knownDifferences = []differential.KnownDifference{
	{Script: "edges2", Step: 16,
		ZK:   "session=S2 timeout=10000 passwdLen=16 readOnly=false",
		Gate: "session=S2 timeout=30000 passwdLen=16 readOnly=false",
		Why: "a reconnect keeps the session timeout negotiated when the session was created: the session is an " +
			"etcd lease, whose TTL etcd cannot change, so zkgate answers the timeout it will keep to " +
			"(ZooKeeper 3.8 renegotiates it from the reconnect's request)"},
	{Script: "edges2", Step: 198,
		ZK:   "  event NodeCreated SyncConnected \"/e2/mp/x\" zxid=-1\n  event NodeChildrenChanged SyncConnected \"/e2/mp\" zxid=-1\n  event NodeChildrenChanged SyncConnected \"/e2/mp\" zxid=-1\n  -> Ok hz=~Z192",
		Gate: "  -> Ok hz=~Z192",
		Why:  multiOneWritePerKey},
	{Script: "edges2", Step: 199,
		ZK:   "  event NodeCreated SyncConnected \"/e2/mp/x\" zxid=-1\n  event NodeDeleted SyncConnected \"/e2/mp/x\" zxid=-1\n  -> Ok hz=~Z192",
		Gate: "  -> Ok hz=~Z192",
		Why:  multiOneWritePerKey},
	{Script: "edges2", Step: 201,
		ZK:   "  event NodeDataChanged SyncConnected \"/e2/mp\" zxid=-1\n  event NodeDataChanged SyncConnected \"/e2/mp\" zxid=-1\n  -> Ok hz=~Z200",
		Gate: "  event NodeDataChanged SyncConnected \"/e2/mp\" zxid=-1\n  -> Ok hz=~Z200",
		Why:  multiOneWritePerKey},
	{Script: "edges2", Step: 202,
		ZK:   "  event NodeDataChanged SyncConnected \"/e2/mp\" zxid=-1\n  event NodeDataChanged SyncConnected \"/e2/mp\" zxid=-1\n  -> Ok hz=~Z200",
		Gate: "  event NodeDataChanged SyncConnected \"/e2/mp\" zxid=-1\n  -> Ok hz=~Z200",
		Why:  multiOneWritePerKey},
	{Script: "edges2", Step: 204,
		ZK:   "  event NodeChildrenChanged SyncConnected \"/e2/mp\" zxid=-1\n  event NodeChildrenChanged SyncConnected \"/e2/mp\" zxid=-1\n  event NodeChildrenChanged SyncConnected \"/e2/mp\" zxid=-1\n  -> Ok hz=~Z203",
		Gate: "  event NodeChildrenChanged SyncConnected \"/e2/mp\" zxid=-1\n  -> Ok hz=~Z203",
		Why:  multiOneWritePerKey},
	{Script: "edges2", Step: 205,
		ZK:   "  event NodeCreated SyncConnected \"/e2/mp/y\" zxid=-1\n  event NodeDataChanged SyncConnected \"/e2/mp/y\" zxid=-1\n  event NodeDeleted SyncConnected \"/e2/mp/y\" zxid=-1\n  event NodeCreated SyncConnected \"/e2/mp/y\" zxid=-1\n  -> Ok hz=~Z203",
		Gate: "  event NodeCreated SyncConnected \"/e2/mp/y\" zxid=-1\n  -> Ok hz=~Z203",
		Why:  multiOneWritePerKey},
}

// multiOneWritePerKey is why a multi that writes one znode more than once
// fires fewer events than ZooKeeper.
const multiOneWritePerKey = "a multi that writes one znode more than once (create then delete, two setData, " +
	"create, setData, delete and create again) fires the events of the znode's net change, once, where ZooKeeper " +
	"fires every op's: a multi is one etcd transaction, which holds one write per key, and watches follow " +
	"etcd's events (a znode created and deleted by one multi fires nothing); the final state a client reads " +
	"after its events is the same"

func TestDifferential(t *testing.T) {
	scripts := differentialScripts()
	zk, gate := startZooKeeperAndNode(t, harness.NodeOptions{Args: []string{
		"--zk-min-session-timeout", "4000",
		"--zk-max-session-timeout", "40000",
		"--zk-container-check-interval", "1000",
		"--zk-4lw-whitelist", "*",
	}})
	for _, sc := range scripts {
		t.Run(sc.Name, func(t *testing.T) {
			differential.Run(t, zk.Addr, gate.ZKAddr, sc, knownDifferences)
		})
	}
}

// so one ZooKeeper and one zkgate serve them all; "pristine" reads the
// root and /zookeeper and runs first.

func differentialScripts() []*differential.Script {
	return []*differential.Script{
		scriptPristine(),
		scriptCRUD(),
		scriptCreateFlags(),
		scriptPaths(),
		scriptSequential(),
		scriptACL(),
		scriptMulti(),
		scriptWatches(),
		scriptPersistentWatches(),
		scriptEphemerals(),
		scriptMisc(),
		scriptExpiry(),
		scriptContainers(),
		scriptTTL(),
		scriptSetWatches(),
		scriptNullData(), scriptACLForms(), scriptEdges2(),
	}
}

// scriptPristine: the root, /zookeeper, /zookeeper/quota and
// /zookeeper/config of a fresh server (facts 3, 9), and what clients may
// and may not do to them (facts 1).
func scriptPristine() *differential.Script {
	s := differential.New("pristine")
	s.Connect("a", 30000)
	for _, p := range []string{"/", "", "/zookeeper", "/zookeeper/quota", "/zookeeper/config"} {
		s.Exists("a", p, false)
		s.Get("a", p, false)
		s.GetACL("a", p)
		s.Children2("a", p, false)
	}
	s.Call("a", jute.OpGetAllChildrenNumber, &jute.GetAllChildrenNumberRequest{Path: "/"})
	s.Call("a", jute.OpGetAllChildrenNumber, &jute.GetAllChildrenNumberRequest{Path: ""})
	s.Call("a", jute.OpGetAllChildrenNumber, &jute.GetAllChildrenNumberRequest{Path: "/zookeeper"})
	for _, p := range []string{"/", "/zookeeper", "/zookeeper/quota", "/zookeeper/config"} {
		s.Del("a", p, -1)
		s.C2("a", p, "")
	}
	s.Set("a", "/zookeeper/config", "x", -1)
	s.SetACL("a", "/zookeeper/config", worldAll, -1)
	s.C2("a", "/zookeeper/config/x", "")
	s.C2("a", "/zookeeper/x", "zx")
	s.C2("a", "/zookeeper/quota/x", "")
	s.Exists("a", "/zookeeper", false)
	s.Exists("a", "/zookeeper/quota", false)
	s.Del("a", "/zookeeper/x", 0)
	s.Del("a", "/zookeeper/quota/x", 0)
	s.Exists("a", "/zookeeper", false)
	s.Set("a", "/zookeeper/quota", "q", 0)
	s.Set("a", "/", "root", -1)
	s.SetACL("a", "/", worldAll, 0)
	s.Exists("a", "/", false)
	s.C2("a", "/pristine", "")
	s.Exists("a", "/", false)
	s.Children("a", "/", false)
	return s
}

// scriptCRUD: create, exists, getData, setData and delete with versions
// and their error precedence (facts 2, 3).
func scriptCRUD() *differential.Script {
	s := differential.New("crud")
	s.Connect("a", 30000)
	s.C2("a", "/crud", "")
	s.Create("a", jute.OpCreate, "/crud/a", "hello", 0)
	s.Create("a", jute.OpCreate, "/crud/a", "again", 0)
	s.Exists("a", "/crud/a", false)
	s.Exists("a", "/crud", false)
	s.Get("a", "/crud/a", false)
	s.Set("a", "/crud/a", "v1", -1)
	s.Set("a", "/crud/a", "v1", 1) // identical data still bumps
	s.Set("a", "/crud/a", "v3", 7)
	s.Set("a", "/crud/a", "v3", -2)
	s.Set("a", "/crud/missing", "x", 5)
	s.Set("a", "/crud/missing", "x", -1)
	s.Get("a", "/crud/a", false)
	s.Exists("a", "/crud", false)
	s.C2("a", "/crud/a/child", "c")
	s.Set("a", "/crud/a/child", "c2", -1)
	s.Exists("a", "/crud/a", false)
	s.Del("a", "/crud/a", 7) // BadVersion before NotEmpty
	s.Del("a", "/crud/a", 2) // NotEmpty
	s.Del("a", "/crud/a/child", 0)
	s.Del("a", "/crud/a/child", -1)
	s.Del("a", "/crud/a", 5)
	s.Del("a", "/crud/a", 2)
	s.Exists("a", "/crud", false)
	s.Get("a", "/crud/a", false)
	s.Del("a", "/crud/missing/x", -1)
	s.C2("a", "/crud/missing/x", "")
	// Null and empty data.
	s.Create("a", jute.OpCreate2, "/crud/null", nullData, 0)
	s.Get("a", "/crud/null", false)
	s.C2("a", "/crud/empty", "")
	s.Get("a", "/crud/empty", false)
	s.Set("a", "/crud/empty", nullData, -1)
	s.Get("a", "/crud/empty", false)
	// Ephemeral parent.
	s.Create("a", jute.OpCreate2, "/crud/e", "", jute.ModeEphemeral)
	s.C2("a", "/crud/e/x", "")
	s.Create("a", jute.OpCreate2, "/crud/e/x", "", jute.ModeEphemeralSequential)
	s.Create("a", jute.OpCreate2, "/crud/e/", "", jute.ModePersistentSequential)
	s.Create("a", jute.OpCreate2, "/crud/e", "", jute.ModeEphemeral)
	// getChildren, getChildren2, getAllChildrenNumber.
	s.C2("a", "/crud/g", "")
	s.C2("a", "/crud/g/b", "")
	s.C2("a", "/crud/g/a", "")
	s.C2("a", "/crud/g/a/x", "")
	s.C2("a", "/crud/g/a/x/y", "")
	s.Children("a", "/crud/g", false)
	s.Children2("a", "/crud/g", false)
	s.Children("a", "/crud/nope", false)
	s.Children2("a", "/crud/nope", false)
	for _, p := range []string{"/crud/g", "/crud/g/a", "/crud/g/a/x/y", "/crud/g/", "crud", "/crud/nope"} {
		s.Call("a", jute.OpGetAllChildrenNumber, &jute.GetAllChildrenNumberRequest{Path: p})
	}
	// sync echoes its path and validates nothing.
	for _, p := range []string{"/crud", "/crud/nope", "", "a", "/a/../b"} {
		s.Call("a", jute.OpSync, &jute.SyncRequest{Path: p})
	}
	s.CloseSession("a")
	return s
}

// scriptCreateFlags: every create opcode with every flag (facts 7).
func scriptCreateFlags() *differential.Script {
	s := differential.New("createflags")
	s.Connect("a", 30000)
	s.C2("a", "/cf", "")
	for f := jute.CreateMode(-1); f <= 7; f++ {
		s.Create("a", jute.OpCreate, fmt.Sprintf("/cf/c1-%d", f), "d", f)
		s.Create("a", jute.OpCreate2, fmt.Sprintf("/cf/c2-%d", f), "d", f)
		s.Create("a", jute.OpCreateContainer, fmt.Sprintf("/cf/cc-%d", f), "d", f)
		s.CreateTTL("a", fmt.Sprintf("/cf/ct-%d", f), f, 100000)
	}
	for _, ttl := range []int64{0, -1, 1, 1<<40 - 1, 1 << 40} {
		s.CreateTTL("a", fmt.Sprintf("/cf/ttl-%d", ttl), jute.ModePersistentWithTTL, ttl)
	}
	s.Children("a", "/cf", false)
	s.Exists("a", "/cf", false)
	s.Call("a", jute.OpGetEphemerals, &jute.GetEphemeralsRequest{PrefixPath: "/cf"})
	return s
}

// scriptPaths: path validation per operation (facts 1).
func scriptPaths() *differential.Script {
	s := differential.New("paths")
	s.Connect("a", 30000)
	s.C2("a", "/pth", "")
	s.C2("a", "/pth/a", "")
	s.C2("a", "/pth/a/b", "")
	s.CreateACL("a", "/pth/locked", []jute.ACL{acl(jute.PermAll, "digest", "nobody:x")}, 0)
	paths := []string{
		"", "a", "/pth/a/", "//pth", "/pth/a//b", "/pth/a/./b", "/pth/a/../b",
		"/pth/.", "/pth/..", "/pth/a/.", "/pth/a/..", "/pth/a/b/.",
		"/pth/a\x00b", "/pth/a\x01b", "/pth/a\tb", "/pth/a\x7fb", "/pth/a\u0080b", "/pth/a\u009fb",
		"/pth/a\xed\xa0\x80b", "/pth/a\ue000b", "/pth/a\uf8ffb", "/pth/a\ufff0b", "/pth/a\ufffdb", "/pth/a\uffffb",
		"/pth/a\U0001F600b", "/pth/a\xffb", "/pth/a\xc0\x80b",
		"/pth/a\u00a0b", "/pth/a\uf900b", "/pth/a\ufeffb", "/pth/a\uffefb", "/pth/a b", "/pth/ ",
		"/pth/a\\b", "/pth/é", "/pth/a/.b", "/pth/a/..b", "/pth/a/...", "/pth/a/b.",
		"/pth/locked/", "/pth/locked/./b", "/pth/nonexist/./b", "/pth/nonexist/", "/pth/a/b/c/",
		"/zookeeper/./x",
	}
	for _, p := range paths {
		s.Create("a", jute.OpCreate2, p, "", 0)
		s.Create("a", jute.OpCreate2, p, "", jute.ModePersistentSequential)
		s.Del("a", p, -1)
		s.Set("a", p, "x", -1)
		s.SetACL("a", p, worldAll, -1)
		s.Exists("a", p, false)
		s.Get("a", p, false)
		s.Children("a", p, false)
		s.GetACL("a", p)
		s.Multi("a", mOp(jute.OpCheck, &jute.CheckVersionRequest{Path: p, Version: -1}))
	}
	s.Children("a", "/pth", false)
	s.Children("a", "/pth/a", false)
	return s
}

// scriptSequential: sequence numbers count child creations of any kind,
// never deletions (facts 5).
func scriptSequential() *differential.Script {
	s := differential.New("sequential")
	s.Connect("a", 30000)
	s.C2("a", "/seq", "")
	s.Create("a", jute.OpCreate2, "/seq/s-", "", jute.ModePersistentSequential)
	s.Create("a", jute.OpCreate2, "/seq/s-", "", jute.ModePersistentSequential)
	s.Del("a", "/seq/s-0000000000", -1)
	s.Create("a", jute.OpCreate2, "/seq/s-", "", jute.ModePersistentSequential)
	s.Exists("a", "/seq", false)
	s.Del("a", "/seq/s-0000000001", -1)
	s.Del("a", "/seq/s-0000000002", -1)
	s.Create("a", jute.OpCreate, "/seq/s-", "", jute.ModeEphemeralSequential)
	s.Exists("a", "/seq", false)
	s.C2("a", "/seq/plain", "")
	s.Del("a", "/seq/plain", -1)
	s.Create("a", jute.OpCreate2, "/seq/", "", jute.ModePersistentSequential)
	s.C2("a", "/seq/plain", "") // a failed create counts nothing
	s.C2("a", "/seq/plain", "")
	s.Multi("a", mCreate("/seq/m-", jute.ModePersistentSequential), mCreate("/seq/m-", jute.ModePersistentSequential))
	s.Multi("a", mCreate("/seq/f-", jute.ModePersistentSequential), mCreate("/seq/plain", 0))
	s.Create("a", jute.OpCreate2, "/seq/z", "", jute.ModePersistentSequential)
	s.Children2("a", "/seq", false)
	s.CloseSession("a")
	s.Connect("b", 30000)
	s.Children2("b", "/seq", false)
	return s
}

var (
	aliceID = "alice:V55/p2T0OpjQ+low3NVAH4aLvm0="
	aliceRW = []jute.ACL{acl(jute.PermAll, "digest", aliceID), acl(jute.PermRead, "world", "anyone")}
)

// scriptACL: digest auth, ACL checks and their order, masked getACL,
// setACL with aversion, InvalidACL, the auth scheme, whoAmI (facts 2, 10).
func scriptACL() *differential.Script {
	s := differential.New("acl")
	s.Connect("a", 30000)
	s.Connect("b", 30000)
	s.Call("a", jute.OpWhoAmI, nil)
	s.Auth("a", "digest", "alice:pw")
	s.Call("a", jute.OpWhoAmI, nil)
	s.C2("a", "/acl", "")
	s.CreateACL("a", "/acl/r", aliceRW, 0)
	s.GetACL("a", "/acl/r")
	s.GetACL("b", "/acl/r") // READ only: digest masked
	s.Get("b", "/acl/r", false)
	s.Set("b", "/acl/r", "x", -1)
	s.Set("b", "/acl/r", "x", 9)
	s.SetACL("b", "/acl/r", worldAll, 5)
	s.C2("b", "/acl/r/x", "")
	s.SetACL("a", "/acl/r", aliceRW, 5)
	s.SetACL("a", "/acl/r", aliceRW, 0)
	s.SetACL("a", "/acl/r", aliceRW, 0)
	s.Exists("a", "/acl/r", false)
	// A node nobody but alice can touch.
	s.CreateACL("a", "/acl/L", []jute.ACL{acl(jute.PermAll, "digest", aliceID)}, 0)
	s.C2("a", "/acl/L/child", "")
	s.CreateACL("a", "/acl/L/eph", worldAll, jute.ModeEphemeral)
	s.Exists("b", "/acl/L", false)
	s.Get("b", "/acl/L", false)
	s.Children("b", "/acl/L", false)
	s.Children2("b", "/acl/L", false)
	s.GetACL("b", "/acl/L")
	s.Call("b", jute.OpGetAllChildrenNumber, &jute.GetAllChildrenNumberRequest{Path: "/acl/L"})
	s.Call("b", jute.OpSync, &jute.SyncRequest{Path: "/acl/L"})
	s.C2("b", "/acl/L/x", "")
	s.C2("b", "/acl/L/x/y", "")
	s.Del("b", "/acl/L/missing", -1)
	s.Del("b", "/acl/L/child", -1)
	s.Multi("b", mOp(jute.OpCheck, &jute.CheckVersionRequest{Path: "/acl/L", Version: 5}))
	s.Call("b", jute.OpMultiRead, &jute.MultiRequest{Ops: []jute.MultiOp{
		mOp(jute.OpGetData, &jute.GetDataRequest{Path: "/acl/L"}),
		mOp(jute.OpGetData, &jute.GetDataRequest{Path: "/acl/r"}),
	}})
	s.Call("a", jute.OpGetEphemerals, &jute.GetEphemeralsRequest{PrefixPath: "/acl/L"})
	// getACL needs READ or ADMIN.
	for _, p := range []int32{jute.PermRead, jute.PermAdmin, jute.PermWrite, jute.PermCreate | jute.PermDelete, 0} {
		path := fmt.Sprintf("/acl/p%d", p)
		s.CreateACL("a", path, []jute.ACL{acl(p, "world", "anyone")}, 0)
		s.GetACL("b", path)
		s.Get("b", path, false)
		s.Get("a", path, false)
	}
	// delete needs DELETE on the parent only.
	s.Del("b", "/acl/L", 5)
	s.Del("a", "/acl/L/child", -1)
	s.Del("a", "/acl/L/eph", -1)
	// Invalid ACLs, checked before everything but the cheap path check.
	invalid := [][]jute.ACL{
		{}, nil, {acl(31, "bogus", "x")}, {acl(31, "world", "someone")},
		{acl(31, "auth", "")}, {acl(1, "world", "anyone"), acl(31, "auth", "")},
		{acl(31, "ip", "300.1.1.1")}, {acl(31, "ip", "127.0.0.1/33")}, {acl(31, "ip", "")},
		{acl(31, "digest", "alice")}, {acl(31, "digest", "alice:")},
	}
	for i, a := range invalid {
		s.CreateACL("b", fmt.Sprintf("/acl/inv%d", i), a, 0)
	}
	s.CreateACL("b", "/acl/r", nil, 0)
	s.CreateACL("b", "/acl/missing/x", []jute.ACL{}, 0)
	s.CreateACL("b", "acl", []jute.ACL{}, 0)
	s.SetACL("b", "/acl/missing", []jute.ACL{}, -1)
	// Accepted oddities.
	valid := [][]jute.ACL{
		{acl(0, "world", "anyone")}, {acl(32, "world", "anyone")}, {acl(-1, "world", "anyone")},
		{acl(31, "digest", "alice:pw")}, {acl(31, "ip", "127.0.0.1")}, {acl(31, "ip", "10.0.0.0/8")},
		{acl(31, "world", "anyone"), acl(31, "world", "anyone"), acl(1, "world", "anyone")},
		{acl(5, "auth", "ignored")}, {acl(1, "world", "anyone"), acl(31, "auth", "")},
	}
	for i, a := range valid {
		p := fmt.Sprintf("/acl/ok%d", i)
		s.CreateACL("a", p, a, 0)
		s.GetACL("a", p)
		s.Get("b", p, false)
	}
	// More identities.
	s.Auth("a", "digest", "bob:pw")
	s.Auth("a", "digest", "alice:pw")
	s.Call("a", jute.OpWhoAmI, nil)
	s.CreateACL("a", "/acl/two", []jute.ACL{acl(31, "auth", "")}, 0)
	s.GetACL("a", "/acl/two")
	s.Auth("b", "digest", "alice:wrong")
	s.Get("b", "/acl/L", false)
	s.Auth("b", "digest", "nocolon")
	s.Auth("b", "digest", "")
	s.Auth("b", "ip", "127.0.0.1")
	s.Call("b", jute.OpWhoAmI, nil)
	s.Auth("b", "bogus", "x")
	s.Connect("c", 30000)
	s.Auth("c", "world", "anyone")
	return s
}

// scriptMulti: multi success and failure results, one zxid per multi,
// ops seeing earlier ops, multiRead (facts 6).
func scriptMulti() *differential.Script {
	s := differential.New("multi")
	s.Connect("a", 30000)
	s.C2("a", "/m", "")
	s.C2("a", "/m/x", "x")
	s.Multi("a",
		mCreate("/m/a", 0),
		mOp(jute.OpCreate2, &jute.CreateRequest{Path: "/m/b", Data: []byte("b"), ACL: worldAll}),
		mOp(jute.OpCreateContainer, &jute.CreateRequest{Path: "/m/c", Data: []byte("c"), ACL: worldAll, Flags: jute.ModeContainer}),
		mOp(jute.OpCreateTTL, &jute.CreateTTLRequest{Path: "/m/t", Data: []byte("t"), ACL: worldAll, Flags: jute.ModePersistentWithTTL, TTL: 100000}),
		mOp(jute.OpSetData, &jute.SetDataRequest{Path: "/m/x", Data: []byte("y"), Version: 0}),
		mOp(jute.OpCheck, &jute.CheckVersionRequest{Path: "/m/x", Version: 1}),
		mOp(jute.OpDelete, &jute.DeleteRequest{Path: "/m/a", Version: 0}),
	)
	s.Exists("a", "/m", false)
	s.Exists("a", "/m/b", false)
	// Failures: the ops before carry 0, the failing one its code, the rest -2.
	s.Multi("a", mCreate("/m/f1", 0), mOp(jute.OpSetData, &jute.SetDataRequest{Path: "/m/x", Data: []byte("z"), Version: -1}),
		mCreate("/m/b", 0), mOp(jute.OpDelete, &jute.DeleteRequest{Path: "/m/x", Version: -1}),
		mOp(jute.OpCheck, &jute.CheckVersionRequest{Path: "/m/x", Version: -1}))
	s.Multi("a", mOp(jute.OpCheck, &jute.CheckVersionRequest{Path: "/m/x", Version: 99}), mCreate("/m/f2", 0))
	s.Multi("a", mCreate("/m/f3", 0), mOp(jute.OpDelete, &jute.DeleteRequest{Path: "/m/nonexist", Version: -1}))
	s.Multi("a", mCreate("/m/f4", 0), mCreate("/m/", 0), mCreate("/m/f5", 0))
	s.Multi("a", mCreate("/m/f6", 0), mOp(jute.OpCreate, &jute.CreateRequest{Path: "/m/f7", ACL: []jute.ACL{}}))
	s.Multi("a", mOp(jute.OpCheck, &jute.CheckVersionRequest{Path: "/m/nonexist", Version: -1}))
	s.Multi("a", mOp(jute.OpCheck, &jute.CheckVersionRequest{Path: "/m/x/", Version: -1}))
	s.Multi("a", mCreate("/m/b", 0), mCreate("/m/x", 0)) // only the first failure is reported
	s.Exists("a", "/m", false)
	s.Exists("a", "/m/f1", false)
	s.Get("a", "/m/x", false)
	// Ops see earlier ops.
	s.Multi("a", mCreate("/m/p", 0), mCreate("/m/p/c", 0), mCreate("/m/p/c/d", 0))
	s.Exists("a", "/m/p", false)
	s.Multi("a", mOp(jute.OpDelete, &jute.DeleteRequest{Path: "/m/p/c/d", Version: -1}), mCreate("/m/p/c/d", 0))
	s.Multi("a", mCreate("/m/q", 0), mOp(jute.OpDelete, &jute.DeleteRequest{Path: "/m/q", Version: 0}))
	s.Exists("a", "/m/q", false)
	s.Multi("a",
		mOp(jute.OpSetData, &jute.SetDataRequest{Path: "/m/x", Data: []byte("1"), Version: -1}),
		mOp(jute.OpSetData, &jute.SetDataRequest{Path: "/m/x", Data: []byte("2"), Version: -1}),
		mOp(jute.OpCheck, &jute.CheckVersionRequest{Path: "/m/x", Version: 3}))
	s.Multi("a", mCreate("/m/p/c/e", 0), mOp(jute.OpDelete, &jute.DeleteRequest{Path: "/m/p/c", Version: -1}))
	s.Multi("a", mCreate("/m/eph", jute.ModeEphemeral), mCreate("/m/eph/c", 0))
	s.Multi("a", mCreate("/m/z-", jute.ModePersistentSequential), mCreate("/m/z-", jute.ModePersistentSequential))
	// Empty multi and multiRead; kinds mixed up.
	s.Multi("a")
	s.Call("a", jute.OpMultiRead, &jute.MultiRequest{})
	s.Call("a", jute.OpMultiRead, &jute.MultiRequest{Ops: []jute.MultiOp{
		mOp(jute.OpGetData, &jute.GetDataRequest{Path: "/m/x"}),
		mOp(jute.OpGetChildren, &jute.GetChildrenRequest{Path: "/m/p"}),
		mOp(jute.OpGetData, &jute.GetDataRequest{Path: "/m/nonexist"}),
		mOp(jute.OpGetChildren, &jute.GetChildrenRequest{Path: "/m"}),
	}})
	s.Call("a", jute.OpMultiRead, &jute.MultiRequest{Ops: []jute.MultiOp{mCreate("/m/r", 0)}})
	s.Multi("a", mOp(jute.OpGetData, &jute.GetDataRequest{Path: "/m/x"}))
	s.Exists("a", "/m/r", false)
	return s
}

// scriptWatches: one-shot watches, their events and their order
// relative to replies, on the writer's connection and another (facts 11).
func scriptWatches() *differential.Script {
	s := differential.New("watches")
	s.Connect("a", 30000)
	s.Connect("b", 30000)
	s.C2("a", "/w", "")
	// Own write: the event precedes the reply.
	s.Exists("a", "/w/n", true)
	s.C2("a", "/w/n", "1")
	// Several watches on one node: one event each kind.
	s.Get("a", "/w/n", true)
	s.Exists("a", "/w/n", true)
	s.Children("a", "/w/n", true)
	s.Get("a", "/w/n", true)
	s.Children("a", "/w", true)
	s.Set("a", "/w/n", "2", -1)
	s.Get("a", "/w/n", true)
	s.Del("a", "/w/n", -1)
	// Another session's writes.
	s.Exists("b", "/w/o", true)
	s.Children("b", "/w", true)
	s.C2("a", "/w/o", "")
	s.Events("b", 2)
	s.Get("b", "/w/o", true)
	s.Set("a", "/w/o", "x", -1)
	s.Events("b", 1)
	s.Set("a", "/w/o", "y", -1) // consumed: nothing
	s.Exists("b", "/w/o", true)
	s.Del("a", "/w/o", -1)
	s.Events("b", 1)
	// Created and deleted: only NodeCreated.
	s.Exists("b", "/w/p", true)
	s.C2("a", "/w/p", "")
	s.Del("a", "/w/p", -1)
	s.Events("b", 1)
	// Failed writes and setACL fire nothing; child setData neither.
	s.C2("a", "/w/q", "")
	s.Get("b", "/w/q", true)
	s.Children("b", "/w", true)
	s.C2("a", "/w/q", "")
	s.Set("a", "/w/q", "z", 9)
	s.SetACL("a", "/w/q", worldAll, -1)
	s.C2("a", "/w/q/c", "")
	s.Set("a", "/w/q/c", "z", -1)
	s.Exists("b", "/w/q", false)
	// A multi creating two children: one NodeChildrenChanged.
	s.Exists("a", "/w/m1", true)
	s.Exists("a", "/w/m2", true)
	s.Multi("a", mCreate("/w/m1", 0), mCreate("/w/m2", 0))
	s.Events("b", 1)
	// An own delete with data and child watches.
	s.Get("a", "/w/m1", true)
	s.Children("a", "/w", true)
	s.Del("a", "/w/m1", -1)
	// checkWatches / removeWatches.
	s.Get("a", "/w/m2", true)
	s.Call("a", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/w/m2", Type: jute.WatcherData})
	s.Call("a", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/w/m2", Type: jute.WatcherChildren})
	s.Call("a", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/w/m2", Type: jute.WatcherAny})
	s.Call("a", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/w/none", Type: jute.WatcherAny})
	s.Call("a", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/w/m2", Type: 7})
	s.Call("a", jute.OpRemoveWatches, &jute.RemoveWatchesRequest{Path: "/w/m2", Type: jute.WatcherChildren})
	s.Call("a", jute.OpRemoveWatches, &jute.RemoveWatchesRequest{Path: "/w/m2", Type: jute.WatcherData})
	s.Call("a", jute.OpRemoveWatches, &jute.RemoveWatchesRequest{Path: "/w/m2", Type: jute.WatcherData})
	s.Children("a", "/w/m2", true)
	s.Exists("a", "/w/m2", true)
	s.Call("a", jute.OpRemoveWatches, &jute.RemoveWatchesRequest{Path: "/w/m2", Type: jute.WatcherAny})
	s.Call("a", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/w/m2", Type: jute.WatcherAny})
	s.Set("a", "/w/m2", "no event", -1)
	// Events from a session's close.
	s.C2("a", "/w/eph", "")
	s.Create("b", jute.OpCreate2, "/w/eph/e1", "", jute.ModeEphemeral)
	s.Exists("a", "/w/eph/e1", true)
	s.Children("a", "/w/eph", true)
	s.CloseSession("b")
	s.Events("a", 2)
	s.Exists("a", "/w/eph", false)
	return s
}

// scriptPersistentWatches: addWatch persistent and recursive (facts 11).
func scriptPersistentWatches() *differential.Script {
	s := differential.New("persistentwatches")
	s.Connect("a", 30000)
	s.Connect("b", 30000)
	s.C2("a", "/pw", "")
	s.Call("b", jute.OpAddWatch, &jute.AddWatchRequest{Path: "/pw/r", Mode: jute.AddWatchPersistentRecursive})
	s.Call("b", jute.OpAddWatch, &jute.AddWatchRequest{Path: "/pw/p", Mode: jute.AddWatchPersistent})
	s.Call("b", jute.OpAddWatch, &jute.AddWatchRequest{Path: "/pw/x", Mode: 2})
	s.C2("a", "/pw/r", "")
	s.Events("b", 1)
	s.C2("a", "/pw/r/a", "")
	s.Events("b", 1)
	s.C2("a", "/pw/r/a/b", "")
	s.Events("b", 1)
	s.Set("a", "/pw/r/a/b", "1", -1)
	s.Events("b", 1)
	s.Set("a", "/pw/r", "1", -1)
	s.Events("b", 1)
	s.C2("a", "/pw/rX", "") // string prefix only: nothing
	s.Del("a", "/pw/r/a/b", -1)
	s.Events("b", 1)
	s.C2("a", "/pw/p", "")
	s.Events("b", 1)
	s.C2("a", "/pw/p/a", "")
	s.Events("b", 1)
	s.C2("a", "/pw/p/a/b", "") // grandchild: nothing
	s.Set("a", "/pw/p", "1", -1)
	s.Events("b", 1)
	s.Set("a", "/pw/p", "2", -1)
	s.Events("b", 1)
	s.Del("a", "/pw/p/a/b", -1)
	s.Del("a", "/pw/p/a", -1)
	s.Events("b", 1)
	s.Del("a", "/pw/p", -1)
	s.Events("b", 1)
	s.C2("a", "/pw/p", "")
	s.Events("b", 1)
	s.Call("b", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/pw/r", Type: jute.WatcherData})
	s.Call("b", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/pw/r", Type: jute.WatcherPersistentRecursive})
	s.Call("b", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/pw/p", Type: jute.WatcherPersistent})
	s.Call("b", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/pw/p", Type: jute.WatcherChildren})
	s.Call("b", jute.OpRemoveWatches, &jute.RemoveWatchesRequest{Path: "/pw/r", Type: jute.WatcherAny})
	s.Set("a", "/pw/r", "2", -1)
	s.Call("b", jute.OpRemoveWatches, &jute.RemoveWatchesRequest{Path: "/pw/p", Type: jute.WatcherPersistent})
	s.Set("a", "/pw/p", "2", -1)
	// A persistent watch on its own writes: the event precedes the reply.
	s.Call("a", jute.OpAddWatch, &jute.AddWatchRequest{Path: "/pw", Mode: jute.AddWatchPersistentRecursive})
	s.C2("a", "/pw/own", "")
	s.Multi("a", mCreate("/pw/own/1", 0), mCreate("/pw/own/2", 0))
	s.Set("b", "/pw/own", "b", -1)
	s.Events("a", 1)
	return s
}

// scriptEphemerals: getEphemerals prefixes and the parent's Stat after a
// session's close (facts 4, 8).
func scriptEphemerals() *differential.Script {
	s := differential.New("ephemerals")
	s.Connect("a", 30000)
	s.Connect("o", 30000)
	s.C2("a", "/eA", "")
	s.C2("a", "/eAB", "")
	s.Create("a", jute.OpCreate2, "/eA/e1", "", jute.ModeEphemeral)
	s.Create("a", jute.OpCreate2, "/eA/e2", "", jute.ModeEphemeral)
	s.Create("a", jute.OpCreate2, "/eA/s-", "", jute.ModeEphemeralSequential)
	s.Create("a", jute.OpCreate2, "/eAB/e3", "", jute.ModeEphemeral)
	s.Create("a", jute.OpCreate, "/e-top", "", jute.ModeEphemeral)
	s.Create("o", jute.OpCreate2, "/eA/other", "", jute.ModeEphemeral)
	for _, p := range []string{"/eA", "/eA/", "/eA/e", "/e", "/eA/e1", "/nonexist", "e", "x", "/e-top", "/eAB/", "", "  ", " / ", "\t/\n", " /eA"} {
		s.Call("a", jute.OpGetEphemerals, &jute.GetEphemeralsRequest{PrefixPath: p})
	}
	s.Call("o", jute.OpGetEphemerals, &jute.GetEphemeralsRequest{PrefixPath: "/eA"})
	s.Exists("o", "/eA", false)
	s.Exists("o", "/eAB", false)
	s.Get("o", "/eA/e1", true)
	s.Children("o", "/eA", true)
	s.Get("o", "/eAB/e3", true)
	s.Exists("o", "/e-top", true)
	s.CloseSession("a")
	s.EventsUnordered("o", 4)
	s.Exists("o", "/eA", false)
	s.Exists("o", "/eAB", false)
	s.Exists("o", "/e-top", false)
	s.Children("o", "/eA", false)
	// Another session may delete someone's ephemeral.
	s.Connect("c", 30000)
	s.Create("c", jute.OpCreate2, "/eA/c1", "", jute.ModeEphemeral)
	s.Create("c", jute.OpCreate2, "/eA/c2", "", jute.ModeEphemeral)
	s.Del("o", "/eA/c1", -1)
	s.Set("o", "/eA/c2", "o", -1)
	s.CloseSession("c")
	s.Exists("o", "/eA", false)
	s.Children("o", "/eA", false)
	s.Call("o", jute.OpGetEphemerals, &jute.GetEphemeralsRequest{PrefixPath: "/"})
	return s
}

// scriptMisc: reconfig, a client's deleteContainer, setWatches, unknown
// opcodes.
func scriptMisc() *differential.Script {
	s := differential.New("misc")
	s.Connect("a", 30000)
	s.C2("a", "/misc", "")
	s.Call("a", jute.OpReconfig, &differential.ReconfigRequest{Joining: "server.2=127.0.0.1:1:2:participant;127.0.0.1:3", ConfigID: -1})
	s.Call("a", jute.OpDeleteContainer, &jute.DeleteRequest{Path: "/misc", Version: -1})
	s.Exists("a", "/misc", false)
	s.Connect("b", 30000)
	// As clients send it after a reconnect: xid -8, empty lists.
	s.CallXid("b", jute.XidSetWatches, jute.OpSetWatches,
		&jute.SetWatches{RelativeZxid: 0, DataWatches: []string{"/misc"}, ExistWatches: []string{}, ChildWatches: []string{}},
		"setWatches xid=-8 relativeZxid=0 data=[/misc]")
	s.Set("a", "/misc", "x", -1)
	s.Events("b", 1)
	// With null lists and an ordinary xid.
	s.Call("b", jute.OpSetWatches, &jute.SetWatches{RelativeZxid: 0, DataWatches: []string{"/misc"}})
	s.Exists("b", "/misc", false)
	s.Connect("c", 30000)
	s.Call("c", jute.OpCode(99), nil)
	s.Exists("c", "/misc", false)
	s.Connect("d", 30000)
	s.Call("d", jute.OpCode(1000), nil)
	s.Exists("d", "/misc", false)
	return s
}

// scriptExpiry: a session left alone expires; its ephemerals go in one
// transaction; the parent's Stat and the watchers show it; its id then
// reads as expired (facts 4).
func scriptExpiry() *differential.Script {
	s := differential.New("expiry")
	s.Connect("a", 30000)
	s.Connect("x", 4000)
	s.C2("a", "/exp", "")
	s.C2("a", "/exp2", "")
	s.Create("x", jute.OpCreate2, "/exp/b0", "", jute.ModeEphemeral)
	s.Create("x", jute.OpCreate2, "/exp/b1", "", jute.ModeEphemeral)
	s.Create("x", jute.OpCreate2, "/exp/bs", "", jute.ModeEphemeralSequential)
	s.Create("x", jute.OpCreate2, "/exp2/b", "", jute.ModeEphemeral)
	s.Children("a", "/exp", true)
	s.Exists("a", "/exp2/b", true)
	s.Exists("a", "/exp", false)
	s.Drop("x")
	s.PollGone("a", "/exp/b0")
	s.EventsUnordered("a", 2)
	s.Exists("a", "/exp", false)
	s.Exists("a", "/exp2", false)
	s.Children("a", "/exp", false)
	s.Reconnect("y", "x")
	s.C2("a", "/exp/after", "")
	s.Exists("a", "/exp", false)
	return s
}

// scriptContainers: containers go after their last child, are kept if
// never used or still used; create2 with the container flag makes a
// plain node (facts 7).
func scriptContainers() *differential.Script {
	s := differential.New("containers")
	s.Connect("a", 30000)
	s.Connect("b", 30000)
	s.C2("a", "/ct", "")
	s.Create("a", jute.OpCreateContainer, "/ct/used", "", jute.ModeContainer)
	s.Create("a", jute.OpCreateContainer, "/ct/never", "", jute.ModeContainer)
	s.Create("a", jute.OpCreateContainer, "/ct/kept", "", jute.ModeContainer)
	s.Create("a", jute.OpCreateContainer, "/ct/eph", "", jute.ModeEphemeral)
	s.Create("a", jute.OpCreate2, "/ct/plain", "", jute.ModeContainer)
	s.Multi("a", mOp(jute.OpCreateContainer, &jute.CreateRequest{Path: "/ct/multi", ACL: worldAll, Flags: jute.ModeContainer}))
	s.C2("a", "/ct/used/c", "")
	s.C2("a", "/ct/kept/c", "")
	s.C2("a", "/ct/kept/c/g", "")
	s.C2("a", "/ct/plain/c", "")
	s.Create("b", jute.OpCreate2, "/ct/eph/e", "", jute.ModeEphemeral)
	s.Exists("a", "/ct/used", true)
	s.Children("a", "/ct", true)
	s.Del("a", "/ct/used/c", -1)
	s.Del("a", "/ct/kept/c/g", -1)
	s.Del("a", "/ct/plain/c", -1)
	s.CloseSession("b")
	s.PollGone("a", "/ct/used")
	s.PollGone("a", "/ct/eph")
	s.Events("a", 2)
	s.Exists("a", "/ct/never", false)
	s.Exists("a", "/ct/kept", false)
	s.Exists("a", "/ct/plain", false)
	s.Exists("a", "/ct/multi", false)
	s.Exists("a", "/ct", false)
	s.Children("a", "/ct", false)
	return s
}

// scriptTTL: TTL nodes go when unmodified for their TTL and childless
// (facts 7).
func scriptTTL() *differential.Script {
	s := differential.New("ttl")
	s.Connect("a", 30000)
	s.C2("a", "/ttl", "")
	s.CreateTTL("a", "/ttl/short", jute.ModePersistentWithTTL, 1000)
	s.CreateTTL("a", "/ttl/parent", jute.ModePersistentWithTTL, 1000)
	s.CreateTTL("a", "/ttl/s-", jute.ModePersistentSequentialWithTTL, 1000)
	s.CreateTTL("a", "/ttl/long", jute.ModePersistentWithTTL, 1000000)
	s.C2("a", "/ttl/parent/c", "")
	s.Exists("a", "/ttl/short", true)
	s.PollGone("a", "/ttl/short")
	s.PollGone("a", "/ttl/s-0000000002")
	s.Exists("a", "/ttl/parent", false)
	s.Exists("a", "/ttl/long", false)
	s.Exists("a", "/ttl", false)
	s.Del("a", "/ttl/parent/c", -1)
	s.PollGone("a", "/ttl/parent")
	s.Children("a", "/ttl", false)
	return s
}
