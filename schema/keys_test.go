package schema

import (
	"bytes"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestKeys_RoundTrip(t *testing.T) {
	for _, p := range []string{"/", "/a", "/a/b", "/app/lock-0000000001", "/é/ünïcode", "/a/b/c/d/e/f/g/h/i/j/k"} {
		k := NodeKey(p)
		if !strings.HasPrefix(k, Prefix) {
			t.Errorf("%s: key %q outside the prefix", p, k)
		}
		got, ok := PathOfNodeKey(k)
		if !ok || got != p {
			t.Errorf("PathOfNodeKey(NodeKey(%q)) = %q, %v", p, got, ok)
		}
		if got, ok := PathOfMetaKey(MetaKey(p)); !ok || got != p {
			t.Errorf("PathOfMetaKey(MetaKey(%q)) = %q, %v", p, got, ok)
		}
		if got, ok := PathOfReaperKey(ReaperKey(p)); !ok || got != p {
			t.Errorf("reaper key of %q = %q, %v", p, got, ok)
		}
		for _, id := range []int64{1, 0x1a2b, -1, 1 << 62} {
			o, gp, ok := ParseEphemeralKey(EphemeralKey(id, p))
			if !ok || o != id || gp != p {
				t.Errorf("ParseEphemeralKey(EphemeralKey(%x, %q)) = %x %q %v", id, p, o, gp, ok)
			}
			if p != "/" && !strings.HasPrefix(EphemeralKey(id, p), EphemeralPrefix(id)) {
				t.Errorf("ephemeral key of %x not under its prefix", id)
			}
			if got, ok := SessionOfKey(SessionKey(id)); !ok || got != id {
				t.Errorf("SessionOfKey(SessionKey(%x)) = %x %v", id, got, ok)
			}
		}
	}
	for _, bad := range []string{"", "x", Prefix + "n/", Prefix + "n/x/a", MetaKey("/a")} {
		if _, ok := PathOfNodeKey(bad); ok {
			t.Errorf("PathOfNodeKey(%q) accepted", bad)
		}
	}
}

// TestKeys_ChildrenWithoutGrandchildren: a child's key is under its
// parent's ChildrenPrefix; a grandchild's, a sibling's with the same name
// prefix, and the parent's own are not.
func TestKeys_ChildrenWithoutGrandchildren(t *testing.T) {
	cases := []struct {
		parent, path string
		child        bool
	}{
		{"/", "/a", true},
		{"/", "/a/b", false},
		{"/", "/", false},
		{"/a", "/a/b", true},
		{"/a", "/a/b/c", false},
		{"/a", "/ab", false},
		{"/a", "/ab/c", false},
		{"/a", "/a", false},
		{"/a/b", "/a/b/c", true},
		{"/a/b", "/a/bc/d", false},
	}
	for _, c := range cases {
		if got := strings.HasPrefix(NodeKey(c.path), ChildrenPrefix(c.parent)); got != c.child {
			t.Errorf("%s under ChildrenPrefix(%s) = %v, want %v", c.path, c.parent, got, c.child)
		}
	}
	// Every key family stays apart: no key of one is under another's prefix.
	fam := []string{NodeKey("/a"), MetaKey("/a"), ACLKey("/a"), SessionKey(1), EphemeralKey(1, "/a"), ReaperKey("/a"), VersionKey()}
	spaces := []string{nodeSpace, metaSpace, aclSpace, sessSpace, ephSpace, reaperSpace, versionKey}
	for i, k := range fam {
		for j, sp := range spaces {
			if (i == j) != strings.HasPrefix(k, sp) {
				t.Errorf("key %q vs space %q", k, sp)
			}
		}
	}
}

func TestPrefixEnd(t *testing.T) {
	if got := PrefixEnd("ab"); got != "ac" {
		t.Errorf("PrefixEnd(ab) = %q", got)
	}
	if got := PrefixEnd("a\xff"); got != "b" {
		t.Errorf("PrefixEnd(a\\xff) = %q", got)
	}
	if !(Prefix < PrefixEnd(Prefix)) || !strings.HasPrefix(NodeKey("/zzz"), Prefix) || NodeKey("/zzz") >= PrefixEnd(Prefix) {
		t.Error("node keys not inside [Prefix, PrefixEnd(Prefix))")
	}
}

func TestRecords_RoundTrip(t *testing.T) {
	nodes := []Node{
		{},               // null data
		{Data: []byte{}}, // empty data
		{Kind: KindEphemeral, Version: 3, Ctime: 1700000000000, Mtime: 1700000000999, Owner: 0x100002ff1600004, Data: []byte("hello")},
		{Kind: KindTTL, TTL: MaxTTL, Version: -1, Data: bytes.Repeat([]byte{0, 0xff}, 1000)},
		{Kind: KindContainer, Owner: -1},
		{Czxid: CzxidThisWrite},                         // created anew by a multi, null data
		{Czxid: 1 << 40, Version: 2, Data: []byte("x")}, // and written since
	}
	// Each again as written by a session's request.
	for _, n := range slices.Clone(nodes) {
		n.Writer = 0x100002ff1600004
		nodes = append(nodes, n)
	}
	for _, n := range nodes {
		b := n.Marshal()
		got, err := UnmarshalNode(b)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, n) || (got.Data == nil) != (n.Data == nil) {
			t.Errorf("node %+v came back %+v", n, got)
		}
		shared, err := UnmarshalNodeShared(b)
		if err != nil || !reflect.DeepEqual(shared, n) || (shared.Data == nil) != (n.Data == nil) {
			t.Errorf("node %+v came back shared as %+v, %v", n, shared, err)
		}
		if len(n.Data) > 0 {
			// Shared: the record's own bytes, with no room to append
			// into them; a copy otherwise.
			if &shared.Data[0] != &b[len(b)-len(n.Data)] || cap(shared.Data) != len(n.Data) {
				t.Errorf("node %+v: shared Data is not the record's last %d bytes, or has room (cap %d)", n, len(n.Data), cap(shared.Data))
			}
			if &got.Data[0] == &b[len(b)-len(n.Data)] {
				t.Errorf("node %+v: UnmarshalNode's Data shares the record's bytes", n)
			}
		}
	}
	for _, m := range []Meta{{}, {NumChildren: 1}, {NumChildren: 7, Creations: 1 << 30}} {
		got, err := UnmarshalMeta(m.Marshal())
		if err != nil || got != m {
			t.Errorf("meta %+v came back %+v %v", m, got, err)
		}
	}
	for _, a := range []ACLRecord{{Aversion: -1, ACL: ReadACLUnsafe}, {Aversion: 5, ACL: []ACL{{Perms: PermAll, ID: ID{Scheme: "digest", ID: "u:p="}}, {Perms: 0, ID: ID{Scheme: "ip", ID: "10.0.0.0/8"}}}}, {Aversion: 2, ACL: OpenACLUnsafe, Writer: -7}} {
		got, err := UnmarshalACL(a.Marshal())
		if err != nil || !reflect.DeepEqual(got, a) {
			t.Errorf("acl %+v came back %+v %v", a, got, err)
		}
	}
	s := Session{Password: bytes.Repeat([]byte{7}, 16), TimeoutMs: 4000, EphemeralLease: 42}
	if got, err := UnmarshalSession(s.Marshal()); err != nil || !reflect.DeepEqual(got, s) {
		t.Errorf("session came back %+v %v", got, err)
	}
}

