package e2e

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/zkgate/zkgate/e2e/harness"
)

const cliTimeout = 30 * time.Second

// oneLineError checks a failed start: non-zero exit, nothing on stdout, and
// exactly one line on stderr that contains each of want.
func oneLineError(t *testing.T, r harness.Result, want ...string) {
	t.Helper()
	if r.ExitCode == 0 {
		t.Fatalf("exit code 0, want failure; stderr %q", r.Stderr)
	}
	lines := strings.Split(strings.TrimRight(r.Stderr, "\n"), "\n")
	if len(lines) != 1 || lines[0] == "" {
		t.Fatalf("stderr has %d lines, want one:\n%s", len(lines), r.Stderr)
	}
	for _, w := range want {
		if !strings.Contains(lines[0], w) {
			t.Fatalf("error %q does not mention %q", lines[0], w)
		}
	}
}

// serveArgs are the arguments of a node on fresh loopback ports.
func serveArgs(t *testing.T, dataDir string) []string {
	c, p, z := harness.FreePort(t), harness.FreePort(t), harness.FreePort(t)
	return []string{"serve", "--data-dir", dataDir, "--zk-listen", fmt.Sprintf("127.0.0.1:%d", z),
		"--listen-client-urls", fmt.Sprintf("http://127.0.0.1:%d", c),
		"--advertise-client-urls", fmt.Sprintf("http://127.0.0.1:%d", c),
		"--listen-peer-urls", fmt.Sprintf("http://127.0.0.1:%d", p),
		"--initial-advertise-peer-urls", fmt.Sprintf("http://127.0.0.1:%d", p)}
}

func TestCLI_BadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "a-file")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	certs := harness.NewCerts(t)
	cases := []struct {
		name string
		args []string
		want []string
	}{
		{"unknown flag", []string{"serve", "--no-such-flag"}, []string{"unknown flag: --no-such-flag"}},
		{"unknown command", []string{"servee"}, []string{"unknown command"}},
		{"bad URL", []string{"serve", "--listen-client-urls", "127.0.0.1:2379"}, []string{"listen-client-urls", "127.0.0.1:2379"}},
		{"bad URL scheme", []string{"serve", "--advertise-client-urls", "ftp://127.0.0.1:1"}, []string{"advertise-client-urls", "scheme"}},
		{"bad port", []string{"serve", "--listen-peer-urls", "http://127.0.0.1:99999"}, []string{"listen-peer-urls", "port"}},
		{"host name to listen on", []string{"serve", "--listen-peer-urls", "http://example.invalid:2380"}, []string{"listen-peer-urls", "IP address"}},
		{"bad cluster state", []string{"serve", "--initial-cluster-state", "old"}, []string{"initial-cluster-state", "new, existing"}},
		{"cluster without me", []string{"serve", "--name", "me", "--initial-cluster", "other=http://127.0.0.1:2380"}, []string{"initial-cluster", `"me"`}},
		{"bad log level", []string{"serve", "--log-level", "loud"}, []string{"log-level", "loud"}},
		{"bad number", []string{"serve", "--max-txn-ops", "many"}, []string{"max-txn-ops", "many"}},
		{"request limit too small", []string{"serve", "--max-request-bytes", "1000"}, []string{"max-request-bytes", "1 MiB"}},
		{"data past the request limit", []string{"serve", "--check-config", "--max-request-bytes", "2097152", "--zk-max-data-bytes", "2031616"}, []string{"zk-max-data-bytes", "max-request-bytes"}},
		{"election too short", []string{"serve", "--heartbeat-interval", "100", "--election-timeout", "200"}, []string{"election-timeout"}},
		{"bad zk address", []string{"serve", "--zk-listen", "2181"}, []string{"zk-listen", "host:port"}},
		{"bad compaction", []string{"serve", "--auto-compaction-retention", "soon"}, []string{"auto-compaction-retention", "soon"}},
		{"missing config file", []string{"serve", "--config", filepath.Join(dir, "nope.yaml")}, []string{"config", "nope.yaml"}},
		{"data dir under a file", serveArgs(t, filepath.Join(file, "data")), []string{"data-dir", "not a directory"}},
		{"extra argument", []string{"serve", "now"}, []string{"unknown command \"now\""}},
		{"https without a certificate", []string{"serve", "--listen-client-urls", "https://127.0.0.1:2379", "--advertise-client-urls", "https://127.0.0.1:2379"}, []string{"cert-file", "https listen-client-urls"}},
		{"missing certificate file", []string{"serve", "--zk-secure-listen", "127.0.0.1:2281", "--cert-file", filepath.Join(dir, "nope.pem"), "--key-file", file}, []string{"cert-file", "nope.pem", "cannot be read"}},
		{"certificate that is not PEM", []string{"serve", "--zk-secure-listen", "127.0.0.1:2281", "--cert-file", file, "--key-file", file}, []string{"cert-file", "not a PEM certificate"}},
		{"client certificates without a CA", []string{"serve", "--zk-secure-listen", "127.0.0.1:2281", "--cert-file", certs.ServerCert, "--key-file", certs.ServerKey, "--client-cert-auth"}, []string{"client-cert-auth", "needs trusted-ca-file"}},
		{"key of another certificate", []string{"serve", "--zk-secure-listen", "127.0.0.1:2281", "--cert-file", certs.ServerCert, "--key-file", certs.ClientKey}, []string{"cert-file", "not a PEM certificate and its private key"}},
		{"https peers without a certificate", []string{"serve", "--listen-peer-urls", "https://127.0.0.1:2380", "--initial-advertise-peer-urls", "https://127.0.0.1:2380"}, []string{"peer-cert-file", "https listen-peer-urls"}},
		{"etcd password without user", []string{"serve", "--etcd-password", "pw"}, []string{"etcd-user", "etcd-password"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := harness.RunZkgate(t, cliTimeout, nil, tc.args...)
			oneLineError(t, r, tc.want...)
			if r.Stdout != "" {
				t.Fatalf("stdout %q", r.Stdout)
			}
		})
	}
}

