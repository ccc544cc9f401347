package node

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"go.etcd.io/etcd/client/pkg/v3/transport"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
	"google.golang.org/grpc"

	"github.com/zkgate/zkgate/cmd/zkgate/internal/config"
	"github.com/zkgate/zkgate/cmd/zkgate/internal/logging"
	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/recipes"
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

// Node is one running zkgate process's server side: an embedded etcd
// member, and the faces served with it.
type Node struct {
	cfg   config.Config
	logs  *logging.Loggers
	lock  *dataDirLock
	etcd  *embed.Etcd
	start time.Time

	mu    sync.Mutex
	grpcs []*grpc.Server // every gRPC server etcd created, to drain on Close

	// The namespace: its gRPC service is registered on etcd's gRPC
	// servers at start, and gets its engine once the member is ready.
	ns           *gateway.Server
	engine       *gateway.Engine
	engineClient *clientv3.Client
	engineDone   chan struct{} // closed once startEngine has finished
	engineErr    error

	ext *external // set when running in front of an external etcd

	// The ZooKeeper protocol face: its listeners (plaintext and TLS) are
	// opened and served at start (so a port in use is a start-up error,
	// and a member waiting for its quorum answers four-letter words and
	// refuses handshakes at once, as ZooKeeper does); it gets the engine
	// once the engine runs.
	zkListener       net.Listener
	zkSecureListener net.Listener
	zkTLS            *tls.Config
	zk               *zkbridge.Server

	// notReady answers on the client listeners while the member waits
	// for a quorum (noquorum.go).
	notReady *notReadyServer

	// leader is since when the member leads Raft (quorum.go).
	leader leadership

	closeOnce sync.Once
	closeErr  error
}

