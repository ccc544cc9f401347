package zkbridge_test

import (
	"fmt"
	"io"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/gateway/gatewaytest"
	"github.com/zkgate/zkgate/schema"
	"github.com/zkgate/zkgate/zkbridge"
	"github.com/zkgate/zkgate/zkbridge/jute"
)

// askWord sends word with a trailing newline, as `echo WORD | nc` does,
// half-closes, and reads to the end. err is what ended the reading: nil
// for a clean end (FIN), an error for a reset or a timeout.
func askWord(addr, word string) (answer string, took time.Duration, err error) {
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
	if err := nc.(*net.TCPConn).CloseWrite(); err != nil {
		return "", 0, err
	}
	b, err := io.ReadAll(nc)
	return string(b), time.Since(start), err
}

// servingAnswers matches the whole answer (anchored at both ends, so a
// cut one fails) of each default word of a serving standalone bridge.
var servingAnswers = map[string]*regexp.Regexp{
	"ruok": regexp.MustCompile(`^imok$`),
	"isro": regexp.MustCompile(`^rw$`),
	"srvr": regexp.MustCompile(`(?s)^Zookeeper version: [^\n]+\nLatency min/avg/max: .*\nMode: standalone\nNode count: \d+\n$`),
	"stat": regexp.MustCompile(`(?s)^Zookeeper version: [^\n]+\nClients:\n( /\S+\[[01]\]\([^\n]*\)\n)+\nLatency .*\nNode count: \d+\n$`),
	"mntr": regexp.MustCompile(`(?s)^zk_version\t[^\n]+\nzk_server_state\tstandalone\n.*\nzk_uptime\t\d+\n.*\nzk_p999_readlatency\t\d+\nzk_history_oldest_zxid\t\d+\n$`),
	"conf": regexp.MustCompile(`(?s)^clientPort=\d+\n.*\nmaxBuffer=\d+\nclientURLs=[^\n]*\n$`),
	"envi": regexp.MustCompile(`(?s)^Environment:\nzookeeper\.version=.*\nuser\.dir=[^\n]*\nos\.memory\.free=\d+MB\nos\.memory\.max=\d+MB\nos\.memory\.total=\d+MB\n$`),
	"cons": regexp.MustCompile(`^( /\S+\[[01]\]\([^\n]*\)\n)+\n$`),
	"wchs": regexp.MustCompile(`^\d+ connections watching \d+ paths\nTotal watches:\d+\n$`),
	"wchc": regexp.MustCompile(`^(0x[0-9a-f]+\n(\t/\S*\n)+)*\n$`),
	"wchp": regexp.MustCompile(`^(/\S*\n(\t0x[0-9a-f]+\n)+)*\n$`),
	"dirs": regexp.MustCompile(`^datadir_size: \d+\nlogdir_size: \d+\n$`),
}

// noQuorumAnswers is what a ZooKeeper 3.8 server without a quorum
// answers (gateway/testdata/zookeeper-3.8-behaviour.md).
var noQuorumAnswers = map[string]*regexp.Regexp{
	"ruok": regexp.MustCompile(`^imok$`),
	"isro": regexp.MustCompile(`^null$`),
	"envi": servingAnswers["envi"],
}

const notServing = "This ZooKeeper instance is not currently serving requests\n"

func noQuorumAnswer(word string) *regexp.Regexp {
	if re, ok := noQuorumAnswers[word]; ok {
		return re
	}
	return regexp.MustCompile("^" + regexp.QuoteMeta(notServing) + "$")
}

// TestFourLetterWords_WholeAnswerWithTrailingNewline: every default word,
// sent with a newline and a half-close as `echo WORD | nc` sends it, gets
// its whole answer and a clean end (FIN), 50 times in a row. Closing with
// the newline unread made the kernel reset the connection, and the
// client lost the answer.
func TestFourLetterWords_WholeAnswerWithTrailingNewline(t *testing.T) {
	cl := gatewaytest.StartCluster(t, 1)
	a := startBridge(t, cl, 0, gateway.Config{})
	for _, w := range zkbridge.DefaultFourLetterWords {
		for i := range 50 {
			got, _, err := askWord(a, w)
			if err != nil {
				t.Fatalf("%s, try %d: reading the answer: %v (got %q)", w, i+1, err, got)
			}
			if !servingAnswers[w].MatchString(got) {
				t.Fatalf("%s, try %d: answer %q", w, i+1, got)
			}
		}
	}
}

