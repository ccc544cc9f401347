package harness

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// CodeBlock is one fenced code block of a Markdown document.
type CodeBlock struct {
	// Lang is the fence's info string ("sh", "python", "go", or "").
	Lang string
	// Line is the line number (1-based) of the opening fence.
	Line int
	// Lines are the lines between the fences.
	Lines []string
}

// CodeBlocks returns the fenced (```) code blocks of a Markdown document
// in order. An unclosed block runs to the end of the document.
func CodeBlocks(markdown string) []CodeBlock {
	var blocks []CodeBlock
	var cur *CodeBlock
	for i, line := range strings.Split(markdown, "\n") {
		trimmed := strings.TrimSpace(line)
		if cur == nil {
			if strings.HasPrefix(trimmed, "```") {
				cur = &CodeBlock{Lang: strings.TrimSpace(strings.TrimPrefix(trimmed, "```")), Line: i + 1}
			}
			continue
		}
		if trimmed == "```" {
			blocks = append(blocks, *cur)
			cur = nil
			continue
		}
		cur.Lines = append(cur.Lines, line)
	}
	if cur != nil {
		blocks = append(blocks, *cur)
	}
	return blocks
}

// ShellCommand is one command of a shell code block: a line, joined with
// the lines that follow it while they end in a backslash.
type ShellCommand struct {
	// Line is the document line (1-based) the command starts on.
	Line int
	// Text is the command as written, continuation lines included.
	Text string
	// Comment is the text of the comment that ends the command's last
	// line, without the "#" and surrounding blanks; "" if none.
	Comment string
}

// ShellCommands splits a shell block into commands. Blank lines and lines
// holding only a comment are left out.
func (b CodeBlock) ShellCommands() []ShellCommand {
	var cmds []ShellCommand
	var cur *ShellCommand
	for i, line := range b.Lines {
		if cur == nil {
			trimmed := strings.TrimSpace(line)
			if trimmed == "" || strings.HasPrefix(trimmed, "#") {
				continue
			}
			cur = &ShellCommand{Line: b.Line + 1 + i}
		} else {
			cur.Text += "\n"
		}
		cur.Text += line
		if strings.HasSuffix(line, "\\") {
			continue
		}
		if _, comment, ok := splitShellComment(line); ok {
			cur.Comment = comment
		}
		cmds = append(cmds, *cur)
		cur = nil
	}
	if cur != nil {
		cmds = append(cmds, *cur)
	}
	return cmds
}

// splitShellComment splits a shell line at a comment: a "#" outside
// quotes that starts a word.
func splitShellComment(line string) (code, comment string, ok bool) {
	var quote byte
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			} else if c == '\\' && quote == '"' {
				i++
			}
		case c == '\\':
			i++
		case c == '\'' || c == '"':
			quote = c
		case c == '#' && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t'):
			return line[:i], strings.TrimSpace(line[i+1:]), true
		}
	}
	return line, "", false
}

// RunScript runs script with interpreter (for example "bash", "-c"),
// bounded by timeout, in dir with env (KEY=VALUE entries replacing those
// of the test's environment with the same key; ZKGATE_* and ETCDCTL_*
// variables of the test's environment are removed). The command runs in a
// process group of its own, all of which is killed at the timeout, so a
// child left behind cannot hold the output open. timedOut reports that
// the timeout ended it.
func RunScript(t testing.TB, timeout time.Duration, dir string, env []string, script string, interpreter ...string) (r Result, timedOut bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	args := append(append([]string(nil), interpreter[1:]...), script)
	cmd := exec.CommandContext(ctx, interpreter[0], args...)
	cmd.Dir = dir
	cmd.Env = mergeEnv(cleanEnv(nil), env)
	cmd.Stdin = strings.NewReader("")
	var out, errb bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &errb
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	if cmd.Process != nil {
		// Whatever the script left running in its group goes with it.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	r = Result{Stdout: out.String(), Stderr: errb.String()}
	if ctx.Err() != nil {
		return r, true
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.ExitCode = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running %s: %v", interpreter[0], err)
	}
	return r, false
}

// mergeEnv returns base with the entries of over added, replacing those
// of base with the same key.
func mergeEnv(base, over []string) []string {
	keys := map[string]bool{}
	for _, kv := range over {
		k, _, _ := strings.Cut(kv, "=")
		keys[k] = true
	}
	var env []string
	for _, kv := range base {
		if k, _, _ := strings.Cut(kv, "="); !keys[k] {
			env = append(env, kv)
		}
	}
	return append(env, over...)
}
