package zkbridge

import (
	"context"
	"fmt"
	"math"
	"net"
	"os"
	osuser "os/user"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/zkgate/zkgate/gateway"
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
		c.received.Store(1)
		s.stats.received.Add(1)
		s.stats.words.add(word)
		out = s.answer(word, c)
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
	built := s.cfg.BuiltOn
	if built.IsZero() {
		built = s.started
	}
	return "3.8.0-zkgate-" + s.cfg.Version + ", built on " + built.UTC().Format("2006-01-02 15:04") + " UTC"
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

func (s *Server) answer(word string, self *conn) string {
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
		fmt.Fprintf(&b, "Zookeeper version: %s\n", s.version())
		if word == "stat" {
			b.WriteString("Clients:\n")
			for _, c := range s.sortedConnections() {
				b.WriteString(c.brief(self))
				b.WriteString(")\n")
			}
			b.WriteString("\n")
		}
		s.serverSummary(ctx, &b, e)
	case "mntr":
		return s.mntr(ctx, e)
	case "conf":
		s.conf(&b)
	case "envi":
		envi(&b, s.version())
	case "cons":
		for _, c := range s.sortedConnections() {
			b.WriteString(c.brief(self))
			if c.sess.ID != 0 {
				f := c.sessionFigures(c.sess.ID)
				fmt.Fprintf(&b, ",sid=0x%x,lop=%s,est=%d,to=%d,lcxid=0x%x,lzxid=0x%x,lresp=%d,llat=%d,minlat=%d,avglat=%d,maxlat=%d",
					uint64(f.SessionID), f.LastOperation, f.Established, f.SessionTimeout, f.LastCxid, f.LastZxid,
					f.LastResponseTime, f.LastLatency, f.MinLatency, f.AvgLatency, f.MaxLatency)
			}
			b.WriteString(")\n")
		}
		b.WriteString("\n")
	case "wchs", "wchc", "wchp":
		s.watches(&b, word, e)
	case "dirs":
		fmt.Fprintf(&b, "datadir_size: %d\nlogdir_size: %d\n", dirSize(s.cfg.DataDir), dirSize(s.cfg.DataLogDir))
	case "crst":
		for _, c := range s.connections() {
			c.received.Store(0)
			c.sent.Store(0)
			c.stats.reset()
		}
		return "Connection stats reset.\n"
	case "srst":
		s.stats.reset()
		return "Server stats reset.\n"
	default:
		return word + " is not supported by zkgate.\n"
	}
	return b.String()
}

// serverSummary writes what srvr and stat print after the version (and
// stat's clients). A 3.8 leader adds "Proposal sizes last/min/max",
// which zkgate leaves out as mntr's proposal sizes (see mntrKeys).
func (s *Server) serverSummary(ctx context.Context, b *strings.Builder, e *gateway.Engine) {
	lat := s.stats.latency.read()
	znodes, _, _, _ := e.Counts(ctx)
	fmt.Fprintf(b, "Latency min/avg/max: %d/%s/%d\n", lat.min, javaDouble(round4(lat.avgMicros/1000)), lat.max)
	fmt.Fprintf(b, "Received: %d\nSent: %d\nConnections: %d\nOutstanding: %d\n",
		s.stats.received.Load(), s.stats.sent.Load(), len(s.connections()), s.stats.outstanding.Load())
	fmt.Fprintf(b, "Zxid: 0x%x\nMode: %s\nNode count: %d\n", e.Zxid(), s.mode(), zkNodeCount(znodes))
}

// brief is a connection's line in stat, and the start of its line in
// cons, without the closing parenthesis: as ZooKeeper, "[1]" for a
// connection with a session, "[0]" for one without (such as self, the
// connection asking).
func (c *conn) brief(self *conn) string {
	interest := 1
	if c == self || c.sess.ID == 0 {
		interest = 0
	}
	return fmt.Sprintf(" /%s[%d](queued=0,recved=%d,sent=%d", c.nc.RemoteAddr(), interest, c.received.Load(), c.sent.Load())
}

