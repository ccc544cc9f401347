package zkdial

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zkgate/zkgate/sasl"
)

// DefaultDialTimeout is Options.DialTimeout when it is zero.
const DefaultDialTimeout = 5 * time.Second

// Options are how Dial connects.
type Options struct {
	// SessionTimeout is the session timeout asked for; the server
	// negotiates it.
	SessionTimeout time.Duration
	// DialTimeout bounds everything until the session is established:
	// each address gets an equal share for its TCP dial and handshake.
	// Zero means DefaultDialTimeout.
	DialTimeout time.Duration
	// Auth are credentials added once the session is up,
	// "scheme:credentials" (such as "digest:user:password").
	Auth []string
	// SASL, if set, authenticates each connection with SASL (DIGEST-MD5
	// or GSSAPI) as soon as its session is established, before anything
	// else is sent. Kerberos must have logged in (ClientConfig.Login).
	// A refusal ends Dial at once with the cause, without trying the
	// other addresses.
	SASL *sasl.ClientConfig
	// EventCallback, if set, gets every event of the session, from
	// go-zookeeper's receive loop: it must not block.
	EventCallback zk.EventCallback
}

// ErrBadAuth is an Options.Auth entry without a scheme.
var ErrBadAuth = errors.New("must be scheme:credentials")

// Dial connects to servers (host:port each) and returns once a session is
// established and every credential added. When it cannot, the error is
// one line naming each address tried and its cause (see the package
// doc); ctx's error if ctx ends first; ErrBadAuth (wrapped) for a
// malformed credential, before anything is dialed.
func Dial(ctx context.Context, servers []string, o Options) (*zk.Conn, error) {
	if len(servers) == 0 {
		return nil, errors.New("no ZooKeeper address given")
	}
	for _, a := range o.Auth {
		if scheme, _, ok := strings.Cut(a, ":"); !ok || scheme == "" {
			return nil, fmt.Errorf("auth %q: %w", redact(a), ErrBadAuth)
		}
	}
	if o.DialTimeout <= 0 {
		o.DialTimeout = DefaultDialTimeout
	}
	w := &watch{
		share:   o.DialTimeout / time.Duration(len(servers)),
		causes:  map[string]string{},
		changed: make(chan struct{}, 1),
		sasl:    o.SASL,
	}
	if o.SASL != nil {
		w.names = hostNames(ctx, servers)
	}
	user := o.EventCallback
	conn, _, err := zk.Connect(servers, o.SessionTimeout,
		zk.WithLogger(w), zk.WithLogInfo(false),
		zk.WithDialer(w.dial),
		zk.WithHostProvider(&hosts{HostProvider: zk.NewDNSHostProvider(), w: w}),
		zk.WithEventCallback(func(ev zk.Event) {
			if ev.Type == zk.EventSession {
				w.event(ev)
			}
			if user != nil {
				user(ev)
			}
		}))
	if err != nil {
		// Only the host provider fails here: no address resolved.
		return nil, fmt.Errorf("cannot reach %s: %v", strings.Join(servers, ","), err)
	}
	// go-zookeeper pauses a second between rounds: the bound allows one.
	bound := time.NewTimer(o.DialTimeout + time.Second)
	defer bound.Stop()
	for {
		switch st := w.state(); {
		case st.session:
			w.mu.Lock()
			w.done = true
			w.mu.Unlock()
			if err := addAuth(ctx, conn, o.Auth, o.DialTimeout); err != nil {
				conn.Close()
				return nil, err
			}
			return conn, nil
		case st.fatal != "":
			conn.Close()
			return nil, errors.New(st.fatal)
		case st.roundFailed:
			conn.Close()
			return nil, errors.New(w.summary(servers))
		}
		select {
		case <-w.changed:
		case <-bound.C:
			conn.Close()
			return nil, fmt.Errorf("%s (no session within %s)", w.summary(servers), o.DialTimeout)
		case <-ctx.Done():
			conn.Close()
			return nil, ctx.Err()
		}
	}
}

