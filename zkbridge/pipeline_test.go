package zkbridge_test

import (
	"fmt"
	"testing"

	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/gateway/gatewaytest"
	"github.com/zkgate/zkgate/schema"
	"github.com/zkgate/zkgate/zkbridge/jute"
)

var openACL = []jute.ACL{{Perms: 31, ID: jute.ID{Scheme: "world", ID: "anyone"}}}

// pipe sends every request in one write, before reading any reply, as a
// client with many requests in flight does, and returns the frames that
// come back (replies and notifications) until want replies have arrived
// or the connection closes.
func (c *client) pipe(want int, reqs ...jute.Encodable) [][]byte {
	c.t.Helper()
	var buf []byte
	for i := 0; i < len(reqs); i += 2 {
		h := reqs[i].(*jute.RequestHeader)
		h.Xid = c.NextXid()
		recs := []jute.Encodable{h}
		if reqs[i+1] != nil {
			recs = append(recs, reqs[i+1])
		}
		buf = jute.AppendPacket(buf, recs...)
	}
	c.write(buf)
	var frames [][]byte
	for replies := 0; replies < want; {
		f := c.frame()
		if f == nil {
			break
		}
		frames = append(frames, f)
		if h := header(c.t, f); h.Xid != jute.XidNotification {
			replies++
		}
	}
	return frames
}

func header(t testing.TB, f []byte) jute.ReplyHeader {
	t.Helper()
	var h jute.ReplyHeader
	if err := h.Decode(jute.NewDecoder(f)); err != nil {
		t.Fatal(err)
	}
	return h
}

func op(o jute.OpCode) *jute.RequestHeader { return &jute.RequestHeader{Type: o} }

// TestPipeline_OrderAndReadYourWrites: 200 requests sent at once, writes
// and reads interleaved, are answered in the order sent; each setData
// names the version the previous one made, so one applied out of order
// fails with BadVersion; each getData sees the write just before it; and
// the writes, in flight together, share transactions (without a pipeline
// each would be committed on its own, at its own zxid).
func TestPipeline_OrderAndReadYourWrites(t *testing.T) {
	cl := gatewaytest.StartCluster(t, 1)
	addr := startBridge(t, cl, 0, gateway.Config{})
	c := connect(t, addr, jute.ConnectRequest{})
	c.create("/p", 0)

	const rounds = 100
	var reqs []jute.Encodable
	for i := range rounds {
		reqs = append(reqs,
			op(jute.OpSetData), &jute.SetDataRequest{Path: "/p", Data: []byte(fmt.Sprint(i)), Version: int32(i)},
			op(jute.OpGetData), &jute.GetDataRequest{Path: "/p"})
	}
	first := c.Xid() + 1
	frames := c.pipe(2*rounds, reqs...)
	if len(frames) != 2*rounds {
		t.Fatalf("%d replies, want %d", len(frames), 2*rounds)
	}
	zxids := map[int64]bool{}
	var last int64
	for i, f := range frames {
		d := jute.NewDecoder(f)
		var h jute.ReplyHeader
		if err := h.Decode(d); err != nil {
			t.Fatal(err)
		}
		if h.Xid != first+int32(i) {
			t.Fatalf("reply %d has xid %d, want %d", i, h.Xid, first+int32(i))
		}
		if h.Err != schema.CodeOK {
			t.Fatalf("request %d (xid %d): %v", i, h.Xid, h.Err)
		}
		if h.Zxid < last {
			t.Fatalf("reply zxid went back from %d to %d", last, h.Zxid)
		}
		last = h.Zxid
		if i%2 == 0 {
			var r jute.SetDataResponse
			if err := r.Decode(d); err != nil {
				t.Fatal(err)
			}
			if r.Stat.Version != int32(i/2+1) {
				t.Fatalf("setData %d made version %d", i/2, r.Stat.Version)
			}
			zxids[r.Stat.Mzxid] = true
			continue
		}
		var r jute.GetDataResponse
		if err := r.Decode(d); err != nil {
			t.Fatal(err)
		}
		if string(r.Data) != fmt.Sprint(i/2) || r.Stat.Version != int32(i/2+1) {
			t.Fatalf("getData after setData %d read %q version %d", i/2, r.Data, r.Stat.Version)
		}
	}
	// A znode is written at most once per transaction, so the setData
	// calls cannot share one; creates of distinct znodes can.
	var creates []jute.Encodable
	for i := range rounds {
		creates = append(creates, op(jute.OpCreate), &jute.CreateRequest{Path: fmt.Sprintf("/p/c%03d", i), ACL: openACL})
	}
	zxids = map[int64]bool{}
	for i, f := range c.pipe(rounds, creates...) {
		h := header(t, f)
		if h.Err != schema.CodeOK {
			t.Fatalf("create %d: %v", i, h.Err)
		}
		zxids[h.Zxid] = true
	}
	if len(zxids) > rounds/2 {
		t.Fatalf("%d pipelined creates were committed at %d zxids: not in flight together", rounds, len(zxids))
	}
}

