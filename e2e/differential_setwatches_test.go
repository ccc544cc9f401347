package e2e

import (
	"github.com/zkgate/zkgate/e2e/differential"
	"github.com/zkgate/zkgate/zkbridge/jute"
)

// scriptSetWatches: the watches a client sends again after a reconnect
// (setWatches, and setWatches2 with persistent watches, as ZooKeeper
// 3.6+ clients send them). For each data, exist and child watch the
// server compares the node with relativeZxid, the last zxid the client
// saw: what changed since fires at once (before the reply), what did not
// is registered; persistent watches are always registered. relativeZxid
// 0 (everything changed since) and 1<<62 (nothing did) are the two ends
// a script can name on both servers.
func scriptSetWatches() *differential.Script {
	s := differential.New("setwatches")
	s.Connect("a", 30000)
	s.C2("a", "/sw", "")
	s.C2("a", "/sw/c", "")
	s.C2("a", "/sw/c/g", "")

	// Everything changed since zxid 0.
	s.Connect("b", 30000)
	s.Call("b", jute.OpSetWatches2, &jute.SetWatches2{RelativeZxid: 0,
		DataWatches:                []string{"/sw", "/sw/gone", "/", "/zookeeper"},
		ExistWatches:               []string{"/sw/c", "/sw/later"},
		ChildWatches:               []string{"/sw", "/sw/gone", "/sw/c/g"},
		PersistentWatches:          []string{"/sw/p"},
		PersistentRecursiveWatches: []string{"/sw/r"},
	})
	s.Call("b", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/sw", Type: jute.WatcherData})
	s.Call("b", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/sw/later", Type: jute.WatcherData})
	s.Call("b", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/sw/c/g", Type: jute.WatcherChildren})
	s.Call("b", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/sw/p", Type: jute.WatcherPersistent})
	s.Call("b", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/sw/r", Type: jute.WatcherPersistentRecursive})
	s.C2("a", "/sw/later", "")
	s.Events("b", 1)
	s.C2("a", "/sw/c/g/x", "")
	s.Events("b", 1)
	s.C2("a", "/sw/p", "")
	s.Events("b", 1)
	s.C2("a", "/sw/r", "")
	s.Events("b", 1)
	s.C2("a", "/sw/r/x", "")
	s.Events("b", 1)
	s.Set("a", "/sw/p", "1", -1)
	s.Events("b", 1)

	// Nothing changed since: every watch is registered.
	s.Connect("c", 30000)
	s.Call("c", jute.OpSetWatches2, &jute.SetWatches2{RelativeZxid: 1 << 62,
		DataWatches:                []string{"/sw", "/sw/gone"},
		ExistWatches:               []string{"/sw/c", "/sw/none"},
		ChildWatches:               []string{"/sw"},
		PersistentWatches:          []string{},
		PersistentRecursiveWatches: []string{},
	})
	s.Set("a", "/sw", "x", -1)
	s.Events("c", 1)
	s.Del("a", "/sw/c/g/x", -1)
	s.Del("a", "/sw/c/g", -1)
	s.Del("a", "/sw/c", -1)
	s.Events("c", 1)
	s.C2("a", "/sw/none", "")
	s.Events("c", 1)
	s.C2("a", "/sw/gone", "")
	s.Events("c", 1)

	// The same with setWatches (no persistent lists), and one list
	// naming a path twice.
	s.Connect("d", 30000)
	s.Call("d", jute.OpSetWatches, &jute.SetWatches{RelativeZxid: 0,
		DataWatches:  []string{"/sw", "/sw", "/sw/nope"},
		ExistWatches: []string{"/sw/gone", "/sw/nope"},
		ChildWatches: []string{"/sw"},
	})
	s.Call("d", jute.OpSetWatches, &jute.SetWatches{RelativeZxid: 1 << 62,
		DataWatches:  []string{"/sw/none", "relative", ""},
		ExistWatches: []string{},
		ChildWatches: []string{},
	})
	s.Set("a", "/sw/none", "y", -1)
	s.Events("d", 1)
	s.CloseSession("a")
	return s
}
