package zkbridge

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/sasl"
	"github.com/zkgate/zkgate/zkbridge/jute"
)

// Config configures a Server.
type Config struct {
	// Engine serves the namespace. Nil means not yet: the Server then
	// answers as a ZooKeeper server waiting for its quorum does (see
	// SetEngine) until SetEngine gives it one.
	Engine *gateway.Engine
	Logger *zap.Logger
	// MaxPacket is the largest request accepted, as ZooKeeper's
	// jute.maxbuffer (default 0xfffff), and what conf reports as
	// maxBuffer. A larger one closes the connection. The engine's data
	// limit (gateway.Config.MaxDataBytes) should not exceed it, as
	// ZooKeeper documents jute.maxbuffer as the largest znode data.
	MaxPacket int
	// MaxQueuedBytes bounds the replies and watch events waiting for one
	// client to read them (default 64 MiB): beyond it the client is not
	// reading, and its connection is closed (reading its requests
	// already pauses at 4 MiB of replies; events have no such brake).
	MaxQueuedBytes int
	// HandshakeTimeout drops a connection that has not sent its
	// ConnectRequest (or four-letter word) in time. Default 10 s.
	HandshakeTimeout time.Duration
	// FourLetterWords lists the four-letter words answered; "*" allows
	// all. Nil means DefaultFourLetterWords.
	FourLetterWords []string
	// Version is reported by srvr, stat, mntr and envi, as
	// "3.8.0-zkgate-VERSION, built on BuiltOn" so that tools that parse
	// ZooKeeper's version line read it. BuiltOn is when the binary was
	// built (or, if not known, when the server started).
	Version string
	BuiltOn time.Time
	// ClientURLs are reported by conf.
	ClientURLs []string
	// DataDir and DataLogDir are what conf reports as dataDir and
	// dataLogDir and dirs measures: for an embedded etcd member, its
	// snapshot and WAL directories. Empty when there are none (a
	// gateway in front of an external etcd).
	DataDir, DataLogDir string
	// TickTime is what conf reports as tickTime: the embedded member's
	// Raft heartbeat interval, the time unit its election timeout is
	// counted in, as ZooKeeper's tick. Zero leaves the line out.
	TickTime time.Duration
	// ElectionTicks is what conf reports as initLimit and syncLimit:
	// the election timeout in ticks.
	ElectionTicks int
	// MinSessionTimeout and MaxSessionTimeout are reported by conf.
	MinSessionTimeout, MaxSessionTimeout time.Duration
	// Mode reports the server state for srvr and mntr: "standalone",
	// "leader" or "follower". Nil means standalone.
	Mode func() string
	// Quorum reports the Raft group of the node's etcd member for
	// mntr's leader keys and conf's membership; ok is false for a
	// member alone (standalone). Nil means standalone.
	Quorum func() (q QuorumStatus, ok bool)
	// InitialConfiguration is what the initial_configuration admin
	// command reports: the configuration the node started with, as its
	// configuration file would hold it (ZooKeeper answers its zoo.cfg).
	InitialConfiguration string
	// SASL, when set, answers sasl requests with its mechanism (the JAAS
	// file's Server section, --zk-jaas-config). Nil answers them as an
	// unknown opcode.
	SASL *sasl.ServerConfig
	// SASLSuperUser is ZooKeeper's zookeeper.superUser: a session that
	// authenticates with SASL as this identity also gets super:"" and
	// passes every ACL check. Empty: none.
	SASLSuperUser string
	// EnforceAuthSchemes is ZooKeeper's enforce.auth.schemes with
	// enforce.auth.enabled: when not empty, a session must hold an
	// identity of one of these schemes before any request but auth and
	// sasl (see enforceAuth).
	EnforceAuthSchemes []string
}

// QuorumStatus is what mntr and conf report of the Raft group of an
// embedded etcd member, from etcd's raft status.
type QuorumStatus struct {
	// ServerID is this member's number in Members (ZooKeeper's myid).
	ServerID int
	// Members are the cluster's members, numbered from 1 in the order
	// of their etcd member IDs.
	Members []QuorumMember
	// Voters is the number of voting members (quorum_size).
	Voters int
	// LeaderID is the leading member's ServerID, 0 while there is none
	// (the leader command's leader_id).
	LeaderID int
	// Leader reports whether this member leads Raft. The figures
	// below are known to the leader only.
	Leader bool
	// LeaderSince is when this member became leader (leader_uptime).
	LeaderSince time.Time
	// Learners is the number of other members the leader is in contact
	// with (learners: ZooKeeper's learner handlers).
	Learners int
	// SyncedFollowers are the voting members, the leader aside, in
	// contact and replicating the log (synced_followers);
	// SyncedNonVoting the etcd learners doing so
	// (synced_non_voting_followers).
	SyncedFollowers, SyncedNonVoting int
}

// QuorumMember is one member of the Raft group.
type QuorumMember struct {
	ID       int    // 1-based, ZooKeeper's server id
	PeerAddr string // host:port of its peer URL
	Learner  bool   // a non-voting etcd learner (a ZooKeeper observer)
}

