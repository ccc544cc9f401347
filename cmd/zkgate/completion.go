package main

import (
	"github.com/spf13/cobra"
)

// newCompletionCommand prints a shell completion script for zkgate's
// commands, ctl verbs and flags.
func newCompletionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "completion bash|zsh|fish",
		Short: "Print a shell completion script (bash, zsh or fish)",
		Long: `completion prints a script that completes zkgate's commands, ctl verbs and
flags in bash, zsh or fish. Load it in the current shell:

  source <(zkgate completion bash)
  source <(zkgate completion zsh)
  zkgate completion fish | source

or install it for every shell, for example:

  zkgate completion bash > /etc/bash_completion.d/zkgate
  zkgate completion zsh > "${fpath[1]}/_zkgate"
  zkgate completion fish > ~/.config/fish/completions/zkgate.fish`,
		ValidArgs: []string{"bash", "zsh", "fish"},
		Args:      cobra.MatchAll(cobra.ExactArgs(1), cobra.OnlyValidArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			out := cmd.OutOrStdout()
			root := cmd.Root()
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(out, true)
			case "zsh":
				return root.GenZshCompletion(out)
			}
			return root.GenFishCompletion(out, true)
		},
	}
}
