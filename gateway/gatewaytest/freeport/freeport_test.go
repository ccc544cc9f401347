package freeport

import (
	"net"
	"strconv"
	"sync"
	"testing"
)

// TestPort_DistinctAndFree: ports handed out side by side are never
// repeated, can be listened on, and lie below the kernel's ephemeral
// range.
func TestPort_DistinctAndFree(t *testing.T) {
	const n = 200
	ports := make(chan int, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() { ports <- Port(t) })
	}
	wg.Wait()
	close(ports)
	seen := map[int]bool{}
	eph := ephemeralStart()
	for p := range ports {
		if seen[p] {
			t.Errorf("port %d handed out twice", p)
		}
		seen[p] = true
		if eph-lowest >= minRoom && (p < lowest || p >= eph) {
			t.Errorf("port %d is outside [%d, %d)", p, lowest, eph)
		}
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if err != nil {
			t.Errorf("listening on port %d: %v", p, err)
			continue
		}
		l.Close()
	}
}

// TestPort_SkipsPortInUse: a port something listens on is passed over.
func TestPort_SkipsPortInUse(t *testing.T) {
	if ephemeralStart()-lowest < minRoom {
		t.Skip("no room below the ephemeral range: ports come from the kernel")
	}
	first := Port(t) // sets the window up
	var busy net.Listener
	for p := first + 1; p < window.hi; p++ {
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if err == nil {
			busy = l
			break
		}
	}
	if busy == nil {
		t.Fatal("no port to hold above the first one handed out")
	}
	defer busy.Close()
	held := busy.Addr().(*net.TCPAddr).Port
	mu.Lock()
	window.next = held
	mu.Unlock()
	if p := Port(t); p == held {
		t.Errorf("Port handed out %d, which is in use", p)
	}
}
