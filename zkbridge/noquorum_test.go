package zkbridge_test

import (
	"testing"
	"time"

	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/gateway/gatewaytest"
	"github.com/zkgate/zkgate/zkbridge/jute"
)

// TestHandshake_QuorumLostMidHandshakeClosesAtOnce: a handshake that
// reaches a node just after its peers have gone finds it still serving
// (it has not yet noticed), and the session it asks for waits on etcd,
// which holds a request without a quorum for seconds. As a ZooKeeper
// server that loses its quorum closes every connection, those in their
// handshake included, the node closes the connection once it knows it has
// no quorum, and the client tries another server; it does not hold the
// client until etcd gives up (10 s for the handshake), which a client
// with a short session timeout (go-zookeeper's failover tests use 4 s)
// would outwait. Both a new session and a resumed one are tried.
func TestHandshake_QuorumLostMidHandshakeClosesAtOnce(t *testing.T) {
	for _, resume := range []bool{false, true} {
		name := "new session"
		if resume {
			name = "resumed session"
		}
		t.Run(name, func(t *testing.T) {
			cl := gatewaytest.StartCluster(t, 3)
			a := startBridge(t, cl, 0, gateway.Config{MinSessionTimeout: time.Second})
			req := jute.ConnectRequest{TimeOut: 4000}
			if resume {
				c := connect(t, a, req)
				req.SessionID, req.Passwd = c.Resp.SessionID, c.Resp.Passwd
				c.Drop()
			}
			cl.StopMember(1)
			cl.StopMember(2)
			start := time.Now()
			if answered(t, a, req) {
				t.Fatal("a node that has lost its quorum answered a handshake")
			}
			// The node notices within the quorum probe's stale window (3 s)
			// or as soon as its member knows it has no leader; etcd would
			// hold the session's request until the handshake's 10 s.
			waited := time.Since(start)
			if waited > 5*time.Second {
				t.Fatalf("the handshake was held %v before the connection closed", waited.Round(time.Millisecond))
			}
			t.Logf("closed %v after the handshake", waited.Round(time.Millisecond))
		})
	}
}
