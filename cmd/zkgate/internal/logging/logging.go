package logging

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// Levels lists the accepted values of --log-level, most verbose first.
var Levels = []string{"debug", "info", "warn", "error"}

// Formats lists the accepted values of --log-format.
var Formats = []string{"json", "console"}

// Loggers are the two loggers of one zkgate process.
type Loggers struct {
	// Main logs zkgate's own events at the configured level.
	Main *zap.Logger
	// Etcd is handed to the embedded etcd member. At debug level it logs
	// everything; at any other level it drops etcd's routine start-up,
	// election and shutdown messages (info and below, plus the warnings
	// listed in noisyWarnings) so that a default run stays readable.
	Etcd *zap.Logger
	// Level can be changed at run time; both loggers follow it.
	Level zap.AtomicLevel

	stopping *atomic.Bool
}

// Stopping tells the Etcd logger that the member is being shut down on
// purpose, so the errors etcd logs as its listeners close are routine.
func (l *Loggers) Stopping() { l.stopping.Store(true) }

// New builds the loggers for level ("debug", "info", "warn" or "error")
// and format ("json" or "console"), writing to stderr.
func New(level, format string) (*Loggers, error) {
	return NewTo(os.Stderr, level, format)
}

// NewTo is New writing to w.
func NewTo(w io.Writer, level, format string) (*Loggers, error) {
	lvl, err := zapcore.ParseLevel(level)
	if err != nil || !contains(Levels, level) {
		return nil, fmt.Errorf("log-level %q: must be one of %s", level, strings.Join(Levels, ", "))
	}
	encCfg := zap.NewProductionEncoderConfig()
	encCfg.TimeKey = "ts"
	encCfg.EncodeTime = zapcore.RFC3339NanoTimeEncoder
	encCfg.EncodeDuration = zapcore.StringDurationEncoder
	var enc zapcore.Encoder
	switch format {
	case "json":
		enc = zapcore.NewJSONEncoder(encCfg)
	case "console":
		encCfg.EncodeLevel = zapcore.CapitalLevelEncoder
		enc = zapcore.NewConsoleEncoder(encCfg)
	default:
		return nil, fmt.Errorf("log-format %q: must be one of %s", format, strings.Join(Formats, ", "))
	}
	atom := zap.NewAtomicLevelAt(lvl)
	stopping := new(atomic.Bool)
	sink := zapcore.Lock(zapcore.AddSync(w))
	core := zapcore.NewCore(enc, sink, atom)
	main := zap.New(core, zap.ErrorOutput(sink))
	etcd := zap.New(&quietCore{Core: core.With([]zapcore.Field{zap.String("component", "etcd")}), level: atom, stopping: stopping},
		zap.ErrorOutput(sink))
	return &Loggers{Main: main, Etcd: etcd, Level: atom, stopping: stopping}, nil
}

// Sync flushes both loggers.
func (l *Loggers) Sync() {
	_ = l.Main.Sync()
	_ = l.Etcd.Sync()
}

// noisyWarnings are warnings and errors etcd logs in the routine life of
// an embedded member as zkgate runs it. They say nothing an operator can
// act on, or zkgate says it once in its own words, so they are shown at
// debug level only.
var noisyWarnings = map[string]bool{
	// Every start.
	"Running http and grpc server on single port. This is not recommended for production.": true,
	"simple token is not cryptographically signed":                                         true,
	"failed to publish local member to cluster through raft":                               true,
	"cannot detect process memory limit; proceed":                                          true,
	"set initial cluster version to 3.0 due to invalid cluster version":                    true,
	"skipped leadership transfer for single voting member cluster":                         true,
	"serve peer tls failed": true,
	// A new cluster: the storage version monitor runs before the
	// cluster version is agreed and tries again a few seconds later.
	"Failed to detect schema version":  true,
	"failed to update storage version": true,
	// Peers coming and going: a peer that stops, even cleanly, looks to
	// the others as one that cannot be reached. etcd says so once per
	// connection and per probe; zkgate logs one line per peer (see
	// keptInfo) and one when this member loses its quorum (the gateway's
	// quorum probe).
	"lost TCP streaming connection with remote peer":   true,
	"closed TCP streaming connection with remote peer": true,
	"prober detected unhealthy status":                 true,
	"failed to reach the peer URL":                     true,
	"failed to get version":                            true,
	// A member without a quorum: linearizable reads wait for it, and
	// the quorum line says why.
	"waiting for ReadIndex response took too long, retrying":                                                             true,
	"timed out waiting for read index response (local node might have slow network)":                                     true,
	"ignored out-of-date read index response; local node read indexes queueing up and waiting to be in sync with leader": true,
	// etcd's /health answering 503 logs two warnings per probe; the
	// quorum line says why once.
	"serving /health false; no leader":   true,
	"serving /health false; Range fails": true,
	"/health error":                      true,
	// The etcd client (gateway in front of external etcd) retries on its
	// own and zkgate reports what finally fails.
	"retrying of unary invoker failed": true,
}

