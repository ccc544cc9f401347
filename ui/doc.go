/*
Package ui is zkgate's web console, served at /ui/ on the client URL
beside /zk/v1/, /v3/, /health and /metrics (over the same listener, so
with the same TLS). Its pages are plain HTML, CSS and JavaScript modules
embedded in the binary (static/): no build step, nothing fetched from
elsewhere.

# Views

  - Tree (/ui/): the namespace, children loaded as a znode is opened, each
    with its number of children; ephemerals, containers and TTL nodes
    marked; a path box that completes from the children it knows; live
    through a persistent recursive watch on the open part of the tree.
  - Znode (/ui/?path=/app/config): data as text, pretty JSON or hex, the
    Stat with times in local time, the ACL and the owner session of an
    ephemeral. With zkgate serve --ui-writes: create, set (with the
    version read, so a concurrent change fails with BadVersion), delete
    and setAcl.
  - Cluster (/ui/?view=cluster): members, leader, Raft term and index,
    database size and quota, alarms and each member's /health, through
    etcd's JSON gateway (/v3/) on the same URL; live charts of the last
    hour from the node's own metrics (Sampler).
  - Sessions (/ui/?view=sessions): connections, watches by path and by
    session, four-letter words and admin commands, from the AdminServer
    commands at /commands/<name> when the server has them (ZooKeeper
    3.8's JSON shapes) and four-letter words over the ZooKeeper port.

# Routes

Handler serves, under Prefix:

	/ui/                 the page and its assets (static/)
	/ui/api/config       {"writes": bool}: whether writes are offered
	/ui/api/zk/v1/...    the namespace HTTP/JSON API (/zk/v1/), reads
	                     always, writes only with Options.Writes
	/ui/api/kinds?path=  the containers and TTL nodes among path's children
	/ui/api/series       the Sampler's last hour of metrics
	/ui/api/4lw?cmd=     a four-letter word's answer from the ZooKeeper port

# Writes and identity

The page reads and writes through /ui/api/zk/v1/, which forwards to the
namespace API: every request is checked against the znodes' ACLs with the
identities the page sends, and with none until someone logs in. The
login form takes digest credentials (user:password) and sends them as
ctx.auth {"scheme":"digest"} with every request, as the HTTP API takes
them; they live in the tab's sessionStorage, never on the server. The
page never acts as super unless the user logs in as the super user.

Without Options.Writes (zkgate serve --ui-writes, off by default) the page
offers no write controls and /ui/api/zk/v1/ refuses every request but
reads with 403 PermissionDenied. That switch is about the console:
/zk/v1/ itself, the gRPC API and the ZooKeeper port stay writable to
whoever the ACLs let write.

# Dependencies

The Prometheus client (the default gatherer the Sampler reads), schema
(paths, the kinds of znode) and the standard library. The node package
(cmd/zkgate/internal/node) mounts Handler and gives it the namespace API,
the function that finds kinds and the ZooKeeper address.
*/
package ui
