package freeport

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
)

const (
	// lowest is the lowest port handed out: above the ports well-known
	// services (2181, 2379, 8080, ...) listen on by default, and above
	// 10000-16000, where go-zookeeper's test clusters (which e2e/peers
	// runs) pick their own ports.
	lowest = 20000
	// minRoom is the fewest ports below the ephemeral range for Port to
	// pick from there rather than ask the kernel.
	minRoom = 2000
	// defaultEphemeral is Linux's default start of the ephemeral range.
	defaultEphemeral = 32768
)

var (
	mu     sync.Mutex
	given  = map[int]bool{} // ports handed out by this process
	window struct {
		lo, hi int // ports [lo, hi) to pick from; hi == 0 before the first call
		next   int // the next one to try
	}
)

// Port returns a loopback TCP port that was free a moment ago and that
// this process has not handed out before; it fails t if there is none.
// See the package doc for the race it leaves and how it is kept small.
func Port(t testing.TB) int {
	t.Helper()
	p, err := Next()
	if err != nil {
		t.Fatalf("finding a free loopback port: %v", err)
	}
	return p
}

// Next is Port for code without a testing.TB (a helper program started by
// a test).
func Next() (int, error) {
	mu.Lock()
	defer mu.Unlock()
	if window.hi == 0 {
		window.lo, window.hi = lowest, ephemeralStart()
		if window.hi-window.lo >= minRoom {
			window.next = window.lo + rand.IntN(window.hi-window.lo)
		}
	}
	if window.hi-window.lo < minRoom {
		return fromKernel()
	}
	for range window.hi - window.lo {
		p := window.next
		window.next++
		if window.next == window.hi {
			window.next = window.lo
		}
		if given[p] {
			continue
		}
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if err != nil {
			continue // in use
		}
		l.Close()
		given[p] = true
		return p, nil
	}
	return 0, fmt.Errorf("every port from %d to %d is taken or handed out", window.lo, window.hi-1)
}

// fromKernel asks the kernel for a port (port 0) until it offers one not
// handed out before.
func fromKernel() (int, error) {
	for range 100 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		p := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if !given[p] {
			given[p] = true
			return p, nil
		}
	}
	return 0, errors.New("the kernel offered only ports already handed out")
}

// ephemeralStart is the first port of the kernel's ephemeral range: its
// setting on Linux, Linux's default elsewhere.
func ephemeralStart() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return defaultEphemeral
	}
	f := strings.Fields(string(b))
	if len(f) != 2 {
		return defaultEphemeral
	}
	lo, err := strconv.Atoi(f[0])
	if err != nil || lo <= 0 {
		return defaultEphemeral
	}
	return lo
}
