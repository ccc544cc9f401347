package api_test

import (
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"

	"github.com/zkgate/zkgate/gateway/api"
	"github.com/zkgate/zkgate/schema"
	"github.com/zkgate/zkgate/schema/zkgatepb"
)

// TestGRPC_NullData: a data field left out is null data, kept apart from
// empty data by create, setData and multi, and GetData answers null with
// the field unset.
func TestGRPC_NullData(t *testing.T) {
	t.Parallel()
	r := startAPI(t)
	ctx := apiCtx(t)
	zk := r.zk
	data := func(path string) []byte {
		t.Helper()
		gd, err := zk.GetData(ctx, &zkgatepb.GetDataRequest{Path: path})
		if err != nil {
			t.Fatal(err)
		}
		if gd.Stat.DataLength != int32(len(gd.Data)) {
			t.Fatalf("%s: dataLength %d for %q", path, gd.Stat.DataLength, gd.Data)
		}
		return gd.Data
	}
	wantNull := func(path string) {
		t.Helper()
		if d := data(path); d != nil {
			t.Fatalf("%s: data %q, want null", path, d)
		}
	}
	wantEmpty := func(path string) {
		t.Helper()
		if d := data(path); d == nil || len(d) != 0 {
			t.Fatalf("%s: data %q (null: %v), want empty", path, d, d == nil)
		}
	}
	if _, err := zk.Create(ctx, &zkgatepb.CreateRequest{Path: "/n"}); err != nil {
		t.Fatal(err)
	}
	if _, err := zk.Create(ctx, &zkgatepb.CreateRequest{Path: "/e", Data: []byte{}}); err != nil {
		t.Fatal(err)
	}
	wantNull("/n")
	wantEmpty("/e")
	if _, err := zk.SetData(ctx, &zkgatepb.SetDataRequest{Path: "/n", Data: []byte{}}); err != nil {
		t.Fatal(err)
	}
	if _, err := zk.SetData(ctx, &zkgatepb.SetDataRequest{Path: "/e"}); err != nil {
		t.Fatal(err)
	}
	wantEmpty("/n")
	wantNull("/e")
	mr, err := zk.Multi(ctx, &zkgatepb.MultiRequest{Ops: []*zkgatepb.Op{
		{Op: &zkgatepb.Op_Create{Create: &zkgatepb.CreateOp{Path: "/m1"}}},
		{Op: &zkgatepb.Op_Create{Create: &zkgatepb.CreateOp{Path: "/m2", Data: []byte("x")}}},
		{Op: &zkgatepb.Op_SetData{SetData: &zkgatepb.SetDataOp{Path: "/m2"}}},
		{Op: &zkgatepb.Op_Create{Create: &zkgatepb.CreateOp{Path: "/m3"}}},
		{Op: &zkgatepb.Op_SetData{SetData: &zkgatepb.SetDataOp{Path: "/m3", Data: []byte{}}}},
	}})
	if err != nil || mr.Error != nil {
		t.Fatalf("multi: %v %v", mr, err)
	}
	wantNull("/m1")
	wantNull("/m2")
	wantEmpty("/m3")
}

// TestGRPC_ACLForms: the ACL forms ZooKeeper 3.8 refuses are refused over
// gRPC too (an id is never null here: "" is the empty string), and "auth"
// expands to every digest identity of the request.
func TestGRPC_ACLForms(t *testing.T) {
	t.Parallel()
	r := startAPI(t)
	ctx := apiCtx(t)
	zk := r.zk
	two := &zkgatepb.RequestContext{Auth: []*zkgatepb.AuthInfo{digest("alice", "pw"), digest("bob", "pw")}}
	// (An empty ACL is world:anyone:cdrwa over gRPC: see CreateRequest.)
	for i, acl := range [][]*zkgatepb.ACL{
		{{Perms: 31, Scheme: "auth"}},
		{{Perms: 31, Scheme: "world", Id: ""}},
		{{Perms: 31, Scheme: "digest", Id: "alice"}},
		{{Perms: 31, Scheme: "ip", Id: "::1"}},
		{{Perms: 31, Scheme: "ip", Id: "10.0.0.0/33"}},
		{{Perms: 31, Scheme: "super", Id: ""}},
		{{Perms: 31, Scheme: "world", Id: "anyone"}, {Perms: 31, Scheme: "x509", Id: "CN=a"}},
	} {
		_, err := zk.Create(ctx, &zkgatepb.CreateRequest{Path: "/bad", Acl: acl})
		if err == nil {
			t.Fatalf("form %d (%v) accepted", i, acl)
		}
		if ze := wantStatus(t, err, codes.InvalidArgument, "InvalidACL"); ze.Path != "/bad" {
			t.Fatalf("form %d: %+v", i, ze)
		}
	}
	_, err := zk.Create(ctx, &zkgatepb.CreateRequest{Ctx: two, Path: "/two", Acl: []*zkgatepb.ACL{{Perms: 31, Scheme: "auth", Id: "ignored"}}})
	if err != nil {
		t.Fatal(err)
	}
	acl, err := zk.GetACL(ctx, &zkgatepb.GetACLRequest{Ctx: two, Path: "/two"})
	var ids []string
	for _, a := range acl.GetAcl() {
		ids = append(ids, a.Scheme+":"+a.Id)
	}
	slices.Sort(ids)
	if err != nil || !slices.Equal(ids, []string{"digest:" + schema.DigestID("alice", "pw"), "digest:" + schema.DigestID("bob", "pw")}) {
		t.Fatalf("GetACL: %v %v", acl, err)
	}
	if _, err := zk.SetACL(ctx, &zkgatepb.SetACLRequest{Ctx: two, Path: "/two", Acl: []*zkgatepb.ACL{{Perms: 31, Scheme: "ip", Id: "fe80::/10"}}}); err == nil {
		t.Fatal("SetACL with an IPv6 entry succeeded")
	} else {
		wantStatus(t, err, codes.InvalidArgument, "InvalidACL")
	}
}

