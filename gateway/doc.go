// Package gateway is the ZooKeeper-style namespace engine over etcd:
// znode operations as etcd transactions, sessions on leases, watches fanned
// out from a few etcd watch streams, and ACL checks, with its gRPC and
// HTTP/JSON servers. It depends on schema only.
//
// It holds no code yet.
package gateway
