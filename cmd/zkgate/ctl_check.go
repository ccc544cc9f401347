package main

import (
	"context"
	"fmt"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/zkgate/zkgate/schema"
	"github.com/zkgate/zkgate/schema/zkgatepb"
)

// checkPathArg is the PreRunE of every ctl verb: a verb whose usage names
// a PATH (or PREFIX) gets it as its first argument, and it is checked with
// schema.CheckClientPath before anything is sent, as ZooKeeper's client
// library checks every path (reads included), so "app", "" and "/a/../b"
// are refused with zkCli.sh's message instead of reading as NoNode.
func checkPathArg(cmd *cobra.Command, args []string) error {
	if len(args) == 0 || !strings.Contains(cmd.Use, "PATH") && !strings.Contains(cmd.Use, "PREFIX") {
		return nil
	}
	seq := false
	if f := cmd.Flags().Lookup("sequential"); f != nil {
		seq = f.Value.String() == "true"
	}
	return schema.CheckClientPath(args[0], seq)
}

// checkMultiPaths checks the path of each operation of a multi, as
// ZooKeeper's client library does before sending it.
func checkMultiPaths(req *zkgatepb.MultiRequest) error {
	for _, op := range req.GetOps() {
		var err error
		switch {
		case op.GetCreate() != nil:
			m := op.GetCreate().GetMode()
			seq := m == zkgatepb.CreateMode_CREATE_MODE_PERSISTENT_SEQUENTIAL || m == zkgatepb.CreateMode_CREATE_MODE_EPHEMERAL_SEQUENTIAL || m == zkgatepb.CreateMode_CREATE_MODE_PERSISTENT_SEQUENTIAL_WITH_TTL
			err = schema.CheckClientPath(op.GetCreate().GetPath(), seq)
		case op.GetDelete() != nil:
			err = schema.CheckClientPath(op.GetDelete().GetPath(), false)
		case op.GetSetData() != nil:
			err = schema.CheckClientPath(op.GetSetData().GetPath(), false)
		case op.GetCheck() != nil:
			err = schema.CheckClientPath(op.GetCheck().GetPath(), false)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// dataWatchFires tells the events that fire a data watch (get -w, and
// stat -w of an existing node): its data changed or it went.
func dataWatchFires(t zkgatepb.EventType) bool {
	return t == zkgatepb.EventType_EVENT_TYPE_NODE_DATA_CHANGED || t == zkgatepb.EventType_EVENT_TYPE_NODE_DELETED
}

// childWatchFires tells the events that fire a child watch (ls -w): its
// children changed or it went.
func childWatchFires(t zkgatepb.EventType) bool {
	return t == zkgatepb.EventType_EVENT_TYPE_NODE_CHILDREN_CHANGED || t == zkgatepb.EventType_EVENT_TYPE_NODE_DELETED
}

// readAndWatch is the -w of get, stat and ls: a one-shot ZooKeeper watch
// set by read. It starts a watch on path, runs read (which prints and
// returns the zxid it read at), then waits (until Ctrl-C) for the first
// later event on path that fires says fire the watch, and prints it as
// zkCli.sh prints a watch event it gets:
//
//	WatchedEvent state:SyncConnected type:NodeDataChanged path:/app
//
// (with -o json, one JSON line {"type":...,"path":...,"zxid":...}).
func (c *ctlClient) readAndWatch(path string, fires func(zkgatepb.EventType) bool, read func() (int64, error)) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	stream, err := c.ns.Watch(ctx, &zkgatepb.WatchRequest{Ctx: c.rc, Path: path, Mode: zkgatepb.WatchMode_WATCH_MODE_PERSISTENT})
	if err != nil {
		return ctlErr(err)
	}
	// The first message confirms the watch: changes from then on are seen.
	if _, err := stream.Recv(); err != nil {
		return ctlErr(err)
	}
	readZxid, err := read()
	if err != nil {
		return err
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
		// Changes the read already saw do not fire the watch it set.
		if ev == nil || r.Zxid <= readZxid || ev.Path != path || !fires(ev.Type) {
			continue
		}
		if c.o.output == "json" {
			return c.jsonLine(map[string]any{"type": eventName(ev.Type), "path": ev.Path, "zxid": r.Zxid})
		}
		_, err = fmt.Fprintf(c.out, "WatchedEvent state:SyncConnected type:%s path:%s\n", eventName(ev.Type), ev.Path)
		return err
	}
}
