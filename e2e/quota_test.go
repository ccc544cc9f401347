package e2e

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zkgate/zkgate/e2e/harness"
)

// Quotas kept as ZooKeeper 3.8 keeps them: the same zkCli.sh script and
// the same go-zookeeper calls against a real ZooKeeper 3.8 and against
// zkgate, compared line by line (see gateway/testdata/
// zookeeper-3.8-behaviour.md, "Quotas kept").

// zxidOrTime matches the Stat lines zkCli.sh prints that differ between
// any two servers: zxids and times.
var zxidOrTime = regexp.MustCompile(`(?m)^(cZxid|mZxid|pZxid|ctime|mtime) = .*\n`)

// quotaTranscript runs f against a go-zookeeper session on addr and
// returns what it recorded.
func quotaTranscript(t *testing.T, addr string, f func(q *quotaRun)) string {
	t.Helper()
	c, _ := zkConnect(t, addr)
	q := &quotaRun{t: t, c: c, addr: addr}
	f(q)
	return q.out.String()
}

type quotaRun struct {
	t    *testing.T
	c    *zk.Conn
	addr string
	out  strings.Builder
}

func (q *quotaRun) logf(format string, args ...any) { fmt.Fprintf(&q.out, format+"\n", args...) }

// create records a create's outcome (go-zookeeper reports QuotaExceeded
// as "unknown error: -125").
func (q *quotaRun) create(path, data string, flags int32) {
	var d []byte
	if data != "-" {
		d = []byte(data)
	}
	p, err := q.c.Create(path, d, flags, zk.WorldACL(zk.PermAll))
	q.logf("create %s: %q %v", path, p, err)
}

func (q *quotaRun) set(path, data string, version int32) {
	_, err := q.c.Set(path, []byte(data), version)
	q.logf("set %s %q: %v", path, data, err)
}

func (q *quotaRun) del(path string) {
	q.logf("delete %s: %v", path, q.c.Delete(path, -1))
}

// stats records a quota's stats znode: its data and the Stat fields that
// do not depend on zxids or clocks.
func (q *quotaRun) stats(root string) string {
	data, st, err := q.c.Get("/zookeeper/quota" + root + "/zookeeper_stats")
	q.logf("stats %s: %q version=%d dataLength=%d cversion=%d numChildren=%d aversion=%d czxid=mzxid:%v ctime=mtime:%v %v",
		root, data, st.Version, st.DataLength, st.Cversion, st.NumChildren, st.Aversion, st.Czxid == st.Mzxid, st.Ctime == st.Mtime, err)
	return string(data)
}

// quota writes a quota's znodes as a client that bypasses zkCli.sh's
// checks does (the only way to nest quota roots).
func (q *quotaRun) quota(root, limits string) {
	p := "/zookeeper/quota"
	for _, part := range strings.Split(root[1:], "/") {
		p += "/" + part
		if ok, _, _ := q.c.Exists(p); !ok {
			q.create(p, "-", 0)
		}
	}
	q.create(p+"/zookeeper_limits", limits, 0)
	q.create(p+"/zookeeper_stats", "count=0,bytes=0", 0)
}

