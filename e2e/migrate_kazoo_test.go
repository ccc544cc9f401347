package e2e

import (
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zkgate/zkgate/e2e/harness"
)

// kazooWorkload is an application's client: an ephemeral member znode and
// an ephemeral sequential one, a data watch on /app/config and a child
// watch on /app/q; it consumes (deletes) the three oldest items it finds,
// then runs two writer threads, each in a loop: a sequential
// item under /app/q (every third deleted at once, as a queue's consumer
// would), then /app/counter incremented under a kazoo Lock, then
// /app/config set. It prints "ready", then "progress N" every 10
// items, and on "stop" (stdin) finishes its loops, prints "result JSON"
// and "OK", and closes its session.
const kazooWorkload = `
import json
from kazoo.recipe.lock import Lock
name = sys.argv[2]
zk = client()
for p in ("/app/q", "/app/members", "/app/lock"):
    zk.ensure_path(p)
member = zk.create("/app/members/" + name, b"up", ephemeral=True)
eseq = zk.create("/app/members/e-", name.encode(), ephemeral=True, sequence=True)
config_events, child_events = [0], [0]
@zk.DataWatch("/app/config")
def on_config(data, stat):
    config_events[0] += 1
@zk.ChildrenWatch("/app/q")
def on_items(children):
    child_events[0] += 1
stop = threading.Event()
mu = threading.Lock()
items, deleted, locks, incs = [], [], [], [0]
# Consume the three oldest items left by earlier runs.
for k in sorted(zk.get_children("/app/q"))[:3]:
    zk.delete("/app/q/" + k)
    deleted.append("/app/q/" + k)
def writer(i):
    lock = Lock(zk, "/app/lock", "%s-%d" % (name, i))  # a contender each
    k = 0
    while not stop.is_set():
        data = ("%s-%d-%d" % (name, i, k)).encode()
        p = zk.create("/app/q/item-", data, sequence=True)
        with lock:
            v = int(zk.get("/app/counter")[0])
            zk.set("/app/counter", str(v + 1).encode())
            with mu:
                locks.append(int(lock.node[-10:]))
        zk.set("/app/config", data)
        if k % 3 == 2:
            zk.delete(p)  # consumed, as from a queue
        with mu:
            items.append([p, data.decode()])
            if k % 3 == 2:
                deleted.append(p)
            incs[0] += 1
            if len(items) % 10 == 0:
                print("progress", len(items), flush=True)
        k += 1
def guarded(i):
    try:
        writer(i)
    except Exception as e:
        print("error", repr(e), flush=True)
threads = [threading.Thread(target=guarded, args=(i,)) for i in range(2)]
for t in threads:
    t.start()
print("ready", member, eseq, flush=True)
sys.stdin.readline()
stop.set()
for t in threads:
    t.join()
print("result", json.dumps({"items": items, "deleted": deleted, "locks": locks, "member": int(eseq[-10:]), "incs": incs[0], "config_events": config_events[0], "child_events": child_events[0]}), flush=True)
zk.stop()
print("OK", flush=True)
`

// workResult is what a workload reports when stopped.
type workResult struct {
	Items        [][2]string `json:"items"`   // path, data
	Deleted      []string    `json:"deleted"` // items deleted after
	Locks        []int       `json:"locks"`   // the sequence number of each lock node it held
	Member       int         `json:"member"`  // its ephemeral sequential member's number
	Incs         int         `json:"incs"`
	ConfigEvents int         `json:"config_events"`
	ChildEvents  int         `json:"child_events"`
}

