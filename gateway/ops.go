package gateway

import (
	"time"

	"github.com/zkgate/zkgate/schema"
)

// CreateMode is ZooKeeper's create flags value.
type CreateMode int32

// Create modes, numbered as ZooKeeper's CreateMode flags.
const (
	Persistent                  CreateMode = 0
	Ephemeral                   CreateMode = 1
	PersistentSequential        CreateMode = 2
	EphemeralSequential         CreateMode = 3
	Container                   CreateMode = 4
	PersistentWithTTL           CreateMode = 5
	PersistentSequentialWithTTL CreateMode = 6
	maxCreateMode                          = PersistentSequentialWithTTL
)

// Sequential reports whether the mode appends a sequence number.
func (m CreateMode) Sequential() bool {
	return m == PersistentSequential || m == EphemeralSequential || m == PersistentSequentialWithTTL
}

// Ephemeral reports whether the mode makes an ephemeral node.
func (m CreateMode) Ephemeral() bool { return m == Ephemeral || m == EphemeralSequential }

// TTL reports whether the mode makes a TTL node.
func (m CreateMode) TTL() bool { return m == PersistentWithTTL || m == PersistentSequentialWithTTL }

func (m CreateMode) kind() schema.Kind {
	switch {
	case m.Ephemeral():
		return schema.KindEphemeral
	case m == Container:
		return schema.KindContainer
	case m.TTL():
		return schema.KindTTL
	}
	return schema.KindPersistent
}

// AnyVersion matches every version in Delete, SetData, Check and SetACL.
const AnyVersion int32 = -1

// Op is one operation of a Multi: *CreateOp, *DeleteOp, *SetDataOp,
// *CheckOp or *FailOp.
type Op interface{ opName() string }

// FailOp stands for an operation a face refused before the engine (its
// record asks for something no operation can do): it fails the Multi with
// Err where it stands, so the operations before it are checked first, as
// ZooKeeper's PrepRequestProcessor checks a multi's operations in order
// and stops at the first failure.
type FailOp struct {
	Err error
}

// CreateOp creates a znode.
type CreateOp struct {
	Path string
	// Data is the new znode's data: nil is null data, kept apart from
	// empty data (a non-nil empty slice), as ZooKeeper keeps them.
	Data []byte
	ACL  []schema.ACL
	Mode CreateMode
	// TTL is the time to live of a TTL node (modes 5 and 6), from 1 ms to
	// schema.MaxTTL ms; 0 for any other mode. The engine checks it (see
	// Engine.Create): a face passes on what its client gave, converted
	// with TTLMillis.
	TTL time.Duration
	// Sequential adds a sequence suffix whatever the mode: ZooKeeper's
	// createContainer with the sequential flags makes a sequential
	// container, which no CreateMode names.
	Sequential bool
}

// TTLMillis is a TTL given in milliseconds, as ZooKeeper's clients give
// it, as a CreateOp.TTL. It only converts, without overflowing
// time.Duration: a value beyond schema.MaxTTL stays beyond it, and one
// below 1 ms below, so the engine refuses both.
func TTLMillis(ms int64) time.Duration {
	ms = min(max(ms, -1), schema.MaxTTL+1)
	return time.Duration(ms) * time.Millisecond
}

func (op *CreateOp) sequential() bool { return op.Sequential || op.Mode.Sequential() }

// DeleteOp deletes a znode if its version matches (or Version is -1).
type DeleteOp struct {
	Path    string
	Version int32
}

// SetDataOp replaces a znode's data if its version matches.
type SetDataOp struct {
	Path    string
	Data    []byte // nil is null data, as in CreateOp
	Version int32
}

// CheckOp fails a Multi unless the znode exists at the version.
type CheckOp struct {
	Path    string
	Version int32
}

func (*CreateOp) opName() string  { return "create" }
func (*DeleteOp) opName() string  { return "delete" }
func (*SetDataOp) opName() string { return "setData" }
func (*CheckOp) opName() string   { return "check" }
func (*FailOp) opName() string    { return "fail" }

// OpResult is the outcome of one operation. In a failed Multi every
// operation carries an error: ZooKeeper reports the ones before the
// failing operation as OK (rolled back) and the ones after it as
// RuntimeInconsistency.
type OpResult struct {
	Err  error        // nil on success
	Path string       // create: the path created (with its sequence suffix)
	Stat *schema.Stat // create and setData: the znode's Stat afterwards
}

// Caller identifies who makes a request: the session (0 for none) and
// the identities it has authenticated as, for ACL checks.
type Caller struct {
	Session int64
	// Password is the session's password: requests of a session must
	// prove they hold it (a ZooKeeper connection proved it when it
	// connected). A wrong one is SessionExpired, as in ZooKeeper.
	Password []byte
	Auth     []schema.AuthID
	// Internal requests (session expiry, the reaper) skip ACL checks.
	internal bool
}
