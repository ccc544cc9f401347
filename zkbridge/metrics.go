package zkbridge

import (
	"context"
	"math"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/zkgate/zkgate/gateway"
)

// promKind is the Prometheus type of one of ZooKeeper's metrics, as its
// PrometheusMetricsProvider exports it: a ZooKeeper Gauge is a gauge, a
// Counter a counter (named without _total: ZooKeeper 3.8 uses the
// Prometheus Java client 0.9.0), a Summary a summary.
type promKind int

const (
	promGauge promKind = iota
	promCounter
	promSummary
)

// advancedQuantiles are those of ZooKeeper's DetailLevel.ADVANCED
// summaries (the request latencies); its BASIC ones have the median only.
var advancedQuantiles = []float64{0.5, 0.9, 0.99}

// promMetric is one of ZooKeeper 3.8's Prometheus metrics that zkgate
// exports, under ZooKeeper's name and type. The names, types and labels
// are measured: zkbridge/testdata/zookeeper-3.8-prometheus.txt.
type promMetric struct {
	name string
	kind promKind
	on   mntrRole
	// quantiles of a summary (nil for a summary whose distribution
	// zkgate does not keep: its count and sum alone are exported).
	quantiles []float64
	// value gives a gauge's or counter's value; ok is false when it
	// cannot be read now (no engine, or etcd did not answer), and the
	// metric is then left out of the scrape.
	value func(*scrape) (v float64, ok bool)
	// summary gives a summary's figures.
	summary func(*scrape) (s promSummaryValues, ok bool)
	// keyed gives the values of a gauge or counter labelled "key" (one
	// of ZooKeeper's GaugeSets or CounterSets), by key.
	keyed func(*scrape) (map[string]float64, bool)
}

// promSummaryValues are a summary's figures; quantiles are in the order
// of promMetric.quantiles.
type promSummaryValues struct {
	count     uint64
	sum       float64
	quantiles []float64
}

