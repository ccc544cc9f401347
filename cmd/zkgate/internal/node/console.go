package node

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/zkgate/zkgate/schema"
	"github.com/zkgate/zkgate/ui"
)

// Sampling of the console's charts: every sampleInterval, the last
// sampleWindow.
const (
	sampleInterval = 5 * time.Second
	sampleWindow   = time.Hour
)

// The console's Sampler is the process's: it reads the default gatherer,
// which every node of the process shares, and runs from the first node's
// start on (tests start many nodes in one process).
var (
	samplerOnce sync.Once
	sampler     *ui.Sampler
)

func processSampler() *ui.Sampler {
	samplerOnce.Do(func() {
		sampler = ui.NewSampler(prometheus.DefaultGatherer, sampleInterval, sampleWindow)
		go sampler.Run(context.Background())
	})
	return sampler
}

// consoleHandler is the web console (package ui) over the namespace API
// httpAPI; client returns the etcd client the namespace runs over, nil
// until it has one.
func (n *Node) consoleHandler(httpAPI http.Handler, client func() *clientv3.Client) http.Handler {
	o := ui.Options{
		API:     httpAPI,
		Writes:  n.cfg.UIWrites,
		Sampler: processSampler(),
		Kinds: func(ctx context.Context, parent string, names []string) (map[string]string, error) {
			c := client()
			if c == nil {
				return nil, fmt.Errorf("the namespace is not serving yet")
			}
			return childKinds(ctx, c, parent, names)
		},
	}
	if addr := n.cfg.ZKListen; addr != "" {
		o.FourLetter = func(ctx context.Context, word string) (string, error) {
			return fourLetter(ctx, addr, word)
		}
	}
	return ui.Handler(o)
}

// childKinds finds the containers and TTL nodes among names, children
// of parent: each has a reaper mark, whose node record tells which it is.
// Only the marks of the names asked about are read (a transaction of Gets
// per kindsChunk names), so the cost is that of the children shown, not
// of the subtree. Like a Stat, which exists answers to anyone in
// ZooKeeper, a znode's kind needs no permission.
func childKinds(ctx context.Context, c *clientv3.Client, parent string, names []string) (map[string]string, error) {
	if err := schema.ValidatePath(parent); err != nil {
		return nil, err
	}
	child := func(name string) string {
		if parent == "/" {
			return "/" + name
		}
		return parent + "/" + name
	}
	var marked []string
	for chunk := range slices.Chunk(names, kindsChunk) {
		ops := make([]clientv3.Op, 0, len(chunk))
		for _, name := range chunk {
			if name == "" || strings.Contains(name, "/") {
				return nil, fmt.Errorf("%q is not a child name", name)
			}
			ops = append(ops, clientv3.OpGet(schema.ReaperKey(child(name)), clientv3.WithKeysOnly()))
		}
		resp, err := c.Txn(ctx).Then(ops...).Commit()
		if err != nil {
			return nil, err
		}
		for i, r := range resp.Responses {
			if len(r.GetResponseRange().Kvs) > 0 {
				marked = append(marked, chunk[i])
			}
		}
	}
	kinds := map[string]string{}
	for chunk := range slices.Chunk(marked, kindsChunk) {
		ops := make([]clientv3.Op, 0, len(chunk))
		for _, name := range chunk {
			ops = append(ops, clientv3.OpGet(schema.NodeKey(child(name))))
		}
		resp, err := c.Txn(ctx).Then(ops...).Commit()
		if err != nil {
			return nil, err
		}
		for i, r := range resp.Responses {
			kvs := r.GetResponseRange().Kvs
			if len(kvs) == 0 {
				continue // removed since
			}
			node, err := schema.UnmarshalNode(kvs[0].Value)
			if err != nil {
				return nil, err
			}
			kinds[chunk[i]] = node.Kind.String()
		}
	}
	return kinds, nil
}

// kindsChunk is the most Gets in one transaction: under etcd's default
// --max-txn-ops of 128, for an external etcd.
const kindsChunk = 100

// fourLetter sends word to the ZooKeeper port at addr and returns its
// answer, read until the server closes the connection.
func fourLetter(ctx context.Context, addr, word string) (string, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	if _, err := conn.Write([]byte(word)); err != nil {
		return "", err
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
	}
	b, err := io.ReadAll(io.LimitReader(conn, 16<<20))
	if err != nil && len(b) == 0 {
		return "", err
	}
	return string(b), nil
}
