package client

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/zkgate/zkgate/schema/zkgatepb"
)

// Mutex is a lock on a ZooKeeper path, held by a Session. It is not
// reentrant; use one Mutex per holder.
type Mutex struct {
	s    *Session
	path string
	o    recipeOptions

	mu  sync.Mutex
	key *zkgatepb.RecipeKey
}

// NewMutex returns a Mutex on path.
func NewMutex(s *Session, path string, opts ...RecipeOption) *Mutex {
	return &Mutex{s: s, path: path, o: recipeOpts(opts)}
}

// ErrNotHeld is returned by Unlock when the Mutex is not held.
var ErrNotHeld = errors.New("lock not held")

// Lock waits until the lock is held, ctx is done, or the session ends
// (then the error has the session's Err in its chain).
func (m *Mutex) Lock(ctx context.Context) error {
	if err := m.s.ended(); err != nil {
		return fmt.Errorf("lock %s: %w", m.path, err)
	}
	ctx, cancel := m.s.bind(ctx)
	defer cancel()
	resp, err := m.s.lk.Lock(ctx, &zkgatepb.LockRequest{Ctx: m.s.Context(), Path: m.path, Identifier: m.o.identifier, Layout: m.o.layout, Mode: m.o.mode})
	if err != nil {
		if end := m.s.ended(); end != nil {
			return fmt.Errorf("lock %s: %w", m.path, end)
		}
		return fmt.Errorf("lock %s: %w", m.path, err)
	}
	m.s.saw(resp.GetZxid())
	if end := m.s.ended(); end != nil {
		return fmt.Errorf("lock %s: %w", m.path, end)
	}
	m.mu.Lock()
	m.key = resp.GetKey()
	m.mu.Unlock()
	return nil
}

// TryLock takes the lock if it is free; it never waits for it.
func (m *Mutex) TryLock(ctx context.Context) (bool, error) {
	resp, err := m.s.lk.TryLock(ctx, &zkgatepb.TryLockRequest{Ctx: m.s.Context(), Path: m.path, Identifier: m.o.identifier, Layout: m.o.layout, Mode: m.o.mode})
	if err != nil {
		return false, fmt.Errorf("trylock %s: %w", m.path, err)
	}
	m.s.saw(resp.GetZxid())
	if resp.GetAcquired() {
		m.mu.Lock()
		m.key = resp.GetKey()
		m.mu.Unlock()
	}
	return resp.GetAcquired(), nil
}

// Unlock releases the lock.
func (m *Mutex) Unlock(ctx context.Context) error {
	m.mu.Lock()
	key := m.key
	m.mu.Unlock()
	if key == nil {
		return ErrNotHeld
	}
	resp, err := m.s.lk.Unlock(ctx, &zkgatepb.UnlockRequest{Ctx: m.s.Context(), Key: key})
	if err != nil {
		return fmt.Errorf("unlock %s: %w", m.path, err)
	}
	m.s.saw(resp.GetZxid())
	m.mu.Lock()
	if m.key == key {
		m.key = nil
	}
	m.mu.Unlock()
	return nil
}

// Lost is closed when a lock this Mutex holds, or may hold, is to be
// taken as lost: the session has ended (closed, expired, or lost: see
// Session.Err). It is the session's Done.
func (m *Mutex) Lost() <-chan struct{} { return m.s.Done() }

// Key is the held lock's key (nil when not held).
func (m *Mutex) Key() *zkgatepb.RecipeKey {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.key
}

// Token is the held lock's fencing token (0 when not held): compare
// CreateRevision(Key().EtcdKey) == Token() in an etcd transaction to
// write only while holding the lock.
func (m *Mutex) Token() int64 { return m.Key().GetToken() }

// Holder returns the holder of the lock on path and its identifier; an
// error whose status code (status.Code) is NotFound if free.
func Holder(ctx context.Context, s *Session, path string, opts ...RecipeOption) (*zkgatepb.RecipeKey, []byte, error) {
	o := recipeOpts(opts)
	resp, err := s.lk.Holder(ctx, &zkgatepb.HolderRequest{Ctx: s.Context(), Path: path, Layout: o.layout})
	if err != nil {
		return nil, nil, err
	}
	s.saw(resp.GetZxid())
	return resp.GetKey(), resp.GetIdentifier(), nil
}
