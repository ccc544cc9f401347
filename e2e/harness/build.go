package harness

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

var (
	buildOnce sync.Once
	buildDir  string
	buildErr  error

	binMu   sync.Mutex
	binPath = map[string]string{}
)

// Main runs the tests of an e2e package and removes the binaries built for
// them. Use it as the package's TestMain:
//
//	func TestMain(m *testing.M) { harness.Main(m) }
func Main(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// Zkgate returns the path of the zkgate binary, built once per test run
// from this checkout.
func Zkgate(t testing.TB) string {
	return build(t, "zkgate", "github.com/zkgate/zkgate/cmd/zkgate")
}

// EtcdctlPath returns the path of etcdctl at the version go.mod pins as a
// tool, built once per test run.
func EtcdctlPath(t testing.TB) string {
	return build(t, "etcdctl", "go.etcd.io/etcd/etcdctl/v3")
}

func build(t testing.TB, name, pkg string) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "zkgate-e2e-bin-")
	})
	if buildErr != nil {
		t.Fatalf("making build dir: %v", buildErr)
	}
	binMu.Lock()
	defer binMu.Unlock()
	if p, ok := binPath[name]; ok {
		return p
	}
	out := filepath.Join(buildDir, name)
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Dir = moduleRoot(t)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, b)
	}
	binPath[name] = out
	return out
}

// moduleRoot is the directory holding go.mod, found from the working
// directory of the test.
func moduleRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal(fmt.Errorf("no go.mod above the test's directory"))
		}
		dir = parent
	}
}