// TestPipeline_WatchEventOrder: getData with a watch, then a setData of
// the same znode, sent together: the getData reply comes first, then the
// event, then the setData reply, as from ZooKeeper.
func TestPipeline_WatchEventOrder(t *testing.T) {
	cl := gatewaytest.StartCluster(t, 1)
	addr := startBridge(t, cl, 0, gateway.Config{})
	c := connect(t, addr, jute.ConnectRequest{})
	c.create("/w", 0)
	first := c.Xid() + 1
	frames := c.pipe(3,
		op(jute.OpGetData), &jute.GetDataRequest{Path: "/w", Watch: true},
		op(jute.OpSetData), &jute.SetDataRequest{Path: "/w", Data: []byte("x"), Version: -1},
		op(jute.OpExists), &jute.ExistsRequest{Path: "/w"})
	var got []int32
	for _, f := range frames {
		got = append(got, header(t, f).Xid)
	}
	want := []int32{first, jute.XidNotification, first + 1, first + 2}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("frames in order %v, want %v", got, want)
	}
}

// TestPipeline_StopsAtAFatalRequest: a request that ends the connection
// (an unknown opcode) in the middle of a pipeline does so in its turn:
// the writes before it are applied and answered, it is answered
// Unimplemented, and none after it is applied.
func TestPipeline_StopsAtAFatalRequest(t *testing.T) {
	cl := gatewaytest.StartCluster(t, 1)
	addr := startBridge(t, cl, 0, gateway.Config{})
	c := connect(t, addr, jute.ConnectRequest{})
	first := c.Xid() + 1
	frames := c.pipe(4,
		op(jute.OpCreate), &jute.CreateRequest{Path: "/before", ACL: openACL},
		op(jute.OpGetData), &jute.GetDataRequest{Path: "/before"},
		op(jute.OpCode(99)), nil,
		op(jute.OpCreate), &jute.CreateRequest{Path: "/after", ACL: openACL})
	if len(frames) != 3 || header(t, frames[0]).Xid != first || header(t, frames[1]).Xid != first+1 ||
		header(t, frames[2]).Err != schema.CodeUnimplemented {
		t.Fatalf("%d frames before the close, want the two replies before the unknown opcode and its Unimplemented", len(frames))
	}
	o := connect(t, addr, jute.ConnectRequest{})
	if _, code := o.stat("/before"); code != schema.CodeOK {
		t.Fatalf("/before: %v", code)
	}
	if _, code := o.stat("/after"); code != schema.CodeNoNode {
		t.Fatalf("/after, sent after an unknown opcode: %v, want NoNode", code)
	}
}

// TestPipeline_MalformedWriteAnsweredInItsTurn: a create cut short in the
// middle of a pipeline is answered MarshallingError in its turn, as
// ZooKeeper does, applies nothing, and the requests after it are served.
func TestPipeline_MalformedWriteAnsweredInItsTurn(t *testing.T) {
	cl := gatewaytest.StartCluster(t, 1)
	addr := startBridge(t, cl, 0, gateway.Config{})
	c := connect(t, addr, jute.ConnectRequest{})
	first := c.Xid() + 1
	frames := c.pipe(4,
		op(jute.OpCreate), &jute.CreateRequest{Path: "/before", ACL: openACL},
		op(jute.OpGetData), &jute.GetDataRequest{Path: "/before"},
		op(jute.OpCreate), truncated{}, // a path length with no path
		op(jute.OpCreate), &jute.CreateRequest{Path: "/after", ACL: openACL})
	var got []string
	for _, f := range frames {
		h := header(t, f)
		got = append(got, fmt.Sprintf("%d:%d", h.Xid-first, h.Err))
	}
	if want := "[0:0 1:0 2:-5 3:0]"; fmt.Sprint(got) != want {
		t.Fatalf("replies (xid:err) %v, want %s", got, want)
	}
	for _, p := range []string{"/before", "/after"} {
		if _, code := c.stat(p); code != schema.CodeOK {
			t.Fatalf("%s: %v", p, code)
		}
	}
	if st, _ := c.stat("/"); st.NumChildren != 3 { // /zookeeper, /before, /after
		t.Fatalf("root has %d children, want 3", st.NumChildren)
	}
}

// TestPipeline_CloseSessionEndsThePipeline: requests sent after
// closeSession get no reply and change nothing.
func TestPipeline_CloseSessionEndsThePipeline(t *testing.T) {
	cl := gatewaytest.StartCluster(t, 1)
	addr := startBridge(t, cl, 0, gateway.Config{})
	c := connect(t, addr, jute.ConnectRequest{})
	frames := c.pipe(3,
		op(jute.OpCreate), &jute.CreateRequest{Path: "/x", ACL: openACL},
		op(jute.OpCloseSession), nil,
		op(jute.OpCreate), &jute.CreateRequest{Path: "/y", ACL: openACL})
	if len(frames) != 2 {
		t.Fatalf("%d replies, want 2 (create, closeSession)", len(frames))
	}
	o := connect(t, addr, jute.ConnectRequest{})
	if _, code := o.stat("/y"); code != schema.CodeNoNode {
		t.Fatalf("/y, sent after closeSession: %v, want NoNode", code)
	}
}

// truncated is a record cut short: a string length and no string.
type truncated struct{}

func (truncated) Encode(e *jute.Encoder) { e.WriteInt(5) }
