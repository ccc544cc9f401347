// Command zkserver stands in for ZooKeeper's bin/zkServer.sh in front of
// go-zookeeper's own test suite: the suite's cluster helper
// (server_java_test.go) runs "$ZOOKEEPER_BIN_PATH/zkServer.sh
// start-foreground zoo.cfg" with SERVER_JVMFLAGS in its environment, and
// stops a server by killing that process. Built as zkServer.sh, this
// program reads the zoo.cfg the helper wrote, starts the server GOZK_SERVER
// names on a free loopback port, and relays the config's clientPort to it:
//
//   - zkgate: ZKGATE_BIN serve. Each server.N=host:peerPort:electionPort
//     line is a member zkN with its Raft on peerPort and its etcd client
//     URL on electionPort (a standalone config has none: clientPort+1 and
//     +2, which the helper leaves free, are used); session timeouts are
//     ZooKeeper's defaults for the config's tickTime (2 and 20 ticks); the
//     super digest and TTL switches of SERVER_JVMFLAGS map to
//     --zk-super-digest (TTL nodes are always on in zkgate).
//   - zookeeper: Debian's ZooKeeper 3.8 (QuorumPeerMain), with
//     SERVER_JVMFLAGS, as the stock zkServer.sh starts it.
//
// Why a relay: the helper waits for its servers by parsing their srvr
// answer with a pattern for the version line of older releases (the
// suite's own CI runs ZooKeeper 3.5 and 3.6), such as "Zookeeper version:
// 3.5.6-<hash>, built on 10/08/2019 20:18 GMT".
// ZooKeeper 3.8 (Debian's build: "3.8.0-${mvngit.commit.id}, built on
// 2024-12-29 17:54 UTC") and zkgate do not match it, so no cluster would
// ever look started. The relay answers a srvr connection with the server's
// own answer, its version line replaced by one in the old form; every other
// connection (the ZooKeeper protocol, other words) is relayed byte for
// byte, both directions, half-closes included. Both servers run behind the
// same relay, so the suite sees them alike.
//
// The server dies with this process (Pdeathsig), so the helper's kill
// stops the server as it would stop ZooKeeper's own script; a clean signal
// (SIGTERM, SIGINT) is passed on and waited for. This process dies with
// the suite's test binary, so nothing outlives a suite that is killed.
package main

import (
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/zkgate/zkgate/gateway/gatewaytest/freeport"
)

func main() {
	if len(os.Args) != 3 || os.Args[1] != "start-foreground" {
		fmt.Fprintln(os.Stderr, "usage: zkServer.sh start-foreground zoo.cfg")
		os.Exit(2)
	}
	// The helper stops a server by killing this process; if the suite
	// itself dies first, this process (and with it the server) dies too.
	_ = unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(syscall.SIGKILL), 0, 0, 0)
	if err := run(os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "zkServer.sh:", err)
		os.Exit(1)
	}
}

// config is what the relay needs of a zoo.cfg.
type config struct {
	lines      []string          // as read, for the ZooKeeper copy
	values     map[string]string // key=value, last one wins
	dataDir    string
	clientPort int
	tickTime   int
	myID       int
	servers    map[int][3]string // id -> host, peerPort, electionPort
}

func readConfig(path string) (*config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c := &config{values: map[string]string{}, servers: map[int][3]string{}, myID: 1}
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		c.lines = append(c.lines, line)
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("%s: line %q is not key=value", path, line)
		}
		c.values[k] = v
		if id, ok := strings.CutPrefix(k, "server."); ok {
			n, err := strconv.Atoi(id)
			parts := strings.Split(v, ":")
			if err != nil || len(parts) != 3 {
				return nil, fmt.Errorf("%s: server line %q is not server.N=host:peerPort:electionPort", path, line)
			}
			c.servers[n] = [3]string{parts[0], parts[1], parts[2]}
		}
	}
	c.dataDir = c.values["dataDir"]
	if c.dataDir == "" {
		return nil, fmt.Errorf("%s: no dataDir", path)
	}
	if c.clientPort, err = strconv.Atoi(c.values["clientPort"]); err != nil {
		return nil, fmt.Errorf("%s: clientPort: %w", path, err)
	}
	if c.tickTime, err = strconv.Atoi(c.values["tickTime"]); err != nil {
		return nil, fmt.Errorf("%s: tickTime: %w", path, err)
	}
	if id, err := os.ReadFile(filepath.Join(c.dataDir, "myid")); err == nil {
		if c.myID, err = strconv.Atoi(strings.TrimSpace(string(id))); err != nil {
			return nil, fmt.Errorf("myid: %w", err)
		}
	}
	return c, nil
}

func run(cfgPath string) error {
	cfg, err := readConfig(cfgPath)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", cfg.clientPort))
	if err != nil {
		return err
	}
	internal, err := freeport.Next()
	if err != nil {
		return err
	}
	var cmd *exec.Cmd
	switch os.Getenv("GOZK_SERVER") {
	case "zkgate":
		cmd, err = zkgateCommand(cfg, internal)
	case "zookeeper":
		cmd, err = zookeeperCommand(cfg, cfgPath, internal)
	default:
		err = fmt.Errorf("set GOZK_SERVER to zkgate (with ZKGATE_BIN) or zookeeper")
	}
	if err != nil {
		return err
	}
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return err
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		s := <-sigs
		_ = cmd.Process.Signal(s)
	}()
	target := fmt.Sprintf("127.0.0.1:%d", internal)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go relay(c, target)
		}
	}()
	return cmd.Wait()
}