// TestMigrate_KazooThereAndBack moves a live kazoo workload (writers of
// sequential items, a lock around a counter, ephemeral and ephemeral
// sequential members, data and child watches) from a real ZooKeeper 3.8
// to zkgate and back again, under load, as MIGRATION.md's runbook says:
//
//  1. the workload runs on ZooKeeper; zkgate migrate --follow copies
//     ZooKeeper into zkgate while it writes;
//  2. the workload stops on ZooKeeper (its ephemerals and lock nodes go
//     with its session), zkgate catches up (a marker written after it
//     arrives), diff finds no difference, the follow ends, and the
//     workload starts on zkgate;
//  3. zkgate migrate --follow --delete copies zkgate (through its gRPC
//     API and one recursive watch) back into ZooKeeper while the workload
//     writes on zkgate, deleting from ZooKeeper the items consumed in
//     zkgate since the move;
//  4. the workload stops on zkgate, ZooKeeper catches up, diff finds no
//     difference in either direction, and the workload starts on
//     ZooKeeper again.
//
// Nothing is lost: every item written in any phase and not deleted is in
// ZooKeeper at the end with its data, and no deleted one is, no lock node
// or ephemeral sequential member got a number issued in an earlier phase, the items' sequence numbers run 0, 1, 2, ... across
// the three phases with none issued twice or skipped, the counter counts
// every increment made under the lock, the watches fired on each server,
// and each follow listed the ephemerals it did not copy.
func TestMigrate_KazooThereAndBack(t *testing.T) {
	t.Parallel()
	ref := harness.StartZooKeeper(t)
	n := harness.StartNode(t, harness.NodeOptions{})
	z, _ := zkConnect(t, ref.Addr)
	g, _ := zkConnect(t, n.ZKAddr)
	open := zk.WorldACL(zk.PermAll)
	for _, pv := range [][2]string{{"/app", ""}, {"/app/counter", "0"}, {"/app/config", "c0"}} {
		if _, err := z.Create(pv[0], []byte(pv[1]), 0, open); err != nil {
			t.Fatal(err)
		}
	}

	start := func(hosts, name string) *cliProc {
		t.Helper()
		w := startProc(t, exec.Command(python, "-c", kazooPrelude+kazooWorkload, hosts, name))
		if l := w.line(60 * time.Second); !strings.HasPrefix(l, "ready /app/members/"+name+" /app/members/e-") {
			t.Fatalf("workload %s: %q", name, l)
		}
		return w
	}
	// progress waits for k more progress lines: k*10 more items.
	progress := func(w *cliProc, k int) {
		t.Helper()
		for range k {
			if l := w.line(60 * time.Second); !strings.HasPrefix(l, "progress ") {
				t.Fatalf("workload: %q", l)
			}
		}
	}
	stop := func(w *cliProc) workResult {
		t.Helper()
		w.send("stop")
		var r workResult
		for {
			l := w.line(60 * time.Second)
			if rest, ok := strings.CutPrefix(l, "result "); ok {
				if err := json.Unmarshal([]byte(rest), &r); err != nil {
					t.Fatal(err)
				}
				break
			}
		}
		if l := w.line(60 * time.Second); l != "OK" {
			t.Fatalf("workload: %q", l)
		}
		<-w.done
		return r
	}
	follow := func(from, to string, args ...string) *cliProc {
		t.Helper()
		m := startProc(t, exec.Command(harness.Zkgate(t), append([]string{"migrate", "--follow", "--from", from, "--to", to, "--path", "/app"}, args...)...))
		if l := m.line(60 * time.Second); !strings.HasPrefix(l, "copied: ") {
			t.Fatalf("migrate --follow printed %q", l)
		}
		return m
	}
	// endFollow interrupts a follow and returns the rest of its output.
	endFollow := func(m *cliProc) string {
		t.Helper()
		_ = m.cmd.Process.Signal(syscall.SIGINT)
		var out []string
		for l := range m.lines {
			out = append(out, l)
		}
		<-m.done
		if code := m.cmd.ProcessState.ExitCode(); code != 0 {
			t.Fatalf("interrupted migrate --follow exited with %d:\n%s", code, strings.Join(out, "\n"))
		}
		return strings.Join(out, "\n")
	}
	// caughtUp writes a marker on the source and waits for it on the
	// destination: the follow brings changes over in the source's order,
	// so every change before the marker is in.
	caughtUp := func(src, dst *zk.Conn, marker string) {
		t.Helper()
		if _, err := src.Create(marker, nil, 0, open); err != nil {
			t.Fatal(err)
		}
		awaitZnode(t, dst, marker, true, "never arrived")
	}
	diff := func(from, to string) {
		t.Helper()
		r := harness.RunZkgate(t, 60*time.Second, nil, "diff", "--from", from, "--to", to, "--path", "/app")
		if r.ExitCode != 0 || !strings.HasPrefix(r.Stdout, "no differences: ") {
			t.Fatalf("diff --from %s --to %s: status %d\n%s%s", from, to, r.ExitCode, r.Stdout, r.Stderr)
		}
	}
	zkURL, gateZK := "zk://"+ref.Addr, "zk://"+n.ZKAddr

	// 1. On ZooKeeper, followed into zkgate under load.
	w := start(ref.Addr, "w1")
	progress(w, 2)
	m := follow(zkURL, n.ClientURL)
	progress(w, 3)
	// 2. Clients move to zkgate.
	r1 := stop(w)
	caughtUp(z, g, "/app/marker-1")
	diff(zkURL, n.ClientURL)
	if out := endFollow(m); !strings.Contains(out, "ephemeral, not copied: /app/members/w1") {
		t.Fatalf("the follow into zkgate did not list w1's ephemeral:\n%s", out)
	}
	w = start(n.ZKAddr, "w2")
	progress(w, 2)
	// 3. zkgate followed back into ZooKeeper under load.
	m = follow(n.ClientURL, zkURL, "--delete")
	progress(w, 3)
	// 4. Clients move back to ZooKeeper.
	r2 := stop(w)
	caughtUp(g, z, "/app/marker-2")
	diff(gateZK, zkURL)
	diff(n.ClientURL, zkURL)
	diff(zkURL, n.ClientURL)
	if out := endFollow(m); !strings.Contains(out, "ephemeral, not copied: /app/members/w2") {
		t.Fatalf("the follow back into ZooKeeper did not list w2's ephemeral:\n%s", out)
	}
	w = start(ref.Addr, "w3")
	progress(w, 2)
	r3 := stop(w)

	// Nothing lost, no number issued twice or skipped.
	var (
		all     [][2]string
		deleted = map[string]bool{}
		// Ephemeral sequential znodes are never copied: their parents'
		// counters are, so no number comes back on the other side.
		locks, members = map[int]bool{}, map[int]bool{}
	)
	for i, r := range []workResult{r1, r2, r3} {
		t.Logf("phase %d: %d items, %d deleted, watches fired %d (data) and %d (children) times", i+1, len(r.Items), len(r.Deleted), r.ConfigEvents, r.ChildEvents)
		for _, p := range r.Deleted {
			deleted[p] = true
		}
		for _, l := range r.Locks {
			if locks[l] {
				t.Errorf("phase %d: lock node number %d was issued before", i+1, l)
			}
			locks[l] = true
		}
		if members[r.Member] {
			t.Errorf("phase %d: member number %d was issued before", i+1, r.Member)
		}
		members[r.Member] = true
		if r.ConfigEvents < 2 || r.ChildEvents < 2 {
			t.Errorf("phase %d: the watches fired %d (data) and %d (children) times", i+1, r.ConfigEvents, r.ChildEvents)
		}
		all = append(all, r.Items...)
	}
	slices.SortFunc(all, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
	for i, it := range all {
		if want := "/app/q/item-" + pad10(i); it[0] != want {
			t.Fatalf("item %d is %s, want %s: numbers issued twice or skipped", i, it[0], want)
		}
		data, _, err := z.Get(it[0])
		if deleted[it[0]] {
			if !errors.Is(err, zk.ErrNoNode) {
				t.Fatalf("%s, deleted, is in ZooKeeper at the end (%v)", it[0], err)
			}
			continue
		}
		if err != nil || string(data) != it[1] {
			t.Fatalf("%s in ZooKeeper at the end: %q (%v), want %q", it[0], data, err, it[1])
		}
	}
	kids, _, err := z.Children("/app/q")
	if err != nil || len(kids) != len(all)-len(deleted) {
		t.Fatalf("/app/q in ZooKeeper has %d children (%v), the workloads left %d", len(kids), err, len(all)-len(deleted))
	}
	counter, _, err := z.Get("/app/counter")
	if want := r1.Incs + r2.Incs + r3.Incs; err != nil || string(counter) != itoa(int64(want)) {
		t.Fatalf("/app/counter is %q (%v), the workloads incremented it %d times under the lock", counter, err, want)
	}
}

func pad10(i int) string { return fmt.Sprintf("%010d", i) }
