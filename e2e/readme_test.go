package e2e

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zkgate/zkgate/e2e/harness"
)

// The README's examples are run as a new user would run them, top to
// bottom, from the repository's directory, with the built zkgate first on
// PATH (as `make install` would put it there). What the README marks is
// handled so:
//
//   - ```sh blocks run one command at a time (a command being a line and
//     the lines its trailing backslashes join to it) with bash; each must
//     exit 0. ```python blocks run whole with /usr/bin/python3. Other
//     blocks (go, output) are not run.
//   - A block whose first line is a comment starting "# template" is not
//     run: it needs the reader's own hosts and files.
//   - `make ...` lines are not run: the test builds the binary itself and
//     starts its own node in place of `make run`.
//   - A command whose comment starts "# in another terminal" keeps running
//     and is not run, except `zkgate serve`: that is run with
//     --check-config appended, and the addresses (client, peer, ZooKeeper,
//     pprof) and data dirs of a block's serve commands, and of the default
//     node `make run` starts, must all differ, since the README runs them
//     side by side.
//   - A command whose comment starts "# on the cluster" runs against a
//     three-node cluster the test starts once, its client URLs standing
//     for 127.0.0.1:12379, 22379 and 32379 and its ZooKeeper addresses for
//     127.0.0.1:12181, 22181 and 32181 (the README's cluster).
//   - "=> TEXT" in a command's comment is (part of) what it prints: TEXT
//     must appear in its output; "..." in TEXT stands for anything, and
//     the blanks around it are not compared (Go's protojson, behind the
//     JSON gateways, puts a space after a comma or not, per binary).
//
// The test's node listens on free ports, not the defaults (other tests
// and other programs may hold those), so every other command has the
// default addresses replaced by the node's: http://127.0.0.1:2379 and
// 127.0.0.1:2379 by its client URL, 127.0.0.1:2181 and "127.0.0.1 2181"
// (nc's form) by its ZooKeeper address. `zkgate ctl|lock|elect` without
// --endpoints, which would use the default http://127.0.0.1:2379, gets
// --endpoints with the node's URL after the verb.

// readmeRunner runs a Markdown document's examples as described above.
type readmeRunner struct {
	t        *testing.T
	dir      string        // where commands run: the repository
	env      []string      // PATH with the zkgate binary first
	timeout  time.Duration // for one command
	node     *harness.Node
	single   *strings.Replacer
	defaults map[string]string // address or dir -> what the default node uses it for

	clusterOnce  sync.Once
	cluster      *strings.Replacer
	clusterNodes []*harness.Node
}

func newReadmeRunner(t *testing.T, dir string, n *harness.Node) *readmeRunner {
	t.Helper()
	_, zkPort, _ := strings.Cut(n.ZKAddr, ":")
	r := &readmeRunner{
		t:       t,
		dir:     dir,
		env:     []string{"PATH=" + filepath.Dir(harness.Zkgate(t)) + string(os.PathListSeparator) + os.Getenv("PATH")},
		timeout: 2 * time.Minute, // the first `go tool etcdctl` may link etcdctl
		node:    n,
		single: strings.NewReplacer(
			"http://127.0.0.1:2379", n.ClientURL,
			"127.0.0.1:2379", readmeHostPort(n.ClientURL),
			"127.0.0.1:2181", n.ZKAddr,
			"127.0.0.1 2181", "127.0.0.1 "+zkPort,
		),
	}
	res, _ := harness.RunScript(t, r.timeout, dir, r.env, "zkgate serve --check-config", "bash", "-c")
	if res.ExitCode != 0 {
		t.Fatalf("zkgate serve --check-config: exit %d\n%s%s", res.ExitCode, res.Stdout, res.Stderr)
	}
	r.defaults = readmeServeAddresses(res.Stdout)
	return r
}

// run runs the examples of doc (named name in errors) and returns the
// first failure.
func (r *readmeRunner) run(name, doc string) error {
	for _, b := range harness.CodeBlocks(doc) {
		if len(b.Lines) > 0 && strings.HasPrefix(strings.TrimSpace(b.Lines[0]), "# template") {
			continue
		}
		switch b.Lang {
		case "sh":
			serves := map[string]string{}
			for k, v := range r.defaults {
				serves[k] = v
			}
			for _, c := range b.ShellCommands() {
				where := fmt.Sprintf("%s:%d (block at line %d)", name, c.Line, b.Line)
				if err := r.command(c, serves); err != nil {
					return fmt.Errorf("%s: %s\n%w", where, c.Text, err)
				}
			}
		case "python":
			script := r.single.Replace(strings.Join(b.Lines, "\n"))
			res, timedOut := harness.RunScript(r.t, r.timeout, r.dir, r.env, script, "/usr/bin/python3", "-c")
			if err := readmeOutcome(res, timedOut, r.timeout, ""); err != nil {
				return fmt.Errorf("%s:%d: python block\n%w", name, b.Line, err)
			}
		}
	}
	return nil
}

