package e2e

import "github.com/zkgate/zkgate/zkbridge/jute"

// scriptSetWatches: the watches a client sends again after a reconnect
// (setWatches, and setWatches2 with persistent watches, as ZooKeeper
// 3.6+ clients send them). For each data, exist and child watch the
// server compares the node with relativeZxid, the last zxid the client
// saw: what changed since fires at once (before the reply), what did not
// is registered; persistent watches are always registered. relativeZxid
// 0 (everything changed since) and 1<<62 (nothing did) are the two ends
// a script can name on both servers.
func scriptSetWatches() *script {
	s := &script{name: "setwatches"}
	s.connect("a", 30000)
	s.c2("a", "/sw", "")
	s.c2("a", "/sw/c", "")
	s.c2("a", "/sw/c/g", "")

	// Everything changed since zxid 0.
	s.connect("b", 30000)
	s.call("b", jute.OpSetWatches2, &jute.SetWatches2{RelativeZxid: 0,
		DataWatches:                []string{"/sw", "/sw/gone", "/", "/zookeeper"},
		ExistWatches:               []string{"/sw/c", "/sw/later"},
		ChildWatches:               []string{"/sw", "/sw/gone", "/sw/c/g"},
		PersistentWatches:          []string{"/sw/p"},
		PersistentRecursiveWatches: []string{"/sw/r"},
	})
	s.call("b", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/sw", Type: jute.WatcherData})
	s.call("b", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/sw/later", Type: jute.WatcherData})
	s.call("b", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/sw/c/g", Type: jute.WatcherChildren})
	s.call("b", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/sw/p", Type: jute.WatcherPersistent})
	s.call("b", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/sw/r", Type: jute.WatcherPersistentRecursive})
	s.c2("a", "/sw/later", "")
	s.events("b", 1)
	s.c2("a", "/sw/c/g/x", "")
	s.events("b", 1)
	s.c2("a", "/sw/p", "")
	s.events("b", 1)
	s.c2("a", "/sw/r", "")
	s.events("b", 1)
	s.c2("a", "/sw/r/x", "")
	s.events("b", 1)
	s.set("a", "/sw/p", "1", -1)
	s.events("b", 1)

	// Nothing changed since: every watch is registered.
	s.connect("c", 30000)
	s.call("c", jute.OpSetWatches2, &jute.SetWatches2{RelativeZxid: 1 << 62,
		DataWatches:                []string{"/sw", "/sw/gone"},
		ExistWatches:               []string{"/sw/c", "/sw/none"},
		ChildWatches:               []string{"/sw"},
		PersistentWatches:          []string{},
		PersistentRecursiveWatches: []string{},
	})
	s.set("a", "/sw", "x", -1)
	s.events("c", 1)
	s.del("a", "/sw/c/g/x", -1)
	s.del("a", "/sw/c/g", -1)
	s.del("a", "/sw/c", -1)
	s.events("c", 1)
	s.c2("a", "/sw/none", "")
	s.events("c", 1)
	s.c2("a", "/sw/gone", "")
	s.events("c", 1)

	// The same with setWatches (no persistent lists), and one list
	// naming a path twice.
	s.connect("d", 30000)
	s.call("d", jute.OpSetWatches, &jute.SetWatches{RelativeZxid: 0,
		DataWatches:  []string{"/sw", "/sw", "/sw/nope"},
		ExistWatches: []string{"/sw/gone", "/sw/nope"},
		ChildWatches: []string{"/sw"},
	})
	s.call("d", jute.OpSetWatches, &jute.SetWatches{RelativeZxid: 1 << 62,
		DataWatches:  []string{"/sw/none", "relative", ""},
		ExistWatches: []string{},
		ChildWatches: []string{},
	})
	s.set("a", "/sw/none", "y", -1)
	s.events("d", 1)
	s.closeSession("a")
	return s
}
