// Package migrate moves a tree between a live ZooKeeper ensemble and
// zkgate, either way, or between two of either: a ZooKeeper is read and
// written through the ZooKeeper protocol (go-zookeeper, type ZooKeeper),
// a zkgate through its namespace gRPC API (type Zkgate). A ZooKeeper
// session is opened by zkdial within a bound (DialZooKeeper's
// dialTimeout): an address that refuses, or accepts and never answers,
// is an error of one line naming it and the cause.
//
// Both sides are read as Trees (tree.go): a znode's children, data, ACL
// and kind (persistent, ephemeral, container, TTL, from its Stat's
// ephemeralOwner, which ZooKeeper and zkgate encode alike). Diff (diff.go)
// walks both trees breadth-first from a path, in sorted order, and
// reports every path present on one side only and every znode whose data,
// ACL or kind differs (null data differs from empty data, as both servers
// keep them apart); /zookeeper, the servers' own subtree, is skipped.
// Ephemerals are skipped too, as Copy skips them: the source's, and the
// destination's where the source has none, are listed apart in
// DiffResult.Ephemerals, with what the other side has there, unless Diff
// is asked to include them.
//
// Copy (copy.go) walks the source the same way and makes each znode of
// the destination, a Dest (dest.go), what the source's is: created with
// its data, ACL and kind (a TTL node with the TTL its ephemeralOwner carries), or, when it
// exists, given the source's data and ACL: so a copy that was interrupted
// is resumed by running it again. Ephemerals are listed, not copied, and
// so is /zookeeper. A digest ACL read without ADMIN permission comes back
// masked ("user:x"): such a znode is reported, never copied with a wrong
// ACL. With Options.Delete (CopyWith, and Follow's first pass) the
// destination's children that the source lacks are deleted too, with
// what is under them, but for the destination's ephemerals
// (CopyResult.Kept): a tree that held the source's before, such as
// ZooKeeper's on the way back, is made the source's again, and nothing
// deleted since comes back. CopyResult counts each znode it reached in
// exactly one place
// (CopyResult.Seen adds them up), so that the total matches the source's
// own count, CountZnodes of the root less that of /zookeeper: the number
// zkgate migrate announces before the copy. The root's ancestors are
// counted apart.
//
// Last, each parent's sequence counter (the half-sum of its cversion and
// numChildren in the source) is carried over, so that a sequential create
// in the destination never reuses a number the source issued, and the
// parent's cversion matches the source's: in zkgate with its
// RaiseSequence, in ZooKeeper, which has no such request, by creating and
// deleting a scratch child (zkgate-raise-sequence) as many times as the
// counter must move, 1,000 times to a multi, one transaction each
// (measured in gateway/testdata/zookeeper-3.8-behaviour.md, "Raising a
// sequence counter"). A TTL node goes into a ZooKeeper only if it has TTL
// nodes enabled: Copy probes it first (a TTL create under a missing
// parent, NoNode or Unimplemented, which writes nothing) when the source
// shows TTL nodes, and stops before anything is written if not.
//
// Follow (follow.go) is the copy of --follow, from a tree read through
// the ZooKeeper protocol (a ZooKeeper, or zkgate's own ZooKeeper port) to
// either kind of Dest: each znode is read with a
// data watch and each parent with a child watch set by the same read, so
// every change after a read fires, during the copy or after it; a fired
// znode is read again (re-arming its watch) and put, or removed when it
// is gone. Its first pass goes one level at a time, the znodes of a
// level side by side, as Copy's; the events that fire meanwhile wait in
// the queue. FollowZkgate (follow_zkgate.go) follows a zkgate through its
// gRPC API instead: one persistent recursive watch on the root, opened
// before a CopyWith, then each event's znode read again and put or
// removed, and after a creation the parent's counter carried over as it
// was at the event's zxid (a read at that zxid): the creations still to
// come add one on both sides. Neither removes an ephemeral of the
// destination's own sessions (an owner that moved has made it). A deletion is checked by reading again, since the znode may
// have been created anew meanwhile, which fires nothing else. The
// source's watch events arrive through go-zookeeper's event callback into
// an unbounded queue, so its receive loop never waits. ACL changes fire
// no watch in ZooKeeper; a final copy or diff catches them.
//
// A dump (dump.go) is a subtree read at one zxid (Zkgate's reads at a
// past zxid), written by WriteDump as JSON lines: a header naming the
// format, the path and the zxid, then each znode with its data (base64,
// null kept apart from empty), Stat, ACL and kind, parents before
// children, the root's ancestors first. ReadDump parses a whole dump, each
// fault an error naming its line, into a Dump: a Tree, so that Copy
// restores a dump (sequence counters from its Stats) and Diff compares
// one, as they do a live source. A znode the dump's credentials could not
// read is a line of its own and reads back as ErrNoAuth.
//
// DiffResult.Status is zkgate diff's exit status: 0 for the same trees,
// 1 if they differ, 2 if an ACL kept a znode from being compared.
//
// Caveat: a ZooKeeper 3.8 server, and zkgate which matches it, shows
// ephemeralOwner 0 to clients for containers and TTL nodes (see
// gateway/testdata/zookeeper-3.8-behaviour.md), so read through the
// ZooKeeper protocol they are persistent znodes to Diff and Copy, and are
// copied as such (Node.KindHidden: Diff and Copy then take persistent,
// container and TTL for one kind). zkgate's GetData says what they are
// apart (mode, ttl_ms), and so do dumps: from zkgate, or a dump, they are
// copied as such, into ZooKeeper too.
//
// The tests (migrate_test.go) run Copy, Diff and Follow against real
// zkgate servers in the test process (gateway/gatewaytest): the source
// read through its ZooKeeper port, as an ensemble would be, the
// destination through its namespace gRPC API. The e2e tests run them
// against a real ZooKeeper 3.8 in every direction
// (e2e/migrate_back_test.go, e2e/migrate_kazoo_test.go).
//
// Copy works one tree level at a time, its znodes side by side (--parallel),
// so a parent is always in before its children.
//
// With a chroot, "/zookeeper" under it is skipped as if it were the
// server's own.
package migrate
