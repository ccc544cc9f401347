package api

import (
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"

	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/schema"
	"github.com/zkgate/zkgate/schema/zkgatepb"
)

// Server serves the Namespace gRPC service of schema/zkgatepb over a
// gateway.Engine. It is a thin translation: each RPC builds a
// gateway.Caller from the request's RequestContext, calls the Engine
// method of the same name and converts the result; errors become gRPC statuses through the one table
// in schema/status.go. All its methods are safe for concurrent use.
//
// A Server may be registered before its Engine exists, which is what an
// embedded etcd needs: embed.Config.ServiceRegister runs while etcd
// starts, and the Engine can only start once etcd serves. Register a
// Server made with NewServer(nil) and hand it the Engine with SetEngine;
// until then an RPC waits for it up to NotReadyWait (the etcd port may
// accept calls a moment before the engine is up) and then fails with
// Unavailable (ConnectionLoss).
type Server struct {
	zkgatepb.UnimplementedNamespaceServer
	engine atomic.Pointer[gateway.Engine]
	ready  chan struct{} // closed by the first SetEngine
	once   sync.Once

	// NotReadyWait bounds how long an RPC waits for the gateway.Engine.
	NotReadyWait time.Duration
}

// NewServer returns a Server over e, which may be nil (see SetEngine).
func NewServer(e *gateway.Engine) *Server {
	s := &Server{ready: make(chan struct{}), NotReadyWait: 5 * time.Second}
	if e != nil {
		s.SetEngine(e)
	}
	return s
}

// SetEngine sets (or replaces) the Engine the Server serves.
func (s *Server) SetEngine(e *gateway.Engine) {
	s.engine.Store(e)
	s.once.Do(func() { close(s.ready) })
}

// engineOrWait returns the Engine, waiting for it a little if need be.
func (s *Server) engineOrWait(ctx context.Context) *gateway.Engine {
	if e := s.engine.Load(); e != nil {
		return e
	}
	t := time.NewTimer(s.NotReadyWait)
	defer t.Stop()
	select {
	case <-s.ready:
		return s.engine.Load()
	case <-t.C:
	case <-ctx.Done():
	}
	return nil
}

// Register registers the Namespace service on g. It may be called for
// several gRPC servers (etcd builds one per client listener), and fits
// embed.Config.ServiceRegister as it is.
func (s *Server) Register(g *grpc.Server) { zkgatepb.RegisterNamespaceServer(g, s) }

var _ zkgatepb.NamespaceServer = (*Server)(nil)

// Begin returns the Engine and the Caller of a request with context rc,
// waiting for the Engine as the Namespace RPCs do; an error is for Fail.
// Services built on the namespace (package recipes) start with it.
func (s *Server) Begin(ctx context.Context, rc *zkgatepb.RequestContext) (*gateway.Engine, gateway.Caller, error) {
	return s.begin(ctx, rc)
}

// Fail converts err to the gRPC status an RPC returns, as the Namespace
// RPCs do (the table in schema/status.go), logging errors that are not the
// client's doing.
func (s *Server) Fail(ctx context.Context, err error) error { return s.fail(ctx, err) }

// begin returns the Engine and the Caller of a request that is not a
// read of a znode, which cannot be asked at a past zxid.
func (s *Server) begin(ctx context.Context, rc *zkgatepb.RequestContext) (*gateway.Engine, gateway.Caller, error) {
	if rc.GetAtZxid() != 0 {
		method, _ := grpc.Method(ctx)
		return nil, gateway.Caller{}, schema.Errorf(schema.CodeBadArguments, "", "ctx.at_zxid is for reads of a znode (Exists, GetData, GetChildren, GetACL, GetAllChildrenNumber), not %s", method)
	}
	return s.beginRead(ctx, rc)
}

// beginRead is begin for a read of a znode, which ctx.at_zxid may ask at
// a past zxid.
func (s *Server) beginRead(ctx context.Context, rc *zkgatepb.RequestContext) (*gateway.Engine, gateway.Caller, error) {
	e := s.engineOrWait(ctx)
	if e == nil {
		return nil, gateway.Caller{}, errNotReady
	}
	c, err := rpcCaller(ctx, rc)
	return e, c, err
}

