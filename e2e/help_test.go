package e2e

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zkgate/zkgate/e2e/harness"
)

// foreignFlags are flags that zkgate's help names for other programs,
// by the program that has them.
var foreignFlags = map[string][]string{
	"etcdctl": {"endpoints"},
}

var (
	flagDefRe     = regexp.MustCompile(`(?m)^\s+(?:-\w, )?--([a-z0-9][a-z0-9-]*)`)
	flagMentionRe = regexp.MustCompile(`(?:^|[^\w-])--([a-z][a-z0-9-]*)`)
	subcommandRe  = regexp.MustCompile(`(?m)^  ([a-z][a-z0-9-]*)\s{2,}\S`)
)

// helpPage is one command's --help.
type helpPage struct {
	path  string   // "zkgate bench suite"
	text  string   // the whole page
	flags []string // its own flags and the inherited ones
}

// TestHelp_NamedFlagsExist: every --flag that a command's --help names,
// for every command of the binary, is one of that command's flags, or
// one of the flags of another zkgate command the same page names (such
// as "zkgate serve --zk-super-digest"), or of a program listed in
// foreignFlags the page names: help never sends anyone to a flag that
// does not exist.
func TestHelp_NamedFlagsExist(t *testing.T) {
	t.Parallel()
	pages := map[string]*helpPage{}
	var walk func(args []string)
	walk = func(args []string) {
		r := harness.RunZkgate(t, 30*time.Second, nil, append(slices.Clone(args), "--help")...)
		path := strings.Join(append([]string{"zkgate"}, args...), " ")
		if r.ExitCode != 0 {
			t.Fatalf("%s --help: exit %d\n%s", path, r.ExitCode, r.Stderr)
		}
		p := &helpPage{path: path, text: r.Stdout}
		flagsAt := strings.Index(r.Stdout, "\nFlags:\n")
		if flagsAt < 0 {
			flagsAt = strings.Index(r.Stdout, "\nGlobal Flags:\n")
		}
		if flagsAt >= 0 {
			for _, m := range flagDefRe.FindAllStringSubmatch(r.Stdout[flagsAt:], -1) {
				p.flags = append(p.flags, m[1])
			}
		}
		pages[path] = p
		start := strings.Index(r.Stdout, "\nAvailable Commands:\n")
		if start < 0 {
			return
		}
		section := r.Stdout[start+len("\nAvailable Commands:\n"):]
		if end := strings.Index(section, "\n\n"); end >= 0 {
			section = section[:end]
		}
		for _, m := range subcommandRe.FindAllStringSubmatch(section, -1) {
			if m[1] != "help" {
				walk(append(slices.Clone(args), m[1]))
			}
		}
	}
	walk(nil)
	if len(pages) < 10 {
		t.Fatalf("only %d commands found: %v", len(pages), slices.Collect(mapKeys(pages)))
	}
	t.Logf("%d commands' help read", len(pages))

	for _, p := range pages {
		// Its own flags, those of its subcommands (ctl's help describes
		// each verb), and those of the commands and programs it names.
		allowed := slices.Clone(p.flags)
		for _, other := range pages {
			if other != p && (strings.Contains(p.text, other.path) || strings.HasPrefix(other.path, p.path+" ")) {
				allowed = append(allowed, other.flags...)
			}
		}
		for prog, flags := range foreignFlags {
			if strings.Contains(p.text, prog) {
				allowed = append(allowed, flags...)
			}
		}
		for _, m := range flagMentionRe.FindAllStringSubmatch(p.text, -1) {
			if !slices.Contains(allowed, m[1]) {
				t.Errorf("%s --help names --%s, which is not a flag of it nor of a command it names", p.path, m[1])
			}
		}
	}
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}
