/*
Package recipes serves the classic coordination recipes as gRPC services
(schema/proto/zkgate/v1/recipes.proto): Election, Lock (with a read
side), Semaphore, Barrier, DoubleBarrier, Queue and Counter. They are
built from the namespace engine (package gateway) alone: every recipe is
ordinary znodes, visible through every face of zkgate, and holds no state
in the server between calls. Package recipes/client is a Go client.

# Interoperability

The point of doing recipes on ZooKeeper paths is that, during a
migration, services that still use a ZooKeeper client's recipes
coordinate with services that moved to zkgate's. So each recipe follows
the node names, data and ordering rule of an existing implementation
exactly (layout.go):

  - kazoo (the default layout): Lock, WriteLock and ReadLock contenders
    are ephemeral-sequential "<uuid hex>__lock__" or "__rlock__" + the
    sequence number; a writer waits for the greatest earlier contender, a
    reader for the greatest earlier writer (kazoo's current rule; kazoo
    2.8.0 made readers wait for the greatest writer of any sequence, which
    can deadlock with a later writer). Election is kazoo's Election, that
    is its Lock with the candidate's value as node data. Semaphore, Barrier,
    DoubleBarrier, Queue and Counter follow kazoo's recipes of the same
    names, down to the sibling lock "<path>-__lock__" of a semaphore and the
    "ready" child of a double barrier;
  - Curator (Layout LAYOUT_CURATOR): InterProcessMutex "_c_<uuid>-lock-"
    and LeaderLatch "_c_<uuid>-latch-" nodes in protected mode, every child
    a contender, sorted by the text after the last "lock-"/"latch-"; the
    Counter is SharedCount's 4-byte big-endian integer.

Sequence numbers come from the parent's cversion, which every client of
the path shares, so waiters of every kind form one first-come,
first-served queue.

# How a blocking call waits

A contender waits the way kazoo and Curator do: it reads the children,
finds the one contender it must wait for, and sets an exists watch on it
(and on itself, so that losing its own node, when its session ends,
ends the wait); a change wakes only the next in line, never the whole
queue. The watch is a gateway.Watcher registered with the engine for that
one wait and forgotten afterwards. When the caller's deadline passes or
the call is cancelled, the contender it created is deleted before the
call returns (call.leave), so an abandoned Lock does not block the queue.

Contenders belong to the caller's session (RequestContext.session_id),
which the caller keeps alive; the server keeps nothing per caller, so a
crashed caller is handled by session expiry like any ZooKeeper client.

# Fencing

A holder's key carries token, the contender znode's creation revision,
and etcd_key, the znode's etcd key: the compare
CreateRevision(etcd_key) == token in an etcd transaction holds exactly
while the contender lives. Contenders created in one batched transaction
share a revision, so the token only never decreases; sequence, the
znode's sequence number, strictly grows with each holder.
*/
package recipes
