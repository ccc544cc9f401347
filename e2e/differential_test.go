package e2e

// Differential tests: the same operation scripts run against a real
// ZooKeeper 3.8 and against zkgate, and the normalized transcripts must be
// identical, step by step. The runner, its transcript and its
// normalizations are in package differential (see its doc).

import (
	"errors"
	"path/filepath"
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

// TestDifferential runs every script against one ZooKeeper 3.8 and one
// zkgate: the scripts in testdata/differential (one subtest per file,
// named after it; the format is in package differential's doc), then
// those that need Go. Each script works under its own top-level path with
// its own sessions, so one server of each serves them all; "pristine"
// reads the root and /zookeeper of a fresh server, so it runs first.
func TestDifferential(t *testing.T) {
	scripts, err := differentialScripts()
	if err != nil {
		t.Fatal(err)
	}
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

// differentialScripts are the scripts of testdata/differential, pristine
// first, then the Go ones.
func differentialScripts() ([]*differential.Script, error) {
	files, err := filepath.Glob("testdata/differential/*.txt")
	if err != nil {
		return nil, err
	}
	var scripts []*differential.Script
	for _, f := range files {
		sc, err := differential.ParseFile(f)
		if err != nil {
			return nil, err
		}
		if sc.Name == "pristine" {
			scripts = append([]*differential.Script{sc}, scripts...)
		} else {
			scripts = append(scripts, sc)
		}
	}
	if len(scripts) == 0 || scripts[0].Name != "pristine" {
		return nil, errors.New("testdata/differential/pristine.txt is missing")
	}
	return append(scripts,
		scriptPaths(),    // a loop: every path with every operation
		scriptACLForms(), // ACL entries with null strings, which the text form cannot write
		scriptEdges2(),   // custom steps: handshakes, pipelined requests, trailing bytes
	), nil
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

var aliceID = "alice:V55/p2T0OpjQ+low3NVAH4aLvm0="
