package harness

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// ReadyTimeout bounds how long a node may take to report healthy. It is a
// guard against hangs, not a performance assertion.
var ReadyTimeout = 60 * time.Second

// Node is one `zkgate serve` process started by a test. Its data dir
// outlives restarts; every process is killed when the test ends, and the
// server log is shown if the test failed.
type Node struct {
	Name      string
	DataDir   string
	ClientURL string // etcd v3 API, /health, /metrics
	PeerURL   string // where the member listens for peers
	// AdvertisePeerURL is where peers reach the member: PeerURL, or a
	// proxy in front of it.
	AdvertisePeerURL string
	ZKAddr           string // --zk-listen

	t    testing.TB
	tls  *tls.Config // how the harness reaches an https node
	args []string
	env  []string
	log  *logBuffer

	mu      sync.Mutex
	logMark int // where the current process's output starts in log
	cmd     *exec.Cmd
	exited  chan struct{}
	state   *os.ProcessState
}

// NodeOptions shape a node. The zero value is a single-member cluster.
type NodeOptions struct {
	// Name is the member name; default "node".
	Name string
	// ClientPort, PeerPort and ZKPort default to free ports.
	ClientPort, PeerPort, ZKPort int
	// AdvertisePeerPort, when set, is the peer port the member advertises
	// (a proxy in front of PeerPort); by default it advertises PeerPort.
	AdvertisePeerPort int
	// InitialCluster is passed as --initial-cluster when set.
	InitialCluster string
	// Args are extra arguments after `serve`.
	Args []string
	// Env are extra environment variables (KEY=VALUE).
	Env []string
	// DataDir defaults to a new directory under t.TempDir().
	DataDir string
	// TLS, when set, makes the client and peer URLs https (the
	// certificate options go in Args) and is how the harness reaches the
	// node (health checks, Client).
	TLS *tls.Config
}

// NewNode prepares a node without starting it.
func NewNode(t testing.TB, o NodeOptions) *Node {
	t.Helper()
	if o.Name == "" {
		o.Name = "node"
	}
	if o.ClientPort == 0 {
		o.ClientPort = FreePort(t)
	}
	if o.PeerPort == 0 {
		o.PeerPort = FreePort(t)
	}
	if o.ZKPort == 0 {
		o.ZKPort = FreePort(t)
	}
	if o.DataDir == "" {
		o.DataDir = filepath.Join(t.TempDir(), o.Name+"-data")
	}
	scheme := "http"
	if o.TLS != nil {
		scheme = "https"
	}
	n := &Node{
		Name:      o.Name,
		DataDir:   o.DataDir,
		ClientURL: fmt.Sprintf("%s://127.0.0.1:%d", scheme, o.ClientPort),
		PeerURL:   fmt.Sprintf("%s://127.0.0.1:%d", scheme, o.PeerPort),
		ZKAddr:    fmt.Sprintf("127.0.0.1:%d", o.ZKPort),
		t:         t,
		tls:       o.TLS,
		env:       o.Env,
		log:       &logBuffer{},
	}
	n.AdvertisePeerURL = n.PeerURL
	if o.AdvertisePeerPort != 0 {
		n.AdvertisePeerURL = fmt.Sprintf("http://127.0.0.1:%d", o.AdvertisePeerPort)
	}
	n.args = []string{"serve",
		"--name", n.Name,
		"--data-dir", n.DataDir,
		"--listen-client-urls", n.ClientURL,
		"--advertise-client-urls", n.ClientURL,
		"--listen-peer-urls", n.PeerURL,
		"--initial-advertise-peer-urls", n.AdvertisePeerURL,
		"--zk-listen", n.ZKAddr,
	}
	if o.InitialCluster != "" {
		n.args = append(n.args, "--initial-cluster", o.InitialCluster)
	}
	n.args = append(n.args, o.Args...)
	t.Cleanup(n.cleanup)
	return n
}

// StartNode starts a single-member node and waits until it is healthy.
func StartNode(t testing.TB, o NodeOptions) *Node {
	t.Helper()
	n := NewNode(t, o)
	n.Start()
	n.WaitReady()
	return n
}

// Start launches the process; it does not wait for readiness.
func (n *Node) Start() {
	n.t.Helper()
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd != nil && n.state == nil {
		n.t.Fatalf("node %s: already running", n.Name)
	}
	cmd := exec.Command(Zkgate(n.t), n.args...)
	cmd.Env = cleanEnv(n.env)
	n.logMark = n.log.len()
	fmt.Fprintf(n.log, "=== start: zkgate %s\n", strings.Join(n.args, " "))
	cmd.Stdout = n.log
	cmd.Stderr = n.log
	// The process dies with the test binary, even if that is killed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		n.t.Fatalf("node %s: starting: %v", n.Name, err)
	}
	n.cmd = cmd
	n.state = nil
	exited := make(chan struct{})
	n.exited = exited
	go func() {
		_ = cmd.Wait()
		n.mu.Lock()
		n.state = cmd.ProcessState
		n.mu.Unlock()
		fmt.Fprintf(n.log, "=== exit: %v\n", cmd.ProcessState)
		close(exited)
	}()
}

// WaitReady polls /health until the node reports healthy and then waits
// for its "zkgate ready" line (the namespace is up), failing the test if
// the process exits or ReadyTimeout passes.
func (n *Node) WaitReady() {
	n.t.Helper()
	if err := n.waitHealthy(ReadyTimeout); err != nil {
		n.t.Fatalf("node %s: %v", n.Name, err)
	}
	n.WaitLog(`"msg":"zkgate ready"`, ReadyTimeout)
}

