package migrate

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zkgate/zkgate/schema"
	"github.com/zkgate/zkgate/schema/zkgatepb"
)

// Dest is a tree Copy and Follow write: zkgate through its namespace gRPC
// API (Zkgate), or a ZooKeeper ensemble through the ZooKeeper protocol
// (ZooKeeper). Its errors name the path and the cause in one line.
type Dest interface {
	Tree
	// Create creates p as n is (data, ACL and kind: persistent, container
	// or TTL with its TTL) and reports whether it did: false, with no
	// error, if p exists (the root always does).
	Create(ctx context.Context, p string, n *Node) (bool, error)
	SetData(ctx context.Context, p string, data []byte) error
	SetACL(ctx context.Context, p string, acl []ACL) error
	// Delete deletes p, which has no children; a p already gone is no
	// error.
	Delete(ctx context.Context, p string) error
	// RaiseSequence raises p's sequence counter, the suffix its next
	// sequential child gets, to next, which is above the current one.
	RaiseSequence(ctx context.Context, p string, next int32) error
}

var (
	_ Dest = (*Zkgate)(nil)
	_ Dest = (*ZooKeeper)(nil)
)

// put makes the destination's znode at p what n is: created, or given
// n's data and ACL; one of another kind is a conflict, left alone.
func put(ctx context.Context, dst Dest, p string, n *Node, res *CopyResult) error {
	created, err := dst.Create(ctx, p, n)
	if err != nil {
		return err
	}
	if created {
		res.Created++
		return nil
	}
	// It exists: make data and ACL the source's.
	have, err := dst.Node(ctx, p)
	if errors.Is(err, ErrNoAuth) {
		return fmt.Errorf("destination: %s exists and is %w: give --to-auth", p, err)
	}
	if err != nil {
		return fmt.Errorf("destination: %w", err)
	}
	if have == nil {
		return fmt.Errorf("destination: %s vanished while being copied", p)
	}
	if !sameKind(have, n) {
		res.Conflicts = append(res.Conflicts, fmt.Sprintf("%s: %s in the source, %s in the destination", p, n.Kind, have.Kind))
		return nil
	}
	changed := false
	if !sameData(have.Data, n.Data) {
		if err := dst.SetData(ctx, p, n.Data); err != nil {
			return err
		}
		changed = true
	}
	if !slices.Equal(have.ACL, n.ACL) {
		if err := dst.SetACL(ctx, p, n.ACL); err != nil {
			return err
		}
		changed = true
	}
	if changed {
		res.Updated++
	} else {
		res.Unchanged++
	}
	return nil
}

// raiseSequence raises p's sequence counter in dst to at least next and
// reports whether it moved.
func raiseSequence(ctx context.Context, dst Dest, p string, next int32) (bool, error) {
	before, err := dst.Node(ctx, p)
	if err != nil || before == nil {
		return false, fmt.Errorf("destination: reading %s: %v", p, err)
	}
	if before.NextSequence() >= next {
		return false, nil
	}
	if err := dst.RaiseSequence(ctx, p, next); err != nil {
		return false, err
	}
	return true, nil
}

// deleteTree deletes p and everything under it from dst, and reports how
// many znodes it deleted.
func deleteTree(ctx context.Context, dst Dest, p string) (int, error) {
	kids, err := dst.Children(ctx, p)
	if err != nil {
		return 0, fmt.Errorf("destination: %w", err)
	}
	n := 0
	for _, k := range kids {
		d, err := deleteTree(ctx, dst, join(p, k))
		n += d
		if err != nil {
			return n, err
		}
	}
	if p == "/" {
		return n, nil
	}
	if err := dst.Delete(ctx, p); err != nil {
		return n, err
	}
	return n + 1, nil
}

