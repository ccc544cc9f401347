package e2e

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/zkgate/zkgate/e2e/harness"
	"github.com/zkgate/zkgate/recipes/client"
)

// The recipes' interop with kazoo: zkgate's Lock and Election services
// and kazoo's Lock and Election, run by a real kazoo against the real
// binary, contend on one path and are served in one order.

// startKazoo starts a kazoo script (with kazooPrelude) connected to n's
// ZooKeeper port; its output lines and stdin are the test's.
func startKazoo(t *testing.T, n *harness.Node, script string) *cliProc {
	t.Helper()
	return startProc(t, exec.Command(python, "-u", "-c", kazooPrelude+script, n.ZKAddr))
}

// recipeSession opens a recipe session through n's gRPC API.
func recipeSession(t *testing.T, n *harness.Node, timeout time.Duration) *client.Session {
	t.Helper()
	conn, err := grpc.NewClient(strings.TrimPrefix(n.ClientURL, "http://"), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := client.NewSession(ctx, conn, client.WithTimeout(timeout))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// holderOf is the identifier of the lock's holder on path.
func holderOf(t *testing.T, s *client.Session, path string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, id, err := client.Holder(ctx, s, path)
	if err != nil {
		t.Fatalf("holder of %s: %v", path, err)
	}
	return string(id)
}

// expectLine fails unless p's next line is want.
func expectLine(t *testing.T, p *cliProc, timeout time.Duration, want string) {
	t.Helper()
	if got := p.line(timeout); got != want {
		t.Fatalf("kazoo printed %q, want %q", got, want)
	}
}

// TestRecipesKazoo_Lock: a gRPC holder excludes kazoo's Lock on the same
// path and kazoo's holder excludes a gRPC waiter; the three contenders
// (gRPC, kazoo, gRPC) are served in the order they queued, which both
// sides see alike (kazoo's contenders(), zkgate's Holder).
func TestRecipesKazoo_Lock(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{})
	const path = "/interop/lock"
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	s1 := recipeSession(t, n, 10*time.Second)
	m1 := client.NewMutex(s1, path, client.Identifier([]byte("go-1")))
	if err := m1.Lock(ctx); err != nil {
		t.Fatal(err)
	}

	k := startKazoo(t, n, `
zk = client()
lock = zk.Lock("/interop/lock", "kazoo")
print("waiting", flush=True)
lock.acquire()
print("acquired " + " ".join(lock.contenders()), flush=True)
sys.stdin.readline()
lock.release()
print("released", flush=True)
zk.stop()
print("OK", flush=True)
`)
	expectLine(t, k, 30*time.Second, "waiting")
	waitChildren(t, n, path, 2) // kazoo has queued

	// A second gRPC contender: TryLock fails while go-1 holds; Lock
	// queues behind kazoo.
	s2 := recipeSession(t, n, 10*time.Second)
	m2 := client.NewMutex(s2, path, client.Identifier([]byte("go-2")))
	if ok, err := m2.TryLock(ctx); err != nil || ok {
		t.Fatalf("TryLock while go-1 holds: %v %v", ok, err)
	}
	locked := make(chan error, 1)
	go func() { locked <- m2.Lock(ctx) }()
	waitChildren(t, n, path, 3)

	if h := holderOf(t, s2, path); h != "go-1" {
		t.Fatalf("holder %q, want go-1", h)
	}
	quiet, stop := context.WithTimeout(ctx, time.Second)
	if !k.quiet(quiet) {
		t.Fatal("kazoo acquired the lock while a gRPC client held it")
	}
	stop()

	// go-1 releases: kazoo, queued first, gets it, and sees go-2 behind.
	if err := m1.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
	expectLine(t, k, 30*time.Second, "acquired kazoo go-2")
	if h := holderOf(t, s2, path); h != "kazoo" {
		t.Fatalf("holder %q, want kazoo", h)
	}
	select {
	case err := <-locked:
		t.Fatalf("go-2 took the lock while kazoo held it (%v)", err)
	case <-time.After(time.Second):
	}

	// kazoo releases: go-2 gets it.
	k.send("")
	expectLine(t, k, 30*time.Second, "released")
	if err := <-locked; err != nil {
		t.Fatal(err)
	}
	if h := holderOf(t, s2, path); h != "go-2" {
		t.Fatalf("holder %q, want go-2", h)
	}
	expectLine(t, k, 30*time.Second, "OK")
	if err := m2.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
	waitChildren(t, n, path, 0)
}

// TestRecipesKazoo_Election: a gRPC leader, a kazoo candidate and a gRPC
// candidate on one path. kazoo waits while the gRPC leader leads and
// leads when it resigns; the gRPC candidate waits behind kazoo and leads
// when kazoo's process is killed (once its session expires). A gRPC
// observer sees the three leaders in order with kazoo's identifier as
// its value.
func TestRecipesKazoo_Election(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{})
	const path = "/interop/election"
	const kazooTimeout = 4 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	sa := recipeSession(t, n, 10*time.Second)
	ea := client.NewElection(sa, path)
	if err := ea.Campaign(ctx, []byte("go-a")); err != nil {
		t.Fatal(err)
	}
	so := recipeSession(t, n, 10*time.Second)
	observed := client.NewElection(so, path).Observe(ctx)
	next := func(want string) {
		t.Helper()
		select {
		case l, ok := <-observed:
			if !ok {
				t.Fatal("observe stream ended")
			}
			if string(l.Value) != want {
				t.Fatalf("observer saw leader %q, want %q", l.Value, want)
			}
		case <-time.After(3 * kazooTimeout):
			t.Fatalf("observer saw no leader change, want %q", want)
		}
	}
	next("go-a")

	k := startKazoo(t, n, `
zk = client(timeout=4)
election = zk.Election("/interop/election", "kazoo-b")
print("candidate", flush=True)
def lead():
    print("leading " + " ".join(election.contenders()), flush=True)
    time.sleep(300)
election.run(lead)
`)
	expectLine(t, k, 30*time.Second, "candidate")
	waitChildren(t, n, path, 2)

	sc := recipeSession(t, n, 10*time.Second)
	ec := client.NewElection(sc, path)
	elected := make(chan error, 1)
	go func() { elected <- ec.Campaign(ctx, []byte("go-c")) }()
	waitChildren(t, n, path, 3)

	quiet, stop := context.WithTimeout(ctx, time.Second)
	if !k.quiet(quiet) {
		t.Fatal("kazoo led while a gRPC candidate led")
	}
	stop()

	// The gRPC leader resigns: kazoo leads, and sees go-c behind it.
	if err := ea.Resign(ctx); err != nil {
		t.Fatal(err)
	}
	expectLine(t, k, 30*time.Second, "leading kazoo-b go-c")
	next("kazoo-b")
	select {
	case err := <-elected:
		t.Fatalf("go-c was elected while kazoo led (%v)", err)
	case <-time.After(time.Second):
	}

	// kazoo's process dies: go-c leads once its session has expired.
	killed := time.Now()
	k.kill()
	select {
	case err := <-elected:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(3 * kazooTimeout):
		t.Fatal("go-c was not elected after the kazoo leader died")
	}
	if took := time.Since(killed); took > kazooTimeout+3*time.Second {
		t.Fatalf("leadership passed %v after the kazoo leader died; session timeout %v", took, kazooTimeout)
	}
	next("go-c")
	if l, err := ec.Leader(ctx); err != nil || string(l.Value) != "go-c" {
		t.Fatalf("leader %q %v, want go-c", l.Value, err)
	}
}
