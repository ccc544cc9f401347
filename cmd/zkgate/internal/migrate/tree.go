package migrate

import (
	"google.golang.org/protobuf/proto"

	"bytes"
	"context"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/go-zookeeper/zk"
	"google.golang.org/grpc"

	"github.com/zkgate/zkgate/cmd/zkgate/internal/zkdial"
	"github.com/zkgate/zkgate/sasl"
	"github.com/zkgate/zkgate/schema"
	"github.com/zkgate/zkgate/schema/zkgatepb"
)

// ACL is one ACL entry, as ZooKeeper lists it.
type ACL struct {
	Perms  int32
	Scheme string
	ID     string
}

// Kind is a znode's kind, from its Stat's ephemeralOwner.
type Kind string

const (
	Persistent Kind = "persistent"
	Ephemeral  Kind = "ephemeral"
	Container  Kind = "container"
	TTL        Kind = "ttl"
)

// ZooKeeper's internal ephemeralOwner of a container, and of a TTL node
// (its TTL in the low 40 bits).
const (
	ownerContainer = -1 << 63
	ownerTTL       = -1 << 56
)

// kindOf decodes ephemeralOwner: 0 persistent, 0x8000000000000000 a
// container, a top byte of 0xff a TTL node, anything else a session.
func kindOf(owner int64) Kind {
	switch {
	case owner == 0:
		return Persistent
	case uint64(owner) == 1<<63:
		return Container
	case uint64(owner)>>56 == 0xff:
		return TTL
	}
	return Ephemeral
}

// ErrNoAuth is a read its ACL refused: the reader needs the right auth.
var ErrNoAuth = errors.New("not readable with the auth given (NoAuth)")

// Node is what Diff compares, and Copy copies, of a znode.
type Node struct {
	// Data is nil for null data, which ZooKeeper and zkgate keep apart
	// from empty data (see sameData).
	Data []byte
	ACL  []ACL
	Kind Kind
	// Owner is the Stat's ephemeralOwner: a session, or for a TTL node
	// the TTL in its low 40 bits.
	Owner int64
	// Cversion and NumChildren are the Stat's: a parent's sequence
	// counter, the number its next sequential child gets, is their
	// half-sum (one cversion per child created and one per child deleted).
	Cversion    int32
	NumChildren int32
	// KindHidden is true when n was read through the ZooKeeper
	// protocol, which shows containers and TTL nodes as persistent.
	KindHidden bool
}

// sameKind reports whether a and b are of one kind, as far as both
// sides can tell: persistent, container and TTL are one where either
// was read through the ZooKeeper protocol.
func sameKind(a, b *Node) bool {
	if a.Kind == b.Kind {
		return true
	}
	return (a.KindHidden || b.KindHidden) && a.Kind != Ephemeral && b.Kind != Ephemeral
}

// NextSequence is the suffix the znode's next sequential child gets.
func (n *Node) NextSequence() int32 { return (n.Cversion + n.NumChildren) / 2 }

// Masked reports whether the ACL's digest ids were masked ("user:x"), as
// ZooKeeper and zkgate show them to a reader without ADMIN permission: the
// real ACL is unknown.
func (n *Node) Masked() bool {
	for _, a := range n.ACL {
		if _, hash, _ := strings.Cut(a.ID, ":"); a.Scheme == "digest" && hash == "x" {
			return true
		}
	}
	return false
}

// maskedNote follows the path of a znode not copied for a masked ACL.
const maskedNote = " (ACL masked: needs ADMIN on it, or a super user)"

// TTL is a TTL node's time to live.
func (n *Node) TTL() time.Duration {
	return time.Duration(n.Owner&(1<<40-1)) * time.Millisecond
}

// Tree reads a ZooKeeper-style tree. A missing znode is (nil, nil) from
// Node and (nil, nil) from Children: it may go between two reads. A znode
// its ACL does not let the reader read is ErrNoAuth.
type Tree interface {
	Node(ctx context.Context, p string) (*Node, error)
	Children(ctx context.Context, p string) ([]string, error)
}

