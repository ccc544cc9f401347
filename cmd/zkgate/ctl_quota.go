package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/zkgate/zkgate/schema"
	"github.com/zkgate/zkgate/schema/zkgatepb"
)

// Quotas are stored as ZooKeeper 3.8's zkCli.sh stores them (measured, see
// gateway/testdata/zookeeper-3.8-behaviour.md, "ctl verbs"): for a quota on
// /app, the znodes /zookeeper/quota/app (no data),
// /zookeeper/quota/app/zookeeper_limits with the limits as
//
//	count=10,bytes=-1=;byteHardLimit=-1;countHardLimit=-1
//
// and /zookeeper/quota/app/zookeeper_stats with the subtree's znode count
// and data bytes as "count=2,bytes=3", -1 meaning no limit. The node
// counts zookeeper_stats whenever it is read, and refuses writes past a
// hard limit when it runs with --zk-enforce-quota (see gateway/quota.go).
const (
	quotaRoot      = schema.QuotaRoot
	quotaLimitNode = schema.QuotaLimitsNode
	quotaStatNode  = schema.QuotaStatsNode
)

const quotaHelp = `
Quotas are stored exactly where and as ZooKeeper 3.8 stores them, so
zkCli.sh and ZooKeeper tools read them: /zookeeper/quota/PATH/zookeeper_limits
holds "count=N,bytes=B=;byteHardLimit=BH;countHardLimit=NH" (-1: no limit)
and /zookeeper/quota/PATH/zookeeper_stats "count=N,bytes=B": the znodes of
PATH's subtree (PATH included) and their data bytes, as they are when read.
A node started with quotas enforced (zkgate serve --zk-enforce-quota)
refuses creates and setData past a hard limit (-N, -B) with QuotaExceeded
and logs writes past any limit, as ZooKeeper does with
zookeeper.enforceQuota=true; otherwise limits are only recorded, as in
ZooKeeper by default.`

// quotaTrack is ZooKeeper's StatsTrack: named counts and limits, -1 for
// one that is not set.
type quotaTrack struct {
	count, bytes, countHard, bytesHard int64
}

func (q quotaTrack) track() schema.StatsTrack {
	return schema.StatsTrack{Count: q.count, Bytes: q.bytes, CountHardLimit: q.countHard, ByteHardLimit: q.bytesHard}
}

// limitsString is the data of a zookeeper_limits node.
func (q quotaTrack) limitsString() string { return q.track().LimitsString() }

// statsString is the data of a zookeeper_stats node.
func (q quotaTrack) statsString() string { return q.track().StatsString() }

func (q quotaTrack) json() map[string]int64 {
	return map[string]int64{"count": q.count, "bytes": q.bytes, "count_hard_limit": q.countHard, "byte_hard_limit": q.bytesHard}
}

// parseQuotaTrack reads StatsTrack's text (see schema.ParseStatsTrack).
func parseQuotaTrack(s string) (quotaTrack, error) {
	q, err := schema.ParseStatsTrack(s)
	return quotaTrack{q.Count, q.Bytes, q.CountHardLimit, q.ByteHardLimit}, err
}

// quotaOf is where the quota of path lives: "/zookeeper/quota/app" for
// "/app".
func quotaOf(path string) string { return quotaRoot + path }

// quotaFlags are the four limits of setquota and delquota.
type quotaFlags struct{ count, bytes, countHard, bytesHard string }

var quotaFlagNames = quotaFlags{"count", "bytes", "count-hard", "bytes-hard"}

// oneQuotaFlag is the one limit flag given on cmd's command line, as
// zkCli.sh takes exactly one of -n, -b, -N, -B (its option group).
func oneQuotaFlag(cmd *cobra.Command, required bool) (string, error) {
	var set []string
	for _, n := range []string{quotaFlagNames.count, quotaFlagNames.bytes, quotaFlagNames.countHard, quotaFlagNames.bytesHard} {
		if cmd.Flags().Changed(n) {
			set = append(set, n)
		}
	}
	switch {
	case len(set) > 1:
		return "", &usageError{cmd: cmd, err: fmt.Errorf("one of -n, -b, -N, -B at a time, got --%s and --%s", set[0], set[1])}
	case len(set) == 0 && required:
		return "", &usageError{cmd: cmd, err: fmt.Errorf("missing the limit: one of -n, -b, -N, -B")}
	case len(set) == 0:
		return "", nil
	}
	return set[0], nil
}

