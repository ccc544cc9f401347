package recipes

import (
	"context"
	"errors"
	"strconv"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/gateway/api"
	"github.com/zkgate/zkgate/schema"
	"github.com/zkgate/zkgate/schema/zkgatepb"
)

// Server serves the recipe services (Election, Lock, Semaphore,
// Barrier, DoubleBarrier, Queue, Counter) over the engine of a
// Namespace server (api.Server), whose sessions, callers and error
// table it shares: a recipe's znodes are ordinary znodes, visible and
// usable through every face of zkgate.
type Server struct {
	ns *api.Server
}

// NewServer returns a Server using ns's engine (which may be set later:
// calls wait for it as the Namespace RPCs do).
func NewServer(ns *api.Server) *Server { return &Server{ns: ns} }

// Register registers the recipe services on g; it fits
// embed.Config.ServiceRegister.
func (s *Server) Register(g *grpc.Server) {
	zkgatepb.RegisterElectionServer(g, &electionServer{s: s})
	zkgatepb.RegisterLockServer(g, &lockServer{s: s})
	zkgatepb.RegisterSemaphoreServer(g, &semaphoreServer{s: s})
	zkgatepb.RegisterBarrierServer(g, &barrierServer{s: s})
	zkgatepb.RegisterDoubleBarrierServer(g, &doubleBarrierServer{s: s})
	zkgatepb.RegisterQueueServer(g, &queueServer{s: s})
	zkgatepb.RegisterCounterServer(g, &counterServer{s: s})
}

// fail converts err to the status an RPC returns: statuses made here as
// they are, everything else through the namespace's table.
func (s *Server) fail(ctx context.Context, err error) error {
	if _, ok := err.(interface{ GRPCStatus() *status.Status }); ok {
		return err
	}
	return s.ns.Fail(ctx, err)
}

// call is one recipe request: the engine, the caller and the zxid the
// caller has seen, raised as the request goes.
type call struct {
	e      *gateway.Engine
	c      gateway.Caller
	minRev int64
}

func (s *Server) begin(ctx context.Context, rc *zkgatepb.RequestContext, needSession bool) (*call, error) {
	if needSession && rc.GetSessionId() == 0 {
		return nil, status.Error(codes.InvalidArgument, "a contender needs a session: set ctx.session_id and ctx.session_password (Namespace.CreateSession)")
	}
	e, c, err := s.ns.Begin(ctx, rc)
	if err != nil {
		return nil, err
	}
	return &call{e: e, c: c, minRev: rc.GetMinZxid()}, nil
}

func (k *call) saw(zxid int64) { k.minRev = max(k.minRev, zxid) }

// readOptions are the options of a read by k: no older than what k has
// seen, and watched by w unless it is nil.
func (k *call) readOptions(w gateway.Watcher) gateway.ReadOptions {
	return gateway.ReadOptions{MinZxid: k.minRev, Watcher: w}
}

// kind is the recipe a contender belongs to; it picks the node name.
type kind int

const (
	kindLock kind = iota
	kindElection
)

// validRecipePath checks a recipe's path: a znode path other than the
// root (contenders are its children).
func validRecipePath(p string) error {
	if err := schema.ValidatePath(p); err != nil {
		return status.Errorf(codes.InvalidArgument, "path %q: %v", p, err)
	}
	if p == "/" {
		return status.Error(codes.InvalidArgument, "a recipe's path cannot be the root")
	}
	return nil
}

// ensurePath creates path and its missing ancestors as persistent znodes
// open to all, as kazoo's ensure_path does.
func (k *call) ensurePath(ctx context.Context, path string) error {
	var missing []string
	for p := path; p != "/"; p = schema.Parent(p) {
		rd, err := k.e.Exists(ctx, k.c, p, k.readOptions(nil))
		found, zxid := rd.Found, rd.Zxid
		if err != nil {
			return err
		}
		k.saw(zxid)
		if found {
			break
		}
		missing = append(missing, p)
	}
	for i := len(missing) - 1; i >= 0; i-- {
		made, err := k.e.Create(ctx, k.c, gateway.CreateOp{Path: missing[i], Data: []byte{}, ACL: schema.OpenACLUnsafe})
		zxid := made.Zxid
		if err != nil && !errors.Is(err, schema.ErrNodeExists) {
			return err
		}
		k.saw(zxid)
	}
	return nil
}

