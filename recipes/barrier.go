package recipes

import (
	"context"
	"errors"
	"slices"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/schema"
	"github.com/zkgate/zkgate/schema/zkgatepb"
)

// barrierServer is the Barrier service (kazoo's Barrier): the barrier is
// up while its znode exists.
type barrierServer struct {
	zkgatepb.UnimplementedBarrierServer
	s *Server
}

func (b *barrierServer) Set(ctx context.Context, req *zkgatepb.BarrierSetRequest) (*zkgatepb.BarrierSetResponse, error) {
	k, _, err := b.s.prepare(ctx, req.GetCtx(), req.GetPath(), 0, kindLock, 0, false)
	if err == nil {
		err = k.ensurePath(ctx, req.GetPath())
	}
	if err != nil {
		return nil, b.s.fail(ctx, err)
	}
	return &zkgatepb.BarrierSetResponse{Zxid: k.minRev}, nil
}

func (b *barrierServer) Remove(ctx context.Context, req *zkgatepb.BarrierRemoveRequest) (*zkgatepb.BarrierRemoveResponse, error) {
	k, _, err := b.s.prepare(ctx, req.GetCtx(), req.GetPath(), 0, kindLock, 0, false)
	if err != nil {
		return nil, b.s.fail(ctx, err)
	}
	zxid, err := k.e.Delete(ctx, k.c, req.GetPath(), -1)
	if errors.Is(err, schema.ErrNoNode) {
		return &zkgatepb.BarrierRemoveResponse{Zxid: zxid}, nil
	}
	if err != nil {
		return nil, b.s.fail(ctx, err)
	}
	return &zkgatepb.BarrierRemoveResponse{Removed: true, Zxid: zxid}, nil
}

func (b *barrierServer) Wait(ctx context.Context, req *zkgatepb.BarrierWaitRequest) (*zkgatepb.BarrierWaitResponse, error) {
	k, _, err := b.s.prepare(ctx, req.GetCtx(), req.GetPath(), 0, kindLock, 0, false)
	if err == nil {
		err = k.waitGone(ctx, req.GetPath())
	}
	if err != nil {
		return nil, b.s.fail(ctx, err)
	}
	return &zkgatepb.BarrierWaitResponse{Zxid: k.minRev}, nil
}

// waitGone blocks until path does not exist.
func (k *call) waitGone(ctx context.Context, path string) error {
	for {
		w := newSignal()
		found, err := k.exists(ctx, path, w)
		if err != nil {
			k.e.Forget(w)
			return err
		}
		if !found {
			k.e.Forget(w)
			return nil
		}
		err = w.wait(ctx)
		k.e.Forget(w)
		if err != nil {
			return err
		}
	}
}

// doubleBarrierServer is the DoubleBarrier service, with kazoo's layout
// and protocol (kazoo/recipe/barrier.py).
type doubleBarrierServer struct {
	zkgatepb.UnimplementedDoubleBarrierServer
	s *Server
}

// readyNode is the child that says all participants have entered.
const readyNode = "ready"

func (d *doubleBarrierServer) Enter(ctx context.Context, req *zkgatepb.DoubleBarrierEnterRequest) (*zkgatepb.DoubleBarrierEnterResponse, error) {
	key, k, err := d.enter(ctx, req)
	if err != nil {
		return nil, d.s.fail(ctx, err)
	}
	return &zkgatepb.DoubleBarrierEnterResponse{Key: key, Zxid: k.minRev}, nil
}

