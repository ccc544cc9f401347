package zkbridge

import (
	"encoding/binary"
	"testing"

	"github.com/zkgate/zkgate/zkbridge/jute"
)

// TestKindOf_Table checks the kinds pipeline.go's ordering rules name:
// the writes, the reads, and everything else (unknown opcodes and short
// packets included) alone.
func TestKindOf_Table(t *testing.T) {
	want := map[jute.OpCode]callKind{
		jute.OpCreate: kindWrite, jute.OpCreate2: kindWrite, jute.OpCreateContainer: kindWrite,
		jute.OpCreateTTL: kindWrite, jute.OpDelete: kindWrite, jute.OpSetData: kindWrite,
		jute.OpSetACL: kindWrite, jute.OpMulti: kindWrite,

		jute.OpExists: kindRead, jute.OpGetData: kindRead, jute.OpGetACL: kindRead,
		jute.OpGetChildren: kindRead, jute.OpGetChildren2: kindRead,
		jute.OpGetAllChildrenNumber: kindRead, jute.OpGetEphemerals: kindRead, jute.OpMultiRead: kindRead,

		jute.OpPing: kindAlone, jute.OpAuth: kindAlone, jute.OpSync: kindAlone, jute.OpSetWatches: kindAlone,
		jute.OpSetWatches2: kindAlone, jute.OpAddWatch: kindAlone, jute.OpCheckWatches: kindAlone,
		jute.OpRemoveWatches: kindAlone, jute.OpWhoAmI: kindAlone, jute.OpCloseSession: kindAlone,
		jute.OpReconfig: kindAlone, jute.OpDeleteContainer: kindAlone,
		jute.OpSASL: kindAlone, jute.OpCheck: kindAlone, jute.OpCreateSession: kindAlone, 9999: kindAlone,
	}
	for opc, k := range want {
		pkt := binary.BigEndian.AppendUint32([]byte{0, 0, 0, 1}, uint32(opc))
		if got := kindOf(pkt); got != k {
			t.Errorf("kindOf(%v) = %d, want %d", opc, got, k)
		}
	}
	if got := kindOf([]byte{0, 0, 0, 1, 0, 0}); got != kindAlone {
		t.Errorf("kindOf(short packet) = %d, want alone", got)
	}
	for opc, e := range opTable {
		if e.handle == nil {
			t.Errorf("opTable[%v] has no handler", opc)
		}
		if _, ok := want[opc]; !ok {
			t.Errorf("opTable has %v, which this test does not name", opc)
		}
	}
}
