package main

import (
	"fmt"
	"io"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"context"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/zkgate/zkgate/schema"
	"github.com/zkgate/zkgate/schema/zkgatepb"
)

func ctlLs(o *ctlOptions) *cobra.Command {
	var recursive, withStat, watch bool
	noRecursiveWith := func(cmd *cobra.Command, _ []string) error {
		if recursive && (withStat || watch) {
			return &usageError{cmd: cmd, err: fmt.Errorf("-R cannot be combined with -s or -w")}
		}
		return nil
	}
	cmd := verb(o, "ls [-s] [-w] [-R] PATH", "List the children of PATH (-s: and its Stat; -w: then wait for a change of them)", cobra.MatchAll(cobra.ExactArgs(1), noRecursiveWith), func(cmd *cobra.Command, c *ctlClient, args []string) error {
		root := args[0]
		if err := noWatchAt(cmd, watch, c); err != nil {
			return err
		}
		if !recursive {
			read := func() (int64, error) {
				ctx, cancel := c.ctx()
				defer cancel()
				r, err := c.ns.GetChildren(ctx, &zkgatepb.GetChildrenRequest{Ctx: c.rc, Path: root})
				if err != nil {
					return 0, ctlErr(err)
				}
				if c.o.output == "json" {
					m := map[string]any{"path": root, "children": nonNil(r.Children)}
					if withStat {
						m["stat"] = statJSON(r.Stat)
					}
					return r.Zxid, c.json(m)
				}
				fmt.Fprintf(c.out, "[%s]\n", strings.Join(r.Children, ", "))
				if withStat {
					c.printStatText(r.Stat)
				}
				return r.Zxid, nil
			}
			if watch {
				return c.readAndWatch(root, childWatchFires, read)
			}
			_, err := read()
			return err
		}
		paths, err := c.walk(root)
		if err != nil {
			return err
		}
		if c.o.output == "json" {
			return c.json(map[string]any{"path": root, "paths": paths})
		}
		for _, p := range paths {
			fmt.Fprintln(c.out, p)
		}
		return nil
	})
	f := cmd.Flags()
	f.BoolVarP(&recursive, "recursive", "R", false, "list the whole subtree, one path a line")
	f.BoolVarP(&withStat, "stat", "s", false, "print the Stat of PATH after its children")
	f.BoolVarP(&watch, "watch", "w", false, "then wait for the children of PATH to change, or PATH to go, and print that event")
	o.addAt(cmd)
	return cmd
}

// walk lists root and every znode below it, depth first, as zkCli's ls -R.
func (c *ctlClient) walk(root string) ([]string, error) {
	var out []string
	var visit func(p string) error
	visit = func(p string) error {
		out = append(out, p)
		ctx, cancel := c.ctx()
		r, err := c.ns.GetChildren(ctx, &zkgatepb.GetChildrenRequest{Ctx: c.rc, Path: p})
		cancel()
		if err != nil {
			return ctlErr(err)
		}
		for _, k := range r.Children {
			if err := visit(schema.Join(p, k)); err != nil {
				return err
			}
		}
		return nil
	}
	return out, visit(root)
}

func ctlTree(o *ctlOptions) *cobra.Command {
	cmd := verb(o, "tree PATH", "Print the subtree of PATH, indented", cobra.ExactArgs(1), func(cmd *cobra.Command, c *ctlClient, args []string) error {
		root := args[0]
		paths, err := c.walk(root)
		if err != nil {
			return err
		}
		if c.o.output == "json" {
			return c.json(map[string]any{"path": root, "paths": paths})
		}
		base := schema.Depth(root)
		for _, p := range paths {
			name := schema.Base(p)
			if p == root {
				name = p
			}
			fmt.Fprintf(c.out, "%s%s\n", strings.Repeat("  ", schema.Depth(p)-base), name)
		}
		return nil
	})
	o.addAt(cmd)
	return cmd
}