func TestCLI_UnwritableDataDir(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "ro")
	if err := os.Mkdir(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	args := serveArgs(t, filepath.Join(dir, "data"))
	var cmd *exec.Cmd
	if os.Geteuid() == 0 {
		// root writes anywhere: run the server as nobody, for whom the
		// directory really is read-only.
		bin := filepath.Join(t.TempDir(), "zkgate")
		copyFile(t, harness.Zkgate(t), bin)
		for _, d := range []string{filepath.Dir(bin), filepath.Dir(filepath.Dir(bin)), filepath.Dir(dir)} {
			if err := os.Chmod(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		cmd = exec.Command(bin, args...)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	} else {
		cmd = exec.Command(harness.Zkgate(t), args...)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	oneLineError(t, harness.Result{Stderr: stderr.String(), ExitCode: code}, "data-dir", "permission denied")
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o755); err != nil {
		t.Fatal(err)
	}
}

func TestCLI_DataDirInUse(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{})
	r := harness.RunZkgate(t, cliTimeout, nil, serveArgs(t, n.DataDir)...)
	oneLineError(t, r, "data-dir", "in use by another zkgate process (pid")
	// The running node is untouched.
	harness.Etcdctl(t, n.ClientURL, "put", "still", "serving")
}

func TestCLI_DataDirDatabaseOpenElsewhere(t *testing.T) {
	t.Parallel()
	// Make a real member database, then hold it open with bbolt the way a
	// plain etcd would: zkgate must refuse at once rather than wait for
	// the database lock.
	n := harness.StartNode(t, harness.NodeOptions{})
	n.Stop()
	db, err := bbolt.Open(filepath.Join(n.DataDir, "member", "snap", "db"), 0o600, &bbolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	r := harness.RunZkgate(t, cliTimeout, nil, serveArgs(t, n.DataDir)...)
	oneLineError(t, r, "data-dir", "member database is in use by another process")
}

func TestCLI_PortInUse(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	url := "http://" + l.Addr().String()
	args := append(serveArgs(t, filepath.Join(t.TempDir(), "d")), "--listen-client-urls", url, "--advertise-client-urls", url)
	r := harness.RunZkgate(t, cliTimeout, nil, args...)
	oneLineError(t, r, "address already in use")
}

func TestCLI_Version(t *testing.T) {
	t.Parallel()
	r := harness.RunZkgate(t, cliTimeout, nil, "version")
	if r.ExitCode != 0 {
		t.Fatalf("version: %+v", r)
	}
	for _, w := range []string{"zkgate version: ", "etcd version: 3.7.3", "Go version: go1."} {
		if !strings.Contains(r.Stdout, w) {
			t.Errorf("version output lacks %q:\n%s", w, r.Stdout)
		}
	}
}

func TestCLI_Help(t *testing.T) {
	t.Parallel()
	r := harness.RunZkgate(t, cliTimeout, nil, "--help")
	if r.ExitCode != 0 || !strings.Contains(r.Stdout, "serve") || !strings.Contains(r.Stdout, "etcd v3 API") {
		t.Fatalf("zkgate --help:\n%s", r.Stdout)
	}
	r = harness.RunZkgate(t, cliTimeout, nil, "serve", "--help")
	for _, w := range []string{"--data-dir", "ZKGATE_DATA_DIR", "--initial-cluster", "--check-config", "127.0.0.1:2379", "SIGTERM"} {
		if !strings.Contains(r.Stdout, w) {
			t.Errorf("serve --help lacks %q", w)
		}
	}
}

// TestCLI_ConfigPrecedence: flags override env, env overrides the file,
// the file overrides defaults.
func TestCLI_ConfigPrecedence(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "zkgate.yaml")
	yaml := "name: from-file\ndata-dir: /tmp/from-file\nlog-level: warn\nlisten-client-urls:\n  - http://127.0.0.1:3001\n  - http://127.0.0.1:3002\nadvertise-client-urls: http://127.0.0.1:3001\n"
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"ZKGATE_CONFIG=" + file, "ZKGATE_DATA_DIR=/tmp/from-env", "ZKGATE_LOG_LEVEL=error", "ZKGATE_ZK_LISTEN="}
	r := harness.RunZkgate(t, cliTimeout, env, "serve", "--check-config", "--log-level", "debug")
	if r.ExitCode != 0 {
		t.Fatalf("check-config: %+v", r)
	}
	for _, w := range []string{
		`name: "from-file"`,         // file only
		`data-dir: "/tmp/from-env"`, // env over file
		`log-level: "debug"`,        // flag over env over file
		`listen-client-urls: "http://127.0.0.1:3001,http://127.0.0.1:3002"`,
		`zk-listen: ""`,       // an empty env value disables
		`max-txn-ops: "8192"`, // default
		`auto-compaction-retention: "5m"`,
	} {
		if !strings.Contains(r.Stdout, w+"\n") {
			t.Errorf("effective config lacks %s:\n%s", w, r.Stdout)
		}
	}

	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("data-dri: x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	oneLineError(t, harness.RunZkgate(t, cliTimeout, nil, "serve", "--config", bad, "--check-config"), "unknown key data-dri")
}

// TestCLI_ConfigsDirectory: every shipped configuration passes
// --check-config in the real binary.
func TestCLI_ConfigsDirectory(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("../configs/*.yaml")
	if err != nil || len(files) < 5 {
		t.Fatalf("configs: %v %v", files, err)
	}
	for _, f := range files {
		r := harness.RunZkgate(t, cliTimeout, nil, "serve", "--config", f, "--check-config")
		if r.ExitCode != 0 {
			t.Errorf("%s: %s", f, r.Stderr)
		}
	}
}

// TestServe_ShutdownWithOpenStreams: SIGTERM stops a node promptly and
// cleanly while a client holds a watch and a keep-alive stream open.
func TestServe_ShutdownWithOpenStreams(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{})
	watch := harness.EtcdctlCmd(t, n.ClientURL, "watch", "anything")
	if err := watch.Start(); err != nil {
		t.Fatal(err)
	}
	c := n.Client()
	ctx := testCtx(t)
	l, err := c.Grant(ctx, 30)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.KeepAlive(ctx, l.ID); err != nil {
		t.Fatal(err)
	}
	n.Signal(syscall.SIGTERM)
	// etcd alone would hold the watch for its request timeout (7 s).
	st := n.Wait(5 * time.Second)
	if !st.Success() {
		t.Fatalf("exit after SIGTERM: %v\n%s", st, n.Log())
	}
	if !strings.Contains(n.Log(), `"msg":"zkgate stopped"`) {
		t.Fatalf("no clean stop logged:\n%s", n.Log())
	}
}