// ZooKeeper is a Tree read through the ZooKeeper protocol, under an
// optional chroot.
type ZooKeeper struct {
	conn   *zk.Conn
	chroot string
	events *eventQueue // watch events, for Follow
}

// DialZooKeeper connects to "host:port[,host:port...][/chroot]" within
// dialTimeout (zkdial.DefaultDialTimeout if zero) and adds each auth
// ("scheme:credentials", such as "digest:user:password"). Its errors are
// zkdial.Dial's: one line naming the address and the cause. With sc, each
// connection authenticates with SASL first (zkdial.Options.SASL).
func DialZooKeeper(ctx context.Context, connect string, auth []string, sc *sasl.ClientConfig, dialTimeout time.Duration) (*ZooKeeper, error) {
	hosts, chroot := connect, ""
	if i := strings.IndexByte(connect, '/'); i >= 0 {
		hosts, chroot = connect[:i], strings.TrimSuffix(connect[i:], "/")
	}
	q := newEventQueue()
	conn, err := zkdial.Dial(ctx, strings.Split(hosts, ","), zkdial.Options{
		SessionTimeout: 30 * time.Second,
		DialTimeout:    dialTimeout,
		Auth:           auth,
		SASL:           sc,
		EventCallback:  q.push,
	})
	if err != nil {
		return nil, err
	}
	return &ZooKeeper{conn: conn, chroot: chroot, events: q}, nil
}

// Close ends the session.
func (z *ZooKeeper) Close() { z.conn.Close() }

func (z *ZooKeeper) abs(p string) string {
	if z.chroot == "" {
		return p
	}
	if p == "/" {
		return z.chroot
	}
	return z.chroot + p
}

// Node implements Tree.
func (z *ZooKeeper) Node(_ context.Context, p string) (*Node, error) { return z.read(p, false) }

// read reads p's data (setting a data watch with watch) and ACL.
func (z *ZooKeeper) read(p string, watch bool) (*Node, error) {
	var (
		data []byte
		st   *zk.Stat
		err  error
	)
	if watch {
		data, st, _, err = z.conn.GetW(z.abs(p))
	} else {
		data, st, err = z.conn.Get(z.abs(p))
	}
	if errors.Is(err, zk.ErrNoNode) {
		return nil, nil
	}
	if errors.Is(err, zk.ErrNoAuth) {
		return nil, ErrNoAuth
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", p, err)
	}
	acl, _, err := z.conn.GetACL(z.abs(p))
	if errors.Is(err, zk.ErrNoNode) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the ACL of %s: %w", p, err)
	}
	n := &Node{Data: data, Kind: kindOf(st.EphemeralOwner), Owner: st.EphemeralOwner, Cversion: st.Cversion, NumChildren: st.NumChildren, KindHidden: true}
	for _, a := range acl {
		n.ACL = append(n.ACL, ACL{Perms: a.Perms, Scheme: a.Scheme, ID: a.ID})
	}
	return n, nil
}

// Children implements Tree.
func (z *ZooKeeper) Children(_ context.Context, p string) ([]string, error) {
	kids, _, err := z.conn.Children(z.abs(p))
	if errors.Is(err, zk.ErrNoNode) {
		return nil, nil
	}
	if errors.Is(err, zk.ErrNoAuth) {
		return nil, ErrNoAuth
	}
	if err != nil {
		return nil, fmt.Errorf("listing %s: %w", p, err)
	}
	return kids, nil
}

// Zkgate is a Tree read through zkgate's namespace gRPC API.
type Zkgate struct {
	ns zkgatepb.NamespaceClient
	rc *zkgatepb.RequestContext
}

// NewZkgate reads through conn with the given auths ("scheme:credentials").
func NewZkgate(conn grpc.ClientConnInterface, auth []string) (*Zkgate, error) {
	rc := &zkgatepb.RequestContext{}
	for _, a := range auth {
		scheme, cred, ok := strings.Cut(a, ":")
		if !ok {
			return nil, fmt.Errorf("auth %q: must be scheme:credentials", a)
		}
		rc.Auth = append(rc.Auth, &zkgatepb.AuthInfo{Scheme: scheme, Credentials: []byte(cred)})
	}
	return &Zkgate{ns: zkgatepb.NewNamespaceClient(conn), rc: rc}, nil
}