// promMetrics are the metrics of ZooKeeper 3.8 that zkgate has a meaning
// for, from the same sources as mntr's keys (mntr.go), in the order a
// ZooKeeper 3.8 leader registers them. Every other metric of ZooKeeper
// is in promLeftOut or, with the same reason, in mntrKeys' leftOut.
var promMetrics = []promMetric{
	{name: "readlatency", kind: promSummary, quantiles: advancedQuantiles, summary: func(m *scrape) (promSummaryValues, bool) {
		return latencySummary(&m.s.stats.readLat), true
	}},
	{name: "updatelatency", kind: promSummary, quantiles: advancedQuantiles, summary: func(m *scrape) (promSummaryValues, bool) {
		return latencySummary(&m.s.stats.updateLat), true
	}},
	{name: "connection_request_count", kind: promCounter, value: stat(func(s *stats) int64 { return s.connectRequests.Load() })},
	{name: "bytes_received_count", kind: promCounter, value: stat(func(s *stats) int64 { return s.bytesReceived.Load() })},
	{name: "node_created_watch_count", kind: promSummary, summary: fired(gateway.EventNodeCreated)},
	{name: "node_deleted_watch_count", kind: promSummary, summary: fired(gateway.EventNodeDeleted)},
	{name: "node_changed_watch_count", kind: promSummary, summary: fired(gateway.EventNodeDataChanged)},
	{name: "node_children_watch_count", kind: promSummary, summary: fired(gateway.EventNodeChildrenChanged)},
	{name: "sessionless_connections_expired", kind: promCounter, value: stat(func(s *stats) int64 { return s.handshakeExpired.Load() })},
	{name: "large_requests_rejected", kind: promCounter, value: stat(func(s *stats) int64 { return s.tooLarge.Load() })},
	{name: "unsuccessful_handshake", kind: promCounter, value: stat(func(s *stats) int64 { return s.tlsFailed.Load() })},
	{name: "cnxn_closed_without_zk_server_running", kind: promCounter, value: stat(func(s *stats) int64 { return s.refusedNoQuorum.Load() })},
	{name: "response_bytes", kind: promCounter, value: stat(func(s *stats) int64 { return s.responseBytes.Load() })},
	{name: "quota_exceeded_error_per_namespace", kind: promCounter, keyed: func(m *scrape) (map[string]float64, bool) {
		if m.e == nil {
			return nil, false
		}
		out := map[string]float64{}
		for ns, n := range m.e.QuotaExceeded() {
			out[ns] = float64(n)
		}
		return out, true
	}},
	{name: "avg_latency", value: func(m *scrape) (float64, bool) { return round4(m.lat.avgMicros / 1000), true }},
	{name: "max_latency", value: func(m *scrape) (float64, bool) { return float64(m.lat.max), true }},
	{name: "min_latency", value: func(m *scrape) (float64, bool) { return float64(m.lat.min), true }},
	{name: "packets_received", value: stat(func(s *stats) int64 { return s.received.Load() })},
	{name: "packets_sent", value: stat(func(s *stats) int64 { return s.sent.Load() })},
	{name: "num_alive_connections", value: func(m *scrape) (float64, bool) { return float64(m.conns), true }},
	{name: "outstanding_requests", value: stat(func(s *stats) int64 { return s.outstanding.Load() })},
	{name: "uptime", value: func(m *scrape) (float64, bool) { return float64(time.Since(m.s.started).Milliseconds()), true }},
	{name: "znode_count", value: func(m *scrape) (float64, bool) { return float64(zkNodeCount(m.znodes)), m.countsOK }},
	{name: "watch_count", value: func(m *scrape) (float64, bool) { return float64(m.watches), m.e != nil }},
	{name: "ephemerals_count", value: func(m *scrape) (float64, bool) { return float64(m.ephemerals), m.countsOK }},
	{name: "approximate_data_size", value: func(m *scrape) (float64, bool) { return float64(m.dataSize), m.sizeOK }},
	{name: "global_sessions", value: func(m *scrape) (float64, bool) { return float64(m.sessions), m.countsOK }},
	// Every zkgate session is global (an etcd lease), as mntr says.
	{name: "local_sessions", value: func(*scrape) (float64, bool) { return 0, true }},
	{name: "open_file_descriptor_count", value: func(m *scrape) (float64, bool) { return float64(m.fdOpen), m.fdOpen >= 0 }},
	{name: "max_file_descriptor_count", value: func(m *scrape) (float64, bool) { return float64(m.fdMax), m.fdMax >= 0 }},
	{name: "last_client_response_size", value: func(m *scrape) (float64, bool) { l, _, _ := m.s.stats.responseSize.read(); return float64(l), true }},
	{name: "max_client_response_size", value: func(m *scrape) (float64, bool) { _, _, x := m.s.stats.responseSize.read(); return float64(x), true }},
	{name: "min_client_response_size", value: func(m *scrape) (float64, bool) { _, n, _ := m.s.stats.responseSize.read(); return float64(n), true }},
	{name: "outstanding_tls_handshake", value: stat(func(s *stats) int64 { return s.tlsHandshakes.Load() })},
	{name: "auth_failed_count", value: stat(func(s *stats) int64 { return s.authFailed.Load() })},
	{name: "quota_count_limit_per_namespace", keyed: quotas(func(f gateway.QuotaFigures) (int64, bool) { return f.CountLimit, f.HasLimits })},
	{name: "quota_bytes_limit_per_namespace", keyed: quotas(func(f gateway.QuotaFigures) (int64, bool) { return f.BytesLimit, f.HasLimits })},
	{name: "quota_count_usage_per_namespace", keyed: quotas(func(f gateway.QuotaFigures) (int64, bool) { return f.Count, f.HasUsage })},
	{name: "quota_bytes_usage_per_namespace", keyed: quotas(func(f gateway.QuotaFigures) (int64, bool) { return f.Bytes, f.HasUsage })},
	{name: "quorum_size", on: onQuorum, value: func(m *scrape) (float64, bool) { return float64(m.q.Voters), true }},
	{name: "learners", on: onLeader, value: func(m *scrape) (float64, bool) { return float64(m.q.Learners), true }},
	{name: "synced_followers", on: onLeader, value: func(m *scrape) (float64, bool) { return float64(m.q.SyncedFollowers), true }},
	{name: "synced_non_voting_followers", on: onLeader, value: func(m *scrape) (float64, bool) { return float64(m.q.SyncedNonVoting), true }},
	{name: "pending_syncs", on: onLeader, value: stat(func(s *stats) int64 { return s.pendingSyncs.Load() })},
	{name: "leader_uptime", on: onLeader, value: func(m *scrape) (float64, bool) {
		return float64(time.Since(m.q.LeaderSince).Milliseconds()), true
	}},
}

