package zkbridge

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/zkgate/zkgate/gateway"
)

// The answers of ZooKeeper 3.8's AdminServer commands, as structured
// data from the same sources as the four-letter words. Each type's JSON
// is the command's answer without its "command" and "error" fields, key
// for key as ZooKeeper 3.8 answers it (measured:
// zkbridge/testdata/zookeeper-3.8-admin-*.json), less the keys listed by
// AdminKeysLeftOut. Package zkbridge/admin serves them over HTTP.

// ErrNotServing is ZooKeeper 3.8's error for every command but
// environment while the server has no quorum (lost, or not yet found at
// start), measured: zookeeper-3.8-admin-noquorum-ruok.json.
//
//lint:ignore ST1005 ZooKeeper's words, capital included
var ErrNotServing = errors.New("This ZooKeeper instance is not currently serving requests")

// ErrNotInQuorum is ZooKeeper 3.8's error for leader on a standalone
// server (measured: zookeeper-3.8-admin-leader.json).
var ErrNotInQuorum = errors.New("server is not initialized")

// Field is one key of a JSON object whose keys keep their order.
type Field struct {
	Key   string
	Value any
}

// Fields is a JSON object whose keys keep their order (monitor and
// environment, whose keys are data rather than a fixed shape).
type Fields []Field

