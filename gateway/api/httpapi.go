package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	rpccode "google.golang.org/genproto/googleapis/rpc/code"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/zkgate/zkgate/schema"
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
// (a Stat shows every field); unknown request fields are rejected. Null
// data is kept apart from empty data: a create or set (multi's ops too)
// without "data", or with "data": null, writes null data, and "data": ""
// empty data; getData answers null data with "data": null. Errors
// are answered with the HTTP status of their gRPC code (NoNode is 404
// Not Found) and a body such as
//
//	{"code":5,"status":"NOT_FOUND","message":"KeeperErrorCode = NoNode for /a",
//	 "zk_error":"NoNode","zk_code":-101,"path":"/a"}
//
// where zk_error, zk_code and path are left out when the error is not a
// ZooKeeper one (a malformed body, an unknown route).
//
// Every path of a Namespace request (multi's ops and watch included) is
// checked as ZooKeeper's client library checks it, reads included, with
// schema.CheckClientPath: "app", "" and "/a/../b" are BadArguments (400)
// with ZooKeeper's message, not NoNode. A body over MaxHTTPBodyBytes, or
// over what the gRPC server accepts in one message, is refused with 413
// Request Entity Too Large and zk_error BadArguments.
//
// Requests reach the gRPC server with an x-forwarded-for header, so they
// hold no ip identity (see RequestContext.auth in the proto); a client
// certificate the HTTPS server verified gives them the x509 identity (see
// x509.go).
func NewHTTPHandler(ctx context.Context, grpcTarget string, opts ...grpc.DialOption) (http.Handler, error) {
	dopts := append([]grpc.DialOption{
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		// A long child list may well pass gRPC's default 4 MiB.
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxHTTPReplyBytes)),
		grpc.WithUnaryInterceptor(checkPathsUnary),
		grpc.WithStreamInterceptor(checkPathsStream),
	}, opts...)
	conn, err := grpc.NewClient(grpcTarget, dopts...)
	if err != nil {
		return nil, fmt.Errorf("connecting to the namespace service at %s: %w", grpcTarget, err)
	}
	mux := runtime.NewServeMux(
		runtime.WithMarshalerOption(runtime.MIMEWildcard, nullDataMarshaler{&runtime.JSONPb{
			MarshalOptions:   protojson.MarshalOptions{UseProtoNames: true, EmitUnpopulated: true},
			UnmarshalOptions: protojson.UnmarshalOptions{DiscardUnknown: false},
		}}),
		runtime.WithErrorHandler(writeHTTPError),
		runtime.WithRoutingErrorHandler(writeRoutingError),
		runtime.WithMetadata(httpX509Metadata),
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
		dropRelayHeaders(r)
		if err := sameSite(r); err != nil {
			writeHTTPError(r.Context(), mux, nil, w, r, err)
			return
		}
		if err := readBody(w, r); err != nil {
			writeHTTPError(r.Context(), mux, nil, w, r, err)
			return
		}
		if err := checkUTF8(r); err != nil {
			writeHTTPError(r.Context(), mux, nil, w, r, err)
			return
		}
		if err := atParam(r); err != nil {
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

// sameSite refuses a request a browser sends on behalf of another site
// (its Origin names another host, or its Sec-Fetch-Site says
// cross-site), unless it only reads: a page elsewhere must not make an
// operator's browser write to a zkgate it can reach. Clients other than
// browsers send neither header.
func sameSite(r *http.Request) error {
	if r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == http.MethodOptions {
		return nil
	}
	if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
		return status.Error(codes.PermissionDenied, "refused: a request sent by a browser for another site (Sec-Fetch-Site: cross-site)")
	}
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		if err != nil || u.Host != r.Host {
			return status.Errorf(codes.PermissionDenied, "refused: a request sent by a browser for another origin (%s)", o)
		}
	}
	return nil
}

// atParam turns ?at=ZXID, a read at a past zxid, into ctx.at_zxid.
func atParam(r *http.Request) error {
	q := r.URL.Query()
	at, ok := q["at"]
	if !ok {
		return nil
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return status.Errorf(codes.InvalidArgument, "?at= is for GET; with a body, give ctx.at_zxid in it")
	}
	if len(at) != 1 || q.Has("ctx.at_zxid") {
		return status.Errorf(codes.InvalidArgument, "give one ?at= (or ctx.at_zxid), not %d", len(at)+len(q["ctx.at_zxid"]))
	}
	zxid, err := strconv.ParseInt(at[0], 10, 64)
	if err != nil || zxid <= 0 {
		return status.Errorf(codes.InvalidArgument, "?at=%s: want a zxid (a positive number)", at[0])
	}
	q.Del("at")
	q.Set("ctx.at_zxid", strconv.FormatInt(zxid, 10))
	r.URL.RawQuery = q.Encode()
	return nil
}

// MaxHTTPBodyBytes bounds an HTTP request body, which the gateway reads
// whole before forwarding it: a larger body is refused (413) as soon as
// this much has been read, or at once when its Content-Length says so. A
// smaller body can still be over what the gRPC server accepts in one
// message (etcd's --max-request-bytes plus 512 KiB): that is refused with
// 413 as well.
const MaxHTTPBodyBytes = 16 << 20

