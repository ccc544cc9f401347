package e2e

import (
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zkgate/zkgate/e2e/harness"
)

// zkConnect opens a go-zookeeper session to the node's ZooKeeper port and
// waits until it has one.
func zkConnect(t *testing.T, servers ...string) (*zk.Conn, <-chan zk.Event) {
	t.Helper()
	c, events, err := zk.Connect(servers, 10*time.Second, zk.WithLogger(quietLogger{}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	deadline := time.After(30 * time.Second)
	for {
		select {
		case ev := <-events:
			if ev.State == zk.StateHasSession {
				return c, events
			}
		case <-deadline:
			t.Fatal("no ZooKeeper session")
		}
	}
}

type quietLogger struct{}

func (quietLogger) Printf(string, ...any) {}

func TestZooKeeper_GoClientBasics(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{})
	c, _ := zkConnect(t, n.ZKAddr)
	acl := zk.WorldACL(zk.PermAll)

	if p, err := c.Create("/app", []byte("v1"), 0, acl); err != nil || p != "/app" {
		t.Fatalf("create: %q %v", p, err)
	}
	if _, err := c.Create("/app", nil, 0, acl); !errors.Is(err, zk.ErrNodeExists) {
		t.Fatalf("create twice: %v", err)
	}
	data, st, err := c.Get("/app")
	if err != nil || string(data) != "v1" || st.Version != 0 || st.DataLength != 2 {
		t.Fatalf("get: %q %+v %v", data, st, err)
	}
	st2, err := c.Set("/app", []byte("v2"), 0)
	if err != nil || st2.Version != 1 || st2.Mzxid <= st.Mzxid || st2.Czxid != st.Czxid {
		t.Fatalf("set: %+v %v", st2, err)
	}
	if _, err := c.Set("/app", []byte("v3"), 0); !errors.Is(err, zk.ErrBadVersion) {
		t.Fatalf("stale set: %v", err)
	}
	seq, err := c.Create("/app/job-", nil, zk.FlagSequence, acl)
	if err != nil || seq != "/app/job-0000000000" {
		t.Fatalf("sequential: %q %v", seq, err)
	}
	eph, err := c.Create("/app/eph", nil, zk.FlagEphemeral, acl)
	if err != nil {
		t.Fatal(err)
	}
	_, est, _ := c.Exists(eph)
	if est.EphemeralOwner != c.SessionID() {
		t.Fatalf("ephemeralOwner %x, session %x", est.EphemeralOwner, c.SessionID())
	}
	kids, pst, err := c.Children("/app")
	if err != nil || len(kids) != 2 || pst.NumChildren != 2 || pst.Cversion != 2 {
		t.Fatalf("children: %v %+v %v", kids, pst, err)
	}
	if ok, _, err := c.Exists("/nope"); ok || err != nil {
		t.Fatalf("exists /nope: %v %v", ok, err)
	}
	if _, _, err := c.Get("/nope"); !errors.Is(err, zk.ErrNoNode) {
		t.Fatalf("get /nope: %v", err)
	}
	if err := c.Delete("/app", -1); !errors.Is(err, zk.ErrNotEmpty) {
		t.Fatalf("delete non-empty: %v", err)
	}

	// Multi: atomic, with per-op results.
	res, err := c.Multi(
		&zk.CreateRequest{Path: "/app/m1", Data: []byte("x"), Acl: acl},
		&zk.SetDataRequest{Path: "/app", Data: []byte("v4"), Version: 1},
		&zk.CheckVersionRequest{Path: "/app", Version: 2},
	)
	if err != nil || len(res) != 3 || res[0].String != "/app/m1" {
		t.Fatalf("multi: %+v %v", res, err)
	}
	_, err = c.Multi(
		&zk.CreateRequest{Path: "/app/m2", Acl: acl},
		&zk.DeleteRequest{Path: "/app", Version: -1},
	)
	if !errors.Is(err, zk.ErrNotEmpty) {
		t.Fatalf("failing multi: %v", err)
	}
	if ok, _, _ := c.Exists("/app/m2"); ok {
		t.Fatal("failed multi half-applied")
	}

	// Digest ACL: another session without the credentials is refused.
	if err := c.AddAuth("digest", []byte("alice:pw")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create("/secret", []byte("s"), 0, zk.DigestACL(zk.PermAll, "alice", "pw")); err != nil {
		t.Fatal(err)
	}
	other, _ := zkConnect(t, n.ZKAddr)
	if _, _, err := other.Get("/secret"); !errors.Is(err, zk.ErrNoAuth) {
		t.Fatalf("get without auth: %v", err)
	}
	if data, _, err := c.Get("/secret"); err != nil || string(data) != "s" {
		t.Fatalf("get with auth: %q %v", data, err)
	}

	// Closing the session removes its ephemeral at once.
	c.Close()
	if ok, _, err := other.Exists(eph); ok || err != nil {
		t.Fatalf("ephemeral after close: %v %v", ok, err)
	}
}

func TestZooKeeper_GoClientWatches(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{})
	c, _ := zkConnect(t, n.ZKAddr)
	w, _ := zkConnect(t, n.ZKAddr)
	acl := zk.WorldACL(zk.PermAll)

	_, _, existCh, err := w.ExistsW("/w")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create("/w", []byte("1"), 0, acl); err != nil {
		t.Fatal(err)
	}
	expectEvent(t, existCh, zk.EventNodeCreated, "/w")

	_, _, dataCh, err := w.GetW("/w")
	if err != nil {
		t.Fatal(err)
	}
	_, _, childCh, err := w.ChildrenW("/w")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Set("/w", []byte("2"), -1); err != nil {
		t.Fatal(err)
	}
	expectEvent(t, dataCh, zk.EventNodeDataChanged, "/w")
	if _, err := c.Create("/w/kid", nil, 0, acl); err != nil {
		t.Fatal(err)
	}
	expectEvent(t, childCh, zk.EventNodeChildrenChanged, "/w")

	// A session's own write: its event comes before the write's reply.
	_, _, own, err := c.GetW("/w/kid")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Delete("/w/kid", -1); err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-own:
		if ev.Type != zk.EventNodeDeleted {
			t.Fatalf("own event %+v", ev)
		}
	default:
		t.Fatal("the delete's reply came before its watch event")
	}
}

