package e2e

import (
	"flag"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-zookeeper/zk"

	"github.com/zkgate/zkgate/e2e/harness"
)

// uiScreenshots, when set, is where the console tests save their
// screenshots (make ui-screenshots: docs/); otherwise they go to a
// temporary directory.
var uiScreenshots = flag.String("ui-screenshots", "", "directory to save the web console's screenshots in (docs/ for the README)")

func screenshot(t *testing.T, b *harness.Browser, name string) {
	t.Helper()
	dir := *uiScreenshots
	if dir == "" {
		dir = t.TempDir()
	}
	b.Screenshot(filepath.Join(dir, name))
}

// noPageErrors fails the test if the page reported an error of its own.
func noPageErrors(t *testing.T, b *harness.Browser) {
	t.Helper()
	if errs := b.Errors(); len(errs) > 0 {
		t.Fatalf("the page reported errors:\n%s", strings.Join(errs, "\n"))
	}
}

// row is the CSS selector of the tree's row of path.
func row(path string) string { return fmt.Sprintf(`#tree .row[data-path=%q]`, path) }

// TestUI_Tree: a znode created through the ZooKeeper port appears in the
// console's tree with its number of children and its kind, its data and
// Stat show at /ui/?path=..., a znode created later appears without a
// reload (the page's watch), and a node without --ui-writes offers no
// write controls and refuses writes on the console's routes.
func TestUI_Tree(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{})
	c, _ := zkConnect(t, n.ZKAddr)
	acl := zk.WorldACL(zk.PermAll)
	for _, p := range []struct {
		path, data string
		flags      int32
	}{
		{"/app", "", 0},
		{"/app/config", `{"feature":{"x":true,"limit":42}}`, 0},
		{"/app/workers", "", zk.FlagContainer},
		{"/app/workers/w1", "host-1", zk.FlagEphemeral},
		{"/app/lock", "", 0},
	} {
		create := c.Create
		if p.flags == zk.FlagContainer {
			create = c.CreateContainer
		}
		if _, err := create(p.path, []byte(p.data), p.flags, acl); err != nil {
			t.Fatalf("create %s: %v", p.path, err)
		}
	}

	b := harness.StartBrowser(t)
	b.Navigate(n.ClientURL + "/ui/?path=/app/workers")
	b.WaitFor(fmt.Sprintf(`document.querySelector(%q)`, row("/app/workers/w1")+" .tag.ephemeral"))
	b.WaitFor(fmt.Sprintf(`document.querySelector(%q)`, row("/app/workers")+" .tag.container"))
	b.WaitFor(fmt.Sprintf(`document.querySelector(%q).innerText === "(3)"`, row("/app")+" .count"))
	screenshot(t, b, "ui-tree.png")

	b.Navigate(n.ClientURL + "/ui/?path=/app/workers/w1")
	b.WaitFor(`document.querySelector("#owner")`)
	if got, want := b.Text("#owner"), fmt.Sprintf("ephemeral of session 0x%x", c.SessionID()); got != want {
		t.Fatalf("owner shows %q, want %q", got, want)
	}

	b.Navigate(n.ClientURL + "/ui/?path=/app/config")
	b.WaitFor(`document.querySelector("#stat")`)
	if got := b.Text("#data-view"); got != `{"feature":{"x":true,"limit":42}}` {
		t.Fatalf("data shows %q", got)
	}
	_, st, err := c.Get("/app/config")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := b.Text(`#stat tr[data-field="mZxid"] td`), fmt.Sprintf("0x%x (%d)", st.Mzxid, st.Mzxid); got != want {
		t.Fatalf("mZxid shows %q, want %q", got, want)
	}
	if got := b.Text(`#stat tr[data-field="dataLength"] td`); got != fmt.Sprint(st.DataLength) {
		t.Fatalf("dataLength shows %q, want %d", got, st.DataLength)
	}
	var local string
	b.MustEval(fmt.Sprintf(`new Date(%d).toLocaleString()`, st.Mtime), &local)
	if got := b.Text(`#stat tr[data-field="mtime"] td`); got != local {
		t.Fatalf("mtime shows %q, want %q (local time)", got, local)
	}
	if got := b.Text("#acl"); !strings.Contains(got, "world\tanyone\tcdrwa") {
		t.Fatalf("ACL shows %q", got)
	}
	b.MustEval(`document.querySelector('#data button[data-format="json"]').click()`, nil)
	b.WaitFor(`document.querySelector("#data-view").innerText.includes('"limit": 42')`)
	if b.Text("#writes") != "" {
		t.Fatal("write controls shown without --ui-writes")
	}
	screenshot(t, b, "ui-znode.png")

	// A znode created now appears without a reload.
	if _, err := c.Create("/app/added-later", nil, 0, acl); err != nil {
		t.Fatal(err)
	}
	b.WaitFor(fmt.Sprintf(`document.querySelector(%q)`, row("/app/added-later")))
	b.WaitFor(fmt.Sprintf(`document.querySelector(%q).innerText === "(4)"`, row("/app")+" .count"))
	noPageErrors(t, b)

	// The console's route refuses writes without --ui-writes.
	resp, err := http.Post(n.ClientURL+"/ui/api/zk/v1/create", "application/json", strings.NewReader(`{"path":"/refused"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a create on /ui/api/zk/v1/ without --ui-writes answered %s", resp.Status)
	}
	if ok, _, err := c.Exists("/refused"); err != nil || ok {
		t.Fatalf("exists /refused: %v %v", ok, err)
	}
}
