package e2e

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zkgate/zkgate/e2e/harness"
	"github.com/zkgate/zkgate/recipes/client"
	"github.com/zkgate/zkgate/schema"
	"github.com/zkgate/zkgate/schema/zkgatepb"
	"github.com/zkgate/zkgate/zkbridge/jute"
)

// pastRead is one read made through the ZooKeeper port, with the zxid its
// reply header carried and what it answered.
type pastRead struct {
	op       jute.OpCode
	path     string
	auth     bool // made with alice's digest
	zxid     int64
	err      schema.Code
	data     []byte
	stat     jute.Stat
	children []string
	acl      []jute.ACL
}

func (r pastRead) String() string {
	return fmt.Sprintf("op %d %s (auth %v) at zxid 0x%x", r.op, r.path, r.auth, r.zxid)
}

// historyWorkload writes through the ZooKeeper port of n for a bounded
// number of operations: creates (persistent, sequential, ephemeral, with
// null, empty and other data, open, read-only and digest ACLs), sets,
// deletes, multis and setAcls from several sessions, one of them with
// alice's digest, and an ephemeral-owning session closed halfway. It
// returns the paths it may have created.
func historyWorkload(t *testing.T, n *harness.Node, rng *rand.Rand, ops int, created func(string)) {
	t.Helper()
	alice := zk.DigestACL(zk.PermAll, "alice", "pw")
	acls := [][]zk.ACL{
		zk.WorldACL(zk.PermAll), zk.WorldACL(zk.PermAll), zk.WorldACL(zk.PermAll),
		zk.WorldACL(zk.PermRead | zk.PermCreate | zk.PermDelete),
		append(zk.WorldACL(zk.PermRead), alice...),
		alice,
	}
	datas := [][]byte{nil, {}, []byte("v"), []byte("a longer value"), {0, 0xff, '\n'}}
	type writer struct {
		c    *zk.Conn
		seed uint64
	}
	var writers []writer
	for i := range 3 {
		c, _ := zkConnect(t, n.ZKAddr)
		if i == 0 {
			if err := c.AddAuth("digest", []byte("alice:pw")); err != nil {
				t.Fatal(err)
			}
		}
		writers = append(writers, writer{c, rng.Uint64()})
	}
	var wg sync.WaitGroup
	for wi, w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(w.seed, uint64(wi)))
			pick := func() string { return keyPath(r) }
			for range ops / len(writers) {
				p := pick()
				data := datas[r.IntN(len(datas))]
				acl := acls[r.IntN(len(acls))]
				switch k := r.IntN(10); {
				case k < 3:
					if got, err := w.c.Create(p, data, 0, acl); err == nil {
						created(got)
					}
				case k == 3:
					if got, err := w.c.Create(schema.Join(keyParent(r), "s-"), data, zk.FlagSequence, acl); err == nil {
						created(got)
					}
				case k == 4 || k == 5:
					w.c.Set(p, data, -1)
				case k == 6:
					w.c.Delete(p, -1)
				case k == 7:
					w.c.SetACL(p, acl, -1)
				default:
					q := pick()
					w.c.Multi(
						&zk.CreateRequest{Path: q, Data: data, Acl: acl},
						&zk.SetDataRequest{Path: q, Data: []byte("in a multi"), Version: -1},
						&zk.DeleteRequest{Path: pick(), Version: -1},
					)
					created(q)
				}
			}
		}()
	}
	// Ephemerals of a session closed halfway, and of one still open.
	wg.Add(1)
	go func() {
		defer wg.Done()
		r := rand.New(rand.NewPCG(rng.Uint64(), 7))
		for round := range 2 {
			c, _ := zkConnect(t, n.ZKAddr)
			for range 15 {
				if got, err := c.Create(schema.Join(keyParent(r), "e-"), []byte("eph"), zk.FlagEphemeral|zk.FlagSequence, zk.WorldACL(zk.PermAll)); err == nil {
					created(got)
				}
			}
			if round == 0 {
				c.Close()
			}
		}
	}()
	// Ephemerals of a session that expires: its connection is cut (no
	// closeSession), and the node ends it after its 4 s timeout. The
	// workload waits for the expiry, so that reads see it happen.
	wg.Add(1)
	go func() {
		defer wg.Done()
		c, err := harness.DialZK(n.ZKAddr, harness.ZKConnectOptions{TimeOut: 4000})
		if err != nil {
			t.Error(err)
			return
		}
		var first string
		for range 10 {
			req := &jute.CreateRequest{Path: "/h/x-", Data: []byte("expires"),
				ACL: []jute.ACL{{Perms: int32(zk.PermAll), ID: jute.ID{Scheme: "world", ID: "anyone"}}}, Flags: jute.ModeEphemeralSequential}
			rh, d, err := c.Call(jute.OpCreate, req)
			if err != nil || rh.Err != 0 {
				t.Errorf("creating an ephemeral to expire: %v %v", rh.Err, err)
				return
			}
			var resp jute.CreateResponse
			resp.Decode(d)
			created(resp.Path)
			if first == "" {
				first = resp.Path
			}
		}
		w, _ := zkConnect(t, n.ZKAddr)
		ok, _, gone, err := w.ExistsW(first)
		if err != nil || !ok {
			t.Errorf("exists %s: %v %v", first, ok, err)
			return
		}
		c.Drop()
		select {
		case ev := <-gone:
			if ev.Type != zk.EventNodeDeleted {
				t.Errorf("%s: %v, want its deletion when its session expired", first, ev)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("%s was not deleted within 30 s of its session's connection being cut", first)
		}
	}()
	wg.Wait()
}

