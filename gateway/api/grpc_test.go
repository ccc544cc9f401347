package api_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/gateway/api"
	"github.com/zkgate/zkgate/gateway/gatewaytest"
	"github.com/zkgate/zkgate/schema"
	"github.com/zkgate/zkgate/schema/zkgatepb"
)

// apiRig is one etcd member serving the Namespace service on its own gRPC
// server (embed.Config.ServiceRegister) and the HTTP/JSON API on its
// client URL under /zk/ (embed.Config.UserHandlers), as zkgate serve
// mounts them.
type apiRig struct {
	zk      zkgatepb.NamespaceClient
	baseURL string // the client URL, "http://127.0.0.1:port"
	client  *clientv3.Client
}

func startAPI(t testing.TB) *apiRig {
	t.Helper()
	srv := api.NewServer(nil)
	hctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	var target, base string
	var herr error
	cl := gatewaytest.StartCluster(t, 1, func(cfg *embed.Config) {
		target, base = cfg.ListenClientUrls[0].Host, cfg.AdvertiseClientUrls[0].String()
		cfg.ServiceRegister = srv.Register
		var h http.Handler
		if h, herr = api.NewHTTPHandler(hctx, target); herr == nil {
			cfg.UserHandlers = map[string]http.Handler{"/zk/": h}
		}
	})
	if herr != nil {
		t.Fatal(herr)
	}
	// The Engine needs etcd serving, so it comes after the registration.
	srv.SetEngine(gatewaytest.NewEngine(t, cl.Client(0), gateway.Config{}))
	conn, err := grpc.NewClient(target, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &apiRig{zk: zkgatepb.NewNamespaceClient(conn), baseURL: base, client: cl.Client(0)}
}

// wantStatus checks that err is a status with code and, when reason is
// not empty, a zkgate ErrorInfo with that reason, and returns the
// ZooKeeper error it carries.
func wantStatus(t *testing.T, err error, code codes.Code, reason string) *schema.Error {
	t.Helper()
	st, ok := status.FromError(err)
	if !ok || st.Code() != code {
		t.Fatalf("got %v, want code %v", err, code)
	}
	if reason == "" {
		return nil
	}
	info := errorInfo(st)
	if info == nil || info.Domain != schema.ErrorDomain || info.Reason != reason {
		t.Fatalf("ErrorInfo %v, want reason %s", info, reason)
	}
	var ze *schema.Error
	if !errors.As(schema.ErrorFromStatus(err), &ze) || ze.Code.String() != reason || ze.Error() != st.Message() {
		t.Fatalf("ErrorFromStatus(%v) = %v", err, ze)
	}
	return ze
}

func errorInfo(st *status.Status) *errdetails.ErrorInfo {
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			return info
		}
	}
	return nil
}

// A Server answers the engine's ErrClosed, wrapped or not, as it answers
// before it has an Engine: Unavailable with ConnectionLoss, so that
// clients retry elsewhere. An error that carries its own ZooKeeper code,
// or a context error, keeps its status.
func TestGRPC_Fail_EngineClosed(t *testing.T) {
	srv := api.NewServer(nil)
	ctx := context.Background()
	for _, err := range []error{gateway.ErrClosed, fmt.Errorf("creating /a: %w", gateway.ErrClosed)} {
		ze := wantStatus(t, srv.Fail(ctx, err), codes.Unavailable, "ConnectionLoss")
		if ze.Msg != err.Error() {
			t.Fatalf("detail %q, want %q", ze.Msg, err.Error())
		}
	}
	wantStatus(t, srv.Fail(ctx, errors.Join(schema.NewError(schema.CodeNoNode, "/a"), gateway.ErrClosed)), codes.NotFound, "NoNode")
	wantStatus(t, srv.Fail(ctx, errors.Join(context.Canceled, gateway.ErrClosed)), codes.Canceled, "")
}

func ptr[T any](v T) *T { return &v }

func apiCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func digest(user, password string) *zkgatepb.AuthInfo {
	return &zkgatepb.AuthInfo{Scheme: "digest", Credentials: []byte(user + ":" + password)}
}

var openACL = []*zkgatepb.ACL{{Perms: int32(schema.PermAll), Scheme: "world", Id: "anyone"}}

