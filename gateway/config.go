package gateway

import (
	"context"
	"errors"
	"fmt"
	"time"

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/storage/mvcc"
	"go.uber.org/zap"

	"github.com/zkgate/zkgate/schema"
)

// Config configures an Engine.
type Config struct {
	// Client talks to etcd: the embedded member or an external cluster.
	Client *clientv3.Client
	// LocalStore, when set, is the MVCC store of the embedded member
	// Client talks to: serializable reads are served from it directly
	// (see localRead). Leave it nil against an external etcd.
	LocalStore mvcc.KV
	// KVClient, when set, is a raw etcd KV client of the member Client
	// talks to (the embedded member's KV service, called in process):
	// the committer sends its transactions through it as it builds them.
	// Through Client, etcd's client library copies each compare of a
	// transaction three times by reflection and each operation twice,
	// which costs a batch of writes more CPU than validating it. Leave it
	// nil against an external etcd.
	KVClient pb.KVClient
	// LeaseRenew, when set, renews a lease of the member Client talks
	// to (the embedded member's own renewal, called in process) and
	// returns its TTL, rpctypes.ErrLeaseNotFound if it is gone: opening a
	// session and every ping renew through it. Through Client, each
	// renewal opens a keep-alive stream and closes it (clientv3's
	// KeepAliveOnce), whose goroutines and buffers cost more than the
	// renewal and leave garbage behind every session opened. Leave it
	// nil against an external etcd.
	LeaseRenew func(ctx context.Context, id int64) (ttl int64, err error)
	// HasLeader, when set, reports whether the embedded member Client
	// talks to knows a Raft leader: without one it has lost its quorum
	// (or an election is under way), and Serving is false at once rather
	// than after the quorum probe goes stale. Leave it nil against an
	// external etcd.
	HasLeader func() bool
	// Logger defaults to a no-op logger.
	Logger *zap.Logger

	// MinSessionTimeout and MaxSessionTimeout clamp the timeout a client
	// asks for, as ZooKeeper's minSessionTimeout and maxSessionTimeout
	// (default 2 and 20 ticks of 2 s).
	MinSessionTimeout time.Duration
	MaxSessionTimeout time.Duration

	// MaxDataBytes is the largest znode data accepted (default 0xfffff,
	// 1,048,575 bytes: ZooKeeper's default jute.maxbuffer, which its
	// documentation gives as the largest znode data; a ZooKeeper client
	// reaches at most a little less, as its whole request packet must
	// fit in jute.maxbuffer).
	MaxDataBytes int

	// SuperDigest, "super:<base64 sha1>", lets a session authenticated as
	// that digest user pass every ACL check. Empty disables it.
	SuperDigest string

	// Providers are the authentication providers the ZooKeeper port has
	// besides ip and digest (SASL when it is configured): they decide
	// which ACL schemes create and setACL accept, on every face, as a
	// ZooKeeper server's configured providers do. All the nodes of a
	// cluster should have the same.
	Providers schema.Providers

	// ReaperInterval is how often containers and TTL nodes are checked for
	// removal (ZooKeeper's znode.container.checkIntervalMs; default 60 s).
	ReaperInterval time.Duration

	// MaxBatchOps bounds the etcd operations of one committed batch; it
	// must stay below the cluster's --max-txn-ops. Default 4096.
	MaxBatchOps int
	// MaxBatchBytes bounds the bytes written by one batch; it must stay
	// below the cluster's --max-request-bytes. Default 3 MiB.
	MaxBatchBytes int

	// CommitDepth is the most batches of writes the committer keeps in
	// flight at once, each validated over the writes of those before it
	// (default 1: one batch at a time, which measured faster on a 2-core
	// machine, see BenchmarkPipeline_SequentialOneParent). With
	// EnforceQuota it is 1: a quota's usage is counted as committed.
	CommitDepth int

	// EnforceQuota refuses creates and setData that would take a quota
	// past its hard limit (setquota -N, -B) with QuotaExceeded, and logs
	// writes past any limit, as ZooKeeper's zookeeper.enforceQuota (off by
	// default, as there). It costs each create and setData a read of the
	// limits of every quota root that could govern it, and a write under
	// a limited quota a count of the quota's subtree.
	EnforceQuota bool

	// History describes how far back etcd keeps the changes a read at a
	// past zxid (ReadOptions.AtZxid) can reach, as the node is configured
	// (for example "etcd auto-compaction periodic, 5m"); it is quoted in
	// the error of a read before that history. Empty says nothing.
	History string

	// ChildCacheBytes bounds the memory of the children cache, which
	// keeps the child names of parents read by getChildren (default 64
	// MiB; negative disables it).
	ChildCacheBytes int64

	// KeyCacheBytes bounds the memory of the key cache (keycache.go),
	// the last known state of the keys the committer's batches read and
	// wrote and reads found, which spares reading them again from the
	// store, for the committer and for reads (default 16 MiB; negative
	// disables it).
	KeyCacheBytes int64
}

