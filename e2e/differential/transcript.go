package differential

import (
	"errors"
	"fmt"
	"os"
	"slices"

	"github.com/zkgate/zkgate/e2e/harness"
	"github.com/zkgate/zkgate/schema"
	"github.com/zkgate/zkgate/zkbridge/jute"
)

// ---------------------------------------------------------------------
// Transcript tokens: values that normalization rewrites are kept typed
// until then.

type tokKind int

const (
	tText  tokKind = iota
	tZxid          // a Stat zxid
	tHZxid         // a reply-header zxid
	tTime          // ctime/mtime; z is the zxid it belongs to
	tSess          // a session id
)

type tok struct {
	kind tokKind
	s    string
	v, z int64
}

// Line is one line of a transcript; Text appends text to it.
type Line []tok

// Text appends formatted text.
func (l *Line) Text(format string, args ...any) {
	*l = append(*l, tok{kind: tText, s: fmt.Sprintf(format, args...)})
}
func (l *Line) zxid(v int64)    { *l = append(*l, tok{kind: tZxid, v: v}) }
func (l *Line) hzxid(v int64)   { *l = append(*l, tok{kind: tHZxid, v: v}) }
func (l *Line) time(v, z int64) { *l = append(*l, tok{kind: tTime, v: v, z: z}) }
func (l *Line) sess(v int64)    { *l = append(*l, tok{kind: tSess, v: v}) }

func (l *Line) stat(st jute.Stat) {
	l.Text("stat{cz=")
	l.zxid(st.Czxid)
	l.Text(" mz=")
	l.zxid(st.Mzxid)
	l.Text(" ct=")
	l.time(st.Ctime, st.Czxid)
	l.Text(" mt=")
	l.time(st.Mtime, st.Mzxid)
	l.Text(" v=%d cv=%d av=%d eph=", st.Version, st.Cversion, st.Aversion)
	l.sess(st.EphemeralOwner)
	l.Text(" len=%d nc=%d pz=", st.DataLength, st.NumChildren)
	l.zxid(st.Pzxid)
	l.Text("}")
}

type entry struct {
	head  string
	lines []Line
}

// ---------------------------------------------------------------------
// (session 0) it also shows whether the server then closes.
func ConnectLine(nc *harness.ZKRaw) Line {
	var l Line
	l.Text("session=")
	l.sess(nc.Resp.SessionID)
	l.Text(" timeout=%d passwdLen=%d readOnly=%v", nc.Resp.TimeOut, len(nc.Resp.Passwd), nc.Resp.ReadOnly)
	if nc.Resp.SessionID == 0 {
		if _, err := nc.Ping(); errors.Is(err, harness.ErrZKClosed) {
			l.Text(", then closed")
		} else {
			l.Text(", then ping: %v", ErrText(err))
		}
	}
	return l
}

// ErrText prints err as transcripts show it.
func ErrText(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, harness.ErrZKClosed):
		return "connection closed"
	case errors.Is(err, os.ErrDeadlineExceeded):
		return "timeout"
	}
	return err.Error()
}

// EventLines prints notifications.
func EventLines(evs []harness.ZKEvent) []Line {
	var out []Line
	for _, ev := range evs {
		var l Line
		l.Text("  event %v %v %q zxid=", ev.Type, ev.State, ev.Path)
		l.hzxid(ev.Zxid)
		out = append(out, l)
	}
	return out
}

// ReplyLine prints a reply: its error code, decoded body and zxid.
func ReplyLine(op jute.OpCode, rh jute.ReplyHeader, d *jute.Decoder, err error) Line {
	var l Line
	if err != nil {
		l.Text("  -> %s", ErrText(err))
		return l
	}
	l.Text("  -> %v", rh.Err)
	if rh.Err == schema.CodeOK && d != nil {
		var body Line
		decodeBody(&body, op, d)
		if len(body) > 0 {
			l.Text(" ")
			l = append(l, body...)
		}
	}
	l.Text(" hz=")
	l.hzxid(rh.Zxid)
	return l
}

