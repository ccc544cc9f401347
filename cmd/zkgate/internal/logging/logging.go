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

// noisyWarnings are warnings etcd logs on every ordinary start or stop of
// an embedded member as zkgate configures it. They say nothing an operator
// can act on, so they are shown at debug level only.
var noisyWarnings = map[string]bool{
	"Running http and grpc server on single port. This is not recommended for production.": true,
	"simple token is not cryptographically signed":                                         true,
	"failed to publish local member to cluster through raft":                               true,
	"cannot detect process memory limit; proceed":                                          true,
	"set initial cluster version to 3.0 due to invalid cluster version":                    true,
	"skipped leadership transfer for single voting member cluster":                         true,
	"stopping insecure grpc server due to error":                                           true,
	"stopped insecure grpc server due to error":                                            true,
	"serve peer tls failed":                                                                true,
	// The etcd client (gateway in front of external etcd) retries on its
	// own and zkgate reports what finally fails.
	"retrying of unary invoker failed": true,
}

// shutdownNoise is what etcd logs, at warn and error level, when its
// listeners and peer connections are closed by a deliberate shutdown. The
// same peer messages while the node runs tell of a lost peer, and show.
var shutdownNoise = map[string]bool{
	"setting up serving from embedded etcd failed.":      true,
	"lost TCP streaming connection with remote peer":     true,
	"peer became inactive (message send to peer failed)": true,
	"prober detected unhealthy status":                   true,
}

// quietCore passes etcd's entries through unless the level is above debug
// and the entry is routine.
type quietCore struct {
	zapcore.Core
	level    zap.AtomicLevel
	stopping *atomic.Bool
}

func (c *quietCore) routine(e zapcore.Entry) bool {
	if c.level.Level() <= zapcore.DebugLevel {
		return false
	}
	if e.Level <= zapcore.InfoLevel {
		return true
	}
	if c.stopping.Load() && shutdownNoise[e.Message] {
		return true
	}
	return e.Level == zapcore.WarnLevel && noisyWarnings[e.Message]
}

func (c *quietCore) Enabled(l zapcore.Level) bool {
	return c.Core.Enabled(l)
}

func (c *quietCore) With(fields []zapcore.Field) zapcore.Core {
	return &quietCore{Core: c.Core.With(fields), level: c.level, stopping: c.stopping}
}

func (c *quietCore) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if c.routine(e) {
		return ce
	}
	return c.Core.Check(e, ce)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
