package client

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/zkgate/zkgate/schema/zkgatepb"
)

// Election is a candidacy in an election on a ZooKeeper path, held by a
// Session.
type Election struct {
	s    *Session
	path string
	o    recipeOptions

	mu         sync.Mutex
	key        *zkgatepb.RecipeKey
	observeErr error // why the last Observe ended
}

// Leader is an election's leader and its value.
type Leader struct {
	Key   *zkgatepb.RecipeKey
	Value []byte
}

// NewElection returns an Election on path.
func NewElection(s *Session, path string, opts ...RecipeOption) *Election {
	return &Election{s: s, path: path, o: recipeOpts(opts)}
}

// ErrNotLeader is returned by Proclaim and Resign without leadership.
var ErrNotLeader = errors.New("not the leader")

// Campaign waits until the caller leads with value, ctx is done, or the
// session ends (then the error has the session's Err in its chain).
func (e *Election) Campaign(ctx context.Context, value []byte) error {
	if err := e.s.ended(); err != nil {
		return fmt.Errorf("campaign %s: %w", e.path, err)
	}
	ctx, cancel := e.s.bind(ctx)
	defer cancel()
	resp, err := e.s.el.Campaign(ctx, &zkgatepb.CampaignRequest{Ctx: e.s.Context(), Path: e.path, Value: value, Layout: e.o.layout})
	if err != nil {
		if end := e.s.ended(); end != nil {
			return fmt.Errorf("campaign %s: %w", e.path, end)
		}
		return fmt.Errorf("campaign %s: %w", e.path, err)
	}
	e.s.saw(resp.GetZxid())
	if end := e.s.ended(); end != nil {
		return fmt.Errorf("campaign %s: %w", e.path, end)
	}
	e.mu.Lock()
	e.key = resp.GetLeader()
	e.mu.Unlock()
	return nil
}

// Lost is closed when leadership this Election holds, or may hold, is
// to be taken as lost: the session has ended (see Session.Err). It is the
// session's Done.
func (e *Election) Lost() <-chan struct{} { return e.s.Done() }

// Key is the leader's key while the caller leads (nil otherwise).
func (e *Election) Key() *zkgatepb.RecipeKey {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.key
}

// Proclaim sets the leader's value.
func (e *Election) Proclaim(ctx context.Context, value []byte) error {
	key := e.Key()
	if key == nil {
		return ErrNotLeader
	}
	resp, err := e.s.el.Proclaim(ctx, &zkgatepb.ProclaimRequest{Ctx: e.s.Context(), Leader: key, Value: value})
	if err != nil {
		return fmt.Errorf("proclaim %s: %w", e.path, err)
	}
	e.s.saw(resp.GetZxid())
	return nil
}

// Resign gives up leadership.
func (e *Election) Resign(ctx context.Context) error {
	key := e.Key()
	if key == nil {
		return ErrNotLeader
	}
	resp, err := e.s.el.Resign(ctx, &zkgatepb.ResignRequest{Ctx: e.s.Context(), Leader: key})
	if err != nil {
		return fmt.Errorf("resign %s: %w", e.path, err)
	}
	e.s.saw(resp.GetZxid())
	e.mu.Lock()
	if e.key == key {
		e.key = nil
	}
	e.mu.Unlock()
	return nil
}

// Leader returns the current leader; an error whose status code
// (status.Code) is NotFound if there is none.
func (e *Election) Leader(ctx context.Context) (Leader, error) {
	resp, err := e.s.el.Leader(ctx, &zkgatepb.LeaderRequest{Ctx: e.s.Context(), Path: e.path, Layout: e.o.layout})
	if err != nil {
		return Leader{}, err
	}
	e.s.saw(resp.GetZxid())
	return Leader{Key: resp.GetLeader(), Value: resp.GetValue()}, nil
}

// Observe sends the leader, then each change of leader or value, until
// ctx is done or the stream fails; then the channel is closed, and
// ObserveErr says why.
func (e *Election) Observe(ctx context.Context) <-chan Leader {
	ch := make(chan Leader)
	go func() {
		defer close(ch)
		err := e.observe(ctx, ch)
		if ctx.Err() != nil {
			err = nil
		}
		e.mu.Lock()
		e.observeErr = err
		e.mu.Unlock()
	}()
	return ch
}

func (e *Election) observe(ctx context.Context, ch chan<- Leader) error {
	stream, err := e.s.el.Observe(ctx, &zkgatepb.ObserveRequest{Ctx: e.s.Context(), Path: e.path, Layout: e.o.layout})
	if err != nil {
		return err
	}
	for {
		resp, err := stream.Recv()
		if err != nil {
			return err
		}
		select {
		case ch <- Leader{Key: resp.GetLeader(), Value: resp.GetValue()}:
		case <-ctx.Done():
			return nil
		}
	}
}

// ObserveErr is why the channel of the last Observe closed: nil if its
// context ended (or it has not closed yet), else the stream's error,
// converted as every error of a call is (one line for a person, with its
// status). A node that went away (an EndpointError, or codes.Unavailable)
// is worth observing again: the next Observe goes to another endpoint.
func (e *Election) ObserveErr() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.observeErr
}
