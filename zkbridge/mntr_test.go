package zkbridge_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/gateway/gatewaytest"
	"github.com/zkgate/zkgate/zkbridge"
	"github.com/zkgate/zkgate/zkbridge/jute"
)

// The roles of the captures in testdata: a standalone ZooKeeper 3.8, and
// the leader and a follower of a three-member ensemble, each after the
// same workload (e2e's runMntrWorkload; -update-4lw rewrites them).
var roles = []string{"standalone", "follower", "leader"}

// captured is ZooKeeper 3.8's answer to word in role.
func captured(t *testing.T, role, word string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "zookeeper-3.8-"+role+"-"+word+".txt"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// mntrLines splits an mntr answer into keys and values, failing on a line
// that is not KEY<TAB>VALUE.
func mntrLines(t *testing.T, who, s string) (keys []string, values map[string]string) {
	t.Helper()
	if !strings.HasSuffix(s, "\n") {
		t.Fatalf("%s: mntr does not end with a newline: %q", who, s)
	}
	values = map[string]string{}
	for _, l := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
		k, v, ok := strings.Cut(l, "\t")
		if !ok || !strings.HasPrefix(k, "zk_") || strings.Contains(v, "\t") {
			t.Fatalf("%s: mntr line %q is not zk_KEY<TAB>VALUE", who, l)
		}
		if _, dup := values[k]; dup {
			t.Fatalf("%s: mntr prints %s twice", who, k)
		}
		keys = append(keys, k)
		values[k] = v
	}
	return keys, values
}

// valueForm classifies a value as ZooKeeper prints it: a Java long, a
// Java double ("0.0", "3.0909", "1.0E7"), the version line, or text.
func valueForm(k, v string) string {
	switch {
	case k == "zk_version":
		if regexp.MustCompile(`^3\.8\.0-\S+, built on \d{4}-\d\d-\d\d \d\d:\d\d UTC$`).MatchString(v) {
			return "version"
		}
		return "bad version " + v
	case regexp.MustCompile(`^-?\d+$`).MatchString(v):
		return "long"
	case regexp.MustCompile(`^-?\d+\.\d+(E-?\d+)?$`).MatchString(v):
		return "double"
	}
	return "text"
}

// startRoleBridge serves a bridge that reports role, with a quorum
// status as a member of a three-member cluster reports it.
func startRoleBridge(t *testing.T, role string) string {
	t.Helper()
	cl := gatewaytest.StartCluster(t, 1)
	return startBridgeWith(t, cl, 0, gateway.Config{}, func(c *zkbridge.Config) {
		c.FourLetterWords = []string{"*"}
		c.Version = "test"
		c.Mode = func() string { return role }
		c.DataDir, c.DataLogDir = t.TempDir(), t.TempDir()
		c.TickTime, c.ElectionTicks = 100*time.Millisecond, 10
		if role == "standalone" {
			return
		}
		members := []zkbridge.QuorumMember{{ID: 1, PeerAddr: "127.0.0.1:2380"}, {ID: 2, PeerAddr: "127.0.0.1:2381"}, {ID: 3, PeerAddr: "127.0.0.1:2382"}}
		since := time.Now().Add(-time.Second)
		c.Quorum = func() (zkbridge.QuorumStatus, bool) {
			q := zkbridge.QuorumStatus{ServerID: 1, Members: members, Voters: 3}
			if role == "leader" {
				q.Leader, q.LeaderSince, q.Learners, q.SyncedFollowers = true, since, 2, 2
			}
			return q, true
		}
	})
}

// mntrWorkload gives the figures something to count: znodes, an
// ephemeral, a data watch, a child watch, reads and writes.
func mntrWorkload(t *testing.T, addr string) *client {
	c := connect(t, addr, jute.ConnectRequest{})
	c.create("/app", 0)
	c.create("/app/p1", 0)
	c.create("/app/e1", jute.CreateMode(1)) // ephemeral
	if rh, _ := c.call(jute.OpGetData, &jute.GetDataRequest{Path: "/app/p1", Watch: true}); rh.Err != 0 {
		t.Fatalf("getData: %v", rh.Err)
	}
	if rh, _ := c.call(jute.OpGetChildren, &jute.GetChildrenRequest{Path: "/app", Watch: true}); rh.Err != 0 {
		t.Fatalf("getChildren: %v", rh.Err)
	}
	return c
}

