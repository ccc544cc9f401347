package bench

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"

	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/gateway/api"
	"github.com/zkgate/zkgate/gateway/gatewaytest"
	"github.com/zkgate/zkgate/recipes"
	"github.com/zkgate/zkgate/zkbridge"
)

// TestRun_EveryWorkload runs each workload for a few operations against
// an in-process zkgate (etcd member, ZooKeeper protocol, gRPC API) and
// checks that every operation is counted and none failed.
func TestRun_EveryWorkload(t *testing.T) {
	cl := gatewaytest.StartCluster(t, 1)
	e := gatewaytest.NewEngine(t, cl.Client(0), gateway.Config{})
	zs, err := zkbridge.New(zkbridge.Config{Engine: e, MaxPacket: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	zl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go zs.Serve(zl)
	t.Cleanup(func() { zs.Close() })
	g := grpc.NewServer()
	ns := api.NewServer(e)
	ns.Register(g)
	recipes.NewServer(ns).Register(g)
	gl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go g.Serve(gl)
	t.Cleanup(g.Stop)

	targets := map[string]Target{
		"zk":   {ZK: []string{zl.Addr().String()}},
		"grpc": {GRPC: "http://" + gl.Addr().String()},
		"etcd": {Etcd: cl.Client(0).Endpoints()[0]},
	}
	for _, w := range Workloads {
		for _, kind := range []string{"zk", "grpc", "etcd"} {
			if !containsWord(w.Targets, kind) {
				continue
			}
			t.Run(w.Name+"/"+kind, func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				res, err := Run(ctx, Config{Workload: w.Name, Target: targets[kind], Clients: 4, Ops: 40, Keys: 50, Children: 20, ValueSize: 16, ReadRatio: 0.5})
				if err != nil {
					t.Fatal(err)
				}
				want := int64(40)
				if w.Name == "watch" {
					want = 40 * 4 // 40 rounds, a notification per client each
				}
				if res.Ops != want || res.Errors != 0 || res.P50 <= 0 || res.Max < res.P99 || res.P99 < res.P50 {
					t.Fatalf("result %+v, want %d operations, no errors, ordered percentiles", res, want)
				}
			})
		}
	}
	if _, err := Run(context.Background(), Config{Workload: "put", Target: targets["zk"]}); err == nil {
		t.Fatal("put on a ZooKeeper target ran")
	}
	if _, err := Run(context.Background(), Config{Workload: "nope", Target: targets["zk"]}); err == nil {
		t.Fatal("an unknown workload ran")
	}
}

func containsWord(list, w string) bool {
	for _, x := range strings.Fields(list) {
		if x == w {
			return true
		}
	}
	return false
}

func TestPercentiles(t *testing.T) {
	var l []time.Duration
	for i := 1; i <= 1000; i++ {
		l = append(l, time.Duration(i))
	}
	if pct(l, 0.5) != 500 || pct(l, 0.99) != 990 || pct(l, 0.999) != 999 || pct(l[:1], 0.99) != 1 {
		t.Fatalf("percentiles %v %v %v", pct(l, 0.5), pct(l, 0.99), pct(l, 0.999))
	}
}

// TestZKDriver_ClientsSpreadOverAddresses prepares a workload on two
// ZooKeeper-protocol listeners of one zkgate engine and checks that
// client i is connected to address i mod 2, and that the clients work.
func TestZKDriver_ClientsSpreadOverAddresses(t *testing.T) {
	cl := gatewaytest.StartCluster(t, 1)
	e := gatewaytest.NewEngine(t, cl.Client(0), gateway.Config{})
	var addrs []string
	for range 2 {
		addrs = append(addrs, serveZK(t, e))
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cfg := withDefaults(Config{Workload: "get", Target: Target{ZK: addrs}, Clients: 8, Keys: 20, ValueSize: 16})
	d, err := newZKDriver(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer d.close()
	ops, err := d.clients(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// d.conns: the driver's own session, then client 0, 1, ...
	if len(d.conns) != 1+cfg.Clients {
		t.Fatalf("%d sessions, want %d", len(d.conns), 1+cfg.Clients)
	}
	for i, c := range d.conns[1:] {
		if got, want := c.Server(), addrs[i%2]; got != want {
			t.Errorf("client %d on %s, want %s", i, got, want)
		}
	}
	for i, o := range ops {
		if err := o(ctx); err != nil {
			t.Fatalf("client %d: %v", i, err)
		}
	}
}

// TestDrive_RateKeepsScheduleAndCountsTheWait: with a rate, the clients
// start their operations on the schedule, not sooner (200 operations at
// 2,000 a second take at least 99.5 ms in all: the last is due then), and an operation due while
// the one before it was still running counts its latency from when it
// was due. After a first operation that takes 30 ms, the 59 due every
// 0.5 ms meanwhile show waits of up to 29.5 ms, so the p99 (the 198th of
// 200) is one of them; a closed load shows one slow operation in 200,
// below its p99.
func TestDrive_RateKeepsScheduleAndCountsTheWait(t *testing.T) {
	const slow = 30 * time.Millisecond
	run := func(rate float64) (Result, time.Duration) {
		cfg := withDefaults(Config{Workload: "set", Clients: 1, Ops: 200, Rate: rate})
		r := newRecorder(cfg)
		n := 0
		first := func(context.Context) error {
			n++
			if n == 1 {
				time.Sleep(slow) // a slow server's answer
			}
			return nil
		}
		start := time.Now()
		if err := r.drive(context.Background(), []op{first}, start); err != nil {
			t.Fatal(err)
		}
		el := time.Since(start)
		return r.result(cfg, el), el
	}
	res, el := run(2000)
	if res.Ops != 200 || res.Rate != 2000 {
		t.Fatalf("result %+v", res)
	}
	if el < 99*time.Millisecond {
		t.Fatalf("200 operations at 2,000 a second took %v", el)
	}
	if res.P99 < slow/2 {
		t.Fatalf("p99 %v at a rate: the wait behind the slow operation is not counted", res.P99)
	}
	closed, _ := run(0)
	if closed.Ops != 200 || closed.Rate != 0 || closed.Max < slow {
		t.Fatalf("closed load: %+v", closed)
	}
	if closed.P99 >= slow/2 {
		t.Fatalf("closed load: p99 %v, one slow operation in 200", closed.P99)
	}
}
