/*
Package gateway is the ZooKeeper-style namespace engine over etcd: znode
operations as etcd transactions, sessions on leases, watches fanned out
from one etcd watch, and ACL checks. Its semantics follow a real
ZooKeeper 3.8 (measured facts in testdata/zookeeper-3.8-behaviour.md).
It serves nothing itself: zkbridge (the ZooKeeper wire protocol),
gateway/api (zkgate's gRPC and HTTP/JSON API) and the recipes are thin
faces over it. Of zkgate it imports schema only; beyond that, etcd's
client and API packages, etcd's mvcc store and traceutil (for reads
straight from an embedded member, Config.LocalStore, localread.go), zap
and a B-tree (children.go). It imports neither gRPC directly nor the
generated stubs, nor any of its faces.

# Use

	e, err := gateway.New(ctx, gateway.Config{Client: etcdClient})
	s, err := e.CreateSession(ctx, 10*time.Second)
	c := gateway.Caller{Session: s.ID, Auth: identities}
	cr, err := e.Create(ctx, c, gateway.CreateOp{Path: "/app/lock-", ACL: schema.OpenACLUnsafe, Mode: gateway.EphemeralSequential})
	// cr.Path (with its sequence suffix), cr.Stat, cr.Zxid
	r, err := e.GetData(ctx, c, "/app/config", gateway.ReadOptions{MinZxid: lastZxid})
	// r.Data, r.Stat, r.Zxid; with ReadOptions.Watcher, r.Armed.Arm() once replied

Every method is safe for concurrent use. Errors are *schema.Error with
ZooKeeper's codes; each method's doc lists them in ZooKeeper's order of
checks.

For monitoring, Engine.Stats reports the engine's own figures (the
committer's batches and their sizes, redone and overtaken batches, reads
served from the local store, the children cache's hits and misses, the
watch hub's revision), counted with atomics, and HubLag how far the hub
is behind the cluster; Counts (kept by the hub from its events, as
ZooKeeper keeps them in memory: counts.go), WatchCount, WatchesFired and
ApproximateDataSize give what ZooKeeper's mntr reports, QuotaFigures and
QuotaExceeded what its quota gauges and counter do. The engine
exports nothing itself: zkbridge's Prometheus collector reads them at
scrape time (metrics.go).

# Writes

Each write is one etcd transaction, and nothing is ever half applied.
All writes of a gateway node go through one committer goroutine
(commit.go), which does what ZooKeeper's request pipeline does: it takes
the requests waiting, reads every key they need in one round trip,
validates them in order against that state plus the batch's own earlier
writes (view.go; a request that would write a znode the batch already
wrote waits for the next batch, so every change keeps its own watch
event), and commits the whole batch in one transaction whose
comparisons check that no key read has changed. A request that fails
validation is answered with its error and takes no other request down;
a batch whose comparisons fail (another gateway node wrote meanwhile) is
read again and redone. So concurrent writers on any number of gateway
nodes never lose an update, sequence numbers come from the parent's
children meta in etcd (never from memory) and are never issued twice, and
many sessions creating sequential children of one parent cost one Raft
round per batch, not one per create and no retry storm.

A node whose batches keep losing (a Raft follower's transactions take a
hop more to reach the leader than the leader's own node, and with every
node writing under one parent it would lose nearly every time) takes
turns (turn.go): once its oldest request has lost four times, its
committer puts the turn key if no one holds it, reads again and sends
its batch with the key's deletion. Every writing batch compares the
turn key as absent (its holder: as its own), so while one node holds it
the others' batches fail, and their committers send nothing until the
key is gone; the holder commits at the latest on its next attempt. So a
write is never refused for contention, as on ZooKeeper, whose leader
orders every write. A turn whose holder went away is deleted by a
committer that has seen it for a second.

With Config.CommitDepth above 1 the committer pipelines, as ZooKeeper's
PrepRequestProcessor validates against its outstanding changes: while
up to that many batches are in flight, the next is validated against
etcd's state plus their writes and sent at once. Each committer writes
its own chain key (a random id, never reused) in every batch, with a new
sequence number, and a batch sent behind another compares that key to
its predecessor's number: it applies right after its predecessor or not
at all, so batches apply in order and a failed batch takes the later
ones down, to be validated again in order. A key written by a batch in
flight is compared to the state it leaves (its create revision and etcd
version, or its absence); a request that reads a key such a batch
creates, whose revision is not known yet, waits for that batch. A
failed request is answered at its batch's revision, so a session's
answers never go back in zxid. Transactions are sent from goroutines of
their own, and a batch that reached etcd before the one it follows would
fail and take every later batch down: each waits until its predecessor
has been handed to etcd, plus 200 µs (under 1% overtaken at depth 4,
against 12% without). The default depth is 1: on loopback, with clients
that wait for their answers, one batch at a time already carries every
waiting request, and batches in flight together split them into smaller
ones, each its own WAL sync (`set` 12.9k ops/s at depth 1, 8.7-9.6k at
depth 4); it pays where a Raft round is long (members far apart).

Once the batches in flight fill the depth (at depth 1: while one batch
is in flight), the requests that arrive are validated over them as they
come, into a staged batch, by the same rules; it is sent the moment the
oldest batch in flight commits, so validation takes no time between two
transactions and the staged batch still carries every request that
arrived meanwhile. When that batch fails instead, or its outcome is not
known, the staged requests are validated again after its own.

Measured with BenchmarkCreate_SequentialOneParent (32 writers, 256-byte
values, one parent, in-process etcd 3.7.3, on a 2-core machine):
11,800 sequential creates/s, against 16,800 plain etcd puts/s to distinct
keys measured by BenchmarkReference_PlainPuts in the same run (0.70x).
A real ZooKeeper 3.8 did about 9,500/s on the same kind of machine.

# Reads and ordering

Reads are served from the local member without a Raft round, at the
revision the watch hub has dispatched (hub.go), so a reply never
reflects a change whose watch events are not yet queued; a write returns
only once its own events are dispatched. Every read takes the caller's
last seen zxid (ReadOptions.MinZxid) and waits until the hub has
reached it, so a session never goes back in time, also after moving to
another gateway node; Sync returns a zxid covering every write committed before it. Against
an external etcd cluster the same holds: the hub watches the member the
client talks to, and a read that meets a member behind it is retried
linearizably.

In `zkgate serve` (embedded member, Config.LocalStore), serializable
reads, and the committer's first read of a batch's keys, come straight
from the member's MVCC store in one read transaction (localread.go): the
same data at the same revision as etcd's serializable Txn, without its
request path, which cost more than the read itself (profile of zkgate
bench get: 35% of CPU in EtcdServer.Txn before, 23% in localRead after;
get went from about 22k to 34-47k ops/s). After a lost compare the
committer rereads from the store too: the member has applied up to the
failed transaction's revision before answering it.

The key cache (keycache.go, Config.KeyCacheBytes) keeps the last known
state of the keys the committer read and wrote and of those reads at the
hub's revision found in the store, each as of a revision; the hub drops
an entry when an event of a later revision touches its key, under the
lock that moves its clock. A read at the hub's revision whose keys are
all there, each as of that revision or before, is answered from it
without reading the store (keyCache.getAt): no event up to the hub's
revision changed them since (bench get on a fresh node: 45-47k to 65k
ops/s). Past reads (ReadOptions.AtZxid) and reads with ranges always
read the store, so a compacted zxid still answers as etcd does. The
cache counts against its bound what each entry holds: key, value, the
entry and, for a znode's record, the record decoded once for the reads
that share it (its data shares the value's bytes).

getChildren takes child names from the children cache (children.go):
per parent a copy-on-write B-tree kept by the hub from the same events,
under the lock that moves its clock, so a copy taken with the hub's
revision is exactly the children at that revision; only the parent's
records are read from etcd. A parent's set is loaded by its first read
(the changes arriving meanwhile applied after), the cache is bounded by
Config.ChildCacheBytes (least recently read sets dropped), and cleared
when the hub misses events (compaction). getChildren of a parent of 1,000
went from 2.7k to 12k ops/s. Reads of a parent that has not changed share
one sorted list of its names (made by the first read after a change and
kept only if nothing changed meanwhile): ChildrenResult.Children may be
that shared list, which no caller modifies.

# Sessions

A session is up to two etcd leases: the session lease (TTL = the
negotiated timeout, clamped to [MinSessionTimeout, MaxSessionTimeout])
holds the session record, keyed by the session id (random, positive, 63
bits, written only if no record has it) and holding the password and the
leases, so any gateway node can resume it; the ephemeral lease (twice the
TTL) holds the session's ephemerals. The ephemeral lease is taken with
the session's first ephemeral (ephlease.go: from the pool before the
request is queued, written into the record by the same transaction as
the ephemeral), so a session that creates none holds one lease. Leases come from a pool
(leasepool.go) of leases granted ahead of need and of leases handed on by
closed sessions, so opening a session waits for one Raft round (the
record) and closing one revokes nothing: a close deletes the record and
the ephemerals in transactions, and the leases, empty, serve the next
sessions. (etcd syncs its database to disk for every lease it revokes; a
revocation per close bounded sessions closed per second by the disk.)
Ids are never reused: a client of a closed session that comes back with
its id and password is told the session expired. When the session lease expires, every gateway node
sees the record's deletion; the nodes that served the session (created
its ephemerals or kept it alive) remove its ephemerals in one
transaction that updates each parent's cversion, numChildren and pzxid as
explicit deletes would, and the others only look, a quarter of the
session's timeout later (two seconds at most), for ephemerals left by a
node that went away with the session: two nodes removing the same
ephemerals would lose each other's compares, and redo every other write
of their batches. A session with more ephemerals than one
transaction holds (MaxBatchOps/8) loses them in several, each queued once
the one before has committed, so that other sessions' writes go between
them rather than waiting for the whole removal; on one node, a close and
the expiry watch share one removal. If no gateway runs, the ephemeral lease expires
too and etcd deletes the ephemerals itself; the next gateway to start
finds them in the ephemeral index and repairs the parents' Stat.

Serving (quorum.go) tells the ZooKeeper port whether this node can keep
sessions alive: its member knows a leader (Config.HasLeader) and a
linearizable read, made every 500 ms, has succeeded within 3 s. A member
that hears its leader but cannot be heard only fails the second check.
QuorumLost is the second check alone: true once the member has been cut
off for longer than an election, which is when zkgate's gRPC services
refuse with "no quorum" (during an election they wait for the new
leader). The probe logs one line when the quorum has been lost for 3 s
and one when it is back, not one per probe.

# Watches

One etcd watch per gateway node covers all of zkgate's keys; the hub turns
node-key events into ZooKeeper events (hub.go; the watch API is in
watches.go) and fans them out in memory to the registered watches
(one-shot data and child watches, persistent and persistent-recursive),
delivering each change at most once per Watcher, in the order of the
changes. As ZooKeeper 3.8, a Watcher has at most one
watch mode per path in each of ZooKeeper's two tables (data, child), the
last one set: a one-shot watch set over a persistent one turns that
table's half of it one-shot. A Watcher that tells its identities
(AuthWatcher: ZooKeeper connections) gets an event only if they may READ
the node it is about (the parent for NodeChildrenChanged), as ZooKeeper
delivers events since CVE-2024-23944; the hub keeps every ACL that is not
world:anyone:cdrwa in memory, from the same etcd watch, to judge. A watch set by a read (ReadOptions.Watcher) holds its events until
the caller has queued the read's reply (the result's Armed.Arm). If etcd compacts past
the hub (it fell minutes behind), every one-shot watch fires and the hub
resumes from the current revision. The hub also lists each Watcher's
watches, as ZooKeeper's WatchManager lists each watcher's paths, so that
a connection that closes (Forget) costs its own watches, not a scan of
every watch on the node.

For monitoring (ZooKeeper's mntr, wchs, wchc, wchp; stats.go): WatchCount
counts the node's watches, DataWatches lists those ZooKeeper keeps in its
data-watch table by path, WatchesFired summarises how many watches each
event type fired (kept by the hub under its lock as it fires them), and
ApproximateDataSize sums the length of every znode's path and data, as
ZooKeeper's approximate_data_size, reading the namespace from the member
in pages of a thousand znodes.

# Quotas

A quota on /app is kept where ZooKeeper 3.8 keeps it (quota.go):
/zookeeper/quota/app/zookeeper_limits holds its limits and
/zookeeper/quota/app/zookeeper_stats reads "count=N,bytes=B", the znodes of
/app's subtree (/app included) and their data bytes. ZooKeeper rewrites
the stats in memory on every write under /app; zkgate writes nothing and
counts the subtree from etcd when the stats are read (getData, exists,
getChildren, getACL, multiRead), at the revision the read is served at,
so a read of the stats costs a read of the subtree's records. Their Stat
is the stats znode's own (version and mzxid as written, no watch event as
the counts change) with the computed text's dataLength, as ZooKeeper's.

Config.EnforceQuota (--zk-enforce-quota) is ZooKeeper's
zookeeper.enforceQuota: a create or setData under a quota with limits is
checked, after the checks ZooKeeper makes first (NodeExists,
NoChildrenForEphemerals; for setData NoAuth, and before the version),
against the deepest quota root above it and that quota's usage as
committed before the batch, as ZooKeeper checks against its committed
tree (so the creates of one multi each see the state before the multi).
Past a limit it logs ZooKeeper's line ("Quota exceeded: /app [current
count=4, hardCountLimit=3]"); past a hard limit the write fails with
QuotaExceeded. Each such check counts the quota's subtree: etcd's index
alone for a count limit, every record for a byte limit. Writes checked
on different gateway nodes at the same moment do not see each other, as
pipelined requests do not in ZooKeeper.

Measured with BenchmarkQuota_StatsRead10k and
BenchmarkQuota_EnforcedCreate10k (one writer, a quota over 10,000
znodes of 256 bytes, in-process etcd 3.7.3, 2-core machine): a read of
the stats took about 15 ms; with EnforceQuota a create took 0.64 ms
without a quota, 1.1 ms under a count limit and 15 ms under a byte
limit. Byte limits on large subtrees are therefore costly to enforce;
count limits are not.

# History

zxids are etcd revisions, and etcd keeps every revision until it
compacts it (serve --history-retention), so the engine answers for the
past (history.go). A read with ReadOptions.AtZxid reads the znode's
three keys (and its children's, never the children cache) at that
revision: exactly what a read served there answered, the permission
checked against the ACL of the time. Replay gives the events a
persistent watch set at a past zxid would have fired: a hub of its own,
seeded with the ACLs at that zxid, fed etcd's events from it (an etcd
watch from that revision, ended by a progress request once it has
passed the zxid to stop at); the Watch API registers the live watch
first and replays up to its zxid, so a change feed has no gap and no
duplicate. History lists a znode's or subtree's changes from the same
events, read with their previous values: a node key's creation, put or
deletion is a create, setData or delete (a record created anew by a
multi is both), an ACL key's change without its node's a setAcl. Every
batch writes the time it was validated at (the ctime and mtime of its
znodes) into its committer's chain key, so deletions and ACL changes
have a time too, and the sessions whose requests deleted znodes, one per
deletion in the order of their events; node and ACL records name the
session that wrote them (schema.Node.Writer), so History lists the
session of each change as ZooKeeper's transaction log keeps it (the
removal of a closed or expired session's ephemerals is that session's).
ZxidAt finds the last zxid at or before a time by
a binary search over the revisions, reading the newest chain key at
each. A committer leaves its chain key when it stops; an engine that
starts deletes those whose last batch compaction has passed. A zxid
before the history kept is BadArguments naming the oldest one reachable
(OldestZxid: the embedded member's compaction revision, or what a watch
from revision 1 is told by an external etcd).

# Known differences from ZooKeeper

Each is kept because matching it would cost more than any client gains;
the reason follows each.

  - A failed write consumes no zxid (ZooKeeper logs an error transaction).
    zxids are etcd revisions, which move only on a committed change; a
    client sees zxids only as an order (setWatches, a reconnect's last
    zxid seen), and the order is kept.
  - Children are listed sorted; ZooKeeper lists them in hash order.
    ZooKeeper promises no order, and clients that need one sort (kazoo,
    Curator and zkCli.sh's ls all do); sorted is one of the orders a
    ZooKeeper client must already accept.
  - Session timeouts are rounded up to whole seconds (etcd lease TTLs).
    The negotiated timeout the client is told is the one it asked for
    (clamped as ZooKeeper clamps); a session whose client has gone
    expires at most one second later than ZooKeeper would expire it,
    which is within ZooKeeper's own tick (2 s by default).
  - zookeeper_stats always reads what its quota's subtree holds. ZooKeeper
    keeps running totals instead, which drift from the subtree in three
    cases zkCli.sh never produces: quotas nested by writing
    /zookeeper/quota directly (ZooKeeper counts each write only in the
    deepest quota above it, so the outer stats stop counting the inner
    subtree), a client's setData of zookeeper_stats (ZooKeeper keeps the
    written text and adds later changes to it, and stops serving at the
    next write under the quota if it cannot parse the text; zkgate keeps
    the write, version and all, but reads still show the count), and a
    stats znode without a limits znode beside it (ZooKeeper counts once,
    at its creation). Counting on read keeps the stats true whatever
    wrote them, and costs writes nothing.
  - A reconnect keeps the session's timeout: ZooKeeper 3.8 negotiates it
    again from the reconnect's request and answers the new value; a
    session is an etcd lease, whose TTL etcd cannot change, so zkgate
    answers the timeout the session has and keeps to it. Clients take
    the answered value.
  - A multi that writes one znode more than once (created then deleted,
    two setData) fires the events of its net change, once; ZooKeeper
    fires each op's. A multi is one etcd transaction, which holds one
    write per key, and watches follow etcd's events; the state a client
    reads after its events is the same. (A znode deleted and created
    again by one multi is told apart, see schema.Node.Czxid, and fires
    both.)

# Lock order

The engine has one mutex, the watch hub's (hub.mu, hub.go), and only
hub.go takes it. It guards the watch tables, the clock (the revision
dispatched), the children cache (children.go) and the ACLs the hub keeps.
The rest of the package calls the hub's methods, each of which holds
hub.mu for its own span, never across a call to etcd or a wait (hub.wait
blocks with it released), and watches registered together (SetWatches,
AddWatch's two halves) are added under one hold, at one revision. The
committer is one goroutine fed by a channel (commit.go) and the quorum
probe keeps atomics, so neither takes a lock.

hub.mu is held while the hub calls out: Watcher.Notify and
AuthWatcher.WatchAuth. They must therefore not block, nor call back into
the engine (whose watch methods take hub.mu). So hub.mu comes first: a
lock a Watcher takes in Notify (a connection's queue lock) is taken after
hub.mu, and must never be held while calling the engine.
*/
package gateway