func ctlStat(o *ctlOptions) *cobra.Command {
	var watch bool
	cmd := verb(o, "stat [-w] PATH", "Print the Stat of PATH (-w: then wait for a change of PATH)", cobra.ExactArgs(1), func(cmd *cobra.Command, c *ctlClient, args []string) error {
		p := args[0]
		if err := noWatchAt(cmd, watch, c); err != nil {
			return err
		}
		read := func() (int64, error) {
			ctx, cancel := c.ctx()
			defer cancel()
			r, err := c.ns.Exists(ctx, &zkgatepb.ExistsRequest{Ctx: c.rc, Path: p})
			if err != nil {
				return 0, ctlErr(err)
			}
			if !r.Found {
				return 0, schema.NewError(schema.CodeNoNode, p)
			}
			return r.Zxid, c.printStat(p, r.Stat)
		}
		if watch {
			return c.readAndWatch(p, dataWatchFires, read)
		}
		_, err := read()
		return err
	})
	cmd.Flags().BoolVarP(&watch, "watch", "w", false, "then wait for PATH's data to change or PATH to go, and print that event")
	o.addAt(cmd)
	return cmd
}

// printStat prints a Stat as zkCli.sh does.
func (c *ctlClient) printStat(path string, s *zkgatepb.Stat) error {
	if c.o.output == "json" {
		return c.json(map[string]any{"path": path, "stat": statJSON(s)})
	}
	c.printStatText(s)
	return nil
}

// printStatText prints a Stat as zkCli.sh does, one field a line.
func (c *ctlClient) printStatText(s *zkgatepb.Stat) {
	ms := func(t int64) string { return time.UnixMilli(t).UTC().Format("Mon Jan 02 15:04:05 UTC 2006") }
	fmt.Fprintf(c.out, "cZxid = 0x%x\nctime = %s\nmZxid = 0x%x\nmtime = %s\npZxid = 0x%x\ncversion = %d\ndataVersion = %d\naclVersion = %d\nephemeralOwner = 0x%x\ndataLength = %d\nnumChildren = %d\n",
		s.Czxid, ms(s.Ctime), s.Mzxid, ms(s.Mtime), s.Pzxid, s.Cversion, s.Version, s.Aversion, uint64(s.EphemeralOwner), s.DataLength, s.NumChildren)
}

func statJSON(s *zkgatepb.Stat) map[string]any {
	return map[string]any{
		"czxid": s.Czxid, "mzxid": s.Mzxid, "ctime": s.Ctime, "mtime": s.Mtime,
		"version": s.Version, "cversion": s.Cversion, "aversion": s.Aversion,
		"ephemeral_owner": s.EphemeralOwner, "data_length": s.DataLength,
		"num_children": s.NumChildren, "pzxid": s.Pzxid,
	}
}

func ctlGet(o *ctlOptions) *cobra.Command {
	var withStat, watch bool
	cmd := verb(o, "get [-s] [-w] PATH", "Print the data of PATH (null for null data) and a newline (-s: and its Stat; -w: then wait for a change)", cobra.ExactArgs(1), func(cmd *cobra.Command, c *ctlClient, args []string) error {
		p := args[0]
		if err := noWatchAt(cmd, watch, c); err != nil {
			return err
		}
		read := func() (int64, error) {
			ctx, cancel := c.ctx()
			defer cancel()
			r, err := c.ns.GetData(ctx, &zkgatepb.GetDataRequest{Ctx: c.rc, Path: p})
			if err != nil {
				return 0, ctlErr(err)
			}
			if c.o.output == "json" {
				return r.Zxid, c.json(map[string]any{"path": p, "data": r.Data, "stat": statJSON(r.Stat)})
			}
			// As zkCli.sh: the data, then a newline, whatever the data ends
			// with; null data prints as null (empty data as an empty line).
			if r.Data == nil {
				fmt.Fprint(c.out, "null")
			}
			c.out.Write(r.Data)
			fmt.Fprintln(c.out)
			if withStat {
				c.printStatText(r.Stat)
			}
			return r.Zxid, nil
		}
		if watch {
			return c.readAndWatch(p, dataWatchFires, read)
		}
		_, err := read()
		return err
	})
	f := cmd.Flags()
	f.BoolVarP(&withStat, "stat", "s", false, "print the Stat of PATH after its data")
	f.BoolVarP(&watch, "watch", "w", false, "then wait for PATH's data to change or PATH to go, and print that event")
	o.addAt(cmd)
	return cmd
}

func ctlSet(o *ctlOptions) *cobra.Command {
	var version int32
	cmd := verb(o, "set [-v VERSION] PATH DATA", "Replace the data of PATH", cobra.ExactArgs(2), func(cmd *cobra.Command, c *ctlClient, args []string) error {
		p := args[0]
		data, err := readData(cmd, args[1])
		if err != nil {
			return err
		}
		ctx, cancel := c.ctx()
		defer cancel()
		r, err := c.ns.SetData(ctx, &zkgatepb.SetDataRequest{Ctx: c.rc, Path: p, Data: data, Version: &version})
		if err != nil {
			return ctlErr(err)
		}
		if c.o.output == "json" {
			return c.json(map[string]any{"path": p, "stat": statJSON(r.Stat), "zxid": r.Zxid})
		}
		return nil
	})
	cmd.Flags().Int32VarP(&version, "version", "v", -1, "only if the data version is this (-1: any)")
	return cmd
}