// keyPath is a random path of the workload's small namespace.
func keyPath(r *rand.Rand) string {
	p := fmt.Sprintf("/h/k%d", r.IntN(5))
	if r.IntN(2) == 0 {
		p += fmt.Sprintf("/c%d", r.IntN(3))
	}
	return p
}

// keyParent is a random parent for sequential children.
func keyParent(r *rand.Rand) string {
	if r.IntN(3) == 0 {
		return "/h"
	}
	return fmt.Sprintf("/h/k%d", r.IntN(5))
}

// TestHistory_ReadsAtAPastZxidAnswerAsThen: while a random workload
// writes through the ZooKeeper port (creates, sequential and ephemeral
// nodes, sets, deletes, multis, setAcl, a session closed and one left to
// expire), readers (one with alice's digest, one without) record a
// sample of the reads they make there, getData, exists,
// getChildren2 and getACL, with the zxid its reply header carries. Asked
// again afterwards through the gRPC API with ctx.at_zxid at that zxid,
// every read answers the same: the same error code, data byte for byte
// (null kept apart from empty), the Stat field for field, the children
// and the ACL (masked alike without ADMIN).
func TestHistory_ReadsAtAPastZxidAnswerAsThen(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{})
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	setup, _ := zkConnect(t, n.ZKAddr)
	if _, err := setup.Create("/h", nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if _, err := setup.Create(fmt.Sprintf("/h/k%d", i), nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
			t.Fatal(err)
		}
	}

	var mu sync.Mutex
	var known []string
	created := func(p string) {
		mu.Lock()
		known = append(known, p)
		mu.Unlock()
	}
	done := make(chan struct{})
	var reads []pastRead
	var rwg sync.WaitGroup
	for ri := range 2 {
		c, err := harness.DialZK(n.ZKAddr, harness.ZKConnectOptions{TimeOut: 10000})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Drop)
		auth := ri == 0
		if auth {
			if rh, err := c.Auth("digest", []byte("alice:pw")); err != nil || rh.Err != 0 {
				t.Fatalf("auth: %v %v", rh.Err, err)
			}
		}
		r := rand.New(rand.NewPCG(rng.Uint64(), uint64(ri)))
		rwg.Add(1)
		go func() {
			defer rwg.Done()
			var mine []pastRead
			const reservoir = 2000
			seen := 0
			defer func() {
				mu.Lock()
				reads = append(reads, mine...)
				mu.Unlock()
			}()
			for {
				select {
				case <-done:
					return
				default:
				}
				p := keyPath(r)
				mu.Lock()
				if len(known) > 0 && r.IntN(2) == 0 {
					p = known[r.IntN(len(known))]
				}
				mu.Unlock()
				if r.IntN(8) == 0 {
					p = keyParent(r)
				}
				rec, err := rawRead(c, []jute.OpCode{jute.OpGetData, jute.OpExists, jute.OpGetChildren2, jute.OpGetACL}[r.IntN(4)], p)
				if err != nil {
					t.Errorf("read %s: %v", p, err)
					return
				}
				rec.auth = auth
				// A uniform sample of at most reservoir reads (the
				// workload runs until a session expires, several seconds
				// of reads): each is checked again below.
				seen++
				if len(mine) < reservoir {
					mine = append(mine, rec)
				} else if j := r.IntN(seen); j < reservoir {
					mine[j] = rec
				}
			}
		}()
	}
	historyWorkload(t, n, rng, 300, created)
	close(done)
	rwg.Wait()
	if t.Failed() {
		return
	}

	conn, err := client.Dial(context.Background(), []string{n.ClientURL})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	ns := zkgatepb.NewNamespaceClient(conn)
	codes := map[schema.Code]int{}
	for _, rec := range reads {
		codes[rec.err]++
		checkPastRead(t, ns, rec)
	}
	t.Logf("%d reads checked again at their zxids; error codes %v", len(reads), codes)
	if len(reads) < 100 || codes[schema.CodeOK] == 0 || codes[schema.CodeNoNode] == 0 || codes[schema.CodeNoAuth] == 0 {
		t.Errorf("the workload read too little to tell: %d reads, codes %v", len(reads), codes)
	}
}

