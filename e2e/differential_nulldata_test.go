package e2e

import (
	"fmt"

	"github.com/zkgate/zkgate/schema"
	"github.com/zkgate/zkgate/zkbridge/jute"
)

// Differential scripts for null data and the ACL forms ZooKeeper 3.8
// accepts and refuses (gateway/testdata/zookeeper-3.8-behaviour.md,
// "Null data and ACL forms").

// scriptNullData: null data (a buffer of length -1) is kept apart from
// empty data by every write that carries data (create in each form,
// setData, and both inside a multi) and read back as null by getData and
// multiRead; its Stat shows dataLength 0.
func scriptNullData() *script {
	s := &script{name: "nulldata"}
	s.connect("a", 30000)
	s.connect("b", 30000)
	s.c2("a", "/nd", nullData)
	s.get("a", "/nd", false)
	s.create("a", jute.OpCreate, "/nd/c1", nullData, 0)
	s.create("a", jute.OpCreate2, "/nd/e", "", 0)
	s.get("a", "/nd/c1", false)
	s.get("a", "/nd/e", false)
	s.exists("a", "/nd/c1", false)
	s.create("a", jute.OpCreate2, "/nd/eph", nullData, jute.ModeEphemeral)
	s.create("a", jute.OpCreate2, "/nd/seq-", nullData, jute.ModePersistentSequential)
	s.create("a", jute.OpCreateContainer, "/nd/cont", nullData, jute.ModeContainer)
	s.call("a", jute.OpCreateTTL, &jute.CreateTTLRequest{Path: "/nd/ttl", ACL: worldAll, Flags: jute.ModePersistentWithTTL, TTL: 100000})
	for _, p := range []string{"/nd/eph", "/nd/seq-0000000002", "/nd/cont", "/nd/ttl"} {
		s.get("a", p, false)
	}
	// setData: null, then data, then empty, then null again; a watch
	// fires for each, whatever the data.
	s.get("b", "/nd/e", true)
	s.set("a", "/nd/e", nullData, 0)
	s.events("b", 1)
	s.get("b", "/nd/e", true)
	s.set("a", "/nd/e", "x", 1)
	s.events("b", 1)
	s.get("a", "/nd/e", false)
	s.set("a", "/nd/e", "", -1)
	s.get("a", "/nd/e", false)
	s.set("a", "/nd/e", nullData, -1)
	s.get("a", "/nd/e", false)
	s.exists("a", "/nd/e", false)
	// Inside a multi.
	s.multi("a",
		mOp(jute.OpCreate, &jute.CreateRequest{Path: "/nd/m1", ACL: worldAll}),
		mOp(jute.OpCreate2, &jute.CreateRequest{Path: "/nd/m2", Data: []byte{}, ACL: worldAll}),
		mOp(jute.OpSetData, &jute.SetDataRequest{Path: "/nd/m2", Version: 0}),
		mOp(jute.OpCreate, &jute.CreateRequest{Path: "/nd/m3", Data: []byte("m"), ACL: worldAll}),
		mOp(jute.OpSetData, &jute.SetDataRequest{Path: "/nd/m3", Data: []byte{}, Version: 0}),
	)
	s.call("a", jute.OpMultiRead, &jute.MultiRequest{Ops: []jute.MultiOp{
		mOp(jute.OpGetData, &jute.GetDataRequest{Path: "/nd/m1"}),
		mOp(jute.OpGetData, &jute.GetDataRequest{Path: "/nd/m2"}),
		mOp(jute.OpGetData, &jute.GetDataRequest{Path: "/nd/m3"}),
		mOp(jute.OpGetData, &jute.GetDataRequest{Path: "/nd/c1"}),
	}})
	// A failed multi leaves the data as it was.
	s.multi("a",
		mOp(jute.OpSetData, &jute.SetDataRequest{Path: "/nd/m3", Version: -1}),
		mOp(jute.OpCheck, &jute.CheckVersionRequest{Path: "/nd/m3", Version: 9}))
	s.get("a", "/nd/m3", false)
	// The built-in nodes have empty data, not null.
	for _, p := range []string{"/", "/zookeeper", "/zookeeper/quota"} {
		s.get("b", p, false)
	}
	return s
}

