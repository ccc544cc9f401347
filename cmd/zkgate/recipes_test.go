package main

import (
	"fmt"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/zkgate/zkgate/recipes/client"
	"github.com/zkgate/zkgate/schema"
)

// answered is a ZooKeeper error as recipes/client returns it: the
// *schema.Error in the chain, and the status the server sent.
type answered struct{ ze *schema.Error }

func (e answered) Error() string { return e.ze.Error() }
func (e answered) Unwrap() error { return e.ze }
func (e answered) GRPCStatus() *status.Status {
	st, _ := schema.StatusFromError(e.ze)
	return st
}

// A wait that broke is made again through another node when its node
// failed or the clean-up found no answer; not when Lock or Campaign got
// the server's ZooKeeper answer, whatever gRPC code that answer has.
func TestRetryWait_Classes(t *testing.T) {
	connLoss := answered{schema.Errorf(schema.CodeConnectionLoss, "", "gateway: engine closed")}
	cases := []struct {
		name string
		err  error
		want bool
	}{
		{"Lock answered ConnectionLoss", fmt.Errorf("lock /l: %w", connLoss), false},
		{"Lock answered NoAuth", fmt.Errorf("lock /l: %w", answered{schema.NewError(schema.CodeNoAuth, "/l")}), false},
		{"clean-up answered ConnectionLoss", describedError{"listing the contenders of /l: ", connLoss}, true},
		{"clean-up answered NoAuth", describedError{"listing the contenders of /l: ", answered{schema.NewError(schema.CodeNoAuth, "/l")}}, false},
		{"node unreachable", fmt.Errorf("lock /l: %w", &client.EndpointError{Endpoint: "http://127.0.0.1:9", Cause: "connection refused", Err: status.Error(codes.Unavailable, "connection refused")}), true},
		{"no answer in time", fmt.Errorf("lock /l: %w", status.Error(codes.DeadlineExceeded, "context deadline exceeded")), true},
		{"other status", fmt.Errorf("lock /l: %w", status.Error(codes.InvalidArgument, "bad")), false},
	}
	for _, tc := range cases {
		if got := retryWait(tc.err); got != tc.want {
			t.Errorf("%s: retryWait = %v, want %v", tc.name, got, tc.want)
		}
	}
}