// remove deletes p and what is under it from dst, the source having
// deleted it, counted in res.Deleted; but an ephemeral of the
// destination's own sessions is left alone and listed in res.Kept: an
// owner that moved to the destination recreates its ephemeral there, and
// its session in the source may end after that.
func remove(ctx context.Context, dst Dest, p string, res *CopyResult) error {
	n, err := dst.Node(ctx, p)
	switch {
	case errors.Is(err, ErrNoAuth):
	case err != nil:
		return fmt.Errorf("destination: %w", err)
	case n == nil:
		return nil
	case n.Kind == Ephemeral:
		if !slices.Contains(res.Kept, p) {
			res.Kept = append(res.Kept, p)
		}
		return nil
	}
	d, err := deleteTree(ctx, dst, p)
	res.Deleted += d
	return err
}

// prune deletes from dst the children of p that the source does not have
// (have lists the source's), each with everything under it, counted in
// res.Deleted. An ephemeral of the destination is left to its session and
// listed in res.Kept; /zookeeper is the server's own.
func prune(ctx context.Context, dst Dest, p string, have []string, res *CopyResult) error {
	kids, err := dst.Children(ctx, p)
	if err != nil {
		return fmt.Errorf("destination: %w", err)
	}
	for _, k := range kids {
		if slices.Contains(have, k) || p == "/" && k == "zookeeper" {
			continue
		}
		c := join(p, k)
		n, err := dst.Node(ctx, c)
		if err != nil {
			return fmt.Errorf("destination: %w", err)
		}
		switch {
		case n == nil:
			continue
		case n.Kind == Ephemeral:
			res.Kept = append(res.Kept, c)
			continue
		}
		d, err := deleteTree(ctx, dst, c)
		res.Deleted += d
		if err != nil {
			return err
		}
	}
	return nil
}

// Put makes the znode at p what n is (created, or given n's data and
// ACL), as Copy does for each znode, and reports what it did.
func (g *Zkgate) Put(ctx context.Context, p string, n *Node) (CopyResult, error) {
	var res CopyResult
	err := put(ctx, g, p, n, &res)
	return res, err
}

func pbACL(acl []ACL) []*zkgatepb.ACL {
	out := make([]*zkgatepb.ACL, 0, len(acl))
	for _, a := range acl {
		out = append(out, &zkgatepb.ACL{Perms: a.Perms, Scheme: a.Scheme, Id: a.ID})
	}
	return out
}

// Create implements Dest.
func (g *Zkgate) Create(ctx context.Context, p string, n *Node) (bool, error) {
	if p == "/" {
		return false, nil
	}
	req := &zkgatepb.CreateRequest{Ctx: g.rc, Path: p, Data: n.Data, Acl: pbACL(n.ACL), Mode: zkgatepb.CreateMode_CREATE_MODE_PERSISTENT}
	switch n.Kind {
	case Container:
		req.Mode = zkgatepb.CreateMode_CREATE_MODE_CONTAINER
	case TTL:
		req.Mode = zkgatepb.CreateMode_CREATE_MODE_PERSISTENT_WITH_TTL
		req.TtlMs = n.TTL().Milliseconds()
	}
	_, err := g.ns.Create(ctx, req)
	if err == nil {
		return true, nil
	}
	switch schema.CodeOf(schema.ErrorFromStatus(err)) {
	case schema.CodeNodeExists:
		return false, nil
	case schema.CodeNoAuth:
		return false, fmt.Errorf("creating %s: the ACL of its parent refuses it: copy as a super user (zkgate serve --zk-super-digest, --to-auth digest:super:PASSWORD)", p)
	}
	return false, fmt.Errorf("creating %s: %w", p, schema.ErrorFromStatus(err))
}

// SetData implements Dest.
func (g *Zkgate) SetData(ctx context.Context, p string, data []byte) error {
	if _, err := g.ns.SetData(ctx, &zkgatepb.SetDataRequest{Ctx: g.rc, Path: p, Data: data}); err != nil {
		return fmt.Errorf("setting the data of %s: %w", p, schema.ErrorFromStatus(err))
	}
	return nil
}

