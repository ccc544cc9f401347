package e2e

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zkgate/zkgate/e2e/harness"
	"github.com/zkgate/zkgate/ui"
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
		{"/app/lease", "", zk.FlagTTL},
	} {
		var err error
		switch p.flags {
		case zk.FlagContainer:
			_, err = c.CreateContainer(p.path, []byte(p.data), p.flags, acl)
		case zk.FlagTTL:
			_, err = c.CreateTTL(p.path, []byte(p.data), p.flags, acl, time.Hour)
		default:
			_, err = c.Create(p.path, []byte(p.data), p.flags, acl)
		}
		if err != nil {
			t.Fatalf("create %s: %v", p.path, err)
		}
	}

	b := harness.StartBrowser(t)
	b.Navigate(n.ClientURL + "/ui/?path=/app/workers")
	b.WaitFor(fmt.Sprintf(`document.querySelector(%q)`, row("/app/workers/w1")+" .tag.ephemeral"))
	b.WaitFor(fmt.Sprintf(`document.querySelector(%q)`, row("/app/workers")+" .tag.container"))
	b.WaitFor(fmt.Sprintf(`document.querySelector(%q)`, row("/app/lease")+" .tag.ttl"))
	b.WaitFor(fmt.Sprintf(`document.querySelector(%q).innerText === "(0)" && document.querySelector(%q).innerText === "(0)"`, row("/app/lock")+" .count", row("/app/config")+" .count"))
	if b.Text(row("/app/lock")+" .tags") != "" || b.Text(row("/app/config")+" .tags") != "" {
		t.Fatal("a persistent znode is marked")
	}
	b.WaitFor(fmt.Sprintf(`document.querySelector(%q).innerText === "(4)"`, row("/app")+" .count"))
	screenshot(t, b, "ui-tree.png")

	// The path box completes from the children of the path typed so far.
	setValue(t, b, "#pathbox", "/app/w")
	b.WaitFor(`[...document.querySelectorAll("#path-completions option")].map((o) => o.value).join() === "/app/workers"`)
	setValue(t, b, "#pathbox", "/app/workers/")
	b.WaitFor(`[...document.querySelectorAll("#path-completions option")].map((o) => o.value).join() === "/app/workers/w1"`)

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
	b.WaitFor(fmt.Sprintf(`document.querySelector(%q).innerText === "(5)"`, row("/app")+" .count"))

	// The keyboard opens and closes a znode, and moves between rows.
	key := func(path, k string) {
		t.Helper()
		b.MustEval(fmt.Sprintf(`document.querySelector(%q).dispatchEvent(new KeyboardEvent("keydown", {key: %q, bubbles: true}))`, row(path), k), nil)
	}
	key("/app", "ArrowLeft")
	b.WaitFor(fmt.Sprintf(`!document.querySelector(%q)`, row("/app/config")))
	key("/app", "ArrowRight")
	b.WaitFor(fmt.Sprintf(`document.querySelector(%q)`, row("/app/config")))
	key("/app", "ArrowDown")
	b.WaitFor(fmt.Sprintf(`document.activeElement === document.querySelector(%q)`, row("/app/added-later")))
	key("/app/added-later", "Enter")
	b.WaitFor(`document.querySelector("#znode-path") && document.querySelector("#znode-path").innerText.startsWith("/app/added-later ")`)
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

// setValue sets a form field's value as typing would, for the page's
// handlers.
func setValue(t *testing.T, b *harness.Browser, selector, value string) {
	t.Helper()
	b.MustEval(fmt.Sprintf(`(() => { const el = document.querySelector(%q); el.value = %q; el.dispatchEvent(new Event('input', {bubbles: true})); })()`, selector, value), nil)
}

func click(t *testing.T, b *harness.Browser, selector string) {
	t.Helper()
	b.MustEval(fmt.Sprintf(`document.querySelector(%q).click()`, selector), nil)
}

