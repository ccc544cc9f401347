package api_test

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/zkgate/zkgate/gateway/api"
	"github.com/zkgate/zkgate/schema/zkgatepb"
)

// TestAPI_ReadAtZxid: ctx.at_zxid on gRPC reads and ?at= over HTTP answer
// the znode as it was at that zxid; on a write (or any request that is
// not a read of a znode) it is refused with InvalidArgument and changes
// nothing.
func TestAPI_ReadAtZxid(t *testing.T) {
	t.Parallel()
	r := startAPI(t)
	ctx := apiCtx(t)
	cr, err := r.zk.Create(ctx, &zkgatepb.CreateRequest{Path: "/t", Data: []byte("first")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.zk.Create(ctx, &zkgatepb.CreateRequest{Path: "/t/kid"}); err != nil {
		t.Fatal(err)
	}
	set, err := r.zk.SetData(ctx, &zkgatepb.SetDataRequest{Path: "/t", Data: []byte("second")})
	if err != nil {
		t.Fatal(err)
	}

	at := &zkgatepb.RequestContext{AtZxid: cr.Zxid}
	gd, err := r.zk.GetData(ctx, &zkgatepb.GetDataRequest{Path: "/t", Ctx: at})
	if err != nil || string(gd.Data) != "first" || gd.Stat.Version != 0 || gd.Stat.NumChildren != 0 || gd.Zxid != cr.Zxid {
		t.Fatalf("GetData at %d: %v %v", cr.Zxid, gd, err)
	}
	kids, err := r.zk.GetChildren(ctx, &zkgatepb.GetChildrenRequest{Path: "/t", Ctx: at})
	if err != nil || len(kids.Children) != 0 {
		t.Fatalf("GetChildren at %d: %v %v", cr.Zxid, kids, err)
	}
	now, err := r.zk.GetData(ctx, &zkgatepb.GetDataRequest{Path: "/t", Ctx: &zkgatepb.RequestContext{MinZxid: set.Zxid}})
	if err != nil || string(now.Data) != "second" {
		t.Fatalf("GetData now: %v %v", now, err)
	}

	// HTTP: ?at= is ctx.at_zxid.
	zk := r.baseURL + api.HTTPPrefix
	hd := httpOK(t, http.MethodGet, zk+"data?"+url.Values{"path": {"/t"}, "at": {strconv.FormatInt(cr.Zxid, 10)}}.Encode(), "")
	if hd["data"] != base64.StdEncoding.EncodeToString([]byte("first")) {
		t.Fatalf("HTTP data ?at=%d: %v", cr.Zxid, hd)
	}
	code, out := httpDo(t, http.MethodGet, zk+"data?path=/t&at=yesterday", "")
	if code != http.StatusBadRequest || !strings.Contains(out["message"].(string), "zxid") {
		t.Fatalf("?at=yesterday: %d %v", code, out)
	}

	// A write at a past zxid is refused, and does nothing.
	_, err = r.zk.SetData(ctx, &zkgatepb.SetDataRequest{Path: "/t", Data: []byte("third"), Ctx: at})
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "at_zxid") {
		t.Fatalf("SetData with at_zxid: %v", err)
	}
	if after, err := r.zk.GetData(ctx, &zkgatepb.GetDataRequest{Path: "/t"}); err != nil || string(after.Data) != "second" {
		t.Fatalf("after the refused write: %v %v", after, err)
	}
}

// TestAPI_WatchFromZxid: a Watch with start_zxid first sends every event
// of the changes after that zxid, in order, then the live ones: each
// change once, none missing, whether it came before or after the stream
// started.
func TestAPI_WatchFromZxid(t *testing.T) {
	t.Parallel()
	r := startAPI(t)
	ctx := apiCtx(t)
	first, err := r.zk.Create(ctx, &zkgatepb.CreateRequest{Path: "/feed"})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := range 3 {
		c, err := r.zk.Create(ctx, &zkgatepb.CreateRequest{Path: "/feed/k" + strconv.Itoa(i)})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, "EVENT_TYPE_NODE_CREATED /feed/k"+strconv.Itoa(i)+" "+strconv.FormatInt(c.Zxid, 10))
	}
	s, err := r.zk.SetData(ctx, &zkgatepb.SetDataRequest{Path: "/feed/k1", Data: []byte("x")})
	if err != nil {
		t.Fatal(err)
	}
	want = append(want, "EVENT_TYPE_NODE_DATA_CHANGED /feed/k1 "+strconv.FormatInt(s.Zxid, 10))

	stream, err := r.zk.Watch(ctx, &zkgatepb.WatchRequest{Path: "/feed", Mode: zkgatepb.WatchMode_WATCH_MODE_PERSISTENT_RECURSIVE, StartZxid: first.Zxid})
	if err != nil {
		t.Fatal(err)
	}
	head, err := stream.Recv()
	if err != nil || head.Event != nil {
		t.Fatalf("first message: %v %v", head, err)
	}
	d, err := r.zk.Delete(ctx, &zkgatepb.DeleteRequest{Path: "/feed/k0"})
	if err != nil {
		t.Fatal(err)
	}
	want = append(want, "EVENT_TYPE_NODE_DELETED /feed/k0 "+strconv.FormatInt(d.Zxid, 10))
	var got []string
	for len(got) < len(want) {
		m, err := stream.Recv()
		if err != nil {
			t.Fatalf("after %v: %v", got, err)
		}
		got = append(got, m.Event.Type.String()+" "+m.Event.Path+" "+strconv.FormatInt(m.Zxid, 10))
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("events:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// A start before the kept history is refused.
	if _, err := r.client.Compact(ctx, d.Zxid); err != nil {
		t.Fatal(err)
	}
	if hr, err := r.zk.HistoryRange(ctx, &zkgatepb.HistoryRangeRequest{}); err != nil || hr.OldestZxid != d.Zxid || hr.OldestTimeMs == 0 || hr.Zxid < d.Zxid {
		t.Errorf("HistoryRange after compacting at %d: %v %v", d.Zxid, hr, err)
	}
	old, err := r.zk.Watch(ctx, &zkgatepb.WatchRequest{Path: "/feed", StartZxid: first.Zxid})
	if err == nil {
		_, err = old.Recv()
		if err == nil {
			_, err = old.Recv()
		}
	}
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "oldest reachable zxid is "+strconv.FormatInt(d.Zxid, 10)) {
		t.Fatalf("watch from a compacted zxid: %v", err)
	}
}

// TestHTTP_RefusesCrossSiteWrites: a write a browser sends for another
// site (its Origin, or Sec-Fetch-Site: cross-site) is refused with 403
// and changes nothing; the same write from the same origin, or from a
// client that is not a browser, is made. ?at= with a body is refused
// rather than ignored.
func TestHTTP_RefusesCrossSiteWrites(t *testing.T) {
	t.Parallel()
	r := startAPI(t)
	zk := r.baseURL + api.HTTPPrefix
	post := func(path string, header map[string]string) int {
		req, err := http.NewRequestWithContext(apiCtx(t), http.MethodPost, zk+"create", strings.NewReader(`{"path":"`+path+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "text/plain")
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	u, _ := url.Parse(r.baseURL)
	for _, tc := range []struct {
		path   string
		header map[string]string
		want   int
	}{
		{"/evil1", map[string]string{"Origin": "https://evil.example"}, http.StatusForbidden},
		{"/evil2", map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"/mine", map[string]string{"Origin": "http://" + u.Host, "Sec-Fetch-Site": "same-origin"}, http.StatusOK},
		{"/curl", nil, http.StatusOK},
	} {
		if got := post(tc.path, tc.header); got != tc.want {
			t.Errorf("create %s with %v: %d, want %d", tc.path, tc.header, got, tc.want)
		}
		ex, err := r.zk.Exists(apiCtx(t), &zkgatepb.ExistsRequest{Path: tc.path})
		if err != nil || ex.Found != (tc.want == http.StatusOK) {
			t.Errorf("%s exists %v (%v) after a %d", tc.path, ex.GetFound(), err, tc.want)
		}
	}
	code, out := httpDo(t, http.MethodPost, zk+"data?at=2", `{"path":"/mine"}`)
	if code != http.StatusBadRequest || !strings.Contains(out["message"].(string), "ctx.at_zxid in it") {
		t.Errorf("POST data?at=2: %d %v", code, out)
	}
}
