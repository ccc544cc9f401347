package client

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"

	"github.com/zkgate/zkgate/schema"
	"github.com/zkgate/zkgate/schema/zkgatepb"
)

// Session is a zkgate session kept alive until Close, until it expires
// on the server, or until it is lost: no keepalive succeeded for its
// timeout (see the package doc).
type Session struct {
	ns       zkgatepb.NamespaceClient
	el       zkgatepb.ElectionClient
	lk       zkgatepb.LockClient
	sem      zkgatepb.SemaphoreClient
	bar      zkgatepb.BarrierClient
	dbar     zkgatepb.DoubleBarrierClient
	queue    zkgatepb.QueueClient
	counter  zkgatepb.CounterClient
	id       int64
	password []byte
	timeout  time.Duration
	auth     []*zkgatepb.AuthInfo
	zxid     atomic.Int64 // highest zxid seen
	listener func(State)
	pending  []State       // changes of state the listener has yet to hear (mu)
	wake     chan struct{} // a change is pending

	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
	mu        sync.Mutex
	err       error
	state     State
}

// State is a session's connection state, as Curator's ConnectionState
// and kazoo's KazooState.
type State int

const (
	// Connected: a keepalive succeeded within the last third of the
	// timeout (also after Suspended, when one succeeds again: Curator's
	// RECONNECTED).
	Connected State = iota
	// Suspended: no keepalive has succeeded for a third of the timeout.
	// The session may still live, and what it holds with it; a careful
	// holder pauses work that needs the lock until Connected or Lost.
	Suspended
	// Lost: no keepalive succeeded for the whole timeout, or the server
	// said the session expired. The session has ended (Done is closed)
	// and everything it held must be taken as gone.
	Lost
)

