// Package faults is zkgate's fault suite: a three-node cluster of real
// zkgate processes, with a proxy in front of every member's peer port, is
// loaded by ZooKeeper-protocol sessions (go-zookeeper) and clientv3
// clients spread over the nodes while members are killed, cut off, slowed
// down or all restarted. Every run then checks that the recorded history
// of znode and etcd operations is linearizable (porcupine, against a
// model of versioned keys), that each session's reads never go back in
// time, that no acknowledged write is lost, that no sequence number is
// issued twice, that sessions which move to a surviving node keep their
// ephemerals and get the watch events they missed, and that sessions
// whose clients died lose their ephemerals within the session timeout.
//
// `make faults` runs it and prints one line per scenario; it is not part
// of `make test`. RELIABILITY.md describes the scenarios and the figures.
//
// TestSoak (soak_test.go, `make soak`) is the long run: ZooKeeper
// sessions, short-lived sessions opened and dropped, clientv3 clients and
// HTTP/JSON calls against a three-node cluster for -soak (ten minutes in
// make soak) while node2 and node3 are killed and restarted in turn, node1
// kept a follower (MoveLeader). It samples every node's /metrics after a
// forced GC (through the --pprof-listen heap profile) and fails if node1's
// live heap or RSS grows from the middle third of the run to the last, or
// if any node does not return to the goroutines and open files it had
// before the load. It shares the go-zookeeper client helpers of
// load_test.go.
package faults
