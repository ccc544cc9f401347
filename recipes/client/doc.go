// Package client is a small Go client for zkgate's recipe services
// (package recipes) over gRPC: Mutex (with a read side), Election,
// Semaphore, Barrier, DoubleBarrier, Queue and Counter.
//
// Dial connects to a cluster through a list of endpoints, as clientv3
// does; a Session opens a zkgate session on it and keeps it alive in the
// background; the locks and elections made from it hold their
// contenders in it, so when the process dies the session expires and
// what it held is freed.
//
//	conn, err := client.Dial(ctx, []string{"http://127.0.0.1:2379", "http://127.0.0.1:22379"})
//	if err != nil { ... } // "cannot reach http://127.0.0.1:2379: connection refused", ...
//	defer conn.Close()
//	s, _ := client.NewSession(ctx, conn, client.WithTimeout(10*time.Second),
//		client.WithStateListener(func(st client.State) { ... })) // Suspended, Connected, Lost
//	defer s.Close()
//	m := client.NewMutex(s, "/locks/job")
//	if err := m.Lock(ctx); err != nil { ... }
//	// ... m.Token() fences writes; stop at once when m.Lost() closes ...
//	m.Unlock(ctx)
//
// NewSession also takes a plain *grpc.ClientConn (one endpoint, no
// retries).
//
// # Several endpoints
//
// Dial keeps one gRPC connection per endpoint and sends each request to
// the current one while it is connected, else to the next connected one
// in the list. A request that fails because the endpoint cannot be
// reached moves later requests to the next endpoint; so does a
// retryable request that gets no answer within the dial timeout (an
// endpoint cut off by a partition still looks connected). A session
// needs nothing more to move: the server keys sessions by id and
// password, so a keepalive, lock or campaign sent to another node
// continues the same session with the same contenders.
//
// # Which requests are retried
//
// A request is retried (on the next endpoint, with a short backoff,
// until its context ends) when the endpoint could not be reached, did not
// answer within the dial timeout, or answered that etcd has no leader
// now ("etcdserver: request timed out", "leader changed", "no leader",
// ConnectionLoss): but only when sending it twice is harmless.
//
//   - Reads (Exists, GetData, GetChildren, GetAllChildrenNumber,
//     GetEphemerals, GetACL, Sync, Holder, Leader, Holders, Len, Counter
//     Get): safe.
//   - KeepAlive and ResumeSession renew a lease: safe.
//   - CloseSession: safe; a second one answers SessionExpired, which
//     Close takes as success.
//   - Unlock and Resign delete the caller's own contender and answer
//     success when it is already gone (recipes' release): safe.
//   - CreateSession: retried. If the first attempt was applied but its
//     answer lost, it leaves a session nobody knows, with no ephemerals,
//     that expires after its timeout: harmless.
//   - Lock, TryLock and Campaign are NOT retried: each call creates a new
//     ephemeral-sequential contender (recipes' call.enter) with a fresh
//     node name, so a retry after an attempt that was applied would queue
//     the session behind its own orphan contender, which waits forever.
//     A server that sees the call's context end deletes its contender,
//     but a node that dies mid-call cannot. Such a failure (an
//     *EndpointError, or Unavailable) is returned to the caller, whose
//     session lives on: closing the session removes the orphan, or a
//     caller that knows which contenders under the path are its own can
//     delete the orphan (the session's ephemeral not held by another of
//     its Mutexes) and call again. zkgate lock and elect, with one
//     contender per session, do exactly that.
//   - Writes (Create, Delete, SetData, SetACL, Multi, the other recipes'
//     calls): not retried; a sequential create, for one, is not
//     idempotent.
//
// # Suspended and lost
//
// A session renews itself every timeout/4 and, after a failure, every
// timeout/20 (each time on whichever endpoint is current). Like Curator's
// ConnectionStateListener and kazoo's add_listener, WithStateListener
// reports:
//
//   - Suspended after a third of the timeout without a successful
//     keepalive: the session may still live; a careful holder pauses;
//   - Connected when one succeeds again;
//   - Lost when none has succeeded for lostAfter(timeout) = the timeout
//     less a guard of a tenth of it (at most 1 s), or the server answered
//     SessionExpired. The session then ends here: Done (and Mutex.Lost,
//     Election.Lost) close, Err holds ErrSessionEnded and ErrSessionLost,
//     and every later request of the session fails.
//
// Why the client is told first. The server expires a session when its
// lease has not been renewed for the lease TTL: the negotiated timeout
// rounded up to whole seconds (gateway.leaseTTL), and etcd only ever
// lengthens a lease's life (a new leader restarts every lease's clock).
// A keepalive renews the lease at some instant between the moment the
// client sends it and the moment the answer arrives; the client does not
// know which, but it knows the renewal was not before the send. So the
// client counts from the send time of the last keepalive that
// succeeded, lastOK (and, before any, from the send time of
// CreateSession): the server cannot expire the session before
// lastOK + timeout, and the client declares it lost at lastOK +
// lostAfter(timeout), before that. Counting from the time the answer
// arrived would be wrong: a slow answer would let the client believe in
// a session the server has already let go. The guard covers what comes
// after the declaration: the holder must hear of it and stop (zkgate lock
// sends its command SIGTERM), and the two machines' clocks may run at
// slightly different rates. A new holder can get the lock only after
// the expiry, and after etcd commits the lease's revocation and the
// gateway deletes the session's contenders, which adds hundreds of
// milliseconds more.
//
// What this cannot cover: a process that is paused (stopped, swapping,
// a long GC pause) past the guard keeps working on a lock it no longer
// holds, as with any lease-based lock, ZooKeeper's included. Writes
// that must never overlap should be fenced with the lock's token
// (Mutex.Token).
//
// # Errors
//
// Failures to reach an endpoint are *EndpointError, whose text is one
// line naming the endpoint and the cause ("cannot reach
// http://127.0.0.1:9: connection refused", "http://127.0.0.1:2379: no
// answer within 2s", "127.0.0.1:2379 serves TLS: use https://",
// "https://127.0.0.1:2379: the server requires a client certificate").
// Describe turns any error of the package into such a line, ZooKeeper
// errors into ZooKeeper's terms and etcd's lack of a leader into
// "no quorum: ...".
//
// Every call through a Conn, and every call of a Session on any
// connection, has its error converted so once, by a unary and a stream
// client interceptor (convert.go), before any method of this package
// sees it: a ZooKeeper error the server answered is a *schema.Error in
// the chain (errors.Is(err, schema.ErrNoNode), schema.CodeOf(err)) that
// still reports the status the server sent (status.Code(err)); any other
// error is as Describe gives it. The package imports schema for this,
// never the namespace engine, and so does not depend on etcd's server
// (deps_test.go keeps it so).
package client