func TestQuota_StatsAsZooKeeper(t *testing.T) {
	t.Parallel()
	z := harness.StartZooKeeper(t)
	n := harness.StartNode(t, harness.NodeOptions{})
	script := []string{
		"create /q1 ab",
		"setquota -n 2 /q1",
		"listquota /q1",
		"get -s /zookeeper/quota/q1/zookeeper_stats",
		"create /q1/a",
		"create /q1/b xyz",
		`create /q1/c ""`,
		"listquota /q1",
		"set /q1/b 1234567",
		"listquota /q1",
		"delete /q1/a",
		"listquota /q1",
		"create /q1/d 0123456789",
		"create /q1/d/e",
		"create /q1/d/f",
		"create /q1/d/g",
		"create /q1/d/h",
		"create /q1/d/i",
		"create /q1/d/j",
		"get -s /zookeeper/quota/q1/zookeeper_stats",
		"setquota -b 5 /q1",
		"listquota /q1",
		"delquota -n /q1",
		"listquota /q1",
		"deleteall /q1/d",
		"listquota /q1",
		"delquota /q1",
		"listquota /q1",
		"ls /zookeeper/quota",
		// A quota set on a subtree that already holds znodes counts them.
		"create /q2 x",
		"create /q2/a yy",
		"create /q2/a/b zzz",
		"setquota -N 10 /q2/a",
		"listquota /q2/a",
	}
	want := zxidOrTime.ReplaceAllString(zkCliScript(t, z.Addr, script...), "")
	t.Logf("zkCli.sh on ZooKeeper:\n%s", want)
	got := zxidOrTime.ReplaceAllString(zkCliScript(t, n.ZKAddr, script...), "")
	if got != want {
		t.Fatalf("zkCli.sh on zkgate:\n%s\non ZooKeeper:\n%s", got, want)
	}
	if !strings.Contains(want, "Output stat for /q1 count=4,bytes=5\n") || !strings.Contains(want, "Output stat for /q2/a count=2,bytes=5\n") {
		t.Fatalf("the script no longer shows kept stats:\n%s", want)
	}

	// Ephemerals, null and empty data, and deleting the quota root.
	run := func(addr string) string {
		return quotaTranscript(t, addr, func(q *quotaRun) {
			q.create("/q3", "abc", 0)
			q.quota("/q3", "count=5,bytes=-1")
			q.stats("/q3")
			other, _ := zkConnect(t, addr)
			_, err := other.Create("/q3/eph", []byte("1234"), zk.FlagEphemeral, zk.WorldACL(zk.PermAll))
			q.logf("ephemeral: %v", err)
			_, err = other.Create("/q3/seq-", []byte("55"), zk.FlagEphemeral|zk.FlagSequence, zk.WorldACL(zk.PermAll))
			q.logf("ephemeral sequential: %v", err)
			q.stats("/q3")
			_, _, gone, err := q.c.ExistsW("/q3/eph")
			if err != nil {
				t.Fatal(err)
			}
			other.Close()
			select {
			case ev := <-gone:
				q.logf("event %v %s", ev.Type, ev.Path)
			case <-time.After(30 * time.Second):
				t.Fatal("the closed session's ephemeral was not deleted")
			}
			q.stats("/q3")
			q.create("/q3/null", "-", 0)
			q.create("/q3/empty", "", 0)
			q.set("/q3", "", -1)
			q.stats("/q3")
			q.del("/q3/null")
			q.del("/q3/empty")
			q.del("/q3")
			q.stats("/q3")
			q.create("/q3", "again", 0)
			q.stats("/q3")
		})
	}
	onZkgate, onZooKeeper := run(n.ZKAddr), run(z.Addr)
	t.Logf("go-zookeeper on ZooKeeper:\n%s", onZooKeeper)
	if onZkgate != onZooKeeper {
		t.Fatalf("go-zookeeper on zkgate:\n%s\non ZooKeeper:\n%s", onZkgate, onZooKeeper)
	}
}

func TestQuota_NestedRoots(t *testing.T) {
	t.Parallel()
	z := harness.StartZooKeeper(t)
	n := harness.StartNode(t, harness.NodeOptions{})
	// zkCli.sh refuses to nest quotas, either way round.
	script := []string{
		"create /n1 12", "create /n1/b 3", "create /n1/b/c", "setquota -n 100 /n1", "setquota -n 100 /n1/b",
		"create /n2", "create /n2/in x", "setquota -n 5 /n2/in", "setquota -n 5 /n2",
		"listquota /n1", "listquota /n1/b", "listquota /n2", "listquota /n2/in",
	}
	want := zkCliScript(t, z.Addr, script...)
	t.Logf("zkCli.sh on ZooKeeper:\n%s", want)
	if got := zkCliScript(t, n.ZKAddr, script...); got != want {
		t.Fatalf("zkCli.sh on zkgate:\n%s\non ZooKeeper:\n%s", got, want)
	}
	if !strings.Contains(want, "has a parent") || !strings.Contains(want, "has a child") {
		t.Fatalf("zkCli.sh nested a quota:\n%s", want)
	}
	// Nested by writing /zookeeper/quota directly: the inner root's stats
	// are ZooKeeper's.
	outer := map[string]string{}
	run := func(addr string) string {
		return quotaTranscript(t, addr, func(q *quotaRun) {
			q.quota("/n1/b", "count=100,bytes=-1")
			q.stats("/n1/b")
			q.create("/n1/b/d", "4444", 0)
			q.del("/n1/b/c")
			q.stats("/n1/b")
			q.create("/n1/e", "55555", 0)
			data, _, err := q.c.Get("/zookeeper/quota/n1/zookeeper_stats")
			if err != nil {
				t.Fatal(err)
			}
			outer[addr] = string(data)
			q.stats("/n1/b")
		})
	}
	onZkgate, onZooKeeper := run(n.ZKAddr), run(z.Addr)
	t.Logf("go-zookeeper on ZooKeeper:\n%s", onZooKeeper)
	if onZkgate != onZooKeeper {
		t.Fatalf("inner quota on zkgate:\n%s\non ZooKeeper:\n%s", onZkgate, onZooKeeper)
	}
	// The known difference (gateway/doc.go): ZooKeeper counts a write in
	// the deepest quota root only, so /n1 missed /n1/b/d and /n1/b/c's
	// deletion; zkgate counts /n1's whole subtree.
	if outer[z.Addr] != "count=4,bytes=8" || outer[n.ZKAddr] != "count=4,bytes=12" {
		t.Fatalf("outer stats: ZooKeeper %q, zkgate %q", outer[z.Addr], outer[n.ZKAddr])
	}
}

