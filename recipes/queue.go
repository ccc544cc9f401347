package recipes

import (
	"context"
	"errors"
	"fmt"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/schema"
	"github.com/zkgate/zkgate/schema/zkgatepb"
)

// queueServer is the Queue service, with kazoo's Queue layout
// (kazoo/recipe/queue.py).
type queueServer struct {
	zkgatepb.UnimplementedQueueServer
	s *Server
}

// queuePrefix starts an item's name; kazoo's default priority is 100.
const (
	queuePrefix     = "entry-"
	defaultPriority = 100
)

func (q *queueServer) Put(ctx context.Context, req *zkgatepb.QueuePutRequest) (*zkgatepb.QueuePutResponse, error) {
	prio := int32(defaultPriority)
	if req.Priority != nil {
		prio = req.GetPriority()
	}
	if prio < 0 || prio > 999 {
		return nil, q.s.fail(ctx, status.Errorf(codes.InvalidArgument, "priority %d: must be from 0 to 999", prio))
	}
	k, _, err := q.s.prepare(ctx, req.GetCtx(), req.GetPath(), 0, kindLock, 0, false)
	if err != nil {
		return nil, q.s.fail(ctx, err)
	}
	op := gateway.CreateOp{Path: schema.Join(req.GetPath(), fmt.Sprintf("%s%03d-", queuePrefix, prio)), Data: nonNull(req.GetValue()), ACL: schema.OpenACLUnsafe, Mode: gateway.PersistentSequential}
	for attempt := 0; ; attempt++ {
		made, err := k.e.Create(ctx, k.c, op)
		node, zxid := made.Path, made.Zxid
		if errors.Is(err, schema.ErrNoNode) && attempt < 3 {
			if err := k.ensurePath(ctx, req.GetPath()); err != nil {
				return nil, q.s.fail(ctx, err)
			}
			continue
		}
		if err != nil {
			return nil, q.s.fail(ctx, err)
		}
		return &zkgatepb.QueuePutResponse{Node: node, Zxid: zxid}, nil
	}
}

// Take reads the first item and deletes it at the version read: of
// several takers, one deletes it and the others move on to the next.
func (q *queueServer) Take(ctx context.Context, req *zkgatepb.QueueTakeRequest) (*zkgatepb.QueueTakeResponse, error) {
	k, _, err := q.s.prepare(ctx, req.GetCtx(), req.GetPath(), 0, kindLock, 0, false)
	if err != nil {
		return nil, q.s.fail(ctx, err)
	}
	path := req.GetPath()
	for {
		w := newSignal()
		rd, err := k.e.GetChildren(ctx, k.c, path, k.readOptions(w))
		kids, zxid, armed := rd.Children, rd.Zxid, rd.Armed
		if errors.Is(err, schema.ErrNoNode) {
			k.e.Forget(w)
			if req.GetTry() {
				return &zkgatepb.QueueTakeResponse{Zxid: zxid}, nil
			}
			if err := k.ensurePath(ctx, path); err != nil {
				return nil, q.s.fail(ctx, err)
			}
			continue
		}
		if err != nil {
			k.e.Forget(w)
			return nil, q.s.fail(ctx, err)
		}
		armed.Arm()
		k.saw(zxid)
		// kids are sorted (GetChildren's order) and shared with other
		// reads: never sorted or changed here.
		for _, kid := range kids {
			node := schema.Join(path, kid)
			rd, err := k.e.GetData(ctx, k.c, node, k.readOptions(nil))
			data, st, zxid := rd.Data, rd.Stat, rd.Zxid
			if errors.Is(err, schema.ErrNoNode) {
				continue
			}
			if err != nil {
				k.e.Forget(w)
				return nil, q.s.fail(ctx, err)
			}
			k.saw(zxid)
			zxid, err = k.e.Delete(ctx, k.c, node, st.Version)
			if errors.Is(err, schema.ErrNoNode) || errors.Is(err, schema.ErrBadVersion) {
				continue // taken by someone else
			}
			k.e.Forget(w)
			if err != nil {
				return nil, q.s.fail(ctx, err)
			}
			k.saw(zxid)
			return &zkgatepb.QueueTakeResponse{Found: true, Value: data, Node: node, Zxid: k.minRev}, nil
		}
		if req.GetTry() {
			k.e.Forget(w)
			return &zkgatepb.QueueTakeResponse{Zxid: k.minRev}, nil
		}
		err = w.wait(ctx)
		k.e.Forget(w)
		if err != nil {
			return nil, q.s.fail(ctx, err)
		}
	}
}

func (q *queueServer) Len(ctx context.Context, req *zkgatepb.QueueLenRequest) (*zkgatepb.QueueLenResponse, error) {
	k, _, err := q.s.prepare(ctx, req.GetCtx(), req.GetPath(), 0, kindLock, 0, false)
	if err != nil {
		return nil, q.s.fail(ctx, err)
	}
	rd, err := k.e.GetChildren(ctx, k.c, req.GetPath(), k.readOptions(nil))
	kids, zxid := rd.Children, rd.Zxid
	if errors.Is(err, schema.ErrNoNode) {
		return &zkgatepb.QueueLenResponse{Zxid: zxid}, nil
	}
	if err != nil {
		return nil, q.s.fail(ctx, err)
	}
	return &zkgatepb.QueueLenResponse{Len: int64(len(kids)), Zxid: zxid}, nil
}