// sortedConnections are the open connections by remote address
// (ZooKeeper lists them in hash order).
func (s *Server) sortedConnections() []*conn {
	cs := s.connections()
	sort.Slice(cs, func(i, j int) bool { return cs[i].nc.RemoteAddr().String() < cs[j].nc.RemoteAddr().String() })
	return cs
}

// watches answers wchs, wchc and wchp. As ZooKeeper 3.8 (measured), they
// report the data watches only (getData, exists, persistent), not child
// watches; mntr's watch_count counts both. Sessions and paths are
// sorted (ZooKeeper lists them in hash order).
func (s *Server) watches(b *strings.Builder, word string, e *gateway.Engine) {
	paths, watchers := e.DataWatches()
	bySession := map[int64][]string{}
	total := 0
	distinct := map[gateway.Watcher]bool{}
	for i, p := range paths {
		for _, w := range watchers[i] {
			total++
			distinct[w] = true
			if c, ok := w.(*conn); ok {
				bySession[c.sess.ID] = append(bySession[c.sess.ID], p)
			}
		}
	}
	switch word {
	case "wchs":
		fmt.Fprintf(b, "%d connections watching %d paths\nTotal watches:%d\n", len(distinct), len(paths), total)
	case "wchc":
		ids := make([]int64, 0, len(bySession))
		for id := range bySession {
			ids = append(ids, id)
		}
		sort.Slice(ids, func(i, j int) bool { return uint64(ids[i]) < uint64(ids[j]) })
		for _, id := range ids {
			fmt.Fprintf(b, "0x%x\n", uint64(id))
			for _, p := range bySession[id] {
				fmt.Fprintf(b, "\t%s\n", p)
			}
		}
		b.WriteString("\n")
	case "wchp":
		for i, p := range paths {
			var ids []int64
			for _, w := range watchers[i] {
				if c, ok := w.(*conn); ok {
					ids = append(ids, c.sess.ID)
				}
			}
			if len(ids) == 0 {
				continue
			}
			sort.Slice(ids, func(i, j int) bool { return uint64(ids[i]) < uint64(ids[j]) })
			fmt.Fprintf(b, "%s\n", p)
			for _, id := range ids {
				fmt.Fprintf(b, "\t0x%x\n", uint64(id))
			}
		}
		b.WriteString("\n")
	}
}

