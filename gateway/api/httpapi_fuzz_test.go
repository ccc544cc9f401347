package api_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// FuzzHTTPAPI sends arbitrary methods, paths and bodies to the HTTP/JSON
// API of a running engine. Whatever comes in, the answer is JSON with a
// client-error or success status, never a server error (which would mean
// a panic, a crash or an unmapped failure), and the API keeps answering.
// Seeds are in testdata/fuzz/FuzzHTTPAPI besides those added here.
func FuzzHTTPAPI(f *testing.F) {
	rig := startAPI(f)
	f.Add("POST", "/zk/v1/create", `{"path":"/f","data":"aGk=","mode":"CREATE_MODE_PERSISTENT"}`)
	f.Add("POST", "/zk/v1/create", `{"path":"/f/s-","mode":2,"acl":[{"perms":31,"scheme":"digest","id":"u:x"}]}`)
	f.Add("POST", "/zk/v1/set", `{"path":"/f","data":"!!","version":-7}`)
	f.Add("POST", "/zk/v1/multi", `{"ops":[{"create":{"path":"/m"}},{"delete":{"path":"/m","version":0}}]}`)
	f.Add("GET", "/zk/v1/data?path=/f", ``)
	f.Add("GET", "/zk/v1/children?path=%00", ``)
	f.Add("POST", "/zk/v1/create", `{"path":`)
	f.Add("POST", "/zk/v1/sessions", `{"timeout_ms":-1}`)
	f.Add("DELETE", "/zk/v1/sessions/abc", ``)
	f.Add("PUT", "/zk/v1/../../v3/kv/range", `{}`)
	f.Fuzz(func(t *testing.T, method, path, body string) {
		if !strings.HasPrefix(path, "/") || strings.ContainsAny(method, " \t\r\n") || method == "" {
			return // not an HTTP request line a client could send
		}
		// The watch stream holds its request open: a deadline ends it, well
		// before the 10 s after which the fuzzing engine takes an input for
		// a deadlock and kills its worker.
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, method, rig.baseURL+path, strings.NewReader(body))
		if err != nil {
			return // a URL net/http will not send
		}
		if !validTarget(req.URL.RequestURI()) {
			// net/http writes such a target as it is, making a request
			// line no HTTP parser accepts; the client port (etcd's cmux)
			// closes the connection on it, as etcd itself does.
			return
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if errors.Is(err, context.DeadlineExceeded) {
			return
		}
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			t.Fatalf("%s %s %q: %d %s", method, path, body, resp.StatusCode, raw)
		}
		if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusMethodNotAllowed &&
			!strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("%s %s: %d with content type %q: %s", method, path, resp.StatusCode, resp.Header.Get("Content-Type"), raw)
		}
		// Still serving.
		if code, _ := httpDo(t, "GET", rig.baseURL+"/zk/v1/stat?path=/", ""); code != http.StatusOK {
			t.Fatalf("after %s %s: stat / answered %d", method, path, code)
		}
	})
}

// validTarget reports whether target can stand in an HTTP/1.1 request line:
// no spaces, no control characters.
func validTarget(target string) bool {
	for i := 0; i < len(target); i++ {
		if c := target[i]; c <= ' ' || c == 0x7f {
			return false
		}
	}
	return true
}
