package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"unicode/utf8"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	rpccode "google.golang.org/genproto/googleapis/rpc/code"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/zkgate/zkgate/schema/zkgatepb"
)

// HTTPPrefix is the URL prefix of the HTTP/JSON API. Every route of the
// handler NewHTTPHandler returns is under it, so the handler can be
// mounted on "/zk/" of a shared mux (such as etcd's client URL, through
// embed.Config.UserHandlers) or at the root of its own server.
const HTTPPrefix = "/zk/v1/"

// NewHTTPHandler returns the HTTP/JSON API of the Namespace service: a
// grpc-gateway mux serving the routes listed in
// schema/proto/zkgate/v1/namespace.proto, each forwarded over gRPC to the
// server at grpcTarget ("127.0.0.1:2379"). The connection is insecure
// unless opts give transport credentials, and accepts replies of up to
// 64 MiB unless opts say otherwise; it is made lazily, so the server need
// not be up yet, and closed when ctx is done.
//
// JSON uses the proto field names and shows fields at their zero value
// (a Stat shows every field); unknown request fields are rejected. Errors
// are answered with the HTTP status of their gRPC code (NoNode is 404
// Not Found) and a body such as
//
//	{"code":5,"status":"NOT_FOUND","message":"KeeperErrorCode = NoNode for /a",
//	 "zk_error":"NoNode","zk_code":-101,"path":"/a"}
//
// where zk_error, zk_code and path are left out when the error is not a
// ZooKeeper one (a malformed body, an unknown route).
//
// Requests reach the gRPC server with an x-forwarded-for header, so they
// hold no ip identity (see RequestContext.auth in the proto).
func NewHTTPHandler(ctx context.Context, grpcTarget string, opts ...grpc.DialOption) (http.Handler, error) {
	dopts := append([]grpc.DialOption{
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		// A long child list may well pass gRPC's default 4 MiB.
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxHTTPReplyBytes)),
	}, opts...)
	conn, err := grpc.NewClient(grpcTarget, dopts...)
	if err != nil {
		return nil, fmt.Errorf("connecting to the namespace service at %s: %w", grpcTarget, err)
	}
	mux := runtime.NewServeMux(
		runtime.WithMarshalerOption(runtime.MIMEWildcard, &runtime.JSONPb{
			MarshalOptions:   protojson.MarshalOptions{UseProtoNames: true, EmitUnpopulated: true},
			UnmarshalOptions: protojson.UnmarshalOptions{DiscardUnknown: false},
		}),
		runtime.WithErrorHandler(writeHTTPError),
		runtime.WithRoutingErrorHandler(writeRoutingError),
	)
	for _, reg := range []func(context.Context, *runtime.ServeMux, *grpc.ClientConn) error{
		zkgatepb.RegisterNamespaceHandler, zkgatepb.RegisterElectionHandler, zkgatepb.RegisterLockHandler,
		zkgatepb.RegisterSemaphoreHandler, zkgatepb.RegisterBarrierHandler, zkgatepb.RegisterDoubleBarrierHandler,
		zkgatepb.RegisterQueueHandler, zkgatepb.RegisterCounterHandler,
	} {
		if err := reg(ctx, mux, conn); err != nil {
			conn.Close()
			return nil, fmt.Errorf("registering the HTTP routes: %w", err)
		}
	}
	go func() {
		<-ctx.Done()
		conn.Close()
	}()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, MaxHTTPBodyBytes)
		if err := checkUTF8(r); err != nil {
			writeHTTPError(r.Context(), mux, nil, w, r, err)
			return
		}
		mux.ServeHTTP(w, r)
	}), nil
}

// checkUTF8 refuses a request whose URL path or query parameters, once
// unescaped, are not valid UTF-8. They fill proto string fields, which
// gRPC will not marshal otherwise (the JSON body is checked by protojson).
func checkUTF8(r *http.Request) error {
	if !utf8.ValidString(r.URL.Path) {
		return status.Errorf(codes.InvalidArgument, "the URL path %q is not valid UTF-8", r.URL.Path)
	}
	for k, vs := range r.URL.Query() {
		if !utf8.ValidString(k) {
			return status.Errorf(codes.InvalidArgument, "the query parameter name %q is not valid UTF-8", k)
		}
		for _, v := range vs {
			if !utf8.ValidString(v) {
				return status.Errorf(codes.InvalidArgument, "the query parameter %s=%q is not valid UTF-8", k, v)
			}
		}
	}
	return nil
}

// MaxHTTPBodyBytes bounds an HTTP request body, which the gateway reads
// whole before forwarding it: a larger body is refused (400) as soon as
// this much has been read. It is well above what the gRPC server accepts
// in one message (etcd's --max-request-bytes plus 512 KiB).
const MaxHTTPBodyBytes = 16 << 20

// maxHTTPReplyBytes bounds a reply the HTTP gateway takes from the gRPC
// server.
const maxHTTPReplyBytes = 64 << 20

// writeRoutingError answers a request the mux has no route for with the
// HTTP status the mux chose (404, 405), which grpc-gateway's default
// handler would turn into a gRPC code and back (405 becoming 501).
func writeRoutingError(ctx context.Context, mux *runtime.ServeMux, m runtime.Marshaler, w http.ResponseWriter, r *http.Request, httpStatus int) {
	code := codes.InvalidArgument
	switch httpStatus {
	case http.StatusNotFound:
		code = codes.NotFound
	case http.StatusMethodNotAllowed:
		code = codes.Unimplemented
	}
	err := &runtime.HTTPStatusError{HTTPStatus: httpStatus, Err: status.Error(code, http.StatusText(httpStatus))}
	writeHTTPError(ctx, mux, m, w, r, err)
}

// httpError is the JSON body of an HTTP error answer.
type httpError struct {
	// Code is the gRPC code's number and Status its canonical name.
	Code    int32  `json:"code"`
	Status  string `json:"status"`
	Message string `json:"message"`
	// ZKError is the ZooKeeper error's name ("NoNode") and ZKCode its
	// number, when the error is a ZooKeeper one.
	ZKError string `json:"zk_error,omitempty"`
	ZKCode  int32  `json:"zk_code,omitempty"`
	Path    string `json:"path,omitempty"`
}

// writeHTTPError is the mux's error handler: err is the gRPC error of the
// call, or a routing error of the mux.
func writeHTTPError(_ context.Context, _ *runtime.ServeMux, _ runtime.Marshaler, w http.ResponseWriter, _ *http.Request, err error) {
	httpStatus := 0
	var hse *runtime.HTTPStatusError
	if errors.As(err, &hse) {
		httpStatus, err = hse.HTTPStatus, hse.Err
	}
	st := status.Convert(err)
	if httpStatus == 0 {
		httpStatus = runtime.HTTPStatusFromCode(st.Code())
	}
	body := httpError{Code: int32(st.Code()), Status: rpccode.Code(st.Code()).String(), Message: st.Message()}
	if ze, ok := keeperError(st); ok {
		body.ZKError, body.ZKCode, body.Path = ze.Code.String(), int32(ze.Code), ze.Path
	}
	w.Header().Del("Trailer")
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(httpStatus)
	// The client may be gone; there is no one else to tell.
	_ = json.NewEncoder(w).Encode(body)
}
