package node

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/auth"
	"go.etcd.io/etcd/server/v3/etcdserver"
	"go.etcd.io/etcd/server/v3/etcdserver/api/v3rpc"
	"go.etcd.io/etcd/server/v3/lease"
	"go.etcd.io/etcd/server/v3/proxy/grpcproxy/adapter"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
)

// newInProcessClient is etcd's v3client.New (a clientv3 client whose calls
// are direct function calls into the member) with an identity: every
// request carries the auth token of user, obtained from the member and
// renewed when it expires or the member's auth revision moves on, so the
// namespace keeps working when etcd authentication is enabled. With user
// empty the requests are anonymous. It returns the client's KV service
// too (gateway.Config.KVClient), for transactions sent as built, and a
// lease renewal that calls the member's own (gateway.Config.LeaseRenew)
// with that identity, without a keep-alive stream for each.
//
// Whatever the context of a call carries from the namespace client that
// caused it (gRPC metadata with a token, a TLS peer whose certificate
// names an etcd user) is replaced: the namespace acts as its own etcd
// identity, never as its caller's.
func newInProcessClient(s *etcdserver.EtcdServer, user, password string, lg *zap.Logger) (*clientv3.Client, pb.KVClient, func(context.Context, int64) (int64, error)) {
	id := &identity{s: s, user: user, password: password, lg: lg}
	c := clientv3.NewCtxClient(context.Background(), clientv3.WithZapLogger(s.Logger()))
	kv := adapter.KvServerToKvClient(&authKV{v3rpc.NewQuotaKVServer(s), id})
	c.KV = clientv3.NewKVFromKVClient(kv, c)
	c.Lease = clientv3.NewLeaseFromLeaseClient(adapter.LeaseServerToLeaseClient(&authLease{v3rpc.NewQuotaLeaseServer(s), id}), c, time.Second)
	c.Watcher = &watchWrapper{clientv3.NewWatchFromWatchClient(adapter.WatchServerToWatchClient(&authWatch{v3rpc.NewWatchServer(s), id}), c)}
	c.Maintenance = clientv3.NewMaintenanceFromMaintenanceClient(adapter.MaintenanceServerToMaintenanceClient(v3rpc.NewMaintenanceServer(s, nil)), c)
	c.Cluster = clientv3.NewClusterFromClusterClient(adapter.ClusterServerToClusterClient(v3rpc.NewClusterServer(s)), c)
	c.Auth = clientv3.NewAuthFromAuthClient(adapter.AuthServerToAuthClient(v3rpc.NewAuthServer(s)), c)
	renew := func(ctx context.Context, leaseID int64) (int64, error) {
		ctx, err := id.ctx(ctx)
		if err != nil {
			return 0, err
		}
		ttl, err := s.LeaseRenew(ctx, lease.LeaseID(leaseID))
		if errors.Is(err, lease.ErrLeaseNotFound) {
			// As the client library reports it.
			return 0, rpctypes.ErrLeaseNotFound
		}
		return ttl, err
	}
	return c, kv, renew
}

// identity holds the namespace's etcd auth token.
type identity struct {
	s              *etcdserver.EtcdServer
	user, password string
	lg             *zap.Logger

	mu         sync.Mutex
	token      string
	warnedAnon bool
	// failed and failErr hold back authenticating again for a second
	// after a refusal (a wrong password), so that a burst of requests
	// does not become a burst of password checks.
	failed  time.Time
	failErr error
}

// anonymousPeer replaces the caller's peer, so that etcd never takes a
// client certificate's common name for the namespace's identity.
var anonymousPeer = &peer.Peer{}

// ctx returns ctx carrying the namespace's identity: a valid token when
// etcd authentication is enabled and a user is configured, else nothing.
func (id *identity) ctx(ctx context.Context) (context.Context, error) {
	ctx = peer.NewContext(ctx, anonymousPeer)
	as := id.s.AuthStore()
	if !as.IsAuthEnabled() {
		return metadata.NewIncomingContext(ctx, metadata.MD{}), nil
	}
	if id.user == "" {
		id.mu.Lock()
		if !id.warnedAnon {
			id.warnedAnon = true
			id.lg.Error("etcd authentication is enabled but no --etcd-user is set: the namespace's requests to etcd are refused")
		}
		id.mu.Unlock()
		return metadata.NewIncomingContext(ctx, metadata.MD{}), nil
	}
	tok, err := id.validToken(ctx)
	if err != nil {
		return nil, err
	}
	if tok == "" { // auth was turned off meanwhile
		return metadata.NewIncomingContext(ctx, metadata.MD{}), nil
	}
	return metadata.NewIncomingContext(ctx, metadata.Pairs(rpctypes.TokenFieldNameGRPC, tok)), nil
}

