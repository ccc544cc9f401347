package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/zkgate/zkgate/e2e/harness"
	"github.com/zkgate/zkgate/schema"
	"github.com/zkgate/zkgate/zkbridge/jute"
)

// defaultWords are zkgate's default --zk-4lw-whitelist.
var defaultWords = []string{"ruok", "srvr", "stat", "mntr", "conf", "envi", "cons", "wchs", "wchc", "wchp", "isro", "dirs"}

// wordAnswer matches the whole answer (anchored at both ends, so a cut
// one fails) of each default word of a serving node; mode is the srvr
// and mntr server state.
func wordAnswer(word, mode string) *regexp.Regexp {
	watches := `^\d+ connections watching \d+ paths\nTotal watches:\d+\n$`
	return regexp.MustCompile(map[string]string{
		"ruok": `^imok$`,
		"isro": `^rw$`,
		"srvr": `(?s)^Zookeeper version: [^\n]+\nLatency min/avg/max: .*\nMode: ` + mode + `\nNode count: \d+\n$`,
		"stat": `(?s)^Zookeeper version: [^\n]+\nClients:\n( /\S+\[[01]\]\([^\n]*\)\n)+\nLatency .*\nMode: ` + mode + `\nNode count: \d+\n$`,
		"mntr": `(?s)^zk_version\t[^\n]+\nzk_server_state\t` + mode + `\n.*\nzk_uptime\t\d+\n.*\nzk_p999_readlatency\t\d+\nzk_history_oldest_zxid\t\d+\n$`,
		"conf": `(?s)^clientPort=\d+\n.*\nmaxBuffer=\d+\nclientURLs=[^\n]*\n(initLimit=.*\nversion=0)?$`,
		"envi": `(?s)^Environment:\nzookeeper\.version=.*\nuser\.dir=[^\n]*\nos\.memory\.free=\d+MB\nos\.memory\.max=\d+MB\nos\.memory\.total=\d+MB\n$`,
		"cons": `^( /\S+\[[01]\]\([^\n]*\)\n)+\n$`,
		"wchs": watches,
		"wchc": `^(0x[0-9a-f]+\n(\t/\S*\n)+)*\n$`,
		"wchp": `^(/\S*\n(\t0x[0-9a-f]+\n)+)*\n$`,
		"dirs": `^datadir_size: \d+\nlogdir_size: \d+\n$`,
	}[word])
}

// noQuorumWordAnswer is what ZooKeeper 3.8 without a quorum answers
// (gateway/testdata/zookeeper-3.8-behaviour.md).
func noQuorumWordAnswer(word string) *regexp.Regexp {
	switch word {
	case "ruok", "envi":
		return wordAnswer(word, "")
	case "isro":
		return regexp.MustCompile(`^null$`)
	}
	return regexp.MustCompile(`^This ZooKeeper instance is not currently serving requests\n$`)
}

// askFourLetterWord sends word and a newline, as `echo WORD | nc` does,
// half-closes, and reads to the end; err is nil only for a clean end.
func askFourLetterWord(addr, word string) (string, time.Duration, error) {
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		return "", 0, err
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
	start := time.Now()
	if _, err := nc.Write([]byte(word + "\n")); err != nil {
		return "", 0, err
	}
	// A server that has answered and closed already (ZooKeeper closes
	// right after it writes its answer, and resets the connection for the
	// newline it did not read) makes the half-close fail with "not
	// connected": the answer is still to be read.
	if err := nc.(*net.TCPConn).CloseWrite(); err != nil && !errors.Is(err, syscall.ENOTCONN) {
		return "", 0, err
	}
	b, err := io.ReadAll(nc)
	return string(b), time.Since(start), err
}