// MarshalJSON writes the fields as one JSON object, in order.
func (fs Fields) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range fs {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(f.Key)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(f.Value)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// BufferStats are last/min/max sizes, -1 each until the first.
type BufferStats struct {
	LastBufferSize int64 `json:"last_buffer_size"`
	MinBufferSize  int64 `json:"min_buffer_size"`
	MaxBufferSize  int64 `json:"max_buffer_size"`
}

// ServerFigures are server_stats's "server_stats" object.
type ServerFigures struct {
	PacketsSent               int64       `json:"packets_sent"`
	PacketsReceived           int64       `json:"packets_received"`
	ClientResponseStats       BufferStats `json:"client_response_stats"`
	DataDirSize               int64       `json:"data_dir_size"`
	LogDirSize                int64       `json:"log_dir_size"`
	ProviderNull              bool        `json:"provider_null"`
	ServerState               string      `json:"server_state"`
	LastProcessedZxid         int64       `json:"last_processed_zxid"`
	OutstandingRequests       int64       `json:"outstanding_requests"`
	AvgLatency                float64     `json:"avg_latency"`
	MaxLatency                int64       `json:"max_latency"`
	MinLatency                int64       `json:"min_latency"`
	NumAliveClientConnections int         `json:"num_alive_client_connections"`
	Uptime                    int64       `json:"uptime"`
	AuthFailedCount           int64       `json:"auth_failed_count"`
}

// ServerStats is server_stats (srvr).
type ServerStats struct {
	Version        string        `json:"version"`
	ReadOnly       bool          `json:"read_only"`
	ServerStats    ServerFigures `json:"server_stats"`
	ClientResponse BufferStats   `json:"client_response"`
	NodeCount      int64         `json:"node_count"`
}

// ConnectionBrief is a connection as stats lists it.
type ConnectionBrief struct {
	RemoteSocketAddress string `json:"remote_socket_address"`
	// InterestOps is 1 for a connection with a session, 0 for one
	// without (as stat's [1] and [0]).
	InterestOps         int   `json:"interest_ops"`
	OutstandingRequests int64 `json:"outstanding_requests"`
	PacketsReceived     int64 `json:"packets_received"`
	PacketsSent         int64 `json:"packets_sent"`
}

// SessionFigures are a connection's session figures, as cons prints
// them after sid=.
type SessionFigures struct {
	SessionID        int64  `json:"session_id"`
	LastOperation    string `json:"last_operation"`
	Established      int64  `json:"established"` // ms since the epoch
	SessionTimeout   int64  `json:"session_timeout"`
	LastCxid         int32  `json:"last_cxid"`
	LastZxid         int64  `json:"last_zxid"`
	LastResponseTime int64  `json:"last_response_time"`
	LastLatency      int64  `json:"last_latency"`
	MinLatency       int64  `json:"min_latency"`
	AvgLatency       int64  `json:"avg_latency"`
	MaxLatency       int64  `json:"max_latency"`
}

// Connection is a connection as connections lists it: the session
// figures only once it has a session.
type Connection struct {
	ConnectionBrief
	*SessionFigures
}

// Connections is connections (cons): plaintext and TLS connections,
// each sorted by remote address.
type Connections struct {
	Connections       []Connection `json:"connections"`
	SecureConnections []Connection `json:"secure_connections"`
}

// Stats is stats (stat): server_stats and the connections in brief.
type Stats struct {
	ServerStats
	Connections       []ConnectionBrief `json:"connections"`
	SecureConnections []ConnectionBrief `json:"secure_connections"`
}

// Configuration is configuration (conf).
type Configuration struct {
	ClientPort              int    `json:"client_port"`
	DataDir                 string `json:"data_dir"`
	DataLogDir              string `json:"data_log_dir"`
	TickTime                int64  `json:"tick_time"`
	MaxClientCnxns          int    `json:"max_client_cnxns"`
	MinSessionTimeout       int64  `json:"min_session_timeout"`
	MaxSessionTimeout       int64  `json:"max_session_timeout"`
	ServerID                int    `json:"server_id"`
	ClientPortListenBacklog int    `json:"client_port_listen_backlog"`
}

// WatchSummary is watch_summary (wchs).
type WatchSummary struct {
	NumConnections  int `json:"num_connections"`
	NumPaths        int `json:"num_paths"`
	NumTotalWatches int `json:"num_total_watches"`
}

// Watches is watches (wchc): the paths each session watches, by
// session id in decimal.
type Watches struct {
	SessionIDToWatchedPaths map[string][]string `json:"session_id_to_watched_paths"`
}

// WatchesByPath is watches_by_path (wchp).
type WatchesByPath struct {
	PathToSessionIDs map[string][]int64 `json:"path_to_session_ids"`
}

// Dump is dump: the sessions of this node by the time they expire if
// not heard from (ms since the server started, rounded up to ZooKeeper's
// 2 s tick, as its session tracker buckets them), and every session's
// ephemeral znodes.
type Dump struct {
	ExpiryTimeToSessionIDs    map[string][]int64  `json:"expiry_time_to_session_ids"`
	SessionIDToEphemeralPaths map[string][]string `json:"session_id_to_ephemeral_paths"`
}

// dumpTick is ZooKeeper's default tickTime, the width of its session
// tracker's expiry buckets.
const dumpTick = 2000

// Dump answers dump, or ErrNotServing.
func (s *Server) Dump(ctx context.Context) (Dump, error) {
	e := s.serving()
	if e == nil {
		return Dump{}, ErrNotServing
	}
	eph, err := e.EphemeralsBySession(ctx)
	if err != nil {
		return Dump{}, err
	}
	out := Dump{ExpiryTimeToSessionIDs: map[string][]int64{}, SessionIDToEphemeralPaths: map[string][]string{}}
	for id, ps := range eph {
		out.SessionIDToEphemeralPaths[strconv.FormatInt(id, 10)] = ps
	}
	for _, c := range s.sortedConnections() {
		id := c.sessionID.Load()
		if id == 0 {
			continue
		}
		heard := max(c.stats.lastResp.Load(), c.opened.Milliseconds())
		expiry := (heard + c.sess.Timeout.Milliseconds() + dumpTick - 1) / dumpTick * dumpTick
		k := strconv.FormatInt(expiry, 10)
		out.ExpiryTimeToSessionIDs[k] = append(out.ExpiryTimeToSessionIDs[k], id)
	}
	return out, nil
}

// Dirs is dirs.
type Dirs struct {
	DatadirSize int64 `json:"datadir_size"`
	LogdirSize  int64 `json:"logdir_size"`
}

// ReadOnly is is_read_only (isro).
type ReadOnly struct {
	ReadOnly bool `json:"read_only"`
}

// Leader is leader (lead).
type Leader struct {
	IsLeader bool   `json:"is_leader"`
	LeaderID int    `json:"leader_id"`
	LeaderIP string `json:"leader_ip"`
}

// VotingMember is one member in voting_view.
type VotingMember struct {
	ServerAddresses   []string `json:"server_addresses"`
	ElectionAddresses []string `json:"election_addresses"`
	// ClientAddress is this server's ZooKeeper address, empty for the
	// others (as ZooKeeper answers).
	ClientAddress string `json:"client_address"`
	LearnerType   string `json:"learner_type"` // participant or observer
}

// VotingView is voting_view: the members by server id, empty on a
// standalone server.
type VotingView struct {
	CurrentConfig map[string]VotingMember `json:"current_config"`
}

// LastSnapshot is last_snapshot (lsnp).
type LastSnapshot struct {
	Zxid      string `json:"zxid"`      // hexadecimal, without 0x
	Timestamp int64  `json:"timestamp"` // seconds since the epoch
}

// InitialConfiguration is initial_configuration (icfg).
type InitialConfiguration struct {
	InitialConfiguration string `json:"initial_configuration"`
}

// adminLeftOut are the keys of ZooKeeper 3.8's answers zkgate leaves
// out, by command, with the reason.
var adminLeftOut = map[string]map[string]string{
	"server_stats": {
		"server_stats.fsync_threshold_exceed_count": "ZooKeeper's transaction log fsync; etcd's WAL fsync is on /metrics",
		"server_stats.non_mtlsremote_conn_count":    "as monitor's non_mtls_remote_conn_count",
		"server_stats.non_mtlslocal_conn_count":     "as monitor's non_mtls_local_conn_count",
		"proposal_stats":                            "a leader's proposal sizes: ZooKeeper's atomic broadcast, etcd's Raft in zkgate (as monitor's *_proposal_size)",
	},
	"environment": {
		"java.version":      "the JVM (zkgate adds go.version)",
		"java.vendor":       "the JVM",
		"java.home":         "the JVM",
		"java.class.path":   "the JVM",
		"java.library.path": "the JVM",
		"java.compiler":     "the JVM",
	},
}

// AdminKeysLeftOut are the keys of ZooKeeper 3.8's answer to command
// (its primary name) that zkgate leaves out, as dotted paths
// ("server_stats.fsync_threshold_exceed_count"), mapped to the reason.
// Monitor's are mntr's (see mntrKeys). Stats leaves out what
// server_stats does.
func AdminKeysLeftOut(command string) map[string]string {
	out := map[string]string{}
	switch command {
	case "monitor":
		for _, k := range mntrKeys {
			if k.leftOut == "" {
				continue
			}
			switch k.form {
			case formValue:
				out[k.name] = k.leftOut
			default:
				pre := []string{"avg", "min", "max", "cnt", "sum"}
				if k.form == formPercentiles {
					pre = append(pre, "p50", "p95", "p99", "p999")
				}
				for _, p := range pre {
					out[p+"_"+k.name] = k.leftOut
				}
			}
		}
	case "stats":
		command = "server_stats"
	}
	for k, why := range adminLeftOut[command] {
		out[k] = why
	}
	return out
}

// MonitorLeftOutSuffixes are the endings of the monitor keys ZooKeeper
// 3.8 names after its data or peers (such as avg_adm_read_per_namespace),
// none of which zkgate answers.
func MonitorLeftOutSuffixes() []string {
	var out []string
	for _, d := range mntrDynamicLeftOut {
		out = append(out, d.suffix)
	}
	return out
}

// serverStats gathers server_stats's figures from e, which serves.
func (s *Server) serverStats(ctx context.Context, e *gateway.Engine) ServerStats {
	lat := s.stats.latency.read()
	znodes, _, _, _ := e.Counts(ctx)
	var rs BufferStats
	rs.LastBufferSize, rs.MinBufferSize, rs.MaxBufferSize = s.stats.responseSize.read()
	return ServerStats{
		Version: s.version(),
		ServerStats: ServerFigures{
			PacketsSent:               s.stats.sent.Load(),
			PacketsReceived:           s.stats.received.Load(),
			ClientResponseStats:       rs,
			DataDirSize:               dirSize(s.cfg.DataDir),
			LogDirSize:                dirSize(s.cfg.DataLogDir),
			ServerState:               s.mode(),
			LastProcessedZxid:         e.Zxid(),
			OutstandingRequests:       s.stats.outstanding.Load(),
			AvgLatency:                round4(lat.avgMicros / 1000),
			MaxLatency:                lat.max,
			MinLatency:                lat.min,
			NumAliveClientConnections: len(s.connections()),
			Uptime:                    time.Since(s.started).Milliseconds(),
			AuthFailedCount:           s.stats.authFailed.Load(),
		},
		ClientResponse: rs,
		NodeCount:      zkNodeCount(znodes),
	}
}

// ServerStats answers server_stats (srvr), or ErrNotServing.
func (s *Server) ServerStats(ctx context.Context) (ServerStats, error) {
	e := s.serving()
	if e == nil {
		return ServerStats{}, ErrNotServing
	}
	return s.serverStats(ctx, e), nil
}

// Stats answers stats (stat), or ErrNotServing.
func (s *Server) Stats(ctx context.Context) (Stats, error) {
	e := s.serving()
	if e == nil {
		return Stats{}, ErrNotServing
	}
	st := Stats{ServerStats: s.serverStats(ctx, e), Connections: []ConnectionBrief{}, SecureConnections: []ConnectionBrief{}}
	for _, c := range s.sortedConnections() {
		if c.isSecure() {
			st.SecureConnections = append(st.SecureConnections, c.briefInfo())
		} else {
			st.Connections = append(st.Connections, c.briefInfo())
		}
	}
	return st, nil
}

func (c *conn) isSecure() bool {
	_, ok := c.nc.(*tls.Conn)
	return ok
}

func (c *conn) briefInfo() ConnectionBrief {
	interest := 1
	if c.sessionID.Load() == 0 {
		interest = 0
	}
	return ConnectionBrief{
		RemoteSocketAddress: c.nc.RemoteAddr().String(),
		InterestOps:         interest,
		PacketsReceived:     c.received.Load(),
		PacketsSent:         c.sent.Load(),
	}
}

// sessionFigures are the figures of c's session id that cons and
// connections report.
func (c *conn) sessionFigures(id int64) SessionFigures {
	cs := &c.stats
	op := c.lastOperation()
	avg := int64(0)
	if n := cs.count.Load(); n > 0 {
		avg = cs.sum.Load() / n
	}
	return SessionFigures{
		SessionID:        id,
		LastOperation:    op,
		Established:      c.s.started.Add(c.opened).UnixMilli(),
		SessionTimeout:   c.sess.Timeout.Milliseconds(),
		LastCxid:         cs.lastXid.Load(),
		LastZxid:         c.lastZxid.Load(),
		LastResponseTime: cs.lastResp.Load(),
		LastLatency:      cs.lastLat.Load(),
		MinLatency:       cs.min.get(),
		AvgLatency:       avg,
		MaxLatency:       cs.max.Load(),
	}
}

// Connections answers connections (cons), or ErrNotServing.
func (s *Server) Connections() (Connections, error) {
	if s.serving() == nil {
		return Connections{}, ErrNotServing
	}
	out := Connections{Connections: []Connection{}, SecureConnections: []Connection{}}
	for _, c := range s.sortedConnections() {
		info := Connection{ConnectionBrief: c.briefInfo()}
		if id := c.sessionID.Load(); id != 0 {
			f := c.sessionFigures(id)
			info.SessionFigures = &f
		}
		if c.isSecure() {
			out.SecureConnections = append(out.SecureConnections, info)
		} else {
			out.Connections = append(out.Connections, info)
		}
	}
	return out, nil
}

// Monitor answers monitor (mntr), or ErrNotServing: mntr's keys without
// zk_, in mntr's order, each value a number where mntr prints one (an
// integer, or a float where ZooKeeper prints a double).
func (s *Server) Monitor(ctx context.Context) (Fields, error) {
	e := s.serving()
	if e == nil {
		return nil, ErrNotServing
	}
	var out Fields
	sc := bufio.NewScanner(strings.NewReader(s.mntr(ctx, e)))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "\t")
		if !ok {
			continue
		}
		out = append(out, Field{Key: strings.TrimPrefix(k, "zk_"), Value: typedValue(v)})
	}
	return out, nil
}