// At is g reading the tree as it was at zxid (zkgate's reads at a past
// zxid): a source for Copy and Diff that puts a tree back as it was.
func (g *Zkgate) At(zxid int64) *Zkgate {
	rc := proto.Clone(g.rc).(*zkgatepb.RequestContext)
	rc.AtZxid = zxid
	return &Zkgate{ns: g.ns, rc: rc}
}

// ZxidAt is the last zxid made at or before the time ms (milliseconds
// since the epoch), for At.
func (g *Zkgate) ZxidAt(ctx context.Context, ms int64) (int64, error) {
	r, err := g.ns.ZxidAt(ctx, &zkgatepb.ZxidAtRequest{Ctx: &zkgatepb.RequestContext{Auth: g.rc.GetAuth()}, TimeMs: ms})
	if err != nil {
		return 0, schema.ErrorFromStatus(err)
	}
	return r.GetZxid(), nil
}

func noNode(err error) bool {
	return schema.CodeOf(schema.ErrorFromStatus(err)) == schema.CodeNoNode
}

func noAuth(err error) bool {
	return schema.CodeOf(schema.ErrorFromStatus(err)) == schema.CodeNoAuth
}

// Node implements Tree.
func (g *Zkgate) Node(ctx context.Context, p string) (*Node, error) {
	d, err := g.ns.GetData(ctx, &zkgatepb.GetDataRequest{Ctx: g.rc, Path: p})
	if noNode(err) {
		return nil, nil
	}
	if noAuth(err) {
		return nil, ErrNoAuth
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", p, schema.ErrorFromStatus(err))
	}
	a, err := g.ns.GetACL(ctx, &zkgatepb.GetACLRequest{Ctx: g.rc, Path: p})
	if noNode(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the ACL of %s: %w", p, schema.ErrorFromStatus(err))
	}
	st := d.GetStat()
	n := &Node{Data: d.GetData(), Kind: kindOf(st.GetEphemeralOwner()), Owner: st.GetEphemeralOwner(), Cversion: st.GetCversion(), NumChildren: st.GetNumChildren()}
	// The Stat shows containers and TTL nodes as persistent, as
	// ZooKeeper does; zkgate says what they are apart.
	switch d.GetMode() {
	case zkgatepb.CreateMode_CREATE_MODE_CONTAINER:
		n.Kind, n.Owner = Container, ownerContainer
	case zkgatepb.CreateMode_CREATE_MODE_PERSISTENT_WITH_TTL:
		n.Kind, n.Owner = TTL, ownerTTL|d.GetTtlMs()&(1<<40-1)
	}
	for _, e := range a.GetAcl() {
		n.ACL = append(n.ACL, ACL{Perms: e.GetPerms(), Scheme: e.GetScheme(), ID: e.GetId()})
	}
	return n, nil
}

// Children implements Tree.
func (g *Zkgate) Children(ctx context.Context, p string) ([]string, error) {
	r, err := g.ns.GetChildren(ctx, &zkgatepb.GetChildrenRequest{Ctx: g.rc, Path: p})
	if noNode(err) {
		return nil, nil
	}
	if noAuth(err) {
		return nil, ErrNoAuth
	}
	if err != nil {
		return nil, fmt.Errorf("listing %s: %w", p, schema.ErrorFromStatus(err))
	}
	return r.GetChildren(), nil
}

func join(parent, name string) string { return path.Join(parent, name) }

// sameData reports whether two znodes' data are the same: the same bytes,
// and both null or neither.
func sameData(a, b []byte) bool {
	return (a == nil) == (b == nil) && bytes.Equal(a, b)
}

// dataSize describes data for a difference: "null" or "N bytes".
func dataSize(b []byte) string {
	if b == nil {
		return "null"
	}
	return fmt.Sprintf("%d bytes", len(b))
}