// nonNull returns b, or empty data for nil. The recipes write empty data
// where they have none, as kazoo's and Curator's recipes do: a proto
// bytes field left empty arrives as nil, which the engine would store as
// null data.
func nonNull(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// enter creates the caller's contender under path and returns its key.
func (k *call) enter(ctx context.Context, path string, l layout, data []byte) (*zkgatepb.RecipeKey, error) {
	op := gateway.CreateOp{Path: schema.Join(path, l.prefix()), Data: nonNull(data), ACL: schema.OpenACLUnsafe, Mode: gateway.EphemeralSequential}
	for attempt := 0; ; attempt++ {
		made, err := k.e.Create(ctx, k.c, op)
		node, st, zxid := made.Path, made.Stat, made.Zxid
		if errors.Is(err, schema.ErrNoNode) && attempt < 3 {
			if err := k.ensurePath(ctx, path); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		k.saw(zxid)
		return newKey(path, node, st), nil
	}
}

// leave deletes a contender whatever happened to the request that made
// it (its context may be done).
func (k *call) leave(node string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, _ = k.e.Delete(ctx, k.c, node, -1)
}

// errGone is the error of a contender deleted while it waited: its
// session ended, or someone deleted its znode.
func errGone(node string) error {
	return status.Errorf(codes.Aborted, "contender %s was deleted while waiting (session expired or closed, or the znode deleted)", node)
}

// blocker reads the children of path and returns the contender node
// waits for ("" if none); gone if node is no longer there.
func (k *call) blocker(ctx context.Context, path, node string, l layout) (pred string, gone bool, err error) {
	rd, err := k.e.GetChildren(ctx, k.c, path, k.readOptions(nil))
	kids, zxid := rd.Children, rd.Zxid
	if err != nil {
		return "", false, err
	}
	k.saw(zxid)
	pred, ok := l.blocker(kids, schema.Base(node))
	return pred, !ok, nil
}

// waitFirst blocks until node holds (no contender blocks it): it
// watches the contender it waits for, as kazoo and Curator do, so a change wakes
// only the next in line. It fails if node itself goes.
func (k *call) waitFirst(ctx context.Context, path, node string, l layout) error {
	for {
		name, gone, err := k.blocker(ctx, path, node, l)
		if err != nil {
			return err
		}
		if gone {
			return errGone(node)
		}
		if name == "" {
			return nil
		}
		w := newSignal()
		pred := schema.Join(path, name)
		found, err := k.exists(ctx, pred, w)
		if err != nil {
			k.e.Forget(w)
			return err
		}
		if !found {
			k.e.Forget(w)
			continue
		}
		// Our own node too: if it goes, the wait is over.
		found, err = k.exists(ctx, node, w)
		if err != nil {
			k.e.Forget(w)
			return err
		}
		if !found {
			k.e.Forget(w)
			return errGone(node)
		}
		err = w.wait(ctx)
		k.e.Forget(w)
		if err != nil {
			return err
		}
	}
}

// exists reads whether path exists and leaves the exists watch w on it,
// armed.
func (k *call) exists(ctx context.Context, path string, w gateway.Watcher) (bool, error) {
	rd, err := k.e.Exists(ctx, k.c, path, k.readOptions(w))
	found, zxid, armed := rd.Found, rd.Zxid, rd.Armed
	if err != nil {
		return false, err
	}
	armed.Arm()
	k.saw(zxid)
	return found, nil
}

// owned checks that key names a live contender of its session with its
// token, and returns the contender's Stat. A contender that is gone is
// (nil, nil).
func (k *call) owned(ctx context.Context, key *zkgatepb.RecipeKey) (*schema.Stat, error) {
	if key == nil || key.GetNode() == "" {
		return nil, status.Error(codes.InvalidArgument, "no key")
	}
	if err := validRecipePath(key.GetPath()); err != nil {
		return nil, err
	}
	if schema.Parent(key.GetNode()) != key.GetPath() {
		return nil, status.Errorf(codes.InvalidArgument, "node %q is not a child of %q", key.GetNode(), key.GetPath())
	}
	rd, err := k.e.Exists(ctx, k.c, key.GetNode(), k.readOptions(nil))
	st, found, zxid := rd.Stat, rd.Found, rd.Zxid
	if err != nil {
		return nil, err
	}
	k.saw(zxid)
	if !found {
		return nil, nil
	}
	if st.Czxid != key.GetToken() || st.EphemeralOwner != key.GetSessionId() {
		return nil, status.Errorf(codes.FailedPrecondition, "%s is held by another contender (token %d, session 0x%x), not token %d of session 0x%x",
			key.GetNode(), st.Czxid, uint64(st.EphemeralOwner), key.GetToken(), uint64(key.GetSessionId()))
	}
	return &st, nil
}

// first returns the first contender of path with its data and key; nil
// if there is none.
func (k *call) first(ctx context.Context, path string, l layout, w gateway.Watcher) (*zkgatepb.RecipeKey, []byte, error) {
	for {
		rd, err := k.e.GetChildren(ctx, k.c, path, k.readOptions(w))
		kids, zxid, armed := rd.Children, rd.Zxid, rd.Armed
		if errors.Is(err, schema.ErrNoNode) && w != nil {
			// Wait for the path to appear.
			found, err := k.exists(ctx, path, w)
			if err != nil {
				return nil, nil, err
			}
			if found {
				continue
			}
			return nil, nil, nil
		}
		if err != nil {
			return nil, nil, err
		}
		armed.Arm()
		k.saw(zxid)
		order := l.order(kids)
		if len(order) == 0 {
			return nil, nil, nil
		}
		node := schema.Join(path, order[0])
		dr, err := k.e.GetData(ctx, k.c, node, k.readOptions(w))
		data, st, zxid, armed := dr.Data, dr.Stat, dr.Zxid, dr.Armed
		if errors.Is(err, schema.ErrNoNode) {
			continue // gone since: read again
		}
		if err != nil {
			return nil, nil, err
		}
		armed.Arm()
		k.saw(zxid)
		return newKey(path, node, st), data, nil
	}
}

// newKey is the key of contender node of path.
func newKey(path, node string, st schema.Stat) *zkgatepb.RecipeKey {
	return &zkgatepb.RecipeKey{Path: path, Node: node, Token: st.Czxid, SessionId: st.EphemeralOwner,
		EtcdKey: []byte(schema.NodeKey(node)), Sequence: sequenceOf(node)}
}

// sequenceOf is the sequence number ending a contender's name, as
// ZooKeeper writes it (%010d of a signed 32-bit counter: ten characters,
// with a leading '-' once the counter has wrapped), or -1.
func sequenceOf(node string) int64 {
	if len(node) < 10 {
		return -1
	}
	n, err := strconv.ParseInt(node[len(node)-10:], 10, 32)
	if err != nil {
		return -1
	}
	return n
}

// signal is a Watcher that wakes one waiter.
type signal struct{ ch chan struct{} }

func newSignal() *signal { return &signal{ch: make(chan struct{}, 1)} }

// Notify implements gateway.Watcher.
func (s *signal) Notify(gateway.Event) {
	select {
	case s.ch <- struct{}{}:
	default:
	}
}

func (s *signal) wait(ctx context.Context) error {
	select {
	case <-s.ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (k kind) String() string {
	if k == kindElection {
		return "election"
	}
	return "lock"
}
