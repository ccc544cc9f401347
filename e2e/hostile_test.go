package e2e

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/zkgate/zkgate/e2e/harness"
	"github.com/zkgate/zkgate/schema"
	"github.com/zkgate/zkgate/zkbridge/jute"
	"github.com/zkgate/zkgate/zkbridge/zkraw"
)

// Hostile input against the real binary: malformed requests compared
// with a real ZooKeeper 3.8, and for each the checks that matter when
// the input is an attack or a broken client: nothing is written, the
// server goes on serving others, and the connection's resources are
// freed.

// metric reads one unlabelled sample from a node's /metrics.
func metric(t testing.TB, n *harness.Node, name string) float64 {
	t.Helper()
	resp, err := http.Get(n.ClientURL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			return f
		}
	}
	t.Fatalf("/metrics has no %s", name)
	return 0
}

// awaitGoroutines polls the node's go_goroutines until it is at most
// limit, and fails after timeout with the last value.
func awaitGoroutines(t testing.TB, n *harness.Node, limit float64, timeout time.Duration) float64 {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		g := metric(t, n, "go_goroutines")
		if g <= limit {
			return g
		}
		if time.Now().After(deadline) {
			t.Fatalf("go_goroutines %v, still above %v after %v: connections leak goroutines", g, limit, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// writeRecorder records every change of an etcd key outside the session
// records from the revision it starts at: what a request that must write
// nothing would show up as.
type writeRecorder struct {
	mu      sync.Mutex
	changes []string
	rev     int64 // last revision seen by the watch
	cancel  context.CancelFunc
}

func recordWrites(t testing.TB, cli *clientv3.Client) *writeRecorder {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	resp, err := cli.Get(ctx, "probe")
	if err != nil {
		t.Fatal(err)
	}
	w := &writeRecorder{rev: resp.Header.Revision, cancel: cancel}
	t.Cleanup(cancel)
	wch := cli.Watch(ctx, "\x00", clientv3.WithFromKey(), clientv3.WithRev(resp.Header.Revision+1), clientv3.WithProgressNotify())
	go func() {
		for r := range wch {
			w.mu.Lock()
			for _, ev := range r.Events {
				if !strings.HasPrefix(string(ev.Kv.Key), schema.SessionSpace()) {
					w.changes = append(w.changes, fmt.Sprintf("%v %q at revision %d", ev.Type, ev.Kv.Key, ev.Kv.ModRevision))
				}
			}
			w.rev = max(w.rev, r.Header.Revision)
			w.mu.Unlock()
		}
	}()
	return w
}

// check fails if anything but a session record changed up to the
// current revision.
func (w *writeRecorder) check(t testing.TB, cli *clientv3.Client) {
	t.Helper()
	resp, err := cli.Get(context.Background(), "probe")
	if err != nil {
		t.Fatal(err)
	}
	want := resp.Header.Revision
	if err := cli.RequestProgress(context.Background()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		w.mu.Lock()
		rev, changes := w.rev, append([]string(nil), w.changes...)
		w.mu.Unlock()
		if rev >= want {
			if len(changes) > 0 {
				t.Fatalf("hostile input changed the namespace:\n%s", strings.Join(changes, "\n"))
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the write watch reached revision %d, not %d", rev, want)
		}
		time.Sleep(20 * time.Millisecond)
		_ = cli.RequestProgress(context.Background())
	}
}

// hostileKnownDifferences are requests zkgate answers differently from a
// real ZooKeeper 3.8, on purpose, with zkgate's outcome. ZooKeeper's
// answer, measured:
//   - createSession inside a session: a ConnectResponse where the reply
//     should be (a client reads garbage), the connection stays open;
//   - sasl: OK with an empty body (ZooKeeper without SASL configured);
//     zkgate without --zk-jaas-config has no SASL and says so (with it,
//     sasl requests are answered as ZooKeeper with SASL answers them:
//     e2e/sasl_test.go, zkbridge/sasl_test.go);
//   - check (13) outside a multi: no reply at all (a client would wait
//     forever), the connection stays open.
//
// zkgate answers each Unimplemented and closes, as for any opcode it
// does not serve.
var hostileKnownDifferences = map[string]string{
	"opcode createSession":         "err -6 (zxid -1, xid 7), closed",
	"opcode sasl":                  "err -6 (zxid -1, xid 7), closed",
	"opcode check outside a multi": "err -6 (zxid -1, xid 7), closed",
}

// startZooKeeperAndNode starts a real ZooKeeper and a zkgate node (with
// o) side by side, for tests that send both the same bytes.
func startZooKeeperAndNode(t *testing.T, o harness.NodeOptions) (*harness.ZooKeeper, *harness.Node) {
	t.Helper()
	var (
		zk   *harness.ZooKeeper
		gate *harness.Node
		wg   sync.WaitGroup
	)
	wg.Add(2)
	go func() { defer wg.Done(); zk = harness.StartZooKeeper(t) }()
	go func() { defer wg.Done(); gate = harness.StartNode(t, o) }()
	wg.Wait()
	if t.Failed() || zk == nil || gate == nil {
		t.FailNow()
	}
	return zk, gate
}

// TestHostile_MalformedRequestsAsZooKeeper: every malformed request of
// hostileCases (each opcode's record cut short or with a negative or huge
// length, multis with a bad op after a good one, headers cut short,
// unknown opcodes) gets the answer a real ZooKeeper 3.8 gives it (the
// reply's error code, and whether the connection goes on), or the one
// listed in hostileKnownDifferences. And on zkgate: nothing in the
// namespace changes (a multi's good first op included), another session
// is served throughout, and once the connections are closed the server's
// goroutines are back to what they were.
func TestHostile_MalformedRequestsAsZooKeeper(t *testing.T) {
	t.Parallel()
	zk, gate := startZooKeeperAndNode(t, harness.NodeOptions{})
	var other *harness.ZKRaw
	for _, addr := range []string{zk.Addr, gate.ZKAddr} {
		c, err := harness.DialZK(addr, harness.ZKConnectOptions{TimeOut: 30000})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Drop)
		for _, p := range hostileFixture {
			if rh, _, err := c.Call(jute.OpCreate, &jute.CreateRequest{Path: p, Data: []byte("fixture"), ACL: openACL}); err != nil || rh.Err != 0 {
				t.Fatalf("create %s: %v %v", p, rh.Err, err)
			}
		}
		other = c
	}
	cli := gate.Client()
	goroutines := metric(t, gate, "go_goroutines")
	writes := recordWrites(t, cli)

	for _, c := range hostileCases() {
		var got [2]outcome
		for i, addr := range []string{zk.Addr, gate.ZKAddr} {
			s, err := dialRaw(addr)
			if err != nil {
				t.Fatal(err)
			}
			got[i] = sendRaw(s, c.bytes)
			s.Drop()
		}
		zkOut, gateOut := got[0], got[1]
		if want, ok := hostileKnownDifferences[c.name]; ok {
			if gateOut.String() != want {
				t.Errorf("%s: zkgate %s, want %s", c.name, gateOut, want)
			}
			if zkOut.String() == want {
				t.Errorf("%s: ZooKeeper now answers as zkgate (%s): drop it from hostileKnownDifferences", c.name, want)
			}
			continue
		}
		// ZooKeeper closes after Unimplemented from another thread: a
		// request sent right behind is sometimes answered first. zkgate
		// must have closed.
		if zkOut.reply == gateOut.reply && strings.HasPrefix(zkOut.reply, "err -6 ") {
			if gateOut.then != "closed" {
				t.Errorf("%s: zkgate %s, want the connection closed after Unimplemented", c.name, gateOut)
			}
			continue
		}
		if zkOut != gateOut {
			t.Errorf("%s:\n  ZooKeeper: %s\n  zkgate:    %s", c.name, zkOut, gateOut)
		}
	}

	// The session opened before all this was served throughout.
	rh, d, err := other.Call(jute.OpGetData, &jute.GetDataRequest{Path: "/h/a"})
	if err != nil || rh.Err != 0 {
		t.Fatalf("getData on another session after the malformed requests: %v %v", rh.Err, err)
	}
	var r jute.GetDataResponse
	if err := r.Decode(d); err != nil || string(r.Data) != "fixture" {
		t.Fatalf("/h/a holds %q (%v)", r.Data, err)
	}
	writes.check(t, cli)
	g := awaitGoroutines(t, gate, goroutines+10, 30*time.Second)
	t.Logf("%d malformed requests on as many connections; go_goroutines %v before, %v after", len(hostileCases()), goroutines, g)
}

// raiseNoFile makes room for n more open files in this process, raising
// RLIMIT_NOFILE (the hard limit too, if allowed) when it is short.
func raiseNoFile(t testing.TB, n uint64) {
	t.Helper()
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	need := n + 1024
	if lim.Cur >= need {
		return
	}
	lim.Cur = need
	lim.Max = max(lim.Max, need)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatalf("this test needs %d open files (RLIMIT_NOFILE): %v", need, err)
	}
}

// memFigures are a node's memory figures from /metrics.
type memFigures struct{ goroutines, heap, stacks, rss float64 }

func memOf(t testing.TB, n *harness.Node) memFigures {
	return memFigures{
		goroutines: metric(t, n, "go_goroutines"),
		heap:       metric(t, n, "go_memstats_heap_inuse_bytes"),
		stacks:     metric(t, n, "go_memstats_stack_inuse_bytes"),
		rss:        metric(t, n, "process_resident_memory_bytes"),
	}
}

// perConn is the cost of each of n connections opened between a and b.
func perConn(a, b memFigures, n int) memFigures {
	d := float64(n)
	return memFigures{(b.goroutines - a.goroutines) / d, (b.heap - a.heap) / d, (b.stacks - a.stacks) / d, (b.rss - a.rss) / d}
}

func (m memFigures) String() string {
	return fmt.Sprintf("%.2f goroutines, %.1f KiB of heap, %.1f KiB of stacks, %.1f KiB of RSS",
		m.goroutines, m.heap/1024, m.stacks/1024, m.rss/1024)
}

// dialMany opens n connections to addr, workers at a time, and runs each
// through f (nil: a bare TCP connection).
func dialMany(t testing.TB, addr string, n, workers int, f func(net.Conn) error) []net.Conn {
	t.Helper()
	conns := make([]net.Conn, n)
	errs := make(chan error, workers)
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				nc, err := net.DialTimeout("tcp", addr, 10*time.Second)
				if err == nil && f != nil {
					err = f(nc)
				}
				if err != nil {
					errs <- fmt.Errorf("connection %d: %w", i, err)
					return
				}
				conns[i] = nc
			}
		}()
	}
	go func() {
		defer close(next)
		for i := range n {
			select {
			case next <- i:
			case <-errs:
				return
			}
		}
	}()
	wg.Wait()
	t.Cleanup(func() {
		for _, nc := range conns {
			if nc != nil {
				nc.Close()
			}
		}
	})
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
	for i, nc := range conns {
		if nc == nil {
			t.Fatalf("connection %d not opened", i)
		}
	}
	return conns
}