// Node records written before null data was kept apart from empty data
// (format 1, data last) read as they did: empty data is empty, not null.
func TestRecords_NodeFormat1StillReads(t *testing.T) {
	// {persistent, version 0, ctime 2, mtime 2, owner 0, ttl 0}, no data:
	// what every earlier release wrote for nil and empty data alike.
	old := []byte{1, 0, 0, 4, 4, 0, 0}
	n, err := UnmarshalNode(old)
	if err != nil || n.Data == nil || len(n.Data) != 0 || n.Ctime != 2 || n.Mtime != 2 {
		t.Fatalf("UnmarshalNode(%v) = %+v (data nil: %v), %v; want empty data", old, n, n.Data == nil, err)
	}
	if got := (&Node{Ctime: 2, Mtime: 2, Data: []byte{}}).Marshal(); !bytes.Equal(got, old) {
		t.Errorf("empty data marshals as %v, want the format 1 record %v", got, old)
	}
	if got := (&Node{Ctime: 2, Mtime: 2}).Marshal(); got[0] != 2 || !bytes.Equal(got[1:], old[1:]) {
		t.Errorf("null data marshals as %v, want format 2 and the same fields %v", got, old[1:])
	}
	withData := []byte{1, 1, 2, 4, 4, 0, 0, 'h', 'i'}
	if n, err := UnmarshalNode(withData); err != nil || string(n.Data) != "hi" || n.Kind != KindEphemeral || n.Version != 1 {
		t.Errorf("UnmarshalNode(%v) = %+v, %v", withData, n, err)
	}
}

