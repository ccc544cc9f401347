package node

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/zkgate/zkgate/schema"
)

type quietZK struct{}

func (quietZK) Printf(string, ...any) {}

// TestNode_EtcdAuthIdentity: with etcd authentication turned on while the
// node runs, the namespace acts as --etcd-user (readwrite on zkgate's
// prefix only): concurrent ZooKeeper clients keep creating and reading,
// including across etcd dropping the node's token; anonymous etcd
// requests are refused meanwhile.
func TestNode_EtcdAuthIdentity(t *testing.T) {
	cfg := testConfig(t, filepath.Join(t.TempDir(), "data"))
	cfg.EtcdUser, cfg.EtcdPassword = "zkgate", "zkpw"
	n, err := Start(context.Background(), cfg, quietLogs(t))
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	waitReady(t, n)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	admin, err := clientv3.New(clientv3.Config{Endpoints: cfg.AdvertiseClientURLs, Logger: zap.NewNop()})
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	for _, step := range []func() error{
		func() error { _, err := admin.UserAdd(ctx, "root", "rootpw"); return err },
		func() error { _, err := admin.UserGrantRole(ctx, "root", "root"); return err },
		func() error { _, err := admin.UserAdd(ctx, "zkgate", "zkpw"); return err },
		func() error { _, err := admin.RoleAdd(ctx, "zkgate"); return err },
		func() error {
			_, err := admin.RoleGrantPermission(ctx, "zkgate", schema.Prefix, clientv3.GetPrefixRangeEnd(schema.Prefix), clientv3.PermissionType(clientv3.PermReadWrite))
			return err
		},
		func() error { _, err := admin.UserGrantRole(ctx, "zkgate", "zkgate"); return err },
		func() error { _, err := admin.AuthEnable(ctx); return err },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := admin.Get(ctx, "k"); !errors.Is(err, rpctypes.ErrUserEmpty) {
		t.Fatalf("anonymous get with auth on: %v", err)
	}

	work := func(round string) {
		t.Helper()
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, events, err := zk.Connect([]string{cfg.ZKListen}, 10*time.Second, zk.WithLogger(quietZK{}))
				if err != nil {
					errs <- err
					return
				}
				defer c.Close()
				for ev := range events {
					if ev.State == zk.StateHasSession {
						break
					}
				}
				for i := range 10 {
					p := fmt.Sprintf("/%s-%d-%d", round, w, i)
					if _, err := c.Create(p, []byte(p), zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); err != nil {
						errs <- fmt.Errorf("create %s: %w", p, err)
						return
					}
					if d, _, err := c.Get(p); err != nil || string(d) != p {
						errs <- fmt.Errorf("get %s: %q %w", p, d, err)
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("%s: %v", round, err)
		}
	}
	work("auth")

	root, err := clientv3.New(clientv3.Config{Endpoints: cfg.AdvertiseClientURLs, Logger: zap.NewNop(), Username: "root", Password: "rootpw"})
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	// The same password again: etcd drops the user's tokens.
	if _, err := root.UserChangePassword(ctx, "zkgate", "zkpw"); err != nil {
		t.Fatal(err)
	}
	work("renewed")
}

// TestNode_InProcessLeaseRenew: the renewal the namespace's sessions use
// (gateway.Config.LeaseRenew) renews a lease of the embedded member
// without a keep-alive stream, answers its TTL, and reports a lease that
// is gone as the client library does (rpctypes.ErrLeaseNotFound), which
// a session's ping turns into SessionExpired.
func TestNode_InProcessLeaseRenew(t *testing.T) {
	cfg := testConfig(t, filepath.Join(t.TempDir(), "data"))
	n, err := Start(context.Background(), cfg, quietLogs(t))
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	waitReady(t, n)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client, _, renew := newInProcessClient(n.b.(*embedded).etcd.Server, "", "", zap.NewNop())
	defer client.Close()
	l, err := client.Grant(ctx, 30)
	if err != nil {
		t.Fatal(err)
	}
	if ttl, err := renew(ctx, int64(l.ID)); err != nil || ttl != 30 {
		t.Fatalf("renewing a live lease: ttl %d, %v; want 30", ttl, err)
	}
	if _, err := client.Revoke(ctx, l.ID); err != nil {
		t.Fatal(err)
	}
	if ttl, err := renew(ctx, int64(l.ID)); !errors.Is(err, rpctypes.ErrLeaseNotFound) {
		t.Fatalf("renewing a revoked lease: ttl %d, %v; want ErrLeaseNotFound", ttl, err)
	}
}