// noisyParts are parts of messages that carry ids, noisy as
// noisyWarnings are.
var noisyParts = []string{
	// raft's leader without a quorum: the quorum line says it.
	"stepped down to follower since quorum is not active",
}

// keptInfo are messages etcd logs at warn or info level that zkgate shows
// at info level: a peer becoming unreachable and reachable again, once
// each, which a stopping peer also causes.
var keptInfo = map[string]bool{
	"peer became inactive (message send to peer failed)": true,
	"peer became active": true,
}

// shutdownNoise is what etcd logs, at warn and error level, when its
// listeners and peer connections are closed by a deliberate shutdown. The
// same messages while the node runs tell of a fault, and show.
var shutdownNoise = map[string]bool{
	"setting up serving from embedded etcd failed.": true,
	"failed to find remote peer in cluster":         true,
	// Stopping a member that never had a quorum.
	"stopped publish because server is stopping": true,
	// Stopping a whole cluster: the last leader has no peer to hand
	// leadership to.
	"leadership transfer failed": true,
	// A stopping member cancels its peer streams; a Raft message that
	// was being handed to its Raft loop then fails with "context
	// canceled".
	"failed to process Raft message": true,
	// etcd's client gRPC servers end with an error when their listener
	// is closed; while the node runs, that is a port that stopped
	// serving.
	"stopping insecure grpc server due to error": true,
	"stopped insecure grpc server due to error":  true,
	"stopping secure grpc server due to error":   true,
	"stopped secure grpc server due to error":    true,
}

// routineByFields are warnings that are routine or not depending on
// their fields; the rule reports whether this entry is routine.
var routineByFields = map[string]func(fields map[string]string) bool{
	// etcd's gRPC interceptor logs every unary call that took longer than
	// 300 ms. Lock and election calls wait by design (for the holder, for
	// the leader to resign).
	"request stats": func(f map[string]string) bool { return waitingMethods[f["response type"]] },
	// A linearizable read whose caller gave up (a member without a
	// quorum, or any request at shutdown), or the namespace's quorum
	// probe (a read of its version key) that waited for a quorum to come
	// back. Other slow applies still show.
	"apply request took too long": func(f map[string]string) bool {
		return f["error"] == "context canceled" || f["error"] == "context deadline exceeded" ||
			strings.Contains(f["request"], "zkgate/version")
	},
}

// waitingMethods are the gRPC methods that block until something
// happens elsewhere (a lock is released, a leader resigns, a barrier
// falls, a queue gets an item).
var waitingMethods = map[string]bool{
	"/v3lockpb.Lock/Lock":             true,
	"/v3electionpb.Election/Campaign": true,
	"/zkgate.v1.Lock/Lock":            true,
	"/zkgate.v1.Election/Campaign":    true,
	"/zkgate.v1.Semaphore/Acquire":    true,
	"/zkgate.v1.Barrier/Wait":         true,
	"/zkgate.v1.DoubleBarrier/Enter":  true,
	"/zkgate.v1.DoubleBarrier/Leave":  true,
	"/zkgate.v1.Queue/Take":           true,
}

// quietCore passes etcd's entries through unless the level is above debug
// and the entry is routine.
type quietCore struct {
	zapcore.Core
	level    zap.AtomicLevel
	stopping *atomic.Bool
}

func (c *quietCore) Enabled(l zapcore.Level) bool {
	return c.Core.Enabled(l)
}

func (c *quietCore) With(fields []zapcore.Field) zapcore.Core {
	return &quietCore{Core: c.Core.With(fields), level: c.level, stopping: c.stopping}
}

func (c *quietCore) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if c.level.Level() <= zapcore.DebugLevel {
		return c.Core.Check(e, ce)
	}
	switch {
	case keptInfo[e.Message]:
		e.Level = zapcore.InfoLevel
		return c.Core.Check(e, ce)
	case e.Level <= zapcore.InfoLevel, noisyWarnings[e.Message], containsAny(e.Message, noisyParts):
		return ce
	case c.stopping.Load() && shutdownNoise[e.Message]:
		return ce
	case routineByFields[e.Message] != nil:
		if !c.Core.Enabled(e.Level) {
			return ce
		}
		return ce.AddCore(e, c) // Write looks at the fields
	}
	return c.Core.Check(e, ce)
}

// Write is called for the entries whose fields decide (routineByFields).
func (c *quietCore) Write(e zapcore.Entry, fields []zapcore.Field) error {
	if rule := routineByFields[e.Message]; rule != nil && rule(fieldStrings(fields)) {
		return nil
	}
	return c.Core.Write(e, fields)
}

// fieldStrings renders the string-like fields (strings, errors,
// stringers) by key.
func fieldStrings(fields []zapcore.Field) map[string]string {
	enc := zapcore.NewMapObjectEncoder()
	for _, f := range fields {
		f.AddTo(enc)
	}
	out := make(map[string]string, len(enc.Fields))
	for k, v := range enc.Fields {
		if s, ok := v.(string); ok {
			out[k] = s
		}
	}
	return out
}

func containsAny(s string, parts []string) bool {
	for _, p := range parts {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
