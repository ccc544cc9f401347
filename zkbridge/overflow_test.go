package zkbridge_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/gateway/gatewaytest"
	"github.com/zkgate/zkgate/zkbridge"
	"github.com/zkgate/zkgate/zkbridge/jute"
)

// TestSlowReader_ClosedNotBuffered: a client that sets a recursive watch
// and never reads gets its connection closed once more than
// MaxQueuedBytes of events wait for it, instead of the server buffering
// them without bound; the writer's connection is not disturbed.
func TestSlowReader_ClosedNotBuffered(t *testing.T) {
	cl := gatewaytest.StartCluster(t, 1)
	addr := startBridgeWith(t, cl, 0, gateway.Config{}, func(c *zkbridge.Config) { c.MaxQueuedBytes = 64 << 10 })
	writer := connect(t, addr, jute.ConnectRequest{})
	writer.create("/w", 0)

	watcher := connect(t, addr, jute.ConnectRequest{})
	if h, _ := watcher.call(jute.OpAddWatch, &jute.AddWatchRequest{Path: "/w", Mode: jute.AddWatchPersistentRecursive}); h.Err != 0 {
		t.Fatalf("addWatch: %v", h.Err)
	}

	// 2,000 creates of 3 KB paths: 6 MB of events, more than the socket
	// buffers between the server and the watcher hold, far more than
	// 64 KiB. The watcher reads nothing meanwhile.
	const n = 2000
	long := strings.Repeat("x", 3000)
	for batch := 0; batch < n; batch += 200 {
		var reqs []jute.Encodable
		for i := batch; i < batch+200; i++ {
			reqs = append(reqs, op(jute.OpCreate), &jute.CreateRequest{Path: fmt.Sprintf("/w/%s-%04d", long, i), ACL: openACL})
		}
		for _, f := range writer.pipe(200, reqs...) {
			if h := header(t, f); h.Xid != jute.XidNotification && h.Err != 0 {
				t.Fatalf("create: %v", h.Err)
			}
		}
	}

	// Now the watcher reads: what the kernel held, then the end of the
	// connection, well short of every event.
	events := 0
	for f := watcher.frame(); f != nil; f = watcher.frame() {
		events++
	}
	if events >= n {
		t.Fatalf("the watcher read all %d events: its connection was never closed", events)
	}
	// The writer is served as before.
	if _, code := writer.stat("/w"); code != 0 {
		t.Fatalf("writer after the watcher was closed: %v", code)
	}
}