// TestMntr_KeysAsZooKeeper38: mntr prints, in each role, exactly the keys
// ZooKeeper 3.8 prints in that role (captured in testdata) less those
// mntrKeys leaves out, in ZooKeeper's order, each value in ZooKeeper's
// form (long, Java double, the version line).
func TestMntr_KeysAsZooKeeper38(t *testing.T) {
	dynamic := zkbridge.MntrDynamicLeftOut()
	leftOut := map[string]string{}
	for _, r := range zkbridge.MntrTable() {
		if r.LeftOut != "" {
			for _, k := range r.Keys {
				leftOut[k] = r.LeftOut
			}
		}
	}
	isDynamic := func(k string) bool {
		for suffix := range dynamic {
			if strings.HasSuffix(k, suffix) {
				return true
			}
		}
		return false
	}
	for _, role := range roles {
		t.Run(role, func(t *testing.T) {
			zkKeys, zkValues := mntrLines(t, "ZooKeeper", captured(t, role, "mntr"))
			var want []string
			for _, k := range zkKeys {
				if leftOut[k] == "" && !isDynamic(k) {
					want = append(want, k)
				}
			}
			a := startRoleBridge(t, role)
			mntrWorkload(t, a)
			got, _, err := askWord(a, "mntr")
			if err != nil {
				t.Fatal(err)
			}
			gotKeys, gotValues := mntrLines(t, "zkgate", got)
			// zkgate's own keys come after ZooKeeper's, each a long.
			own := zkbridge.MntrOwnKeys()
			if n := len(gotKeys) - len(own); n < 0 || !slices.Equal(gotKeys[n:], own) {
				t.Fatalf("mntr does not end with zkgate's own keys %v: %v", own, gotKeys)
			}
			for _, k := range own {
				if f := valueForm(k, gotValues[k]); f != "long" {
					t.Errorf("%s: %q is a %s, want a long", k, gotValues[k], f)
				}
			}
			if z, _ := strconv.ParseInt(gotValues["zk_history_oldest_zxid"], 10, 64); z < 1 {
				t.Errorf("zk_history_oldest_zxid %q, want a zxid", gotValues["zk_history_oldest_zxid"])
			}
			gotKeys = gotKeys[:len(gotKeys)-len(own)]
			if !slices.Equal(gotKeys, want) {
				t.Fatalf("keys differ from ZooKeeper 3.8's %s (less the left-out ones):\nzkgate:    %v\nZooKeeper: %v", role, gotKeys, want)
			}
			for _, k := range gotKeys {
				if zf, gf := valueForm(k, zkValues[k]), valueForm(k, gotValues[k]); zf != gf {
					t.Errorf("%s: zkgate prints %q (%s), ZooKeeper %q (%s)", k, gotValues[k], gf, zkValues[k], zf)
				}
			}
			if gotValues["zk_server_state"] != role {
				t.Errorf("zk_server_state %q, want %q", gotValues["zk_server_state"], role)
			}
		})
	}
}

// TestMntr_LeftOutKeysAreListedWithReasons lists the keys of ZooKeeper
// 3.8's mntr that zkgate leaves out, and why; each must have a reason and
// be a key ZooKeeper prints (no stale rows), and the keys monitoring
// tools read must not be among them.
func TestMntr_LeftOutKeysAreListedWithReasons(t *testing.T) {
	printed := map[string]bool{}
	for _, role := range roles {
		keys, _ := mntrLines(t, role, captured(t, role, "mntr"))
		for _, k := range keys {
			printed[k] = true
		}
	}
	n := 0
	for _, r := range zkbridge.MntrTable() {
		for _, k := range r.Keys {
			if !printed[k] {
				t.Errorf("%s is in the table but ZooKeeper 3.8 printed it in no role", k)
			}
			delete(printed, k)
		}
		if r.LeftOut != "" {
			n += len(r.Keys)
			t.Logf("left out %s: %s", strings.Join(r.Keys, ", "), r.LeftOut)
		}
	}
	for suffix, why := range zkbridge.MntrDynamicLeftOut() {
		if why == "" {
			t.Errorf("*%s: no reason", suffix)
		}
		for k := range printed {
			if strings.HasSuffix(k, suffix) {
				delete(printed, k)
			}
		}
		t.Logf("left out zk_*%s: %s", suffix, why)
	}
	for k := range printed {
		t.Errorf("ZooKeeper 3.8 prints %s, which the table does not list", k)
	}
	// What the Prometheus exporters and Datadog's and Zabbix's checks
	// read must be printed.
	needed := []string{"zk_version", "zk_server_state", "zk_avg_latency", "zk_max_latency", "zk_min_latency",
		"zk_packets_received", "zk_packets_sent", "zk_num_alive_connections", "zk_outstanding_requests",
		"zk_znode_count", "zk_watch_count", "zk_ephemerals_count", "zk_approximate_data_size",
		"zk_open_file_descriptor_count", "zk_max_file_descriptor_count", "zk_followers", "zk_synced_followers",
		"zk_pending_syncs", "zk_learners", "zk_leader_uptime", "zk_local_sessions", "zk_global_sessions",
		"zk_avg_readlatency", "zk_p99_readlatency", "zk_avg_updatelatency", "zk_p99_updatelatency", "zk_uptime"}
	rows := map[string]zkbridge.MntrTableRow{}
	for _, r := range zkbridge.MntrTable() {
		for _, k := range r.Keys {
			rows[k] = r
		}
	}
	for _, k := range needed {
		r, ok := rows[k]
		if !ok {
			if k == "zk_followers" {
				continue // printed by ZooKeeper 3.4 only; 3.8 has zk_learners
			}
			t.Errorf("%s is not in the table", k)
			continue
		}
		if r.LeftOut != "" {
			t.Errorf("%s is left out (%s), but monitoring tools read it", k, r.LeftOut)
		}
	}
	t.Logf("%d keys of ZooKeeper 3.8's mntr are left out", n)
}

