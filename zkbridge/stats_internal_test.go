package zkbridge

import (
	"testing"
	"time"
)

// TestJavaDouble_AsJavaPrintsIt: averages print as Java's
// Double.toString, as in ZooKeeper 3.8's mntr (values from captures).
func TestJavaDouble_AsJavaPrintsIt(t *testing.T) {
	for _, c := range []struct {
		f    float64
		want string
	}{
		{0, "0.0"}, {481, "481.0"}, {0.2, "0.2"}, {round4(1.0 / 12), "0.0833"}, {round4(33.0 / 8), "4.125"},
		{round4(34.0 / 11), "3.0909"}, {1e7, "1.0E7"}, {12345678.5, "1.23456785E7"}, {0.0001, "1.0E-4"},
	} {
		if got := javaDouble(c.f); got != c.want {
			t.Errorf("javaDouble(%v) = %q, want %q", c.f, got, c.want)
		}
	}
}

// TestSummary_MinMaxSumPercentiles: a summary keeps ZooKeeper's
// figures: count, sum, min, max and nearest-rank percentiles (exact
// below 256 ms, the top of a power-of-two bucket above, never above
// max).
func TestSummary_MinMaxSumPercentiles(t *testing.T) {
	var s summary
	if v := s.read(); v != (summaryValues{}) {
		t.Fatalf("empty summary: %+v", v)
	}
	for i := int64(1); i <= 100; i++ {
		s.add(i)
	}
	v := s.read()
	if v.count != 100 || v.sum != 5050 || v.min != 1 || v.max != 100 || v.avg != 50.5 {
		t.Fatalf("figures: %+v", v)
	}
	if v.p50 != 50 || v.p95 != 95 || v.p99 != 99 || v.p999 != 100 {
		t.Fatalf("percentiles: %+v", v)
	}
	s.add(1000)
	if v := s.read(); v.max != 1000 || v.p999 != 1000 || v.min != 1 {
		t.Fatalf("with an outlier: %+v", v)
	}
	var d summary
	d.addDuration(1500 * time.Microsecond)
	d.addDuration(500 * time.Microsecond)
	if v := d.read(); v.sum != 1 || v.min != 0 || v.max != 1 || v.avgMicros != 1000 {
		t.Fatalf("durations (ms truncated, as ZooKeeper; microseconds for srvr): %+v", v)
	}
	s.reset()
	if v := s.read(); v.count != 0 || v.max != 0 {
		t.Fatalf("after reset: %+v", v)
	}
}

// TestSizeGauge_MinusOneUntilFirst: response sizes read -1 until the
// first reply, as ZooKeeper prints them.
func TestSizeGauge_MinusOneUntilFirst(t *testing.T) {
	var g sizeGauge
	if l, mn, mx := g.read(); l != -1 || mn != -1 || mx != -1 {
		t.Fatalf("empty: %d %d %d", l, mn, mx)
	}
	for _, n := range []int64{40, 16, 118, 30} {
		g.add(n)
	}
	if l, mn, mx := g.read(); l != 30 || mn != 16 || mx != 118 {
		t.Fatalf("last/min/max %d/%d/%d, want 30/16/118", l, mn, mx)
	}
}

// BenchmarkStats_RequestDone is what counting costs a request: its
// latencies (every request's and read or update), its connection's
// figures and its reply's size, from all cores at once.
func BenchmarkStats_RequestDone(b *testing.B) {
	var s stats
	pkt := []byte{0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0, 0}
	b.RunParallel(func(pb *testing.PB) {
		var cs connStats
		for pb.Next() {
			s.requestDone(pkt, 700*time.Microsecond)
			cs.done(1, 700*time.Microsecond, time.Second)
			s.countSent(pkt)
		}
	})
}
