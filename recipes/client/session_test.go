package client

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/zkgate/zkgate/schema/zkgatepb"
)

// fakeNamespace answers CreateSession and KeepAlive; while hang is set,
// keepalives get no answer until their deadline; while failing is set,
// they get Unavailable "etcdserver: request timed out".
type fakeNamespace struct {
	zkgatepb.UnimplementedNamespaceServer
	hang, failing atomic.Bool
	mu            sync.Mutex
	renewed       time.Time // when the last keepalive renewed
	keepalives    atomic.Int64
}

func (f *fakeNamespace) CreateSession(_ context.Context, req *zkgatepb.CreateSessionRequest) (*zkgatepb.CreateSessionResponse, error) {
	f.mu.Lock()
	f.renewed = time.Now()
	f.mu.Unlock()
	return &zkgatepb.CreateSessionResponse{SessionId: 7, Password: []byte("pw"), TimeoutMs: req.GetTimeoutMs()}, nil
}

func (f *fakeNamespace) KeepAlive(ctx context.Context, _ *zkgatepb.KeepAliveRequest) (*zkgatepb.KeepAliveResponse, error) {
	f.keepalives.Add(1)
	if f.hang.Load() {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	if f.failing.Load() {
		return nil, status.Error(codes.Unavailable, "etcdserver: request timed out")
	}
	f.mu.Lock()
	f.renewed = time.Now()
	f.mu.Unlock()
	return &zkgatepb.KeepAliveResponse{}, nil
}

func (f *fakeNamespace) CloseSession(context.Context, *zkgatepb.CloseSessionRequest) (*zkgatepb.CloseSessionResponse, error) {
	return &zkgatepb.CloseSessionResponse{}, nil
}

func (f *fakeNamespace) lastRenewal() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.renewed
}

func serveFake(t *testing.T) (*fakeNamespace, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeNamespace{}
	g := grpc.NewServer()
	zkgatepb.RegisterNamespaceServer(g, f)
	go g.Serve(ln)
	t.Cleanup(g.Stop)
	return f, "http://" + ln.Addr().String()
}

type stateLog struct {
	mu sync.Mutex
	at []time.Time
	st []State
}

func (l *stateLog) add(st State) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.at = append(l.at, time.Now())
	l.st = append(l.st, st)
}

// await returns the states heard once there are n of them (listeners
// are called from a goroutine of their own, after the change), or what
// there is after a bound.
func (l *stateLog) await(n int) []State {
	for deadline := time.Now().Add(5 * time.Second); len(l.states()) < n && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	return l.states()
}

func (l *stateLog) states() []State {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]State(nil), l.st...)
}

// TestSession_LostBeforeServerCanExpire: when keepalives stop being
// answered, the session goes Suspended, then Lost, and Lost comes before
// the server could expire it (its last renewal + the timeout); Done and
// Mutex.Lost close, and Err says lost.
func TestSession_LostBeforeServerCanExpire(t *testing.T) {
	for _, mode := range []string{"hang", "unavailable"} {
		t.Run(mode, func(t *testing.T) {
			f, ep := serveFake(t)
			ctx := context.Background()
			conn, err := Dial(ctx, []string{ep})
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			var log stateLog
			const timeout = 1200 * time.Millisecond
			s, err := NewSession(ctx, conn, WithTimeout(timeout), WithStateListener(log.add))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			// Let a few keepalives succeed first.
			for deadline := time.Now().Add(5 * time.Second); f.keepalives.Load() < 3; {
				if time.Now().After(deadline) {
					t.Fatal("no keepalives")
				}
				time.Sleep(10 * time.Millisecond)
			}
			if mode == "hang" {
				f.hang.Store(true)
			} else {
				f.failing.Store(true)
			}
			m := NewMutex(s, "/l")
			select {
			case <-m.Lost():
			case <-time.After(5 * timeout):
				t.Fatal("session not lost")
			}
			lostAt := time.Now()
			if expiry := f.lastRenewal().Add(timeout); !lostAt.Before(expiry) {
				t.Fatalf("lost %s after the server could expire the session", lostAt.Sub(expiry))
			}
			if got := log.await(2); len(got) != 2 || got[0] != Suspended || got[1] != Lost {
				t.Fatalf("states %v, want [suspended lost]", got)
			}
			if !errors.Is(s.Err(), ErrSessionLost) || !errors.Is(s.Err(), ErrSessionEnded) || s.State() != Lost {
				t.Fatalf("Err %v, State %v", s.Err(), s.State())
			}
			if err := m.Lock(ctx); !errors.Is(err, ErrSessionLost) {
				t.Fatalf("Lock after the loss: %v", err)
			}
		})
	}
}

