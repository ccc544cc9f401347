package main

import (
	"context"
	"errors"
	"testing"
	"time"

	"google.golang.org/grpc"
)

// silentConn is a connection whose requests are never answered.
type silentConn struct{ grpc.ClientConnInterface }

func (silentConn) Invoke(ctx context.Context, _ string, _, _ any, _ ...grpc.CallOption) error {
	<-ctx.Done()
	return ctx.Err()
}

// TestRequestTimeout_BoundsEachRequest: migrate's --command-timeout ends
// a request that is never answered, each request on its own.
func TestRequestTimeout_BoundsEachRequest(t *testing.T) {
	c := requestTimeout{silentConn{}, 50 * time.Millisecond}
	for i := 0; i < 2; i++ {
		start := time.Now()
		err := c.Invoke(context.Background(), "/m", nil, nil)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("request %d: %v, want a deadline exceeded", i, err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("request %d took %s, bound 50ms", i, d)
		}
	}
}