func ctlCreate(o *ctlOptions) *cobra.Command {
	var ephemeral, sequential, container bool
	var ttl int64
	var aclText string
	cmd := verb(o, "create [-e] [-s] [-c] [-t TTL] [-a ACL] PATH [DATA [ACL]]", "Create a znode and print its path (no DATA: null data)", cobra.RangeArgs(1, 3), func(cmd *cobra.Command, c *ctlClient, args []string) error {
		p := args[0]
		// No DATA is null data, as zkCli.sh's create without data.
		var data []byte
		if len(args) >= 2 {
			var err error
			if data, err = readData(cmd, args[1]); err != nil {
				return err
			}
		}
		if len(args) == 3 {
			if cmd.Flags().Changed("acl") {
				return &usageError{cmd: cmd, err: fmt.Errorf("the ACL is given twice: as -a and as the third argument")}
			}
			aclText = args[2]
		}
		acl := []*zkgatepb.ACL{{Perms: int32(schema.PermAll), Scheme: "world", Id: "anyone"}}
		if aclText != "" {
			parsed, err := schema.ParseACL(aclText)
			if err != nil {
				return fmt.Errorf("ACL %q: %w", aclText, err)
			}
			acl = acl[:0]
			for _, a := range parsed {
				acl = append(acl, &zkgatepb.ACL{Perms: int32(a.Perms), Scheme: a.ID.Scheme, Id: a.ID.ID})
			}
		}
		mode, err := createMode(ephemeral, sequential, container, ttl)
		if err != nil {
			return err
		}
		ctx, cancel := c.ctx()
		defer cancel()
		rc := c.rc
		if ephemeral {
			s, err := c.ns.CreateSession(ctx, &zkgatepb.CreateSessionRequest{TimeoutMs: 30000})
			if err != nil {
				return ctlErr(err)
			}
			defer c.ns.CloseSession(context.Background(), &zkgatepb.CloseSessionRequest{SessionId: s.SessionId, Password: s.Password})
			rc = &zkgatepb.RequestContext{SessionId: s.SessionId, SessionPassword: s.Password, Auth: c.rc.Auth}
		}
		r, err := c.ns.Create(ctx, &zkgatepb.CreateRequest{Ctx: rc, Path: p, Data: data, Acl: acl, Mode: mode, TtlMs: ttl})
		if err != nil {
			return ctlErr(err)
		}
		if c.o.output == "json" {
			return c.json(map[string]any{"path": r.Path, "stat": statJSON(r.Stat), "zxid": r.Zxid})
		}
		fmt.Fprintf(c.out, "Created %s\n", r.Path)
		return nil
	})
	f := cmd.Flags()
	f.BoolVarP(&ephemeral, "ephemeral", "e", false, "ephemeral: removed when ctl's session ends")
	f.BoolVarP(&sequential, "sequential", "s", false, "append a sequence number to the name")
	f.BoolVarP(&container, "container", "c", false, "container: removed once its last child is gone")
	f.Int64VarP(&ttl, "ttl", "t", 0, "TTL node: removed when unmodified and childless for TTL ms")
	f.StringVarP(&aclText, "acl", "a", "", "the ACL, as scheme:id:perms[,...] (as zkCli's create PATH DATA ACL; default world:anyone:cdrwa)")
	return cmd
}

func createMode(ephemeral, sequential, container bool, ttl int64) (zkgatepb.CreateMode, error) {
	switch {
	case container && (ephemeral || sequential || ttl != 0):
		return 0, fmt.Errorf("-c cannot be combined with -e, -s or -t")
	case ttl != 0 && ephemeral:
		return 0, fmt.Errorf("-t cannot be combined with -e")
	case container:
		return zkgatepb.CreateMode_CREATE_MODE_CONTAINER, nil
	case ttl != 0 && sequential:
		return zkgatepb.CreateMode_CREATE_MODE_PERSISTENT_SEQUENTIAL_WITH_TTL, nil
	case ttl != 0:
		return zkgatepb.CreateMode_CREATE_MODE_PERSISTENT_WITH_TTL, nil
	case ephemeral && sequential:
		return zkgatepb.CreateMode_CREATE_MODE_EPHEMERAL_SEQUENTIAL, nil
	case ephemeral:
		return zkgatepb.CreateMode_CREATE_MODE_EPHEMERAL, nil
	case sequential:
		return zkgatepb.CreateMode_CREATE_MODE_PERSISTENT_SEQUENTIAL, nil
	}
	return zkgatepb.CreateMode_CREATE_MODE_PERSISTENT, nil
}