// validToken returns the cached token if the member still accepts it,
// else authenticates again (one caller at a time; the others wait for
// its token).
func (id *identity) validToken(ctx context.Context) (string, error) {
	if err := ctx.Err(); err != nil {
		// The caller is gone (a renewal stream that ended asks for its
		// context once more): it needs no token, and its context cannot
		// tell a valid token from an invalid one (etcd reports a simple
		// token invalid when the context it checks it with is done).
		return "", err
	}
	id.mu.Lock()
	defer id.mu.Unlock()
	as := id.s.AuthStore()
	if id.token != "" {
		vctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), authTimeout)
		tctx := metadata.NewIncomingContext(vctx, metadata.Pairs(rpctypes.TokenFieldNameGRPC, id.token))
		ai, err := as.AuthInfoFromCtx(tctx)
		cancel()
		if err == nil && ai != nil && ai.Revision >= as.Revision() {
			return id.token, nil
		}
	}
	id.token = ""
	if id.failErr != nil && time.Since(id.failed) < authRetryDelay {
		return "", id.failErr
	}
	// The token serves every caller, not only this one: a caller that
	// gives up (a renewal stream that ends, a probe's short deadline)
	// must not cancel an authentication the next callers would wait
	// for again (a password check is slow on purpose).
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), authTimeout)
	defer cancel()
	resp, err := id.s.Authenticate(actx, &pb.AuthenticateRequest{Name: id.user, Password: id.password})
	switch {
	case errors.Is(err, auth.ErrAuthNotEnabled):
		return "", nil
	case err != nil:
		err = fmt.Errorf("authenticating to etcd as %q: %w", id.user, err)
		id.failed, id.failErr = time.Now(), err
		return "", err
	}
	id.failErr = nil
	id.token = resp.Token
	return id.token, nil
}

// authRetryDelay is how long a refused authentication is not tried again.
const authRetryDelay = time.Second

// authTimeout bounds one authentication, whoever asked for it.
const authTimeout = 10 * time.Second

// forget drops the cached token after the member refused it.
func (id *identity) forget() {
	id.mu.Lock()
	id.token = ""
	id.mu.Unlock()
}

// retryable reports whether err is a refusal of the identity itself
// (token expired or outdated, auth turned on meanwhile), which etcd
// returns before applying anything, so the request may be sent again
// with a fresh token.
func retryable(err error) bool {
	if err == nil {
		return false
	}
	e := rpctypes.Error(err)
	return errors.Is(e, rpctypes.ErrInvalidAuthToken) || errors.Is(e, rpctypes.ErrAuthOldRevision) || errors.Is(e, rpctypes.ErrUserEmpty)
}

// unary runs call with the identity, once more with a fresh token if the
// member refused the first.
func unary[Req, Resp any](id *identity, ctx context.Context, req Req, call func(context.Context, Req) (Resp, error)) (Resp, error) {
	var zero Resp
	for attempt := 0; ; attempt++ {
		ictx, err := id.ctx(ctx)
		if err != nil {
			return zero, err
		}
		resp, err := call(ictx, req)
		if attempt == 0 && retryable(err) && id.user != "" {
			id.forget()
			continue
		}
		return resp, err
	}
}

type authKV struct {
	pb.KVServer
	id *identity
}

func (a *authKV) Range(ctx context.Context, r *pb.RangeRequest) (*pb.RangeResponse, error) {
	return unary(a.id, ctx, r, a.KVServer.Range)
}

func (a *authKV) Put(ctx context.Context, r *pb.PutRequest) (*pb.PutResponse, error) {
	return unary(a.id, ctx, r, a.KVServer.Put)
}

