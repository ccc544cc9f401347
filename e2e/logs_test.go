package e2e

import (
	"encoding/json"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/zkgate/zkgate/e2e/harness"
)

// slowMachine are etcd's warnings of a member that is too slow (disk or
// CPU): real faults, which a loaded test machine may cause at any time,
// so the tests of quiet logs let them pass. (A slow apply that failed,
// or a slow lock call, is not among them: those are routine and must
// not show.)
var slowMachine = []string{
	"leader failed to send out heartbeat on time",
	"apply request took too long",
	"slow fdatasync",
}

// warnings returns the lines of a node's log (zkgate's JSON format) at
// warn level or above whose message is not one of allowed or slowMachine.
func warnings(log string, allowed ...string) []string {
	var out []string
lines:
	for _, line := range strings.Split(log, "\n") {
		var e struct {
			Level string `json:"level"`
			Msg   string `json:"msg"`
			Error string `json:"error"`
			Type  string `json:"response type"`
		}
		if json.Unmarshal([]byte(line), &e) != nil {
			continue // the harness's own lines, a panic's trace (shown on failure)
		}
		if e.Level == "debug" || e.Level == "info" {
			continue
		}
		for _, a := range allowed {
			if strings.Contains(e.Msg, a) {
				continue lines
			}
		}
		// A slow call (request stats) of a method that does not wait by
		// design is a slow machine too.
		if e.Msg == "request stats" && !strings.HasSuffix(e.Type, "/Lock") && !strings.HasSuffix(e.Type, "/Campaign") {
			continue
		}
		for _, a := range slowMachine {
			if strings.Contains(e.Msg, a) && e.Error == "" {
				continue lines
			}
		}
		out = append(out, line)
	}
	return out
}

// TestLogs_RoutineOperationIsQuiet: at the default log level, a
// three-node bootstrap, lock waits and election campaigns through the
// binary, and the clean shutdown of every node (one of them serving TLS)
// log nothing at warn or error level.
func TestLogs_RoutineOperationIsQuiet(t *testing.T) {
	t.Parallel()
	c := harness.StartCluster(t, 3)
	certs := harness.NewCerts(t)
	tlsNode := harness.StartNode(t, harness.NodeOptions{Name: "tls",
		Args: append(certs.ServerArgs(true), certs.PeerArgs()...), TLS: certs.ClientTLS(true)})
	ep := c.Nodes[0].ClientURL

	// Lock waits: two holders in turn, the second waits for the first.
	var wg sync.WaitGroup
	results := make([]harness.Result, 2)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = harness.RunZkgate(t, 30*time.Second, nil, "lock", "--endpoints", ep, "/locks/quiet", "--", "sleep", "1")
		}()
	}
	wg.Wait()
	for i, r := range results {
		if r.ExitCode != 0 {
			t.Fatalf("lock holder %d exited %d: %s", i, r.ExitCode, r.Stderr)
		}
	}

	// Campaigns: the second candidate waits until the first resigns.
	elect := func(name string) *cliProc {
		return startCLI(t, "elect", "--endpoints", ep, "--session-timeout", "4s", "/election/quiet", name)
	}
	first := elect("first")
	first.line(30 * time.Second)
	second := elect("second")
	waitChildren(t, c.Nodes[0], "/election/quiet", 2)
	time.Sleep(time.Second) // the campaign has to wait for the warning threshold (300 ms) to be passed
	_ = first.cmd.Process.Signal(syscall.SIGINT)
	second.line(30 * time.Second)
	_ = second.cmd.Process.Signal(syscall.SIGINT)
	<-second.done

	tlsNode.Stop()
	for _, n := range c.Nodes {
		n.Stop()
	}
	for _, n := range append([]*harness.Node{tlsNode}, c.Nodes...) {
		if w := warnings(n.Log()); len(w) > 0 {
			t.Errorf("node %s logged at warn or error level in routine operation:\n%s", n.Name, strings.Join(w, "\n"))
		}
	}
}
