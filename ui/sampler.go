package ui

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// Metrics are the metric families the Sampler keeps, by name: the
// ZooKeeper-named ones (num_alive_connections, watch_count,
// packets_received, readlatency, updatelatency) where the node has them,
// and etcd's and gRPC's. A name the gatherer does not have is left out of
// a sample, so the page charts whatever exists.
var Metrics = []string{
	// ZooKeeper's names.
	"packets_received", "packets_sent", "num_alive_connections", "watch_count",
	"readlatency", "updatelatency", "outstanding_requests", "znode_count", "ephemerals_count",
	// etcd and gRPC.
	"grpc_server_handled_total", "grpc_server_started_total", "grpc_server_handling_seconds",
	"etcd_server_proposals_committed_total", "etcd_server_proposals_applied_total",
	"etcd_disk_wal_fsync_duration_seconds", "etcd_disk_backend_commit_duration_seconds",
	"etcd_debugging_mvcc_watcher_total", "etcd_mvcc_db_total_size_in_bytes",
	"etcd_network_client_grpc_received_bytes_total",
}

// Sample is the value of each metric kept, at one time: a counter or
// gauge under its name (summed over its labels), a histogram or summary
// as NAME_sum and NAME_count.
type Sample struct {
	T int64              `json:"t"` // ms since the epoch
	V map[string]float64 `json:"v"`
}

// Series is what /ui/api/series answers: the samples of the last hour,
// oldest first, and each metric's type ("counter", "gauge", "histogram",
// "summary").
type Series struct {
	IntervalMS int64             `json:"interval_ms"`
	Types      map[string]string `json:"types"`
	Samples    []Sample          `json:"samples"`
}

// Sampler reads a Prometheus gatherer every interval and keeps the last
// hour of samples in memory, in a ring.
type Sampler struct {
	g        prometheus.Gatherer
	interval time.Duration
	keep     map[string]bool

	mu    sync.Mutex
	ring  []Sample // len = capacity
	next  int      // where the next sample goes
	full  bool
	types map[string]string
}

// NewSampler returns a Sampler of g (prometheus.DefaultGatherer in
// zkgate) keeping window of samples taken every interval. Run it.
func NewSampler(g prometheus.Gatherer, interval, window time.Duration) *Sampler {
	n := max(int(window/interval), 1)
	keep := make(map[string]bool, len(Metrics))
	for _, m := range Metrics {
		keep[m] = true
	}
	return &Sampler{g: g, interval: interval, keep: keep, ring: make([]Sample, n), types: map[string]string{}}
}

// Run samples until ctx is done, once at once and then every interval.
func (s *Sampler) Run(ctx context.Context) {
	t := time.NewTicker(s.interval)
	defer t.Stop()
	for {
		s.Sample(time.Now())
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Sample takes one sample, at time now.
func (s *Sampler) Sample(now time.Time) {
	mfs, err := s.g.Gather()
	if err != nil && len(mfs) == 0 {
		return // a partial gather still has the families that worked
	}
	v := map[string]float64{}
	types := map[string]string{}
	for _, mf := range mfs {
		name := mf.GetName()
		if !s.keep[name] {
			continue
		}
		switch mf.GetType() {
		case dto.MetricType_COUNTER:
			types[name] = "counter"
			for _, m := range mf.GetMetric() {
				v[name] += m.GetCounter().GetValue()
			}
		case dto.MetricType_GAUGE:
			types[name] = "gauge"
			for _, m := range mf.GetMetric() {
				v[name] += m.GetGauge().GetValue()
			}
		case dto.MetricType_UNTYPED:
			types[name] = "gauge"
			for _, m := range mf.GetMetric() {
				v[name] += m.GetUntyped().GetValue()
			}
		case dto.MetricType_HISTOGRAM, dto.MetricType_GAUGE_HISTOGRAM:
			types[name] = "histogram"
			for _, m := range mf.GetMetric() {
				v[name+"_sum"] += m.GetHistogram().GetSampleSum()
				v[name+"_count"] += float64(m.GetHistogram().GetSampleCount())
			}
		case dto.MetricType_SUMMARY:
			types[name] = "summary"
			for _, m := range mf.GetMetric() {
				v[name+"_sum"] += m.GetSummary().GetSampleSum()
				v[name+"_count"] += float64(m.GetSummary().GetSampleCount())
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ring[s.next] = Sample{T: now.UnixMilli(), V: v}
	s.next = (s.next + 1) % len(s.ring)
	if s.next == 0 {
		s.full = true
	}
	for k, t := range types {
		s.types[k] = t
	}
}

// Series returns the samples kept, oldest first. A nil Sampler has none.
func (s *Sampler) Series() Series {
	if s == nil {
		return Series{Types: map[string]string{}, Samples: []Sample{}}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := Series{IntervalMS: s.interval.Milliseconds(), Types: make(map[string]string, len(s.types))}
	for k, t := range s.types {
		out.Types[k] = t
	}
	if s.full {
		out.Samples = append(out.Samples, s.ring[s.next:]...)
	}
	out.Samples = append(out.Samples, s.ring[:s.next]...)
	if out.Samples == nil {
		out.Samples = []Sample{}
	}
	return out
}