// TestHTTP_NullData: a create, set or multi op without "data" or with
// "data": null writes null data, "data": "" empty data, and GET data
// answers "data": null for null.
func TestHTTP_NullData(t *testing.T) {
	t.Parallel()
	r := startAPI(t)
	zk := r.baseURL + api.HTTPPrefix
	dataOf := func(path string) (any, bool) {
		t.Helper()
		out := httpOK(t, http.MethodGet, zk+"data?path="+path, "")
		d, present := out["data"]
		if checkStat(t, out["stat"])["data_length"] != 0.0 {
			t.Fatalf("%s: %v", path, out)
		}
		return d, present
	}
	wantNull := func(path string) {
		t.Helper()
		if d, present := dataOf(path); !present || d != nil {
			t.Fatalf("%s: data %v (present %v), want null", path, d, present)
		}
	}
	wantEmpty := func(path string) {
		t.Helper()
		if d, _ := dataOf(path); d != "" {
			t.Fatalf("%s: data %v, want \"\"", path, d)
		}
	}
	httpOK(t, http.MethodPost, zk+"create", `{"path":"/left-out"}`)
	httpOK(t, http.MethodPost, zk+"create", `{"path":"/null","data":null}`)
	httpOK(t, http.MethodPost, zk+"create", `{"path":"/empty","data":""}`)
	wantNull("/left-out")
	wantNull("/null")
	wantEmpty("/empty")

	// The raw answer, as curl shows it.
	resp, err := http.Get(zk + "data?path=/null")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || !strings.HasPrefix(string(raw), `{"data":null,`) {
		t.Fatalf("GET data of null data: %s %v", raw, err)
	}

	httpOK(t, http.MethodPost, zk+"set", `{"path":"/empty"}`)
	httpOK(t, http.MethodPost, zk+"set", `{"path":"/null","data":""}`)
	httpOK(t, http.MethodPost, zk+"set", `{"path":"/left-out","data":null}`)
	wantNull("/empty")
	wantEmpty("/null")
	wantNull("/left-out")

	m := httpOK(t, http.MethodPost, zk+"multi", `{"ops":[
		{"create":{"path":"/m1"}},
		{"create":{"path":"/m2","data":""}},
		{"create":{"path":"/m3","data":"eA=="}},
		{"set_data":{"path":"/m3","data":null}},
		{"create":{"path":"/m4","data":null}},
		{"set_data":{"path":"/m4","data":""}}]}`)
	if m["error"] != nil {
		t.Fatalf("multi: %v", m)
	}
	wantNull("/m1")
	wantEmpty("/m2")
	wantNull("/m3")
	wantEmpty("/m4")

	// Data with bytes reads as before.
	httpOK(t, http.MethodPost, zk+"set", `{"path":"/m4","data":"aGk="}`)
	if out := httpOK(t, http.MethodGet, zk+"data?path=/m4", ""); out["data"] != "aGk=" {
		t.Fatalf("data: %v", out)
	}
}

// TestHTTP_ACLForms: over HTTP/JSON an ACL id given as null is "" (JSON
// cannot send a null string to the server), so auth:null is auth:"" and
// expands to the request's digest identities; refused forms are
// InvalidACL (400) as on ZooKeeper 3.8.
func TestHTTP_ACLForms(t *testing.T) {
	t.Parallel()
	r := startAPI(t)
	zk := r.baseURL + api.HTTPPrefix
	alice := `"ctx":{"auth":[{"scheme":"digest","credentials":"YWxpY2U6cHc="}]}` // alice:pw
	httpOK(t, http.MethodPost, zk+"create", `{"path":"/c","acl":[{"scheme":"auth","id":null,"perms":31}],`+alice+`}`)
	acl := httpOK(t, http.MethodPost, zk+"acl", `{"path":"/c",`+alice+`}`)
	if got := jsonString(t, acl["acl"]); got != `[{"id":"`+schema.DigestID("alice", "pw")+`","perms":31,"scheme":"digest"}]` {
		t.Fatalf("acl: %s", got)
	}
	for _, a := range []string{
		`[{"scheme":"auth","id":null,"perms":31}]`, // no identity
		`[{"scheme":"ip","id":"::1","perms":31}]`,
		`[{"scheme":"world","id":null,"perms":31}]`,
		`[{"scheme":"digest","id":"alice","perms":31}]`,
	} {
		code, body := httpDo(t, http.MethodPost, zk+"create", `{"path":"/bad","acl":`+a+`}`)
		if code != http.StatusBadRequest || body["zk_error"] != "InvalidACL" {
			t.Errorf("create with ACL %s: %d %v", a, code, body)
		}
	}
}
