package gateway

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"golang.org/x/sync/singleflight"

	"github.com/zkgate/zkgate/schema"
)

// Engine is the namespace engine of one gateway node. All its methods are
// safe for concurrent use. Writes from all callers go through one
// committer goroutine, which validates them against the current state
// (including writes of the same batch not yet committed) and commits each
// batch in one etcd transaction.
type Engine struct {
	cfg Config
	kv  clientv3.KV
	lg  *zap.Logger

	// bootstrapRev is the revision at which the root and /zookeeper nodes
	// were created; their Stat shows zxid 0 for it, as ZooKeeper's does.
	bootstrapRev int64

	hub    *hub
	leases *leasePool
	// keys is the committer's key cache (keycache.go), kept fresh by
	// the hub.
	keys *keyCache
	// ephLeases remembers the sessions that have a lease for their
	// ephemerals (ephlease.go): session id -> lease id.
	ephLeases sync.Map
	// ephPending are the leases taken for sessions' first ephemerals,
	// not yet settled, by session id.
	ephMu      sync.Mutex
	ephPending map[int64]*ephPending
	// removals runs one removal of a session's ephemerals at a time,
	// by session id (removeEphemerals).
	removals singleflight.Group
	// expiredThrough is the revision of the last session record's
	// deletion the expiry watch has handled (expiry.go).
	expiredThrough atomic.Int64
	// removalChunks counts the transactions of ephemerals' removals this
	// node queued, lateChecks the sessions it looked at after a grace
	// (expiry.go).
	removalChunks atomic.Int64
	lateChecks    atomic.Int64
	quorum        quorumProbe
	// chainKey orders the committer's batches in flight (commit.go).
	chainKey string
	// maxInFlight is the most batches the committer has had in flight
	// at once; redone counts its batches whose compares failed, overtaken
	// those of them that reached etcd before their predecessor.
	maxInFlight atomic.Int64
	redone      atomic.Int64
	overtaken   atomic.Int64
	launched    atomic.Int64
	// staged counts the batches validated while the batch before them
	// was in flight, and sent once it was answered (commit.go: stage);
	// unstaged those dropped because a batch in flight failed.
	staged   atomic.Int64
	unstaged atomic.Int64
	// turns counts the turns this committer took, turnWaits the turns of
	// others it waited for (turn.go).
	turns     atomic.Int64
	turnWaits atomic.Int64
	// sendDelay, in tests, holds back each batch's transaction: a
	// committer made slower than the others.
	sendDelay  atomic.Int64
	batchSizes sizeHistogram // requests per batch launched
	localReads atomic.Int64  // reads served by localRead or the key cache
	// readKeyHits counts reads whose keys all came from the key cache
	// (readCurrent).
	readKeyHits atomic.Int64
	// keyHits and keyMisses count the committer's reads of keys from its
	// key cache and from etcd (keycache.go).
	keyHits, keyMisses atomic.Int64
	// quotaExceeded counts writes refused QuotaExceeded, by namespace.
	quotaExceeded quotaExceeded
	// oldest is OldestZxid against an external etcd, found at oldestAt.
	oldestMu sync.Mutex
	oldest   int64
	oldestAt time.Time
	reqs     chan *request
	stop     chan struct{}
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	once     sync.Once

	now func() time.Time
}

// ErrClosed is returned by calls made after Close.
var ErrClosed = errors.New("gateway: engine closed")

// New starts an engine over cfg.Client. It creates the root znode and
// /zookeeper on first use of the etcd cluster.
func New(ctx context.Context, cfg Config) (*Engine, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	e := &Engine{
		cfg:        cfg,
		kv:         cfg.Client.KV,
		lg:         cfg.Logger,
		reqs:       make(chan *request, 4096),
		stop:       make(chan struct{}),
		ephPending: map[int64]*ephPending{},
		now:        time.Now,
	}
	rev, err := bootstrap(ctx, e.kv)
	if err != nil {
		return nil, err
	}
	e.bootstrapRev = rev
	var id [8]byte
	if _, err := rand.Read(id[:]); err != nil {
		return nil, err
	}
	e.chainKey = schema.ChainKey(binary.BigEndian.Uint64(id[:]))
	e.dropStaleChainKeys(ctx)
	now, err := e.kv.Get(ctx, schema.VersionKey(), clientv3.WithKeysOnly())
	if err != nil {
		return nil, fmt.Errorf("reading the current revision: %w", err)
	}
	acls, err := readACLs(ctx, e.kv, now.Header.Revision)
	if err != nil {
		return nil, err
	}
	counts, err := countKeys(ctx, e.kv, now.Header.Revision)
	if err != nil {
		return nil, err
	}
	e.hub = newHub(e.lg, cfg.Client, cfg.ChildCacheBytes, e.cfg.SuperDigest)
	e.hub.seed(now.Header.Revision, acls, counts)
	if e.cfg.KeyCacheBytes > 0 {
		e.keys = newKeyCache(int(e.cfg.KeyCacheBytes))
		e.keys.reset(now.Header.Revision)
		e.hub.keys = e.keys
	}
	e.leases = newLeasePool(cfg.Client, cfg.LeaseRenew, e.lg, e.now)
	bg, cancel := context.WithCancel(context.Background())
	e.cancel = cancel
	e.quorum.lastOK.Store(e.now().UnixNano())
	e.wg.Add(5)
	go func() { defer e.wg.Done(); e.hub.run(bg, now.Header.Revision) }()
	go func() { defer e.wg.Done(); e.quorum.run(bg, e.kv, e.now, e.lg) }()
	go e.commitLoop()
	go func() { defer e.wg.Done(); e.runExpiry(bg) }()
	go func() { defer e.wg.Done(); e.runReaper(bg) }()
	return e, nil
}

