package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/pmezard/go-difflib/difflib"
	"github.com/spf13/cobra"

	"github.com/zkgate/zkgate/cmd/zkgate/internal/migrate"
	"github.com/zkgate/zkgate/cmd/zkgate/internal/restore"
	"github.com/zkgate/zkgate/schema"
	"github.com/zkgate/zkgate/schema/zkgatepb"
)

func ctlHistory(o *ctlOptions) *cobra.Command {
	var recursive, print, diff bool
	var from, to string
	cmd := verb(o, "history [-R] [-p|--diff] [--from ZXID] [--to ZXID] PATH", "List every change of PATH the cluster still keeps (-R: of its subtree too)", cobra.ExactArgs(1), func(cmd *cobra.Command, c *ctlClient, args []string) error {
		if print && diff {
			return &usageError{cmd: cmd, err: fmt.Errorf("-p and --diff cannot be combined")}
		}
		f, t, err := c.resolveRange(cmd, from, to)
		if err != nil {
			return err
		}
		ctx, cancel := c.ctx()
		defer cancel()
		stream, err := c.ns.History(ctx, &zkgatepb.HistoryRequest{Ctx: c.rc, Path: args[0], Recursive: recursive, FromZxid: f, ToZxid: t, Data: print || diff})
		if err != nil {
			return ctlErr(err)
		}
		last := map[string][]byte{} // data before, by path, for --diff
		for {
			r, err := stream.Recv()
			if err == io.EOF {
				// How far back it reached, for whoever wonders why
				// nothing older is listed.
				if hr, err := c.ns.HistoryRange(ctx, &zkgatepb.HistoryRangeRequest{Ctx: c.rc}); err == nil {
					fmt.Fprintf(c.errOut, "history kept from zxid 0x%x (%s) to 0x%x\n", hr.OldestZxid, changeTime(hr.OldestTimeMs), hr.Zxid)
				}
				return nil
			}
			if err != nil {
				return ctlErr(err)
			}
			ch := r.GetChange()
			if c.o.output == "json" {
				m := map[string]any{
					"zxid": ch.Zxid, "time": ch.Time, "type": changeName(ch.Type), "path": ch.Path,
					"version": ch.Version, "aversion": ch.Aversion, "data_length": ch.DataLength,
					"ephemeral_owner": ch.EphemeralOwner, "session": ch.Session,
				}
				if print || diff {
					m["data"] = ch.Data
					m["data_hidden"] = ch.DataHidden
				}
				if ch.Type == zkgatepb.ChangeType_CHANGE_TYPE_CREATE || ch.Type == zkgatepb.ChangeType_CHANGE_TYPE_SET_ACL {
					m["acl"] = aclText(ch.Acl)
				}
				if err := c.jsonLine(m); err != nil {
					return err
				}
				continue
			}
			fmt.Fprintf(c.out, "0x%x\t%s\t%s\t%-7s\t%s\t%s\n", ch.Zxid, changeTime(ch.Time), changeSession(ch.Session), changeName(ch.Type), ch.Path, changeDetail(ch))
			switch {
			case ch.DataHidden && (print || diff):
				fmt.Fprintln(c.out, "\t(data not readable with these credentials)")
			case print && ch.Type != zkgatepb.ChangeType_CHANGE_TYPE_SET_ACL:
				fmt.Fprintf(c.out, "\t%s\n", ch.Data)
			case diff && ch.Type == zkgatepb.ChangeType_CHANGE_TYPE_SET_DATA:
				if before, ok := last[ch.Path]; ok {
					c.printDiff(before, ch.Data, ch.Zxid)
				}
			}
			switch ch.Type {
			case zkgatepb.ChangeType_CHANGE_TYPE_CREATE, zkgatepb.ChangeType_CHANGE_TYPE_SET_DATA:
				if !ch.DataHidden {
					last[ch.Path] = ch.Data
				} else {
					delete(last, ch.Path)
				}
			case zkgatepb.ChangeType_CHANGE_TYPE_DELETE:
				delete(last, ch.Path)
			}
		}
	})
	fl := cmd.Flags()
	fl.BoolVarP(&recursive, "recursive", "R", false, "the changes of every znode under PATH too")
	fl.BoolVarP(&print, "print", "p", false, "print the data of each create, data change and delete")
	fl.BoolVar(&diff, "diff", false, "print a line diff of each data change against the data before (text data)")
	fl.StringVar(&from, "from", "", "list changes from this point on (default: the oldest the cluster keeps): "+pointUsage)
	fl.StringVar(&to, "to", "", "list changes up to this point (default: the newest)")
	return cmd
}

