package schema

import (
	"strings"
	"testing"
)

// TestAuthSetOrder compares AuthSetOrder with the iteration order of a
// ConcurrentHashMap-backed set of org.apache.zookeeper.data.Id, as
// printed by OpenJDK 17 for the same insertions (the first case is the
// one a real ZooKeeper 3.8 showed: ip, then alice, then bob added). The
// 40- and 14-entry cases cross the map's resizes.
func TestAuthSetOrder(t *testing.T) {
	parse := func(s string) []AuthID {
		var out []AuthID
		for _, e := range strings.Split(s, ",") {
			scheme, id, _ := strings.Cut(e, "=")
			out = append(out, AuthID{Scheme: scheme, ID: id})
		}
		return out
	}
	cases := []struct{ added, java string }{
		{"ip=127.0.0.1,digest=alice:V55/p2T0OpjQ+low3NVAH4aLvm0=,digest=bob:ikIaKsbtGweaHnb/jKn7OHqbunM=",
			"digest=bob:ikIaKsbtGweaHnb/jKn7OHqbunM=,ip=127.0.0.1,digest=alice:V55/p2T0OpjQ+low3NVAH4aLvm0="},
		{"digest=user1:h1,digest=user2:h2,digest=user3:h3,digest=user4:h4,digest=user5:h5,digest=user6:h6,digest=user7:h7,digest=user8:h8,digest=user9:h9,digest=user10:h10,digest=user11:h11,digest=user12:h12,digest=user13:h13,digest=user14:h14,digest=user15:h15,digest=user16:h16,digest=user17:h17,digest=user18:h18,digest=user19:h19,digest=user20:h20,digest=user21:h21,digest=user22:h22,digest=user23:h23,digest=user24:h24,digest=user25:h25,digest=user26:h26,digest=user27:h27,digest=user28:h28,digest=user29:h29,digest=user30:h30,digest=user31:h31,digest=user32:h32,digest=user33:h33,digest=user34:h34,digest=user35:h35,digest=user36:h36,digest=user37:h37,digest=user38:h38,digest=user39:h39,digest=user40:h40",
			"digest=user16:h16,digest=user27:h27,digest=user32:h32,digest=user37:h37,digest=user38:h38,digest=user5:h5,digest=user7:h7,digest=user1:h1,digest=user3:h3,digest=user22:h22,digest=user26:h26,digest=user11:h11,digest=user17:h17,digest=user15:h15,digest=user9:h9,digest=user28:h28,digest=user20:h20,digest=user31:h31,digest=user36:h36,digest=user39:h39,digest=user10:h10,digest=user14:h14,digest=user18:h18,digest=user21:h21,digest=user25:h25,digest=user24:h24,digest=user29:h29,digest=user40:h40,digest=user30:h30,digest=user35:h35,digest=user6:h6,digest=user8:h8,digest=user2:h2,digest=user4:h4,digest=user13:h13,digest=user19:h19,digest=user12:h12,digest=user23:h23,digest=user33:h33,digest=user34:h34"},
		{"ip=::1,digest=u7:x,digest=u14:x,digest=u21:x,digest=u28:x,digest=u35:x,digest=u42:x,digest=u49:x,digest=u56:x,digest=u63:x,digest=u70:x,digest=u77:x,digest=u84:x,digest=u91:x",
			"digest=u63:x,digest=u42:x,digest=u84:x,digest=u7:x,digest=u21:x,digest=u70:x,digest=u91:x,digest=u14:x,digest=u35:x,digest=u49:x,digest=u28:x,digest=u56:x,digest=u77:x,ip=::1"},
		{"digest=é:x,super=,ip=10.0.0.1",
			"digest=é:x,super=,ip=10.0.0.1"},
		{"digest=a:1,digest=b:2,digest=a:1,ip=1.2.3.4,digest=b:2",
			"digest=a:1,digest=b:2,ip=1.2.3.4"},
	}
	for _, c := range cases {
		got := AuthSetOrder(parse(c.added))
		var b strings.Builder
		for i, id := range got {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(id.Scheme + "=" + id.ID)
		}
		if b.String() != c.java {
			t.Errorf("AuthSetOrder(%s)\n got %s\nwant %s", c.added, b.String(), c.java)
		}
	}
}