// wordShapes are the whole answers of the other words, as patterns that
// both ZooKeeper 3.8's captured answers and zkgate's must match: same
// lines, in the same order, values of the same form.
var wordShapes = map[string]string{
	"srvr": `^Zookeeper version: 3\.8\.0-\S+, built on \d{4}-\d\d-\d\d \d\d:\d\d UTC\n` + summaryShape + `$`,
	"stat": `^Zookeeper version: 3\.8\.0-\S+, built on \d{4}-\d\d-\d\d \d\d:\d\d UTC\nClients:\n(` + clientShape + `\)\n)+\n` + summaryShape + `$`,
	"cons": `^(` + clientShape + `(,sid=0x[0-9a-f]+,lop=[A-Z0-9]+,est=\d+,to=\d+,lcxid=0x[0-9a-f]+,lzxid=0x[0-9a-f]+,lresp=\d+,llat=\d+,minlat=\d+,avglat=\d+,maxlat=\d+)?\)\n)+\n$`,
	"wchs": `^\d+ connections watching \d+ paths\nTotal watches:\d+\n$`,
	"wchc": `^(0x[0-9a-f]+\n(\t/\S*\n)+)*\n$`,
	"wchp": `^(/\S*\n(\t0x[0-9a-f]+\n)+)*\n$`,
	"dirs": `^datadir_size: \d+\nlogdir_size: \d+\n$`,
	"isro": `^rw$`,
	"ruok": `^imok$`,
}

const (
	clientShape = ` /[0-9.]+:\d+\[[01]\]\(queued=\d+,recved=\d+,sent=\d+`
	// summaryShape is srvr's and stat's summary; a ZooKeeper leader adds
	// "Proposal sizes", which zkgate leaves out (see mntr's proposal
	// sizes).
	summaryShape = `Latency min/avg/max: \d+/\d+\.\d+/\d+\nReceived: \d+\nSent: \d+\nConnections: \d+\nOutstanding: \d+\n` +
		`Zxid: 0x[0-9a-f]+\nMode: (standalone|leader|follower)\nNode count: \d+\n(Proposal sizes last/min/max: -?\d+/-?\d+/-?\d+\n)?`
)

// confKeys are the keys of conf's lines (membership's server lines as
// "server.N"), in order.
func confKeys(s string) []string {
	var keys []string
	for _, l := range strings.Split(s, "\n") {
		if l == "" {
			continue
		}
		k, _, _ := strings.Cut(l, "=")
		if strings.HasPrefix(k, "server.") {
			k = "server.N"
		}
		keys = append(keys, k)
	}
	return keys
}

