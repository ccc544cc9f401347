package e2e

import (
	"sync"
	"testing"

	"github.com/zkgate/zkgate/e2e/harness"
)

// kazooNullDataAndACLForms checks, with kazoo, null data (create and set
// with None) and the ACL forms kazoo sends, CREATOR_ALL_ACL (Id("auth",
// "")) first; kazoo writes every empty string as null, so Id("x", "") has
// a null id. It prints one line per outcome, for comparing servers.
const kazooNullDataAndACLForms = `
from kazoo.security import ACL, Id, CREATOR_ALL_ACL, OPEN_ACL_UNSAFE, make_digest_acl_credential
zk = client()
zk.create("/kz")
def show(name, f):
    try:
        print(name, "->", repr(f()))
    except Exception as e:
        print(name, "-> raised", type(e).__name__)

# Null data.
zk.create("/kz/null", None)
data, st = zk.get("/kz/null")
assert data is None and st.dataLength == 0, (data, st)
zk.create("/kz/empty", b"")
assert zk.get("/kz/empty")[0] == b""
zk.set("/kz/empty", None)
assert zk.get("/kz/empty")[0] is None
zk.set("/kz/null", b"")
assert zk.get("/kz/null")[0] == b""
zk.create("/kz/eph", None, ephemeral=True)
show("get eph", lambda: zk.get("/kz/eph")[0])
show("get root", lambda: zk.get("/")[0])
show("get /zookeeper", lambda: zk.get("/zookeeper")[0])

# CREATOR_ALL_ACL without an authenticated identity, then with two.
try:
    zk.create("/kz/creator", b"x", acl=CREATOR_ALL_ACL)
    raise SystemExit("InvalidACL expected")
except InvalidACLError:
    pass
zk.add_auth("digest", "alice:secret")
zk.add_auth("digest", "bob:pw")
zk.create("/kz/creator", b"x", acl=CREATOR_ALL_ACL)
acl = zk.get_acls("/kz/creator")[0]
assert [(a.perms, a.id.scheme, a.id.id) for a in acl] == [
    (31, "digest", make_digest_acl_credential("alice", "secret")), (31, "digest", make_digest_acl_credential("bob", "pw"))], acl
show("getacl creator", lambda: zk.get_acls("/kz/creator")[0])

forms = [
    [ACL(31, Id("auth", "any"))], [ACL(1, Id("auth", "")), ACL(31, Id("world", "anyone"))],
    [ACL(31, Id("world", ""))], [ACL(31, Id("world", "someone"))], OPEN_ACL_UNSAFE,
    [ACL(31, Id("digest", ""))], [ACL(31, Id("digest", "alice"))], [ACL(31, Id("digest", make_digest_acl_credential("carol", "x")))],
    [ACL(31, Id("ip", ""))], [ACL(31, Id("ip", "127.0.0.1"))], [ACL(31, Id("ip", "10.0.0.0/8"))],
    [ACL(31, Id("ip", "10.0.0.0/40"))], [ACL(31, Id("ip", "::1"))],
    [ACL(31, Id("super", ""))], [ACL(31, Id("bogus", ""))], [ACL(31, Id("", "x"))],
    [ACL(31, Id("world", "anyone")), ACL(31, Id("", "x"))], [ACL(31, Id("", "x")), ACL(31, Id("world", "anyone"))],
    [ACL(31, Id("bogus", "x")), ACL(31, Id("digest", ""))], [], 
]
for i, a in enumerate(forms):
    show("create %d %r" % (i, a), lambda: zk.create("/kz/f%d" % i, b"x", acl=a))
    show("getacl %d" % i, lambda: zk.get_acls("/kz/f%d" % i)[0])
    zk.create("/kz/s%d" % i, b"")
    show("setacl %d" % i, lambda: zk.set_acls("/kz/s%d" % i, a).aversion)
    show("getacl s%d" % i, lambda: zk.get_acls("/kz/s%d" % i)[0])

# In a transaction.
def txn(name, ops):
    t = zk.transaction()
    for path, acl in ops:
        t.create(path, b"", acl=acl)
    show(name, lambda: t.commit())
txn("txn creator", [("/kz/t1", OPEN_ACL_UNSAFE), ("/kz/t2", CREATOR_ALL_ACL)])
txn("txn bogus", [("/kz/t3", OPEN_ACL_UNSAFE), ("/kz/t4", [ACL(31, Id("bogus", "x"))]), ("/kz/t5", OPEN_ACL_UNSAFE)])
txn("txn null world", [("/kz/t6", OPEN_ACL_UNSAFE), ("/kz/t7", [ACL(31, Id("world", ""))])])
txn("txn empty", [("/kz/t8", [])])
show("children", lambda: sorted(zk.get_children("/kz")))
print("OK")
`

// TestKazoo_NullDataAndACLForms runs kazooNullDataAndACLForms against a
// real ZooKeeper 3.8 and zkgate: the script's assertions hold on both,
// and the two print the same outcomes.
func TestKazoo_NullDataAndACLForms(t *testing.T) {
	t.Parallel()
	zk, n := startZooKeeperAndNode(t, harness.NodeOptions{})
	var want, got string
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); want = runKazoo(t, zk.Addr, kazooNullDataAndACLForms) }()
	go func() { defer wg.Done(); got = runKazoo(t, n.ZKAddr, kazooNullDataAndACLForms) }()
	wg.Wait()
	if t.Failed() {
		return
	}
	if got != want {
		t.Fatalf("kazoo on zkgate:\n%s\nkazoo on ZooKeeper 3.8:\n%s", got, want)
	}
}
