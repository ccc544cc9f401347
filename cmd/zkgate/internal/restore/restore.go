package restore

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"

	"github.com/zkgate/zkgate/cmd/zkgate/internal/migrate"
	"github.com/zkgate/zkgate/schema"
	"github.com/zkgate/zkgate/schema/zkgatepb"
)

// Result is what Apply wrote.
type Result struct {
	Created, Updated, Deleted int
	// LeftAlone are the ephemerals (of live sessions) Apply did not
	// delete, and so kept the znodes above them.
	LeftAlone []string
	// Conflicts are znodes Apply could not make as they were, and left
	// as they are: a znode whose kind differs.
	Conflicts []string
}

// ChangedError is Apply stopping because a znode was written after the
// zxid the plan was made at: restoring it would overwrite that write.
type ChangedError struct {
	Path string
	Base int64
	// Done is how many writes Apply made before it stopped.
	Done int
	Err  error
}

func (e *ChangedError) Error() string {
	return fmt.Sprintf("%s changed after zxid 0x%x, when the plan was made (%v): restore stopped after %d writes; run it again to see what is left", e.Path, e.Base, e.Err, e.Done)
}

func (e *ChangedError) Unwrap() error { return e.Err }

// applier is one Apply.
type applier struct {
	ns      zkgatepb.NamespaceClient
	rc      *zkgatepb.RequestContext // the present
	atBase  *zkgatepb.RequestContext // the present as it was at base
	base    int64
	then    migrate.Tree
	present migrate.Tree // read at base
	res     Result
}

// Apply writes root (with recursive, its subtree) back as then reads it,
// over the differences diffs that migrate.Diff found between then and
// the namespace read at the zxid base. Every write is conditional on its
// znode being as it was at base: a data change and a deletion carry the
// data version read at base, an ACL change the ACL version, and a
// creation fails if the znode exists. So a write made by anyone after
// the plan is never overwritten: Apply stops at the first such znode
// with a ChangedError. Creates and data and ACL changes go first,
// parents before children (each deleted znode is created again with what
// is below it then); sequence counters are raised to what they were
// (never lowered); then the znodes that did not exist are deleted,
// children first, except ephemerals, which belong to live sessions, and
// the znodes above them. rc carries the caller's credentials.
func Apply(ctx context.Context, conn grpc.ClientConnInterface, rc *zkgatepb.RequestContext, then migrate.Tree, base int64, root string, recursive bool, diffs []migrate.Difference) (Result, error) {
	rc = proto.Clone(rc).(*zkgatepb.RequestContext)
	rc.AtZxid, rc.MinZxid = 0, 0
	atBase := proto.Clone(rc).(*zkgatepb.RequestContext)
	atBase.AtZxid = base
	auth := make([]string, 0, len(rc.Auth))
	for _, a := range rc.Auth {
		auth = append(auth, a.Scheme+":"+string(a.Credentials))
	}
	z, err := migrate.NewZkgate(conn, auth)
	if err != nil {
		return Result{}, err
	}
	a := &applier{ns: zkgatepb.NewNamespaceClient(conn), rc: rc, atBase: atBase, base: base, then: then, present: z.At(base)}
	for _, d := range diffs {
		if !recursive && d.Path != root {
			continue
		}
		var err error
		switch d.What {
		case "only in source":
			err = a.create(ctx, d.Path, recursive)
		case "data":
			err = a.setData(ctx, d.Path)
		case "acl":
			err = a.setACL(ctx, d.Path)
		case "kind":
			a.res.Conflicts = append(a.res.Conflicts, fmt.Sprintf("%s: %s", d.Path, d.Detail))
		}
		if err != nil {
			return a.res, err
		}
	}
	if err := a.raiseSequences(ctx, root, recursive); err != nil {
		return a.res, err
	}
	for _, d := range diffs {
		if d.What != "only in destination" || !recursive && d.Path != root {
			continue
		}
		if _, err := a.delete(ctx, d.Path, recursive); err != nil {
			return a.res, err
		}
	}
	return a.res, nil
}

