package zkbridge

import (
	"context"
	"fmt"
	"net"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"
)

// fourLetterWord answers a four-letter word; the caller then closes the
// connection gracefully (linger), as ZooKeeper does. Words left out of the
// whitelist get ZooKeeper's refusal.
func (c *conn) fourLetterWord(word string) {
	s := c.s
	var out string
	if !s.words[word] && !s.words["*"] {
		out = word + " is not executed because it is not in the whitelist.\n"
	} else {
		out = s.answer(word)
	}
	_ = c.nc.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.nc.Write([]byte(out)); err != nil {
		s.lg.Debug("writing four-letter word answer", zap.String("word", word), zap.Error(err))
	}
}

func (s *Server) mode() string {
	if s.cfg.Mode != nil {
		return s.cfg.Mode()
	}
	return "standalone"
}

func (s *Server) version() string {
	return "3.8.0-zkgate-" + s.cfg.Version + ", built with " + runtime.Version()
}

// notServing is ZooKeeper 3.8's answer to a word that needs its
// database while it has no quorum.
const notServing = "This ZooKeeper instance is not currently serving requests\n"

// noQuorumAnswer is the answer to word of a ZooKeeper 3.8 server without
// a quorum (lost, or not yet found at start), as measured (see
// gateway/testdata/zookeeper-3.8-behaviour.md, "Four-letter words and
// the ZooKeeper port without a quorum"): ruok and envi answer as
// always, isro answers "null", every other word that zkgate supports
// answers notServing. ok is false for the words answered as always.
func noQuorumAnswer(word string) (answer string, ok bool) {
	switch word {
	case "ruok", "envi":
		return "", false
	case "isro":
		return "null", true
	case "srvr", "stat", "mntr", "conf", "cons", "wchs", "wchc", "wchp", "dirs", "crst", "srst":
		return notServing, true
	}
	return "", false
}

