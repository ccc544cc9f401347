package client

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/status"

	"github.com/zkgate/zkgate/schema/zkgatepb"
)

// Conn is a connection to a zkgate cluster through a list of endpoints,
// as clientv3's Client is: every request goes to one endpoint that
// answers, and moves to another when that one fails. It implements
// grpc.ClientConnInterface, so the generated zkgatepb clients and
// NewSession take it. Safe for concurrent use.
type Conn struct {
	eps     []*endpoint
	o       dialOptions
	mu      sync.Mutex
	cur     int // the endpoint requests go to first
	closeMu sync.Once
}

type endpoint struct {
	url  string // as given, for errors
	host string
	cc   *grpc.ClientConn
	tls  *tls.Config // nil for http
}

// DialOption configures Dial.
type DialOption func(*dialOptions)

type dialOptions struct {
	tls         *tls.Config
	dialTimeout time.Duration
	attempt     time.Duration
}

// WithTLS is the TLS configuration for https endpoints (CA, client
// certificate). Without it, https endpoints are verified with the
// system's CAs.
func WithTLS(c *tls.Config) DialOption { return func(o *dialOptions) { o.tls = c } }

// WithDialTimeout bounds how long Dial waits for an endpoint to answer,
// and how long a retried request waits for one endpoint before it tries
// another. The default is 2 s, as etcdctl's --dial-timeout; zero keeps it.
func WithDialTimeout(d time.Duration) DialOption {
	return func(o *dialOptions) {
		if d > 0 {
			o.dialTimeout, o.attempt = d, d
		}
	}
}

// ParseEndpoint checks a client URL (http://host:port or
// https://host:port; a bare host:port is taken as http) and returns its
// scheme and host:port.
func ParseEndpoint(ep string) (scheme, host string, err error) {
	if !strings.Contains(ep, "://") {
		ep = "http://" + ep
	}
	u, err := url.Parse(ep)
	if err != nil || u.Host == "" || u.Scheme != "http" && u.Scheme != "https" || u.Port() == "" || u.Path != "" && u.Path != "/" {
		return "", "", fmt.Errorf("%q is not a client URL such as http://127.0.0.1:2379", ep)
	}
	return u.Scheme, u.Host, nil
}

// Dial connects to the first of endpoints that answers within the dial
// timeout (WithDialTimeout) or ctx, whichever ends first, and keeps
// connections to the others for failover. When none answers, the error
// names each endpoint and why (DescribeEndpoint): "cannot reach
// http://127.0.0.1:9: connection refused".
func Dial(ctx context.Context, endpoints []string, opts ...DialOption) (*Conn, error) {
	o := dialOptions{dialTimeout: 2 * time.Second, attempt: 2 * time.Second}
	for _, f := range opts {
		f(&o)
	}
	if len(endpoints) == 0 {
		return nil, errors.New("no endpoints given")
	}
	c := &Conn{o: o}
	for _, ep := range endpoints {
		scheme, host, err := ParseEndpoint(ep)
		if err != nil {
			c.Close()
			return nil, err
		}
		e := &endpoint{url: ep, host: host}
		creds := insecure.NewCredentials()
		if scheme == "https" {
			e.tls = &tls.Config{}
			if o.tls != nil {
				e.tls = o.tls.Clone()
			}
			creds = credentials.NewTLS(e.tls)
		}
		e.cc, err = grpc.NewClient(host, grpc.WithTransportCredentials(creds),
			grpc.WithConnectParams(grpcConnectParams(o.dialTimeout)),
			// A request that waits (Lock, Campaign, a watch) on a node
			// that froze or whose network went silent ends when a ping
			// goes unanswered, instead of waiting for ever. 10 s is the
			// shortest interval gRPC allows and above etcd's enforced
			// minimum (5 s); pings only while requests are open, as
			// etcd's server permits.
			grpc.WithKeepaliveParams(keepalive.ClientParameters{Time: 10 * time.Second, Timeout: max(o.dialTimeout, time.Second)}))
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("%s: %w", ep, err)
		}
		c.eps = append(c.eps, e)
	}
	for _, e := range c.eps {
		e.cc.Connect()
	}
	dctx, cancel := context.WithTimeout(ctx, o.dialTimeout)
	defer cancel()
	if i := c.waitReady(dctx); i >= 0 {
		c.cur = i
		return c, nil
	}
	if ctx.Err() != nil {
		c.Close()
		return nil, ctx.Err()
	}
	err := c.describeAll(ctx)
	c.Close()
	return nil, err
}

