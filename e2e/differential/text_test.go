package differential

import (
	"reflect"
	"strings"
	"testing"

	"github.com/zkgate/zkgate/zkbridge/jute"
)

func TestParse(t *testing.T) {
	digest := []jute.ACL{ACL(31, "digest", "alice:x=,y"), ACL(1, "world", "anyone")}
	for _, tc := range []struct {
		text string
		want func(s *Script)
	}{
		{"# a comment\n\n  \na> connect", func(s *Script) { s.Connect("a", 30000) }},
		{"b1> connect timeout=4000", func(s *Script) { s.Connect("b1", 4000) }},
		{"y> reconnect x", func(s *Script) { s.Reconnect("y", "x") }},
		{"a> addauth digest alice:pw", func(s *Script) { s.Auth("a", "digest", "alice:pw") }},
		{`a> addauth digest ""`, func(s *Script) { s.Auth("a", "digest", "") }},
		{"a> events 2", func(s *Script) { s.Events("a", 2) }},
		{"a> events 4 sorted", func(s *Script) { s.EventsUnordered("a", 4) }},
		{"a> closeSession\nx> drop", func(s *Script) { s.CloseSession("a"); s.Drop("x") }},
		{"a> pollGone /ttl/s-0000000002", func(s *Script) { s.PollGone("a", "/ttl/s-0000000002") }},
		{`a> create2 /sw ""`, func(s *Script) { s.C2("a", "/sw", "") }},
		{`a> create2 /sw "" flags=0`, func(s *Script) { s.C2("a", "/sw", "") }},
		{"a> create /nd/c1 null flags=1", func(s *Script) { s.Create("a", jute.OpCreate, "/nd/c1", NullData, 1) }},
		{`a> create /nd/c1 "null"`, func(s *Script) { s.Create("a", jute.OpCreate, "/nd/c1", "null", 0) }},
		{`a> create2 "/pth/a\x00b" "a b\t" flags=2`, func(s *Script) { s.Create("a", jute.OpCreate2, "/pth/a\x00b", "a b\t", 2) }},
		{`a> create2 /acl/r x acl="31:digest:alice:x=,y",1:world:anyone`, func(s *Script) { s.CreateACL("a", "/acl/r", digest, 0) }},
		{"a> create2 /acl/e x acl=", func(s *Script) { s.CreateACL("a", "/acl/e", []jute.ACL{}, 0) }},
		{"a> create2 /acl/n x acl=null flags=-1", func(s *Script) { s.CreateACL("a", "/acl/n", nil, -1) }},
		{"a> createTTL /t t flags=5 ttl=1099511627776", func(s *Script) { s.CreateTTL("a", "/t", 5, 1<<40) }},
		{"a> delete /d\na> delete /d version=3", func(s *Script) { s.Del("a", "/d", -1); s.Del("a", "/d", 3) }},
		{"a> exists /w watch\na> exists watch\na> exists \"watch\" watch", func(s *Script) {
			s.Exists("a", "/w", true)
			s.Exists("a", "watch", false)
			s.Exists("a", "watch", true)
		}},
		{"a> getData /g\na> getChildren /g watch\na> getChildren2 /g", func(s *Script) {
			s.Get("a", "/g", false)
			s.Children("a", "/g", true)
			s.Children2("a", "/g", false)
		}},
		{"a> setData /s v1 version=1\na> setData /s null", func(s *Script) { s.Set("a", "/s", "v1", 1); s.Set("a", "/s", NullData, -1) }},
		{"a> getACL /x\na> setACL /x version=5", func(s *Script) { s.GetACL("a", "/x"); s.SetACL("a", "/x", WorldAll, 5) }},
		{"a> sync /x\na> getAllChildrenNumber \"\"\na> getEphemerals \" / \"", func(s *Script) {
			s.Call("a", jute.OpSync, &jute.SyncRequest{Path: "/x"})
			s.Call("a", jute.OpGetAllChildrenNumber, &jute.GetAllChildrenNumberRequest{Path: ""})
			s.Call("a", jute.OpGetEphemerals, &jute.GetEphemeralsRequest{PrefixPath: " / "})
		}},
		{"a> create2 /e \"\" flags=ephemeralSequential\na> createTTL /t t flags=persistentSequentialWithTTL ttl=9", func(s *Script) {
			s.Create("a", jute.OpCreate2, "/e", "", jute.ModeEphemeralSequential)
			s.CreateTTL("a", "/t", jute.ModePersistentSequentialWithTTL, 9)
		}},
		{"a> checkWatches /w type=data\na> removeWatches /w type=any\na> addWatch /w mode=persistentRecursive\na> addWatch /w mode=2", func(s *Script) {
			s.Call("a", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/w", Type: jute.WatcherData})
			s.Call("a", jute.OpRemoveWatches, &jute.RemoveWatchesRequest{Path: "/w", Type: jute.WatcherAny})
			s.Call("a", jute.OpAddWatch, &jute.AddWatchRequest{Path: "/w", Mode: jute.AddWatchPersistentRecursive})
			s.Call("a", jute.OpAddWatch, &jute.AddWatchRequest{Path: "/w", Mode: 2})
		}},
		{"a> checkWatches /w type=2\na> removeWatches /w type=3\na> addWatch /w mode=1", func(s *Script) {
			s.Call("a", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/w", Type: 2})
			s.Call("a", jute.OpRemoveWatches, &jute.RemoveWatchesRequest{Path: "/w", Type: 3})
			s.Call("a", jute.OpAddWatch, &jute.AddWatchRequest{Path: "/w", Mode: 1})
		}},
		{`b> setWatches rel=0 data=/sw,/sw,"a,b" exist= child=""`, func(s *Script) {
			s.Call("b", jute.OpSetWatches, &jute.SetWatches{DataWatches: []string{"/sw", "/sw", "a,b"}, ExistWatches: []string{}, ChildWatches: []string{""}})
		}},
		{"b> setWatches2 rel=4611686018427387904 persistent=/p recursive=", func(s *Script) {
			s.Call("b", jute.OpSetWatches2, &jute.SetWatches2{RelativeZxid: 1 << 62, PersistentWatches: []string{"/p"}, PersistentRecursiveWatches: []string{}})
		}},
		{`a> reconfig joining="server.2=h:1:2;h:3" config=-1`, func(s *Script) {
			s.Call("a", jute.OpReconfig, &ReconfigRequest{Joining: "server.2=h:1:2;h:3", ConfigID: -1})
		}},
		{"a> whoAmI\nc> 99\nc> ping", func(s *Script) {
			s.Call("a", jute.OpWhoAmI, nil)
			s.Call("c", 99, nil)
			s.Call("c", jute.OpPing, nil)
		}},
		{"a> multi\na> multiRead", func(s *Script) { s.Multi("a"); s.Call("a", jute.OpMultiRead, &jute.MultiRequest{}) }},
		{"a> multi create /m/a m | check /m/x version=1 | delete /m/a version=0 | setData /m/x null", func(s *Script) {
			s.Multi("a", MCreate("/m/a", 0), MOp(jute.OpCheck, &jute.CheckVersionRequest{Path: "/m/x", Version: 1}),
				MOp(jute.OpDelete, &jute.DeleteRequest{Path: "/m/a", Version: 0}),
				MOp(jute.OpSetData, &jute.SetDataRequest{Path: "/m/x", Version: -1}))
		}},
		{"b> multiRead getData /m/x | getChildren /m", func(s *Script) {
			s.Call("b", jute.OpMultiRead, &jute.MultiRequest{Ops: []jute.MultiOp{
				MOp(jute.OpGetData, &jute.GetDataRequest{Path: "/m/x"}), MOp(jute.OpGetChildren, &jute.GetChildrenRequest{Path: "/m"})}})
		}},
		{`b> setWatches rel=0 data=/misc xid=-8 desc="setWatches xid=-8"`, func(s *Script) {
			s.CallXid("b", -8, jute.OpSetWatches, &jute.SetWatches{DataWatches: []string{"/misc"}}, "setWatches xid=-8")
		}},
		{"c> exists /e2 xid=-2", func(s *Script) {
			r := &jute.ExistsRequest{Path: "/e2"}
			s.CallXid("c", -2, jute.OpExists, r, describe(jute.OpExists, r))
		}},
		{"a> multi check /x | check /y xid=5", func(s *Script) {
			r := &jute.MultiRequest{Ops: []jute.MultiOp{
				MOp(jute.OpCheck, &jute.CheckVersionRequest{Path: "/x", Version: -1}),
				MOp(jute.OpCheck, &jute.CheckVersionRequest{Path: "/y", Version: -1})}}
			s.CallXid("a", 5, jute.OpMulti, r, describe(jute.OpMulti, r))
		}},
	} {
		got, err := Parse("t.txt", tc.text)
		if err != nil {
			t.Errorf("%q: %v", tc.text, err)
			continue
		}
		want := New("t")
		tc.want(want)
		same := len(got.steps) == len(want.steps)
		for i := range got.steps {
			same = same && sameStep(got.steps[i], want.steps[i])
		}
		if got.Name != "t" || !same {
			t.Errorf("%q:\n got %s %+v\nwant %+v", tc.text, got.Name, got.steps, want.steps)
			continue
		}
		// What Format writes reads back the same.
		if _, err := Format(got); err != nil {
			t.Errorf("%q: format: %v", tc.text, err)
		}
	}
}

func TestParseRecordsSourceLines(t *testing.T) {
	s, err := Parse("dir/x.txt", "# c\na> connect\n\na> exists /x")
	if err != nil {
		t.Fatal(err)
	}
	if got := []string{s.where(0), s.where(1), s.where(2)}; !reflect.DeepEqual(got, []string{" (x.txt:2)", " (x.txt:4)", ""}) {
		t.Errorf("where: %q", got)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"a> connect\nconnect", "x.txt:2: want \"SESSION> STEP\""},
		{"a-b> connect", "x.txt:1: want \"SESSION> STEP\""},
		{"a>", "x.txt:1: want \"SESSION> STEP\""},
		{"a> frobnicate /x", `x.txt:1: unknown step "frobnicate"`},
		{"\n\na> create2 /x", "x.txt:3: create2: missing argument 2: data"},
		{"a> exists", "x.txt:1: exists: missing argument 1: a path"},
		{"a> exists /x /y", "x.txt:1: exists: unexpected argument /y"},
		{"a> exists /x wach", "x.txt:1: exists: unexpected argument wach"},
		{"a> exists /x vesion=1", "x.txt:1: exists: unknown option vesion="},
		{"a> delete /x version=one", "x.txt:1: delete: version=one: not an integer"},
		{"a> create2 /x d flags=ephemeral2", "x.txt:1: create2: flags=ephemeral2: neither an integer nor one of container, ephemeral, "},
		{"a> checkWatches /x type=Data", "x.txt:1: checkWatches: type=Data: neither an integer nor one of any, children, data, "},
		{"a> delete /x version=1 version=2", "x.txt:1: delete: version= given twice"},
		{`a> create2 "/x x`, "x.txt:1: bad quoted string"},
		{"a> create2 /x d acl=31:world", "x.txt:1: create2: acl=: entry 31:world is not PERMS:SCHEME:ID"},
		{"a> create2 /x d acl=all:world:anyone", "x.txt:1: create2: acl=: entry all:world:anyone: bad perms"},
		{"a> events", "x.txt:1: missing argument 1: a number of events"},
		{"a> events two", "x.txt:1: events: bad count"},
		{"a> connect 30000", "x.txt:1: unexpected argument 30000"},
		{"a> multi create /x d |", `x.txt:1: multi: an empty op`},
		{"a> multi | create /x d", `x.txt:1: multi: an empty op`},
		{"a> multi create /x d | | delete /x", `x.txt:1: multi: an empty op`},
		{"a> multi create /x", "x.txt:1: multi op 1: create: missing argument 2"},
		{"a> multi whoAmI", "x.txt:1: multi op 1: whoAmI cannot be in a multi"},
		{"a> multi multi", "x.txt:1: multi op 1: multi cannot be in a multi"},
	} {
		_, err := Parse("x.txt", tc.text)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want one starting %q", tc.text, err, tc.want)
		}
	}
}

func TestFormatRefusesCustomSteps(t *testing.T) {
	s := New("c")
	s.Connect("a", 30000)
	s.Ping("a")
	if _, err := Format(s); err == nil || !strings.Contains(err.Error(), "step 1 (ping): a custom step has no text form") {
		t.Errorf("Format of a custom step: %v", err)
	}
	s = New("n")
	s.CreateACL("a", "/x", []jute.ACL{ACLNullID(31, "auth")}, 0)
	if _, err := Format(s); err == nil || !strings.Contains(err.Error(), "null scheme or id") {
		t.Errorf("Format of a null ACL id: %v", err)
	}
}
