package e2e

import (
	"bufio"
	"io"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/zkgate/zkgate/e2e/harness"
)

// cliMt drives the C client's CLI (Debian's zookeeper-bin): it sends one
// command at a time once the session is up and collects the output up to
// the command's "rc = " line.
type cliMt struct {
	t     *testing.T
	in    io.WriteCloser
	lines chan string
}

func startCliMt(t *testing.T, addr string) *cliMt {
	t.Helper()
	cmd := exec.Command("/usr/lib/zookeeper/bin/cli_mt", addr)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		in.Close()
		cmd.Process.Kill()
		cmd.Wait()
	})
	c := &cliMt{t: t, in: in, lines: make(chan string, 1000)}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
		close(c.lines)
	}()
	c.until("state = CONNECTED_STATE")
	return c
}

// until returns the output lines up to and including one containing s.
func (c *cliMt) until(s string) []string {
	c.t.Helper()
	var got []string
	deadline := time.After(30 * time.Second)
	for {
		select {
		case l, ok := <-c.lines:
			if !ok {
				c.t.Fatalf("cli_mt ended; output so far:\n%s", strings.Join(got, "\n"))
			}
			got = append(got, l)
			if strings.Contains(l, s) {
				return got
			}
		case <-deadline:
			c.t.Fatalf("no %q from cli_mt; output so far:\n%s", s, strings.Join(got, "\n"))
		}
	}
}

// run sends a command and returns its output up to its rc line.
func (c *cliMt) run(command string) string {
	c.t.Helper()
	if _, err := io.WriteString(c.in, command+"\n"); err != nil {
		c.t.Fatal(err)
	}
	out := c.until("rc = ")
	// The rc line may be followed by the result's own lines.
	for {
		select {
		case l := <-c.lines:
			out = append(out, l)
			continue
		case <-time.After(300 * time.Millisecond):
		}
		break
	}
	return strings.Join(out, "\n")
}

func TestCliMt_Commands(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{})
	c := startCliMt(t, n.ZKAddr)
	if out := c.run("create /cmt"); !strings.Contains(out, "[/cmt]: rc = 0") {
		t.Fatalf("create: %s", out)
	}
	if out := c.run("set /cmt hello"); !strings.Contains(out, "/cmt: rc = 0") || !strings.Contains(out, "version=1") {
		t.Fatalf("set: %s", out)
	}
	if out := c.run("get /cmt"); !strings.Contains(out, "value_len = 5") || !strings.Contains(out, "\nhello\n") {
		t.Fatalf("get: %s", out)
	}
	if out := c.run("ls /"); !strings.Contains(out, "\tcmt") || !strings.Contains(out, "\tzookeeper") {
		t.Fatalf("ls: %s", out)
	}
	if out := c.run("delete /cmt"); !strings.Contains(out, "/cmt: rc = 0") {
		t.Fatalf("delete: %s", out)
	}
	if out := c.run("get /cmt"); !strings.Contains(out, "/cmt: rc = -101") {
		t.Fatalf("get after delete: %s", out)
	}
}