// quotaFlagArgs checks the limit flags with the arguments, before ctl
// dials, so that a usage mistake is one whether or not a node answers.
func quotaFlagArgs(required bool) cobra.PositionalArgs {
	return func(cmd *cobra.Command, _ []string) error {
		_, err := oneQuotaFlag(cmd, required)
		return err
	}
}

func addQuotaFlags(cmd *cobra.Command, set bool, v *quotaTrack, del *[4]bool) {
	f := cmd.Flags()
	if set {
		f.Int64VarP(&v.count, quotaFlagNames.count, "n", 0, "soft limit of the number of znodes in PATH's subtree")
		f.Int64VarP(&v.bytes, quotaFlagNames.bytes, "b", 0, "soft limit of the data bytes in PATH's subtree")
		f.Int64VarP(&v.countHard, quotaFlagNames.countHard, "N", 0, "hard limit of the number of znodes")
		f.Int64VarP(&v.bytesHard, quotaFlagNames.bytesHard, "B", 0, "hard limit of the data bytes")
		return
	}
	f.BoolVarP(&del[0], quotaFlagNames.count, "n", false, "remove only the soft znode count limit")
	f.BoolVarP(&del[1], quotaFlagNames.bytes, "b", false, "remove only the soft data bytes limit")
	f.BoolVarP(&del[2], quotaFlagNames.countHard, "N", false, "remove only the hard znode count limit")
	f.BoolVarP(&del[3], quotaFlagNames.bytesHard, "B", false, "remove only the hard data bytes limit")
}

// field is the limit of q that the flag named n sets.
func (q *quotaTrack) field(n string) *int64 {
	switch n {
	case quotaFlagNames.count:
		return &q.count
	case quotaFlagNames.bytes:
		return &q.bytes
	case quotaFlagNames.countHard:
		return &q.countHard
	}
	return &q.bytesHard
}

func ctlSetQuota(o *ctlOptions) *cobra.Command {
	var v quotaTrack
	cmd := verb(o, "setquota -n|-b|-N|-B VAL PATH", "Set a quota limit of PATH, as zkCli", cobra.MatchAll(cobra.ExactArgs(1), quotaFlagArgs(true)), func(cmd *cobra.Command, c *ctlClient, args []string) error {
		p := args[0]
		which, err := oneQuotaFlag(cmd, true)
		if err != nil {
			return err
		}
		val := *v.field(which)
		if val <= 0 {
			kind := "num"
			if which == quotaFlagNames.bytes || which == quotaFlagNames.bytesHard {
				kind = "bytes"
			}
			return fmt.Errorf("setquota %s: the %s quota must be greater than zero", p, kind)
		}
		if strings.HasPrefix(p, quotaRoot) {
			return fmt.Errorf("cannot set a quota under the path: %s", quotaRoot)
		}
		return c.setQuota(p, which, val)
	})
	cmd.Long = `setquota sets one limit of the quota of PATH: -n the number of znodes in
PATH's subtree (PATH included), -b their data bytes, -N and -B the same as
hard limits. Other limits of an existing quota are kept. As in ZooKeeper, a
quota cannot be set below or above a znode that has one.` + quotaHelp
	addQuotaFlags(cmd, true, &v, nil)
	return cmd
}

// exists returns the Stat of path, or nil if there is no such znode.
func (c *ctlClient) exists(path string) (*zkgatepb.Stat, error) {
	ctx, cancel := c.ctx()
	defer cancel()
	r, err := c.ns.Exists(ctx, &zkgatepb.ExistsRequest{Ctx: c.rc, Path: path})
	if err != nil {
		return nil, ctlErr(err)
	}
	if !r.Found {
		return nil, nil
	}
	return r.Stat, nil
}

// getData returns the data and Stat of path, or found false.
func (c *ctlClient) getData(path string) (data []byte, st *zkgatepb.Stat, found bool, err error) {
	ctx, cancel := c.ctx()
	defer cancel()
	r, err := c.ns.GetData(ctx, &zkgatepb.GetDataRequest{Ctx: c.rc, Path: path})
	if schema.CodeOf(ctlErr(err)) == schema.CodeNoNode {
		return nil, nil, false, nil
	}
	if err != nil {
		return nil, nil, false, ctlErr(err)
	}
	return r.Data, r.Stat, true, nil
}