func changeName(t zkgatepb.ChangeType) string {
	switch t {
	case zkgatepb.ChangeType_CHANGE_TYPE_CREATE:
		return "create"
	case zkgatepb.ChangeType_CHANGE_TYPE_SET_DATA:
		return "setData"
	case zkgatepb.ChangeType_CHANGE_TYPE_DELETE:
		return "delete"
	case zkgatepb.ChangeType_CHANGE_TYPE_SET_ACL:
		return "setAcl"
	}
	return t.String()
}

func changeTime(ms int64) string {
	if ms == 0 {
		return "-"
	}
	return time.UnixMilli(ms).Local().Format("2006-01-02 15:04:05.000")
}

// changeSession is the session that made a change, as ZooKeeper prints
// session ids, or "-" for none.
func changeSession(id int64) string {
	if id == 0 {
		return "-"
	}
	return fmt.Sprintf("0x%x", uint64(id))
}

func changeDetail(ch *zkgatepb.Change) string {
	switch ch.Type {
	case zkgatepb.ChangeType_CHANGE_TYPE_SET_ACL:
		return fmt.Sprintf("aclVersion %d %s", ch.Aversion, aclText(ch.Acl))
	case zkgatepb.ChangeType_CHANGE_TYPE_CREATE:
		s := fmt.Sprintf("dataVersion %d dataLength %d %s", ch.Version, ch.DataLength, aclText(ch.Acl))
		if ch.EphemeralOwner != 0 {
			s += fmt.Sprintf(" ephemeralOwner 0x%x", uint64(ch.EphemeralOwner))
		}
		return s
	}
	return fmt.Sprintf("dataVersion %d dataLength %d", ch.Version, ch.DataLength)
}

// aclText is an ACL as setAcl takes it: scheme:id:perms,...
func aclText(acl []*zkgatepb.ACL) string {
	out := make([]schema.ACL, len(acl))
	for i, a := range acl {
		out[i] = schema.ACL{Perms: schema.Perm(a.Perms), ID: schema.ID{Scheme: a.Scheme, ID: a.Id}}
	}
	return schema.FormatACL(out)
}

// printDiff prints a unified line diff from before to after, or says the
// data is not text.
func (c *ctlClient) printDiff(before, after []byte, zxid int64) {
	if !utf8.Valid(before) || !utf8.Valid(after) {
		fmt.Fprintf(c.out, "\t(binary data: %d bytes, then %d)\n", len(before), len(after))
		return
	}
	d, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A: difflib.SplitLines(string(before)), B: difflib.SplitLines(string(after)),
		FromFile: "before", ToFile: fmt.Sprintf("0x%x", zxid), Context: 3,
	})
	if err != nil {
		return
	}
	for _, l := range difflib.SplitLines(d) {
		if l == "\n" {
			continue
		}
		fmt.Fprintf(c.out, "\t%s", l)
		if l[len(l)-1] != '\n' {
			fmt.Fprintln(c.out)
		}
	}
}

