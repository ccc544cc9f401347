package gateway

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/zkgate/zkgate/schema"
)

// TestKeyCache_CountsWhatItHolds: the bytes the key cache counts against
// its bound are the memory it holds, within a tenth, for znode records
// read and decoded (entry.node) and for the other keys of a znode. A
// count that left out the decoded records, or a decode that copied each
// record's data, would let the cache hold far more than its bound.
func TestKeyCache_CountsWhatItHolds(t *testing.T) {
	const n = 20000
	for _, kind := range []string{"records", "other keys"} {
		t.Run(kind, func(t *testing.T) {
			c := newKeyCache(1 << 40)
			live := func() uint64 {
				runtime.GC()
				var m runtime.MemStats
				runtime.ReadMemStats(&m)
				return m.HeapAlloc
			}
			before := live()
			for i := range n {
				path := fmt.Sprintf("/bench/0123abcd/kv/k%06d", i)
				data := make([]byte, 256)
				var k string
				var v []byte
				if kind == "records" {
					k, v = schema.NodeKey(path), (&schema.Node{Version: int32(i), Ctime: 1, Mtime: 2, Data: data}).Marshal()
				} else {
					k, v = schema.MetaKey(path), data
				}
				e := &entry{exists: true, value: v, createRev: int64(i + 1), modRev: int64(i + 1), version: 1}
				if kind == "records" {
					if _, err := e.node(); err != nil {
						t.Fatal(err)
					}
				}
				c.put(int64(i+1), []string{k}, []*entry{e})
			}
			held := float64(live() - before)
			counted := float64(c.bytes)
			runtime.KeepAlive(c)
			t.Logf("%s: %.0f bytes held, %.0f counted per entry", kind, held/n, counted/n)
			if counted < 0.9*held || counted > 1.1*held {
				t.Fatalf("counted %.0f bytes per entry, holds %.0f", counted/n, held/n)
			}
		})
	}
}
