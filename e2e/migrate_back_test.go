package e2e

import (
	"errors"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zkgate/zkgate/e2e/harness"
)

// raiseBy moves the sequence counter of parent up by n, as n creations
// would, with multis of a create and a delete of a scratch child.
func raiseBy(t *testing.T, c *zk.Conn, parent string, n int) {
	t.Helper()
	for n > 0 {
		k := min(n, 1000)
		ops := make([]any, 0, 2*k)
		for range k {
			ops = append(ops, &zk.CreateRequest{Path: parent + "/scratch", Acl: zk.WorldACL(zk.PermAll)}, &zk.DeleteRequest{Path: parent + "/scratch", Version: -1})
		}
		if _, err := c.Multi(ops...); err != nil {
			t.Fatal(err)
		}
		n -= k
	}
}

// sameCounter checks that p of a and q of b have the same cversion and
// numChildren, and that their next sequential children get the same name.
func sameCounter(t *testing.T, a, b *zk.Conn, p, q, wantNext string) {
	t.Helper()
	_, sa, err := a.Get(p)
	if err != nil {
		t.Fatal(err)
	}
	_, sb, err := b.Get(q)
	if err != nil {
		t.Fatal(err)
	}
	if sa.Cversion != sb.Cversion || sa.NumChildren != sb.NumChildren {
		t.Fatalf("%s and %s cversion/numChildren: %d/%d and %d/%d", p, q, sa.Cversion, sa.NumChildren, sb.Cversion, sb.NumChildren)
	}
	na, err := a.Create(p+"/n-", nil, zk.FlagSequence, zk.WorldACL(zk.PermAll))
	if err != nil {
		t.Fatal(err)
	}
	nb, err := b.Create(q+"/n-", nil, zk.FlagSequence, zk.WorldACL(zk.PermAll))
	if err != nil || path.Base(na) != path.Base(nb) || !strings.HasSuffix(na, wantNext) {
		t.Fatalf("next sequential child of %s: %s and %s (%v), want ...%s", p, na, nb, err, wantNext)
	}
}