func decodeBody(l *Line, op jute.OpCode, d *jute.Decoder) {
	fail := func(err error) { l.Text("<decode: %v>", err) }
	switch op {
	case jute.OpCreate:
		var r jute.CreateResponse
		if err := r.Decode(d); err != nil {
			fail(err)
			return
		}
		l.Text("%q", r.Path)
	case jute.OpCreate2, jute.OpCreateContainer, jute.OpCreateTTL:
		var r jute.Create2Response
		if err := r.Decode(d); err != nil {
			fail(err)
			return
		}
		l.Text("%q ", r.Path)
		l.stat(r.Stat)
	case jute.OpExists, jute.OpSetData, jute.OpSetACL:
		var st jute.Stat
		if err := st.Decode(d); err != nil {
			fail(err)
			return
		}
		l.stat(st)
	case jute.OpGetData, jute.OpReconfig:
		var r jute.GetDataResponse
		if err := r.Decode(d); err != nil {
			fail(err)
			return
		}
		l.Text("%s ", dataText(r.Data))
		l.stat(r.Stat)
	case jute.OpGetACL:
		var r jute.GetACLResponse
		if err := r.Decode(d); err != nil {
			fail(err)
			return
		}
		l.Text("%v ", r.ACL)
		l.stat(r.Stat)
	case jute.OpGetChildren:
		var r jute.GetChildrenResponse
		if err := r.Decode(d); err != nil {
			fail(err)
			return
		}
		l.Text("%q", sorted(r.Children))
	case jute.OpGetChildren2:
		var r jute.GetChildren2Response
		if err := r.Decode(d); err != nil {
			fail(err)
			return
		}
		l.Text("%q ", sorted(r.Children))
		l.stat(r.Stat)
	case jute.OpSync:
		var r jute.SyncResponse
		if err := r.Decode(d); err != nil {
			fail(err)
			return
		}
		l.Text("%q", r.Path)
	case jute.OpGetAllChildrenNumber:
		var r jute.GetAllChildrenNumberResponse
		if err := r.Decode(d); err != nil {
			fail(err)
			return
		}
		l.Text("%d", r.TotalNumber)
	case jute.OpGetEphemerals:
		var r jute.GetEphemeralsResponse
		if err := r.Decode(d); err != nil {
			fail(err)
			return
		}
		l.Text("%q", sorted(r.Ephemerals))
	case jute.OpWhoAmI:
		var r jute.WhoAmIResponse
		if err := r.Decode(d); err != nil {
			fail(err)
			return
		}
		var ids []string
		for _, ci := range r.ClientInfo {
			ids = append(ids, ci.AuthScheme+":"+ci.User)
		}
		l.Text("%q", sorted(ids))
	case jute.OpMulti, jute.OpMultiRead:
		var r jute.MultiResponse
		if err := r.Decode(d); err != nil {
			fail(err)
			return
		}
		l.Text("[")
		for i, res := range r.Results {
			if i > 0 {
				l.Text(" | ")
			}
			l.Text("%v", res.Op)
			switch res.Op {
			case jute.OpCreate:
				l.Text(" %q", res.Path)
			case jute.OpCreate2:
				l.Text(" %q ", res.Path)
				l.stat(res.Stat)
			case jute.OpSetData:
				l.Text(" ")
				l.stat(res.Stat)
			case jute.OpGetData:
				l.Text(" %s ", dataText(res.Data))
				l.stat(res.Stat)
			case jute.OpGetChildren:
				l.Text(" %q", sorted(res.Children))
			case jute.OpError:
				l.Text(" %v", res.Err)
			}
		}
		l.Text("]")
	}
	if d.Remaining() > 0 {
		l.Text(" +%d trailing bytes", d.Remaining())
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}
