package harness

import (
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// wsRPC is the JSON command protocol both browsers speak over a
// websocket (Chromium's DevTools protocol, WebDriver BiDi): commands
// {"id", "method", "params"}, answers carrying the command's id, and
// events (no id) handed to onEvent. Answers are told apart from errors
// by decode, which differs between the two.
type wsRPC struct {
	name    string // the browser, for errors
	conn    *websocket.Conn
	decode  func(raw []byte) (json.RawMessage, error)
	onEvent func(method string, params json.RawMessage)

	mu      sync.Mutex
	nextID  int64
	pending map[int64]chan []byte
	closed  bool

	writeMu sync.Mutex
}

func newWSRPC(name string, conn *websocket.Conn, decode func([]byte) (json.RawMessage, error), onEvent func(string, json.RawMessage)) *wsRPC {
	r := &wsRPC{name: name, conn: conn, decode: decode, onEvent: onEvent, pending: map[int64]chan []byte{}}
	go r.read()
	return r
}

// read dispatches answers to their callers and events to onEvent, until
// the connection ends; then every call waiting fails.
func (r *wsRPC) read() {
	for {
		_, raw, err := r.conn.ReadMessage()
		if err != nil {
			r.mu.Lock()
			for id, ch := range r.pending {
				close(ch)
				delete(r.pending, id)
			}
			r.mu.Unlock()
			return
		}
		var msg struct {
			ID     int64           `json:"id"`
			Method string          `json:"method"`
			Params json.RawMessage `json:"params"`
		}
		if json.Unmarshal(raw, &msg) != nil {
			continue
		}
		if msg.ID != 0 {
			r.mu.Lock()
			ch := r.pending[msg.ID]
			delete(r.pending, msg.ID)
			r.mu.Unlock()
			if ch != nil {
				ch <- raw
			}
			continue
		}
		r.onEvent(msg.Method, msg.Params)
	}
}

// call sends one command and decodes its result into out.
func (r *wsRPC) call(method string, params, out any) error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return fmt.Errorf("%s closed", r.name)
	}
	r.nextID++
	id := r.nextID
	ch := make(chan []byte, 1)
	r.pending[id] = ch
	r.mu.Unlock()
	r.writeMu.Lock()
	err := r.conn.WriteJSON(map[string]any{"id": id, "method": method, "params": params})
	r.writeMu.Unlock()
	if err != nil {
		return err
	}
	select {
	case raw, ok := <-ch:
		if !ok {
			return fmt.Errorf("connection to %s lost", r.name)
		}
		result, err := r.decode(raw)
		if err != nil {
			return err
		}
		if out != nil {
			return json.Unmarshal(result, out)
		}
		return nil
	case <-time.After(BrowserTimeout + 10*time.Second):
		return fmt.Errorf("no answer within %v", BrowserTimeout)
	}
}

// close refuses further calls and closes the connection.
func (r *wsRPC) close() {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	r.conn.Close()
}

// cdpResult decodes a DevTools answer: {"result"} or {"error":{"message"}}.
func cdpResult(raw []byte) (json.RawMessage, error) {
	var r struct {
		Result json.RawMessage `json:"result"`
		Error  *struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, err
	}
	if r.Error != nil {
		return nil, errors.New(r.Error.Message)
	}
	return r.Result, nil
}

// bidiResult decodes a WebDriver BiDi answer: {"type":"success",
// "result"} or {"type":"error","error","message"}.
func bidiResult(raw []byte) (json.RawMessage, error) {
	var r struct {
		Type    string          `json:"type"`
		Result  json.RawMessage `json:"result"`
		Error   string          `json:"error"`
		Message string          `json:"message"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, err
	}
	if r.Type == "error" {
		return nil, fmt.Errorf("%s: %s", r.Error, r.Message)
	}
	return r.Result, nil
}

// lookBrowser finds the first of names on PATH, failing the test with how
// to install it (Debian package pkg, which `make peers` installs).
func lookBrowser(t testing.TB, pkg string, names ...string) string {
	t.Helper()
	for _, name := range names {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatalf("%s is not installed: `make peers` installs it (Debian package %s)", names[0], pkg)
	return ""
}

// startBrowserProcess starts cmd (a browser, name) in a process group of
// its own, and waits until its output says listening: it returns what
// follows on that line (the address it listens at).
func startBrowserProcess(t testing.TB, name string, cmd *exec.Cmd, listening string) string {
	t.Helper()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	var out logBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	if !out.waitFor(listening, 0, BrowserTimeout) || !out.waitFor("\n", strings.Index(out.String(), listening), BrowserTimeout) {
		t.Fatalf("%s did not say %q within %v:\n%s", name, listening, BrowserTimeout, out.String())
	}
	_, rest, _ := strings.Cut(out.String(), listening)
	line, _, _ := strings.Cut(rest, "\n")
	return strings.TrimSpace(line)
}

// stopBrowser closes a browser's connection (rpc, nil if it never
// connected) and kills its process group.
func stopBrowser(rpc *wsRPC, cmd *exec.Cmd) {
	if rpc != nil {
		rpc.close()
	}
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
	}
}

// pageErrors are the errors a page has reported, recorded as its
// browser's events arrive.
type pageErrors struct {
	mu   sync.Mutex
	errs []string
}

func (p *pageErrors) add(e string) {
	p.mu.Lock()
	p.errs = append(p.errs, e)
	p.mu.Unlock()
}

// Errors returns the errors the page has reported so far.
func (p *pageErrors) Errors() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.errs...)
}
