package admin_test

import (
	"net"
	"strconv"
	"time"

	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-zookeeper/zk"

	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/gateway/gatewaytest"
	"github.com/zkgate/zkgate/zkbridge"
	"github.com/zkgate/zkgate/zkbridge/admin"
)

// get asks h for path and decodes a JSON object answer.
func get(t *testing.T, h http.Handler, method, path string) (*http.Response, map[string]any, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	resp := rec.Result()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if method == http.MethodGet && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, raw)
		}
	}
	return resp, m, string(raw)
}

func newServer(t *testing.T, e *gateway.Engine) *zkbridge.Server {
	t.Helper()
	s, err := zkbridge.New(zkbridge.Config{Engine: e})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestHandler_Routing: names and aliases answer with the primary name;
// unknown names, ZooKeeper's commands zkgate lacks, other methods and
// the listing answer as ZooKeeper's AdminServer does.
func TestHandler_Routing(t *testing.T) {
	cl := gatewaytest.StartCluster(t, 1)
	srv := newServer(t, gatewaytest.NewEngine(t, cl.Client(0), gateway.Config{}))
	h := admin.Handler(func() *zkbridge.Server { return srv })

	for alias, name := range admin.Aliases() {
		resp, m, raw := get(t, h, http.MethodGet, "/commands/"+alias)
		if resp.StatusCode != http.StatusOK || m["command"] != name {
			t.Errorf("/commands/%s: %d %s, want command %s", alias, resp.StatusCode, raw, name)
		}
	}
	for _, name := range admin.Names() {
		resp, m, raw := get(t, h, http.MethodGet, "/commands/"+name)
		wantErr := any(nil)
		if name == "leader" {
			wantErr = zkbridge.ErrNotInQuorum.Error()
		}
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" || m["command"] != name || m["error"] != wantErr {
			t.Errorf("/commands/%s: %d %q %s", name, resp.StatusCode, resp.Header.Get("Content-Type"), raw)
		}
	}
	for path, want := range map[string]string{
		"/commands/nosuch": "Unknown command: nosuch",
		"/commands/RUOK":   "Unknown command: RUOK",
		"/commands/hash":   "hash is not supported by zkgate",
	} {
		_, m, raw := get(t, h, http.MethodGet, path)
		if m["error"] != want || len(m) != 2 {
			t.Errorf("%s: %s, want error %q", path, raw, want)
		}
	}
	if resp, _, _ := get(t, h, http.MethodPost, "/commands/ruok"); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d, want 405", resp.StatusCode)
	}
	if resp, _, raw := get(t, h, http.MethodHead, "/commands/ruok"); resp.StatusCode != http.StatusOK || raw != "" {
		t.Errorf("HEAD: %d %q, want 200 without a body", resp.StatusCode, raw)
	}
	for _, p := range []string{"/commands", "/commands/"} {
		resp, _, raw := get(t, h, http.MethodGet, p)
		if resp.StatusCode != http.StatusOK || strings.Count(raw, "<a href=") != len(admin.Names()) ||
			!strings.HasPrefix(raw, "<a href=\"/commands/configuration\">configuration</a>\n<br/>\n") {
			t.Errorf("%s: %d %q", p, resp.StatusCode, raw)
		}
	}
}

// TestAnswer_WithoutServer: a node without a ZooKeeper face answers
// every command with an error saying so, as JSON.
func TestAnswer_WithoutServer(t *testing.T) {
	var m map[string]any
	if err := json.Unmarshal(admin.Answer(context.Background(), nil, "mntr"), &m); err != nil {
		t.Fatal(err)
	}
	if m["command"] != "monitor" || !strings.Contains(m["error"].(string), "zk-listen") {
		t.Fatalf("answer without a ZooKeeper face: %v", m)
	}
}

// TestAnswer_NotServing: a server without an engine (waiting for its
// quorum) answers ZooKeeper's not-serving error, environment aside.
func TestAnswer_NotServing(t *testing.T) {
	srv := newServer(t, nil)
	for _, name := range admin.Names() {
		var m map[string]any
		if err := json.Unmarshal(admin.Answer(context.Background(), srv, name), &m); err != nil {
			t.Fatal(err)
		}
		want := any(zkbridge.ErrNotServing.Error())
		if name == "environment" {
			want = nil
		}
		if m["error"] != want {
			t.Errorf("%s without an engine: %v", name, m)
		}
	}
}

// TestAnswer_Sessions: connections and watches report a live session
// and its data watch (under the race detector, while the session
// serves).
func TestAnswer_Sessions(t *testing.T) {
	cl := gatewaytest.StartCluster(t, 1)
	srv := newServer(t, gatewaytest.NewEngine(t, cl.Client(0), gateway.Config{}))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	c, events, err := zk.Connect([]string{l.Addr().String()}, 10*time.Second, zk.WithLogInfo(false))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for ev := range events {
		if ev.State == zk.StateHasSession {
			break
		}
	}
	if _, err := c.Create("/w", nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := c.GetW("/w"); err != nil {
		t.Fatal(err)
	}
	var cons struct {
		Connections []struct {
			SessionID json.Number `json:"session_id"`
		} `json:"connections"`
	}
	dec := json.NewDecoder(strings.NewReader(string(admin.Answer(context.Background(), srv, "cons"))))
	dec.UseNumber()
	if err := dec.Decode(&cons); err != nil {
		t.Fatal(err)
	}
	id := strconv.FormatInt(c.SessionID(), 10)
	if len(cons.Connections) != 1 || string(cons.Connections[0].SessionID) != id {
		t.Errorf("connections: %+v, want session %s", cons, id)
	}
	var w struct {
		Watches map[string][]string `json:"session_id_to_watched_paths"`
	}
	if err := json.Unmarshal(admin.Answer(context.Background(), srv, "wchc"), &w); err != nil {
		t.Fatal(err)
	}
	if len(w.Watches) != 1 || len(w.Watches[id]) != 1 || w.Watches[id][0] != "/w" {
		t.Errorf("watches: %v, want session %s on /w", w.Watches, id)
	}
}
