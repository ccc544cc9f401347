// Package e2e holds zkgate's end-to-end tests: each builds the real binary,
// starts real processes on loopback (see package harness) and drives them
// with real clients: etcdctl, clientv3 and its concurrency package, plain
// HTTP, go-zookeeper, kazoo, zkCli.sh, the C client and nc (four-letter
// words as monitoring scripts send them), over TLS too (certificates made
// per test). readme_test.go runs the examples of README.md as written, in
// order, against a node of its own (how it reads the README's markers is
// described there). Run them with `make e2e`.
package e2e
