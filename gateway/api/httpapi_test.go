package api_test

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/zkgate/zkgate/gateway/api"
)

// httpDo sends a request as curl would and decodes the JSON answer.
func httpDo(t testing.TB, method, u, body string) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(apiCtx(t), method, u, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("%s %s: content type %q: %s", method, u, ct, raw)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s %s: %v in %s", method, u, err, raw)
	}
	return resp.StatusCode, out
}

func httpOK(t *testing.T, method, u, body string) map[string]any {
	t.Helper()
	code, out := httpDo(t, method, u, body)
	if code != http.StatusOK {
		t.Fatalf("%s %s %s: %d %v", method, u, body, code, out)
	}
	return out
}

// statFields are the 11 fields of a Stat, all shown even when zero.
var statFields = []string{"czxid", "mzxid", "ctime", "mtime", "version", "cversion", "aversion", "ephemeral_owner", "data_length", "num_children", "pzxid"}

func checkStat(t *testing.T, v any) map[string]any {
	t.Helper()
	st, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("stat %v", v)
	}
	for _, f := range statFields {
		if _, ok := st[f]; !ok {
			t.Fatalf("stat lacks %s: %v", f, st)
		}
	}
	if len(st) != len(statFields) {
		t.Fatalf("stat has extra fields: %v", st)
	}
	return st
}

