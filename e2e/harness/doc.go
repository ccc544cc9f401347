// Package harness starts real zkgate processes for end-to-end tests and
// drives them with real clients.
//
// The zkgate binary and the etcdctl that go.mod pins are built once per
// test run (Zkgate, EtcdctlPath); a package's TestMain calls Main so the
// binaries are removed afterwards. StartNode runs one single-member node
// on free loopback ports with a data dir under t.TempDir() and waits until
// GET /health reports healthy; StartCluster does the same for an n-member
// cluster. Nodes can be stopped (SIGTERM, expecting a clean exit), killed
// (SIGKILL), restarted on the same data dir, and asked for their output
// (Log, WaitLog). Every process is killed when its test ends, and dies
// with the test binary if that is killed; if the test failed, the tail of
// each node's log is printed.
//
// RunZkgate runs the binary to completion (for CLI tests), Etcdctl and
// EtcdctlResult run etcdctl commands, EtcdctlCmd prepares long-running
// ones (watch, elect, lock), and NewClient gives a clientv3 client.
//
// Documentation examples: CodeBlocks reads the fenced code blocks of a
// Markdown file, ShellCommands splits a shell block into commands with
// their trailing comments, and RunScript runs one with an interpreter in
// a directory, killing all it started at a timeout (e2e/readme_test.go
// runs the README's examples so).
//
// ZooKeeper: StartZooKeeper starts a real ZooKeeper 3.8 standalone server
// (the Debian package) on a free loopback port, StartZooKeeperEnsemble a
// three-member (or any size) ensemble; Leader and Follower find a member
// by the mode srvr reports. They are the oracles of differential tests.
// DialZK opens a raw session on either (ZKRaw, the client of
// zkbridge/zkraw under the e2e tests' names) for requests sent exactly as
// a test writes them. FreePort hands out loopback ports
// (gateway/gatewaytest/freeport).
//
// TLS: NewCerts makes a CA, a server certificate for loopback (usable as
// a client certificate too), a client certificate and one from another CA
// under t.TempDir(); their ServerArgs, PeerArgs and EtcdctlArgs give the
// matching options. NodeOptions.TLS makes a node's URLs https and is how
// the harness reaches it; StartTLSCluster starts a cluster with TLS on the
// client and peer ports, and NewTLSClient is NewClient over TLS.
//
// Browsers: StartBrowser starts headless Chromium (Debian package
// chromium, which `make peers` installs) and drives one page over the
// DevTools protocol: Navigate, Eval, WaitFor a condition in the page,
// Screenshot, and Errors, the page's own errors (exceptions,
// console.error). StartFirefox does the same for headless Firefox
// (firefox-esr) over WebDriver BiDi. StartZooKeeperAdmin starts a real ZooKeeper 3.8 with its
// AdminServer (/commands/<name>), Jetty from Debian's packages.
//
// Nothing here sleeps to synchronise: readiness is polled, output is
// awaited, and every wait has a generous bound so a hang fails the test
// instead of stalling the run.
//
// Example:
//
//	func TestSomething(t *testing.T) {
//		n := harness.StartNode(t, harness.NodeOptions{})
//		harness.Etcdctl(t, n.ClientURL, "put", "k", "v")
//		n.Kill()
//		n.Restart()
//		c := n.Client()
//		...
//	}
package harness