// Start validates cfg, locks the data dir and starts the embedded etcd
// member. It returns once the member runs; Ready reports when it serves
// clients (that needs a quorum of the cluster). If ctx ends first, Start
// returns ErrInterrupted.
func Start(ctx context.Context, cfg config.Config, logs *logging.Loggers) (*Node, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if !cfg.Embedded() {
		return startExternal(ctx, cfg, logs)
	}
	n := &Node{cfg: cfg, logs: logs, start: time.Now()}
	if err := config.CheckDataDir(cfg.DataDir); err != nil {
		return nil, err
	}
	lock, err := lockDataDir(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	n.lock = lock
	if err := checkDataDirMember(&cfg); err != nil {
		lock.release()
		return nil, err
	}
	if err := n.listenZK(); err != nil {
		lock.release()
		return nil, err
	}
	if err := n.serveZK(nil, n.zkMode, n.zkQuorum); err != nil {
		lock.release()
		n.closeZKListener()
		return nil, err
	}

	ecfg, err := n.embedConfig()
	if err != nil {
		lock.release()
		n.stopZK()
		return nil, err
	}

	type started struct {
		e   *embed.Etcd
		err error
	}
	ch := make(chan started, 1)
	go func() {
		e, err := embed.StartEtcd(ecfg)
		ch <- started{e, err}
	}()
	select {
	case s := <-ch:
		if s.err != nil {
			lock.release()
			n.stopZK()
			return nil, fmt.Errorf("starting etcd member: %w", s.err)
		}
		n.etcd = s.e
		go n.trackLeadership()
		nr, err := n.serveNotReady()
		if err != nil {
			s.e.Server.HardStop()
			s.e.Close()
			lock.release()
			n.stopZK()
			return nil, err
		}
		n.notReady = nr
		n.engineDone = make(chan struct{})
		go n.startEngine()
	case <-ctx.Done():
		// StartEtcd can block (joining an existing cluster whose peers do
		// not answer). The process is about to exit; the goroutine goes
		// with it.
		return nil, ErrInterrupted
	}
	return n, nil
}

// embedConfig translates cfg into etcd's embed.Config.
func (n *Node) embedConfig() (*embed.Config, error) {
	c := n.cfg
	e := embed.NewConfig()
	e.Name = c.Name
	e.Dir = c.DataDir
	var err error
	if e.ListenClientUrls, err = parseURLs("listen-client-urls", c.ListenClientURLs); err != nil {
		return nil, err
	}
	if e.AdvertiseClientUrls, err = parseURLs("advertise-client-urls", c.AdvertiseClientURLs); err != nil {
		return nil, err
	}
	if e.ListenPeerUrls, err = parseURLs("listen-peer-urls", c.ListenPeerURLs); err != nil {
		return nil, err
	}
	if e.AdvertisePeerUrls, err = parseURLs("initial-advertise-peer-urls", c.InitialAdvertisePeerURLs); err != nil {
		return nil, err
	}
	e.InitialCluster = c.InitialClusterOrSelf()
	e.ClusterState = c.InitialClusterState
	e.InitialClusterToken = c.InitialClusterToken
	e.TickMs = uint(c.HeartbeatInterval.Milliseconds())
	e.ElectionMs = uint(c.ElectionTimeout.Milliseconds())
	e.SnapshotCount = c.SnapshotCount
	e.SnapshotCatchUpEntries = c.SnapshotCatchUpEntries
	e.AutoCompactionMode = c.AutoCompactionMode
	e.AutoCompactionRetention = c.AutoCompactionRetention
	e.QuotaBackendBytes = c.QuotaBackendBytes
	e.MaxRequestBytes = c.MaxRequestBytes
	e.MaxTxnOps = c.MaxTxnOps
	e.ClientTLSInfo = clientTLSInfo(&c, n.logs.Etcd)
	e.PeerTLSInfo = transport.TLSInfo{
		CertFile:       c.PeerCertFile,
		KeyFile:        c.PeerKeyFile,
		TrustedCAFile:  c.PeerTrustedCAFile,
		ClientCertAuth: c.PeerClientCertAuth,
		Logger:         n.logs.Etcd,
	}
	e.LogLevel = c.LogLevel
	e.Logger = "zap"
	e.ZapLoggerBuilder = embed.NewZapLoggerBuilder(n.logs.Etcd)
	e.EnableGRPCGateway = true
	e.GRPCAdditionalServerOptions = n.noQuorumInterceptors()
	n.ns = gateway.NewServer(nil)
	e.ServiceRegister = func(s *grpc.Server) {
		n.mu.Lock()
		n.grpcs = append(n.grpcs, s)
		n.mu.Unlock()
		n.ns.Register(s)
		recipes.NewServer(n.ns).Register(s)
	}
	dopts, err := selfDialOptions(e.ListenClientUrls[0], e.ClientTLSInfo)
	if err != nil {
		return nil, err
	}
	httpAPI, err := gateway.NewHTTPHandler(context.Background(), dialTarget(e.ListenClientUrls[0]), dopts...)
	if err != nil {
		return nil, fmt.Errorf("namespace HTTP API: %w", err)
	}
	e.UserHandlers = map[string]http.Handler{"/zk/": httpAPI, "/health": n.healthHandler()}
	if err := e.Validate(); err != nil {
		return nil, fmt.Errorf("etcd configuration: %w", err)
	}
	return e, nil
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
			return nil, &config.FieldError{Field: field, Reason: err.Error()}
		}
		out = append(out, *u)
	}
	return out, nil
}

// startEngine starts the namespace engine once the member serves, over an
// in-process etcd client, and hands it to the gRPC service.
func (n *Node) startEngine() {
	defer close(n.engineDone)
	select {
	case <-n.etcd.Server.ReadyNotify():
	case <-n.etcd.Server.StopNotify():
		n.engineErr = errors.New("etcd member stopped before it was ready")
		return
	}
	c := &n.cfg
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client := newInProcessClient(n.etcd.Server, c.EtcdUser, c.EtcdPassword, n.logs.Main.Named("etcd-auth"))
	gcfg := gatewayConfig(c, client, n.logs)
	gcfg.LocalStore = n.etcd.Server.KV()
	gcfg.HasLeader = func() bool { return n.etcd.Server.Leader() != 0 }
	eng, err := gateway.New(ctx, gcfg)
	if err != nil {
		client.Close()
		n.engineErr = fmt.Errorf("starting the namespace: %w", err)
		return
	}
	n.mu.Lock()
	n.engine = eng
	n.engineClient = client
	n.mu.Unlock()
	n.ns.SetEngine(eng)
	n.setZKEngine(eng)
}

