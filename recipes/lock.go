package recipes

import (
	"context"

	"github.com/zkgate/zkgate/schema/zkgatepb"
)

// lockServer is the Lock service.
type lockServer struct {
	zkgatepb.UnimplementedLockServer
	s *Server
}

// Lock enters the queue and waits to be first. A lock whose call ends
// first (deadline, cancellation, an error) leaves the queue.
func (l *lockServer) Lock(ctx context.Context, req *zkgatepb.LockRequest) (*zkgatepb.LockResponse, error) {
	key, k, err := l.s.acquire(ctx, req.GetCtx(), req.GetPath(), req.GetLayout(), kindLock, req.GetMode(), req.GetIdentifier())
	if err != nil {
		return nil, l.s.fail(ctx, err)
	}
	return &zkgatepb.LockResponse{Key: key, Zxid: k.minRev}, nil
}

// TryLock enters the queue and leaves at once unless it is first.
func (l *lockServer) TryLock(ctx context.Context, req *zkgatepb.TryLockRequest) (*zkgatepb.TryLockResponse, error) {
	k, ly, err := l.s.prepare(ctx, req.GetCtx(), req.GetPath(), req.GetLayout(), kindLock, req.GetMode(), true)
	if err != nil {
		return nil, l.s.fail(ctx, err)
	}
	key, err := k.enter(ctx, req.GetPath(), ly, req.GetIdentifier())
	if err != nil {
		return nil, l.s.fail(ctx, err)
	}
	pred, gone, err := k.blocker(ctx, req.GetPath(), key.GetNode(), ly)
	if err != nil || gone || pred != "" {
		k.leave(key.GetNode())
		if err != nil {
			return nil, l.s.fail(ctx, err)
		}
		if gone {
			return nil, l.s.fail(ctx, errGone(key.GetNode()))
		}
		return &zkgatepb.TryLockResponse{Zxid: k.minRev}, nil
	}
	return &zkgatepb.TryLockResponse{Acquired: true, Key: key, Zxid: k.minRev}, nil
}

// Unlock deletes the holder's contender.
func (l *lockServer) Unlock(ctx context.Context, req *zkgatepb.UnlockRequest) (*zkgatepb.UnlockResponse, error) {
	zxid, err := l.s.release(ctx, req.GetCtx(), req.GetKey())
	if err != nil {
		return nil, l.s.fail(ctx, err)
	}
	return &zkgatepb.UnlockResponse{Zxid: zxid}, nil
}

// Holder reads the first contender.
func (l *lockServer) Holder(ctx context.Context, req *zkgatepb.HolderRequest) (*zkgatepb.HolderResponse, error) {
	key, data, zxid, err := l.s.leader(ctx, req.GetCtx(), req.GetPath(), req.GetLayout(), kindLock)
	if err != nil {
		return nil, l.s.fail(ctx, err)
	}
	return &zkgatepb.HolderResponse{Key: key, Identifier: data, Zxid: zxid}, nil
}
