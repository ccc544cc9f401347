package gateway

import (
	"sync"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/zkgate/zkgate/schema"
)

// keyCache holds the last known state of the keys the committer's batches
// read and wrote (and of those reads found in the store: readCurrent), so
// that a batch reads from etcd only the keys it has not seen (fetch), and a
// read at the hub's revision whose keys are all known reads nothing
// (getAt). For the committer it is an optimisation, never a source of
// truth: every key a batch reads, from the cache or not, is compared in its
// transaction, so a stale entry makes the batch fail its compares and be
// redone from a fresh read, never commit a write validated against old
// state. Reads have no such check: they take an entry only within the
// revisions the rules below make it exact for.
//
// It stays fresh the way the rest of the engine does: the watch hub
// (hub.go) drops an entry when an event of a later revision touches its key
// (another gateway node's write, a session's lease expiring, a write
// straight to etcd), and the committer drops the keys of a batch whose
// compares failed. An entry is added only at a revision the hub has
// dispatched to or past (the watermark), so no event between the entry's
// revision and the hub's can have been missed.
type keyCache struct {
	mu        sync.Mutex
	entries   map[string]cached
	bytes     int
	max       int   // bytes kept at most
	watermark int64 // the hub has dropped every entry its events touched up to here
}

// cached is a key's state as of a revision.
type cached struct {
	e    *entry
	asOf int64
}

// maxCachedValue is the largest value kept: a large znode is read again,
// which costs little next to writing it.
const maxCachedValue = 16 << 10

func newKeyCache(maxBytes int) *keyCache {
	return &keyCache{entries: make(map[string]cached), max: maxBytes}
}

// cacheable reports whether key's state may be taken from the cache: the
// committer's chain key and the turn key are always read from etcd.
func cacheable(key string) bool {
	return !schema.IsChainKey(key) && key != schema.TurnKey()
}

// getAt fills out with the states of keys at rev, all from the cache, and
// reports whether it could: every key cached as of a revision at or
// before rev, and rev no later than the watermark. An entry the hub has
// not dropped by the watermark was not changed by any event between its
// revision and the watermark, so it is the key's state at every revision
// between them. The read path (Engine.readCurrent) takes whole reads
// from it.
func (c *keyCache) getAt(rev int64, keys []string, out []*entry) bool {
	if c == nil || rev <= 0 {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if rev > c.watermark {
		return false
	}
	for i, k := range keys {
		ce, ok := c.entries[k]
		if !ok || ce.asOf > rev || !cacheable(k) {
			return false
		}
		out[i] = ce.e
	}
	return true
}

// get returns key's cached state.
func (c *keyCache) get(key string) (*entry, bool) {
	if c == nil {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	ce, ok := c.entries[key]
	return ce.e, ok
}

// put records keys' states as of rev, unless the hub has dispatched past
// rev (an event after rev may have changed them unseen).
func (c *keyCache) put(rev int64, keys []string, entries []*entry) {
	if c == nil || c.max <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if rev < c.watermark {
		for _, k := range keys {
			c.dropLocked(k)
		}
		return
	}
	for i, k := range keys {
		e := entries[i]
		if ce, ok := c.entries[k]; ok && ce.asOf > rev {
			// Newer already (a batch's own write, put before a read at
			// an earlier revision the hub served): keep it.
			continue
		}
		if e == nil || len(e.value) > maxCachedValue || !cacheable(k) {
			c.dropLocked(k)
			continue
		}
		c.dropLocked(k)
		c.entries[k] = cached{e: e, asOf: rev}
		c.bytes += entrySize(k, e)
	}
	if c.bytes > c.max {
		// Drop about a quarter, in the map's own (random) order.
		for k := range c.entries {
			if c.bytes <= c.max*3/4 {
				break
			}
			c.dropLocked(k)
		}
	}
}

// drop forgets keys.
func (c *keyCache) drop(keys []string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, k := range keys {
		c.dropLocked(k)
	}
}

func (c *keyCache) dropLocked(k string) {
	if ce, ok := c.entries[k]; ok {
		c.bytes -= entrySize(k, ce.e)
		delete(c.entries, k)
	}
}

// reset forgets everything: the outcome of a transaction is unknown, or
// the hub missed events (compaction).
func (c *keyCache) reset(rev int64) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.entries)
	c.bytes = 0
	c.watermark = max(c.watermark, rev)
}

// events drops the entries that evs change and moves the watermark to
// rev, every event up to which has been seen (the hub's dispatch).
func (c *keyCache) events(evs []*clientv3.Event, rev int64) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, ev := range evs {
		k := string(ev.Kv.Key)
		if ce, ok := c.entries[k]; ok && ce.asOf < ev.Kv.ModRevision {
			c.dropLocked(k)
		}
	}
	c.watermark = max(c.watermark, rev)
}

// entrySize is what an entry of key k holds in memory: the key, the
// value's array, entryOverhead, and for a znode's record the record
// decoded (entry.node, whose Data shares the value's array).
func entrySize(k string, e *entry) int {
	n := len(k) + cap(e.value) + entryOverhead
	if schema.IsNodeKey(k) {
		n += recordOverhead
	}
	return n
}

// entryOverhead is an entry's own memory besides its key's and value's
// bytes: the entry (88 bytes, in an allocation of 96) and its slot in
// the map. recordOverhead is a decoded record's. They are measured by
// TestKeyCache_CountsWhatItHolds.
const (
	entryOverhead  = 96 + 64
	recordOverhead = 80
)