// TestServe_StopBeforeReady: a member that never reaches quorum (its two
// peers do not exist) still stops promptly on SIGTERM.
func TestServe_StopBeforeReady(t *testing.T) {
	t.Parallel()
	p1, p2, p3 := harness.FreePort(t), harness.FreePort(t), harness.FreePort(t)
	cluster := fmt.Sprintf("a=http://127.0.0.1:%d,b=http://127.0.0.1:%d,c=http://127.0.0.1:%d", p1, p2, p3)
	n := harness.NewNode(t, harness.NodeOptions{Name: "a", PeerPort: p1, InitialCluster: cluster})
	n.Start()
	n.WaitLog("waiting for a quorum", 30*time.Second)
	n.Signal(syscall.SIGTERM)
	st := n.Wait(15 * time.Second)
	if !st.Success() {
		t.Fatalf("exit after SIGTERM: %v\n%s", st, n.Log())
	}
	// And its data dir is free again at once.
	n.Start()
	n.WaitLog("waiting for a quorum", 30*time.Second)
	n.Signal(syscall.SIGINT)
	if st := n.Wait(15 * time.Second); !st.Success() {
		t.Fatalf("exit after SIGINT: %v", st)
	}
}

// TestServe_DefaultLogIsConcise: at the default level a start and a stop
// log only zkgate's own lines; --log-level debug shows etcd's.
func TestServe_DefaultLogIsConcise(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{})
	n.WaitLog("zkgate ready", 10*time.Second)
	n.Stop()
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(n.Log()), "\n") {
		// The harness's own /health probes may time out on a loaded
		// machine; etcd rightly warns of those, and they are not start-up
		// or shutdown noise.
		if !strings.HasPrefix(l, "=== ") && !strings.Contains(l, `"msg":"serving /health`) && !strings.Contains(l, `"msg":"/health error"`) {
			lines = append(lines, l)
		}
	}
	if len(lines) != 3 {
		t.Fatalf("default log has %d lines, want ready, stopping, stopped:\n%s", len(lines), strings.Join(lines, "\n"))
	}
	for i, want := range []string{`"msg":"zkgate ready"`, `"msg":"stopping on signal"`, `"msg":"zkgate stopped"`} {
		if !strings.Contains(lines[i], want) || !strings.HasPrefix(lines[i], `{"level":"info"`) {
			t.Errorf("line %d = %s, want %s", i, lines[i], want)
		}
	}
	for _, face := range []string{`"etcd-grpc":["` + n.ClientURL + `"]`, `"peer":["` + n.PeerURL + `"]`, `"metrics":["` + n.ClientURL + `/metrics"]`} {
		if !strings.Contains(lines[0], face) {
			t.Errorf("ready line lacks %s: %s", face, lines[0])
		}
	}

	d := harness.StartNode(t, harness.NodeOptions{Args: []string{"--log-level", "debug"}})
	d.WaitLog(`"component":"etcd"`, 10*time.Second)
}
