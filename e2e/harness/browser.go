package harness

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// BrowserTimeout bounds one step of a Browser (a navigation, a wait for
// the page): a guard against hangs, not a performance assertion.
var BrowserTimeout = 30 * time.Second

// Browser is a headless Chromium driven over the DevTools protocol: one
// page, its console errors and uncaught exceptions recorded. It is killed
// when the test ends.
type Browser struct {
	t   testing.TB
	cmd *exec.Cmd
	rpc *wsRPC

	pageErrors
}

// ChromiumPath finds the chromium binary (Debian's package chromium,
// which `make peers` installs), failing the test if it is missing.
func ChromiumPath(t testing.TB) string {
	t.Helper()
	return lookBrowser(t, "chromium", "chromium", "chromium-browser")
}

// StartBrowser starts headless Chromium on a blank page of 1400x900;
// args are more command-line switches (--ignore-certificate-errors).
func StartBrowser(t testing.TB, args ...string) *Browser {
	t.Helper()
	bin := ChromiumPath(t)
	dir := t.TempDir()
	cmd := exec.Command(bin, append(append([]string{"--headless=new", "--no-sandbox", "--disable-gpu",
		"--no-first-run", "--no-default-browser-check", "--disable-extensions",
		"--disable-background-networking", "--disable-sync", "--metrics-recording-only",
		"--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
		"--user-data-dir=" + dir, "--window-size=1400,900", "--hide-scrollbars"}, args...), "about:blank")...)
	b := &Browser{t: t, cmd: cmd}
	t.Cleanup(b.close)
	// Chromium prints "DevTools listening on ws://127.0.0.1:PORT/..." once
	// it listens.
	rest := startBrowserProcess(t, "chromium", cmd, "DevTools listening on ws://")
	hostPort, _, _ := strings.Cut(rest, "/")
	_, port, _ := strings.Cut(hostPort, ":")
	resp, err := http.Get("http://127.0.0.1:" + port + "/json/list")
	if err != nil {
		t.Fatalf("chromium's target list: %v", err)
	}
	var targets []struct {
		Type string `json:"type"`
		WS   string `json:"webSocketDebuggerUrl"`
	}
	err = json.NewDecoder(resp.Body).Decode(&targets)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("chromium's target list: %v", err)
	}
	ws := ""
	for _, tg := range targets {
		if tg.Type == "page" {
			ws = tg.WS
			break
		}
	}
	if ws == "" {
		t.Fatalf("chromium has no page target: %+v", targets)
	}
	conn, _, err := websocket.DefaultDialer.Dial(ws, nil)
	if err != nil {
		t.Fatalf("connecting to chromium's page: %v", err)
	}
	b.rpc = newWSRPC("chromium", conn, cdpResult, b.event)
	for _, m := range []string{"Runtime.enable", "Page.enable", "Log.enable"} {
		b.call(m, nil, nil)
	}
	return b
}

func (b *Browser) close() { stopBrowser(b.rpc, b.cmd) }

// event records errors reported by the page.
func (b *Browser) event(method string, params json.RawMessage) {
	if e := pageError(method, params); e != "" {
		b.add(e)
	}
}

// pageError is the text of an event that reports an error of the page's
// own: an uncaught exception, console.error, or a browser log entry other
// than a failed request (an HTTP error status the page handles).
func pageError(method string, params json.RawMessage) string {
	switch method {
	case "Runtime.exceptionThrown":
		var p struct {
			Details struct {
				Text      string `json:"text"`
				Exception struct {
					Description string `json:"description"`
				} `json:"exception"`
			} `json:"exceptionDetails"`
		}
		_ = json.Unmarshal(params, &p)
		return "exception: " + p.Details.Text + " " + p.Details.Exception.Description
	case "Runtime.consoleAPICalled":
		var p struct {
			Type string `json:"type"`
			Args []struct {
				Value       any    `json:"value"`
				Description string `json:"description"`
			} `json:"args"`
		}
		_ = json.Unmarshal(params, &p)
		if p.Type != "error" && p.Type != "assert" {
			return ""
		}
		var parts []string
		for _, a := range p.Args {
			parts = append(parts, fmt.Sprint(a.Value, a.Description))
		}
		return "console." + p.Type + ": " + strings.Join(parts, " ")
	case "Log.entryAdded":
		var p struct {
			Entry struct {
				Source string `json:"source"`
				Level  string `json:"level"`
				Text   string `json:"text"`
				URL    string `json:"url"`
			} `json:"entry"`
		}
		_ = json.Unmarshal(params, &p)
		if p.Entry.Level != "error" || p.Entry.Source == "network" {
			return ""
		}
		return "log: " + p.Entry.Source + ": " + p.Entry.Text + " " + p.Entry.URL
	}
	return ""
}

