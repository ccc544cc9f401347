package migrate

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/sync/errgroup"
)

// Difference is one way the two trees differ at Path.
type Difference struct {
	Path string
	What string // "only in source", "only in destination", "data", "acl", "kind", "unreadable", "ephemeral"
	// Detail says how, for data, acl and kind.
	Detail string
}

func (d Difference) String() string {
	switch d.What {
	case "only in source":
		return "- " + d.Path + " (only in the source)"
	case "only in destination":
		return "+ " + d.Path + " (only in the destination)"
	case "unreadable":
		return "! " + d.Path + ": " + d.Detail
	case "ephemeral":
		return "ephemeral, not compared: " + d.Path + " (" + d.Detail + ")"
	}
	return fmt.Sprintf("~ %s: %s differs (%s)", d.Path, d.What, d.Detail)
}

// DiffResult is what Diff found.
type DiffResult struct {
	Compared    int          // znodes present on both sides and compared
	Unreadable  int          // znodes an ACL kept from being compared
	Differences []Difference // including the unreadable
	// Ephemerals are the paths not compared because they are live
	// sessions' ephemerals (What "ephemeral", in path order): the
	// source's, which Copy does not copy either, and the destination's
	// where the source has nothing. Empty with includeEphemerals.
	Ephemerals []Difference
}

// Status is zkgate diff's exit status for r: 0 if the trees are the same,
// 1 if they differ, 2 if an ACL kept some znode from being compared.
func (r DiffResult) Status() int {
	switch {
	case r.Unreadable > 0:
		return 2
	case len(r.Differences) > 0:
		return 1
	}
	return 0
}

// Diff compares the trees under root (breadth-first, children in sorted
// order, workers znodes of a level side by side) and calls report for
// each difference, in that order; a subtree present on one side only is
// reported at its top. /zookeeper is skipped. So are ephemerals, as Copy
// skips them, unless includeEphemerals: an ephemeral of the source, and
// one of the destination where the source has none, is listed in
// DiffResult.Ephemerals (with what the other side has there) instead of
// being compared.
func Diff(ctx context.Context, src, dst Tree, root string, workers int, includeEphemerals bool, report func(Difference)) (DiffResult, error) {
	var res DiffResult
	// One level at a time, its znodes side by side; differences are
	// reported in level order, each level's paths in order.
	level := []string{root}
	for len(level) > 0 {
		found := make([]diffOne, len(level))
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(max(1, workers))
		for i, p := range level {
			if p == "/zookeeper" {
				continue
			}
			g.Go(func() (err error) {
				found[i], err = diffNode(gctx, src, dst, p, includeEphemerals)
				return err
			})
		}
		if err := g.Wait(); err != nil {
			return res, err
		}
		var next []string
		for _, f := range found {
			for _, d := range f.diffs {
				res.Differences = append(res.Differences, d)
				if report != nil {
					report(d)
				}
			}
			res.Compared += f.compared
			if f.ephemeral != nil {
				res.Ephemerals = append(res.Ephemerals, *f.ephemeral)
			}
			res.Unreadable += f.unreadable
			next = append(next, f.kids...)
		}
		level = next
	}
	slices.SortFunc(res.Ephemerals, func(a, b Difference) int { return strings.Compare(a.Path, b.Path) })
	return res, nil
}

// diffOne is what comparing one path found.
type diffOne struct {
	diffs                []Difference
	compared, unreadable int
	kids                 []string    // paths to compare next, sorted
	ephemeral            *Difference // an ephemeral not compared
}

func diffNode(ctx context.Context, src, dst Tree, p string, includeEphemerals bool) (diffOne, error) {
	var out diffOne
	add := func(d Difference) { out.diffs = append(out.diffs, d) }
	a, err := src.Node(ctx, p)
	if errors.Is(err, ErrNoAuth) {
		out.unreadable++
		add(Difference{Path: p, What: "unreadable", Detail: "the source's ACL refuses to read it: give --from-auth"})
		return out, nil
	}
	if err != nil {
		return out, fmt.Errorf("source: %w", err)
	}
	b, err := dst.Node(ctx, p)
	if errors.Is(err, ErrNoAuth) {
		out.unreadable++
		add(Difference{Path: p, What: "unreadable", Detail: "the destination's ACL refuses to read it: give --to-auth"})
		return out, nil
	}
	if err != nil {
		return out, fmt.Errorf("destination: %w", err)
	}
	if !includeEphemerals {
		if e := ephemeralNote(p, a, b); e != nil {
			out.ephemeral = e
			return out, nil
		}
	}
	switch {
	case a == nil && b == nil:
		return out, nil
	case b == nil:
		add(Difference{Path: p, What: "only in source"})
		return out, nil
	case a == nil:
		add(Difference{Path: p, What: "only in destination"})
		return out, nil
	}
	if a.Masked() || b.Masked() {
		side := "source"
		if !a.Masked() {
			side = "destination"
		}
		out.unreadable++
		add(Difference{Path: p, What: "unreadable", Detail: "its ACL is masked in the " + side + ": needs ADMIN on it, or a super user"})
	}
	out.compared++
	if !sameData(a.Data, b.Data) {
		add(Difference{Path: p, What: "data", Detail: fmt.Sprintf("%s in the source, %s in the destination", dataSize(a.Data), dataSize(b.Data))})
	}
	if !a.Masked() && !b.Masked() && !slices.Equal(a.ACL, b.ACL) {
		add(Difference{Path: p, What: "acl", Detail: fmt.Sprintf("%v in the source, %v in the destination", a.ACL, b.ACL)})
	}
	if !sameKind(a, b) {
		add(Difference{Path: p, What: "kind", Detail: fmt.Sprintf("%s in the source, %s in the destination", a.Kind, b.Kind)})
	}
	// Node read the data, so READ is granted: listing needs no more.
	ka, err := src.Children(ctx, p)
	if err != nil {
		return out, fmt.Errorf("source: %w", err)
	}
	kb, err := dst.Children(ctx, p)
	if err != nil {
		return out, fmt.Errorf("destination: %w", err)
	}
	names := append(slices.Clone(ka), kb...)
	slices.Sort(names)
	for _, n := range slices.Compact(names) {
		out.kids = append(out.kids, join(p, n))
	}
	return out, nil
}

// ephemeralNote says why p is not compared, if it is an ephemeral: the
// source's (a), whatever the destination has there, or the
// destination's (b) where the source has nothing. An ephemeral has no
// children, so nothing under p is missed.
func ephemeralNote(p string, a, b *Node) *Difference {
	switch {
	case a != nil && a.Kind == Ephemeral:
		d := &Difference{Path: p, What: "ephemeral", Detail: "in the source; its owner recreates it once connected to zkgate"}
		switch {
		case b == nil:
		case b.Kind == Ephemeral:
			d.Detail = "in the source, and in the destination too"
		default:
			d.Detail = fmt.Sprintf("in the source; the destination has a %s znode there, which keeps its owner from recreating it", b.Kind)
		}
		return d
	case a == nil && b != nil && b.Kind == Ephemeral:
		return &Difference{Path: p, What: "ephemeral", Detail: "in the destination only, a session's of zkgate"}
	}
	return nil
}