// typedValue is an integer, a float (a value with a decimal point, as
// Java prints doubles) or else the string itself.
func typedValue(v string) any {
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return n
	}
	if strings.Contains(v, ".") {
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			return f
		}
	}
	return v
}

// Environment answers environment (envi): envi's keys and values, in
// its order, strings all. It answers without a quorum too, as ZooKeeper.
func (s *Server) Environment() Fields {
	var b strings.Builder
	envi(&b, s.version())
	var out Fields
	for _, l := range strings.Split(b.String(), "\n") {
		if k, v, ok := strings.Cut(l, "="); ok {
			out = append(out, Field{Key: k, Value: v})
		}
	}
	return out
}

// Configuration answers configuration (conf), or ErrNotServing.
func (s *Server) Configuration() (Configuration, error) {
	if s.serving() == nil {
		return Configuration{}, ErrNotServing
	}
	plain, secure := s.addrs()
	port := firstPort(plain)
	if port < 0 {
		port = firstPort(secure)
	}
	c := Configuration{
		ClientPort:              port,
		DataDir:                 s.cfg.DataDir,
		DataLogDir:              s.cfg.DataLogDir,
		TickTime:                s.cfg.TickTime.Milliseconds(),
		MinSessionTimeout:       s.cfg.MinSessionTimeout.Milliseconds(),
		MaxSessionTimeout:       s.cfg.MaxSessionTimeout.Milliseconds(),
		ClientPortListenBacklog: -1,
	}
	if q, ok := s.quorum(); ok {
		c.ServerID = q.ServerID
	}
	return c, nil
}