func (n *Node) waitHealthy(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: n.tls}}
	defer client.CloseIdleConnections()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		n.mu.Lock()
		exited := n.exited
		n.mu.Unlock()
		if healthy(client, n.ClientURL) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not healthy after %v", timeout)
		}
		select {
		case <-exited:
			return fmt.Errorf("exited before becoming healthy: %v", n.ExitState())
		case <-tick.C:
		}
	}
}

func healthy(c *http.Client, url string) bool {
	resp, err := c.Get(url + "/health")
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	var h struct {
		Health string `json:"health"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&h) != nil {
		return false
	}
	return h.Health == "true"
}

// Signal sends sig to the running process.
func (n *Node) Signal(sig os.Signal) {
	n.t.Helper()
	n.mu.Lock()
	cmd := n.cmd
	n.mu.Unlock()
	if cmd == nil || cmd.Process == nil {
		n.t.Fatalf("node %s: not started", n.Name)
	}
	if err := cmd.Process.Signal(sig); err != nil {
		n.t.Fatalf("node %s: signal %v: %v", n.Name, sig, err)
	}
}

// Wait waits for the process to exit, failing the test after timeout,
// and returns its exit state.
func (n *Node) Wait(timeout time.Duration) *os.ProcessState {
	n.t.Helper()
	n.mu.Lock()
	exited := n.exited
	n.mu.Unlock()
	select {
	case <-exited:
		return n.ExitState()
	case <-time.After(timeout):
		n.t.Fatalf("node %s: still running %v after it was told to stop", n.Name, timeout)
		return nil
	}
}

// Exited is closed when the current process has exited.
func (n *Node) Exited() <-chan struct{} {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.exited
}

// ExitState is the exit state of the last process, or nil while it runs.
func (n *Node) ExitState() *os.ProcessState {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.state
}

// Stop sends SIGTERM and waits for a clean exit (status 0).
func (n *Node) Stop() {
	n.t.Helper()
	n.Signal(syscall.SIGTERM)
	st := n.Wait(30 * time.Second)
	if !st.Success() {
		n.t.Fatalf("node %s: exited with %v after SIGTERM", n.Name, st)
	}
}

// Kill sends SIGKILL and waits for the process to be gone.
func (n *Node) Kill() {
	n.t.Helper()
	n.Signal(syscall.SIGKILL)
	n.Wait(30 * time.Second)
}

// Restart starts the process again with the same options and data dir and
// waits until it is healthy.
func (n *Node) Restart() {
	n.t.Helper()
	n.Start()
	n.WaitReady()
}

// Client returns a clientv3 client for this node alone, closed when the
// test ends.
func (n *Node) Client() *clientv3.Client {
	n.t.Helper()
	if n.tls != nil {
		return NewTLSClient(n.t, n.tls, n.ClientURL)
	}
	return NewClient(n.t, n.ClientURL)
}

// Log returns everything the node's processes have printed so far.
func (n *Node) Log() string { return n.log.String() }

// WaitLog waits until the output of the node's current (or last) process
// contains s.
func (n *Node) WaitLog(s string, timeout time.Duration) {
	n.t.Helper()
	n.mu.Lock()
	from := n.logMark
	n.mu.Unlock()
	if !n.log.waitFor(s, from, timeout) {
		n.t.Fatalf("node %s: %q not logged within %v", n.Name, s, timeout)
	}
}

// MemberID is the member's id in hex, as etcdctl prints it.
func (n *Node) MemberID() string {
	n.t.Helper()
	c := n.Client()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := c.Status(ctx, n.ClientURL)
	if err != nil {
		n.t.Fatalf("node %s: status: %v", n.Name, err)
	}
	return strconv.FormatUint(st.Header.MemberId, 16)
}

func (n *Node) cleanup() {
	n.mu.Lock()
	cmd, exited := n.cmd, n.exited
	n.mu.Unlock()
	if cmd != nil && cmd.Process != nil {
		select {
		case <-exited:
		default:
			_ = cmd.Process.Kill()
			<-exited
		}
	}
	if n.t.Failed() {
		n.t.Logf("--- log of node %s ---\n%s", n.Name, tail(n.Log(), 300))
	}
}

// NewClient returns a clientv3 client for endpoints, closed when the test
// ends. Its logs are dropped.
func NewClient(t testing.TB, endpoints ...string) *clientv3.Client {
	t.Helper()
	c, err := clientv3.New(clientv3.Config{
		Endpoints:   endpoints,
		DialTimeout: 5 * time.Second,
		Logger:      zap.NewNop(),
	})
	if err != nil {
		t.Fatalf("clientv3: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func tail(s string, lines int) string {
	l := strings.Split(s, "\n")
	if len(l) > lines {
		l = append([]string{fmt.Sprintf("... (%d lines before)", len(l)-lines)}, l[len(l)-lines:]...)
	}
	return strings.Join(l, "\n")
}

// logBuffer collects a process's output and lets tests wait for a line.
type logBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{}
}

var _ io.Writer = (*logBuffer)(nil)

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
	if b.changed != nil {
		close(b.changed)
		b.changed = nil
	}
	return len(p), nil
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *logBuffer) len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Len()
}

func (b *logBuffer) waitFor(s string, from int, timeout time.Duration) bool {
	deadline := time.After(timeout)
	for {
		b.mu.Lock()
		if strings.Contains(b.buf.String()[from:], s) {
			b.mu.Unlock()
			return true
		}
		if b.changed == nil {
			b.changed = make(chan struct{})
		}
		ch := b.changed
		b.mu.Unlock()
		select {
		case <-ch:
		case <-deadline:
			return false
		}
	}
}
