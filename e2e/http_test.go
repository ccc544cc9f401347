package e2e

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/zkgate/zkgate/e2e/harness"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func postJSON(t *testing.T, url, body string, out any) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: %s: %s", url, resp.Status, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("POST %s: %v in %s", url, err, b)
		}
	}
}

// httpJSON sends a request to base+path and returns the status and the
// JSON object answered.
func httpJSON(t *testing.T, base, method, path, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s %s: %s: %v", method, path, b, err)
	}
	return resp.StatusCode, m
}

// TestHTTP_Gateway uses etcd's HTTP/JSON gateway as curl users do.
func TestHTTP_Gateway(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{})
	postJSON(t, n.ClientURL+"/v3/kv/put", `{"key":"`+b64("http-key")+`","value":"`+b64("http-value")+`"}`, nil)

	var rng struct {
		Kvs []struct {
			Key   string `json:"key"`
			Value string `json:"value"`
		} `json:"kvs"`
	}
	postJSON(t, n.ClientURL+"/v3/kv/range", `{"key":"`+b64("http-key")+`"}`, &rng)
	if len(rng.Kvs) != 1 || rng.Kvs[0].Value != b64("http-value") {
		t.Fatalf("range: %+v", rng)
	}
	// And the write is visible to etcdctl.
	if got := harness.Etcdctl(t, n.ClientURL, "get", "http-key", "--print-value-only"); got != "http-value\n" {
		t.Fatalf("etcdctl get: %q", got)
	}

	// etcd's election service is on the gateway too.
	var lease struct {
		ID string `json:"ID"`
	}
	postJSON(t, n.ClientURL+"/v3/lease/grant", `{"TTL":30}`, &lease)
	var camp struct {
		Leader struct {
			Name string `json:"name"`
		} `json:"leader"`
	}
	postJSON(t, n.ClientURL+"/v3/election/campaign", `{"name":"`+b64("http-election")+`","lease":"`+lease.ID+`","value":"`+b64("me")+`"}`, &camp)
	if camp.Leader.Name != b64("http-election") {
		t.Fatalf("campaign: %+v", camp)
	}
	var leader struct {
		KV struct {
			Value string `json:"value"`
		} `json:"kv"`
	}
	postJSON(t, n.ClientURL+"/v3/election/leader", `{"name":"`+b64("http-election")+`"}`, &leader)
	if leader.KV.Value != b64("me") {
		t.Fatalf("leader: %+v", leader)
	}
}

func TestHTTP_HealthAndMetrics(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{})
	resp, err := http.Get(n.ClientURL + "/health")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"health":"true"`) {
		t.Fatalf("/health: %s %s", resp.Status, b)
	}

	resp, err = http.Get(n.ClientURL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, m := range []string{"etcd_server_has_leader 1", "etcd_mvcc_db_total_size_in_bytes", "grpc_server_handled_total"} {
		if !strings.Contains(string(b), m) {
			t.Errorf("/metrics lacks %q", m)
		}
	}
	// The quota zkgate sets is what etcd reports.
	if !strings.Contains(string(b), "etcd_server_quota_backend_bytes 8.589934592e+09") {
		t.Errorf("/metrics does not show the 8 GiB backend quota")
	}
}