// TestFourLetterWords_LinesAsZooKeeper38: srvr, stat, cons, wchs, wchc,
// wchp, dirs, isro and ruok answer in the shape ZooKeeper 3.8's answers
// have in each role (each pattern is checked against the capture too),
// and conf and envi print ZooKeeper's keys in its order, less the ones
// zkgate has no meaning for and plus its own, listed here with why.
func TestFourLetterWords_LinesAsZooKeeper38(t *testing.T) {
	// conf: zkgate's own lines, after serverId; electionAlg names
	// ZooKeeper's election algorithm (etcd's Raft has none to choose).
	confOwn := []string{"clientPortAddress", "maxBuffer", "clientURLs"}
	confLeftOut := []string{"electionAlg"}
	// envi: the JVM's lines are left out; go.version is in their place.
	enviLeftOut := []string{"java.version", "java.vendor", "java.home", "java.class.path", "java.library.path", "java.compiler"}
	enviOwn := []string{"go.version"}
	for _, role := range roles {
		t.Run(role, func(t *testing.T) {
			a := startRoleBridge(t, role)
			w := mntrWorkload(t, a)
			defer w.Drop()
			for word, shape := range wordShapes {
				re := regexp.MustCompile(shape)
				if zk := captured(t, role, word); !re.MatchString(zk) {
					t.Errorf("%s: the pattern does not match ZooKeeper's answer %q", word, zk)
				}
				got, _, err := askWord(a, word)
				if err != nil {
					t.Fatal(err)
				}
				if !re.MatchString(got) {
					t.Errorf("%s: zkgate's answer %q is not shaped as ZooKeeper 3.8's", word, got)
				}
			}
			for _, c := range []struct {
				word         string
				own, leftOut []string
			}{{"conf", confOwn, confLeftOut}, {"envi", enviOwn, enviLeftOut}} {
				got, _, err := askWord(a, c.word)
				if err != nil {
					t.Fatal(err)
				}
				var want []string
				for _, k := range confKeys(captured(t, role, c.word)) {
					if !slices.Contains(c.leftOut, k) {
						want = append(want, k)
					}
				}
				var have []string
				for _, k := range confKeys(got) {
					if !slices.Contains(c.own, k) {
						have = append(have, k)
					}
				}
				if !slices.Equal(have, want) {
					t.Errorf("%s keys (less zkgate's own %v):\nzkgate:    %v\nZooKeeper: %v (less %v)", c.word, c.own, have, want, c.leftOut)
				}
			}
		})
	}
}

// TestMntr_CountsTheWorkload: the figures follow what was done: 3
// creates and a session opened are updates, 2 reads are reads, the
// watches are counted and listed, an event that fires a child watch and
// a data watch is summarised, the response sizes and bytes move.
func TestMntr_CountsTheWorkload(t *testing.T) {
	a := startRoleBridge(t, "standalone")
	c := mntrWorkload(t, a)
	values := func() map[string]string {
		t.Helper()
		out, _, err := askWord(a, "mntr")
		if err != nil {
			t.Fatal(err)
		}
		_, v := mntrLines(t, "zkgate", out)
		return v
	}
	v := values()
	for k, want := range map[string]string{
		"zk_cnt_updatelatency": "4", "zk_cnt_readlatency": "2", "zk_watch_count": "2", "zk_ephemerals_count": "1",
		"zk_global_sessions": "1", "zk_local_sessions": "0", "zk_connection_request_count": "1",
		"zk_cnt_node_children_watch_count": "0", "zk_min_client_response_size": "24", // create /app: header 16, path 4+4
		// "/" 1, /zookeeper 10, /zookeeper/quota 16, /zookeeper/config 17,
		// /app 4, /app/p1 7, /app/e1 7; no data.
		"zk_approximate_data_size": "62", "zk_znode_count": "8",
	} {
		if v[k] != want {
			t.Errorf("%s = %q, want %q", k, v[k], want)
		}
	}
	wchc, _, err := askWord(a, "wchc")
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("0x%x\n\t/app/p1\n\n", uint64(c.Resp.SessionID)); wchc != want {
		t.Errorf("wchc %q, want %q (data watches only, as ZooKeeper)", wchc, want)
	}
	// A child of /app: its child watch fires (one watch for the event).
	other := connect(t, a, jute.ConnectRequest{})
	other.create("/app/p2", 0)
	deadline := time.Now().Add(10 * time.Second)
	for v = values(); v["zk_cnt_node_children_watch_count"] != "1"; v = values() {
		if time.Now().After(deadline) {
			t.Fatalf("node_children_watch_count after a child was created under a watched node: cnt %s", v["zk_cnt_node_children_watch_count"])
		}
		time.Sleep(10 * time.Millisecond)
	}
	if v["zk_sum_node_children_watch_count"] != "1" || v["zk_max_node_children_watch_count"] != "1" || v["zk_watch_count"] != "1" {
		t.Errorf("after the child watch fired: sum %s, max %s, watch_count %s", v["zk_sum_node_children_watch_count"], v["zk_max_node_children_watch_count"], v["zk_watch_count"])
	}
	if n, _ := strconv.Atoi(v["zk_bytes_received_count"]); n == 0 {
		t.Errorf("zk_bytes_received_count %q", v["zk_bytes_received_count"])
	}
}
