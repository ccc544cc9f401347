package client

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/zkgate/zkgate/schema"
)

// EndpointError is a failure to talk to an endpoint: Error() is one line
// naming the endpoint and the cause ("cannot reach
// http://127.0.0.1:9: connection refused"). Err, when set, is the gRPC
// error it explains.
type EndpointError struct {
	Endpoint string
	Cause    string
	Err      error
	all      []error
}

func (e *EndpointError) Error() string {
	if e.Endpoint == "" {
		return e.Cause
	}
	if strings.HasPrefix(e.Cause, "connection refused") || strings.HasPrefix(e.Cause, "no route") {
		return "cannot reach " + e.Endpoint + ": " + e.Cause
	}
	return e.Endpoint + ": " + e.Cause
}

func (e *EndpointError) Unwrap() []error {
	if e.Err != nil {
		return append([]error{e.Err}, e.all...)
	}
	return e.all
}

// grpcConnectParams makes a connection attempt give up after d, so that
// an endpoint that accepts and never answers is left for the next.
func grpcConnectParams(d time.Duration) grpc.ConnectParams {
	b := backoff.DefaultConfig
	b.MaxDelay = 2 * time.Second
	b.BaseDelay = 100 * time.Millisecond
	return grpc.ConnectParams{Backoff: b, MinConnectTimeout: d}
}

// transportCause is the cause in a gRPC transport error's message, as
// "connection refused" from `connection error: desc = "transport: Error
// while dialing: dial tcp 127.0.0.1:9: connect: connection refused"`.
func transportCause(msg string) string {
	switch {
	case strings.Contains(msg, "connection refused"):
		return "connection refused"
	case strings.Contains(msg, "first record does not look like a TLS handshake"):
		return "serves plaintext: use http://"
	case strings.Contains(msg, "certificate required"), strings.Contains(msg, "bad certificate"):
		return "the server requires a client certificate"
	case strings.Contains(msg, "x509:"):
		return "server certificate not trusted (" + msg[strings.Index(msg, "x509:"):] + "): give its CA with --cacert"
	}
	if strings.Contains(msg, "error reading from server") || strings.Contains(msg, "transport is closing") {
		return "connection lost (the node stopped or the connection broke)"
	}
	msg = strings.TrimPrefix(msg, "connection error: desc = ")
	msg = strings.Trim(msg, `"`)
	msg = strings.TrimPrefix(msg, "transport: ")
	msg = strings.TrimPrefix(msg, "Error while dialing: ")
	return "connection failed: " + msg
}

// DescribeEndpoint finds out why ep (a client URL) cannot be used, within
// timeout: nil if it answers as a gRPC server should, else an
// *EndpointError with a one-line cause: connection refused, no answer
// within the timeout, a TLS server reached with http:// (or the reverse),
// a server that wants a client certificate, an untrusted server
// certificate. tc is the TLS configuration for https (nil for http).
func DescribeEndpoint(ctx context.Context, ep string, tc *tls.Config, timeout time.Duration) error {
	scheme, host, err := ParseEndpoint(ep)
	if err != nil {
		return err
	}
	fail := func(cause string) error { return &EndpointError{Endpoint: ep, Cause: cause} }
	silent := fmt.Sprintf("no answer within %s", timeout)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var d net.Dialer
	raw, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		switch {
		case errors.Is(err, syscall.ECONNREFUSED):
			return fail("connection refused")
		case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
			return fail(silent)
		}
		var op *net.OpError
		if errors.As(err, &op) && op.Err != nil {
			return fail(op.Err.Error())
		}
		return fail(err.Error())
	}
	defer raw.Close()
	dl, _ := ctx.Deadline()
	raw.SetDeadline(dl)
	timedOut := func(err error) bool {
		var ne net.Error
		return errors.As(err, &ne) && ne.Timeout()
	}
	if scheme == "http" {
		// A TLS server answers a ClientHello; a plaintext gRPC server
		// closes the connection on it, and a silent one says nothing.
		tconn := tls.Client(raw, &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"h2"}, ServerName: hostOnly(host)})
		err := tconn.HandshakeContext(ctx)
		if err == nil || strings.Contains(err.Error(), "remote error: tls:") {
			return fail(fmt.Sprintf("%s serves TLS: use https://", host))
		}
		if timedOut(err) {
			return fail(silent)
		}
		// Plaintext: see that it answers HTTP/2.
		return probeH2(ctx, host, nil, timeout, fail, silent)
	}
	cfg := &tls.Config{}
	if tc != nil {
		cfg = tc.Clone()
	}
	cfg.NextProtos = []string{"h2"}
	if cfg.ServerName == "" {
		cfg.ServerName = hostOnly(host)
	}
	tconn := tls.Client(raw, cfg)
	if err := tconn.HandshakeContext(ctx); err != nil {
		return fail(tlsCause(err, timedOut(err), silent))
	}
	return h2Exchange(tconn, fail, silent, timedOut)
}

func hostOnly(hostport string) string {
	h, _, err := net.SplitHostPort(hostport)
	if err != nil {
		return hostport
	}
	return h
}

