package zkbridge

import (
	"encoding/binary"
	"math"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/zkgate/zkgate/zkbridge/jute"
)

// stats are the request statistics srvr, stat, cons and mntr report. Every
// figure is an atomic, so counting costs a request a few uncontended
// atomic adds and no lock.
type stats struct {
	received, sent atomic.Int64 // packets, as ZooKeeper's packets_received/sent
	outstanding    atomic.Int64 // requests being worked on

	bytesReceived   atomic.Int64 // request bytes read, frames included (bytes_received_count)
	responseBytes   atomic.Int64 // reply and event bytes written (response_bytes)
	responseSize    sizeGauge    // last/min/max reply size (client_response_size)
	connectRequests atomic.Int64 // ConnectRequests read (connection_request_count)
	authFailed      atomic.Int64 // auth packets answered AuthFailed (auth_failed_count)
	tooLarge        atomic.Int64 // connections closed for a packet over MaxPacket (large_requests_rejected)
	// handshakeExpired counts connections closed for sending no
	// ConnectRequest (or four-letter word) within HandshakeTimeout
	// (sessionless_connections_expired).
	handshakeExpired atomic.Int64
	// refusedNoQuorum counts handshakes refused because this node cannot
	// reach a quorum (cnxn_closed_without_zk_server_running).
	refusedNoQuorum atomic.Int64
	tlsHandshakes   atomic.Int64 // TLS handshakes in progress (outstanding_tls_handshake)
	tlsFailed       atomic.Int64 // TLS handshakes that failed (unsuccessful_handshake)
	pendingSyncs    atomic.Int64 // sync requests in flight (pending_syncs)

	latency   summary // every request, for srvr's Latency and mntr's zk_*_latency
	readLat   summary // requests that change nothing (readlatency)
	updateLat summary // requests that write, sessions opened and closed (updatelatency)

	words wordCounts // four-letter words answered (zkgate_four_letter_words_total)
}

// reset clears what srst clears: packet counts and latencies.
func (s *stats) reset() {
	s.received.Store(0)
	s.sent.Store(0)
	s.latency.reset()
}

// sizeGauge is a last/min/max of sizes; -1 until the first one, as
// ZooKeeper prints it.
type sizeGauge struct {
	set       atomic.Bool
	last, max atomic.Int64
	min       minimum
}

func (g *sizeGauge) add(n int64) {
	g.last.Store(n)
	g.min.add(n)
	storeMax(&g.max, n)
	g.set.Store(true)
}

// read returns last, min and max, or -1 for each when nothing was added.
func (g *sizeGauge) read() (last, minN, maxN int64) {
	if !g.set.Load() {
		return -1, -1, -1
	}
	return g.last.Load(), g.min.get(), g.max.Load()
}

// minimum is the least of non-negative samples, 0 before the first
// (kept plus one, so that the zero value means none yet and concurrent
// first samples need no special case).
type minimum struct{ plus1 atomic.Int64 }

func (m *minimum) add(n int64) {
	for {
		v := m.plus1.Load()
		if (v != 0 && n+1 >= v) || m.plus1.CompareAndSwap(v, n+1) {
			return
		}
	}
}

func (m *minimum) get() int64 {
	if v := m.plus1.Load(); v > 0 {
		return v - 1
	}
	return 0
}

func (m *minimum) reset() { m.plus1.Store(0) }

func storeMax(a *atomic.Int64, n int64) {
	for {
		v := a.Load()
		if n <= v || a.CompareAndSwap(v, n) {
			return
		}
	}
}

// summary is ZooKeeper's AvgMinMaxPercentileCounter: count, sum, min and
// max of integer samples (milliseconds for latencies), and percentiles
// from a histogram: exact for 0..exactBuckets-1, then one bucket per
// power of two. Samples are added with atomics only.
type summary struct {
	count, sum atomic.Int64
	// sumMicros is the sum of latency samples in microseconds, so that
	// srvr's average shows sub-millisecond latencies (ZooKeeper's
	// integer milliseconds would print 0.0 for nearly every request here).
	sumMicros atomic.Int64
	min       minimum
	max       atomic.Int64
	buckets   [exactBuckets + 64]atomic.Int64
}

const exactBuckets = 256

func bucketOf(v int64) int {
	if v < 0 {
		v = 0
	}
	if v < exactBuckets {
		return int(v)
	}
	b := exactBuckets
	for x := v; x >= exactBuckets; x >>= 1 {
		b++
	}
	return b
}

// bucketValue is the largest value of bucket b (what a percentile that
// falls in it reports).
func bucketValue(b int) int64 {
	if b < exactBuckets {
		return int64(b)
	}
	return int64(exactBuckets)<<(b-exactBuckets+1) - 1
}

// addDuration adds a latency: milliseconds as ZooKeeper counts them
// (truncated), and microseconds for the srvr average.
func (s *summary) addDuration(d time.Duration) {
	s.sumMicros.Add(d.Microseconds())
	s.add(d.Milliseconds())
}

func (s *summary) add(v int64) {
	v = max(v, 0)
	s.count.Add(1)
	s.sum.Add(v)
	s.min.add(v)
	storeMax(&s.max, v)
	s.buckets[bucketOf(v)].Add(1)
}

