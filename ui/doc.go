/*
Package ui is zkgate's web console, served at /ui/ on the client URLs
beside /zk/v1/, /v3/, /health and /metrics: over the same listener, so with
the same TLS, in front of an embedded member or an external etcd alike. Its
pages are plain HTML, CSS and JavaScript modules embedded in the binary
(static/): no build step, nothing fetched from elsewhere. They need a
current Chromium or Firefox (ES modules, fetch streams, TextDecoderStream).

# Views

  - Tree (/ui/): the namespace, each znode's children read as it is
    opened, with each child's number of children (its Stat, read with
    exists, which needs no permission); ephemerals (their Stat's
    ephemeralOwner), containers and TTL nodes (/ui/api/kinds) marked; a
    path box completing from the children of the path typed so far; live
    through one persistent recursive watch on /: a creation or deletion
    re-reads its parent's children, a data change re-reads the open
    znode. A watch is answered only for znodes its caller may read, as in
    ZooKeeper; it is watched again, and the tree re-read, after a failure.
    One stream, not one per open znode: a browser holds few HTTP/1.1
    connections per server. On a busy namespace the page gets every
    change's event, and re-reads only what it shows, a parent at most
    once per 100 ms. The keyboard moves between rows (arrows, Enter).
  - Znode (/ui/?path=/app/config, a link to share): data as text, pretty
    JSON or hex; the Stat with zxids in hex and times in the browser's
    local time; the ACL; the owner session of an ephemeral. With writes on:
    set (text, or hex bytes for data that is not UTF-8; with the version
    read: a change made meanwhile fails with
    BadVersion and the znode is read again), create a child (persistent,
    sequential or container; world:anyone or auth ACL), delete (with the
    version read, after a second click) and setAcl (with the aclVersion
    read).
  - History (the znode's History tab): every change of the znode the
    cluster keeps (serve --history-retention), from the History stream:
    zxid, local time, create, setData, setAcl or delete, versions and
    size, newest or oldest first, optionally with the subtree's changes,
    1000 changes a page (a page ends at a zxid boundary); each create and
    data change of text data with a line diff (a longest common
    subsequence of lines) against the data before it (for a page's first
    change of a znode, the data read at the zxid before), binary data
    with its sizes. The stream's HTTP route is a GET, which carries no
    ctx.auth: with digests logged in, the data it hides is read at each
    change's zxid (ctx.at_zxid), so it shows exactly where the digests
    could read the znode then ("not readable with these credentials"
    otherwise). Each zxid links to the tree as of it.
  - As of a zxid (/ui/?path=/app&at=1234, a link to share): the tree and
    the znode as they were at that zxid, every read with ctx.at_zxid; no
    writes and no watch, a banner naming the zxid and its time, and
    "Back to live". The time bar above the tree chooses the zxid: a
    slider from the oldest zxid kept (the metric
    zkgate_history_oldest_zxid, read from /metrics) to the zxid served,
    or a box taking a zxid (decimal or 0x hex) or a date-time, which
    stands for the last zxid at or before it (ZxidAt, /zk/v1/zxid).
  - Cluster (/ui/?view=cluster): members with their role, Raft term and
    index and database size, each member's /health (read from its own
    client URL, which etcd answers for any origin), the leader, the
    database size against its quota and the alarms, through etcd's JSON
    gateway (/v3/) on the same URL; charts of this node's operations per
    second, latency, connections and watches (Sampler). Once etcd
    authentication is on, the gateway wants a token: the view asks for an
    etcd user and password and sends the token it gets with each /v3/
    request.
  - Sessions (/ui/?view=sessions): the connections with their session,
    timeout, client address and ephemerals, and the watches by path
    (wchp) and by session (wchc), from the AdminServer commands at
    /commands/<name> with ZooKeeper 3.8's JSON (connections, dump,
    watches_by_path, watches, watch_summary; samples of a real ZooKeeper
    3.8's answers are in testdata/zookeeper-3.8-admin); where the server
    answers 404 (or ZooKeeper's "Unknown command") the view says the
    command is not available on this server. Any four-letter word
    (/ui/api/4lw) or admin command's answer on demand.

# Routes

Handler serves, under Prefix:

	/ui/                 the page and its assets (static/)
	/ui/api/config       {"writes": bool, "four_letter": bool}
	/ui/api/zk/v1/ROUTE  the namespace HTTP/JSON API's /zk/v1/ROUTE: reads
	                     always, the other routes only with Options.Writes
	/ui/api/kinds        POST {"path": parent, "names": [...]}: {"kinds":
	                     {name: "container"|"ttl"}} of those children
	/ui/api/series       the Sampler's samples (Series)
	/ui/api/4lw?cmd=     a four-letter word's answer from the ZooKeeper port

# Writes and identity

The page reads and writes through /ui/api/zk/v1/, so every request is
checked against the znodes' ACLs with the identities the page sends: none
until someone logs in. The login form takes digest credentials
(user:password) and sends them as ctx.auth [{"scheme": "digest"}] with
every request (POST bodies; the watch too), as the HTTP API takes them;
several may be given, as with addauth. They live in the tab's
sessionStorage, never on the server, and the HTTP API holds no ip
identity, so the page never acts as super unless the user logs in as the
super user. No cookie is involved: a request carries only what the page
puts in it, so another site's page cannot act with the console's
identities.

Without Options.Writes (zkgate serve --ui-writes, off by default) the page
shows no write controls and /ui/api/zk/v1/ refuses every route but the
reads (stat, data, children, count, acl, ephemerals, watch, sync, history,
zxid) with 403.
The switch is about the console only: /zk/v1/, the gRPC API and the
ZooKeeper port stay writable to whoever the ACLs let write.

# Metrics

Sampler reads a Prometheus gatherer (zkgate's default one) every 5 s into
a ring of an hour, in memory. It keeps the families named in Metrics that
exist: the ZooKeeper names (packets_received, num_alive_connections,
watch_count, readlatency, updatelatency, ...) once the node has them, and
etcd's and gRPC's; the page draws the lines whose metrics it finds, rates
of counters and interval means of histograms and summaries.

# Dependencies

The Prometheus client, schema (paths) and the standard library. The node package
(cmd/zkgate/internal/node) mounts Handler on the client URLs and gives it
the namespace HTTP API, the kinds of znodes (read from the reaper marks and
node records of package schema) and four-letter words on its ZooKeeper
port.

# Tests

ui_test.go checks the Sampler and the write switch; the pages are tested
in headless Chromium by e2e/ui_test.go and e2e/ui_history_test.go,
against zkgate and, for the sessions view, a real ZooKeeper 3.8's
AdminServer, and in Firefox.
*/
package ui
