package recipes

import (
	"regexp"
	"slices"
	"strings"

	"github.com/google/uuid"
)

// Node names of the recipes zkgate interoperates with.
const (
	// kazooLockName is what kazoo's Lock (and so its Election) puts
	// between the contender's uuid and the sequence number.
	kazooLockName = "__lock__"
	// curatorLockName and curatorLatchName are the node names of
	// Curator's InterProcessMutex and LeaderLatch.
	curatorLockName  = "lock-"
	curatorLatchName = "latch-"
	// curatorProtection starts the name of a node Curator creates with
	// protection: "_c_" + a uuid + "-".
	curatorProtection = "_c_"
)

// newUUIDHex is a random uuid as 32 hex digits, as Python's uuid4().hex.
func newUUIDHex() string {
	u := uuid.New()
	return strings.ReplaceAll(u.String(), "-", "")
}

// curatorProtectedPrefix is Curator's protected-mode prefix, "_c_<uuid>-".
func curatorProtectedPrefix() string { return curatorProtection + uuid.New().String() + "-" }

// kazooLockRE matches the contenders of kazoo's exclusive Lock: names
// ending in "__lock__" and a 10-digit sequence number (which may be
// negative once the counter wraps).
var kazooLockRE = regexp.MustCompile(`(?:__lock__)(-?\d{10})$`)

// kazooContenders is kazoo's Lock._get_predecessor ordering: the
// children kazooLockRE matches, sorted by the sequence text (a stable
// sort, as Python's).
func kazooContenders(children []string) []string {
	type c struct{ name, seq string }
	var cs []c
	for _, ch := range children {
		if m := kazooLockRE.FindStringSubmatch(ch); m != nil {
			cs = append(cs, c{ch, m[1]})
		}
	}
	slices.SortStableFunc(cs, func(a, b c) int { return strings.Compare(a.seq, b.seq) })
	out := make([]string, len(cs))
	for i, x := range cs {
		out[i] = x.name
	}
	return out
}

// curatorSorted is Curator's LockInternals.getSortedChildren: every
// child, sorted by StandardLockInternalsDriver.fixForSorting, the text
// after the last occurrence of name (the whole name if it has none).
func curatorSorted(children []string, name string) []string {
	key := func(s string) string {
		if i := strings.LastIndex(s, name); i >= 0 {
			return s[i+len(name):]
		}
		return s
	}
	out := slices.Clone(children)
	slices.SortStableFunc(out, func(a, b string) int { return strings.Compare(key(a), key(b)) })
	return out
}