func (a *authKV) DeleteRange(ctx context.Context, r *pb.DeleteRangeRequest) (*pb.DeleteRangeResponse, error) {
	return unary(a.id, ctx, r, a.KVServer.DeleteRange)
}

func (a *authKV) Txn(ctx context.Context, r *pb.TxnRequest) (*pb.TxnResponse, error) {
	return unary(a.id, ctx, r, a.KVServer.Txn)
}

func (a *authKV) Compact(ctx context.Context, r *pb.CompactionRequest) (*pb.CompactionResponse, error) {
	return unary(a.id, ctx, r, a.KVServer.Compact)
}

func (a *authKV) RangeStream(r *pb.RangeRequest, s grpc.ServerStreamingServer[pb.RangeStreamResponse]) error {
	return a.KVServer.RangeStream(r, &authStream[pb.RangeStreamResponse]{s, a.id})
}

type authLease struct {
	pb.LeaseServer
	id *identity
}

func (a *authLease) LeaseGrant(ctx context.Context, r *pb.LeaseGrantRequest) (*pb.LeaseGrantResponse, error) {
	return unary(a.id, ctx, r, a.LeaseServer.LeaseGrant)
}

func (a *authLease) LeaseRevoke(ctx context.Context, r *pb.LeaseRevokeRequest) (*pb.LeaseRevokeResponse, error) {
	return unary(a.id, ctx, r, a.LeaseServer.LeaseRevoke)
}

func (a *authLease) LeaseTimeToLive(ctx context.Context, r *pb.LeaseTimeToLiveRequest) (*pb.LeaseTimeToLiveResponse, error) {
	return unary(a.id, ctx, r, a.LeaseServer.LeaseTimeToLive)
}

func (a *authLease) LeaseLeases(ctx context.Context, r *pb.LeaseLeasesRequest) (*pb.LeaseLeasesResponse, error) {
	return unary(a.id, ctx, r, a.LeaseServer.LeaseLeases)
}

// LeaseKeepAlive checks the identity of each renewal through the
// stream's context, which carries a valid token every time it is asked
// for.
func (a *authLease) LeaseKeepAlive(s grpc.BidiStreamingServer[pb.LeaseKeepAliveRequest, pb.LeaseKeepAliveResponse]) error {
	return a.LeaseServer.LeaseKeepAlive(&authBidi[pb.LeaseKeepAliveRequest, pb.LeaseKeepAliveResponse]{s, a.id})
}

type authWatch struct {
	pb.WatchServer
	id *identity
}

// Watch checks each new watch against the identity in the stream's
// context, as LeaseKeepAlive does.
func (a *authWatch) Watch(s grpc.BidiStreamingServer[pb.WatchRequest, pb.WatchResponse]) error {
	return a.WatchServer.Watch(&authBidi[pb.WatchRequest, pb.WatchResponse]{s, a.id})
}

// authBidi and authStream give a server stream the identity: etcd reads
// the stream's context for every request that needs permission.
type authBidi[Req, Resp any] struct {
	grpc.BidiStreamingServer[Req, Resp]
	id *identity
}

func (s *authBidi[Req, Resp]) Context() context.Context {
	return streamCtx(s.id, s.BidiStreamingServer.Context())
}

type authStream[Resp any] struct {
	grpc.ServerStreamingServer[Resp]
	id *identity
}

func (s *authStream[Resp]) Context() context.Context {
	return streamCtx(s.id, s.ServerStreamingServer.Context())
}

func streamCtx(id *identity, base context.Context) context.Context {
	ctx, err := id.ctx(base)
	if err != nil {
		// Anonymous: etcd refuses the request with its own error.
		id.lg.Warn("etcd authentication failed", zap.Error(err))
		return metadata.NewIncomingContext(peer.NewContext(base, anonymousPeer), metadata.MD{})
	}
	return ctx
}

// blankContext and watchWrapper are v3client's: they keep the watch
// context's String from reading its values, which races with tracing.
type blankContext struct{ context.Context }

func (*blankContext) String() string { return "(blankCtx)" }

type watchWrapper struct{ clientv3.Watcher }

func (ww *watchWrapper) Watch(ctx context.Context, key string, opts ...clientv3.OpOption) clientv3.WatchChan {
	return ww.Watcher.Watch(&blankContext{ctx}, key, opts...)
}