func TestHTTP_Curl(t *testing.T) {
	t.Parallel()
	r := startAPI(t)
	zk := r.baseURL + api.HTTPPrefix
	get := func(route string, q url.Values) map[string]any {
		t.Helper()
		return httpOK(t, http.MethodGet, zk+route+"?"+q.Encode(), "")
	}
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

	// curl -d '{"path":"/h","data":"aGVsbG8="}' .../zk/v1/create
	cr := httpOK(t, http.MethodPost, zk+"create", `{"path":"/h","data":"`+b64("hello")+`"}`)
	if cr["path"] != "/h" {
		t.Fatalf("create: %v", cr)
	}
	st := checkStat(t, cr["stat"])
	// 64-bit integers are strings, 32-bit ones numbers, zeros shown.
	if st["czxid"] != cr["zxid"] || st["version"] != 0.0 || st["data_length"] != 5.0 || st["ephemeral_owner"] != "0" {
		t.Fatalf("create stat %v zxid %v", st, cr["zxid"])
	}
	// Enum by name, and a sequential child.
	seq := httpOK(t, http.MethodPost, zk+"create", `{"path":"/h/c-","mode":"CREATE_MODE_PERSISTENT_SEQUENTIAL"}`)
	if seq["path"] != "/h/c-0000000000" {
		t.Fatalf("sequential create: %v", seq)
	}

	// curl '.../zk/v1/data?path=/h'
	gd := get("data", url.Values{"path": {"/h"}})
	if gd["data"] != b64("hello") || checkStat(t, gd["stat"])["num_children"] != 1.0 {
		t.Fatalf("data: %v", gd)
	}
	// The same as POST with a body, which can carry auth.
	if pd := httpOK(t, http.MethodPost, zk+"data", `{"path":"/h","ctx":{"auth":[{"scheme":"digest","credentials":"`+b64("bob:pw")+`"}]}}`); pd["data"] != b64("hello") {
		t.Fatalf("POST data: %v", pd)
	}

	ch := get("children", url.Values{"path": {"/h"}})
	if kids, _ := ch["children"].([]any); len(kids) != 1 || kids[0] != "c-0000000000" {
		t.Fatalf("children: %v", ch)
	}
	sx := get("stat", url.Values{"path": {"/h"}, "ctx.min_zxid": {seq["zxid"].(string)}})
	if sx["found"] != true || checkStat(t, sx["stat"])["cversion"] != 1.0 {
		t.Fatalf("stat: %v", sx)
	}
	if missing := get("stat", url.Values{"path": {"/nope"}}); missing["found"] != false || checkStat(t, missing["stat"])["czxid"] != "0" {
		t.Fatalf("stat of a missing node: %v", missing)
	}
	if n := get("count", url.Values{"path": {"/h"}}); n["total_number"] != "1" {
		t.Fatalf("count: %v", n)
	}
	if acl := get("acl", url.Values{"path": {"/h"}}); !strings.Contains(jsonString(t, acl["acl"]), `"scheme":"world"`) {
		t.Fatalf("acl: %v", acl)
	}

	set := httpOK(t, http.MethodPost, zk+"set", `{"path":"/h","data":"`+b64("v2")+`","version":0}`)
	if checkStat(t, set["stat"])["version"] != 1.0 {
		t.Fatalf("set: %v", set)
	}

	// Errors: the HTTP status of the gRPC code, the ZooKeeper name.
	code, body := httpDo(t, http.MethodGet, zk+"data?path=/nope", "")
	if code != http.StatusNotFound || body["code"] != 5.0 || body["status"] != "NOT_FOUND" ||
		body["zk_error"] != "NoNode" || body["zk_code"] != -101.0 || body["path"] != "/nope" ||
		body["message"] != "KeeperErrorCode = NoNode for /nope" {
		t.Fatalf("NoNode: %d %v", code, body)
	}
	code, body = httpDo(t, http.MethodPost, zk+"delete", `{"path":"/h/c-0000000000","version":7}`)
	if code != http.StatusConflict || body["zk_error"] != "BadVersion" {
		t.Fatalf("BadVersion: %d %v", code, body)
	}
	code, body = httpDo(t, http.MethodPost, zk+"delete", `{"path":"/h"}`)
	if code != http.StatusBadRequest || body["zk_error"] != "NotEmpty" {
		t.Fatalf("NotEmpty: %d %v", code, body)
	}
	// A misspelt field is refused, not ignored.
	code, body = httpDo(t, http.MethodPost, zk+"delete", `{"path":"/h","versoin":0}`)
	if code != http.StatusBadRequest || body["zk_error"] != nil {
		t.Fatalf("unknown field: %d %v", code, body)
	}
	code, body = httpDo(t, http.MethodPost, zk+"create", `{"path":"/big","data":"`+strings.Repeat("A", api.MaxHTTPBodyBytes)+`"}`)
	if code != http.StatusRequestEntityTooLarge || body["zk_error"] != "BadArguments" {
		t.Fatalf("oversized body: %d %v", code, body)
	}
	// A query parameter that is not UTF-8 is the client's error, not a
	// failure to marshal it; a JSON body that is not is refused as well.
	code, body = httpDo(t, http.MethodGet, zk+"data?path=/h%AA", "")
	if code != http.StatusBadRequest || body["status"] != "INVALID_ARGUMENT" || !strings.Contains(body["message"].(string), "not valid UTF-8") {
		t.Fatalf("query not UTF-8: %d %v", code, body)
	}
	code, body = httpDo(t, http.MethodPost, zk+"create", "{\"path\":\"/h\xaa\"}")
	if code != http.StatusBadRequest || body["zk_error"] != nil {
		t.Fatalf("body not UTF-8: %d %v", code, body)
	}
	// U+FFFD, what the invalid byte decodes to, is no character of a path
	// (so no such node can exist): the path check says so.
	code, body = httpDo(t, http.MethodGet, zk+"stat?"+url.Values{"path": {"/h\ufffd"}}.Encode(), "")
	if code != http.StatusBadRequest || body["zk_error"] != "BadArguments" || !strings.Contains(body["message"].(string), "invalid character @2") {
		t.Fatalf("stat of a path with U+FFFD: %d %v", code, body)
	}
	code, body = httpDo(t, http.MethodGet, zk+"nosuchroute", "")
	if code != http.StatusNotFound || body["zk_error"] != nil {
		t.Fatalf("unknown route: %d %v", code, body)
	}
	code, body = httpDo(t, http.MethodPut, zk+"data?path=/h", "")
	if code != http.StatusMethodNotAllowed || body["zk_error"] != nil {
		t.Fatalf("wrong method: %d %v", code, body)
	}

	del := httpOK(t, http.MethodPost, zk+"delete", `{"path":"/h/c-0000000000"}`)
	if del["zxid"] == "0" {
		t.Fatalf("delete: %v", del)
	}
	if after := get("stat", url.Values{"path": {"/h/c-0000000000"}}); after["found"] != false {
		t.Fatalf("deleted node: %v", after)
	}

	// A failed multi answers 200 with its per-op results.
	mr := httpOK(t, http.MethodPost, zk+"multi", `{"ops":[{"create":{"path":"/h/m"}},{"delete":{"path":"/nope"}}]}`)
	if e, _ := mr["error"].(map[string]any); e["name"] != "NoNode" || mr["failed_op"] != 1.0 {
		t.Fatalf("multi: %v", mr)
	}
	if s := jsonString(t, mr["results"]); !strings.Contains(s, `"name":"Ok"`) || !strings.Contains(s, `"name":"NoNode"`) {
		t.Fatalf("multi results: %s", s)
	}

	// Sessions: create, keep alive, an ephemeral, close.
	sess := httpOK(t, http.MethodPost, zk+"sessions", `{"timeout_ms":5000}`)
	id, _ := sess["session_id"].(string)
	pw, _ := sess["password"].(string)
	if id == "" || id == "0" || sess["timeout_ms"] != 5000.0 || sess["password"] == "" {
		t.Fatalf("session: %v", sess)
	}
	httpOK(t, http.MethodPost, zk+"sessions/"+id+"/keepalive", `{"password":"`+pw+`"}`)
	httpOK(t, http.MethodPost, zk+"create", `{"path":"/h/eph","mode":1,"ctx":{"session_id":"`+id+`","session_password":"`+pw+`"}}`)
	if eph := get("ephemerals", url.Values{"ctx.session_id": {id}, "ctx.session_password": {pw}}); jsonString(t, eph["paths"]) != `["/h/eph"]` {
		t.Fatalf("ephemerals: %v", eph)
	}
	httpOK(t, http.MethodDelete, zk+"sessions/"+id+"?password="+url.QueryEscape(pw), "")
	if gone := get("stat", url.Values{"path": {"/h/eph"}}); gone["found"] != false {
		t.Fatalf("ephemeral after close: %v", gone)
	}
	code, body = httpDo(t, http.MethodPost, zk+"sessions/"+id+"/keepalive", `{"password":"`+pw+`"}`)
	if code != http.StatusBadRequest || body["zk_error"] != "SessionExpired" {
		t.Fatalf("keepalive after close: %d %v", code, body)
	}
}

