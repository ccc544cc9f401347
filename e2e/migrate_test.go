package e2e

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zkgate/zkgate/e2e/harness"
)

// buildTree creates the same small tree through any ZooKeeper-protocol
// server: empty, binary and near-1 MB data, a digest ACL, a container, a
// TTL node, deep paths and sequentially named nodes.
func buildTree(t *testing.T, c *zk.Conn) {
	t.Helper()
	must := func(p string, data []byte, flags int32, acl []zk.ACL) {
		t.Helper()
		if _, err := c.Create(p, data, flags, acl); err != nil {
			t.Fatalf("create %s: %v", p, err)
		}
	}
	open := zk.WorldACL(zk.PermAll)
	must("/app", []byte("root"), 0, open)
	must("/app/empty", nil, 0, open)
	must("/app/binary", []byte{0, 1, 2, 0xff, 0xfe}, 0, open)
	must("/app/big", []byte(strings.Repeat("z", 1000000)), 0, open)
	must("/app/secret", []byte("s"), 0, zk.DigestACL(zk.PermRead|zk.PermAdmin, "admin", "pw"))
	if _, err := c.CreateContainer("/app/box", nil, zk.FlagContainer, open); err != nil {
		t.Fatal(err)
	}
	must("/app/box/item", []byte("i"), 0, open)
	if _, err := c.CreateTTL("/app/ttl", []byte("t"), zk.FlagTTL, open, time.Hour); err != nil {
		t.Fatal(err)
	}
	p := "/app"
	for _, part := range []string{"a", "b", "c", "d", "e"} {
		p += "/" + part
		must(p, []byte(part), 0, open)
	}
	for range 3 {
		if _, err := c.Create("/app/seq-", nil, zk.FlagSequence, open); err != nil {
			t.Fatal(err)
		}
	}
}

