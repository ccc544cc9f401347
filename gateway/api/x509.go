package api

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"crypto/tls"
	"encoding/hex"
	"net/http"
	"net/textproto"
	"strings"

	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"

	"github.com/zkgate/zkgate/schema"
)

// A TLS client certificate gives a caller the x509 identity, as ZooKeeper's
// X509AuthenticationProvider gives it on a secure client port: the
// certificate's subject (schema.X509ID), when the TLS handshake verified
// it. A gRPC request holds the identity of its own connection. A request
// of the HTTP/JSON API reaches the gRPC server over the API's own
// connection, whose certificate is the server's: the HTTP handler passes
// its client's identity in metadata (x509MD) with relayMD, a secret of
// this process that only the handler knows, and the gRPC server takes the
// identity from metadata only with that secret (and never from a
// connection whose requests are relayed). Clients cannot forge it: the
// handler drops any metadata of those names a client sends.
const (
	relayMD = "x-zkgate-relay"
	x509MD  = "x-zkgate-x509"
)

// relaySecret is this process's relay secret.
var relaySecret = func() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("gateway/api: no randomness for the relay secret: " + err.Error())
	}
	return hex.EncodeToString(b[:])
}()

// tlsX509 is the x509 identity of a verified TLS client certificate.
func tlsX509(st *tls.ConnectionState) string {
	if st == nil || len(st.VerifiedChains) == 0 || len(st.PeerCertificates) == 0 {
		return ""
	}
	id, err := schema.X509ID(st.PeerCertificates[0].RawSubject)
	if err != nil {
		return ""
	}
	return id
}

// rpcX509 is the x509 identity of a gRPC request: its connection's
// verified client certificate, or for a request relayed by the HTTP/JSON
// API (one with x-forwarded-for), the identity the API passed with the
// relay secret; "" when there is none.
func rpcX509(ctx context.Context) string {
	md, _ := metadata.FromIncomingContext(ctx)
	if len(md.Get(rpcForwardedFor)) > 0 {
		secrets, ids := md.Get(relayMD), md.Get(x509MD)
		if len(secrets) != 1 || len(ids) != 1 || subtle.ConstantTimeCompare([]byte(secrets[0]), []byte(relaySecret)) != 1 {
			return ""
		}
		return ids[0]
	}
	p, ok := peer.FromContext(ctx)
	if !ok {
		return ""
	}
	ti, ok := p.AuthInfo.(credentials.TLSInfo)
	if !ok {
		return ""
	}
	return tlsX509(&ti.State)
}

// httpX509Metadata is the metadata the HTTP/JSON API adds to each request
// it relays: its client's x509 identity ("" for none) and the secret.
func httpX509Metadata(_ context.Context, r *http.Request) metadata.MD {
	return metadata.Pairs(relayMD, relaySecret, x509MD, tlsX509(r.TLS))
}

// dropRelayHeaders removes the headers grpc-gateway would turn into the
// relay's metadata (Grpc-Metadata-X-Zkgate-...), so that a client cannot
// pass an identity of its choosing.
func dropRelayHeaders(r *http.Request) {
	for k := range r.Header {
		if strings.HasPrefix(textproto.CanonicalMIMEHeaderKey(k), "Grpc-Metadata-X-Zkgate-") {
			delete(r.Header, k)
		}
	}
}
