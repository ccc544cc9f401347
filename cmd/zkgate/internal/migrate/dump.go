package migrate

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/zkgate/zkgate/schema"
	"github.com/zkgate/zkgate/schema/zkgatepb"
)

// A dump is a subtree read at one zxid, as JSON lines: a header line
// (DumpHeader), then one line per znode (DumpEntry), parents before
// children. It is what zkgate ctl dump writes, and a Tree (Dump) that
// zkgate migrate and zkgate diff take as their source.

// DumpFormat and DumpVersion name the format in the header line.
const (
	DumpFormat  = "zkgate-dump"
	DumpVersion = 1
)

// DumpHeader is a dump's first line.
type DumpHeader struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
	// Path is the subtree's root.
	Path string `json:"path"`
	// Zxid is the zxid every read of the dump was made at.
	Zxid int64 `json:"zxid"`
	// Taken is when the dump was made (RFC 3339); ZxidTime, when known,
	// is when Zxid was made (a dump asked for as of a time).
	Taken    string `json:"taken"`
	ZxidTime string `json:"zxid_time,omitempty"`
}

// DumpStat is a znode's Stat, its eleven fields named as ctl -o json
// names them.
type DumpStat struct {
	Czxid          int64 `json:"czxid"`
	Mzxid          int64 `json:"mzxid"`
	Ctime          int64 `json:"ctime"`
	Mtime          int64 `json:"mtime"`
	Version        int32 `json:"version"`
	Cversion       int32 `json:"cversion"`
	Aversion       int32 `json:"aversion"`
	EphemeralOwner int64 `json:"ephemeral_owner"`
	DataLength     int32 `json:"data_length"`
	NumChildren    int32 `json:"num_children"`
	Pzxid          int64 `json:"pzxid"`
}

// DumpACL is one ACL entry; perms is the bit set (READ 1, WRITE 2,
// CREATE 4, DELETE 8, ADMIN 16).
type DumpACL struct {
	Scheme string `json:"scheme"`
	ID     string `json:"id"`
	Perms  int32  `json:"perms"`
}

// DumpEntry is one znode's line. Data is base64, null for null data (and
// "" for empty data). A znode the dump's credentials could not read has
// only Path and Error ("NoAuth"). Ancestor marks the root's ancestors,
// written first so that a restore can put them in place; their
// children are not in the dump.
type DumpEntry struct {
	Path     string    `json:"path"`
	Ancestor bool      `json:"ancestor,omitempty"`
	Error    string    `json:"error,omitempty"`
	Data     []byte    `json:"data"`
	Stat     *DumpStat `json:"stat,omitempty"`
	ACL      []DumpACL `json:"acl"`
	Kind     Kind      `json:"kind,omitempty"`
	// TTLMs is a TTL node's time to live (its Stat shows
	// ephemeral_owner 0, as ZooKeeper's does).
	TTLMs int64 `json:"ttl_ms,omitempty"`
}

// noAuthEntry is the Error of an unreadable znode.
const noAuthEntry = "NoAuth"

// DumpResult is what WriteDump wrote.
type DumpResult struct {
	Znodes    int // znodes of the subtree written
	Ancestors int // ancestors of the root written before it
	// Unreadable are the znodes the credentials could not read (their
	// subtrees are not in the dump) and those whose ACL came back masked
	// (maskedNote): the dump is incomplete.
	Unreadable []string
}

