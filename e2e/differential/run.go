package differential

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/zkgate/zkgate/e2e/harness"
	"github.com/zkgate/zkgate/schema"
	"github.com/zkgate/zkgate/zkbridge/jute"
)

// Running a script against one server

const (
	eventWait = 10 * time.Second
	goneWait  = 30 * time.Second
	CloseWait = 5 * time.Second
)

type runResult struct {
	entries    []entry
	start, end time.Time
}

func runScript(addr string, sc *Script) runResult {
	res := runResult{start: time.Now()}
	sessions := map[string]*harness.ZKRaw{}
	var order []string
	for i, st := range sc.steps {
		e := entry{head: fmt.Sprintf("%02d %s> %s", i, st.sess, st.desc)}
		c := sessions[st.sess]
		if c == nil && st.kind != kConnect && st.kind != kReconnect && st.kind != kCustom {
			var l Line
			l.Text("no such session")
			e.lines = append(e.lines, l)
			res.entries = append(res.entries, e)
			continue
		}
		switch st.kind {
		case kConnect, kReconnect:
			o := harness.ZKConnectOptions{TimeOut: st.timeout}
			if st.kind == kReconnect {
				old := sessions[st.from]
				o.SessionID, o.Passwd = old.Resp.SessionID, old.Resp.Passwd
			}
			nc, err := harness.DialZK(addr, o)
			var l Line
			if err != nil {
				l.Text("connect failed: %v", err)
			} else {
				if _, ok := sessions[st.sess]; !ok {
					order = append(order, st.sess)
				}
				sessions[st.sess] = nc
				l = ConnectLine(nc)
			}
			e.lines = append(e.lines, l)
		case kCustom:
			nc, lines := st.run(addr, sessions)
			if nc != nil {
				if _, ok := sessions[st.sess]; !ok {
					order = append(order, st.sess)
				}
				sessions[st.sess] = nc
			}
			e.lines = append(e.lines, lines...)
		case kCall:
			var (
				rh  jute.ReplyHeader
				d   *jute.Decoder
				err error
			)
			if st.xid != 0 {
				rh, d, err = c.CallXid(st.xid, st.op, st.req)
			} else {
				rh, d, err = c.Call(st.op, st.req)
			}
			e.lines = append(e.lines, EventLines(c.TakeEvents())...)
			e.lines = append(e.lines, ReplyLine(st.op, rh, d, err))
		case kAuth:
			ap := st.req.(*jute.AuthPacket)
			rh, err := c.Auth(ap.Scheme, ap.Auth)
			e.lines = append(e.lines, EventLines(c.TakeEvents())...)
			e.lines = append(e.lines, ReplyLine(jute.OpAuth, rh, nil, err))
			if err == nil && rh.Err != 0 {
				// ZooKeeper closes after AuthFailed: show whether the
				// server closed within CloseWait, then drop it anyway.
				var l Line
				_, err := c.WaitEvents(1, CloseWait)
				switch {
				case errors.Is(err, harness.ErrZKClosed):
					l.Text("then closed by the server")
				case err == nil:
					l.Text("then an event")
				default:
					l.Text("then still open after %v", CloseWait)
				}
				c.Drop()
				e.lines = append(e.lines, l)
			}
		case kEvents:
			evs, err := c.WaitEvents(st.n, eventWait)
			if st.sorted {
				slices.SortFunc(evs, func(a, b harness.ZKEvent) int { return strings.Compare(a.String(), b.String()) })
			}
			e.lines = append(e.lines, EventLines(evs)...)
			if err != nil {
				var l Line
				l.Text("wait: %v", ErrText(err))
				e.lines = append(e.lines, l)
			}
		case kClose:
			rh, err := c.CloseSession()
			e.lines = append(e.lines, EventLines(c.TakeEvents())...)
			e.lines = append(e.lines, ReplyLine(jute.OpCloseSession, rh, nil, err))
		case kDrop:
			c.Drop()
		case kPollGone:
			deadline := time.Now().Add(goneWait)
			var l Line
			for {
				rh, _, err := c.Call(jute.OpExists, &jute.ExistsRequest{Path: st.path})
				if err != nil {
					l.Text("poll: %v", ErrText(err))
					break
				}
				if rh.Err == schema.CodeNoNode {
					l.Text("gone")
					break
				}
				if time.Now().After(deadline) {
					l.Text("still there after %v (%v)", goneWait, rh.Err)
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
			e.lines = append(e.lines, EventLines(c.TakeEvents())...)
			e.lines = append(e.lines, l)
		}
		res.entries = append(res.entries, e)
	}
	// Drain: a ping on each open session shows events still in flight.
	for _, name := range order {
		c := sessions[name]
		if c.Closed() {
			continue
		}
		e := entry{head: fmt.Sprintf("end %s> ping (drain events)", name)}
		_, err := c.Ping()
		e.lines = append(e.lines, EventLines(c.TakeEvents())...)
		if err != nil {
			var l Line
			l.Text("ping: %v", ErrText(err))
			e.lines = append(e.lines, l)
		}
		c.Drop()
		res.entries = append(res.entries, e)
	}
	res.end = time.Now()
	return res
}

// ConnectLine prints a ConnectResponse; for an expired answer
