package gateway

import (
	"testing"
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
