package e2e

import (
	"fmt"

	"github.com/zkgate/zkgate/e2e/differential"
	"github.com/zkgate/zkgate/e2e/harness"
	"github.com/zkgate/zkgate/zkbridge/jute"
)

// Edges of ZooKeeper 3.8's request processing that the other scripts do
// not reach: the handshake's corner cases, requests sent before the
// handshake ends, watches of other sessions and on nodes a read could not
// see, one-shot and persistent watches on one node, setACL's effect on a
// Stat, multis that delete a subtree or use another session's ephemeral,
// and records with bytes after their end.

func scriptEdges2() *differential.Script {
	s := differential.New("edges2")
	s.Connect("a", 30000)
	s.C2("a", "/e2", "")

	// Handshake corner cases. A connect naming a session closes that
	// session's open connection first, whatever happens next.
	s.Connect("h", 30000)
	s.Create("h", jute.OpCreate2, "/e2/heph", "", jute.ModeEphemeral)
	zero := make([]byte, 16)
	sessionOf := func(from string, passwd func([]byte) []byte, lastZxid int64, timeout int32) func(differential.Sessions) harness.ZKConnectOptions {
		return func(ss differential.Sessions) harness.ZKConnectOptions {
			r := ss[from].Resp
			return harness.ZKConnectOptions{SessionID: r.SessionID, Passwd: passwd(r.Passwd), LastZxidSeen: lastZxid, TimeOut: timeout}
		}
	}
	same := func(p []byte) []byte { return p }
	s.ConnectWith("w", "with h's session id and a wrong password", sessionOf("h", func([]byte) []byte { return zero }, 0, 30000))
	s.Ping("h")
	s.ConnectWith("h2", "with h's session id and password", sessionOf("h", same, 0, 30000))
	s.Exists("h2", "/e2/heph", false)
	s.ConnectWith("u", "with an unknown session id", func(ss differential.Sessions) harness.ZKConnectOptions {
		return harness.ZKConnectOptions{SessionID: ss["h"].Resp.SessionID + 1000, Passwd: ss["h"].Resp.Passwd, TimeOut: 30000}
	})
	s.Ping("h2")
	s.ConnectWith("s", "with h's session id and a short password", sessionOf("h", func(p []byte) []byte { return p[:8] }, 0, 30000))
	s.Ping("h2")
	s.ConnectWith("h3", "with h's session id and password", sessionOf("h", same, 0, 30000))
	s.ConnectWith("z", "new session with lastZxidSeen 2^40 (ahead)", func(differential.Sessions) harness.ZKConnectOptions {
		return harness.ZKConnectOptions{LastZxidSeen: 1 << 40, TimeOut: 30000}
	})
	s.ConnectWith("z2", "with h's session and lastZxidSeen 2^40 (ahead)", sessionOf("h", same, 1<<40, 30000))
	s.Ping("h3")
	s.ConnectWith("h4", "with h's session id and password, timeout 10000", sessionOf("h", same, 0, 10000))
	s.Ping("h3")
	s.Exists("h4", "/e2/heph", false)
	s.CloseSession("h4")
	s.ConnectWith("h5", "with h's session id and password after its close", sessionOf("h", same, 0, 30000))
	s.Exists("a", "/e2/heph", false)
	s.ConnectWith("r", "readOnly=true", func(differential.Sessions) harness.ZKConnectOptions {
		return harness.ZKConnectOptions{ReadOnly: true, TimeOut: 30000}
	})
	s.Exists("r", "/e2", false)
	s.CloseSession("r")
	s.ConnectWith("l", "legacy (no readOnly byte)", func(differential.Sessions) harness.ZKConnectOptions {
		return harness.ZKConnectOptions{Legacy: true, TimeOut: 30000}
	})
	s.Exists("l", "/e2", false)
	s.CloseSession("l")
	for _, to := range []int32{1, -5, 3999, 4001, 39999, 40001, 1 << 30} {
		name := fmt.Sprintf("t%d", to)
		s.ConnectWith(name, fmt.Sprintf("timeout=%d", to), func(differential.Sessions) harness.ZKConnectOptions {
			return harness.ZKConnectOptions{TimeOut: to}
		})
		s.CloseSession(name)
	}
	// A request pipelined behind the ConnectRequest is served after it.
	s.Custom("p", "connect with exists /e2 and create2 /e2/pipe (ephemeral) sent before the ConnectResponse",
		func(addr string, _ differential.Sessions) (*harness.ZKRaw, []differential.Line) {
			pipe := jute.AppendPacket(nil, &jute.RequestHeader{Xid: 1000, Type: jute.OpExists}, &jute.ExistsRequest{Path: "/e2"})
			pipe = jute.AppendPacket(pipe, &jute.RequestHeader{Xid: 1001, Type: jute.OpCreate2},
				&jute.CreateRequest{Path: "/e2/pipe", Data: []byte("p"), ACL: worldAll, Flags: jute.ModeEphemeral})
			nc, err := harness.DialZK(addr, harness.ZKConnectOptions{TimeOut: 30000, Pipelined: pipe})
			var l differential.Line
			if err != nil {
				l.Text("connect failed: %v", err)
				return nil, []differential.Line{l}
			}
			lines := []differential.Line{differential.ConnectLine(nc)}
			for _, op := range []jute.OpCode{jute.OpExists, jute.OpCreate2} {
				rh, d, err := nc.ReadReply()
				rl := differential.ReplyLine(op, rh, d, err)
				var x differential.Line
				x.Text("  xid=%d", rh.Xid)
				lines = append(lines, append(x, rl...))
			}
			return nc, lines
		})
	s.Exists("a", "/e2/pipe", false)
	// A second ConnectRequest on an established connection.
	s.Custom("p", "a second ConnectRequest on the same connection",
		func(_ string, ss differential.Sessions) (*harness.ZKRaw, []differential.Line) {
			c := ss["p"]
			var l differential.Line
			if err := c.WriteRaw(jute.AppendPacket(nil, &jute.ConnectRequest{TimeOut: 30000, Passwd: zero})); err != nil {
				l.Text("write: %v", differential.ErrText(err))
				return nil, []differential.Line{l}
			}
			rh, d, err := c.ReadReply()
			if err != nil {
				l.Text("  -> %s", differential.ErrText(err))
				return nil, []differential.Line{l}
			}
			l.Text("  xid=%d", rh.Xid)
			l = append(l, differential.ReplyLine(jute.OpExists, rh, d, nil)...)
			return nil, []differential.Line{l}
		})
	s.AwaitClose("p")
	s.Exists("a", "/e2/pipe", false)

	// Watches another session set, or a failed read would have set.
	s.Connect("b", 30000)
	s.C2("a", "/e2/n", "")
	s.Get("b", "/e2/n", true)
	s.Call("a", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/e2/n", Type: jute.WatcherData})
	s.Call("a", jute.OpRemoveWatches, &jute.RemoveWatchesRequest{Path: "/e2/n", Type: jute.WatcherAny})
	s.Set("a", "/e2/n", "1", -1)
	s.Events("b", 1)
	s.Get("b", "/e2/missing", true)
	s.Children("b", "/e2/missing", true)
	s.Children2("b", "/e2/missing", true)
	s.Call("b", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/e2/missing", Type: jute.WatcherAny})
	s.C2("a", "/e2/missing", "")
	s.CreateACL("a", "/e2/locked", []jute.ACL{acl(jute.PermAll, "digest", aliceID)}, 0)
	s.Get("b", "/e2/locked", true)
	s.Children("b", "/e2/locked", true)
	s.Exists("b", "/e2/locked", true)
	s.Call("b", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/e2/locked", Type: jute.WatcherChildren})
	s.Call("b", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/e2/locked", Type: jute.WatcherData})
	s.Exists("b", "/e2/bad/", true)
	s.Get("b", "/e2/bad/", true)
	s.Call("b", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/e2/bad/", Type: jute.WatcherData})
	s.Call("b", jute.OpRemoveWatches, &jute.RemoveWatchesRequest{Path: "/e2/bad/", Type: jute.WatcherData})
	s.Call("b", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "e2", Type: jute.WatcherData})
	s.Call("b", jute.OpAddWatch, &jute.AddWatchRequest{Path: "e2", Mode: jute.AddWatchPersistent})
	s.Call("b", jute.OpAddWatch, &jute.AddWatchRequest{Path: "/e2/bad/", Mode: jute.AddWatchPersistent})
	s.Call("b", jute.OpRemoveWatches, &jute.RemoveWatchesRequest{Path: "/e2/bad/", Type: jute.WatcherAny})
	// An exists watch on a missing node survives a getData or
	// getChildren of it, which set none.
	s.Exists("b", "/e2/later", true)
	s.Get("b", "/e2/later", true)
	s.Children("b", "/e2/later", true)
	s.Call("b", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/e2/later", Type: jute.WatcherData})
	s.C2("a", "/e2/later", "")
	s.Events("b", 1)
	s.Call("b", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "", Type: jute.WatcherData})
	s.Call("b", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/", Type: jute.WatcherData})
	s.Call("b", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "e2", Type: 7})
	s.Call("b", jute.OpRemoveWatches, &jute.RemoveWatchesRequest{Path: "e2", Type: jute.WatcherData})
	// "" reads the root, but a watch it sets stays on "".
	s.Exists("b", "", true)
	s.Get("b", "", true)
	s.Children("b", "", true)
	s.Set("a", "/", "", -1)
	s.C2("a", "/e2root", "")
	s.Del("a", "/e2root", -1)
	s.Ping("b")
	s.Call("b", jute.OpRemoveWatches, &jute.RemoveWatchesRequest{Path: "", Type: jute.WatcherAny})
	s.Call("b", jute.OpRemoveWatches, &jute.RemoveWatchesRequest{Path: "/", Type: jute.WatcherAny})
	// System nodes take watches like any other.
	for _, p := range []string{"/zookeeper/config", "/zookeeper/quota", "/zookeeper"} {
		s.Exists("b", p, true)
		s.Get("b", p, true)
		s.Children("b", p, true)
		s.Call("b", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: p, Type: jute.WatcherData})
		s.Call("b", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: p, Type: jute.WatcherChildren})
		s.Call("b", jute.OpRemoveWatches, &jute.RemoveWatchesRequest{Path: p, Type: jute.WatcherAny})
	}
	// A one-shot and a persistent watch on one node, one session.
	s.C2("a", "/e2/pw", "")
	s.Exists("b", "/e2/pw", true)
	s.Call("b", jute.OpAddWatch, &jute.AddWatchRequest{Path: "/e2/pw", Mode: jute.AddWatchPersistent})
	s.Set("a", "/e2/pw", "1", -1)
	s.Events("b", 1)
	s.Ping("b")
	s.Get("b", "/e2/pw", true)
	s.Set("a", "/e2/pw", "2", -1)
	s.Events("b", 1)
	s.Set("a", "/e2/pw", "3", -1)
	s.Events("b", 1)
	s.Call("b", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/e2/pw", Type: jute.WatcherData})
	s.Children("b", "/e2/pw", true)
	s.Call("b", jute.OpAddWatch, &jute.AddWatchRequest{Path: "/e2", Mode: jute.AddWatchPersistentRecursive})
	s.C2("a", "/e2/pw/c", "")
	s.Events("b", 2)
	s.Ping("b")
	s.Call("b", jute.OpRemoveWatches, &jute.RemoveWatchesRequest{Path: "/e2/pw", Type: jute.WatcherPersistent})
	s.Call("b", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/e2/pw", Type: jute.WatcherAny})
	s.Call("b", jute.OpRemoveWatches, &jute.RemoveWatchesRequest{Path: "/e2", Type: jute.WatcherAny})
	s.Call("b", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/e2", Type: jute.WatcherAny})

	// A one-shot watch replaces a recursive one on the same path; a
	// persistent watch has a data half and a child half.
	s.Call("b", jute.OpAddWatch, &jute.AddWatchRequest{Path: "/e2/rw", Mode: jute.AddWatchPersistentRecursive})
	s.Call("b", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/e2/rw", Type: jute.WatcherChildren})
	s.Call("b", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/e2/rw", Type: jute.WatcherData})
	s.Exists("b", "/e2/rw", true)
	s.C2("a", "/e2/rw", "")
	s.Events("b", 1)
	s.C2("a", "/e2/rw/x", "")
	s.Ping("b")
	s.Call("b", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/e2/rw", Type: jute.WatcherAny})
	s.C2("a", "/e2/rw/x/y", "")
	s.Del("a", "/e2/rw/x/y", -1)
	s.Ping("b")
	s.Del("a", "/e2/rw/x", -1)
	s.Del("a", "/e2/rw", -1)
	s.Ping("b")
	s.Call("b", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/e2/rw", Type: jute.WatcherAny})
	s.Call("b", jute.OpRemoveWatches, &jute.RemoveWatchesRequest{Path: "/e2/rw", Type: jute.WatcherChildren})
	s.Call("b", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/e2/rw", Type: jute.WatcherAny})
	s.Call("b", jute.OpAddWatch, &jute.AddWatchRequest{Path: "/e2/pd", Mode: jute.AddWatchPersistent})
	s.C2("a", "/e2/pd", "")
	s.Events("b", 1)
	s.Call("b", jute.OpRemoveWatches, &jute.RemoveWatchesRequest{Path: "/e2/pd", Type: jute.WatcherData})
	s.Call("b", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/e2/pd", Type: jute.WatcherChildren})
	s.C2("a", "/e2/pd/c", "")
	s.Events("b", 1)
	s.Set("a", "/e2/pd", "x", -1)
	s.Ping("b")
	s.Children("b", "/e2/pd", true)
	s.C2("a", "/e2/pd/d", "")
	s.Events("b", 1)
	s.C2("a", "/e2/pd/e", "")
	s.Ping("b")

	// multiRead's reads take their watch flags.
	s.C2("a", "/e2/mr", "")
	s.Call("b", jute.OpMultiRead, &jute.MultiRequest{Ops: []jute.MultiOp{
		mOp(jute.OpGetData, &jute.GetDataRequest{Path: "/e2/mr", Watch: true}),
		mOp(jute.OpGetChildren, &jute.GetChildrenRequest{Path: "/e2/mr", Watch: true}),
		mOp(jute.OpGetData, &jute.GetDataRequest{Path: "/e2/mr/none", Watch: true}),
	}})
	s.Call("b", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/e2/mr", Type: jute.WatcherData})
	s.Call("b", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/e2/mr", Type: jute.WatcherChildren})
	s.Call("b", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/e2/mr/none", Type: jute.WatcherData})
	s.Set("a", "/e2/mr", "x", -1)
	s.C2("a", "/e2/mr/c", "")
	s.Events("b", 2)
	// Watches re-armed by setWatches2: a persistent watch is set after
	// the one-shot watch of the same path, and wins.
	s.C2("a", "/e2/sw", "")
	s.Connect("c", 30000)
	s.Call("c", jute.OpSetWatches2, &jute.SetWatches2{RelativeZxid: 1 << 62,
		DataWatches: []string{"/e2/sw"}, ExistWatches: []string{}, ChildWatches: []string{"/e2/sw"},
		PersistentWatches: []string{"/e2/sw"}, PersistentRecursiveWatches: []string{}})
	s.Set("a", "/e2/sw", "1", -1)
	s.Events("c", 1)
	s.Set("a", "/e2/sw", "2", -1)
	s.Events("c", 1)
	s.C2("a", "/e2/sw/c", "")
	s.Events("c", 1)
	s.Call("c", jute.OpSetWatches2, &jute.SetWatches2{RelativeZxid: 1 << 62,
		DataWatches: []string{"/e2/sw"}, ExistWatches: []string{}, ChildWatches: []string{},
		PersistentWatches: []string{}, PersistentRecursiveWatches: []string{"/e2/sw"}})
	s.Set("a", "/e2/sw", "3", -1)
	s.C2("a", "/e2/sw/c/d", "")
	s.Events("c", 2)
	s.Set("a", "/e2/sw", "4", -1)
	s.Ping("c")
	// Special xids belong to the opcode, not the other way round.
	s.CallXid("c", 5, jute.OpPing, nil, "ping with xid 5")
	s.CallXid("c", jute.XidPing, jute.OpExists, &jute.ExistsRequest{Path: "/e2"}, "exists /e2 with xid -2")
	s.CallXid("c", 7, jute.OpAuth, &jute.AuthPacket{Scheme: "digest", Auth: []byte("carol:pw")}, "addauth digest with xid 7")
	s.Call("c", jute.OpWhoAmI, nil)
	s.Ping("c")
	s.CloseSession("c")

	// A multi that writes one znode twice fires each op's events.
	s.C2("a", "/e2/mp", "")
	s.Connect("d", 30000)
	s.Call("d", jute.OpAddWatch, &jute.AddWatchRequest{Path: "/e2/mp", Mode: jute.AddWatchPersistentRecursive})
	s.Call("b", jute.OpAddWatch, &jute.AddWatchRequest{Path: "/e2/mp", Mode: jute.AddWatchPersistent})
	s.Exists("b", "/e2/mp/x", true)
	s.Multi("a", mCreate("/e2/mp/x", 0), mOp(jute.OpDelete, &jute.DeleteRequest{Path: "/e2/mp/x", Version: -1}))
	s.Ping("b")
	s.Ping("d")
	s.Multi("a", mOp(jute.OpSetData, &jute.SetDataRequest{Path: "/e2/mp", Data: []byte("1"), Version: -1}),
		mOp(jute.OpSetData, &jute.SetDataRequest{Path: "/e2/mp", Data: []byte("2"), Version: -1}))
	s.Ping("b")
	s.Ping("d")
	s.Multi("a", mCreate("/e2/mp/y", 0), mOp(jute.OpSetData, &jute.SetDataRequest{Path: "/e2/mp/y", Data: []byte("1"), Version: -1}),
		mOp(jute.OpDelete, &jute.DeleteRequest{Path: "/e2/mp/y", Version: -1}), mCreate("/e2/mp/y", 0))
	s.Ping("b")
	s.Ping("d")
	s.CloseSession("d")
	s.Call("b", jute.OpRemoveWatches, &jute.RemoveWatchesRequest{Path: "/e2/mp", Type: jute.WatcherAny})

	// setACL: versions, and what it changes in the Stat.
	s.C2("a", "/e2/acl", "")
	s.C2("a", "/e2/acl/c", "")
	s.SetACL("a", "/e2/acl", worldAll, -1)
	s.SetACL("a", "/e2/acl", worldAll, 1)
	s.SetACL("a", "/e2/acl", worldAll, 0)
	s.SetACL("a", "/e2/acl", worldAll, -2)
	s.SetACL("a", "/e2/acl/missing", worldAll, 5)
	s.GetACL("a", "/e2/acl")
	s.Exists("a", "/e2", false)
	s.Set("a", "/e2/acl", "d", 0)
	s.Del("a", "/e2/acl/c", -2)
	s.Multi("a", mOp(jute.OpCheck, &jute.CheckVersionRequest{Path: "/e2/acl", Version: -2}))
	s.Multi("a", mOp(jute.OpCheck, &jute.CheckVersionRequest{Path: "/e2/acl", Version: 1}),
		mOp(jute.OpCheck, &jute.CheckVersionRequest{Path: "/", Version: -1}),
		mOp(jute.OpCheck, &jute.CheckVersionRequest{Path: "/zookeeper", Version: 0}))

	// Multis: a subtree deleted bottom-up, children of another session's
	// ephemeral, containers and TTL nodes deleted, ops after a delete.
	s.Multi("a", mCreate("/e2/t", 0), mCreate("/e2/t/a", 0), mCreate("/e2/t/b", 0), mCreate("/e2/t/a/x", 0))
	s.Multi("a", mOp(jute.OpDelete, &jute.DeleteRequest{Path: "/e2/t/a/x", Version: -1}),
		mOp(jute.OpDelete, &jute.DeleteRequest{Path: "/e2/t/a", Version: -1}),
		mOp(jute.OpDelete, &jute.DeleteRequest{Path: "/e2/t", Version: -1}))
	s.Multi("a", mOp(jute.OpDelete, &jute.DeleteRequest{Path: "/e2/t/a/x", Version: -1}),
		mOp(jute.OpDelete, &jute.DeleteRequest{Path: "/e2/t/a", Version: -1}),
		mOp(jute.OpDelete, &jute.DeleteRequest{Path: "/e2/t/b", Version: 0}),
		mOp(jute.OpDelete, &jute.DeleteRequest{Path: "/e2/t", Version: 0}))
	s.Exists("a", "/e2", false)
	s.Exists("a", "/e2/t", false)
	s.Create("b", jute.OpCreate2, "/e2/beph", "", jute.ModeEphemeral)
	s.Get("b", "/e2/beph", true)
	s.Children("b", "/e2", true)
	s.Multi("a", mCreate("/e2/beph/x", 0))
	s.Multi("a", mCreate("/e2/beph/x", jute.ModeEphemeral))
	s.Multi("a", mOp(jute.OpDelete, &jute.DeleteRequest{Path: "/e2/beph", Version: 0}), mCreate("/e2/beph", 0), mCreate("/e2/beph/x", 0))
	s.Ping("b")
	s.Exists("a", "/e2/beph", false)
	s.Create("a", jute.OpCreateContainer, "/e2/ct", "", jute.ModeContainer)
	s.CreateTTL("a", "/e2/ttl", jute.ModePersistentWithTTL, 100000)
	s.Multi("a", mOp(jute.OpDelete, &jute.DeleteRequest{Path: "/e2/ct", Version: 0}),
		mOp(jute.OpDelete, &jute.DeleteRequest{Path: "/e2/ttl", Version: 0}))
	s.Multi("a", mCreate("/e2/d", 0),
		mOp(jute.OpDelete, &jute.DeleteRequest{Path: "/e2/d", Version: -1}),
		mOp(jute.OpSetData, &jute.SetDataRequest{Path: "/e2/d", Data: []byte("x"), Version: -1}))
	s.Multi("a", mCreate("/e2/d", 0),
		mOp(jute.OpDelete, &jute.DeleteRequest{Path: "/e2/d", Version: -1}),
		mOp(jute.OpCheck, &jute.CheckVersionRequest{Path: "/e2/d", Version: -1}))
	s.Multi("a", mOp(jute.OpDelete, &jute.DeleteRequest{Path: "/e2/n", Version: -1}), mCreate("/e2/n/c", 0))
	s.Multi("a", mOp(jute.OpSetACL, &jute.SetACLRequest{Path: "/e2/n", ACL: worldAll, Version: -1}))
	// TTL and container creates in a multi, with odd flags and TTLs.
	for _, ttl := range []int64{0, -1, 1 << 40} {
		s.Multi("a", mOp(jute.OpCreateTTL, &jute.CreateTTLRequest{Path: fmt.Sprintf("/e2/mt%d", ttl), ACL: worldAll, Flags: jute.ModePersistentWithTTL, TTL: ttl}))
	}
	s.Multi("a", mOp(jute.OpCreateTTL, &jute.CreateTTLRequest{Path: "/e2/mtf", ACL: worldAll, Flags: 0, TTL: 1000}))
	s.Multi("a", mOp(jute.OpCreateContainer, &jute.CreateRequest{Path: "/e2/mcf", ACL: worldAll, Flags: 0}))
	s.Multi("a", mOp(jute.OpCreateContainer, &jute.CreateRequest{Path: "/e2/mcs", ACL: worldAll, Flags: jute.ModePersistentSequential}))
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
		s.Multi("a", mOp(c.op, &jute.CreateRequest{Path: c.path, ACL: worldAll, Flags: c.flags}))
	}
	for _, c := range []struct {
		path  string
		flags jute.CreateMode
	}{{"/e2/mt4", jute.ModeContainer}, {"/e2/mt2", jute.ModePersistentSequential}, {"/e2/mt1", jute.ModeEphemeral}, {"/e2/mt7", 7}} {
		s.Multi("a", mOp(jute.OpCreateTTL, &jute.CreateTTLRequest{Path: c.path, ACL: worldAll, Flags: c.flags, TTL: 1000}))
	}
	s.C2("a", "/e2/mc4/c", "")
	s.C2("a", "/e2/mcf/c", "")
	s.Del("a", "/e2/mc4/c", -1)
	s.Del("a", "/e2/mcf/c", -1)
	s.PollGone("a", "/e2/mc4")
	s.Exists("a", "/e2/mcf", false)
	s.Exists("a", "/e2/mcc1", false)
	s.Exists("a", "/e2/mt1", false)
	s.Exists("a", "/e2/mt4", false)
	// An op refused for its record fails where it stands: after an
	// earlier op's failure, or before a later one's.
	s.Multi("a", mCreate("/e2", 0), mOp(jute.OpCreateTTL, &jute.CreateTTLRequest{Path: "/e2/bt", ACL: worldAll, Flags: jute.ModePersistentWithTTL, TTL: 0}))
	s.Multi("a", mOp(jute.OpCreateTTL, &jute.CreateTTLRequest{Path: "/e2/bt", ACL: worldAll, Flags: jute.ModePersistentWithTTL, TTL: 0}), mCreate("/e2", 0))
	s.Multi("a", mCreate("/e2", 0), mOp(jute.OpCreate, &jute.CreateRequest{Path: "/e2/bt", ACL: worldAll, Flags: jute.ModePersistentWithTTL}))
	s.Multi("a", mCreate("/e2/bt", 0), mOp(jute.OpCreate, &jute.CreateRequest{Path: "/e2/bt2", ACL: worldAll, Flags: jute.ModePersistentWithTTL}))
	s.Exists("a", "/e2/bt", false)
	s.Multi("a", mCreate("/e2/ms", 0), mCreate("/e2/ms/s-", jute.ModePersistentSequential), mCreate("/e2/ms/s-", jute.ModeEphemeralSequential),
		mOp(jute.OpCheck, &jute.CheckVersionRequest{Path: "/e2/ms/s-0000000001", Version: 0}))
	s.Children2("a", "/e2/ms", false)
	s.Children2("a", "/e2", false)

	// Records with bytes after their end.
	s.Call("a", jute.OpExists, differential.WithTrailing(&jute.ExistsRequest{Path: "/e2"}, 4))
	s.Call("a", jute.OpGetData, differential.WithTrailing(&jute.GetDataRequest{Path: "/e2/n"}, 1))
	s.Call("a", jute.OpCreate2, differential.WithTrailing(&jute.CreateRequest{Path: "/e2/tr", Data: []byte("t"), ACL: worldAll}, 3))
	s.Call("a", jute.OpSetData, differential.WithTrailing(&jute.SetDataRequest{Path: "/e2/tr", Data: []byte("u"), Version: -1}, 8))
	s.Call("a", jute.OpDelete, differential.WithTrailing(&jute.DeleteRequest{Path: "/e2/tr", Version: -1}, 2))
	s.Call("a", jute.OpMulti, differential.WithTrailing(&jute.MultiRequest{Ops: []jute.MultiOp{mCreate("/e2/tm", 0)}}, 5))
	s.Call("a", jute.OpSync, differential.WithTrailing(&jute.SyncRequest{Path: "/e2"}, 1))
	s.Call("a", jute.OpGetChildren2, differential.WithTrailing(&jute.GetChildren2Request{Path: "/e2"}, 1))
	s.Exists("a", "/e2", false)

	// Watches on a node the watcher cannot read: addWatch, setWatches and
	// exists check no ACL, but an event is delivered only to a session
	// that may read the node it is about (the parent for
	// NodeChildrenChanged), as ZooKeeper checks since CVE-2024-23944.
	s.Call("b", jute.OpAddWatch, &jute.AddWatchRequest{Path: "/e2/locked", Mode: jute.AddWatchPersistent})
	s.Call("b", jute.OpSetWatches, &jute.SetWatches{RelativeZxid: 1 << 62, DataWatches: []string{"/e2/locked/c"},
		ExistWatches: []string{}, ChildWatches: []string{}})
	s.Exists("b", "/e2/locked/c2", true)
	s.Connect("e", 30000)
	s.Auth("e", "digest", "alice:pw")
	s.Set("e", "/e2/locked", "y", -1)
	s.C2("e", "/e2/locked/c", "")
	s.C2("e", "/e2/locked/c2", "")
	s.Ping("b")
	return s
}