// fail converts err to the status the RPC returns, logging the errors
// that are not the client's doing.
func (s *Server) fail(ctx context.Context, err error) error {
	st, unexpected := schema.StatusFromError(notServing(err))
	if unexpected {
		lg := zap.NewNop()
		if e := s.engine.Load(); e != nil {
			lg = e.Logger()
		}
		method, _ := grpc.Method(ctx)
		lg.Warn("namespace request failed", zap.String("method", method), zap.Stringer("code", st.Code()), zap.Error(err))
	}
	return st.Err()
}

// errNotReady is returned by a Server that has no Engine yet.
var errNotReady = errors.New("gateway: namespace engine not started")

// notServing gives gateway.ErrClosed and errNotReady, which say that this node
// cannot serve now, the code ConnectionLoss, which schema.StatusFromError
// maps to Unavailable so that clients retry, on another node if need be.
// An error that carries a ZooKeeper code or is a context error keeps its
// own status, and every other error is returned as it is.
func notServing(err error) error {
	var ze *schema.Error
	switch {
	case errors.As(err, &ze) && ze != nil, errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case errors.Is(err, gateway.ErrClosed), errors.Is(err, errNotReady):
		return &schema.Error{Code: schema.CodeConnectionLoss, Msg: err.Error()}
	}
	return err
}

// rpcIPScheme is ZooKeeper's ip authentication scheme.
const rpcIPScheme = "ip"

// rpcCaller turns a RequestContext into a gateway.Caller: the session, the ip
// identity of the connection (as every ZooKeeper connection holds), the
// x509 identity of a verified client certificate (rpcX509) and one
// identity per AuthInfo, for this request only.
func rpcCaller(ctx context.Context, rc *zkgatepb.RequestContext) (gateway.Caller, error) {
	c := gateway.Caller{Session: rc.GetSessionId(), Password: rc.GetSessionPassword()}
	ip := rpcPeerIP(ctx)
	if ip != "" {
		id, err := schema.AuthFromCredentials(rpcIPScheme, nil, ip)
		if err != nil {
			return gateway.Caller{}, err
		}
		c.Auth = append(c.Auth, id)
	}
	x509 := rpcX509(ctx)
	if x509 != "" {
		c.Auth = append(c.Auth, schema.AuthID{Scheme: schema.SchemeX509, ID: x509})
	}
	for _, a := range rc.GetAuth() {
		if a.GetScheme() == schema.SchemeX509 {
			// As addauth x509 on ZooKeeper's secure port: the
			// verified client certificate, which the request holds
			// already; without one, AuthFailed.
			if x509 == "" {
				return gateway.Caller{}, schema.Errorf(schema.CodeAuthFailed, "", "x509 auth without a verified client certificate")
			}
			continue
		}
		id, err := schema.AuthFromCredentials(a.GetScheme(), a.GetCredentials(), ip)
		if err != nil {
			return gateway.Caller{}, err
		}
		c.Auth = append(c.Auth, id)
	}
	// A set, in ZooKeeper's order (an "auth" ACL expands in it).
	c.Auth = schema.AuthSetOrder(c.Auth)
	return c, nil
}

// rpcForwardedFor is the metadata key a proxy that relays a request (such as
// the HTTP/JSON gateway) sets to the address of its own client.
const rpcForwardedFor = "x-forwarded-for"

// rpcPeerIP is the address of the caller's connection, or "" when it is
// unknown or not the caller's: a relayed request's connection is the
// proxy's, and the address the proxy forwards cannot be trusted (any
// client can send that header), so such a request holds no ip identity.
func rpcPeerIP(ctx context.Context) string {
	if md, ok := metadata.FromIncomingContext(ctx); ok && len(md.Get(rpcForwardedFor)) > 0 {
		return ""
	}
	p, ok := peer.FromContext(ctx)
	if !ok || p.Addr == nil {
		return ""
	}
	if a, ok := p.Addr.(*net.TCPAddr); ok {
		return a.IP.String()
	}
	host, _, err := net.SplitHostPort(p.Addr.String())
	if err != nil || net.ParseIP(host) == nil {
		return ""
	}
	return host
}