// promLeftOut are ZooKeeper 3.8's Prometheus metrics that are not mntr
// keys (or not under the same name), with why zkgate does not export
// them. Every other metric zkgate leaves out is a key mntr leaves out
// too, for the reason in mntrKeys.
var promLeftOut = map[string]string{
	"write_per_namespace":        "bytes written per top-level znode (a summary labelled by key); as mntr's _write_per_namespace",
	"read_per_namespace":         "bytes read per top-level znode (a summary labelled by key); as mntr's _read_per_namespace",
	"learner_handler_qp_size":    "the queue of each of ZooKeeper's learner handlers (labelled by server id); " + whyLearner,
	"learner_handler_qp_time_ms": "as learner_handler_qp_size",
	"ack_latency":                "the acknowledgements of each of the leader's followers (labelled by server id); " + whyZab,
}

// promLeftOutReason is why zkgate does not export ZooKeeper's metric
// name, or "" if it does or does not know the name.
func promLeftOutReason(name string) string {
	if why, ok := promLeftOut[name]; ok {
		return why
	}
	for _, k := range mntrKeys {
		if k.name == name {
			return k.leftOut
		}
	}
	return ""
}

// quotas is one of the quota_*_per_namespace gauges: f's figure of each
// namespace that has it, by namespace (the label "key").
func quotas(f func(gateway.QuotaFigures) (int64, bool)) func(*scrape) (map[string]float64, bool) {
	return func(m *scrape) (map[string]float64, bool) {
		if !m.quotasOK {
			return nil, false
		}
		out := map[string]float64{}
		for ns, q := range m.quotas {
			if v, ok := f(q); ok {
				out[ns] = float64(v)
			}
		}
		return out, true
	}
}

// stat is a gauge's or counter's value read from the server's stats.
func stat(f func(*stats) int64) func(*scrape) (float64, bool) {
	return func(m *scrape) (float64, bool) { return float64(f(&m.s.stats)), true }
}

// latencySummary is a latency summary in milliseconds, as ZooKeeper's:
// its quantiles are those of every sample since the server started
// (ZooKeeper's Prometheus summaries forget samples after ten minutes).
func latencySummary(s *summary) promSummaryValues {
	v := s.read()
	out := promSummaryValues{count: uint64(v.count), sum: float64(v.sum)}
	p := s.percentiles(v.max)
	for _, q := range advancedQuantiles {
		if v.count == 0 {
			out.quantiles = append(out.quantiles, math.NaN())
		} else {
			out.quantiles = append(out.quantiles, float64(p.at(q)))
		}
	}
	return out
}

// fired is a node_*_watch_count summary: count and sum of the watches
// events of type t fired (the engine keeps no distribution of them, so
// the summary has no quantile).
func fired(t gateway.EventType) func(*scrape) (promSummaryValues, bool) {
	return func(m *scrape) (promSummaryValues, bool) {
		if m.e == nil {
			return promSummaryValues{}, false
		}
		f := m.fired[t]
		return promSummaryValues{count: uint64(f.Count), sum: float64(f.Sum)}, true
	}
}

// scrape is what one Collect exports, gathered once.
type scrape struct {
	s    *Server
	e    *gateway.Engine // nil unless serving (a quorum is reached)
	q    QuorumStatus
	role mntrRole

	countsOK                     bool
	znodes, ephemerals, sessions int64
	sizeOK                       bool
	dataSize                     int64
	watches                      int
	conns, sessionConns          int
	fdOpen, fdMax                int64
	lat                          summaryValues
	fired                        map[gateway.EventType]gateway.WatchFiring
	es                           gateway.EngineStats
	lagOK                        bool
	lag                          int64
	oldestOK                     bool
	oldest                       int64
	quotasOK                     bool
	quotas                       map[string]gateway.QuotaFigures
}

