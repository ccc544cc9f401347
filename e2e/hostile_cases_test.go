package e2e

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/zkgate/zkgate/e2e/harness"
	"github.com/zkgate/zkgate/zkbridge/jute"
)

// Malformed requests, byte for byte, for the hostile-input tests: each is
// sent on a fresh session, after the fixture below exists, and the
// server's answer is compared with a real ZooKeeper 3.8's.

// hostileFixture is the tree every malformed request aims at. None of
// them may change it.
var hostileFixture = []string{"/h", "/h/a", "/h/b"}

// badXid is the xid of every malformed request; probeXid that of the
// exists sent after it to see whether the connection goes on.
const (
	badXid   = 7
	probeXid = 8
)

// rawCase is one malformed request: a frame's bytes (length prefix
// included), sent after a completed handshake.
type rawCase struct {
	name  string
	bytes []byte
}

// frame returns a frame holding a request header and body.
func frame(xid int32, op jute.OpCode, body []byte) []byte {
	b := jute.Append(nil, &jute.RequestHeader{Xid: xid, Type: op})
	return jute.AppendFrame(nil, append(b, body...))
}

// rec encodes records.
func rec(recs ...jute.Encodable) []byte { return jute.Append(nil, recs...) }

// withInt returns b with the int at off replaced by v.
func withInt(b []byte, off int, v int32) []byte {
	out := append([]byte(nil), b...)
	binary.BigEndian.PutUint32(out[off:], uint32(v))
	return out
}

var openACL = []jute.ACL{{Perms: jute.PermAll, ID: jute.ID{Scheme: "world", ID: "anyone"}}}

// truncations returns the cases of a request whose body is cut short:
// empty, cut inside, one byte short, and (when it starts with a string or
// buffer length) a negative and a huge first length.
func truncations(name string, xid int32, op jute.OpCode, body []byte, startsWithLen bool) []rawCase {
	cs := []rawCase{
		{name + "/empty body", frame(xid, op, nil)},
		{name + "/3 bytes", frame(xid, op, body[:3])},
		{name + "/cut in the middle", frame(xid, op, body[:len(body)/2])},
		{name + "/one byte short", frame(xid, op, body[:len(body)-1])},
	}
	if startsWithLen {
		cs = append(cs,
			rawCase{name + "/length -2", frame(xid, op, withInt(body, 0, -2))},
			rawCase{name + "/length 2^31-1", frame(xid, op, withInt(body, 0, 0x7fffffff))},
			rawCase{name + "/length past the end", frame(xid, op, withInt(body, 0, int32(len(body))))},
		)
	}
	return cs
}

