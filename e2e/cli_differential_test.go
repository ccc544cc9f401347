package e2e

import (
	"bufio"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"io"
	"os/exec"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zkgate/zkgate/e2e/harness"
)

// The CLI differential tests drive the stock ZooKeeper command lines, the
// Java zkCli.sh and the C client's cli_mt (Debian's zookeeper and
// zookeeper-bin), with a script of every command each lists in its help,
// against a real ZooKeeper 3.8 and against zkgate, and compare what they
// print, command by command, once zxids, times, session ids, the server's
// address and the order of children are normalised (cliNormalizer).

// cliPending is an output that still differs because of work done
// elsewhere: in the output of a command of tool matching command, zkgate
// prints zkgate where ZooKeeper prints what matches zookeeper (after
// normalisation; zkgate is a regexp replacement, "" for a line zkgate
// does not print). An entry that no output needs fails the test, so that
// it is deleted once the work is in.
type cliPending struct {
	tool      string
	command   *regexp.Regexp
	zookeeper *regexp.Regexp
	zkgate    string
	reason    string
}

var pendingDifferences = []cliPending{}

// digestOf is ZooKeeper's digest id of user:password.
func digestOf(user, password string) string {
	h := sha1.Sum([]byte(user + ":" + password))
	return user + ":" + base64.StdEncoding.EncodeToString(h[:])
}

// zkCliDifferentialScript is one zkCli.sh session: every command of its
// help, with their options, on nodes they create. ADDR stands for the
// server's address.
func zkCliDifferentialScript() []string {
	alice := digestOf("alice", "secret")
	return []string{
		"help",
		"version",
		"whoami",
		"create /d x",
		"create /d/c1 y",
		"create -e /d/eph e",
		"create -s /d/seq- s",
		"create -s -e /d/eseq- s",
		"create -c /cont",
		"create -c /cont/k v",
		"create -t 60000 /ttl t",
		"create -s -t 60000 /ttlseq- t",
		"create /nodata",
		"create /acl x world:anyone:r",
		"create /dacl x digest:" + alice + ":cdrwa",
		"create /iacl x ip:127.0.0.1/8:cdrwa",
		"create /macl x world:anyone:r,ip:10.0.0.0/8:cdrwa",
		"create /d",
		"create /zz/a b",
		"create d",
		"get /d",
		"get -s /d",
		"get /nope",
		"stat /d",
		"stat /nope",
		"ls /d",
		"ls -s /d",
		"ls -R /",
		"ls /nope",
		"getAcl /acl",
		"getAcl -s /dacl",
		"getAcl /iacl",
		"getAcl /macl",
		"getAcl /nope",
		"setAcl /acl world:anyone:cdrwa",
		"setAcl -s /iacl world:anyone:cdrwa",
		"setAcl -v 0 /iacl world:anyone:cdr",
		"setAcl -R /d world:anyone:cdrwa",
		"setAcl /nope world:anyone:cdrwa",
		"getAllChildrenNumber /d",
		"getAllChildrenNumber /",
		"getAllChildrenNumber /nope",
		"getEphemerals /d",
		"getEphemerals /",
		"getEphemerals /nope",
		"sync /d",
		"sync /nope",
		"get -w /d",
		"set /d z",
		"ls -w /d",
		"create /d/c2",
		"stat -w /d",
		"set /d q",
		"set -s /d w",
		"set -v 7 /d w",
		"set /nope w",
		"addWatch /d",
		"addWatch -m PERSISTENT /d/c1",
		"set /d/c1 w",
		"create /d/c1/deep",
		// zkCli.sh's sync waits for its callback, which the client's
		// event thread runs after the events received before: without
		// it, whether the events of the commands just before a
		// printwatches are printed would be a race with it.
		"sync /d",
		"printwatches off",
		"set /d/c1 w2",
		"sync /d",
		"printwatches on",
		"removewatches /d -a",
		"removewatches /d/c1",
		"removewatches /nope",
		"get -w /d/c1",
		"removewatches /d/c1 -d",
		"ls -w /d/c1",
		"removewatches /d/c1 -c",
		"delete -v 5 /d/c2",
		"delete /d",
		"delete /d/c2",
		"delete /nope",
		"deleteall /zz",
		"deleteall /d/c1",
		"setquota -n 2 /d",
		"setquota -b 100 /d",
		"setquota -N 5 /cont",
		"setquota -B 50 /cont",
		"setquota -n 2 /d/seq-0000000002",
		"listquota /d",
		"listquota /cont",
		"listquota /nope",
		"get /zookeeper/quota/d/zookeeper_limits",
		"delquota -n /d",
		"listquota /d",
		"delquota /d",
		"delquota -N /cont",
		"delquota -B /cont",
		"delquota /nope",
		"listquota /d",
		"config",
		"config -s",
		"reconfig -remove 3",
		"reconfig -add 4=127.0.0.1:1:2;3",
		"addauth digest alice:secret",
		"whoami",
		"getAcl -s /dacl",
		"setAcl /dacl digest:" + alice + ":cdrwa,world:anyone:r",
		"getAcl /dacl",
		"create /au1 x auth::cdrwa",
		"addauth digest bob:pw",
		"create /au2 x auth::cdrwa",
		"getAcl /au2",
		"create /au3 x auth:bob:cdrwa",
		"create /au2/kid",
		"setAcl /au2 auth::r",
		"getAcl /au2",
		"create /x x world:anyone:cdrwz",
		"create /x2 x foo:bar:cdrwa",
		"create /x3 x ip:300.0.0.1:r",
		"create -e /ee/ x",
		"set /au2",
		"ls -R /nope",
		"deleteall /d -b 2",
		"get -s /zookeeper/config",
		"config -c",
		"history",
		"redo 2",
		"close",
		"ls /",
		"connect ADDR",
		"ls /",
		"get /nodata",
		"deleteall /d",
		"ls /",
		"quit",
	}
}