// scrapeTimeout bounds the etcd reads of one scrape (counts, data size,
// the cluster's revision).
const scrapeTimeout = 5 * time.Second

func (s *Server) gather() *scrape {
	m := &scrape{s: s, e: s.serving()}
	if s.cfg.Quorum != nil {
		var in bool
		if m.q, in = s.cfg.Quorum(); in {
			m.role = onQuorum
			if m.q.Leader {
				m.role = onLeader
			}
		}
	}
	conns := s.connections()
	m.conns = len(conns)
	for _, c := range conns {
		if c.sessionID.Load() != 0 {
			m.sessionConns++
		}
	}
	m.fdOpen, m.fdMax = fileDescriptors()
	m.lat = s.stats.latency.read()
	if m.e == nil {
		return m
	}
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	var err error
	if m.znodes, m.ephemerals, m.sessions, err = m.e.Counts(ctx); err == nil {
		m.countsOK = true
	} else {
		s.lg.Debug("metrics: counting znodes", zap.Error(err))
	}
	if m.dataSize, err = s.dataSize(ctx, m.e); err == nil {
		m.sizeOK = true
	} else {
		s.lg.Debug("metrics: approximate data size", zap.Error(err))
	}
	if m.lag, err = m.e.HubLag(ctx); err == nil {
		m.lagOK = true
	} else {
		s.lg.Debug("metrics: watch hub lag", zap.Error(err))
	}
	if m.oldest, err = m.e.OldestZxid(ctx); err == nil {
		m.oldestOK = true
	} else {
		s.lg.Debug("metrics: oldest zxid", zap.Error(err))
	}
	if m.quotas, err = m.e.QuotaFigures(ctx); err == nil {
		m.quotasOK = true
	} else {
		s.lg.Debug("metrics: quotas", zap.Error(err))
	}
	m.watches, _ = m.e.WatchCount()
	m.fired = m.e.WatchesFired()
	m.es = m.e.Stats()
	return m
}

// The zkgate_ metrics: zkgate's own, beside ZooKeeper's.
var (
	descBatches = prometheus.NewDesc("zkgate_commit_batches_total",
		"Batches of writes the committer handed to etcd, one transaction each.", nil, nil)
	descBatchSize = prometheus.NewDesc("zkgate_commit_batch_requests",
		"Requests per batch the committer handed to etcd.", nil, nil)
	descRedone = prometheus.NewDesc("zkgate_commit_redone_total",
		"Batches whose compares failed (a conflicting write, or a failed batch before them); their requests were validated again.", nil, nil)
	descOvertaken = prometheus.NewDesc("zkgate_commit_overtaken_total",
		"Redone batches that failed only for reaching etcd before the batch before them.", nil, nil)
	descOldest = prometheus.NewDesc("zkgate_history_oldest_zxid",
		"The oldest zxid reads at a past zxid, ctl history and watch --since can reach (etcd's last compaction; serve --history-retention).", nil, nil)
	descTurns = prometheus.NewDesc("zkgate_commit_turns_total",
		"Turns the committer took because its requests lost to other gateway nodes' writes several times in a row.", nil, nil)
	descTurnWaits = prometheus.NewDesc("zkgate_commit_turn_waits_total",
		"Turns of other gateway nodes the committer waited for.", nil, nil)
	descLocalReads = prometheus.NewDesc("zkgate_local_reads_total",
		"Reads served from the embedded etcd member's store directly (always 0 in front of an external etcd).", nil, nil)
	descKeyHits = prometheus.NewDesc("zkgate_commit_key_cache_hits_total",
		"Keys the committer took from its cache of the keys it last read and wrote, instead of reading them from etcd.", nil, nil)
	descReadKeyHits = prometheus.NewDesc("zkgate_read_key_cache_hits_total",
		"Reads whose keys all came from the key cache, without reading the embedded etcd member's store (counted in zkgate_local_reads_total too).", nil, nil)
	descKeyMisses = prometheus.NewDesc("zkgate_commit_key_cache_misses_total",
		"Keys the committer read from etcd (not in its key cache, or dropped by a later change).", nil, nil)
	descHubLag = prometheus.NewDesc("zkgate_watch_hub_lag_revisions",
		"Revisions the watch hub (the revision reads are served at) is behind the cluster's newest.", nil, nil)
	descChildrenHits = prometheus.NewDesc("zkgate_children_cache_hits_total",
		"getChildren answered from the children cache.", nil, nil)
	descChildrenMisses = prometheus.NewDesc("zkgate_children_cache_misses_total",
		"getChildren that read the children from etcd (the first read of a parent, or one while it loads).", nil, nil)
	descSessions = prometheus.NewDesc("zkgate_sessions",
		"ZooKeeper sessions connected to this node (global_sessions counts the cluster's).", nil, nil)
	descWords = prometheus.NewDesc("zkgate_four_letter_words_total",
		"Four-letter words answered, by word.", []string{"word"}, nil)
)

