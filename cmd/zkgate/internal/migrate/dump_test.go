package migrate

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/go-zookeeper/zk"

	"github.com/zkgate/zkgate/schema/zkgatepb"
)

// servedZxid is the zxid s serves now.
func servedZxid(t *testing.T, g *Zkgate) int64 {
	t.Helper()
	r, err := g.ns.Exists(ctx(t), &zkgatepb.ExistsRequest{Ctx: &zkgatepb.RequestContext{}, Path: "/"})
	if err != nil {
		t.Fatal(err)
	}
	return r.Zxid
}

// dumpOf writes the dump of root at zxid from g and parses it back.
func dumpOf(t *testing.T, g *Zkgate, root string, zxid int64) (*Dump, DumpResult, []byte) {
	t.Helper()
	var buf bytes.Buffer
	res, err := WriteDump(ctx(t), g.ns, g.rc, DumpHeader{Path: root, Zxid: zxid, Taken: "2026-12-07T00:00:00Z"}, &buf, 4)
	if err != nil {
		t.Fatal(err)
	}
	d, err := ReadDump(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("reading the dump back: %v\n%s", err, buf.Bytes())
	}
	return d, res, buf.Bytes()
}

// TestDump_IsTheTreeAtItsZxid: a dump written at a zxid, read back as a
// Tree, compares equal to the tree read at that zxid (data with null kept
// apart from empty, ACLs, kinds, ephemerals too), not to the tree as it
// is after later changes; each line's Stat is the one a read at the zxid
// answers; parents come before children; copied into an empty zkgate it
// gives the same tree, sequence counters raised.
func TestDump_IsTheTreeAtItsZxid(t *testing.T) {
	from, to := startServer(t), startServer(t)
	w := from.session(t, "digest:admin:pw")
	mustCreate(t, w, "/app", []byte("v1"), 0, open)
	mustCreate(t, w, "/app/null", nil, 0, open)
	mustCreate(t, w, "/app/empty", []byte{}, 0, open)
	mustCreate(t, w, "/app/bin", []byte{0, 0xff, '\n'}, 0, open)
	mustCreate(t, w, "/app/big", bytes.Repeat([]byte("z"), 1000000), 0, open)
	mustCreate(t, w, "/app/secret", []byte("s"), 0, zk.DigestACL(zk.PermAll, "admin", "pw"))
	mustCreate(t, w, "/app/secret/inner", []byte("i"), 0, open)
	mustCreate(t, w, "/app/eph", []byte("e"), zk.FlagEphemeral, open)
	mustCreate(t, w, "/app/q", nil, 0, open)
	for range 3 {
		mustCreate(t, w, "/app/q/", nil, zk.FlagSequence, open)
	}
	if err := w.Delete("/app/q/0000000001", -1); err != nil {
		t.Fatal(err)
	}
	src := from.destination(t, "digest:admin:pw")
	z := servedZxid(t, src)
	// Changes after z, which the dump must not show.
	if _, err := w.Set("/app", []byte("v2"), -1); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, w, "/app/later", nil, 0, open)
	if err := w.Delete("/app/null", -1); err != nil {
		t.Fatal(err)
	}

	d, res, raw := dumpOf(t, src, "/app", z)
	if len(res.Unreadable) != 0 {
		t.Errorf("unreadable with the admin's auth: %v", res.Unreadable)
	}
	if d.Header.Zxid != z || d.Header.Path != "/app" || d.Header.Format != DumpFormat || d.Header.Version != DumpVersion {
		t.Errorf("header %+v", d.Header)
	}
	diff, err := Diff(ctx(t), d, src.At(z), "/app", 4, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(diff.Differences) != 0 || diff.Compared != 11 {
		t.Errorf("dump against the tree at its zxid: %v, %d compared (want 0, 11)", diff.Differences, diff.Compared)
	}
	now, err := Diff(ctx(t), d, src, "/app", 4, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(now.Differences) != 3 {
		t.Errorf("dump against the tree now: %v, want the data of /app, /app/null and /app/later", now.Differences)
	}

	// Line by line: parents first, each Stat as read at z.
	seen := map[string]bool{}
	for i, line := range bytes.Split(bytes.TrimSpace(raw), []byte("\n"))[1:] {
		var e DumpEntry
		if err := json.Unmarshal(line, &e); err != nil {
			t.Fatal(err)
		}
		if i > 0 && !e.Ancestor && !seen[parentOf(e.Path)] {
			t.Errorf("%s comes before its parent", e.Path)
		}
		seen[e.Path] = true
		r, err := src.At(z).ns.GetData(ctx(t), &zkgatepb.GetDataRequest{Ctx: src.At(z).rc, Path: e.Path})
		if err != nil {
			t.Fatal(err)
		}
		st := r.Stat
		want := DumpStat{st.Czxid, st.Mzxid, st.Ctime, st.Mtime, st.Version, st.Cversion, st.Aversion, st.EphemeralOwner, st.DataLength, st.NumChildren, st.Pzxid}
		if e.Stat == nil || *e.Stat != want {
			t.Errorf("%s: stat %+v, want %+v", e.Path, e.Stat, want)
		}
	}
	if !seen["/"] || !seen["/app/q/0000000002"] || seen["/app/later"] {
		t.Errorf("lines for %v", seen)
	}
	if n, _ := d.Node(ctx(t), "/app/null"); n == nil || n.Data != nil {
		t.Errorf("/app/null: %+v, want null data", n)
	}
	if n, _ := d.Node(ctx(t), "/app/empty"); n == nil || n.Data == nil || len(n.Data) != 0 {
		t.Errorf("/app/empty: %+v, want empty data", n)
	}

	// Restored into an empty zkgate: the same tree, counters raised.
	dst := to.destination(t, "digest:admin:pw")
	if _, err := Copy(ctx(t), d, dst, "/app", 4, nil); err != nil {
		t.Fatal(err)
	}
	after, err := Diff(ctx(t), src.At(z), dst, "/app", 4, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(after.Differences) != 0 || !slices.Equal(paths(after.Ephemerals), []string{"/app/eph"}) {
		t.Errorf("restored against the tree at its zxid: %v, ephemerals %v", after.Differences, after.Ephemerals)
	}
	next := mustCreate(t, to.session(t), "/app/q/", nil, zk.FlagSequence, open)
	if next != "/app/q/0000000003" {
		t.Errorf("a sequential create after the restore is %s, want /app/q/0000000003", next)
	}
}

func parentOf(p string) string {
	i := strings.LastIndexByte(p, '/')
	if i == 0 {
		return "/"
	}
	return p[:i]
}

func paths(ds []Difference) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Path)
	}
	return out
}

