package zkbridge_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/zkgate/zkgate/gateway"
	"github.com/zkgate/zkgate/gateway/gatewaytest"
	"github.com/zkgate/zkgate/schema"
	"github.com/zkgate/zkgate/zkbridge/jute"
)

// TestGetChildren_LargeParentAnsweredExactlyAfterEachChange: getChildren
// and getChildren2 of a parent of 300 children (whose reply the server
// encodes once and sends again while the parent is unchanged) answer
// exactly its children, with its Stat, after each create and delete; an
// encoding kept from before a change is never sent after it.
func TestGetChildren_LargeParentAnsweredExactlyAfterEachChange(t *testing.T) {
	cl := gatewaytest.StartCluster(t, 1)
	addr := startBridge(t, cl, 0, gateway.Config{})
	c := connect(t, addr, jute.ConnectRequest{})
	c.create("/big", 0)
	want := []string{}
	for i := range 300 {
		c.create(fmt.Sprintf("/big/c%03d", i), 0)
		want = append(want, fmt.Sprintf("c%03d", i))
	}
	check := func(step string) {
		t.Helper()
		st, code := c.stat("/big")
		if code != schema.CodeOK {
			t.Fatalf("%s: exists: %v", step, code)
		}
		for range 3 { // the first read lists the set, the next ones share it
			rh, d := c.call(jute.OpGetChildren, &jute.GetChildrenRequest{Path: "/big"})
			var r jute.GetChildrenResponse
			if rh.Err != schema.CodeOK || r.Decode(d) != nil || !slices.Equal(r.Children, want) {
				t.Fatalf("%s: getChildren: %v, names %v, want %v", step, rh.Err, r.Children, want)
			}
			rh, d = c.call(jute.OpGetChildren2, &jute.GetChildren2Request{Path: "/big"})
			var r2 jute.GetChildren2Response
			if rh.Err != schema.CodeOK || r2.Decode(d) != nil || !slices.Equal(r2.Children, want) || r2.Stat != st {
				t.Fatalf("%s: getChildren2: %v, names %v, want %v, stat %+v (exists: %+v)", step, rh.Err, r2.Children, want, r2.Stat, st)
			}
		}
	}
	check("created")
	c.create("/big/d", 0)
	want = append(want, "d")
	check("one more")
	rh, _ := c.call(jute.OpDelete, &jute.DeleteRequest{Path: "/big/c000", Version: -1})
	if rh.Err != schema.CodeOK {
		t.Fatalf("delete: %v", rh.Err)
	}
	want = want[1:]
	check("one fewer")
}
