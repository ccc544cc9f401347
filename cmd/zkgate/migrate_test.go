package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
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

// TestSASLConfigs_Ends: a JAAS file is read for a ZooKeeper end only,
// its Client section's DIGEST-MD5 user set up before anything is dialed;
// for a zkgate end or a dump, or without a Client section, the error is
// one line naming the flag, and never the password.
func TestSASLConfigs_Ends(t *testing.T) {
	dir := t.TempDir()
	jaas := filepath.Join(dir, "client.jaas")
	if err := os.WriteFile(jaas, []byte(`Client { org.apache.zookeeper.server.auth.DigestLoginModule required username="bob" password="bobsecret"; };`), 0o600); err != nil {
		t.Fatal(err)
	}
	noClient := filepath.Join(dir, "server.jaas")
	if err := os.WriteFile(noClient, []byte(`Server { org.apache.zookeeper.server.auth.DigestLoginModule required user_bob="bobsecret"; };`), 0o600); err != nil {
		t.Fatal(err)
	}
	dump := filepath.Join(dir, "app.jsonl")
	if err := os.WriteFile(dump, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	m := migrateEnds{from: "zk1:2181", to: "zk://zk2:2181/app", fromJAAS: jaas, toJAAS: jaas, fromService: "zookeeper", toService: "zookeeper"}
	if err := m.saslConfigs(); err != nil || m.fromSASL.Mechanism() != "DIGEST-MD5" || m.toSASL.Identity() != "bob" {
		t.Fatalf("ZooKeeper ends: %v", err)
	}
	for _, c := range []struct {
		m    migrateEnds
		want string
	}{
		{migrateEnds{from: "zk1:2181", to: "http://127.0.0.1:2379", toJAAS: jaas}, "--to-jaas-config: SASL is for a ZooKeeper end"},
		{migrateEnds{from: "http://127.0.0.1:2379", to: "zk://zk1:2181", fromJAAS: jaas}, "--from-jaas-config: SASL is for a ZooKeeper end"},
		{migrateEnds{from: dump, to: "http://127.0.0.1:2379", fromJAAS: jaas}, "--from-jaas-config: SASL is for a ZooKeeper end, and --from is a dump"},
		{migrateEnds{from: "zk1:2181", to: "http://127.0.0.1:2379", fromJAAS: noClient}, "--from-jaas-config " + noClient + ": JAAS: no Client section (sections: Server)"},
		{migrateEnds{from: "zk1:2181", to: "zk://zk2:2181", fromService: "zk", toService: "zookeeper"}, "--from-sasl-service needs --from-jaas-config"},
	} {
		for _, svc := range []*string{&c.m.fromService, &c.m.toService} {
			if *svc == "" {
				*svc = "zookeeper" // the flags' default
			}
		}
		err := c.m.saslConfigs()
		if err == nil || !strings.HasPrefix(err.Error(), c.want) || strings.Contains(err.Error(), "bobsecret") {
			t.Errorf("%+v: %v, want %q", c.m, err, c.want)
		}
	}
}
