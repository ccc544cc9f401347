// Package gatewaytest starts real etcd members in the test process, for
// the gateway's integration tests and for any package built on it.
//
//	cl := gatewaytest.StartCluster(t, 1)
//	eng := gatewaytest.NewEngine(t, cl.Client(0), gateway.Config{})
//
// Members run on free loopback ports (from freeport, the package below,
// which the e2e harness uses too) with data under t.TempDir() and are
// stopped when the test ends.
package gatewaytest

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.etcd.io/etcd/server/v3/etcdserver/api/v3rpc"
	"go.etcd.io/etcd/server/v3/proxy/grpcproxy/adapter"
	"go.uber.org/zap"

	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/gateway/gatewaytest/freeport"
)

// Cluster is a set of in-process etcd members.
type Cluster struct {
	t       testing.TB
	Members []*embed.Etcd
	clients []*clientv3.Client
	cfgs    []*embed.Config
}

// freeURL is a loopback URL on a freeport.Port.
func freeURL(t testing.TB) url.URL {
	t.Helper()
	return url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", freeport.Port(t))}
}

// StartCluster starts size members forming one cluster and waits until
// all serve clients. Options adjust each member's config before start.
func StartCluster(t testing.TB, size int, options ...func(*embed.Config)) *Cluster {
	t.Helper()
	c := &Cluster{t: t}
	var initial []string
	for i := range size {
		cfg := embed.NewConfig()
		cfg.Name = fmt.Sprintf("m%d", i)
		cfg.Dir = t.TempDir()
		cu, pu := freeURL(t), freeURL(t)
		cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{cu}, []url.URL{cu}
		cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{pu}, []url.URL{pu}
		cfg.Logger = "zap"
		cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.NewNop())
		cfg.MaxTxnOps = 8192
		cfg.MaxRequestBytes = 4 << 20
		for _, o := range options {
			o(cfg)
		}
		initial = append(initial, cfg.Name+"="+pu.String())
		c.cfgs = append(c.cfgs, cfg)
	}
	for _, cfg := range c.cfgs {
		cfg.InitialCluster = strings.Join(initial, ",")
	}
	var wg sync.WaitGroup
	c.Members = make([]*embed.Etcd, size)
	errs := make([]error, size)
	for i, cfg := range c.cfgs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.Members[i], errs[i] = embed.StartEtcd(cfg)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("starting etcd: %v", err)
		}
	}
	t.Cleanup(c.Stop)
	for _, m := range c.Members {
		select {
		case <-m.Server.ReadyNotify():
		case <-time.After(60 * time.Second):
			t.Fatal("etcd member not ready")
		}
	}
	for _, cfg := range c.cfgs {
		cl, err := clientv3.New(clientv3.Config{
			Endpoints:          []string{cfg.AdvertiseClientUrls[0].String()},
			DialTimeout:        5 * time.Second,
			Logger:             zap.NewNop(),
			MaxCallSendMsgSize: 8 << 20,
		})
		if err != nil {
			t.Fatal(err)
		}
		c.clients = append(c.clients, cl)
		members.Store(cl, c.Members[len(c.clients)-1])
	}
	return c
}

// members maps the clients of StartCluster to their member, so that
// NewEngine serves reads from the member's store as zkgate serve does.
var members sync.Map // *clientv3.Client -> *embed.Etcd

// Client is a client of member i alone.
func (c *Cluster) Client(i int) *clientv3.Client { return c.clients[i] }

// StopMember stops member i, as if it had crashed; its client stays,
// failing. The other members go on.
func (c *Cluster) StopMember(i int) {
	if m := c.Members[i]; m != nil {
		m.Close()
		c.Members[i] = nil
	}
}

// Stop closes the clients and stops every member.
func (c *Cluster) Stop() {
	for _, cl := range c.clients {
		members.Delete(cl)
		cl.Close()
	}
	c.clients = nil
	for _, m := range c.Members {
		if m != nil {
			m.Close()
		}
	}
	c.Members = nil
}

// NewEngine starts an engine on client, closed when the test ends.
func NewEngine(t testing.TB, client *clientv3.Client, cfg gateway.Config) *gateway.Engine {
	t.Helper()
	cfg.Client = client
	if m, ok := members.Load(client); ok && cfg.LocalStore == nil {
		srv := m.(*embed.Etcd).Server
		cfg.LocalStore = srv.KV()
		cfg.HasLeader = func() bool { return srv.Leader() != 0 }
		if cfg.KVClient == nil {
			// As zkgate serve does: the committer's transactions go to
			// the member's KV service in process.
			cfg.KVClient = adapter.KvServerToKvClient(v3rpc.NewQuotaKVServer(srv))
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	e, err := gateway.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}
