package e2e

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/zkgate/zkgate/e2e/harness"
)

// historyRows is the kind and zxid of each change the history tab lists,
// in its order ("setData@12").
func historyRows(t *testing.T, b *harness.Browser) []string {
	t.Helper()
	var rows []string
	b.MustEval(`[...document.querySelectorAll("#history tr.change")].map((r) => r.dataset.kind + "@" + r.dataset.zxid)`, &rows)
	return rows
}

// TestUI_History: a znode created and changed twice through the ZooKeeper
// port shows three changes in its history tab, newest first (or oldest
// first), with a line diff of each change, and its child's creation with
// the subtree's changes; /ui/?path=...&at=ZXID shows the znode, its Stat
// and the tree as they were at that zxid, without writes or the live
// watch, until the page goes back to live; the box takes a zxid or a
// date-time.
func TestUI_History(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{Args: []string{"--ui-writes"}})
	c, _ := zkConnect(t, n.ZKAddr)
	acl := zk.WorldACL(zk.PermAll)
	if _, err := c.Create("/h", []byte("alpha\nbeta\ngamma"), 0, acl); err != nil {
		t.Fatal(err)
	}
	_, st1, err := c.Get("/h")
	if err != nil {
		t.Fatal(err)
	}
	st2, err := c.Set("/h", []byte("alpha\nBETA\ngamma"), 0)
	if err != nil {
		t.Fatal(err)
	}
	st3, err := c.Set("/h", []byte("alpha\nBETA\ngamma\ndelta"), 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create("/h/later", []byte("made after"), 0, acl); err != nil {
		t.Fatal(err)
	}
	_, stChild, err := c.Get("/h/later")
	if err != nil {
		t.Fatal(err)
	}
	z1, z2, z3 := st1.Czxid, st2.Mzxid, st3.Mzxid

	b := harness.StartBrowser(t)
	b.Navigate(n.ClientURL + "/ui/?path=/h")
	b.WaitFor(`document.querySelector("#tab-history")`)
	click(t, b, "#tab-history")
	b.WaitFor(`document.querySelectorAll("#history tr.change").length === 3`)
	if got, want := strings.Join(historyRows(t, b), " "), fmt.Sprintf("setData@%d setData@%d create@%d", z3, z2, z1); got != want {
		t.Fatalf("history rows %s, want %s", got, want)
	}
	var diffs []string
	b.MustEval(`[...document.querySelectorAll("#history tr.diff-row")].map((r) => r.innerText)`, &diffs)
	if len(diffs) != 3 || !strings.Contains(diffs[0], "+ delta") || strings.Contains(diffs[0], "- ") ||
		!strings.Contains(diffs[1], "- beta\n+ BETA") || !strings.Contains(diffs[2], "+ alpha\n+ beta\n+ gamma") {
		t.Fatalf("the diffs show %q", diffs)
	}
	var cells []string
	b.MustEval(fmt.Sprintf(`[...document.querySelectorAll('#history tr.change[data-zxid="%d"] td')].map((td) => td.innerText)`, z2), &cells)
	// zxid, time, session (the go-zookeeper client's), change, version,
	// aclVersion, size.
	if len(cells) < 8 || cells[0] != fmt.Sprintf("0x%x", z2) || cells[2] != fmt.Sprintf("0x%x", c.SessionID()) || cells[3] != "setData" || cells[4] != "1" || cells[6] != "16 B" {
		t.Fatalf("the row of zxid %d shows %q", z2, cells)
	}
	var local string
	b.MustEval(fmt.Sprintf(`new Date(%d).toLocaleString()`, st2.Mtime), &local)
	if cells[1] != local {
		t.Fatalf("the row of zxid %d shows the time %q, want %q", z2, cells[1], local)
	}

	b.MustEval(`(() => { const s = document.querySelector("#hist-order"); s.value = "oldest"; s.dispatchEvent(new Event("change")); })()`, nil)
	b.WaitFor(fmt.Sprintf(`document.querySelector("#history tr.change").dataset.zxid === "%d"`, z1))
	click(t, b, "#hist-recursive")
	b.WaitFor(`document.querySelectorAll("#history tr.change").length === 4`)
	if got, want := strings.Join(historyRows(t, b), " "), fmt.Sprintf("create@%d setData@%d setData@%d create@%d", z1, z2, z3, stChild.Czxid); got != want {
		t.Fatalf("history rows with the subtree %s, want %s", got, want)
	}
	noPageErrors(t, b)

	// As of the first version: its data, its Stat, and the tree without
	// the child created since; no writes, no live watch.
	b.Navigate(fmt.Sprintf("%s/ui/?path=/h&at=%d", n.ClientURL, z1))
	b.WaitFor(`document.querySelector("#at-banner") && document.querySelector("#data-view")`)
	if got := b.Text("#data-view"); got != "alpha\nbeta\ngamma" {
		t.Fatalf("as of zxid %d /h shows %q", z1, got)
	}
	if got, want := b.Text(`#stat tr[data-field="mZxid"] td`), fmt.Sprintf("0x%x (%d)", z1, z1); got != want {
		t.Fatalf("as of zxid %d mZxid shows %q, want %q", z1, got, want)
	}
	if got := b.Text(`#stat tr[data-field="dataVersion"] td`); got != "0" {
		t.Fatalf("as of zxid %d dataVersion shows %q", z1, got)
	}
	if got := b.Text(`#stat tr[data-field="numChildren"] td`); got != "0" {
		t.Fatalf("as of zxid %d numChildren shows %q", z1, got)
	}
	if got := b.Text("#at-banner-text"); got != fmt.Sprintf("As of zxid 0x%x (%d)", z1, z1) {
		t.Fatalf("the banner says %q", got)
	}
	b.WaitFor(fmt.Sprintf(`document.querySelector(%q) && document.querySelector(%q).innerText === "(0)"`, row("/h"), row("/h")+" .count"))
	if b.Text(row("/h/later")) != "" {
		t.Fatal("the tree as of the first version shows /h/later, created later")
	}
	if b.Text("#writes") != "" {
		t.Fatal("write controls shown as of a past zxid")
	}
	if got := b.Text("#live"); !strings.Contains(got, "not live") {
		t.Fatalf("the live line says %q as of a past zxid", got)
	}
	var sliderMax int64
	b.WaitFor(`!document.querySelector("#at-slider").disabled`)
	b.MustEval(`Number(document.querySelector("#at-slider").max)`, &sliderMax)
	if sliderMax < stChild.Czxid {
		t.Fatalf("the slider ends at %d, before the current zxid %d", sliderMax, stChild.Czxid)
	}

	// The history as of then ends there.
	click(t, b, "#tab-history")
	b.WaitFor(`document.querySelectorAll("#history tr.change").length === 1`)

	// Back to live: the latest data, the child, the watch.
	click(t, b, "#leave-at")
	b.WaitFor(`!document.querySelector("#at-banner") && document.querySelector("#data-view")`)
	b.WaitFor(`document.querySelector("#data-view").innerText === "alpha\nBETA\ngamma\ndelta"`)
	b.WaitFor(fmt.Sprintf(`document.querySelector(%q)`, row("/h/later")))
	if b.Text("#writes") == "" {
		t.Fatal("no write controls back live with --ui-writes")
	}
	var search string
	b.MustEval(`location.search`, &search)
	if search != "?path=/h" {
		t.Fatalf("back live the URL's query is %q", search)
	}

	// The box takes a zxid in hex, and a date-time.
	setValue(t, b, "#at-box", fmt.Sprintf("0x%x", z2))
	b.MustEval(`document.querySelector("#at-box").form.requestSubmit()`, nil)
	b.WaitFor(`document.querySelector("#at-banner") && document.querySelector("#data-view")`)
	if got := b.Text("#data-view"); got != "alpha\nBETA\ngamma" {
		t.Fatalf("as of zxid %d /h shows %q", z2, got)
	}
	b.MustEval(`location.search`, &search)
	if want := fmt.Sprintf("?path=/h&at=%d", z2); search != want {
		t.Fatalf("the URL's query is %q, want %q", search, want)
	}
	// A time stands for the last zxid at or before it.
	want := z1
	for _, v := range []struct{ zxid, ms int64 }{{z2, st2.Mtime}, {z3, st3.Mtime}} {
		if v.ms <= st1.Ctime {
			want = v.zxid
		}
	}
	setValue(t, b, "#at-box", time.UnixMilli(st1.Ctime).UTC().Format("2006-01-02T15:04:05.000Z"))
	b.MustEval(`document.querySelector("#at-box").form.requestSubmit()`, nil)
	b.WaitFor(fmt.Sprintf(`location.search === "?path=/h&at=%d" && document.querySelector("#at-banner")`, want))

	// A shared view as of then, with its history and diffs.
	b.Navigate(fmt.Sprintf("%s/ui/?path=/h&at=%d", n.ClientURL, z3))
	b.WaitFor(`document.querySelector("#tab-history")`)
	click(t, b, "#tab-history")
	b.WaitFor(`document.querySelectorAll("#history tr.change").length === 3`)
	b.WaitFor(`document.querySelector("#at-banner-time").innerText !== ""`)
	screenshot(t, b, "ui-history.png")

	// Live, the history tab shows a change as it is made.
	b.Navigate(n.ClientURL + "/ui/?path=/h")
	b.WaitFor(`document.querySelector("#live").innerText.startsWith("●") && document.querySelector("#tab-history")`)
	click(t, b, "#tab-history")
	b.WaitFor(`document.querySelectorAll("#history tr.change").length === 3`)
	st4, err := c.Set("/h", []byte("alpha\nBETA\ngamma\ndelta\nepsilon"), 2)
	if err != nil {
		t.Fatal(err)
	}
	b.WaitFor(fmt.Sprintf(`document.querySelectorAll("#history tr.change").length === 4 && document.querySelector("#history tr.change").dataset.zxid === "%d"`, st4.Mzxid))
	if got := b.Text("#history tr.diff-row"); !strings.HasSuffix(got, "+ epsilon") {
		t.Fatalf("the diff of the change made live shows %q", got)
	}

	// A deleted znode keeps its history.
	if err := c.Delete("/h/later", 0); err != nil {
		t.Fatal(err)
	}
	_, stRoot, err := c.Get("/h")
	if err != nil {
		t.Fatal(err)
	}
	b.Navigate(n.ClientURL + "/ui/?path=/h/later")
	b.WaitFor(`document.querySelector("#znode-error") && document.querySelector("#tab-history")`)
	click(t, b, "#tab-history")
	b.WaitFor(`document.querySelectorAll("#history tr.change").length === 2`)
	if got, want := strings.Join(historyRows(t, b), " "), fmt.Sprintf("delete@%d create@%d", stRoot.Pzxid, stChild.Czxid); got != want {
		t.Fatalf("the history of the deleted /h/later: %s, want %s", got, want)
	}
	noPageErrors(t, b)
}