func TestQuota_EnforcedAsZooKeeper(t *testing.T) {
	t.Parallel()
	z := harness.StartZooKeeper(t, "-Dzookeeper.enforceQuota=true")
	n := harness.StartNode(t, harness.NodeOptions{Args: []string{"--zk-enforce-quota"}})
	script := []string{
		"create /e1 ab",
		"setquota -N 3 /e1",
		"create /e1/a",
		"create /e1/b x",
		"create /e1/c",
		"listquota /e1",
		"create /e1/a",
		"create /e1/zz/y",
		"set /e1/b yyyy",
		"setquota -B 4 /e1",
		"set /e1/b yyy",
		"set /e1/b yy",
		"set /e1/b yyy",
		"set /e1 abcd",
		"set /e1 a",
		"set /e1 abcdef",
		"listquota /e1",
		"delete /e1/b",
		"listquota /e1",
		"create /e1/d",
		"create -s /e1/s-",
		"create -e /e1/eph",
		"listquota /e1",
	}
	want := zkCliScript(t, z.Addr, script...)
	t.Logf("zkCli.sh on ZooKeeper:\n%s", want)
	if got := zkCliScript(t, n.ZKAddr, script...); got != want {
		t.Fatalf("zkCli.sh on zkgate:\n%s\non ZooKeeper:\n%s", got, want)
	}
	if !strings.Contains(want, "Quota has exceeded : /e1/c\n") {
		t.Fatalf("ZooKeeper did not refuse past the hard limit:\n%s", want)
	}
	// Both log the same line for the refused create.
	const line = "Quota exceeded: /e1 [current count=4, hardCountLimit=3]"
	if !strings.Contains(z.Log(), line) || !strings.Contains(n.Log(), line) {
		t.Fatalf("%q not in both logs; zkgate's:\n%s", line, n.Log())
	}

	run := func(addr string) string {
		return quotaTranscript(t, addr, func(q *quotaRun) {
			acl := zk.WorldACL(zk.PermAll)
			q.create("/m1", "ab", 0)
			q.quota("/m1", "count=-1,bytes=-1=;byteHardLimit=-1;countHardLimit=3")
			// Each create of a multi is checked against the state before it.
			res, err := q.c.Multi(&zk.CreateRequest{Path: "/m1/a", Acl: acl}, &zk.CreateRequest{Path: "/m1/b", Acl: acl}, &zk.CreateRequest{Path: "/m1/c", Acl: acl})
			q.logf("multi of 3 creates: %v %v", res, err)
			q.stats("/m1")
			res, err = q.c.Multi(&zk.CheckVersionRequest{Path: "/m1", Version: -1}, &zk.CreateRequest{Path: "/m1/d", Acl: acl})
			q.logf("multi past the limit: %v %v", res, err)
			q.create("/m1/d", "", 0)
			q.create("/m1/s-", "", zk.FlagSequence)
			q.create("/m1/e", "", zk.FlagEphemeral)
			// setData adds no znode: only the version is checked.
			q.set("/m1", "xyz", 99)
			// Bytes are checked before the version.
			q.set("/zookeeper/quota/m1/zookeeper_limits", "count=-1,bytes=-1=;byteHardLimit=2;countHardLimit=-1", -1)
			q.set("/m1", "xyz", 99)
			q.set("/m1/nonexist", "xyz", -1)
			q.set("/m1", "", -1)
			q.create("/m1/n", "-", 0)
			q.create("/m1/m", "", 0)
			q.create("/m1/o", "123", 0)
			// Soft limits only log.
			q.create("/so", "", 0)
			q.quota("/so", "count=1,bytes=2")
			q.create("/so/a", "123", 0)
			q.stats("/so")
			// The deepest quota root decides.
			q.create("/no", "", 0)
			q.create("/no/in", "", 0)
			q.quota("/no", "count=-1,bytes=-1=;countHardLimit=2")
			q.quota("/no/in", "count=-1,bytes=-1=;countHardLimit=5")
			q.create("/no/in/a", "", 0)
			q.create("/no/in/b", "", 0)
			q.create("/no/x", "", 0)
			q.stats("/no/in")
		})
	}
	onZkgate, onZooKeeper := run(n.ZKAddr), run(z.Addr)
	t.Logf("go-zookeeper on ZooKeeper:\n%s", onZooKeeper)
	if onZkgate != onZooKeeper {
		t.Fatalf("go-zookeeper on zkgate:\n%s\non ZooKeeper:\n%s", onZkgate, onZooKeeper)
	}
	for _, line := range []string{"Quota exceeded: /so [current count=2, softCountLimit=1]", "Quota exceeded: /so [current bytes=3, softByteLimit=2]"} {
		if !strings.Contains(z.Log(), line) || !strings.Contains(n.Log(), line) {
			t.Errorf("%q not in both logs", line)
		}
	}
}
