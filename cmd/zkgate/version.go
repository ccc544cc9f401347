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
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "zkgate version: %s\n", zkgateVersion())
			fmt.Fprintf(out, "etcd version: %s\n", etcdversion.Version)
			fmt.Fprintf(out, "etcd API version: %s\n", etcdversion.APIVersion)
			fmt.Fprintf(out, "Go version: %s\n", runtime.Version())
			fmt.Fprintf(out, "Go OS/Arch: %s/%s\n", runtime.GOOS, runtime.GOARCH)
			return nil
		},
	}
}