func TestGRPC_EveryRPC(t *testing.T) {
	t.Parallel()
	r := startAPI(t)
	ctx := apiCtx(t)
	zk := r.zk

	sess, err := zk.CreateSession(ctx, &zkgatepb.CreateSessionRequest{TimeoutMs: 10000})
	if err != nil {
		t.Fatal(err)
	}
	if sess.SessionId == 0 || len(sess.Password) == 0 || sess.TimeoutMs != 10000 {
		t.Fatalf("CreateSession: %v", sess)
	}
	inSession := &zkgatepb.RequestContext{SessionId: sess.SessionId, SessionPassword: sess.Password}
	res, err := zk.ResumeSession(ctx, &zkgatepb.ResumeSessionRequest{SessionId: sess.SessionId, Password: sess.Password})
	if err != nil || res.TimeoutMs != 10000 {
		t.Fatalf("ResumeSession: %v %v", res, err)
	}
	_, err = zk.ResumeSession(ctx, &zkgatepb.ResumeSessionRequest{SessionId: sess.SessionId, Password: []byte("wrong")})
	wantStatus(t, err, codes.FailedPrecondition, "SessionExpired")
	// Without the password a session is not usable: it reads as expired.
	_, err = zk.KeepAlive(ctx, &zkgatepb.KeepAliveRequest{SessionId: sess.SessionId})
	wantStatus(t, err, codes.FailedPrecondition, "SessionExpired")
	_, err = zk.Create(ctx, &zkgatepb.CreateRequest{Ctx: &zkgatepb.RequestContext{SessionId: sess.SessionId}, Path: "/stolen", Mode: zkgatepb.CreateMode_CREATE_MODE_EPHEMERAL})
	wantStatus(t, err, codes.FailedPrecondition, "SessionExpired")
	_, err = zk.CloseSession(ctx, &zkgatepb.CloseSessionRequest{SessionId: sess.SessionId, Password: []byte("guess")})
	wantStatus(t, err, codes.FailedPrecondition, "SessionExpired")
	if _, err := zk.KeepAlive(ctx, &zkgatepb.KeepAliveRequest{SessionId: sess.SessionId, Password: sess.Password}); err != nil {
		t.Fatal(err)
	}

	// Create: the default ACL is open, the Stat is the new node's.
	cr, err := zk.Create(ctx, &zkgatepb.CreateRequest{Path: "/a", Data: []byte("hello")})
	if err != nil {
		t.Fatal(err)
	}
	if cr.Path != "/a" || cr.Zxid == 0 || cr.Stat.Czxid != cr.Zxid || cr.Stat.Mzxid != cr.Zxid || cr.Stat.DataLength != 5 || cr.Stat.Ctime == 0 {
		t.Fatalf("Create: %v", cr)
	}
	seq, err := zk.Create(ctx, &zkgatepb.CreateRequest{Path: "/a/seq-", Mode: zkgatepb.CreateMode_CREATE_MODE_PERSISTENT_SEQUENTIAL, Acl: openACL})
	if err != nil || seq.Path != "/a/seq-0000000000" {
		t.Fatalf("sequential Create: %v %v", seq, err)
	}
	eph, err := zk.Create(ctx, &zkgatepb.CreateRequest{Ctx: inSession, Path: "/a/e", Mode: zkgatepb.CreateMode_CREATE_MODE_EPHEMERAL})
	if err != nil || eph.Stat.EphemeralOwner != sess.SessionId {
		t.Fatalf("ephemeral Create: %v %v", eph, err)
	}
	ttl, err := zk.Create(ctx, &zkgatepb.CreateRequest{Path: "/ttl", Mode: zkgatepb.CreateMode_CREATE_MODE_PERSISTENT_WITH_TTL, TtlMs: 60000})
	if err != nil || ttl.Path != "/ttl" {
		t.Fatalf("TTL Create: %v %v", ttl, err)
	}
	// GetData tells a TTL node and a container apart, which the Stat
	// shows as persistent, as ZooKeeper's does; a persistent or an
	// ephemeral znode has no mode.
	if _, err := zk.Create(ctx, &zkgatepb.CreateRequest{Path: "/box", Mode: zkgatepb.CreateMode_CREATE_MODE_CONTAINER}); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]struct {
		mode *zkgatepb.CreateMode
		ttl  *int64
	}{
		"/ttl": {zkgatepb.CreateMode_CREATE_MODE_PERSISTENT_WITH_TTL.Enum(), proto.Int64(60000)},
		"/box": {zkgatepb.CreateMode_CREATE_MODE_CONTAINER.Enum(), nil},
		"/a":   {},
		"/a/e": {},
	} {
		gd, err := zk.GetData(ctx, &zkgatepb.GetDataRequest{Path: p})
		if err != nil || gd.Stat.EphemeralOwner != 0 && p != "/a/e" ||
			(gd.Mode == nil) != (want.mode == nil) || want.mode != nil && *gd.Mode != *want.mode ||
			(gd.TtlMs == nil) != (want.ttl == nil) || want.ttl != nil && *gd.TtlMs != *want.ttl {
			t.Fatalf("GetData %s: mode %v, ttl_ms %v, ephemeral_owner %d (%v); want %v, %v", p, gd.GetMode(), gd.GetTtlMs(), gd.GetStat().GetEphemeralOwner(), err, want.mode, want.ttl)
		}
	}
	// A TTL that would overflow a time.Duration is still out of range.
	_, err = zk.Create(ctx, &zkgatepb.CreateRequest{Path: "/ttl2", Mode: zkgatepb.CreateMode_CREATE_MODE_PERSISTENT_WITH_TTL, TtlMs: 1 << 62})
	wantStatus(t, err, codes.InvalidArgument, "BadArguments")
	_, err = zk.Create(ctx, &zkgatepb.CreateRequest{Path: "/a"})
	if ze := wantStatus(t, err, codes.AlreadyExists, "NodeExists"); ze.Path != "/a" {
		t.Fatalf("NodeExists path %q", ze.Path)
	}

	ex, err := zk.Exists(ctx, &zkgatepb.ExistsRequest{Path: "/a"})
	if err != nil || !ex.Found || ex.Stat.NumChildren != 2 || ex.Stat.Cversion != 2 || ex.Stat.Pzxid != eph.Zxid || ex.Zxid < eph.Zxid {
		t.Fatalf("Exists: %v %v", ex, err)
	}
	ex, err = zk.Exists(ctx, &zkgatepb.ExistsRequest{Path: "/nope"})
	if err != nil || ex.Found || ex.Stat == nil || ex.Stat.Czxid != 0 {
		t.Fatalf("Exists of a missing node: %v %v", ex, err)
	}

	gd, err := zk.GetData(ctx, &zkgatepb.GetDataRequest{Path: "/a"})
	if err != nil || string(gd.Data) != "hello" || !proto.Equal(gd.Stat, ex0(t, zk, "/a")) {
		t.Fatalf("GetData: %v %v", gd, err)
	}
	_, err = zk.GetData(ctx, &zkgatepb.GetDataRequest{Path: "/nope"})
	wantStatus(t, err, codes.NotFound, "NoNode")

	sd, err := zk.SetData(ctx, &zkgatepb.SetDataRequest{Path: "/a", Data: []byte("bye"), Version: ptr[int32](0)})
	if err != nil || sd.Stat.Version != 1 || sd.Stat.Mzxid != sd.Zxid || sd.Stat.DataLength != 3 {
		t.Fatalf("SetData: %v %v", sd, err)
	}
	_, err = zk.SetData(ctx, &zkgatepb.SetDataRequest{Path: "/a", Data: []byte("again"), Version: ptr[int32](0)})
	wantStatus(t, err, codes.Aborted, "BadVersion")
	// No version is any version.
	if _, err := zk.SetData(ctx, &zkgatepb.SetDataRequest{Path: "/a", Data: []byte("bye")}); err != nil {
		t.Fatal(err)
	}

	ch, err := zk.GetChildren(ctx, &zkgatepb.GetChildrenRequest{Path: "/a"})
	if err != nil || !slices.Equal(ch.Children, []string{"e", "seq-0000000000"}) || ch.Stat.NumChildren != 2 {
		t.Fatalf("GetChildren: %v %v", ch, err)
	}
	n, err := zk.GetAllChildrenNumber(ctx, &zkgatepb.GetAllChildrenNumberRequest{Path: "/a"})
	if err != nil || n.TotalNumber != 2 {
		t.Fatalf("GetAllChildrenNumber: %v %v", n, err)
	}
	ephs, err := zk.GetEphemerals(ctx, &zkgatepb.GetEphemeralsRequest{Ctx: inSession, Prefix: "/a"})
	if err != nil || !slices.Equal(ephs.Paths, []string{"/a/e"}) {
		t.Fatalf("GetEphemerals: %v %v", ephs, err)
	}
	_, err = zk.GetEphemerals(ctx, &zkgatepb.GetEphemeralsRequest{Prefix: "/"})
	wantStatus(t, err, codes.InvalidArgument, "BadArguments")

	acl, err := zk.GetACL(ctx, &zkgatepb.GetACLRequest{Path: "/a"})
	if err != nil || len(acl.Acl) != 1 || !proto.Equal(acl.Acl[0], openACL[0]) || acl.Stat.Aversion != 0 {
		t.Fatalf("GetACL: %v %v", acl, err)
	}
	readOnly := []*zkgatepb.ACL{{Perms: int32(schema.PermRead), Scheme: "world", Id: "anyone"}}
	sa, err := zk.SetACL(ctx, &zkgatepb.SetACLRequest{Path: "/a/seq-0000000000", Acl: readOnly, Aversion: ptr[int32](0)})
	if err != nil || sa.Stat.Aversion != 1 {
		t.Fatalf("SetACL: %v %v", sa, err)
	}
	_, err = zk.SetData(ctx, &zkgatepb.SetDataRequest{Path: "/a/seq-0000000000", Data: []byte("x")})
	wantStatus(t, err, codes.PermissionDenied, "NoAuth")
	_, err = zk.SetACL(ctx, &zkgatepb.SetACLRequest{Path: "/a"})
	wantStatus(t, err, codes.InvalidArgument, "InvalidACL")

	_, err = zk.Delete(ctx, &zkgatepb.DeleteRequest{Path: "/a"})
	wantStatus(t, err, codes.FailedPrecondition, "NotEmpty")
	_, err = zk.Delete(ctx, &zkgatepb.DeleteRequest{Path: "/a/seq-0000000000", Version: ptr[int32](5)})
	wantStatus(t, err, codes.Aborted, "BadVersion")
	del, err := zk.Delete(ctx, &zkgatepb.DeleteRequest{Path: "/a/seq-0000000000"})
	if err != nil || del.Zxid <= sa.Zxid {
		t.Fatalf("Delete: %v %v", del, err)
	}

	sy, err := zk.Sync(ctx, &zkgatepb.SyncRequest{Path: "/a"})
	if err != nil || sy.Zxid < del.Zxid || sy.Path != "/a" {
		t.Fatalf("Sync: %v %v", sy, err)
	}

	mr, err := zk.Multi(ctx, &zkgatepb.MultiRequest{Ops: []*zkgatepb.Op{
		{Op: &zkgatepb.Op_Create{Create: &zkgatepb.CreateOp{Path: "/m", Data: []byte("1")}}},
		{Op: &zkgatepb.Op_SetData{SetData: &zkgatepb.SetDataOp{Path: "/m", Data: []byte("22"), Version: ptr[int32](0)}}},
		{Op: &zkgatepb.Op_Check{Check: &zkgatepb.CheckOp{Path: "/m", Version: ptr[int32](1)}}},
		{Op: &zkgatepb.Op_Delete{Delete: &zkgatepb.DeleteOp{Path: "/m"}}},
	}})
	if err != nil || mr.Error != nil || len(mr.Results) != 4 || mr.Zxid <= del.Zxid {
		t.Fatalf("Multi: %v %v", mr, err)
	}
	if c := mr.Results[0].GetCreate(); c == nil || c.Path != "/m" || c.Stat.Czxid != mr.Zxid {
		t.Fatalf("Multi create result %v", mr.Results[0])
	}
	if s := mr.Results[1].GetSetData(); s == nil || s.Stat.Version != 1 || s.Stat.DataLength != 2 {
		t.Fatalf("Multi setData result %v", mr.Results[1])
	}
	if mr.Results[2].GetCheck() == nil || mr.Results[3].GetDelete() == nil {
		t.Fatalf("Multi check/delete results %v", mr.Results)
	}
	if ex := ex0(t, zk, "/m"); ex != nil {
		t.Fatalf("/m survived the multi that deleted it: %v", ex)
	}

	cl, err := zk.CloseSession(ctx, &zkgatepb.CloseSessionRequest{SessionId: sess.SessionId, Password: sess.Password})
	if err != nil || cl.Zxid <= mr.Zxid {
		t.Fatalf("CloseSession: %v %v", cl, err)
	}
	if ex := ex0(t, zk, "/a/e"); ex != nil {
		t.Fatalf("ephemeral survived its session: %v", ex)
	}
}