func zkgateCommand(cfg *config, zkPort int) (*exec.Cmd, error) {
	bin := os.Getenv("ZKGATE_BIN")
	if bin == "" {
		return nil, fmt.Errorf("ZKGATE_BIN is not set")
	}
	peer, client := strconv.Itoa(cfg.clientPort+1), strconv.Itoa(cfg.clientPort+2)
	var members []string
	for id, s := range cfg.servers {
		members = append(members, fmt.Sprintf("zk%d=http://%s:%s", id, s[0], s[1]))
		if id == cfg.myID {
			peer, client = s[1], s[2]
		}
	}
	if len(members) == 0 {
		members = []string{fmt.Sprintf("zk%d=http://127.0.0.1:%s", cfg.myID, peer)}
	}
	clientURL := "http://127.0.0.1:" + client
	peerURL := "http://127.0.0.1:" + peer
	args := []string{"serve",
		"--name", fmt.Sprintf("zk%d", cfg.myID),
		"--data-dir", filepath.Join(cfg.dataDir, "zkgate"),
		"--listen-client-urls", clientURL,
		"--advertise-client-urls", clientURL,
		"--listen-peer-urls", peerURL,
		"--initial-advertise-peer-urls", peerURL,
		"--initial-cluster", strings.Join(members, ","),
		"--zk-listen", fmt.Sprintf("127.0.0.1:%d", zkPort),
		"--zk-min-session-timeout", strconv.Itoa(2 * cfg.tickTime),
		"--zk-max-session-timeout", strconv.Itoa(20 * cfg.tickTime),
		"--zk-4lw-whitelist", "*",
		"--log-level", "warn",
	}
	for _, f := range strings.Fields(os.Getenv("SERVER_JVMFLAGS")) {
		if d, ok := strings.CutPrefix(f, "-Dzookeeper.DigestAuthenticationProvider.superDigest="); ok {
			args = append(args, "--zk-super-digest", d)
		}
	}
	return exec.Command(bin, args...), nil
}

const log4j = `log4j.rootLogger=WARN, CONSOLE
log4j.appender.CONSOLE=org.apache.log4j.ConsoleAppender
log4j.appender.CONSOLE.layout=org.apache.log4j.PatternLayout
log4j.appender.CONSOLE.layout.ConversionPattern=%d{ISO8601} - %-5p [%t:%C{1}@%L] - %m%n
`

// zookeeperJars are the class path of Debian's ZooKeeper server besides
// its configuration directory (as e2e/harness.ZooKeeperJars).
var zookeeperJars = []string{
	"/usr/share/java/zookeeper.jar",
	"/usr/share/java/slf4j-log4j12.jar",
	"/usr/share/java/log4j-1.2.jar",
}

func zookeeperCommand(cfg *config, cfgPath string, zkPort int) (*exec.Cmd, error) {
	dir := filepath.Join(filepath.Dir(cfgPath), "relay")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "log4j.properties"), []byte(log4j), 0o644); err != nil {
		return nil, err
	}
	// The helper's config, with the client port moved behind the relay.
	var b strings.Builder
	for _, line := range cfg.lines {
		if strings.HasPrefix(line, "clientPort=") || strings.HasPrefix(line, "clientPortAddress=") {
			continue
		}
		b.WriteString(line + "\n")
	}
	fmt.Fprintf(&b, "clientPort=%d\nclientPortAddress=127.0.0.1\n", zkPort)
	relayed := filepath.Join(dir, "zoo.cfg")
	if err := os.WriteFile(relayed, []byte(b.String()), 0o644); err != nil {
		return nil, err
	}
	args := strings.Fields(os.Getenv("SERVER_JVMFLAGS"))
	args = append(args, "-cp", strings.Join(append([]string{dir}, zookeeperJars...), ":"),
		"org.apache.zookeeper.server.quorum.QuorumPeerMain", relayed)
	return exec.Command("java", args...), nil
}

// relay forwards one client connection to the server. A connection that
// opens with srvr gets the server's answer with its version line in the
// form the suite's helper parses (see the package doc).
func relay(c net.Conn, target string) {
	defer c.Close()
	s, err := net.DialTimeout("tcp", target, 5*time.Second)
	if err != nil {
		return
	}
	defer s.Close()
	var first [4]byte
	n, err := io.ReadFull(c, first[:])
	if _, werr := s.Write(first[:n]); err != nil || werr != nil {
		return
	}
	if string(first[:]) == "srvr" {
		answer, _ := io.ReadAll(s)
		_, _ = c.Write(oldVersionLine(answer))
		return
	}
	done := make(chan struct{})
	go func() {
		pipe(s, c)
		close(done)
	}()
	pipe(c, s)
	<-done
}

// pipe copies src to dst until src ends, then half-closes dst.
func pipe(dst, src net.Conn) {
	_, _ = io.Copy(dst, src)
	if cw, ok := dst.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
	}
}

var (
	versionLine     = regexp.MustCompile(`(?m)\AZookeeper version: ([^,\n]*)[^\n]*`)
	notInOldVersion = regexp.MustCompile(`[^A-Za-z0-9.\-]`)
)

// oldVersionLine rewrites a srvr answer's first line to "Zookeeper
// version: V, built on 01/01/1970 00:00 UTC", V being the server's
// version with the characters the old pattern does not allow dropped. The
// build date is not the server's: neither server states one in the old
// form, and the helper only checks that the line parses.
func oldVersionLine(answer []byte) []byte {
	m := versionLine.FindSubmatchIndex(answer)
	if m == nil {
		return answer
	}
	v := notInOldVersion.ReplaceAll(answer[m[2]:m[3]], nil)
	line := fmt.Sprintf("Zookeeper version: %s, built on 01/01/1970 00:00 UTC", v)
	return append([]byte(line), answer[m[1]:]...)
}
