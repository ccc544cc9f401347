package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zkgate/zkgate/e2e/harness"
	"github.com/zkgate/zkgate/zkbridge"
	"github.com/zkgate/zkgate/zkbridge/admin"
)

// adminCommands are ZooKeeper 3.8's AdminServer commands zkgate answers,
// with their aliases.
var adminCommands = map[string][]string{
	"ruok":                  nil,
	"server_stats":          {"srvr"},
	"monitor":               {"mntr"},
	"configuration":         {"conf", "config"},
	"connections":           {"cons"},
	"environment":           {"envi", "env"},
	"watch_summary":         {"wchs"},
	"watches":               {"wchc"},
	"watches_by_path":       {"wchp"},
	"dirs":                  nil,
	"dump":                  nil,
	"is_read_only":          {"isro"},
	"stats":                 {"stat"},
	"leader":                {"lead"},
	"voting_view":           nil,
	"last_snapshot":         {"lsnp"},
	"initial_configuration": {"icfg"},
}

// adminAnswer is one HTTP answer of a command.
type adminAnswer struct {
	status      int
	contentType string
	body        map[string]any
}

// adminGet asks base (a URL ending in /commands) for the command name.
func adminGet(t *testing.T, c *http.Client, base, name string) adminAnswer {
	t.Helper()
	resp, err := c.Get(base + "/" + name)
	if err != nil {
		t.Fatalf("GET %s/%s: %v", base, name, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	a := adminAnswer{status: resp.StatusCode, contentType: resp.Header.Get("Content-Type")}
	if err := json.Unmarshal(raw, &a.body); err != nil {
		t.Fatalf("%s/%s: not a JSON object (%v): %s", base, name, err, raw)
	}
	return a
}

// recordedAdmin is ZooKeeper 3.8's recorded answer to a command
// (zkbridge/testdata/zookeeper-3.8-admin-NAME.json).
func recordedAdmin(t *testing.T, name string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "zkbridge", "testdata", "zookeeper-3.8-admin-"+name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

// adminDataKeys are the objects whose keys are data (session ids,
// paths, server ids) rather than a shape: their values are compared
// with the first recorded value instead, key by key.
var adminDataKeys = []string{"session_id_to_watched_paths", "path_to_session_ids", "current_config", "expiry_time_to_session_ids", "session_id_to_ephemeral_paths"}

// jsonKind is a JSON value's type.
func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case float64:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// compareShape reports where got's shape (keys and value types,
// recursively) differs from want's, ZooKeeper's. Keys ZooKeeper answers
// that zkgate leaves out by design (leftOut, dotted paths from the top)
// and the extra keys allowed (extra) are not differences.
func compareShape(path string, got, want any, leftOut func(string) bool, extra []string) []string {
	if jsonKind(got) != jsonKind(want) {
		return []string{fmt.Sprintf("%s: %s, ZooKeeper answers %s", pathOr(path), jsonKind(got), jsonKind(want))}
	}
	var diffs []string
	switch w := want.(type) {
	case map[string]any:
		g := got.(map[string]any)
		if slices.Contains(adminDataKeys, lastKey(path)) {
			var sample any
			for _, k := range sortedKeys(w) {
				sample = w[k]
				break
			}
			if sample == nil {
				return nil
			}
			for _, k := range sortedKeys(g) {
				diffs = append(diffs, compareShape(path+"."+k, g[k], sample, leftOut, extra)...)
			}
			return diffs
		}
		for _, k := range sortedKeys(w) {
			p := joinPath(path, k)
			if _, ok := g[k]; !ok {
				if !leftOut(p) {
					diffs = append(diffs, p+": missing")
				}
				continue
			}
			diffs = append(diffs, compareShape(p, g[k], w[k], leftOut, extra)...)
		}
		for _, k := range sortedKeys(g) {
			p := joinPath(path, k)
			if _, ok := w[k]; !ok && !slices.Contains(extra, p) {
				diffs = append(diffs, p+": not in ZooKeeper's answer")
			}
		}
	case []any:
		g := got.([]any)
		if len(w) == 0 {
			return nil
		}
		for i := range g {
			diffs = append(diffs, compareShape(fmt.Sprintf("%s[%d]", path, i), g[i], w[0], leftOut, extra)...)
		}
	}
	return diffs
}

func pathOr(p string) string {
	if p == "" {
		return "(top)"
	}
	return p
}

func joinPath(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

func lastKey(path string) string {
	return path[strings.LastIndex(path, ".")+1:]
}

func sortedKeys(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// checkAdminShape compares a zkgate answer to command with ZooKeeper's
// recorded one (recording names the file, the command by default),
// allowing the keys zkgate documents as left out.
func checkAdminShape(t *testing.T, command, recording string, got map[string]any) {
	t.Helper()
	want := recordedAdmin(t, recording)
	left := zkbridge.AdminKeysLeftOut(command)
	suffixes := zkbridge.MonitorLeftOutSuffixes()
	leftOut := func(p string) bool {
		if _, ok := left[p]; ok {
			return true
		}
		if command == "monitor" {
			for _, s := range suffixes {
				if strings.HasSuffix(p, s) {
					return true
				}
			}
		}
		return false
	}
	var extra []string
	switch command {
	case "environment":
		extra = []string{"go.version"}
	case "monitor":
		// mntr's own keys (after ZooKeeper's), without "zk_".
		for _, k := range mntrOwn {
			extra = append(extra, strings.TrimPrefix(k, "zk_"))
		}
	}
	for _, d := range compareShape("", got, want, leftOut, extra) {
		t.Errorf("%s (against %s): %s", command, recording, d)
	}
}

// startAdminNode starts a single node serving the admin commands on a
// port of their own too; it returns the node and the two base URLs
// (client URL and admin port).
func startAdminNode(t *testing.T, args ...string) (*harness.Node, []string) {
	t.Helper()
	adminAddr := fmt.Sprintf("127.0.0.1:%d", harness.FreePort(t))
	n := harness.StartNode(t, harness.NodeOptions{Args: append([]string{"--admin-listen", adminAddr}, args...)})
	return n, []string{n.ClientURL + admin.Prefix, "http://" + adminAddr + admin.Prefix}
}

// TestAdmin_Commands: every command, by its name and by its aliases, on
// the client URL and on --admin-listen, answers 200 application/json in
// ZooKeeper 3.8's shape with "command" its primary name and "error"
// null; the values are what the test did: its two sessions in
// connections, the data watches it set in watches, watches_by_path and
// watch_summary, the znodes it created in monitor's znode_count.
func TestAdmin_Commands(t *testing.T) {
	t.Parallel()
	n, bases := startAdminNode(t)
	hc := &http.Client{Timeout: 10 * time.Second}

	before := adminGet(t, hc, bases[0], "monitor").body["znode_count"].(float64)
	a, _ := zkConnect(t, n.ZKAddr)
	b, _ := zkConnect(t, n.ZKAddr)
	acl := zk.WorldACL(zk.PermAll)
	for _, p := range []string{"/adm", "/adm/a", "/adm/b"} {
		if _, err := a.Create(p, []byte("x"), 0, acl); err != nil {
			t.Fatal(err)
		}
	}
	// Data watches: a on /adm/a and /adm/b, b on /adm/b; a child watch of
	// a on /adm, which ZooKeeper's watches commands leave out.
	if _, _, _, err := a.GetW("/adm/a"); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := a.ExistsW("/adm/b"); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := b.GetW("/adm/b"); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := a.ChildrenW("/adm"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Create("/adm/eph", nil, zk.FlagEphemeral, acl); err != nil {
		t.Fatal(err)
	}
	idA, idB := a.SessionID(), b.SessionID()

	answers := map[string]map[string]any{}
	for _, base := range bases {
		for name, aliases := range adminCommands {
			for _, called := range append([]string{name}, aliases...) {
				ans := adminGet(t, hc, base, called)
				if ans.status != http.StatusOK || ans.contentType != "application/json" {
					t.Errorf("%s/%s: %d %q, want 200 application/json", base, called, ans.status, ans.contentType)
				}
				if ans.body["command"] != name {
					t.Errorf("%s/%s: command %v, want %s", base, called, ans.body["command"], name)
				}
				wantErr := any(nil)
				if name == "leader" {
					wantErr = "server is not initialized" // standalone, as ZooKeeper
				}
				if ans.body["error"] != wantErr {
					t.Errorf("%s/%s: error %v, want %v", base, called, ans.body["error"], wantErr)
				}
				if called == name {
					checkAdminShape(t, name, name, ans.body)
					if base == bases[0] {
						answers[name] = ans.body
					}
				}
			}
		}
	}

	// connections: both sessions, with their ids.
	var ids []int64
	for _, c := range answers["connections"]["connections"].([]any) {
		m := c.(map[string]any)
		if id, ok := m["session_id"].(float64); ok {
			ids = append(ids, int64(id))
		}
	}
	// JSON numbers lose the low bits of 64-bit session ids in float64;
	// compare as ZooKeeper clients in JavaScript would not, by the
	// decimal text of the watches command instead, and here by rounding.
	for _, want := range []int64{idA, idB} {
		if !slices.ContainsFunc(ids, func(id int64) bool { return float64(id) == float64(want) }) {
			t.Errorf("connections: session 0x%x missing from %v", want, ids)
		}
	}
	if len(ids) != 2 {
		t.Errorf("connections: %d sessions, want 2", len(ids))
	}

	// watches: by session, the data watches set above, exactly.
	wantWatches := map[string][]any{
		strconv.FormatInt(idA, 10): {"/adm/a", "/adm/b"},
		strconv.FormatInt(idB, 10): {"/adm/b"},
	}
	got := answers["watches"]["session_id_to_watched_paths"].(map[string]any)
	if len(got) != len(wantWatches) {
		t.Errorf("watches: %v, want %v", got, wantWatches)
	}
	for id, paths := range wantWatches {
		if !slices.Equal(anySlice(got[id]), paths) {
			t.Errorf("watches of session %s: %v, want %v", id, got[id], paths)
		}
	}
	byPath := answers["watches_by_path"]["path_to_session_ids"].(map[string]any)
	if len(byPath) != 2 || len(anySlice(byPath["/adm/a"])) != 1 || len(anySlice(byPath["/adm/b"])) != 2 {
		t.Errorf("watches_by_path: %v, want /adm/a by one session, /adm/b by two", byPath)
	}
	sum := answers["watch_summary"]
	if sum["num_connections"] != 2.0 || sum["num_paths"] != 2.0 || sum["num_total_watches"] != 3.0 {
		t.Errorf("watch_summary: %v, want 2 connections, 2 paths, 3 watches", sum)
	}

	// dump: both sessions by their expiry, and b's ephemeral.
	var expiring []int64
	for _, ids := range answers["dump"]["expiry_time_to_session_ids"].(map[string]any) {
		for _, id := range anySlice(ids) {
			expiring = append(expiring, int64(id.(float64)))
		}
	}
	if len(expiring) != 2 {
		t.Errorf("dump: sessions by expiry %v, want the 2 sessions", answers["dump"]["expiry_time_to_session_ids"])
	}
	eph := answers["dump"]["session_id_to_ephemeral_paths"].(map[string]any)
	if len(eph) != 1 || !slices.Equal(anySlice(eph[strconv.FormatInt(idB, 10)]), []any{"/adm/eph"}) {
		t.Errorf("dump: ephemerals %v, want session %d's /adm/eph", eph, idB)
	}

	// monitor: the three znodes created.
	if got := answers["monitor"]["znode_count"].(float64); got != before+4 {
		t.Errorf("monitor znode_count %v, want %v (%v before four creates)", got, before+4, before)
	}
	if answers["monitor"]["server_state"] != "standalone" || answers["server_stats"]["server_stats"].(map[string]any)["server_state"] != "standalone" {
		t.Errorf("server state: monitor %v, server_stats %v", answers["monitor"]["server_state"], answers["server_stats"]["server_stats"])
	}
	if answers["configuration"]["client_port"] != float64(portOf(t, n.ZKAddr)) {
		t.Errorf("configuration client_port %v, want the port of %s", answers["configuration"]["client_port"], n.ZKAddr)
	}
	if !strings.Contains(answers["initial_configuration"]["initial_configuration"].(string), "admin-listen: ") {
		t.Errorf("initial_configuration lacks admin-listen: %v", answers["initial_configuration"])
	}
}

func anySlice(v any) []any {
	s, _ := v.([]any)
	return s
}

func portOf(t *testing.T, addr string) int {
	t.Helper()
	u, err := url.Parse("tcp://" + addr)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := strconv.Atoi(u.Port())
	return p
}

// TestAdmin_Protocol: /commands lists every command as ZooKeeper's HTML
// links; an unknown command answers 200 with ZooKeeper's error; POST is
// refused with 405; the four-letter-word whitelist does not apply to
// the commands, as on ZooKeeper 3.8 (measured: a server whose whitelist
// is "srvr, ruok" answers /commands/monitor), while the ZooKeeper port
// still refuses the word.
func TestAdmin_Protocol(t *testing.T) {
	t.Parallel()
	n, bases := startAdminNode(t, "--zk-4lw-whitelist", "srvr,ruok")
	hc := &http.Client{Timeout: 10 * time.Second}
	for _, base := range bases {
		resp, err := hc.Get(base)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: %d", base, resp.StatusCode)
		}
		for name := range adminCommands {
			link := fmt.Sprintf("<a href=\"/commands/%s\">%s</a>\n<br/>\n", name, name)
			if !strings.Contains(string(raw), link) {
				t.Errorf("%s lacks %q:\n%s", base, link, raw)
			}
		}

		ans := adminGet(t, hc, base, "nosuch")
		want := recordedAdmin(t, "unknown")
		if ans.status != http.StatusOK || ans.body["command"] != "nosuch" || ans.body["error"] != want["error"] || len(ans.body) != len(want) {
			t.Errorf("%s/nosuch: %d %v, want 200 %v", base, ans.status, ans.body, want)
		}

		resp, err = hc.Post(base+"/ruok", "application/json", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("POST %s/ruok: %d, want 405", base, resp.StatusCode)
		}

		mon := adminGet(t, hc, base, "monitor")
		if mon.body["error"] != nil || mon.body["znode_count"] == nil {
			t.Errorf("%s/monitor with mntr not whitelisted: %v", base, mon.body)
		}
	}
	out, _, err := askFourLetterWord(n.ZKAddr, "mntr")
	if err != nil || out != "mntr is not executed because it is not in the whitelist.\n" {
		t.Errorf("mntr on the ZooKeeper port: %q, %v", out, err)
	}
}

// TestAdmin_Cluster: on a three-node cluster, leader names the Raft
// leader on every node (is_leader on it alone), voting_view lists the
// three members with their peer addresses and each node's own
// ZooKeeper address, and the answers have the shapes of a ZooKeeper
// ensemble's leader and followers.
func TestAdmin_Cluster(t *testing.T) {
	t.Parallel()
	c := harness.StartCluster(t, 3)
	leader := c.Leader(10 * time.Second)
	hc := &http.Client{Timeout: 10 * time.Second}
	var peers []string
	for _, n := range c.Nodes {
		u, _ := url.Parse(n.PeerURL)
		peers = append(peers, u.Host)
	}
	leaderIDs := map[float64]bool{}
	for _, n := range c.Nodes {
		base := n.ClientURL + admin.Prefix
		role := "follower"
		if n == leader {
			role = "leader"
		}
		l := adminGet(t, hc, base, "leader").body
		if l["error"] != nil || l["is_leader"] != (n == leader) || l["leader_ip"] != "127.0.0.1" {
			t.Errorf("%s (%s): leader %v", n.Name, role, l)
		}
		leaderIDs[l["leader_id"].(float64)] = true
		checkAdminShape(t, "leader", "leader-"+role, l)

		v := adminGet(t, hc, base, "voting_view").body
		checkAdminShape(t, "voting_view", "voting_view-"+role, v)
		cfg, _ := v["current_config"].(map[string]any)
		if len(cfg) != 3 {
			t.Fatalf("%s: voting_view %v, want 3 members", n.Name, v)
		}
		var selfSeen int
		for id, m := range cfg {
			mm := m.(map[string]any)
			addr := anySlice(mm["server_addresses"])
			if len(addr) != 1 || !slices.Contains(peers, addr[0].(string)) || mm["learner_type"] != "participant" {
				t.Errorf("%s: voting_view member %s: %v (peers %v)", n.Name, id, mm, peers)
			}
			if mm["client_address"] == n.ZKAddr {
				selfSeen++
			} else if mm["client_address"] != "" {
				t.Errorf("%s: member %s client_address %v, want empty (another server)", n.Name, id, mm["client_address"])
			}
			if float64(mustAtoi(t, id)) == l["leader_id"] {
				lu, _ := url.Parse(leader.PeerURL)
				if addr[0] != lu.Host {
					t.Errorf("%s: leader_id %v is member %v, not the leader %s", n.Name, l["leader_id"], mm, lu.Host)
				}
			}
		}
		if selfSeen != 1 {
			t.Errorf("%s: its own ZooKeeper address %s in voting_view %d times", n.Name, n.ZKAddr, selfSeen)
		}

		mon := adminGet(t, hc, base, "monitor").body
		if mon["server_state"] != role {
			t.Errorf("%s: monitor server_state %v, want %s", n.Name, mon["server_state"], role)
		}
		checkAdminShape(t, "monitor", "monitor-"+role, mon)
		cf := adminGet(t, hc, base, "configuration").body
		checkAdminShape(t, "configuration", "configuration-"+role, cf)
		checkAdminShape(t, "server_stats", "server_stats-"+role, adminGet(t, hc, base, "server_stats").body)
	}
	if len(leaderIDs) != 1 {
		t.Errorf("nodes disagree on leader_id: %v", leaderIDs)
	}
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestAdmin_TLS: with https client URLs and client certificates
// required, the commands answer over TLS on the client URL and on
// --admin-listen to a client with a certificate, and the admin port
// refuses plain HTTP and a client without a certificate; a session over
// --zk-secure-listen is listed under secure_connections.
func TestAdmin_TLS(t *testing.T) {
	t.Parallel()
	certs := harness.NewCerts(t)
	adminAddr := fmt.Sprintf("127.0.0.1:%d", harness.FreePort(t))
	zkTLS := fmt.Sprintf("127.0.0.1:%d", harness.FreePort(t))
	args := append(append(certs.ServerArgs(true), certs.PeerArgs()...), "--admin-listen", adminAddr, "--zk-secure-listen", zkTLS)
	n := harness.StartNode(t, harness.NodeOptions{Args: args, TLS: certs.ClientTLS(true)})
	zc, events, err := zk.Connect([]string{zkTLS}, 10*time.Second, zk.WithLogger(quietLogger{}), zk.WithDialer(tlsDialer(certs.ClientTLS(true))))
	if err != nil {
		t.Fatal(err)
	}
	defer zc.Close()
	waitSession(t, events)
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: certs.ClientTLS(true)}}
	for _, base := range []string{n.ClientURL + admin.Prefix, "https://" + adminAddr + admin.Prefix} {
		ans := adminGet(t, hc, base, "ruok")
		if ans.status != http.StatusOK || ans.body["error"] != nil {
			t.Errorf("%s/ruok over TLS: %d %v", base, ans.status, ans.body)
		}
		cons := adminGet(t, hc, base, "connections").body
		plain, secure := anySlice(cons["connections"]), anySlice(cons["secure_connections"])
		if len(plain) != 0 || len(secure) != 1 || secure[0].(map[string]any)["session_id"] != float64(zc.SessionID()) {
			t.Errorf("%s/connections: %v, want the TLS session 0x%x under secure_connections alone", base, cons, zc.SessionID())
		}
	}
	plain := &http.Client{Timeout: 5 * time.Second}
	if resp, err := plain.Get("http://" + adminAddr + admin.Prefix + "/ruok"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Errorf("plain HTTP to the TLS admin port answered 200")
		}
	}
	anon := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: certs.ClientTLS(false)}}
	if resp, err := anon.Get("https://" + adminAddr + admin.Prefix + "/ruok"); err == nil {
		resp.Body.Close()
		t.Errorf("the admin port answered %d to a client without a certificate", resp.StatusCode)
	}
}

// TestAdmin_LastSnapshot: last_snapshot reports the member's newest Raft
// snapshot: before the first, zxid "0" at the start; once etcd has taken
// one (--snapshot-count 10, then writes), its Raft index in hexadecimal
// and the time it was written.
func TestAdmin_LastSnapshot(t *testing.T) {
	t.Parallel()
	start := time.Now().Unix()
	n := harness.StartNode(t, harness.NodeOptions{Args: []string{"--snapshot-count", "10", "--snapshot-catchup-entries", "5"}})
	hc := &http.Client{Timeout: 10 * time.Second}
	base := n.ClientURL + admin.Prefix
	first := adminGet(t, hc, base, "last_snapshot").body
	if first["zxid"] != "0" || first["timestamp"].(float64) < float64(start) {
		t.Errorf("last_snapshot before any snapshot: %v, want zxid 0 at the start (>= %d)", first, start)
	}
	c, _ := zkConnect(t, n.ZKAddr)
	var got map[string]any
	for i := 0; i < 200; i++ {
		if _, err := c.Create(fmt.Sprintf("/s%d", i), nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
			t.Fatal(err)
		}
		if got = adminGet(t, hc, base, "last_snapshot").body; got["zxid"] != "0" {
			break
		}
	}
	idx, err := strconv.ParseUint(got["zxid"].(string), 16, 64)
	if err != nil || idx == 0 {
		t.Fatalf("last_snapshot after 200 writes with --snapshot-count 10: %v", got)
	}
	if ts := got["timestamp"].(float64); ts < float64(start) || ts > float64(time.Now().Unix()) {
		t.Errorf("last_snapshot timestamp %v, want between %d and now", ts, start)
	}
	checkAdminShape(t, "last_snapshot", "last_snapshot", got)
}

// TestAdmin_ExternalEtcd: a gateway in front of an external etcd serves
// the commands on its client URL too, with its own ZooKeeper face's
// state (no data dir of its own) and the shapes of a standalone server.
func TestAdmin_ExternalEtcd(t *testing.T) {
	t.Parallel()
	etcd := harness.StartNode(t, harness.NodeOptions{Name: "etcd"})
	gw := harness.StartNode(t, harness.NodeOptions{Name: "gateway", Args: []string{"--etcd-endpoints", etcd.ClientURL}})
	c, _ := zkConnect(t, gw.ZKAddr)
	hc := &http.Client{Timeout: 10 * time.Second}
	base := gw.ClientURL + admin.Prefix
	for _, name := range []string{"ruok", "monitor", "configuration", "connections", "dirs"} {
		a := adminGet(t, hc, base, name)
		if a.status != http.StatusOK || a.body["error"] != nil {
			t.Errorf("%s/%s: %d %v", base, name, a.status, a.body)
			continue
		}
		checkAdminShape(t, name, name, a.body)
	}
	conns := adminGet(t, hc, base, "connections").body["connections"].([]any)
	if len(conns) != 1 || conns[0].(map[string]any)["session_id"] != float64(c.SessionID()) {
		t.Errorf("connections: %v, want the one session 0x%x", conns, c.SessionID())
	}
	if cf := adminGet(t, hc, base, "configuration").body; cf["data_dir"] != "" || cf["client_port"] != float64(portOf(t, gw.ZKAddr)) {
		t.Errorf("configuration of a gateway: %v", cf)
	}
}

// TestAdmin_OffClientURLs: with --admin-off-client-urls the commands are
// served on --admin-listen only: the client URL answers 404 there, and
// the rest of the client URL (the namespace API, /metrics) is as it was.
func TestAdmin_OffClientURLs(t *testing.T) {
	t.Parallel()
	_, bases := startAdminNode(t, "--admin-off-client-urls")
	hc := &http.Client{Timeout: 10 * time.Second}
	resp, err := hc.Get(bases[0] + "/ruok")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("%s/ruok: %d, want 404", bases[0], resp.StatusCode)
	}
	if ans := adminGet(t, hc, bases[1], "ruok"); ans.status != http.StatusOK || ans.body["error"] != nil {
		t.Errorf("%s/ruok: %d %v", bases[1], ans.status, ans.body)
	}
	client := strings.TrimSuffix(bases[0], admin.Prefix)
	for _, p := range []string{"/metrics", "/zk/v1/children?path=/"} {
		resp, err := hc.Get(client + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s%s: %d", client, p, resp.StatusCode)
		}
	}
}