// SetACL implements Dest.
func (g *Zkgate) SetACL(ctx context.Context, p string, acl []ACL) error {
	if _, err := g.ns.SetACL(ctx, &zkgatepb.SetACLRequest{Ctx: g.rc, Path: p, Acl: pbACL(acl)}); err != nil {
		return fmt.Errorf("setting the ACL of %s: %w", p, schema.ErrorFromStatus(err))
	}
	return nil
}

// Delete implements Dest.
func (g *Zkgate) Delete(ctx context.Context, p string) error {
	_, err := g.ns.Delete(ctx, &zkgatepb.DeleteRequest{Ctx: g.rc, Path: p})
	if err != nil && !noNode(err) {
		return fmt.Errorf("deleting %s: %w", p, schema.ErrorFromStatus(err))
	}
	return nil
}

// RaiseSequence implements Dest with zkgate's RaiseSequence, in one
// request.
func (g *Zkgate) RaiseSequence(ctx context.Context, p string, next int32) error {
	if _, err := g.ns.RaiseSequence(ctx, &zkgatepb.RaiseSequenceRequest{Ctx: g.rc, Path: p, NextSequence: next}); err != nil {
		return fmt.Errorf("raising the sequence counter of %s: %w", p, schema.ErrorFromStatus(err))
	}
	return nil
}

func zkACL(acl []ACL) []zk.ACL {
	out := make([]zk.ACL, 0, len(acl))
	for _, a := range acl {
		out = append(out, zk.ACL{Perms: a.Perms, Scheme: a.Scheme, ID: a.ID})
	}
	return out
}

// superHint is how to copy into a ZooKeeper tree whose ACLs refuse the
// copier.
const superHint = "copy as ZooKeeper's super user (-Dzookeeper.DigestAuthenticationProvider.superDigest on the ensemble, --to-auth digest:super:PASSWORD)"

// Create implements Dest. The root of a chrooted ensemble is the chroot,
// created when missing (its parent must exist).
func (z *ZooKeeper) Create(_ context.Context, p string, n *Node) (bool, error) {
	if p == "/" && z.chroot == "" {
		return false, nil
	}
	var err error
	switch n.Kind {
	case Container:
		_, err = z.conn.CreateContainer(z.abs(p), n.Data, zk.FlagContainer, zkACL(n.ACL))
	case TTL:
		_, err = z.conn.CreateTTL(z.abs(p), n.Data, zk.FlagTTL, zkACL(n.ACL), n.TTL())
	default:
		_, err = z.conn.Create(z.abs(p), n.Data, 0, zkACL(n.ACL))
	}
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, zk.ErrNodeExists):
		return false, nil
	case errors.Is(err, zk.ErrNoAuth):
		return false, fmt.Errorf("creating %s: the ACL of its parent refuses it: %s", p, superHint)
	case n.Kind == TTL && strings.Contains(err.Error(), "-6"):
		// Unimplemented: see TTLEnabled.
		return false, fmt.Errorf("creating %s, a TTL node: the destination ZooKeeper does not create TTL nodes: start it with -Dzookeeper.extendedTypesEnabled=true", p)
	}
	return false, fmt.Errorf("creating %s: %w", p, err)
}

// ensureChroot creates the chroot, empty and open to all, if it is
// missing: the root of a copy below it needs it (a copy of / makes it the
// source's root instead). Its parent must exist.
func (z *ZooKeeper) ensureChroot() error {
	if z.chroot == "" {
		return nil
	}
	_, err := z.conn.Create(z.chroot, nil, 0, zk.WorldACL(zk.PermAll))
	if err != nil && !errors.Is(err, zk.ErrNodeExists) {
		return fmt.Errorf("destination: creating the chroot %s: %w", z.chroot, err)
	}
	return nil
}

