package node

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"
	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/client/pkg/v3/fileutil"
	"go.etcd.io/etcd/client/pkg/v3/types"
	"go.etcd.io/etcd/server/v3/etcdserver/api/membership"
	"go.etcd.io/etcd/server/v3/storage/wal"
	"go.etcd.io/etcd/server/v3/storage/wal/walpb"
	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"
)

// dataDirMember is the member a data dir belongs to, as etcd wrote it.
type dataDirMember struct {
	id   types.ID // from the WAL's metadata record
	name string   // from the members bucket of the database ("" if unknown)
}

// checkDataDirMember fails when the data dir holds another member than
// the one configured. etcd identifies a restarted member by its WAL alone
// and ignores --name and --initial-cluster then, so a node started on
// another member's data dir would pose as that member at this node's
// addresses and wait for a quorum that never forms (the real member, or
// its peers, refuse it). The error names both members.
//
// A data dir without a WAL (a new member) passes. The WAL's metadata
// record gives the member id; the database's members bucket gives its
// name, or else the configured initial cluster does.
func checkDataDirMember(c *Options) error {
	m, err := readDataDirMember(c.DataDir)
	if err != nil || m == nil {
		return err
	}
	want := configuredMember(c)
	if m.name == "" {
		m.name = want.nameOf(m.id)
	}
	if m.name == "" || m.name == c.Name {
		return nil
	}
	configured := "member " + c.Name
	if id, ok := want.ids[c.Name]; ok && id != m.id {
		configured += " (id " + id.String() + ")"
	}
	return &FieldError{Field: "data-dir", Reason: fmt.Sprintf(
		"%q holds the data of member %s (id %s), but this node is configured as %s (--name); use that member's configuration or a data dir of its own",
		c.DataDir, m.name, m.id, configured)}
}

// readDataDirMember reads which member dir belongs to; nil when it holds
// no WAL yet.
func readDataDirMember(dir string) (*dataDirMember, error) {
	walDir := filepath.Join(dir, "member", "wal")
	files, err := filepath.Glob(filepath.Join(walDir, "*.wal"))
	if err != nil || len(files) == 0 {
		return nil, nil
	}
	sort.Strings(files)
	id, err := walNodeID(files[len(files)-1])
	if err != nil {
		return nil, &FieldError{Field: "data-dir", Reason: fmt.Sprintf("%q: reading the member id from %s: %v", dir, filepath.Base(files[len(files)-1]), err)}
	}
	m := &dataDirMember{id: id}
	m.name = memberName(filepath.Join(dir, "member", "snap", "db"), id)
	return m, nil
}

// walNodeID reads the metadata record that begins every WAL segment.
func walNodeID(path string) (types.ID, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	dec := wal.NewDecoder(fileutil.NewFileReader(f))
	for range 4 { // crc, metadata, state, snapshot: the metadata comes second
		var rec walpb.Record
		if err := dec.Decode(&rec); err != nil {
			return 0, err
		}
		if rec.GetType() == wal.CrcType {
			// Every segment but the first starts from the checksum
			// its predecessor ended with: the records after it are
			// checked against that, as etcd reads them.
			dec.UpdateCRC(rec.GetCrc())
			continue
		}
		if rec.GetType() != wal.MetadataType {
			continue
		}
		var md pb.Metadata
		if err := proto.Unmarshal(rec.GetData(), &md); err != nil {
			return 0, err
		}
		return types.ID(md.GetNodeID()), nil
	}
	return 0, errors.New("no metadata record")
}

// memberName is the name of member id in the database at path, or "" if
// it cannot be read (a missing or locked database, a member that never
// published its name).
func memberName(path string, id types.ID) string {
	if _, err := os.Stat(path); err != nil {
		return ""
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		return ""
	}
	defer db.Close()
	var name string
	_ = db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("members"))
		if b == nil {
			return nil
		}
		var m struct {
			Name string `json:"name"`
		}
		if json.Unmarshal(b.Get([]byte(id.String())), &m) == nil {
			name = m.Name
		}
		return nil
	})
	return name
}

// configuredIDs are the member ids etcd derives from the initial cluster
// (the peer URLs and the cluster token) for a new cluster.
type configuredIDs struct{ ids map[string]types.ID }

func configuredMember(c *Options) configuredIDs {
	out := configuredIDs{ids: map[string]types.ID{}}
	urls, err := types.NewURLsMap(c.InitialClusterOrSelf())
	if err != nil {
		return out
	}
	cl, err := membership.NewClusterFromURLsMap(zap.NewNop(), c.InitialClusterToken, urls)
	if err != nil {
		return out
	}
	for _, m := range cl.Members() {
		out.ids[m.Name] = m.ID
	}
	return out
}

func (c configuredIDs) nameOf(id types.ID) string {
	for name, mid := range c.ids {
		if mid == id {
			return name
		}
	}
	return ""
}