// Defaults for Config, and the limits Validate holds a Config to.
const (
	DefaultMinSessionTimeout = 4 * time.Second
	DefaultMaxSessionTimeout = 40 * time.Second
	DefaultMaxDataBytes      = 0xfffff
	DefaultReaperInterval    = time.Minute
	DefaultMaxBatchOps       = 4096
	DefaultMaxBatchBytes     = 3 << 20
	DefaultChildCacheBytes   = 64 << 20
	DefaultKeyCacheBytes     = 16 << 20
	DefaultCommitDepth       = 1

	// MinSessionTimeoutFloor is the lowest MinSessionTimeout accepted.
	MinSessionTimeoutFloor = time.Second
	// MinReaperInterval is the shortest ReaperInterval accepted: below
	// it the reapers would do little but scan.
	MinReaperInterval = 10 * time.Millisecond
	// MinBatchOps is the smallest MaxBatchOps accepted: one ZooKeeper
	// write costs a few etcd operations.
	MinBatchOps = 16
	// RecordRoomBytes is what a batch must hold beyond MaxDataBytes for
	// the rest of one znode's record and its parent's.
	RecordRoomBytes = 64 << 10
	// RequestRoomBytes is what an etcd request must hold beyond a
	// batch's bytes (keys, compares, the txn's framing); see BatchLimits.
	RequestRoomBytes = 256 << 10
)

// BatchLimits returns the MaxBatchOps and MaxBatchBytes that fit an etcd
// cluster whose --max-txn-ops and --max-request-bytes are maxTxnOps and
// maxRequestBytes: half the operations (a batch's compares count too)
// and the request size less RequestRoomBytes.
func BatchLimits(maxTxnOps, maxRequestBytes int) (maxBatchOps, maxBatchBytes int) {
	return maxTxnOps / 2, maxRequestBytes - RequestRoomBytes
}

// A LimitError says which Config field is out of range, and why.
type LimitError struct {
	Field  string // the Config field, e.g. "MaxDataBytes"
	Reason string
}

func (e *LimitError) Error() string { return "gateway: " + e.Field + " " + e.Reason }

func (c *Config) withDefaults() Config {
	out := *c
	if out.Logger == nil {
		out.Logger = zap.NewNop()
	}
	if out.MinSessionTimeout == 0 {
		out.MinSessionTimeout = DefaultMinSessionTimeout
	}
	if out.MaxSessionTimeout == 0 {
		out.MaxSessionTimeout = DefaultMaxSessionTimeout
	}
	if out.MaxDataBytes == 0 {
		out.MaxDataBytes = DefaultMaxDataBytes
	}
	if out.ReaperInterval == 0 {
		out.ReaperInterval = DefaultReaperInterval
	}
	if out.MaxBatchOps == 0 {
		out.MaxBatchOps = DefaultMaxBatchOps
	}
	if out.MaxBatchBytes == 0 {
		out.MaxBatchBytes = DefaultMaxBatchBytes
	}
	if out.CommitDepth == 0 {
		out.CommitDepth = DefaultCommitDepth
	}
	if out.ChildCacheBytes == 0 {
		out.ChildCacheBytes = DefaultChildCacheBytes
	}
	if out.KeyCacheBytes == 0 {
		out.KeyCacheBytes = DefaultKeyCacheBytes
	}
	return out
}

// Validate checks c: that it has a Client, and ValidateLimits.
func (c *Config) Validate() error {
	if c.Client == nil {
		return errors.New("gateway: no etcd client")
	}
	return c.ValidateLimits()
}

// ValidateLimits checks the limits and intervals of c (zero fields taking
// their defaults) and returns the first out of range as a *LimitError.
// It needs no Client, so that configuration can be checked before etcd
// is reached.
func (c *Config) ValidateLimits() error {
	d := c.withDefaults()
	if d.MinSessionTimeout < MinSessionTimeoutFloor {
		return &LimitError{"MinSessionTimeout", fmt.Sprintf("must be at least %v, got %v", MinSessionTimeoutFloor, d.MinSessionTimeout)}
	}
	if d.MaxSessionTimeout < d.MinSessionTimeout {
		return &LimitError{"MaxSessionTimeout", fmt.Sprintf("%v is below the min session timeout (%v)", d.MaxSessionTimeout, d.MinSessionTimeout)}
	}
	if d.ReaperInterval < MinReaperInterval {
		return &LimitError{"ReaperInterval", fmt.Sprintf("must be at least %v, got %v", MinReaperInterval, d.ReaperInterval)}
	}
	if d.MaxDataBytes < 0 {
		return &LimitError{"MaxDataBytes", fmt.Sprintf("must not be negative, got %d", d.MaxDataBytes)}
	}
	if d.MaxBatchOps < MinBatchOps {
		return &LimitError{"MaxBatchOps", fmt.Sprintf("must be at least %d, got %d", MinBatchOps, d.MaxBatchOps)}
	}
	if d.CommitDepth < 1 {
		return &LimitError{"CommitDepth", fmt.Sprintf("must be at least 1, got %d", d.CommitDepth)}
	}
	if d.MaxBatchBytes < d.MaxDataBytes+RecordRoomBytes {
		return &LimitError{"MaxDataBytes", fmt.Sprintf("%d leaves less than %d bytes of a batch's %d for the record", d.MaxDataBytes, RecordRoomBytes, d.MaxBatchBytes)}
	}
	return nil
}
