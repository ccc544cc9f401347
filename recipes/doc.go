// Package recipes offers leader election, locks and the other classic
// coordination recipes as gRPC services on top of gateway, interoperable
// with the same recipes run by ZooKeeper clients on the same paths.
//
// It holds no code yet. etcd's own election and lock services (v3election,
// v3lock) are served by the embedded member today.
package recipes