// Sessions.

// CreateSession opens a session (gateway.Engine.CreateSession).
func (s *Server) CreateSession(ctx context.Context, req *zkgatepb.CreateSessionRequest) (*zkgatepb.CreateSessionResponse, error) {
	e := s.engineOrWait(ctx)
	if e == nil {
		return nil, s.fail(ctx, errNotReady)
	}
	sess, err := e.CreateSession(ctx, time.Duration(req.GetTimeoutMs())*time.Millisecond)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &zkgatepb.CreateSessionResponse{SessionId: sess.ID, Password: sess.Password, TimeoutMs: int32(sess.Timeout.Milliseconds())}, nil
}

// ResumeSession checks a session's password and renews it
// (gateway.Engine.ResumeSession).
func (s *Server) ResumeSession(ctx context.Context, req *zkgatepb.ResumeSessionRequest) (*zkgatepb.ResumeSessionResponse, error) {
	e := s.engineOrWait(ctx)
	if e == nil {
		return nil, s.fail(ctx, errNotReady)
	}
	sess, err := e.ResumeSession(ctx, req.GetSessionId(), req.GetPassword())
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &zkgatepb.ResumeSessionResponse{TimeoutMs: int32(sess.Timeout.Milliseconds())}, nil
}

// KeepAlive renews a session (gateway.Engine.KeepAlive).
func (s *Server) KeepAlive(ctx context.Context, req *zkgatepb.KeepAliveRequest) (*zkgatepb.KeepAliveResponse, error) {
	e := s.engineOrWait(ctx)
	if e == nil {
		return nil, s.fail(ctx, errNotReady)
	}
	if err := e.CheckSession(ctx, req.GetSessionId(), req.GetPassword()); err != nil {
		return nil, s.fail(ctx, err)
	}
	if err := e.KeepAlive(ctx, req.GetSessionId()); err != nil {
		return nil, s.fail(ctx, err)
	}
	return &zkgatepb.KeepAliveResponse{}, nil
}

// CloseSession ends a session (gateway.Engine.CloseSession).
func (s *Server) CloseSession(ctx context.Context, req *zkgatepb.CloseSessionRequest) (*zkgatepb.CloseSessionResponse, error) {
	e := s.engineOrWait(ctx)
	if e == nil {
		return nil, s.fail(ctx, errNotReady)
	}
	if err := e.CheckSession(ctx, req.GetSessionId(), req.GetPassword()); err != nil {
		return nil, s.fail(ctx, err)
	}
	zxid, err := e.CloseSession(ctx, req.GetSessionId())
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &zkgatepb.CloseSessionResponse{Zxid: zxid}, nil
}

// Writes.

// Create creates a znode (gateway.Engine.Create).
func (s *Server) Create(ctx context.Context, req *zkgatepb.CreateRequest) (*zkgatepb.CreateResponse, error) {
	e, c, err := s.begin(ctx, req.GetCtx())
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	op := rpcCreateOp(req.GetPath(), req.GetData(), req.GetAcl(), req.GetMode(), req.GetTtlMs())
	res, err := e.Create(ctx, c, *op)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &zkgatepb.CreateResponse{Path: res.Path, Stat: statPB(res.Stat), Zxid: res.Zxid}, nil
}

// Delete deletes a znode (gateway.Engine.Delete).
func (s *Server) Delete(ctx context.Context, req *zkgatepb.DeleteRequest) (*zkgatepb.DeleteResponse, error) {
	e, c, err := s.begin(ctx, req.GetCtx())
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	zxid, err := e.Delete(ctx, c, req.GetPath(), rpcVersion(req.Version))
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &zkgatepb.DeleteResponse{Zxid: zxid}, nil
}

// SetData replaces a znode's data (gateway.Engine.SetData).
func (s *Server) SetData(ctx context.Context, req *zkgatepb.SetDataRequest) (*zkgatepb.SetDataResponse, error) {
	e, c, err := s.begin(ctx, req.GetCtx())
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	res, err := e.SetData(ctx, c, req.GetPath(), req.GetData(), rpcVersion(req.Version))
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &zkgatepb.SetDataResponse{Stat: statPB(res.Stat), Zxid: res.Zxid}, nil
}

