package node

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/etcd/client/pkg/v3/transport"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
	"google.golang.org/grpc"

	"github.com/zkgate/zkgate/cmd/zkgate/internal/logging"
	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/gateway/api"
	"github.com/zkgate/zkgate/recipes"
	"github.com/zkgate/zkgate/ui"
)

// embedded is the backend of a node that runs its own etcd member: the
// member serves the etcd API with the namespace's gRPC service registered
// on its servers, and the namespace engine runs over an in-process client
// once the member is ready. It extends its Node, whose configuration,
// loggers and ZooKeeper face it uses.
type embedded struct {
	*Node
	lock *dataDirLock
	etcd *embed.Etcd
	// started is etcd once it has started, for the ZooKeeper face's
	// callbacks (zkMode, zkQuorum), which a scrape of /metrics or a
	// four-letter word can call from the start on.
	started atomic.Pointer[embed.Etcd]

	grpcs []*grpc.Server // every gRPC server etcd created, to drain on Close (Node.mu)

	// The namespace: its gRPC service is registered on etcd's gRPC
	// servers at start, and gets its engine once the member is ready.
	ns           *api.Server
	engine       *gateway.Engine // Node.mu
	engineClient *clientv3.Client

	// notReady answers on the client listeners while the member waits
	// for a quorum (noquorum.go).
	notReady *notReadyServer

	// leader is since when the member leads Raft (quorum.go).
	leader leadership
}

// startEmbedded locks the data dir, serves the ZooKeeper port and starts
// the member; the engine follows once the member is ready.
func startEmbedded(ctx context.Context, cfg Options, logs *logging.Loggers) (*Node, error) {
	n := &embedded{Node: &Node{cfg: cfg, logs: logs, start: time.Now()}}
	n.b = n
	if err := CheckDataDir(cfg.DataDir); err != nil {
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
		n.started.Store(s.e)
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
	return n.Node, nil
}

// embedConfig translates cfg into etcd's embed.Config.
func (n *embedded) embedConfig() (*embed.Config, error) {
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
	n.ns = api.NewServer(nil)
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
	httpAPI, err := api.NewHTTPHandler(context.Background(), dialTarget(e.ListenClientUrls[0]), dopts...)
	if err != nil {
		return nil, fmt.Errorf("namespace HTTP API: %w", err)
	}
	console := n.consoleHandler(httpAPI, func() *clientv3.Client {
		n.mu.Lock()
		defer n.mu.Unlock()
		return n.engineClient
	})
	e.UserHandlers = map[string]http.Handler{"/zk/": httpAPI, "/health": n.healthHandler(), ui.Prefix: console}
	maps.Copy(e.UserHandlers, n.clientAdminHandlers())
	maps.Copy(e.UserHandlers, n.memberHealthz())
	if err := e.Validate(); err != nil {
		return nil, fmt.Errorf("etcd configuration: %w", err)
	}
	return e, nil
}

// startEngine starts the namespace engine once the member serves, over an
// in-process etcd client, and hands it to the gRPC service.
func (n *embedded) startEngine() {
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
	client, kv, renew := newInProcessClient(n.etcd.Server, c.EtcdUser, c.EtcdPassword, n.logs.Main.Named("etcd-auth"))
	gcfg := gatewayConfig(c, client, n.logs)
	gcfg.LocalStore = n.etcd.Server.KV()
	gcfg.KVClient = kv
	gcfg.LeaseRenew = renew
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

func (n *embedded) err() <-chan error { return n.etcd.Err() }

func (n *embedded) stopped() <-chan struct{} { return n.etcd.Server.StopNotify() }

func (n *embedded) faces() []zap.Field {
	var clients, peers []string
	for _, l := range n.etcd.Clients {
		clients = append(clients, schemeOf(l.Addr(), n.cfg.ListenClientURLs)+"://"+l.Addr().String())
	}
	for _, p := range n.etcd.Peers {
		peers = append(peers, schemeOf(p.Listener.Addr(), n.cfg.ListenPeerURLs)+"://"+p.Listener.Addr().String())
	}
	return append([]zap.Field{
		zap.Strings("etcd-grpc", clients),
		zap.Strings("etcd-http-json", withPath(clients, "/v3/")),
		zap.Strings("health", withPath(clients, "/health")),
		zap.Strings("metrics", withPath(clients, "/metrics")),
		zap.Strings("namespace-grpc", clients),
		zap.Strings("namespace-http-json", withPath(clients, "/zk/v1/")),
		zap.Strings("console", withPath(clients, ui.Prefix)),
		zap.String("zookeeper", n.cfg.ZKListen),
		zap.String("zookeeper-tls", n.cfg.ZKSecureListen),
		zap.Strings("peer", peers),
		zap.String("member-id", n.etcd.Server.MemberID().String()),
		zap.String("data-dir", n.cfg.DataDir),
	}, n.adminFaces(clients)...)
}

func (n *embedded) close() error {
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
func (n *embedded) drain() {
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
