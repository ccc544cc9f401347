/*
Package zkbridge serves the ZooKeeper client protocol, so unmodified
ZooKeeper clients (Java, kazoo, go-zookeeper, the C client) use zkgate as
if it were a ZooKeeper ensemble. It translates packets into calls of the
namespace engine (package gateway) and holds no namespace logic of its
own; the wire codec is package zkbridge/jute, and zkbridge/zkraw is a
raw client over it (for tests, the scale benchmark and migrate's count).

# Design

A Server accepts connections on the --zk-listen listener (Serve) and, for
ZooKeeper's secureClientPort, on a TLS listener (ServeTLS, --zk-secure-listen):
there the TLS handshake runs first, on the connection's goroutine and
within HandshakeTimeout, and a client that fails it (plaintext, or without
a certificate the server trusts) is closed with a log line; then both
kinds of connection are served alike. The first four bytes of a
connection decide what it is: a four-letter word (answered, if the
whitelist allows it) or the length of a ConnectRequest.

A four-letter word's connection, and one refused without a quorum, is
closed gracefully (linger in conn.go): FIN after the answer, then what the
client still sends is read and dropped until it closes too, for at most
1 s and 64 KiB. Closing a socket with unread input makes the kernel send a
reset, and `echo ruok | nc` (whose newline the server never needs) would
lose its answer.

The Server serves its listeners from the start of a node, before the node
has an engine (Config.Engine nil; SetEngine gives it later): a member
waiting for its quorum answers at once, as a ZooKeeper server does. While
there is no engine, or the engine cannot reach a quorum (gateway's
Engine.Serving), the port answers as a ZooKeeper 3.8 server without a
quorum (measured in gateway/testdata/zookeeper-3.8-behaviour.md): ruok
and envi as always, isro "null", every other word "This ZooKeeper
instance is not currently serving requests", and a handshake is closed as
soon as the length of its ConnectRequest is read. A handshake already
waiting on etcd for its session when the node loses its quorum is closed
as soon as the node knows (Engine.Serving, looked at every 50 ms), not
when etcd gives up on the request seconds later.

MaxPacket, ZooKeeper's jute.maxbuffer (default 0xfffff), bounds the
request packet; conf reports it as maxBuffer.

# Four-letter words

The words answer as ZooKeeper 3.8's do (fourletter.go, mntr.go), checked
against captures of a real 3.8 standalone server and of a three-member
ensemble's leader and follower in testdata/zookeeper-3.8-ROLE-WORD.txt
(e2e's TestFourLetterWords_Capture -update-4lw rewrites them):

  - mntr prints every key of ZooKeeper 3.8's mntr that has a meaning
    here, in the order a 3.8 server prints them, as KEY<TAB>VALUE, in
    ZooKeeper's forms: longs, averages as Java doubles rounded to four
    decimals ("0.0", "3.0909"), summaries as zk_{avg,min,max,cnt,sum}_NAME
    and, for latencies, zk_{p50,p95,p99,p999}_NAME. The table mntrKeys
    lists every key ZooKeeper prints, which role prints it (every server;
    followers and leader; the leader only) and, for each key left out,
    why: they are about ZooKeeper's internals (its request processor
    pipeline, its atomic broadcast, throttling, response cache, dead
    watcher cleaner, JVM, election timers, learner sync), whose zkgate
    counterparts are etcd's own figures on /metrics. ZooKeeper's keys
    named after the data (zk_*_NAMESPACE_write_per_namespace, per-learner
    queues) are left out too (mntrDynamicLeftOut). TestMntr_* compare the
    table with the captures.
  - The version line reads "3.8.0-zkgate-VERSION, built on YYYY-MM-DD
    HH:MM UTC" (the binary's commit time, else the start), so tools that
    parse ZooKeeper's version read it.
  - Counts come from the engine: znode_count (ZooKeeper's figure: it
    counts its root twice, so a fresh server reports 5), ephemerals_count
    and global_sessions (local_sessions is 0: every session is an etcd
    lease), kept by the watch hub from its events as ZooKeeper keeps them
    in memory; approximate_data_size (the paths' and data's length summed
    over the namespace, read from this member a thousand znodes at a
    time: about one read of the namespace per mntr).
  - watch_count, wchs, wchc and wchp are this node's watches (a
    ZooKeeper server's are its own clients'). As ZooKeeper 3.8 does
    (measured), wchs, wchc and wchp report the data watches only
    (getData, exists, persistent), watch_count data and child watches;
    sessions and paths are listed sorted, where ZooKeeper uses hash order.
  - The node_{created,deleted,changed,children}_watch_count summaries
    are the watches each event fired on this node (gateway's
    WatchesFired).
  - Request statistics (stats.go) are atomics, no lock: counting costs a
    request about 150-200 ns with both cores counting at once
    (BenchmarkStats_RequestDone), against tens of microseconds for the
    request itself. They are: readlatency and updatelatency (writes, sessions opened and
    closed, as ZooKeeper's transactions) in whole milliseconds with
    percentiles from a histogram (exact below 256 ms, power-of-two
    buckets above); srvr's and mntr's avg_latency from microseconds, so
    sub-millisecond requests do not all read 0; packets and bytes,
    response sizes, connection requests, auth failures, oversized
    packets, handshakes not completed in time, handshakes refused
    without a quorum (cnxn_closed_without_zk_server_running), TLS
    handshakes in progress and failed, syncs in flight (pending_syncs).
    srst clears packets and latencies, crst a connection's figures.
  - On a member of a cluster the node's Config.Quorum reports the Raft
    group from etcd's raft status: mntr prints peer_state and quorum_size
    on every member, and on the member that leads Raft ZooKeeper's leader
    keys: learners (peers in contact), synced_followers (voters the leader
    replicates to), synced_non_voting_followers (etcd learners),
    pending_syncs, leader_uptime. srvr and stat leave out a 3.8 leader's
    "Proposal sizes" line, as mntr does proposal sizes.
  - conf prints ZooKeeper's lines in its order: dataDir and dataLogDir are
    the member's snapshot and WAL directories (dirs measures them),
    tickTime the Raft heartbeat, initLimit and syncLimit the election
    timeout in ticks, maxClientCnxns 0 (no limit), the membership with
    each member's peer port as quorum and election port, and version=0;
    electionAlg is left out. zkgate's own clientPortAddress,
    secureClientPortAddress, maxBuffer and clientURLs follow serverId.
  - envi prints ZooKeeper's lines whose meaning carries over to a Go
    process (go.version in place of the JVM's java.* lines; os.memory.*
    of the Go heap).
  - cons prints ZooKeeper's fields (lop as ZooKeeper's short names, lcxid,
    lzxid, lresp, llat, min/avg/maxlat); connections are sorted by address.

The same figures, as structured data in the JSON shapes of ZooKeeper
3.8's AdminServer commands, come from the exported accessors of admin.go
(ServerStats, Monitor, Connections, Watches, Leader, VotingView, ...);
package zkbridge/admin serves them as /commands/NAME. AdminKeysLeftOut
lists the keys of ZooKeeper's answers they leave out, and why.

Each connection (conn.go) is a small driver around the engine:

  - loop (pipeline.go) reads frames (each bounded by MaxPacket,
    ZooKeeper's jute.maxbuffer) and runs them as calls: a client may have
    many requests in flight and zkgate works on several at once. Writes
    are queued to the engine's committer in the order sent, so they are
    applied in that order and may share a transaction; reads run side by
    side once every earlier write has been answered, and a write waits for
    the reads before it; everything else runs alone. Replies leave in
    request order whatever order the work ends in. At most 256 calls are
    in flight per connection, and no request is read while more than
    4 MiB of replies wait for the client to read them. Requests are read
    through a 4 KiB buffer, taken from a pool only while it holds bytes
    not yet read: a connection waits for its next request with none
    (frameReader). Each request's body is copied to a pooled buffer of
    its size, returned when its call ends. A read that arrives while nothing is in flight and nothing
    more is buffered runs on the reading goroutine itself.
  - the engine calls the connection's Notify for watch events. The engine
    dispatches a change's events before the write that made it returns,
    and serves reads at the revision whose events it has dispatched, so a
    single queue fed in call order puts every event before any reply that
    reflects its change, as ZooKeeper guarantees. A read that sets a watch
    arms it only after its reply is queued, so no event overtakes the
    reply that set its watch.
  - a reply is written by the call that made it when nothing is queued
    or being written; otherwise it is queued, as every watch event is
    (the hub never waits for a socket). A writer goroutine drains the
    queue to the socket, one writev for what is queued at a moment; it
    is started when something is queued and nobody writes, and ends when
    the queue is empty, so an idle connection has none. Reply and event
    packets are encoded into pooled buffers, returned once written. The
    names of a large parent that the gateway's children cache shares
    between reads (gateway.ChildrenResult.Shared) are encoded once and
    the encoding is kept with the list (lists.go), so getChildren of a
    parent read far more often than changed copies its names' bytes
    rather than encode them again.

The handshake (handshake in conn.go) opens a session or resumes one by id
and password (the session lives in etcd, so any node will do), refuses a
client that has seen a zxid the cluster never reached by closing the
socket, and answers an unknown or expired session, or a wrong password,
with ZooKeeper's zero timeout and session id so the client reports
Expired. A handshake naming a session first closes that session's open
connection to this node, even when the password then turns out wrong,
as ZooKeeper's processConnectRequest does. A connection silent for the session timeout is closed; its
session then expires on its own unless the client comes back in time. A
session found ended when it is renewed (on a ping, or on a request a
third of the timeout after the last renewal), because it expired while
this node could not reach etcd or was closed from another connection,
ends its connection without an answer, as ZooKeeper closes the
connection of an expired session; writes meanwhile get SessionExpired.
While this node cannot reach a quorum (gateway's Engine.Serving: its
member knows no leader, or no linearizable read has succeeded for 3 s), a
handshake is refused at once (see above) and a connection is closed at its next ping,
as a ZooKeeper server that loses its quorum closes its clients'
connections and refuses new ones; a renewal that does not succeed within
two thirds of the session timeout (etcd stalled) closes the connection
too. The client moves to another node, where its session still lives.

One table (opTable in handle.go) gives each opcode its kind, which
decides what may overlap it in the pipeline (kindOf), and its handler;
an opcode not in it is unknown. The handlers are grouped by what they
serve: read.go (the reads and sync), write.go (create, delete, setData,
setACL), multi.go (multi and multiRead), watches.go (setWatches,
addWatch, checkWatches, removeWatches), session.go (ping, auth,
whoAmI, closeSession) and sasl.go (the sasl exchange and enforced
authentication). They map each opcode to the engine with ZooKeeper
3.8's quirks (measured in gateway/testdata/zookeeper-3.8-behaviour.md):
createContainer
ignores its flags, create2 with the container flag makes a persistent
node, a multi's reply header carries 0 even when the multi failed, the
kind of a create inside a multi follows its flags rather than its opcode
(create2 answers with the path alone, a create with the container flag
makes a container), a multi op refused for its record fails in its
turn, auth and setWatches replies echo the request's xid while a ping's
reply carries xid -2, bytes after a request record are ignored, an unknown opcode gets Unimplemented with zxid -1
and the connection is closed, setWatches stops at a null list with
MarshallingError, and a session's identities are listed in the order of
ZooKeeper's hash set (schema.AuthSetOrder). Null data (a buffer of length
-1) is written and read back as null, apart from empty data. ACL entries
may carry null strings (kazoo sends Id("auth", "") with a null id):
schema.FixupACL answers them as ZooKeeper does, and where ZooKeeper's Java
code trips on one (MarshallingError) inside a multi, the whole multi is
answered MarshallingError, as ZooKeeper answers it. A request whose record
does not decode (cut short, a negative or oversized length, a null path, a
multi op of no known type) is answered MarshallingError and the connection
goes on, as ZooKeeper 3.8 answers it: the frame's length keeps the stream
in step, and nothing is applied. What cannot be answered closes that
connection only, with a log line, in its turn (the requests before it are
answered, none after it is started): a packet over MaxPacket or with a
negative length, a request header cut short, a malformed auth packet, a
malformed sasl packet or one with a null token. A panic in a handler ends
only its connection.

SASL (Config.SASL, from the JAAS file's Server section: package sasl) is
carried in sasl requests (102) as ZooKeeper 3.8 carries it: each token
goes to the connection's sasl.Server and its answer comes back with the
request's xid and zxid 0; on success the session holds sasl:<id>, which
sasl ACL entries and whoAmI see. A refused token (bad credentials, a
malformed token, a token after the exchange) gets AuthFailed with a null
token and the connection is closed, as ZooKeeper does it. With
Config.EnforceAuthSchemes (ZooKeeper's enforce.auth.schemes), a session
holding no identity of those schemes gets SessionClosedRequireSaslAuth on
any request but auth and sasl, and its connection is closed.

A client that stops reading stops being read once 4 MiB of replies wait
for it; watch events, which the hub must never wait to deliver, are
bounded by Config.MaxQueuedBytes (64 MiB): beyond it the connection is
closed with a log line, and the client resumes its session and re-arms
its watches (SetWatches) as after any disconnection.

An idle connection costs one goroutine, its reader, on a stack of
2 KiB, the size a goroutine starts with, and about 1 KB of heap in this
package (the connection's state and its socket); the session's
leases and record in the in-process etcd come on top
(BenchmarkIdleConnections). The writer goroutine runs only while
something is queued; the reader waits for input with no buffer
(frameReader); the handshake and pings run on a goroutine of their own
(apart), so their deep calls into etcd do not leave the reader's stack
grown while it waits: that took 10 KB of stacks. The frames the reader
waits under are kept few and small (conn.open, frameReader.waitInput):
a few hundred bytes more and its stack would grow to 4 KiB. A TLS
connection waits in crypto/tls's Read, deeper, and keeps that
library's buffers.

# Metrics

Server.Collector is a Prometheus collector of the ZooKeeper face's
figures; the node registers it on the default registry, so /metrics
(the embedded etcd's, or promhttp's in front of an external etcd) serves
it beside etcd's own metrics. It has two parts (metrics.go):

  - ZooKeeper 3.8's metrics under the names, types and labels its
    PrometheusMetricsProvider gives them, so ZooKeeper's Grafana
    dashboards and alert rules read zkgate unchanged. The list is
    measured (testdata/zookeeper-3.8-prometheus.txt: a real 3.8.0
    standalone server and ensemble recorded every metric they register,
    with its kind; Debian's package lacks the Prometheus provider). Gauges
    stay gauges even where the value only grows (packets_received,
    packets_sent, auth_failed_count, as ZooKeeper registers them);
    counters have no _total suffix (ZooKeeper 3.8's Prometheus Java client
    0.9.0 adds none); the request latency summaries readlatency and
    updatelatency are in milliseconds with quantile="0.5", "0.9" and
    "0.99". Exported: znode_count, ephemerals_count, watch_count,
    approximate_data_size, global_sessions, local_sessions (0),
    num_alive_connections, outstanding_requests, packets_received,
    packets_sent, avg_latency, min_latency, max_latency, readlatency,
    updatelatency, uptime, open_file_descriptor_count,
    max_file_descriptor_count, the client response sizes,
    outstanding_tls_handshake, auth_failed_count,
    connection_request_count, bytes_received_count, response_bytes,
    sessionless_connections_expired, large_requests_rejected,
    unsuccessful_handshake, cnxn_closed_without_zk_server_running, the
    node_*_watch_count summaries (count and sum only: the engine keeps no
    distribution of them), quorum_size on a member of a cluster, and on
    the Raft leader learners, synced_followers,
    synced_non_voting_followers, pending_syncs and leader_uptime. Each
    comes from the source its mntr key does. The quota gauges
    quota_{count,bytes}_{limit,usage}_per_namespace and the counter
    quota_exceeded_error_per_namespace are labelled key, the namespace
    (the first element of the quota root's path), summed over its quota
    roots as ZooKeeper sums them (gateway's QuotaFigures and
    QuotaExceeded). The rest of ZooKeeper's 155 metrics are left out,
    each with its reason: in mntrKeys where mntr has the key, else in
    promLeftOut (per-namespace reads and writes, per-learner metrics);
    testdata/zookeeper-3.8-prometheus-zkgate.txt lists them, written from
    the tables. TestMetrics_NamesAndTypesAsZooKeeper38 fails on a renamed
    or retyped metric, and on one neither exported nor left out.
  - zkgate's own, under zkgate_: zkgate_commit_batches_total and the
    histogram zkgate_commit_batch_requests (requests per batch),
    zkgate_commit_redone_total and zkgate_commit_overtaken_total,
    zkgate_commit_key_cache_hits_total and _misses_total,
    zkgate_local_reads_total and zkgate_read_key_cache_hits_total (those
    of them served from the key cache), zkgate_watch_hub_lag_revisions,
    zkgate_children_cache_hits_total and _misses_total, zkgate_sessions
    (sessions connected to this node) and zkgate_four_letter_words_total
    by word. The engine's figures come from gateway's Engine.Stats and
    HubLag: the gateway package has no Prometheus dependency.

Every value is read when /metrics is scraped; nothing polls. A scrape
costs what an mntr does: three counts and a read of the namespace for
approximate_data_size, plus a read of each quota root's subtree, and a
linearizable read of the cluster's revision for the hub lag, bounded
together by 5 s; without a quorum the
metrics that need the engine are left out of the scrape. Two differences
from ZooKeeper's: its summaries' quantiles cover the last ten minutes,
zkgate's every sample since start; and its JVM metrics (jvm_*) have no
counterpart, while the process_* ones ZooKeeper's Java client exports
(process_open_fds, process_max_fds, process_cpu_seconds_total, ...) are
on /metrics under the same names from the Go client. Collectors of two
Servers in one process have the same descriptors: a registry takes the
first and refuses the others with AlreadyRegisteredError, which the node
takes as "another node of this process exports them".
*/
package zkbridge