func ctlDelete(o *ctlOptions) *cobra.Command {
	var version int32
	cmd := verb(o, "delete [-v VERSION] PATH", "Delete a znode", cobra.ExactArgs(1), func(cmd *cobra.Command, c *ctlClient, args []string) error {
		ctx, cancel := c.ctx()
		defer cancel()
		_, err := c.ns.Delete(ctx, &zkgatepb.DeleteRequest{Ctx: c.rc, Path: args[0], Version: &version})
		return ctlErr(err)
	})
	cmd.Flags().Int32VarP(&version, "version", "v", -1, "only if the data version is this (-1: any)")
	return cmd
}

func ctlDeleteAll(o *ctlOptions) *cobra.Command {
	cmd := verb(o, "deleteall PATH", "Delete PATH and everything below it (rmr is another name of it)", cobra.ExactArgs(1), func(cmd *cobra.Command, c *ctlClient, args []string) error {
		paths, err := c.walk(args[0])
		if err != nil {
			return err
		}
		// Deepest first; a node that went meanwhile is fine.
		for i := len(paths) - 1; i >= 0; i-- {
			ctx, cancel := c.ctx()
			_, err := c.ns.Delete(ctx, &zkgatepb.DeleteRequest{Ctx: c.rc, Path: paths[i]})
			cancel()
			if err := ctlErr(err); err != nil && schema.CodeOf(err) != schema.CodeNoNode {
				return err
			}
		}
		return nil
	})
	// zkCli.sh before 3.5 named it rmr.
	cmd.Aliases = []string{"rmr"}
	return cmd
}

func ctlGetACL(o *ctlOptions) *cobra.Command {
	cmd := verb(o, "getAcl PATH", "Print the ACL of PATH", cobra.ExactArgs(1), func(cmd *cobra.Command, c *ctlClient, args []string) error {
		p := args[0]
		ctx, cancel := c.ctx()
		defer cancel()
		r, err := c.ns.GetACL(ctx, &zkgatepb.GetACLRequest{Ctx: c.rc, Path: p})
		if err != nil {
			return ctlErr(err)
		}
		if c.o.output == "json" {
			var acl []map[string]any
			for _, a := range r.Acl {
				acl = append(acl, map[string]any{"scheme": a.Scheme, "id": a.Id, "perms": schema.Perm(a.Perms).String()})
			}
			return c.json(map[string]any{"path": p, "acl": acl, "aversion": r.Stat.Aversion})
		}
		// As zkCli.sh: 'scheme,'id followed by ": perms".
		for _, a := range r.Acl {
			fmt.Fprintf(c.out, "'%s,'%s\n: %s\n", a.Scheme, a.Id, schema.Perm(a.Perms))
		}
		return nil
	})
	o.addAt(cmd)
	return cmd
}

func ctlSetACL(o *ctlOptions) *cobra.Command {
	var version int32
	cmd := verb(o, "setAcl [-v VERSION] PATH ACL", "Replace the ACL of PATH (scheme:id:perms,...)", cobra.ExactArgs(2), func(cmd *cobra.Command, c *ctlClient, args []string) error {
		acl, err := schema.ParseACL(args[1])
		if err != nil {
			return fmt.Errorf("ACL %q: %w", args[1], err)
		}
		var pb []*zkgatepb.ACL
		for _, a := range acl {
			pb = append(pb, &zkgatepb.ACL{Perms: int32(a.Perms), Scheme: a.ID.Scheme, Id: a.ID.ID})
		}
		ctx, cancel := c.ctx()
		defer cancel()
		_, err = c.ns.SetACL(ctx, &zkgatepb.SetACLRequest{Ctx: c.rc, Path: args[0], Acl: pb, Aversion: &version})
		return ctlErr(err)
	})
	cmd.Flags().Int32VarP(&version, "version", "v", -1, "only if the ACL version is this (-1: any)")
	return cmd
}