// rawRead makes one read on c and records it.
func rawRead(c *harness.ZKRaw, op jute.OpCode, p string) (pastRead, error) {
	rec := pastRead{op: op, path: p}
	var req jute.Encodable
	switch op {
	case jute.OpGetData:
		req = &jute.GetDataRequest{Path: p}
	case jute.OpExists:
		req = &jute.ExistsRequest{Path: p}
	case jute.OpGetChildren2:
		req = &jute.GetChildren2Request{Path: p}
	case jute.OpGetACL:
		req = &jute.GetACLRequest{Path: p}
	}
	rh, d, err := c.Call(op, req)
	if err != nil {
		return rec, err
	}
	rec.zxid, rec.err = rh.Zxid, rh.Err
	if rh.Err != 0 {
		return rec, nil
	}
	switch op {
	case jute.OpGetData:
		var r jute.GetDataResponse
		err = r.Decode(d)
		rec.data, rec.stat = r.Data, r.Stat
	case jute.OpExists:
		var r jute.ExistsResponse
		err = r.Decode(d)
		rec.stat = r.Stat
	case jute.OpGetChildren2:
		var r jute.GetChildren2Response
		err = r.Decode(d)
		rec.children, rec.stat = r.Children, r.Stat
	case jute.OpGetACL:
		var r jute.GetACLResponse
		err = r.Decode(d)
		rec.acl, rec.stat = r.ACL, r.Stat
	}
	return rec, err
}

