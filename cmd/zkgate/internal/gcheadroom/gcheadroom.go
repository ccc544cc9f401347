package gcheadroom

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
)

const (
	// base is Go's own percentage, the least a Tuner sets.
	base = 100
	// most is the highest percentage a Tuner sets, however small the
	// live heap.
	most = 1000
)

// Percent is the GOGC percentage that puts the heap goal at least
// headroom bytes above live bytes: never below Go's 100, never above 1000.
func Percent(live, headroom uint64) int {
	if live == 0 {
		live = 1
	}
	p := (headroom*100 + live - 1) / live
	return int(min(max(p, base), most))
}

// Tuner sets the percentage after each collection.
type Tuner struct {
	headroom atomic.Uint64
	mu       sync.Mutex // holds stopped and set, and each change
	stopped  bool
	set      int // the percentage last set
	// tuned, when not nil, is told of each collection handled (tests).
	tuned chan int
}

// Start keeps the heap goal at least headroom bytes above the live heap
// until Stop. It returns nil, and changes nothing, when headroom is 0 or
// GOGC is set in the environment.
func Start(headroom uint64) *Tuner {
	if headroom == 0 || os.Getenv("GOGC") != "" {
		return nil
	}
	return start(headroom, nil)
}

func start(headroom uint64, tuned chan int) *Tuner {
	t := &Tuner{tuned: tuned}
	t.headroom.Store(headroom)
	t.set = base
	t.cycle()
	return t
}

// Stop gives the collector back Go's own percentage.
func (t *Tuner) Stop() {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.stopped {
		t.stopped = true
		debug.SetGCPercent(base)
	}
}

// Headroom is the headroom t keeps.
func (t *Tuner) Headroom() uint64 { return t.headroom.Load() }

// sentinel is garbage as soon as it is made: its finalizer runs after
// the next collection, and makes the next sentinel. It holds a pointer,
// so that it is an allocation of its own (tiny pointer-free objects share
// blocks, and their finalizers may never run).
type sentinel struct{ t *Tuner }

// cycle sets the percentage for the live heap the last collection left,
// then waits for the next one.
func (t *Tuner) cycle() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped {
		return
	}
	p := Percent(liveBytes(), t.headroom.Load())
	if p != t.set {
		debug.SetGCPercent(p)
		t.set = p
	}
	runtime.SetFinalizer(&sentinel{t}, func(s *sentinel) { s.t.cycle() })
	if t.tuned != nil {
		select {
		case t.tuned <- p:
		default:
		}
	}
}

// liveBytes is the heap the last collection marked live.
func liveBytes() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}