func (a *applier) done() int { return a.res.Created + a.res.Updated + a.res.Deleted }

// changed is the ChangedError of p, or err as it is when it says
// something else.
func (a *applier) changed(p string, err error, codes ...schema.Code) error {
	e := schema.ErrorFromStatus(err)
	if slices.Contains(codes, schema.CodeOf(e)) {
		return &ChangedError{Path: p, Base: a.base, Done: a.done(), Err: e}
	}
	return fmt.Errorf("restoring %s: %w", p, e)
}

// statAt is p's Stat at base.
func (a *applier) statAt(ctx context.Context, p string) (*zkgatepb.Stat, error) {
	r, err := a.ns.Exists(ctx, &zkgatepb.ExistsRequest{Ctx: a.atBase, Path: p})
	if err != nil {
		return nil, fmt.Errorf("reading %s at zxid 0x%x: %w", p, a.base, schema.ErrorFromStatus(err))
	}
	if !r.GetFound() {
		return nil, fmt.Errorf("reading %s at zxid 0x%x: it did not exist", p, a.base)
	}
	return r.GetStat(), nil
}

func aclPB(acl []migrate.ACL) []*zkgatepb.ACL {
	out := make([]*zkgatepb.ACL, 0, len(acl))
	for _, e := range acl {
		out = append(out, &zkgatepb.ACL{Perms: e.Perms, Scheme: e.Scheme, Id: e.ID})
	}
	return out
}

// create creates p as then has it, and with recursive what was below it.
// Ephemerals are not created: their sessions are gone.
func (a *applier) create(ctx context.Context, p string, recursive bool) error {
	n, err := a.then.Node(ctx, p)
	if err != nil {
		return fmt.Errorf("reading %s as it was: %w", p, err)
	}
	if n == nil || n.Kind == migrate.Ephemeral {
		return nil
	}
	req := &zkgatepb.CreateRequest{Ctx: a.rc, Path: p, Data: n.Data, Acl: aclPB(n.ACL), Mode: zkgatepb.CreateMode_CREATE_MODE_PERSISTENT}
	switch n.Kind {
	case migrate.Container:
		req.Mode = zkgatepb.CreateMode_CREATE_MODE_CONTAINER
	case migrate.TTL:
		req.Mode = zkgatepb.CreateMode_CREATE_MODE_PERSISTENT_WITH_TTL
		req.TtlMs = n.TTL().Milliseconds()
	}
	if _, err := a.ns.Create(ctx, req); err != nil {
		// It exists (made after the plan), or its parent is gone.
		return a.changed(p, err, schema.CodeNodeExists, schema.CodeNoNode)
	}
	a.res.Created++
	if !recursive {
		return nil
	}
	kids, err := a.then.Children(ctx, p)
	if err != nil {
		return fmt.Errorf("listing %s as it was: %w", p, err)
	}
	slices.Sort(kids)
	for _, k := range kids {
		if err := a.create(ctx, schema.Join(p, k), true); err != nil {
			return err
		}
	}
	return nil
}

// thenAndBase are p as it was then and its Stat at base.
func (a *applier) thenAndBase(ctx context.Context, p string) (*migrate.Node, *zkgatepb.Stat, error) {
	n, err := a.then.Node(ctx, p)
	if err != nil || n == nil {
		return nil, nil, fmt.Errorf("reading %s as it was: %v", p, err)
	}
	st, err := a.statAt(ctx, p)
	return n, st, err
}

func (a *applier) setData(ctx context.Context, p string) error {
	n, st, err := a.thenAndBase(ctx, p)
	if err != nil {
		return err
	}
	if _, err := a.ns.SetData(ctx, &zkgatepb.SetDataRequest{Ctx: a.rc, Path: p, Data: n.Data, Version: proto.Int32(st.GetVersion())}); err != nil {
		return a.changed(p, err, schema.CodeBadVersion, schema.CodeNoNode)
	}
	a.res.Updated++
	return nil
}

