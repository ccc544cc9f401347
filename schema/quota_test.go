package schema_test

import (
	"testing"

	"github.com/zkgate/zkgate/schema"
)

func TestParseStatsTrack_ZooKeeperForms(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want schema.StatsTrack
		err  bool
	}{
		{"count=4,bytes=5", schema.StatsTrack{4, 5, -1, -1}, false},
		{"count=-1,bytes=50=;byteHardLimit=-1;countHardLimit=-1", schema.StatsTrack{-1, 50, -1, -1}, false},
		{"count=10,bytes=100=;byteHardLimit=200;countHardLimit=5", schema.StatsTrack{10, 100, 5, 200}, false},
		{"count=100,bytes=-1", schema.StatsTrack{100, -1, -1, -1}, false},
		{"count=1,bytes=2=;foo=3", schema.StatsTrack{1, 2, -1, -1}, false},
		{"", schema.NoLimits, false},
		{"garbage", schema.NoLimits, true},
		{"count=x,bytes=1", schema.NoLimits, true},
	} {
		got, err := schema.ParseStatsTrack(tc.in)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("ParseStatsTrack(%q) = %+v, %v; want %+v, error %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestStatsTrack_Strings(t *testing.T) {
	q := schema.StatsTrack{Count: 10, Bytes: 100, CountHardLimit: 5, ByteHardLimit: 200}
	if got := q.LimitsString(); got != "count=10,bytes=100=;byteHardLimit=200;countHardLimit=5" {
		t.Errorf("limits %q", got)
	}
	if got := q.StatsString(); got != "count=10,bytes=100" {
		t.Errorf("stats %q", got)
	}
	for _, s := range []string{q.LimitsString(), q.StatsString()} {
		back, err := schema.ParseStatsTrack(s)
		if err != nil || back.Count != 10 || back.Bytes != 100 {
			t.Errorf("round trip %q: %+v %v", s, back, err)
		}
	}
}

func TestQuotaPaths(t *testing.T) {
	if got := schema.QuotaLimitsPath("/a/b"); got != "/zookeeper/quota/a/b/zookeeper_limits" {
		t.Errorf("limits path %q", got)
	}
	for in, want := range map[string]string{
		"/zookeeper/quota/a/zookeeper_stats":   "/a",
		"/zookeeper/quota/a/b/zookeeper_stats": "/a/b",
		"/zookeeper/quota/zookeeper_stats":     "",
		"/zookeeper/quota/a/zookeeper_limits":  "",
		"/a/zookeeper_stats":                   "",
		"/zookeeper/quotaa/zookeeper_stats":    "",
	} {
		got, ok := schema.QuotaStatsRoot(in)
		if got != want || ok != (want != "") {
			t.Errorf("QuotaStatsRoot(%q) = %q %v, want %q", in, got, ok, want)
		}
	}
	got := schema.QuotaRootsAbove("/a/b/c")
	if len(got) != 3 || got[0] != "/a/b/c" || got[1] != "/a/b" || got[2] != "/a" {
		t.Errorf("QuotaRootsAbove %q", got)
	}
}
