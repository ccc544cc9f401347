package zkbridge_test

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/gateway/gatewaytest"
	"github.com/zkgate/zkgate/schema"
	"github.com/zkgate/zkgate/zkbridge"
	"github.com/zkgate/zkgate/zkbridge/jute"
)

// zkPromMetric is one line of testdata/zookeeper-3.8-prometheus.txt.
type zkPromMetric struct {
	name, typ string
	labels    []string  // label names besides quantile
	quantiles []float64 // of a summary
	role      string
}

// zookeeperPromMetrics reads the metrics ZooKeeper 3.8 registers with its
// Prometheus provider, as measured.
func zookeeperPromMetrics(t *testing.T) []zkPromMetric {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "zookeeper-3.8-prometheus.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []zkPromMetric
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := sc.Text()
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		fs := strings.Fields(l)
		if len(fs) != 5 {
			t.Fatalf("testdata line %q: want 5 columns", l)
		}
		m := zkPromMetric{name: fs[0], typ: fs[1], role: fs[3]}
		if fs[2] != "-" {
			for _, part := range strings.Split(fs[2], ";") {
				k, v, _ := strings.Cut(part, "=")
				if k != "quantile" {
					m.labels = append(m.labels, k)
					continue
				}
				for _, q := range strings.Split(v, ",") {
					f, err := strconv.ParseFloat(q, 64)
					if err != nil {
						t.Fatalf("testdata line %q: %v", l, err)
					}
					m.quantiles = append(m.quantiles, f)
				}
			}
		}
		out = append(out, m)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) < 100 {
		t.Fatalf("testdata lists %d metrics; ZooKeeper 3.8 has over a hundred", len(out))
	}
	return out
}

// startLeaderServer serves the ZooKeeper protocol as the leader of a
// three-member cluster reports itself, so that every role's metrics are
// exported, and gives it a little load.
func startLeaderServer(t *testing.T) *zkbridge.Server {
	t.Helper()
	cl := gatewaytest.StartCluster(t, 1)
	since := time.Now().Add(-time.Second)
	s, addr := startServer(t, cl, 0, gateway.Config{EnforceQuota: true}, func(c *zkbridge.Config) {
		c.Mode = func() string { return "leader" }
		c.Quorum = func() (zkbridge.QuorumStatus, bool) {
			return zkbridge.QuorumStatus{ServerID: 1, Voters: 3, Leader: true, LeaderSince: since, Learners: 2, SyncedFollowers: 2}, true
		}
	})
	c := connect(t, addr, jute.ConnectRequest{})
	c.create("/m", 0)
	if rh, _ := c.call(jute.OpGetData, &jute.GetDataRequest{Path: "/m"}); rh.Err != 0 {
		t.Fatalf("getData: %v", rh.Err)
	}
	// A quota of two znodes on /m, as zkCli's setquota -N 2 writes it,
	// and a create past it.
	c.create("/zookeeper/quota/m", 0)
	for path, data := range map[string]string{
		"/zookeeper/quota/m/zookeeper_limits": "count=-1,bytes=-1=;byteHardLimit=-1;countHardLimit=2",
		"/zookeeper/quota/m/zookeeper_stats":  "count=1,bytes=0",
	} {
		if rh, _ := c.call(jute.OpCreate, &jute.CreateRequest{Path: path, Data: []byte(data), ACL: []jute.ACL{{Perms: 31, ID: jute.ID{Scheme: "world", ID: "anyone"}}}}); rh.Err != 0 {
			t.Fatalf("create %s: %v", path, rh.Err)
		}
	}
	c.create("/m/a", 0)
	if rh, _ := c.call(jute.OpCreate, &jute.CreateRequest{Path: "/m/b", ACL: []jute.ACL{{Perms: 31, ID: jute.ID{Scheme: "world", ID: "anyone"}}}}); rh.Err != schema.CodeQuotaExceeded {
		t.Fatalf("create past the quota: %v, want QuotaExceeded", rh.Err)
	}
	return s
}