// TestUI_Writes: with --ui-writes the page sets data with the version it
// read, creates a child and deletes it, and ZooKeeper clients
// (go-zookeeper, kazoo) see each write; a set over a version changed meanwhile fails with BadVersion.
func TestUI_Writes(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{Args: []string{"--ui-writes"}})
	c, _ := zkConnect(t, n.ZKAddr)
	if _, err := c.Create("/w", []byte("v0"), 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	b := harness.StartBrowser(t)
	b.Navigate(n.ClientURL + "/ui/?path=/w")
	b.WaitFor(`document.querySelector("#set")`)
	setValue(t, b, "#set-data", "written from the page")
	click(t, b, "#set")
	b.WaitFor(`document.querySelector("#data-view") && document.querySelector("#data-view").innerText === "written from the page"`)
	data, st, err := c.Get("/w")
	if err != nil || string(data) != "written from the page" || st.Version != 1 {
		t.Fatalf("get /w after the page's set: %q version %d, %v", data, st.Version, err)
	}
	// And kazoo, as a Python application would.
	runKazoo(t, n.ZKAddr, `
zk = client()
data, st = zk.get("/w")
assert data == b"written from the page" and st.version == 1, (data, st)
print("OK")
`)

	setValue(t, b, "#create-name", "child")
	setValue(t, b, "#create-data", "made by the page")
	click(t, b, "#create")
	b.WaitFor(`document.querySelector("#write-status").innerText === "created /w/child"`)
	data, _, err = c.Get("/w/child")
	if err != nil || string(data) != "made by the page" {
		t.Fatalf("get /w/child: %q, %v", data, err)
	}
	b.WaitFor(fmt.Sprintf(`document.querySelector(%q)`, row("/w/child")))
	screenshot(t, b, "ui-writes.png")

	// The page's sets carry the version read: while the user edits /w, a
	// ZooKeeper client sets it; the page says so, keeps the edit, and
	// its set fails with BadVersion, leaving the client's data.
	b.WaitFor(`document.querySelector("#set").innerText === "Set (version 1)"`)
	setValue(t, b, "#set-data", "too late")
	if _, err := c.Set("/w", []byte("from a client"), 1); err != nil {
		t.Fatal(err)
	}
	b.WaitFor(`document.querySelector("#changed-note").innerText.startsWith("/w changed since it was read")`)
	var edit string
	b.MustEval(`document.querySelector("#set-data").value`, &edit)
	if edit != "too late" {
		t.Fatalf("the edit in progress became %q", edit)
	}
	click(t, b, "#set")
	b.WaitFor(`document.querySelector("#write-status").innerText.startsWith("BadVersion")`)
	if data, st, err := c.Get("/w"); err != nil || string(data) != "from a client" || st.Version != 2 {
		t.Fatalf("get /w: %q version %d, %v", data, st.Version, err)
	}
	b.WaitFor(`document.querySelector("#set").innerText === "Set (version 2)"`)

	// setAcl with the aclVersion read.
	// The pane drawn before the reload is marked, so as to wait for the
	// reloaded one.
	b.MustEval(`document.querySelector("#setacl").dataset.stale = "true"; document.querySelector("#reload").click()`, nil)
	b.WaitFor(`document.querySelector("#setacl") && !document.querySelector("#setacl").dataset.stale && document.querySelector("#setacl").innerText === "Set ACL (aclVersion 0)"`)
	setValue(t, b, "#setacl-text", "world:anyone:cdrwa\ndigest:carol:tZLZ3Cuv7+1DRHdk7j3XqjfgEfU=:r")
	click(t, b, "#setacl")
	b.WaitFor(`document.querySelector("#setacl").innerText === "Set ACL (aclVersion 1)"`)
	gotACL, _, err := c.GetACL("/w")
	if err != nil {
		t.Fatal(err)
	}
	if want := []zk.ACL{{Perms: zk.PermAll, Scheme: "world", ID: "anyone"}, {Perms: zk.PermRead, Scheme: "digest", ID: "carol:tZLZ3Cuv7+1DRHdk7j3XqjfgEfU="}}; !slices.Equal(gotACL, want) {
		t.Fatalf("ACL of /w after the page's setAcl: %+v, want %+v", gotACL, want)
	}

	b.Navigate(n.ClientURL + "/ui/?path=/w/child")
	b.WaitFor(`document.querySelector("#delete")`)
	click(t, b, "#delete")
	b.WaitFor(`document.querySelector("#delete").innerText.startsWith("Really delete /w/child")`)
	click(t, b, "#delete")
	b.WaitFor(`document.querySelector("#znode-path") && document.querySelector("#znode-path").innerText.startsWith("/w ")`)
	if ok, _, err := c.Exists("/w/child"); err != nil || ok {
		t.Fatalf("exists /w/child after the page's delete: %v, %v", ok, err)
	}
	noPageErrors(t, b)
}

