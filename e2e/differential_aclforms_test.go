package e2e

import (
	"fmt"

	"github.com/zkgate/zkgate/e2e/differential"
	"github.com/zkgate/zkgate/zkbridge/jute"
)

// The differential script for the ACL forms ZooKeeper 3.8 accepts and
// refuses (gateway/testdata/zookeeper-3.8-behaviour.md, "Null data and
// ACL forms"); its companion "nulldata" is testdata/differential/nulldata.txt.

// scriptACLForms: every form of ACL entry ZooKeeper 3.8 takes or refuses,
// in create, setACL and multi, with null strings too, and whom the
// accepted ip forms let in.
func scriptACLForms() *differential.Script {
	s := differential.New("aclforms")
	s.Connect("a", 30000) // no identity but its address
	s.Connect("b", 30000) // alice
	s.Connect("c", 30000) // alice and bob, and an ip addauth
	s.Auth("b", "digest", "alice:pw")
	s.Auth("c", "digest", "alice:pw")
	s.Auth("c", "digest", "bob:pw")
	s.Auth("c", "ip", "10.1.2.3")
	s.Call("c", jute.OpWhoAmI, nil)
	s.C2("a", "/af", "")

	w := acl(jute.PermAll, "world", "anyone")
	forms := [][]jute.ACL{
		// auth, with and without an id, null or not.
		{acl(31, "auth", "")}, {differential.ACLNullID(31, "auth")}, {acl(3, "auth", "any id")},
		{differential.ACLNullID(31, "auth"), w}, {w, acl(1, "auth", "")}, {acl(1, "auth", ""), acl(1, "auth", "")},
		{acl(1, "auth", ""), acl(2, "auth", "x")},
		// digest, well formed and not.
		{acl(31, "digest", aliceID)}, {acl(31, "digest", "alice:anything")}, {acl(31, "digest", ":h")},
		{acl(31, "digest", "alice:h:")}, {acl(31, "digest", "alice:h::")}, {acl(31, "digest", "a::b")},
		{acl(31, "digest", "a:b:c")}, {acl(31, "digest", ":")}, {acl(31, "digest", "::")},
		{acl(31, "digest", "")}, {differential.ACLNullID(31, "digest")}, {acl(31, "digest", "älice:h")},
		// ip: IPv4 with masks, odd numbers, IPv6.
		{acl(31, "ip", "127.0.0.1")}, {acl(31, "ip", "127.0.0.1/0")}, {acl(31, "ip", "127.0.0.0/8")},
		{acl(31, "ip", "127.0.0.1/32")}, {acl(31, "ip", "127.0.0.1/33")}, {acl(31, "ip", "10.1.2.3/24")},
		{acl(31, "ip", "010.0.0.1")}, {acl(31, "ip", "+1.2.3.4")}, {acl(31, "ip", "1.2.3")},
		{acl(31, "ip", "1.2.3.4.5")}, {acl(31, "ip", "256.1.1.1")}, {acl(31, "ip", "localhost")},
		{acl(31, "ip", " 1.2.3.4")}, {acl(31, "ip", "1.2.3.4/")}, {acl(31, "ip", "1.2.3.4/-1")},
		{acl(31, "ip", "1.2.3.4/08")}, {acl(31, "ip", "")}, {differential.ACLNullID(31, "ip")},
		{acl(31, "ip", "::1")}, {acl(31, "ip", "::1/128")}, {acl(31, "ip", "::1/129")},
		{acl(31, "ip", "fe80::/10")}, {acl(31, "ip", "[::1]")}, {acl(31, "ip", "::ffff:1.2.3.4")},
		{acl(31, "ip", "1:2:3:4:5:6:7:8")}, {acl(31, "ip", "1:2:3:4:5:6:7:8:9")}, {acl(31, "ip", "::")},
		{acl(31, "ip", "fe80::1%lo")}, {acl(31, "ip", "0:0:0:0:0:0:0:1")},
		// world and its ids.
		{w}, {acl(31, "world", "Anyone")}, {acl(31, "world", "")}, {differential.ACLNullID(31, "world")},
		{acl(31, "world", "anyone ")}, {acl(31, "World", "anyone")},
		// super, other and unknown schemes.
		{acl(31, "super", "")}, {acl(31, "super", aliceID)}, {differential.ACLNullID(31, "super")},
		{acl(31, "x509", "CN=a")}, {acl(31, "sasl", "alice")}, {acl(31, "key", "x")},
		{acl(31, "", "x")}, {differential.ACLNullScheme(31, "x")}, {differential.ACLNullID(31, "bogus")},
		// Several entries, valid and not, and duplicates.
		{w, acl(31, "digest", aliceID), acl(1, "ip", "10.0.0.0/8")},
		{w, acl(31, "bogus", "x")}, {acl(31, "bogus", "x"), w},
		{w, differential.ACLNullID(31, "world")}, {acl(1, "world", "anyone"), differential.ACLNullID(31, "world")},
		{w, differential.ACLNullScheme(31, "x")}, {acl(1, "world", "anyone"), differential.ACLNullScheme(31, "x")},
		{differential.ACLNullScheme(31, "x"), w}, {differential.ACLNullID(31, "digest"), differential.ACLNullID(31, "digest")},
		{acl(31, "bogus", "x"), differential.ACLNullID(31, "digest")}, {differential.ACLNullID(31, "digest"), acl(31, "bogus", "x")},
		{acl(31, "auth", ""), acl(31, "digest", aliceID)}, {acl(31, "digest", aliceID), acl(31, "auth", "")},
		{acl(1, "auth", ""), differential.ACLNullID(1, "world")},
		// Empty and null lists.
		{}, nil,
	}
	for i, a := range forms {
		for _, sess := range []string{"a", "c"} {
			p := fmt.Sprintf("/af/%s%d", sess, i)
			s.CreateACL(sess, p, a, 0)
			s.GetACL(sess, p)
		}
		p := fmt.Sprintf("/af/s%d", i)
		s.C2("b", p, "")
		s.SetACL("b", p, a, -1)
		s.GetACL("b", p)
	}
	// Whom accepted ip forms let in: every session here connects from
	// 127.0.0.1; an ip addauth adds nothing.
	for i, id := range []string{"127.0.0.1", "127.0.0.0/8", "127.0.0.1/0", "127.1.2.3/8", "10.1.2.3", "10.1.2.3/24", "::1", "::/0", "0.0.0.0/0"} {
		p := fmt.Sprintf("/af/ip%d", i)
		s.CreateACL("b", p, []jute.ACL{acl(jute.PermRead, "ip", id)}, 0)
		s.Get("a", p, false)
		s.Get("c", p, false)
	}
	// In a multi: a refused ACL fails the multi with per-op results,
	// except where ZooKeeper trips on a null string: then the whole
	// request fails, unless an op before failed first.
	mc := func(path string, a []jute.ACL) jute.MultiOp {
		return mOp(jute.OpCreate, &jute.CreateRequest{Path: path, Data: []byte("m"), ACL: a})
	}
	ok := []jute.ACL{w}
	for _, sess := range []string{"a", "c"} {
		for i, a := range [][]jute.ACL{
			{acl(31, "auth", "")}, {differential.ACLNullID(31, "auth")}, {acl(31, "bogus", "x")}, {},
			{differential.ACLNullID(31, "world")}, {differential.ACLNullID(31, "digest")}, {acl(31, "digest", "bad")},
			{acl(31, "ip", "1.2.3.4/40")}, {acl(31, "super", "")},
		} {
			p := fmt.Sprintf("/af/m%s%d", sess, i)
			s.Multi(sess, mc(p+"a", ok), mc(p+"b", a), mc(p+"c", ok))
			s.Exists(sess, p+"a", false)
		}
		p := "/af/mx" + sess
		s.Multi(sess, mc(p+"a", []jute.ACL{acl(31, "bogus", "x")}), mc(p+"b", []jute.ACL{differential.ACLNullID(31, "world")}))
		s.Multi(sess, mc(p+"c", ok), mc(p+"c", ok), mc(p+"d", []jute.ACL{differential.ACLNullID(31, "world")}))
		s.Multi(sess, mc(p+"e", []jute.ACL{differential.ACLNullID(31, "digest")}), mc("/af", ok))
		s.Multi(sess, mc(p+"f", []jute.ACL{differential.ACLNullID(31, "auth")}), mOp(jute.OpCheck, &jute.CheckVersionRequest{Path: "/af", Version: 99}))
		s.GetACL(sess, p+"f")
	}
	return s
}