func (s *Server) quorum() (QuorumStatus, bool) {
	if s.cfg.Quorum == nil {
		return QuorumStatus{}, false
	}
	return s.cfg.Quorum()
}

// dataWatchers are the data watches by session, as wchc, wchp and wchs
// count them (see watches).
func dataWatchers(e *gateway.Engine) (paths []string, ids [][]int64, conns int, total int) {
	ps, watchers := e.DataWatches()
	distinct := map[gateway.Watcher]bool{}
	for i, p := range ps {
		var sids []int64
		for _, w := range watchers[i] {
			total++
			distinct[w] = true
			if c, ok := w.(*conn); ok {
				sids = append(sids, c.sessionID.Load())
			}
		}
		sort.Slice(sids, func(a, b int) bool { return uint64(sids[a]) < uint64(sids[b]) })
		paths = append(paths, p)
		ids = append(ids, sids)
	}
	return paths, ids, len(distinct), total
}

// WatchSummary answers watch_summary (wchs), or ErrNotServing.
func (s *Server) WatchSummary() (WatchSummary, error) {
	e := s.serving()
	if e == nil {
		return WatchSummary{}, ErrNotServing
	}
	paths, _, conns, total := dataWatchers(e)
	return WatchSummary{NumConnections: conns, NumPaths: len(paths), NumTotalWatches: total}, nil
}