func (r *readmeRunner) command(c harness.ShellCommand, serves map[string]string) error {
	text := strings.TrimSpace(c.Text)
	switch {
	case strings.HasPrefix(text, "make "):
		return nil
	case strings.HasPrefix(c.Comment, "in another terminal"):
		if strings.HasPrefix(text, "zkgate serve") {
			return r.checkServe(text, serves)
		}
		return nil
	}
	var repl *strings.Replacer
	if strings.HasPrefix(c.Comment, "on the cluster") {
		repl = r.startCluster()
	} else {
		repl = r.single
		for _, verb := range []string{"zkgate ctl ", "zkgate lock ", "zkgate elect "} {
			if strings.HasPrefix(text, verb) && !strings.Contains(text, "--endpoints") {
				text = verb + "--endpoints " + r.node.ClientURL + " " + strings.TrimPrefix(text, verb)
			}
		}
	}
	_, want, _ := strings.Cut(c.Comment, "=> ")
	res, timedOut := harness.RunScript(r.t, r.timeout, r.dir, r.env, repl.Replace(text), "bash", "-o", "pipefail", "-c")
	return readmeOutcome(res, timedOut, r.timeout, want)
}

// checkServe runs a `zkgate serve` command with --check-config and
// checks that what it would listen on and write to is not taken by an
// earlier serve of its block (or the default node).
func (r *readmeRunner) checkServe(text string, serves map[string]string) error {
	code, _, _ := strings.Cut(text, " # ")
	res, timedOut := harness.RunScript(r.t, r.timeout, r.dir, r.env, code+" --check-config", "bash", "-c")
	if err := readmeOutcome(res, timedOut, r.timeout, ""); err != nil {
		return fmt.Errorf("with --check-config: %w", err)
	}
	for addr, what := range readmeServeAddresses(res.Stdout) {
		if other, ok := serves[addr]; ok {
			return fmt.Errorf("its %s %s is already the %s of a node started before it", what, addr, other)
		}
		serves[addr] = what
	}
	return nil
}

// readmeServeAddresses reads the effective config `zkgate serve --check-config`
// prints and returns what the node would hold: listen addresses and its
// data dir, each mapped to the option that names it.
func readmeServeAddresses(yaml string) map[string]string {
	held := map[string]string{}
	for _, line := range strings.Split(yaml, "\n") {
		key, val, ok := strings.Cut(line, ": ")
		if !ok {
			continue
		}
		val = strings.Trim(val, `"`)
		if val == "" {
			continue
		}
		switch key {
		case "listen-client-urls", "listen-peer-urls":
			for _, u := range strings.Split(val, ",") {
				held[readmeHostPort(u)] = key
			}
		case "zk-listen", "zk-secure-listen", "pprof-listen":
			held[val] = key
		case "data-dir":
			held["dir "+filepath.Clean(val)] = key
		}
	}
	return held
}

// startCluster starts the three-node cluster "# on the cluster" commands
// run against, once, and returns the replacer of the README's cluster
// addresses by its own.
func (r *readmeRunner) startCluster() *strings.Replacer {
	r.clusterOnce.Do(func() {
		c := harness.StartCluster(r.t, 3)
		r.clusterNodes = c.Nodes
		var pairs []string
		for i, n := range c.Nodes {
			p := fmt.Sprint(i + 1)
			pairs = append(pairs,
				"http://127.0.0.1:"+p+"2379", n.ClientURL,
				"127.0.0.1:"+p+"2379", readmeHostPort(n.ClientURL),
				"127.0.0.1:"+p+"2181", n.ZKAddr)
		}
		r.cluster = strings.NewReplacer(pairs...)
	})
	return r.cluster
}

