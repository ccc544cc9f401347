package config

import (
	"fmt"
	"slices"
	"strings"

	"github.com/zkgate/zkgate/cmd/zkgate/internal/logging"
	"github.com/zkgate/zkgate/cmd/zkgate/internal/node"
)

// Config is everything `zkgate serve` reads: the node's Options, which
// carry their own defaults (node.DefaultOptions) and checks
// (node.Options.Validate), and the settings of the process around the
// node. Each field is one option; its name as a flag and file key, its
// environment variable and its default are listed in Options. The zero
// value is not useful: start from Default.
type Config struct {
	node.Options

	// PprofListen is host:port of a debug listener serving Go's
	// net/http/pprof profiles under /debug/pprof/; empty disables it.
	PprofListen string
	// LogFormat is json or console (node.Options.LogLevel is the level).
	LogFormat string
	// GCHeadroom is how far above the live heap, in bytes, Go's collector
	// starts its next collection at the least (gcheadroom); 0, the
	// default, leaves Go's own GOGC percentage.
	GCHeadroom uint64
	// HistoryRetention, when set, is how far back history reaches (a
	// duration): periodic compaction keeping that much. "0" keeps the
	// least zkgate needs (HistoryFloor). It cannot be given with the
	// auto-compaction settings it stands for.
	HistoryRetention string
}

// HistoryFloor is the history kept with --history-retention 0: enough
// for the watch hub, which follows etcd's changes, never to fall behind a
// compaction, and for a client's session to move to another node.
const HistoryFloor = "1m"

// Default returns the configuration of a working single node on loopback
// with data in ./zkgate-data, logging JSON.
func Default() Config {
	return Config{Options: node.DefaultOptions(), LogFormat: "json"}
}

// FieldError says which option is wrong and why. It is the node's: the
// node names options in the same way when a listener or etcd refuses
// one at start.
type FieldError = node.FieldError

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// Validate checks every field and returns the first problem as a
// *FieldError naming the option: the process's own settings, then the
// node's (node.Options.Validate, which runs the namespace engine's own
// limit checks, so that what passes here starts).
func (c *Config) Validate() error {
	if !slices.Contains(logging.Formats, c.LogFormat) {
		return fieldErr("log-format", "%q is not one of %s", c.LogFormat, strings.Join(logging.Formats, ", "))
	}
	if c.PprofListen != "" {
		if err := node.CheckHostPort(c.PprofListen); err != nil {
			return fieldErr("pprof-listen", "%q: %v", c.PprofListen, err)
		}
	}
	return c.Options.Validate()
}
