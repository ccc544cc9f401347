package jute

import (
	"fmt"
	"testing"
)

// BenchmarkEncode_GetChildren2Response1000: the reply to getChildren2 of
// a parent of 1,000 children (the children workload of zkgate bench),
// into a reused buffer as the server encodes it.
func BenchmarkEncode_GetChildren2Response1000(b *testing.B) {
	names := make([]string, 1000)
	for i := range names {
		names[i] = fmt.Sprintf("k%d", i)
	}
	r := &GetChildren2Response{Children: names}
	var e Encoder
	b.ReportAllocs()
	for b.Loop() {
		e.buf = e.buf[:0]
		r.Encode(&e)
	}
	b.SetBytes(int64(e.Len()))
}