func TestRecords_CorruptIsAnError(t *testing.T) {
	// The last: a null-data record (format 2) followed by data bytes.
	// Formats 3 and 4 (with a czxid) need one that is not 0 nor below -1.
	for _, b := range [][]byte{nil, {}, {9}, {1}, {1, 0}, {1, 7, 0, 0, 0, 0, 0}, {3, 0, 0, 0, 0, 0, 0}, {2, 0, 0, 0, 0, 0, 0, 'x'},
		{4, 0, 0, 0, 0, 0, 0, 0}, {4, 0, 0, 0, 0, 0, 0, 3}, {4, 0, 0, 0, 0, 0, 0, 1, 'x'}, {5, 0, 0, 0, 0, 0, 0, 1}} {
		if _, err := UnmarshalNode(b); err == nil {
			t.Errorf("UnmarshalNode(%v) accepted", b)
		}
	}
	m := (&Meta{NumChildren: 1}).Marshal()
	if _, err := UnmarshalMeta(append(m, 0)); err == nil {
		t.Error("meta with trailing bytes accepted")
	}
	if _, err := UnmarshalACL([]byte{1, 0, 200}); err == nil {
		t.Error("ACL with a huge count accepted")
	}
}

// TestStat_Arithmetic checks the Stat rules against what ZooKeeper 3.8
// shows (gateway/testdata/zookeeper-3.8-behaviour.md, sections 0 and 3).
func TestStat_Arithmetic(t *testing.T) {
	n := Node{Kind: KindPersistent, Version: 2, Ctime: 10, Mtime: 20, Data: []byte("abc")}
	st := MakeStat(&n, Meta{}, 0, Revisions{NodeCreate: 5, NodeMod: 9})
	want := Stat{Czxid: 5, Mzxid: 9, Ctime: 10, Mtime: 20, Version: 2, DataLength: 3, Pzxid: 5}
	if st != want {
		t.Errorf("childless: %+v, want %+v", st, want)
	}
	// Three children created, one deleted: cversion 4 (2*3-2).
	st = MakeStat(&n, Meta{NumChildren: 2, Creations: 3}, 1, Revisions{NodeCreate: 5, NodeMod: 9, MetaMod: 30})
	if st.Cversion != 4 || st.NumChildren != 2 || st.Pzxid != 30 || st.Aversion != 1 {
		t.Errorf("with children: %+v", st)
	}
	// The root starts with /zookeeper and no creation: cversion -1.
	if c := (Meta{NumChildren: 1}).Cversion(); c != -1 {
		t.Errorf("root cversion %d", c)
	}
	eph := Node{Kind: KindEphemeral, Owner: 0x1234}
	if got := MakeStat(&eph, Meta{}, 0, Revisions{}).EphemeralOwner; got != 0x1234 {
		t.Errorf("ephemeral owner %x", got)
	}
	for _, k := range []Kind{KindContainer, KindTTL, KindPersistent} {
		x := Node{Kind: k, TTL: 100, Owner: 99}
		if got := x.OwnerField(); got != 0 {
			t.Errorf("%v shows owner %x, ZooKeeper shows 0", k, got)
		}
	}
}

