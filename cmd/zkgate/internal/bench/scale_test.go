package bench

import (
	"context"
	"net"
	"sync"
	"testing"

	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/gateway/gatewaytest"
	"github.com/zkgate/zkgate/zkbridge"
)

// serveZK serves the ZooKeeper protocol on a loopback port for e (nil: a
// server still waiting for its engine, which refuses handshakes).
func serveZK(t *testing.T, e *gateway.Engine) string {
	t.Helper()
	zs, err := zkbridge.New(zkbridge.Config{Engine: e})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go zs.Serve(l)
	t.Cleanup(func() { zs.Close() })
	return l.Addr().String()
}

// TestOpenSessions_LiveUntilCancelled: the scale driver's bare sessions
// exist on the server while its context lives, and are closed (not left
// to expire) once it ends.
func TestOpenSessions_LiveUntilCancelled(t *testing.T) {
	cl := gatewaytest.StartCluster(t, 1)
	e := gatewaytest.NewEngine(t, cl.Client(0), gateway.Config{})
	addr := serveZK(t, e)
	sessions := func() int64 {
		t.Helper()
		// The counts are the watch hub's: as of every change it has
		// seen, which Sync brings up to the last write.
		if _, err := e.Sync(context.Background(), gateway.Caller{}, "/"); err != nil {
			t.Fatal(err)
		}
		_, _, n, err := e.Counts(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	opened, err := openSessions(ctx, addr, 20, &wg)
	if err != nil || opened != 20 {
		t.Fatalf("openSessions: %d opened, %v; want 20", opened, err)
	}
	if n := sessions(); n != 20 {
		t.Fatalf("%d sessions on the server, want 20", n)
	}
	cancel()
	wg.Wait()
	if n := sessions(); n != 0 {
		t.Fatalf("%d sessions left once the driver stopped, want 0", n)
	}
}

// TestOpenSessions_Refused: a server that refuses the handshake is an
// error, not a session.
func TestOpenSessions_Refused(t *testing.T) {
	addr := serveZK(t, nil)
	var wg sync.WaitGroup
	opened, err := openSessions(context.Background(), addr, 3, &wg)
	wg.Wait()
	if err == nil || opened != 0 {
		t.Fatalf("openSessions: %d opened, %v; want none and an error", opened, err)
	}
}