// TestDump_Unreadable: a znode the dump's auth cannot read is a line of
// its own (NoAuth), its subtree left out; one whose ACL comes back masked
// is in the dump as read. Both are reported; read back, the first is
// ErrNoAuth and the second Masked, so that Copy leaves both out.
func TestDump_Unreadable(t *testing.T) {
	s := startServer(t)
	w := s.session(t, "digest:admin:pw")
	mustCreate(t, w, "/a", nil, 0, open)
	mustCreate(t, w, "/a/locked", []byte("x"), 0, zk.DigestACL(zk.PermAll, "admin", "pw"))
	mustCreate(t, w, "/a/locked/in", nil, 0, open)
	mustCreate(t, w, "/a/masked", []byte("m"), 0, append(zk.WorldACL(zk.PermRead), zk.DigestACL(zk.PermAll, "admin", "pw")...))
	g := s.destination(t)
	d, res, raw := dumpOf(t, g, "/a", servedZxid(t, g))
	want := []string{"/a/locked", "/a/masked" + maskedNote}
	if !slices.Equal(res.Unreadable, want) {
		t.Errorf("unreadable %v, want %v", res.Unreadable, want)
	}
	if !bytes.Contains(raw, []byte(`{"path":"/a/locked","error":"NoAuth"}`)) || bytes.Contains(raw, []byte("/a/locked/in")) {
		t.Errorf("dump:\n%s", raw)
	}
	if _, err := d.Node(ctx(t), "/a/locked"); !errors.Is(err, ErrNoAuth) {
		t.Errorf("/a/locked read back: %v, want ErrNoAuth", err)
	}
	if n, err := d.Node(ctx(t), "/a/masked"); err != nil || n == nil || !n.Masked() {
		t.Errorf("/a/masked read back: %+v, %v; want masked", n, err)
	}

	// Under an unreadable ancestor: the subtree is readable, the
	// ancestor is not, and the dump says so.
	d, res, raw = dumpOf(t, g, "/a/locked/in", servedZxid(t, g))
	if !slices.Equal(res.Unreadable, []string{"/a/locked"}) || res.Znodes != 1 || res.Ancestors != 3 {
		t.Errorf("dump under an unreadable ancestor: %+v\n%s", res, raw)
	}
	if _, err := d.Node(ctx(t), "/a/locked"); !errors.Is(err, ErrNoAuth) {
		t.Errorf("/a/locked read back: %v, want ErrNoAuth", err)
	}
	if n, err := d.Node(ctx(t), "/a/locked/in"); err != nil || n == nil {
		t.Errorf("/a/locked/in read back: %+v, %v", n, err)
	}
}

