package node

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	"go.etcd.io/etcd/client/pkg/v3/transport"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"google.golang.org/grpc"

	"github.com/zkgate/zkgate/cmd/zkgate/internal/logging"
	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/gateway/api"
	"github.com/zkgate/zkgate/recipes"
	"github.com/zkgate/zkgate/schema"
	"github.com/zkgate/zkgate/ui"
)

// external is a node in front of an etcd cluster it does not run: the
// namespace engine over a network etcd client, and the namespace API
// (gRPC and HTTP/JSON on one port, plus /health and /metrics) on the
// listen client URLs. It keeps no state of its own.
type external struct {
	cfg     Options
	client  *clientv3.Client
	engine  *gateway.Engine
	grpc    *grpc.Server
	servers []*http.Server
	addrs   []string
	// errc carries the first failure of a listener; it is closed by
	// close once every Serve has returned, so a reader never waits on a
	// stopped node.
	errc    chan error
	serving sync.WaitGroup
	// adminFaces is Node.adminFaces, for the ready line.
	adminFaces func(clients []string) []zap.Field
}

// startExternal connects to cfg.EtcdEndpoints and serves the namespace.
func startExternal(ctx context.Context, cfg Options, logs *logging.Loggers) (*Node, error) {
	n := &Node{cfg: cfg, logs: logs, start: time.Now()}
	if err := n.listenZK(); err != nil {
		return nil, err
	}
	ccfg := clientv3.Config{
		Endpoints:          cfg.EtcdEndpoints,
		DialTimeout:        5 * time.Second,
		Logger:             logs.Etcd,
		MaxCallSendMsgSize: int(cfg.MaxRequestBytes),
		Context:            context.Background(),
		Username:           cfg.EtcdUser,
		Password:           cfg.EtcdPassword,
	}
	if strings.Contains(strings.Join(cfg.EtcdEndpoints, ","), "https://") {
		info := transport.TLSInfo{CertFile: cfg.EtcdCertFile, KeyFile: cfg.EtcdKeyFile, TrustedCAFile: cfg.EtcdTrustedCAFile, Logger: logs.Etcd}
		tc, err := info.ClientConfig()
		if err != nil {
			n.closeZKListener()
			return nil, &FieldError{Field: "etcd-cert-file", Reason: err.Error()}
		}
		ccfg.TLS = tc
	}
	client, err := clientv3.New(ccfg)
	if err != nil {
		n.closeZKListener()
		if errors.Is(err, rpctypes.ErrAuthFailed) {
			return nil, &FieldError{Field: "etcd-user", Reason: fmt.Sprintf("etcd refused %q: %v", cfg.EtcdUser, err)}
		}
		return nil, fmt.Errorf("etcd-endpoints: %w", err)
	}
	x := &external{cfg: cfg, client: client, errc: make(chan error, 1)}
	fail := func(err error) (*Node, error) {
		n.closeZKListener()
		x.close()
		return nil, err
	}
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	// The first read is of zkgate's own version key, which --etcd-user
	// must be allowed to read anyway.
	if _, err := client.Get(cctx, schema.VersionKey(), clientv3.WithKeysOnly()); err != nil {
		if ctx.Err() != nil {
			return fail(ErrInterrupted)
		}
		if errors.Is(err, rpctypes.ErrAuthFailed) || errors.Is(err, rpctypes.ErrUserEmpty) || errors.Is(err, rpctypes.ErrPermissionDenied) {
			return fail(&FieldError{Field: "etcd-user", Reason: fmt.Sprintf("etcd refused %q: %v", cfg.EtcdUser, err)})
		}
		return fail(&FieldError{Field: "etcd-endpoints", Reason: fmt.Sprintf("%s: etcd does not answer: %v", strings.Join(cfg.EtcdEndpoints, ","), err)})
	}
	if x.engine, err = gateway.New(cctx, gatewayConfig(&cfg, client, logs)); err != nil {
		return fail(fmt.Errorf("starting the namespace: %w", err))
	}
	ns := api.NewServer(x.engine)
	x.grpc = grpc.NewServer(grpc.MaxRecvMsgSize(int(cfg.MaxRequestBytes)))
	ns.Register(x.grpc)
	recipes.NewServer(ns).Register(x.grpc)

	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.Handler())
	for p, h := range n.clientAdminHandlers() {
		mux.Handle(p, h)
	}
	for p, h := range externalHealthz(logs.Main.Named("health"), client) {
		mux.Handle(p, h)
	}
	mux.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) {
		hctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		if _, err := client.Get(hctx, schema.VersionKey(), clientv3.WithKeysOnly()); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintf(w, `{"health":"false","reason":%q}`, err.Error())
			return
		}
		body := []byte(`{"health":"true","reason":""}`)
		if oldest, err := x.engine.OldestZxid(hctx); err == nil {
			body = withOldestZxid(body, oldest)
		}
		_, _ = w.Write(body)
	})
	for _, s := range cfg.ListenClientURLs {
		u, _ := url.Parse(s)
		l, err := net.Listen("tcp", u.Host)
		if err != nil {
			return fail(&FieldError{Field: "listen-client-urls", Reason: err.Error()})
		}
		tlsInfo := clientTLSInfo(&cfg, logs.Etcd)
		dopts, err := selfDialOptions(*u, tlsInfo)
		if err != nil {
			l.Close()
			return fail(err)
		}
		httpAPI, err := api.NewHTTPHandler(context.Background(), dialTarget(*u), dopts...)
		if err != nil {
			l.Close()
			return fail(err)
		}
		m := http.NewServeMux()
		m.Handle("/zk/", httpAPI)
		m.Handle(ui.Prefix, n.consoleHandler(httpAPI, func() *clientv3.Client { return client }))
		m.Handle("/", mux)
		// gRPC (HTTP/2) and HTTP/1 on one port, as etcd serves them,
		// with TLS on an https URL.
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.ProtoMajor == 2 && strings.HasPrefix(r.Header.Get("Content-Type"), "application/grpc") {
				x.grpc.ServeHTTP(w, r)
				return
			}
			m.ServeHTTP(w, r)
		})
		var protocols http.Protocols
		protocols.SetHTTP1(true)
		protocols.SetUnencryptedHTTP2(true)
		srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, Protocols: &protocols}
		if u.Scheme == "https" {
			protocols.SetHTTP2(true)
			if srv.TLSConfig, err = tlsInfo.ServerConfig(); err != nil {
				l.Close()
				return fail(&FieldError{Field: "cert-file", Reason: err.Error()})
			}
			srv.TLSConfig.NextProtos = []string{"h2", "http/1.1"}
			l = tls.NewListener(l, srv.TLSConfig)
		}
		x.servers = append(x.servers, srv)
		x.addrs = append(x.addrs, u.Scheme+"://"+l.Addr().String())
		x.serving.Add(1)
		go func() {
			defer x.serving.Done()
			if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
				select {
				case x.errc <- err:
				default:
				}
			}
		}()
	}
	if err := n.serveZK(x.engine, nil, nil); err != nil {
		return fail(err)
	}
	x.adminFaces = n.adminFaces
	n.b = x
	n.engineDone = make(chan struct{})
	close(n.engineDone)
	return n, nil
}