// usage counts the znodes of root's subtree (root included) and their data
// bytes, as ZooKeeper counts them into a new zookeeper_stats.
func (c *ctlClient) usage(root string) (quotaTrack, error) {
	u := quotaTrack{0, 0, -1, -1}
	var visit func(p string) error
	visit = func(p string) error {
		ctx, cancel := c.ctx()
		r, err := c.ns.GetChildren(ctx, &zkgatepb.GetChildrenRequest{Ctx: c.rc, Path: p})
		cancel()
		if err != nil {
			return ctlErr(err)
		}
		u.count++
		u.bytes += int64(r.Stat.GetDataLength())
		for _, k := range r.Children {
			if err := visit(schema.Join(p, k)); err != nil {
				return err
			}
		}
		return nil
	}
	return u, visit(root)
}

func (c *ctlClient) setQuota(p, which string, val int64) error {
	if st, err := c.exists(p); err != nil {
		return err
	} else if st == nil {
		return fmt.Errorf("%s does not exist", p)
	}
	// No quota above p ...
	for a := schema.Parent(p); a != "/" && a != ""; a = schema.Parent(a) {
		if st, err := c.exists(schema.Join(quotaOf(a), quotaLimitNode)); err != nil {
			return err
		} else if st != nil {
			return fmt.Errorf("%s has a parent %s which has a quota", p, a)
		}
	}
	// ... nor below it.
	if st, err := c.exists(quotaOf(p)); err != nil {
		return err
	} else if st != nil {
		below, err := c.walk(quotaOf(p))
		if err != nil {
			return err
		}
		for _, q := range below {
			if schema.Base(q) == quotaLimitNode && schema.Parent(q) != quotaOf(p) {
				return fmt.Errorf("%s has a child %s which has a quota", p, strings.TrimPrefix(schema.Parent(q), quotaRoot))
			}
		}
	}
	limitsPath := schema.Join(quotaOf(p), quotaLimitNode)
	data, st, found, err := c.getData(limitsPath)
	if err != nil {
		return err
	}
	var q, used quotaTrack
	if found {
		if q, err = parseQuotaTrack(string(data)); err != nil {
			return fmt.Errorf("%s: %w", limitsPath, err)
		}
		*q.field(which) = val
		ctx, cancel := c.ctx()
		defer cancel()
		if _, err := c.ns.SetData(ctx, &zkgatepb.SetDataRequest{Ctx: c.rc, Path: limitsPath, Data: []byte(q.limitsString()), Version: &st.Version}); err != nil {
			return ctlErr(err)
		}
		if sd, _, ok, err := c.getData(schema.Join(quotaOf(p), quotaStatNode)); err != nil {
			return err
		} else if ok {
			used, _ = parseQuotaTrack(string(sd))
		}
	} else {
		if used, err = c.usage(p); err != nil {
			return err
		}
		q = quotaTrack{-1, -1, -1, -1}
		*q.field(which) = val
		// The missing znodes down to the quota's, then limits and stats,
		// in one multi: all or none.
		var missing []string
		for a := quotaOf(p); a != quotaRoot; a = schema.Parent(a) {
			st, err := c.exists(a)
			if err != nil {
				return err
			}
			if st != nil {
				break
			}
			missing = append(missing, a)
		}
		sort.Slice(missing, func(i, j int) bool { return len(missing[i]) < len(missing[j]) })
		acl := []*zkgatepb.ACL{{Perms: int32(schema.PermAll), Scheme: "world", Id: "anyone"}}
		req := &zkgatepb.MultiRequest{Ctx: c.rc}
		add := func(path string, data []byte) {
			req.Ops = append(req.Ops, &zkgatepb.Op{Op: &zkgatepb.Op_Create{Create: &zkgatepb.CreateOp{Path: path, Data: data, Acl: acl}}})
		}
		for _, m := range missing {
			add(m, nil)
		}
		add(limitsPath, []byte(q.limitsString()))
		add(schema.Join(quotaOf(p), quotaStatNode), []byte(used.statsString()))
		ctx, cancel := c.ctx()
		defer cancel()
		r, err := c.ns.Multi(ctx, req)
		if err != nil {
			return ctlErr(err)
		}
		if r.Error != nil {
			return schema.NewError(schema.Code(r.Error.Code), r.Error.Path)
		}
	}
	// zkCli.sh's warnings for a limit below what the subtree holds.
	switch {
	case (which == quotaFlagNames.count || which == quotaFlagNames.countHard) && used.count > val:
		fmt.Fprintf(c.errOut, "[Warning]: the count quota you create is less than the existing count:%d\n", used.count)
	case (which == quotaFlagNames.bytes || which == quotaFlagNames.bytesHard) && used.bytes > val:
		fmt.Fprintf(c.errOut, "[Warning]: the bytes quota you create is less than the existing bytes:%d\n", used.bytes)
	}
	if c.o.output == "json" {
		return c.json(map[string]any{"path": p, "quota": q.json()})
	}
	return nil
}