func ctlChanges(o *ctlOptions) *cobra.Command {
	var from, to string
	cmd := verb(o, "changes --from ZXID [--to ZXID] [PATH]", "List every znode under PATH created, changed or deleted after a zxid (exit 1 if any)", cobra.RangeArgs(0, 1), func(cmd *cobra.Command, c *ctlClient, args []string) error {
		if from == "" {
			return &usageError{cmd: cmd, err: fmt.Errorf("--from ZXID is required")}
		}
		f, t, err := c.resolveRange(cmd, from, to)
		if err != nil {
			return err
		}
		root := "/"
		if len(args) == 1 {
			root = args[0]
		}
		ctx, cancel := c.ctx()
		defer cancel()
		// Changes after --from: the history from the next zxid on.
		stream, err := c.ns.History(ctx, &zkgatepb.HistoryRequest{Ctx: c.rc, Path: root, Recursive: true, FromZxid: f + 1, ToZxid: t})
		if err != nil {
			return ctlErr(err)
		}
		type net struct {
			before, after bool // existed at --from, exists at --to
			data, acl     bool
			recreated     bool
		}
		nets := map[string]*net{}
		for {
			r, err := stream.Recv()
			if err == io.EOF {
				break
			}
			if err != nil {
				return ctlErr(err)
			}
			ch := r.GetChange()
			n := nets[ch.Path]
			if n == nil {
				// Its first change tells whether it existed before.
				n = &net{before: ch.Type != zkgatepb.ChangeType_CHANGE_TYPE_CREATE}
				nets[ch.Path] = n
			}
			switch ch.Type {
			case zkgatepb.ChangeType_CHANGE_TYPE_CREATE:
				n.after = true
				if n.before {
					n.recreated = true
				}
			case zkgatepb.ChangeType_CHANGE_TYPE_DELETE:
				n.after = false
			case zkgatepb.ChangeType_CHANGE_TYPE_SET_DATA:
				n.after, n.data = true, true
			case zkgatepb.ChangeType_CHANGE_TYPE_SET_ACL:
				n.after, n.acl = true, true
			}
		}
		paths := make([]string, 0, len(nets))
		for p, n := range nets {
			if n.before || n.after {
				paths = append(paths, p)
			}
		}
		sort.Strings(paths)
		for _, p := range paths {
			n := nets[p]
			kind, how := "changed", []string{}
			switch {
			case !n.before:
				kind = "created"
			case !n.after:
				kind = "deleted"
			case n.recreated:
				how = append(how, "recreated")
			}
			if kind == "changed" && !n.recreated {
				if n.data {
					how = append(how, "data")
				}
				if n.acl {
					how = append(how, "acl")
				}
			}
			if c.o.output == "json" {
				if err := c.jsonLine(map[string]any{"path": p, "change": kind, "how": how}); err != nil {
					return err
				}
				continue
			}
			switch kind {
			case "created":
				fmt.Fprintf(c.out, "+ %s\n", p)
			case "deleted":
				fmt.Fprintf(c.out, "- %s\n", p)
			default:
				fmt.Fprintf(c.out, "~ %s: %s\n", p, strings.Join(how, ", "))
			}
		}
		if len(paths) > 0 {
			return exitError{fmt.Sprintf("%d znodes changed", len(paths)), 1}
		}
		return nil
	})
	fl := cmd.Flags()
	fl.StringVar(&from, "from", "", "the point to compare with, changes after it are listed: "+pointUsage)
	fl.StringVar(&to, "to", "", "the point to compare at (default: the newest)")
	return cmd
}

