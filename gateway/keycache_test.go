package gateway_test

import (
	"runtime"
	"testing"
	"time"

	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/gateway/gatewaytest"
	"github.com/zkgate/zkgate/schema"
)

// TestKeyCache_RepeatedWritesReadNothingAgain: a session setting one znode
// over and over has its batches take the znode's keys and the session's
// record from the committer's key cache, not from etcd.
func TestKeyCache_RepeatedWritesReadNothingAgain(t *testing.T) {
	e := newEngine(t, gateway.Config{})
	ctx := ctxT(t)
	s, err := e.CreateSession(ctx, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c := s.Caller()
	mustCreate(t, e, c, "/k", "0", gateway.Persistent)
	before := e.Stats()
	const sets = 20
	for i := range sets {
		r, err := e.SetData(ctx, c, "/k", []byte{byte(i)}, int32(i))
		if err != nil {
			t.Fatal(err)
		}
		if r.Stat.Version != int32(i+1) {
			t.Fatalf("set %d: version %d", i, r.Stat.Version)
		}
	}
	after := e.Stats()
	// Each set reads the znode's record, children meta and ACL and the
	// session record: 4 keys. A set whose batch landed after the watch
	// hub had dispatched past it finds its keys gone, so not every read
	// is a hit; without the cache none is.
	hits, misses := after.KeyHits-before.KeyHits, after.KeyMisses-before.KeyMisses
	if hits < sets {
		t.Errorf("%d keys from the cache, %d from etcd, over %d sets", hits, misses, sets)
	}
	if hits+misses < 4*sets {
		t.Errorf("%d keys read in all over %d sets of 4 keys", hits+misses, sets)
	}
}

// TestKeyCache_AnotherNodesWriteIsSeen: a write through another gateway
// node drops the keys it changed from this node's cache once this node's
// watch hub has seen it: the next write here is validated against it at
// the first attempt, with no batch redone.
func TestKeyCache_AnotherNodesWriteIsSeen(t *testing.T) {
	cl := gatewaytest.StartCluster(t, 1)
	a := gatewaytest.NewEngine(t, cl.Client(0), gateway.Config{})
	b := gatewaytest.NewEngine(t, cl.Client(0), gateway.Config{})
	ctx := ctxT(t)
	mustCreate(t, a, anyone, "/shared", "a", gateway.Persistent)
	// a knows /shared at version 1 from its own write.
	if _, err := a.SetData(ctx, anyone, "/shared", []byte("a1"), 0); err != nil {
		t.Fatal(err)
	}
	res, err := b.SetData(ctx, anyone, "/shared", []byte("b"), 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.WaitZxid(ctx, res.Zxid); err != nil {
		t.Fatal(err)
	}
	redone := a.Redone()
	// Against a's own last write, version 1 would be current; it is 2.
	_, err = a.SetData(ctx, anyone, "/shared", []byte("stale"), 1)
	wantCode(t, err, schema.CodeBadVersion)
	r, err := a.SetData(ctx, anyone, "/shared", []byte("a2"), 2)
	if err != nil || r.Stat.Version != 3 {
		t.Fatalf("set at version 2: %+v %v", r.Stat, err)
	}
	if got := a.Redone() - redone; got != 0 {
		t.Errorf("%d batches redone: a validated against its cache from before b's write", got)
	}
}

// TestKeyCache_StaleEntryNeverCommits: an etcd write that the watch hub has
// not yet dispatched (the cache cannot know of it) fails the batch's
// compares; the batch is read again and validated against it, never
// committed over it.
func TestKeyCache_StaleEntryNeverCommits(t *testing.T) {
	cl := gatewaytest.StartCluster(t, 1)
	a := gatewaytest.NewEngine(t, cl.Client(0), gateway.Config{})
	b := gatewaytest.NewEngine(t, cl.Client(0), gateway.Config{})
	ctx := ctxT(t)
	mustCreate(t, a, anyone, "/raced", "a", gateway.Persistent)
	for i := range 50 {
		// b writes, and a writes at once with the version it last saw;
		// whatever a's cache holds, exactly one of each pair of
		// conditional writes on the same version succeeds.
		ver := int32(2 * i)
		errs := make(chan error, 2)
		go func() { _, err := a.SetData(ctx, anyone, "/raced", []byte("a"), ver); errs <- err }()
		go func() { _, err := b.SetData(ctx, anyone, "/raced", []byte("b"), ver); errs <- err }()
		ok := 0
		for range 2 {
			err := <-errs
			switch schema.CodeOf(err) {
			case schema.CodeOK:
				ok++
			case schema.CodeBadVersion:
			default:
				t.Fatal(err)
			}
		}
		if ok != 1 {
			t.Fatalf("round %d: %d of two writes at version %d succeeded", i, ok, ver)
		}
		// One more through a, at the version it must now see.
		if _, err := a.SetData(ctx, anyone, "/raced", []byte("a"), ver+1); err != nil {
			t.Fatalf("round %d: set at version %d: %v", i, ver+1, err)
		}
	}
	if st := stat(t, a, "/raced"); st.Version != 100 {
		t.Fatalf("version %d after 100 writes", st.Version)
	}
}

// TestKeyCache_ReadsServedFromItAndNeverStale: a getData of a znode the
// node wrote or read before is served from the key cache (no read of
// etcd's store), and a change made elsewhere (another gateway node, a
// put straight to etcd, a session's lease expiring) is seen by the next
// read that waits for its zxid, with the Stat etcd's store gives.
func TestKeyCache_ReadsServedFromItAndNeverStale(t *testing.T) {
	cl := gatewaytest.StartCluster(t, 1)
	a := gatewaytest.NewEngine(t, cl.Client(0), gateway.Config{})
	b := gatewaytest.NewEngine(t, cl.Client(0), gateway.Config{})
	plain := gatewaytest.NewEngine(t, cl.Client(0), gateway.Config{KeyCacheBytes: -1})
	ctx := ctxT(t)
	mustCreate(t, a, anyone, "/r", "a", gateway.Persistent)
	// check reads path through a at least at zxid, and compares what it
	// answers with what a node without the cache answers at that zxid.
	check := func(what string, zxid int64) gateway.ReadResult {
		t.Helper()
		got, err := a.GetData(ctx, anyone, "/r", gateway.ReadOptions{MinZxid: zxid})
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		want, err := plain.GetData(ctx, anyone, "/r", gateway.ReadOptions{MinZxid: got.Zxid, AtZxid: got.Zxid})
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if string(got.Data) != string(want.Data) || got.Stat != want.Stat {
			t.Fatalf("%s: read %q %+v at zxid %d, the store has %q %+v", what, got.Data, got.Stat, got.Zxid, want.Data, want.Stat)
		}
		return got
	}
	hits := a.Stats().ReadKeyHits
	for range 3 {
		check("a read after a's own write", 0)
	}
	if got := a.Stats().ReadKeyHits - hits; got < 2 {
		t.Errorf("%d of 3 reads of an unchanged znode came from the key cache", got)
	}

	res, err := b.SetData(ctx, anyone, "/r", []byte("from b"), -1)
	if err != nil {
		t.Fatal(err)
	}
	if got := check("after another node's write", res.Zxid); string(got.Data) != "from b" {
		t.Fatalf("read %q after b's write", got.Data)
	}

	// A put straight to etcd of the znode's record (as a restore or
	// another tool could make), copied from b's write with new data.
	rec, err := cl.Client(0).Get(ctx, schema.NodeKey("/r"))
	if err != nil || len(rec.Kvs) != 1 {
		t.Fatalf("reading the record: %v", err)
	}
	n, err := schema.UnmarshalNode(rec.Kvs[0].Value)
	if err != nil {
		t.Fatal(err)
	}
	n.Data = []byte("straight to etcd")
	put, err := cl.Client(0).Put(ctx, schema.NodeKey("/r"), string(n.Marshal()))
	if err != nil {
		t.Fatal(err)
	}
	if got := check("after a put straight to etcd", put.Header.Revision); string(got.Data) != "straight to etcd" {
		t.Fatalf("read %q after a put straight to etcd", got.Data)
	}

	// An ephemeral whose session expires: the read after sees it gone.
	s, err := b.CreateSession(ctx, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	made, err := b.Create(ctx, s.Caller(), gateway.CreateOp{Path: "/r/e", ACL: schema.OpenACLUnsafe, Mode: gateway.Ephemeral})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.GetData(ctx, anyone, "/r/e", gateway.ReadOptions{MinZxid: made.Zxid}); err != nil {
		t.Fatalf("the ephemeral before its session expired: %v", err)
	}
	waitFor(t, 20*time.Second, func() bool {
		_, err := a.GetData(ctx, anyone, "/r/e", gateway.ReadOptions{})
		return schema.CodeOf(err) == schema.CodeNoNode
	})
}

// TestKeyCache_ReadDecodesTheRecordOnce: a getData served from the key
// cache decodes nothing it decoded before and builds no etcd response:
// the znode's record is decoded once per write and shared by the reads
// (its data too), so a read of a cached 4 KiB znode allocates a bounded
// handful of small objects, none of them a copy of the data.
func TestKeyCache_ReadDecodesTheRecordOnce(t *testing.T) {
	e := newEngine(t, gateway.Config{})
	ctx := ctxT(t)
	data := make([]byte, 4096)
	mustCreate(t, e, anyone, "/big", string(data), gateway.Persistent)
	first, err := e.GetData(ctx, anyone, "/big", gateway.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	hits := e.Stats().ReadKeyHits
	var bytesBefore, bytesAfter runtime.MemStats
	runtime.ReadMemStats(&bytesBefore)
	const reads = 200
	allocs := testing.AllocsPerRun(reads, func() {
		r, err := e.GetData(ctx, anyone, "/big", gateway.ReadOptions{})
		if err != nil || len(r.Data) != len(data) || r.Stat != first.Stat {
			t.Fatalf("read %d bytes, %+v, %v", len(r.Data), r.Stat, err)
		}
	})
	runtime.ReadMemStats(&bytesAfter)
	if got := e.Stats().ReadKeyHits - hits; got < reads {
		t.Fatalf("%d of %d reads came from the key cache", got, reads)
	}
	// Measured: 5 (the key names and the result); 20 when every read
	// built an etcd response and decoded the record again.
	if allocs > 8 {
		t.Errorf("%.0f allocations per cached read, want at most 8", allocs)
	}
	if per := (bytesAfter.TotalAlloc - bytesBefore.TotalAlloc) / (reads + 1); per >= uint64(len(data)) {
		t.Errorf("%d bytes allocated per cached read of %d bytes of data: the data is copied", per, len(data))
	}
}