// WriteDump writes the subtree of root as it was at h.Zxid (which must
// be set) to w: the header h, then root's ancestors, then root and every
// znode below it, breadth-first in sorted order, read through ns with
// rc's auth, workers reads side by side.
func WriteDump(ctx context.Context, ns zkgatepb.NamespaceClient, rc *zkgatepb.RequestContext, h DumpHeader, w io.Writer, workers int) (DumpResult, error) {
	var res DumpResult
	if h.Zxid <= 0 {
		return res, fmt.Errorf("dump: no zxid to read at")
	}
	rc = &zkgatepb.RequestContext{Auth: rc.GetAuth(), AtZxid: h.Zxid}
	h.Format, h.Version = DumpFormat, DumpVersion
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	if err := enc.Encode(h); err != nil {
		return res, err
	}
	write := func(e *DumpEntry) error {
		if e.Ancestor {
			res.Ancestors++
		} else {
			res.Znodes++
		}
		if e.Error != "" {
			res.Unreadable = append(res.Unreadable, e.Path)
		} else if n := e.node(); n.Masked() {
			res.Unreadable = append(res.Unreadable, e.Path+maskedNote)
		}
		if e.Error != "" {
			return enc.Encode(struct {
				Path     string `json:"path"`
				Ancestor bool   `json:"ancestor,omitempty"`
				Error    string `json:"error"`
			}{e.Path, e.Ancestor, e.Error})
		}
		return enc.Encode(e)
	}
	var ancestors []string
	for a := schema.Parent(h.Path); a != ""; a = schema.Parent(a) {
		ancestors = append([]string{a}, ancestors...)
	}
	for _, a := range ancestors {
		e, _, err := readEntry(ctx, ns, rc, a)
		if err != nil {
			return res, err
		}
		if e == nil {
			return res, fmt.Errorf("%s does not exist at zxid %d", a, h.Zxid)
		}
		e.Ancestor = true
		if err := write(e); err != nil {
			return res, err
		}
	}
	// A level at a time, in chunks, so that memory holds one chunk's data.
	const chunk = 1024
	level := []string{h.Path}
	first := true
	for len(level) > 0 {
		var next []string
		for start := 0; start < len(level); start += chunk {
			part := level[start:min(start+chunk, len(level))]
			entries := make([]*DumpEntry, len(part))
			kids := make([][]string, len(part))
			g, gctx := errgroup.WithContext(ctx)
			g.SetLimit(max(1, workers))
			for i, p := range part {
				g.Go(func() (err error) {
					entries[i], kids[i], err = readEntry(gctx, ns, rc, p)
					return err
				})
			}
			if err := g.Wait(); err != nil {
				return res, err
			}
			for i, e := range entries {
				if e == nil {
					if first {
						return res, schema.NewError(schema.CodeNoNode, h.Path)
					}
					return res, fmt.Errorf("%s: listed by its parent but missing at zxid %d", part[i], h.Zxid)
				}
				if err := write(e); err != nil {
					return res, err
				}
				for _, k := range kids[i] {
					next = append(next, schema.Join(e.Path, k))
				}
			}
			first = false
		}
		level = next
	}
	return res, bw.Flush()
}

// readEntry reads one znode (nil if it does not exist) and its children.
func readEntry(ctx context.Context, ns zkgatepb.NamespaceClient, rc *zkgatepb.RequestContext, p string) (*DumpEntry, []string, error) {
	d, err := ns.GetData(ctx, &zkgatepb.GetDataRequest{Ctx: rc, Path: p})
	switch {
	case noNode(err):
		return nil, nil, nil
	case noAuth(err):
		return &DumpEntry{Path: p, Error: noAuthEntry}, nil, nil
	case err != nil:
		return nil, nil, fmt.Errorf("reading %s: %w", p, schema.ErrorFromStatus(err))
	}
	a, err := ns.GetACL(ctx, &zkgatepb.GetACLRequest{Ctx: rc, Path: p})
	if err != nil {
		return nil, nil, fmt.Errorf("reading the ACL of %s: %w", p, schema.ErrorFromStatus(err))
	}
	st := d.GetStat()
	e := &DumpEntry{Path: p, Data: d.Data, ACL: []DumpACL{}, Kind: kindOf(st.GetEphemeralOwner()), TTLMs: d.GetTtlMs(), Stat: &DumpStat{
		Czxid: st.GetCzxid(), Mzxid: st.GetMzxid(), Ctime: st.GetCtime(), Mtime: st.GetMtime(),
		Version: st.GetVersion(), Cversion: st.GetCversion(), Aversion: st.GetAversion(),
		EphemeralOwner: st.GetEphemeralOwner(), DataLength: st.GetDataLength(),
		NumChildren: st.GetNumChildren(), Pzxid: st.GetPzxid(),
	}}
	switch d.GetMode() {
	case zkgatepb.CreateMode_CREATE_MODE_CONTAINER:
		e.Kind = Container
	case zkgatepb.CreateMode_CREATE_MODE_PERSISTENT_WITH_TTL:
		e.Kind = TTL
	}
	for _, x := range a.GetAcl() {
		e.ACL = append(e.ACL, DumpACL{Scheme: x.GetScheme(), ID: x.GetId(), Perms: x.GetPerms()})
	}
	if st.GetNumChildren() == 0 {
		return e, nil, nil
	}
	c, err := ns.GetChildren(ctx, &zkgatepb.GetChildrenRequest{Ctx: rc, Path: p})
	if err != nil {
		return nil, nil, fmt.Errorf("listing %s: %w", p, schema.ErrorFromStatus(err))
	}
	kids := slices.Clone(c.GetChildren())
	slices.Sort(kids)
	return e, kids, nil
}

