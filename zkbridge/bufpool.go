package zkbridge

import "sync"

// Buffers for request frames, the connections' read buffers and encoded
// replies come from pools, one per size class, so that an idle
// connection holds none: a busy server reuses a few per CPU instead of
// allocating one per packet.

// bufClasses are the pools' capacities. A buffer asked for beyond the
// largest is allocated, and not pooled: request frames that large are
// read as their bytes arrive (jute.ReadFrameBody), and large replies are
// rare.
var bufClasses = [...]int{256, 1 << 10, 4 << 10, 16 << 10, 64 << 10}

// maxPooled is the largest pooled buffer.
const maxPooled = 64 << 10

var bufPools [len(bufClasses)]sync.Pool

// getBuf returns a buffer of length 0 and capacity at least n: n at most
// maxPooled, from the smallest class that holds n.
func getBuf(n int) *[]byte {
	for i, size := range bufClasses {
		if n <= size {
			if p, ok := bufPools[i].Get().(*[]byte); ok {
				*p = (*p)[:0]
				return p
			}
			b := make([]byte, 0, size)
			return &b
		}
	}
	b := make([]byte, 0, n)
	return &b
}

// putBuf returns b to the pool of the largest class its capacity holds;
// a buffer smaller than every class or beyond maxPooled is dropped. No
// reference to *b may be used afterwards.
func putBuf(b *[]byte) {
	c := cap(*b)
	if c > maxPooled {
		return
	}
	for i := len(bufClasses) - 1; i >= 0; i-- {
		if c >= bufClasses[i] {
			bufPools[i].Put(b)
			return
		}
	}
}
