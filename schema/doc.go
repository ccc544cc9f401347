/*
Package schema is the data model every zkgate face shares: ZooKeeper's
path rules and error codes, ACLs and their matching, the znode record and
its Stat, how znodes are laid out as etcd keys, and how errors travel as
gRPC statuses. It imports no other zkgate package. The gRPC API's .proto
files live in schema/proto and their generated Go in schema/zkgatepb.

# Key layout

Every key zkgate writes starts with Prefix, "\x00zkgate/". The NUL byte
keeps the znode keyspace apart from anything users store through the etcd
API: their keys are practically always printable, and a range over them
never reaches ours. Under it (layout version 1, stored at VersionKey so a
later layout can recognise and migrate this one):

	\x00zkgate/version                  "1"
	\x00zkgate/n/<depth><path>          node record (one per znode)
	\x00zkgate/c/<path>                 children meta, once the znode has had a child
	\x00zkgate/a/<path>                 ACL record, unless the ACL is world:anyone:cdrwa
	\x00zkgate/s/<session id, hex>      session record, on the session lease
	\x00zkgate/e/<session id, hex><path> ephemeral index entry (empty value)
	\x00zkgate/x/<path>                 container / TTL mark for the reaper (empty value)
	\x00zkgate/w/<committer id, hex>    chain key: a committer's last batch, "<seq>@<ms>[/<deleters>]" (ChainValue)
	\x00zkgate/turn                     the turn key, while a committer holds the turn (TurnKey)

For example, after `create /app ""`, `create /app/cfg "v=1"` and an
ephemeral `create -e /app/lock-1` by session 0x1a2b:

	\x00zkgate/n/1/app                  {persistent, version 0, ctime, mtime}
	\x00zkgate/c/app                     {numChildren 2, creations 2}
	\x00zkgate/n/2/app/cfg              {persistent, ..., data "v=1"}
	\x00zkgate/n/2/app/lock-1           {ephemeral, owner 0x1a2b, ...}  (on the session's ephemeral lease)
	\x00zkgate/e/0000000000001a2b/app/lock-1

The depth in node keys means the children of /app are exactly the keys
with prefix "\x00zkgate/n/2/app/" (ChildrenPrefix): listing children reads
no grandchildren, and counting all descendants walks one depth at a time.

# What a znode costs

A persistent znode with the open ACL and no children costs one key: its
node record, 10 bytes of prefix plus the depth digits and the path, and a
value of about 17 bytes plus its data (a format byte, the kind, and
varints for version, ctime, mtime, owner and TTL). Null data, which
ZooKeeper keeps apart from empty data, is a node record of format 2 with
no data bytes; records with data (empty included) keep format 1, as every
record written before null data was kept apart, so those read as they did.
A record written by a session's request names that session (Node.Writer,
ACLRecord.Writer: the session ZooKeeper's transaction log keeps with each
transaction, which history lists): node records of format 5 (a flags byte
for null data and czxid, then the fields, then the writer) and ACL
records of format 2, about 9 bytes more; records written without a
session keep the earlier formats. The session of a deletion is in the
chain key of the batch that made it.
A znode that has had children adds one meta key (about 4 bytes of value);
a non-default ACL adds one key; an ephemeral adds its index entry; a
container or TTL node its reaper mark. etcd itself adds per key about 50
bytes on disk and about 100 bytes of memory for its index. Nothing else is
stored per znode.

# The Stat

Stat fields that are zxids are not stored; they are etcd revisions of
the keys above, so they are comparable with the etcd API's revisions:
czxid is the node key's create revision, mzxid its mod revision (the node
key is rewritten only by create and setData), and pzxid the meta key's mod
revision (it is written only when a child is created or deleted; before
the first child, pzxid is czxid). version, ctime, mtime and the owner are
in the node record, aversion in the ACL record, numChildren in the meta.
cversion is derived as ZooKeeper 3.8 derives it: 2*creations-numChildren,
where creations counts every child ever created and is also the next
sequential suffix (see Meta.Cversion). The root and /zookeeper, written
once at bootstrap, show zxid 0 as ZooKeeper's do.

# Paths and errors

ValidatePath follows ZooKeeper 3.8's PathUtils exactly, including which
characters are refused and the index reported in messages (in UTF-16
units, as Java counts). Error codes are ZooKeeper's, with its names and
messages; errors.Is matches an *Error by code, so callers test
errors.Is(err, ErrNoNode) whatever the path.

# Errors on the wire of zkgate's API

Every face of zkgate's own API and every client of it share one table
from ZooKeeper codes to gRPC codes (status.go), with the reason for each
choice that is not obvious. A server answers an error with
StatusFromError: the gRPC code from that table, the Error's text as the
message, and a google.rpc.ErrorInfo detail in ErrorDomain that carries
the ZooKeeper code, path and detail. A client turns the status back with
ErrorFromStatus, its inverse, and then tests errors.Is(err, ErrNoNode) as
a server does. So a client of the API (package recipes/client, zkgate ctl,
migrate and bench) imports schema and the generated stubs, never the
engine.

For this, schema imports gRPC's status and codes, the ErrorInfo message
and etcd's rpctypes (to recognise an etcd error that says etcd is
unavailable or overloaded); these are client-side packages, so nothing
that imports schema pulls in etcd's server.
*/
package schema
