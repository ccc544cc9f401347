// Package schema is the data model every zkgate face shares: the API's
// .proto files and generated Go, the znode record and its Stat, ZooKeeper's
// path rules, the layout of znodes as etcd keys, and error codes. It
// imports no other zkgate package.
//
// It holds no code yet: the namespace engine that needs it is not built.
package schema
