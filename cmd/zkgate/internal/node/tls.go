package node

import (
	"crypto/tls"
	"net"
	"net/url"

	"go.etcd.io/etcd/client/pkg/v3/transport"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
)

// clientTLSInfo is the certificate setting of the client port, shared by
// the https client URLs (served by etcd) and the ZooKeeper TLS port.
func clientTLSInfo(c *Options, lg *zap.Logger) transport.TLSInfo {
	return transport.TLSInfo{
		CertFile:       c.CertFile,
		KeyFile:        c.KeyFile,
		TrustedCAFile:  c.TrustedCAFile,
		ClientCertAuth: c.ClientCertAuth,
		Logger:         lg,
	}
}

// zkTLSConfig is the TLS configuration of --zk-secure-listen: etcd's
// server configuration of the client port (the certificate is read again
// at each handshake, so a renewed file is picked up; a trusted CA makes a
// client certificate required, as on the client URLs), without the
// HTTP/2 protocol negotiation, which ZooKeeper clients do not speak.
func zkTLSConfig(c *Options, lg *zap.Logger) (*tls.Config, error) {
	tc, err := clientTLSInfo(c, lg).ServerConfig()
	if err != nil {
		return nil, &FieldError{Field: "cert-file", Reason: err.Error()}
	}
	tc.NextProtos = nil
	return tc, nil
}

// selfDialOptions are how the namespace's HTTP API reaches the gRPC
// service on the node's own first client URL: in plaintext on an http
// URL; on an https one, as etcd's own HTTP gateway does, with TLS
// presenting the server's certificate (which therefore also needs the
// client-auth key usage when client certificates are required) and
// trusting the local listener without verifying it.
func selfDialOptions(u url.URL, info transport.TLSInfo) ([]grpc.DialOption, error) {
	if u.Scheme != "https" {
		return nil, nil
	}
	tc, err := info.ServerConfig()
	if err != nil {
		return nil, &FieldError{Field: "cert-file", Reason: err.Error()}
	}
	dtls := tc.Clone()
	dtls.InsecureSkipVerify = true
	return []grpc.DialOption{grpc.WithTransportCredentials(credentials.NewTLS(dtls))}, nil
}

// schemeOf finds the scheme of the URL that addr listens for: the URL
// with the same host:port, or else the scheme all of urls share.
func schemeOf(addr net.Addr, urls []string) string {
	scheme := ""
	for _, s := range urls {
		u, err := url.Parse(s)
		if err != nil {
			continue
		}
		if u.Host == addr.String() {
			return u.Scheme
		}
		switch scheme {
		case "":
			scheme = u.Scheme
		case u.Scheme:
		default:
			scheme = "?"
		}
	}
	if scheme == "" || scheme == "?" {
		return "tcp"
	}
	return scheme
}