func ctlListQuota(o *ctlOptions) *cobra.Command {
	cmd := verb(o, "listquota PATH", "Print the quota of PATH and its stats, as zkCli", cobra.ExactArgs(1), func(cmd *cobra.Command, c *ctlClient, args []string) error {
		p := args[0]
		data, _, found, err := c.getData(schema.Join(quotaOf(p), quotaLimitNode))
		if err != nil {
			return err
		}
		if !found {
			return fmt.Errorf("quota for %s does not exist", p)
		}
		q, err := parseQuotaTrack(string(data))
		if err != nil {
			return fmt.Errorf("quota for %s: %w", p, err)
		}
		sdata, _, sfound, err := c.getData(schema.Join(quotaOf(p), quotaStatNode))
		if err != nil {
			return err
		}
		var used quotaTrack
		if sfound {
			if used, err = parseQuotaTrack(string(sdata)); err != nil {
				return fmt.Errorf("stats of %s: %w", p, err)
			}
		}
		if c.o.output == "json" {
			m := map[string]any{"path": p, "quota": q.json()}
			if sfound {
				m["stats"] = map[string]int64{"count": used.count, "bytes": used.bytes}
			}
			return c.json(m)
		}
		fmt.Fprintf(c.out, "Output quota for %s %s\n", p, q.limitsString())
		if sfound {
			fmt.Fprintf(c.out, "Output stat for %s %s\n", p, used.statsString())
		}
		return nil
	})
	cmd.Long = `listquota prints the quota of PATH and its stats (what PATH's subtree
holds now), as zkCli.sh does:

  Output quota for /app count=10,bytes=-1=;byteHardLimit=-1;countHardLimit=-1
  Output stat for /app count=2,bytes=2

A PATH without a quota is an error (exit status 1).` + quotaHelp
	return cmd
}

func ctlDelQuota(o *ctlOptions) *cobra.Command {
	var del [4]bool
	cmd := verb(o, "delquota [-n|-b|-N|-B] PATH", "Remove the quota of PATH, or one of its limits", cobra.MatchAll(cobra.ExactArgs(1), quotaFlagArgs(false)), func(cmd *cobra.Command, c *ctlClient, args []string) error {
		p := args[0]
		which, err := oneQuotaFlag(cmd, false)
		if err != nil {
			return err
		}
		limitsPath := schema.Join(quotaOf(p), quotaLimitNode)
		data, st, found, err := c.getData(limitsPath)
		if err != nil {
			return err
		}
		if !found {
			return fmt.Errorf("quota does not exist for %s", p)
		}
		if which != "" {
			q, err := parseQuotaTrack(string(data))
			if err != nil {
				return fmt.Errorf("quota for %s: %w", p, err)
			}
			*q.field(which) = -1
			ctx, cancel := c.ctx()
			defer cancel()
			_, err = c.ns.SetData(ctx, &zkgatepb.SetDataRequest{Ctx: c.rc, Path: limitsPath, Data: []byte(q.limitsString()), Version: &st.Version})
			return ctlErr(err)
		}
		// The quota's znodes, then each quota znode above that is left
		// without children, up to /zookeeper/quota, as zkCli.sh does.
		for _, d := range []string{limitsPath, schema.Join(quotaOf(p), quotaStatNode)} {
			if err := c.deleteIfThere(d); err != nil {
				return err
			}
		}
		for a := quotaOf(p); a != quotaRoot; a = schema.Parent(a) {
			st, err := c.exists(a)
			if err != nil {
				return err
			}
			if st == nil {
				continue
			}
			if st.NumChildren > 0 {
				break
			}
			if err := c.deleteIfThere(a); err != nil {
				return err
			}
		}
		return nil
	})
	cmd.Long = `delquota removes the quota of PATH, or with -n, -b, -N or -B only that limit
(it becomes -1, no limit). A PATH without a quota is an error (exit
status 1).` + quotaHelp
	addQuotaFlags(cmd, false, nil, &del)
	return cmd
}

// deleteIfThere deletes path; a path already gone is fine.
func (c *ctlClient) deleteIfThere(path string) error {
	ctx, cancel := c.ctx()
	defer cancel()
	_, err := c.ns.Delete(ctx, &zkgatepb.DeleteRequest{Ctx: c.rc, Path: path})
	if err := ctlErr(err); err != nil && schema.CodeOf(err) != schema.CodeNoNode {
		return err
	}
	return nil
}
