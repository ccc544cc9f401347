package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/zkgate/zkgate/zkbridge"
)

// Prefix is the path under which the commands are served.
const Prefix = "/commands"

// command is one AdminServer command.
type command struct {
	name    string
	aliases []string
	// run answers the command from srv: the answer's fields (a struct
	// or zkbridge.Fields, or nil for none) or the error to report.
	run func(ctx context.Context, srv *zkbridge.Server) (any, error)
}

// commands are ZooKeeper 3.8's commands that zkgate answers.
var commands = []command{
	{name: "ruok", run: func(_ context.Context, s *zkbridge.Server) (any, error) { return nil, s.Ruok() }},
	{name: "server_stats", aliases: []string{"srvr"}, run: func(ctx context.Context, s *zkbridge.Server) (any, error) { return s.ServerStats(ctx) }},
	{name: "monitor", aliases: []string{"mntr"}, run: func(ctx context.Context, s *zkbridge.Server) (any, error) { return s.Monitor(ctx) }},
	{name: "configuration", aliases: []string{"conf", "config"}, run: func(_ context.Context, s *zkbridge.Server) (any, error) { return s.Configuration() }},
	{name: "connections", aliases: []string{"cons"}, run: func(_ context.Context, s *zkbridge.Server) (any, error) { return s.Connections() }},
	{name: "environment", aliases: []string{"envi", "env"}, run: func(_ context.Context, s *zkbridge.Server) (any, error) { return s.Environment(), nil }},
	{name: "watch_summary", aliases: []string{"wchs"}, run: func(_ context.Context, s *zkbridge.Server) (any, error) { return s.WatchSummary() }},
	{name: "watches", aliases: []string{"wchc"}, run: func(_ context.Context, s *zkbridge.Server) (any, error) { return s.Watches() }},
	{name: "watches_by_path", aliases: []string{"wchp"}, run: func(_ context.Context, s *zkbridge.Server) (any, error) { return s.WatchesByPath() }},
	{name: "dump", run: func(ctx context.Context, s *zkbridge.Server) (any, error) { return s.Dump(ctx) }},
	{name: "dirs", run: func(_ context.Context, s *zkbridge.Server) (any, error) { return s.Dirs() }},
	{name: "is_read_only", aliases: []string{"isro"}, run: func(_ context.Context, s *zkbridge.Server) (any, error) { return s.IsReadOnly() }},
	{name: "stats", aliases: []string{"stat"}, run: func(ctx context.Context, s *zkbridge.Server) (any, error) { return s.Stats(ctx) }},
	{name: "leader", aliases: []string{"lead"}, run: func(_ context.Context, s *zkbridge.Server) (any, error) { return s.Leader() }},
	{name: "voting_view", run: func(_ context.Context, s *zkbridge.Server) (any, error) { return s.VotingView() }},
	{name: "last_snapshot", aliases: []string{"lsnp"}, run: func(_ context.Context, s *zkbridge.Server) (any, error) { return s.LastSnapshot() }},
	{name: "initial_configuration", aliases: []string{"icfg"}, run: func(_ context.Context, s *zkbridge.Server) (any, error) { return s.InitialConfiguration() }},
}

// notImplemented are ZooKeeper 3.8's other commands (and their
// aliases): they answer that zkgate does not support them rather than
// that they are unknown.
var notImplemented = []string{
	"connection_stat_reset", "crst", "get_trace_mask", "gtmk", "hash",
	"observer_connection_stat_reset", "orst", "observers", "obsr", "set_trace_mask", "stmk",
	"stat_reset", "srst", "system_properties", "sysp", "zabstate",
}

// Names are the commands' primary names, sorted, as /commands lists them.
func Names() []string {
	var out []string
	for _, c := range commands {
		out = append(out, c.name)
	}
	sort.Strings(out)
	return out
}

// Aliases maps each alias to its command's primary name.
func Aliases() map[string]string {
	out := map[string]string{}
	for _, c := range commands {
		for _, a := range c.aliases {
			out[a] = c.name
		}
	}
	return out
}

func lookup(name string) (command, bool) {
	for _, c := range commands {
		if c.name == name || slices.Contains(c.aliases, name) {
			return c, true
		}
	}
	return command{}, false
}

// Handler serves the commands under Prefix from the Server server
// returns; server may return nil (the node does not serve the
// ZooKeeper protocol), and every command then answers an error saying
// so. It is safe for concurrent use.
func Handler(server func() *zkbridge.Server) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "HTTP method "+r.Method+" is not supported by this URL", http.StatusMethodNotAllowed)
			return
		}
		name, ok := strings.CutPrefix(r.URL.Path, Prefix+"/")
		if !ok || name == "" {
			if r.URL.Path != Prefix && r.URL.Path != Prefix+"/" {
				http.NotFound(w, r)
				return
			}
			list(w)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
		defer cancel()
		body := Answer(ctx, server(), name)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", fmt.Sprint(len(body)))
		if r.Method != http.MethodHead {
			_, _ = w.Write(body)
		}
	})
}

// list answers /commands: a link per command, as ZooKeeper's HTML.
func list(w http.ResponseWriter) {
	var b strings.Builder
	for _, n := range Names() {
		n = html.EscapeString(n)
		fmt.Fprintf(&b, "<a href=\"%s/%s\">%s</a>\n<br/>\n", Prefix, n, n)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write([]byte(b.String()))
}

// Answer is the JSON answer to the command called name (a primary name
// or an alias) from srv, which may be nil.
func Answer(ctx context.Context, srv *zkbridge.Server, name string) []byte {
	c, ok := lookup(name)
	switch {
	case !ok && slices.Contains(notImplemented, name):
		return errorAnswer(name, name+" is not supported by zkgate")
	case !ok:
		return errorAnswer(name, "Unknown command: "+name)
	case srv == nil:
		return errorAnswer(c.name, "the ZooKeeper protocol is not served on this node (zk-listen and zk-secure-listen are empty)")
	}
	v, err := c.run(ctx, srv)
	if err != nil {
		return errorAnswer(c.name, err.Error())
	}
	fields := []byte("{}")
	if v != nil {
		if fields, err = json.Marshal(v); err != nil {
			return errorAnswer(c.name, "encoding the answer: "+err.Error())
		}
	}
	cmd, _ := json.Marshal(c.name)
	var b bytes.Buffer
	b.Write(fields[:len(fields)-1])
	if len(fields) > 2 {
		b.WriteByte(',')
	}
	fmt.Fprintf(&b, `"command":%s,"error":null}`, cmd)
	return indent(b.Bytes())
}

// errorAnswer is ZooKeeper's answer for a command that failed.
func errorAnswer(name, reason string) []byte {
	b, _ := json.Marshal(struct {
		Command string `json:"command"`
		Error   string `json:"error"`
	}{name, reason})
	return indent(b)
}

func indent(b []byte) []byte {
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return b
	}
	out.WriteByte('\n')
	return out.Bytes()
}
