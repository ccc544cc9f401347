package ui

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// TestSampler_KeepsTheLastWindow: counters and gauges are summed over
// their labels, histograms kept as _sum and _count, names not in Metrics
// left out, and the ring keeps the newest window of samples, oldest
// first.
func TestSampler_KeepsTheLastWindow(t *testing.T) {
	reg := prometheus.NewRegistry()
	ops := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "packets_received"}, []string{"kind"})
	conns := prometheus.NewGauge(prometheus.GaugeOpts{Name: "num_alive_connections"})
	lat := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "etcd_disk_wal_fsync_duration_seconds"})
	other := prometheus.NewGauge(prometheus.GaugeOpts{Name: "not_sampled"})
	reg.MustRegister(ops, conns, lat, other)

	s := NewSampler(reg, time.Second, 3*time.Second)
	start := time.Unix(1000, 0)
	for i := range 5 {
		ops.WithLabelValues("a").Add(1)
		ops.WithLabelValues("b").Add(2)
		conns.Set(float64(i))
		lat.Observe(0.5)
		s.Sample(start.Add(time.Duration(i) * time.Second))
	}
	got := s.Series()
	if len(got.Samples) != 3 {
		t.Fatalf("%d samples kept, want 3 (the window)", len(got.Samples))
	}
	last := got.Samples[2]
	if last.T != start.Add(4*time.Second).UnixMilli() || got.Samples[0].T != start.Add(2*time.Second).UnixMilli() {
		t.Fatalf("samples at %d..%d, want the last three, oldest first", got.Samples[0].T, last.T)
	}
	want := map[string]float64{
		"packets_received": 15, "num_alive_connections": 4,
		"etcd_disk_wal_fsync_duration_seconds_sum": 2.5, "etcd_disk_wal_fsync_duration_seconds_count": 5,
	}
	for k, v := range want {
		if last.V[k] != v {
			t.Errorf("%s = %v, want %v", k, last.V[k], v)
		}
	}
	if _, ok := last.V["not_sampled"]; ok {
		t.Error("a metric not in Metrics was sampled")
	}
	if got.Types["packets_received"] != "counter" || got.Types["etcd_disk_wal_fsync_duration_seconds"] != "histogram" {
		t.Errorf("types %v", got.Types)
	}
}

// TestHandler_WritesOnlyWithWrites: without Options.Writes the console's
// API route forwards reads and refuses writes; with it, it forwards both,
// as /zk/v1/ROUTE.
func TestHandler_WritesOnlyWithWrites(t *testing.T) {
	var seen []string
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.Method+" "+r.URL.Path)
		io.WriteString(w, `{}`)
	})
	for _, writes := range []bool{false, true} {
		seen = nil
		srv := httptest.NewServer(Handler(Options{API: api, Writes: writes}))
		for _, route := range []string{"data", "children", "history", "zxid", "create", "set", "delete", "setacl", "multi", "sessions"} {
			resp, err := http.Post(srv.URL+"/ui/api/zk/v1/"+route, "application/json", strings.NewReader(`{}`))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			read := route == "data" || route == "children" || route == "history" || route == "zxid"
			if want := http.StatusOK; (writes || read) && resp.StatusCode != want {
				t.Errorf("writes=%v %s: %s", writes, route, resp.Status)
			}
			if !writes && !read && resp.StatusCode != http.StatusForbidden {
				t.Errorf("writes=%v %s: %s, want 403", writes, route, resp.Status)
			}
		}
		wantSeen := "POST /zk/v1/data,POST /zk/v1/children,POST /zk/v1/history,POST /zk/v1/zxid"
		if writes {
			wantSeen += ",POST /zk/v1/create,POST /zk/v1/set,POST /zk/v1/delete,POST /zk/v1/setacl,POST /zk/v1/multi,POST /zk/v1/sessions"
		}
		if got := strings.Join(seen, ","); got != wantSeen {
			t.Errorf("writes=%v: the API saw %s, want %s", writes, got, wantSeen)
		}
		resp, err := http.Get(srv.URL + "/ui/api/config")
		if err != nil {
			t.Fatal(err)
		}
		var cfg struct{ Writes bool }
		_ = json.NewDecoder(resp.Body).Decode(&cfg)
		resp.Body.Close()
		if cfg.Writes != writes {
			t.Errorf("config says writes=%v, want %v", cfg.Writes, writes)
		}
		for _, asset := range []string{"/ui/", "/ui/app.js", "/ui/style.css"} {
			resp, err := http.Get(srv.URL + asset)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("%s: %s", asset, resp.Status)
			}
		}
		srv.Close()
	}
}

// TestHandler_KindsChecksItsRequest: /ui/api/kinds takes POST with a
// valid parent path and child names, and asks Kinds about exactly those.
func TestHandler_KindsChecksItsRequest(t *testing.T) {
	var asked []string
	srv := httptest.NewServer(Handler(Options{Kinds: func(_ context.Context, parent string, names []string) (map[string]string, error) {
		asked = append(asked, parent+":"+strings.Join(names, ","))
		return map[string]string{"box": "container"}, nil
	}}))
	defer srv.Close()
	for _, c := range []struct {
		body string
		want int
	}{
		{`{"path":"/app","names":["box","plain"]}`, http.StatusOK},
		{`{"path":"app","names":["box"]}`, http.StatusBadRequest},
		{`{"path":"/app","names":["a/b"]}`, http.StatusBadRequest},
		{`{"path":"/app","names":[""]}`, http.StatusBadRequest},
		{`{"path":"/app","nope":1}`, http.StatusBadRequest},
	} {
		resp, err := http.Post(srv.URL+"/ui/api/kinds", "application/json", strings.NewReader(c.body))
		if err != nil {
			t.Fatal(err)
		}
		var out struct{ Kinds map[string]string }
		_ = json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("%s: %s, want %d", c.body, resp.Status, c.want)
		}
		if c.body == `{"path":"/app","names":["box","plain"]}` && out.Kinds["box"] != "container" {
			t.Errorf("%s: kinds %v", c.body, out.Kinds)
		}
	}
	if got := strings.Join(asked, " "); got != "/app:box,plain" {
		t.Errorf("Kinds was asked %q", got)
	}
	resp, err := http.Get(srv.URL + "/ui/api/kinds?path=/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: %s", resp.Status)
	}
}