func (x *external) err() <-chan error { return x.errc }

// stopped is nil: the etcd cluster is not this node's to stop.
func (x *external) stopped() <-chan struct{} { return nil }

func (x *external) faces() []zap.Field {
	cfg := x.cfg
	return append([]zap.Field{
		zap.String("zookeeper", cfg.ZKListen),
		zap.String("zookeeper-tls", cfg.ZKSecureListen),
		zap.Strings("etcd-endpoints", cfg.EtcdEndpoints),
		zap.Strings("namespace-grpc", x.addrs),
		zap.Strings("namespace-http-json", withPath(x.addrs, "/zk/v1/")),
		zap.Strings("console", withPath(x.addrs, ui.Prefix)),
		zap.Strings("health", withPath(x.addrs, "/health")),
		zap.Strings("metrics", withPath(x.addrs, "/metrics")),
	}, x.adminFaces(x.addrs)...)
}

func (x *external) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), drainTimeout)
	defer cancel()
	for _, s := range x.servers {
		_ = s.Shutdown(ctx)
		_ = s.Close()
	}
	if x.grpc != nil {
		x.grpc.Stop()
	}
	if x.engine != nil {
		x.engine.Close()
	}
	x.serving.Wait()
	close(x.errc)
	return x.client.Close()
}