func (s *Server) answer(word string) string {
	e := s.serving()
	if e == nil {
		if out, ok := noQuorumAnswer(word); ok {
			return out
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var b strings.Builder
	switch word {
	case "ruok":
		return "imok"
	case "isro":
		return "rw"
	case "srvr", "stat":
		minL, avgL, maxL := s.stats.latency.read()
		znodes, _, _, _ := e.Counts(ctx)
		fmt.Fprintf(&b, "Zookeeper version: %s\n", s.version())
		if word == "stat" {
			b.WriteString("Clients:\n")
			for _, c := range s.connections() {
				fmt.Fprintf(&b, " /%s[1](queued=0,recved=%d,sent=%d)\n", c.nc.RemoteAddr(), c.received.Load(), c.sent.Load())
			}
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "Latency min/avg/max: %g/%.4f/%g\n", minL, avgL, maxL)
		fmt.Fprintf(&b, "Received: %d\nSent: %d\nConnections: %d\nOutstanding: %d\n",
			s.stats.received.Load(), s.stats.sent.Load(), len(s.connections()), s.stats.outstanding.Load())
		fmt.Fprintf(&b, "Zxid: 0x%x\nMode: %s\nNode count: %d\n", e.Zxid(), s.mode(), znodes)
	case "mntr":
		minL, avgL, maxL := s.stats.latency.read()
		znodes, ephemerals, sessions, _ := e.Counts(ctx)
		watches, _ := e.WatchCount()
		kv := [][2]string{
			{"zk_version", s.version()},
			{"zk_server_state", s.mode()},
			{"zk_avg_latency", fmt.Sprintf("%.4f", avgL)},
			{"zk_max_latency", fmt.Sprintf("%g", maxL)},
			{"zk_min_latency", fmt.Sprintf("%g", minL)},
			{"zk_packets_received", fmt.Sprint(s.stats.received.Load())},
			{"zk_packets_sent", fmt.Sprint(s.stats.sent.Load())},
			{"zk_num_alive_connections", fmt.Sprint(len(s.connections()))},
			{"zk_outstanding_requests", fmt.Sprint(s.stats.outstanding.Load())},
			{"zk_znode_count", fmt.Sprint(znodes)},
			{"zk_watch_count", fmt.Sprint(watches)},
			{"zk_ephemerals_count", fmt.Sprint(ephemerals)},
			{"zk_global_sessions", fmt.Sprint(sessions)},
			{"zk_uptime", fmt.Sprint(time.Since(s.started).Milliseconds())},
		}
		for _, p := range kv {
			fmt.Fprintf(&b, "%s\t%s\n", p[0], p[1])
		}
	case "conf":
		plain, secure := s.addrs()
		fmt.Fprintf(&b, "clientPort=%d\nsecureClientPort=%d\n", firstPort(plain), firstPort(secure))
		if len(secure) > 0 {
			fmt.Fprintf(&b, "secureClientPortAddress=%s\n", strings.Join(secure, ","))
		}
		fmt.Fprintf(&b, "clientPortAddress=%s\ndataDir=%s\nminSessionTimeout=%d\nmaxSessionTimeout=%d\nmaxBuffer=%d\nclientURLs=%s\n",
			strings.Join(plain, ","), s.cfg.DataDir, s.cfg.MinSessionTimeout.Milliseconds(), s.cfg.MaxSessionTimeout.Milliseconds(), s.cfg.MaxPacket, strings.Join(s.cfg.ClientURLs, ","))
	case "envi":
		host, _ := os.Hostname()
		fmt.Fprintf(&b, "Environment:\nzookeeper.version=%s\nhost.name=%s\ngo.version=%s\nos.name=%s\nos.arch=%s\nuser.dir=%s\n",
			s.version(), host, runtime.Version(), runtime.GOOS, runtime.GOARCH, wd())
	case "cons":
		for _, c := range s.connections() {
			op, _ := c.lastOp.Load().(string)
			fmt.Fprintf(&b, " /%s[1](queued=0,recved=%d,sent=%d,sid=0x%x,lop=%s,est=%d,to=%d)\n",
				c.nc.RemoteAddr(), c.received.Load(), c.sent.Load(), uint64(c.sess.ID), op, c.opened.UnixMilli(), c.sess.Timeout.Milliseconds())
		}
		b.WriteString("\n")
	case "wchs", "wchc", "wchp":
		watches, paths := e.WatchCount()
		conns := 0
		for _, c := range s.connections() {
			if c.sess.ID != 0 {
				conns++
			}
		}
		fmt.Fprintf(&b, "%d connections watching %d paths\nTotal watches:%d\n", conns, paths, watches)
	case "dirs":
		fmt.Fprintf(&b, "datadir_size: %d\nlogdir_size: 0\n", dirSize(s.cfg.DataDir))
	case "crst":
		for _, c := range s.connections() {
			c.received.Store(0)
			c.sent.Store(0)
		}
		return "Connection stats reset.\n"
	case "srst":
		s.stats.received.Store(0)
		s.stats.sent.Store(0)
		s.stats.latency.reset()
		return "Server stats reset.\n"
	default:
		return word + " is not supported by zkgate.\n"
	}
	return b.String()
}

// addrs returns the addresses of the plaintext and of the TLS listeners,
// each sorted.
func (s *Server) addrs() (plain, secure []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, l := range s.listeners {
		if s.secure[l] {
			secure = append(secure, l.Addr().String())
		} else {
			plain = append(plain, l.Addr().String())
		}
	}
	sort.Strings(plain)
	sort.Strings(secure)
	return plain, secure
}

// firstPort is the port of the first of addrs, or -1 (ZooKeeper's
// answer for a port it does not serve).
func firstPort(addrs []string) int {
	if len(addrs) == 0 {
		return -1
	}
	_, p, err := net.SplitHostPort(addrs[0])
	if err != nil {
		return -1
	}
	n, err := strconv.Atoi(p)
	if err != nil {
		return -1
	}
	return n
}

func wd() string {
	d, _ := os.Getwd()
	return d
}

// dirSize is the total size of the files under dir (0 if none).
func dirSize(dir string) int64 {
	if dir == "" {
		return 0
	}
	var total int64
	var walk func(string)
	walk = func(p string) {
		entries, err := os.ReadDir(p)
		if err != nil {
			return
		}
		for _, e := range entries {
			full := p + "/" + e.Name()
			if e.IsDir() {
				walk(full)
			} else if info, err := e.Info(); err == nil {
				total += info.Size()
			}
		}
	}
	walk(dir)
	return total
}
