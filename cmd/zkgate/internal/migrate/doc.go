// Package migrate moves a tree from a live ZooKeeper ensemble into
// zkgate: it reads the source through the ZooKeeper protocol
// (go-zookeeper) and the destination through zkgate's namespace gRPC API.
//
// Both sides are read as Trees (tree.go): a znode's children, data, ACL
// and kind (persistent, ephemeral, container, TTL, from its Stat's
// ephemeralOwner, which ZooKeeper and zkgate encode alike). Diff (diff.go)
// walks both trees breadth-first from a path, in sorted order, and
// reports every path present on one side only and every znode whose data,
// ACL or kind differs; /zookeeper, the servers' own subtree, is skipped.
//
// The copy and follow steps of a migration build on the same Trees.
package migrate