func (d *doubleBarrierServer) enter(ctx context.Context, req *zkgatepb.DoubleBarrierEnterRequest) (*zkgatepb.RecipeKey, *call, error) {
	path, n := req.GetPath(), req.GetParticipants()
	if n < 1 {
		return nil, nil, status.Errorf(codes.InvalidArgument, "participants %d: must be at least 1", n)
	}
	k, _, err := d.s.prepare(ctx, req.GetCtx(), path, 0, kindLock, 0, true)
	if err != nil {
		return nil, nil, err
	}
	if err := k.ensurePath(ctx, path); err != nil {
		return nil, nil, err
	}
	node := schema.Join(path, newUUIDHex())
	made, err := k.e.Create(ctx, k.c, gateway.CreateOp{Path: node, Data: nonNull(req.GetIdentifier()), ACL: schema.OpenACLUnsafe, Mode: gateway.Ephemeral})
	st, zxid := made.Stat, made.Zxid
	if err != nil {
		return nil, nil, err
	}
	k.saw(zxid)
	key := newKey(path, node, st)
	ready := schema.Join(path, readyNode)
	for {
		w := newSignal()
		found, err := k.exists(ctx, ready, w)
		if err != nil || found {
			k.e.Forget(w)
			if err != nil {
				k.leave(node)
			}
			return key, k, err
		}
		rd, err := k.e.GetChildren(ctx, k.c, path, k.readOptions(nil))
		kids, zxid := rd.Children, rd.Zxid
		if err != nil {
			k.e.Forget(w)
			k.leave(node)
			return nil, nil, err
		}
		k.saw(zxid)
		if !slices.Contains(kids, node[len(path)+1:]) {
			k.e.Forget(w)
			return nil, nil, errGone(node)
		}
		if len(kids) >= int(n) {
			k.e.Forget(w)
			made, err := k.e.Create(ctx, k.c, gateway.CreateOp{Path: ready, Data: []byte{}, ACL: schema.OpenACLUnsafe})
			zxid := made.Zxid
			if err != nil && !errors.Is(err, schema.ErrNodeExists) {
				k.leave(node)
				return nil, nil, err
			}
			k.saw(zxid)
			return key, k, nil
		}
		err = w.wait(ctx)
		k.e.Forget(w)
		if err != nil {
			k.leave(node)
			return nil, nil, err
		}
	}
}

// Leave follows kazoo's protocol: the lowest participant leaves last,
// waiting for the highest to go; every other one leaves, then waits for
// the lowest to go.
func (d *doubleBarrierServer) Leave(ctx context.Context, req *zkgatepb.DoubleBarrierLeaveRequest) (*zkgatepb.DoubleBarrierLeaveResponse, error) {
	k, err := d.s.begin(ctx, req.GetCtx(), false)
	if err != nil {
		return nil, d.s.fail(ctx, err)
	}
	if err := d.leave(ctx, k, req.GetKey()); err != nil {
		return nil, d.s.fail(ctx, err)
	}
	return &zkgatepb.DoubleBarrierLeaveResponse{Zxid: k.minRev}, nil
}

func (d *doubleBarrierServer) leave(ctx context.Context, k *call, key *zkgatepb.RecipeKey) error {
	if _, err := k.owned(ctx, key); err != nil {
		return err
	}
	path, node := key.GetPath(), key.GetNode()
	name := node[len(path)+1:]
	zxid, err := k.e.Delete(ctx, k.c, schema.Join(path, readyNode), -1)
	if err != nil && !errors.Is(err, schema.ErrNoNode) {
		return err
	}
	k.saw(zxid)
	for {
		rd, err := k.e.GetChildren(ctx, k.c, path, k.readOptions(nil))
		kids, zxid := rd.Children, rd.Zxid
		if err != nil {
			return err
		}
		k.saw(zxid)
		if len(kids) == 0 {
			return nil
		}
		if len(kids) == 1 && kids[0] == name {
			zxid, err := k.e.Delete(ctx, k.c, node, -1)
			if err != nil && !errors.Is(err, schema.ErrNoNode) {
				return err
			}
			k.saw(zxid)
			return nil
		}
		// kids are sorted (GetChildren's order) and shared with other
		// reads: never sorted or changed here.
		wait := kids[0]
		if kids[0] == name {
			wait = kids[len(kids)-1]
		} else {
			zxid, err := k.e.Delete(ctx, k.c, node, -1)
			if err != nil && !errors.Is(err, schema.ErrNoNode) {
				return err
			}
			k.saw(zxid)
		}
		w := newSignal()
		found, err := k.exists(ctx, schema.Join(path, wait), w)
		if err != nil {
			k.e.Forget(w)
			return err
		}
		if found {
			err = w.wait(ctx)
		}
		k.e.Forget(w)
		if err != nil {
			return err
		}
	}
}