func (s *summary) reset() {
	s.count.Store(0)
	s.sum.Store(0)
	s.sumMicros.Store(0)
	s.min.reset()
	s.max.Store(0)
	for i := range s.buckets {
		s.buckets[i].Store(0)
	}
}

// summaryValues is a summary's figures as mntr prints them.
type summaryValues struct {
	avg                  float64
	min, max, count, sum int64
	p50, p95, p99, p999  int64
	avgMicros            float64 // average in microseconds
}

func (s *summary) read() summaryValues {
	n := s.count.Load()
	if n == 0 {
		return summaryValues{}
	}
	v := summaryValues{count: n, sum: s.sum.Load(), min: s.min.get(), max: s.max.Load()}
	v.avg = float64(v.sum) / float64(n)
	v.avgMicros = float64(s.sumMicros.Load()) / float64(n)
	p := s.percentiles(v.max)
	v.p50, v.p95, v.p99, v.p999 = p.at(0.5), p.at(0.95), p.at(0.99), p.at(0.999)
	return v
}

// percentiles is a copy of a summary's histogram, to read percentiles
// from.
type percentiles struct {
	counts [exactBuckets + 64]int64
	total  int64
	max    int64 // the summary's max, which no percentile exceeds
}

func (s *summary) percentiles(maxV int64) *percentiles {
	p := &percentiles{max: maxV}
	for i := range s.buckets {
		p.counts[i] = s.buckets[i].Load()
		p.total += p.counts[i]
	}
	return p
}

// at is the q-th percentile (0 < q <= 1): the largest value of the
// bucket the sample of rank ceil(q*total) falls in, at most max; 0
// without samples.
func (p *percentiles) at(q float64) int64 {
	if p.total == 0 {
		return 0
	}
	rank := int64(math.Ceil(q * float64(p.total)))
	var seen int64
	for i, c := range p.counts {
		seen += c
		if seen >= rank {
			return min(bucketValue(i), p.max)
		}
	}
	return p.max
}

// javaDouble formats f as Java's Double.toString does for the values
// mntr prints: "0.0", "3.0909", "481.0"; scientific notation ("1.0E7")
// from 10^7 up and below 10^-3, as Java switches.
func javaDouble(f float64) string {
	if f == 0 {
		return "0.0"
	}
	a := math.Abs(f)
	if a >= 1e-3 && a < 1e7 {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !containsDot(s) {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(f, 'E', -1, 64) // 1E+07, 1.5E-05
	mant, exp := s, ""
	for i := range s {
		if s[i] == 'E' {
			mant, exp = s[:i], s[i+1:]
			break
		}
	}
	if !containsDot(mant) {
		mant += ".0"
	}
	if exp[0] == '+' {
		exp = exp[1:]
	}
	e, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(e)
}

func containsDot(s string) bool {
	for i := range s {
		if s[i] == '.' {
			return true
		}
	}
	return false
}

// round4 rounds to four decimals, as ZooKeeper rounds its averages.
func round4(f float64) float64 { return math.Round(f*10000) / 10000 }

// countSent counts a packet written to a client (pkt has its length
// prefix, which ZooKeeper's response sizes leave out).
func (s *stats) countSent(pkt []byte) {
	s.sent.Add(1)
	n := int64(len(pkt) - 4)
	s.responseBytes.Add(n)
	s.responseSize.add(n)
}

// requestDone records a request's latency: in every request's summary,
// and in updatelatency if it writes (as ZooKeeper: a request that
// carries a transaction), else in readlatency.
func (s *stats) requestDone(pkt []byte, d time.Duration) {
	s.latency.addDuration(d)
	if isUpdate(pkt) {
		s.updateLat.addDuration(d)
	} else {
		s.readLat.addDuration(d)
	}
}

// isUpdate reports whether a request packet writes.
func isUpdate(pkt []byte) bool {
	if kindOf(pkt) == kindWrite {
		return true
	}
	if len(pkt) < 8 {
		return false
	}
	op := jute.OpCode(int32(binary.BigEndian.Uint32(pkt[4:8])))
	return op == jute.OpCloseSession || op == jute.OpReconfig
}

// connStats are one connection's figures for cons (lcxid, lzxid, lresp,
// llat, minlat, avglat, maxlat), atomics as stats.
type connStats struct {
	lastXid    atomic.Int32
	lastResp   atomic.Int64 // ms since the server started, when the last reply was made
	lastLat    atomic.Int64 // ms
	count, sum atomic.Int64 // ms
	min        minimum
	max        atomic.Int64
}

func (cs *connStats) done(xid int32, d time.Duration, at time.Duration) {
	ms := d.Milliseconds()
	if xid > 0 {
		cs.lastXid.Store(xid)
	}
	cs.lastResp.Store(at.Milliseconds())
	cs.lastLat.Store(ms)
	cs.count.Add(1)
	cs.sum.Add(ms)
	cs.min.add(ms)
	storeMax(&cs.max, ms)
}

func (cs *connStats) reset() {
	cs.lastLat.Store(0)
	cs.count.Store(0)
	cs.sum.Store(0)
	cs.min.reset()
	cs.max.Store(0)
}