// zkCliMark is the command put after command i of the script: a read
// whose one-line answer (zkCliMarkAnswer) ends the command's output.
func zkCliMark(i int) string { return fmt.Sprintf("stat /zkcli-mark-%d", i) }

var zkCliMarkAnswer = regexp.MustCompile(`^Node does not exist: /zkcli-mark-(\d+)$`)

// runZkCliDifferential runs the script in one zkCli.sh session against
// addr and returns each command's output and the watch events printed,
// in order, blank lines left out. Events are printed by the client's
// event thread, so where they fall among the commands' outputs is a
// matter of timing; their order is not.
func runZkCliDifferential(t *testing.T, addr string, script []string) (outputs []string, events []string) {
	t.Helper()
	var in strings.Builder
	for i, c := range script {
		in.WriteString(strings.ReplaceAll(c, "ADDR", addr) + "\n")
		if c != "quit" {
			in.WriteString(zkCliMark(i) + "\n")
		}
	}
	cmd := exec.Command("/usr/share/zookeeper/bin/zkCli.sh", "-server", addr)
	cmd.Stdin = strings.NewReader(in.String())
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out // one pipe: the order is kept
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(3 * time.Minute):
		cmd.Process.Kill()
		<-done
		t.Fatalf("zkCli.sh timed out:\n%s", out.String())
	}
	lines := strings.Split(out.String(), "\n")
	outputs = make([]string, len(script))
	var cur []string
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, "SLF4J:"), l == "WATCHER::", l == "":
			// The event thread's lines ("", "WATCHER::", "", the event)
			// fall among the main thread's anywhere, even between its
			// own; blank lines therefore are not compared at all.
			continue
		case strings.HasPrefix(l, "WatchedEvent "):
			events = append(events, l)
			continue
		}
		// A mark that is not answered (while the session is closed,
		// zkCli.sh prints "Not connected") leaves its command's output
		// to the next one's.
		if m := zkCliMarkAnswer.FindStringSubmatch(l); m != nil {
			k, _ := strconv.Atoi(m[1])
			if k < len(outputs) {
				outputs[k] = strings.Join(cur, "\n")
				cur = nil
				continue
			}
		}
		cur = append(cur, l)
	}
	outputs[len(outputs)-1] = strings.Join(cur, "\n")
	// quit closes the session and exits: whether the event thread prints
	// the session's Closed event before the JVM ends is a race.
	if n := len(events); n > 0 && events[n-1] == "WatchedEvent state:Closed type:None path:null" {
		events = events[:n-1]
	}
	return outputs, events
}

// The C client's cli_mt.