// TestReadDump_Malformed: every way a dump can be wrong is one error
// naming the line.
func TestReadDump_Malformed(t *testing.T) {
	h := `{"format":"zkgate-dump","version":1,"path":"/a","zxid":5,"taken":"t"}`
	root := `{"path":"/","ancestor":true,"data":null,"stat":{},"acl":[],"kind":"persistent"}`
	a := `{"path":"/a","data":"eA==","stat":{},"acl":[{"scheme":"world","id":"anyone","perms":31}],"kind":"persistent"}`
	for _, c := range []struct{ in, want string }{
		{"", "line 1: empty"},
		{"not json", "line 1: not a zkgate dump header"},
		{`{"format":"tar","version":1,"path":"/","zxid":1,"taken":"t"}`, `line 1: not a zkgate dump (format "tar"`},
		{`{"format":"zkgate-dump","version":9,"path":"/","zxid":1,"taken":"t"}`, "line 1: dump format version 9"},
		{`{"format":"zkgate-dump","version":1,"path":"/","zxid":0,"taken":"t"}`, "line 1: zxid 0"},
		{h + "\n" + root + "\n{", "line 3: unexpected EOF"},
		{h + "\n" + root + "\n" + `{"path":"/a","data":"!!","stat":{},"acl":[],"kind":"persistent"}`, "line 3: the data of /a"},
		{h + "\n" + root + "\n" + `{"path":"/a","stat":{},"acl":[],"kind":"persistent"}`, "line 3: /a has no data field"},
		{h + "\n" + root + "\n" + `{"path":"/a","data":null,"acl":[],"kind":"persistent"}`, "line 3: /a has no stat"},
		{h + "\n" + root + "\n" + `{"path":"/a","data":null,"stat":{},"kind":"persistent"}`, "line 3: /a has no acl"},
		{h + "\n" + root + "\n" + `{"path":"/a","data":null,"stat":{},"acl":[],"kind":"odd"}`, `line 3: kind "odd"`},
		{h + "\n" + root + "\n" + `{"path":"/a","data":null,"stat":{},"acl":[],"kind":"persistent","extra":1}`, `line 3: json: unknown field "extra"`},
		{h + "\n" + root + "\n" + a + "\n" + a, "line 4: /a appears twice"},
		{h + "\n" + root + "\n" + `{"path":"/b","data":null,"stat":{},"acl":[],"kind":"persistent"}`, "line 3: /b is outside the dump's path /a"},
		{h + "\n" + root + "\n" + a + "\n" + `{"path":"/a/x/y","data":null,"stat":{},"acl":[],"kind":"persistent"}`, "line 4: /a/x/y comes before its parent"},
		{h + "\n" + root + "\n" + `{"path":"/a","error":"NoAuth"}` + "\n" + `{"path":"/a/x","data":null,"stat":{},"acl":[],"kind":"persistent"}`, "line 4: /a/x is under /a, which the dump could not read"},
		{h + "\n" + root + "\n" + `{"path":"a","data":null,"stat":{},"acl":[],"kind":"persistent"}`, `line 3: path "a"`},
		{h + "\n" + root, "line 2: the dump ends without its root /a"},
	} {
		_, err := ReadDump(strings.NewReader(c.in))
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%q:\n got %v\nwant %s...", c.in, err, c.want)
		}
	}
	if _, err := ReadDump(strings.NewReader(h + "\n" + root + "\n" + a + "\n")); err != nil {
		t.Errorf("a well-formed dump: %v", err)
	}
}