// readBody reads r's body whole, up to MaxHTTPBodyBytes, and puts it back
// for the mux; a larger one is a 413 error.
func readBody(w http.ResponseWriter, r *http.Request) error {
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	if r.ContentLength > MaxHTTPBodyBytes {
		return bodyTooLarge(fmt.Sprintf("request body of %d bytes is over the limit of %d bytes", r.ContentLength, MaxHTTPBodyBytes))
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxHTTPBodyBytes))
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return bodyTooLarge(fmt.Sprintf("request body is over the limit of %d bytes", MaxHTTPBodyBytes))
	case err != nil:
		return status.Errorf(codes.InvalidArgument, "reading the request body: %v", err)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return nil
}

// bodyTooLarge is the error of a request body over a limit: 413, with
// zk_error BadArguments (what the engine answers for data over its limit).
func bodyTooLarge(msg string) error {
	st, _ := schema.StatusFromError(&schema.Error{Code: schema.CodeBadArguments, Msg: msg})
	return &runtime.HTTPStatusError{HTTPStatus: http.StatusRequestEntityTooLarge, Err: st.Err()}
}

// isMessageTooLarge reports whether st is gRPC's refusal of a message over
// its size limit ("received message larger than max"), a ResourceExhausted
// without ZooKeeper details (QuotaExceeded carries them).
func isMessageTooLarge(st *status.Status) bool {
	_, zk := keeperError(st)
	return !zk && strings.Contains(st.Message(), "larger than max")
}

// keeperError is the ZooKeeper error a status carries, if any.
func keeperError(st *status.Status) (*schema.Error, bool) {
	var ze *schema.Error
	ok := errors.As(schema.ErrorFromStatus(st.Err()), &ze)
	return ze, ok
}

// namespaceMethods is the prefix of the Namespace service's gRPC methods,
// whose paths checkPaths checks.
var namespaceMethods = "/" + zkgatepb.Namespace_ServiceDesc.ServiceName + "/"

// checkPaths checks every path of a Namespace request with
// schema.CheckClientPath, as ZooKeeper's client library does before it
// sends a request. A session request has no path; getEphemerals has a
// prefix, not a path.
func checkPaths(method string, req any) error {
	if !strings.HasPrefix(method, namespaceMethods) {
		return nil
	}
	check := func(path string, mode zkgatepb.CreateMode) error {
		seq := mode == zkgatepb.CreateMode_CREATE_MODE_PERSISTENT_SEQUENTIAL ||
			mode == zkgatepb.CreateMode_CREATE_MODE_EPHEMERAL_SEQUENTIAL ||
			mode == zkgatepb.CreateMode_CREATE_MODE_PERSISTENT_SEQUENTIAL_WITH_TTL
		if err := schema.CheckClientPath(path, seq); err != nil {
			st, _ := schema.StatusFromError(err)
			return st.Err()
		}
		return nil
	}
	switch r := req.(type) {
	case *zkgatepb.CreateRequest:
		return check(r.GetPath(), r.GetMode())
	case *zkgatepb.MultiRequest:
		for _, op := range r.GetOps() {
			var err error
			switch {
			case op.GetCreate() != nil:
				err = check(op.GetCreate().GetPath(), op.GetCreate().GetMode())
			case op.GetDelete() != nil:
				err = check(op.GetDelete().GetPath(), 0)
			case op.GetSetData() != nil:
				err = check(op.GetSetData().GetPath(), 0)
			case op.GetCheck() != nil:
				err = check(op.GetCheck().GetPath(), 0)
			}
			if err != nil {
				return err
			}
		}
	case interface{ GetPath() string }:
		return check(r.GetPath(), 0)
	}
	return nil
}

func checkPathsUnary(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	if err := checkPaths(method, req); err != nil {
		return err
	}
	return invoker(ctx, method, req, reply, cc, opts...)
}

// checkPathsStream checks the path of a watch, the one stream of the
// Namespace service, as its request is sent.
func checkPathsStream(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	cs, err := streamer(ctx, desc, cc, method, opts...)
	if err != nil {
		return nil, err
	}
	return &checkedStream{ClientStream: cs, method: method}, nil
}

type checkedStream struct {
	grpc.ClientStream
	method string
}

func (s *checkedStream) SendMsg(m any) error {
	if err := checkPaths(s.method, m); err != nil {
		return err
	}
	return s.ClientStream.SendMsg(m)
}

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
func writeHTTPError(ctx context.Context, mux *runtime.ServeMux, m runtime.Marshaler, w http.ResponseWriter, r *http.Request, err error) {
	httpStatus := 0
	var hse *runtime.HTTPStatusError
	if errors.As(err, &hse) {
		httpStatus, err = hse.HTTPStatus, hse.Err
	}
	st := status.Convert(err)
	if httpStatus == 0 && st.Code() == codes.ResourceExhausted && isMessageTooLarge(st) {
		// The gRPC server's receive limit, not a quota: the body was too large.
		msg := "request is larger than the server accepts"
		if i := strings.LastIndex(st.Message(), "("); i >= 0 {
			msg += " " + st.Message()[i:] // "(6291467 vs. 4718592)"
		}
		writeHTTPError(ctx, mux, m, w, r, bodyTooLarge(msg))
		return
	}
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