// waitReady waits for an endpoint to be ready, preferring the earliest
// listed, and returns its index; -1 when ctx ends first or every
// endpoint has failed.
func (c *Conn) waitReady(ctx context.Context) int {
	type change struct{}
	changed := make(chan change, len(c.eps))
	for {
		failed := 0
		for i, e := range c.eps {
			switch e.cc.GetState() {
			case connectivity.Ready:
				return i
			case connectivity.TransientFailure, connectivity.Shutdown:
				failed++
			}
		}
		if failed == len(c.eps) {
			return -1
		}
		wctx, cancel := context.WithCancel(ctx)
		for _, e := range c.eps {
			go func(e *endpoint) {
				st := e.cc.GetState()
				if st == connectivity.Idle {
					e.cc.Connect()
				}
				if e.cc.WaitForStateChange(wctx, st) {
					select { // one wake-up is enough; never block
					case changed <- change{}:
					default:
					}
				}
			}(e)
		}
		select {
		case <-changed:
		case <-ctx.Done():
		}
		cancel()
		if ctx.Err() != nil {
			for i, e := range c.eps {
				if e.cc.GetState() == connectivity.Ready {
					return i
				}
			}
			return -1
		}
	}
}

// describeAll explains why no endpoint answers, one clause each.
func (c *Conn) describeAll(ctx context.Context) error {
	errs := make([]error, len(c.eps))
	var wg sync.WaitGroup
	for i, e := range c.eps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if st := e.cc.GetState(); st == connectivity.Connecting || st == connectivity.Idle {
				// Still trying after the dial timeout: it accepted the
				// connection and said nothing, or did not accept.
				errs[i] = &EndpointError{Endpoint: e.url, Cause: fmt.Sprintf("no answer within %s", c.o.dialTimeout)}
				return
			}
			errs[i] = DescribeEndpoint(ctx, e.url, e.tls, c.o.dialTimeout)
			if errs[i] == nil {
				errs[i] = &EndpointError{Endpoint: e.url, Cause: fmt.Sprintf("no answer within %s", c.o.dialTimeout)}
			}
		}()
	}
	wg.Wait()
	if len(errs) == 1 {
		return errs[0]
	}
	msgs := make([]string, len(errs))
	for i, err := range errs {
		msgs[i] = err.Error()
	}
	return &EndpointError{Endpoint: "", Cause: "no endpoint answers: " + strings.Join(msgs, "; "), all: errs}
}

// Endpoints are the endpoints as given to Dial.
func (c *Conn) Endpoints() []string {
	out := make([]string, len(c.eps))
	for i, e := range c.eps {
		out[i] = e.url
	}
	return out
}

// Current is the endpoint requests go to now.
func (c *Conn) Current() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.eps[c.cur].url
}

// Close closes every connection.
func (c *Conn) Close() error {
	c.closeMu.Do(func() {
		for _, e := range c.eps {
			e.cc.Close()
		}
	})
	return nil
}

// pick returns the endpoint to use: the current one if it is ready,
// else the next ready one in the list, else the current one (whose
// connection attempt the request then waits for or fails on).
func (c *Conn) pick() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range c.eps {
		i := (c.cur + k) % len(c.eps)
		if c.eps[i].cc.GetState() == connectivity.Ready {
			c.cur = i
			return i
		}
	}
	for _, e := range c.eps {
		if e.cc.GetState() == connectivity.Idle {
			e.cc.Connect()
		}
	}
	return c.cur
}

// failed moves requests off endpoint i after a request failed there in a
// way that says the endpoint, not the request, is at fault.
func (c *Conn) failed(i int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cur == i && len(c.eps) > 1 {
		c.cur = (i + 1) % len(c.eps)
	}
}

// Invoke sends a unary request to the current endpoint. Requests that
// are safe to repeat (retryable) are retried, on the next endpoint, when
// the endpoint cannot be reached, does not answer within the dial
// timeout, or answers that etcd is between leaders; until ctx ends.
// Other requests are sent once: a failure that says the endpoint is gone
// still moves later requests to the next endpoint.
//
// Its error is converted once (convertUnary): a ZooKeeper error the
// server answered is a *schema.Error that keeps its status, any other
// failure is described in one line (Describe).
func (c *Conn) Invoke(ctx context.Context, method string, args, reply any, opts ...grpc.CallOption) error {
	return convertUnary(ctx, method, args, reply, nil, c.invoke, opts...)
}

// invoke is Invoke before its error is converted: the retries and the
// choice of endpoint read the status as the server sent it.
func (c *Conn) invoke(ctx context.Context, method string, args, reply any, _ *grpc.ClientConn, opts ...grpc.CallOption) error {
	retry := retryable[method]
	for attempt := 0; ; attempt++ {
		i := c.pick()
		actx, cancel := ctx, context.CancelFunc(func() {})
		if retry {
			actx, cancel = context.WithTimeout(ctx, c.attemptTimeout(ctx))
		}
		err := c.eps[i].cc.Invoke(actx, method, args, reply, opts...)
		// No answer within the attempt's deadline (the server may reset
		// the stream at the deadline a moment before the timer here
		// fires: gRPC then says DeadlineExceeded too). silent: the
		// caller's own deadline has not passed, so there is time to ask
		// another endpoint.
		timedOut := retry && (errors.Is(actx.Err(), context.DeadlineExceeded) || status.Code(err) == codes.DeadlineExceeded)
		silent := timedOut && ctx.Err() == nil
		cancel()
		if err == nil {
			return nil
		}
		endpointFault := endpointFailure(err)
		// A node that does not answer, or answers that it has no leader
		// or no quorum, is left for the next endpoint: a node cut off
		// from its cluster keeps its connection ready and answers every
		// request so.
		if endpointFault || timedOut || betweenLeaders(err) {
			c.failed(i)
		}
		if !retry || ctx.Err() != nil || !(endpointFault || betweenLeaders(err) || silent) {
			return c.wrap(i, err)
		}
		backoff := min(time.Duration(attempt+1)*25*time.Millisecond, 250*time.Millisecond)
		select {
		case <-ctx.Done():
			return c.wrap(i, err)
		case <-time.After(backoff):
		}
	}
}