// SetACL replaces a znode's ACL (gateway.Engine.SetACL).
func (s *Server) SetACL(ctx context.Context, req *zkgatepb.SetACLRequest) (*zkgatepb.SetACLResponse, error) {
	e, c, err := s.begin(ctx, req.GetCtx())
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	res, err := e.SetACL(ctx, c, req.GetPath(), aclsFromPB(req.GetAcl()), rpcVersion(req.Aversion))
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &zkgatepb.SetACLResponse{Stat: statPB(res.Stat), Zxid: res.Zxid}, nil
}

// RaiseSequence raises a znode's next sequence number (gateway.Engine.RaiseSequence).
func (s *Server) RaiseSequence(ctx context.Context, req *zkgatepb.RaiseSequenceRequest) (*zkgatepb.RaiseSequenceResponse, error) {
	e, c, err := s.begin(ctx, req.GetCtx())
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	st, zxid, err := e.RaiseSequence(ctx, c, req.GetPath(), req.GetNextSequence())
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &zkgatepb.RaiseSequenceResponse{Stat: statPB(st), Zxid: zxid}, nil
}

// Reads.

// readOptions are the options of a read asked with rc: no older than the
// zxid the client has seen. The API sets no read watches (it has Watch).
func readOptions(rc *zkgatepb.RequestContext) gateway.ReadOptions {
	return gateway.ReadOptions{MinZxid: rc.GetMinZxid(), AtZxid: rc.GetAtZxid()}
}

// Exists returns a znode's Stat or found false (gateway.Engine.Exists).
func (s *Server) Exists(ctx context.Context, req *zkgatepb.ExistsRequest) (*zkgatepb.ExistsResponse, error) {
	e, c, err := s.beginRead(ctx, req.GetCtx())
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	res, err := e.Exists(ctx, c, req.GetPath(), readOptions(req.GetCtx()))
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &zkgatepb.ExistsResponse{Found: res.Found, Stat: statPB(res.Stat), Zxid: res.Zxid}, nil
}

// GetData returns a znode's data and Stat (gateway.Engine.GetData).
func (s *Server) GetData(ctx context.Context, req *zkgatepb.GetDataRequest) (*zkgatepb.GetDataResponse, error) {
	e, c, err := s.beginRead(ctx, req.GetCtx())
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	res, err := e.GetData(ctx, c, req.GetPath(), readOptions(req.GetCtx()))
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	out := &zkgatepb.GetDataResponse{Data: res.Data, Stat: statPB(res.Stat), Zxid: res.Zxid}
	switch res.Kind {
	case schema.KindContainer:
		out.Mode = zkgatepb.CreateMode_CREATE_MODE_CONTAINER.Enum()
	case schema.KindTTL:
		out.Mode, out.TtlMs = zkgatepb.CreateMode_CREATE_MODE_PERSISTENT_WITH_TTL.Enum(), &res.TTL
	}
	return out, nil
}

// GetChildren lists a znode's children (gateway.Engine.GetChildren).
func (s *Server) GetChildren(ctx context.Context, req *zkgatepb.GetChildrenRequest) (*zkgatepb.GetChildrenResponse, error) {
	e, c, err := s.beginRead(ctx, req.GetCtx())
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	res, err := e.GetChildren(ctx, c, req.GetPath(), readOptions(req.GetCtx()))
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &zkgatepb.GetChildrenResponse{Children: res.Children, Stat: statPB(res.Stat), Zxid: res.Zxid}, nil
}

// GetAllChildrenNumber counts a znode's descendants
// (gateway.Engine.GetAllChildrenNumber).
func (s *Server) GetAllChildrenNumber(ctx context.Context, req *zkgatepb.GetAllChildrenNumberRequest) (*zkgatepb.GetAllChildrenNumberResponse, error) {
	e, c, err := s.beginRead(ctx, req.GetCtx())
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	res, err := e.GetAllChildrenNumber(ctx, c, req.GetPath(), readOptions(req.GetCtx()))
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &zkgatepb.GetAllChildrenNumberResponse{TotalNumber: res.Count, Zxid: res.Zxid}, nil
}

