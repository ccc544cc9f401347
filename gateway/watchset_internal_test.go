package gateway

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"go.uber.org/zap"
)

// nopWatcher is a Watcher told of nothing.
type nopWatcher struct{ id int }

func (*nopWatcher) Notify(Event) {}

// TestWatchSet_OneWatcherInline: a path's first watch is kept in the set
// itself, with no map (a map of one entry costs eight slots); later
// watches go to a map, and deleting the inline one moves another in,
// so the set answers as a map would at every step.
func TestWatchSet_OneWatcherInline(t *testing.T) {
	a, b, c := &nopWatcher{1}, &nopWatcher{2}, &nopWatcher{3}
	ea, eb, ec := &watchEntry{}, &watchEntry{}, &watchEntry{}
	s := &watchSet{}
	if allocs := testing.AllocsPerRun(100, func() { (&watchSet{}).put(a, ea) }); allocs > 1 {
		t.Fatalf("one watch: %v allocations, want the set alone", allocs)
	}
	s.put(a, ea)
	if s.more != nil || s.len() != 1 {
		t.Fatalf("one watch: len %d, map %v", s.len(), s.more)
	}
	s.put(b, eb)
	s.put(c, ec)
	s.put(b, eb) // again: no duplicate
	check := func(want map[Watcher]*watchEntry) {
		t.Helper()
		if s.len() != len(want) {
			t.Fatalf("len %d, want %d", s.len(), len(want))
		}
		got := map[Watcher]*watchEntry{}
		for w, en := range s.all() {
			if _, dup := got[w]; dup {
				t.Fatalf("%v listed twice", w)
			}
			got[w] = en
		}
		for w, en := range want {
			if g, ok := s.get(w); !ok || g != en || got[w] != en {
				t.Fatalf("%v: get %v %v, listed %v; want %v", w, g, ok, got[w], en)
			}
		}
		if len(got) != len(want) {
			t.Fatalf("listed %d, want %d", len(got), len(want))
		}
	}
	check(map[Watcher]*watchEntry{a: ea, b: eb, c: ec})
	s.del(a) // the inline one: another takes its place
	check(map[Watcher]*watchEntry{b: eb, c: ec})
	if s.en == nil {
		t.Fatal("the inline slot is empty while the set is not")
	}
	s.put(a, ea)
	check(map[Watcher]*watchEntry{a: ea, b: eb, c: ec})
	s.del(c)
	s.del(b)
	s.del(b) // absent: nothing
	check(map[Watcher]*watchEntry{a: ea})
	s.del(a)
	check(map[Watcher]*watchEntry{})
	var none *watchSet
	if _, ok := none.get(a); ok || none.len() != 0 {
		t.Fatal("a missing set holds a watch")
	}
	for range none.all() {
		t.Fatal("a missing set lists a watch")
	}
}

// TestHub_WatcherIndex drives the watch tables at random (reads and
// addWatch setting watches, replacing modes, events firing one-shot
// watches, drop, removeWatches, connections closing) and checks after
// every step that the tables hold what a model of ZooKeeper's tables
// holds, and that each Watcher's list (byWatcher) names exactly its
// watches: forget touches only that list, so a watch missing from it
// would outlive its connection, and one left in it would keep a closed
// connection's Watcher.
func TestHub_WatcherIndex(t *testing.T) {
	h := newHub(zap.NewNop(), nil, 0, "")
	var ws []Watcher
	for i := range 5 {
		ws = append(ws, &nopWatcher{i})
	}
	paths := []string{"/a", "/a/b", "/a/b/c", "/d", "/d/e"}
	type key struct {
		t    int
		path string
		w    Watcher
	}
	model := map[key]bool{}
	rng := rand.New(rand.NewPCG(1, 2))
	for step := range 20000 {
		w := ws[rng.IntN(len(ws))]
		path := paths[rng.IntN(len(paths))]
		tb := rng.IntN(6)
		switch op := rng.IntN(10); {
		case op < 4:
			replace := rng.IntN(2) == 0
			h.register(w, false, []watchSpec{{t: tb, path: path, replace: replace}})
			model[key{tb, path, w}] = true
			if replace {
				for _, o := range sameTable[tb] {
					delete(model, key{o, path, w})
				}
			}
		case op < 6:
			ft := []int{tData, tChild}[rng.IntN(2)]
			h.mu.Lock()
			h.fire(ft, path, EventNodeDataChanged, int64(step), nil)
			h.mu.Unlock()
			for k := range model {
				if k.t == ft && k.path == path {
					delete(model, k)
				}
			}
		case op < 7:
			h.mu.Lock()
			en, ok := h.tables[tb][path].get(w)
			h.mu.Unlock()
			if ok {
				h.drop(tb, path, w, en)
				delete(model, key{tb, path, w})
			}
		case op < 9:
			typ := []WatcherType{WatcherChildren, WatcherData, WatcherAny}[rng.IntN(3)]
			h.remove(path, w, typ, false)
			for _, o := range map[WatcherType][]int{
				WatcherChildren: {tChild, tPersistentChild, tRecursiveChild},
				WatcherData:     {tData, tPersistent, tRecursive},
				WatcherAny:      {tData, tChild, tPersistent, tRecursive, tPersistentChild, tRecursiveChild},
			}[typ] {
				delete(model, key{o, path, w})
			}
		default:
			h.forget(w)
			for k := range model {
				if k.w == w {
					delete(model, k)
				}
			}
		}
		h.mu.Lock()
		got := map[key]bool{}
		listed := 0
		for tb, table := range h.tables {
			for p, set := range table {
				if set.len() == 0 {
					t.Fatalf("step %d: empty set kept for %s in table %d", step, p, tb)
				}
				for w, en := range set.all() {
					got[key{tb, p, w}] = true
					list := h.byWatcher[w]
					if int(en.slot) >= len(list) || list[en.slot] != en || int(en.t) != tb || en.path != p {
						t.Fatalf("step %d: watch of %v on %s in table %d is not in its list", step, w, p, tb)
					}
				}
			}
		}
		for w, list := range h.byWatcher {
			if len(list) == 0 {
				t.Fatalf("step %d: empty list kept for %v", step, w)
			}
			listed += len(list)
		}
		h.mu.Unlock()
		if len(got) != len(model) || listed != len(model) {
			t.Fatalf("step %d: %d watches in the tables, %d listed, want %d", step, len(got), listed, len(model))
		}
		for k := range model {
			if !got[k] {
				t.Fatalf("step %d: watch %v missing", step, k)
			}
		}
	}
	for _, w := range ws {
		h.forget(w)
	}
	if n, _ := h.count(); n != 0 || len(h.byWatcher) != 0 {
		t.Fatalf("after every connection closed: %d watches, %d watchers listed", n, len(h.byWatcher))
	}
}

// BenchmarkHub_ForgetAmongManyWatches: a connection with 10 watches
// closes (and another opens) while 1,000 others hold 100 watches each.
func BenchmarkHub_ForgetAmongManyWatches(b *testing.B) {
	h := newHub(zap.NewNop(), nil, 0, "")
	for i := range 1000 {
		w := &nopWatcher{i}
		for j := range 100 {
			h.register(w, false, []watchSpec{{t: tData, path: fmt.Sprintf("/n/%d/%d", i, j)}})
		}
	}
	specs := make([]watchSpec, 10)
	for j := range specs {
		specs[j] = watchSpec{t: tData, path: fmt.Sprintf("/closing/%d", j)}
	}
	b.ResetTimer()
	for i := range b.N {
		w := &nopWatcher{-i}
		h.register(w, false, specs)
		h.forget(w)
	}
}
