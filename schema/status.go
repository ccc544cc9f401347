package schema

import (
	"context"
	"errors"
	"strconv"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// ErrorDomain is the domain of the google.rpc.ErrorInfo detail that
// carries a ZooKeeper error in a gRPC status. Its reason is the code's
// name ("NoNode") and its metadata holds "code" (the number, "-101"),
// "path" when the error concerns a znode and "detail" when the error has
// a detail message (Error.Msg).
const ErrorDomain = "zkgate.io"

// Metadata keys of the ErrorInfo detail.
const (
	errInfoCode   = "code"
	errInfoPath   = "path"
	errInfoDetail = "detail"
)

// grpcCodes is the one table from ZooKeeper codes to gRPC codes. The
// choices that are not obvious:
//
//   - BadVersion is Aborted, not FailedPrecondition: gRPC's own guide
//     gives Aborted to a failed test-and-set, after which the client
//     should re-read and retry its read-modify-write, which is exactly
//     what a BadVersion asks for. (It is 409 Conflict over HTTP.)
//   - NotEmpty, NoChildrenForEphemerals and the session states are
//     FailedPrecondition: the request cannot succeed until the state is
//     changed (children deleted, a new session opened). gRPC's guide names
//     "deleting a non-empty directory" as its example.
//   - SessionExpired is FailedPrecondition and not NotFound, so that
//     NotFound always means a missing znode (NoNode) or watcher: a client
//     that does not read the ErrorInfo must not mistake a lost session for
//     a missing node. The reason in ErrorInfo tells them apart from
//     NotEmpty.
//   - ConnectionLoss is Unavailable, so generic gRPC clients retry it.
//
// A code missing from the table (ZooKeeper defines no others zkgate
// returns) maps to Unknown.
var grpcCodes = map[Code]codes.Code{
	CodeOK:                           codes.OK,
	CodeSystemError:                  codes.Internal,
	CodeRuntimeInconsistency:         codes.Internal,
	CodeDataInconsistency:            codes.DataLoss,
	CodeConnectionLoss:               codes.Unavailable,
	CodeMarshallingError:             codes.InvalidArgument,
	CodeUnimplemented:                codes.Unimplemented,
	CodeOperationTimeout:             codes.DeadlineExceeded,
	CodeBadArguments:                 codes.InvalidArgument,
	CodeUnknownSession:               codes.FailedPrecondition,
	CodeNewConfigNoQuorum:            codes.Unavailable,
	CodeReconfigInProgress:           codes.Unavailable,
	CodeAPIError:                     codes.Unknown,
	CodeNoNode:                       codes.NotFound,
	CodeNoAuth:                       codes.PermissionDenied,
	CodeBadVersion:                   codes.Aborted,
	CodeNoChildrenForEphemerals:      codes.FailedPrecondition,
	CodeNodeExists:                   codes.AlreadyExists,
	CodeNotEmpty:                     codes.FailedPrecondition,
	CodeSessionExpired:               codes.FailedPrecondition,
	CodeInvalidCallback:              codes.InvalidArgument,
	CodeInvalidACL:                   codes.InvalidArgument,
	CodeAuthFailed:                   codes.Unauthenticated,
	CodeSessionMoved:                 codes.FailedPrecondition,
	CodeNotReadOnly:                  codes.FailedPrecondition,
	CodeEphemeralOnLocalSession:      codes.FailedPrecondition,
	CodeNoWatcher:                    codes.NotFound,
	CodeRequestTimeout:               codes.DeadlineExceeded,
	CodeReconfigDisabled:             codes.Unimplemented,
	CodeSessionClosedRequireSaslAuth: codes.Unauthenticated,
	CodeQuotaExceeded:                codes.ResourceExhausted,
	CodeThrottledOp:                  codes.Unavailable,
}

// StatusFromError converts an error of a zkgate server to the gRPC status
// zkgate answers with:
//
//   - a *Error anywhere in err's chain: the code from grpcCodes, the
//     Error's text as message ("KeeperErrorCode = NoNode for /a"), and an
//     ErrorInfo detail (see ErrorDomain); a server that cannot serve now
//     (closed, or not started yet) says so with CodeConnectionLoss, which
//     is Unavailable, so that clients retry, on another node if need be;
//   - context.Canceled and context.DeadlineExceeded: Canceled and
//     DeadlineExceeded, with no detail (the caller's own deadline, as a
//     rule);
//   - an etcd error that says etcd is unavailable, overloaded or slow
//     (no leader, request timed out, too many requests): that gRPC code,
//     with SystemError;
//   - anything else: Internal with SystemError.
//
// In the last two cases the error's text is the Error's detail (Msg).
// unexpected is true for those two and for every Internal or Unknown
// code: the caller should log the error, which is likely no fault of the
// client's.
//
// A nil err gives a nil status (OK). ErrorFromStatus is the inverse.
func StatusFromError(err error) (st *status.Status, unexpected bool) {
	if err == nil {
		return nil, false
	}
	var ze *Error
	switch {
	case errors.As(err, &ze) && ze != nil:
		code, ok := grpcCodes[ze.Code]
		if !ok {
			code = codes.Unknown
		}
		if code == codes.OK {
			// An "error" with code Ok is a bug of the caller.
			code = codes.Internal
		}
		return withInfo(code, ze), code == codes.Internal || code == codes.Unknown
	case errors.Is(err, context.Canceled):
		return status.New(codes.Canceled, err.Error()), false
	case errors.Is(err, context.DeadlineExceeded):
		return status.New(codes.DeadlineExceeded, err.Error()), false
	}
	switch c := etcdCode(err); c {
	case codes.Canceled:
		return status.New(c, err.Error()), false
	case codes.Unavailable, codes.DeadlineExceeded, codes.ResourceExhausted:
		return withInfo(c, &Error{Code: CodeSystemError, Msg: err.Error()}), true
	}
	return withInfo(codes.Internal, &Error{Code: CodeSystemError, Msg: err.Error()}), true
}

// etcdCode is the gRPC code of an etcd client error in err's chain, or OK.
func etcdCode(err error) codes.Code {
	var ee rpctypes.EtcdError
	if errors.As(err, &ee) {
		return ee.Code()
	}
	if st, ok := status.FromError(err); ok {
		return st.Code()
	}
	return codes.OK
}

// withInfo is a status with ze's text as message and an ErrorInfo detail
// describing ze.
func withInfo(code codes.Code, ze *Error) *status.Status {
	md := map[string]string{errInfoCode: strconv.Itoa(int(ze.Code))}
	if ze.Path != "" {
		md[errInfoPath] = ze.Path
	}
	if ze.Msg != "" {
		md[errInfoDetail] = ze.Msg
	}
	st := status.New(code, ze.Error())
	if d, err := st.WithDetails(&errdetails.ErrorInfo{Reason: ze.Code.String(), Domain: ErrorDomain, Metadata: md}); err == nil {
		return d
	}
	return st
}

// keeperError is the ZooKeeper error a status carries, if any.
func keeperError(st *status.Status) (*Error, bool) {
	for _, d := range st.Details() {
		info, ok := d.(*errdetails.ErrorInfo)
		if !ok || info.GetDomain() != ErrorDomain {
			continue
		}
		md := info.GetMetadata()
		code, ok := Code(0), false
		if n, err := strconv.ParseInt(md[errInfoCode], 10, 32); err == nil {
			code, ok = Code(n), true
		} else {
			code, ok = CodeFromName(info.GetReason())
		}
		if !ok {
			continue
		}
		return &Error{Code: code, Path: md[errInfoPath], Msg: md[errInfoDetail]}, true
	}
	return nil, false
}

// ErrorFromStatus is the inverse of StatusFromError, for clients: when err
// is a gRPC status carrying a zkgate ErrorInfo, it returns the
// *Error it describes (so errors.Is(err, ErrNoNode) works
// and Error() prints the server's message); otherwise it returns err
// unchanged (nil for nil).
func ErrorFromStatus(err error) error {
	if err == nil {
		return nil
	}
	st, ok := status.FromError(err)
	if !ok {
		return err
	}
	if ze, ok := keeperError(st); ok {
		return ze
	}
	return err
}