// DefaultFourLetterWords are the read-only words monitoring tools use.
var DefaultFourLetterWords = []string{"ruok", "srvr", "stat", "mntr", "conf", "envi", "cons", "wchs", "wchc", "wchp", "isro", "dirs"}

// Server serves the ZooKeeper client protocol on listeners.
type Server struct {
	cfg Config
	// lists keeps the encodings of shared children lists (lists.go).
	lists   encodedLists
	lg      *zap.Logger
	engine  atomic.Pointer[gateway.Engine] // nil until there is one
	words   map[string]bool
	started time.Time
	// sizes caches approximate_data_size for the metrics (metrics.go).
	sizes sizeCache

	mu        sync.Mutex
	listeners []net.Listener
	secure    map[net.Listener]bool // listeners serving TLS (ServeTLS)
	conns     map[*conn]struct{}
	closed    bool
	wg        sync.WaitGroup

	stats stats
}

// New returns a Server for cfg.
func New(cfg Config) (*Server, error) {
	if cfg.MaxPacket < 0 {
		return nil, errors.New("zkbridge: MaxPacket must not be negative")
	}
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	if cfg.MaxPacket == 0 {
		cfg.MaxPacket = jute.DefaultMaxBuffer
	}
	if cfg.HandshakeTimeout == 0 {
		cfg.HandshakeTimeout = 10 * time.Second
	}
	if cfg.MaxQueuedBytes == 0 {
		cfg.MaxQueuedBytes = 64 << 20
	}
	if cfg.FourLetterWords == nil {
		cfg.FourLetterWords = DefaultFourLetterWords
	}
	s := &Server{cfg: cfg, lg: cfg.Logger, words: map[string]bool{}, conns: map[*conn]struct{}{}, started: time.Now()}
	for _, w := range cfg.FourLetterWords {
		s.words[w] = true
	}
	s.engine.Store(cfg.Engine)
	return s, nil
}

// SetEngine gives the Server its engine, once the node has one. Until
// then the Server answers as a ZooKeeper server that waits for its quorum:
// a handshake is refused at once (the connection is closed as soon as the
// length of its ConnectRequest is read), and the four-letter words that
// need the namespace answer "This ZooKeeper instance is not currently
// serving requests" (see noQuorumAnswer). A node thus serves its
// ZooKeeper port from start, and monitoring sees at once why it does not
// serve. SetEngine may be called once, concurrently with serving.
func (s *Server) SetEngine(e *gateway.Engine) {
	s.engine.Store(e)
}

// serving returns the engine if there is one and it can serve (it
// reaches a quorum: gateway's Engine.Serving), else nil.
func (s *Server) serving() *gateway.Engine {
	e := s.engine.Load()
	if e == nil || !e.Serving() {
		return nil
	}
	return e
}

// Serve accepts connections on l until l fails or the Server is closed.
func (s *Server) Serve(l net.Listener) error {
	return s.serve(l, false)
}

// ServeTLS is Serve with TLS on every connection of l, as ZooKeeper's
// secureClientPort: tc supplies the certificate and decides whether a
// client certificate is required. The handshake runs on the
// connection's own goroutine within HandshakeTimeout; a client that does
// not complete it (a plaintext client, a certificate the server does not
// trust) has its connection closed. Four-letter words are answered over
// TLS too.
func (s *Server) ServeTLS(l net.Listener, tc *tls.Config) error {
	return s.serve(tls.NewListener(l, tc), true)
}

func (s *Server) serve(l net.Listener, secure bool) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		l.Close()
		return net.ErrClosed
	}
	s.listeners = append(s.listeners, l)
	if secure {
		if s.secure == nil {
			s.secure = map[net.Listener]bool{}
		}
		s.secure[l] = true
	}
	s.mu.Unlock()
	for {
		nc, err := l.Accept()
		if err != nil {
			s.mu.Lock()
			closed := s.closed
			s.mu.Unlock()
			if closed {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return err
		}
		c := newConn(s, nc)
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			nc.Close()
			return nil
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		// Not deferred: serve recovers from panics, and a frame without
		// defers keeps the stack an idle connection waits on small (see
		// conn.open).
		go func() {
			c.serve()
			s.mu.Lock()
			delete(s.conns, c)
			s.mu.Unlock()
			s.wg.Done()
		}()
	}
}

// Close stops accepting, closes every connection (sessions live on until
// they expire, as when a ZooKeeper server stops) and waits for them.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	for _, l := range s.listeners {
		l.Close()
	}
	for c := range s.conns {
		c.nc.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}

// connections returns a snapshot of the open connections, those the
// server has finished with and lingers on (see conn.linger) left out.
func (s *Server) connections() []*conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		if !c.lingering.Load() {
			out = append(out, c)
		}
	}
	return out
}

// closeSessionConns closes the connections of session id to this server
// other than except (see conn.handshake). Their sessions are untouched.
func (s *Server) closeSessionConns(id int64, except *conn) {
	for _, c := range s.connections() {
		if c != except && c.sessionID.Load() == id {
			s.lg.Info("closing ZooKeeper connection", zap.String("remote", c.nc.RemoteAddr().String()),
				zap.String("reason", "the session reconnected on another connection"),
				zap.String("session", fmt.Sprintf("0x%x", uint64(id))))
			c.nc.Close()
		}
	}
}
