package migrate

import (
	"testing"
	"time"
)

// TestNode_Decoding: the kinds ZooKeeper encodes in ephemeralOwner, a TTL
// node's TTL, the next sequence number from cversion and numChildren, and
// masked digest ACLs.
func TestNode_Decoding(t *testing.T) {
	for owner, want := range map[int64]Kind{
		0:                          Persistent,
		0x1234:                     Ephemeral,
		-0x8000000000000000:        Container,
		-0x100000000000000 | 60000: TTL, // 0xff00000000000000 | 60 s
	} {
		if got := kindOf(owner); got != want {
			t.Errorf("kindOf(%#x) = %s, want %s", uint64(owner), got, want)
		}
	}
	n := &Node{Owner: -0x100000000000000 | 60000}
	if n.TTL() != time.Minute {
		t.Errorf("TTL %v, want 1m", n.TTL())
	}
	// 5 children created, 3 deleted: cversion 8, 2 children, next 5.
	if n := (&Node{Cversion: 8, NumChildren: 2}); n.NextSequence() != 5 {
		t.Errorf("next sequence %d, want 5", n.NextSequence())
	}
	if !(&Node{ACL: []ACL{{Perms: 1, Scheme: "digest", ID: "admin:x"}}}).Masked() {
		t.Error("admin:x not seen as masked")
	}
	if (&Node{ACL: []ACL{{Perms: 1, Scheme: "digest", ID: "admin:0uek/hZ/V9fgiM35b0Z2226acMQ="}}}).Masked() {
		t.Error("a real digest seen as masked")
	}
}

// sameData tells null data from empty data, which diff reports and copy
// carries over.
func TestSameData_NullIsNotEmpty(t *testing.T) {
	for _, tc := range []struct {
		a, b []byte
		same bool
	}{
		{nil, nil, true}, {[]byte{}, []byte{}, true}, {[]byte("x"), []byte("x"), true},
		{nil, []byte{}, false}, {[]byte{}, nil, false}, {[]byte("x"), []byte("y"), false},
	} {
		if got := sameData(tc.a, tc.b); got != tc.same {
			t.Errorf("sameData(%#v, %#v) = %v", tc.a, tc.b, got)
		}
	}
	if dataSize(nil) != "null" || dataSize([]byte{}) != "0 bytes" {
		t.Errorf("dataSize: %q %q", dataSize(nil), dataSize([]byte{}))
	}
}
