package recipes

import (
	"regexp"
	"slices"
	"strings"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/zkgate/zkgate/schema/zkgatepb"
)

// Node names of the recipes zkgate interoperates with.
const (
	// kazooLockName is what kazoo's Lock (and so its Election) and
	// WriteLock put between the contender's uuid and the sequence
	// number; kazooReadName is ReadLock's.
	kazooLockName = "__lock__"
	kazooReadName = "__rlock__"
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

// layout is a naming and ordering convention (zkgatepb.Layout) for one
// kind of contender.
type layout struct {
	// prefix returns a new contender's name, before the sequence number.
	prefix func() string
	// order returns the contenders among children, first first: who
	// holds the lock or leads.
	order func(children []string) []string
	// blocker returns the contender that node (a child name) waits for,
	// "" if none; ok is false if node is not among children.
	blocker func(children []string, node string) (pred string, ok bool)
}

// layoutOf returns the layout of a recipe.
func layoutOf(l zkgatepb.Layout, k kind, mode zkgatepb.LockMode) (layout, error) {
	if mode != zkgatepb.LockMode_LOCK_MODE_EXCLUSIVE && mode != zkgatepb.LockMode_LOCK_MODE_READ {
		return layout{}, status.Errorf(codes.InvalidArgument, "unknown lock mode %d", mode)
	}
	switch l {
	case zkgatepb.Layout_LAYOUT_KAZOO:
		switch {
		case k == kindElection:
			// kazoo's Election is its Lock: contenders are "__lock__"
			// nodes only.
			return kazooLayout(kazooLockName, []string{kazooLockName}, []string{kazooLockName}), nil
		case mode == zkgatepb.LockMode_LOCK_MODE_READ:
			// ReadLock: waits for earlier writers only.
			return kazooLayout(kazooReadName, []string{kazooLockName}, []string{kazooLockName, kazooReadName}), nil
		default:
			// WriteLock: waits for every earlier contender.
			return kazooLayout(kazooLockName, []string{kazooLockName, kazooReadName}, []string{kazooLockName, kazooReadName}), nil
		}
	case zkgatepb.Layout_LAYOUT_CURATOR:
		if mode == zkgatepb.LockMode_LOCK_MODE_READ {
			return layout{}, status.Error(codes.InvalidArgument, "read locks use the kazoo layout: LAYOUT_CURATOR offers InterProcessMutex only")
		}
		name := curatorLockName
		if k == kindElection {
			name = curatorLatchName
		}
		return curatorLayout(name), nil
	}
	return layout{}, status.Errorf(codes.InvalidArgument, "unknown layout %d", l)
}

// kazooContenderRE matches names ending in one of names and a sequence
// number as ZooKeeper writes it (10 characters, maybe a '-').
func kazooContenderRE(names []string) *regexp.Regexp {
	return regexp.MustCompile(`(?:` + strings.Join(names, "|") + `)(-?\d{10})$`)
}

// kazooLayout is kazoo's Lock family (lock.py): a contender is
// "<uuid hex>" + name + sequence; it waits for the contender with the
// greatest sequence below its own among those matching exclude, and the
// contenders (who holds) are those matching all, ordered by sequence
// text.
func kazooLayout(name string, exclude, all []string) layout {
	excludeRE, allRE := kazooContenderRE(exclude), kazooContenderRE(all)
	type c struct{ name, seq string }
	matching := func(children []string, re *regexp.Regexp) []c {
		var cs []c
		for _, ch := range children {
			if m := re.FindStringSubmatch(ch); m != nil {
				cs = append(cs, c{ch, m[1]})
			}
		}
		slices.SortStableFunc(cs, func(a, b c) int { return strings.Compare(a.seq, b.seq) })
		return cs
	}
	return layout{
		prefix: func() string { return newUUIDHex() + name },
		order: func(children []string) []string {
			var out []string
			for _, x := range matching(children, allRE) {
				out = append(out, x.name)
			}
			return out
		},
		blocker: func(children []string, node string) (string, bool) {
			if !slices.Contains(children, node) {
				return "", false
			}
			m := allRE.FindStringSubmatch(node)
			if m == nil {
				return "", false
			}
			pred := ""
			for _, x := range matching(children, excludeRE) {
				if x.seq < m[1] {
					pred = x.name
				}
			}
			return pred, true
		},
	}
}

// curatorLayout is Curator's LockInternals with one lease (a mutex or a
// latch): every child is a contender, sorted by the text after the last
// name in it; a contender waits for the one just before it.
func curatorLayout(name string) layout {
	return layout{
		prefix: func() string { return curatorProtectedPrefix() + name },
		order:  func(children []string) []string { return curatorSorted(children, name) },
		blocker: func(children []string, node string) (string, bool) {
			order := curatorSorted(children, name)
			i := slices.Index(order, node)
			if i < 0 {
				return "", false
			}
			if i == 0 {
				return "", true
			}
			return order[i-1], true
		},
	}
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