// cliMtDifferentialScript is one cli_mt session: every command of its
// help, synchronous and (prefixed with "a") asynchronous.
func cliMtDifferentialScript() []string {
	return []string{
		"help",
		"create /cm",
		"create +e /cm/eph",
		"create +s /cm/seq-",
		"create +es /cm/eseq-",
		"create2 /cm/c2",
		"create2 +s /cm/seq2-",
		"create +c /cont",
		"create +t=60000 /ttl",
		"create +x /bad",
		"create /cm",
		"create /nope/x",
		"create +e /cm/eph/x",
		"create cm",
		"ls cm",
		"set /cm",
		"set /cm hello",
		"set /nope x",
		"get /cm",
		"get /nope",
		"ls /cm",
		"ls /nope",
		"ls2 /cm",
		"exists /cm",
		"wexists /cm",
		"set /cm again",
		"wexists /later",
		"create /later",
		"sync /cm",
		"myid",
		"verbose",
		"get /zookeeper",
		"verbose",
		"addauth digest alice:secret",
		"config",
		"reconfig -remove 3",
		"reconfig -add 4=127.0.0.1:1:2;3",
		"delete /cm/c2",
		"delete /cm",
		"delete /nope",
		"acreate /acm",
		"acreate2 /acm/c",
		"aset /acm x",
		"aget /acm",
		"als /acm",
		"als2 /acm",
		"aexists /acm",
		"awexists /acm",
		"aset /acm y",
		"async /acm",
		"adelete /acm/c",
		"adelete /acm",
		"amyid",
		"aconfig",
		"areconfig -remove 3",
		"aaddauth digest bob:secret",
		// reinit, which its help does not list, closes the session and
		// opens a new one. (od, not listed either, is a load generator:
		// it sets /od over and over, as fast as the server answers, so
		// what it prints depends on timing alone.)
		"reinit",
		"ls /",
		"quit",
	}
}

// cliMtMark is the command put after each command of the script: an
// asynchronous ls of a missing node, whose answer line comes after
// everything the command printed: the server answers a session in order,
// and cli_mt prints its completions and watch events on one thread, in
// order. (A synchronous command would not do: cli_mt prints its errors
// from the thread that reads commands, ahead of completions still to be
// printed; and what it prints on stdout, myid's answer, is buffered until
// it exits.)
func cliMtMark(i int) (command, answer string) {
	p := fmt.Sprintf("/climt-mark-%d", i)
	return "ls " + p, p + ": rc = -101"
}

