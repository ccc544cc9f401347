package zkbridge_test

import (
	"bytes"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/gateway/gatewaytest"
	"github.com/zkgate/zkgate/schema"
	"github.com/zkgate/zkgate/zkbridge"
	"github.com/zkgate/zkgate/zkbridge/jute"
)

// TestIdleConnection_NoWriterGoroutine: an idle connection keeps one
// goroutine, its reader. Its writer runs only while something is queued:
// it is started for a watch event, and ends once it is written. With a
// writer kept per connection, n idle connections would hold 2n
// goroutines.
func TestIdleConnection_NoWriterGoroutine(t *testing.T) {
	cl := gatewaytest.StartCluster(t, 1)
	s, addr := startServer(t, cl, 0, gateway.Config{}, nil)
	w := connect(t, addr, jute.ConnectRequest{TimeOut: 30000})
	w.create("/idle", 0)
	s.AwaitWritten()
	g0 := runtime.NumGoroutine()

	// Some slack for goroutines the embedded etcd member starts and ends,
	// and for writers that have finished writing but not yet returned.
	const n = 200
	check := func(when string) {
		t.Helper()
		s.AwaitWritten()
		if g := runtime.NumGoroutine() - g0; g > n+n/4 {
			t.Fatalf("%s: %d goroutines more for %d idle connections: more than one each", when, g, n)
		}
	}
	conns := make([]*client, n)
	for i := range conns {
		conns[i] = connect(t, addr, jute.ConnectRequest{TimeOut: 30000})
		// A read that leaves a watch behind, as an idle client has.
		if rh, _ := conns[i].call(jute.OpGetData, &jute.GetDataRequest{Path: "/idle", Watch: true}); rh.Err != schema.CodeOK {
			t.Fatalf("getData: %v", rh.Err)
		}
	}
	check("after the handshakes")

	// A change: each connection is sent its watch event, by a writer
	// started for it.
	if rh, _ := w.call(jute.OpSetData, &jute.SetDataRequest{Path: "/idle", Data: []byte("x"), Version: -1}); rh.Err != schema.CodeOK {
		t.Fatalf("setData: %v", rh.Err)
	}
	for _, c := range conns {
		f := c.frame()
		if f == nil {
			t.Fatal("connection closed waiting for its watch event")
		}
		if h := header(t, f); h.Xid != jute.XidNotification {
			t.Fatalf("frame with xid %d, want the watch event", h.Xid)
		}
	}
	check("after the watch events")
}

// TestFrames_PooledBuffersKeepData: request frames of many sizes, around
// and beyond the pooled sizes, large ones before small ones, sent in one
// write so that they share reads, on several connections at once: each
// is read into buffers that others have used before, and every byte of
// data comes back as it was sent.
func TestFrames_PooledBuffersKeepData(t *testing.T) {
	cl := gatewaytest.StartCluster(t, 1)
	addr := startBridgeWith(t, cl, 0, gateway.Config{}, func(c *zkbridge.Config) { c.MaxPacket = 1 << 20 })
	const conns = 6
	t.Run("group", func(t *testing.T) {
		for i := range conns {
			t.Run(fmt.Sprint(i), func(t *testing.T) {
				t.Parallel()
				c := connect(t, addr, jute.ConnectRequest{TimeOut: 30000})
				path := fmt.Sprintf("/pool%d", i)
				c.create(path, 0)
				// A setData frame is 20 bytes and the path around its data.
				frame := func(size int) int { return size - 20 - len(path) }
				sizes := []int{300 << 10, 64<<10 + 1, frame(64 << 10), frame(64<<10) + 1, 50 << 10, 4096, frame(4096), 0, 1, 17, 1000, 5000, frame(256)}
				// gets[k] is the data the k-th reply returns, if it
				// answers a getData.
				type get struct {
					ok   bool
					data []byte
				}
				for round := range 3 {
					var reqs []jute.Encodable
					var gets []get
					for j, size := range sizes {
						data := make([]byte, size)
						for k := range data {
							data[k] = byte(i*37 + j*11 + round*5 + k%251)
						}
						reqs = append(reqs,
							op(jute.OpSetData), &jute.SetDataRequest{Path: path, Data: data, Version: -1},
							op(jute.OpGetData), &jute.GetDataRequest{Path: path})
						gets = append(gets, get{}, get{true, data})
						// Small requests between, of varied lengths, so
						// that frames straddle the read buffer's end.
						for k := range j + 3 {
							reqs = append(reqs, op(jute.OpExists), &jute.ExistsRequest{Path: path + strings.Repeat("/x", k)})
							gets = append(gets, get{})
						}
					}
					frames := c.pipe(len(gets), reqs...)
					if len(frames) != len(gets) {
						t.Fatalf("%d replies, want %d", len(frames), len(gets))
					}
					for k, f := range frames {
						d := jute.NewDecoder(f)
						var h jute.ReplyHeader
						if err := h.Decode(d); err != nil {
							t.Fatal(err)
						}
						if h.Err != schema.CodeOK && h.Err != schema.CodeNoNode {
							t.Fatalf("reply %d: %v", k, h.Err)
						}
						if !gets[k].ok {
							continue
						}
						var r jute.GetDataResponse
						if err := r.Decode(d); err != nil {
							t.Fatal(err)
						}
						if !bytes.Equal(r.Data, gets[k].data) {
							t.Fatalf("round %d, reply %d: %d bytes of data, not the %d sent", round, k, len(r.Data), len(gets[k].data))
						}
					}
				}
			})
		}
	})
}