// GetEphemerals lists the session's ephemerals (gateway.Engine.GetEphemerals).
func (s *Server) GetEphemerals(ctx context.Context, req *zkgatepb.GetEphemeralsRequest) (*zkgatepb.GetEphemeralsResponse, error) {
	e, c, err := s.begin(ctx, req.GetCtx())
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	res, err := e.GetEphemerals(ctx, c, req.GetPrefix(), readOptions(req.GetCtx()))
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &zkgatepb.GetEphemeralsResponse{Paths: res.Paths, Zxid: res.Zxid}, nil
}

// Sync returns an up-to-date zxid (gateway.Engine.Sync).
func (s *Server) Sync(ctx context.Context, req *zkgatepb.SyncRequest) (*zkgatepb.SyncResponse, error) {
	e, c, err := s.begin(ctx, req.GetCtx())
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	zxid, err := e.Sync(ctx, c, req.GetPath())
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &zkgatepb.SyncResponse{Path: req.GetPath(), Zxid: zxid}, nil
}

// GetACL returns a znode's ACL and Stat (gateway.Engine.GetACL).
func (s *Server) GetACL(ctx context.Context, req *zkgatepb.GetACLRequest) (*zkgatepb.GetACLResponse, error) {
	e, c, err := s.beginRead(ctx, req.GetCtx())
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	res, err := e.GetACL(ctx, c, req.GetPath(), readOptions(req.GetCtx()))
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &zkgatepb.GetACLResponse{Acl: aclsPB(res.ACL), Stat: statPB(res.Stat), Zxid: res.Zxid}, nil
}

// Multi.

// Multi applies ops atomically (gateway.Engine.Multi). A failure of one of the
// ops is reported in the response, not as a gRPC error; see the proto.
func (s *Server) Multi(ctx context.Context, req *zkgatepb.MultiRequest) (*zkgatepb.MultiResponse, error) {
	e, c, err := s.begin(ctx, req.GetCtx())
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	ops := make([]gateway.Op, len(req.GetOps()))
	for i, o := range req.GetOps() {
		switch o := o.GetOp().(type) {
		case *zkgatepb.Op_Create:
			ops[i] = rpcCreateOp(o.Create.GetPath(), o.Create.GetData(), o.Create.GetAcl(), o.Create.GetMode(), o.Create.GetTtlMs())
		case *zkgatepb.Op_Delete:
			ops[i] = &gateway.DeleteOp{Path: o.Delete.GetPath(), Version: rpcVersion(o.Delete.Version)}
		case *zkgatepb.Op_SetData:
			ops[i] = &gateway.SetDataOp{Path: o.SetData.GetPath(), Data: o.SetData.GetData(), Version: rpcVersion(o.SetData.Version)}
		case *zkgatepb.Op_Check:
			ops[i] = &gateway.CheckOp{Path: o.Check.GetPath(), Version: rpcVersion(o.Check.Version)}
		default:
			return nil, s.fail(ctx, schema.Errorf(schema.CodeBadArguments, "", "op %d of the multi has no operation set", i))
		}
	}
	results, zxid, err := e.Multi(ctx, c, ops)
	if err != nil && !multiOpFailure(err, results, len(ops)) {
		return nil, s.fail(ctx, err)
	}
	if len(results) != len(ops) {
		return nil, s.fail(ctx, schema.Errorf(schema.CodeSystemError, "", "multi of %d ops returned %d results", len(ops), len(results)))
	}
	resp := &zkgatepb.MultiResponse{Results: make([]*zkgatepb.OpResult, len(ops)), Zxid: zxid}
	if err != nil {
		resp.Error = keeperErrorPB(err)
		resp.FailedOp = -1
		for i, r := range results {
			resp.Results[i] = &zkgatepb.OpResult{Result: &zkgatepb.OpResult_Error{Error: keeperErrorPB(r.Err)}}
			if resp.FailedOp < 0 && schema.CodeOf(r.Err) != schema.CodeOK {
				resp.FailedOp = int32(i)
			}
		}
		return resp, nil
	}
	for i, r := range results {
		var out zkgatepb.OpResult
		switch ops[i].(type) {
		case *gateway.CreateOp:
			out.Result = &zkgatepb.OpResult_Create{Create: &zkgatepb.CreateResult{Path: r.Path, Stat: statPtrPB(r.Stat)}}
		case *gateway.DeleteOp:
			out.Result = &zkgatepb.OpResult_Delete{Delete: &zkgatepb.DeleteResult{}}
		case *gateway.SetDataOp:
			out.Result = &zkgatepb.OpResult_SetData{SetData: &zkgatepb.SetDataResult{Stat: statPtrPB(r.Stat)}}
		case *gateway.CheckOp:
			out.Result = &zkgatepb.OpResult_Check{Check: &zkgatepb.CheckResult{}}
		}
		resp.Results[i] = &out
	}
	return resp, nil
}