// SetData implements Dest.
func (z *ZooKeeper) SetData(_ context.Context, p string, data []byte) error {
	if _, err := z.conn.Set(z.abs(p), data, -1); err != nil {
		return fmt.Errorf("setting the data of %s: %w", p, err)
	}
	return nil
}

// SetACL implements Dest.
func (z *ZooKeeper) SetACL(_ context.Context, p string, acl []ACL) error {
	if _, err := z.conn.SetACL(z.abs(p), zkACL(acl), -1); err != nil {
		return fmt.Errorf("setting the ACL of %s: %w", p, err)
	}
	return nil
}

// Delete implements Dest.
func (z *ZooKeeper) Delete(_ context.Context, p string) error {
	if err := z.conn.Delete(z.abs(p), -1); err != nil && !errors.Is(err, zk.ErrNoNode) {
		return fmt.Errorf("deleting %s: %w", p, err)
	}
	return nil
}

// scratchName is the child RaiseSequence creates and deletes.
const scratchName = "zkgate-raise-sequence"

// raisePairs is how many creations of the scratch child go in one multi:
// 2,000 operations, some 100 KB, well within jute.maxbuffer (1 MB), and
// past the point where larger multis cost less per creation
// (gateway/testdata/zookeeper-3.8-behaviour.md, "Raising a sequence
// counter").
const raisePairs = 1000

// RaiseSequence implements Dest. ZooKeeper has no request for it: the
// counter is the number of children ever created under p, so it creates
// and deletes a scratch child (zkgate-raise-sequence) as many times as
// the counter must move, 1,000 times to a multi, each multi one
// transaction. That needs CREATE and DELETE on p, and fires p's child
// watches.
func (z *ZooKeeper) RaiseSequence(ctx context.Context, p string, next int32) error {
	scratch := z.abs(join(p, scratchName))
	for {
		n, err := z.Node(ctx, p)
		if err != nil {
			return fmt.Errorf("destination: %w", err)
		}
		if n == nil {
			return fmt.Errorf("raising the sequence counter of %s: it is gone", p)
		}
		left := next - n.NextSequence()
		if left <= 0 {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		pairs := min(int(left), raisePairs)
		ops := make([]any, 0, 2*pairs)
		for range pairs {
			ops = append(ops, &zk.CreateRequest{Path: scratch, Acl: zk.WorldACL(zk.PermAll)}, &zk.DeleteRequest{Path: scratch, Version: -1})
		}
		if _, err := z.conn.Multi(ops...); err != nil {
			if errors.Is(err, zk.ErrNoAuth) {
				return fmt.Errorf("raising the sequence counter of %s: its ACL refuses creating and deleting a child: %s", p, superHint)
			}
			return fmt.Errorf("raising the sequence counter of %s (by creating and deleting %s): %w", p, scratch, err)
		}
	}
}

// TTLEnabled reports whether the ensemble creates TTL nodes
// (-Dzookeeper.extendedTypesEnabled=true), without writing anything: a
// TTL node created under a parent that does not exist is NoNode where TTL
// nodes are enabled, and refused before the parent is looked at where
// they are not (gateway/testdata/zookeeper-3.8-behaviour.md).
func (z *ZooKeeper) TTLEnabled() (bool, error) {
	_, err := z.conn.CreateTTL(z.abs("/zkgate-ttl-probe-"+fmt.Sprint(time.Now().UnixNano())+"/x"), nil, zk.FlagTTL, zk.WorldACL(zk.PermAll), time.Hour)
	switch {
	case errors.Is(err, zk.ErrNoNode):
		return true, nil
	case err == nil:
		return true, fmt.Errorf("probing for TTL nodes: a probe under a missing parent was created")
	case errors.Is(err, zk.ErrConnectionClosed), errors.Is(err, zk.ErrSessionExpired):
		return false, fmt.Errorf("probing for TTL nodes: %w", err)
	}
	return false, nil
}
