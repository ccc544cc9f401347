package recipes

import (
	"bytes"
	"context"
	"errors"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/zkgate/zkgate/schema"
	"github.com/zkgate/zkgate/schema/zkgatepb"
)

// electionServer is the Election service: a lock whose holder leads,
// with the leader's value in its contender znode.
type electionServer struct {
	zkgatepb.UnimplementedElectionServer
	s *Server
}

func (el *electionServer) Campaign(ctx context.Context, req *zkgatepb.CampaignRequest) (*zkgatepb.CampaignResponse, error) {
	key, k, err := el.s.acquire(ctx, req.GetCtx(), req.GetPath(), req.GetLayout(), kindElection, 0, req.GetValue())
	if err != nil {
		return nil, el.s.fail(ctx, err)
	}
	return &zkgatepb.CampaignResponse{Leader: key, Zxid: k.minRev}, nil
}

// Proclaim sets the leader's value, if the key still leads.
func (el *electionServer) Proclaim(ctx context.Context, req *zkgatepb.ProclaimRequest) (*zkgatepb.ProclaimResponse, error) {
	k, err := el.s.begin(ctx, req.GetCtx(), false)
	if err != nil {
		return nil, el.s.fail(ctx, err)
	}
	key := req.GetLeader()
	for {
		st, err := k.owned(ctx, key)
		if err != nil {
			return nil, el.s.fail(ctx, err)
		}
		if st == nil {
			return nil, el.s.fail(ctx, status.Errorf(codes.FailedPrecondition, "not the leader: %s is gone", key.GetNode()))
		}
		set, err := k.e.SetData(ctx, k.c, key.GetNode(), nonNull(req.GetValue()), st.Version)
		zxid := set.Zxid
		if errors.Is(err, schema.ErrBadVersion) {
			continue // changed since it was read: check again
		}
		if err != nil {
			return nil, el.s.fail(ctx, err)
		}
		return &zkgatepb.ProclaimResponse{Zxid: zxid}, nil
	}
}

func (el *electionServer) Leader(ctx context.Context, req *zkgatepb.LeaderRequest) (*zkgatepb.LeaderResponse, error) {
	key, data, zxid, err := el.s.leader(ctx, req.GetCtx(), req.GetPath(), req.GetLayout(), kindElection)
	if err != nil {
		return nil, el.s.fail(ctx, err)
	}
	return &zkgatepb.LeaderResponse{Leader: key, Value: data, Zxid: zxid}, nil
}

// Observe sends the leader whenever it, or its value, changes. It
// watches the path's children and the leader's data; each event leads to
// a fresh read, so changes that come together are reported once, as the
// latest state.
func (el *electionServer) Observe(req *zkgatepb.ObserveRequest, stream zkgatepb.Election_ObserveServer) error {
	ctx := stream.Context()
	k, ly, err := el.s.prepare(ctx, req.GetCtx(), req.GetPath(), req.GetLayout(), kindElection, 0, false)
	if err != nil {
		return el.s.fail(ctx, err)
	}
	var lastNode string
	var lastValue []byte
	for {
		w := newSignal()
		key, data, err := k.first(ctx, req.GetPath(), ly, w)
		if err != nil {
			k.e.Forget(w)
			return el.s.fail(ctx, err)
		}
		if key != nil && (key.GetNode() != lastNode || !bytes.Equal(data, lastValue)) {
			lastNode, lastValue = key.GetNode(), data
			if err := stream.Send(&zkgatepb.ObserveResponse{Leader: key, Value: data, Zxid: k.minRev}); err != nil {
				k.e.Forget(w)
				return err
			}
		}
		if key == nil {
			lastNode, lastValue = "", nil
		}
		err = w.wait(ctx)
		k.e.Forget(w)
		if err != nil {
			return el.s.fail(ctx, err)
		}
	}
}

func (el *electionServer) Resign(ctx context.Context, req *zkgatepb.ResignRequest) (*zkgatepb.ResignResponse, error) {
	zxid, err := el.s.release(ctx, req.GetCtx(), req.GetLeader())
	if err != nil {
		return nil, el.s.fail(ctx, err)
	}
	return &zkgatepb.ResignResponse{Zxid: zxid}, nil
}

// prepare checks a request's path and layout and starts the call.
func (s *Server) prepare(ctx context.Context, rc *zkgatepb.RequestContext, path string, l zkgatepb.Layout, kd kind, mode zkgatepb.LockMode, needSession bool) (*call, layout, error) {
	if err := validRecipePath(path); err != nil {
		return nil, layout{}, err
	}
	ly, err := layoutOf(l, kd, mode)
	if err != nil {
		return nil, layout{}, err
	}
	k, err := s.begin(ctx, rc, needSession)
	return k, ly, err
}

// acquire enters the queue of path and waits to be first: Lock and
// Campaign.
func (s *Server) acquire(ctx context.Context, rc *zkgatepb.RequestContext, path string, l zkgatepb.Layout, kd kind, mode zkgatepb.LockMode, data []byte) (*zkgatepb.RecipeKey, *call, error) {
	k, ly, err := s.prepare(ctx, rc, path, l, kd, mode, true)
	if err != nil {
		return nil, nil, err
	}
	key, err := k.enter(ctx, path, ly, data)
	if err != nil {
		return nil, nil, err
	}
	if err := k.waitFirst(ctx, path, key.GetNode(), ly); err != nil {
		k.leave(key.GetNode())
		return nil, nil, err
	}
	return key, k, nil
}

// release deletes the contender of key: Unlock and Resign.
func (s *Server) release(ctx context.Context, rc *zkgatepb.RequestContext, key *zkgatepb.RecipeKey) (int64, error) {
	k, err := s.begin(ctx, rc, false)
	if err != nil {
		return 0, err
	}
	st, err := k.owned(ctx, key)
	if err != nil || st == nil {
		return k.minRev, err
	}
	zxid, err := k.e.Delete(ctx, k.c, key.GetNode(), -1)
	if errors.Is(err, schema.ErrNoNode) {
		return k.minRev, nil
	}
	return zxid, err
}

// leader reads the first contender: Leader and Holder.
func (s *Server) leader(ctx context.Context, rc *zkgatepb.RequestContext, path string, l zkgatepb.Layout, kd kind) (*zkgatepb.RecipeKey, []byte, int64, error) {
	k, ly, err := s.prepare(ctx, rc, path, l, kd, 0, false)
	if err != nil {
		return nil, nil, 0, err
	}
	key, data, err := k.first(ctx, path, ly, nil)
	if errors.Is(err, schema.ErrNoNode) {
		key, err = nil, nil
	}
	if err != nil {
		return nil, nil, 0, err
	}
	if key == nil {
		return nil, nil, 0, status.Errorf(codes.NotFound, "no %s holder on %s", kd, path)
	}
	return key, data, k.minRev, nil
}
