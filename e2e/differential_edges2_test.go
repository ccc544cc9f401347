package e2e

import (
	"errors"
	"fmt"

	"github.com/zkgate/zkgate/e2e/harness"
	"github.com/zkgate/zkgate/zkbridge/jute"
)

// Edges of ZooKeeper 3.8's request processing that the other scripts do
// not reach: the handshake's corner cases, requests sent before the
// handshake ends, watches of other sessions and on nodes a read could not
// see, one-shot and persistent watches on one node, setACL's effect on a
// Stat, multis that delete a subtree or use another session's ephemeral,
// and records with bytes after their end.

// connectWith is a handshake with the options opts gives (from the open
// sessions, e.g. another session's id); the connection, if any, becomes
// sess's.
func (s *script) connectWith(sess, desc string, opts func(sessions map[string]*harness.ZKRaw) harness.ZKConnectOptions) {
	s.add(step{kind: kCustom, sess: sess, desc: "connect " + desc,
		run: func(addr string, sessions map[string]*harness.ZKRaw) (*harness.ZKRaw, []line) {
			nc, err := harness.DialZK(addr, opts(sessions))
			if err != nil {
				var l line
				l.text("connect failed: %v", err)
				return nil, []line{l}
			}
			return nc, []line{connectLine(nc)}
		}})
}

// pingStep shows whether sess's connection is still open (and the events
// that were in flight).
func (s *script) pingStep(sess string) {
	s.add(step{kind: kCustom, sess: sess, desc: "ping",
		run: func(_ string, sessions map[string]*harness.ZKRaw) (*harness.ZKRaw, []line) {
			c := sessions[sess]
			rh, err := c.Ping()
			lines := eventLines(c.TakeEvents())
			return nil, append(lines, replyLine(jute.OpPing, rh, nil, err))
		}})
}

// awaitClose shows whether the server closes sess's connection within
// closeWait (ZooKeeper closes from another thread after some answers, so
// a request sent right behind may still be served).
func (s *script) awaitClose(sess string) {
	s.add(step{kind: kCustom, sess: sess, desc: "wait for the server to close",
		run: func(_ string, sessions map[string]*harness.ZKRaw) (*harness.ZKRaw, []line) {
			c := sessions[sess]
			evs, err := c.WaitEvents(1, closeWait)
			lines := eventLines(evs)
			var l line
			switch {
			case errors.Is(err, harness.ErrZKClosed):
				l.text("closed by the server")
			case err == nil:
				l.text("an event")
			default:
				l.text("still open after %v", closeWait)
			}
			c.Drop()
			return nil, append(lines, l)
		}})
}

// trailing is a request record followed by n extra bytes (0x01 each).
type trailing struct {
	rec jute.Encodable
	n   int
}

func (t *trailing) Encode(e *jute.Encoder) {
	t.rec.Encode(e)
	for range t.n {
		e.WriteBool(true)
	}
}

func withTrailing(rec jute.Encodable, n int) *trailing { return &trailing{rec: rec, n: n} }

