package recipes

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/schema"
	"github.com/zkgate/zkgate/schema/zkgatepb"
)

// semaphoreServer is the Semaphore service, with kazoo's Semaphore
// layout (kazoo/recipe/lock.py): leases are ephemeral children of the
// path, and a contender takes a lease only while it holds the kazoo Lock
// on "<path>-__lock__", so contenders are served in turn.
type semaphoreServer struct {
	zkgatepb.UnimplementedSemaphoreServer
	s *Server
}

// semaphoreLockSuffix names the lock that orders a semaphore's
// contenders: a sibling of the semaphore's path.
const semaphoreLockSuffix = "-" + kazooLockName

func (sm *semaphoreServer) Acquire(ctx context.Context, req *zkgatepb.SemaphoreAcquireRequest) (*zkgatepb.SemaphoreAcquireResponse, error) {
	resp, err := sm.acquire(ctx, req)
	if err != nil {
		return nil, sm.s.fail(ctx, err)
	}
	return resp, nil
}

func (sm *semaphoreServer) acquire(ctx context.Context, req *zkgatepb.SemaphoreAcquireRequest) (*zkgatepb.SemaphoreAcquireResponse, error) {
	path, max := req.GetPath(), req.GetMaxLeases()
	if max < 1 {
		return nil, status.Errorf(codes.InvalidArgument, "max_leases %d: must be at least 1", max)
	}
	// The lock's layout: kazoo's Lock.
	k, lockLayout, err := sm.s.prepare(ctx, req.GetCtx(), path, zkgatepb.Layout_LAYOUT_KAZOO, kindElection, 0, true)
	if err != nil {
		return nil, err
	}
	if err := k.ensurePath(ctx, path); err != nil {
		return nil, err
	}
	if err := k.checkMaxLeases(ctx, path, max); err != nil {
		return nil, err
	}
	lockPath := path + semaphoreLockSuffix
	lock, err := k.enter(ctx, lockPath, lockLayout, req.GetIdentifier())
	if err != nil {
		return nil, err
	}
	defer k.leave(lock.GetNode())
	if req.GetTry() {
		pred, gone, err := k.blocker(ctx, lockPath, lock.GetNode(), lockLayout)
		if err != nil {
			return nil, err
		}
		if gone {
			return nil, errGone(lock.GetNode())
		}
		if pred != "" {
			return &zkgatepb.SemaphoreAcquireResponse{Zxid: k.minRev}, nil
		}
	} else if err := k.waitFirst(ctx, lockPath, lock.GetNode(), lockLayout); err != nil {
		return nil, err
	}
	// Holding the lock: take a lease when one is free.
	lease := schema.Join(path, newUUIDHex())
	for {
		w := newSignal()
		rd, err := k.e.GetChildren(ctx, k.c, path, k.readOptions(w))
		kids, zxid, armed := rd.Children, rd.Zxid, rd.Armed
		if err != nil {
			k.e.Forget(w)
			return nil, err
		}
		armed.Arm()
		k.saw(zxid)
		if len(kids) < int(max) {
			k.e.Forget(w)
			made, err := k.e.Create(ctx, k.c, gateway.CreateOp{Path: lease, Data: nonNull(req.GetIdentifier()), ACL: schema.OpenACLUnsafe, Mode: gateway.Ephemeral})
			st, zxid := made.Stat, made.Zxid
			if err != nil {
				return nil, err
			}
			k.saw(zxid)
			return &zkgatepb.SemaphoreAcquireResponse{Acquired: true, Key: newKey(path, lease, st), Zxid: k.minRev}, nil
		}
		if req.GetTry() {
			k.e.Forget(w)
			return &zkgatepb.SemaphoreAcquireResponse{Zxid: k.minRev}, nil
		}
		err = w.wait(ctx)
		k.e.Forget(w)
		if err != nil {
			return nil, err
		}
	}
}

// checkMaxLeases compares max with the number the semaphore's path
// records, and records it if there is none yet.
func (k *call) checkMaxLeases(ctx context.Context, path string, max int32) error {
	for {
		rd, err := k.e.GetData(ctx, k.c, path, k.readOptions(nil))
		data, st, zxid := rd.Data, rd.Stat, rd.Zxid
		if err != nil {
			return err
		}
		k.saw(zxid)
		if len(data) > 0 {
			n, err := strconv.Atoi(strings.TrimSpace(string(data)))
			if err != nil {
				return status.Errorf(codes.FailedPrecondition, "semaphore %s holds %q, not a number of leases", path, data)
			}
			if n != int(max) {
				return status.Errorf(codes.FailedPrecondition, "inconsistent max leases: %s allows %d, asked for %d", path, n, max)
			}
			return nil
		}
		set, err := k.e.SetData(ctx, k.c, path, []byte(strconv.Itoa(int(max))), st.Version)
		zxid = set.Zxid
		if errors.Is(err, schema.ErrBadVersion) {
			continue
		}
		if err != nil {
			return err
		}
		k.saw(zxid)
		return nil
	}
}

func (sm *semaphoreServer) Release(ctx context.Context, req *zkgatepb.SemaphoreReleaseRequest) (*zkgatepb.SemaphoreReleaseResponse, error) {
	zxid, err := sm.s.release(ctx, req.GetCtx(), req.GetKey())
	if err != nil {
		return nil, sm.s.fail(ctx, err)
	}
	return &zkgatepb.SemaphoreReleaseResponse{Zxid: zxid}, nil
}

func (sm *semaphoreServer) Holders(ctx context.Context, req *zkgatepb.SemaphoreHoldersRequest) (*zkgatepb.SemaphoreHoldersResponse, error) {
	k, _, err := sm.s.prepare(ctx, req.GetCtx(), req.GetPath(), 0, kindLock, 0, false)
	if err != nil {
		return nil, sm.s.fail(ctx, err)
	}
	rd, err := k.e.GetChildren(ctx, k.c, req.GetPath(), k.readOptions(nil))
	kids, zxid := rd.Children, rd.Zxid
	if errors.Is(err, schema.ErrNoNode) {
		return &zkgatepb.SemaphoreHoldersResponse{Zxid: zxid}, nil
	}
	if err != nil {
		return nil, sm.s.fail(ctx, err)
	}
	k.saw(zxid)
	resp := &zkgatepb.SemaphoreHoldersResponse{}
	for _, kid := range kids {
		rd, err := k.e.GetData(ctx, k.c, schema.Join(req.GetPath(), kid), k.readOptions(nil))
		data, zxid := rd.Data, rd.Zxid
		if errors.Is(err, schema.ErrNoNode) {
			continue
		}
		if err != nil {
			return nil, sm.s.fail(ctx, err)
		}
		k.saw(zxid)
		resp.Identifiers = append(resp.Identifiers, data)
	}
	resp.Zxid = k.minRev
	return resp, nil
}