// tlsCause is the cause of a failed TLS handshake or first read.
func tlsCause(err error, timedOut bool, silent string) string {
	var unknown x509.UnknownAuthorityError
	var host x509.HostnameError
	var rh tls.RecordHeaderError
	switch {
	case timedOut:
		return silent
	case errors.As(err, &rh):
		return "serves plaintext: use http://"
	case errors.Is(err, io.EOF), errors.Is(err, syscall.ECONNRESET):
		return "closed the connection during the TLS handshake (a plaintext server? use http://)"
	case strings.Contains(err.Error(), "certificate required"), strings.Contains(err.Error(), "bad certificate"):
		return "the server requires a client certificate: give --cert and --key"
	case errors.As(err, &unknown):
		return "server certificate signed by an unknown authority: give its CA with --cacert"
	case errors.As(err, &host):
		return "server certificate is not valid for this host: " + host.Error()
	}
	return "TLS: " + err.Error()
}

// probeH2 dials again in plaintext and checks the endpoint answers the
// HTTP/2 preface.
func probeH2(ctx context.Context, host string, _ *tls.Config, _ time.Duration, fail func(string) error, silent string) error {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return fail(err.Error())
	}
	defer c.Close()
	dl, _ := ctx.Deadline()
	c.SetDeadline(dl)
	return h2Exchange(c, fail, silent, func(err error) bool {
		var ne net.Error
		return errors.As(err, &ne) && ne.Timeout()
	})
}

// h2Exchange sends the HTTP/2 client preface and an empty SETTINGS frame
// and waits for the server's first frame.
func h2Exchange(c net.Conn, fail func(string) error, silent string, timedOut func(error) bool) error {
	preface := "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
	settings := []byte{0, 0, 0, 4, 0, 0, 0, 0, 0}
	if _, err := c.Write(append([]byte(preface), settings...)); err != nil {
		return fail(tlsCause(err, timedOut(err), silent))
	}
	hdr := make([]byte, 9)
	if _, err := io.ReadFull(c, hdr); err != nil {
		if timedOut(err) {
			return fail(silent)
		}
		if strings.Contains(err.Error(), "certificate") {
			return fail(tlsCause(err, false, silent))
		}
		return fail("closed the connection without answering: " + err.Error())
	}
	if hdr[3] != 4 { // SETTINGS
		return fail("does not speak gRPC (HTTP/2)")
	}
	return nil
}

// healthCause asks ep's /health (etcd's, served on zkgate's client URL)
// why it did not answer in time: "no quorum: ..." when the node reports
// no leader or no quorum, "" when it says it is healthy or cannot say.
func healthCause(ep string, tc *tls.Config, timeout time.Duration) string {
	scheme, host, err := ParseEndpoint(ep)
	if err != nil {
		return ""
	}
	tr := &http.Transport{TLSClientConfig: tc}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Timeout: timeout, Transport: tr}
	resp, err := hc.Get(scheme + "://" + host + "/health")
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	var h struct {
		Health string `json:"health"`
		Reason string `json:"reason"`
	}
	if json.NewDecoder(io.LimitReader(resp.Body, 4096)).Decode(&h) != nil || h.Health == "true" {
		return ""
	}
	if h.Reason == "" {
		return "no quorum: the node reports itself unhealthy"
	}
	return "no quorum: the node reports " + h.Reason
}

// Describe turns an error of this package (or of a zkgatepb client on a
// Conn) into one line for a person: an EndpointError as it is,
// ZooKeeper errors in ZooKeeper's terms, etcd without a leader as "no
// quorum: ...", any other gRPC status as its message without the
// "rpc error: code =" prefix.
func Describe(err error) error {
	if err == nil {
		return nil
	}
	var ee *EndpointError
	if errors.As(err, &ee) {
		return ee
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	ze := schema.ErrorFromStatus(err)
	var sz *schema.Error
	if errors.As(ze, &sz) && sz.Code == schema.CodeSystemError && noQuorumText(sz.Msg) {
		return &wrapped{msg: "no quorum: the cluster has no leader now (" + sz.Msg + ")", err: ze}
	}
	if errors.As(ze, &sz) {
		return ze
	}
	if st, ok := status.FromError(err); ok {
		msg := st.Message()
		switch st.Code() {
		case codes.DeadlineExceeded:
			msg = "no answer before the deadline (" + msg + ")"
		case codes.Unavailable:
			if noQuorumText(msg) {
				msg = "no quorum: " + msg
			} else {
				msg = "unavailable: " + transportCause(msg)
			}
		case codes.Canceled:
			msg = "cancelled"
		}
		return &statusError{msg: msg, st: st}
	}
	return err
}

// wrapped is err described in one line of its own.
type wrapped struct {
	msg string
	err error
}

func (e *wrapped) Error() string { return e.msg }
func (e *wrapped) Unwrap() error { return e.err }

// statusError is a gRPC status described in one line: it prints msg and
// still answers status.Code and status.FromError with the status.
type statusError struct {
	msg string
	st  *status.Status
}

func (e *statusError) Error() string              { return e.msg }
func (e *statusError) GRPCStatus() *status.Status { return e.st }
