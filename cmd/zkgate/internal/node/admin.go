package node

import (
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"net/url"
	"time"

	"go.uber.org/zap"

	"github.com/zkgate/zkgate/zkbridge"
	"github.com/zkgate/zkgate/zkbridge/admin"
)

// zkServer is the node's ZooKeeper face, nil if it serves none.
func (n *Node) zkServer() *zkbridge.Server {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.zk
}

// adminHandlers are ZooKeeper's AdminServer commands, by the paths they
// are served under on the admin port.
func (n *Node) adminHandlers() map[string]http.Handler {
	h := admin.Handler(n.zkServer)
	return map[string]http.Handler{admin.Prefix: h, admin.Prefix + "/": h}
}

// clientAdminHandlers are adminHandlers on the client URLs, unless
// Options.AdminOffClientURLs keeps them to the admin port.
func (n *Node) clientAdminHandlers() map[string]http.Handler {
	if n.cfg.AdminOffClientURLs {
		return nil
	}
	return n.adminHandlers()
}

// clientTLS reports whether the client URLs serve TLS (https).
func (n *Node) clientTLS() bool {
	for _, s := range n.cfg.ListenClientURLs {
		if u, err := url.Parse(s); err == nil && u.Scheme == "https" {
			return true
		}
	}
	return false
}

// serveAdmin serves the AdminServer commands on AdminListen, as
// ZooKeeper's admin.serverPort: plain HTTP, or TLS with the client URLs'
// certificate (and client certificate checks) when they use TLS.
func (n *Node) serveAdmin() error {
	if n.cfg.AdminListen == "" {
		return nil
	}
	mux := http.NewServeMux()
	for p, h := range n.adminHandlers() {
		mux.Handle(p, h)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ErrorLog: zap.NewStdLog(n.logs.Main.Named("admin"))}
	l, err := net.Listen("tcp", n.cfg.AdminListen)
	if err != nil {
		return &FieldError{Field: "admin-listen", Reason: err.Error()}
	}
	scheme := "http"
	if n.clientTLS() {
		tc, err := clientTLSInfo(&n.cfg, n.logs.Etcd).ServerConfig()
		if err != nil {
			l.Close()
			return &FieldError{Field: "cert-file", Reason: err.Error()}
		}
		tc.NextProtos = []string{"http/1.1"}
		srv.TLSConfig = tc
		l = tls.NewListener(l, tc)
		scheme = "https"
	}
	n.mu.Lock()
	n.admin = srv
	n.adminURL = scheme + "://" + l.Addr().String() + admin.Prefix
	n.mu.Unlock()
	go func() {
		if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			n.logs.Main.Error("admin port stopped", zap.Error(err))
		}
	}()
	return nil
}

// stopAdmin closes the admin port.
func (n *Node) stopAdmin() {
	n.mu.Lock()
	srv := n.admin
	n.mu.Unlock()
	if srv != nil {
		_ = srv.Close()
	}
}

// adminFaces is where the node serves the AdminServer commands, for the
// ready line.
func (n *Node) adminFaces(clients []string) []zap.Field {
	n.mu.Lock()
	u := n.adminURL
	n.mu.Unlock()
	f := []zap.Field{zap.Strings("admin-commands", withPath(clients, admin.Prefix))}
	if u != "" {
		f = append(f, zap.String("admin-listen", u))
	}
	return f
}
