package node

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/server/v3/etcdserver/api/etcdhttp"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// NoQuorum is the message of the gRPC status (codes.Unavailable) a node
// answers while it cannot serve for want of a quorum: every call while
// the member waits for one at start-up, and zkgate's own services
// (namespace, recipes) while a running member has lost it. It says what
// zkbridge says to ZooKeeper clients.
const NoQuorum = "no quorum: this node cannot reach a quorum of etcd members"

// healthTimeout bounds etcd's own /health check (a linearizable read,
// which waits for etcd's request timeout, 7 s, on a member that has just
// lost its quorum), so that /health answers within a second.
const healthTimeout = 900 * time.Millisecond

// Reasons of /health while the member waits for a quorum, in etcd's
// words: etcd's own /health answers "RAFT NO LEADER" on a member that
// knows no leader (measured on etcd 3.7.3, see gateway/testdata).
const (
	healthNoLeader = "RAFT NO LEADER"
	healthNotReady = "NO QUORUM: waiting for a quorum of the cluster to publish this member"
	healthNoQuorum = "NO QUORUM: this member cannot reach a quorum of the cluster"
)

// notReadyServer answers on the member's client listeners while the
// member waits for a quorum.
//
// etcd opens its client listeners at start but serves them only once the
// member is ready, which in a cluster needs a quorum; until then the
// kernel accepts connections that nobody reads, so a health check or a
// client hangs until its own timeout. The node therefore accepts on the
// same listeners itself while the member is not ready and answers at
// once: /health with 503 and etcd's JSON ({"health":"false","reason":
// ...}), /livez and /readyz as the ready member does (see healthz.go:
// readyz 503 with linearizable_read failed), the AdminServer commands
// (ZooKeeper's not-serving error), any other HTTP path with 503, and
// every gRPC call with
// Unavailable (NoQuorum), which etcd's clients take as "try another
// endpoint".
//
// Once the member is ready, etcd accepts on the listeners too. The
// node's accept loop then ends at the next connection it takes, which it
// hands to etcd by relaying it to the listener's own address (a single
// connection per listener, taken in the race with etcd's accept loop),
// and the connections it served are closed so that their clients
// reconnect to etcd.
type notReadyServer struct {
	n   *embedded
	srv *http.Server
	// own serves what the not-ready member answers as when ready:
	// /livez, /readyz and the AdminServer commands.
	own    *http.ServeMux
	grpc   *grpc.Server
	ready  <-chan struct{}
	wg     sync.WaitGroup
	relays sync.WaitGroup

	mu    sync.Mutex
	conns map[net.Conn]struct{} // relayed connections, closed on stop
}

// serveNotReady starts answering on the client listeners until the member
// is ready or stop is called.
func (n *embedded) serveNotReady() (*notReadyServer, error) {
	s := &notReadyServer{n: n, ready: n.etcd.Server.ReadyNotify(), conns: map[net.Conn]struct{}{}, own: http.NewServeMux()}
	for p, h := range n.memberHealthz() {
		s.own.Handle(p, h)
	}
	for p, h := range n.clientAdminHandlers() {
		s.own.Handle(p, h)
	}
	s.grpc = grpc.NewServer(grpc.UnknownServiceHandler(func(any, grpc.ServerStream) error {
		return status.Error(codes.Unavailable, NoQuorum)
	}))
	var tc *tls.Config
	for _, l := range n.etcd.Clients {
		if schemeOf(l.Addr(), n.cfg.ListenClientURLs) == "https" {
			c, err := clientTLSInfo(&n.cfg, n.logs.Etcd).ServerConfig()
			if err != nil {
				return nil, err
			}
			c.NextProtos = []string{"h2", "http/1.1"}
			tc = c
			break
		}
	}
	protocols := new(http.Protocols)
	protocols.SetHTTP1(true)
	protocols.SetHTTP2(true)
	protocols.SetUnencryptedHTTP2(true) // gRPC without TLS: HTTP/2 prior knowledge
	s.srv = &http.Server{
		Handler:           s,
		Protocols:         protocols,
		ReadHeaderTimeout: 5 * time.Second,
		ErrorLog:          zap.NewStdLog(zap.NewNop()), // failed handshakes are the client's business
		// A connection the server takes up just as it is closed (after
		// the member became ready) goes back too, not left open.
		ConnState: func(c net.Conn, st http.ConnState) {
			if st == http.StateNew {
				select {
				case <-s.ready:
					c.Close()
				default:
				}
			}
		},
	}
	for _, l := range n.etcd.Clients {
		q := newConnQueue(l.Addr())
		var served net.Listener = q
		if schemeOf(l.Addr(), n.cfg.ListenClientURLs) == "https" {
			served = tls.NewListener(q, tc)
		}
		s.wg.Add(2)
		go func() { defer s.wg.Done(); _ = s.srv.Serve(served) }()
		go func() { defer s.wg.Done(); s.accept(l, q) }()
	}
	go func() {
		select {
		case <-s.ready:
			// Connections served so far go back to their clients, which
			// reconnect and reach etcd.
			_ = s.srv.Close()
		case <-n.etcd.Server.StopNotify():
		}
	}()
	return s, nil
}