// Watches answers watches (wchc), or ErrNotServing.
func (s *Server) Watches() (Watches, error) {
	e := s.serving()
	if e == nil {
		return Watches{}, ErrNotServing
	}
	out := Watches{SessionIDToWatchedPaths: map[string][]string{}}
	paths, ids, _, _ := dataWatchers(e)
	for i, p := range paths {
		for _, id := range ids[i] {
			k := strconv.FormatInt(id, 10)
			out.SessionIDToWatchedPaths[k] = append(out.SessionIDToWatchedPaths[k], p)
		}
	}
	return out, nil
}

// WatchesByPath answers watches_by_path (wchp), or ErrNotServing.
func (s *Server) WatchesByPath() (WatchesByPath, error) {
	e := s.serving()
	if e == nil {
		return WatchesByPath{}, ErrNotServing
	}
	out := WatchesByPath{PathToSessionIDs: map[string][]int64{}}
	paths, ids, _, _ := dataWatchers(e)
	for i, p := range paths {
		if len(ids[i]) > 0 {
			out.PathToSessionIDs[p] = ids[i]
		}
	}
	return out, nil
}

// Dirs answers dirs, or ErrNotServing.
func (s *Server) Dirs() (Dirs, error) {
	if s.serving() == nil {
		return Dirs{}, ErrNotServing
	}
	return Dirs{DatadirSize: dirSize(s.cfg.DataDir), LogdirSize: dirSize(s.cfg.DataLogDir)}, nil
}

