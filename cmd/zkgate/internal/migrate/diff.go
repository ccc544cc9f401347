package migrate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
)

// Difference is one way the two trees differ at Path.
type Difference struct {
	Path string
	What string // "only in source", "only in destination", "data", "acl", "kind", "unreadable"
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
	}
	return fmt.Sprintf("~ %s: %s differs (%s)", d.Path, d.What, d.Detail)
}

// DiffResult is what Diff found.
type DiffResult struct {
	Compared    int          // znodes present on both sides and compared
	Unreadable  int          // znodes an ACL kept from being compared
	Differences []Difference // including the unreadable
}

// Diff compares the trees under root (breadth-first, children in sorted
// order) and calls report for each difference as it is found; a subtree
// present on one side only is reported at its top. /zookeeper is skipped.
func Diff(ctx context.Context, src, dst Tree, root string, report func(Difference)) (DiffResult, error) {
	var res DiffResult
	add := func(d Difference) {
		res.Differences = append(res.Differences, d)
		if report != nil {
			report(d)
		}
	}
	queue := []string{root}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if p == "/zookeeper" {
			continue
		}
		a, err := src.Node(ctx, p)
		if errors.Is(err, ErrNoAuth) {
			res.Unreadable++
			add(Difference{Path: p, What: "unreadable", Detail: "the source's ACL refuses to read it: give --from-auth"})
			continue
		}
		if err != nil {
			return res, fmt.Errorf("source: %w", err)
		}
		b, err := dst.Node(ctx, p)
		if errors.Is(err, ErrNoAuth) {
			res.Unreadable++
			add(Difference{Path: p, What: "unreadable", Detail: "the destination's ACL refuses to read it: give --to-auth"})
			continue
		}
		if err != nil {
			return res, fmt.Errorf("destination: %w", err)
		}
		switch {
		case a == nil && b == nil:
			continue
		case b == nil:
			add(Difference{Path: p, What: "only in source"})
			continue
		case a == nil:
			add(Difference{Path: p, What: "only in destination"})
			continue
		}
		if a.Masked() || b.Masked() {
			side := "source"
			if !a.Masked() {
				side = "destination"
			}
			res.Unreadable++
			add(Difference{Path: p, What: "unreadable", Detail: "its ACL is masked in the " + side + ": needs ADMIN on it, or a super user"})
		}
		res.Compared++
		if !bytes.Equal(a.Data, b.Data) {
			add(Difference{Path: p, What: "data", Detail: fmt.Sprintf("%d bytes in the source, %d in the destination", len(a.Data), len(b.Data))})
		}
		if !a.Masked() && !b.Masked() && !slices.Equal(a.ACL, b.ACL) {
			add(Difference{Path: p, What: "acl", Detail: fmt.Sprintf("%v in the source, %v in the destination", a.ACL, b.ACL)})
		}
		if a.Kind != b.Kind {
			add(Difference{Path: p, What: "kind", Detail: fmt.Sprintf("%s in the source, %s in the destination", a.Kind, b.Kind)})
		}
		// Node read the data, so READ is granted: listing needs no more.
		ka, err := src.Children(ctx, p)
		if err != nil {
			return res, fmt.Errorf("source: %w", err)
		}
		kb, err := dst.Children(ctx, p)
		if err != nil {
			return res, fmt.Errorf("destination: %w", err)
		}
		names := append(slices.Clone(ka), kb...)
		slices.Sort(names)
		for _, n := range slices.Compact(names) {
			queue = append(queue, join(p, n))
		}
	}
	return res, nil
}