// ex0 is the Stat of path, nil if it does not exist.
func ex0(t *testing.T, zk zkgatepb.NamespaceClient, path string) *zkgatepb.Stat {
	t.Helper()
	ex, err := zk.Exists(apiCtx(t), &zkgatepb.ExistsRequest{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	if !ex.Found {
		return nil
	}
	return ex.Stat
}

func TestGRPC_Sessions(t *testing.T) {
	t.Parallel()
	r := startAPI(t)
	ctx := apiCtx(t)
	zk := r.zk

	sess, err := zk.CreateSession(ctx, &zkgatepb.CreateSessionRequest{TimeoutMs: 1})
	if err != nil {
		t.Fatal(err)
	}
	// The timeout is clamped to the configured minimum.
	if sess.TimeoutMs != int32(gateway.DefaultMinSessionTimeout/time.Millisecond) {
		t.Fatalf("negotiated timeout %d", sess.TimeoutMs)
	}
	in := &zkgatepb.RequestContext{SessionId: sess.SessionId, SessionPassword: sess.Password}
	if _, err := zk.Create(ctx, &zkgatepb.CreateRequest{Path: "/parent"}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/parent/e1", "/parent/e2"} {
		if _, err := zk.Create(ctx, &zkgatepb.CreateRequest{Ctx: in, Path: p, Mode: zkgatepb.CreateMode_CREATE_MODE_EPHEMERAL}); err != nil {
			t.Fatal(err)
		}
	}
	// Ephemerals need a session.
	_, err = zk.Create(ctx, &zkgatepb.CreateRequest{Path: "/parent/e3", Mode: zkgatepb.CreateMode_CREATE_MODE_EPHEMERAL})
	wantStatus(t, err, codes.InvalidArgument, "BadArguments")
	// Nor can a node be put under an ephemeral.
	_, err = zk.Create(ctx, &zkgatepb.CreateRequest{Path: "/parent/e1/c"})
	wantStatus(t, err, codes.FailedPrecondition, "NoChildrenForEphemerals")

	if _, err := zk.KeepAlive(ctx, &zkgatepb.KeepAliveRequest{SessionId: sess.SessionId, Password: sess.Password}); err != nil {
		t.Fatal(err)
	}
	before := ex0(t, zk, "/parent")
	cl, err := zk.CloseSession(ctx, &zkgatepb.CloseSessionRequest{SessionId: sess.SessionId, Password: sess.Password})
	if err != nil {
		t.Fatal(err)
	}
	// The ephemerals are gone when CloseSession returns, and the parent
	// counts their removal as deletes would.
	kids, err := zk.GetChildren(ctx, &zkgatepb.GetChildrenRequest{Path: "/parent", Ctx: &zkgatepb.RequestContext{MinZxid: cl.Zxid}})
	if err != nil || len(kids.Children) != 0 {
		t.Fatalf("children after close: %v %v", kids, err)
	}
	if kids.Stat.NumChildren != 0 || kids.Stat.Cversion != before.Cversion+2 || kids.Stat.Pzxid != cl.Zxid {
		t.Fatalf("parent after close: %v (before %v)", kids.Stat, before)
	}

	// The session is over for every use.
	_, err = zk.KeepAlive(ctx, &zkgatepb.KeepAliveRequest{SessionId: sess.SessionId, Password: sess.Password})
	wantStatus(t, err, codes.FailedPrecondition, "SessionExpired")
	_, err = zk.Create(ctx, &zkgatepb.CreateRequest{Ctx: in, Path: "/parent/late", Mode: zkgatepb.CreateMode_CREATE_MODE_EPHEMERAL})
	wantStatus(t, err, codes.FailedPrecondition, "SessionExpired")
	_, err = zk.CloseSession(ctx, &zkgatepb.CloseSessionRequest{SessionId: sess.SessionId, Password: sess.Password})
	wantStatus(t, err, codes.FailedPrecondition, "SessionExpired")
	// A multi on it fails as a request, not op by op.
	_, err = zk.Multi(ctx, &zkgatepb.MultiRequest{Ctx: in, Ops: []*zkgatepb.Op{{Op: &zkgatepb.Op_Check{Check: &zkgatepb.CheckOp{Path: "/parent"}}}}})
	wantStatus(t, err, codes.FailedPrecondition, "SessionExpired")
}

func TestGRPC_ACL(t *testing.T) {
	t.Parallel()
	r := startAPI(t)
	ctx := apiCtx(t)
	zk := r.zk
	bob := &zkgatepb.RequestContext{Auth: []*zkgatepb.AuthInfo{digest("bob", "secret")}}

	// "auth" expands to the caller's digest identity, given for this
	// request only.
	authACL := []*zkgatepb.ACL{{Perms: int32(schema.PermAll), Scheme: "auth"}}
	if _, err := zk.Create(ctx, &zkgatepb.CreateRequest{Ctx: bob, Path: "/secret", Data: []byte("s3"), Acl: authACL}); err != nil {
		t.Fatal(err)
	}
	acl, err := zk.GetACL(ctx, &zkgatepb.GetACLRequest{Ctx: bob, Path: "/secret"})
	if err != nil || len(acl.Acl) != 1 || acl.Acl[0].Scheme != "digest" || !strings.HasPrefix(acl.Acl[0].Id, "bob:") || acl.Acl[0].Id == "bob:x" {
		t.Fatalf("GetACL as bob: %v %v", acl, err)
	}
	if gd, err := zk.GetData(ctx, &zkgatepb.GetDataRequest{Ctx: bob, Path: "/secret"}); err != nil || string(gd.Data) != "s3" {
		t.Fatalf("GetData as bob: %v %v", gd, err)
	}

	// Denied: no credentials, wrong ones; the error names NoAuth.
	for _, rc := range []*zkgatepb.RequestContext{nil, {Auth: []*zkgatepb.AuthInfo{digest("bob", "guess")}}} {
		_, err := zk.GetData(ctx, &zkgatepb.GetDataRequest{Ctx: rc, Path: "/secret"})
		ze := wantStatus(t, err, codes.PermissionDenied, "NoAuth")
		if !errors.Is(ze, schema.ErrNoAuth) || ze.Path != "/secret" {
			t.Fatalf("NoAuth error %+v", ze)
		}
		info := errorInfo(status.Convert(err))
		if info.Metadata["code"] != "-102" || info.Metadata["path"] != "/secret" {
			t.Fatalf("ErrorInfo metadata %v", info.Metadata)
		}
		_, err = zk.SetData(ctx, &zkgatepb.SetDataRequest{Ctx: rc, Path: "/secret", Data: []byte("x")})
		wantStatus(t, err, codes.PermissionDenied, "NoAuth")
	}
	// Exists needs no permission.
	if st := ex0(t, zk, "/secret"); st == nil || st.DataLength != 2 {
		t.Fatalf("Exists: %v", st)
	}
	// "auth" without an authenticated identity is an invalid ACL.
	_, err = zk.Create(ctx, &zkgatepb.CreateRequest{Path: "/noauth", Acl: authACL})
	wantStatus(t, err, codes.InvalidArgument, "InvalidACL")
	// An unsupported scheme fails the request, as addAuth would.
	_, err = zk.GetData(ctx, &zkgatepb.GetDataRequest{Path: "/", Ctx: &zkgatepb.RequestContext{Auth: []*zkgatepb.AuthInfo{{Scheme: "sasl", Credentials: []byte("x")}}}})
	wantStatus(t, err, codes.Unauthenticated, "AuthFailed")

	// The gRPC connection's address is an ip identity.
	ipACL := []*zkgatepb.ACL{{Perms: int32(schema.PermAll), Scheme: "ip", Id: "127.0.0.1"}}
	if _, err := zk.Create(ctx, &zkgatepb.CreateRequest{Path: "/local", Data: []byte("l"), Acl: ipACL}); err != nil {
		t.Fatal(err)
	}
	if _, err := zk.GetData(ctx, &zkgatepb.GetDataRequest{Path: "/local"}); err != nil {
		t.Fatalf("GetData from 127.0.0.1 with ACL ip:127.0.0.1: %v", err)
	}
	if _, err := zk.GetData(ctx, &zkgatepb.GetDataRequest{Path: "/local", Ctx: &zkgatepb.RequestContext{Auth: []*zkgatepb.AuthInfo{{Scheme: "ip"}}}}); err != nil {
		t.Fatalf("GetData with addAuth ip: %v", err)
	}
}

func TestGRPC_MultiFailure(t *testing.T) {
	t.Parallel()
	r := startAPI(t)
	ctx := apiCtx(t)
	zk := r.zk
	if _, err := zk.Create(ctx, &zkgatepb.CreateRequest{Path: "/exists"}); err != nil {
		t.Fatal(err)
	}

	mr, err := zk.Multi(ctx, &zkgatepb.MultiRequest{Ops: []*zkgatepb.Op{
		{Op: &zkgatepb.Op_Create{Create: &zkgatepb.CreateOp{Path: "/m1"}}},
		{Op: &zkgatepb.Op_Create{Create: &zkgatepb.CreateOp{Path: "/exists"}}},
		{Op: &zkgatepb.Op_SetData{SetData: &zkgatepb.SetDataOp{Path: "/m1", Data: []byte("x")}}},
	}})
	if err != nil {
		t.Fatalf("a failed multi is not a gRPC error: %v", err)
	}
	want := []*zkgatepb.KeeperError{
		{Code: 0, Name: "Ok", Message: "KeeperErrorCode = ok"},
		{Code: -110, Name: "NodeExists", Path: "/exists", Message: "KeeperErrorCode = NodeExists for /exists"},
		{Code: -2, Name: "RuntimeInconsistency", Message: "KeeperErrorCode = RuntimeInconsistency"},
	}
	if len(mr.Results) != len(want) {
		t.Fatalf("results %v", mr.Results)
	}
	for i, w := range want {
		if got := mr.Results[i].GetError(); !proto.Equal(got, w) {
			t.Errorf("result %d: %v, want %v", i, got, w)
		}
	}
	if !proto.Equal(mr.Error, want[1]) || mr.FailedOp != 1 || mr.Zxid == 0 {
		t.Fatalf("error %v failed_op %d zxid %d", mr.Error, mr.FailedOp, mr.Zxid)
	}
	// Nothing was applied.
	if st := ex0(t, zk, "/m1"); st != nil {
		t.Fatalf("/m1 exists after a failed multi: %v", st)
	}

	// A check that fails, first.
	mr, err = zk.Multi(ctx, &zkgatepb.MultiRequest{Ops: []*zkgatepb.Op{
		{Op: &zkgatepb.Op_Check{Check: &zkgatepb.CheckOp{Path: "/exists", Version: ptr[int32](3)}}},
		{Op: &zkgatepb.Op_Delete{Delete: &zkgatepb.DeleteOp{Path: "/exists"}}},
	}})
	if err != nil || mr.FailedOp != 0 || mr.Error.GetName() != "BadVersion" || mr.Results[1].GetError().GetCode() != -2 {
		t.Fatalf("failed check: %v %v", mr, err)
	}

	// A malformed request is an error of the request.
	_, err = zk.Multi(ctx, &zkgatepb.MultiRequest{Ops: []*zkgatepb.Op{{}}})
	wantStatus(t, err, codes.InvalidArgument, "BadArguments")

	// No ops: nothing to do, nothing fails.
	mr, err = zk.Multi(ctx, &zkgatepb.MultiRequest{})
	if err != nil || len(mr.Results) != 0 || mr.Error != nil {
		t.Fatalf("empty multi: %v %v", mr, err)
	}
}

func TestGRPC_MinZxid(t *testing.T) {
	t.Parallel()
	r := startAPI(t)
	ctx := apiCtx(t)
	zk := r.zk

	cr, err := zk.Create(ctx, &zkgatepb.CreateRequest{Path: "/z", Data: []byte("v1")})
	if err != nil {
		t.Fatal(err)
	}
	sd, err := zk.SetData(ctx, &zkgatepb.SetDataRequest{Path: "/z", Data: []byte("v2")})
	if err != nil {
		t.Fatal(err)
	}
	// Every read given the last zxid seen answers at or after it.
	seen := &zkgatepb.RequestContext{MinZxid: sd.Zxid}
	gd, err := zk.GetData(ctx, &zkgatepb.GetDataRequest{Ctx: seen, Path: "/z"})
	if err != nil || gd.Zxid < sd.Zxid || !bytes.Equal(gd.Data, []byte("v2")) || gd.Stat.Mzxid != sd.Zxid || gd.Stat.Czxid != cr.Zxid {
		t.Fatalf("GetData at min_zxid %d: %v %v", sd.Zxid, gd, err)
	}
	ex, err := zk.Exists(ctx, &zkgatepb.ExistsRequest{Ctx: seen, Path: "/z"})
	if err != nil || !ex.Found || ex.Zxid < sd.Zxid {
		t.Fatalf("Exists: %v %v", ex, err)
	}
	ch, err := zk.GetChildren(ctx, &zkgatepb.GetChildrenRequest{Ctx: seen, Path: "/"})
	if err != nil || ch.Zxid < sd.Zxid || !slices.Contains(ch.Children, "z") {
		t.Fatalf("GetChildren: %v %v", ch, err)
	}
	sy, err := zk.Sync(ctx, &zkgatepb.SyncRequest{Ctx: seen, Path: "/"})
	if err != nil || sy.Zxid < sd.Zxid {
		t.Fatalf("Sync: %v %v", sy, err)
	}

	// A zxid beyond anything the cluster has committed is never answered
	// with older state, nor waited for forever: it is refused at once.
	_, err = zk.GetData(ctx, &zkgatepb.GetDataRequest{Ctx: &zkgatepb.RequestContext{MinZxid: sy.Zxid + 1_000_000}, Path: "/z"})
	wantStatus(t, err, codes.InvalidArgument, "BadArguments")
}

// A Server registered before its Engine exists answers Unavailable.
func TestGRPC_NotReady(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := grpc.NewServer()
	srv := api.NewServer(nil)
	srv.NotReadyWait = 50 * time.Millisecond
	srv.Register(g)
	go g.Serve(l)
	t.Cleanup(g.Stop)
	conn, err := grpc.NewClient(l.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	zk := zkgatepb.NewNamespaceClient(conn)
	_, err = zk.GetData(apiCtx(t), &zkgatepb.GetDataRequest{Path: "/"})
	wantStatus(t, err, codes.Unavailable, "ConnectionLoss")
	_, err = zk.CreateSession(apiCtx(t), &zkgatepb.CreateSessionRequest{})
	wantStatus(t, err, codes.Unavailable, "ConnectionLoss")
}

// A watch stream gets only the events of nodes its caller may read (the
// parent for NodeChildrenChanged), as a ZooKeeper connection does.
func TestGRPC_WatchOnlyWhatTheCallerMayRead(t *testing.T) {
	t.Parallel()
	r := startAPI(t)
	ctx := apiCtx(t)
	zk := r.zk
	bob := &zkgatepb.RequestContext{Auth: []*zkgatepb.AuthInfo{digest("bob", "secret")}}
	authACL := []*zkgatepb.ACL{{Perms: int32(schema.PermAll), Scheme: "auth"}}
	openACL := []*zkgatepb.ACL{{Perms: int32(schema.PermAll), Scheme: "world", Id: "anyone"}}
	if _, err := zk.Create(ctx, &zkgatepb.CreateRequest{Ctx: bob, Path: "/w", Acl: openACL}); err != nil {
		t.Fatal(err)
	}
	watch := func(rc *zkgatepb.RequestContext) zkgatepb.Namespace_WatchClient {
		st, err := zk.Watch(ctx, &zkgatepb.WatchRequest{Ctx: rc, Path: "/w", Mode: zkgatepb.WatchMode_WATCH_MODE_PERSISTENT_RECURSIVE})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Recv(); err != nil { // the first answer: the zxid it counts from
			t.Fatal(err)
		}
		return st
	}
	stranger, owner := watch(nil), watch(bob)
	if _, err := zk.Create(ctx, &zkgatepb.CreateRequest{Ctx: bob, Path: "/w/secret", Acl: authACL}); err != nil {
		t.Fatal(err)
	}
	if _, err := zk.Create(ctx, &zkgatepb.CreateRequest{Ctx: bob, Path: "/w/open", Acl: openACL}); err != nil {
		t.Fatal(err)
	}
	next := func(st zkgatepb.Namespace_WatchClient) string {
		resp, err := st.Recv()
		if err != nil {
			t.Fatal(err)
		}
		return resp.GetEvent().GetType().String() + " " + resp.GetEvent().GetPath()
	}
	if a, b := next(owner), next(owner); !strings.HasSuffix(a, " /w/secret") || !strings.HasSuffix(b, " /w/open") {
		t.Fatalf("owner's events %q, %q", a, b)
	}
	if a := next(stranger); !strings.HasSuffix(a, " /w/open") {
		t.Fatalf("stranger's first event %q, want the one of /w/open", a)
	}
}
