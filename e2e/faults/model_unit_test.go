package faults

import (
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
)

// TestModel_CatchesWhatItShould runs the checker on small hand-made
// histories: it must accept the linearizable ones and reject a lost
// write, a stale linearizable read and a doubled write.
func TestModel_CatchesWhatItShould(t *testing.T) {
	op := func(client int, call, ret int64, in input, out output) porcupine.Operation {
		return porcupine.Operation{ClientId: client, Call: call, Return: ret, Input: in, Output: out}
	}
	create := input{kind: zkCreate, group: "g", key: 0, data: "a"}
	set := input{kind: zkSet, group: "g", key: 0, data: "b", version: 0}
	get := input{kind: zkSyncGet, group: "g", key: 0}
	never := int64(1 << 40)
	for _, c := range []struct {
		name string
		ok   bool
		h    []porcupine.Operation
	}{
		{"create, set, read", true, []porcupine.Operation{
			op(0, 0, 1, create, output{}),
			op(0, 2, 3, set, output{version: 1}),
			op(1, 4, 5, get, output{exists: true, data: "b", version: 1}),
		}},
		{"a read during a set may see either", true, []porcupine.Operation{
			op(0, 0, 1, create, output{}),
			op(0, 2, 6, set, output{version: 1}),
			op(1, 3, 4, get, output{exists: true, data: "a"}),
			op(2, 3, 5, get, output{exists: true, data: "b", version: 1}),
		}},
		{"an unanswered set may land later", true, []porcupine.Operation{
			op(0, 0, 1, create, output{}),
			op(0, 2, never, set, output{unknown: true}),
			op(1, 3, 4, get, output{exists: true, data: "a"}),
			op(1, 5, 6, get, output{exists: true, data: "b", version: 1}),
		}},
		{"an unanswered set may never land", true, []porcupine.Operation{
			op(0, 0, 1, create, output{}),
			op(0, 2, never, set, output{unknown: true}),
			op(1, 5, 6, get, output{exists: true, data: "a"}),
		}},
		{"an acknowledged set is lost", false, []porcupine.Operation{
			op(0, 0, 1, create, output{}),
			op(0, 2, 3, set, output{version: 1}),
			op(1, 4, 5, get, output{exists: true, data: "a"}),
		}},
		{"a read goes back in time", false, []porcupine.Operation{
			op(0, 0, 1, create, output{}),
			op(0, 2, never, set, output{unknown: true}),
			op(1, 3, 4, get, output{exists: true, data: "b", version: 1}),
			op(1, 5, 6, get, output{exists: true, data: "a"}),
		}},
		{"a conditional set succeeds twice", false, []porcupine.Operation{
			op(0, 0, 1, create, output{}),
			op(0, 2, 3, set, output{version: 1}),
			op(1, 2, 3, input{kind: zkSet, group: "g", data: "c", version: 0}, output{version: 1}),
		}},
		{"a multi's check fails and nothing is set", true, []porcupine.Operation{
			op(0, 0, 1, create, output{}),
			op(0, 2, 3, input{kind: zkCreate, group: "g", key: 1, data: "x"}, output{}),
			op(0, 4, 5, input{kind: zkMulti, group: "g", key: 0, key2: 1, version: 7, data: "y"}, output{err: "BadVersion"}),
			op(1, 6, 7, input{kind: zkSyncGet, group: "g", key: 1}, output{exists: true, data: "x"}),
		}},
		{"a failed multi half-applied", false, []porcupine.Operation{
			op(0, 0, 1, create, output{}),
			op(0, 2, 3, input{kind: zkCreate, group: "g", key: 1, data: "x"}, output{}),
			op(0, 4, 5, input{kind: zkMulti, group: "g", key: 0, key2: 1, version: 7, data: "y"}, output{err: "BadVersion"}),
			op(1, 6, 7, input{kind: zkSyncGet, group: "g", key: 1}, output{exists: true, data: "y", version: 1}),
		}},
		{"etcd put, cas, delete", true, []porcupine.Operation{
			op(0, 0, 1, input{kind: etcdPut, group: "e", data: "a"}, output{}),
			op(0, 2, 3, input{kind: etcdCAS, group: "e", data: "b", version: 1}, output{version: 1}),
			op(1, 4, 5, input{kind: etcdGet, group: "e"}, output{exists: true, data: "b", version: 2}),
			op(1, 6, 7, input{kind: etcdDel, group: "e"}, output{}),
			op(1, 8, 9, input{kind: etcdCAS, group: "e", data: "c", version: 2}, output{}),
		}},
	} {
		res, _ := porcupine.CheckOperationsVerbose(model.ToModel(), c.h, 10*time.Second)
		if got := res == porcupine.Ok; got != c.ok {
			t.Errorf("%s: linearizable = %v (%s), want %v", c.name, got, res, c.ok)
		}
	}
}
