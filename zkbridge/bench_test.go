package zkbridge_test

import (
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
		b.ReportMetric(float64(runtime.NumGoroutine()-g0)/n, "goroutines/conn")
		for _, c := range conns {
			c.nc.Close()
		}
	}
}