// multiOpFailure reports whether a Multi's error is the failure of one of its
// ops, which the response reports op by op, rather than an error of the
// request as a whole. An expired session is the latter, though the Engine
// reports it against the first op: ZooKeeper answers it for the request
// (and closes the connection), never in a multi's results.
func multiOpFailure(err error, results []gateway.OpResult, n int) bool {
	var ze *schema.Error
	return n > 0 && len(results) == n && errors.As(err, &ze) && ze.Code != schema.CodeSessionExpired
}

// Conversions.

// rpcCreateOp builds a gateway.CreateOp. An empty ACL is OPEN_ACL_UNSAFE, as zkCli's
// create gives a node without -a.
func rpcCreateOp(path string, data []byte, acl []*zkgatepb.ACL, mode zkgatepb.CreateMode, ttlMs int64) *gateway.CreateOp {
	op := &gateway.CreateOp{Path: path, Data: data, ACL: aclsFromPB(acl), Mode: gateway.CreateMode(mode), TTL: gateway.TTLMillis(ttlMs)}
	if len(op.ACL) == 0 {
		op.ACL = schema.OpenACLUnsafe
	}
	return op
}

// rpcVersion is an optional version: absent is AnyVersion.
func rpcVersion(v *int32) int32 {
	if v == nil {
		return gateway.AnyVersion
	}
	return *v
}

func statPB(s schema.Stat) *zkgatepb.Stat {
	return &zkgatepb.Stat{
		Czxid:          s.Czxid,
		Mzxid:          s.Mzxid,
		Ctime:          s.Ctime,
		Mtime:          s.Mtime,
		Version:        s.Version,
		Cversion:       s.Cversion,
		Aversion:       s.Aversion,
		EphemeralOwner: s.EphemeralOwner,
		DataLength:     s.DataLength,
		NumChildren:    s.NumChildren,
		Pzxid:          s.Pzxid,
	}
}

func statPtrPB(s *schema.Stat) *zkgatepb.Stat {
	if s == nil {
		return &zkgatepb.Stat{}
	}
	return statPB(*s)
}

func aclsPB(acls []schema.ACL) []*zkgatepb.ACL {
	out := make([]*zkgatepb.ACL, len(acls))
	for i, a := range acls {
		out[i] = &zkgatepb.ACL{Perms: int32(a.Perms), Scheme: a.ID.Scheme, Id: a.ID.ID}
	}
	return out
}

func aclsFromPB(acls []*zkgatepb.ACL) []schema.ACL {
	if len(acls) == 0 {
		return nil
	}
	out := make([]schema.ACL, len(acls))
	for i, a := range acls {
		out[i] = schema.ACL{Perms: schema.Perm(a.GetPerms()), ID: schema.ID{Scheme: a.GetScheme(), ID: a.GetId()}}
	}
	return out
}

// keeperErrorPB is err as a KeeperError value.
func keeperErrorPB(err error) *zkgatepb.KeeperError {
	code := schema.CodeOf(err)
	ke := &zkgatepb.KeeperError{Code: int32(code), Name: code.String()}
	var ze *schema.Error
	if errors.As(err, &ze) && ze != nil {
		ke.Path = ze.Path
		ke.Message = ze.Error()
	} else if err != nil {
		ke.Message = err.Error()
	}
	return ke
}