// handshake opens a session on nc (40 s timeout, so silence does not
// close it during the test).
func handshake(nc net.Conn) error {
	c, err := zkraw.Handshake(nc, zkraw.Options{TimeOut: 40000, CallTimeout: 30 * time.Second})
	if err != nil {
		return err
	}
	if c.Resp.SessionID == 0 {
		return errors.New("no session")
	}
	return nil
}

// TestHostile_IdleConnections: 5,000 sessions that do nothing, then
// 10,000 TCP connections that never send a byte, on one node: each costs
// a bounded number of goroutines and bytes (logged), a client connecting
// meanwhile is served, the 10,000 are closed by the server once the
// handshake deadline (10 s) passes, and once the sessions' connections
// close too the node's goroutines are back to where they were.
func TestHostile_IdleConnections(t *testing.T) {
	const sessions, bare = 5000, 10000
	raiseNoFile(t, sessions+bare)
	gate := harness.StartNode(t, harness.NodeOptions{})
	// A first session and request warm up what every session shares.
	c, err := harness.DialZK(gate.ZKAddr, harness.ZKConnectOptions{TimeOut: 40000})
	if err != nil {
		t.Fatal(err)
	}
	if rh, _, err := c.Call(jute.OpCreate, &jute.CreateRequest{Path: "/idle", ACL: openACL}); err != nil || rh.Err != 0 {
		t.Fatalf("create: %v %v", rh.Err, err)
	}
	m0 := memOf(t, gate)

	start := time.Now()
	sess := dialMany(t, gate.ZKAddr, sessions, 32, handshake)
	m1 := memOf(t, gate)
	perSession := perConn(m0, m1, sessions)
	t.Logf("%d idle sessions opened in %v; each costs %v", sessions, time.Since(start).Round(time.Millisecond), perSession)

	start = time.Now()
	conns := dialMany(t, gate.ZKAddr, bare, 32, nil)
	opened := time.Since(start)
	// Wait until the server has taken them all up (srvr counts itself).
	deadline := time.Now().Add(5 * time.Second)
	for srvrConnections(t, gate) < 1+sessions+1+bare {
		if time.Now().After(deadline) {
			t.Fatalf("srvr: %d connections, want %d", srvrConnections(t, gate), 1+sessions+1+bare)
		}
		time.Sleep(20 * time.Millisecond)
	}
	m2 := memOf(t, gate)
	perBare := perConn(m1, m2, bare)
	t.Logf("%d silent TCP connections opened in %v; each costs %v", bare, opened.Round(time.Millisecond), perBare)

	// A client is served among them all.
	o, err := harness.DialZK(gate.ZKAddr, harness.ZKConnectOptions{})
	if err != nil {
		t.Fatalf("a client connecting among %d idle connections: %v", sessions+bare, err)
	}
	if rh, _, err := o.Call(jute.OpCreate, &jute.CreateRequest{Path: "/idle/served", ACL: openACL}); err != nil || rh.Err != 0 {
		t.Fatalf("create among %d idle connections: %v %v", sessions+bare, rh.Err, err)
	}
	if rh, _, err := c.Call(jute.OpExists, &jute.ExistsRequest{Path: "/idle/served"}); err != nil || rh.Err != 0 {
		t.Fatalf("exists on the first session: %v %v", rh.Err, err)
	}

	// Bounds, several times what they measure here, far below what a
	// buffer or a goroutine tree per connection would cost.
	if perSession.goroutines > 3 || perSession.heap+perSession.stacks > 64<<10 {
		t.Errorf("an idle session costs %v", perSession)
	}
	if perBare.goroutines > 1.5 || perBare.heap+perBare.stacks > 32<<10 {
		t.Errorf("a silent connection costs %v", perBare)
	}

	// The server closes every silent connection after the handshake
	// deadline, without a word.
	var wg sync.WaitGroup
	failed := make(chan string, bare)
	for i, nc := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			nc.SetReadDeadline(time.Now().Add(30 * time.Second))
			if n, err := nc.Read(make([]byte, 1)); n > 0 || errors.Is(err, os.ErrDeadlineExceeded) {
				failed <- fmt.Sprintf("silent connection %d: %d bytes, %v", i, n, err)
			}
			nc.Close()
		}()
	}
	wg.Wait()
	close(failed)
	for f := range failed {
		t.Fatal(f)
	}
	if g := metric(t, gate, "go_goroutines"); g > m1.goroutines+20 {
		t.Logf("go_goroutines %v with the silent connections gone (%v before them)", g, m1.goroutines)
	}
	awaitGoroutines(t, gate, m1.goroutines+20, 30*time.Second)

	// The sessions' connections close: their goroutines go too.
	for _, nc := range sess {
		nc.Close()
	}
	o.Drop()
	g := awaitGoroutines(t, gate, m0.goroutines+20, 30*time.Second)
	t.Logf("all closed: go_goroutines %v (%v before)", g, m0.goroutines)
}

