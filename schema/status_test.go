package schema_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/zkgate/zkgate/schema"
)

func TestStatusFromError_Table(t *testing.T) {
	cases := []struct {
		name       string
		err        error
		code       codes.Code
		reason     string // ErrorInfo reason; "" for no detail
		zkCode     string
		path       string
		unexpected bool
	}{
		{"NoNode", schema.NewError(schema.CodeNoNode, "/a"), codes.NotFound, "NoNode", "-101", "/a", false},
		{"NodeExists", schema.NewError(schema.CodeNodeExists, "/a"), codes.AlreadyExists, "NodeExists", "-110", "/a", false},
		{"BadVersion", schema.NewError(schema.CodeBadVersion, "/a"), codes.Aborted, "BadVersion", "-103", "/a", false},
		{"NotEmpty", schema.NewError(schema.CodeNotEmpty, "/a"), codes.FailedPrecondition, "NotEmpty", "-111", "/a", false},
		{"NoAuth", schema.NewError(schema.CodeNoAuth, "/a"), codes.PermissionDenied, "NoAuth", "-102", "/a", false},
		{"AuthFailed", schema.Errorf(schema.CodeAuthFailed, "", "unsupported auth scheme %q", "sasl"), codes.Unauthenticated, "AuthFailed", "-115", "", false},
		{"BadArguments", schema.Errorf(schema.CodeBadArguments, "/a//b", "empty node name"), codes.InvalidArgument, "BadArguments", "-8", "/a//b", false},
		{"InvalidACL", schema.NewError(schema.CodeInvalidACL, "/a"), codes.InvalidArgument, "InvalidACL", "-114", "/a", false},
		{"SessionExpired", schema.ErrSessionExpired, codes.FailedPrecondition, "SessionExpired", "-112", "", false},
		{"Unimplemented", schema.ErrUnimplemented, codes.Unimplemented, "Unimplemented", "-6", "", false},
		{"NoChildrenForEphemerals", schema.NewError(schema.CodeNoChildrenForEphemerals, "/e/c"), codes.FailedPrecondition, "NoChildrenForEphemerals", "-108", "/e/c", false},
		{"SystemError", schema.Errorf(schema.CodeSystemError, "", "too much contention"), codes.Internal, "SystemError", "-1", "", true},
		{"wrapped", fmt.Errorf("creating: %w", schema.NewError(schema.CodeNoNode, "/x")), codes.NotFound, "NoNode", "-101", "/x", false},
		{"undefined code", schema.NewError(schema.Code(-999), ""), codes.Unknown, "Code(-999)", "-999", "", true},
		{"canceled", context.Canceled, codes.Canceled, "", "", "", false},
		{"deadline", fmt.Errorf("reading from etcd: %w", context.DeadlineExceeded), codes.DeadlineExceeded, "", "", "", false},
		{"ConnectionLoss", schema.Errorf(schema.CodeConnectionLoss, "", "gateway: engine closed"), codes.Unavailable, "ConnectionLoss", "-4", "", false},
		{"etcd no leader", fmt.Errorf("reading from etcd: %w", rpctypes.ErrNoLeader), codes.Unavailable, "SystemError", "-1", "", true},
		{"etcd unavailable status", fmt.Errorf("committing to etcd: %w", status.Error(codes.Unavailable, "connection refused")), codes.Unavailable, "SystemError", "-1", "", true},
		{"unknown", errors.New("boom"), codes.Internal, "SystemError", "-1", "", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st, unexpected := schema.StatusFromError(tc.err)
			if st.Code() != tc.code || unexpected != tc.unexpected {
				t.Fatalf("code %v unexpected %v, want %v %v", st.Code(), unexpected, tc.code, tc.unexpected)
			}
			info := errorInfo(st)
			if tc.reason == "" {
				if info != nil {
					t.Fatalf("unexpected ErrorInfo %v", info)
				}
				if back := schema.ErrorFromStatus(st.Err()); status.Code(back) != tc.code {
					t.Fatalf("ErrorFromStatus of a status without detail: %v", back)
				}
				return
			}
			if info == nil {
				t.Fatalf("no ErrorInfo in %v", st)
			}
			if info.Domain != schema.ErrorDomain || info.Reason != tc.reason || info.Metadata["code"] != tc.zkCode || info.Metadata["path"] != tc.path {
				t.Fatalf("ErrorInfo %v, want reason %s code %s path %q", info, tc.reason, tc.zkCode, tc.path)
			}
			// The inverse gives back the ZooKeeper error, with the
			// server's message as its text.
			back := schema.ErrorFromStatus(st.Err())
			var ze *schema.Error
			if !errors.As(back, &ze) {
				t.Fatalf("ErrorFromStatus: %T %v", back, back)
			}
			if ze.Code.String() != tc.reason || ze.Path != tc.path || ze.Error() != st.Message() {
				t.Fatalf("ErrorFromStatus: %+v (%q), status message %q", ze, ze.Error(), st.Message())
			}
			if want := (&schema.Error{}); errors.As(tc.err, &want) && (ze.Msg != want.Msg || !errors.Is(back, want)) {
				t.Fatalf("round trip: %+v, want %+v", ze, want)
			}
		})
	}
}

// Every code schema defines maps to a specific gRPC code: none falls
// through to Unknown.
func TestStatusFromError_EveryCode(t *testing.T) {
	for c := schema.Code(-1); c >= -200; c-- {
		if _, ok := schema.CodeFromName(c.String()); !ok || c.String() == fmt.Sprintf("Code(%d)", c) || c == schema.CodeAPIError {
			continue
		}
		st, _ := schema.StatusFromError(schema.NewError(c, ""))
		if st.Code() == codes.Unknown || st.Code() == codes.OK {
			t.Errorf("%v maps to %v", c, st.Code())
		}
	}
	if st, _ := schema.StatusFromError(nil); st != nil {
		t.Fatalf("nil error gives %v", st)
	}
}

func TestErrorFromStatus_Passthrough(t *testing.T) {
	if schema.ErrorFromStatus(nil) != nil {
		t.Fatal("nil")
	}
	plain := errors.New("plain")
	if schema.ErrorFromStatus(plain) != plain {
		t.Fatal("a non-status error must come back unchanged")
	}
	bare := status.Error(codes.NotFound, "no route")
	if schema.ErrorFromStatus(bare) != bare {
		t.Fatal("a status without ErrorInfo must come back unchanged")
	}
	other, _ := status.New(codes.NotFound, "x").WithDetails(&errdetails.ErrorInfo{Reason: "NoNode", Domain: "example.com"})
	if otherErr := other.Err(); schema.ErrorFromStatus(otherErr) != otherErr {
		t.Fatal("another domain's ErrorInfo must not be read as ours")
	}
	// Without a numeric code, the reason names it.
	named, _ := status.New(codes.NotFound, "x").WithDetails(&errdetails.ErrorInfo{Reason: "NoNode", Domain: schema.ErrorDomain})
	if err := schema.ErrorFromStatus(named.Err()); !errors.Is(err, schema.ErrNoNode) {
		t.Fatalf("by reason: %v", err)
	}
}

func errorInfo(st *status.Status) *errdetails.ErrorInfo {
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			return info
		}
	}
	return nil
}
