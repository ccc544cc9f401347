package faults

import (
	"fmt"
	"sort"
	"strings"

	"github.com/anishathalye/porcupine"
)

// The model: groups of two versioned keys, each either a znode (reached
// through the ZooKeeper protocol) or an etcd key (through clientv3). An
// operation touches one group, so the history is checked group by group.
// Writes whose outcome the client never learnt (the connection or the
// member went away) may or may not have happened, at any time after they
// were sent: the model is nondeterministic for them.

// opKind names an operation.
type opKind int

const (
	zkCreate  opKind = iota // create key, data: version 0
	zkSet                   // setData key, data, version (-1: any)
	zkDelete                // delete key, version (-1: any)
	zkMulti                 // multi: check key version, then setData key2 data
	zkSyncGet               // sync then getData: linearizable read
	etcdPut                 // put key data: version 1 on a new key, +1 on an old
	etcdCAS                 // txn: if version(key) == version then put key data
	etcdDel                 // delete key
	etcdGet                 // linearizable range of key
)

var kindNames = map[opKind]string{zkCreate: "create", zkSet: "set", zkDelete: "delete", zkMulti: "multi",
	zkSyncGet: "sync+get", etcdPut: "put", etcdCAS: "cas", etcdDel: "del", etcdGet: "get"}

func (k opKind) String() string { return kindNames[k] }

func (k opKind) write() bool { return k != zkSyncGet && k != etcdGet }

// input is an operation as sent. Keys are 0 or 1 within the group.
type input struct {
	kind    opKind
	group   string
	key     int
	key2    int // multi: the key set after the check on key
	data    string
	version int32
}

// output is what the client learnt.
type output struct {
	unknown bool   // no answer: the write may or may not have happened
	err     string // "" for success, else the ZooKeeper error ("NoNode", "NodeExists", "BadVersion")
	exists  bool   // reads: the key exists
	data    string // reads: its data
	version int32  // reads: its version; zkSet and zkMulti: the new version; etcdCAS: 1 if it succeeded
}

// key is one key's state; the zero value is "absent".
type key struct {
	exists  bool
	data    string
	version int32
}

// state is one group's keys. It is a value, so == compares states.
type state [2]key

// apply runs in on s and returns the output a client would get and the
// new state.
func apply(s state, in input) (output, state) {
	k := s[in.key]
	switch in.kind {
	case zkCreate:
		if k.exists {
			return output{err: "NodeExists"}, s
		}
		s[in.key] = key{exists: true, data: in.data}
		return output{}, s
	case zkSet:
		if !k.exists {
			return output{err: "NoNode"}, s
		}
		if in.version != -1 && in.version != k.version {
			return output{err: "BadVersion"}, s
		}
		s[in.key] = key{exists: true, data: in.data, version: k.version + 1}
		return output{version: k.version + 1}, s
	case zkDelete:
		if !k.exists {
			return output{err: "NoNode"}, s
		}
		if in.version != -1 && in.version != k.version {
			return output{err: "BadVersion"}, s
		}
		s[in.key] = key{}
		return output{}, s
	case zkMulti:
		// ZooKeeper runs the ops in order and reports the first failure.
		if !k.exists {
			return output{err: "NoNode"}, s
		}
		if in.version != k.version {
			return output{err: "BadVersion"}, s
		}
		k2 := s[in.key2]
		if !k2.exists {
			return output{err: "NoNode"}, s
		}
		s[in.key2] = key{exists: true, data: in.data, version: k2.version + 1}
		return output{version: k2.version + 1}, s
	case zkSyncGet, etcdGet:
		if !k.exists {
			if in.kind == zkSyncGet {
				return output{err: "NoNode"}, s
			}
			return output{}, s
		}
		return output{exists: true, data: k.data, version: k.version}, s
	case etcdPut:
		s[in.key] = key{exists: true, data: in.data, version: k.version + 1}
		return output{}, s
	case etcdCAS:
		if k.version != in.version {
			return output{}, s
		}
		s[in.key] = key{exists: true, data: in.data, version: k.version + 1}
		return output{version: 1}, s
	case etcdDel:
		s[in.key] = key{}
		return output{}, s
	}
	panic(fmt.Sprintf("unknown op %v", in.kind))
}

// model is the porcupine model of the groups.
var model = porcupine.NondeterministicModel{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		byGroup := map[string][]porcupine.Operation{}
		var groups []string
		for _, op := range history {
			g := op.Input.(input).group
			if _, ok := byGroup[g]; !ok {
				groups = append(groups, g)
			}
			byGroup[g] = append(byGroup[g], op)
		}
		sort.Strings(groups)
		out := make([][]porcupine.Operation, 0, len(groups))
		for _, g := range groups {
			out = append(out, byGroup[g])
		}
		return out
	},
	Init: func() []interface{} { return []interface{}{state{}} },
	Step: func(st, in, out interface{}) []interface{} {
		s, i, o := st.(state), in.(input), out.(output)
		want, next := apply(s, i)
		if o.unknown {
			// Lost or applied; a read with no answer is not recorded.
			if next == s {
				return []interface{}{s}
			}
			return []interface{}{s, next}
		}
		if want != o {
			return nil
		}
		return []interface{}{next}
	},
	DescribeOperation: func(in, out interface{}) string {
		i, o := in.(input), out.(output)
		var b strings.Builder
		fmt.Fprintf(&b, "%s(%s/k%d", i.kind, i.group, i.key)
		if i.kind == zkMulti {
			fmt.Fprintf(&b, " v%d, k%d", i.version, i.key2)
		} else if i.kind == zkSet || i.kind == zkDelete || i.kind == etcdCAS {
			fmt.Fprintf(&b, " v%d", i.version)
		}
		if i.data != "" {
			fmt.Fprintf(&b, " %q", i.data)
		}
		b.WriteString(") -> ")
		switch {
		case o.unknown:
			b.WriteString("?")
		case o.err != "":
			b.WriteString(o.err)
		case o.exists:
			fmt.Fprintf(&b, "%q v%d", o.data, o.version)
		default:
			fmt.Fprintf(&b, "ok v%d", o.version)
		}
		return b.String()
	},
	DescribeState: func(st interface{}) string {
		s := st.(state)
		var parts []string
		for i, k := range s {
			if k.exists {
				parts = append(parts, fmt.Sprintf("k%d=%q v%d", i, k.data, k.version))
			} else {
				parts = append(parts, fmt.Sprintf("k%d absent", i))
			}
		}
		return strings.Join(parts, ", ")
	},
}