// TestUI_HistoryDigest: the history of a znode only a digest may read
// lists its changes but hides their data until the page logs in with
// that digest.
func TestUI_HistoryDigest(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{})
	c, _ := zkConnect(t, n.ZKAddr)
	if err := c.AddAuth("digest", []byte("alice:wonderland")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create("/sec", []byte("secret v1"), 0, zk.DigestACL(zk.PermAll, "alice", "wonderland")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Set("/sec", []byte("secret v2"), 0); err != nil {
		t.Fatal(err)
	}
	b := harness.StartBrowser(t)
	b.Navigate(n.ClientURL + "/ui/?path=/sec")
	b.WaitFor(`document.querySelector("#znode-error") && document.querySelector("#tab-history")`)
	click(t, b, "#tab-history")
	b.WaitFor(`document.querySelectorAll("#history tr.change").length === 2`)
	var diffs []string
	b.MustEval(`[...document.querySelectorAll("#history tr.diff-row")].map((r) => r.innerText)`, &diffs)
	if len(diffs) != 2 || diffs[0] != "not readable with these credentials" || diffs[1] != "not readable with these credentials" {
		t.Fatalf("without a login the diffs show %q", diffs)
	}

	setValue(t, b, "#login-cred", "alice:wonderland")
	b.MustEval(`document.querySelector("#login").requestSubmit()`, nil)
	b.WaitFor(`document.querySelector("#data-view") && document.querySelector("#data-view").innerText === "secret v2"`)
	click(t, b, "#tab-history")
	b.WaitFor(`document.querySelectorAll("#history tr.diff-row").length === 2`)
	b.MustEval(`[...document.querySelectorAll("#history tr.diff-row")].map((r) => r.innerText)`, &diffs)
	if len(diffs) != 2 || diffs[0] != "- secret v1\n+ secret v2" || diffs[1] != "+ secret v1" {
		t.Fatalf("logged in, the diffs show %q", diffs)
	}
	noPageErrors(t, b)
}

// TestUI_HistoryCompacted: once etcd has compacted the creation of a
// znode away, the history tab's first change is the data change at the
// compaction's zxid, shown without a diff (the data before it is not
// kept), and the next one is diffed against it; the slider starts at
// the oldest zxid kept.
func TestUI_HistoryCompacted(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{})
	c, _ := zkConnect(t, n.ZKAddr)
	if _, err := c.Create("/old", []byte("one"), 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	st2, err := c.Set("/old", []byte("two"), 0)
	if err != nil {
		t.Fatal(err)
	}
	st3, err := c.Set("/old", []byte("three"), 1)
	if err != nil {
		t.Fatal(err)
	}
	etcd, err := clientv3.New(clientv3.Config{Endpoints: []string{n.ClientURL}, DialTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer etcd.Close()
	if _, err := etcd.Compact(testCtx(t), st2.Mzxid, clientv3.WithCompactPhysical()); err != nil {
		t.Fatalf("compacting at %d: %v", st2.Mzxid, err)
	}

	b := harness.StartBrowser(t)
	b.Navigate(n.ClientURL + "/ui/?path=/old")
	b.WaitFor(`document.querySelector("#tab-history")`)
	click(t, b, "#tab-history")
	b.WaitFor(`document.querySelectorAll("#history tr.change").length === 2`)
	rows := historyRows(t, b)
	slices.Sort(rows)
	if got, want := strings.Join(rows, " "), fmt.Sprintf("setData@%d setData@%d", st2.Mzxid, st3.Mzxid); got != want {
		t.Fatalf("history rows %s, want %s", got, want)
	}
	diffOf := func(zxid int64) string {
		var s string
		b.MustEval(fmt.Sprintf(`document.querySelector('#history tr.change[data-zxid="%d"]').nextElementSibling.innerText`, zxid), &s)
		return s
	}
	if got := diffOf(st2.Mzxid); !strings.HasPrefix(got, "the first change kept: the data before it is not kept") || !strings.Contains(got, "two") {
		t.Errorf("the change at the compaction's zxid shows %q", got)
	}
	if got := diffOf(st3.Mzxid); got != "- two\n+ three" {
		t.Errorf("the change after it shows %q", got)
	}
	b.WaitFor(fmt.Sprintf(`!document.querySelector("#at-slider").disabled && document.querySelector("#at-slider").min === "%d"`, st2.Mzxid))
	noPageErrors(t, b)
}

// TestUI_HistoryPages: a history of more than a page (1000 changes) is
// shown a page at a time, each page ending at a zxid boundary, the later
// changes on the next page.
func TestUI_HistoryPages(t *testing.T) {
	t.Parallel()
	n := harness.StartNode(t, harness.NodeOptions{})
	c, _ := zkConnect(t, n.ZKAddr)
	if _, err := c.Create("/busy", []byte("0"), 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	// 1001 data changes, pipelined over the one connection.
	const sets = 1001
	var wg sync.WaitGroup
	errs := make(chan error, sets)
	work := make(chan int)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				if _, err := c.Set("/busy", []byte(fmt.Sprint(i)), -1); err != nil {
					errs <- err
				}
			}
		}()
	}
	for i := 1; i <= sets; i++ {
		work <- i
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	_, st, err := c.Get("/busy")
	if err != nil || st.Version != sets {
		t.Fatalf("get /busy: version %d, %v", st.Version, err)
	}

	b := harness.StartBrowser(t)
	b.Navigate(n.ClientURL + "/ui/?path=/busy")
	b.WaitFor(`document.querySelector("#tab-history")`)
	click(t, b, "#tab-history")
	// 1002 changes: the first page holds the first 999 (the 1000th
	// change's zxid starts the next page), the second the last 3.
	b.WaitFor(`document.querySelectorAll("#history tr.change").length === 999 && document.querySelector("#hist-later")`)
	click(t, b, "#hist-later")
	b.WaitFor(`document.querySelectorAll("#history tr.change").length === 3`)
	var zxids []int64
	b.MustEval(`[...document.querySelectorAll("#history tr.change")].map((r) => Number(r.dataset.zxid))`, &zxids)
	if zxids[0] != st.Mzxid {
		t.Fatalf("the second page, newest first, starts at zxid %d, want %d", zxids[0], st.Mzxid)
	}
	// The page's first change is diffed against the data before it.
	var lastDiff string
	b.MustEval(`[...document.querySelectorAll("#history tr.diff-row")].pop().innerText`, &lastDiff)
	if !strings.HasPrefix(lastDiff, "- ") || !strings.Contains(lastDiff, "\n+ ") {
		t.Fatalf("the page's first change shows %q", lastDiff)
	}
	if b.Text("#hist-later") != "" {
		t.Fatal("the last page offers later changes")
	}
	click(t, b, "#hist-oldest")
	b.WaitFor(`document.querySelectorAll("#history tr.change").length === 999`)
	noPageErrors(t, b)
}