func ctlRestore(o *ctlOptions) *cobra.Command {
	var at string
	var recursive, yes, dryRun bool
	cmd := verb(o, "restore --at ZXID [-R] [--dry-run|--yes] PATH", "Write PATH (-R: its subtree) back as it was at ZXID, after showing what changes", cobra.ExactArgs(1), func(cmd *cobra.Command, c *ctlClient, args []string) error {
		if at == "" {
			return &usageError{cmd: cmd, err: fmt.Errorf("--at ZXID is required")}
		}
		if yes && dryRun {
			return &usageError{cmd: cmd, err: fmt.Errorf("--dry-run and --yes cannot be combined")}
		}
		zxid, err := c.resolve(cmd, "at", at)
		if err != nil {
			return err
		}
		root := args[0]
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
		defer stop()
		now, err := migrate.NewZkgate(requestTimeout{c.conn, c.o.timeout}, c.o.auth)
		if err != nil {
			return err
		}
		then := now.At(zxid)

		// The zxid the plan starts from: a change after it, made while
		// the question waits, would be overwritten unseen.
		hctx, cancel := c.ctx()
		hr, err := c.ns.HistoryRange(hctx, &zkgatepb.HistoryRangeRequest{Ctx: c.rc})
		cancel()
		if err != nil {
			return ctlErr(err)
		}
		// The plan: what differs between then and now (as it was at
		// hr.Zxid, which the writes are checked against).
		var diffs []migrate.Difference
		res, err := migrate.Diff(ctx, then, now.At(hr.Zxid), root, 8, false, func(d migrate.Difference) {
			if recursive || d.Path == root {
				diffs = append(diffs, d)
			}
		})
		if err != nil {
			return ctlErr(err)
		}
		// Diff speaks of a source and a destination: here, then and now.
		words := strings.NewReplacer("in the source", "then", "in the destination", "now", "the source's", "the past", "the destination's", "the current",
			"--from-auth", "--auth", "--to-auth", "--auth", "in the source", "then", "in the destination", "now")
		var creates, deletes, updates int
		var unreadable []string
		for _, d := range diffs {
			d.Detail = words.Replace(d.Detail)
			switch d.What {
			case "only in source":
				fmt.Fprintf(c.out, "create %s%s\n", d.Path, map[bool]string{true: " and everything below it then"}[recursive])
				creates++
			case "only in destination":
				fmt.Fprintf(c.out, "delete %s%s\n", d.Path, map[bool]string{true: " and everything below it"}[recursive])
				deletes++
			case "unreadable":
				fmt.Fprintf(c.out, "cannot restore %s: %s\n", d.Path, d.Detail)
				unreadable = append(unreadable, d.Path)
			default:
				fmt.Fprintf(c.out, "set the %s of %s (%s)\n", d.What, d.Path, d.Detail)
				updates++
			}
		}
		for _, e := range res.Ephemerals {
			if recursive || e.Path == root {
				fmt.Fprintf(c.out, "ephemeral, left alone: %s\n", e.Path)
			}
		}
		if len(unreadable) > 0 {
			return exitError{fmt.Sprintf("%d znodes cannot be compared with the credentials given (--auth): nothing restored", len(unreadable)), 2}
		}
		if creates+deletes+updates == 0 {
			fmt.Fprintf(c.errOut, "%s is as it was at zxid 0x%x: nothing to do\n", root, zxid)
			return nil
		}
		if dryRun {
			return nil
		}
		if !yes {
			fmt.Fprintf(c.errOut, "restore %d creates, %d deletes and %d changes as at zxid 0x%x? [y/N] ", creates, deletes, updates, zxid)
			answer, _ := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
			if a := strings.TrimSpace(strings.ToLower(answer)); a != "y" && a != "yes" {
				return exitError{"not restored", 1}
			}
			// Whatever changed while the question waited would be
			// overwritten by a plan that did not show it.
			changed, err := c.changedSince(root, hr.Zxid)
			if err != nil {
				return err
			}
			if changed != "" {
				return exitError{fmt.Sprintf("%s changed (%s) while the plan was shown: nothing restored; run restore again to see the new plan", root, changed), 1}
			}
		}

		// Every write is conditional on its znode being as the plan saw
		// it, at hr.Zxid: a write made since is never overwritten.
		done, err := restore.Apply(ctx, requestTimeout{c.conn, c.o.timeout}, c.rc, then, hr.Zxid, root, recursive, diffs)
		for _, p := range done.LeftAlone {
			fmt.Fprintf(c.errOut, "ephemeral, left alone: %s\n", p)
		}
		if restore.IsChanged(err) {
			return exitError{err.Error(), 1}
		}
		if err != nil {
			return ctlErr(err)
		}
		if len(done.Conflicts) > 0 {
			for _, c2 := range done.Conflicts {
				fmt.Fprintf(c.errOut, "cannot restore: %s\n", words.Replace(c2))
			}
			return exitError{fmt.Sprintf("%d znodes could not be restored (left as they are)", len(done.Conflicts)), 1}
		}
		fmt.Fprintf(c.errOut, "restored %s as at zxid 0x%x\n", root, zxid)
		return nil
	})
	fl := cmd.Flags()
	fl.StringVar(&at, "at", "", "the point to go back to: "+pointUsage)
	fl.BoolVarP(&recursive, "recursive", "R", false, "the whole subtree: create what was there, delete what was not, put back data and ACLs")
	fl.BoolVar(&yes, "yes", false, "do not ask before writing")
	fl.BoolVar(&dryRun, "dry-run", false, "only print what would be done")
	return cmd
}

// resolveRange resolves --from and --to (zxids or times).
func (c *ctlClient) resolveRange(cmd *cobra.Command, from, to string) (f, t int64, err error) {
	if f, err = c.resolve(cmd, "from", from); err != nil {
		return 0, 0, err
	}
	t, err = c.resolve(cmd, "to", to)
	return f, t, err
}

// changedSince names the first change under root after zxid, or "".
func (c *ctlClient) changedSince(root string, zxid int64) (string, error) {
	ctx, cancel := c.ctx()
	defer cancel()
	stream, err := c.ns.History(ctx, &zkgatepb.HistoryRequest{Ctx: c.rc, Path: root, Recursive: true, FromZxid: zxid + 1})
	if err != nil {
		return "", ctlErr(err)
	}
	r, err := stream.Recv()
	switch {
	case err == io.EOF:
		return "", nil
	case err != nil:
		return "", ctlErr(err)
	}
	ch := r.GetChange()
	return fmt.Sprintf("%s %s at zxid 0x%x", changeName(ch.Type), ch.Path, ch.Zxid), nil
}