// Requests through the HTTP gateway hold no ip identity: the gRPC
// connection is the gateway's own, not the HTTP client's.
func TestHTTP_NoIPIdentity(t *testing.T) {
	t.Parallel()
	r := startAPI(t)
	zk := r.baseURL + api.HTTPPrefix
	httpOK(t, http.MethodPost, zk+"create", `{"path":"/local","acl":[{"perms":31,"scheme":"ip","id":"127.0.0.1"}]}`)
	code, body := httpDo(t, http.MethodGet, zk+"data?path=/local", "")
	if code != http.StatusForbidden || body["zk_error"] != "NoAuth" {
		t.Fatalf("ip ACL through HTTP: %d %v", code, body)
	}
	code, body = httpDo(t, http.MethodPost, zk+"data", `{"path":"/local","ctx":{"auth":[{"scheme":"ip"}]}}`)
	if code != http.StatusUnauthorized || body["zk_error"] != "AuthFailed" {
		t.Fatalf("addAuth ip through HTTP: %d %v", code, body)
	}
	// etcd's own routes on the same URL are untouched.
	resp, err := http.Get(r.baseURL + "/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/health: %s", resp.Status)
	}
}

func jsonString(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A watch also takes POST with a JSON body, which is how it carries
// ctx.auth: a stream gets the events of the znodes its caller may read,
// so the stream with the digest sees the change of a znode only that
// digest may read, and the stream without it does not.
func TestHTTP_WatchPostWithAuth(t *testing.T) {
	t.Parallel()
	r := startAPI(t)
	zk := r.baseURL + api.HTTPPrefix
	alice := `"ctx":{"auth":[{"scheme":"digest","credentials":"` + base64.StdEncoding.EncodeToString([]byte("alice:pw")) + `"}]}`
	httpOK(t, http.MethodPost, zk+"create", `{"path":"/guarded",`+alice+`,"acl":[{"perms":31,"scheme":"auth","id":""}]}`)

	watch := func(method, body string) *bufio.Scanner {
		t.Helper()
		u := zk + "watch"
		if method == http.MethodGet {
			u += "?path=/&mode=WATCH_MODE_PERSISTENT_RECURSIVE"
		}
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		req, err := http.NewRequestWithContext(apiCtx(t), method, u, rd)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s watch: %s", method, resp.Status)
		}
		sc := bufio.NewScanner(resp.Body)
		if !sc.Scan() || !strings.Contains(sc.Text(), `"event":null`) {
			t.Fatalf("%s watch: first message %q, want the confirmation", method, sc.Text())
		}
		return sc
	}
	withAuth := watch(http.MethodPost, `{"path":"/","mode":"WATCH_MODE_PERSISTENT_RECURSIVE",`+alice+`}`)
	without := watch(http.MethodGet, "")

	httpOK(t, http.MethodPost, zk+"set", `{"path":"/guarded","data":"eA==",`+alice+`}`)
	httpOK(t, http.MethodPost, zk+"create", `{"path":"/open"}`)
	next := func(sc *bufio.Scanner) string {
		t.Helper()
		if !sc.Scan() {
			t.Fatalf("watch stream ended: %v", sc.Err())
		}
		var m struct {
			Result struct {
				Event struct{ Type, Path string }
			}
		}
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("%v in %s", err, sc.Bytes())
		}
		return m.Result.Event.Type + " " + m.Result.Event.Path
	}
	for _, want := range []string{"EVENT_TYPE_NODE_DATA_CHANGED /guarded", "EVENT_TYPE_NODE_CREATED /open"} {
		if got := next(withAuth); got != want {
			t.Fatalf("the stream with the digest got %s, want %s", got, want)
		}
	}
	if got, want := next(without), "EVENT_TYPE_NODE_CREATED /open"; got != want {
		t.Fatalf("the stream without the digest got %s, want %s", got, want)
	}
}
