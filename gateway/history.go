package gateway

import (
	"strconv"
	"sync/atomic"

	"google.golang.org/grpc/metadata"

	"context"
	"errors"
	"fmt"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/pkg/v3/traceutil"
	"go.etcd.io/etcd/server/v3/storage/mvcc"

	"github.com/zkgate/zkgate/schema"
)

// OldestZxid is the oldest zxid a read at a past zxid can reach: etcd
// keeps every revision since its last compaction.
func (e *Engine) OldestZxid(ctx context.Context) (int64, error) {
	if e.cfg.LocalStore != nil {
		txn := e.cfg.LocalStore.Read(mvcc.ConcurrentReadTxMode, traceutil.TODO())
		first := txn.FirstRev()
		txn.End()
		return max(first, 1), nil
	}
	// Against an external etcd: a watch from revision 1 is told the
	// compaction revision, when there was one.
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	resp, ok := <-e.cfg.Client.Watch(clientv3.WithRequireLeader(wctx), schema.VersionKey(), clientv3.WithRev(1))
	switch {
	case !ok:
		return 0, fmt.Errorf("reading the oldest zxid: %w", wctx.Err())
	case resp.CompactRevision > 0:
		return resp.CompactRevision, nil
	case resp.Err() != nil:
		return 0, resp.Err()
	}
	return 1, nil
}

// retentionNote is Config.History for an error message.
func (e *Engine) retentionNote() string {
	if e.cfg.History == "" {
		return ""
	}
	return " (" + e.cfg.History + ")"
}

// replays numbers the replays, for their watch streams.
var replays atomic.Uint64

// collect is the Watcher a replay's hub fires: it hands each event to fn,
// with the identities of the caller the replay is for.
type collect struct {
	auth []schema.AuthID
	fn   func(Event)
}

func (c *collect) Notify(ev Event)            { c.fn(ev) }
func (c *collect) WatchAuth() []schema.AuthID { return c.auth }

// Replay calls fn, in order, with every event a persistent watch of mode
// on path, held by caller c, would have fired for the changes after zxid
// since up to zxid until: the same events, in the same order, filtered by
// the ACLs of the time, that a watch set at since would have delivered
// (AddWatch). A caller that sets a watch with AddWatch, which returns the
// zxid it counts from, and replays up to that zxid, gets every change
// after since exactly once. since must be within the history the cluster
// keeps (BadArguments naming the oldest reachable zxid otherwise), and
// until no newer than this node has reached.
func (e *Engine) Replay(ctx context.Context, c Caller, path string, mode WatchMode, since, until int64, fn func(Event)) error {
	var specs []watchSpec
	switch mode {
	case WatchPersistent:
		specs = []watchSpec{{tPersistent, path, true}, {tPersistentChild, path, true}}
	case WatchPersistentRecursive:
		specs = []watchSpec{{tRecursive, path, true}, {tRecursiveChild, path, true}}
	default:
		return schema.Errorf(schema.CodeMarshallingError, path, "unknown watch mode %d", mode)
	}
	if since < 0 {
		return schema.Errorf(schema.CodeBadArguments, path, "zxid %d to replay from is negative", since)
	}
	if err := e.hub.wait(ctx, max(since, until)); err != nil {
		return err
	}
	if since >= until {
		return nil
	}
	acls, err := readACLs(ctx, e.kv, since)
	if errors.Is(err, rpctypes.ErrCompacted) {
		return e.compactedError(ctx, since)
	}
	if err != nil {
		return err
	}
	h := newHub(e.lg, e.cfg.Client, -1, e.cfg.SuperDigest)
	h.seed(since, acls)
	h.register(&collect{auth: c.Auth, fn: fn}, false, specs)

	// A watch stream of its own (the client groups watches into streams
	// by their context's metadata): its progress requests concern only
	// this replay's watch.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ctx = metadata.AppendToOutgoingContext(ctx, "zkgate-replay", strconv.FormatUint(replays.Add(1), 10))
	wr := e.cfg.Client
	start, end := schema.Prefix, schema.PrefixEnd(schema.Prefix)
	wch := wr.Watch(ctx, start, clientv3.WithRange(end), clientv3.WithRev(since+1), clientv3.WithProgressNotify())
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case resp, ok := <-wch:
			if !ok {
				return fmt.Errorf("replaying changes: %w", ctx.Err())
			}
			if resp.CompactRevision != 0 {
				return e.compactedError(ctx, since)
			}
			if err := resp.Err(); err != nil {
				return fmt.Errorf("replaying changes: %w", err)
			}
			evs := resp.Events
			done := resp.IsProgressNotify() && resp.Header.Revision >= until ||
				len(evs) > 0 && evs[len(evs)-1].Kv.ModRevision >= until
			for i, ev := range evs {
				if ev.Kv.ModRevision > until {
					evs, done = evs[:i], true
					break
				}
			}
			h.dispatch(evs, min(resp.Header.Revision, until), resp.IsProgressNotify())
			if done {
				return nil
			}
		case <-tick.C:
			// Once the watch has sent the history, a progress request
			// is answered with the store's revision: past until, every
			// change up to it has been sent.
			_ = wr.RequestProgress(ctx)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// compactedError is the error of a read or replay from a zxid etcd no
// longer keeps.
func (e *Engine) compactedError(ctx context.Context, zxid int64) error {
	first, err := e.OldestZxid(ctx)
	if err != nil {
		return schema.Errorf(schema.CodeBadArguments, "", "zxid %d is older than the history this cluster keeps", zxid)
	}
	return schema.Errorf(schema.CodeBadArguments, "", "zxid %d is older than the history this cluster keeps: the oldest reachable zxid is %d%s", zxid, first, e.retentionNote())
}
