package gateway

import (
	"github.com/tidwall/btree"
)

// The children cache keeps, in memory, the child names of the znodes
// whose children have been read, so getChildren of a large parent does
// not range over (and read the records of) every child in etcd. The hub
// maintains it from the same watch events that fire watches, under the
// same lock that moves its clock, so a set copied together with the hub's
// revision is exactly the children at that revision. A set is loaded by
// the first read of its parent (from etcd, at the hub's revision, with
// the changes that arrive meanwhile applied afterwards). A read takes the
// set's sorted list of names, shared by every read until the set next
// changes and never modified; the first read after a change copies the
// B-tree in O(1) (copy-on-write), lists it outside the hub's lock and
// offers the list back (offer), so a parent read far more often than
// written is listed once, not on every read. Its size is bounded in
// bytes; the least recently read sets are dropped first.

// childNameOverhead estimates what a cached name costs beyond its bytes
// (string header, B-tree slot and node share).
const childNameOverhead = 40

type childCache struct {
	maxBytes int64 // <= 0: disabled
	bytes    int64
	tick     uint64
	sets     map[string]*childSet
	// hits counts lookups answered from a set, misses those that were
	// not (a new load, or one in progress).
	hits, misses int64
}

// childSet is the children of one parent, or a load in progress (names
// nil) with the changes seen since the revision it reads at.
type childSet struct {
	names   *btree.BTreeG[string]
	pending []childChange
	bytes   int64
	used    uint64
	// list is names as a sorted slice, nil until a read offers it and
	// again after each change; readers share it and never modify it.
	list []string
	// version counts the changes applied to names, so a list made from
	// a copy is kept only if nothing changed since (offer).
	version uint64
}

// childListOverhead is what a name costs in a set's list (a string
// header).
const childListOverhead = 16

type childChange struct {
	name string
	add  bool
}

func newChildCache(maxBytes int64) childCache {
	return childCache{maxBytes: maxBytes, sets: make(map[string]*childSet)}
}

func newNameTree() *btree.BTreeG[string] {
	return btree.NewBTreeGOptions(func(a, b string) bool { return a < b }, btree.Options{NoLocks: true})
}

// change records that child name of parent was created (add) or deleted.
func (c *childCache) change(parent, name string, add bool) {
	cs := c.sets[parent]
	if cs == nil {
		return
	}
	if cs.names == nil {
		cs.pending = append(cs.pending, childChange{name, add})
		return
	}
	c.bytes -= cs.bytes
	cs.apply(name, add)
	c.bytes += cs.bytes
	c.evict(cs)
}

func (cs *childSet) apply(name string, add bool) {
	cs.version++
	if cs.list != nil {
		cs.bytes -= int64(len(cs.list) * childListOverhead)
		cs.list = nil
	}
	cost := int64(len(name) + childNameOverhead)
	if add {
		if _, replaced := cs.names.Set(name); !replaced {
			cs.bytes += cost
		}
	} else if _, deleted := cs.names.Delete(name); deleted {
		cs.bytes -= cost
	}
}

// drop forgets parent's set (the parent was deleted).
func (c *childCache) drop(parent string) {
	if cs := c.sets[parent]; cs != nil {
		c.bytes -= cs.bytes
		delete(c.sets, parent)
	}
}

// reset forgets every set (changes were missed).
func (c *childCache) reset() {
	c.sets = make(map[string]*childSet)
	c.bytes = 0
}

// cachedChildren is what a read finds in the cache for its parent: the
// shared sorted list, or a copy of the names to list (and offer back as
// set at version), or a new load the caller must finish with install or
// abandon, or nothing (another load is in progress, or the cache is
// disabled).
type cachedChildren struct {
	list    []string
	names   *btree.BTreeG[string]
	set     *childSet
	version uint64
	load    *childSet
}

func (cc cachedChildren) hit() bool { return cc.list != nil || cc.names != nil }

// lookup returns what the cache holds of parent's children.
func (c *childCache) lookup(parent string) cachedChildren {
	if c.maxBytes <= 0 {
		return cachedChildren{}
	}
	c.tick++
	cs := c.sets[parent]
	switch {
	case cs == nil:
		c.misses++
		cs = &childSet{used: c.tick}
		c.sets[parent] = cs
		return cachedChildren{load: cs}
	case cs.names == nil:
		c.misses++
		return cachedChildren{}
	case cs.list != nil:
		c.hits++
		cs.used = c.tick
		return cachedChildren{list: cs.list}
	default:
		c.hits++
		cs.used = c.tick
		return cachedChildren{names: cs.names.Copy(), set: cs, version: cs.version}
	}
}

// offer keeps list, made from a copy of set's names at version, as the
// set's shared list, unless the set changed or was dropped since.
func (c *childCache) offer(parent string, set *childSet, version uint64, list []string) {
	if c.sets[parent] != set || set.version != version || set.list != nil {
		return
	}
	set.list = list
	set.bytes += int64(len(list) * childListOverhead)
	c.bytes += int64(len(list) * childListOverhead)
	c.evict(set)
}

// install completes load with the names read at its revision and the
// changes seen since.
func (c *childCache) install(parent string, load *childSet, names []string) {
	if c.sets[parent] != load {
		return // reset or dropped meanwhile
	}
	t := newNameTree()
	var bytes int64
	for _, n := range names {
		t.Set(n)
		bytes += int64(len(n) + childNameOverhead)
	}
	load.names, load.bytes = t, bytes
	for _, ch := range load.pending {
		load.apply(ch.name, ch.add)
	}
	load.pending = nil
	c.bytes += load.bytes
	c.evict(load)
}

// abandon ends a load that read nothing to keep.
func (c *childCache) abandon(parent string, load *childSet) {
	if c.sets[parent] == load {
		delete(c.sets, parent)
	}
}

// evict drops the least recently read sets while the cache is over its
// bound, down to three quarters of it (so eviction is rare); keep goes
// last.
func (c *childCache) evict(keep *childSet) {
	if c.bytes <= c.maxBytes {
		return
	}
	for c.bytes > c.maxBytes*3/4 {
		var victim string
		var oldest *childSet
		for p, cs := range c.sets {
			if cs.names == nil || cs == keep {
				continue
			}
			if oldest == nil || cs.used < oldest.used {
				victim, oldest = p, cs
			}
		}
		if oldest == nil {
			break
		}
		c.drop(victim)
	}
	if c.bytes > c.maxBytes {
		for p, cs := range c.sets {
			if cs == keep {
				c.drop(p)
			}
		}
	}
}

// stats reports the cached sets and their estimated bytes.
func (c *childCache) stats() (sets int, bytes int64) { return len(c.sets), c.bytes }