// addAuth adds each credential, each within timeout.
func addAuth(ctx context.Context, conn *zk.Conn, auth []string, timeout time.Duration) error {
	for _, a := range auth {
		scheme, cred, _ := strings.Cut(a, ":")
		done := make(chan error, 1)
		go func() { done <- conn.AddAuth(scheme, []byte(cred)) }()
		t := time.NewTimer(timeout)
		var err error
		select {
		case err = <-done:
		case <-t.C:
			err = fmt.Errorf("no answer within %s", timeout)
		case <-ctx.Done():
			err = ctx.Err()
		}
		t.Stop()
		switch {
		case errors.Is(err, zk.ErrAuthFailed):
			return fmt.Errorf("%s: auth failed (scheme %s): the server refused the credentials", conn.Server(), scheme)
		case err != nil:
			// AddAuth ends when Close flushes its request.
			return fmt.Errorf("%s: adding auth (scheme %s): %v", conn.Server(), scheme, err)
		}
	}
	return nil
}

// redact keeps an auth entry's scheme only: credentials are never shown.
func redact(a string) string {
	if scheme, _, ok := strings.Cut(a, ":"); ok {
		return scheme + ":..."
	}
	if a == "" {
		return a
	}
	return "..."
}

// watch is what Dial has learned of the attempts so far. Its methods are
// called from go-zookeeper's connection loop and from Dial.
type watch struct {
	share   time.Duration // of the bound, for each address's attempt
	changed chan struct{} // a wake-up for Dial, buffered
	sasl    *sasl.ClientConfig
	names   map[string]string // resolved address -> the host name given

	mu          sync.Mutex
	causes      map[string]string // the last failure of each address
	order       []string          // addresses in the order first tried
	current     string            // the address of the attempt under way
	failed      bool              // the current attempt's cause is recorded
	session     bool
	roundFailed bool
	done        bool   // Dial has returned a session: stop recording
	fatal       string // a SASL refusal: Dial ends with it
}

// Printf is go-zookeeper's logger. Of what it logs, one line matters
// here: a handshake that failed other than by a read error (an answer
// that is not a ZooKeeper connect response), which it logs as
// "authentication failed: %s". Nothing is printed.
func (w *watch) Printf(format string, args ...any) {
	if format != "authentication failed: %s" || len(args) != 1 {
		return
	}
	w.mu.Lock()
	addr, failed := w.current, w.failed
	w.mu.Unlock()
	if addr != "" && !failed {
		w.fail(addr, fmt.Sprintf("%s: answered, but not as a ZooKeeper server (%v)", addr, args[0]))
	}
}

type watchState struct {
	session, roundFailed bool
	fatal                string
}

func (w *watch) state() watchState {
	w.mu.Lock()
	defer w.mu.Unlock()
	return watchState{w.session, w.roundFailed, w.fatal}
}

// failSASL records a failed SASL exchange, which ends Dial.
func (w *watch) failSASL(addr string, err error) {
	w.mu.Lock()
	if !w.done && !w.session && w.fatal == "" {
		w.fatal = err.Error()
	}
	w.mu.Unlock()
	w.fail(addr, err.Error())
	w.wake()
}

func (w *watch) wake() {
	select {
	case w.changed <- struct{}{}:
	default:
	}
}

// fail records why addr's attempt failed.
func (w *watch) fail(addr, cause string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done || w.session {
		return
	}
	if _, seen := w.causes[addr]; !seen {
		w.order = append(w.order, addr)
	}
	w.causes[addr] = cause
	if addr == w.current {
		w.failed = true
	}
}

func (w *watch) event(ev zk.Event) {
	w.mu.Lock()
	switch ev.State {
	case zk.StateHasSession:
		w.session = true
	case zk.StateExpired:
		if !w.done && ev.Server != "" {
			if _, seen := w.causes[ev.Server]; !seen {
				w.order = append(w.order, ev.Server)
			}
			w.causes[ev.Server] = ev.Server + ": session expired"
			if ev.Server == w.current {
				w.failed = true
			}
		}
	}
	w.mu.Unlock()
	w.wake()
}

// summary is every address's cause, in the order tried, on one line.
func (w *watch) summary(servers []string) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var parts []string
	for _, a := range w.order {
		parts = append(parts, w.causes[a])
	}
	if len(parts) == 0 {
		return fmt.Sprintf("%s: no answer", strings.Join(servers, ","))
	}
	return strings.Join(slices.Compact(parts), "; ")
}

