package node

import (
	"testing"

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/server/v3/storage/wal"
	"go.etcd.io/raft/v3/raftpb"
	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"
)

// TestDataDirMember_ReadsLaterWALSegments: the member id is read from the
// newest WAL segment, which after a few thousand writes is not the first:
// its records are checked against the checksum the previous segment ended
// with. Reading it as a first segment failed with a CRC mismatch and kept
// a node with more than one segment from starting.
func TestDataDirMember_ReadsLaterWALSegments(t *testing.T) {
	old := wal.SegmentSizeBytes
	wal.SegmentSizeBytes = 16 << 10
	t.Cleanup(func() { wal.SegmentSizeBytes = old })

	dir := t.TempDir()
	const id = 0x8e9e05c52164694d
	md, err := proto.Marshal(&pb.Metadata{NodeID: proto.Uint64(id), ClusterID: proto.Uint64(0xcdf818194e3a8c32)})
	if err != nil {
		t.Fatal(err)
	}
	w, err := wal.Create(zap.NewNop(), dir+"/member/wal", md)
	if err != nil {
		t.Fatal(err)
	}
	data := make([]byte, 1024)
	for i := uint64(1); i <= 100; i++ {
		if err := w.Save(&raftpb.HardState{Term: proto.Uint64(1), Commit: proto.Uint64(i)}, []*raftpb.Entry{{Term: proto.Uint64(1), Index: proto.Uint64(i), Data: data}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	m, err := readDataDirMember(dir)
	if err != nil {
		t.Fatal(err)
	}
	if m == nil || m.id != id {
		t.Fatalf("member %+v, want id %x", m, uint64(id))
	}
}