// SuperDigest returns the configured super user's digest identity
// ("super:<hash>"), or "".
func (e *Engine) SuperDigest() string { return e.cfg.SuperDigest }

// Logger is the engine's logger (Config.Logger), for a face that serves
// the engine to log its own failures with.
func (e *Engine) Logger() *zap.Logger { return e.lg }

// WaitZxid blocks until the watch events of every change at or below
// zxid have been dispatched, as each read waits for the caller's last
// seen zxid first: a face that registers a watch by AddWatch for a client
// that has seen zxid calls it before, so that the watch's first event
// follows what the client saw. A zxid beyond the cluster's newest is
// BadArguments; ctx ending ends the wait with ctx.Err().
func (e *Engine) WaitZxid(ctx context.Context, zxid int64) error { return e.hub.wait(ctx, zxid) }

// Close stops the engine and waits for its goroutines. Requests in
// flight fail with ErrClosed. It returns nil (the error is io.Closer's):
// the engine owns nothing that can fail to close, since its etcd client
// is the caller's. Closing twice is a no-op.
func (e *Engine) Close() error {
	e.once.Do(func() {
		close(e.stop)
		e.cancel()
		e.wg.Wait()
		e.leases.close()
		// The chain key stays: it dates this engine's last batch for
		// ZxidAt. A later engine deletes it once compaction has passed
		// it (dropStaleChainKeys).
	})
	return nil
}

// bootstrap writes the layout version, the root and /zookeeper with its
// children, once, and returns the revision they were written at.
func bootstrap(ctx context.Context, kv clientv3.KV) (int64, error) {
	vk := schema.VersionKey()
	for {
		resp, err := kv.Get(ctx, vk)
		if err != nil {
			return 0, fmt.Errorf("reading the schema version: %w", err)
		}
		if len(resp.Kvs) == 1 {
			if v := string(resp.Kvs[0].Value); v != schema.LayoutVersion {
				return 0, fmt.Errorf("etcd holds zkgate data of layout version %q; this zkgate reads version %s", v, schema.LayoutVersion)
			}
			return resp.Kvs[0].CreateRevision, nil
		}
		// Their data is empty, not null, as on ZooKeeper.
		empty := schema.Node{Data: []byte{}}
		// As a fresh ZooKeeper: the built-in nodes do not count as
		// creations, so the root's cversion is -1 and /zookeeper's -2.
		root := &schema.Meta{NumChildren: 1}
		zk := &schema.Meta{NumChildren: 2}
		put := func(path string) clientv3.Op { return clientv3.OpPut(schema.NodeKey(path), string(empty.Marshal())) }
		// /zookeeper/config is world:anyone:r at aversion -1.
		readOnly := schema.ACLRecord{Aversion: -1, ACL: schema.ReadACLUnsafe}
		_, err = kv.Txn(ctx).
			If(clientv3.Compare(clientv3.CreateRevision(vk), "=", 0)).
			Then(
				clientv3.OpPut(vk, schema.LayoutVersion),
				put("/"), put("/zookeeper"), put("/zookeeper/quota"), put("/zookeeper/config"),
				clientv3.OpPut(schema.MetaKey("/"), string(root.Marshal())),
				clientv3.OpPut(schema.MetaKey("/zookeeper"), string(zk.Marshal())),
				clientv3.OpPut(schema.ACLKey("/zookeeper/config"), string(readOnly.Marshal())),
			).Commit()
		if err != nil {
			return 0, fmt.Errorf("creating the root znode: %w", err)
		}
	}
}

// present adjusts a Stat for the caller: the bootstrap revision reads as
// zxid 0, as ZooKeeper's built-in nodes show.
func (e *Engine) present(s schema.Stat) schema.Stat {
	if s.Czxid == e.bootstrapRev {
		s.Czxid = 0
	}
	if s.Mzxid == e.bootstrapRev {
		s.Mzxid = 0
	}
	if s.Pzxid == e.bootstrapRev {
		s.Pzxid = 0
	}
	return s
}

// allowed checks the caller's permission on an ACL.
func (e *Engine) allowed(c Caller, acl schema.ACLRecord, need schema.Perm) bool {
	if c.internal {
		return true
	}
	return schema.Allowed(acl.ACL, need, c.Auth, e.cfg.SuperDigest)
}

// checkVersion is ZooKeeper's version check: -1 matches any version.
func checkVersion(path string, current, expected int32) error {
	if expected != AnyVersion && expected != current {
		return schema.NewError(schema.CodeBadVersion, path)
	}
	return nil
}

// untilStop returns a context of parent that is also cancelled when the
// engine stops.
func (e *Engine) untilStop(parent context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(parent)
	go func() {
		select {
		case <-e.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}
