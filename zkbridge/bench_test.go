package zkbridge_test

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/gateway/gatewaytest"
	"github.com/zkgate/zkgate/zkbridge/jute"
)

// BenchmarkIdleConnections reports what one idle ZooKeeper connection,
// with its session, costs a zkgate node: heap bytes and goroutines.
func BenchmarkIdleConnections(b *testing.B) {
	cl := gatewaytest.StartCluster(b, 1)
	addr := startBridge(b, cl, 0, gateway.Config{})
	const n = 500
	for range b.N {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		g0 := runtime.NumGoroutine()
		conns := make([]*client, 0, n)
		for range n {
			conns = append(conns, connect(b, addr, jute.ConnectRequest{TimeOut: 30000}))
		}
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(int64(after.HeapInuse)-int64(before.HeapInuse))/n, "heap-bytes/conn")
		b.ReportMetric(float64(int64(after.StackInuse)-int64(before.StackInuse))/n, "stack-bytes/conn")
		b.ReportMetric(float64(runtime.NumGoroutine()-g0)/n, "goroutines/conn")
		for _, c := range conns {
			c.Drop()
		}
	}
}

// BenchmarkOneSessionCreates measures one session creating znodes with
// 1 (each create waits for its reply) or 64 requests in flight.
func BenchmarkOneSessionCreates(b *testing.B) {
	for _, window := range []int{1, 64} {
		b.Run(fmt.Sprintf("inflight=%d", window), func(b *testing.B) {
			cl := gatewaytest.StartCluster(b, 1)
			addr := startBridge(b, cl, 0, gateway.Config{})
			c := connect(b, addr, jute.ConnectRequest{TimeOut: 30000})
			b.ResetTimer()
			sent, got := 0, 0
			for got < b.N {
				var buf []byte
				for sent < b.N && sent-got < window {
					h := jute.RequestHeader{Xid: c.NextXid(), Type: jute.OpCreate}
					buf = jute.AppendPacket(buf, &h, &jute.CreateRequest{Path: fmt.Sprintf("/n%d", sent), ACL: openACL})
					sent++
				}
				if len(buf) > 0 {
					c.write(buf)
				}
				if h := header(b, c.frame()); h.Err != 0 {
					b.Fatalf("create: %v", h.Err)
				}
				got++
			}
		})
	}
}
