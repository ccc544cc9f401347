package e2e

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/zkgate/zkgate/e2e/harness"
)

// scrape is one read of a node's /metrics.
type scrape map[string]*dto.MetricFamily

func scrapeMetrics(t *testing.T, n *harness.Node) scrape {
	t.Helper()
	s, err := fetchMetrics(n)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func fetchMetrics(n *harness.Node) (scrape, error) {
	resp, err := http.Get(n.ClientURL + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("/metrics: %s", resp.Status)
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("parsing /metrics: %w", err)
	}
	return fams, nil
}

// value is the value of the unlabelled gauge or counter name, or of its
// sample whose label is label=labelValue (label "" for none); a summary's
// or histogram's count.
func (s scrape) value(t *testing.T, name string, labelPair ...string) float64 {
	t.Helper()
	f := s[name]
	if f == nil && len(labelPair) == 2 {
		return 0 // a labelled counter none of whose labels was counted yet
	}
	if f == nil {
		t.Fatalf("/metrics has no %s", name)
	}
	for _, m := range f.GetMetric() {
		if len(labelPair) == 2 {
			found := false
			for _, l := range m.GetLabel() {
				found = found || l.GetName() == labelPair[0] && l.GetValue() == labelPair[1]
			}
			if !found {
				continue
			}
		}
		switch f.GetType() {
		case dto.MetricType_GAUGE:
			return m.GetGauge().GetValue()
		case dto.MetricType_COUNTER:
			return m.GetCounter().GetValue()
		case dto.MetricType_SUMMARY:
			return float64(m.GetSummary().GetSampleCount())
		case dto.MetricType_HISTOGRAM:
			return float64(m.GetHistogram().GetSampleCount())
		}
	}
	if len(labelPair) == 2 {
		return 0 // a labelled counter not yet counted
	}
	t.Fatalf("%s has no sample", name)
	return 0
}

// histogramSum is a histogram's sum of samples.
func (s scrape) histogramSum(t *testing.T, name string) float64 {
	t.Helper()
	f := s[name]
	if f == nil || len(f.GetMetric()) != 1 {
		t.Fatalf("/metrics has no single %s", name)
	}
	return f.GetMetric()[0].GetHistogram().GetSampleSum()
}

// quantiles are a summary's quantile labels.
func (s scrape) quantiles(t *testing.T, name string) []float64 {
	t.Helper()
	f := s[name]
	if f == nil || f.GetType() != dto.MetricType_SUMMARY {
		t.Fatalf("/metrics has no summary %s", name)
	}
	var qs []float64
	for _, q := range f.GetMetric()[0].GetSummary().GetQuantile() {
		qs = append(qs, q.GetQuantile())
	}
	return qs
}

// TestMetrics_ZooKeeperLoad runs a known load through the ZooKeeper port
// with a real client and checks /metrics (ZooKeeper 3.8's names, and
// zkgate_'s) against what it did: the counts of znodes, ephemerals,
// connections, sessions and watches equal what the test made; packets
// and the latency summaries moved by at least its requests (the client's
// pings are reads too), updatelatency by exactly its writes; the
// committer's batches carried its writes. It scrapes under load too.
func TestMetrics_ZooKeeperLoad(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{})
	a, _ := zkConnect(t, n.ZKAddr)
	b, _ := zkConnect(t, n.ZKAddr)
	c, _ := zkConnect(t, n.ZKAddr)
	before := scrapeMetrics(t, n)
	for name, typ := range map[string]dto.MetricType{
		"znode_count": dto.MetricType_GAUGE, "packets_received": dto.MetricType_GAUGE, "connection_request_count": dto.MetricType_COUNTER,
		"readlatency": dto.MetricType_SUMMARY, "updatelatency": dto.MetricType_SUMMARY,
		"zkgate_commit_batch_requests": dto.MetricType_HISTOGRAM, "zkgate_commit_batches_total": dto.MetricType_COUNTER,
	} {
		if f := before[name]; f == nil || f.GetType() != typ {
			t.Fatalf("%s: want a %s, /metrics has %v", name, typ, f)
		}
	}
	for _, name := range []string{"readlatency", "updatelatency"} {
		if qs := before.quantiles(t, name); fmt.Sprint(qs) != "[0.5 0.9 0.99]" {
			t.Errorf("%s quantiles %v, ZooKeeper's are 0.5, 0.9 and 0.99", name, qs)
		}
	}
	if got := before.value(t, "num_alive_connections"); got != 3 {
		t.Errorf("num_alive_connections = %v with 3 clients connected", got)
	}
	if got := before.value(t, "zkgate_sessions"); got != 3 {
		t.Errorf("zkgate_sessions = %v with 3 sessions connected", got)
	}
	if got := before.value(t, "ephemerals_count"); got != 0 {
		t.Errorf("ephemerals_count = %v before any ephemeral", got)
	}
	if got := before.value(t, "watch_count"); got != 0 {
		t.Errorf("watch_count = %v before any watch", got)
	}

	// The load: 21 persistent znodes, 2 ephemerals, 5 setData (28
	// writes); 30 getData; 5 watches (3 data, 1 exists, 1 child) and
	// getChildren of /m twice (a children cache miss, then a hit): 6
	// more reads.
	const persistent, ephemerals, sets, reads = 21, 2, 5, 30
	acl := zk.WorldACL(zk.PermAll)
	if _, err := a.Create("/m", nil, 0, acl); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var (
		under    []scrape
		underErr error
	)
	wg.Add(1)
	go func() { // scrapes while the load runs
		defer wg.Done()
		for len(under) < 20 {
			select {
			case <-stop:
				return
			default:
			}
			s, err := fetchMetrics(n)
			if err != nil {
				underErr = err
				return
			}
			under = append(under, s)
		}
	}()
	for i := 1; i < persistent; i++ {
		if _, err := a.Create(fmt.Sprintf("/m/p%02d", i), []byte("data"), 0, acl); err != nil {
			t.Fatal(err)
		}
	}
	for i := range ephemerals {
		if _, err := b.Create(fmt.Sprintf("/m/e%d", i), nil, zk.FlagEphemeral, acl); err != nil {
			t.Fatal(err)
		}
	}
	for i := range sets {
		if _, err := a.Set("/m/p01", []byte(strconv.Itoa(i)), -1); err != nil {
			t.Fatal(err)
		}
	}
	for i := range reads {
		if _, _, err := c.Get(fmt.Sprintf("/m/p%02d", 1+i%(persistent-1))); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{"/m/p02", "/m/p03", "/m/p04"} {
		if _, _, _, err := c.GetW(p); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, _, err := c.ExistsW("/m/missing"); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := c.ChildrenW("/m"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Children("/m"); err != nil {
		t.Fatal(err)
	}
	close(stop)
	wg.Wait()
	if underErr != nil {
		t.Fatalf("scraping under load: %v", underErr)
	}
	for _, w := range []string{"ruok", "ruok", "mntr"} {
		if _, _, err := askFourLetterWord(n.ZKAddr, w); err != nil {
			t.Fatal(err)
		}
	}
	after := scrapeMetrics(t, n)

	// Scrapes under load saw figures between before and after, packets
	// never going back.
	last := before.value(t, "packets_received")
	for i, s := range under {
		got := s.value(t, "packets_received")
		if got < last {
			t.Errorf("scrape %d under load: packets_received went back from %v to %v", i, last, got)
		}
		last = got
		if z := s.value(t, "znode_count"); z < before.value(t, "znode_count") || z > after.value(t, "znode_count") {
			t.Errorf("scrape %d under load: znode_count %v outside [%v, %v]", i, z, before.value(t, "znode_count"), after.value(t, "znode_count"))
		}
	}
	if len(under) == 0 {
		t.Error("no scrape under load")
	}

	delta := func(name string, label ...string) float64 {
		return after.value(t, name, label...) - before.value(t, name, label...)
	}
	writes := float64(persistent + ephemerals + sets)
	requests := writes + reads + 6
	exact := map[string]float64{
		"znode_count":                        persistent + ephemerals,
		"ephemerals_count":                   ephemerals,
		"global_sessions":                    0,
		"updatelatency":                      writes,
		"connection_request_count":           0,
		"zkgate_children_cache_misses_total": 1,
		"zkgate_children_cache_hits_total":   1,
	}
	for name, want := range exact {
		if got := delta(name); got != want {
			t.Errorf("%s moved by %v, want %v", name, got, want)
		}
	}
	if got := after.value(t, "watch_count"); got != 5 {
		t.Errorf("watch_count = %v with 5 watches set", got)
	}
	if got := after.value(t, "ephemerals_count"); got != ephemerals {
		t.Errorf("ephemerals_count = %v with %d ephemerals", got, ephemerals)
	}
	if got := after.value(t, "num_alive_connections"); got != 3 {
		t.Errorf("num_alive_connections = %v with 3 clients connected", got)
	}
	if got := after.value(t, "zkgate_sessions"); got != 3 {
		t.Errorf("zkgate_sessions = %v with 3 sessions connected", got)
	}
	atLeast := map[string]float64{
		"packets_received":         requests + 3, // and 3 four-letter words
		"packets_sent":             requests,
		"readlatency":              reads + 6,
		"zkgate_local_reads_total": reads,
		// The sets of one znode take its keys from the committer's
		// key cache.
		"zkgate_commit_key_cache_hits_total": sets,
		// The getData of znodes this node wrote come from the key
		// cache (the hub may move on between a reply and the next
		// read, so not every one need).
		"zkgate_read_key_cache_hits_total": reads / 2,
	}
	for name, want := range atLeast {
		if got := delta(name); got < want {
			t.Errorf("%s moved by %v, want at least %v", name, got, want)
		}
	}
	if got := delta("zkgate_four_letter_words_total", "word", "ruok"); got != 2 {
		t.Errorf(`zkgate_four_letter_words_total{word="ruok"} moved by %v, want 2`, got)
	}
	if got := delta("zkgate_four_letter_words_total", "word", "mntr"); got != 1 {
		t.Errorf(`zkgate_four_letter_words_total{word="mntr"} moved by %v, want 1`, got)
	}
	// Every write went to etcd in one of the committer's batches, which
	// the histogram counts as they are counted.
	batches := delta("zkgate_commit_batches_total")
	if batches < 1 || batches > writes {
		t.Errorf("zkgate_commit_batches_total moved by %v for %v writes sent one at a time", batches, writes)
	}
	if got := delta("zkgate_commit_batch_requests"); got != batches {
		t.Errorf("zkgate_commit_batch_requests counted %v batches, zkgate_commit_batches_total %v", got, batches)
	}
	if got := after.histogramSum(t, "zkgate_commit_batch_requests") - before.histogramSum(t, "zkgate_commit_batch_requests"); got < writes {
		t.Errorf("the batches carried %v requests, fewer than the %v writes", got, writes)
	}
	if r, o := delta("zkgate_commit_redone_total"), delta("zkgate_commit_overtaken_total"); r > batches || o > r {
		t.Errorf("redone %v, overtaken %v of %v batches", r, o, batches)
	}
	// The watch hub catches up with the cluster once the load is done.
	deadline := time.Now().Add(30 * time.Second)
	for scrapeMetrics(t, n).value(t, "zkgate_watch_hub_lag_revisions") != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the watch hub did not catch up with the cluster")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestMetrics_ExternalEtcd: a gateway in front of an external etcd serves
// the same metrics on its /metrics.
func TestMetrics_ExternalEtcd(t *testing.T) {
	t.Parallel()
	etcd := harness.StartNode(t, harness.NodeOptions{Name: "etcd"})
	gw := harness.StartNode(t, harness.NodeOptions{Name: "gateway", Args: []string{"--etcd-endpoints", etcd.ClientURL}})
	a, _ := zkConnect(t, gw.ZKAddr)
	before := scrapeMetrics(t, gw)
	acl := zk.WorldACL(zk.PermAll)
	for _, p := range []string{"/x", "/y"} {
		if _, err := a.Create(p, nil, zk.FlagEphemeral, acl); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := a.Get("/x"); err != nil {
		t.Fatal(err)
	}
	after := scrapeMetrics(t, gw)
	for name, want := range map[string]float64{"znode_count": 2, "ephemerals_count": 2, "updatelatency": 2} {
		if got := after.value(t, name) - before.value(t, name); got != want {
			t.Errorf("%s moved by %v, want %v", name, got, want)
		}
	}
	if got := after.value(t, "num_alive_connections"); got != 1 {
		t.Errorf("num_alive_connections = %v with one client", got)
	}
	// Reads go to etcd over gRPC: none is served from a local store.
	if got := after.value(t, "zkgate_local_reads_total"); got != 0 {
		t.Errorf("zkgate_local_reads_total = %v in front of an external etcd", got)
	}
	if got := after.value(t, "readlatency") - before.value(t, "readlatency"); got < 1 {
		t.Errorf("readlatency moved by %v after a getData", got)
	}
	for _, name := range []string{"zkgate_commit_batches_total", "zkgate_watch_hub_lag_revisions", "uptime", "open_file_descriptor_count"} {
		if after[name] == nil {
			t.Errorf("/metrics has no %s", name)
		}
	}
}

// TestMetrics_ClusterLeader: on a three-member cluster every member
// exports quorum_size 3, and only the Raft leader ZooKeeper's leader
// gauges, with both followers in contact and replicating.
func TestMetrics_ClusterLeader(t *testing.T) {
	t.Parallel()
	c := harness.StartCluster(t, 3)
	leader := c.Leader(30 * time.Second)
	for _, n := range c.Nodes {
		s := scrapeMetrics(t, n)
		if got := s.value(t, "quorum_size"); got != 3 {
			t.Errorf("%s: quorum_size = %v in a three-member cluster", n.Name, got)
		}
		if n != leader && s["learners"] != nil {
			t.Errorf("%s, a follower, exports learners", n.Name)
		}
	}
	// The leader's view of its followers settles once each has answered
	// a heartbeat.
	deadline := time.Now().Add(30 * time.Second)
	for {
		s := scrapeMetrics(t, leader)
		if s["leader_uptime"] == nil {
			t.Fatalf("%s, the leader, exports no leader_uptime", leader.Name)
		}
		l, f := s.value(t, "learners"), s.value(t, "synced_followers")
		if l == 2 && f == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("leader %s: learners %v, synced_followers %v; want 2 and 2", leader.Name, l, f)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestMetrics_HistoryOldestZxid: the oldest zxid a read at a past zxid
// can reach is shown by /metrics (zkgate_history_oldest_zxid), mntr
// (zk_history_oldest_zxid) and /health (history_oldest_zxid): 1 before
// any compaction, the compaction's revision after one (etcdctl
// compaction), which is also what a read before it names.
func TestMetrics_HistoryOldestZxid(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{Args: []string{"--zk-4lw-whitelist", "*"}})
	checkOldestZxid(t, n, 1)
	ctlOK(t, n, "create", "/old", "a")
	ctlOK(t, n, "set", "/old", "b")
	var st struct {
		Stat struct{ Mzxid int64 } `json:"stat"`
	}
	mustJSON(t, ctlOK(t, n, "-o", "json", "stat", "/old"), &st)
	harness.Etcdctl(t, n.ClientURL, "compaction", fmt.Sprint(st.Stat.Mzxid))
	checkOldestZxid(t, n, st.Stat.Mzxid)
	r := ctl(t, n, "", "get", "--at", fmt.Sprint(st.Stat.Mzxid-1), "/old")
	if r.ExitCode != 1 || !strings.Contains(r.Stderr, fmt.Sprintf("oldest reachable zxid is %d", st.Stat.Mzxid)) {
		t.Errorf("a read before the compaction: exit %d %q", r.ExitCode, r.Stderr)
	}
}

// TestHistory_ExternalEtcdOldestZxid: in front of an external etcd, the
// oldest zxid history reaches is found by reading (no watch from
// revision 1): a read before a compaction names the compaction's
// revision, and so do /metrics, mntr and /health.
func TestHistory_ExternalEtcdOldestZxid(t *testing.T) {
	t.Parallel()
	etcd := harness.StartNode(t, harness.NodeOptions{Name: "etcd"})
	gw := harness.StartNode(t, harness.NodeOptions{Name: "gateway", Args: []string{"--etcd-endpoints", etcd.ClientURL, "--zk-4lw-whitelist", "*"}})
	ctlOK(t, gw, "create", "/old", "a")
	ctlOK(t, gw, "set", "/old", "b")
	var st struct {
		Stat struct{ Mzxid int64 } `json:"stat"`
	}
	mustJSON(t, ctlOK(t, gw, "-o", "json", "stat", "/old"), &st)
	harness.Etcdctl(t, etcd.ClientURL, "compaction", fmt.Sprint(st.Stat.Mzxid))
	r := ctl(t, gw, "", "get", "--at", fmt.Sprint(st.Stat.Mzxid-1), "/old")
	if r.ExitCode != 1 || !strings.Contains(r.Stderr, fmt.Sprintf("oldest reachable zxid is %d", st.Stat.Mzxid)) {
		t.Errorf("a read before the compaction: exit %d %q", r.ExitCode, r.Stderr)
	}
	if out := ctlOK(t, gw, "get", "--at", fmt.Sprint(st.Stat.Mzxid), "/old"); out != "b\n" {
		t.Errorf("a read at the compaction's revision: %q", out)
	}
	checkOldestZxid(t, gw, st.Stat.Mzxid)
}

// checkOldestZxid checks that /metrics, mntr and /health all show want
// as the oldest zxid history reaches, /health after etcd's own fields.
func checkOldestZxid(t *testing.T, n *harness.Node, want int64) {
	t.Helper()
	if got := scrapeMetrics(t, n).value(t, "zkgate_history_oldest_zxid"); got != float64(want) {
		t.Errorf("zkgate_history_oldest_zxid %v, want %d", got, want)
	}
	_, mntr := mntrOf(t, n.ZKAddr)
	if got := mntr["zk_history_oldest_zxid"]; got != fmt.Sprint(want) {
		t.Errorf("mntr zk_history_oldest_zxid %q, want %d", got, want)
	}
	resp, err := http.Get(n.ClientURL + "/health")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if wantBody := fmt.Sprintf(`{"health":"true","reason":"","history_oldest_zxid":%d}`, want); resp.StatusCode != 200 || strings.TrimSpace(string(b)) != wantBody {
		t.Errorf("/health: %d %s, want 200 %s", resp.StatusCode, b, wantBody)
	}
}