func TestZooKeeper_FourLetterWords(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{})
	ask := func(word string) string {
		conn, err := net.Dial("tcp", n.ZKAddr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := conn.Write([]byte(word)); err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(conn)
		return string(b)
	}
	if got := ask("ruok"); got != "imok" {
		t.Fatalf("ruok: %q", got)
	}
	c, _ := zkConnect(t, n.ZKAddr)
	if _, err := c.Create("/counted", nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	// A fresh ZooKeeper 3.8 counts 5 znodes (its root twice, as "" and
	// "/"; /zookeeper, /zookeeper/quota, /zookeeper/config): 6 with /counted.
	mntr := ask("mntr")
	for _, want := range []string{"zk_version\t", "zk_server_state\tstandalone\n", "zk_znode_count\t6\n", "zk_global_sessions\t1\n", "zk_num_alive_connections\t2\n"} {
		if !strings.Contains(mntr, want) {
			t.Errorf("mntr lacks %q:\n%s", want, mntr)
		}
	}
	if srvr := ask("srvr"); !strings.Contains(srvr, "Mode: standalone\n") || !strings.Contains(srvr, "Node count: 6\n") {
		t.Errorf("srvr:\n%s", srvr)
	}
	if got := ask("dump"); got != "dump is not executed because it is not in the whitelist.\n" {
		t.Errorf("dump: %q", got)
	}
}

func expectEvent(t *testing.T, ch <-chan zk.Event, typ zk.EventType, path string) {
	t.Helper()
	select {
	case ev := <-ch:
		if ev.Type != typ || ev.Path != path {
			t.Fatalf("event %+v, want %v %s", ev, typ, path)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("no %v event for %s", typ, path)
	}
}

// TestZooKeeper_GoClientEveryOperation covers what TestZooKeeper_GoClientBasics
// does not: containers, TTL nodes, protected ephemeral sequentials, ACL
// reads and writes, sync and reconfig.
func TestZooKeeper_GoClientEveryOperation(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{Args: []string{"--zk-container-check-interval", "100"}})
	c, _ := zkConnect(t, n.ZKAddr)
	acl := zk.WorldACL(zk.PermAll)

	if p, err := c.CreateContainer("/box", nil, zk.FlagContainer, acl); err != nil || p != "/box" {
		t.Fatalf("createContainer: %q %v", p, err)
	}
	if _, err := c.Create("/box/item", nil, 0, acl); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete("/box/item", -1); err != nil {
		t.Fatal(err)
	}
	waitGone(t, c, "/box")

	if p, err := c.CreateTTL("/ttl", []byte("x"), zk.FlagTTL, acl, 200*time.Millisecond); err != nil || p != "/ttl" {
		t.Fatalf("createTTL: %q %v", p, err)
	}
	_, st, _ := c.Exists("/ttl")
	if st.EphemeralOwner != 0 {
		t.Fatalf("TTL node ephemeralOwner %x", st.EphemeralOwner)
	}
	waitGone(t, c, "/ttl")

	p, err := c.CreateProtectedEphemeralSequential("/worker-", nil, acl)
	if err != nil || !strings.HasPrefix(p, "/_c_") || !strings.Contains(p, "-worker-") {
		t.Fatalf("protected ephemeral sequential: %q %v", p, err)
	}

	if _, err := c.Create("/acl", nil, 0, acl); err != nil {
		t.Fatal(err)
	}
	st, err = c.SetACL("/acl", zk.WorldACL(zk.PermRead), 0)
	if err != nil || st.Aversion != 1 {
		t.Fatalf("setACL: %+v %v", st, err)
	}
	got, st, err := c.GetACL("/acl")
	if err != nil || len(got) != 1 || got[0].Perms != zk.PermRead || st.Aversion != 1 {
		t.Fatalf("getACL: %+v %+v %v", got, st, err)
	}
	if _, err := c.Set("/acl", []byte("x"), -1); !errors.Is(err, zk.ErrNoAuth) {
		t.Fatalf("write to a read-only node: %v", err)
	}
	if p, err := c.Sync("/acl"); err != nil || p != "/acl" {
		t.Fatalf("sync: %q %v", p, err)
	}
	if _, err := c.Reconfig([]string{"server.1=127.0.0.1:1:2"}, -1); !errors.Is(err, zk.ErrReconfigDisabled) {
		t.Fatalf("reconfig: %v", err)
	}
}

// waitGone polls until path is removed by the server's reaper (containers
// and TTL nodes have no event to wait on but their deletion).
func waitGone(t *testing.T, c *zk.Conn, path string) {
	t.Helper()
	ok, _, ch, err := c.ExistsW(path)
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		return
	}
	select {
	case ev := <-ch:
		if ev.Type != zk.EventNodeDeleted {
			t.Fatalf("%s: %+v", path, ev)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("%s was not removed", path)
	}
}
