package e2e

import (
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zkgate/zkgate/e2e/harness"
)

// update4lw rewrites zkbridge/testdata/zookeeper-3.8-*.txt from a real
// ZooKeeper 3.8 (standalone, and an ensemble's leader and follower) after
// mntrWorkload: go test ./e2e/ -run TestFourLetterWords_Capture -update-4lw
var update4lw = flag.Bool("update-4lw", false, "rewrite zkbridge/testdata/zookeeper-3.8-*.txt from a real ZooKeeper")

// captureWords are the four-letter words whose answers are captured.
var captureWords = []string{"mntr", "srvr", "stat", "cons", "conf", "envi", "wchs", "wchc", "wchp", "dirs", "isro", "ruok"}

// mntrWorkload is the known workload the mntr comparisons run: under
// root, three persistent znodes with 5 bytes of data each and two
// ephemerals of a second session; the first session holds a data watch
// on root/p1, an exists watch on root/missing and a child watch on root.
// It returns the two sessions, kept open until the test ends.
type mntrWorkload struct {
	a, b *zk.Conn
}

func runMntrWorkload(t *testing.T, root string, addrs ...string) mntrWorkload {
	t.Helper()
	a, _ := zkConnect(t, addrs...)
	b, _ := zkConnect(t, addrs...)
	acl := zk.WorldACL(zk.PermAll)
	if _, err := a.Create(root, []byte("root"), 0, acl); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/p1", "/p2", "/p3"} {
		if _, err := a.Create(root+p, []byte("five5"), 0, acl); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{"/e1", "/e2"} {
		if _, err := b.Create(root+p, []byte("e"), zk.FlagEphemeral, acl); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, _, err := a.GetW(root + "/p1"); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := a.ExistsW(root + "/missing"); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := a.ChildrenW(root); err != nil {
		t.Fatal(err)
	}
	return mntrWorkload{a: a, b: b}
}

// TestFourLetterWords_Capture captures the answers of a real ZooKeeper
// 3.8 after mntrWorkload, and with -update-4lw writes them where the
// zkbridge unit tests read them.
func TestFourLetterWords_Capture(t *testing.T) {
	if !*update4lw {
		t.Skip("captures are rewritten only with -update-4lw")
	}
	write := func(role string, z *harness.ZooKeeper) {
		for _, w := range captureWords {
			out, err := z.FourLetterWord(w)
			if err != nil {
				t.Fatal(err)
			}
			name := filepath.Join("..", "zkbridge", "testdata", "zookeeper-3.8-"+role+"-"+w+".txt")
			if err := os.WriteFile(name, []byte(out), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	z := harness.StartZooKeeper(t)
	runMntrWorkload(t, "/app", z.Addr)
	write("standalone", z)
	ens := harness.StartZooKeeperEnsemble(t, 3)
	leader, follower := ens.Leader(30*time.Second), ens.Follower(30*time.Second)
	runMntrWorkload(t, "/app", leader.Addr)
	runMntrWorkload(t, "/app2", follower.Addr)
	write("leader", leader)
	write("follower", follower)
}

// mntrOf asks addr for mntr and returns its keys in order and values.
func mntrOf(t *testing.T, addr string) ([]string, map[string]string) {
	t.Helper()
	out, _, err := askFourLetterWord(addr, "mntr")
	if err != nil {
		t.Fatalf("mntr from %s: %v", addr, err)
	}
	var keys []string
	values := map[string]string{}
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		k, v, ok := strings.Cut(l, "\t")
		if !ok {
			t.Fatalf("mntr from %s: line %q is not KEY<TAB>VALUE", addr, l)
		}
		keys = append(keys, k)
		values[k] = v
	}
	return keys, values
}

// mntrForm classifies an mntr value: a Java long, a Java double, or text.
func mntrForm(v string) string {
	switch {
	case regexp.MustCompile(`^-?\d+$`).MatchString(v):
		return "long"
	case regexp.MustCompile(`^-?\d+\.\d+(E-?\d+)?$`).MatchString(v):
		return "double"
	}
	return "text"
}

// compareMntr checks zkgate's mntr against a real ZooKeeper's in the same
// role after the same workload: zkgate's keys are ZooKeeper's in
// ZooKeeper's order (it leaves some out: zkbridge's TestMntr_* list them),
// every value has ZooKeeper's form, the keys monitoring tools read are
// there, and the figures the workload fixes agree.
func compareMntr(t *testing.T, zkAddr, gateAddr string, agree, needed []string) map[string]string {
	t.Helper()
	zkKeys, zkValues := mntrOf(t, zkAddr)
	gateKeys, gateValues := mntrOf(t, gateAddr)
	at := map[string]int{}
	for i, k := range zkKeys {
		at[k] = i
	}
	n := len(gateKeys) - len(mntrOwn)
	if n < 0 || !slices.Equal(gateKeys[n:], mntrOwn) {
		t.Errorf("zkgate's mntr does not end with its own keys %v", mntrOwn)
	} else {
		gateKeys = gateKeys[:n]
	}
	last := -1
	for _, k := range gateKeys {
		i, ok := at[k]
		if !ok {
			t.Errorf("zkgate prints %s, which ZooKeeper 3.8 does not", k)
			continue
		}
		if i < last {
			t.Errorf("zkgate prints %s after %s; ZooKeeper prints it before", k, zkKeys[last])
		}
		last = i
		if k == "zk_version" {
			continue
		}
		if zf, gf := mntrForm(zkValues[k]), mntrForm(gateValues[k]); zf != gf {
			t.Errorf("%s: zkgate %q (%s), ZooKeeper %q (%s)", k, gateValues[k], gf, zkValues[k], zf)
		}
	}
	for _, k := range needed {
		if _, ok := gateValues[k]; !ok {
			t.Errorf("zkgate does not print %s", k)
		}
	}
	for _, k := range agree {
		if gateValues[k] != zkValues[k] {
			t.Errorf("%s: zkgate %q, ZooKeeper %q", k, gateValues[k], zkValues[k])
		}
	}
	if t.Failed() {
		t.Logf("ZooKeeper keys: %v\nzkgate keys: %v", zkKeys, gateKeys)
	}
	return gateValues
}

// mntrOwn are the keys zkgate's mntr prints after ZooKeeper's.
var mntrOwn = []string{"zk_history_oldest_zxid"}

// mntrAgree are the figures the workload fixes on a server its sessions
// are connected to: both servers must report the same.
var mntrAgree = []string{
	"zk_server_state", "zk_znode_count", "zk_ephemerals_count", "zk_watch_count", "zk_global_sessions",
	"zk_local_sessions", "zk_connection_request_count",
	"zk_cnt_updatelatency", // 6 creates and 2 sessions opened
}

// mntrNeeded are keys the monitoring tools read, on every server.
var mntrNeeded = []string{
	"zk_version", "zk_server_state", "zk_avg_latency", "zk_min_latency", "zk_max_latency", "zk_packets_received",
	"zk_packets_sent", "zk_num_alive_connections", "zk_outstanding_requests", "zk_znode_count", "zk_watch_count",
	"zk_ephemerals_count", "zk_approximate_data_size", "zk_open_file_descriptor_count", "zk_max_file_descriptor_count",
	"zk_local_sessions", "zk_global_sessions", "zk_uptime",
	"zk_avg_readlatency", "zk_min_readlatency", "zk_max_readlatency", "zk_cnt_readlatency", "zk_sum_readlatency", "zk_p99_readlatency",
	"zk_avg_updatelatency", "zk_min_updatelatency", "zk_max_updatelatency", "zk_cnt_updatelatency", "zk_sum_updatelatency", "zk_p99_updatelatency",
}

// dataSizeGrowth is how much zk_approximate_data_size grows on addr
// while f runs.
func dataSizeGrowth(t *testing.T, addr string, f func()) int64 {
	t.Helper()
	size := func() int64 {
		_, v := mntrOf(t, addr)
		n, err := strconv.ParseInt(v["zk_approximate_data_size"], 10, 64)
		if err != nil {
			t.Fatalf("zk_approximate_data_size %q", v["zk_approximate_data_size"])
		}
		return n
	}
	before := size()
	f()
	return size() - before
}

// compareConf checks conf's keys against ZooKeeper's in the same role:
// ZooKeeper's in its order, less electionAlg (ZooKeeper's election
// algorithm), plus zkgate's own after serverId; and dirs measures the
// directories conf names (the member's snap and wal dirs, not empty).
func compareConf(t *testing.T, zkAddr, gateAddr string) map[string]string {
	t.Helper()
	keys := func(addr string) ([]string, map[string]string) {
		out, _, err := askFourLetterWord(addr, "conf")
		if err != nil {
			t.Fatal(err)
		}
		var ks []string
		vs := map[string]string{}
		for _, l := range strings.Split(out, "\n") {
			k, v, _ := strings.Cut(l, "=")
			if l == "" || k == "electionAlg" || k == "clientPortAddress" || k == "secureClientPortAddress" || k == "maxBuffer" || k == "clientURLs" {
				continue
			}
			if strings.HasPrefix(k, "server.") {
				vs[k] = v
				k = "server.N"
			} else {
				vs[k] = v
			}
			ks = append(ks, k)
		}
		return ks, vs
	}
	zk, _ := keys(zkAddr)
	gate, values := keys(gateAddr)
	if !slices.Equal(zk, gate) {
		t.Errorf("conf keys:\nzkgate:    %v\nZooKeeper: %v", gate, zk)
	}
	dirs, _, err := askFourLetterWord(gateAddr, "dirs")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`^datadir_size: (\d+)\nlogdir_size: (\d+)\n$`).FindStringSubmatch(dirs)
	if m == nil || m[1] == "0" || m[2] == "0" || m[1] != values["dataDirSize"] && m[2] != values["dataLogSize"] {
		t.Errorf("dirs %q with conf's dataDirSize %s, dataLogSize %s", dirs, values["dataDirSize"], values["dataLogSize"])
	}
	if !strings.HasSuffix(values["dataDir"], "/member/snap") || !strings.HasSuffix(values["dataLogDir"], "/member/wal") {
		t.Errorf("dataDir %q, dataLogDir %q: want the member's snap and wal dirs", values["dataDir"], values["dataLogDir"])
	}
	return values
}

// sessionIDs matches session ids in wchc and wchp.
var sessionIDs = regexp.MustCompile(`0x[0-9a-f]+`)

// compareWatchWords checks wchs, wchc and wchp of both servers agree once
// session ids are normalised (the same sessions watch the same paths).
func compareWatchWords(t *testing.T, zkAddr, gateAddr string) {
	t.Helper()
	for _, w := range []string{"wchs", "wchc", "wchp"} {
		zk, _, err := askFourLetterWord(zkAddr, w)
		if err != nil {
			t.Fatal(err)
		}
		gate, _, err := askFourLetterWord(gateAddr, w)
		if err != nil {
			t.Fatal(err)
		}
		norm := func(s string) string {
			// ZooKeeper lists in hash order, zkgate sorted: compare
			// the sorted lines, ids replaced.
			lines := strings.Split(sessionIDs.ReplaceAllString(s, "0xSID"), "\n")
			sort.Strings(lines)
			return strings.Join(lines, "\n")
		}
		if norm(zk) != norm(gate) {
			t.Errorf("%s: zkgate %q, ZooKeeper %q", w, gate, zk)
		}
	}
}

// TestMntr_StandaloneAgreesWithZooKeeper: a single zkgate node and a
// standalone ZooKeeper 3.8, after the same workload, print mntr keys in
// the same order and forms and agree on what the workload fixes (znodes,
// ephemerals, watches, sessions, data size, updates), and on wchs, wchc
// and wchp.
func TestMntr_StandaloneAgreesWithZooKeeper(t *testing.T) {
	z := harness.StartZooKeeper(t)
	n := harness.StartNode(t, harness.NodeOptions{Args: []string{"--zk-4lw-whitelist", "*"}})
	// The same paths and data: the same growth (paths and data, 60
	// bytes), and the same size from the start (ZooKeeper's /, /zookeeper,
	// /zookeeper/quota and /zookeeper/config: 44 bytes).
	zkGrew := dataSizeGrowth(t, z.Addr, func() { runMntrWorkload(t, "/app", z.Addr) })
	gateGrew := dataSizeGrowth(t, n.ZKAddr, func() { runMntrWorkload(t, "/app", n.ZKAddr) })
	if zkGrew != gateGrew || zkGrew != 60 {
		t.Errorf("zk_approximate_data_size grew by %d on zkgate, %d on ZooKeeper, want 60", gateGrew, zkGrew)
	}
	v := compareMntr(t, z.Addr, n.ZKAddr, append([]string{"zk_approximate_data_size"}, mntrAgree...), mntrNeeded)
	if v["zk_server_state"] != "standalone" {
		t.Errorf("zk_server_state %q", v["zk_server_state"])
	}
	compareWatchWords(t, z.Addr, n.ZKAddr)
	if v := compareConf(t, z.Addr, n.ZKAddr); v["serverId"] != "0" {
		t.Errorf("serverId %q, want 0 (standalone)", v["serverId"])
	}
}

// TestMntr_ClusterAgreesWithZooKeeperEnsemble: in a 3-node zkgate cluster
// the node whose member leads Raft prints a ZooKeeper leader's keys
// (synced_followers, learners, pending_syncs, leader_uptime ...) and a
// follower a ZooKeeper follower's, in the order and forms of a real
// three-member ZooKeeper 3.8 ensemble, with the same figures for the same
// workload.
func TestMntr_ClusterAgreesWithZooKeeperEnsemble(t *testing.T) {
	ens := harness.StartZooKeeperEnsemble(t, 3)
	cl := harness.StartCluster(t, 3, "--zk-4lw-whitelist", "*")
	zkLeader, zkFollower := ens.Leader(30*time.Second), ens.Follower(30*time.Second)
	gateLeader := cl.Leader(30 * time.Second)
	var gateFollower *harness.Node
	for _, n := range cl.Nodes {
		if n != gateLeader {
			gateFollower = n
			break
		}
	}
	// ZooKeeper's /zookeeper/config holds the ensemble's configuration,
	// zkgate's nothing: the sizes differ by that, their growth not.
	zkGrew := dataSizeGrowth(t, zkLeader.Addr, func() { runMntrWorkload(t, "/app", zkLeader.Addr) })
	gateGrew := dataSizeGrowth(t, gateLeader.ZKAddr, func() { runMntrWorkload(t, "/app", gateLeader.ZKAddr) })
	if zkGrew != gateGrew || zkGrew != 60 {
		t.Errorf("zk_approximate_data_size grew by %d on zkgate, %d on ZooKeeper, want 60", gateGrew, zkGrew)
	}
	runMntrWorkload(t, "/app2", zkFollower.Addr)
	runMntrWorkload(t, "/app2", gateFollower.ZKAddr)

	leaderNeeded := append([]string{"zk_peer_state", "zk_synced_followers", "zk_synced_non_voting_followers", "zk_pending_syncs",
		"zk_leader_uptime", "zk_learners", "zk_quorum_size"}, mntrNeeded...)
	leaderAgree := append([]string{"zk_peer_state", "zk_synced_followers", "zk_synced_non_voting_followers", "zk_pending_syncs",
		"zk_learners", "zk_quorum_size"}, mntrAgree...)
	t.Run("leader", func(t *testing.T) {
		v := compareMntr(t, zkLeader.Addr, gateLeader.ZKAddr, leaderAgree, leaderNeeded)
		if up, err := strconv.ParseInt(v["zk_leader_uptime"], 10, 64); err != nil || up <= 0 {
			t.Errorf("zk_leader_uptime %q", v["zk_leader_uptime"])
		}
		compareWatchWords(t, zkLeader.Addr, gateLeader.ZKAddr)
		conf := compareConf(t, zkLeader.Addr, gateLeader.ZKAddr)
		// The membership: every member's peer port, as quorum and
		// election port.
		for i := 1; i <= 3; i++ {
			srv := conf[fmt.Sprintf("server.%d", i)]
			found := false
			for _, n := range cl.Nodes {
				u, _ := url.Parse(n.AdvertisePeerURL)
				if srv == u.Host+":"+u.Port()+":participant" {
					found = true
				}
			}
			if !found {
				t.Errorf("server.%d=%q is no member's peer address", i, srv)
			}
		}
	})
	t.Run("follower", func(t *testing.T) {
		v := compareMntr(t, zkFollower.Addr, gateFollower.ZKAddr, append([]string{"zk_peer_state", "zk_quorum_size"}, mntrAgree...), mntrNeeded)
		if _, ok := v["zk_synced_followers"]; ok {
			t.Error("a follower prints zk_synced_followers")
		}
		compareWatchWords(t, zkFollower.Addr, gateFollower.ZKAddr)
		compareConf(t, zkFollower.Addr, gateFollower.ZKAddr)
	})
	// The leader's figures follow Raft: with a follower gone it leads
	// one synced follower, as a ZooKeeper leader does.
	t.Run("follower lost", func(t *testing.T) {
		for _, n := range cl.Nodes {
			if n != gateLeader && n != gateFollower {
				n.Kill()
			}
		}
		deadline := time.Now().Add(30 * time.Second)
		for {
			_, v := mntrOf(t, gateLeader.ZKAddr)
			if v["zk_synced_followers"] == "1" && v["zk_learners"] == "1" && v["zk_quorum_size"] == "3" {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("leader after losing a follower: synced_followers %s, learners %s, quorum_size %s",
					v["zk_synced_followers"], v["zk_learners"], v["zk_quorum_size"])
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
}
