package differential

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"

	"github.com/zkgate/zkgate/zkbridge/jute"
)

// The text form of a script (see the package doc for the format).

// ParseFile reads the script in the file at path; its name is the file's
// base name without ".txt".
func ParseFile(path string) (*Script, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, string(b))
}

// Parse reads a script in the text form; file names it in errors
// ("file:line: ...") and, base name without ".txt", is the script's name.
func Parse(file, text string) (*Script, error) {
	s := New(strings.TrimSuffix(filepath.Base(file), ".txt"))
	for i, raw := range strings.Split(text, "\n") {
		n := len(s.steps)
		if err := s.parseLine(raw); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", file, i+1, err)
		}
		if len(s.steps) > n {
			s.steps[n].src = fmt.Sprintf("%s:%d", filepath.Base(file), i+1)
		}
	}
	return s, nil
}

func (s *Script) parseLine(raw string) error {
	l := strings.TrimSpace(raw)
	if l == "" || strings.HasPrefix(l, "#") {
		return nil
	}
	sess, rest, ok := strings.Cut(l, "> ")
	if !ok || !validSession(sess) {
		return errors.New(`want "SESSION> STEP", the session a word of letters and digits`)
	}
	toks, err := tokenize(rest)
	if err != nil {
		return err
	}
	if len(toks) == 0 {
		return errors.New("no step after the session")
	}
	verb, a := toks[0], newArgs(toks[1:])
	switch verb {
	case "connect":
		timeout := a.int("timeout", 30000)
		if err := a.done(0); err != nil {
			return err
		}
		s.Connect(sess, int32(timeout))
		return nil
	case "reconnect":
		from := a.pos(0, "the session whose id and password to use")
		if err := a.done(1); err != nil {
			return err
		}
		s.Reconnect(sess, from)
		return nil
	case "addauth":
		scheme, cred := a.pos(0, "a scheme"), a.pos(1, "the credentials")
		if err := a.done(2); err != nil {
			return err
		}
		s.Auth(sess, scheme, cred)
		return nil
	case "events":
		n, err := strconv.Atoi(a.pos(0, "a number of events"))
		if a.err == nil && err != nil {
			return fmt.Errorf("events: bad count: %w", err)
		}
		sortedEvents := a.flag("sorted", 1)
		if err := a.done(1); err != nil {
			return err
		}
		if sortedEvents {
			s.EventsUnordered(sess, n)
		} else {
			s.Events(sess, n)
		}
		return nil
	case "closeSession", "drop":
		if err := a.done(0); err != nil {
			return err
		}
		if verb == "drop" {
			s.Drop(sess)
		} else {
			s.CloseSession(sess)
		}
		return nil
	case "pollGone":
		p := a.pos(0, "a path")
		if err := a.done(1); err != nil {
			return err
		}
		s.PollGone(sess, p)
		return nil
	}
	op, req, err := parseRequest(verb, toks[1:], true)
	if err != nil {
		return err
	}
	xid, desc := req.xid, req.desc
	if xid != 0 || desc != "" {
		if desc == "" {
			desc = describe(op, req.rec)
		}
		s.CallXid(sess, int32(xid), op, req.rec, desc)
		return nil
	}
	s.Call(sess, op, req.rec)
	return nil
}