// aclNullID is an ACL entry whose id is sent as null, as kazoo sends an
// empty id.
func aclNullID(perms int32, scheme string) jute.ACL {
	return jute.ACL{Perms: perms, ID: jute.ID{Scheme: scheme, Null: schema.NullID}}
}

// aclNullScheme is an ACL entry whose scheme is sent as null.
func aclNullScheme(perms int32, id string) jute.ACL {
	return jute.ACL{Perms: perms, ID: jute.ID{ID: id, Null: schema.NullScheme}}
}

// scriptACLForms: every form of ACL entry ZooKeeper 3.8 takes or refuses,
// in create, setACL and multi, with null strings too, and whom the
// accepted ip forms let in.
func scriptACLForms() *script {
	s := &script{name: "aclforms"}
	s.connect("a", 30000) // no identity but its address
	s.connect("b", 30000) // alice
	s.connect("c", 30000) // alice and bob, and an ip addauth
	s.auth("b", "digest", "alice:pw")
	s.auth("c", "digest", "alice:pw")
	s.auth("c", "digest", "bob:pw")
	s.auth("c", "ip", "10.1.2.3")
	s.call("c", jute.OpWhoAmI, nil)
	s.c2("a", "/af", "")

	w := acl(jute.PermAll, "world", "anyone")
	forms := [][]jute.ACL{
		// auth, with and without an id, null or not.
		{acl(31, "auth", "")}, {aclNullID(31, "auth")}, {acl(3, "auth", "any id")},
		{aclNullID(31, "auth"), w}, {w, acl(1, "auth", "")}, {acl(1, "auth", ""), acl(1, "auth", "")},
		{acl(1, "auth", ""), acl(2, "auth", "x")},
		// digest, well formed and not.
		{acl(31, "digest", aliceID)}, {acl(31, "digest", "alice:anything")}, {acl(31, "digest", ":h")},
		{acl(31, "digest", "alice:h:")}, {acl(31, "digest", "alice:h::")}, {acl(31, "digest", "a::b")},
		{acl(31, "digest", "a:b:c")}, {acl(31, "digest", ":")}, {acl(31, "digest", "::")},
		{acl(31, "digest", "")}, {aclNullID(31, "digest")}, {acl(31, "digest", "älice:h")},
		// ip: IPv4 with masks, odd numbers, IPv6.
		{acl(31, "ip", "127.0.0.1")}, {acl(31, "ip", "127.0.0.1/0")}, {acl(31, "ip", "127.0.0.0/8")},
		{acl(31, "ip", "127.0.0.1/32")}, {acl(31, "ip", "127.0.0.1/33")}, {acl(31, "ip", "10.1.2.3/24")},
		{acl(31, "ip", "010.0.0.1")}, {acl(31, "ip", "+1.2.3.4")}, {acl(31, "ip", "1.2.3")},
		{acl(31, "ip", "1.2.3.4.5")}, {acl(31, "ip", "256.1.1.1")}, {acl(31, "ip", "localhost")},
		{acl(31, "ip", " 1.2.3.4")}, {acl(31, "ip", "1.2.3.4/")}, {acl(31, "ip", "1.2.3.4/-1")},
		{acl(31, "ip", "1.2.3.4/08")}, {acl(31, "ip", "")}, {aclNullID(31, "ip")},
		{acl(31, "ip", "::1")}, {acl(31, "ip", "::1/128")}, {acl(31, "ip", "::1/129")},
		{acl(31, "ip", "fe80::/10")}, {acl(31, "ip", "[::1]")}, {acl(31, "ip", "::ffff:1.2.3.4")},
		{acl(31, "ip", "1:2:3:4:5:6:7:8")}, {acl(31, "ip", "1:2:3:4:5:6:7:8:9")}, {acl(31, "ip", "::")},
		{acl(31, "ip", "fe80::1%lo")}, {acl(31, "ip", "0:0:0:0:0:0:0:1")},
		// world and its ids.
		{w}, {acl(31, "world", "Anyone")}, {acl(31, "world", "")}, {aclNullID(31, "world")},
		{acl(31, "world", "anyone ")}, {acl(31, "World", "anyone")},
		// super, other and unknown schemes.
		{acl(31, "super", "")}, {acl(31, "super", aliceID)}, {aclNullID(31, "super")},
		{acl(31, "x509", "CN=a")}, {acl(31, "sasl", "alice")}, {acl(31, "key", "x")},
		{acl(31, "", "x")}, {aclNullScheme(31, "x")}, {aclNullID(31, "bogus")},
		// Several entries, valid and not, and duplicates.
		{w, acl(31, "digest", aliceID), acl(1, "ip", "10.0.0.0/8")},
		{w, acl(31, "bogus", "x")}, {acl(31, "bogus", "x"), w},
		{w, aclNullID(31, "world")}, {acl(1, "world", "anyone"), aclNullID(31, "world")},
		{w, aclNullScheme(31, "x")}, {acl(1, "world", "anyone"), aclNullScheme(31, "x")},
		{aclNullScheme(31, "x"), w}, {aclNullID(31, "digest"), aclNullID(31, "digest")},
		{acl(31, "bogus", "x"), aclNullID(31, "digest")}, {aclNullID(31, "digest"), acl(31, "bogus", "x")},
		{acl(31, "auth", ""), acl(31, "digest", aliceID)}, {acl(31, "digest", aliceID), acl(31, "auth", "")},
		{acl(1, "auth", ""), aclNullID(1, "world")},
		// Empty and null lists.
		{}, nil,
	}
	for i, a := range forms {
		for _, sess := range []string{"a", "c"} {
			p := fmt.Sprintf("/af/%s%d", sess, i)
			s.createACL(sess, p, a, 0)
			s.getACL(sess, p)
		}
		p := fmt.Sprintf("/af/s%d", i)
		s.c2("b", p, "")
		s.setACL("b", p, a, -1)
		s.getACL("b", p)
	}
	// Whom accepted ip forms let in: every session here connects from
	// 127.0.0.1; an ip addauth adds nothing.
	for i, id := range []string{"127.0.0.1", "127.0.0.0/8", "127.0.0.1/0", "127.1.2.3/8", "10.1.2.3", "10.1.2.3/24", "::1", "::/0", "0.0.0.0/0"} {
		p := fmt.Sprintf("/af/ip%d", i)
		s.createACL("b", p, []jute.ACL{acl(jute.PermRead, "ip", id)}, 0)
		s.get("a", p, false)
		s.get("c", p, false)
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
			{acl(31, "auth", "")}, {aclNullID(31, "auth")}, {acl(31, "bogus", "x")}, {},
			{aclNullID(31, "world")}, {aclNullID(31, "digest")}, {acl(31, "digest", "bad")},
			{acl(31, "ip", "1.2.3.4/40")}, {acl(31, "super", "")},
		} {
			p := fmt.Sprintf("/af/m%s%d", sess, i)
			s.multi(sess, mc(p+"a", ok), mc(p+"b", a), mc(p+"c", ok))
			s.exists(sess, p+"a", false)
		}
		p := "/af/mx" + sess
		s.multi(sess, mc(p+"a", []jute.ACL{acl(31, "bogus", "x")}), mc(p+"b", []jute.ACL{aclNullID(31, "world")}))
		s.multi(sess, mc(p+"c", ok), mc(p+"c", ok), mc(p+"d", []jute.ACL{aclNullID(31, "world")}))
		s.multi(sess, mc(p+"e", []jute.ACL{aclNullID(31, "digest")}), mc("/af", ok))
		s.multi(sess, mc(p+"f", []jute.ACL{aclNullID(31, "auth")}), mOp(jute.OpCheck, &jute.CheckVersionRequest{Path: "/af", Version: 99}))
		s.getACL(sess, p+"f")
	}
	return s
}
