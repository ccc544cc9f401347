package gateway_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/schema"
)

// setQuota writes a quota's znodes as zkCli.sh's setquota does: the
// limits, then a stats znode whose data ZooKeeper replaces by its count.
func setQuota(t testing.TB, e *gateway.Engine, root, limits string) {
	t.Helper()
	q := schema.QuotaRoot
	for _, part := range strings.Split(strings.TrimPrefix(root, "/"), "/") {
		q += "/" + part
		if res, _ := e.Exists(ctxT(t), anyone, q, gateway.ReadOptions{}); !res.Found {
			mustCreate(t, e, anyone, q, "", gateway.Persistent)
		}
	}
	mustCreate(t, e, anyone, schema.QuotaLimitsPath(root), limits, gateway.Persistent)
	mustCreate(t, e, anyone, schema.QuotaStatsPath(root), "count=0,bytes=0", gateway.Persistent)
}

func statsOf(t testing.TB, e *gateway.Engine, root string) (string, schema.Stat) {
	t.Helper()
	res, err := e.GetData(ctxT(t), anyone, schema.QuotaStatsPath(root), gateway.ReadOptions{})
	data, st := res.Data, res.Stat
	if err != nil {
		t.Fatalf("stats of %s: %v", root, err)
	}
	if ex := stat(t, e, schema.QuotaStatsPath(root)); ex.DataLength != st.DataLength {
		t.Fatalf("exists shows dataLength %d, getData %d", ex.DataLength, st.DataLength)
	}
	return string(data), st
}

