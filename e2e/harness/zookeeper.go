package harness

import (
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// ZooKeeper is a real Apache ZooKeeper 3.8 standalone server started by a
// test (Debian package zookeeper; `make peers` installs it). It is the
// oracle of differential tests. The process is killed when the test
// ends, dies with the test binary, and its log is shown if the test
// failed.
type ZooKeeper struct {
	Addr    string // host:port of the client port
	DataDir string

	dir       string   // holds conf/ and data/
	extraJars []string // class path entries besides ZooKeeperJars
	t         testing.TB
	cmd       *exec.Cmd
	log       *logBuffer
	exited    chan struct{}
}

// ZooKeeperJars are the class path entries a real ZooKeeper server needs
// besides its configuration directory: the server and the logging
// binding of the Debian package (zookeeper.jar's manifest names the rest).
var ZooKeeperJars = []string{
	"/usr/share/java/zookeeper.jar",
	"/usr/share/java/slf4j-log4j12.jar",
	"/usr/share/java/log4j-1.2.jar",
}

// ZooKeeperReadyTimeout bounds how long the server may take to answer
// ruok with imok.
var ZooKeeperReadyTimeout = 60 * time.Second

const zkLog4j = `log4j.rootLogger=WARN, CONSOLE
log4j.appender.CONSOLE=org.apache.log4j.ConsoleAppender
log4j.appender.CONSOLE.layout=org.apache.log4j.PatternLayout
log4j.appender.CONSOLE.layout.ConversionPattern=%d{ISO8601} - %-5p [%t:%C{1}@%L] - %m%n
`

// StartZooKeeper starts a standalone ZooKeeper 3.8 on a free loopback
// port with a fresh data dir, TTL nodes enabled
// (-Dzookeeper.extendedTypesEnabled=true) and containers checked every
// second (-Dznode.container.checkIntervalMs=1000, a JVM property: the
// zoo.cfg key of that name has no effect in 3.8.0), and waits until it
// answers ruok. jvmFlags are added to the java command line (for example
// -Dzookeeper.enforceQuota=true). It skips nothing: a machine without java
// or the package fails the test with a hint.
func StartZooKeeper(t testing.TB, jvmFlags ...string) *ZooKeeper {
	t.Helper()
	return StartZooKeeperConfig(t, "", jvmFlags...)
}

// StartZooKeeperConfig is StartZooKeeper with extra zoo.cfg lines (for
// example authProvider.1=... or enforce.auth.enabled=true).
func StartZooKeeperConfig(t testing.TB, zooCfg string, jvmFlags ...string) *ZooKeeper {
	t.Helper()
	java, err := exec.LookPath("java")
	if err != nil {
		t.Fatalf("java not found (run `make peers` to install the zookeeper package): %v", err)
	}
	for _, j := range ZooKeeperJars {
		if _, err := os.Stat(j); err != nil {
			t.Fatalf("ZooKeeper jar missing (run `make peers`): %v", err)
		}
	}
	dir := t.TempDir()
	port := FreePort(t)
	z := newZooKeeper(t, dir, port, zooCfg)
	z.start(java, jvmFlags...)
	z.waitReady()
	return z
}

// newZooKeeper writes the configuration of a ZooKeeper server in dir
// (conf/zoo.cfg, conf/log4j.properties, data/) serving clients on port;
// extra are further zoo.cfg lines.
func newZooKeeper(t testing.TB, dir string, port int, extra string) *ZooKeeper {
	t.Helper()
	conf := filepath.Join(dir, "conf")
	data := filepath.Join(dir, "data")
	for _, d := range []string{conf, data} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cfg := fmt.Sprintf("tickTime=2000\ndataDir=%s\nclientPort=%d\nclientPortAddress=127.0.0.1\n"+
		"admin.enableServer=false\n4lw.commands.whitelist=*\n", data, port) + extra
	if err := os.WriteFile(filepath.Join(conf, "zoo.cfg"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(conf, "log4j.properties"), []byte(zkLog4j), 0o644); err != nil {
		t.Fatal(err)
	}
	return &ZooKeeper{
		Addr:    fmt.Sprintf("127.0.0.1:%d", port),
		DataDir: data,
		dir:     dir,
		t:       t,
		log:     &logBuffer{},
		exited:  make(chan struct{}),
	}
}

// start starts the server configured in z.dir, with jvmFlags added to
// the java command line; it is killed when the test ends.
func (z *ZooKeeper) start(java string, jvmFlags ...string) {
	t := z.t
	t.Helper()
	conf := filepath.Join(z.dir, "conf")
	args := append([]string{
		"-Dzookeeper.extendedTypesEnabled=true",
		"-Dznode.container.checkIntervalMs=1000",
		"-Dlog4j.configuration=file:" + filepath.Join(conf, "log4j.properties"),
	}, jvmFlags...)
	args = append(args,
		"-cp", strings.Join(append(append([]string{conf}, ZooKeeperJars...), z.extraJars...), ":"),
		"org.apache.zookeeper.server.quorum.QuorumPeerMain", filepath.Join(conf, "zoo.cfg"),
	)
	cmd := exec.Command(java, args...)
	cmd.Dir = z.dir
	cmd.Env = cleanEnv(nil)
	cmd.Stdout = z.log
	cmd.Stderr = z.log
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	fmt.Fprintf(z.log, "=== start: java %s\n", strings.Join(args, " "))
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting ZooKeeper: %v", err)
	}
	z.cmd = cmd
	go func() {
		_ = cmd.Wait()
		fmt.Fprintf(z.log, "=== exit: %v\n", cmd.ProcessState)
		close(z.exited)
	}()
	t.Cleanup(z.cleanup)
}

func (z *ZooKeeper) waitReady() {
	z.t.Helper()
	deadline := time.Now().Add(ZooKeeperReadyTimeout)
	for {
		// ruok answers imok as soon as the process listens; srvr
		// reports a mode only once the server serves requests.
		if ans, err := z.FourLetterWord("ruok"); err == nil && ans == "imok" {
			if st, err := z.FourLetterWord("srvr"); err == nil && strings.Contains(st, "Mode: ") {
				return
			}
		}
		select {
		case <-z.exited:
			z.t.Fatalf("ZooKeeper exited before serving:\n%s", tail(z.log.String(), 100))
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			z.t.Fatalf("ZooKeeper did not serve (ruok, srvr) within %v", ZooKeeperReadyTimeout)
		}
	}
}

// FourLetterWord sends a four-letter word (ruok, srvr, ...) on a fresh
// connection and returns the answer.
func (z *ZooKeeper) FourLetterWord(w string) (string, error) {
	nc, err := net.DialTimeout("tcp", z.Addr, 2*time.Second)
	if err != nil {
		return "", err
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := nc.Write([]byte(w)); err != nil {
		return "", err
	}
	b, err := io.ReadAll(nc)
	return string(b), err
}

// Log returns what the server has printed (WARN and above).
func (z *ZooKeeper) Log() string { return z.log.String() }

func (z *ZooKeeper) cleanup() {
	if z.cmd != nil && z.cmd.Process != nil {
		select {
		case <-z.exited:
		default:
			_ = z.cmd.Process.Kill()
			<-z.exited
		}
	}
	if z.t.Failed() {
		z.t.Logf("--- log of ZooKeeper %s ---\n%s", z.Addr, tail(z.Log(), 300))
	}
}
