package gateway

import (
	"slices"
	"testing"
)

// TestChildCache_ListOfferedAfterAChangeIsNotKept: a read lists a copy of
// a set; if the set changes before the read offers its list back, the
// list is stale and is not kept, and the next read lists the set again.
func TestChildCache_ListOfferedAfterAChangeIsNotKept(t *testing.T) {
	c := newChildCache(1 << 20)
	load := c.lookup("/p").load
	if load == nil {
		t.Fatal("first lookup started no load")
	}
	c.install("/p", load, []string{"a", "b"})

	got := c.lookup("/p")
	if got.names == nil {
		t.Fatal("the first read after the load found no names to list")
	}
	var stale []string
	got.names.Scan(func(n string) bool { stale = append(stale, n); return true })
	c.change("/p", "c", true) // between the read's copy and its offer
	c.offer("/p", got.set, got.version, stale)
	again := c.lookup("/p")
	if again.list != nil {
		t.Fatalf("a list offered after a change was kept: %v", again.list)
	}
	var fresh []string
	again.names.Scan(func(n string) bool { fresh = append(fresh, n); return true })
	if !slices.Equal(fresh, []string{"a", "b", "c"}) {
		t.Fatalf("names %v", fresh)
	}
	c.offer("/p", again.set, again.version, fresh)
	if l := c.lookup("/p").list; !slices.Equal(l, fresh) {
		t.Fatalf("list %v kept, want %v", l, fresh)
	}
	// Its cost is counted, and given back at the next change.
	_, with := c.stats()
	c.change("/p", "d", true)
	_, without := c.stats()
	if with-without != 3*childListOverhead-int64(len("d")+childNameOverhead) {
		t.Fatalf("bytes %d with the list, %d after a change dropped it and added a name", with, without)
	}
}
