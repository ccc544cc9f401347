// Package node runs one zkgate node: the namespace engine and the faces
// zkgate serves, over an etcd that is either a member embedded in the
// process (etcd's embed package) or a cluster the node does not run
// (--etcd-endpoints).
//
// Start takes Options (options.go, options_tls.go): a documented struct
// with DefaultOptions and Validate, each field one option of `zkgate
// serve`, whose errors are *FieldError naming the option. The node reads
// no flags, environment or files; the config package does (viper) and
// embeds Options in its Config. The namespace engine's defaults and
// limits are the engine's own: DefaultOptions takes them from gateway,
// Engine translates the options into a gateway.Config, and Validate runs
// gateway.Config.ValidateLimits on it, so that options that pass Validate
// start.
//
// The two modes are two types behind one interface, backend (node.go):
// embedded (embedded.go, with noquorum.go and quorum.go) runs the member
// and registers the namespace's gRPC service on etcd's servers; external
// (external.go) dials the cluster and serves the namespace API on the
// listen client URLs itself. Node holds what both share (configuration,
// loggers, the ZooKeeper face in zk.go, Ready) and hands Err, Stopped,
// Faces and Close to its backend. embedded extends its Node (it embeds
// *Node), so its methods use the configuration and the ZooKeeper face
// directly.
//
// Start validates the configuration and starts one of the two. For an
// embedded member it checks that the data dir can be
// written, takes an exclusive flock on <data-dir>/zkgate.lock (failing at
// once if another zkgate holds it, or if another process has the member
// database open, where etcd itself would wait forever for bbolt's lock),
// refuses a data dir that holds another member than the one configured
// (member.go: etcd identifies a restarted member by its WAL and ignores
// --name, so such a node would pose as the other member and wait for a
// quorum forever; the error names both members), and starts the member.
// Ready is closed when the member serves clients, which in a cluster
// needs a quorum.
//
// Without a quorum the node answers at once instead of leaving clients
// waiting (noquorum.go). etcd serves its client listeners only once the
// member is ready; until then the node accepts on them itself and
// answers /health with 503 and etcd's JSON ({"health":"false","reason":
// "RAFT NO LEADER"}, as etcd's own /health answers on a member without a
// leader), /livez and /readyz as etcd's checks would (healthz.go: readyz
// 503 with linearizable_read failed), ZooKeeper's AdminServer commands
// with ZooKeeper's not-serving error (admin.go), other HTTP paths with
// 503, and every gRPC call with
// Unavailable "no quorum: ..." (NoQuorum), which etcd's clients and
// zkgate's take as "try another endpoint". Once the member is ready, the
// connections it served are closed (their clients reconnect to etcd) and
// the one connection its accept loop may still take is relayed to etcd.
// A running member that loses its quorum is served by etcd. /health is
// then zkgate's handler in front of etcd's (healthHandler): 503 at once
// ("RAFT NO LEADER", or "NO QUORUM: ...") while gateway.Engine.Serving
// is false, else etcd's own check bounded to 900 ms (etcd's linearizable
// read waits 7 s on a member that has just lost its quorum but still
// believes in a leader). zkgate's own gRPC services (namespace, recipes)
// refuse with the same Unavailable "no quorum" once the quorum has been
// lost for longer than an election (gateway.Engine.QuorumLost), rather
// than wait for etcd's request timeout; during an election they wait for
// the new leader, as etcd's requests do. etcd's own API is left as
// etcd serves it. /livez and /readyz are zkgate's (healthz.go) with
// etcd's checks, names and answers, linearizable_read failing at once
// without a quorum as /health does.
//
// ZooKeeper's AdminServer commands (/commands/NAME, package
// zkbridge/admin) are served on the client URLs beside etcd's API, and
// with --admin-listen on a port of their own (ZooKeeper's
// admin.serverPort), TLS when the client URLs are https; they read the
// ZooKeeper face's state, and answer an error when it is not served.
//
// The ZooKeeper port (--zk-listen, --zk-secure-listen) is opened and served
// by Start, before the member has a quorum: until the engine runs, and
// whenever it cannot reach a quorum, the port answers four-letter words and
// refuses handshakes at once, as a ZooKeeper server without a quorum does
// (zkbridge's doc). startEngine hands the engine to it (setZKEngine).
// The ZooKeeper face reports the member's Raft group (quorum.go): the
// members numbered in member-ID order as ZooKeeper's server ids, and on
// the leader the progress of each peer from etcd's raft status (which
// etcd publishes only as the expvar "raft.status"), and since when the
// member leads (trackLeadership follows etcd's leader changes). conf and
// dirs report the member's snap and wal directories as ZooKeeper's
// dataDir and dataLogDir. The ZooKeeper face's Prometheus collector
// (ZooKeeper 3.8's metric names, and zkgate_'s own; zkbridge's doc) is
// registered on the default registry when the face starts and taken off
// when it stops (metrics.go); /metrics serves that registry in both modes.
// A second node in one process finds it taken and leaves it to the first.
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
// TLS: the client and peer certificates map onto etcd's ClientTLSInfo and
// PeerTLSInfo, so https URLs behave as in etcd. The namespace's HTTP API
// reaches its gRPC service on the first client URL; on an https URL it
// does so as etcd's own HTTP gateway does, presenting the server
// certificate and trusting the local listener. --zk-secure-listen serves
// the ZooKeeper protocol with the client port's certificate settings
// (etcd's server TLS configuration, without HTTP/2 negotiation).
//
// etcd authentication: the namespace engine talks to the member through an
// in-process client (newInProcessClient, etcd's v3client with an
// identity). Every request it makes carries the token of --etcd-user, kept
// and checked against the member's auth store before use, obtained again
// when the member no longer accepts it, and a request refused for its
// token (expired, outdated auth revision, auth turned on meanwhile) is sent
// once more with a fresh one: etcd refuses those before applying anything.
// Streams (watch, lease keep-alive) get a valid token each time etcd asks
// for their context. The sessions' lease renewals (opening a session,
// every ping) call the member's own renewal with that identity
// (gateway.Config.LeaseRenew) rather than opening a keep-alive stream for
// each. Whatever identity the namespace caller's context
// carries (gRPC metadata, a TLS peer) is replaced, so a caller never acts
// as another etcd user through the namespace. Reads served from the
// member's MVCC store (gateway.Config.LocalStore) are not checked by etcd
// at all. In front of an external etcd, clientv3 does the same with
// Username and Password.
//
// Concurrency: Start and Close may be called from any goroutine; Close is
// idempotent. Node.mu guards the ZooKeeper server and, for an embedded
// member, its gRPC server list and its engine.
package node
