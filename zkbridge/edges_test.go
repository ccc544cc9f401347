package zkbridge_test

import (
	"testing"

	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/gateway/gatewaytest"
	"github.com/zkgate/zkgate/schema"
	"github.com/zkgate/zkgate/zkbridge/jute"
)

// A ping is answered with the ping xid (-2) whatever xid it was sent
// with, as ZooKeeper 3.8's FinalRequestProcessor answers it.
func TestPing_AnsweredWithThePingXid(t *testing.T) {
	cl := gatewaytest.StartCluster(t, 1)
	c := connect(t, startBridge(t, cl, 0, gateway.Config{}), jute.ConnectRequest{TimeOut: 10000})
	c.write(jute.AppendPacket(nil, &jute.RequestHeader{Xid: 5, Type: jute.OpPing}))
	var rh jute.ReplyHeader
	if err := rh.Decode(jute.NewDecoder(c.frame())); err != nil || rh.Xid != jute.XidPing || rh.Err != schema.CodeOK {
		t.Fatalf("ping with xid 5 answered %+v %v, want xid %d", rh, err, jute.XidPing)
	}
}

// A connect request naming a session closes the session's connection to
// this server before the password is checked, as ZooKeeper 3.8 does: a
// wrong password gets the expired answer and still ends the connection
// it names; the session lives on and a right password resumes it. An
// unknown session id closes nothing.
func TestHandshake_ReconnectClosesTheSessionsConnection(t *testing.T) {
	cl := gatewaytest.StartCluster(t, 1)
	addr := startBridge(t, cl, 0, gateway.Config{})
	old := connect(t, addr, jute.ConnectRequest{TimeOut: 10000})
	other := connect(t, addr, jute.ConnectRequest{TimeOut: 10000})
	old.create("/e", jute.CreateMode(1))

	unknown := connect(t, addr, jute.ConnectRequest{TimeOut: 10000, SessionID: other.Resp.SessionID + 1000, Passwd: make([]byte, 16)})
	if unknown.Resp.SessionID != 0 {
		t.Fatalf("unknown session resumed: %+v", unknown.Resp)
	}
	if _, code := old.stat("/e"); code != schema.CodeOK {
		t.Fatalf("exists after an unknown session's connect: %v", code)
	}

	wrong := connect(t, addr, jute.ConnectRequest{TimeOut: 10000, SessionID: old.Resp.SessionID, Passwd: make([]byte, 16)})
	if wrong.Resp.SessionID != 0 || wrong.Resp.TimeOut != 0 {
		t.Fatalf("wrong password answered %+v, want expired", wrong.Resp)
	}
	if old.frame() != nil {
		t.Fatal("the session's connection stayed open after a connect naming its session")
	}
	if _, code := other.stat("/e"); code != schema.CodeOK {
		t.Fatalf("the session's ephemeral after a wrong-password connect: %v", code)
	}
	resumed := connect(t, addr, jute.ConnectRequest{TimeOut: 10000, SessionID: old.Resp.SessionID, Passwd: old.Resp.Passwd})
	if resumed.Resp.SessionID != old.Resp.SessionID {
		t.Fatalf("resume answered %+v", resumed.Resp)
	}
	if _, code := resumed.stat("/e"); code != schema.CodeOK {
		t.Fatalf("exists on the resumed session: %v", code)
	}
}
