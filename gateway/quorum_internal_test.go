package gateway

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

// probeKV answers the quorum probe's reads, failing while failing is set.
type probeKV struct {
	clientv3.KV
	failing atomic.Bool
	calls   atomic.Int64  // answers given
	started atomic.Int64  // probes received
	delay   time.Duration // how long each answer takes
}

func (k *probeKV) Get(ctx context.Context, _ string, _ ...clientv3.OpOption) (*clientv3.GetResponse, error) {
	k.started.Add(1)
	defer k.calls.Add(1)
	if k.delay > 0 {
		select {
		case <-time.After(k.delay):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if k.failing.Load() {
		return nil, errors.New("context deadline exceeded")
	}
	return &clientv3.GetResponse{}, nil
}

// waitProbes waits until kv has answered n more probes.
func (k *probeKV) waitProbes(t *testing.T, n int64) {
	t.Helper()
	want := k.calls.Load() + n
	deadline := time.Now().Add(10 * time.Second)
	for k.calls.Load() < want {
		if time.Now().After(deadline) {
			t.Fatalf("quorum probe made %d probes, want %d", k.calls.Load(), want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestQuorumProbe_LogsEachTransitionOnce(t *testing.T) {
	core, logs := observer.New(zap.DebugLevel)
	kv := &probeKV{}
	var skew atomic.Int64 // how far the probe's clock runs ahead
	now := func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
	var q quorumProbe
	q.lastOK.Store(now().UnixNano())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); q.run(ctx, kv, now, zap.New(core)) }()
	defer func() { cancel(); <-done }()

	count := func(msg string) int { return logs.FilterMessageSnippet(msg).Len() }

	kv.waitProbes(t, 2)
	kv.failing.Store(true)
	kv.waitProbes(t, 2) // failures shorter than quorumStaleAfter: an election, not a loss
	if n := count("quorum lost"); n != 0 {
		t.Fatalf("logged %d losses after failures shorter than %v", n, quorumStaleAfter)
	}
	skew.Store(int64(quorumStaleAfter + time.Second))
	kv.waitProbes(t, 4)
	if n := count("quorum lost"); n != 1 {
		t.Fatalf("logged %d quorum losses over several failed probes, want 1: %v", n, logs.All())
	}
	kv.failing.Store(false)
	kv.waitProbes(t, 3)
	if n := count("quorum regained"); n != 1 {
		t.Fatalf("logged %d quorum recoveries, want 1: %v", n, logs.All())
	}
	if n := count("quorum lost"); n != 1 {
		t.Fatalf("logged %d quorum losses, want 1", n)
	}
	if l := logs.FilterMessageSnippet("quorum lost").All()[0]; l.Level != zap.WarnLevel {
		t.Errorf("quorum lost logged at %v, want warn", l.Level)
	}
}

// A quorum whose answers take longer than the interval between probes
// (peers far apart, or a loaded network) is still a quorum: the member
// must keep serving, and log no loss.
func TestQuorumProbe_SlowAnswersAreNoLoss(t *testing.T) {
	core, logs := observer.New(zap.DebugLevel)
	kv := &probeKV{delay: quorumStaleAfter / 2}
	var q quorumProbe
	q.lastOK.Store(time.Now().UnixNano())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); q.run(ctx, kv, time.Now, zap.New(core)) }()
	defer func() { cancel(); <-done }()

	// Long enough for lastOK to go stale several times over if only
	// answers that come within one probe interval counted.
	kv.waitProbes(t, 6)
	if n := logs.FilterMessageSnippet("quorum lost").Len(); n != 0 {
		t.Fatalf("logged a quorum loss while every probe was answered within %v: %v", kv.delay, logs.All())
	}
	if since := time.Since(time.Unix(0, q.lastOK.Load())); since >= quorumStaleAfter {
		t.Fatalf("last quorum %v ago with every probe answered within %v", since, kv.delay)
	}
}

// Probes that never return do not pile up: run returns once ctx ends,
// after its probes have.
func TestQuorumProbe_StopsWithItsProbes(t *testing.T) {
	kv := &probeKV{delay: time.Hour}
	var q quorumProbe
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); q.run(ctx, kv, time.Now, zap.NewNop()) }()
	deadline := time.Now().Add(10 * time.Second)
	for kv.started.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("quorum probe did not stop after its context ended")
	}
}