// dial is go-zookeeper's dialer: it dials within the address's share and
// records the cause of a failure.
func (w *watch) dial(network, addr string, _ time.Duration) (net.Conn, error) {
	w.mu.Lock()
	w.current, w.failed = addr, false
	w.mu.Unlock()
	limit := time.Now().Add(w.share)
	d := net.Dialer{Deadline: limit}
	nc, err := d.Dial(network, addr)
	if err != nil {
		w.fail(addr, dialCause(addr, err, w.share))
		return nil, err
	}
	return &handshakeConn{Conn: nc, w: w, addr: addr, limit: limit, share: w.share, sasl: w.sasl, host: w.names[addr]}, nil
}

// dialCause words a failed dial: "cannot reach ADDR: connection refused".
func dialCause(addr string, err error, share time.Duration) string {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Sprintf("cannot reach %s: no answer within %s", addr, share)
	}
	var se *os.SyscallError
	if errors.As(err, &se) {
		return fmt.Sprintf("cannot reach %s: %v", addr, se.Err)
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		return fmt.Sprintf("cannot reach %s: %v", addr, oe.Err)
	}
	return fmt.Sprintf("cannot reach %s: %v", addr, err)
}

// handshakeConn keeps the handshake within its attempt's limit: until
// the server has sent its first byte, no read or write waits past it,
// whatever deadline go-zookeeper sets. A read that fails before the
// session is established is recorded as the address's cause.
type handshakeConn struct {
	net.Conn
	w        *watch
	addr     string
	limit    time.Time
	share    time.Duration
	answered atomic.Bool
	// sasl, if set, authenticates the connection once its session is
	// established (authenticate), before go-zookeeper reads the
	// ConnectResponse, which is then pending.
	sasl     *sasl.ClientConfig
	host     string // the name the address was given by, if any
	saslDone bool
	pending  []byte
}

func (c *handshakeConn) clamp(t time.Time) time.Time {
	if !c.answered.Load() && (t.IsZero() || t.After(c.limit)) {
		return c.limit
	}
	return t
}

func (c *handshakeConn) SetReadDeadline(t time.Time) error {
	return c.Conn.SetReadDeadline(c.clamp(t))
}

func (c *handshakeConn) SetWriteDeadline(t time.Time) error {
	return c.Conn.SetWriteDeadline(c.clamp(t))
}

func (c *handshakeConn) SetDeadline(t time.Time) error {
	return c.Conn.SetDeadline(c.clamp(t))
}

func (c *handshakeConn) Read(b []byte) (int, error) {
	if c.sasl != nil && !c.saslDone {
		c.saslDone = true
		if err := c.authenticate(); err != nil {
			var se saslError
			if errors.As(err, &se) {
				c.w.failSASL(c.addr, err)
			} else {
				c.w.fail(c.addr, c.readCause(err, c.answered.Load()))
			}
			c.pending = nil
			return 0, err
		}
	}
	if len(c.pending) > 0 {
		n := copy(b, c.pending)
		c.pending = c.pending[n:]
		return n, nil
	}
	n, err := c.Conn.Read(b)
	answered := c.answered.Load()
	if n > 0 && !answered {
		c.answered.Store(true)
	}
	if err != nil {
		c.w.fail(c.addr, c.readCause(err, answered || n > 0))
	}
	return n, err
}

func (c *handshakeConn) readCause(err error, answered bool) string {
	var ne net.Error
	switch {
	case !answered && errors.As(err, &ne) && ne.Timeout():
		return fmt.Sprintf("%s: no answer within %s", c.addr, c.share)
	case errors.Is(err, net.ErrClosed):
		return fmt.Sprintf("%s: connection closed", c.addr)
	}
	msg := err.Error()
	var se *os.SyscallError
	if errors.As(err, &se) {
		msg = se.Err.Error()
	}
	return fmt.Sprintf("%s: closed the connection without a session (%s)", c.addr, msg)
}

// hosts is go-zookeeper's host provider with a report: Next tells,
// through retryStart, that every address has been tried once without a
// session.
type hosts struct {
	zk.HostProvider
	w *watch
}

func (h *hosts) Next() (string, bool) {
	s, retryStart := h.HostProvider.Next()
	if retryStart {
		h.w.mu.Lock()
		if !h.w.session && !h.w.done {
			h.w.roundFailed = true
		}
		h.w.mu.Unlock()
		h.w.wake()
	}
	return s, retryStart
}
