package harness

import (
	"context"
	"crypto/tls"
	"fmt"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/pkg/v3/proxy"
	"go.uber.org/zap"
)

// Cluster is a set of zkgate nodes forming one etcd cluster on loopback.
type Cluster struct {
	Nodes []*Node
	// Proxies, in a cluster from StartProxiedCluster, stand in front of
	// each node's peer port: Proxies[i] carries all peer traffic to
	// Nodes[i], so it can delay or drop it.
	Proxies []proxy.Server
	t       testing.TB
}

// StartCluster starts size nodes named node1..nodeN with one
// --initial-cluster and waits until every one is healthy. extra arguments
// go to every node.
func StartCluster(t testing.TB, size int, extra ...string) *Cluster {
	t.Helper()
	return startCluster(t, size, false, nil, extra)
}

// StartClusterEach is StartCluster with arguments of each node's own
// besides the shared extra ones: perNode(i) are Nodes[i]'s.
func StartClusterEach(t testing.TB, size int, perNode func(i int) []string, extra ...string) *Cluster {
	t.Helper()
	return startCluster(t, size, false, perNode, extra)
}

// StartProxiedCluster is StartCluster with a TCP proxy (etcd's
// pkg/proxy) in front of every member's peer port: members advertise the
// proxy, so every Raft message to Nodes[i] passes through Proxies[i].
func StartProxiedCluster(t testing.TB, size int, extra ...string) *Cluster {
	t.Helper()
	return startCluster(t, size, true, nil, extra)
}

func startCluster(t testing.TB, size int, proxied bool, perNode func(int) []string, extra []string) *Cluster {
	t.Helper()
	c := &Cluster{t: t}
	opts := make([]NodeOptions, size)
	var members []string
	for i := range opts {
		opts[i] = NodeOptions{
			Name:       fmt.Sprintf("node%d", i+1),
			ClientPort: FreePort(t),
			PeerPort:   FreePort(t),
			Args:       append([]string{"--initial-cluster-token", "e2e-" + t.Name()}, extra...),
		}
		if perNode != nil {
			opts[i].Args = append(opts[i].Args, perNode(i)...)
		}
		advertise := opts[i].PeerPort
		if proxied {
			opts[i].AdvertisePeerPort = FreePort(t)
			advertise = opts[i].AdvertisePeerPort
			p := StartProxy(t, advertise, fmt.Sprintf("127.0.0.1:%d", opts[i].PeerPort))
			c.Proxies = append(c.Proxies, p)
		}
		members = append(members, fmt.Sprintf("%s=http://127.0.0.1:%d", opts[i].Name, advertise))
	}
	for i := range opts {
		opts[i].InitialCluster = strings.Join(members, ",")
		c.Nodes = append(c.Nodes, NewNode(t, opts[i]))
	}
	for _, n := range c.Nodes {
		n.Start()
	}
	for _, n := range c.Nodes {
		n.WaitReady()
	}
	return c
}

// Endpoints are the client URLs of every node.
func (c *Cluster) Endpoints() []string {
	var eps []string
	for _, n := range c.Nodes {
		eps = append(eps, n.ClientURL)
	}
	return eps
}

// Client returns a clientv3 client balanced over every node.
func (c *Cluster) Client() *clientv3.Client {
	c.t.Helper()
	return NewClient(c.t, c.Endpoints()...)
}

// Leader returns the node that is the Raft leader, as the running nodes
// report it, waiting up to timeout for them to agree on one.
func (c *Cluster) Leader(timeout time.Duration) *Node {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if n := c.leader(); n != nil {
			return n
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("no leader agreed on within %v", timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (c *Cluster) leader() *Node {
	var (
		leaderID uint64
		byID     = map[uint64]*Node{}
	)
	for _, n := range c.Nodes {
		if !n.Running() {
			continue
		}
		st, err := status(n.ClientURL, n.tls)
		if err != nil || st.Leader == 0 || (leaderID != 0 && st.Leader != leaderID) {
			return nil
		}
		leaderID = st.Leader
		byID[st.Header.MemberId] = n
	}
	return byID[leaderID]
}

// Running reports whether the node's process has been started and has not
// exited.
func (n *Node) Running() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.cmd != nil && n.state == nil
}

func status(endpoint string, tc *tls.Config) (*clientv3.StatusResponse, error) {
	cl, err := clientv3.New(clientv3.Config{Endpoints: []string{endpoint}, DialTimeout: time.Second, Logger: zap.NewNop(), TLS: tc})
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	return cl.Status(ctx, endpoint)
}
