package e2e

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/zkgate/zkgate/e2e/harness"
)

// TestDurability_SingleNodeRestart: every acknowledged write survives a
// clean stop and a SIGKILL of a single node.
func TestDurability_SingleNodeRestart(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{})
	ctx := testCtx(t)

	write := func(prefix string, count int) {
		c := n.Client()
		for i := range count {
			if _, err := c.Put(ctx, fmt.Sprintf("%s/%03d", prefix, i), fmt.Sprint(i)); err != nil {
				t.Fatal(err)
			}
		}
		c.Close()
	}
	check := func(prefix string, count int) {
		c := n.Client()
		defer c.Close()
		resp, err := c.Get(ctx, prefix+"/", clientv3.WithPrefix())
		if err != nil {
			t.Fatal(err)
		}
		if int(resp.Count) != count {
			t.Fatalf("%s: %d keys after restart, want %d", prefix, resp.Count, count)
		}
		for i, kv := range resp.Kvs {
			if string(kv.Value) != fmt.Sprint(i) {
				t.Fatalf("%s: key %s = %q", prefix, kv.Key, kv.Value)
			}
		}
	}

	write("stopped", 200)
	n.Stop()
	n.Restart()
	check("stopped", 200)

	write("killed", 200)
	n.Kill()
	n.Restart()
	check("stopped", 200)
	check("killed", 200)
}

// TestCluster_KillMembers: a three-node cluster keeps serving with any one
// member SIGKILLed, loses no acknowledged write when its leader is killed
// under a stream of writes, and the killed members catch up on restart.
func TestCluster_KillMembers(t *testing.T) {
	c := harness.StartCluster(t, 3)
	ctx := testCtx(t)
	client := c.Client()

	// A follower dies: the other two still serve reads and writes, through
	// each of them.
	leader := c.Leader(30 * time.Second)
	var follower *harness.Node
	for _, n := range c.Nodes {
		if n != leader {
			follower = n
			break
		}
	}
	follower.Kill()
	for _, n := range c.Nodes {
		if n == follower {
			continue
		}
		nc := n.Client()
		if _, err := nc.Put(ctx, "during-follower-outage/"+n.Name, "ok"); err != nil {
			t.Fatalf("write via %s with a follower down: %v", n.Name, err)
		}
		if r, err := nc.Get(ctx, "during-follower-outage/", clientv3.WithPrefix()); err != nil || r.Count == 0 {
			t.Fatalf("read via %s with a follower down: %v %v", n.Name, r, err)
		}
	}
	follower.Restart()
	expectCaughtUp(t, ctx, follower, client)

	// The leader dies under a stream of writes.
	leader = c.Leader(30 * time.Second)
	var (
		mu    sync.Mutex
		acked []string
	)
	stop := make(chan struct{})
	writerDone := make(chan struct{})
	afterKill := make(chan struct{}, 1)
	var killed sync.WaitGroup
	killed.Add(1)
	go func() {
		defer close(writerDone)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			key := fmt.Sprintf("stream/%05d", i)
			wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			_, err := client.Put(wctx, key, "v")
			cancel()
			if err == nil {
				mu.Lock()
				acked = append(acked, key)
				n := len(acked)
				mu.Unlock()
				if n == 100 {
					killed.Done()
				}
				if leader.ExitState() != nil {
					select {
					case afterKill <- struct{}{}:
					default:
					}
				}
			}
		}
	}()
	killed.Wait()
	leader.Kill()
	// Writes are acknowledged again once a new leader is elected.
	for range 20 {
		select {
		case <-afterKill:
		case <-time.After(30 * time.Second):
			t.Fatal("no write acknowledged after the leader was killed")
		}
	}
	close(stop)
	<-writerDone

	newLeader := c.Leader(30 * time.Second)
	if newLeader == leader {
		t.Fatal("killed node still reported as leader")
	}
	mu.Lock()
	keys := append([]string(nil), acked...)
	mu.Unlock()
	for _, n := range c.Nodes {
		if n == leader {
			continue
		}
		expectKeys(t, ctx, n.Client(), keys, false)
	}

	leader.Restart()
	expectCaughtUp(t, ctx, leader, client)
	expectKeys(t, ctx, leader.Client(), keys, true)
}

// expectCaughtUp waits until n has applied everything the cluster had
// committed: a linearizable read through n only returns once n's state
// reaches the leader's commit index at the time of the read.
func expectCaughtUp(t *testing.T, ctx context.Context, n *harness.Node, cluster *clientv3.Client) {
	t.Helper()
	want, err := cluster.Get(ctx, "caught-up-probe")
	if err != nil {
		t.Fatal(err)
	}
	nc := n.Client()
	if _, err := nc.Get(ctx, "caught-up-probe"); err != nil {
		t.Fatalf("linearizable read via restarted %s: %v", n.Name, err)
	}
	local, err := nc.Get(ctx, "caught-up-probe", clientv3.WithSerializable())
	if err != nil {
		t.Fatal(err)
	}
	if local.Header.Revision < want.Header.Revision {
		t.Fatalf("%s at revision %d, cluster was at %d", n.Name, local.Header.Revision, want.Header.Revision)
	}
}

// expectKeys checks that every key is readable; local reads go to the
// node's own state without asking the leader.
func expectKeys(t *testing.T, ctx context.Context, c *clientv3.Client, keys []string, local bool) {
	t.Helper()
	var opts []clientv3.OpOption
	if local {
		opts = append(opts, clientv3.WithSerializable())
	}
	for _, k := range keys {
		r, err := c.Get(ctx, k, opts...)
		if err != nil {
			t.Fatalf("get %s: %v", k, err)
		}
		if r.Count != 1 {
			t.Fatalf("acknowledged write %s is missing (of %d)", k, len(keys))
		}
	}
	if len(keys) < 120 {
		t.Fatal(errors.New("too few writes in the stream to mean anything"))
	}
}