// gatewayConfig is the namespace engine's configuration.
func gatewayConfig(c *config.Config, client *clientv3.Client, logs *logging.Loggers) gateway.Config {
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

// Err delivers a fatal error of the running member (for example its
// listeners failing); it is closed once the member has stopped.
func (n *Node) Err() <-chan error {
	if n.ext != nil {
		return n.ext.errc
	}
	return n.etcd.Err()
}

// Stopped is closed when the member has stopped, for example after it was
// removed from the cluster.
func (n *Node) Stopped() <-chan struct{} {
	if n.ext != nil {
		return nil // never: the etcd cluster is not ours to stop
	}
	return n.etcd.Server.StopNotify()
}

// Faces describes where this node serves, for the ready line.
func (n *Node) Faces() []zap.Field {
	if n.ext != nil {
		return n.ext.faces(n.cfg)
	}
	var clients, peers []string
	for _, l := range n.etcd.Clients {
		clients = append(clients, schemeOf(l.Addr(), n.cfg.ListenClientURLs)+"://"+l.Addr().String())
	}
	for _, p := range n.etcd.Peers {
		peers = append(peers, schemeOf(p.Listener.Addr(), n.cfg.ListenPeerURLs)+"://"+p.Listener.Addr().String())
	}
	return []zap.Field{
		zap.Strings("etcd-grpc", clients),
		zap.Strings("etcd-http-json", withPath(clients, "/v3/")),
		zap.Strings("health", withPath(clients, "/health")),
		zap.Strings("metrics", withPath(clients, "/metrics")),
		zap.Strings("namespace-grpc", clients),
		zap.Strings("namespace-http-json", withPath(clients, "/zk/v1/")),
		zap.String("zookeeper", n.cfg.ZKListen),
		zap.String("zookeeper-tls", n.cfg.ZKSecureListen),
		zap.Strings("peer", peers),
		zap.String("member-id", n.etcd.Server.MemberID().String()),
		zap.String("data-dir", n.cfg.DataDir),
	}
}

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
	n.stopZK()
	if n.ext != nil {
		return n.ext.close()
	}
	defer n.lock.release()
	n.logs.Stopping()
	n.mu.Lock()
	eng, client := n.engine, n.engineClient
	n.mu.Unlock()
	if eng != nil {
		eng.Close()
		client.Close()
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		select {
		case <-n.etcd.Server.ReadyNotify():
			n.drain()
		default:
			// Not ready: stop Raft first so that etcd's client servers,
			// still waiting for readiness, give up, and Close can finish.
			n.etcd.Server.HardStop()
		}
		n.etcd.Close()
		n.notReady.stop()
	}()
	select {
	case <-done:
		return nil
	case <-time.After(stopTimeout):
		return fmt.Errorf("etcd member did not stop within %v", stopTimeout)
	}
}

// drain gives unary requests drainTimeout to finish, then closes the gRPC
// servers, which ends watch and keep-alive streams.
func (n *Node) drain() {
	n.mu.Lock()
	servers := append([]*grpc.Server(nil), n.grpcs...)
	n.mu.Unlock()
	var wg sync.WaitGroup
	for _, s := range servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stopped := make(chan struct{})
			go func() { s.GracefulStop(); close(stopped) }()
			select {
			case <-stopped:
			case <-time.After(drainTimeout):
				s.Stop()
				<-stopped
			}
		}()
	}
	wg.Wait()
}