// cliMtLog matches the C client's log lines, which verbose turns on at
// debug level: they carry the client's own times, thread ids and xids.
var cliMtLog = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+:\d+\(0x[0-9a-f]+\):ZOO_`)

// runCliMtDifferential runs the script in one cli_mt session against addr
// and returns each command's output.
func runCliMtDifferential(t *testing.T, addr string, script []string) []string {
	t.Helper()
	cmd := exec.Command("/usr/lib/zookeeper/bin/cli_mt", addr)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { in.Close(); cmd.Process.Kill() })
	go func() { _ = cmd.Wait(); pw.Close() }()
	lines := make(chan string, 1000)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	// until returns the lines up to one equal to end ("" for the end of
	// the output), that one left out.
	until := func(end string) []string {
		var got []string
		deadline := time.After(60 * time.Second)
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					if end != "" {
						t.Fatalf("cli_mt ended before %q; output:\n%s", end, strings.Join(got, "\n"))
					}
					return got
				}
				if end != "" && l == end {
					return got
				}
				if !cliMtLog.MatchString(l) {
					got = append(got, l)
				}
			case <-deadline:
				t.Fatalf("no %q from cli_mt; output:\n%s", end, strings.Join(got, "\n"))
			}
		}
	}
	// The session first: commands typed before it is up are refused.
	m, ans := cliMtMark(-1)
	if _, err := io.WriteString(in, m+"\n"); err != nil {
		t.Fatal(err)
	}
	var outputs []string
	outputs = append(outputs, strings.Join(until(ans), "\n"))
	for i, c := range script {
		if _, err := io.WriteString(in, c+"\n"); err != nil {
			t.Fatal(err)
		}
		if c == "quit" {
			outputs = append(outputs, strings.Join(until(""), "\n"))
			break
		}
		m, ans := cliMtMark(i)
		if _, err := io.WriteString(in, m+"\n"); err != nil {
			t.Fatal(err)
		}
		outputs = append(outputs, strings.Join(until(ans), "\n"))
	}
	return outputs
}

// cliNormalizer makes two servers' outputs comparable: each zxid becomes
// Z and the order in which it was first seen (so equal zxids stay equal),
// each session id S and its order, times T (the epoch, which the root
// and /zookeeper show, stays as it is), "time = N msec" (cli_mt's own
// timing) and the server's address ADDR; runs of children (cli_mt's ls
// prints one per line, tab-indented; zkCli.sh's lists are bracketed) are
// sorted, as ZooKeeper returns children in no particular order.
type cliNormalizer struct {
	addr  string
	zxids map[int64]int
	sess  map[int64]int
}

func newCLINormalizer(addr string) *cliNormalizer {
	return &cliNormalizer{addr: addr, zxids: map[int64]int{}, sess: map[int64]int{}}
}

var (
	// zkCli.sh's Stat lines: "cZxid = 0x1d"; cli_mt's: "\tczxid=1d".
	cliZxid = regexp.MustCompile(`^(\t?[cmp][zZ]xid ?= ?)(?:0x)?([0-9a-f]+)$`)
	// "ctime = Sun Dec 06 19:25:03 UTC 2026" (zkCli.sh), "\tctime = Sun
	// Dec  6 19:24:37 2026", "\tmtime=Sun Dec  6 19:24:37 2026" (cli_mt).
	cliTime     = regexp.MustCompile(`^(\t?[cm]time ?= ?)(.*)$`)
	cliOwner    = regexp.MustCompile(`^(\t?ephemeralOwner ?= ?)(?:0x)?([0-9a-f]+)$`)
	cliSession  = regexp.MustCompile(`((?:session id: |session Id = )(?:0x)?)([0-9a-f]+)`)
	cliMsec     = regexp.MustCompile(`^time = -?\d+ msec$`)
	cliChild    = regexp.MustCompile(`^\t[^\t=]+$`)
	cliBrackets = regexp.MustCompile(`^\[(.*)\]$`)
)

func (n *cliNormalizer) zxid(hex string) string {
	v, err := strconv.ParseInt(hex, 16, 64)
	if err != nil || v == 0 {
		return hex
	}
	if _, ok := n.zxids[v]; !ok {
		n.zxids[v] = len(n.zxids) + 1
	}
	return fmt.Sprintf("Z%d", n.zxids[v])
}

func (n *cliNormalizer) session(hex string) string {
	v, err := strconv.ParseUint(hex, 16, 64)
	if err != nil || v == 0 {
		return hex
	}
	if _, ok := n.sess[int64(v)]; !ok {
		n.sess[int64(v)] = len(n.sess) + 1
	}
	return fmt.Sprintf("S%d", n.sess[int64(v)])
}

func (n *cliNormalizer) output(s string) string {
	lines := strings.Split(s, "\n")
	var out []string
	for _, l := range lines {
		l = strings.ReplaceAll(l, n.addr, "ADDR")
		switch {
		case cliMsec.MatchString(l):
			continue
		case cliZxid.MatchString(l):
			m := cliZxid.FindStringSubmatch(l)
			l = m[1] + n.zxid(m[2])
		case cliTime.MatchString(l):
			m := cliTime.FindStringSubmatch(l)
			if !strings.Contains(m[2], "1970") {
				l = m[1] + "T"
			}
		case cliOwner.MatchString(l):
			m := cliOwner.FindStringSubmatch(l)
			l = m[1] + n.session(m[2])
		case cliBrackets.MatchString(l):
			items := strings.Split(cliBrackets.FindStringSubmatch(l)[1], ", ")
			sort.Strings(items)
			l = "[" + strings.Join(items, ", ") + "]"
		}
		l = cliSession.ReplaceAllStringFunc(l, func(s string) string {
			m := cliSession.FindStringSubmatch(s)
			return m[1] + n.session(m[2])
		})
		out = append(out, l)
	}
	// Runs of children, sorted.
	for i := 0; i < len(out); {
		j := i
		for j < len(out) && cliChild.MatchString(out[j]) {
			j++
		}
		if j > i+1 {
			sort.Strings(out[i:j])
		}
		i = max(j, i+1)
	}
	return strings.Join(out, "\n")
}

// compareCLI compares the two servers' outputs command by command, the
// pending differences of tool applied to ZooKeeper's side.
func compareCLI(t *testing.T, tool string, script, zk, gate []string) {
	t.Helper()
	if len(zk) != len(gate) {
		t.Fatalf("%s printed %d outputs on ZooKeeper, %d on zkgate", tool, len(zk), len(gate))
	}
	used := make([]bool, len(pendingDifferences))
	differ := 0
	for i := range zk {
		cmd := "(session start)"
		if tool == "cli_mt" && i > 0 {
			cmd = script[i-1]
		} else if tool == "zkCli.sh" {
			cmd = script[i]
		}
		want := zk[i]
		for j, p := range pendingDifferences {
			if p.tool != tool || !p.command.MatchString(cmd) || want == gate[i] {
				continue
			}
			if w := p.zookeeper.ReplaceAllString(want+"\n", p.zkgate); strings.TrimSuffix(w, "\n") == gate[i] {
				want, used[j] = gate[i], true
			}
		}
		if want != gate[i] {
			differ++
			t.Errorf("%s %q prints on ZooKeeper:\n%s\n--- and on zkgate:\n%s", tool, cmd, indent(zk[i]), indent(gate[i]))
		}
	}
	for j, p := range pendingDifferences {
		if p.tool == tool && !used[j] {
			t.Errorf("pendingDifferences lists a difference of %s %v (%s) that no output shows now: delete the entry", tool, p.command, p.reason)
		}
	}
	t.Logf("%s: %d outputs compared, %d differ, %d pending differences (see pendingDifferences)", tool, len(zk), differ, countPending(tool))
}

func countPending(tool string) int {
	n := 0
	for _, p := range pendingDifferences {
		if p.tool == tool {
			n++
		}
	}
	return n
}

func indent(s string) string {
	return "    | " + strings.ReplaceAll(s, "\n", "\n    | ")
}

// helpCommands are the command names a help text lists: the first word
// of each tab-indented line.
func helpCommands(help string, indentBy string) []string {
	var names []string
	for _, l := range strings.Split(help, "\n") {
		if rest, ok := strings.CutPrefix(l, indentBy); ok && strings.TrimSpace(rest) != "" && !strings.HasPrefix(rest, " ") {
			names = append(names, strings.Fields(rest)[0])
		}
	}
	return names
}

// checkCovers fails the test unless the script runs every command named.
func checkCovers(t *testing.T, tool string, names, script []string) {
	t.Helper()
	if len(names) < 10 {
		t.Fatalf("%s help lists only %v", tool, names)
	}
	ran := map[string]bool{}
	for _, c := range script {
		ran[strings.Fields(c)[0]] = true
	}
	for _, name := range names {
		if !ran[name] {
			t.Errorf("the %s script does not run %s, which its help lists", tool, name)
		}
	}
}

// TestCLIDifferential_ZkCli: zkCli.sh prints the same, command for
// command and event for event, on zkgate as on a real ZooKeeper 3.8, for
// every command its help lists.
func TestCLIDifferential_ZkCli(t *testing.T) {
	t.Parallel()
	zk := harness.StartZooKeeper(t)
	n := harness.StartNode(t, harness.NodeOptions{})
	script := zkCliDifferentialScript()
	zkOut, zkEvents := runZkCliDifferential(t, zk.Addr, script)
	gateOut, gateEvents := runZkCliDifferential(t, n.ZKAddr, script)
	checkCovers(t, "zkCli.sh", helpCommands(zkOut[0], "\t"), script)
	zn, gn := newCLINormalizer(zk.Addr), newCLINormalizer(n.ZKAddr)
	for i := range zkOut {
		zkOut[i] = zn.output(zkOut[i])
	}
	for i := range gateOut {
		gateOut[i] = gn.output(gateOut[i])
	}
	compareCLI(t, "zkCli.sh", script, zkOut, gateOut)
	if z, g := strings.Join(zkEvents, "\n"), strings.Join(gateEvents, "\n"); z != g {
		t.Errorf("zkCli.sh printed these events on ZooKeeper:\n%s\n--- and these on zkgate:\n%s", indent(z), indent(g))
	}
}

// TestCLIDifferential_CliMt: the C client's cli_mt prints the same,
// command for command, on zkgate as on a real ZooKeeper 3.8, for every
// command its help lists, synchronous and asynchronous.
func TestCLIDifferential_CliMt(t *testing.T) {
	t.Parallel()
	zk := harness.StartZooKeeper(t)
	n := harness.StartNode(t, harness.NodeOptions{})
	script := cliMtDifferentialScript()
	zkOut := runCliMtDifferential(t, zk.Addr, script)
	gateOut := runCliMtDifferential(t, n.ZKAddr, script)
	var names []string
	for _, name := range helpCommands(zkOut[1], "    ") {
		if name != "prefix" && name != "run" && name != "i.e." {
			names = append(names, name, "a"+name)
		}
	}
	// quit, verbose and help have no asynchronous form.
	var want []string
	for _, name := range names {
		switch name {
		case "aquit", "averbose", "ahelp":
			continue
		}
		want = append(want, name)
	}
	checkCovers(t, "cli_mt", want, script)
	zn, gn := newCLINormalizer(zk.Addr), newCLINormalizer(n.ZKAddr)
	for i := range zkOut {
		zkOut[i] = zn.output(zkOut[i])
	}
	for i := range gateOut {
		gateOut[i] = gn.output(gateOut[i])
	}
	compareCLI(t, "cli_mt", script, zkOut, gateOut)
}
