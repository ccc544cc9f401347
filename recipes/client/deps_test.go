package client

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// The client is for programs that talk to zkgate, not run it: it imports
// schema and the generated stubs, never the namespace engine, and so
// nothing of etcd's server (schema/doc.go, "Errors on the wire").
func TestDeps_NoEngineNoEtcdServer(t *testing.T) {
	gotool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go tool is needed to list the dependencies: %v", err)
	}
	out, err := exec.Command(gotool, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	deps := strings.Fields(string(out))
	if !slices.Contains(deps, "github.com/zkgate/zkgate/schema") {
		t.Fatalf("go list -deps did not list schema: %q", deps)
	}
	for _, d := range deps {
		if strings.HasPrefix(d, "go.etcd.io/etcd/server/") || d == "github.com/zkgate/zkgate/gateway" || strings.HasPrefix(d, "github.com/zkgate/zkgate/gateway/") {
			t.Errorf("recipes/client depends on %s", d)
		}
	}
}