// TestFourLetterWords_Netcat: every default word gets its whole answer
// from the real nc (Debian's netcat-openbsd) every time, sent the ways
// monitoring scripts send it: `echo WORD | nc`, `printf WORD | nc -q1`
// and with a half-close (`nc -N`).
func TestFourLetterWords_Netcat(t *testing.T) {
	t.Parallel()
	// OpenBSD's nc by name: Debian's netcat-traditional, also "nc", has
	// no -N.
	ncPath, err := exec.LookPath("nc.openbsd")
	if err != nil {
		t.Fatalf("nc.openbsd not found (Debian package netcat-openbsd; `make peers` installs it): %v", err)
	}
	n := harness.StartNode(t, harness.NodeOptions{})
	host, port, _ := net.SplitHostPort(n.ZKAddr)
	nc := func(stdin string, args ...string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, ncPath, append(args, host, port)...)
		cmd.Stdin = strings.NewReader(stdin)
		var out, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &stderr
		if err := cmd.Run(); err != nil {
			return "", fmt.Errorf("%v: %s", err, stderr.String())
		}
		return out.String(), nil
	}
	// One goroutine per word: `nc -q1` takes its second whatever the
	// server does.
	var wg sync.WaitGroup
	for _, w := range defaultWords {
		wg.Add(1)
		go func() {
			defer wg.Done()
			want := wordAnswer(w, "standalone")
			for _, how := range []struct {
				stdin string
				args  []string
				times int
			}{
				{w + "\n", nil, 20},           // echo WORD | nc
				{w + "\n", []string{"-N"}, 5}, // echo WORD | nc -N (half-close)
				{w, []string{"-q1"}, 2},       // printf WORD | nc -q1
			} {
				for i := range how.times {
					got, err := nc(how.stdin, how.args...)
					if err != nil || !want.MatchString(got) {
						t.Errorf("%q | nc %s, try %d: answer %q %v", how.stdin, strings.Join(how.args, " "), i+1, got, err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}

// TestFourLetterWords_NoQuorum: a node of a 3-node cluster whose two
// peers are stopped answers every word within a second as ZooKeeper 3.8
// without a quorum does, and closes a handshake at once; restarted while
// they are still down (its member waits for a quorum and the namespace
// never starts), it does the same from start; once a peer is back it
// serves.
func TestFourLetterWords_NoQuorum(t *testing.T) {
	t.Parallel()
	c := harness.StartCluster(t, 3)
	n := c.Nodes[0]
	if got, _, err := askFourLetterWord(n.ZKAddr, "srvr"); err != nil || !wordAnswer("srvr", "(leader|follower)").MatchString(got) {
		t.Fatalf("srvr with a quorum: %q %v", got, err)
	}
	c.Nodes[1].Stop()
	c.Nodes[2].Stop()
	waitWord(t, n.ZKAddr, "srvr", noQuorumWordAnswer("srvr"), 20*time.Second)
	checkNoQuorumWords(t, n.ZKAddr)

	const ready = `"msg":"zkgate ready"`
	readyLines := strings.Count(n.Log(), ready)
	n.Stop()
	n.Start() // no quorum: it never becomes ready
	waitWord(t, n.ZKAddr, "ruok", noQuorumWordAnswer("ruok"), 30*time.Second)
	checkNoQuorumWords(t, n.ZKAddr)
	if strings.Count(n.Log(), ready) != readyLines {
		t.Fatal("the restarted node reported ready without a quorum: the test did not see a node waiting for one")
	}

	c.Nodes[1].Start()
	waitWord(t, n.ZKAddr, "srvr", wordAnswer("srvr", "(leader|follower)"), 60*time.Second)
	z, err := harness.DialZK(n.ZKAddr, harness.ZKConnectOptions{})
	if err != nil {
		t.Fatalf("handshake once the quorum is back: %v", err)
	}
	defer z.Drop()
	if z.Resp.SessionID == 0 {
		t.Fatalf("handshake once the quorum is back: %+v", z.Resp)
	}
}

// waitWord asks word until its answer matches want, for at most timeout.
func waitWord(t *testing.T, addr, word string, want *regexp.Regexp, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got, _, err := askFourLetterWord(addr, word)
		if err == nil && want.MatchString(got) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s on %s still answers %q (%v) after %v, want %v", word, addr, got, err, timeout, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// checkNoQuorumWords checks that every default word is answered within a
// second as ZooKeeper without a quorum answers it, and that a handshake
// is closed (a clean end, no answer) within a second.
func checkNoQuorumWords(t *testing.T, addr string) {
	t.Helper()
	for _, w := range defaultWords {
		got, took, err := askFourLetterWord(addr, w)
		if err != nil {
			t.Fatalf("%s without quorum: %v (got %q)", w, err, got)
		}
		if !noQuorumWordAnswer(w).MatchString(got) {
			t.Errorf("%s without quorum answered %q", w, got)
		}
		if took > time.Second {
			t.Errorf("%s without quorum answered after %v", w, took)
		}
		t.Logf("%s without quorum: %v", w, took.Round(time.Millisecond))
	}
	start := time.Now()
	z, err := harness.DialZK(addr, harness.ZKConnectOptions{})
	if err == nil {
		z.Drop()
		t.Fatalf("a node without quorum completed a handshake: %+v", z.Resp)
	}
	if !errors.Is(err, harness.ErrZKClosed) {
		t.Fatalf("handshake without quorum: %v, want the connection closed", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Fatalf("handshake without quorum closed after %v", took)
	}
}

// TestFourLetterWords_ConfMaxBuffer: conf's maxBuffer is what the node
// accepts, as jute.maxbuffer on ZooKeeper: by default 1,048,575 bytes
// (0xfffff) of znode data on the namespace API, and a ZooKeeper request
// packet of that size, not one byte more (measured on ZooKeeper 3.8 in
// gateway/testdata/zookeeper-3.8-behaviour.md); --zk-max-data-bytes
// raises both.
func TestFourLetterWords_ConfMaxBuffer(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		args  []string
		limit int
	}{
		{"default", nil, 0xfffff},
		{"raised", []string{"--zk-max-data-bytes", "1500000"}, 1500000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := harness.StartNode(t, harness.NodeOptions{Args: tc.args})
			conf, _, err := askFourLetterWord(n.ZKAddr, "conf")
			if err != nil || !strings.Contains(conf, fmt.Sprintf("\nmaxBuffer=%d\n", tc.limit)) {
				t.Fatalf("conf: %q %v", conf, err)
			}
			// The namespace API: data of maxBuffer bytes, not one more.
			zk := n.ClientURL + "/zk/v1/"
			data := strings.Repeat("A", tc.limit)
			if code, m := httpJSON(t, zk, "POST", "create", `{"path":"/max","data":"`+b64(data)+`"}`); code != 200 {
				t.Fatalf("create of %d bytes: %d %v", tc.limit, code, m)
			}
			if code, m := httpJSON(t, zk, "POST", "create", `{"path":"/over","data":"`+b64(data+"A")+`"}`); code == 200 || !strings.Contains(fmt.Sprint(m), "over the limit") {
				t.Fatalf("create of %d bytes: %d %v", tc.limit+1, code, m)
			}
			// The ZooKeeper port: a request packet of maxBuffer bytes,
			// not one more.
			if rh, err := zkPacket(t, n.ZKAddr, "/fits", tc.limit); err != nil || rh.Err != schema.CodeOK {
				t.Fatalf("create in a packet of %d bytes: %+v %v", tc.limit, rh, err)
			}
			if rh, err := zkPacket(t, n.ZKAddr, "/too-big", tc.limit+1); !errors.Is(err, harness.ErrZKClosed) {
				t.Fatalf("create in a packet of %d bytes: %+v %v, want the connection closed", tc.limit+1, rh, err)
			}
		})
	}
}

// zkPacket opens a session at addr and sends a create of path whose
// request packet is size bytes long; it returns the reply header, or the
// error that ended the connection (harness.ErrZKClosed once it closed).
func zkPacket(t *testing.T, addr, path string, size int) (jute.ReplyHeader, error) {
	t.Helper()
	c, err := harness.DialZK(addr, harness.ZKConnectOptions{CallTimeout: 30 * time.Second})
	if err != nil {
		t.Fatalf("handshake: %v", err)
	}
	defer c.Drop()
	h := jute.RequestHeader{Xid: 1, Type: jute.OpCreate} // the first call's
	req := jute.CreateRequest{Path: path, ACL: []jute.ACL{{Perms: 31, ID: jute.ID{Scheme: "world", ID: "anyone"}}}}
	req.Data = make([]byte, size-(len(jute.AppendPacket(nil, &h, &req))-4))
	if n := len(jute.AppendPacket(nil, &h, &req)) - 4; n != size {
		t.Fatalf("packet of %d bytes, want %d", n, size)
	}
	rh, _, err := c.Call(jute.OpCreate, &req)
	return rh, err
}
