package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/zkgate/zkgate/cmd/zkgate/internal/migrate"
	"github.com/zkgate/zkgate/schema/zkgatepb"
)

func ctlDump(o *ctlOptions) *cobra.Command {
	var file string
	var parallel int
	cmd := verb(o, "dump [--at ZXID|TIME] [-f FILE] [PATH]", "Write the subtree of PATH (default /) as it was at one zxid, as JSON lines (a backup that zkgate migrate --from FILE restores)", cobra.RangeArgs(0, 1), func(cmd *cobra.Command, c *ctlClient, args []string) error {
		root := "/"
		if len(args) == 1 {
			root = args[0]
		}
		h := migrate.DumpHeader{Path: root, Taken: time.Now().UTC().Format(time.RFC3339Nano), Zxid: c.rc.GetAtZxid()}
		if c.pointTime != 0 {
			h.ZxidTime = time.UnixMilli(c.pointTime).UTC().Format(time.RFC3339Nano)
		}
		ctx, stop := interrupted(cmd.Context())
		defer stop()
		if h.Zxid == 0 {
			// Now: the zxid the node serves, read at for every znode.
			rctx, cancel := c.ctx()
			r, err := c.ns.Exists(rctx, &zkgatepb.ExistsRequest{Ctx: &zkgatepb.RequestContext{Auth: c.rc.GetAuth()}, Path: root})
			cancel()
			if err != nil {
				return ctlErr(err)
			}
			h.Zxid = r.Zxid
		}
		out := c.out
		var tmp *os.File
		if file != "" && file != "-" {
			var err error
			// Written beside FILE, renamed over it once complete.
			tmp, err = os.CreateTemp(filepath.Dir(file), "."+filepath.Base(file)+".*")
			if err != nil {
				return err
			}
			defer func() {
				tmp.Close()
				os.Remove(tmp.Name())
			}()
			out = tmp
		}
		ns := zkgatepb.NewNamespaceClient(requestTimeout{c.conn, c.o.timeout})
		res, err := migrate.WriteDump(ctx, ns, c.rc, h, out, parallel)
		if err != nil {
			return ctlErr(err)
		}
		if tmp != nil {
			if err := finish(tmp, file); err != nil {
				return err
			}
		}
		for _, p := range res.Unreadable {
			fmt.Fprintf(c.errOut, "not readable with the --auth given, not in the dump: %s\n", p)
		}
		line := fmt.Sprintf("dumped %d %s under %s at zxid 0x%x", res.Znodes, plural(res.Znodes, "znode"), root, h.Zxid)
		if res.Ancestors > 0 {
			line += fmt.Sprintf(", and its %d %s", res.Ancestors, plural(res.Ancestors, "ancestor"))
		}
		fmt.Fprintln(c.errOut, line)
		if n := len(res.Unreadable); n > 0 {
			return exitError{fmt.Sprintf("the dump is incomplete: %d znodes could not be read", n), 2}
		}
		return nil
	})
	fl := cmd.Flags()
	fl.StringVarP(&file, "file", "f", "", "write the dump to FILE (replaced once the dump is written) instead of stdout")
	fl.IntVar(&parallel, "parallel", 16, "znodes read side by side")
	o.addAt(cmd)
	return cmd
}

// finish syncs and closes the temporary file tmp and renames it to file.
func finish(tmp *os.File, file string) error {
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), file)
}