// collector exports a Server's metrics; see Server.Collector.
type collector struct {
	s     *Server
	descs map[string]*prometheus.Desc
}

// Collector returns the Prometheus collector of the server's metrics:
// ZooKeeper 3.8's under its names and types (promMetrics), and zkgate's
// own under zkgate_. It reads every value when it is collected (the
// counts of znodes, ephemerals and sessions, the data size and the
// cluster's revision with etcd reads bounded by scrapeTimeout); nothing
// polls in the background. Collectors of two servers have the same
// descriptors: a registry takes one of them (prometheus.Register answers
// AlreadyRegisteredError for the second).
func (s *Server) Collector() prometheus.Collector {
	c := &collector{s: s, descs: map[string]*prometheus.Desc{}}
	for _, m := range promMetrics {
		var labels []string
		if m.keyed != nil {
			labels = []string{"key"}
		}
		c.descs[m.name] = prometheus.NewDesc(m.name, m.name, labels, nil)
	}
	return c
}

func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, m := range promMetrics {
		ch <- c.descs[m.name]
	}
	for _, d := range []*prometheus.Desc{descBatches, descBatchSize, descRedone, descOvertaken, descTurns, descTurnWaits, descOldest, descLocalReads, descReadKeyHits, descKeyHits, descKeyMisses, descHubLag, descChildrenHits, descChildrenMisses, descSessions, descWords} {
		ch <- d
	}
}

