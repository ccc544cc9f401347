package e2e

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/zkgate/zkgate/e2e/harness"
)

// TestHTTP_RecipesWithCurl: a lock, an election, a queue and a counter
// over HTTP/JSON, as curl users drive them.
func TestHTTP_RecipesWithCurl(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{})
	call := func(method, path, body string) (int, map[string]any) {
		t.Helper()
		return httpJSON(t, n.ClientURL, method, path, body)
	}
	code, m := call("POST", "/zk/v1/sessions", `{"timeout_ms":10000}`)
	if code != 200 {
		t.Fatalf("session: %d %v", code, m)
	}
	ctx := `{"session_id":"` + m["session_id"].(string) + `","session_password":"` + m["password"].(string) + `"}`

	code, m = call("POST", "/zk/v1/lock/lock", `{"ctx":`+ctx+`,"path":"/web/lock","identifier":"`+b64("curl")+`"}`)
	key, _ := m["key"].(map[string]any)
	if code != 200 || key == nil || !strings.HasPrefix(key["node"].(string), "/web/lock/") {
		t.Fatalf("lock: %d %v", code, m)
	}
	code, m = call("GET", "/zk/v1/lock/holder?path=/web/lock", "")
	if code != 200 || m["identifier"] != b64("curl") {
		t.Fatalf("holder: %d %v", code, m)
	}
	code, m = call("POST", "/zk/v1/lock/trylock", `{"ctx":`+ctx+`,"path":"/web/lock"}`)
	if code != 200 || m["acquired"] != false {
		t.Fatalf("trylock of a held lock: %d %v", code, m)
	}
	keyJSON, _ := json.Marshal(key)
	if code, m = call("POST", "/zk/v1/lock/unlock", `{"ctx":`+ctx+`,"key":`+string(keyJSON)+`}`); code != 200 {
		t.Fatalf("unlock: %d %v", code, m)
	}
	if code, m = call("GET", "/zk/v1/lock/holder?path=/web/lock", ""); code != 404 {
		t.Fatalf("holder of a free lock: %d %v", code, m)
	}
	if code, m = call("POST", "/zk/v1/lock/lock", `{"path":"/web/lock"}`); code != 400 {
		t.Fatalf("lock without a session: %d %v", code, m)
	}

	code, m = call("POST", "/zk/v1/election/campaign", `{"ctx":`+ctx+`,"path":"/web/el","value":"`+b64("me")+`"}`)
	if code != 200 {
		t.Fatalf("campaign: %d %v", code, m)
	}
	if code, m = call("GET", "/zk/v1/election/leader?path=/web/el", ""); code != 200 || m["value"] != b64("me") {
		t.Fatalf("leader: %d %v", code, m)
	}

	call("POST", "/zk/v1/queue/put", `{"path":"/web/q","value":"`+b64("one")+`"}`)
	if code, m = call("POST", "/zk/v1/queue/take", `{"path":"/web/q","try":true}`); code != 200 || m["value"] != b64("one") {
		t.Fatalf("take: %d %v", code, m)
	}
	call("POST", "/zk/v1/counter/add", `{"path":"/web/n","delta":"5"}`)
	if code, m = call("GET", "/zk/v1/counter/get?path=/web/n", ""); code != 200 || m["value"] != "5" {
		t.Fatalf("counter: %d %v", code, m)
	}
}