// hostileCases are the malformed requests, by opcode, then framing and
// multi oddities.
func hostileCases() []rawCase {
	var cs []rawCase
	add := func(name string, op jute.OpCode, r jute.Encodable, startsWithLen bool) {
		cs = append(cs, truncations(name, badXid, op, rec(r), startsWithLen)...)
	}
	create := &jute.CreateRequest{Path: "/h/new", Data: []byte("data"), ACL: openACL}
	add("create", jute.OpCreate, create, true)
	add("create2", jute.OpCreate2, create, true)
	add("createContainer", jute.OpCreateContainer, &jute.CreateRequest{Path: "/h/new", ACL: openACL, Flags: 4}, true)
	add("createTTL", jute.OpCreateTTL, &jute.CreateTTLRequest{Path: "/h/new", ACL: openACL, Flags: 5, TTL: 60000}, true)
	add("delete", jute.OpDelete, &jute.DeleteRequest{Path: "/h/a", Version: -1}, true)
	add("setData", jute.OpSetData, &jute.SetDataRequest{Path: "/h/a", Data: []byte("changed"), Version: -1}, true)
	add("setACL", jute.OpSetACL, &jute.SetACLRequest{Path: "/h/a", ACL: []jute.ACL{{Perms: jute.PermRead, ID: jute.ID{Scheme: "world", ID: "anyone"}}}, Version: -1}, true)
	add("exists", jute.OpExists, &jute.ExistsRequest{Path: "/h/a"}, true)
	add("getData", jute.OpGetData, &jute.GetDataRequest{Path: "/h/a"}, true)
	add("getACL", jute.OpGetACL, &jute.GetACLRequest{Path: "/h/a"}, true)
	add("getChildren", jute.OpGetChildren, &jute.GetChildrenRequest{Path: "/h"}, true)
	add("getChildren2", jute.OpGetChildren2, &jute.GetChildren2Request{Path: "/h"}, true)
	add("sync", jute.OpSync, &jute.SyncRequest{Path: "/h"}, true)
	add("getAllChildrenNumber", jute.OpGetAllChildrenNumber, &jute.GetAllChildrenNumberRequest{Path: "/h"}, true)
	add("getEphemerals", jute.OpGetEphemerals, &jute.GetEphemeralsRequest{PrefixPath: "/h"}, true)
	add("addWatch", jute.OpAddWatch, &jute.AddWatchRequest{Path: "/h", Mode: 1}, true)
	add("checkWatches", jute.OpCheckWatches, &jute.CheckWatchesRequest{Path: "/h", Type: 3}, true)
	add("removeWatches", jute.OpRemoveWatches, &jute.RemoveWatchesRequest{Path: "/h", Type: 3}, true)
	cs = append(cs, truncations("auth", jute.XidAuth, jute.OpAuth, rec(&jute.AuthPacket{Scheme: "digest", Auth: []byte("alice:pw")}), false)...)
	cs = append(cs, truncations("setWatches", jute.XidSetWatches, jute.OpSetWatches,
		rec(&jute.SetWatches{DataWatches: []string{"/h/a"}, ExistWatches: []string{}, ChildWatches: []string{"/h"}}), false)...)
	cs = append(cs, truncations("setWatches2", jute.XidSetWatches, jute.OpSetWatches2,
		rec(&jute.SetWatches2{DataWatches: []string{"/h/a"}, ExistWatches: []string{}, ChildWatches: []string{"/h"},
			PersistentWatches: []string{}, PersistentRecursiveWatches: []string{}}), false)...)

	// Multi: every op is decoded before any is applied.
	first := rec(&jute.MultiHeader{Type: jute.OpCreate, Err: -1}, create)
	setData := rec(&jute.MultiHeader{Type: jute.OpSetData, Err: -1}, &jute.SetDataRequest{Path: "/h/a", Data: []byte("changed"), Version: -1})
	done := rec(&jute.MultiHeader{Type: -1, Done: true, Err: -1})
	multi := func(parts ...[]byte) []byte {
		return frame(badXid, jute.OpMulti, []byte(strings.Join(toStrings(parts), "")))
	}
	cs = append(cs,
		rawCase{"multi/second op cut short", multi(first, setData[:len(setData)-3])},
		rawCase{"multi/second op with a negative path length", multi(first, withInt(setData, 9, -2), done)},
		rawCase{"multi/second op of unknown type", multi(first, rec(&jute.MultiHeader{Type: 99, Err: -1}), done)},
		rawCase{"multi/second op a getData", multi(first, rec(&jute.MultiHeader{Type: jute.OpGetData, Err: -1}, &jute.GetDataRequest{Path: "/h"}), done)},
		rawCase{"multi/no done header", multi(first, setData)},
		rawCase{"multi/header cut short", multi(first, []byte{0, 0, 0, 5, 0})},
		rawCase{"multiRead/second op a setData", frame(badXid, jute.OpMultiRead, []byte(strings.Join(toStrings([][]byte{
			rec(&jute.MultiHeader{Type: jute.OpGetData, Err: -1}, &jute.GetDataRequest{Path: "/h"}), setData, done}), "")))},
		rawCase{"multiRead/second op cut short", frame(badXid, jute.OpMultiRead, []byte(strings.Join(toStrings([][]byte{
			rec(&jute.MultiHeader{Type: jute.OpGetData, Err: -1}, &jute.GetDataRequest{Path: "/h"}),
			rec(&jute.MultiHeader{Type: jute.OpGetChildren, Err: -1})}), "")))},
	)

	// Headers and opcodes.
	cs = append(cs,
		rawCase{"header/empty frame", jute.AppendFrame(nil, nil)},
		rawCase{"header/4 bytes", jute.AppendFrame(nil, []byte{0, 0, 0, badXid})},
		rawCase{"header/7 bytes", jute.AppendFrame(nil, []byte{0, 0, 0, badXid, 0, 0, 0})},
		rawCase{"opcode 99", frame(badXid, 99, nil)},
		rawCase{"opcode -5", frame(badXid, -5, nil)},
		rawCase{"opcode notification", frame(badXid, jute.OpNotification, nil)},
		rawCase{"opcode createSession", frame(badXid, jute.OpCreateSession, rec(&jute.ConnectRequest{Passwd: make([]byte, 16)}))},
		rawCase{"opcode sasl", frame(badXid, jute.OpSASL, rec(&jute.AuthPacket{Scheme: "x"}))},
		rawCase{"opcode check outside a multi", frame(badXid, jute.OpCheck, rec(&jute.CheckVersionRequest{Path: "/h/a", Version: 0}))},
		rawCase{"opcode error", frame(badXid, jute.OpError, nil)},
	)
	return cs
}

func toStrings(parts [][]byte) []string {
	out := make([]string, len(parts))
	for i, p := range parts {
		out[i] = string(p)
	}
	return out
}

// dialRaw opens a session for one malformed request (30 s timeout).
func dialRaw(addr string) (*harness.ZKRaw, error) {
	return harness.DialZK(addr, harness.ZKConnectOptions{TimeOut: 30000})
}

// outcome is what a malformed request got: the reply to it ("err -5
// (zxid Z, xid 7)", Z for any positive zxid, or "no reply"), then what
// became of the connection ("open": a request sent behind it was
// answered; "closed"; "silence": neither within the deadline).
type outcome struct{ reply, then string }

func (o outcome) String() string { return o.reply + ", " + o.then }

// sendRaw sends b on a fresh session, then an exists probe, and reads
// what comes back.
func sendRaw(c *harness.ZKRaw, b []byte) outcome {
	deadline := time.Now().Add(15 * time.Second)
	if err := c.Send(b); err != nil {
		return outcome{"no reply", "closed"}
	}
	// The probe may meet a closed socket: that is an answer too.
	_ = c.Send(frame(probeXid, jute.OpExists, rec(&jute.ExistsRequest{Path: "/h"})))
	o := outcome{reply: "no reply"}
	for {
		body, err := c.ReadFrame(deadline)
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				o.then = "silence"
			} else {
				o.then = "closed"
			}
			return o
		}
		var rh jute.ReplyHeader
		if _, err := jute.DecodePrefix(body, &rh); err != nil {
			o.reply = fmt.Sprintf("undecodable reply %x", body)
			continue
		}
		switch rh.Xid {
		case jute.XidNotification:
		case probeXid:
			o.then = "open"
			return o
		default:
			z := "Z"
			if rh.Zxid <= 0 {
				z = fmt.Sprint(rh.Zxid)
			}
			o.reply = fmt.Sprintf("err %d (zxid %s, xid %d)", rh.Err, z, rh.Xid)
		}
	}
}
