package gateway_test

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/schema"
)

// BenchmarkCreate_SequentialOneParent is the lock/queue pattern: 32
// sessions creating sequential children of one parent at once, 256-byte
// values. Compare with the plain-put reference below, run in the same go.
func BenchmarkCreate_SequentialOneParent(b *testing.B) {
	e := newEngine(b, gateway.Config{})
	ctx := ctxT(b)
	mustCreate(b, e, anyone, "/queue", "", gateway.Persistent)
	data := make([]byte, 256)
	var sessions [32]gateway.Session
	for i := range sessions {
		s, err := e.CreateSession(ctx, 30*time.Second)
		if err != nil {
			b.Fatal(err)
		}
		sessions[i] = s
	}
	var next atomic.Int64
	b.SetParallelism(16) // 16 x GOMAXPROCS(2) = 32 writers
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		c := sessions[next.Add(1)%32].Caller()
		for pb.Next() {
			if _, err := e.Create(ctx, c, gateway.CreateOp{Path: "/queue/item-", Data: data, ACL: schema.OpenACLUnsafe, Mode: gateway.PersistentSequential}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "creates/s")
}

// BenchmarkReference_PlainPuts is etcd alone: 32 writers putting distinct
// keys of 256 bytes through the same client.
func BenchmarkReference_PlainPuts(b *testing.B) {
	e := newEngine(b, gateway.Config{})
	_ = e
	cl := engineClient
	ctx := ctxT(b)
	data := string(make([]byte, 256))
	var n atomic.Int64
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := cl.Put(ctx, fmt.Sprintf("ref/%d", n.Add(1)), data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "puts/s")
}

// BenchmarkPipeline_SequentialOneParent is
// BenchmarkCreate_SequentialOneParent at each commit depth: 1 is one
// batch at a time; above, batches are validated over those in flight
// (each touches the parent's children meta, so every batch depends on
// the one before it).
func BenchmarkPipeline_SequentialOneParent(b *testing.B) {
	for _, depth := range []int{1, 2, 4, 8} {
		b.Run(fmt.Sprintf("depth=%d", depth), func(b *testing.B) {
			e := newEngine(b, gateway.Config{CommitDepth: depth})
			ctx := ctxT(b)
			mustCreate(b, e, anyone, "/queue", "", gateway.Persistent)
			data := make([]byte, 256)
			b.SetParallelism(16) // 16 x GOMAXPROCS(2) = 32 writers
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := e.Create(ctx, anyone, gateway.CreateOp{Path: "/queue/item-", Data: data, ACL: schema.OpenACLUnsafe, Mode: gateway.PersistentSequential}); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "creates/s")
			b.ReportMetric(float64(e.Redone()), "redone")
			b.ReportMetric(float64(e.Overtaken()), "overtaken")
			b.ReportMetric(float64(e.Launched()), "batches")
			b.ReportMetric(float64(e.Staged()), "staged")
			b.ReportMetric(float64(e.MaxInFlight()), "inflight")
		})
	}
}

// BenchmarkPipeline_SetDataDistinct: 32 writers each setting its own
// znode, at each commit depth: batches independent of one another.
func BenchmarkPipeline_SetDataDistinct(b *testing.B) {
	for _, depth := range []int{1, 4} {
		b.Run(fmt.Sprintf("depth=%d", depth), func(b *testing.B) {
			e := newEngine(b, gateway.Config{CommitDepth: depth})
			ctx := ctxT(b)
			for i := range 32 {
				mustCreate(b, e, anyone, fmt.Sprintf("/n%d", i), "", gateway.Persistent)
			}
			data := make([]byte, 256)
			var next atomic.Int64
			b.SetParallelism(16)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				path := fmt.Sprintf("/n%d", next.Add(1)%32)
				for pb.Next() {
					if _, err := e.SetData(ctx, anyone, path, data, -1); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sets/s")
			b.ReportMetric(float64(e.Redone()), "redone")
			b.ReportMetric(float64(e.Overtaken()), "overtaken")
			b.ReportMetric(float64(e.Launched()), "batches")
			b.ReportMetric(float64(e.Staged()), "staged")
		})
	}
}
