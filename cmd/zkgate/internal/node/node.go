package node

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/zkgate/zkgate/cmd/zkgate/internal/logging"
	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/zkbridge"
)

// ErrInterrupted is returned by Start when its context ends before the
// member has started.
var ErrInterrupted = errors.New("interrupted during start-up")

// Timing of shutdown. In-flight unary requests get drainTimeout to finish;
// long-lived streams (watches, keep-alives) are then cut so that shutdown
// does not wait etcd's full request timeout for them.
const (
	drainTimeout = time.Second
	// stopTimeout bounds the whole of Close. A leader whose peers are
	// already gone spends up to etcd's request timeout (5 s plus two
	// election timeouts) trying to hand over leadership.
	stopTimeout = 20 * time.Second
)

// Node is one running zkgate process's server side: the namespace and
// the faces served on it, over an etcd that is either a member embedded
// in the process (embedded.go) or a cluster it does not run
// (external.go); the two are the backend interface.
type Node struct {
	cfg   Options
	logs  *logging.Loggers
	start time.Time

	mu sync.Mutex // guards zk, and the embedded member's grpcs and engine

	// engineDone is closed once the namespace has started or failed to
	// (engineErr).
	engineDone chan struct{}
	engineErr  error

	b backend

	// The ZooKeeper protocol face: its listeners (plaintext and TLS) are
	// opened and served at start (so a port in use is a start-up error,
	// and a member waiting for its quorum answers four-letter words and
	// refuses handshakes at once, as ZooKeeper does); it gets the engine
	// once the engine runs.
	zkListener       net.Listener
	zkSecureListener net.Listener
	zkTLS            *tls.Config
	zk               *zkbridge.Server
	zkMetrics        prometheus.Collector // zk's, if this node registered it (metrics.go)

	// The AdminServer commands' own port (AdminListen), if any, and its
	// URL for the ready line (guarded by mu).
	admin    *http.Server
	adminURL string

	closeOnce sync.Once
	closeErr  error
}

// backend is where a Node's etcd comes from, and what serves the etcd
// and namespace APIs on its client URLs: an embedded member (embedded)
// or an external cluster (external). Its methods are called after Start
// has returned the Node, from any goroutine.
type backend interface {
	// err delivers a fatal error of the running node (for example its
	// listeners failing).
	err() <-chan error
	// stopped is closed when the backend stops on its own; nil if it
	// never does.
	stopped() <-chan struct{}
	// faces describes where the node serves, for the ready line.
	faces() []zap.Field
	// close stops what the backend started (the ZooKeeper face is
	// stopped first, by Node).
	close() error
}

// Start validates cfg, locks the data dir and starts the embedded etcd
// member. It returns once the member runs; Ready reports when it serves
// clients (that needs a quorum of the cluster). If ctx ends first, Start
// returns ErrInterrupted.
func Start(ctx context.Context, cfg Options, logs *logging.Loggers) (*Node, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	start := startEmbedded
	if !cfg.Embedded() {
		start = startExternal
	}
	n, err := start(ctx, cfg, logs)
	if err != nil {
		return nil, err
	}
	if err := n.serveAdmin(); err != nil {
		_ = n.Close()
		return nil, err
	}
	return n, nil
}

// gatewayConfig is the namespace engine's configuration.
func gatewayConfig(c *Options, client *clientv3.Client, logs *logging.Loggers) gateway.Config {
	g := c.Engine()
	g.Client = client
	g.Logger = logs.Main.Named("gateway")
	return g
}

// Ready is closed when the member serves clients and the namespace is
// up; check EngineErr after it.
func (n *Node) Ready() <-chan struct{} { return n.engineDone }

// EngineErr is why the namespace did not start, once Ready is closed.
func (n *Node) EngineErr() error { return n.engineErr }

// Err delivers a fatal error of the running node (for example its
// listeners failing); with an embedded member, it is closed once the
// member has stopped.
func (n *Node) Err() <-chan error { return n.b.err() }

// Stopped is closed when the embedded member has stopped, for example
// after it was removed from the cluster; never in front of an external
// etcd, which is not this node's to stop.
func (n *Node) Stopped() <-chan struct{} { return n.b.stopped() }

// Faces describes where this node serves, for the ready line.
func (n *Node) Faces() []zap.Field { return n.b.faces() }

// SinceStart is the time since Start was called.
func (n *Node) SinceStart() time.Duration { return time.Since(n.start) }

func withPath(urls []string, path string) []string {
	out := make([]string, len(urls))
	for i, u := range urls {
		out[i] = u + path
	}
	return out
}

// Close stops the node: it drains client requests briefly, cuts
// long-lived streams, stops the member (handing leadership to another
// member when it leads) and unlocks the data dir. It is safe to call more
// than once and also when the member never became ready, where etcd's own
// Close would wait forever for servers that never started.
func (n *Node) Close() error {
	n.closeOnce.Do(func() { n.closeErr = n.close() })
	return n.closeErr
}

func (n *Node) close() error {
	n.stopAdmin()
	n.stopZK()
	return n.b.close()
}

// dialTarget is where the HTTP API reaches the gRPC service: the first
// client URL, on loopback if it listens on every address.
func dialTarget(u url.URL) string {
	host, port, _ := net.SplitHostPort(u.Host)
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

func parseURLs(field string, in []string) ([]url.URL, error) {
	out := make([]url.URL, 0, len(in))
	for _, s := range in {
		u, err := url.Parse(s)
		if err != nil {
			return nil, &FieldError{Field: field, Reason: err.Error()}
		}
		out = append(out, *u)
	}
	return out, nil
}
