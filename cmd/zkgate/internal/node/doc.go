// Package node runs one zkgate node: an embedded etcd member (etcd's embed
// package) configured from config.Config, with the faces zkgate serves on
// it.
//
// Start validates the configuration, checks that the data dir can be
// written, takes an exclusive flock on <data-dir>/zkgate.lock (failing at
// once if another zkgate holds it, or if another process has the member
// database open, where etcd itself would wait forever for bbolt's lock),
// and starts the member. Ready is closed when the member serves clients,
// which in a cluster needs a quorum.
//
// Close is safe before and after readiness. etcd's own Close waits forever
// when the member never became ready (its client servers wait for
// readiness before they can be stopped); Close stops Raft first in that
// case. When the member is ready, Close gives unary requests a second to
// finish and then cuts long-lived streams (watches, lease keep-alives)
// itself, which etcd would otherwise hold for its whole request timeout
// (7 s by default). It hands leadership to another member when it leads;
// if every peer is already gone, etcd spends up to its request timeout on
// that attempt, so stopping a whole cluster at once can take the last
// leader a few seconds.
//
// Concurrency: Start and Close may be called from any goroutine; Close is
// idempotent. The node's gRPC server list is guarded by mu.
package node
