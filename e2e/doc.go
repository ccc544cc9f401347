// Package e2e holds zkgate's end-to-end tests: each builds the real binary,
// starts real processes on loopback (see package harness) and drives them
// with real clients: etcdctl, clientv3 and its concurrency package, plain
// HTTP, go-zookeeper, kazoo, zkCli.sh, the C client and nc (four-letter
// words as monitoring scripts send them), over TLS too (certificates made
// per test). cli_differential_test.go runs every command of zkCli.sh and of
// cli_mt against a real ZooKeeper 3.8 and against zkgate and compares what
// they print; its pendingDifferences lists what still differs and why.
// TestDifferential (differential_test.go) runs operation scripts over the
// raw jute protocol against both servers with package differential and
// compares the normalized transcripts: the scripts of
// testdata/differential (text, one file each), then those that need Go
// (differential_*_test.go); its knownDifferences lists what still differs
// and why.
// go-zookeeper's own test suite runs from e2e/peers/gozk (`make
// e2e-peers`). readme_test.go runs the examples of README.md as written, in
// order, against a node of its own (how it reads the README's markers is
// described there). ui_test.go drives the web console (package ui) in
// headless Chromium over the DevTools protocol (harness.Browser): the tree,
// a znode's page, writes, digest logins, the cluster view and the sessions
// view, the last against a real ZooKeeper 3.8's AdminServer too, and
// TestUI_Firefox runs the main paths in headless Firefox; with
// -ui-screenshots=DIR (`make ui-screenshots`) they save the screenshots
// the README shows. Run them with `make e2e`.
package e2e