// TestFourLetterWords_NoEngineAnswersAsZooKeeperWithoutQuorum: a server
// given no engine yet (a node waiting for its quorum at start) answers
// every word at once as a ZooKeeper 3.8 server without a quorum does, and
// closes a handshake as soon as it has read its length; once it gets an
// engine it serves.
func TestFourLetterWords_NoEngineAnswersAsZooKeeperWithoutQuorum(t *testing.T) {
	s, err := zkbridge.New(zkbridge.Config{HandshakeTimeout: time.Second, FourLetterWords: []string{"*"}})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(l)
	t.Cleanup(func() { s.Close() })
	a := l.Addr().String()

	checkNoQuorum(t, a, append([]string{"crst", "srst"}, zkbridge.DefaultFourLetterWords...))

	cl := gatewaytest.StartCluster(t, 1)
	s.SetEngine(gatewaytest.NewEngine(t, cl.Client(0), gateway.Config{}))
	waitAnswer(t, a, "srvr", servingAnswers["srvr"])
	c := connect(t, a, jute.ConnectRequest{})
	if c.Resp.SessionID == 0 {
		t.Fatalf("handshake after SetEngine answered %+v", c.Resp)
	}
	c.create("/served", 0)
}

// TestFourLetterWords_NoQuorumAnswersAsZooKeeper: a bridge whose member
// loses its quorum answers every word within a second as a ZooKeeper 3.8
// server without a quorum does, and refuses a handshake at once.
func TestFourLetterWords_NoQuorumAnswersAsZooKeeper(t *testing.T) {
	cl := gatewaytest.StartCluster(t, 3)
	a := startBridge(t, cl, 0, gateway.Config{})
	if got, _, err := askWord(a, "srvr"); err != nil || !strings.Contains(got, "Node count: ") {
		t.Fatalf("srvr with a quorum: %q %v", got, err)
	}
	cl.StopMember(1)
	cl.StopMember(2)
	waitAnswer(t, a, "srvr", noQuorumAnswer("srvr"))
	checkNoQuorum(t, a, zkbridge.DefaultFourLetterWords)
}

// waitAnswer asks word until the answer matches want, for at most 20 s.
func waitAnswer(t *testing.T, addr, word string, want *regexp.Regexp) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		got, _, err := askWord(addr, word)
		if err == nil && want.MatchString(got) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still answers %q (%v), want %v", word, got, err, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// checkNoQuorum checks that the server at addr answers each of words
// within a second as ZooKeeper without a quorum, and closes a handshake
// (FIN, not a reset) within a second.
func checkNoQuorum(t *testing.T, addr string, words []string) {
	t.Helper()
	for _, w := range words {
		got, took, err := askWord(addr, w)
		if err != nil {
			t.Fatalf("%s without quorum: %v (got %q)", w, err, got)
		}
		if !noQuorumAnswer(w).MatchString(got) {
			t.Errorf("%s without quorum answered %q", w, got)
		}
		if took > time.Second {
			t.Errorf("%s without quorum answered after %v", w, took)
		}
	}
	start := time.Now()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
	req := jute.ConnectRequest{TimeOut: 10000, Passwd: make([]byte, 16)}
	if _, err := nc.Write(jute.AppendPacket(nil, &req)); err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(nc)
	if err != nil || len(b) != 0 {
		t.Fatalf("handshake without quorum: %q, %v; want the connection closed", b, err)
	}
	if took := time.Since(start); took > time.Second {
		t.Fatalf("handshake without quorum closed after %v", took)
	}
}