func scriptEdges2() *script {
	s := &script{name: "edges2"}
	s.connect("a", 30000)
	s.c2("a", "/e2", "")

	// Handshake corner cases. A connect naming a session closes that
	// session's open connection first, whatever happens next.
	s.connect("h", 30000)
	s.create("h", jute.OpCreate2, "/e2/heph", "", jute.ModeEphemeral)
	zero := make([]byte, 16)
	sessionOf := func(from string, passwd func([]byte) []byte, lastZxid int64, timeout int32) func(map[string]*harness.ZKRaw) harness.ZKConnectOptions {
		return func(ss map[string]*harness.ZKRaw) harness.ZKConnectOptions {
			r := ss[from].Resp
			return harness.ZKConnectOptions{SessionID: r.SessionID, Passwd: passwd(r.Passwd), LastZxidSeen: lastZxid, TimeOut: timeout}
		}
	}
	same := func(p []byte) []byte { return p }
	s.connectWith("w", "with h's session id and a wrong password", sessionOf("h", func([]byte) []byte { return zero }, 0, 30000))
	s.pingStep("h")
	s.connectWith("h2", "with h's session id and password", sessionOf("h", same, 0, 30000))
	s.exists("h2", "/e2/heph", false)
	s.connectWith("u", "with an unknown session id", func(ss map[string]*harness.ZKRaw) harness.ZKConnectOptions {
		return harness.ZKConnectOptions{SessionID: ss["h"].Resp.SessionID + 1000, Passwd: ss["h"].Resp.Passwd, TimeOut: 30000}
	})
	s.pingStep("h2")
	s.connectWith("s", "with h's session id and a short password", sessionOf("h", func(p []byte) []byte { return p[:8] }, 0, 30000))
	s.pingStep("h2")
	s.connectWith("h3", "with h's session id and password", sessionOf("h", same, 0, 30000))
	s.connectWith("z", "new session with lastZxidSeen 2^40 (ahead)", func(map[string]*harness.ZKRaw) harness.ZKConnectOptions {
		return harness.ZKConnectOptions{LastZxidSeen: 1 << 40, TimeOut: 30000}
	})
	s.connectWith("z2", "with h's session and lastZxidSeen 2^40 (ahead)", sessionOf("h", same, 1<<40, 30000))
	s.pingStep("h3")
	s.connectWith("h4", "with h's session id and password, timeout 10000", sessionOf("h", same, 0, 10000))
	s.pingStep("h3")
	s.exists("h4", "/e2/heph", false)
	s.closeSession("h4")
	s.connectWith("h5", "with h's session id and password after its close", sessionOf("h", same, 0, 30000))
	s.exists("a", "/e2/heph", false)
	s.connectWith("r", "readOnly=true", func(map[string]*harness.ZKRaw) harness.ZKConnectOptions {
		return harness.ZKConnectOptions{ReadOnly: true, TimeOut: 30000}
	})
	s.exists("r", "/e2", false)
	s.closeSession("r")
	s.connectWith("l", "legacy (no readOnly byte)", func(map[string]*harness.ZKRaw) harness.ZKConnectOptions {
		return harness.ZKConnectOptions{Legacy: true, TimeOut: 30000}
	})
	s.exists("l", "/e2", false)
	s.closeSession("l")
	for _, to := range []int32{1, -5, 3999, 4001, 39999, 40001, 1 << 30} {
		name := fmt.Sprintf("t%d", to)
		s.connectWith(name, fmt.Sprintf("timeout=%d", to), func(map[string]*harness.ZKRaw) harness.ZKConnectOptions {
			return harness.ZKConnectOptions{TimeOut: to}
		})
		s.closeSession(name)
	}
	// A request pipelined behind the ConnectRequest is served after it.
	s.add(step{kind: kCustom, sess: "p", desc: "connect with exists /e2 and create2 /e2/pipe (ephemeral) sent before the ConnectResponse",
		run: func(addr string, _ map[string]*harness.ZKRaw) (*harness.ZKRaw, []line) {
			pipe := jute.AppendPacket(nil, &jute.RequestHeader{Xid: 1000, Type: jute.OpExists}, &jute.ExistsRequest{Path: "/e2"})
			pipe = jute.AppendPacket(pipe, &jute.RequestHeader{Xid: 1001, Type: jute.OpCreate2},
				&jute.CreateRequest{Path: "/e2/pipe", Data: []byte("p"), ACL: worldAll, Flags: jute.ModeEphemeral})
			nc, err := harness.DialZK(addr, harness.ZKConnectOptions{TimeOut: 30000, Pipelined: pipe})
			var l line
			if err != nil {
				l.text("connect failed: %v", err)
				return nil, []line{l}
			}
			lines := []line{connectLine(nc)}
			for _, op := range []jute.OpCode{jute.OpExists, jute.OpCreate2} {
				rh, d, err := nc.ReadReply()
				rl := replyLine(op, rh, d, err)
				var x line
				x.text("  xid=%d", rh.Xid)
				lines = append(lines, append(x, rl...))
			}
			return nc, lines
		}})
	s.exists("a", "/e2/pipe", false)
	// A second ConnectRequest on an established connection.
	s.add(step{kind: kCustom, sess: "p", desc: "a second ConnectRequest on the same connection",
		run: func(_ string, ss map[string]*harness.ZKRaw) (*harness.ZKRaw, []line) {
			c := ss["p"]
			var l line
			if err := c.WriteRaw(jute.AppendPacket(nil, &jute.ConnectRequest{TimeOut: 30000, Passwd: zero})); err != nil {
				l.text("write: %v", errText(err))
				return nil, []line{l}
			}
			rh, d, err := c.ReadReply()
			if err != nil {
				l.text("  -> %s", errText(err))
				return nil, []line{l}
			}
			l.text("  xid=%d", rh.Xid)
			l = append(l, replyLine(jute.OpExists, rh, d, nil)...)
			return nil, []line{l}
		}})
	s.awaitClose("p")
	s.exists("a", "/e2/pipe", false)

	// Watches another session set, or a failed read would have set.
	s.connect("b", 30000)
	s.c2("a", "/e2/n", "")
	s.get("b", "/e2/n", true)
	s.call("a", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/e2/n", Type: jute.WatcherData})
	s.call("a", jute.OpRemoveWatches, &jute.RemoveWatchesRequest{Path: "/e2/n", Type: jute.WatcherAny})
	s.set("a", "/e2/n", "1", -1)
	s.events("b", 1)
	s.get("b", "/e2/missing", true)
	s.children("b", "/e2/missing", true)
	s.children2("b", "/e2/missing", true)
	s.call("b", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/e2/missing", Type: jute.WatcherAny})
	s.c2("a", "/e2/missing", "")
	s.createACL("a", "/e2/locked", []jute.ACL{acl(jute.PermAll, "digest", aliceID)}, 0)
	s.get("b", "/e2/locked", true)
	s.children("b", "/e2/locked", true)
	s.exists("b", "/e2/locked", true)
	s.call("b", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/e2/locked", Type: jute.WatcherChildren})
	s.call("b", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/e2/locked", Type: jute.WatcherData})
	s.exists("b", "/e2/bad/", true)
	s.get("b", "/e2/bad/", true)
	s.call("b", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/e2/bad/", Type: jute.WatcherData})
	s.call("b", jute.OpRemoveWatches, &jute.RemoveWatchesRequest{Path: "/e2/bad/", Type: jute.WatcherData})
	s.call("b", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "e2", Type: jute.WatcherData})
	s.call("b", jute.OpAddWatch, &jute.AddWatchRequest{Path: "e2", Mode: jute.AddWatchPersistent})
	s.call("b", jute.OpAddWatch, &jute.AddWatchRequest{Path: "/e2/bad/", Mode: jute.AddWatchPersistent})
	s.call("b", jute.OpRemoveWatches, &jute.RemoveWatchesRequest{Path: "/e2/bad/", Type: jute.WatcherAny})
	// An exists watch on a missing node survives a getData or
	// getChildren of it, which set none.
	s.exists("b", "/e2/later", true)
	s.get("b", "/e2/later", true)
	s.children("b", "/e2/later", true)
	s.call("b", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/e2/later", Type: jute.WatcherData})
	s.c2("a", "/e2/later", "")
	s.events("b", 1)
	s.call("b", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "", Type: jute.WatcherData})
	s.call("b", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/", Type: jute.WatcherData})
	s.call("b", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "e2", Type: 7})
	s.call("b", jute.OpRemoveWatches, &jute.RemoveWatchesRequest{Path: "e2", Type: jute.WatcherData})
	// "" reads the root, but a watch it sets stays on "".
	s.exists("b", "", true)
	s.get("b", "", true)
	s.children("b", "", true)
	s.set("a", "/", "", -1)
	s.c2("a", "/e2root", "")
	s.del("a", "/e2root", -1)
	s.pingStep("b")
	s.call("b", jute.OpRemoveWatches, &jute.RemoveWatchesRequest{Path: "", Type: jute.WatcherAny})
	s.call("b", jute.OpRemoveWatches, &jute.RemoveWatchesRequest{Path: "/", Type: jute.WatcherAny})
	// System nodes take watches like any other.
	for _, p := range []string{"/zookeeper/config", "/zookeeper/quota", "/zookeeper"} {
		s.exists("b", p, true)
		s.get("b", p, true)
		s.children("b", p, true)
		s.call("b", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: p, Type: jute.WatcherData})
		s.call("b", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: p, Type: jute.WatcherChildren})
		s.call("b", jute.OpRemoveWatches, &jute.RemoveWatchesRequest{Path: p, Type: jute.WatcherAny})
	}
	// A one-shot and a persistent watch on one node, one session.
	s.c2("a", "/e2/pw", "")
	s.exists("b", "/e2/pw", true)
	s.call("b", jute.OpAddWatch, &jute.AddWatchRequest{Path: "/e2/pw", Mode: jute.AddWatchPersistent})
	s.set("a", "/e2/pw", "1", -1)
	s.events("b", 1)
	s.pingStep("b")
	s.get("b", "/e2/pw", true)
	s.set("a", "/e2/pw", "2", -1)
	s.events("b", 1)
	s.set("a", "/e2/pw", "3", -1)
	s.events("b", 1)
	s.call("b", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/e2/pw", Type: jute.WatcherData})
	s.children("b", "/e2/pw", true)
	s.call("b", jute.OpAddWatch, &jute.AddWatchRequest{Path: "/e2", Mode: jute.AddWatchPersistentRecursive})
	s.c2("a", "/e2/pw/c", "")
	s.events("b", 2)
	s.pingStep("b")
	s.call("b", jute.OpRemoveWatches, &jute.RemoveWatchesRequest{Path: "/e2/pw", Type: jute.WatcherPersistent})
	s.call("b", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/e2/pw", Type: jute.WatcherAny})
	s.call("b", jute.OpRemoveWatches, &jute.RemoveWatchesRequest{Path: "/e2", Type: jute.WatcherAny})
	s.call("b", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/e2", Type: jute.WatcherAny})

	// A one-shot watch replaces a recursive one on the same path; a
	// persistent watch has a data half and a child half.
	s.call("b", jute.OpAddWatch, &jute.AddWatchRequest{Path: "/e2/rw", Mode: jute.AddWatchPersistentRecursive})
	s.call("b", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/e2/rw", Type: jute.WatcherChildren})
	s.call("b", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/e2/rw", Type: jute.WatcherData})
	s.exists("b", "/e2/rw", true)
	s.c2("a", "/e2/rw", "")
	s.events("b", 1)
	s.c2("a", "/e2/rw/x", "")
	s.pingStep("b")
	s.call("b", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/e2/rw", Type: jute.WatcherAny})
	s.c2("a", "/e2/rw/x/y", "")
	s.del("a", "/e2/rw/x/y", -1)
	s.pingStep("b")
	s.del("a", "/e2/rw/x", -1)
	s.del("a", "/e2/rw", -1)
	s.pingStep("b")
	s.call("b", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/e2/rw", Type: jute.WatcherAny})
	s.call("b", jute.OpRemoveWatches, &jute.RemoveWatchesRequest{Path: "/e2/rw", Type: jute.WatcherChildren})
	s.call("b", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/e2/rw", Type: jute.WatcherAny})
	s.call("b", jute.OpAddWatch, &jute.AddWatchRequest{Path: "/e2/pd", Mode: jute.AddWatchPersistent})
	s.c2("a", "/e2/pd", "")
	s.events("b", 1)
	s.call("b", jute.OpRemoveWatches, &jute.RemoveWatchesRequest{Path: "/e2/pd", Type: jute.WatcherData})
	s.call("b", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/e2/pd", Type: jute.WatcherChildren})
	s.c2("a", "/e2/pd/c", "")
	s.events("b", 1)
	s.set("a", "/e2/pd", "x", -1)
	s.pingStep("b")
	s.children("b", "/e2/pd", true)
	s.c2("a", "/e2/pd/d", "")
	s.events("b", 1)
	s.c2("a", "/e2/pd/e", "")
	s.pingStep("b")

	// multiRead's reads take their watch flags.
	s.c2("a", "/e2/mr", "")
	s.call("b", jute.OpMultiRead, &jute.MultiRequest{Ops: []jute.MultiOp{
		mOp(jute.OpGetData, &jute.GetDataRequest{Path: "/e2/mr", Watch: true}),
		mOp(jute.OpGetChildren, &jute.GetChildrenRequest{Path: "/e2/mr", Watch: true}),
		mOp(jute.OpGetData, &jute.GetDataRequest{Path: "/e2/mr/none", Watch: true}),
	}})
	s.call("b", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/e2/mr", Type: jute.WatcherData})
	s.call("b", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/e2/mr", Type: jute.WatcherChildren})
	s.call("b", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/e2/mr/none", Type: jute.WatcherData})
	s.set("a", "/e2/mr", "x", -1)
	s.c2("a", "/e2/mr/c", "")
	s.events("b", 2)
	// Watches re-armed by setWatches2: a persistent watch is set after
	// the one-shot watch of the same path, and wins.
	s.c2("a", "/e2/sw", "")
	s.connect("c", 30000)
	s.call("c", jute.OpSetWatches2, &jute.SetWatches2{RelativeZxid: 1 << 62,
		DataWatches: []string{"/e2/sw"}, ExistWatches: []string{}, ChildWatches: []string{"/e2/sw"},
		PersistentWatches: []string{"/e2/sw"}, PersistentRecursiveWatches: []string{}})
	s.set("a", "/e2/sw", "1", -1)
	s.events("c", 1)
	s.set("a", "/e2/sw", "2", -1)
	s.events("c", 1)
	s.c2("a", "/e2/sw/c", "")
	s.events("c", 1)
	s.call("c", jute.OpSetWatches2, &jute.SetWatches2{RelativeZxid: 1 << 62,
		DataWatches: []string{"/e2/sw"}, ExistWatches: []string{}, ChildWatches: []string{},
		PersistentWatches: []string{}, PersistentRecursiveWatches: []string{"/e2/sw"}})
	s.set("a", "/e2/sw", "3", -1)
	s.c2("a", "/e2/sw/c/d", "")
	s.events("c", 2)
	s.set("a", "/e2/sw", "4", -1)
	s.pingStep("c")
	// Special xids belong to the opcode, not the other way round.
	s.add(step{kind: kCall, sess: "c", op: jute.OpPing, xid: 5, desc: "ping with xid 5"})
	s.add(step{kind: kCall, sess: "c", op: jute.OpExists, xid: jute.XidPing, desc: "exists /e2 with xid -2",
		req: &jute.ExistsRequest{Path: "/e2"}})
	s.add(step{kind: kCall, sess: "c", op: jute.OpAuth, xid: 7, desc: "addauth digest with xid 7",
		req: &jute.AuthPacket{Scheme: "digest", Auth: []byte("carol:pw")}})
	s.call("c", jute.OpWhoAmI, nil)
	s.pingStep("c")
	s.closeSession("c")

	// A multi that writes one znode twice fires each op's events.
	s.c2("a", "/e2/mp", "")
	s.connect("d", 30000)
	s.call("d", jute.OpAddWatch, &jute.AddWatchRequest{Path: "/e2/mp", Mode: jute.AddWatchPersistentRecursive})
	s.call("b", jute.OpAddWatch, &jute.AddWatchRequest{Path: "/e2/mp", Mode: jute.AddWatchPersistent})
	s.exists("b", "/e2/mp/x", true)
	s.multi("a", mCreate("/e2/mp/x", 0), mOp(jute.OpDelete, &jute.DeleteRequest{Path: "/e2/mp/x", Version: -1}))
	s.pingStep("b")
	s.pingStep("d")
	s.multi("a", mOp(jute.OpSetData, &jute.SetDataRequest{Path: "/e2/mp", Data: []byte("1"), Version: -1}),
		mOp(jute.OpSetData, &jute.SetDataRequest{Path: "/e2/mp", Data: []byte("2"), Version: -1}))
	s.pingStep("b")
	s.pingStep("d")
	s.multi("a", mCreate("/e2/mp/y", 0), mOp(jute.OpSetData, &jute.SetDataRequest{Path: "/e2/mp/y", Data: []byte("1"), Version: -1}),
		mOp(jute.OpDelete, &jute.DeleteRequest{Path: "/e2/mp/y", Version: -1}), mCreate("/e2/mp/y", 0))
	s.pingStep("b")
	s.pingStep("d")
	s.closeSession("d")
	s.call("b", jute.OpRemoveWatches, &jute.RemoveWatchesRequest{Path: "/e2/mp", Type: jute.WatcherAny})

	// setACL: versions, and what it changes in the Stat.
	s.c2("a", "/e2/acl", "")
	s.c2("a", "/e2/acl/c", "")
	s.setACL("a", "/e2/acl", worldAll, -1)
	s.setACL("a", "/e2/acl", worldAll, 1)
	s.setACL("a", "/e2/acl", worldAll, 0)
	s.setACL("a", "/e2/acl", worldAll, -2)
	s.setACL("a", "/e2/acl/missing", worldAll, 5)
	s.getACL("a", "/e2/acl")
	s.exists("a", "/e2", false)
	s.set("a", "/e2/acl", "d", 0)
	s.del("a", "/e2/acl/c", -2)
	s.multi("a", mOp(jute.OpCheck, &jute.CheckVersionRequest{Path: "/e2/acl", Version: -2}))
	s.multi("a", mOp(jute.OpCheck, &jute.CheckVersionRequest{Path: "/e2/acl", Version: 1}),
		mOp(jute.OpCheck, &jute.CheckVersionRequest{Path: "/", Version: -1}),
		mOp(jute.OpCheck, &jute.CheckVersionRequest{Path: "/zookeeper", Version: 0}))

	// Multis: a subtree deleted bottom-up, children of another session's
	// ephemeral, containers and TTL nodes deleted, ops after a delete.
	s.multi("a", mCreate("/e2/t", 0), mCreate("/e2/t/a", 0), mCreate("/e2/t/b", 0), mCreate("/e2/t/a/x", 0))
	s.multi("a", mOp(jute.OpDelete, &jute.DeleteRequest{Path: "/e2/t/a/x", Version: -1}),
		mOp(jute.OpDelete, &jute.DeleteRequest{Path: "/e2/t/a", Version: -1}),
		mOp(jute.OpDelete, &jute.DeleteRequest{Path: "/e2/t", Version: -1}))
	s.multi("a", mOp(jute.OpDelete, &jute.DeleteRequest{Path: "/e2/t/a/x", Version: -1}),
		mOp(jute.OpDelete, &jute.DeleteRequest{Path: "/e2/t/a", Version: -1}),
		mOp(jute.OpDelete, &jute.DeleteRequest{Path: "/e2/t/b", Version: 0}),
		mOp(jute.OpDelete, &jute.DeleteRequest{Path: "/e2/t", Version: 0}))
	s.exists("a", "/e2", false)
	s.exists("a", "/e2/t", false)
	s.create("b", jute.OpCreate2, "/e2/beph", "", jute.ModeEphemeral)
	s.get("b", "/e2/beph", true)
	s.children("b", "/e2", true)
	s.multi("a", mCreate("/e2/beph/x", 0))
	s.multi("a", mCreate("/e2/beph/x", jute.ModeEphemeral))
	s.multi("a", mOp(jute.OpDelete, &jute.DeleteRequest{Path: "/e2/beph", Version: 0}), mCreate("/e2/beph", 0), mCreate("/e2/beph/x", 0))
	s.pingStep("b")
	s.exists("a", "/e2/beph", false)
	s.create("a", jute.OpCreateContainer, "/e2/ct", "", jute.ModeContainer)
	s.createTTL("a", "/e2/ttl", jute.ModePersistentWithTTL, 100000)
	s.multi("a", mOp(jute.OpDelete, &jute.DeleteRequest{Path: "/e2/ct", Version: 0}),
		mOp(jute.OpDelete, &jute.DeleteRequest{Path: "/e2/ttl", Version: 0}))
	s.multi("a", mCreate("/e2/d", 0),
		mOp(jute.OpDelete, &jute.DeleteRequest{Path: "/e2/d", Version: -1}),
		mOp(jute.OpSetData, &jute.SetDataRequest{Path: "/e2/d", Data: []byte("x"), Version: -1}))
	s.multi("a", mCreate("/e2/d", 0),
		mOp(jute.OpDelete, &jute.DeleteRequest{Path: "/e2/d", Version: -1}),
		mOp(jute.OpCheck, &jute.CheckVersionRequest{Path: "/e2/d", Version: -1}))
	s.multi("a", mOp(jute.OpDelete, &jute.DeleteRequest{Path: "/e2/n", Version: -1}), mCreate("/e2/n/c", 0))
	s.multi("a", mOp(jute.OpSetACL, &jute.SetACLRequest{Path: "/e2/n", ACL: worldAll, Version: -1}))
	// TTL and container creates in a multi, with odd flags and TTLs.
	for _, ttl := range []int64{0, -1, 1 << 40} {
		s.multi("a", mOp(jute.OpCreateTTL, &jute.CreateTTLRequest{Path: fmt.Sprintf("/e2/mt%d", ttl), ACL: worldAll, Flags: jute.ModePersistentWithTTL, TTL: ttl}))
	}
	s.multi("a", mOp(jute.OpCreateTTL, &jute.CreateTTLRequest{Path: "/e2/mtf", ACL: worldAll, Flags: 0, TTL: 1000}))
	s.multi("a", mOp(jute.OpCreateContainer, &jute.CreateRequest{Path: "/e2/mcf", ACL: worldAll, Flags: 0}))
	s.multi("a", mOp(jute.OpCreateContainer, &jute.CreateRequest{Path: "/e2/mcs", ACL: worldAll, Flags: jute.ModePersistentSequential}))
	// In a multi the kind of create follows its flags, whatever its
	// opcode.
	for _, c := range []struct {
		op    jute.OpCode
		path  string
		flags jute.CreateMode
	}{
		{jute.OpCreate, "/e2/mc4", jute.ModeContainer}, {jute.OpCreate2, "/e2/mc4b", jute.ModeContainer},
		{jute.OpCreate, "/e2/mc5", jute.ModePersistentWithTTL}, {jute.OpCreate2, "/e2/mc6", jute.ModePersistentSequentialWithTTL},
		{jute.OpCreateContainer, "/e2/mcc5", jute.ModePersistentWithTTL}, {jute.OpCreateContainer, "/e2/mcc1", jute.ModeEphemeral},
		{jute.OpCreate, "/e2/mc7", 7}, {jute.OpCreateContainer, "/e2/mcc7", 7},
	} {
		s.multi("a", mOp(c.op, &jute.CreateRequest{Path: c.path, ACL: worldAll, Flags: c.flags}))
	}
	for _, c := range []struct {
		path  string
		flags jute.CreateMode
	}{{"/e2/mt4", jute.ModeContainer}, {"/e2/mt2", jute.ModePersistentSequential}, {"/e2/mt1", jute.ModeEphemeral}, {"/e2/mt7", 7}} {
		s.multi("a", mOp(jute.OpCreateTTL, &jute.CreateTTLRequest{Path: c.path, ACL: worldAll, Flags: c.flags, TTL: 1000}))
	}
	s.c2("a", "/e2/mc4/c", "")
	s.c2("a", "/e2/mcf/c", "")
	s.del("a", "/e2/mc4/c", -1)
	s.del("a", "/e2/mcf/c", -1)
	s.pollGone("a", "/e2/mc4")
	s.exists("a", "/e2/mcf", false)
	s.exists("a", "/e2/mcc1", false)
	s.exists("a", "/e2/mt1", false)
	s.exists("a", "/e2/mt4", false)
	// An op refused for its record fails where it stands: after an
	// earlier op's failure, or before a later one's.
	s.multi("a", mCreate("/e2", 0), mOp(jute.OpCreateTTL, &jute.CreateTTLRequest{Path: "/e2/bt", ACL: worldAll, Flags: jute.ModePersistentWithTTL, TTL: 0}))
	s.multi("a", mOp(jute.OpCreateTTL, &jute.CreateTTLRequest{Path: "/e2/bt", ACL: worldAll, Flags: jute.ModePersistentWithTTL, TTL: 0}), mCreate("/e2", 0))
	s.multi("a", mCreate("/e2", 0), mOp(jute.OpCreate, &jute.CreateRequest{Path: "/e2/bt", ACL: worldAll, Flags: jute.ModePersistentWithTTL}))
	s.multi("a", mCreate("/e2/bt", 0), mOp(jute.OpCreate, &jute.CreateRequest{Path: "/e2/bt2", ACL: worldAll, Flags: jute.ModePersistentWithTTL}))
	s.exists("a", "/e2/bt", false)
	s.multi("a", mCreate("/e2/ms", 0), mCreate("/e2/ms/s-", jute.ModePersistentSequential), mCreate("/e2/ms/s-", jute.ModeEphemeralSequential),
		mOp(jute.OpCheck, &jute.CheckVersionRequest{Path: "/e2/ms/s-0000000001", Version: 0}))
	s.children2("a", "/e2/ms", false)
	s.children2("a", "/e2", false)

	// Records with bytes after their end.
	s.call("a", jute.OpExists, withTrailing(&jute.ExistsRequest{Path: "/e2"}, 4))
	s.call("a", jute.OpGetData, withTrailing(&jute.GetDataRequest{Path: "/e2/n"}, 1))
	s.call("a", jute.OpCreate2, withTrailing(&jute.CreateRequest{Path: "/e2/tr", Data: []byte("t"), ACL: worldAll}, 3))
	s.call("a", jute.OpSetData, withTrailing(&jute.SetDataRequest{Path: "/e2/tr", Data: []byte("u"), Version: -1}, 8))
	s.call("a", jute.OpDelete, withTrailing(&jute.DeleteRequest{Path: "/e2/tr", Version: -1}, 2))
	s.call("a", jute.OpMulti, withTrailing(&jute.MultiRequest{Ops: []jute.MultiOp{mCreate("/e2/tm", 0)}}, 5))
	s.call("a", jute.OpSync, withTrailing(&jute.SyncRequest{Path: "/e2"}, 1))
	s.call("a", jute.OpGetChildren2, withTrailing(&jute.GetChildren2Request{Path: "/e2"}, 1))
	s.exists("a", "/e2", false)

	// Watches on a node the watcher cannot read: addWatch, setWatches and
	// exists check no ACL, but an event is delivered only to a session
	// that may read the node it is about (the parent for
	// NodeChildrenChanged), as ZooKeeper checks since CVE-2024-23944.
	s.call("b", jute.OpAddWatch, &jute.AddWatchRequest{Path: "/e2/locked", Mode: jute.AddWatchPersistent})
	s.call("b", jute.OpSetWatches, &jute.SetWatches{RelativeZxid: 1 << 62, DataWatches: []string{"/e2/locked/c"},
		ExistWatches: []string{}, ChildWatches: []string{}})
	s.exists("b", "/e2/locked/c2", true)
	s.connect("e", 30000)
	s.auth("e", "digest", "alice:pw")
	s.set("e", "/e2/locked", "y", -1)
	s.c2("e", "/e2/locked/c", "")
	s.c2("e", "/e2/locked/c2", "")
	s.pingStep("b")
	return s
}