// node is what Diff and Copy see of e.
func (e *DumpEntry) node() *Node {
	n := &Node{Data: e.Data, Kind: e.Kind}
	if e.Stat != nil {
		n.Owner, n.Cversion, n.NumChildren = e.Stat.EphemeralOwner, e.Stat.Cversion, e.Stat.NumChildren
	}
	switch {
	case e.Kind == Container:
		n.Owner = ownerContainer
	case e.Kind == TTL && e.TTLMs > 0:
		n.Owner = ownerTTL | e.TTLMs&(1<<40-1)
	}
	for _, a := range e.ACL {
		n.ACL = append(n.ACL, ACL{Perms: a.Perms, Scheme: a.Scheme, ID: a.ID})
	}
	return n
}

// Dump is a Tree read from a dump: the tree as it was at the dump's zxid.
type Dump struct {
	Header   DumpHeader
	entries  map[string]*DumpEntry
	children map[string][]string
}

// ReadDump parses a whole dump. A malformed one is an error naming the
// line.
func ReadDump(r io.Reader) (*Dump, error) {
	br := bufio.NewReader(r)
	d := &Dump{entries: map[string]*DumpEntry{}, children: map[string][]string{}}
	line := 0
	bad := func(format string, args ...any) error {
		return fmt.Errorf("line %d: %s", line, fmt.Sprintf(format, args...))
	}
	for {
		text, err := br.ReadBytes('\n')
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("line %d: %v", line+1, err)
		}
		if len(text) == 0 && err == io.EOF {
			break
		}
		line++
		if line == 1 {
			dec := json.NewDecoder(strings.NewReader(string(text)))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&d.Header); err != nil {
				return nil, bad("not a zkgate dump header: %v", err)
			}
			h := d.Header
			switch {
			case h.Format != DumpFormat:
				return nil, bad("not a zkgate dump (format %q, want %q)", h.Format, DumpFormat)
			case h.Version != DumpVersion:
				return nil, bad("dump format version %d, this zkgate reads version %d", h.Version, DumpVersion)
			case schema.ValidatePath(h.Path) != nil:
				return nil, bad("path %q: %v", h.Path, schema.ValidatePath(h.Path))
			case h.Zxid <= 0:
				return nil, bad("zxid %d: want a positive zxid", h.Zxid)
			}
			continue
		}
		var raw struct {
			DumpEntry
			Data json.RawMessage `json:"data"`
		}
		dec := json.NewDecoder(strings.NewReader(string(text)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&raw); err != nil {
			return nil, bad("%v", err)
		}
		e := raw.DumpEntry
		if err := schema.ValidatePath(e.Path); err != nil {
			return nil, bad("path %q: %v", e.Path, err)
		}
		if _, dup := d.entries[e.Path]; dup {
			return nil, bad("%s appears twice", e.Path)
		}
		root := d.Header.Path
		inside := e.Path == root || root == "/" || strings.HasPrefix(e.Path, root+"/")
		ancestor := e.Path != root && (e.Path == "/" || strings.HasPrefix(root, e.Path+"/"))
		switch {
		case e.Ancestor && !ancestor:
			return nil, bad("%s is marked as an ancestor of %s, which it is not", e.Path, root)
		case !e.Ancestor && !inside:
			return nil, bad("%s is outside the dump's path %s", e.Path, root)
		}
		if e.Path != "/" {
			parent := d.entries[schema.Parent(e.Path)]
			switch {
			case parent == nil:
				return nil, bad("%s comes before its parent", e.Path)
			case parent.Error != "" && !parent.Ancestor:
				// An ancestor is only the way to the root: reading a
				// znode needs no permission on its parent.
				return nil, bad("%s is under %s, which the dump could not read", e.Path, parent.Path)
			}
		}
		switch {
		case e.Error != "" && e.Error != noAuthEntry:
			return nil, bad("error %q: want %q", e.Error, noAuthEntry)
		case e.Error != "":
			if e.Stat != nil || e.ACL != nil || len(raw.Data) > 0 {
				return nil, bad("%s is unreadable (%s) and yet has data, stat or acl", e.Path, e.Error)
			}
		default:
			if len(raw.Data) == 0 {
				return nil, bad("%s has no data field (null for null data)", e.Path)
			}
			if err := json.Unmarshal(raw.Data, &e.Data); err != nil {
				return nil, bad("the data of %s: %v", e.Path, err)
			}
			if e.Data == nil && string(raw.Data) != "null" {
				e.Data = []byte{}
			}
			if e.Stat == nil {
				return nil, bad("%s has no stat", e.Path)
			}
			if e.ACL == nil {
				return nil, bad("%s has no acl", e.Path)
			}
			switch e.Kind {
			case Persistent, Ephemeral, Container, TTL:
			default:
				return nil, bad("kind %q of %s: want persistent, ephemeral, container or ttl", e.Kind, e.Path)
			}
		}
		d.entries[e.Path] = &e
		if e.Path != root && !e.Ancestor {
			p := schema.Parent(e.Path)
			d.children[p] = append(d.children[p], schema.Base(e.Path))
		}
		if err == io.EOF {
			break
		}
	}
	if line == 0 {
		return nil, fmt.Errorf("line 1: empty, not a zkgate dump")
	}
	if d.entries[d.Header.Path] == nil {
		return nil, fmt.Errorf("line %d: the dump ends without its root %s", line, d.Header.Path)
	}
	for _, kids := range d.children {
		slices.Sort(kids)
	}
	return d, nil
}