// A record's Writer does not change what it says otherwise: the record
// written with a Writer reads as the one written without, and only
// records created anew by a multi's write say so (NodeCreatedByWrite).
func TestRecords_WriterKeepsTheRest(t *testing.T) {
	for _, n := range []Node{{}, {Data: []byte("d")}, {Czxid: CzxidThisWrite}, {Czxid: 9, Data: []byte{}}} {
		w := n
		w.Writer = 42
		b := w.Marshal()
		if b[0] != nodeFormatFlags {
			t.Fatalf("%+v: format %d", w, b[0])
		}
		got, err := UnmarshalNode(b)
		if err != nil {
			t.Fatal(err)
		}
		if got.Writer != 42 {
			t.Errorf("%+v: writer %d", w, got.Writer)
		}
		got.Writer = 0
		if !reflect.DeepEqual(got, n) || (got.Data == nil) != (n.Data == nil) {
			t.Errorf("%+v came back %+v", w, got)
		}
		if NodeCreatedByWrite(b) != (n.Czxid == CzxidThisWrite) || NodeCreatedByWrite(b) != NodeCreatedByWrite(n.Marshal()) {
			t.Errorf("%+v: NodeCreatedByWrite %v", w, NodeCreatedByWrite(b))
		}
	}
	// A zero writer or an unknown flag is not a record zkgate writes.
	for _, b := range [][]byte{
		{nodeFormatFlags, 0, 0, 0, 0, 0, 0, 0, 0},
		{nodeFormatFlags, 4, 0, 0, 0, 0, 0, 0, 2},
		{aclFormatWriter, 0, 0, 0},
	} {
		_, errN := UnmarshalNode(b)
		_, errA := UnmarshalACL(b)
		if errN == nil && errA == nil {
			t.Errorf("%v read as a record", b)
		}
	}
}

// A chain value carries its batch's time and, when it deleted znodes,
// the session of each deletion in order; older values (the sequence
// number alone, or without deleters) read as having none.
func TestChainValue_TimeAndDeleters(t *testing.T) {
	for _, c := range []struct {
		del  []int64
		want string
	}{
		{nil, "7@1700000000000"},
		{[]int64{0x1a}, "7@1700000000000/1a:1"},
		{[]int64{5, 5, 0, 5, -2}, "7@1700000000000/5:2,0:1,5:1,-2:1"},
	} {
		v := ChainValue(7, 1700000000000, c.del)
		if v != c.want {
			t.Errorf("ChainValue(%v) = %q, want %q", c.del, v, c.want)
		}
		if ms, ok := ChainTime([]byte(v)); !ok || ms != 1700000000000 {
			t.Errorf("ChainTime(%q) = %d %v", v, ms, ok)
		}
		got, ok := ChainDeleters([]byte(v))
		if ok != (c.del != nil) || !slices.Equal(got, c.del) {
			t.Errorf("ChainDeleters(%q) = %v %v, want %v", v, got, ok, c.del)
		}
	}
	for _, v := range []string{"12", "3@", "3@5/", "3@5/x:1", "3@5/1:0", "3@5/1", "3@5/1:99999999999"} {
		if d, ok := ChainDeleters([]byte(v)); ok {
			t.Errorf("ChainDeleters(%q) = %v", v, d)
		}
	}
	if _, ok := ChainTime([]byte("12")); ok {
		t.Error("a sequence number alone has a time")
	}
}

// TestSessionKeys_HexOfTheID: the keys naming a session hold its id as 16
// lower-case hex digits, negative ids as their two's complement, and are
// built in one allocation.
func TestSessionKeys_HexOfTheID(t *testing.T) {
	for _, id := range []int64{0, 1, 0x1234abcd, -1, -0x7fffffffffffffff - 1, 0x7fffffffffffffff} {
		hex := fmt.Sprintf("%016x", uint64(id))
		if got := SessionKey(id); got != SessionSpace()+hex {
			t.Errorf("SessionKey(%d) = %q", id, got)
		}
		if got, ok := SessionOfKey(SessionKey(id)); !ok || got != id {
			t.Errorf("SessionOfKey(SessionKey(%d)) = %d, %v", id, got, ok)
		}
		if got := EphemeralPrefix(id); got != EphemeralSpace()+hex+"/" {
			t.Errorf("EphemeralPrefix(%d) = %q", id, got)
		}
		if owner, p, ok := ParseEphemeralKey(EphemeralKey(id, "/a/b")); !ok || owner != id || p != "/a/b" {
			t.Errorf("ParseEphemeralKey(EphemeralKey(%d, /a/b)) = %d, %q, %v", id, owner, p, ok)
		}
	}
	if n := testing.AllocsPerRun(100, func() { _ = SessionKey(0x1234) }); n != 1 {
		t.Errorf("SessionKey allocates %v times", n)
	}
}
