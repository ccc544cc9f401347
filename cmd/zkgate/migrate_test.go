package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
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

// TestDumpFile_FromForms: --from names a dump when it is file://PATH or an
// existing file, and a ZooKeeper otherwise.
func TestDumpFile_FromForms(t *testing.T) {
	file := filepath.Join(t.TempDir(), "app.jsonl")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		from, file string
		dump       bool
	}{
		{file, file, true},
		{"file://" + file, file, true},
		{"file:///no/such.jsonl", "/no/such.jsonl", true},
		{"127.0.0.1:2181", "", false},
		{"zk1:2181,zk2:2181/app", "", false},
		{filepath.Dir(file), "", false},
	} {
		got, ok := dumpFile(c.from)
		if ok != c.dump || got != c.file {
			t.Errorf("%q: (%q, %v), want (%q, %v)", c.from, got, ok, c.file, c.dump)
		}
	}
}
