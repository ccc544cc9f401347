// Package gozk runs go-zookeeper's own test suite (github.com/go-zookeeper/zk
// v1.0.4, the version go.mod pins; its _test.go files ship in the module)
// against zkgate, and against a real ZooKeeper 3.8 from Debian as the
// reference, and checks that every test that passes on ZooKeeper passes on
// zkgate. Run it with `make e2e-peers` (about three minutes).
//
// The suite runs from a copy of the module (the module cache is read-only
// and stays untouched), unmodified. Its cluster helper
// (server_java_test.go, StartTestCluster) starts each server as
// "$ZOOKEEPER_BIN_PATH/zkServer.sh start-foreground zoo.cfg" and stops one
// by killing that process; the command in zkserver/, built as zkServer.sh,
// stands in for ZooKeeper's script and starts a zkgate node (GOZK_SERVER=
// zkgate) or Debian's ZooKeeper (GOZK_SERVER=zookeeper) from the zoo.cfg
// the helper wrote, so its one- and three-server clusters are zkgate
// clusters, and its tests that stop and restart servers (failover, loss
// of quorum, restart of the whole cluster) kill and restart zkgate nodes.
// zkserver's doc says why it relays the client port.
//
// The tests that cannot apply to zkgate are listed in notApplicable with
// the reason; they still run against ZooKeeper. Tests with a race in the
// client itself, met or missed by timing, are listed in clientRaces with
// the race: one that fails on zkgate is run again alone, twice at most,
// and fails the suite only if it fails every time.
package gozk