// TestUI_DigestLogin: a znode whose ACL grants only a digest identity is
// not readable from the page until the user logs in with that digest,
// which the page then sends with each request; logging out takes it
// away again.
func TestUI_DigestLogin(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{})
	c, _ := zkConnect(t, n.ZKAddr)
	if err := c.AddAuth("digest", []byte("alice:wonderland")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create("/secret", []byte("the cake is a lie"), 0, zk.DigestACL(zk.PermAll, "alice", "wonderland")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create("/secret/inner", nil, 0, zk.DigestACL(zk.PermAll, "alice", "wonderland")); err != nil {
		t.Fatal(err)
	}
	b := harness.StartBrowser(t)
	b.Navigate(n.ClientURL + "/ui/?path=/secret")
	b.WaitFor(`document.querySelector("#znode-error")`)
	if got := b.Text("#znode-error"); !strings.HasPrefix(got, "NoAuth") {
		t.Fatalf("without a login /secret shows %q", got)
	}
	if b.Text("#data-view") != "" {
		t.Fatal("the data of /secret shows without a login")
	}
	screenshot(t, b, "ui-noauth.png")

	// A wrong password reads nothing either.
	setValue(t, b, "#login-cred", "alice:queen")
	b.MustEval(`document.querySelector("#login").requestSubmit()`, nil)
	b.WaitFor(`document.querySelector("#whoami").innerText === "digest: alice" && document.querySelector("#znode-error")`)

	b.MustEval(`document.querySelector("#logout").click()`, nil)
	b.WaitFor(`document.querySelector("#whoami").innerText === "anonymous"`)
	setValue(t, b, "#login-cred", "alice:wonderland")
	b.MustEval(`document.querySelector("#login").requestSubmit()`, nil)
	b.WaitFor(`document.querySelector("#data-view") && document.querySelector("#data-view").innerText === "the cake is a lie"`)
	if got := b.Text("#acl"); !strings.Contains(got, "digest\talice:") {
		t.Fatalf("ACL shows %q", got)
	}
	b.WaitFor(fmt.Sprintf(`document.querySelector(%q)`, row("/secret/inner")))
	screenshot(t, b, "ui-login.png")

	// The identity lives in the tab: a reload keeps it, a logout drops it.
	b.Navigate(n.ClientURL + "/ui/?path=/secret")
	b.WaitFor(`document.querySelector("#data-view") && document.querySelector("#data-view").innerText === "the cake is a lie"`)
	b.MustEval(`document.querySelector("#logout").click()`, nil)
	b.WaitFor(`document.querySelector("#znode-error") && document.querySelector("#znode-error").innerText.startsWith("NoAuth")`)
	noPageErrors(t, b)
}

// TestUI_Cluster: on a three-node cluster the cluster view lists the
// three members, one of them the leader Raft reports, each healthy, with
// Raft term and index, no alarms, and charts of the node's own metrics.
func TestUI_Cluster(t *testing.T) {
	t.Parallel()
	cl := harness.StartCluster(t, 3)
	leader := cl.Leader(30 * time.Second)
	n := cl.Nodes[0]
	b := harness.StartBrowser(t)
	b.Navigate(n.ClientURL + "/ui/?view=cluster")
	b.WaitFor(`document.querySelectorAll("#member-table tr[data-member]").length === 3`)
	b.WaitFor(`[...document.querySelectorAll("#member-table td.health")].every((td) => td.innerText === "healthy")`)
	var roles []string
	b.MustEval(`[...document.querySelectorAll("#member-table tr[data-member]")].map((tr) => tr.dataset.member + "=" + tr.querySelector(".role").innerText)`, &roles)
	slices.Sort(roles)
	var want []string
	for _, m := range cl.Nodes {
		role := "follower"
		if m == leader {
			role = "leader"
		}
		want = append(want, m.Name+"="+role)
	}
	slices.Sort(want)
	if !slices.Equal(roles, want) {
		t.Fatalf("roles %v, want %v", roles, want)
	}
	if got, want := b.Text("#leader"), "0x"+leader.MemberID(); got != want {
		t.Fatalf("leader shows %q, want %q", got, want)
	}
	if got := b.Text("#alarms"); got != "none" {
		t.Fatalf("alarms show %q", got)
	}
	if got := b.Text("#raft-term"); got == "" || got == "0" {
		t.Fatalf("Raft term shows %q", got)
	}
	// Two samples make a rate: the charts draw once the node has them.
	b.WaitFor(`document.querySelector('#chart-ops path[data-name="gRPC calls handled"]')`)
	b.WaitFor(`document.querySelector('#chart-watches path[data-name="etcd watchers"]')`)
	screenshot(t, b, "ui-cluster.png")
	noPageErrors(t, b)
}

// tableRows reads a two-column table of the page as "key=value,value"
// rows (the header left out).
func tableRows(t *testing.T, b *harness.Browser, selector string) []string {
	t.Helper()
	var rows []string
	b.MustEval(fmt.Sprintf(`[...document.querySelectorAll(%q)].filter((tr) => tr.querySelectorAll("td").length === 2).map((tr) => {
		const [k, v] = tr.querySelectorAll("td");
		return k.innerText + "=" + [...v.querySelectorAll("div")].map((d) => d.innerText).join(",");
	})`, selector+" tr"), &rows)
	return rows
}

// consoleBeside serves the console (package ui) over a plain HTTP server
// in the test, with /commands/ forwarded to admin (an AdminServer) and
// four-letter words sent to zkAddr: the page as it runs on a server
// whose AdminServer is ZooKeeper 3.8's own.
func consoleBeside(t *testing.T, admin, zkAddr string) string {
	t.Helper()
	target, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/commands/", httputil.NewSingleHostReverseProxy(target))
	mux.Handle(ui.Prefix, ui.Handler(ui.Options{
		FourLetter: func(ctx context.Context, word string) (string, error) {
			var d net.Dialer
			conn, err := d.DialContext(ctx, "tcp", zkAddr)
			if err != nil {
				return "", err
			}
			defer conn.Close()
			if _, err := conn.Write([]byte(word)); err != nil {
				return "", err
			}
			b, err := io.ReadAll(conn)
			return string(b), err
		},
	}))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestUI_SessionsOfZooKeeper: the sessions view reads ZooKeeper 3.8's
// AdminServer answers as a real ZooKeeper gives them: a client's
// session with its timeout, address and ephemerals, and its watches by
// path and by session; and it sends four-letter words.
func TestUI_SessionsOfZooKeeper(t *testing.T) {
	t.Parallel()
	z, admin := harness.StartZooKeeperAdmin(t)
	c, _ := zkConnect(t, z.Addr)
	if _, err := c.Create("/eph", []byte("x"), zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create("/watched", nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := c.GetW("/watched"); err != nil {
		t.Fatal(err)
	}
	sid := fmt.Sprintf("0x%x", c.SessionID())

	b := harness.StartBrowser(t)
	b.Navigate(consoleBeside(t, admin, z.Addr) + "/ui/?view=sessions")
	b.WaitFor(fmt.Sprintf(`document.querySelector('#session-table tr[data-session=%q]')`, sid))
	sel := fmt.Sprintf(`#session-table tr[data-session=%q]`, sid)
	if got := b.Text(sel + " .ephemerals"); got != "/eph" {
		t.Fatalf("the session's ephemerals show %q", got)
	}
	if got := b.Text(sel + " .client"); !strings.HasPrefix(got, "127.0.0.1:") {
		t.Fatalf("the session's client shows %q", got)
	}
	if got := b.Text(sel); !strings.Contains(got, "10000 ms") {
		t.Fatalf("the session's row shows %q, want its timeout of 10000 ms", got)
	}
	b.WaitFor(`document.querySelector("#watches-by-path")`)
	if got, want := tableRows(t, b, "#watches-by-path"), []string{"/watched=" + sid}; !slices.Equal(got, want) {
		t.Fatalf("watches by path show %q, want %q", got, want)
	}
	if got, want := tableRows(t, b, "#watches-by-session"), []string{sid + "=/watched"}; !slices.Equal(got, want) {
		t.Fatalf("watches by session show %q, want %q", got, want)
	}
	if got := b.Text("#watch-summary"); got != "1 watches on 1 paths by 1 connections" {
		t.Fatalf("watch summary shows %q", got)
	}
	setValue(t, b, "#word", "ruok")
	click(t, b, "#run-word")
	b.WaitFor(`document.querySelector("#raw-output").innerText === "imok"`)
	setValue(t, b, "#command", "monitor")
	click(t, b, "#run-command")
	b.WaitFor(`document.querySelector("#raw-output").innerText.includes('"server_state": "standalone"')`)
	screenshot(t, b, "ui-sessions.png")
	noPageErrors(t, b)
}

// TestUI_SessionsOfZkgate: on zkgate the sessions view shows what the
// node's /commands/ answer, or says they are not available on this
// server where it has none; four-letter words go to its ZooKeeper port.
func TestUI_SessionsOfZkgate(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{Args: []string{"--zk-4lw-whitelist", "*"}})
	c, _ := zkConnect(t, n.ZKAddr)
	if _, err := c.Create("/eph", nil, zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	b := harness.StartBrowser(t)
	b.Navigate(n.ClientURL + "/ui/?view=sessions")
	// The node's AdminServer commands list the session and its ephemeral.
	row := fmt.Sprintf(`#session-table tr[data-session="0x%x"]`, c.SessionID())
	b.WaitFor(fmt.Sprintf(`document.querySelector('%s')`, row))
	if got := b.Text(row); !strings.Contains(got, "/eph") {
		t.Errorf("the session's row shows %q, without its ephemeral /eph", got)
	}
	setValue(t, b, "#word", "ruok")
	click(t, b, "#run-word")
	b.WaitFor(`document.querySelector("#raw-output").innerText === "imok"`)
	noPageErrors(t, b)
}

// TestUI_OverTLSWithEtcdAuth: on an https client URL, with etcd
// authentication on (the namespace acting as its etcd user), the console
// is served on the same listener and shows the tree and a znode, and the
// cluster view its members.
func TestUI_OverTLSWithEtcdAuth(t *testing.T) {
	t.Parallel()
	certs := harness.NewCerts(t)
	args := append(append(certs.ServerArgs(false), certs.PeerArgs()...), "--etcd-user", "zkgate")
	n := harness.StartNode(t, harness.NodeOptions{Args: args, TLS: certs.ClientTLS(false), Env: []string{"ZKGATE_ETCD_PASSWORD=zkpw"}})
	ep := n.ClientURL
	etcdctl := func(args ...string) string {
		return harness.Etcdctl(t, ep, append(certs.EtcdctlArgs(false), args...)...)
	}
	etcdctl("user", "add", "root", "--new-user-password=rootpw")
	etcdctl("user", "add", "zkgate", "--new-user-password=zkpw")
	etcdctl("role", "add", "zkgate")
	tlsClient := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: certs.ClientTLS(false)}}
	resp, err := tlsClient.Post(ep+"/v3/auth/role/grant", "application/json", strings.NewReader(
		`{"name":"zkgate","perm":{"permType":"READWRITE","key":"AHprZ2F0ZS8=","range_end":"AHprZ2F0ZTA="}}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	etcdctl("user", "grant-role", "zkgate", "zkgate")
	memberID := n.MemberID()
	if out := etcdctl("auth", "enable"); !strings.Contains(out, "Authentication Enabled") {
		t.Fatalf("auth enable: %q", out)
	}
	c, _ := zkConnect(t, n.ZKAddr)
	if _, err := c.Create("/over-tls", []byte("served over https"), 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateContainer("/over-tls/box", nil, zk.FlagContainer, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}

	// The test's CA is not the browser's: it is told to accept the
	// certificate, as a user accepts a private CA's.
	b := harness.StartBrowser(t, "--ignore-certificate-errors")
	b.Navigate(ep + "/ui/?path=/over-tls")
	b.WaitFor(`document.querySelector("#data-view") && document.querySelector("#data-view").innerText === "served over https"`)
	b.WaitFor(fmt.Sprintf(`document.querySelector(%q)`, row("/over-tls/box")+" .tag.container"))
	// etcd's gateway wants a token: the cluster view asks for an etcd
	// login and shows the members once given one.
	b.Navigate(ep + "/ui/?view=cluster")
	b.WaitFor(`document.querySelector("#etcd-login")`)
	if got := b.Text("#members"); !strings.Contains(got, "user name is empty") {
		t.Fatalf("members without an etcd login show %q", got)
	}
	setValue(t, b, "#etcd-name", "root")
	setValue(t, b, "#etcd-password", "rootpw")
	b.MustEval(`document.querySelector("#etcd-login").requestSubmit()`, nil)
	b.WaitFor(`document.querySelectorAll("#member-table tr[data-member]").length === 1`)
	b.WaitFor(`document.querySelector("#alarms").innerText === "none" && document.querySelector("#etcd-user")`)
	if got, want := b.Text("#leader"), "0x"+memberID; got != want {
		t.Fatalf("leader shows %q, want %q", got, want)
	}
	noPageErrors(t, b)
}

// TestUI_ExternalEtcd: a node in front of an external etcd serves the
// console too, over the namespace it runs.
func TestUI_ExternalEtcd(t *testing.T) {
	t.Parallel()
	etcd := harness.StartNode(t, harness.NodeOptions{Name: "etcd"})
	gw := harness.StartNode(t, harness.NodeOptions{Name: "gateway", Args: []string{"--etcd-endpoints", etcd.ClientURL}})
	c, _ := zkConnect(t, gw.ZKAddr)
	if _, err := c.Create("/ext", []byte("through the gateway"), 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateContainer("/ext/box", nil, zk.FlagContainer, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	b := harness.StartBrowser(t)
	b.Navigate(gw.ClientURL + "/ui/?path=/ext")
	b.WaitFor(`document.querySelector("#data-view") && document.querySelector("#data-view").innerText === "through the gateway"`)
	b.WaitFor(fmt.Sprintf(`document.querySelector(%q)`, row("/ext/box")+" .tag.container"))
	if _, err := c.Create("/ext/later", nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	b.WaitFor(fmt.Sprintf(`document.querySelector(%q)`, row("/ext/later")))
	noPageErrors(t, b)
}

// TestUI_Firefox: the console works in Firefox as in Chromium: the tree
// with its marks and live updates, a znode's data and Stat, a write from
// the page seen by a ZooKeeper client, a digest login, and the cluster
// view, without an error of the page's own.
func TestUI_Firefox(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{Args: []string{"--ui-writes"}})
	c, _ := zkConnect(t, n.ZKAddr)
	if _, err := c.Create("/ff", []byte(`{"browser":"firefox"}`), 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateContainer("/ff/box", nil, zk.FlagContainer, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	if err := c.AddAuth("digest", []byte("bob:builder")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create("/ff/secret", []byte("bob's"), 0, zk.DigestACL(zk.PermAll, "bob", "builder")); err != nil {
		t.Fatal(err)
	}
	f := harness.StartFirefox(t)
	f.Navigate(n.ClientURL + "/ui/?path=/ff")
	f.WaitFor(`document.querySelector("#data-view") && document.querySelector("#data-view").innerText === '{"browser":"firefox"}'`)
	f.WaitFor(`document.querySelector('#stat tr[data-field="dataVersion"] td').innerText === "0"`)
	f.WaitFor(fmt.Sprintf(`document.querySelector(%q)`, row("/ff/box")+" .tag.container"))
	f.WaitFor(`document.querySelector("#live").innerText.startsWith("●")`)
	if _, err := c.Create("/ff/later", nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	f.WaitFor(fmt.Sprintf(`document.querySelector(%q)`, row("/ff/later")))

	if _, err := f.Eval(`(() => { const e = document.querySelector("#set-data"); e.value = "set in firefox"; e.dispatchEvent(new Event("input")); document.querySelector("#set").click(); })()`); err != nil {
		t.Fatal(err)
	}
	f.WaitFor(`document.querySelector("#data-view").innerText === "set in firefox"`)
	data, st, err := c.Get("/ff")
	if err != nil || string(data) != "set in firefox" {
		t.Fatalf("get /ff: %q, %v", data, err)
	}

	// As of its creation, with its history.
	f.Navigate(fmt.Sprintf("%s/ui/?path=/ff&at=%d", n.ClientURL, st.Czxid))
	f.WaitFor(`document.querySelector("#at-banner") && document.querySelector("#data-view") && document.querySelector("#data-view").innerText === '{"browser":"firefox"}'`)
	if _, err := f.Eval(`document.querySelector("#leave-at").click()`); err != nil {
		t.Fatal(err)
	}
	f.WaitFor(`!document.querySelector("#at-banner") && document.querySelector("#tab-history")`)
	if _, err := f.Eval(`document.querySelector("#tab-history").click()`); err != nil {
		t.Fatal(err)
	}
	f.WaitFor(`document.querySelectorAll("#history tr.change").length === 2 && document.querySelector("#history tr.diff-row").innerText === '- {"browser":"firefox"}\n+ set in firefox'`)

	f.Navigate(n.ClientURL + "/ui/?path=/ff/secret")
	f.WaitFor(`document.querySelector("#znode-error") && document.querySelector("#znode-error").innerText.startsWith("NoAuth")`)
	if _, err := f.Eval(`(() => { document.querySelector("#login-cred").value = "bob:builder"; document.querySelector("#login").requestSubmit(); })()`); err != nil {
		t.Fatal(err)
	}
	f.WaitFor(`document.querySelector("#data-view") && document.querySelector("#data-view").innerText === "bob's"`)

	f.Navigate(n.ClientURL + "/ui/?view=cluster")
	f.WaitFor(`document.querySelectorAll("#member-table tr[data-member]").length === 1 && document.querySelector("#member-table td.health").innerText === "healthy"`)
	f.WaitFor(`document.querySelector('#chart-ops path[data-name="gRPC calls handled"]')`)
	if errs := f.Errors(); len(errs) > 0 {
		t.Fatalf("the page reported errors in firefox:\n%s", strings.Join(errs, "\n"))
	}
}

// TestUI_BinaryData: data that is not UTF-8 shows as hex and is edited as
// hex bytes, so a set from the page writes exactly the bytes given.
func TestUI_BinaryData(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{Args: []string{"--ui-writes"}})
	c, _ := zkConnect(t, n.ZKAddr)
	if _, err := c.Create("/bin", []byte{0x00, 0xff, 0x10, 'a'}, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	b := harness.StartBrowser(t)
	b.Navigate(n.ClientURL + "/ui/?path=/bin")
	b.WaitFor(`document.querySelector("#set-data")`)
	var edit string
	b.MustEval(`document.querySelector("#set-data").value`, &edit)
	if edit != "00 ff 10 61" {
		t.Fatalf("the editor holds %q, want the bytes in hex", edit)
	}
	click(t, b, `#data button[data-format="hex"]`)
	b.WaitFor(`document.querySelector("#data-view").innerText.startsWith("00000000  00 ff 10 61")`)
	setValue(t, b, "#set-data", "de ad be ef 80")
	click(t, b, "#set")
	b.WaitFor(`document.querySelector("#write-status").innerText === "set /bin"`)
	data, _, err := c.Get("/bin")
	if err != nil || string(data) != "\xde\xad\xbe\xef\x80" {
		t.Fatalf("get /bin: %x, %v", data, err)
	}
	noPageErrors(t, b)
}
