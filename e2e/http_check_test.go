package e2e

import (
	"encoding/base64"
	"net/url"
	"strings"
	"testing"

	"github.com/zkgate/zkgate/e2e/harness"
)

// TestHTTP_BodyLimit: a body over what the node accepts is 413 with a
// zk_error, not 429 without one, and nothing is written.
func TestHTTP_BodyLimit(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{})
	// 6 MB of data: over the gRPC server's message limit (1.5 MiB + 512 KiB
	// by default), under the HTTP handler's 16 MiB.
	data := base64.StdEncoding.EncodeToString(make([]byte, 6<<20))
	code, m := httpJSON(t, n.ClientURL, "POST", "/zk/v1/create", `{"path":"/big","data":"`+data+`"}`)
	if code != 413 || m["zk_error"] != "BadArguments" || !strings.Contains(m["message"].(string), "larger than the server accepts") {
		t.Fatalf("6 MB body: %d %v", code, m)
	}
	// Over the handler's own limit.
	code, m = httpJSON(t, n.ClientURL, "POST", "/zk/v1/create", `{"path":"/big","data":"`+strings.Repeat("A", 17<<20)+`"}`)
	if code != 413 || m["zk_error"] != "BadArguments" || !strings.Contains(m["message"].(string), "over the limit of 16777216 bytes") {
		t.Fatalf("17 MB body: %d %v", code, m)
	}
	if code, m := httpJSON(t, n.ClientURL, "GET", "/zk/v1/stat?path=/big", ""); code != 200 || m["found"] != false {
		t.Fatalf("after refused creates: %d %v", code, m)
	}
}

// TestHTTP_PathCheck: every Namespace route checks its paths as
// ZooKeeper's client does, reads included: BadArguments (400) with
// ZooKeeper's message, never NoNode or the root.
func TestHTTP_PathCheck(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{})
	if code, m := httpJSON(t, n.ClientURL, "POST", "/zk/v1/create", `{"path":"/app"}`); code != 200 {
		t.Fatalf("create /app: %d %v", code, m)
	}
	bad := map[string]string{
		"app":       "Path must start with / character",
		"":          "Path length must be > 0",
		"/app/../b": `Invalid path string \"/app/../b\" caused by relative paths not allowed @6`,
		"/app/.":    `Invalid path string \"/app/.\" caused by relative paths not allowed @5`,
		"/app/":     "Path must not end with / character",
	}
	for p, msg := range bad {
		msg = strings.ReplaceAll(msg, `\"`, `"`)
		q := "?" + url.Values{"path": {p}}.Encode()
		for _, get := range []string{"data", "stat", "children", "acl", "count"} {
			code, m := httpJSON(t, n.ClientURL, "GET", "/zk/v1/"+get+q, "")
			if code != 400 || m["zk_error"] != "BadArguments" || !strings.Contains(m["message"].(string), msg) {
				t.Errorf("GET %s%s: %d %v, want 400 BadArguments %q", get, q, code, m, msg)
			}
		}
		pj := `"` + strings.ReplaceAll(p, `"`, `\"`) + `"`
		for _, post := range []struct{ route, body string }{
			{"create", `{"path":` + pj + `}`},
			{"set", `{"path":` + pj + `,"data":""}`},
			{"delete", `{"path":` + pj + `}`},
			{"sync", `{"path":` + pj + `}`},
			{"multi", `{"ops":[{"create":{"path":"/app/ok"}},{"delete":{"path":` + pj + `}}]}`},
		} {
			code, m := httpJSON(t, n.ClientURL, "POST", "/zk/v1/"+post.route, post.body)
			if code != 400 || m["zk_error"] != "BadArguments" || !strings.Contains(m["message"].(string), msg) {
				t.Errorf("POST %s %s: %d %v, want 400 BadArguments %q", post.route, post.body, code, m, msg)
			}
		}
	}
	// A sequential create may end with '/'.
	if code, m := httpJSON(t, n.ClientURL, "POST", "/zk/v1/create", `{"path":"/app/","mode":"CREATE_MODE_PERSISTENT_SEQUENTIAL"}`); code != 200 || m["path"] != "/app/0000000000" {
		t.Fatalf("sequential create of /app/: %d %v", code, m)
	}
	if code, m := httpJSON(t, n.ClientURL, "GET", "/zk/v1/children?path=/app", ""); code != 200 || len(m["children"].([]any)) != 1 {
		t.Fatalf("children of /app: %d %v", code, m)
	}
}
