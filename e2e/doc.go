// Package e2e holds zkgate's end-to-end tests: each builds the real binary,
// starts real processes on loopback (see package harness) and drives them
// with real clients: etcdctl, clientv3 and its concurrency package, plain
// HTTP, go-zookeeper, kazoo, zkCli.sh, the C client and nc (four-letter
// words as monitoring scripts send them), over TLS too
// (certificates made per test). Run them with `make e2e`.
package e2e