// checkPastRead asks rec's read again through gRPC at rec's zxid.
func checkPastRead(t *testing.T, ns zkgatepb.NamespaceClient, rec pastRead) {
	t.Helper()
	rc := &zkgatepb.RequestContext{AtZxid: rec.zxid}
	if rec.auth {
		rc.Auth = []*zkgatepb.AuthInfo{{Scheme: "digest", Credentials: []byte("alice:pw")}}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var (
		st       *zkgatepb.Stat
		data     []byte
		children []string
		acl      []*zkgatepb.ACL
		err      error
	)
	switch rec.op {
	case jute.OpGetData:
		var r *zkgatepb.GetDataResponse
		r, err = ns.GetData(ctx, &zkgatepb.GetDataRequest{Ctx: rc, Path: rec.path})
		data, st = r.GetData(), r.GetStat()
	case jute.OpExists:
		var r *zkgatepb.ExistsResponse
		r, err = ns.Exists(ctx, &zkgatepb.ExistsRequest{Ctx: rc, Path: rec.path})
		if err == nil && !r.GetFound() {
			err = schema.NewError(schema.CodeNoNode, rec.path)
		}
		st = r.GetStat()
	case jute.OpGetChildren2:
		var r *zkgatepb.GetChildrenResponse
		r, err = ns.GetChildren(ctx, &zkgatepb.GetChildrenRequest{Ctx: rc, Path: rec.path})
		children, st = r.GetChildren(), r.GetStat()
	case jute.OpGetACL:
		var r *zkgatepb.GetACLResponse
		r, err = ns.GetACL(ctx, &zkgatepb.GetACLRequest{Ctx: rc, Path: rec.path})
		acl, st = r.GetAcl(), r.GetStat()
	}
	if code := schema.CodeOf(schema.ErrorFromStatus(err)); code != rec.err {
		t.Errorf("%s: error %v at the zxid, %v through the ZooKeeper port", rec, err, rec.err)
		return
	}
	if rec.err != 0 {
		return
	}
	got := jute.Stat{Czxid: st.Czxid, Mzxid: st.Mzxid, Ctime: st.Ctime, Mtime: st.Mtime, Version: st.Version, Cversion: st.Cversion,
		Aversion: st.Aversion, EphemeralOwner: st.EphemeralOwner, DataLength: st.DataLength, NumChildren: st.NumChildren, Pzxid: st.Pzxid}
	if got != rec.stat {
		t.Errorf("%s: Stat %+v at the zxid, %+v through the ZooKeeper port", rec, got, rec.stat)
	}
	switch rec.op {
	case jute.OpGetData:
		if (data == nil) != (rec.data == nil) || !bytes.Equal(data, rec.data) {
			t.Errorf("%s: data %q (null %v) at the zxid, %q (null %v) through the ZooKeeper port", rec, data, data == nil, rec.data, rec.data == nil)
		}
	case jute.OpGetChildren2:
		a, b := slices.Clone(children), slices.Clone(rec.children)
		slices.Sort(a)
		slices.Sort(b)
		if !slices.Equal(a, b) {
			t.Errorf("%s: children %v at the zxid, %v through the ZooKeeper port", rec, children, rec.children)
		}
	case jute.OpGetACL:
		var a []string
		for _, e := range acl {
			a = append(a, fmt.Sprintf("%s:%s:%d", e.Scheme, e.Id, e.Perms))
		}
		var b []string
		for _, e := range rec.acl {
			b = append(b, fmt.Sprintf("%s:%s:%d", e.ID.Scheme, e.ID.ID, e.Perms))
		}
		if !slices.Equal(a, b) {
			t.Errorf("%s: ACL %v at the zxid, %v through the ZooKeeper port", rec, a, b)
		}
	}
}

// TestHistory_DumpRestoresTheTreeAsAtItsZxid: ctl dump --at Z of a tree
// that changed after Z, restored with zkgate migrate --from into a second,
// fresh node, gives the first node's tree as it was at Z: zkgate diff of
// the dump against the second node, and of the first node read at Z
// against it, find no differences, and the restored parents issue the
// next sequence numbers the first node would have at Z.
func TestHistory_DumpRestoresTheTreeAsAtItsZxid(t *testing.T) {
	t.Parallel()
	a := harness.StartNode(t, harness.NodeOptions{})
	b := harness.StartNode(t, harness.NodeOptions{})
	c, _ := zkConnect(t, a.ZKAddr)
	if err := c.AddAuth("digest", []byte("alice:pw")); err != nil {
		t.Fatal(err)
	}
	open := zk.WorldACL(zk.PermAll)
	for _, p := range []struct {
		path string
		data []byte
		acl  []zk.ACL
	}{
		{"/app", []byte("v1"), open},
		{"/app/null", nil, open},
		{"/app/empty", []byte{}, open},
		{"/app/bin", []byte{0, 1, 0xff}, open},
		{"/app/alice", []byte("mine"), zk.DigestACL(zk.PermAll, "alice", "pw")},
		{"/app/q", nil, open},
	} {
		if _, err := c.Create(p.path, p.data, 0, p.acl); err != nil {
			t.Fatal(err)
		}
	}
	for range 3 {
		if _, err := c.Create("/app/q/n-", nil, zk.FlagSequence, open); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Create("/app/eph", []byte("e"), zk.FlagEphemeral, open); err != nil {
		t.Fatal(err)
	}
	z := strings.TrimSpace(strings.TrimPrefix(ctlOK(t, a, "sync", "/"), "Sync is OK (zxid "))
	z = strings.TrimSuffix(z, ")")
	// After Z: none of this may come back.
	if _, err := c.Set("/app", []byte("v2"), -1); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete("/app/null", -1); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create("/app/later", nil, 0, open); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create("/app/q/n-", nil, zk.FlagSequence, open); err != nil {
		t.Fatal(err)
	}

	file := filepath.Join(t.TempDir(), "app.jsonl")
	r := harness.RunZkgate(t, cliTimeout, nil, "ctl", "--endpoints", a.ClientURL, "--auth", "digest:alice:pw", "dump", "--at", z, "-f", file, "/app")
	if r.ExitCode != 0 || !strings.Contains(r.Stderr, "dumped 10 znodes under /app at zxid "+z) {
		t.Fatalf("ctl dump --at %s: exit %d\n%s%s", z, r.ExitCode, r.Stdout, r.Stderr)
	}
	dump, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(dump, []byte(`"path":"/app","data":"djE="`)) || bytes.Contains(dump, []byte("/app/later")) {
		t.Errorf("the dump is not the tree at %s:\n%s", z, dump)
	}

	to := []string{"--to", b.ClientURL, "--to-auth", "digest:alice:pw"}
	r = harness.RunZkgate(t, cliTimeout, nil, append([]string{"migrate", "--from", file}, to...)...)
	if r.ExitCode != 0 || !strings.Contains(r.Stdout, "9 znodes created") || !strings.Contains(r.Stdout, "ephemeral, not copied: /app/eph") {
		t.Fatalf("migrate --from the dump: exit %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	r = harness.RunZkgate(t, cliTimeout, nil, append([]string{"diff", "--from", "file://" + file}, to...)...)
	if r.ExitCode != 0 || !strings.Contains(r.Stdout, "\nno differences: 9 znodes compared") {
		t.Fatalf("diff of the dump and the restored node: exit %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	// The second node against the first as it was at Z, and as it is.
	both := []string{"diff", "--from", b.ZKAddr, "--from-auth", "digest:alice:pw", "--to", a.ClientURL, "--to-auth", "digest:alice:pw", "--path", "/app"}
	r = harness.RunZkgate(t, cliTimeout, nil, append(both, "--at", z)...)
	if r.ExitCode != 0 || !strings.Contains(r.Stdout, "\nno differences: 9 znodes compared") {
		t.Errorf("diff of the restored node and the first one at %s: exit %d\n%s%s", z, r.ExitCode, r.Stdout, r.Stderr)
	}
	r = harness.RunZkgate(t, cliTimeout, nil, both...)
	if r.ExitCode != 1 || !strings.Contains(r.Stdout, "~ /app: data differs") || !strings.Contains(r.Stdout, "+ /app/later") {
		t.Errorf("diff of the restored node and the first one now: exit %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	// Sequence counters: the next number after the three issued by Z.
	if out := ctlOK(t, b, "create", "-s", "/app/q/n-"); out != "Created /app/q/n-0000000003\n" {
		t.Errorf("a sequential create in the restored node: %q", out)
	}
	// A malformed dump: one line naming the line, and nothing written.
	bad := filepath.Join(t.TempDir(), "bad.jsonl")
	lines := strings.SplitAfter(string(dump), "\n")
	if err := os.WriteFile(bad, []byte(lines[0]+lines[1]+"{\"path\":\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fresh := harness.StartNode(t, harness.NodeOptions{})
	r = harness.RunZkgate(t, cliTimeout, nil, "migrate", "--from", bad, "--to", fresh.ClientURL)
	if r.ExitCode != 2 || !strings.HasPrefix(r.Stderr, "zkgate: --from "+bad+": line 3: ") || strings.Count(r.Stderr, "\n") != 1 {
		t.Errorf("migrate --from a malformed dump: exit %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	if out := ctlOK(t, fresh, "ls", "/"); out != "[zookeeper]\n" {
		t.Errorf("after a malformed dump, the node has %s", out)
	}
}

// TestCtl_Dump: ctl dump writes a header line (format, version, path,
// zxid, time) and a line per znode to stdout, parents first; a znode the
// auth given cannot read, and one whose ACL comes back masked, are named
// on stderr and make the exit status 2; --at TIME dumps the tree as of
// that time and says when its zxid was made; a missing PATH is NoNode.
func TestCtl_Dump(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{})
	ctlOK(t, n, "create", "/d", "v1")
	ctlOK(t, n, "create", "/d/x")
	ctlOK(t, n, "--auth", "digest:alice:pw", "create", "/d/locked", "s", "auth::cdrwa")
	ctlOK(t, n, "--auth", "digest:alice:pw", "create", "/d/masked", "m", "world:anyone:r,auth::cdrwa")
	// A millisecond before the set's: times are milliseconds, and a time
	// stands for the last zxid at or before it.
	before := time.Now().UTC().Truncate(time.Millisecond).Add(-time.Millisecond).Format(time.RFC3339Nano)
	ctlOK(t, n, "set", "/d", "v2")

	r := ctl(t, n, "", "dump", "/d")
	lines := strings.Split(strings.TrimSpace(r.Stdout), "\n")
	if r.ExitCode != 2 || len(lines) != 6 {
		t.Fatalf("dump without auth: exit %d, %d lines\n%s%s", r.ExitCode, len(lines), r.Stdout, r.Stderr)
	}
	for _, want := range []string{
		"not readable with the --auth given, not in the dump: /d/locked\n",
		"not readable with the --auth given, not in the dump: /d/masked (ACL masked",
		"zkgate: the dump is incomplete: 2 znodes could not be read\n",
	} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.Stderr)
		}
	}
	if !strings.HasPrefix(lines[0], `{"format":"zkgate-dump","version":1,"path":"/d","zxid":`) ||
		!strings.HasPrefix(lines[1], `{"path":"/","ancestor":true,`) ||
		!strings.HasPrefix(lines[2], `{"path":"/d","data":"djI=","stat":{"czxid":`) ||
		lines[3] != `{"path":"/d/locked","error":"NoAuth"}` ||
		!strings.HasPrefix(lines[4], `{"path":"/d/masked","data":"bQ==",`) || !strings.Contains(lines[4], `"id":"alice:x"`) ||
		!strings.HasPrefix(lines[5], `{"path":"/d/x","data":null,`) || !strings.HasSuffix(lines[5], `"kind":"persistent"}`) {
		t.Errorf("dump:\n%s", r.Stdout)
	}
	r = ctl(t, n, "", "--auth", "digest:alice:pw", "dump", "--at", before, "/d")
	if r.ExitCode != 0 || !strings.Contains(r.Stdout, `"zxid_time":"`) || !strings.Contains(r.Stdout, `"path":"/d","data":"djE="`) || !strings.Contains(r.Stdout, `"id":"alice:`) {
		t.Errorf("dump --at %s with alice's auth: exit %d\n%s%s", before, r.ExitCode, r.Stdout, r.Stderr)
	}
	if r := ctl(t, n, "", "dump", "/nothing"); r.ExitCode != 1 || r.Stderr != "zkgate: KeeperErrorCode = NoNode for /nothing\n" {
		t.Errorf("dump of a missing path: exit %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
}

// TestHistory_ShowsTheSessionOfEachChange: ctl history's third column is
// the session whose request made each change, as zkCli and the four-letter
// words print session ids: a go-zookeeper client's for its writes, its
// own again for the removal of its ephemeral when it closes, and "-" for
// ctl's writes, which have no session; -o json has it as "session".
func TestHistory_ShowsTheSessionOfEachChange(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{})
	c, _ := zkConnect(t, n.ZKAddr)
	id := fmt.Sprintf("0x%x", c.SessionID())
	if _, err := c.Create("/who", []byte("a"), 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create("/who/e", nil, zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Set("/who", []byte("b"), -1); err != nil {
		t.Fatal(err)
	}
	ctlOK(t, n, "set", "/who", "c")
	watcher, _ := zkConnect(t, n.ZKAddr)
	_, _, gone, err := watcher.ExistsW("/who/e")
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if ev := <-gone; ev.Type != zk.EventNodeDeleted {
		t.Fatalf("the ephemeral's watch: %+v", ev)
	}

	var got []string
	for _, l := range strings.Split(strings.TrimSpace(ctlOK(t, n, "history", "-R", "/who")), "\n") {
		if f := strings.Split(l, "\t"); len(f) >= 5 {
			got = append(got, f[2]+" "+strings.TrimSpace(f[3])+" "+f[4])
		}
	}
	want := []string{id + " create /who", id + " create /who/e", id + " setData /who", "- setData /who", id + " delete /who/e"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("history -R /who:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var first struct{ Session int64 }
	mustJSON(t, strings.SplitN(ctlOK(t, n, "-o", "json", "history", "/who"), "\n", 2)[0], &first)
	if first.Session != c.SessionID() {
		t.Errorf("-o json: session %d, want %d", first.Session, c.SessionID())
	}
}