// TestMetrics_NamesAndTypesAsZooKeeper38: every metric ZooKeeper 3.8
// registers with its Prometheus provider (testdata) is either exported
// under its name with its type and labels (summaries with its
// quantiles), or left out with a reason; and every metric exported that
// is not zkgate's own (zkgate_) is one of ZooKeeper's.
func TestMetrics_NamesAndTypesAsZooKeeper38(t *testing.T) {
	want := zookeeperPromMetrics(t)
	s := startLeaderServer(t)
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(s.Collector()); err != nil {
		t.Fatal(err)
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]*dto.MetricFamily{}
	for _, f := range families {
		got[f.GetName()] = f
	}
	noQuantiles := zkbridge.PromWithoutQuantiles()
	known := map[string]bool{}
	exported := 0
	for _, w := range want {
		known[w.name] = true
		f, ok := got[w.name]
		why := zkbridge.PromLeftOutReason(w.name)
		switch {
		case why != "" && ok:
			t.Errorf("%s is exported, but left out because: %s", w.name, why)
			continue
		case why != "":
			continue
		case !ok:
			t.Errorf("ZooKeeper's %s (%s) is neither exported nor left out with a reason", w.name, w.typ)
			continue
		}
		exported++
		if typ := strings.ToLower(f.GetType().String()); typ != w.typ {
			t.Errorf("%s: type %s, ZooKeeper's is %s", w.name, typ, w.typ)
		}
		for _, m := range f.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName())
			}
			if !slices.Equal(labels, w.labels) {
				t.Errorf("%s: labels %v, ZooKeeper's are %v", w.name, labels, w.labels)
			}
			if w.typ != "summary" {
				continue
			}
			var qs []float64
			for _, q := range m.GetSummary().GetQuantile() {
				qs = append(qs, q.GetQuantile())
			}
			if noQuantiles[w.name] {
				if len(qs) != 0 {
					t.Errorf("%s: quantiles %v, though declared without", w.name, qs)
				}
				continue
			}
			if !slices.Equal(qs, w.quantiles) {
				t.Errorf("%s: quantiles %v, ZooKeeper's are %v", w.name, qs, w.quantiles)
			}
		}
	}
	for name := range got {
		if !known[name] && !strings.HasPrefix(name, "zkgate_") {
			t.Errorf("%s is exported but is not one of ZooKeeper 3.8's metrics nor zkgate_", name)
		}
	}
	// The metrics every dashboard and alert rule of ZooKeeper's reads.
	for _, name := range []string{"znode_count", "watch_count", "ephemerals_count", "num_alive_connections", "outstanding_requests",
		"approximate_data_size", "packets_received", "packets_sent", "global_sessions", "local_sessions", "connection_request_count",
		"readlatency", "updatelatency", "avg_latency", "open_file_descriptor_count", "max_file_descriptor_count", "uptime",
		"quorum_size", "learners", "synced_followers", "leader_uptime"} {
		if got[name] == nil {
			t.Errorf("%s is not exported", name)
		}
	}
	// The table keeps the order in which ZooKeeper registers them.
	at := map[string]int{}
	for i, w := range want {
		at[w.name] = i
	}
	last := -1
	for _, name := range zkbridge.PromExported() {
		if at[name] < last {
			t.Errorf("%s is out of ZooKeeper's order in promMetrics", name)
		}
		last = at[name]
	}
	t.Logf("%d of ZooKeeper's %d metrics exported", exported, len(want))
}

// TestMetrics_TwoServersOneRegistry: the collectors of two servers in one
// process have the same descriptors, so a registry refuses the second
// with AlreadyRegisteredError (which the node takes as "another server
// of this process exports them") rather than panicking or exporting
// every metric twice.
func TestMetrics_TwoServersOneRegistry(t *testing.T) {
	cl := gatewaytest.StartCluster(t, 1)
	s1, _ := startServer(t, cl, 0, gateway.Config{}, nil)
	s2, _ := startServer(t, cl, 0, gateway.Config{}, nil)
	reg := prometheus.NewRegistry()
	if err := reg.Register(s1.Collector()); err != nil {
		t.Fatal(err)
	}
	err := reg.Register(s2.Collector())
	var are prometheus.AlreadyRegisteredError
	if !errors.As(err, &are) {
		t.Fatalf("registering the second server's collector: %v, want AlreadyRegisteredError", err)
	}
	if _, err := reg.Gather(); err != nil {
		t.Fatal(err)
	}
}

var updateMetrics = flag.Bool("update-metrics", false, "rewrite testdata/zookeeper-3.8-prometheus-zkgate.txt from the code")

// TestMetrics_LeftOutRecorded: testdata/zookeeper-3.8-prometheus-zkgate.txt
// says, for each of ZooKeeper 3.8's metrics, whether zkgate exports it or
// why it leaves it out, as the code does (-update-metrics rewrites it).
func TestMetrics_LeftOutRecorded(t *testing.T) {
	var b strings.Builder
	b.WriteString("# zkgate and ZooKeeper 3.8's Prometheus metrics (zookeeper-3.8-prometheus.txt):\n" +
		"# each is exported under ZooKeeper's name and type, or left out for the reason given.\n" +
		"# Written from zkbridge's tables (metrics.go, mntr.go) by\n" +
		"# go test ./zkbridge -run TestMetrics_LeftOutRecorded -update-metrics\n")
	exported, left := 0, 0
	for _, m := range zookeeperPromMetrics(t) {
		if why := zkbridge.PromLeftOutReason(m.name); why != "" {
			fmt.Fprintf(&b, "%s\tleft out: %s\n", m.name, why)
			left++
		} else {
			fmt.Fprintf(&b, "%s\texported\n", m.name)
			exported++
		}
	}
	fmt.Fprintf(&b, "# %d exported, %d left out\n", exported, left)
	path := filepath.Join("testdata", "zookeeper-3.8-prometheus-zkgate.txt")
	if *updateMetrics {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	have, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(have) != b.String() {
		t.Fatalf("%s differs from the code's tables; rewrite it with -update-metrics and review the diff", path)
	}
}

// TestMetrics_Quotas: the quota gauges report, under the namespace's
// name, the hard limit set and the usage counted (the root included, as
// ZooKeeper counts it), and the counter the write refused past it.
func TestMetrics_Quotas(t *testing.T) {
	s := startLeaderServer(t)
	reg := prometheus.NewRegistry()
	if err := reg.Register(s.Collector()); err != nil {
		t.Fatal(err)
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "key" {
					got[f.GetName()+"{"+l.GetValue()+"}"] = m.GetGauge().GetValue() + m.GetCounter().GetValue()
				}
			}
		}
	}
	want := map[string]float64{
		"quota_count_limit_per_namespace{m}":    2,
		"quota_bytes_limit_per_namespace{m}":    -1,
		"quota_count_usage_per_namespace{m}":    2,
		"quota_bytes_usage_per_namespace{m}":    0,
		"quota_exceeded_error_per_namespace{m}": 1,
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %v (exported: %v), want %v", k, g, ok, v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("keyed metrics %v, want %v", got, want)
	}
}