// srvrConnections is the number of connections the node's srvr
// four-letter word reports (its own included).
func srvrConnections(t testing.TB, n *harness.Node) int {
	t.Helper()
	nc, err := net.DialTimeout("tcp", n.ZKAddr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := nc.Write([]byte("srvr")); err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(nc)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "Connections: "); ok {
			c, err := strconv.Atoi(v)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
	}
	t.Fatalf("srvr: %q", b)
	return 0
}

// createOfSize is a create frame of /path whose body (after the length
// prefix) is exactly size bytes.
func createOfSize(path string, size int) []byte {
	req := &jute.CreateRequest{Path: path, Data: []byte{}, ACL: openACL}
	hdr := &jute.RequestHeader{Xid: badXid, Type: jute.OpCreate}
	req.Data = make([]byte, size-len(jute.Append(nil, hdr, req)))
	return jute.AppendPacket(nil, hdr, req)
}

// TestHostile_PacketSizeAsZooKeeper: a create whose packet is exactly
// jute.maxbuffer (1,048,575 bytes) is served by zkgate as by a real
// ZooKeeper 3.8; one byte more and both close the connection without a
// reply, and zkgate writes nothing; so do a negative frame length and
// one of 2^31-1 announced with nothing behind it.
func TestHostile_PacketSizeAsZooKeeper(t *testing.T) {
	t.Parallel()
	zk, gate := startZooKeeperAndNode(t, harness.NodeOptions{})
	cases := []struct {
		name  string
		bytes []byte
		want  string
	}{
		{"create of exactly 1,048,575 bytes", createOfSize("/max", jute.DefaultMaxBuffer), "err 0 (zxid Z, xid 7), open"},
		{"create of 1,048,576 bytes", createOfSize("/over", jute.DefaultMaxBuffer+1), "no reply, closed"},
		{"a negative frame length", []byte{0xff, 0xff, 0xff, 0xfe, 0, 0, 0, badXid}, "no reply, closed"},
		{"a frame length of 2^31-1", []byte{0x7f, 0xff, 0xff, 0xff, 0, 0, 0, badXid}, "no reply, closed"},
	}
	var writes *writeRecorder
	for i, c := range cases {
		if i == 1 {
			writes = recordWrites(t, gate.Client())
		}
		for _, srv := range []struct{ name, addr string }{{"ZooKeeper", zk.Addr}, {"zkgate", gate.ZKAddr}} {
			s, err := dialRaw(srv.addr)
			if err != nil {
				t.Fatal(err)
			}
			if got := sendRaw(s, c.bytes).String(); got != c.want {
				t.Errorf("%s: %s answers %s, want %s", c.name, srv.name, got, c.want)
			}
			s.Drop()
		}
	}
	writes.check(t, gate.Client())
	for _, addr := range []string{zk.Addr, gate.ZKAddr} {
		c, err := harness.DialZK(addr, harness.ZKConnectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for p, want := range map[string]schema.Code{"/max": schema.CodeOK, "/over": schema.CodeNoNode} {
			if rh, _, err := c.Call(jute.OpExists, &jute.ExistsRequest{Path: p}); err != nil || rh.Err != want {
				t.Errorf("%s: exists %s: %v %v, want %v", addr, p, rh.Err, err, want)
			}
		}
		c.Drop()
	}
}