func ctlWatch(o *ctlOptions) *cobra.Command {
	var recursive bool
	var since string
	cmd := verb(o, "watch [-R] [--since ZXID] PATH", "Print changes of PATH until Ctrl-C (--since: first every change after ZXID)", cobra.ExactArgs(1), func(cmd *cobra.Command, c *ctlClient, args []string) error {
		from, err := parseZxidFlag("since", since)
		if err != nil {
			return &usageError{cmd: cmd, err: err}
		}
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
		defer stop()
		return c.watch(ctx, args[0], recursive, from)
	})
	cmd.Flags().BoolVarP(&recursive, "recursive", "R", false, "watch the whole subtree")
	cmd.Flags().StringVar(&since, "since", "", "first print every change after this zxid (decimal, or 0x hex as printed), in order, then go on live without a gap: a consumer that keeps the last zxid it handled resumes from it")
	return cmd
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// watch prints the events of a persistent watch until ctx ends. The
// watch's start goes to stderr (text) or as a first JSON line, so that a
// script knows when changes are being followed.
func (c *ctlClient) watch(ctx context.Context, path string, recursive bool, since int64) error {
	mode := zkgatepb.WatchMode_WATCH_MODE_PERSISTENT
	if recursive {
		mode = zkgatepb.WatchMode_WATCH_MODE_PERSISTENT_RECURSIVE
	}
	stream, err := c.ns.Watch(ctx, &zkgatepb.WatchRequest{Ctx: c.rc, Path: path, Mode: mode, StartZxid: since})
	if err != nil {
		return ctlErr(err)
	}
	for {
		r, err := stream.Recv()
		if err != nil {
			if ctx.Err() != nil {
				return nil // Ctrl-C
			}
			return ctlErr(err)
		}
		ev := r.GetEvent()
		switch {
		case ev == nil && c.o.output == "json":
			if err := c.jsonLine(map[string]any{"watching": path, "recursive": recursive, "zxid": r.Zxid}); err != nil {
				return err
			}
		case ev == nil:
			fmt.Fprintf(c.errOut, "watching %s from zxid 0x%x (Ctrl-C to stop)\n", path, r.Zxid)
		case c.o.output == "json":
			if err := c.jsonLine(map[string]any{"type": eventName(ev.Type), "path": ev.Path, "zxid": r.Zxid}); err != nil {
				return err
			}
		default:
			fmt.Fprintf(c.out, "WatchedEvent state:SyncConnected type:%s path:%s zxid:0x%x\n", eventName(ev.Type), ev.Path, r.Zxid)
		}
	}
}

func eventName(t zkgatepb.EventType) string {
	switch t {
	case zkgatepb.EventType_EVENT_TYPE_NODE_CREATED:
		return "NodeCreated"
	case zkgatepb.EventType_EVENT_TYPE_NODE_DELETED:
		return "NodeDeleted"
	case zkgatepb.EventType_EVENT_TYPE_NODE_DATA_CHANGED:
		return "NodeDataChanged"
	case zkgatepb.EventType_EVENT_TYPE_NODE_CHILDREN_CHANGED:
		return "NodeChildrenChanged"
	}
	return "None"
}

func ctlSync(o *ctlOptions) *cobra.Command {
	return verb(o, "sync PATH", "Wait until the node has every write committed before now", cobra.ExactArgs(1), func(cmd *cobra.Command, c *ctlClient, args []string) error {
		ctx, cancel := c.ctx()
		defer cancel()
		r, err := c.ns.Sync(ctx, &zkgatepb.SyncRequest{Ctx: c.rc, Path: args[0]})
		if err != nil {
			return ctlErr(err)
		}
		if c.o.output == "json" {
			return c.json(map[string]any{"path": r.Path, "zxid": r.Zxid})
		}
		fmt.Fprintf(c.out, "Sync is OK (zxid 0x%x)\n", r.Zxid)
		return nil
	})
}

func ctlAllChildren(o *ctlOptions) *cobra.Command {
	return verb(o, "getAllChildrenNumber PATH", "Count every znode below PATH", cobra.ExactArgs(1), func(cmd *cobra.Command, c *ctlClient, args []string) error {
		p := args[0]
		ctx, cancel := c.ctx()
		defer cancel()
		r, err := c.ns.GetAllChildrenNumber(ctx, &zkgatepb.GetAllChildrenNumberRequest{Ctx: c.rc, Path: p})
		if err != nil {
			return ctlErr(err)
		}
		if c.o.output == "json" {
			return c.json(map[string]any{"path": p, "number": r.TotalNumber})
		}
		fmt.Fprintln(c.out, r.TotalNumber)
		return nil
	})
}

func ctlEphemerals(o *ctlOptions) *cobra.Command {
	return verb(o, "getEphemerals [PREFIX]", "List ctl's own session's ephemerals (none: its session is new), as zkCli", cobra.MaximumNArgs(1), func(cmd *cobra.Command, c *ctlClient, args []string) error {
		prefix := "/"
		if len(args) == 1 {
			prefix = args[0]
		}
		ctx, cancel := c.ctx()
		defer cancel()
		s, err := c.ns.CreateSession(ctx, &zkgatepb.CreateSessionRequest{TimeoutMs: 30000})
		if err != nil {
			return ctlErr(err)
		}
		defer c.ns.CloseSession(context.Background(), &zkgatepb.CloseSessionRequest{SessionId: s.SessionId, Password: s.Password})
		rc := &zkgatepb.RequestContext{SessionId: s.SessionId, SessionPassword: s.Password, Auth: c.rc.Auth}
		// The read is served by the node from what it has applied: it
		// must not be older than the new session's record.
		synced, err := c.ns.Sync(ctx, &zkgatepb.SyncRequest{Ctx: rc, Path: "/"})
		if err != nil {
			return ctlErr(err)
		}
		rc.MinZxid = synced.Zxid
		r, err := c.ns.GetEphemerals(ctx, &zkgatepb.GetEphemeralsRequest{Ctx: rc, Prefix: prefix})
		if err != nil {
			return ctlErr(err)
		}
		if c.o.output == "json" {
			return c.json(map[string]any{"prefix": prefix, "paths": nonNil(r.Paths)})
		}
		fmt.Fprintf(c.out, "[%s]\n", strings.Join(r.Paths, ", "))
		return nil
	})
}

func ctlMulti(o *ctlOptions) *cobra.Command {
	cmd := verb(o, "multi", "Apply the operations read from stdin atomically", cobra.NoArgs, func(cmd *cobra.Command, c *ctlClient, args []string) error {
		in, err := io.ReadAll(cmd.InOrStdin())
		if err != nil {
			return err
		}
		req := &zkgatepb.MultiRequest{}
		if err := protojson.Unmarshal(in, req); err != nil {
			return fmt.Errorf("reading the operations: %w", err)
		}
		if err := checkMultiPaths(req); err != nil {
			return err
		}
		req.Ctx = c.rc
		ctx, cancel := c.ctx()
		defer cancel()
		r, err := c.ns.Multi(ctx, req)
		if err != nil {
			return ctlErr(err)
		}
		if c.o.output == "json" {
			b, err := protojson.MarshalOptions{UseProtoNames: true, EmitUnpopulated: true}.Marshal(r)
			if err != nil {
				return err
			}
			fmt.Fprintln(c.out, string(b))
		} else {
			for i, res := range r.Results {
				switch x := res.Result.(type) {
				case *zkgatepb.OpResult_Create:
					fmt.Fprintf(c.out, "%d: created %s\n", i, x.Create.Path)
				case *zkgatepb.OpResult_Delete:
					fmt.Fprintf(c.out, "%d: deleted\n", i)
				case *zkgatepb.OpResult_SetData:
					fmt.Fprintf(c.out, "%d: set (version %d)\n", i, x.SetData.Stat.GetVersion())
				case *zkgatepb.OpResult_Check:
					fmt.Fprintf(c.out, "%d: checked\n", i)
				case *zkgatepb.OpResult_Error:
					fmt.Fprintf(c.out, "%d: %s\n", i, x.Error.Name)
				}
			}
		}
		if r.Error != nil {
			return schema.NewError(schema.Code(r.Error.Code), r.Error.Path)
		}
		return nil
	})
	cmd.Long = `multi reads a MultiRequest in JSON from stdin and applies its operations
atomically: all of them or none. For example:

  {"ops": [
    {"create": {"path": "/app/a", "data": "aGVsbG8="}},
    {"check": {"path": "/app", "version": 0}},
    {"set_data": {"path": "/app", "data": ""}},
    {"delete": {"path": "/app/old"}}
  ]}

data is standard base64; a create or set_data without data (or with
"data": null) writes null data, "data": "" empty data.

Each result is printed on its own line; when an operation fails, every
result is an error as ZooKeeper reports them (Ok for the ones before, the
failure, RuntimeInconsistency after) and ctl exits with status 1.`
	return cmd
}
