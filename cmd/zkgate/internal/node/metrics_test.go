package node

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// zkMetricSamples is how many samples of znode_count the default
// registry, which /metrics serves, gathers.
func zkMetricSamples(t *testing.T) int {
	t.Helper()
	fams, err := prometheus.DefaultGatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() == "znode_count" {
			return len(f.GetMetric())
		}
	}
	return 0
}

// TestNode_TwoNodesOneProcessMetrics: two nodes in one process start
// without a duplicate registration panic; the first registers the
// ZooKeeper metrics, the second leaves them to it; once the first stops,
// a node started after it registers its own.
func TestNode_TwoNodesOneProcessMetrics(t *testing.T) {
	start := func(name string) *Node {
		n, err := Start(context.Background(), testConfig(t, filepath.Join(t.TempDir(), name)), quietLogs(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { n.Close() })
		waitReady(t, n)
		return n
	}
	registered := func(n *Node) bool {
		n.mu.Lock()
		defer n.mu.Unlock()
		return n.zkMetrics != nil
	}
	first, second := start("a"), start("b")
	if !registered(first) || registered(second) {
		t.Fatalf("registered: first %v, second %v; want the first only", registered(first), registered(second))
	}
	if got := zkMetricSamples(t); got != 1 {
		t.Fatalf("znode_count has %d samples with two nodes, want 1", got)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	if got := zkMetricSamples(t); got != 0 {
		t.Fatalf("znode_count has %d samples after the registered node stopped, want 0", got)
	}
	third := start("c")
	if !registered(third) || zkMetricSamples(t) != 1 {
		t.Fatal("a node started after the first stopped did not register its metrics")
	}
}
