package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
	etcdversion "go.etcd.io/etcd/api/v3/version"
)

// version is set at build time with -ldflags "-X main.version=...";
// otherwise the module version recorded in the binary is used.
var version = ""

func zkgateVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

func newVersionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the versions of zkgate, the embedded etcd and Go",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprint(cmd.OutOrStdout(), versionText())
			return err
		},
	}
}

// versionText is what both "zkgate version" and "zkgate --version" print.
// It holds no template braces, so it serves as cobra's version template.
func versionText() string {
	return fmt.Sprintf("zkgate version: %s\netcd version: %s\netcd API version: %s\nGo version: %s\nGo OS/Arch: %s/%s\n",
		zkgateVersion(), etcdversion.Version, etcdversion.APIVersion, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
