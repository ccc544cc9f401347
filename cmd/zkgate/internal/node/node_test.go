package node

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/zkgate/zkgate/cmd/zkgate/internal/logging"
	"github.com/zkgate/zkgate/gateway/gatewaytest/freeport"
)

// testConfig is a single-member node on fresh loopback ports.
func testConfig(t testing.TB, dir string) Options {
	c := DefaultOptions()
	cu := fmt.Sprintf("http://127.0.0.1:%d", freeport.Port(t))
	pu := fmt.Sprintf("http://127.0.0.1:%d", freeport.Port(t))
	c.Name = "test"
	c.DataDir = dir
	c.ListenClientURLs, c.AdvertiseClientURLs = []string{cu}, []string{cu}
	c.ListenPeerURLs, c.InitialAdvertisePeerURLs = []string{pu}, []string{pu}
	c.ZKListen = fmt.Sprintf("127.0.0.1:%d", freeport.Port(t))
	return c
}

func quietLogs(t testing.TB) *logging.Loggers {
	l, err := logging.NewTo(io.Discard, "error", "json")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func waitReady(t testing.TB, n *Node) {
	t.Helper()
	select {
	case <-n.Ready():
	case err := <-n.Err():
		t.Fatalf("member failed: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("member not ready")
	}
}

func TestNode_ServesAndRestarts(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	cfg := testConfig(t, dir)
	n, err := Start(context.Background(), cfg, quietLogs(t))
	if err != nil {
		t.Fatal(err)
	}
	waitReady(t, n)
	c, err := clientv3.New(clientv3.Config{Endpoints: cfg.AdvertiseClientURLs, Logger: zap.NewNop()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := c.Put(ctx, "k", "v"); err != nil {
		t.Fatal(err)
	}
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	if err := n.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}

	// The data dir lock was released: the same dir starts again, with the
	// data.
	n2, err := Start(context.Background(), cfg, quietLogs(t))
	if err != nil {
		t.Fatal(err)
	}
	defer n2.Close()
	waitReady(t, n2)
	r, err := c.Get(ctx, "k")
	if err != nil || r.Count != 1 {
		t.Fatalf("after restart: %v %v", r, err)
	}
}

func TestNode_PassesProductionDefaultsToEtcd(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	n := &embedded{Node: &Node{cfg: cfg, logs: quietLogs(t)}}
	e, err := n.embedConfig()
	if err != nil {
		t.Fatal(err)
	}
	if e.AutoCompactionMode != "periodic" || e.AutoCompactionRetention != "5m" {
		t.Errorf("compaction %s/%s", e.AutoCompactionMode, e.AutoCompactionRetention)
	}
	if e.MaxRequestBytes != DefaultMaxRequestBytes || e.MaxTxnOps != DefaultMaxTxnOps || e.QuotaBackendBytes != DefaultQuotaBackendBytes {
		t.Errorf("limits %d %d %d", e.MaxRequestBytes, e.MaxTxnOps, e.QuotaBackendBytes)
	}
	if e.InitialCluster != "test="+cfg.InitialAdvertisePeerURLs[0] || e.ClusterState != "new" {
		t.Errorf("cluster %q %q", e.InitialCluster, e.ClusterState)
	}
	if !e.EnableGRPCGateway {
		t.Error("HTTP/JSON gateway off")
	}
}

func TestNode_DataDirInUse(t *testing.T) {
	dir := t.TempDir()
	n, err := Start(context.Background(), testConfig(t, dir), quietLogs(t))
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	_, err = Start(context.Background(), testConfig(t, dir), quietLogs(t))
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "data-dir" || !strings.Contains(fe.Reason, "in use by another zkgate process") {
		t.Fatalf("second Start on the same dir = %v", err)
	}
}

// TestNode_CloseBeforeReady: a member whose peers never come up is not
// ready, and Close still returns (etcd's own Close would block forever).
func TestNode_CloseBeforeReady(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	cfg.InitialCluster = fmt.Sprintf("test=%s,b=http://127.0.0.1:%d,c=http://127.0.0.1:%d",
		cfg.InitialAdvertisePeerURLs[0], freeport.Port(t), freeport.Port(t))
	n, err := Start(context.Background(), cfg, quietLogs(t))
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-n.Ready():
		t.Fatal("ready without a quorum")
	default:
	}
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	// And the dir is free again.
	n2, err := Start(context.Background(), cfg, quietLogs(t))
	if err != nil {
		t.Fatalf("restart after close-before-ready: %v", err)
	}
	if err := n2.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestNode_StartInterrupted: joining an existing cluster whose peer
// accepts connections but never answers blocks etcd's start; cancelling
// the context ends Start at once.
func TestNode_StartInterrupted(t *testing.T) {
	peer, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	accepted := make(chan net.Conn, 8)
	go func() {
		for {
			c, err := peer.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	cfg := testConfig(t, t.TempDir())
	cfg.InitialClusterState = "existing"
	cfg.InitialCluster = fmt.Sprintf("test=%s,b=http://%s", cfg.InitialAdvertisePeerURLs[0], peer.Addr())
	ctx, cancel := context.WithCancel(context.Background())
	type result struct {
		n   *Node
		err error
	}
	done := make(chan result, 1)
	go func() {
		n, err := Start(ctx, cfg, quietLogs(t))
		done <- result{n, err}
	}()
	select {
	case c := <-accepted:
		defer c.Close()
	case r := <-done:
		t.Fatalf("Start returned before contacting the peer: %v", r.err)
	}
	cancel()
	r := <-done
	if !errors.Is(r.err, ErrInterrupted) {
		t.Fatalf("Start = %v, want ErrInterrupted", r.err)
	}
}

// TestNode_ExternalEtcdUnreachable: an external etcd that does not answer
// is a clear error naming the option.
func TestNode_ExternalEtcdUnreachable(t *testing.T) {
	cfg := DefaultOptions()
	cfg.ZKListen = ""
	cfg.EtcdEndpoints = []string{"http://127.0.0.1:1"}
	_, err := Start(context.Background(), cfg, quietLogs(t))
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "etcd-endpoints" {
		t.Fatalf("Start = %v", err)
	}
}

// BenchmarkNode_StartReady measures the time from Start to a member that
// serves clients, on a new data dir and on a restart.
func BenchmarkNode_StartReady(b *testing.B) {
	for _, restart := range []bool{false, true} {
		name := "new"
		if restart {
			name = "restart"
		}
		b.Run(name, func(b *testing.B) {
			dir := filepath.Join(b.TempDir(), "data")
			cfg := testConfig(b, dir)
			if restart {
				n, err := Start(context.Background(), cfg, quietLogs(b))
				if err != nil {
					b.Fatal(err)
				}
				waitReady(b, n)
				n.Close()
			}
			for i := 0; i < b.N; i++ {
				if !restart {
					cfg.DataDir = filepath.Join(b.TempDir(), fmt.Sprint(i))
				}
				n, err := Start(context.Background(), cfg, quietLogs(b))
				if err != nil {
					b.Fatal(err)
				}
				waitReady(b, n)
				b.StopTimer()
				n.Close()
				b.StartTimer()
			}
		})
	}
}

// In front of an external etcd, the node reports the version it was
// given, and once closed its error channel is closed too, so whoever
// waits on Err is released.
func TestNode_ExternalReportsVersionAndClosesErr(t *testing.T) {
	member, err := Start(context.Background(), testConfig(t, filepath.Join(t.TempDir(), "data")), quietLogs(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { member.Close() })
	waitReady(t, member)

	cfg := testConfig(t, "")
	cfg.DataDir = ""
	cfg.ListenPeerURLs, cfg.InitialAdvertisePeerURLs = nil, nil
	cfg.EtcdEndpoints = member.cfg.AdvertiseClientURLs
	cfg.Version = "1.2.3-test"
	n, err := Start(context.Background(), cfg, quietLogs(t))
	if err != nil {
		t.Fatal(err)
	}
	waitReady(t, n)

	conn, err := net.DialTimeout("tcp", cfg.ZKListen, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := conn.Write([]byte("srvr")); err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(conn)
	conn.Close()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "Zookeeper version: 3.8.0-zkgate-1.2.3-test,") {
		t.Errorf("srvr does not report the version given:\n%s", out)
	}

	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err, ok := <-n.Err():
		if ok {
			t.Fatalf("Err delivered %v after Close, want the channel closed", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Err still open 10 s after Close")
	}
}