// Node implements Tree.
func (d *Dump) Node(_ context.Context, p string) (*Node, error) {
	e := d.entries[p]
	switch {
	case e == nil:
		return nil, nil
	case e.Error != "":
		return nil, ErrNoAuth
	}
	return e.node(), nil
}

// Children implements Tree. The dump's root's ancestors list no
// children: the dump does not hold their other ones.
func (d *Dump) Children(_ context.Context, p string) ([]string, error) {
	e := d.entries[p]
	switch {
	case e == nil:
		return nil, nil
	case e.Error != "":
		return nil, ErrNoAuth
	}
	return slices.Clone(d.children[p]), nil
}

// Count is the number of znodes under root in the dump, root included,
// less those under /zookeeper, which Copy skips; and those.
func (d *Dump) Count(root string) (total, system int64) {
	var walk func(p string) int64
	walk = func(p string) int64 {
		if d.entries[p] == nil {
			return 0
		}
		n := int64(1)
		for _, k := range d.children[p] {
			n += walk(schema.Join(p, k))
		}
		return n
	}
	total = walk(root)
	if root == "/" || root == "/zookeeper" {
		system = walk("/zookeeper")
	}
	return total - system, system
}

// Contains reports whether p is the dump's root or below it.
func (d *Dump) Contains(p string) bool {
	r := d.Header.Path
	return p == r || r == "/" || strings.HasPrefix(p, r+"/")
}

// TTLNodes are the paths of the TTL nodes under root, in order.
func (d *Dump) TTLNodes(root string) []string {
	var out []string
	for p, e := range d.entries {
		if e.Kind == TTL && (p == root || root == "/" || strings.HasPrefix(p, root+"/")) {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}
