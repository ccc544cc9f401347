package harness

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Result is what a finished command printed and how it exited.
type Result struct {
	Stdout, Stderr string
	ExitCode       int
}

// RunZkgate runs the zkgate binary with args to completion (bounded by
// timeout) and returns its output. env entries (KEY=VALUE) are added to
// the environment; ZKGATE_* variables of the test's own environment are
// removed so they cannot leak in.
func RunZkgate(t testing.TB, timeout time.Duration, env []string, args ...string) Result {
	t.Helper()
	return run(t, timeout, env, "", Zkgate(t), args...)
}

// RunZkgateInput is RunZkgate with stdin.
func RunZkgateInput(t testing.TB, timeout time.Duration, stdin string, args ...string) Result {
	t.Helper()
	return run(t, timeout, nil, stdin, Zkgate(t), args...)
}

// Etcdctl runs the pinned etcdctl against endpoints and returns its
// output; it fails the test if etcdctl exits non-zero.
func Etcdctl(t testing.TB, endpoints string, args ...string) string {
	t.Helper()
	r := EtcdctlResult(t, "", endpoints, args...)
	if r.ExitCode != 0 {
		t.Fatalf("etcdctl %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.ExitCode, r.Stdout, r.Stderr)
	}
	return r.Stdout
}

// EtcdctlResult runs etcdctl with stdin as its input and returns the
// result whatever the exit code.
func EtcdctlResult(t testing.TB, stdin, endpoints string, args ...string) Result {
	t.Helper()
	full := append([]string{"--endpoints", endpoints, "--dial-timeout", "5s", "--command-timeout", "15s"}, args...)
	return run(t, 30*time.Second, nil, stdin, EtcdctlPath(t), full...)
}

// EtcdctlCmd prepares a long-running etcdctl (watch, elect, lock,
// keep-alive) for the test to start and stop; it is killed when the test
// ends.
func EtcdctlCmd(t testing.TB, endpoints string, args ...string) *exec.Cmd {
	t.Helper()
	full := append([]string{"--endpoints", endpoints, "--dial-timeout", "5s"}, args...)
	cmd := exec.Command(EtcdctlPath(t), full...)
	cmd.Env = cleanEnv(nil)
	t.Cleanup(func() {
		if cmd.Process != nil && cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return cmd
}

func run(t testing.TB, timeout time.Duration, env []string, stdin, bin string, args ...string) Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = cleanEnv(env)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &errb
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%s %s: still running after %v\nstdout: %s\nstderr: %s", bin, strings.Join(args, " "), timeout, out.String(), errb.String())
	}
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running %s: %v", bin, err)
	}
	return Result{Stdout: out.String(), Stderr: errb.String(), ExitCode: code}
}

func cleanEnv(extra []string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "ZKGATE_") || strings.HasPrefix(kv, "ETCDCTL_") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}
