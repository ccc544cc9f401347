package jute

import "testing"

func TestEnums_String(t *testing.T) {
	cases := []struct {
		got, want string
	}{
		{OpGetData.String(), "getData"},
		{OpCloseSession.String(), "closeSession"},
		{OpError.String(), "error"},
		{OpCode(99).String(), "OpCode(99)"},
		{EventNodeChildrenChanged.String(), "NodeChildrenChanged"},
		{EventType(0).String(), "EventType(0)"},
		{StateSyncConnected.String(), "SyncConnected"},
		{StateExpired.String(), "Expired"},
		{KeeperState(2).String(), "KeeperState(2)"},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	if len(opNames) != 33 {
		t.Errorf("%d opcodes named, want 33", len(opNames))
	}
}

// The values that matter on the wire, checked against ZooDefs and Watcher.
func TestConstants_Values(t *testing.T) {
	ints := []struct {
		name      string
		got, want int32
	}{
		{"createTTL", int32(OpCreateTTL), 21},
		{"multiRead", int32(OpMultiRead), 22},
		{"whoAmI", int32(OpWhoAmI), 107},
		{"createSession", int32(OpCreateSession), -10},
		{"xid auth", XidAuth, -4},
		{"xid setWatches", XidSetWatches, -8},
		{"PersistentWatchRemoved", int32(EventPersistentWatchRemoved), 7},
		{"Expired", int32(StateExpired), -112},
		{"PERSISTENT_SEQUENTIAL_WITH_TTL", int32(ModePersistentSequentialWithTTL), 6},
		{"PersistentRecursive watcher", int32(WatcherPersistentRecursive), 5},
		{"persistentRecursive mode", int32(AddWatchPersistentRecursive), 1},
		{"ALL", PermAll, PermRead | PermWrite | PermCreate | PermDelete | PermAdmin},
	}
	for _, c := range ints {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
		}
	}
}