// TestFourLetterWords_ConfMaxBufferIsThePacketLimit: conf's maxBuffer is
// the largest request accepted: a create whose packet is exactly that
// long is answered, one byte more closes the connection, as ZooKeeper
// treats jute.maxbuffer.
func TestFourLetterWords_ConfMaxBufferIsThePacketLimit(t *testing.T) {
	cl := gatewaytest.StartCluster(t, 1)
	const limit = 8192
	a := startBridgeWith(t, cl, 0, gateway.Config{}, func(c *zkbridge.Config) { c.MaxPacket = limit })
	conf, _, err := askWord(a, "conf")
	if err != nil || !strings.Contains(conf, fmt.Sprintf("\nmaxBuffer=%d\n", limit)) {
		t.Fatalf("conf: %q %v", conf, err)
	}
	createOfPacket := func(path string, size int) []byte {
		h := jute.RequestHeader{Xid: 1, Type: jute.OpCreate}
		req := jute.CreateRequest{Path: path, ACL: openACL}
		req.Data = make([]byte, size-(len(jute.AppendPacket(nil, &h, &req))-4))
		pkt := jute.AppendPacket(nil, &h, &req)
		if len(pkt)-4 != size {
			t.Fatalf("packet of %d bytes, want %d", len(pkt)-4, size)
		}
		return pkt
	}
	c := connect(t, a, jute.ConnectRequest{})
	c.write(createOfPacket("/fits", limit))
	body := c.frame()
	var rh jute.ReplyHeader
	if body == nil || rh.Decode(jute.NewDecoder(body)) != nil || rh.Err != schema.CodeOK {
		t.Fatalf("create of a %d-byte packet: %q %+v", limit, body, rh)
	}
	c = connect(t, a, jute.ConnectRequest{})
	c.write(createOfPacket("/over", limit+1))
	if body := c.frame(); body != nil {
		t.Fatalf("create of a %d-byte packet answered %q", limit+1, body)
	}
}

// TestFourLetterWords_CrstResetsConnectionStats: crst answers as
// ZooKeeper 3.8 ("Connection stats reset.") and zeroes each connection's
// counts, which cons shows.
func TestFourLetterWords_CrstResetsConnectionStats(t *testing.T) {
	cl := gatewaytest.StartCluster(t, 1)
	a := startBridgeWith(t, cl, 0, gateway.Config{}, func(c *zkbridge.Config) { c.FourLetterWords = []string{"*"} })
	c := connect(t, a, jute.ConnectRequest{})
	c.create("/counted", 0)
	sid := fmt.Sprintf("sid=0x%x,", uint64(c.Resp.SessionID))
	line := func() string {
		t.Helper()
		cons, _, err := askWord(a, "cons")
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(cons, "\n") {
			if strings.Contains(l, sid) {
				return l
			}
		}
		t.Fatalf("cons lacks the session: %q", cons)
		return ""
	}
	if l := line(); strings.Contains(l, "recved=0,sent=0,") {
		t.Fatalf("cons before crst: %q", l)
	}
	if got, _, err := askWord(a, "crst"); err != nil || got != "Connection stats reset.\n" {
		t.Fatalf("crst: %q %v", got, err)
	}
	if l := line(); !strings.Contains(l, "recved=0,sent=0,") {
		t.Fatalf("cons after crst: %q", l)
	}
}

// TestFourLetterWords_AnsweredConnectionNotAlive: once a word is answered
// and the server has closed its side, the connection is no longer counted
// in num_alive_connections, though the client has not closed its own side
// yet (the server drains it for a while): a ZooKeeper server removes a
// connection from its count when it closes it. A client that read an
// answer to its end and asked mntr at once found the earlier connection
// still counted.
func TestFourLetterWords_AnsweredConnectionNotAlive(t *testing.T) {
	cl := gatewaytest.StartCluster(t, 1)
	a := startBridge(t, cl, 0, gateway.Config{})
	nc, err := net.Dial("tcp", a)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := nc.Write([]byte("ruok")); err != nil {
		t.Fatal(err)
	}
	// Read to the server's FIN, and keep this side open.
	if b, err := io.ReadAll(nc); err != nil || string(b) != "imok" {
		t.Fatalf("ruok: %q %v", b, err)
	}
	mntr, _, err := askWord(a, "mntr")
	if err != nil {
		t.Fatal(err)
	}
	// The mntr connection counts itself, as ZooKeeper's does.
	if !strings.Contains(mntr, "\nzk_num_alive_connections\t1\n") {
		t.Fatalf("mntr with one answered connection still open on the client's side:\n%s", mntr)
	}
}
