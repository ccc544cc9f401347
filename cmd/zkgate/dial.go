package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"go.etcd.io/etcd/client/pkg/v3/transport"

	"github.com/zkgate/zkgate/recipes/client"
	"github.com/zkgate/zkgate/schema/zkgatepb"
)

// dialFlags are how every client command reaches zkgate: ctl, lock and
// elect (as --endpoints, add), and migrate and diff (as --to, whose
// flags migrateEnds names and words for its two ends).
type dialFlags struct {
	// endpoints are client URLs: requests go to one that answers
	// (recipes/client.Dial).
	endpoints []string
	// auth are credentials, "scheme:credentials", sent with each request.
	auth []string
	// dialWait bounds the wait for an endpoint to answer
	// (--dial-timeout); timeout bounds one request, retries on other
	// endpoints included (--command-timeout).
	dialWait, timeout time.Duration
	tls               tlsFlags
}

// Defaults of --dial-timeout and --command-timeout, etcdctl's.
const (
	defaultDialTimeout    = 2 * time.Second
	defaultCommandTimeout = 5 * time.Second
)

// add defines --endpoints, --dial-timeout, --command-timeout, the TLS
// flags and --auth (with authUsage as its help) with etcdctl's names and
// defaults.
func (d *dialFlags) add(f *pflag.FlagSet, authUsage string) {
	f.StringSliceVar(&d.endpoints, "endpoints", []string{"http://127.0.0.1:2379"}, "zkgate client URLs, comma-separated: requests go to one that answers, and move to another when it fails")
	f.DurationVar(&d.dialWait, "dial-timeout", defaultDialTimeout, "Time to wait for an endpoint to answer")
	f.DurationVar(&d.timeout, "command-timeout", defaultCommandTimeout, "Time limit of one request, retries on other endpoints included")
	d.tls.add(f)
	f.StringArrayVar(&d.auth, "auth", nil, authUsage)
}

// dial checks the flags and connects: the connection, and the request
// context carrying --auth.
func (d *dialFlags) dial(ctx context.Context) (*client.Conn, *zkgatepb.RequestContext, error) {
	if d.timeout <= 0 {
		return nil, nil, fmt.Errorf("--command-timeout %s: must be positive", d.timeout)
	}
	rc := &zkgatepb.RequestContext{}
	for _, a := range d.auth {
		scheme, cred, ok := strings.Cut(a, ":")
		if !ok {
			return nil, nil, fmt.Errorf("--auth %q: must be scheme:credentials", a)
		}
		if err := namespaceAuthScheme(scheme, d.tls.cert != ""); err != nil {
			return nil, nil, fmt.Errorf("--auth %s:...: %w", scheme, err)
		}
		rc.Auth = append(rc.Auth, &zkgatepb.AuthInfo{Scheme: scheme, Credentials: []byte(cred)})
	}
	conn, err := d.connect(ctx)
	if err != nil {
		return nil, nil, err
	}
	return conn, rc, nil
}

// connect connects to the endpoints (client.Dial): the first that
// answers within dialWait, then any of them.
func (d *dialFlags) connect(ctx context.Context) (*client.Conn, error) {
	if len(d.endpoints) == 0 {
		return nil, errors.New("--endpoints: none given")
	}
	if d.dialWait <= 0 {
		return nil, fmt.Errorf("--dial-timeout %s: must be positive", d.dialWait)
	}
	tc, err := d.tls.config(d.endpoints)
	if err != nil {
		return nil, err
	}
	opts := []client.DialOption{client.WithDialTimeout(d.dialWait)}
	if tc != nil {
		opts = append(opts, client.WithTLS(tc))
	}
	return client.Dial(ctx, d.endpoints, opts...)
}

// tlsFlags are etcdctl's flags for an https endpoint.
type tlsFlags struct {
	cacert, cert, key string
}

func (t *tlsFlags) add(f *pflag.FlagSet) {
	f.StringVar(&t.cacert, "cacert", "", "CA certificates (PEM) to verify an https endpoint (default: the system's)")
	f.StringVar(&t.cert, "cert", "", "Client certificate (PEM) for an https endpoint that requires one")
	f.StringVar(&t.key, "key", "", "Private key (PEM) of --cert")
}

// config is the TLS configuration for the https endpoints among
// endpoints (nil if there are none).
func (t *tlsFlags) config(endpoints []string) (*tls.Config, error) {
	https := false
	for _, ep := range endpoints {
		scheme, _, err := client.ParseEndpoint(ep)
		if err != nil {
			return nil, fmt.Errorf("--endpoints: %w", err)
		}
		https = https || scheme == "https"
	}
	if !https {
		if t.cacert != "" || t.cert != "" || t.key != "" {
			return nil, errors.New("--cacert, --cert and --key need an https endpoint")
		}
		return nil, nil
	}
	if (t.cert == "") != (t.key == "") {
		return nil, errors.New("--cert and --key go together")
	}
	tc, err := transport.TLSInfo{CertFile: t.cert, KeyFile: t.key, TrustedCAFile: t.cacert}.ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("TLS: %w", err)
	}
	return tc, nil
}