// IsReadOnly answers is_read_only (isro), or ErrNotServing: zkgate has
// no read-only mode (a node without a quorum serves nothing).
func (s *Server) IsReadOnly() (ReadOnly, error) {
	if s.serving() == nil {
		return ReadOnly{}, ErrNotServing
	}
	return ReadOnly{}, nil
}

// Ruok answers ruok: nil, or ErrNotServing.
func (s *Server) Ruok() error {
	if s.serving() == nil {
		return ErrNotServing
	}
	return nil
}

// Leader answers leader (lead): ErrNotServing, or ErrNotInQuorum on a
// standalone node. The leader is the etcd member leading Raft;
// leader_ip is the host of its peer URL.
func (s *Server) Leader() (Leader, error) {
	if s.serving() == nil {
		return Leader{}, ErrNotServing
	}
	q, ok := s.quorum()
	if !ok {
		return Leader{}, ErrNotInQuorum
	}
	l := Leader{IsLeader: q.Leader, LeaderID: q.LeaderID}
	for _, m := range q.Members {
		if m.ID == q.LeaderID {
			if h, _, err := net.SplitHostPort(m.PeerAddr); err == nil {
				l.LeaderIP = h
			}
		}
	}
	return l, nil
}

// VotingView answers voting_view, or ErrNotServing. A member's server
// and election addresses are both its peer address (etcd's peer port
// carries Raft and its elections); this node's client_address is its
// ZooKeeper address.
func (s *Server) VotingView() (VotingView, error) {
	if s.serving() == nil {
		return VotingView{}, ErrNotServing
	}
	out := VotingView{CurrentConfig: map[string]VotingMember{}}
	q, ok := s.quorum()
	if !ok {
		return out, nil
	}
	plain, secure := s.addrs()
	self := ""
	if len(plain) > 0 {
		self = plain[0]
	} else if len(secure) > 0 {
		self = secure[0]
	}
	for _, m := range q.Members {
		v := VotingMember{ServerAddresses: []string{m.PeerAddr}, ElectionAddresses: []string{m.PeerAddr}, LearnerType: "participant"}
		if m.Learner {
			v.LearnerType = "observer"
		}
		if m.ID == q.ServerID {
			v.ClientAddress = self
		}
		out.CurrentConfig[strconv.Itoa(m.ID)] = v
	}
	return out, nil
}

// LastSnapshot answers last_snapshot (lsnp), or ErrNotServing: the
// newest of the embedded member's Raft snapshots (files named
// TERM-INDEX.snap in DataDir), its Raft index as zxid (an etcd Raft
// index, not a revision) and its file's time; before the first, or
// without a member, zxid 0 at the time the server started (ZooKeeper
// writes a snapshot at start).
func (s *Server) LastSnapshot() (LastSnapshot, error) {
	if s.serving() == nil {
		return LastSnapshot{}, ErrNotServing
	}
	out := LastSnapshot{Zxid: "0", Timestamp: s.started.Unix()}
	if s.cfg.DataDir == "" {
		return out, nil
	}
	names, _ := filepath.Glob(filepath.Join(s.cfg.DataDir, "*.snap"))
	sort.Strings(names) // fixed-width hexadecimal: the newest last
	if len(names) == 0 {
		return out, nil
	}
	newest := names[len(names)-1]
	base := strings.TrimSuffix(filepath.Base(newest), ".snap")
	if _, idx, ok := strings.Cut(base, "-"); ok {
		if n, err := strconv.ParseUint(idx, 16, 64); err == nil {
			out.Zxid = strconv.FormatUint(n, 16)
		}
	}
	if fi, err := os.Stat(newest); err == nil {
		out.Timestamp = fi.ModTime().Unix()
	}
	return out, nil
}

// InitialConfiguration answers initial_configuration (icfg), or
// ErrNotServing: Config.InitialConfiguration.
func (s *Server) InitialConfiguration() (InitialConfiguration, error) {
	if s.serving() == nil {
		return InitialConfiguration{}, ErrNotServing
	}
	return InitialConfiguration{InitialConfiguration: s.cfg.InitialConfiguration}, nil
}
