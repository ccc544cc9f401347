package node

import (
	"bufio"
	"net"
	"testing"
	"time"
)

// TestNotReadyServer_RelaysTheConnectionTakenAfterReady: the accept loop
// that races etcd's once the member is ready hands the connection it
// takes to etcd (here an echo server on the same listener) and ends.
func TestNotReadyServer_RelaysTheConnectionTakenAfterReady(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ready := make(chan struct{})
	close(ready)
	s := &notReadyServer{ready: ready, conns: map[net.Conn]struct{}{}}
	q := newConnQueue(l.Addr())
	done := make(chan struct{})
	go func() { defer close(done); s.accept(l, q) }()

	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("accept loop did not end after taking a connection once ready")
	}
	// Only now does "etcd" accept: the relayed connection waits in the
	// listener's backlog.
	go func() {
		e, err := l.Accept()
		if err != nil {
			return
		}
		defer e.Close()
		line, _ := bufio.NewReader(e).ReadString('\n')
		_, _ = e.Write([]byte("etcd: " + line))
	}()
	if _, err := c.Write([]byte("ping\n")); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	got, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || got != "etcd: ping\n" {
		t.Fatalf("through the relay: %q, %v", got, err)
	}
	c.Close()
	finished := make(chan struct{})
	go func() { s.relays.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(5 * time.Second):
		t.Fatal("relay goroutines still running after both ends closed")
	}
}
