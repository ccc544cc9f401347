package node

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// lockFileName is the file in the data dir that a running zkgate holds an
// exclusive flock on.
const lockFileName = "zkgate.lock"

// dataDirLock is held for the lifetime of a node.
type dataDirLock struct {
	f *os.File
}

// lockDataDir takes the data dir for this process. It fails at once, with
// the holder's pid where known, when another zkgate holds it or when
// another process (a plain etcd, say) has the member database open; etcd
// itself would wait forever for that database lock.
func lockDataDir(dir string) (*dataDirLock, error) {
	path := filepath.Join(dir, lockFileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, &FieldError{Field: "data-dir", Reason: fmt.Sprintf("%q: opening lock file: %v", dir, errors.Unwrap(err))}
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		holder := ""
		if b, rerr := os.ReadFile(path); rerr == nil {
			if pid, perr := strconv.Atoi(strings.TrimSpace(string(b))); perr == nil {
				holder = fmt.Sprintf(" (pid %d)", pid)
			}
		}
		f.Close()
		return nil, &FieldError{Field: "data-dir", Reason: fmt.Sprintf("%q is in use by another zkgate process%s", dir, holder)}
	}
	if err := busyDatabase(dir); err != nil {
		unix.Flock(int(f.Fd()), unix.LOCK_UN)
		f.Close()
		return nil, err
	}
	if err := f.Truncate(0); err == nil {
		fmt.Fprintf(f, "%d\n", os.Getpid())
		_ = f.Sync()
	}
	return &dataDirLock{f: f}, nil
}

// busyDatabase reports whether the member database in dir is locked by
// another process, as bbolt locks it while open.
func busyDatabase(dir string) error {
	db := filepath.Join(dir, "member", "snap", "db")
	f, err := os.Open(db)
	if err != nil {
		return nil // no database yet, or unreadable: etcd reports that itself
	}
	defer f.Close()
	if err := unix.Flock(int(f.Fd()), unix.LOCK_SH|unix.LOCK_NB); err != nil {
		return &FieldError{Field: "data-dir", Reason: fmt.Sprintf("%q: member database is in use by another process", dir)}
	}
	return unix.Flock(int(f.Fd()), unix.LOCK_UN)
}

func (l *dataDirLock) release() {
	if l == nil || l.f == nil {
		return
	}
	_ = l.f.Truncate(0)
	_ = unix.Flock(int(l.f.Fd()), unix.LOCK_UN)
	_ = l.f.Close()
	l.f = nil
}