// call sends one DevTools command and decodes its result into out.
func (b *Browser) call(method string, params, out any) {
	b.t.Helper()
	if err := b.callErr(method, params, out); err != nil {
		b.t.Fatalf("chromium %s: %v", method, err)
	}
}

func (b *Browser) callErr(method string, params, out any) error {
	if params == nil {
		params = struct{}{}
	}
	return b.rpc.call(method, params, out)
}

// Navigate loads url and waits until the page has loaded.
func (b *Browser) Navigate(url string) {
	b.t.Helper()
	var r struct {
		ErrorText string `json:"errorText"`
	}
	b.call("Page.navigate", map[string]any{"url": url}, &r)
	if r.ErrorText != "" {
		b.t.Fatalf("loading %s: %s", url, r.ErrorText)
	}
	b.WaitFor(`document.readyState === "complete"`)
}

// Eval evaluates the JavaScript expression js in the page, awaiting it if
// it is a promise, and decodes its value into out (if not nil).
func (b *Browser) Eval(js string, out any) error {
	var r struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		Exception *struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	if err := b.callErr("Runtime.evaluate", map[string]any{"expression": js, "awaitPromise": true, "returnByValue": true}, &r); err != nil {
		return err
	}
	if r.Exception != nil {
		return fmt.Errorf("%s %s", r.Exception.Text, r.Exception.Exception.Description)
	}
	if out != nil && len(r.Result.Value) > 0 {
		return json.Unmarshal(r.Result.Value, out)
	}
	return nil
}

// MustEval is Eval failing the test on an error.
func (b *Browser) MustEval(js string, out any) {
	b.t.Helper()
	if err := b.Eval(js, out); err != nil {
		b.t.Fatalf("evaluating %s: %v", js, err)
	}
}

// WaitFor waits until the JavaScript expression cond is true in the page
// (it is checked on each animation frame, in the page), failing the test
// after BrowserTimeout.
func (b *Browser) WaitFor(cond string) {
	b.t.Helper()
	js := fmt.Sprintf(`new Promise((resolve) => {
		const deadline = Date.now() + %d;
		const check = () => {
			let ok = false;
			try { ok = !!(%s); } catch (e) {}
			if (ok) resolve(true);
			else if (Date.now() > deadline) resolve(false);
			else setTimeout(check, 20);
		};
		check();
	})`, BrowserTimeout.Milliseconds(), cond)
	var ok bool
	if err := b.Eval(js, &ok); err != nil {
		b.t.Fatalf("waiting for %s: %v", cond, err)
	}
	if !ok {
		var body string
		_ = b.Eval(`document.body ? document.body.innerText : ""`, &body)
		b.t.Fatalf("the page did not reach %s within %v; it shows:\n%s", cond, BrowserTimeout, body)
	}
}

// Text is the innerText of the first element matching the CSS selector,
// or "" if there is none.
func (b *Browser) Text(selector string) string {
	b.t.Helper()
	var s string
	b.MustEval(fmt.Sprintf(`(document.querySelector(%q) || {}).innerText || ""`, selector), &s)
	return s
}

// Screenshot saves a PNG of the whole page to file.
func (b *Browser) Screenshot(file string) {
	b.t.Helper()
	var r struct {
		Data string `json:"data"`
	}
	var m struct {
		Content struct {
			Width  float64 `json:"width"`
			Height float64 `json:"height"`
		} `json:"cssContentSize"`
	}
	b.call("Page.getLayoutMetrics", nil, &m)
	// The whole page, however long, 1400 CSS pixels wide at least.
	clip := map[string]any{"x": 0, "y": 0, "width": max(m.Content.Width, 1400), "height": max(m.Content.Height, 900), "scale": 1}
	b.call("Page.captureScreenshot", map[string]any{"format": "png", "clip": clip, "captureBeyondViewport": true}, &r)
	png, err := base64.StdEncoding.DecodeString(r.Data)
	if err != nil {
		b.t.Fatalf("screenshot: %v", err)
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(file, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}