// attemptTimeout is how long one attempt of a retryable request may
// take: the dial timeout, but at most half of what is left of ctx when
// there is another endpoint to try, so that a silent node leaves time to
// ask the next one (a session's keepalive has a third of the session
// timeout or less).
func (c *Conn) attemptTimeout(ctx context.Context) time.Duration {
	a := c.o.attempt
	dl, ok := ctx.Deadline()
	if !ok {
		return a
	}
	left := time.Until(dl)
	if len(c.eps) > 1 && left/2 >= minAttempt {
		left /= 2
	}
	return min(a, left)
}

// minAttempt is the shortest attempt worth halving the time left for.
const minAttempt = 100 * time.Millisecond

// NewStream opens a stream on the current endpoint (watches, Observe);
// streams are not retried: their callers resume them. The stream's
// errors are converted as Invoke's are (convertStream).
func (c *Conn) NewStream(ctx context.Context, desc *grpc.StreamDesc, method string, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	return convertStream(ctx, desc, nil, method, c.newStream, opts...)
}

// newStream is NewStream before its errors are converted.
func (c *Conn) newStream(ctx context.Context, desc *grpc.StreamDesc, _ *grpc.ClientConn, method string, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	i := c.pick()
	s, err := c.eps[i].cc.NewStream(ctx, desc, method, opts...)
	if err != nil {
		if endpointFailure(err) {
			c.failed(i)
		}
		return nil, c.wrap(i, err)
	}
	return s, nil
}

// wrap names the endpoint in a transport failure. Errors the server
// answered (a status with a zkgate ErrorInfo) are returned as they are.
func (c *Conn) wrap(i int, err error) error {
	st, ok := status.FromError(err)
	if ok && (st.Code() == codes.DeadlineExceeded || betweenLeaders(err)) {
		// Unanswered in time, or etcd has no leader: a node cut off
		// from its quorum says so on /health.
		if cause := healthCause(c.eps[i].url, c.eps[i].tls, min(c.o.dialTimeout, time.Second)); cause != "" {
			return &EndpointError{Endpoint: c.eps[i].url, Cause: cause, Err: err}
		}
	}
	if !ok || !endpointFailure(err) {
		return err
	}
	return &EndpointError{Endpoint: c.eps[i].url, Cause: transportCause(st.Message()), Err: err}
}

// endpointFailure reports whether err is the transport's (the endpoint
// could not be reached, or its connection broke), not the server's.
func endpointFailure(err error) bool {
	st, ok := status.FromError(err)
	if !ok || st.Code() != codes.Unavailable {
		return false
	}
	return len(st.Details()) == 0 && !betweenLeaders(err)
}

// betweenLeaders reports whether err is etcd saying it has no leader now
// (an election is going on, or the node is cut off from the quorum).
func betweenLeaders(err error) bool {
	st, ok := status.FromError(err)
	if !ok || st.Code() != codes.Unavailable {
		return false
	}
	return noQuorumText(st.Message())
}

func noQuorumText(msg string) bool {
	for _, s := range []string{"request timed out", "leader changed", "no leader", "ConnectionLoss", "not ready", "no quorum", "too many requests"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// retryable are the methods that are safe to send again after a failure
// that leaves unknown whether the server applied them (see the package
// doc, "Which requests are retried").
var retryable = map[string]bool{}

func init() {
	for _, m := range []string{
		zkgatepb.Namespace_CreateSession_FullMethodName,
		zkgatepb.Namespace_ResumeSession_FullMethodName,
		zkgatepb.Namespace_KeepAlive_FullMethodName,
		zkgatepb.Namespace_CloseSession_FullMethodName,
		zkgatepb.Namespace_Exists_FullMethodName,
		zkgatepb.Namespace_GetData_FullMethodName,
		zkgatepb.Namespace_GetChildren_FullMethodName,
		zkgatepb.Namespace_GetAllChildrenNumber_FullMethodName,
		zkgatepb.Namespace_GetEphemerals_FullMethodName,
		zkgatepb.Namespace_Sync_FullMethodName,
		zkgatepb.Namespace_GetACL_FullMethodName,
		zkgatepb.Lock_Unlock_FullMethodName,
		zkgatepb.Lock_Holder_FullMethodName,
		zkgatepb.Election_Resign_FullMethodName,
		zkgatepb.Election_Leader_FullMethodName,
		zkgatepb.Semaphore_Holders_FullMethodName,
		zkgatepb.Queue_Len_FullMethodName,
		zkgatepb.Counter_Get_FullMethodName,
	} {
		retryable[m] = true
	}
}
