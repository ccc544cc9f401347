package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

func newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "zkgate",
		Short: "A coordination service on etcd's Raft, for teams moving off ZooKeeper",
		Long: `zkgate is one binary that embeds a real etcd v3 member (Raft consensus and
MVCC storage) and serves the etcd v3 API unchanged: etcdctl, clientv3 and its
concurrency package (Election, Mutex, STM) work against zkgate as against
etcd. ZooKeeper-style faces are built on the same member.

Start a single node on loopback with data in ./zkgate-data:

  zkgate serve

then talk to it with any etcd client:

  etcdctl --endpoints http://127.0.0.1:2379 put greeting hello

Exit status: 0 on success, 1 when the command failed, 2 when the command
line is wrong (an unknown command, verb or flag, a wrong number of
arguments): the error then names the command and its usage.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       zkgateVersion(),
	}
	// --version prints what the version command prints.
	root.SetVersionTemplate(versionText())
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &usageError{cmd: c, err: err}
	})
	root.AddCommand(newServeCommand(), newCtlCommand(), newLockCommand(), newElectCommand(), newBenchCommand(), newMigrateCommand(), newDiffCommand(), newVersionCommand(), newCompletionCommand())
	strictArgs(root)
	strictHelp(root)
	// A command that only dispatches to its subcommands runs (to refuse
	// an unknown one), but its help shows no usage line of its own.
	cobra.AddTemplateFunc("dispatchOnly", func(c *cobra.Command) bool { return c.Annotations[dispatchOnly] == "true" })
	root.SetUsageTemplate(strings.Replace(root.UsageTemplate(), "Usage:{{if .Runnable}}", "Usage:{{if and .Runnable (not (dispatchOnly .))}}", 1))
	return root
}

// dispatchOnly is the annotation strictArgs puts on a command that only
// dispatches to its subcommands.
const dispatchOnly = "zkgate/dispatch-only"

// usageError is a command line a command cannot run: an unknown command
// or verb, a wrong number of arguments, an unknown or malformed flag. Its
// message names the command and its usage line; zkgate exits with status
// 2 for it, so a typo in a script is never taken for success.
type usageError struct {
	cmd *cobra.Command
	err error
}

func (e *usageError) Error() string {
	use := strings.TrimSuffix(e.cmd.UseLine(), " [flags]")
	if e.cmd.HasAvailableSubCommands() && !strings.Contains(e.cmd.Use, " ") {
		use += " COMMAND"
	}
	msg := fmt.Sprintf("%s (usage: %s; see '%s --help')", e.err, use, e.cmd.CommandPath())
	if !e.cmd.HasParent() {
		return msg // main's "zkgate: " names the root
	}
	return strings.TrimPrefix(e.cmd.CommandPath(), e.cmd.Root().Name()+" ") + ": " + msg
}

func (e *usageError) Unwrap() error { return e.err }

// ExitCode is 2, the status of a usage error.
func (e *usageError) ExitCode() int { return 2 }

// strictArgs makes every command below c refuse a command line it cannot
// run with a usageError: a command with subcommands and no action of its
// own (ctl) refuses an unknown subcommand instead of printing its help
// and succeeding, and every argument check reports the command's usage.
func strictArgs(c *cobra.Command) {
	for _, sub := range c.Commands() {
		strictArgs(sub)
	}
	if c.HasSubCommands() && !c.Runnable() {
		if c.Annotations == nil {
			c.Annotations = map[string]string{}
		}
		c.Annotations[dispatchOnly] = "true"
		c.RunE = func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmd.Help()
			}
			noun := "command"
			if strings.Contains(cmd.Use, "VERB") {
				noun = "verb"
			}
			err := fmt.Errorf("unknown %s %q for %q", noun, args[0], cmd.CommandPath())
			if cmd.SuggestionsMinimumDistance <= 0 {
				cmd.SuggestionsMinimumDistance = 2 // cobra's own default
			}
			if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
				err = fmt.Errorf("%w, did you mean %q?", err, s[0])
			}
			return &usageError{cmd: cmd, err: err}
		}
		c.Args = cobra.ArbitraryArgs
		return
	}
	check := c.Args
	if check == nil {
		return
	}
	c.Args = func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			var ue *usageError
			if errors.As(err, &ue) {
				return err
			}
			return &usageError{cmd: cmd, err: err}
		}
		return nil
	}
}

// strictHelp makes "zkgate help TOPIC" refuse a topic that is no command
// (cobra's help command prints the root's help and succeeds).
func strictHelp(root *cobra.Command) {
	root.InitDefaultHelpCmd()
	h, _, err := root.Find([]string{"help"})
	if err != nil || h == root || h.Run == nil {
		return
	}
	run := h.Run
	h.Run = nil
	h.RunE = func(c *cobra.Command, args []string) error {
		if len(args) > 0 {
			if t, rest, err := root.Find(args); err != nil || t == nil || len(rest) > 0 {
				return &usageError{cmd: c, err: fmt.Errorf("unknown help topic %q", strings.Join(args, " "))}
			}
		}
		run(c, args)
		return nil
	}
}
