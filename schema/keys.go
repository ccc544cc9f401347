package schema

import (
	"fmt"
	"strconv"
	"strings"
)

// Prefix starts every key zkgate writes in etcd. Its first byte is NUL, so
// keys written by etcd users (which are almost always printable) never fall
// inside it, and a prefix scan of the user's keyspace never meets it.
const Prefix = "\x00zkgate/"

// Key families under Prefix. Each znode costs one node key; the others are
// written only when needed (see the package documentation).
const (
	versionKey  = Prefix + "version"
	nodeSpace   = Prefix + "n/"   // n/<depth><path>: the znode record
	metaSpace   = Prefix + "c"    // c<path>: children meta (numChildren, creations)
	aclSpace    = Prefix + "a"    // a<path>: the ACL, when it is not world:anyone:cdrwa
	sessSpace   = Prefix + "s/"   // s/<session id>: the session record
	ephSpace    = Prefix + "e/"   // e/<session id><path>: index of a session's ephemerals
	reaperSpace = Prefix + "x"    // x<path>: containers and TTL nodes, for the reaper
	chainSpace  = Prefix + "w/"   // w/<committer id>: the last batch a gateway node's committer wrote
	turnKey     = Prefix + "turn" // the committer whose writes go first, while one starves
)

// LayoutVersion is the version of this key layout, stored at VersionKey so
// that a later layout can recognise and migrate data written by this one.
const LayoutVersion = "1"

// VersionKey holds LayoutVersion.
func VersionKey() string { return versionKey }

// NodeKey is the key of the record of the znode at path. The path's depth
// comes first, so the children of a znode are exactly the keys under
// ChildrenPrefix of it, without grandchildren.
func NodeKey(path string) string {
	return nodeSpace + strconv.Itoa(Depth(path)) + path
}

// ChildrenPrefix is the key prefix of the records of path's children.
func ChildrenPrefix(path string) string {
	p := nodeSpace + strconv.Itoa(Depth(path)+1) + path
	if path != "/" {
		p += "/"
	}
	return p
}

// NodeSpace is the key range holding every znode record: [start, end).
func NodeSpace() (start, end string) { return nodeSpace, prefixEnd(nodeSpace) }

// PathOfNodeKey returns the path of a node key, or false if key is not one.
func PathOfNodeKey(key string) (string, bool) {
	rest, ok := strings.CutPrefix(key, nodeSpace)
	if !ok {
		return "", false
	}
	i := strings.IndexByte(rest, '/')
	if i <= 0 {
		return "", false
	}
	if _, err := strconv.Atoi(rest[:i]); err != nil {
		return "", false
	}
	return rest[i:], true
}

// ACLSpace is the key range holding every ACL record: [start, end).
func ACLSpace() (start, end string) { return aclSpace + "/", prefixEnd(aclSpace + "/") }

// PathOfACLKey returns the path of an ACL key, or false if key is not one.
func PathOfACLKey(key string) (string, bool) {
	rest, ok := strings.CutPrefix(key, aclSpace)
	if !ok || !strings.HasPrefix(rest, "/") {
		return "", false
	}
	return rest, true
}

// IsNodeKey reports whether key is a node key.
func IsNodeKey(key string) bool { return strings.HasPrefix(key, nodeSpace) }

// MetaKey is the key of path's children meta: its cversion, number of
// children and the number of children ever created (the sequence counter).
// Its mod revision is path's pzxid. It exists once path has had a child.
func MetaKey(path string) string { return metaSpace + path }

// PathOfMetaKey returns the path of a meta key, or false.
func PathOfMetaKey(key string) (string, bool) {
	p, ok := strings.CutPrefix(key, metaSpace)
	return p, ok && strings.HasPrefix(p, "/")
}

// ACLKey is the key of path's ACL record. It is absent while the ACL is
// world:anyone:cdrwa and has never been set.
func ACLKey(path string) string { return aclSpace + path }

// SessionKey is the key of a session's record.
func SessionKey(id int64) string { return withSessionHex(sessSpace, id, "") }

// SessionSpace is the key prefix of every session record.
func SessionSpace() string { return sessSpace }

// SessionOfKey returns the session id of a session key, or false.
func SessionOfKey(key string) (int64, bool) {
	h, ok := strings.CutPrefix(key, sessSpace)
	if !ok || len(h) != 16 {
		return 0, false
	}
	u, err := strconv.ParseUint(h, 16, 64)
	return int64(u), err == nil
}

// EphemeralKey indexes the ephemeral znode at path under its owner.
func EphemeralKey(owner int64, path string) string {
	return withSessionHex(ephSpace, owner, path)
}

// EphemeralPrefix is the key prefix of owner's ephemeral index (or of every
// session's, for owner 0 and all true).
func EphemeralPrefix(owner int64) string { return withSessionHex(ephSpace, owner, "/") }

// EphemeralSpace is the key prefix of the whole ephemeral index.
func EphemeralSpace() string { return ephSpace }

// ParseEphemeralKey splits an ephemeral index key into owner and path.
func ParseEphemeralKey(key string) (owner int64, path string, ok bool) {
	rest, found := strings.CutPrefix(key, ephSpace)
	if !found || len(rest) < 17 || rest[16] != '/' {
		return 0, "", false
	}
	u, err := strconv.ParseUint(rest[:16], 16, 64)
	if err != nil {
		return 0, "", false
	}
	return int64(u), rest[16:], true
}

