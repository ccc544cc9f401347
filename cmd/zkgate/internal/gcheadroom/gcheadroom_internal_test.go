package gcheadroom

import (
	"runtime"
	"runtime/metrics"
	"testing"
	"time"
)

func TestPercent(t *testing.T) {
	const mib = 1 << 20
	for _, c := range []struct {
		live, headroom uint64
		want           int
	}{
		{64 * mib, 128 * mib, 200},
		{50 * mib, 128 * mib, 256}, // rounded up: the goal is at least the headroom above
		{128 * mib, 128 * mib, 100},
		{300 * mib, 128 * mib, 100}, // a large heap: Go's own
		{1 * mib, 128 * mib, 1000},  // a tiny one: at most 1000
		{0, 128 * mib, 1000},
	} {
		if got := Percent(c.live, c.headroom); got != c.want {
			t.Errorf("Percent(%d MiB live, %d MiB headroom) = %d, want %d", c.live/mib, c.headroom/mib, got, c.want)
		}
	}
}

// gogc is the percentage the collector works with.
func gogc(t *testing.T) uint64 {
	t.Helper()
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// awaitPercent forces collections until tn has set want after one and
// the collector works with it.
func awaitPercent(t *testing.T, tn *Tuner, want int) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	last := -1
	for {
		runtime.GC()
		select {
		case p := <-tn.tuned:
			last = p
			if p == want && gogc(t) == uint64(want) {
				return
			}
		case <-deadline:
			t.Fatalf("after 10 s of collections: last set %d, the collector works with %d; want %d", last, gogc(t), want)
		case <-time.After(20 * time.Millisecond):
			// The finalizer may run after this collection: force another.
		}
	}
}

// TestTuner_FollowsTheLiveHeap: after a collection the collector's
// percentage is the one that keeps the headroom above the live heap (this
// test's heap is a few MiB: 1 GiB of headroom is the most, 1000%; a
// headroom below the live heap is Go's 100%), and Stop gives back 100.
func TestTuner_FollowsTheLiveHeap(t *testing.T) {
	tn := start(1<<30, make(chan int, 1))
	defer tn.Stop()
	awaitPercent(t, tn, most)
	// Live data past the headroom: Go's own percentage.
	ballast := make([]*[1 << 10]byte, 4<<10) // 4 MiB
	for i := range ballast {
		ballast[i] = new([1 << 10]byte)
	}
	tn.headroom.Store(1 << 20)
	awaitPercent(t, tn, base)
	runtime.KeepAlive(ballast)
	tn.headroom.Store(1 << 30)
	awaitPercent(t, tn, most)
	tn.Stop()
	if got := gogc(t); got != base {
		t.Fatalf("after Stop the collector works with %d%%, want %d", got, base)
	}
}

// TestStart_GOGCStands: an operator's GOGC is left as it is.
func TestStart_GOGCStands(t *testing.T) {
	t.Setenv("GOGC", "150")
	if tn := Start(256 << 20); tn != nil {
		tn.Stop()
		t.Fatal("Start tuned the collector with GOGC set")
	}
	if tn := Start(0); tn != nil {
		t.Fatal("Start tuned the collector with no headroom")
	}
}