func validSession(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

type parsedRequest struct {
	rec  jute.Encodable
	xid  int64
	desc string
}

// parseRequest reads one request: an opcode's name (or number) and its
// arguments; top allows xid=, desc= and the ops of a multi.
func parseRequest(verb string, toks []string, top bool) (jute.OpCode, parsedRequest, error) {
	var r parsedRequest
	op, ok := opByName[verb]
	if !ok {
		n, err := strconv.ParseInt(verb, 10, 32)
		if err != nil {
			return 0, r, fmt.Errorf("unknown step %q", verb)
		}
		op = jute.OpCode(n)
	}
	if top && (op == jute.OpMulti || op == jute.OpMultiRead) {
		m := &jute.MultiRequest{}
		var opts, ops []string
		for _, t := range toks {
			if strings.HasPrefix(t, "xid=") || strings.HasPrefix(t, "desc=") {
				opts = append(opts, t)
			} else {
				ops = append(ops, t)
			}
		}
		toks = ops
		a := newArgs(opts)
		r.xid, r.desc = a.int("xid", 0), a.str("desc", "")
		if err := a.done(0); err != nil {
			return 0, r, err
		}
		for len(toks) > 0 {
			end := len(toks)
			for i, t := range toks {
				if t == "|" {
					end = i
					break
				}
			}
			if end == 0 {
				return 0, r, errors.New(`multi: an empty op (two "|" in a row, or one at an end)`)
			}
			sub, subReq, err := parseRequest(toks[0], toks[1:end], false)
			if err != nil {
				return 0, r, fmt.Errorf("multi op %d: %w", len(m.Ops)+1, err)
			}
			rec, ok := subReq.rec.(jute.Record)
			if !ok {
				return 0, r, fmt.Errorf("multi op %d: %v cannot be in a multi", len(m.Ops)+1, sub)
			}
			m.Ops = append(m.Ops, MOp(sub, rec))
			toks = toks[end:]
			if len(toks) > 0 {
				toks = toks[1:]
				if len(toks) == 0 {
					return 0, r, errors.New(`multi: an empty op (two "|" in a row, or one at an end)`)
				}
			}
		}
		r.rec = m
		return op, r, nil
	}
	a := newArgs(toks)
	if top {
		r.xid, r.desc = a.int("xid", 0), a.str("desc", "")
	}
	nPos := 1
	switch op {
	case jute.OpCreate, jute.OpCreate2, jute.OpCreateContainer:
		nPos = 2
		r.rec = &jute.CreateRequest{Path: a.pos(0, "a path"), Data: a.data(1), ACL: a.acl("acl"), Flags: jute.CreateMode(a.named("flags", 0, flagNames))}
	case jute.OpCreateTTL:
		nPos = 2
		r.rec = &jute.CreateTTLRequest{Path: a.pos(0, "a path"), Data: a.data(1), ACL: a.acl("acl"),
			Flags: jute.CreateMode(a.named("flags", 0, flagNames)), TTL: a.int("ttl", 0)}
	case jute.OpDelete, jute.OpDeleteContainer:
		r.rec = &jute.DeleteRequest{Path: a.pos(0, "a path"), Version: int32(a.int("version", -1))}
	case jute.OpCheck:
		r.rec = &jute.CheckVersionRequest{Path: a.pos(0, "a path"), Version: int32(a.int("version", -1))}
	case jute.OpExists:
		r.rec = &jute.ExistsRequest{Path: a.pos(0, "a path"), Watch: a.flag("watch", 1)}
	case jute.OpGetData:
		r.rec = &jute.GetDataRequest{Path: a.pos(0, "a path"), Watch: a.flag("watch", 1)}
	case jute.OpGetChildren:
		r.rec = &jute.GetChildrenRequest{Path: a.pos(0, "a path"), Watch: a.flag("watch", 1)}
	case jute.OpGetChildren2:
		r.rec = &jute.GetChildren2Request{Path: a.pos(0, "a path"), Watch: a.flag("watch", 1)}
	case jute.OpSetData:
		nPos = 2
		r.rec = &jute.SetDataRequest{Path: a.pos(0, "a path"), Data: a.data(1), Version: int32(a.int("version", -1))}
	case jute.OpGetACL:
		r.rec = &jute.GetACLRequest{Path: a.pos(0, "a path")}
	case jute.OpSetACL:
		r.rec = &jute.SetACLRequest{Path: a.pos(0, "a path"), ACL: a.acl("acl"), Version: int32(a.int("version", -1))}
	case jute.OpSync:
		r.rec = &jute.SyncRequest{Path: a.pos(0, "a path")}
	case jute.OpGetAllChildrenNumber:
		r.rec = &jute.GetAllChildrenNumberRequest{Path: a.pos(0, "a path")}
	case jute.OpGetEphemerals:
		r.rec = &jute.GetEphemeralsRequest{PrefixPath: a.pos(0, "a path prefix")}
	case jute.OpCheckWatches:
		r.rec = &jute.CheckWatchesRequest{Path: a.pos(0, "a path"), Type: jute.WatcherType(a.named("type", 0, typeNames))}
	case jute.OpRemoveWatches:
		r.rec = &jute.RemoveWatchesRequest{Path: a.pos(0, "a path"), Type: jute.WatcherType(a.named("type", 0, typeNames))}
	case jute.OpAddWatch:
		r.rec = &jute.AddWatchRequest{Path: a.pos(0, "a path"), Mode: jute.AddWatchMode(a.named("mode", 0, modeNames))}
	case jute.OpSetWatches:
		nPos = 0
		r.rec = &jute.SetWatches{RelativeZxid: a.int("rel", 0),
			DataWatches: a.list("data"), ExistWatches: a.list("exist"), ChildWatches: a.list("child")}
	case jute.OpSetWatches2:
		nPos = 0
		r.rec = &jute.SetWatches2{RelativeZxid: a.int("rel", 0),
			DataWatches: a.list("data"), ExistWatches: a.list("exist"), ChildWatches: a.list("child"),
			PersistentWatches: a.list("persistent"), PersistentRecursiveWatches: a.list("recursive")}
	case jute.OpReconfig:
		nPos = 0
		r.rec = &ReconfigRequest{Joining: a.str("joining", ""), Leaving: a.str("leaving", ""),
			Members: a.str("members", ""), ConfigID: a.int("config", 0)}
	default:
		nPos = 0 // no request body: whoAmI, ping, an unknown opcode
	}
	if err := a.done(nPos); err != nil {
		return 0, r, fmt.Errorf("%v: %w", op, err)
	}
	return op, r, nil
}

var opByName = func() map[string]jute.OpCode {
	m := map[string]jute.OpCode{}
	for op := jute.OpCode(-20); op < 200; op++ {
		if n := op.String(); !strings.HasPrefix(n, "OpCode(") {
			m[n] = op
		}
	}
	return m
}()

// tokenize splits a line at blanks; a double-quoted Go string (alone or
// after "key=", or as an element of a list) may hold blanks.
func tokenize(l string) ([]string, error) {
	var toks []string
	for {
		l = strings.TrimLeft(l, " \t")
		if l == "" {
			return toks, nil
		}
		var b strings.Builder
		for l != "" && l[0] != ' ' && l[0] != '\t' {
			if l[0] == '"' {
				q, err := strconv.QuotedPrefix(l)
				if err != nil {
					return nil, fmt.Errorf("bad quoted string at %.20q", l)
				}
				b.WriteString(q)
				l = l[len(q):]
				continue
			}
			b.WriteByte(l[0])
			l = l[1:]
		}
		toks = append(toks, b.String())
	}
}

// args are a step's arguments: positional ones and key=value options.
type args struct {
	posArgs []string
	opts    map[string]string
	used    map[string]bool
	flags   map[string]bool
	err     error
}

func newArgs(toks []string) *args {
	a := &args{opts: map[string]string{}, used: map[string]bool{}, flags: map[string]bool{}}
	for _, t := range toks {
		if k, v, ok := strings.Cut(t, "="); ok && isKey(k) {
			if _, dup := a.opts[k]; dup && a.err == nil {
				a.err = fmt.Errorf("%s= given twice", k)
			}
			a.opts[k] = v
			continue
		}
		a.posArgs = append(a.posArgs, t)
	}
	return a
}

func isKey(k string) bool {
	if k == "" || k[0] < 'a' || k[0] > 'z' {
		return false
	}
	for _, r := range k {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

func (a *args) fail(format string, v ...any) {
	if a.err == nil {
		a.err = fmt.Errorf(format, v...)
	}
}

// pos is the i-th positional argument, unquoted.
func (a *args) pos(i int, what string) string {
	if i >= len(a.posArgs) {
		a.fail("missing argument %d: %s", i+1, what)
		return ""
	}
	return a.unquote(a.posArgs[i])
}

// flag reports whether the bare word name follows the first after
// positional arguments (watch, sorted); it is removed from them.
func (a *args) flag(name string, after int) bool {
	if n := len(a.posArgs); n > after && a.posArgs[n-1] == name {
		a.posArgs = a.posArgs[:n-1]
		return true
	}
	return false
}

func (a *args) unquote(t string) string {
	if !strings.HasPrefix(t, `"`) {
		return t
	}
	s, err := strconv.Unquote(t)
	if err != nil {
		a.fail("bad quoted string %s", t)
	}
	return s
}

// data is the i-th positional argument as data: null is a null buffer.
func (a *args) data(i int) []byte {
	if i < len(a.posArgs) && a.posArgs[i] == "null" {
		return nil
	}
	return []byte(a.pos(i, "data (a string, or null)"))
}

func (a *args) opt(k string) (string, bool) {
	v, ok := a.opts[k]
	a.used[k] = true
	return v, ok
}

func (a *args) str(k, def string) string {
	v, ok := a.opt(k)
	if !ok {
		return def
	}
	return a.unquote(v)
}

func (a *args) int(k string, def int64) int64 {
	v, ok := a.opt(k)
	if !ok {
		return def
	}
	n, err := strconv.ParseInt(v, 0, 64)
	if err != nil {
		a.fail("%s=%s: not an integer", k, v)
	}
	return n
}

// Names of create flags, watcher types (checkWatches, removeWatches) and
// addWatch modes; a number may be given instead.
var (
	flagNames = map[int64]string{0: "persistent", 1: "ephemeral", 2: "persistentSequential", 3: "ephemeralSequential",
		4: "container", 5: "persistentWithTTL", 6: "persistentSequentialWithTTL"}
	typeNames = map[int64]string{1: "children", 2: "data", 3: "any", 4: "persistent", 5: "persistentRecursive"}
	modeNames = map[int64]string{0: "persistent", 1: "persistentRecursive"}
)

// named is an integer option that may be given by one of names.
func (a *args) named(k string, def int64, names map[int64]string) int64 {
	v, ok := a.opts[k]
	if !ok {
		a.used[k] = true
		return def
	}
	for n, name := range names {
		if v == name {
			a.used[k] = true
			return n
		}
	}
	if _, err := strconv.ParseInt(v, 0, 64); err != nil {
		a.fail("%s=%s: neither an integer nor one of %s", k, v, strings.Join(sortedNames(names), ", "))
	}
	return a.int(k, def)
}

func sortedNames(names map[int64]string) []string {
	var out []string
	for _, n := range names {
		out = append(out, n)
	}
	return sorted(out)
}

// nameOf is v's name in names, or v.
func nameOf(v int64, names map[int64]string) string {
	if n, ok := names[v]; ok {
		return n
	}
	return strconv.FormatInt(v, 10)
}

// list is a comma-separated list; absent is null, an empty value an
// empty list.
func (a *args) list(k string) []string {
	v, ok := a.opt(k)
	if !ok {
		return nil
	}
	out := []string{}
	if v == "" {
		return out
	}
	for _, e := range splitList(v) {
		out = append(out, a.unquote(e))
	}
	return out
}

// acl is an ACL: absent is world:anyone with every permission, null a
// null list, empty an empty one, else PERMS:SCHEME:ID entries separated
// by commas.
func (a *args) acl(k string) []jute.ACL {
	v, ok := a.opt(k)
	switch {
	case !ok:
		return WorldAll
	case v == "null":
		return nil
	case v == "":
		return []jute.ACL{}
	}
	var out []jute.ACL
	for _, e := range splitList(v) {
		parts := strings.SplitN(a.unquote(e), ":", 3)
		if len(parts) != 3 {
			a.fail("%s=: entry %s is not PERMS:SCHEME:ID", k, e)
			return nil
		}
		p, err := strconv.ParseInt(parts[0], 0, 32)
		if err != nil {
			a.fail("%s=: entry %s: bad perms", k, e)
			return nil
		}
		out = append(out, ACL(int32(p), parts[1], parts[2]))
	}
	return out
}

// splitList splits at commas outside quoted strings.
func splitList(v string) []string {
	var out []string
	start, inQuote := 0, false
	for i := 0; i < len(v); i++ {
		switch {
		case v[i] == '\\' && inQuote:
			i++
		case v[i] == '"':
			inQuote = !inQuote
		case v[i] == ',' && !inQuote:
			out = append(out, v[start:i])
			start = i + 1
		}
	}
	return append(out, v[start:])
}

// done checks that the step has at most nPos positional arguments and no
// option it does not read.
func (a *args) done(nPos int) error {
	if a.err != nil {
		return a.err
	}
	if len(a.posArgs) > nPos {
		return fmt.Errorf("unexpected argument %s", a.posArgs[nPos])
	}
	for k := range a.opts {
		if !a.used[k] {
			return fmt.Errorf("unknown option %s=", k)
		}
	}
	return nil
}

// Format writes s in the text form Parse reads, or fails for a step the
// text form cannot express (a Custom step, a request type it does not
// know); Parse(Format(s)) has the same steps as s.
func Format(s *Script) (string, error) {
	var b strings.Builder
	for i, st := range s.steps {
		l, err := formatStep(st)
		if err != nil {
			return "", fmt.Errorf("step %d (%s): %w", i, st.desc, err)
		}
		fmt.Fprintf(&b, "%s> %s\n", st.sess, l)
	}
	out := b.String()
	p, err := Parse(s.Name, out)
	if err != nil {
		return "", fmt.Errorf("format of %s does not parse: %w", s.Name, err)
	}
	if len(p.steps) != len(s.steps) {
		return "", fmt.Errorf("%s reads back %d steps, not %d", s.Name, len(p.steps), len(s.steps))
	}
	for i := range p.steps {
		if !sameStep(p.steps[i], s.steps[i]) {
			return "", fmt.Errorf("step %d (%s) does not read back the same: %+v", i, s.steps[i].desc, p.steps[i])
		}
	}
	return out, nil
}

// sameStep reports whether a and b are the same step, wherever each was
// read from.
func sameStep(a, b step) bool {
	a.src, b.src = "", ""
	return reflect.DeepEqual(a, b)
}

func formatStep(st step) (string, error) {
	switch st.kind {
	case kConnect:
		return fmt.Sprintf("connect timeout=%d", st.timeout), nil
	case kReconnect:
		return "reconnect " + word(st.from), nil
	case kAuth:
		ap := st.req.(*jute.AuthPacket)
		return fmt.Sprintf("addauth %s %s", word(ap.Scheme), word(string(ap.Auth))), nil
	case kEvents:
		if st.sorted {
			return fmt.Sprintf("events %d sorted", st.n), nil
		}
		return fmt.Sprintf("events %d", st.n), nil
	case kClose:
		return "closeSession", nil
	case kDrop:
		return "drop", nil
	case kPollGone:
		return "pollGone " + word(st.path), nil
	case kCall:
		l, err := formatRequest(st.op, st.req)
		if err != nil {
			return "", err
		}
		if st.xid != 0 || st.desc != describe(st.op, st.req) {
			l += fmt.Sprintf(" xid=%d desc=%s", st.xid, strconv.Quote(st.desc))
		}
		return l, nil
	}
	return "", errors.New("a custom step has no text form")
}

func formatRequest(op jute.OpCode, req jute.Encodable) (string, error) {
	name := op.String()
	if strings.HasPrefix(name, "OpCode(") {
		name = strconv.Itoa(int(op))
	}
	parts := []string{name}
	add := func(v ...string) { parts = append(parts, v...) }
	var err error
	acl := func(a []jute.ACL) {
		switch {
		case a == nil:
			add("acl=null")
		case len(a) == 0:
			add("acl=")
		case reflect.DeepEqual(a, WorldAll):
		default:
			var es []string
			for _, e := range a {
				if e.ID.Null != 0 {
					err = errors.New("no text form for an ACL with a null scheme or id")
				}
				es = append(es, listWord(fmt.Sprintf("%d:%s:%s", e.Perms, e.ID.Scheme, e.ID.ID)))
			}
			add("acl=" + strings.Join(es, ","))
		}
	}
	nonZero := func(k string, v int64, def int64) {
		if v != def {
			add(fmt.Sprintf("%s=%d", k, v))
		}
	}
	flags := func(f jute.CreateMode) {
		if f != 0 {
			add("flags=" + nameOf(int64(f), flagNames))
		}
	}
	watch := func(w bool) {
		if w {
			add("watch")
		}
	}
	list := func(k string, l []string) {
		if l == nil {
			return
		}
		var es []string
		for _, e := range l {
			es = append(es, listWord(e))
		}
		add(k + "=" + strings.Join(es, ","))
	}
	switch r := req.(type) {
	case nil:
	case *jute.CreateRequest:
		add(word(r.Path), data(r.Data))
		acl(r.ACL)
		flags(r.Flags)
	case *jute.CreateTTLRequest:
		add(word(r.Path), data(r.Data))
		acl(r.ACL)
		flags(r.Flags)
		add(fmt.Sprintf("ttl=%d", r.TTL))
	case *jute.DeleteRequest:
		add(word(r.Path))
		nonZero("version", int64(r.Version), -1)
	case *jute.CheckVersionRequest:
		add(word(r.Path))
		nonZero("version", int64(r.Version), -1)
	case *jute.ExistsRequest:
		add(word(r.Path))
		watch(r.Watch)
	case *jute.GetDataRequest:
		add(word(r.Path))
		watch(r.Watch)
	case *jute.GetChildrenRequest:
		add(word(r.Path))
		watch(r.Watch)
	case *jute.GetChildren2Request:
		add(word(r.Path))
		watch(r.Watch)
	case *jute.SetDataRequest:
		add(word(r.Path), data(r.Data))
		nonZero("version", int64(r.Version), -1)
	case *jute.GetACLRequest:
		add(word(r.Path))
	case *jute.SetACLRequest:
		add(word(r.Path))
		acl(r.ACL)
		nonZero("version", int64(r.Version), -1)
	case *jute.SyncRequest:
		add(word(r.Path))
	case *jute.GetAllChildrenNumberRequest:
		add(word(r.Path))
	case *jute.GetEphemeralsRequest:
		add(word(r.PrefixPath))
	case *jute.CheckWatchesRequest:
		add(word(r.Path), "type="+nameOf(int64(r.Type), typeNames))
	case *jute.RemoveWatchesRequest:
		add(word(r.Path), "type="+nameOf(int64(r.Type), typeNames))
	case *jute.AddWatchRequest:
		add(word(r.Path), "mode="+nameOf(int64(r.Mode), modeNames))
	case *jute.SetWatches:
		add(fmt.Sprintf("rel=%d", r.RelativeZxid))
		list("data", r.DataWatches)
		list("exist", r.ExistWatches)
		list("child", r.ChildWatches)
	case *jute.SetWatches2:
		add(fmt.Sprintf("rel=%d", r.RelativeZxid))
		list("data", r.DataWatches)
		list("exist", r.ExistWatches)
		list("child", r.ChildWatches)
		list("persistent", r.PersistentWatches)
		list("recursive", r.PersistentRecursiveWatches)
	case *ReconfigRequest:
		for _, kv := range [][2]string{{"joining", r.Joining}, {"leaving", r.Leaving}, {"members", r.Members}} {
			if kv[1] != "" {
				add(kv[0] + "=" + listWord(kv[1]))
			}
		}
		nonZero("config", r.ConfigID, 0)
	case *jute.MultiRequest:
		for i, o := range r.Ops {
			if i > 0 {
				add("|")
			}
			l, err := formatRequest(o.Op, o.Request)
			if err != nil {
				return "", err
			}
			add(l)
		}
	default:
		return "", fmt.Errorf("no text form for a %T", req)
	}
	return strings.Join(parts, " "), err
}

// word is s bare if it reads back as itself, else quoted.
func word(s string) string {
	if s == "" || s == "null" || s == "watch" || s == "sorted" || s == "|" {
		return strconv.Quote(s)
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-:+@~", r)) {
			return strconv.Quote(s)
		}
	}
	if k, _, ok := strings.Cut(s, "="); ok && isKey(k) {
		return strconv.Quote(s)
	}
	return s
}

// listWord is an element of a list or an option's value: bare if
// possible, else quoted.
func listWord(s string) string {
	if strings.ContainsAny(s, `,"`) {
		return strconv.Quote(s)
	}
	return word(s)
}

// data is b as a positional argument: null for a null buffer.
func data(b []byte) string {
	if b == nil {
		return "null"
	}
	return word(string(b))
}