// TestDiff_ZooKeeperAgainstZkgate: the same tree built in a real
// ZooKeeper and in zkgate has no differences; a changed data, a changed
// ACL and a node only on one side are each reported, with exit status 1;
// the source's ephemeral against a persistent node of zkgate is listed
// apart, not as a difference; an unreachable end is 2.
func TestDiff_ZooKeeperAgainstZkgate(t *testing.T) {
	t.Parallel()
	ref := harness.StartZooKeeper(t)
	n := harness.StartNode(t, harness.NodeOptions{})
	src, _ := zkConnect(t, ref.Addr)
	dst, _ := zkConnect(t, n.ZKAddr)
	buildTree(t, src)
	buildTree(t, dst)

	diff := func(args ...string) harness.Result {
		return harness.RunZkgate(t, 60*time.Second, nil, append([]string{"diff", "--from", ref.Addr, "--to", n.ClientURL}, args...)...)
	}
	// Without auth the protected node cannot be compared: status 2.
	r := diff("--path", "/app")
	if r.ExitCode != 2 || !strings.Contains(r.Stdout, "! /app/secret: the source's ACL refuses to read it") {
		t.Fatalf("a protected node without auth: status %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	r = diff("--path", "/app", "--from-auth", "digest:admin:pw", "--to-auth", "digest:admin:pw")
	if r.ExitCode != 0 || !strings.HasPrefix(r.Stdout, "no differences: 16 znodes compared") {
		t.Fatalf("same trees: status %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	// From /: the root too, and /zookeeper (each server's own) skipped.
	r = diff("--path", "/", "--from-auth", "digest:admin:pw", "--to-auth", "digest:admin:pw")
	if r.ExitCode != 0 || !strings.HasPrefix(r.Stdout, "no differences: 17 znodes compared") {
		t.Fatalf("same trees from /: status %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}

	if _, err := dst.Set("/app/a/b", []byte("changed"), -1); err != nil {
		t.Fatal(err)
	}
	if _, err := src.SetACL("/app/empty", zk.WorldACL(zk.PermRead), -1); err != nil {
		t.Fatal(err)
	}
	if _, err := src.Create("/app/a/b/c/only-src", nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	if _, err := dst.Create("/app/only-dst", nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	if _, err := src.Create("/app/eph", nil, zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	if _, err := dst.Create("/app/eph", nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	r = diff("--path", "/app", "--from-auth", "digest:admin:pw", "--to-auth", "digest:admin:pw")
	got := strings.Split(strings.TrimSpace(r.Stdout), "\n")
	for i := range got {
		got[i], _, _ = strings.Cut(got[i], " (")
	}
	slices.Sort(got)
	want := []string{
		"+ /app/only-dst",
		"- /app/a/b/c/only-src",
		"ephemeral, not compared: /app/eph",
		"~ /app/a/b: data differs",
		"~ /app/empty: acl differs",
	}
	if r.ExitCode != 1 || !slices.Equal(got, want) || !strings.Contains(r.Stderr, "4 differences") ||
		!strings.Contains(r.Stdout, "/app/eph (in the source; the destination has a persistent znode there") {
		t.Fatalf("status %d, differences:\n%s\nwant %q; stderr %s", r.ExitCode, r.Stdout, want, r.Stderr)
	}

	// A subtree without changes.
	r = diff("--path", "/app/box")
	if r.ExitCode != 0 || !strings.HasPrefix(r.Stdout, "no differences: 2 znodes compared") {
		t.Fatalf("a subtree: status %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}

	r = harness.RunZkgate(t, 60*time.Second, nil, "diff", "--from", ref.Addr, "--to", "not a url")
	if r.ExitCode != 2 {
		t.Fatalf("a bad --to: status %d, want 2; %s", r.ExitCode, r.Stderr)
	}
}

// TestMigrate_CopyResumeDiff: zkgate migrate copies a real ZooKeeper's
// tree (data of every shape, a digest ACL, a container, a TTL node, deep
// and sequentially named nodes) so that zkgate diff finds no difference
// (the ephemeral, not copied, is listed apart by both); run again it
// changes nothing; after changes in the source it brings them over.
func TestMigrate_CopyResumeDiff(t *testing.T) {
	t.Parallel()
	ref := harness.StartZooKeeper(t)
	n := harness.StartNode(t, harness.NodeOptions{})
	src, _ := zkConnect(t, ref.Addr)
	buildTree(t, src)
	if _, err := src.Create("/app/eph", nil, zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	// A queue whose sequence counter (5) is ahead of its children (2).
	if _, err := src.Create("/app/q", nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		p, err := src.Create("/app/q/n-", nil, zk.FlagSequence, zk.WorldACL(zk.PermAll))
		if err != nil {
			t.Fatal(err)
		}
		if i < 3 {
			if err := src.Delete(p, -1); err != nil {
				t.Fatal(err)
			}
		}
	}
	ends := []string{"--from", ref.Addr, "--to", n.ClientURL, "--path", "/app", "--from-auth", "digest:admin:pw", "--to-auth", "digest:admin:pw"}
	migrate := func() harness.Result {
		return harness.RunZkgate(t, 120*time.Second, nil, append([]string{"migrate"}, ends...)...)
	}
	diff := func() harness.Result {
		return harness.RunZkgate(t, 60*time.Second, nil, append([]string{"diff"}, ends...)...)
	}
	onlyEph := func(r harness.Result) {
		t.Helper()
		if r.ExitCode != 0 || !strings.HasPrefix(r.Stdout, "ephemeral, not compared: /app/eph (in the source; its owner recreates it") ||
			!strings.Contains(r.Stdout, " znodes compared; 1 ephemeral not compared (--include-ephemerals compares them)\n") {
			t.Fatalf("diff after migrate: status %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
		}
	}

	r := migrate()
	if r.ExitCode != 0 || !strings.HasPrefix(r.Stdout, "19 znodes created, 0 updated, 0 already equal") ||
		!strings.Contains(r.Stdout, "; 2 sequence counters carried over") || !strings.Contains(r.Stdout, "ephemeral, not copied: /app/eph") ||
		!strings.Contains(r.Stderr, "copying 20 znodes under /app\n") ||
		!strings.Contains(r.Stdout, "\n20 znodes under /app in the source: 19 copied or already equal, 1 ephemeral (not copied") {
		t.Fatalf("migrate: status %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	onlyEph(diff())

	r = migrate()
	if r.ExitCode != 0 || !strings.HasPrefix(r.Stdout, "0 znodes created, 0 updated, 19 already equal") || !strings.Contains(r.Stdout, "; 0 sequence counters") {
		t.Fatalf("migrate again: status %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}

	if _, err := src.Set("/app/a/b", []byte("new"), -1); err != nil {
		t.Fatal(err)
	}
	if _, err := src.SetACL("/app/empty", zk.WorldACL(zk.PermRead), -1); err != nil {
		t.Fatal(err)
	}
	if _, err := src.Create("/app/a/later", []byte("l"), 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	r = migrate()
	if r.ExitCode != 0 || !strings.HasPrefix(r.Stdout, "1 znodes created, 2 updated, 17 already equal") {
		t.Fatalf("migrate after changes: status %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	onlyEph(diff())

	// The queue's counter came over: the next sequential child gets the
	// same number in zkgate as it would in ZooKeeper, and cversion agrees.
	dst, _ := zkConnect(t, n.ZKAddr)
	_, srcStat, err := src.Get("/app/q")
	if err != nil {
		t.Fatal(err)
	}
	_, dstStat, err := dst.Get("/app/q")
	if err != nil {
		t.Fatal(err)
	}
	if srcStat.Cversion != dstStat.Cversion || srcStat.NumChildren != dstStat.NumChildren {
		t.Fatalf("/app/q cversion/numChildren: source %d/%d, zkgate %d/%d", srcStat.Cversion, srcStat.NumChildren, dstStat.Cversion, dstStat.NumChildren)
	}
	a, err := src.Create("/app/q/n-", nil, zk.FlagSequence, zk.WorldACL(zk.PermAll))
	if err != nil {
		t.Fatal(err)
	}
	b, err := dst.Create("/app/q/n-", nil, zk.FlagSequence, zk.WorldACL(zk.PermAll))
	if err != nil || a != b || a != "/app/q/n-0000000005" {
		t.Fatalf("next sequential child: ZooKeeper %s, zkgate %s (%v)", a, b, err)
	}

	// Without ADMIN on a znode its digest ACL reads masked ("admin:x"):
	// migrate does not copy a wrong ACL, it reports the znode (status 2).
	if _, err := src.Create("/app/masked", nil, 0, zk.DigestACL(zk.PermRead, "admin", "pw")); err != nil {
		t.Fatal(err)
	}
	r = migrate()
	if r.ExitCode != 2 || !strings.Contains(r.Stdout, "not copied: /app/masked (ACL masked") {
		t.Fatalf("a masked ACL: status %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	if ok, _, err := dst.Exists("/app/masked"); err != nil || ok {
		t.Fatalf("/app/masked was copied (%v, %v)", ok, err)
	}
}

// TestMigrate_FollowKeepsUp: while a writer creates, changes and deletes
// znodes (sequential ones among them) in a real ZooKeeper, from before
// zkgate migrate --follow starts until after its copy is done, zkgate
// follows: once the writer stops, zkgate diff finds no difference, the
// next sequential child gets the same number on both sides, and an
// interrupt ends migrate with status 0.
func TestMigrate_FollowKeepsUp(t *testing.T) {
	t.Parallel()
	ref := harness.StartZooKeeper(t)
	n := harness.StartNode(t, harness.NodeOptions{})
	src, _ := zkConnect(t, ref.Addr)
	open := zk.WorldACL(zk.PermAll)
	for _, p := range []string{"/f", "/f/seq", "/f/data"} {
		if _, err := src.Create(p, nil, 0, open); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 200 {
		if _, err := src.Create(fmt.Sprintf("/f/data/k%03d", i), []byte("v0"), 0, open); err != nil {
			t.Fatal(err)
		}
	}

	copied := make(chan struct{})
	writerDone := make(chan error, 1)
	go func() {
		r := rand.New(rand.NewPCG(1, 2))
		for ops := 0; ; ops++ {
			select {
			case <-copied:
				if ops >= 400 {
					writerDone <- nil
					return
				}
			default:
			}
			k := fmt.Sprintf("/f/data/k%03d", r.IntN(250))
			var err error
			switch r.IntN(4) {
			case 0:
				_, err = src.Set(k, []byte(fmt.Sprint("v", ops)), -1)
			case 1:
				_, err = src.Create(k, []byte("new"), 0, open)
			case 2:
				err = src.Delete(k, -1)
			case 3:
				var p string
				if p, err = src.Create("/f/seq/n-", nil, zk.FlagSequence, open); err == nil && ops%2 == 0 {
					err = src.Delete(p, -1)
				}
			}
			if err != nil && !errors.Is(err, zk.ErrNoNode) && !errors.Is(err, zk.ErrNodeExists) {
				writerDone <- err
				return
			}
		}
	}()

	ends := []string{"--from", ref.Addr, "--to", n.ClientURL, "--path", "/f"}
	m := startProc(t, exec.Command(harness.Zkgate(t), append([]string{"migrate", "--follow"}, ends...)...))
	if l := m.line(60 * time.Second); !strings.HasPrefix(l, "copied: ") {
		t.Fatalf("migrate --follow printed %q", l)
	}
	close(copied)
	if err := <-writerDone; err != nil {
		t.Fatal(err)
	}

	// The writer has stopped: zkgate catches up.
	deadline := time.Now().Add(60 * time.Second)
	for {
		r := harness.RunZkgate(t, 60*time.Second, nil, append([]string{"diff"}, ends...)...)
		if r.ExitCode == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("zkgate did not catch up with the source: status %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
		}
		time.Sleep(200 * time.Millisecond) // polling a converging copy: no event to await
	}
	dst, _ := zkConnect(t, n.ZKAddr)
	a, err := src.Create("/f/seq/n-", nil, zk.FlagSequence, open)
	if err != nil {
		t.Fatal(err)
	}
	b, err := dst.Create("/f/seq/n-", nil, zk.FlagSequence, open)
	if err != nil || a != b {
		t.Fatalf("next sequential child: ZooKeeper %s, zkgate %s (%v)", a, b, err)
	}

	_ = m.cmd.Process.Signal(syscall.SIGINT)
	<-m.done
	if code := m.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("interrupted migrate --follow exited with %d", code)
	}
}

// TestMigrate_TenThousandKilledAndRerun: a tree of 10,000 znodes (empty,
// binary and 1 MB data, digest ACLs, paths 8 deep) is copied by a
// migrate that is killed (SIGKILL) halfway; run again, it finishes, and
// zkgate diff finds no difference.
func TestMigrate_TenThousandKilledAndRerun(t *testing.T) {
	t.Parallel()
	ref := harness.StartZooKeeper(t)
	n := harness.StartNode(t, harness.NodeOptions{})
	src, _ := zkConnect(t, ref.Addr)
	open := zk.WorldACL(zk.PermAll)
	guarded := append(zk.DigestACL(zk.PermAll, "admin", "pw"), zk.WorldACL(zk.PermRead)...)
	if err := src.AddAuth("digest", []byte("admin:pw")); err != nil {
		t.Fatal(err)
	}
	big := []byte(strings.Repeat("b", 1000000))
	// 10 top nodes, 10 under each, a chain 8 deep, and 99 leaves under
	// each of the 100 (9,900).
	var paths []string
	for i := range 10 {
		paths = append(paths, fmt.Sprintf("/t/d%d", i))
		for j := range 10 {
			paths = append(paths, fmt.Sprintf("/t/d%d/e%d", i, j))
		}
	}
	deep := "/t"
	for i := range 8 {
		deep += fmt.Sprintf("/x%d", i)
		paths = append(paths, deep)
	}
	parents := len(paths)
	for i := range 10 {
		for j := range 10 {
			for k := range 99 {
				paths = append(paths, fmt.Sprintf("/t/d%d/e%d/f%02d", i, j, k))
			}
		}
	}
	if _, err := src.Create("/t", nil, 0, open); err != nil {
		t.Fatal(err)
	}
	// Parents first, then the rest 32 at a time.
	create := func(i int, p string) error {
		var data []byte
		acl := open
		switch i % 5 {
		case 1:
			data = []byte{0, 0xff, byte(i), byte(i >> 8)}
		case 2:
			data = []byte(fmt.Sprint("value ", i))
		case 3:
			acl = guarded
		}
		if i == 5000 {
			data = big
		}
		_, err := src.Create(p, data, 0, acl)
		return err
	}
	for i, p := range paths[:parents] {
		if err := create(i, p); err != nil {
			t.Fatal(err)
		}
	}
	errc := make(chan error, 32)
	sem := make(chan struct{}, 32)
	for i, p := range paths[parents:] {
		sem <- struct{}{}
		go func() {
			defer func() { <-sem }()
			if err := create(i+parents, p); err != nil {
				errc <- fmt.Errorf("%s: %w", p, err)
			}
		}()
	}
	for range cap(sem) {
		sem <- struct{}{}
	}
	close(errc)
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	total := len(paths) + 1
	if total < 10000 {
		t.Fatalf("only %d znodes", total)
	}

	ends := []string{"--from", ref.Addr, "--to", n.ClientURL, "--path", "/t", "--from-auth", "digest:admin:pw", "--to-auth", "digest:admin:pw"}
	m := startProc(t, exec.Command(harness.Zkgate(t), append([]string{"migrate"}, ends...)...))
	// Wait until about half the tree is there (breadth-first, the
	// leaves come last, d4/e9 about halfway through them), then kill it.
	dst, _ := zkConnect(t, n.ZKAddr)
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if ok, _, _ := dst.Exists("/t/d4/e9/f50"); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("migrate did not copy half the tree in two minutes")
		}
		time.Sleep(50 * time.Millisecond) // polling the destination: no event to await
	}
	m.kill()
	if m.cmd.ProcessState.Success() {
		t.Fatal("migrate finished before it could be killed halfway")
	}
	r := harness.RunZkgate(t, 5*time.Minute, nil, append([]string{"migrate"}, ends...)...)
	var created, updated, equal int
	if _, err := fmt.Sscanf(r.Stdout, "%d znodes created, %d updated, %d already equal", &created, &updated, &equal); err != nil ||
		r.ExitCode != 0 || created < 1000 || equal < 1000 || created+updated+equal != total {
		t.Fatalf("migrate after the kill (it should find about half done): status %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	t.Logf("rerun after the kill: %d created, %d updated, %d already equal", created, updated, equal)
	r = harness.RunZkgate(t, 5*time.Minute, nil, append([]string{"diff"}, ends...)...)
	if r.ExitCode != 0 || !strings.HasPrefix(r.Stdout, fmt.Sprintf("no differences: %d znodes compared", total)) {
		t.Fatalf("diff: status %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
}