// ChainKey is the key a gateway node's committer writes in each batch it
// commits, so that the batches it has in flight apply in order: id is
// chosen at random when the committer starts, and never used again.
func ChainKey(id uint64) string { return chainSpace + fmt.Sprintf("%016x", id) }

// IsChainKey reports whether key is a committer's chain key.
func IsChainKey(key string) bool { return strings.HasPrefix(key, chainSpace) }

// ChainSpace is the key prefix of every chain key.
func ChainSpace() string { return chainSpace }

// ChainValue is what a batch writes into its committer's chain key: its
// sequence number, never used before by that committer, and the time
// the batch was validated at (milliseconds since the epoch, the ctime
// and mtime of the znodes it writes), "<seq>@<ms>". The time dates every
// change of the batch's revision, deletions and ACL changes included.
// When the batch deletes znodes, deleters are the sessions whose
// requests deleted them (0 for none), one per znode deleted, in the
// order of its deletions (the order of their events in the revision):
// "/<session hex>:<count>,..." follows, a run per session.
func ChainValue(seq, ms int64, deleters []int64) string {
	b := strconv.AppendInt(nil, seq, 10)
	b = append(b, '@')
	b = strconv.AppendInt(b, ms, 10)
	for i := 0; i < len(deleters); {
		j := i + 1
		for j < len(deleters) && deleters[j] == deleters[i] {
			j++
		}
		if i == 0 {
			b = append(b, '/')
		} else {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, deleters[i], 16)
		b = append(b, ':')
		b = strconv.AppendInt(b, int64(j-i), 10)
		i = j
	}
	return string(b)
}

// ChainTime is the time of a chain key's value (ChainValue), or false
// for a value without one (written by an older zkgate: the sequence
// number alone).
func ChainTime(value []byte) (int64, bool) {
	_, rest, ok := strings.Cut(string(value), "@")
	if !ok {
		return 0, false
	}
	ms, _, _ := strings.Cut(rest, "/")
	t, err := strconv.ParseInt(ms, 10, 64)
	return t, err == nil
}

// ChainDeleters are the sessions of a chain key's value (ChainValue), one
// per znode its batch deleted, in order; false when the value names none
// (a batch that deleted nothing, or one written by an older zkgate) or
// cannot be read.
func ChainDeleters(value []byte) ([]int64, bool) {
	_, runs, ok := strings.Cut(string(value), "/")
	if !ok {
		return nil, false
	}
	var out []int64
	for run := range strings.SplitSeq(runs, ",") {
		w, n, ok := strings.Cut(run, ":")
		if !ok {
			return nil, false
		}
		id, err1 := strconv.ParseInt(w, 16, 64)
		count, err2 := strconv.Atoi(n)
		if err1 != nil || err2 != nil || count < 1 || len(out)+count > maxChainDeleters {
			return nil, false
		}
		for range count {
			out = append(out, id)
		}
	}
	return out, true
}

// maxChainDeleters bounds what ChainDeleters expands: far more znodes
// than one batch can delete within etcd's request size.
const maxChainDeleters = 1 << 20

// TurnKey is held by a gateway node's committer whose requests lost
// their compares to other nodes' writes several times in a row: while it
// exists, every other committer's batches fail, and they wait until it
// is gone. Its holder deletes it with the batch it was taken for.
func TurnKey() string { return turnKey }

// ReaperKey marks a container or TTL znode for the reaper.
func ReaperKey(path string) string { return reaperSpace + path }

// ReaperSpace is the key prefix of every reaper mark.
func ReaperSpace() string { return reaperSpace }

// PathOfReaperKey returns the path of a reaper key, or false.
func PathOfReaperKey(key string) (string, bool) {
	p, ok := strings.CutPrefix(key, reaperSpace)
	return p, ok && strings.HasPrefix(p, "/")
}

// PrefixEnd is the end of the key range of all keys starting with prefix,
// as etcd's clientv3.GetPrefixRangeEnd computes it.
func PrefixEnd(prefix string) string { return prefixEnd(prefix) }

func prefixEnd(prefix string) string {
	b := []byte(prefix)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1])
		}
	}
	return "\x00"
}

// withSessionHex is prefix, id as 16 lower-case hex digits, then suffix,
// in one allocation (every write of a session builds its record's key).
func withSessionHex(prefix string, id int64, suffix string) string {
	const digits = "0123456789abcdef"
	var hex [16]byte
	u := uint64(id)
	for i := 15; i >= 0; i-- {
		hex[i] = digits[u&0xf]
		u >>= 4
	}
	var b strings.Builder
	b.Grow(len(prefix) + 16 + len(suffix))
	b.WriteString(prefix)
	b.Write(hex[:])
	b.WriteString(suffix)
	return b.String()
}

// NodeKeyPrefixAtDepth is the prefix of the node keys at depth whose path
// starts with pathPrefix (which should end in "/").
func NodeKeyPrefixAtDepth(depth int, pathPrefix string) string {
	return nodeSpace + strconv.Itoa(depth) + pathPrefix
}
