package gateway_test

import (
	"context"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/gateway/gatewaytest"
)

type chanWatcher chan gateway.Event

func (c chanWatcher) Notify(ev gateway.Event) { c <- ev }

// TestHub_RecoversFromCompaction: a hub whose etcd watch is behind etcd's
// compaction (it fell minutes behind) does not go silent: every one-shot
// watch fires, and the hub goes on from the current revision.
func TestHub_RecoversFromCompaction(t *testing.T) {
	cl := gatewaytest.StartCluster(t, 1)
	client := cl.Client(0)
	ctx := ctxT(t)
	e := gatewaytest.NewEngine(t, client, gateway.Config{})
	mustCreate(t, e, anyone, "/a", "", gateway.Persistent)
	old := e.Zxid()
	var last int64
	for range 10 {
		set, err := e.SetData(ctx, anyone, "/a", []byte("x"), -1)
		rev := set.Zxid
		if err != nil {
			t.Fatal(err)
		}
		last = rev
	}
	if _, err := client.Compact(ctx, last, clientv3.WithCompactPhysical()); err != nil {
		t.Fatal(err)
	}

	w := make(chanWatcher, 10)
	hctx, cancel := context.WithCancel(ctx)
	defer cancel()
	h := gateway.StartTestHub(hctx, client, old, w, []string{"/a"}, []string{"/"})
	got := map[string]bool{}
	for range 2 {
		select {
		case ev := <-w:
			got[ev.Type.String()+" "+ev.Path] = true
		case <-time.After(30 * time.Second):
			t.Fatalf("watches went silent after compaction; got %v", got)
		}
	}
	if !got["NodeDataChanged /a"] || !got["NodeChildrenChanged /"] {
		t.Fatalf("events %v", got)
	}
	if err := h.Wait(ctx, last); err != nil {
		t.Fatalf("hub did not resume: %v", err)
	}
	h.WatchData("/a", w)
	if _, err := e.SetData(ctx, anyone, "/a", []byte("y"), -1); err != nil {
		t.Fatal(err)
	}
	wctx, wcancel := context.WithTimeout(ctx, 30*time.Second)
	defer wcancel()
	select {
	case ev := <-w:
		if ev.Type != gateway.EventNodeDataChanged || ev.Path != "/a" {
			t.Fatalf("event after resuming: %+v", ev)
		}
	case <-wctx.Done():
		t.Fatal("no event after resuming")
	}
}