// conf writes ZooKeeper 3.8's conf lines, in its order, with zkgate's
// values; zkgate's own lines (clientPortAddress, secureClientPortAddress,
// maxBuffer, clientURLs) follow serverId. A member of a cluster adds
// ZooKeeper's quorum lines: initLimit and syncLimit (the election
// timeout in ticks), electionPort and quorumPort (the member's peer port,
// which serves both), peerType (0 a voter, 1 a learner), the membership
// and version=0 (no reconfiguration through the ZooKeeper protocol), the
// last without a newline, as ZooKeeper prints it. electionAlg, which
// names ZooKeeper's election algorithm, is left out.
func (s *Server) conf(b *strings.Builder) {
	plain, secure := s.addrs()
	fmt.Fprintf(b, "clientPort=%d\nsecureClientPort=%d\n", firstPort(plain), firstPort(secure))
	if s.cfg.DataDir != "" {
		fmt.Fprintf(b, "dataDir=%s\ndataDirSize=%d\n", s.cfg.DataDir, dirSize(s.cfg.DataDir))
	}
	if s.cfg.DataLogDir != "" {
		fmt.Fprintf(b, "dataLogDir=%s\ndataLogSize=%d\n", s.cfg.DataLogDir, dirSize(s.cfg.DataLogDir))
	}
	if s.cfg.TickTime > 0 {
		fmt.Fprintf(b, "tickTime=%d\n", s.cfg.TickTime.Milliseconds())
	}
	var q QuorumStatus
	inQuorum := false
	if s.cfg.Quorum != nil {
		q, inQuorum = s.cfg.Quorum()
	}
	serverID := 0
	if inQuorum {
		serverID = q.ServerID
	}
	// maxClientCnxns=0: no limit of connections per client address;
	// clientPortListenBacklog=-1: the system's default backlog.
	fmt.Fprintf(b, "maxClientCnxns=0\nminSessionTimeout=%d\nmaxSessionTimeout=%d\nclientPortListenBacklog=-1\nserverId=%d\n",
		s.cfg.MinSessionTimeout.Milliseconds(), s.cfg.MaxSessionTimeout.Milliseconds(), serverID)
	fmt.Fprintf(b, "clientPortAddress=%s\n", strings.Join(plain, ","))
	if len(secure) > 0 {
		fmt.Fprintf(b, "secureClientPortAddress=%s\n", strings.Join(secure, ","))
	}
	fmt.Fprintf(b, "maxBuffer=%d\nclientURLs=%s\n", s.cfg.MaxPacket, strings.Join(s.cfg.ClientURLs, ","))
	if !inQuorum {
		return
	}
	if s.cfg.ElectionTicks > 0 {
		fmt.Fprintf(b, "initLimit=%d\nsyncLimit=%d\n", s.cfg.ElectionTicks, s.cfg.ElectionTicks)
	}
	peerType := 0
	for _, m := range q.Members {
		if m.ID != q.ServerID {
			continue
		}
		if _, p, err := net.SplitHostPort(m.PeerAddr); err == nil {
			fmt.Fprintf(b, "electionPort=%s\nquorumPort=%s\n", p, p)
		}
		if m.Learner {
			peerType = 1
		}
	}
	fmt.Fprintf(b, "peerType=%d\nmembership: \n", peerType)
	for _, m := range q.Members {
		role := "participant"
		if m.Learner {
			role = "observer"
		}
		fmt.Fprintf(b, "server.%d=%s:%s:%s\n", m.ID, m.PeerAddr, portOf(m.PeerAddr), role)
	}
	b.WriteString("version=0")
}

// portOf is the port of a host:port address.
func portOf(addr string) string {
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		return ""
	}
	return p
}

// envi writes ZooKeeper 3.8's envi lines whose meaning carries over to a
// Go process, in ZooKeeper's order: the java.* lines (the JVM's) are
// left out and go.version is added in their place; os.memory.* are the
// Go heap's (free: held but unused; max: the Go memory limit, or the
// machine's memory when there is none; total: held from the system).
func envi(b *strings.Builder, version string) {
	host, _ := os.Hostname()
	user, home := "", ""
	if u, err := osuser.Current(); err == nil {
		user, home = u.Username, u.HomeDir
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	limit := debug.SetMemoryLimit(-1)
	if limit == math.MaxInt64 {
		limit = machineMemory()
	}
	mb := func(n uint64) uint64 { return n >> 20 }
	fmt.Fprintf(b, "Environment:\nzookeeper.version=%s\nhost.name=%s\ngo.version=%s\n", version, host, runtime.Version())
	fmt.Fprintf(b, "java.io.tmpdir=%s\nos.name=%s\nos.arch=%s\nos.version=%s\nuser.name=%s\nuser.home=%s\nuser.dir=%s\n",
		os.TempDir(), osName(), runtime.GOARCH, osVersion(), user, home, wd())
	fmt.Fprintf(b, "os.memory.free=%dMB\nos.memory.max=%dMB\nos.memory.total=%dMB\n", mb(ms.HeapSys-ms.HeapAlloc), mb(uint64(limit)), mb(ms.HeapSys))
}

// osName is the operating system's name as Java's os.name spells it.
func osName() string {
	switch runtime.GOOS {
	case "linux":
		return "Linux"
	case "darwin":
		return "Mac OS X"
	case "freebsd":
		return "FreeBSD"
	}
	return runtime.GOOS
}

// osVersion is the kernel release (Java's os.version), empty if unknown.
func osVersion() string {
	b, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// machineMemory is the machine's memory in bytes (MemTotal), 0 if
// unknown.
func machineMemory() int64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "MemTotal:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
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