// TestMigrate_BackToZooKeeper: zkgate migrate copies a zkgate tree (data
// of every shape, a digest ACL, deep and sequentially named nodes, a
// queue whose counter is 2,503 with 2 children) into a real ZooKeeper 3.8
// (--to zk://), the znodes counted first and then tallied as from a
// ZooKeeper source, so that zkgate diff finds no difference in either
// direction; the queue's counter is raised on ZooKeeper by creating and
// deleting a scratch child (three multis), so that the next sequential
// child gets the same name on both sides and cversion agrees; run again,
// it changes nothing; with --delete it deletes what ZooKeeper has more,
// but a live session's ephemeral; --follow from zkgate's own ZooKeeper
// port brings a change over. The same tree then goes from ZooKeeper to another
// subtree of ZooKeeper (a chroot the copy creates), and from zkgate to
// another zkgate, each checked by diff.
func TestMigrate_BackToZooKeeper(t *testing.T) {
	t.Parallel()
	ref := harness.StartZooKeeper(t)
	n := harness.StartNode(t, harness.NodeOptions{})
	z, _ := zkConnect(t, ref.Addr)
	g, _ := zkConnect(t, n.ZKAddr)
	buildTree(t, g)
	if _, err := g.Create("/app/q", nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	raiseBy(t, g, "/app/q", 2501)
	for range 2 {
		if _, err := g.Create("/app/q/n-", []byte("x"), zk.FlagSequence, zk.WorldACL(zk.PermAll)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := g.Create("/app/eph", nil, zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	auth := []string{"--from-auth", "digest:admin:pw", "--to-auth", "digest:admin:pw", "--path", "/app"}
	run := func(verb, from, to string) harness.Result {
		return harness.RunZkgate(t, 120*time.Second, nil, append([]string{verb, "--from", from, "--to", to}, auth...)...)
	}
	back, zkURL := "zk://"+n.ZKAddr, "zk://"+ref.Addr

	r := run("migrate", n.ClientURL, zkURL)
	if r.ExitCode != 0 || !strings.HasPrefix(r.Stdout, "19 znodes created, 0 updated, 0 already equal") ||
		!strings.Contains(r.Stdout, "; 2 sequence counters carried over") || !strings.Contains(r.Stdout, "ephemeral, not copied: /app/eph") ||
		!strings.Contains(r.Stderr, "copying 20 znodes under /app\n") ||
		!strings.Contains(r.Stdout, "\n20 znodes under /app in the source: 19 copied or already equal, 1 ephemeral (not copied") {
		t.Fatalf("migrate back: status %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	// Both ways, and each end through either protocol.
	for _, ends := range [][2]string{{n.ClientURL, zkURL}, {zkURL, n.ClientURL}, {back, zkURL}, {ref.Addr, back}} {
		r = run("diff", ends[0], ends[1])
		if r.ExitCode != 0 || !strings.Contains(r.Stdout, "no differences: 19 znodes compared; 1 ephemeral not compared") {
			t.Fatalf("diff --from %s --to %s: status %d\n%s%s", ends[0], ends[1], r.ExitCode, r.Stdout, r.Stderr)
		}
	}
	// The data, null kept apart from empty, and the digest ACL, exactly.
	if d, _, err := z.Get("/app/empty"); err != nil || d != nil {
		t.Fatalf("/app/empty in ZooKeeper: %q (%v), want null data", d, err)
	}
	if err := z.AddAuth("digest", []byte("admin:pw")); err != nil {
		t.Fatal(err)
	}
	if acl, _, err := z.GetACL("/app/secret"); err != nil || len(acl) != 1 || acl[0] != zk.DigestACL(zk.PermRead|zk.PermAdmin, "admin", "pw")[0] {
		t.Fatalf("/app/secret's ACL in ZooKeeper: %v (%v)", acl, err)
	}
	sameCounter(t, g, z, "/app/q", "/app/q", "0000002503")

	r = run("migrate", n.ClientURL, zkURL)
	if r.ExitCode != 0 || !strings.HasPrefix(r.Stdout, "0 znodes created, 0 updated, 20 already equal") || !strings.Contains(r.Stdout, "; 0 sequence counters") {
		t.Fatalf("migrate back again: status %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}

	// ZooKeeper holds what zkgate no longer has (a subtree, as if deleted
	// in zkgate since the move) and an ephemeral of a live session:
	// without --delete, migrate leaves both and diff shows the subtree;
	// with it, the subtree goes and the ephemeral stays, listed.
	for _, p := range []string{"/app/stale", "/app/stale/deep"} {
		if _, err := z.Create(p, nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
			t.Fatal(err)
		}
	}
	live, _ := zkConnect(t, ref.Addr)
	if _, err := live.Create("/app/live", nil, zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	r = run("diff", n.ClientURL, zkURL)
	if r.ExitCode != 1 || !strings.HasPrefix(r.Stdout, "+ /app/stale (only in the destination)\n") {
		t.Fatalf("diff with a stale subtree in ZooKeeper: status %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	r = harness.RunZkgate(t, 120*time.Second, nil, append([]string{"migrate", "--delete", "--from", n.ClientURL, "--to", zkURL}, auth...)...)
	if r.ExitCode != 0 || !strings.HasPrefix(r.Stdout, "0 znodes created, 0 updated, 20 already equal") ||
		!strings.Contains(r.Stdout, "; 0 sequence counters carried over; 2 deleted, not in the source\n") ||
		!strings.Contains(r.Stdout, "ephemeral of the destination, not in the source, left to its session: /app/live\n") {
		t.Fatalf("migrate --delete: status %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	if ok, _, err := z.Exists("/app/stale"); err != nil || ok {
		t.Fatalf("/app/stale is still in ZooKeeper (%v)", err)
	}
	if ok, _, err := z.Exists("/app/live"); err != nil || !ok {
		t.Fatalf("/app/live, a live session's, was deleted (%v)", err)
	}
	live.Close()

	// --follow from zkgate's own ZooKeeper port into a chroot of
	// ZooKeeper: the first pass, then a change made in zkgate.
	m := startProc(t, exec.Command(harness.Zkgate(t), append([]string{"migrate", "--follow", "--from", back, "--to", zkURL + "/followed"}, auth...)...))
	if l := m.line(60 * time.Second); !strings.HasPrefix(l, "copied: 20 znodes created") {
		t.Fatalf("migrate --follow from zkgate's ZooKeeper port printed %q", l)
	}
	if _, err := g.Create("/app/later", []byte("l"), 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	awaitZnode(t, z, "/followed/app/later", true, "(a change in zkgate) did not reach ZooKeeper")
	_ = m.cmd.Process.Signal(syscall.SIGINT)
	<-m.done
	if err := g.Delete("/app/later", -1); err != nil {
		t.Fatal(err)
	}

	r = harness.RunZkgate(t, 60*time.Second, nil, "diff", "--from", n.ClientURL, "--to", zkURL, "--at", "1")
	if r.ExitCode != 2 || !strings.Contains(r.Stderr, "--at reads a zkgate's history: --to must be a zkgate") {
		t.Fatalf("diff --at with a ZooKeeper --to: status %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}

	// ZooKeeper to ZooKeeper: into a chroot that does not exist yet.
	copyURL := "zk://" + ref.Addr + "/copy"
	r = harness.RunZkgate(t, 120*time.Second, nil, "migrate", "--from", zkURL+"/app", "--to", copyURL, "--from-auth", "digest:admin:pw", "--to-auth", "digest:admin:pw")
	if r.ExitCode != 0 || !strings.HasPrefix(r.Stdout, "20 znodes created, 0 updated, 0 already equal") {
		t.Fatalf("ZooKeeper to ZooKeeper: status %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	r = harness.RunZkgate(t, 60*time.Second, nil, "diff", "--from", zkURL+"/app", "--to", copyURL, "--from-auth", "digest:admin:pw", "--to-auth", "digest:admin:pw")
	if r.ExitCode != 0 || !strings.Contains(r.Stdout, "no differences: 20 znodes compared") {
		t.Fatalf("diff ZooKeeper to ZooKeeper: status %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	sameCounter(t, z, z, "/app/q", "/copy/q", "0000002504")
	// A subtree into a chroot that does not exist: the chroot is created,
	// then the subtree's ancestors.
	deepURL := "zk://" + ref.Addr + "/deep"
	r = harness.RunZkgate(t, 60*time.Second, nil, "migrate", "--from", zkURL, "--to", deepURL, "--path", "/app/a")
	if r.ExitCode != 0 || !strings.HasPrefix(r.Stdout, "5 znodes created, 0 updated, 0 already equal") || !strings.Contains(r.Stdout, "; 1 ancestor of /app/a put first") {
		t.Fatalf("a subtree into a new chroot: status %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	if d, _, err := z.Get("/deep/app/a/b/c/d/e"); err != nil || string(d) != "e" {
		t.Fatalf("/deep/app/a/b/c/d/e: %q (%v)", d, err)
	}

	// zkgate to zkgate.
	n2 := harness.StartNode(t, harness.NodeOptions{})
	r = run("migrate", n.ClientURL, n2.ClientURL)
	if r.ExitCode != 0 || !strings.HasPrefix(r.Stdout, "20 znodes created, 0 updated, 0 already equal") {
		t.Fatalf("zkgate to zkgate: status %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	r = run("diff", n.ClientURL, n2.ClientURL)
	if r.ExitCode != 0 || !strings.Contains(r.Stdout, "no differences: 20 znodes compared") {
		t.Fatalf("diff zkgate to zkgate: status %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	g2, _ := zkConnect(t, n2.ZKAddr)
	sameCounter(t, g, g2, "/app/q", "/app/q", "0000002504")
}

// TestMigrate_TTLIntoZooKeeperWithoutExtendedTypes: a zkgate tree, or a
// dump of it (ctl dump records kind ttl and the TTL), holding a TTL node
// is not copied into a ZooKeeper that does not create TTL nodes: the
// error says so and how to start it, before anything is written; into
// one that does, the TTL node is created as such.
func TestMigrate_TTLIntoZooKeeperWithoutExtendedTypes(t *testing.T) {
	t.Parallel()
	plain := harness.StartZooKeeper(t, "-Dzookeeper.extendedTypesEnabled=false")
	n := harness.StartNode(t, harness.NodeOptions{})
	g, _ := zkConnect(t, n.ZKAddr)
	open := zk.WorldACL(zk.PermAll)
	for _, p := range []string{"/t", "/t/a", "/t/a/b"} {
		if _, err := g.Create(p, []byte("v"), 0, open); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := g.CreateTTL("/t/a/b/lease", []byte("l"), zk.FlagTTL, open, 100*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if _, err := g.Create("/t/a/b/lease/holder", nil, 0, open); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "t.jsonl")
	if r := harness.RunZkgate(t, 60*time.Second, nil, "ctl", "--endpoints", n.ClientURL, "dump", "-f", file, "/t"); r.ExitCode != 0 {
		t.Fatalf("ctl dump: %d %s", r.ExitCode, r.Stderr)
	}
	if b, err := os.ReadFile(file); err != nil || !strings.Contains(string(b), `"kind":"ttl","ttl_ms":100}`) {
		t.Fatalf("the dump does not say /t/a/b/lease is a TTL node of 100 ms (%v):\n%s", err, b)
	}

	for _, from := range []string{file, n.ClientURL} {
		r := harness.RunZkgate(t, 60*time.Second, nil, "migrate", "--from", from, "--to", "zk://"+plain.Addr, "--path", "/t")
		if r.ExitCode != 2 || !strings.Contains(r.Stderr, "the source has TTL nodes (/t/a/b/lease first) and the destination ZooKeeper does not create them: start it with -Dzookeeper.extendedTypesEnabled=true; nothing was copied") {
			t.Fatalf("TTL into a ZooKeeper without extended types, from %s: status %d\n%s%s", from, r.ExitCode, r.Stdout, r.Stderr)
		}
	}
	z, _ := zkConnect(t, plain.Addr)
	if ok, _, err := z.Exists("/t"); err != nil || ok {
		t.Fatalf("/t was written (%v, %v)", ok, err)
	}

	ttl := harness.StartZooKeeper(t)
	r := harness.RunZkgate(t, 60*time.Second, nil, "migrate", "--from", file, "--to", "zk://"+ttl.Addr)
	if r.ExitCode != 0 || !strings.HasPrefix(r.Stdout, "5 znodes created") {
		t.Fatalf("TTL into a ZooKeeper with extended types: status %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	// A TTL node of 100 ms without children is reaped by the server: it
	// was created as one (a persistent znode would stay).
	zt, _ := zkConnect(t, ttl.Addr)
	if err := zt.Delete("/t/a/b/lease/holder", -1); err != nil {
		t.Fatal(err)
	}
	gone(t, zt, "/t/a/b/lease")
}

// TestMigrate_FollowZkgateAcrossANodeLoss: migrate --follow from a
// three-node zkgate (--from its three client URLs) into a real ZooKeeper
// goes on when the node serving its watch is killed: the watch is opened
// again on another node from the last zxid brought in, so a change made
// while it was down, and one made after, both reach ZooKeeper.
func TestMigrate_FollowZkgateAcrossANodeLoss(t *testing.T) {
	t.Parallel()
	ref := harness.StartZooKeeper(t)
	c := harness.StartCluster(t, 3)
	g, _ := zkConnect(t, c.Nodes[1].ZKAddr)
	z, _ := zkConnect(t, ref.Addr)
	if _, err := g.Create("/app", []byte("a"), 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	from := strings.Join(c.Endpoints(), ",")
	m := startProc(t, exec.Command(harness.Zkgate(t), "migrate", "--follow", "--from", from, "--to", "zk://"+ref.Addr, "--path", "/app"))
	if l := m.line(60 * time.Second); !strings.HasPrefix(l, "copied: 1 znodes created") {
		t.Fatalf("migrate --follow printed %q", l)
	}
	arrives := func(p string) {
		t.Helper()
		awaitZnode(t, z, p, true, "never reached ZooKeeper")
	}
	if _, err := g.Create("/app/before", nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	arrives("/app/before")
	// The follow dialed the first URL that answered: node 0. Killing it
	// may cost the cluster its leader: node 1 then closes its ZooKeeper
	// connections until there is a new one, and g, its session kept,
	// connects again.
	c.Nodes[0].Kill()
	create := func(p string) {
		t.Helper()
		for {
			_, err := g.Create(p, nil, 0, zk.WorldACL(zk.PermAll))
			if err == nil || errors.Is(err, zk.ErrNodeExists) {
				return // ErrNodeExists: made before the connection closed
			}
			if !errors.Is(err, zk.ErrConnectionClosed) {
				t.Fatal(err)
			}
		}
	}
	create("/app/during")
	arrives("/app/during")
	create("/app/after")
	arrives("/app/after")
	_ = m.cmd.Process.Signal(syscall.SIGINT)
	<-m.done
	if code := m.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("interrupted migrate --follow exited with %d", code)
	}
}

// gone waits until p does not exist on c.
func gone(t *testing.T, c *zk.Conn, p string) {
	t.Helper()
	awaitZnode(t, c, p, false, "was not reaped")
}

// awaitZnode waits, on exists watches, until p exists on c (or, with
// exists false, until it does not), for at most a minute between two
// events; a test that waits longer fails saying p and what.
func awaitZnode(t *testing.T, c *zk.Conn, p string, exists bool, what string) {
	t.Helper()
	for {
		ok, _, ev, err := c.ExistsW(p)
		if err != nil {
			t.Fatal(err)
		}
		if ok == exists {
			return
		}
		select {
		case <-ev:
		case <-time.After(60 * time.Second):
			t.Fatalf("%s %s", p, what)
		}
	}
}

// TestMigrate_ContainersAndTTLNodesBackToZooKeeper: zkgate tells its
// containers and TTL nodes apart (GetData's mode and ttl_ms, the Stat
// showing them as persistent as ZooKeeper's does), so zkgate migrate
// copies them into a real ZooKeeper as such: there, once their last
// child is deleted, the container and the TTL node (its TTL long past)
// are reaped, and a persistent znode is not. diff finds no difference
// either way, and a copy into another zkgate keeps the kinds too (diff
// between the two compares them).
func TestMigrate_ContainersAndTTLNodesBackToZooKeeper(t *testing.T) {
	t.Parallel()
	ref := harness.StartZooKeeper(t)
	n := harness.StartNode(t, harness.NodeOptions{})
	g, _ := zkConnect(t, n.ZKAddr)
	open := zk.WorldACL(zk.PermAll)
	if _, err := g.Create("/app", nil, 0, open); err != nil {
		t.Fatal(err)
	}
	if _, err := g.CreateContainer("/app/box", nil, zk.FlagContainer, open); err != nil {
		t.Fatal(err)
	}
	if _, err := g.CreateTTL("/app/lease", []byte("l"), zk.FlagTTL, open, 200*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/app/box/c", "/app/lease/c", "/app/plain", "/app/plain/c"} {
		if _, err := g.Create(p, nil, 0, open); err != nil {
			t.Fatal(err)
		}
	}
	zkURL := "zk://" + ref.Addr
	r := harness.RunZkgate(t, 60*time.Second, nil, "migrate", "--from", n.ClientURL, "--to", zkURL, "--path", "/app")
	if r.ExitCode != 0 || !strings.HasPrefix(r.Stdout, "7 znodes created") {
		t.Fatalf("migrate back: status %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	for _, ends := range [][2]string{{n.ClientURL, zkURL}, {zkURL, n.ClientURL}} {
		r = harness.RunZkgate(t, 60*time.Second, nil, "diff", "--from", ends[0], "--to", ends[1], "--path", "/app")
		if r.ExitCode != 0 || !strings.HasPrefix(r.Stdout, "no differences: 7 znodes compared") {
			t.Fatalf("diff --from %s --to %s: status %d\n%s%s", ends[0], ends[1], r.ExitCode, r.Stdout, r.Stderr)
		}
	}
	n2 := harness.StartNode(t, harness.NodeOptions{})
	r = harness.RunZkgate(t, 60*time.Second, nil, "migrate", "--from", n.ClientURL, "--to", n2.ClientURL, "--path", "/app")
	if r.ExitCode != 0 || !strings.HasPrefix(r.Stdout, "7 znodes created") {
		t.Fatalf("zkgate to zkgate: status %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	// A persistent /app/box in the other zkgate is a difference of kind.
	g2, _ := zkConnect(t, n2.ZKAddr)
	r = harness.RunZkgate(t, 60*time.Second, nil, "diff", "--from", n.ClientURL, "--to", n2.ClientURL, "--path", "/app")
	if r.ExitCode != 0 {
		t.Fatalf("diff zkgate to zkgate: status %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	for _, p := range []string{"/app/box/c", "/app/box"} {
		if err := g2.Delete(p, -1); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := g2.Create("/app/box", nil, 0, open); err != nil {
		t.Fatal(err)
	}
	r = harness.RunZkgate(t, 60*time.Second, nil, "diff", "--from", n.ClientURL, "--to", n2.ClientURL, "--path", "/app")
	if r.ExitCode != 1 || !strings.Contains(r.Stdout, "~ /app/box: kind differs (container in the source, persistent in the destination)") {
		t.Fatalf("diff with a container made persistent: status %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}

	z, _ := zkConnect(t, ref.Addr)
	for _, p := range []string{"/app/box/c", "/app/lease/c", "/app/plain/c"} {
		if err := z.Delete(p, -1); err != nil {
			t.Fatal(err)
		}
	}
	gone(t, z, "/app/box")
	gone(t, z, "/app/lease")
	if ok, _, err := z.Exists("/app/plain"); err != nil || !ok {
		t.Fatalf("/app/plain, persistent, was reaped (%v)", err)
	}
}
