// Package client is a small Go client for zkgate's recipe services
// (package recipes) over gRPC: Mutex (with a read side), Election,
// Semaphore, Barrier, DoubleBarrier, Queue and Counter.
//
// A Session opens a zkgate session and keeps it alive in the background;
// the locks and elections made from it hold their contenders in it, so
// when the process dies the session expires and what it held is freed.
//
//	conn, _ := grpc.NewClient("127.0.0.1:2379", grpc.WithTransportCredentials(insecure.NewCredentials()))
//	s, _ := client.NewSession(ctx, conn, client.WithTimeout(10*time.Second))
//	defer s.Close()
//	m := client.NewMutex(s, "/locks/job")
//	if err := m.Lock(ctx); err != nil { ... }
//	// ... m.Token() fences writes ...
//	m.Unlock(ctx)
package client

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"

	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/schema"
	"github.com/zkgate/zkgate/schema/zkgatepb"
)

// Session is a zkgate session kept alive until Close or until it ends on
// the server (expiry).
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

	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
	mu        sync.Mutex
	err       error
}

// Option configures a Session.
type Option func(*sessionOptions)

type sessionOptions struct {
	timeout time.Duration
	auth    []*zkgatepb.AuthInfo
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

// ErrSessionEnded is returned once the session has ended.
var ErrSessionEnded = errors.New("zkgate session ended")

// NewSession opens a session on conn and keeps it alive.
func NewSession(ctx context.Context, conn grpc.ClientConnInterface, opts ...Option) (*Session, error) {
	o := sessionOptions{timeout: 10 * time.Second}
	for _, f := range opts {
		f(&o)
	}
	ns := zkgatepb.NewNamespaceClient(conn)
	resp, err := ns.CreateSession(ctx, &zkgatepb.CreateSessionRequest{TimeoutMs: int32(o.timeout / time.Millisecond)})
	if err != nil {
		return nil, fmt.Errorf("opening a zkgate session: %w", gateway.ErrorFromStatus(err))
	}
	s := &Session{
		ns: ns, el: zkgatepb.NewElectionClient(conn), lk: zkgatepb.NewLockClient(conn),
		sem: zkgatepb.NewSemaphoreClient(conn), bar: zkgatepb.NewBarrierClient(conn), dbar: zkgatepb.NewDoubleBarrierClient(conn),
		queue: zkgatepb.NewQueueClient(conn), counter: zkgatepb.NewCounterClient(conn),
		id: resp.GetSessionId(), password: resp.GetPassword(),
		timeout: time.Duration(resp.GetTimeoutMs()) * time.Millisecond, auth: o.auth,
		stop: make(chan struct{}), done: make(chan struct{}),
	}
	go s.keepAlive()
	return s, nil
}

// ID is the session id.
func (s *Session) ID() int64 { return s.id }

// Timeout is the negotiated session timeout.
func (s *Session) Timeout() time.Duration { return s.timeout }

// Done is closed when the session has ended: closed, or expired on the
// server (then everything it held has been released).
func (s *Session) Done() <-chan struct{} { return s.done }

// Err says why the session ended; nil while it lives.
func (s *Session) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
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

// keepAlive renews the session at a third of its timeout, and retries
// sooner after a failure, until Close or expiry.
func (s *Session) keepAlive() {
	defer close(s.done)
	interval := s.timeout / 3
	t := time.NewTimer(interval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), interval)
		_, err := s.ns.KeepAlive(ctx, &zkgatepb.KeepAliveRequest{SessionId: s.id, Password: s.password})
		cancel()
		if errors.Is(gateway.ErrorFromStatus(err), schema.ErrSessionExpired) {
			s.end(fmt.Errorf("%w: expired", ErrSessionEnded))
			return
		}
		next := interval
		if err != nil {
			next = interval / 4
		}
		t.Reset(next)
	}
}

// Close closes the session: its locks and candidacies are released.
func (s *Session) Close() error {
	var err error
	s.closeOnce.Do(func() {
		close(s.stop)
		<-s.done
		s.end(fmt.Errorf("%w: closed", ErrSessionEnded))
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, err = s.ns.CloseSession(ctx, &zkgatepb.CloseSessionRequest{SessionId: s.id, Password: s.password})
		err = gateway.ErrorFromStatus(err)
		if errors.Is(err, schema.ErrSessionExpired) {
			err = nil
		}
	})
	return err
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