func (s State) String() string {
	switch s {
	case Connected:
		return "connected"
	case Suspended:
		return "suspended"
	case Lost:
		return "lost"
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// Option configures a Session.
type Option func(*sessionOptions)

type sessionOptions struct {
	timeout  time.Duration
	auth     []*zkgatepb.AuthInfo
	listener func(State)
}

// WithTimeout asks for a session timeout (the server clamps it to its
// bounds). The default is 10 s.
func WithTimeout(d time.Duration) Option { return func(o *sessionOptions) { o.timeout = d } }

// WithAuth adds credentials sent with every request, as ZooKeeper's
// addAuth (for example "digest", "user:password").
func WithAuth(scheme, credentials string) Option {
	return func(o *sessionOptions) {
		o.auth = append(o.auth, &zkgatepb.AuthInfo{Scheme: scheme, Credentials: []byte(credentials)})
	}
}

// WithStateListener calls f at each change of the session's State, in
// order, from a goroutine of its own: a slow f (or one that calls Close)
// never delays the keepalives or the loss of the session. Lost is the
// last call; Close makes no call.
func WithStateListener(f func(State)) Option { return func(o *sessionOptions) { o.listener = f } }

// ErrSessionEnded is returned once the session has ended (closed, expired
// or lost).
var ErrSessionEnded = errors.New("zkgate session ended")

// ErrSessionLost is in the chain of Err (with ErrSessionEnded) when the
// session was ended on this side because no keepalive succeeded for its
// timeout: the server may have expired it, and another client may hold
// what it held.
var ErrSessionLost = errors.New("zkgate session lost")

// lostError is ErrSessionLost (and so ErrSessionEnded) with its reason.
type lostError struct{ reason string }

func (e *lostError) Error() string { return ErrSessionLost.Error() + ": " + e.reason }
func (e *lostError) Is(target error) bool {
	return target == ErrSessionLost || target == ErrSessionEnded
}

// NewSession opens a session on conn and keeps it alive. conn is
// usually a *Conn from Dial, which retries session creation while etcd
// elects a leader and moves the session to another endpoint when its
// endpoint fails; a plain *grpc.ClientConn works too, with neither.
func NewSession(ctx context.Context, conn grpc.ClientConnInterface, opts ...Option) (*Session, error) {
	o := sessionOptions{timeout: 10 * time.Second}
	for _, f := range opts {
		f(&o)
	}
	conn = converting(conn)
	ns := zkgatepb.NewNamespaceClient(conn)
	sent := time.Now()
	resp, err := ns.CreateSession(ctx, &zkgatepb.CreateSessionRequest{TimeoutMs: int32(o.timeout / time.Millisecond)})
	if err != nil {
		return nil, fmt.Errorf("opening a zkgate session: %w", err)
	}
	s := &Session{
		ns: ns, el: zkgatepb.NewElectionClient(conn), lk: zkgatepb.NewLockClient(conn),
		sem: zkgatepb.NewSemaphoreClient(conn), bar: zkgatepb.NewBarrierClient(conn), dbar: zkgatepb.NewDoubleBarrierClient(conn),
		queue: zkgatepb.NewQueueClient(conn), counter: zkgatepb.NewCounterClient(conn),
		id: resp.GetSessionId(), password: resp.GetPassword(),
		timeout: time.Duration(resp.GetTimeoutMs()) * time.Millisecond, auth: o.auth,
		listener: o.listener,
		stop:     make(chan struct{}), done: make(chan struct{}),
		wake: make(chan struct{}, 1),
	}
	if s.listener != nil {
		go s.deliverStates()
	}
	go s.keepAlive(sent)
	return s, nil
}

// ID is the session id.
func (s *Session) ID() int64 { return s.id }

// Timeout is the negotiated session timeout.
func (s *Session) Timeout() time.Duration { return s.timeout }

// Done is closed when the session has ended: closed, expired on the
// server, or lost (Err says which). Then everything it held must be taken
// as released.
func (s *Session) Done() <-chan struct{} { return s.done }

// Err says why the session ended; nil while it lives. Always
// ErrSessionEnded in its chain, and ErrSessionLost when it was lost.
func (s *Session) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// State is the session's connection state now.
func (s *Session) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state
}

// Context is the RequestContext of the session's requests.
func (s *Session) Context() *zkgatepb.RequestContext {
	return &zkgatepb.RequestContext{SessionId: s.id, SessionPassword: s.password, Auth: s.auth, MinZxid: s.zxid.Load()}
}

func (s *Session) saw(zxid int64) {
	for {
		cur := s.zxid.Load()
		if zxid <= cur || s.zxid.CompareAndSwap(cur, zxid) {
			return
		}
	}
}

func (s *Session) end(err error) {
	s.mu.Lock()
	if s.err == nil {
		s.err = err
	}
	s.mu.Unlock()
}

func (s *Session) setState(st State) {
	s.mu.Lock()
	changed := s.state != st
	s.state = st
	if changed && s.listener != nil {
		s.pending = append(s.pending, st)
	}
	s.mu.Unlock()
	if changed && s.listener != nil {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
}

// deliverStates calls the listener with each change of state, in order,
// until Lost or the session's end.
func (s *Session) deliverStates() {
	for {
		ended := false
		select {
		case <-s.wake:
		case <-s.done:
			ended = true
		}
		s.mu.Lock()
		states := s.pending
		s.pending = nil
		s.mu.Unlock()
		for _, st := range states {
			s.listener(st)
			if st == Lost {
				return
			}
		}
		if ended {
			return
		}
	}
}

// Keepalive timing, as fractions of the session timeout.
const (
	keepAliveEvery = 4 // a keepalive every timeout/4 while they succeed
	suspendAfter   = 3 // Suspended after timeout/3 without success
	retryEvery     = 20
)

// lostAfter is how long after the last successful keepalive was sent
// the session is lost here: the timeout less a guard of a tenth of it (at
// most a second), for the holder to hear of the loss and stop, and for
// the two clocks' rates to differ (package doc).
func lostAfter(timeout time.Duration) time.Duration {
	return timeout - min(timeout/10, time.Second)
}

// keepAlive renews the session every timeout/4, and retries soon after a
// failure, until Close, expiry, or loss. sent is when the request that
// created the session was sent: the server's lease started no earlier.
//
// The session is lost at lastOK + lostAfter(timeout), lastOK being the
// time the last successful keepalive was *sent* (not answered): the
// server renewed the lease at some instant between sending and
// answering, so it cannot expire the session before lastOK + timeout
// (package doc).
func (s *Session) keepAlive(sent time.Time) {
	defer close(s.done)
	type result struct {
		sent time.Time
		err  error
	}
	lastOK := sent
	lost := lostAfter(s.timeout)
	interval := s.timeout / keepAliveEvery
	retry := max(s.timeout/retryEvery, 20*time.Millisecond)
	results := make(chan result, 1)
	var inflight context.CancelFunc
	defer func() {
		if inflight != nil {
			inflight()
		}
	}()
	sendT := time.NewTimer(time.Until(lastOK.Add(interval)))
	defer sendT.Stop()
	eventT := time.NewTimer(time.Until(lastOK.Add(s.timeout / suspendAfter)))
	defer eventT.Stop()
	// nextEvent arms eventT for the next state change that the lapse of
	// time alone makes: Suspended, then Lost.
	nextEvent := func() {
		at := lastOK.Add(lost)
		if s.State() == Connected {
			at = lastOK.Add(s.timeout / suspendAfter)
		}
		eventT.Reset(time.Until(at))
	}
	lose := func(err error) {
		s.end(err)
		s.setState(Lost)
	}
	for {
		select {
		case <-s.stop:
			return
		case <-sendT.C:
			if inflight != nil {
				continue
			}
			now := time.Now()
			deadline := now.Add(interval + interval/2)
			if end := lastOK.Add(lost); end.Before(deadline) {
				deadline = end
			}
			ctx, cancel := context.WithDeadline(context.Background(), deadline)
			inflight = cancel
			go func() {
				_, err := s.ns.KeepAlive(ctx, &zkgatepb.KeepAliveRequest{SessionId: s.id, Password: s.password})
				results <- result{now, err}
			}()
		case r := <-results:
			inflight()
			inflight = nil
			if r.err == nil {
				if r.sent.After(lastOK) {
					lastOK = r.sent
				}
				s.setState(Connected)
				nextEvent()
				sendT.Reset(time.Until(lastOK.Add(interval)))
				continue
			}
			if errors.Is(r.err, schema.ErrSessionExpired) {
				lose(fmt.Errorf("%w: expired on the server", ErrSessionEnded))
				return
			}
			sendT.Reset(retry)
		case <-eventT.C:
			now := time.Now()
			if !now.Before(lastOK.Add(lost)) {
				lose(&lostError{fmt.Sprintf("no keepalive answered for %s of the %s session timeout; the server may expire it", lost.Round(time.Millisecond), s.timeout)})
				return
			}
			if !now.Before(lastOK.Add(s.timeout / suspendAfter)) {
				s.setState(Suspended)
			}
			nextEvent()
		}
	}
}

// Close closes the session: its locks and candidacies are released. A
// lost session is not closed on the server, which no longer answered: it
// expires there.
func (s *Session) Close() error {
	var err error
	s.closeOnce.Do(func() {
		close(s.stop)
		<-s.done
		s.end(fmt.Errorf("%w: closed", ErrSessionEnded))
		if errors.Is(s.Err(), ErrSessionLost) {
			// No server has answered for most of the timeout: the
			// session expires there soon, and a caller that is told of
			// the loss should not wait on one more request.
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err = s.ns.CloseSession(ctx, &zkgatepb.CloseSessionRequest{SessionId: s.id, Password: s.password})
		if errors.Is(err, schema.ErrSessionExpired) {
			err = nil
		}
	})
	return err
}

// bind returns a context that ends when ctx ends or the session ends,
// so that no wait outlives the session.
func (s *Session) bind(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancelCause(ctx)
	go func() {
		select {
		case <-s.done:
			cancel(s.Err())
		case <-ctx.Done():
		}
	}()
	return ctx, func() { cancel(nil) }
}

// ended is the session's end as the error of a request made in it, or
// nil while it lives.
func (s *Session) ended() error {
	select {
	case <-s.done:
		return s.Err()
	default:
		return nil
	}
}

// RecipeOption configures a Mutex or an Election.
type RecipeOption func(*recipeOptions)

type recipeOptions struct {
	layout     zkgatepb.Layout
	mode       zkgatepb.LockMode
	identifier []byte
}

// Curator uses Curator's node names and ordering (InterProcessMutex,
// LeaderLatch) instead of kazoo's.
func Curator() RecipeOption {
	return func(o *recipeOptions) { o.layout = zkgatepb.Layout_LAYOUT_CURATOR }
}

// Read makes a Mutex the read side of a read-write lock: readers hold
// it together, writers (Mutexes without Read) alone.
func Read() RecipeOption { return func(o *recipeOptions) { o.mode = zkgatepb.LockMode_LOCK_MODE_READ } }

// Identifier is what a Mutex's contender holds as data (kazoo's
// identifier), shown by Holder.
func Identifier(id []byte) RecipeOption { return func(o *recipeOptions) { o.identifier = id } }

func recipeOpts(opts []RecipeOption) recipeOptions {
	var o recipeOptions
	for _, f := range opts {
		f(&o)
	}
	return o
}