// accept takes connections from l for q until the member is ready, then
// relays the first one taken after that to etcd and returns.
func (s *notReadyServer) accept(l net.Listener, q *connQueue) {
	defer q.Close()
	for {
		c, err := l.Accept()
		if err != nil {
			return // the listener was closed: the node stops
		}
		select {
		case <-s.ready:
			s.relay(c, l.Addr())
			return
		default:
		}
		if !q.put(c) {
			c.Close()
			return
		}
	}
}

// relay copies c to and from a new connection to addr, where etcd now
// accepts.
func (s *notReadyServer) relay(c net.Conn, addr net.Addr) {
	d, err := net.DialTimeout("tcp", dialTarget(url.URL{Host: addr.String()}), 5*time.Second)
	if err != nil {
		c.Close()
		return
	}
	s.mu.Lock()
	s.conns[c], s.conns[d] = struct{}{}, struct{}{}
	s.mu.Unlock()
	s.relays.Add(1)
	go func() {
		defer s.relays.Done()
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); _, _ = io.Copy(d, c); closeWrite(d) }()
		go func() { defer wg.Done(); _, _ = io.Copy(c, d); closeWrite(c) }()
		wg.Wait()
		c.Close()
		d.Close()
		s.mu.Lock()
		delete(s.conns, c)
		delete(s.conns, d)
		s.mu.Unlock()
	}()
}

// closeWrite tells the peer of c that no more data comes.
func closeWrite(c net.Conn) {
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
		return
	}
	c.Close()
}

// stop ends the accept loops (their listeners are closed by etcd's Close
// first), the HTTP server and any relayed connection.
func (s *notReadyServer) stop() {
	_ = s.srv.Close()
	s.grpc.Stop()
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	s.relays.Wait()
}

// ServeHTTP answers while the member is not ready.
func (s *notReadyServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.ProtoMajor == 2 && strings.HasPrefix(r.Header.Get("Content-Type"), "application/grpc") {
		s.grpc.ServeHTTP(w, r)
		return
	}
	if r.URL.Path == "/health" && r.Method == http.MethodGet {
		s.health(w, r)
		return
	}
	if _, pattern := s.own.Handler(r); pattern != "" {
		s.own.ServeHTTP(w, r)
		return
	}
	// etcd's HTTP/JSON gateway and the namespace's HTTP API answer errors
	// in gRPC-gateway's shape.
	b, _ := json.Marshal(map[string]any{"error": NoQuorum, "code": codes.Unavailable, "message": NoQuorum})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusServiceUnavailable)
	_, _ = w.Write(b)
}

// health answers /health as etcd's handler does (etcdhttp.NewHealthHandler):
// 503 with {"health":"false","reason":...} as a plain-text error, or, for
// ?serializable=true (which asks whether this member's local store
// serves, not the cluster), a serializable read.
func (s *notReadyServer) health(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("serializable") != "true" {
		s.n.writeUnhealthy(w, healthNotReady)
		return
	}
	ctx, cancel := context.WithTimeout(s.n.etcd.Server.AuthStore().WithRoot(r.Context()), time.Second)
	_, err := s.n.etcd.Server.Range(ctx, &pb.RangeRequest{Key: []byte("health"), KeysOnly: true, Limit: 1, Serializable: true})
	cancel()
	if err != nil {
		writeHealth(w, "RANGE ERROR:"+err.Error())
		return
	}
	writeHealth(w, "")
}

// writeUnhealthy answers /health with 503: etcd's "RAFT NO LEADER" while
// the member knows no leader, or else reason.
func (n *embedded) writeUnhealthy(w http.ResponseWriter, reason string) {
	if n.etcd.Server.Leader() == 0 {
		reason = healthNoLeader
	}
	writeHealth(w, reason)
}

// writeHealth writes etcd's /health answer: 200 {"health":"true",
// "reason":""} when reason is empty, else 503 with the reason, written
// as etcd writes it (http.Error, so text/plain).
func writeHealth(w http.ResponseWriter, reason string) {
	h := struct {
		Health string `json:"health"`
		Reason string `json:"reason"`
	}{Health: "true", Reason: reason}
	if reason != "" {
		h.Health = "false"
	}
	b, _ := json.Marshal(h)
	if reason != "" {
		http.Error(w, string(b), http.StatusServiceUnavailable)
		return
	}
	_, _ = w.Write(b)
}

