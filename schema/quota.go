package schema

import (
	"fmt"
	"strconv"
	"strings"
)

// Quotas are kept where ZooKeeper 3.8 keeps them: the quota of the znode
// /app is the znodes /zookeeper/quota/app/zookeeper_limits (its limits,
// written by setquota) and /zookeeper/quota/app/zookeeper_stats (what the
// subtree of /app holds: "count=N,bytes=B"). /app is then a quota root.
const (
	// QuotaRoot is the znode under which quotas are kept.
	QuotaRoot = "/zookeeper/quota"
	// QuotaLimitsNode is the name of the znode holding a quota's limits.
	QuotaLimitsNode = "zookeeper_limits"
	// QuotaStatsNode is the name of the znode holding a quota's usage.
	QuotaStatsNode = "zookeeper_stats"
)

// QuotaLimitsPath is the path of the limits znode of the quota on root
// ("/zookeeper/quota/app/zookeeper_limits" for "/app").
func QuotaLimitsPath(root string) string { return QuotaRoot + root + "/" + QuotaLimitsNode }

// QuotaStatsPath is the path of the stats znode of the quota on root.
func QuotaStatsPath(root string) string { return QuotaRoot + root + "/" + QuotaStatsNode }

// QuotaStatsRoot reports whether path is the stats znode of a quota and
// returns the quota root it counts: "/app" for
// "/zookeeper/quota/app/zookeeper_stats". A stats znode directly under
// /zookeeper/quota names no root (ZooKeeper keeps no quota on "/").
func QuotaStatsRoot(path string) (string, bool) {
	rest, ok := strings.CutPrefix(path, QuotaRoot+"/")
	if !ok {
		return "", false
	}
	root, ok := strings.CutSuffix(rest, "/"+QuotaStatsNode)
	if !ok || root == "" {
		return "", false
	}
	return "/" + root, true
}

// QuotaRootsAbove lists the paths that can be the quota root governing a
// write of path, deepest first: path itself and each ancestor, "/"
// excluded (ZooKeeper keeps no quota on the root).
func QuotaRootsAbove(path string) []string {
	var out []string
	for p := path; p != "/" && p != ""; p = Parent(p) {
		out = append(out, p)
	}
	return out
}

// StatsTrack is ZooKeeper's StatsTrack: the text of a limits or stats
// znode read as named numbers. A limit that is not set is -1.
type StatsTrack struct {
	Count, Bytes, CountHardLimit, ByteHardLimit int64
}

// NoLimits is a StatsTrack with nothing set.
var NoLimits = StatsTrack{-1, -1, -1, -1}

// ParseStatsTrack reads StatsTrack's text: the old "count=N,bytes=B" or
// the new form with ";key=value" pairs after an extra "="
// ("count=-1,bytes=-1=;byteHardLimit=-1;countHardLimit=3"). Keys it lacks
// are -1; keys it does not know are ignored, as ZooKeeper ignores them.
// Text ZooKeeper could not read is an error.
func ParseStatsTrack(s string) (StatsTrack, error) {
	q := NoLimits
	if s == "" {
		return q, nil
	}
	for _, kv := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' }) {
		k, v, ok := strings.Cut(kv, "=")
		v = strings.TrimRight(v, "=")
		n, err := strconv.ParseInt(v, 10, 64)
		if !ok || err != nil {
			return NoLimits, fmt.Errorf("%q is not a quota (count=N,bytes=B...)", s)
		}
		switch k {
		case "count":
			q.Count = n
		case "bytes":
			q.Bytes = n
		case "countHardLimit":
			q.CountHardLimit = n
		case "byteHardLimit":
			q.ByteHardLimit = n
		}
	}
	return q, nil
}

// LimitsString is the text of a limits znode, as StatsTrack's toString
// writes it: count and bytes first, an extra "=", then the other keys
// sorted.
func (q StatsTrack) LimitsString() string {
	return fmt.Sprintf("count=%d,bytes=%d=;byteHardLimit=%d;countHardLimit=%d", q.Count, q.Bytes, q.ByteHardLimit, q.CountHardLimit)
}

// StatsString is the text of a stats znode: "count=N,bytes=B".
func (q StatsTrack) StatsString() string {
	return fmt.Sprintf("count=%d,bytes=%d", q.Count, q.Bytes)
}