// readmeOutcome is nil if a command exited 0 and printed want (with "..."
// standing for anything), else why not.
func readmeOutcome(res harness.Result, timedOut bool, timeout time.Duration, want string) error {
	out := res.Stdout + res.Stderr
	switch {
	case timedOut:
		return fmt.Errorf("still running after %v (a command that keeps running must be marked # in another terminal)\noutput: %s", timeout, out)
	case res.ExitCode != 0:
		return fmt.Errorf("exit status %d\nstdout: %s\nstderr: %s", res.ExitCode, res.Stdout, res.Stderr)
	}
	rest := out
	for _, part := range strings.Split(want, "...") {
		part = strings.TrimSpace(part)
		i := strings.Index(rest, part)
		if i < 0 {
			return fmt.Errorf("output lacks %q (the README says it prints %q)\noutput: %s", part, want, out)
		}
		rest = rest[i+len(part):]
	}
	return nil
}

func readmeHostPort(u string) string {
	if p, err := url.Parse(u); err == nil && p.Host != "" {
		return p.Host
	}
	return u
}

// TestReadme_ExamplesRun runs every example of README.md in order against
// a fresh node (and, for the cluster section, a fresh three-node
// cluster), checks that none of those nodes logged a warning or an error
// for it, then checks that a broken example of each kind fails.
func TestReadme_ExamplesRun(t *testing.T) {
	t.Parallel()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	n := harness.StartNode(t, harness.NodeOptions{})
	r := newReadmeRunner(t, root, n)
	if err := r.run("README.md", string(doc)); err != nil {
		t.Fatal(err)
	}
	// Nothing the README does is a fault: at the default log level no
	// node logs a warning or an error for it (nor for the cluster's
	// bootstrap).
	for _, node := range append([]*harness.Node{n}, r.clusterNodes...) {
		if w := warnings(node.Log()); len(w) > 0 {
			t.Errorf("%s logged at warn or error level while the README ran:\n%s", node.Name, strings.Join(w, "\n"))
		}
	}

	// The same runner must fail on a broken example, naming its line.
	r.timeout = 5 * time.Second
	digest := "digest:bob:$(printf bob:pw | openssl sha1 -binary | base64):cdrwa"
	for _, bad := range []struct{ doc, want string }{
		{"```sh\nzkgate ctl create /readme-broken x   # => Created /readme-broken\n" +
			"zkgate ctl --auth digest:bob:pw setAcl /readme-broken " + digest + "\n" +
			"zkgate ctl deleteall /readme-broken\n```\n",
			"broken.md:4 (block at line 1): zkgate ctl deleteall /readme-broken\nexit status 1"},
		{"text\n```sh\nzkgate ctl stat /readme-broken   # => numChildren = 7\n```\n",
			"broken.md:3 (block at line 2): zkgate ctl stat /readme-broken   # => numChildren = 7\noutput lacks \"numChildren = 7\""},
		{"```sh\nzkgate ctl watch /readme-broken\n```\n",
			"broken.md:2 (block at line 1): zkgate ctl watch /readme-broken\nstill running after 5s"},
		{"```sh\nzkgate serve --name a --data-dir a --listen-peer-urls http://127.0.0.1:12380 \\\n" +
			"  --listen-client-urls http://127.0.0.1:12379   # in another terminal\n```\n",
			"its zk-listen 127.0.0.1:2181 is already the zk-listen of a node started before it"},
		{"```python\nimport sys; sys.exit(3)\n```\n", "broken.md:1: python block\nexit status 3"},
	} {
		err := r.run("broken.md", bad.doc)
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("broken example\n%s\nreported as %v\nwant it to contain %q", bad.doc, err, bad.want)
		}
	}
}

// TestReadme_ShellCommands: blocks, continuation lines and trailing
// comments are read as the runner needs them.
func TestReadme_ShellCommands(t *testing.T) {
	doc := "intro\n```sh\n# a comment line\nzkgate ctl set /a 'x # y'   # => z\n" +
		"zkgate serve --name a \\\n  --data-dir a   # in another terminal\necho \"#\" done\n```\n```go\nx := 1\n```\n"
	blocks := harness.CodeBlocks(doc)
	if len(blocks) != 2 || blocks[0].Lang != "sh" || blocks[0].Line != 2 || blocks[1].Lang != "go" {
		t.Fatalf("blocks: %+v", blocks)
	}
	got := blocks[0].ShellCommands()
	want := []harness.ShellCommand{
		{Line: 4, Text: "zkgate ctl set /a 'x # y'   # => z", Comment: "=> z"},
		{Line: 5, Text: "zkgate serve --name a \\\n  --data-dir a   # in another terminal", Comment: "in another terminal"},
		{Line: 7, Text: `echo "#" done`},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("commands:\n%+v\nwant\n%+v", got, want)
	}
}