// TestSession_SuspendedThenConnected: a gap of keepalives shorter than
// the timeout suspends the session and it recovers, not lost.
func TestSession_SuspendedThenConnected(t *testing.T) {
	f, ep := serveFake(t)
	ctx := context.Background()
	conn, err := Dial(ctx, []string{ep})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var log stateLog
	const timeout = 1500 * time.Millisecond
	s, err := NewSession(ctx, conn, WithTimeout(timeout), WithStateListener(log.add))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	f.failing.Store(true)
	for deadline := time.Now().Add(2 * timeout); s.State() != Suspended; {
		if time.Now().After(deadline) {
			t.Fatal("never suspended")
		}
		time.Sleep(10 * time.Millisecond)
	}
	f.failing.Store(false)
	for deadline := time.Now().Add(2 * timeout); s.State() != Connected; {
		if time.Now().After(deadline) {
			t.Fatalf("never connected again; states %v", log.states())
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case <-s.Done():
		t.Fatalf("session ended: %v", s.Err())
	default:
	}
	if got := log.await(2); len(got) != 2 || got[0] != Suspended || got[1] != Connected {
		t.Fatalf("states %v, want [suspended connected]", got)
	}
}

// TestDial_FailsOverToAnswering: the first endpoint refuses; requests go
// to the second, and errors of a lone refused endpoint name it.
func TestDial_FailsOverToAnswering(t *testing.T) {
	f, ep := serveFake(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + ln.Addr().String()
	ln.Close()
	ctx := context.Background()
	conn, err := Dial(ctx, []string{refused, ep})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if conn.Current() != ep {
		t.Fatalf("current endpoint %s, want %s", conn.Current(), ep)
	}
	s, err := NewSession(ctx, conn, WithTimeout(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	_ = f
	_, err = Dial(ctx, []string{refused})
	if err == nil || err.Error() != "cannot reach "+refused+": connection refused" {
		t.Fatalf("Dial of a refused endpoint: %v", err)
	}
	if _, err := Dial(ctx, []string{"ftp://x:1"}); err == nil || !strings.Contains(err.Error(), "not a client URL") {
		t.Fatalf("Dial of a bad URL: %v", err)
	}
}

// TestInvoke_RetriesBetweenLeaders: a retryable request that meets
// "etcdserver: request timed out" is sent again until it succeeds.
func TestInvoke_RetriesBetweenLeaders(t *testing.T) {
	f, ep := serveFake(t)
	ctx := context.Background()
	conn, err := Dial(ctx, []string{ep})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	f.failing.Store(true)
	time.AfterFunc(300*time.Millisecond, func() { f.failing.Store(false) })
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := zkgatepb.NewNamespaceClient(conn).KeepAlive(cctx, &zkgatepb.KeepAliveRequest{}); err != nil {
		t.Fatalf("KeepAlive was not retried through the election: %v", err)
	}
	if n := f.keepalives.Load(); n < 2 {
		t.Fatalf("%d attempts", n)
	}
}

// TestInvoke_AnswerIsNotRetried: a retryable request that the server
// answers with an error (NoNode here) is returned at once, not repeated.
func TestInvoke_AnswerIsNotRetried(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &noNodeServer{}
	g := grpc.NewServer()
	zkgatepb.RegisterNamespaceServer(g, srv)
	go g.Serve(ln)
	defer g.Stop()
	conn, err := Dial(context.Background(), []string{"http://" + ln.Addr().String()})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = zkgatepb.NewNamespaceClient(conn).GetData(ctx, &zkgatepb.GetDataRequest{Path: "/a"})
	if status.Code(err) != codes.NotFound || srv.calls.Load() != 1 {
		t.Fatalf("GetData: %v after %d calls, want NotFound after 1", err, srv.calls.Load())
	}
}

type noNodeServer struct {
	zkgatepb.UnimplementedNamespaceServer
	calls atomic.Int64
}

func (s *noNodeServer) GetData(context.Context, *zkgatepb.GetDataRequest) (*zkgatepb.GetDataResponse, error) {
	s.calls.Add(1)
	return nil, status.Error(codes.NotFound, "KeeperErrorCode = NoNode for /a")
}

// TestSession_ListenerMayClose: a listener that closes its session when
// it hears Lost (Curator's usual pattern) does not hang the session.
func TestSession_ListenerMayClose(t *testing.T) {
	f, ep := serveFake(t)
	ctx := context.Background()
	conn, err := Dial(ctx, []string{ep})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var s *Session
	ready := make(chan struct{})
	closed := make(chan error, 1)
	s, err = NewSession(ctx, conn, WithTimeout(1200*time.Millisecond), WithStateListener(func(st State) {
		if st == Lost {
			<-ready
			closed <- s.Close()
		}
	}))
	if err != nil {
		t.Fatal(err)
	}
	close(ready)
	f.failing.Store(true)
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close from the listener did not return")
	}
	select {
	case <-s.Done():
	default:
		t.Fatal("session not done after Lost")
	}
}
