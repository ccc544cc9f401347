package harness

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
)

// Firefox is a headless Firefox (Debian package firefox-esr) driven over
// WebDriver BiDi: one browsing context, its JavaScript errors recorded.
// It is killed when the test ends.
type Firefox struct {
	t   testing.TB
	cmd *exec.Cmd
	rpc *wsRPC
	ctx string // the browsing context

	pageErrors
}

// FirefoxPath finds Firefox, failing the test if it is missing.
func FirefoxPath(t testing.TB) string {
	t.Helper()
	return lookBrowser(t, "firefox-esr", "firefox-esr", "firefox")
}

// StartFirefox starts headless Firefox with a fresh profile on a blank
// page of 1400x900.
func StartFirefox(t testing.TB) *Firefox {
	t.Helper()
	bin := FirefoxPath(t)
	dir := t.TempDir()
	cmd := exec.Command(bin, "--headless", "--no-remote", "--remote-debugging-port=0",
		"--profile", dir, "--window-size=1400,900", "about:blank")
	cmd.Env = cleanEnv([]string{"HOME=" + dir, "MOZ_CRASHREPORTER_DISABLE=1"})
	f := &Firefox{t: t, cmd: cmd}
	t.Cleanup(f.close)
	// Firefox prints "WebDriver BiDi listening on ws://127.0.0.1:PORT"
	// once it listens.
	ws := startBrowserProcess(t, "firefox", cmd, "WebDriver BiDi listening on ")
	conn, _, err := websocket.DefaultDialer.Dial(strings.TrimSpace(ws)+"/session", nil)
	if err != nil {
		t.Fatalf("connecting to firefox: %v", err)
	}
	f.rpc = newWSRPC("firefox", conn, bidiResult, f.event)
	f.call("session.new", map[string]any{"capabilities": map[string]any{}}, nil)
	var tree struct {
		Contexts []struct {
			Context string `json:"context"`
		} `json:"contexts"`
	}
	f.call("browsingContext.getTree", map[string]any{}, &tree)
	if len(tree.Contexts) == 0 {
		t.Fatal("firefox has no browsing context")
	}
	f.ctx = tree.Contexts[0].Context
	f.call("session.subscribe", map[string]any{"events": []string{"log.entryAdded"}}, nil)
	return f
}

func (f *Firefox) close() { stopBrowser(f.rpc, f.cmd) }

// event records the page's JavaScript errors: uncaught exceptions and
// console.error.
func (f *Firefox) event(method string, params json.RawMessage) {
	if method != "log.entryAdded" {
		return
	}
	var e struct {
		Type   string `json:"type"`
		Level  string `json:"level"`
		Text   string `json:"text"`
		Method string `json:"method"`
	}
	_ = json.Unmarshal(params, &e)
	if e.Level == "error" && (e.Type == "javascript" || e.Type == "console") {
		f.add(e.Type + ": " + e.Text)
	}
}

func (f *Firefox) call(method string, params, out any) {
	f.t.Helper()
	if err := f.callErr(method, params, out); err != nil {
		f.t.Fatalf("firefox %s: %v", method, err)
	}
}

func (f *Firefox) callErr(method string, params, out any) error {
	return f.rpc.call(method, params, out)
}

// Navigate loads url and waits until the page has loaded.
func (f *Firefox) Navigate(url string) {
	f.t.Helper()
	f.call("browsingContext.navigate", map[string]any{"context": f.ctx, "url": url, "wait": "complete"}, nil)
}

// Eval evaluates the JavaScript expression js, awaiting it if it is a
// promise, and returns its value if it is a string, number or boolean.
func (f *Firefox) Eval(js string) (any, error) {
	var r struct {
		Type   string `json:"type"`
		Result struct {
			Value any `json:"value"`
		} `json:"result"`
		Exception struct {
			Text string `json:"text"`
		} `json:"exceptionDetails"`
	}
	if err := f.callErr("script.evaluate", map[string]any{"expression": js, "target": map[string]any{"context": f.ctx}, "awaitPromise": true}, &r); err != nil {
		return nil, err
	}
	if r.Type == "exception" {
		return nil, errors.New(r.Exception.Text)
	}
	return r.Result.Value, nil
}

// WaitFor waits until the JavaScript expression cond is true in the page,
// failing the test after BrowserTimeout.
func (f *Firefox) WaitFor(cond string) {
	f.t.Helper()
	v, err := f.Eval(fmt.Sprintf(`new Promise((resolve) => {
		const deadline = Date.now() + %d;
		const check = () => {
			let ok = false;
			try { ok = !!(%s); } catch (e) {}
			if (ok) resolve(true);
			else if (Date.now() > deadline) resolve(false);
			else setTimeout(check, 20);
		};
		check();
	})`, BrowserTimeout.Milliseconds(), cond))
	if err != nil {
		f.t.Fatalf("waiting for %s: %v", cond, err)
	}
	if v != true {
		body, _ := f.Eval(`document.body ? document.body.innerText : ""`)
		f.t.Fatalf("the page did not reach %s within %v; it shows:\n%v", cond, BrowserTimeout, body)
	}
}

// Screenshot saves a PNG of the viewport to file.
func (f *Firefox) Screenshot(file string) {
	f.t.Helper()
	var r struct {
		Data string `json:"data"`
	}
	f.call("browsingContext.captureScreenshot", map[string]any{"context": f.ctx}, &r)
	png, err := base64.StdEncoding.DecodeString(r.Data)
	if err != nil {
		f.t.Fatalf("screenshot: %v", err)
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		f.t.Fatal(err)
	}
	if err := os.WriteFile(file, png, 0o644); err != nil {
		f.t.Fatal(err)
	}
}
