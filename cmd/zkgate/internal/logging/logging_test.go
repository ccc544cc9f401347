package logging

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"go.uber.org/zap"
)

func TestNew_EtcdNoiseFilteredAtInfo(t *testing.T) {
	var buf bytes.Buffer
	l, err := NewTo(&buf, "info", "json")
	if err != nil {
		t.Fatal(err)
	}
	l.Etcd.Info("starting etcd server")                                // routine
	l.Etcd.Debug("raft tick")                                          // below level
	l.Etcd.Warn("simple token is not cryptographically signed")        // known noise
	l.Etcd.Warn("slow fdatasync", zap.Duration("took", 2))             // matters
	l.Etcd.Error("setting up serving from embedded etcd failed.")      // real failure: not stopping
	l.Etcd.Named("sub").With(zap.Int("x", 1)).Info("routine via With") // filter survives With/Named
	l.Main.Info("zkgate ready")
	l.Stopping()
	l.Etcd.Error("setting up serving from embedded etcd failed.") // now routine
	l.Etcd.Error("something else failed")

	got := buf.String()
	for _, want := range []string{"slow fdatasync", "zkgate ready", "something else failed", `"component":"etcd"`} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	for _, gone := range []string{"starting etcd server", "raft tick", "cryptographically", "routine via With"} {
		if strings.Contains(got, gone) {
			t.Errorf("%q should be filtered:\n%s", gone, got)
		}
	}
	if n := strings.Count(got, "setting up serving"); n != 1 {
		t.Errorf("serving error logged %d times, want once (before Stopping)", n)
	}
}

func TestNew_DebugShowsEverything(t *testing.T) {
	var buf bytes.Buffer
	l, err := NewTo(&buf, "debug", "console")
	if err != nil {
		t.Fatal(err)
	}
	l.Etcd.Debug("raft tick")
	l.Etcd.Info("starting etcd server")
	l.Etcd.Warn("simple token is not cryptographically signed")
	got := buf.String()
	for _, want := range []string{"raft tick", "starting etcd server", "cryptographically", "DEBUG"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
}

func TestNew_WarnLevelHidesInfo(t *testing.T) {
	var buf bytes.Buffer
	l, err := NewTo(&buf, "warn", "json")
	if err != nil {
		t.Fatal(err)
	}
	l.Main.Info("zkgate ready")
	l.Main.Warn("disk slow")
	if got := buf.String(); strings.Contains(got, "zkgate ready") || !strings.Contains(got, "disk slow") {
		t.Fatalf("warn level output:\n%s", got)
	}
}

func TestNew_BadValues(t *testing.T) {
	if _, err := New("loud", "json"); err == nil || !strings.Contains(err.Error(), "log-level") {
		t.Errorf("bad level: %v", err)
	}
	if _, err := New("info", "xml"); err == nil || !strings.Contains(err.Error(), "log-format") {
		t.Errorf("bad format: %v", err)
	}
}

func TestNew_RoutineByFields(t *testing.T) {
	var buf bytes.Buffer
	l, err := NewTo(&buf, "info", "json")
	if err != nil {
		t.Fatal(err)
	}
	l.Etcd.Warn("request stats", zap.Duration("time spent", 2), zap.String("response type", "/zkgate.v1.Lock/Lock"))
	l.Etcd.Warn("request stats", zap.String("response type", "/v3electionpb.Election/Campaign"))
	l.Etcd.Warn("request stats", zap.String("response type", "/etcdserverpb.KV/Range")) // a slow read: shows
	l.Etcd.Warn("apply request took too long", zap.Error(errors.New("context canceled")))
	l.Etcd.Warn("apply request took too long", zap.String("took", "2s")) // a slow apply: shows
	l.Etcd.Warn("peer became inactive (message send to peer failed)", zap.String("peer-id", "p1"))
	l.Etcd.Warn("lost TCP streaming connection with remote peer")
	l.Etcd.Warn("leadership transfer failed")                                             // not stopping: shows
	l.Etcd.Warn("failed to process Raft message", zap.Error(errors.New("raft: stopped"))) // not stopping: shows
	l.Stopping()
	l.Etcd.Warn("leadership transfer failed")
	l.Etcd.Warn("failed to process Raft message", zap.Error(errors.New("context canceled")))

	got := buf.String()
	if n := strings.Count(got, `"msg":"request stats"`); n != 1 || !strings.Contains(got, "KV/Range") {
		t.Errorf("request stats: want only the Range one, got\n%s", got)
	}
	if n := strings.Count(got, "apply request took too long"); n != 1 || !strings.Contains(got, `"took":"2s"`) {
		t.Errorf("apply request: want only the completed one, got\n%s", got)
	}
	if !strings.Contains(got, `{"level":"info"`) || !strings.Contains(got, "peer became inactive") {
		t.Errorf("peer became inactive should show at info level:\n%s", got)
	}
	if strings.Contains(got, "lost TCP streaming") {
		t.Errorf("lost TCP streaming connection should be filtered:\n%s", got)
	}
	if n := strings.Count(got, "leadership transfer failed"); n != 1 {
		t.Errorf("leadership transfer failed logged %d times, want once (before Stopping)", n)
	}
	if n := strings.Count(got, "failed to process Raft message"); n != 1 || !strings.Contains(got, "raft: stopped") {
		t.Errorf("failed to process Raft message: want only the one before Stopping, got\n%s", got)
	}
}