func (c *collector) Collect(ch chan<- prometheus.Metric) {
	m := c.s.gather()
	for _, pm := range promMetrics {
		if pm.on > m.role {
			continue
		}
		d := c.descs[pm.name]
		switch pm.kind {
		case promSummary:
			v, ok := pm.summary(m)
			if !ok {
				continue
			}
			var qs map[float64]float64
			if pm.quantiles != nil {
				qs = make(map[float64]float64, len(pm.quantiles))
				for i, q := range pm.quantiles {
					qs[q] = v.quantiles[i]
				}
			}
			ch <- prometheus.MustNewConstSummary(d, v.count, v.sum, qs)
		default:
			t := prometheus.GaugeValue
			if pm.kind == promCounter {
				t = prometheus.CounterValue
			}
			if pm.keyed != nil {
				vs, ok := pm.keyed(m)
				if !ok {
					continue
				}
				for key, v := range vs {
					ch <- prometheus.MustNewConstMetric(d, t, v, key)
				}
				continue
			}
			v, ok := pm.value(m)
			if !ok {
				continue
			}
			ch <- prometheus.MustNewConstMetric(d, t, v)
		}
	}
	ch <- prometheus.MustNewConstMetric(descSessions, prometheus.GaugeValue, float64(m.sessionConns))
	for _, w := range c.s.stats.words.read() {
		ch <- prometheus.MustNewConstMetric(descWords, prometheus.CounterValue, float64(w.n), w.word)
	}
	if m.e == nil {
		return
	}
	es := m.es
	ch <- prometheus.MustNewConstMetric(descBatches, prometheus.CounterValue, float64(es.Batches))
	buckets := make(map[float64]uint64, len(es.BatchSizes.Bounds))
	var cum int64
	for i, b := range es.BatchSizes.Bounds {
		cum += es.BatchSizes.Counts[i]
		buckets[float64(b)] = uint64(cum)
	}
	ch <- prometheus.MustNewConstHistogram(descBatchSize, uint64(es.BatchSizes.Count), float64(es.BatchSizes.Sum), buckets)
	ch <- prometheus.MustNewConstMetric(descRedone, prometheus.CounterValue, float64(es.Redone))
	ch <- prometheus.MustNewConstMetric(descOvertaken, prometheus.CounterValue, float64(es.Overtaken))
	ch <- prometheus.MustNewConstMetric(descTurns, prometheus.CounterValue, float64(es.Turns))
	ch <- prometheus.MustNewConstMetric(descTurnWaits, prometheus.CounterValue, float64(es.TurnWaits))
	ch <- prometheus.MustNewConstMetric(descLocalReads, prometheus.CounterValue, float64(es.LocalReads))
	ch <- prometheus.MustNewConstMetric(descKeyHits, prometheus.CounterValue, float64(es.KeyHits))
	ch <- prometheus.MustNewConstMetric(descReadKeyHits, prometheus.CounterValue, float64(es.ReadKeyHits))
	ch <- prometheus.MustNewConstMetric(descKeyMisses, prometheus.CounterValue, float64(es.KeyMisses))
	ch <- prometheus.MustNewConstMetric(descChildrenHits, prometheus.CounterValue, float64(es.ChildrenHits))
	ch <- prometheus.MustNewConstMetric(descChildrenMisses, prometheus.CounterValue, float64(es.ChildrenMisses))
	if m.lagOK {
		ch <- prometheus.MustNewConstMetric(descHubLag, prometheus.GaugeValue, float64(m.lag))
	}
	if m.oldestOK {
		ch <- prometheus.MustNewConstMetric(descOldest, prometheus.GaugeValue, float64(m.oldest))
	}
}

// wordCounts counts the four-letter words answered, by word.
type wordCounts struct {
	mu sync.Mutex
	n  map[string]int64
}

func (w *wordCounts) add(word string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.n == nil {
		w.n = map[string]int64{}
	}
	w.n[word]++
}

type wordCount struct {
	word string
	n    int64
}

// read returns the counts, by word.
func (w *wordCounts) read() []wordCount {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]wordCount, 0, len(w.n))
	for word, n := range w.n {
		out = append(out, wordCount{word, n})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].word < out[j].word })
	return out
}

// dataSizeTTL is how long a scrape reuses approximate_data_size at
// least: it reads every znode's record, too much to do on each scrape
// (and the console's sampler gathers every 5 s) of a large namespace.
// dataSizeShare bounds the share of time spent computing it: a
// computation that took d is reused for dataSizeShare times d if that is
// longer (a second's read of a million znodes, for 100 s).
const (
	dataSizeTTL   = 30 * time.Second
	dataSizeShare = 100
)

// sizeCache is the last approximate data size a scrape computed.
type sizeCache struct {
	mu    sync.Mutex
	at    time.Time
	ttl   time.Duration
	bytes int64
}

// dataSize is e's approximate data size, computed at most once per
// dataSizeTTL, or per dataSizeShare times the last computation's time.
func (s *Server) dataSize(ctx context.Context, e *gateway.Engine) (int64, error) {
	c := &s.sizes
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.at.IsZero() && time.Since(c.at) < c.ttl {
		return c.bytes, nil
	}
	start := time.Now()
	n, err := e.ApproximateDataSize(ctx)
	if err != nil {
		return 0, err
	}
	c.at, c.bytes = time.Now(), n
	c.ttl = max(dataSizeTTL, dataSizeShare*c.at.Sub(start))
	return n, nil
}