func TestQuota_StatsCountedWhenRead(t *testing.T) {
	e := newEngine(t, gateway.Config{})
	ctx := ctxT(t)
	mustCreate(t, e, anyone, "/q1", "ab", gateway.Persistent)
	mustCreate(t, e, anyone, "/q1/a", "", gateway.Persistent)
	setQuota(t, e, "/q1", "count=2,bytes=-1=;byteHardLimit=-1;countHardLimit=-1")
	check := func(step, want string) {
		t.Helper()
		got, st := statsOf(t, e, "/q1")
		if got != want || int(st.DataLength) != len(want) || st.Version != 0 || st.Mzxid != st.Czxid {
			t.Fatalf("%s: stats %q %+v, want %q, version 0, mzxid = czxid", step, got, st, want)
		}
	}
	check("setquota", "count=2,bytes=2")
	mustCreate(t, e, anyone, "/q1/b", "xyz", gateway.Persistent)
	mustCreate(t, e, anyone, "/q1/b/c", "0123456789", gateway.Persistent)
	check("creates", "count=4,bytes=15")
	if _, err := e.SetData(ctx, anyone, "/q1/b", []byte("1234567"), -1); err != nil {
		t.Fatal(err)
	}
	check("setData", "count=4,bytes=19")
	if _, err := e.Delete(ctx, anyone, "/q1/b/c", -1); err != nil {
		t.Fatal(err)
	}
	check("delete", "count=3,bytes=9")
	s, err := e.CreateSession(ctx, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	mustCreate(t, e, s.Caller(), "/q1/eph", "1234", gateway.Ephemeral)
	check("ephemeral", "count=4,bytes=13")
	if _, err := e.CloseSession(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	check("session closed", "count=3,bytes=9")
	// Not enforced by default: past the soft limit, and no hard one.
	mustCreate(t, e, anyone, "/q1/more", "", gateway.Persistent)
	check("past the soft limit", "count=4,bytes=9")
	// The root deleted and created again.
	for _, p := range []string{"/q1/more", "/q1/eph", "/q1/b", "/q1/a", "/q1"} {
		if _, err := e.Delete(ctx, anyone, p, -1); err != nil && schema.CodeOf(err) != schema.CodeNoNode {
			t.Fatal(err)
		}
	}
	check("root deleted", "count=0,bytes=0")
	mustCreate(t, e, anyone, "/q1", "z", gateway.Persistent)
	check("root created again", "count=1,bytes=1")
	// getChildren and getACL show the same Stat.
	res, err := e.GetChildren(ctx, anyone, schema.QuotaStatsPath("/q1"), gateway.ReadOptions{})
	cst := res.Stat
	if err != nil || cst.DataLength != int32(len("count=1,bytes=1")) {
		t.Fatalf("getChildren of the stats: %+v %v", cst, err)
	}
	ar, err := e.GetACL(ctx, anyone, schema.QuotaStatsPath("/q1"), gateway.ReadOptions{})
	ast := ar.Stat
	if err != nil || ast.DataLength != cst.DataLength {
		t.Fatalf("getACL of the stats: %+v %v", ast, err)
	}
}

func TestQuota_StatsOfALargeSubtree(t *testing.T) {
	e := newEngine(t, gateway.Config{})
	mustCreate(t, e, anyone, "/big", "", gateway.Persistent)
	setQuota(t, e, "/big", "count=1,bytes=-1")
	// More znodes on one level than one page of the count.
	const n = 2500
	ops := make([]gateway.Op, 0, 500)
	for i := range n {
		ops = append(ops, &gateway.CreateOp{Path: "/big/" + strings.Repeat("x", 1+i%7) + "-" + string(rune('a'+i%26)) + "-" + strconv.Itoa(i), Data: []byte("d"), ACL: schema.OpenACLUnsafe})
		if len(ops) == cap(ops) {
			if _, _, err := e.Multi(ctxT(t), anyone, ops); err != nil {
				t.Fatal(err)
			}
			ops = ops[:0]
		}
	}
	mustCreate(t, e, anyone, "/big/x-a-0/deep", "four", gateway.Persistent)
	got, _ := statsOf(t, e, "/big")
	if want := "count=2502,bytes=2504"; got != want {
		t.Fatalf("stats %q, want %q", got, want)
	}
	// The member's store and etcd's API (linearizable, as against an
	// external etcd) count alike, with and without the bytes.
	for _, serial := range []bool{true, false} {
		for _, bytes := range []bool{true, false} {
			u, err := e.QuotaUsage(ctxT(t), "/big", serial, bytes)
			want := schema.StatsTrack{Count: 2502, Bytes: 2504, CountHardLimit: -1, ByteHardLimit: -1}
			if !bytes {
				want.Bytes = -1
			}
			if err != nil || u != want {
				t.Errorf("serial %v, bytes %v: %+v %v, want %+v", serial, bytes, u, err, want)
			}
		}
	}
}

func TestQuota_NestedRootsCountTheirWholeSubtree(t *testing.T) {
	e := newEngine(t, gateway.Config{})
	mustCreate(t, e, anyone, "/n1", "12", gateway.Persistent)
	mustCreate(t, e, anyone, "/n1/b", "3", gateway.Persistent)
	setQuota(t, e, "/n1", "count=100,bytes=-1")
	setQuota(t, e, "/n1/b", "count=100,bytes=-1")
	mustCreate(t, e, anyone, "/n1/b/d", "4444", gateway.Persistent)
	mustCreate(t, e, anyone, "/n1/e", "55555", gateway.Persistent)
	if got, _ := statsOf(t, e, "/n1/b"); got != "count=2,bytes=5" {
		t.Errorf("inner stats %q", got)
	}
	// ZooKeeper would count /n1/b/d in /n1/b only (see doc.go, known
	// differences).
	if got, _ := statsOf(t, e, "/n1"); got != "count=4,bytes=12" {
		t.Errorf("outer stats %q", got)
	}
}

func quotaEngine(t *testing.T) (*gateway.Engine, *observer.ObservedLogs) {
	core, logs := observer.New(zap.WarnLevel)
	return newEngine(t, gateway.Config{EnforceQuota: true, Logger: zap.New(core)}), logs
}

func TestQuota_EnforcedHardLimits(t *testing.T) {
	e, logs := quotaEngine(t)
	ctx := ctxT(t)
	mustCreate(t, e, anyone, "/e1", "ab", gateway.Persistent)
	setQuota(t, e, "/e1", "count=-1,bytes=-1=;byteHardLimit=-1;countHardLimit=3")
	mustCreate(t, e, anyone, "/e1/a", "", gateway.Persistent)
	mustCreate(t, e, anyone, "/e1/b", "x", gateway.Persistent)
	_, err := e.Create(ctx, anyone, gateway.CreateOp{Path: "/e1/c", ACL: schema.OpenACLUnsafe})
	wantCode(t, err, schema.CodeQuotaExceeded)
	if se, ok := err.(*schema.Error); !ok || se.Path != "/e1/c" {
		t.Errorf("error %#v, want the request's path", err)
	}
	if res, _ := e.Exists(ctx, anyone, "/e1/c", gateway.ReadOptions{}); res.Found {
		t.Fatal("a refused create was applied")
	}
	if l := logs.FilterMessage("Quota exceeded: /e1 [current count=4, hardCountLimit=3]").Len(); l != 1 {
		t.Errorf("%d log lines for the refused create: %v", l, logs.All())
	}
	// Checked after existence, the parent and an ephemeral parent.
	_, err = e.Create(ctx, anyone, gateway.CreateOp{Path: "/e1/a", ACL: schema.OpenACLUnsafe})
	wantCode(t, err, schema.CodeNodeExists)
	_, err = e.Create(ctx, anyone, gateway.CreateOp{Path: "/e1/zz/y", ACL: schema.OpenACLUnsafe})
	wantCode(t, err, schema.CodeNoNode)
	// setData that adds no znode passes the count limit; deletes always pass.
	if _, err := e.SetData(ctx, anyone, "/e1/b", []byte("yyyy"), -1); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Delete(ctx, anyone, "/e1/a", -1); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, e, anyone, "/e1/c", "", gateway.Persistent)

	// A byte limit: the quota is checked before the version.
	if _, err := e.SetData(ctx, anyone, schema.QuotaLimitsPath("/e1"), []byte("count=-1,bytes=-1=;byteHardLimit=4;countHardLimit=-1"), -1); err != nil {
		t.Fatal(err)
	}
	_, err = e.SetData(ctx, anyone, "/e1/b", []byte("yyy"), 99)
	wantCode(t, err, schema.CodeQuotaExceeded)
	// Shrinking to exactly the limit passes, as does a write of the
	// same size or an empty create.
	if _, err := e.SetData(ctx, anyone, "/e1/b", []byte("yy"), -1); err != nil {
		t.Fatalf("shrink to the limit: %v", err)
	}
	if _, err := e.SetData(ctx, anyone, "/e1/b", []byte("zz"), -1); err != nil {
		t.Fatalf("same size: %v", err)
	}
	mustCreate(t, e, anyone, "/e1/d", "", gateway.Persistent)
	_, err = e.Create(ctx, anyone, gateway.CreateOp{Path: "/e1/f", Data: []byte("q"), ACL: schema.OpenACLUnsafe})
	wantCode(t, err, schema.CodeQuotaExceeded)
	if got, _ := statsOf(t, e, "/e1"); got != "count=4,bytes=4" {
		t.Fatalf("stats %q", got)
	}
}

func TestQuota_EnforcedMultiChecksEachOpAgainstTheStateBefore(t *testing.T) {
	e, _ := quotaEngine(t)
	ctx := ctxT(t)
	mustCreate(t, e, anyone, "/m1", "", gateway.Persistent)
	setQuota(t, e, "/m1", "count=-1,bytes=-1=;byteHardLimit=-1;countHardLimit=3")
	// As ZooKeeper: each create sees count 1 before the multi, so all
	// three pass and the quota ends past its limit.
	ops := []gateway.Op{
		&gateway.CreateOp{Path: "/m1/a", ACL: schema.OpenACLUnsafe},
		&gateway.CreateOp{Path: "/m1/b", ACL: schema.OpenACLUnsafe},
		&gateway.CreateOp{Path: "/m1/c", ACL: schema.OpenACLUnsafe},
	}
	if _, _, err := e.Multi(ctx, anyone, ops); err != nil {
		t.Fatalf("multi: %v", err)
	}
	res, _, err := e.Multi(ctx, anyone, []gateway.Op{&gateway.CheckOp{Path: "/m1", Version: -1}, &gateway.CreateOp{Path: "/m1/d", ACL: schema.OpenACLUnsafe}})
	wantCode(t, err, schema.CodeQuotaExceeded)
	if len(res) != 2 || schema.CodeOf(res[1].Err) != schema.CodeQuotaExceeded || schema.CodeOf(res[0].Err) != schema.CodeOK {
		t.Fatalf("results %+v", res)
	}
}

func TestQuota_EnforcedSoftLimitsOnlyLog(t *testing.T) {
	e, logs := quotaEngine(t)
	mustCreate(t, e, anyone, "/so", "", gateway.Persistent)
	setQuota(t, e, "/so", "count=1,bytes=2")
	mustCreate(t, e, anyone, "/so/a", "123", gateway.Persistent)
	for _, m := range []string{"Quota exceeded: /so [current count=2, softCountLimit=1]", "Quota exceeded: /so [current bytes=3, softByteLimit=2]"} {
		if logs.FilterMessage(m).Len() != 1 {
			t.Errorf("no %q in %v", m, logs.All())
		}
	}
}

func TestQuota_EnforcedByTheDeepestRoot(t *testing.T) {
	e, _ := quotaEngine(t)
	mustCreate(t, e, anyone, "/no", "", gateway.Persistent)
	mustCreate(t, e, anyone, "/no/in", "", gateway.Persistent)
	setQuota(t, e, "/no", "count=-1,bytes=-1=;countHardLimit=2")
	setQuota(t, e, "/no/in", "count=-1,bytes=-1=;countHardLimit=5")
	mustCreate(t, e, anyone, "/no/in/a", "", gateway.Persistent)
	mustCreate(t, e, anyone, "/no/in/b", "", gateway.Persistent)
	_, err := e.Create(ctxT(t), anyone, gateway.CreateOp{Path: "/no/x", ACL: schema.OpenACLUnsafe})
	wantCode(t, err, schema.CodeQuotaExceeded)
}

func TestQuota_NotEnforcedByDefault(t *testing.T) {
	core, logs := observer.New(zap.WarnLevel)
	e := newEngine(t, gateway.Config{Logger: zap.New(core)})
	mustCreate(t, e, anyone, "/d1", "", gateway.Persistent)
	setQuota(t, e, "/d1", "count=-1,bytes=-1=;byteHardLimit=1;countHardLimit=1")
	mustCreate(t, e, anyone, "/d1/a", "abc", gateway.Persistent)
	if logs.Len() != 0 {
		t.Errorf("logged without enforcement: %v", logs.All())
	}
}

// A client's setData of zookeeper_stats is kept as a write (version,
// mzxid), but reads show the count (a known difference: ZooKeeper shows
// the written text plus later changes).
func TestQuota_StatsWrittenByAClientStillReadTheCount(t *testing.T) {
	e := newEngine(t, gateway.Config{})
	mustCreate(t, e, anyone, "/w1", "abc", gateway.Persistent)
	setQuota(t, e, "/w1", "count=5,bytes=-1")
	set, err := e.SetData(ctxT(t), anyone, schema.QuotaStatsPath("/w1"), []byte("count=100,bytes=7"), -1)
	st := set.Stat
	if err != nil || st.Version != 1 {
		t.Fatalf("setData of the stats: %+v %v", st, err)
	}
	got, rst := statsOf(t, e, "/w1")
	if got != "count=1,bytes=3" || rst.Version != 1 || rst.Mzxid != st.Mzxid || rst.DataLength != 15 {
		t.Fatalf("stats %q %+v after a client's write", got, rst)
	}
}

// quotaTree makes root with n children of 256 bytes and a quota on it.
func quotaTree(b *testing.B, e *gateway.Engine, root string, n int, limits string) {
	mustCreate(b, e, anyone, root, "", gateway.Persistent)
	data := make([]byte, 256)
	var ops []gateway.Op
	for i := range n {
		ops = append(ops, &gateway.CreateOp{Path: root + "/n" + strconv.Itoa(i), Data: data, ACL: schema.OpenACLUnsafe})
		if len(ops) == 500 || i == n-1 {
			if _, _, err := e.Multi(ctxT(b), anyone, ops); err != nil {
				b.Fatal(err)
			}
			ops = ops[:0]
		}
	}
	setQuota(b, e, root, limits)
}

// BenchmarkQuota_StatsRead10k reads the stats of a quota over 10,000
// znodes: each read counts them.
func BenchmarkQuota_StatsRead10k(b *testing.B) {
	e := newEngine(b, gateway.Config{})
	quotaTree(b, e, "/q", 10000, "count=-1,bytes=-1")
	b.ResetTimer()
	for b.Loop() {
		if got, _ := statsOf(b, e, "/q"); got != "count=10001,bytes=2560000" {
			b.Fatal(got)
		}
	}
}

// BenchmarkQuota_EnforcedCreate10k creates under an enforced quota over
// 10,000 znodes, with a count limit (counted from etcd's index) and with
// a byte limit (every record read).
func BenchmarkQuota_EnforcedCreate10k(b *testing.B) {
	for _, tc := range []struct{ name, limits string }{
		{"none", ""},
		{"count", "count=-1,bytes=-1=;byteHardLimit=-1;countHardLimit=1000000000"},
		{"bytes", "count=-1,bytes=-1=;byteHardLimit=1000000000000;countHardLimit=-1"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			e := newEngine(b, gateway.Config{EnforceQuota: true})
			if tc.limits == "" {
				mustCreate(b, e, anyone, "/q", "", gateway.Persistent)
			} else {
				quotaTree(b, e, "/q", 10000, tc.limits)
			}
			b.ResetTimer()
			for b.Loop() {
				if _, err := e.Create(ctxT(b), anyone, gateway.CreateOp{Path: "/q/x-", Data: []byte("d"), ACL: schema.OpenACLUnsafe, Mode: gateway.PersistentSequential}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
