// Command zkgate is a coordination service: an embedded etcd member serving
// the etcd v3 API, with ZooKeeper-style faces on top. See doc.go.
package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

func main() {
	if err := newRootCommand().Execute(); err != nil {
		fmt.Fprintf(os.Stderr, "zkgate: %s\n", oneLine(err.Error()))
		var coded interface{ ExitCode() int }
		if errors.As(err, &coded) {
			os.Exit(coded.ExitCode())
		}
		os.Exit(1)
	}
}

// oneLine folds a multi-line message (cobra's "Did you mean" suggestions)
// into one line, so every error is one line on stderr.
func oneLine(msg string) string {
	var parts []string
	for _, l := range strings.Split(msg, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			parts = append(parts, l)
		}
	}
	return strings.Join(parts, " ")
}
