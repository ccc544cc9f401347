package e2e

import (
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/zkgate/zkgate/e2e/harness"
)

// python is the interpreter that has kazoo (Debian's python3-kazoo): the
// python3 first on PATH may be another one.
const python = "/usr/bin/python3"

// kazooPrelude starts every kazoo script: client(timeout) connects a
// KazooClient to the hosts in argv[1] with that session timeout.
const kazooPrelude = `
import sys, threading, time, logging
logging.basicConfig(level=logging.ERROR)
from kazoo.client import KazooClient
from kazoo.exceptions import *
def client(timeout=10):
    c = KazooClient(hosts=sys.argv[1], timeout=timeout)
    c.start(timeout=20)
    return c
`

// runKazoo runs a Python script with kazoo connected to hosts, bounded in
// time, and returns its output; the script prints "OK" last on success.
func runKazoo(t *testing.T, hosts, script string) string {
	t.Helper()
	cmd := exec.Command(python, "-c", kazooPrelude+script, hosts)
	out, err := outputWithin(t, cmd, 120*time.Second, "kazoo script")
	if err != nil || !strings.HasSuffix(strings.TrimSpace(string(out)), "OK") {
		t.Fatalf("kazoo script: %v\n%s", err, out)
	}
	return string(out)
}

func TestKazoo_Basics(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{})
	runKazoo(t, n.ZKAddr, `
zk = client()
zk.ensure_path("/app/config")
zk.set("/app/config", b"v1")
data, st = zk.get("/app/config")
assert data == b"v1" and st.version == 1, (data, st)
p = zk.create("/app/job-", b"x", sequence=True)
assert p == "/app/job-0000000001", p
e = zk.create("/app/eph", b"", ephemeral=True)
assert zk.exists(e).ephemeralOwner == zk.client_id[0]
assert sorted(zk.get_children("/app")) == ["config", "eph", "job-0000000001"]
try:
    zk.create("/app/config")
    raise SystemExit("NodeExists expected")
except NodeExistsError:
    pass
try:
    zk.set("/app/config", b"v2", version=0)
    raise SystemExit("BadVersion expected")
except BadVersionError:
    pass
t = zk.transaction()
t.create("/app/t1", b"a")
t.set_data("/app/config", b"v2", version=1)
t.check("/app/config", 2)
res = t.commit()
assert res[0] == "/app/t1", res
fired = threading.Event()
@zk.DataWatch("/app/config")
def watch(data, stat):
    if data == b"v3":
        fired.set()
zk.set("/app/config", b"v3")
assert fired.wait(10), "data watch"
zk.add_auth("digest", "alice:pw")
from kazoo.security import make_digest_acl
zk.create("/secret", b"s", acl=[make_digest_acl("alice", "pw", all=True)])
other = client()
try:
    other.get("/secret")
    raise SystemExit("NoAuth expected")
except NoAuthError:
    pass
zk.delete("/app", recursive=True)
assert not zk.exists("/app")
zk.stop(); other.stop()
print("OK")
`)
}

func TestKazoo_Recipes(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{})
	runKazoo(t, n.ZKAddr, `
a, b = client(), client()

# Lock: the second contender waits until the first releases.
la, lb = a.Lock("/lock", "a"), b.Lock("/lock", "b")
assert la.acquire(timeout=10)
try:
    lb.acquire(timeout=0.5)
    raise SystemExit("second lock holder")
except LockTimeout:
    pass
la.release()
assert lb.acquire(timeout=10)
lb.release()

# Election: one leader at a time, the next takes over.
order = []
def run(name):
    order.append(name)
ea, eb = a.Election("/election", "a"), b.Election("/election", "b")
ta = threading.Thread(target=ea.run, args=(run, "a")); ta.start(); ta.join(10)
tb = threading.Thread(target=eb.run, args=(run, "b")); tb.start(); tb.join(10)
assert order == ["a", "b"], order

# Counter
c = a.Counter("/counter")
c += 5
c -= 2
assert b.Counter("/counter").value == 3

# Barrier
bar = a.Barrier("/barrier")
bar.create()
done = threading.Event()
threading.Thread(target=lambda: (b.Barrier("/barrier").wait(10), done.set())).start()
time.sleep(0.2)
assert not done.is_set()
bar.remove()
assert done.wait(10)

# DoubleBarrier with two members
db_a, db_b = a.DoubleBarrier("/double", 2), b.DoubleBarrier("/double", 2)
entered = []
def member(db, name):
    db.enter(); entered.append(name); db.leave()
t1 = threading.Thread(target=member, args=(db_a, "a")); t2 = threading.Thread(target=member, args=(db_b, "b"))
t1.start(); t2.start(); t1.join(20); t2.join(20)
assert sorted(entered) == ["a", "b"], entered

# Queue and LockingQueue keep order
q = a.Queue("/queue")
for i in range(5):
    q.put(str(i).encode())
assert [b.Queue("/queue").get() for _ in range(5)] == [b"0", b"1", b"2", b"3", b"4"]
lq = a.LockingQueue("/lqueue")
lq.put(b"x"); lq.put(b"y", priority=1)
got = b.LockingQueue("/lqueue").get(5)
assert got == b"y", got  # lower number, higher priority

# Semaphore with one slot
sa, sb = a.Semaphore("/sem", max_leases=1), b.Semaphore("/sem", max_leases=1)
assert sa.acquire(timeout=5)
try:
    got = sb.acquire(timeout=0.5)
    assert not got, "two semaphore holders"
except LockTimeout:
    pass
sa.release()
assert sb.acquire(timeout=5)
sb.release()

# Party
pa, pb = a.Party("/party", "a"), b.Party("/party", "b")
pa.join(); pb.join()
assert sorted(list(pa)) == ["a", "b"]
pb.leave()
assert list(pa) == ["a"]

# TreeCache sees a node created by the other client
from kazoo.recipe.cache import TreeCache
seen = threading.Event()
tc = TreeCache(a, "/tree")
a.ensure_path("/tree")
def listener(ev):
    if ev.event_data is not None and ev.event_data.path == "/tree/leaf":
        seen.set()
tc.listen(listener)
tc.start()
time.sleep(0.5)
b.create("/tree/leaf", b"1")
assert seen.wait(10), "TreeCache"
tc.close()
a.stop(); b.stop()
print("OK")
`)
}
