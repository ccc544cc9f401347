package e2e

import (
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zkgate/zkgate/e2e/harness"
)

// TestZooKeeper_GoClientMovesBetweenNodes: a go-zookeeper session
// connected to one node of a 3-node cluster survives that node's death:
// the client reconnects to another node with its session and ephemeral.
func TestZooKeeper_GoClientMovesBetweenNodes(t *testing.T) {
	cl := harness.StartCluster(t, 3)
	var addrs []string
	for _, n := range cl.Nodes {
		addrs = append(addrs, n.ZKAddr)
	}
	c, events := zkConnect(t, addrs...)
	sid := c.SessionID()
	if _, err := c.Create("/moving", nil, zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create("/watched", []byte("1"), 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	// A watch set on the first node is re-armed on the next one (the
	// client sends SetWatches when it reconnects).
	_, _, dataCh, err := c.GetW("/watched")
	if err != nil {
		t.Fatal(err)
	}
	var victim *harness.Node
	for _, n := range cl.Nodes {
		if n.ZKAddr == c.Server() {
			victim = n
		}
	}
	if victim == nil {
		t.Fatalf("client connected to %s, not a node", c.Server())
	}
	victim.Kill()
	deadline := time.After(60 * time.Second)
	for {
		select {
		case ev := <-events:
			if ev.State == zk.StateExpired {
				t.Fatal("session expired on moving")
			}
			if ev.State == zk.StateHasSession && c.Server() != victim.ZKAddr {
				goto moved
			}
		case <-deadline:
			t.Fatal("client did not reconnect to another node")
		}
	}
moved:
	if c.SessionID() != sid {
		t.Fatalf("session %x became %x", sid, c.SessionID())
	}
	ok, st, err := c.Exists("/moving")
	if err != nil || !ok || st.EphemeralOwner != sid {
		t.Fatalf("ephemeral after moving: %v %+v %v", ok, st, err)
	}
	var other *harness.Node
	for _, n := range cl.Nodes {
		if n != victim && n.ZKAddr != c.Server() {
			other = n
		}
	}
	o, _ := zkConnect(t, other.ZKAddr)
	if _, err := o.Set("/watched", []byte("2"), -1); err != nil {
		t.Fatal(err)
	}
	expectEvent(t, dataCh, zk.EventNodeDataChanged, "/watched")
}

// pausableProxy forwards TCP to target until paused; while paused it
// holds connections open but passes nothing, as a network partition.
type pausableProxy struct {
	l      net.Listener
	target string
	mu     sync.Mutex
	paused bool
	conns  []net.Conn
}

func newProxy(t *testing.T, target string) *pausableProxy {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &pausableProxy{l: l, target: target}
	t.Cleanup(func() {
		l.Close()
		p.mu.Lock()
		for _, c := range p.conns {
			c.Close()
		}
		p.mu.Unlock()
	})
	go func() {
		for {
			in, err := l.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				in.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, in, out)
			p.mu.Unlock()
			go p.pipe(in, out)
			go p.pipe(out, in)
		}
	}()
	return p
}

func (p *pausableProxy) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			for {
				p.mu.Lock()
				paused := p.paused
				p.mu.Unlock()
				if !paused {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				src.Close()
				return
			}
		}
		if err != nil {
			if err != io.EOF {
				dst.Close()
			}
			dst.Close()
			return
		}
	}
}

func (p *pausableProxy) setPaused(v bool) {
	p.mu.Lock()
	p.paused = v
	p.mu.Unlock()
}

// TestZooKeeper_GoClientSessionExpiry: a client cut off for longer than
// its session timeout finds its session expired when it comes back, and
// its ephemeral is gone, with the parent's Stat updated.
func TestZooKeeper_GoClientSessionExpiry(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{})
	proxy := newProxy(t, n.ZKAddr)
	c, events, err := zk.Connect([]string{proxy.l.Addr().String()}, 4*time.Second, zk.WithLogger(quietLogger{}))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	waitState(t, events, zk.StateHasSession)
	watcher, _ := zkConnect(t, n.ZKAddr)
	if _, err := watcher.Create("/members", nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create("/members/me", nil, zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	_, _, childCh, err := watcher.ChildrenW("/members")
	if err != nil {
		t.Fatal(err)
	}
	proxy.setPaused(true)
	// The session expires on the server: the other client sees the
	// ephemeral go.
	expectEvent(t, childCh, zk.EventNodeChildrenChanged, "/members")
	_, st, err := watcher.Exists("/members")
	if err != nil || st.NumChildren != 0 || st.Cversion != 2 {
		t.Fatalf("parent after expiry: %+v %v", st, err)
	}
	proxy.setPaused(false)
	waitState(t, events, zk.StateExpired)
}

func waitState(t *testing.T, events <-chan zk.Event, want zk.State) {
	t.Helper()
	deadline := time.After(60 * time.Second)
	for {
		select {
		case ev := <-events:
			if ev.State == want {
				return
			}
		case <-deadline:
			t.Fatalf("no %v event", want)
		}
	}
}