func (a *applier) setACL(ctx context.Context, p string) error {
	n, st, err := a.thenAndBase(ctx, p)
	if err != nil {
		return err
	}
	if _, err := a.ns.SetACL(ctx, &zkgatepb.SetACLRequest{Ctx: a.rc, Path: p, Acl: aclPB(n.ACL), Aversion: proto.Int32(st.GetAversion())}); err != nil {
		return a.changed(p, err, schema.CodeBadVersion, schema.CodeNoNode)
	}
	a.res.Updated++
	return nil
}

// raiseSequences raises the sequence counter of each znode under root
// (with recursive) to what it was then, where it is lower now: a
// sequential create never reuses a number issued before.
func (a *applier) raiseSequences(ctx context.Context, p string, recursive bool) error {
	n, err := a.then.Node(ctx, p)
	if err != nil || n == nil || n.Kind == migrate.Ephemeral {
		return err
	}
	if next := n.NextSequence(); next > 0 {
		r, err := a.ns.Exists(ctx, &zkgatepb.ExistsRequest{Ctx: a.rc, Path: p})
		if err != nil {
			return fmt.Errorf("reading %s: %w", p, schema.ErrorFromStatus(err))
		}
		if st := r.GetStat(); r.GetFound() && (st.GetCversion()+st.GetNumChildren())/2 < next {
			if _, err := a.ns.RaiseSequence(ctx, &zkgatepb.RaiseSequenceRequest{Ctx: a.rc, Path: p, NextSequence: next}); err != nil {
				return fmt.Errorf("raising the sequence counter of %s: %w", p, schema.ErrorFromStatus(err))
			}
		}
	}
	if !recursive {
		return nil
	}
	kids, err := a.then.Children(ctx, p)
	if err != nil {
		return err
	}
	for _, k := range kids {
		if err := a.raiseSequences(ctx, schema.Join(p, k), true); err != nil {
			return err
		}
	}
	return nil
}

// delete deletes p (with recursive, and what was below it at base,
// children first) with the data version it had at base, and reports
// whether it did: an ephemeral is left alone, and so is every znode
// above one.
func (a *applier) delete(ctx context.Context, p string, recursive bool) (bool, error) {
	n, err := a.present.Node(ctx, p)
	if err != nil {
		return false, fmt.Errorf("reading %s at zxid 0x%x: %w", p, a.base, err)
	}
	if n == nil {
		return true, nil
	}
	if n.Kind == migrate.Ephemeral {
		a.res.LeftAlone = append(a.res.LeftAlone, p)
		return false, nil
	}
	all := true
	if recursive {
		kids, err := a.present.Children(ctx, p)
		if err != nil {
			return false, err
		}
		slices.Sort(kids)
		for _, k := range kids {
			gone, err := a.delete(ctx, schema.Join(p, k), true)
			if err != nil {
				return false, err
			}
			all = all && gone
		}
	}
	if !all {
		return false, nil
	}
	st, err := a.statAt(ctx, p)
	if err != nil {
		return false, err
	}
	_, err = a.ns.Delete(ctx, &zkgatepb.DeleteRequest{Ctx: a.rc, Path: p, Version: proto.Int32(st.GetVersion())})
	switch {
	case err == nil:
		a.res.Deleted++
	case schema.CodeOf(schema.ErrorFromStatus(err)) == schema.CodeNoNode:
		// Deleted since by someone else: as the plan wants it.
	default:
		return false, a.changed(p, err, schema.CodeBadVersion, schema.CodeNotEmpty)
	}
	return true, nil
}

// IsChanged reports whether err is a ChangedError.
func IsChanged(err error) bool {
	var c *ChangedError
	return errors.As(err, &c)
}