// healthHandler serves /health once the member serves clients (etcd
// routes its client port's user handlers before its own): etcd's own
// handler, except that while the namespace's quorum probe says the
// member cannot serve (gateway.Engine.Serving) it answers 503 at once.
// etcd's handler would answer "RAFT NO LEADER" at once only once the
// member has noticed it has no leader; a member that still hears a
// leader but cannot reach a quorum (an asymmetric partition, or the
// election timeout after its peers went away) makes it wait for a
// linearizable read until etcd's request timeout (7 s by default).
// etcd's check itself is given healthTimeout. ?serializable=true asks
// about the local member only and goes to etcd.
func (n *embedded) healthHandler() http.Handler {
	var once sync.Once
	var etcdHealth *http.ServeMux
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() {
			etcdHealth = http.NewServeMux()
			etcdhttp.HandleHealth(n.logs.Etcd, etcdHealth, n.etcd.Server)
		})
		n.mu.Lock()
		eng := n.engine
		n.mu.Unlock()
		if r.Method == http.MethodGet && r.URL.Query().Get("serializable") != "true" && eng != nil && !eng.Serving() {
			n.writeUnhealthy(w, healthNoQuorum)
			return
		}
		// In the moments before the probe notices a lost quorum, etcd's
		// linearizable read waits: bound it, so that /health answers
		// within a second either way.
		ctx, cancel := context.WithTimeout(r.Context(), healthTimeout)
		defer cancel()
		if eng == nil {
			etcdHealth.ServeHTTP(w, r.WithContext(ctx))
			return
		}
		rec := &healthRecorder{header: w.Header(), status: http.StatusOK}
		etcdHealth.ServeHTTP(rec, r.WithContext(ctx))
		body := rec.body.Bytes()
		if rec.status == http.StatusOK {
			if oldest, err := eng.OldestZxid(ctx); err == nil {
				body = withOldestZxid(body, oldest)
			}
		}
		w.WriteHeader(rec.status)
		_, _ = w.Write(body)
	})
}

// healthRecorder keeps etcd's /health answer so that healthHandler can
// add the oldest zxid to it.
type healthRecorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *healthRecorder) Header() http.Header         { return r.header }
func (r *healthRecorder) WriteHeader(status int)      { r.status = status }
func (r *healthRecorder) Write(b []byte) (int, error) { return r.body.Write(b) }

// withOldestZxid adds "history_oldest_zxid" (the oldest zxid reads at a
// past zxid, history and watch --since reach: serve --history-retention)
// to a healthy /health answer, after etcd's own fields and in their
// order, so that a client reading etcd's fields reads them as before.
func withOldestZxid(body []byte, oldest int64) []byte {
	b := bytes.TrimRight(body, "\n")
	if len(b) < 2 || b[len(b)-1] != '}' {
		return body
	}
	out := append([]byte{}, b[:len(b)-1]...)
	out = append(out, `,"history_oldest_zxid":`...)
	out = strconv.AppendInt(out, oldest, 10)
	return append(out, '}')
}

// connQueue is a net.Listener fed by the accept loop.
type connQueue struct {
	addr   net.Addr
	ch     chan net.Conn
	closed chan struct{}
	once   sync.Once
}

func newConnQueue(addr net.Addr) *connQueue {
	return &connQueue{addr: addr, ch: make(chan net.Conn), closed: make(chan struct{})}
}

// put hands c to the server; false once the queue is closed.
func (q *connQueue) put(c net.Conn) bool {
	select {
	case q.ch <- c:
		return true
	case <-q.closed:
		return false
	}
}

func (q *connQueue) Accept() (net.Conn, error) {
	select {
	case c := <-q.ch:
		return c, nil
	case <-q.closed:
		return nil, net.ErrClosed
	}
}

func (q *connQueue) Close() error {
	q.once.Do(func() { close(q.closed) })
	return nil
}

func (q *connQueue) Addr() net.Addr { return q.addr }

// noQuorumInterceptors fail zkgate's own services (the namespace and the
// recipes) at once with Unavailable (NoQuorum) while the engine reports
// that the member has lost its quorum (gateway.Engine.QuorumLost: for
// longer than an election, during which requests wait for the new
// leader as etcd's own do), as a ZooKeeper
// server without a quorum refuses its clients. Without them a write would
// wait for etcd's request timeout and a read would answer from a member
// cut off from the cluster. etcd's own API is left as etcd serves it.
func (n *embedded) noQuorumInterceptors() []grpc.ServerOption {
	refuse := func(method string) error {
		if !strings.HasPrefix(method, "/zkgate.") {
			return nil
		}
		n.mu.Lock()
		eng := n.engine
		n.mu.Unlock()
		if eng == nil || !eng.QuorumLost() {
			return nil
		}
		return status.Error(codes.Unavailable, NoQuorum)
	}
	return []grpc.ServerOption{
		grpc.ChainUnaryInterceptor(func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
			if err := refuse(info.FullMethod); err != nil {
				return nil, err
			}
			return h(ctx, req)
		}),
		grpc.ChainStreamInterceptor(func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) error {
			if err := refuse(info.FullMethod); err != nil {
				return err
			}
			return h(srv, ss)
		}),
	}
}
