//go:build unix

package zkbridge

import (
	"os"
	"syscall"
)

// fileDescriptors returns the process's open file descriptors and its
// limit (RLIMIT_NOFILE), as ZooKeeper's open_file_descriptor_count and
// max_file_descriptor_count; -1 for what cannot be read.
func fileDescriptors() (open, limit int64) {
	open, limit = -1, -1
	if entries, err := os.ReadDir("/proc/self/fd"); err == nil {
		open = int64(len(entries)) - 1 // less the descriptor reading the directory
	} else if entries, err := os.ReadDir("/dev/fd"); err == nil {
		open = int64(len(entries)) - 1
	}
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err == nil {
		limit = int64(rl.Cur)
	}
	return open, limit
}
