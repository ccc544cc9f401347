package e2e

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/zkgate/zkgate/e2e/harness"
)

// TestBrowsers_RecordPageErrors: both browser drivers record a page's own
// errors (here console.error), on which the console's tests rely to
// fail: the event comes over the same connection before the answer to
// the wait that follows it.
func TestBrowsers_RecordPageErrors(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte(`<!doctype html><p id="done"></p><script>
console.error("logged on purpose");
setTimeout(() => { document.getElementById("done").textContent = "ok"; }, 0);
</script>`))
	}))
	defer srv.Close()
	b := harness.StartBrowser(t)
	b.Navigate(srv.URL)
	b.WaitFor(`document.getElementById("done").textContent === "ok"`)
	f := harness.StartFirefox(t)
	f.Navigate(srv.URL)
	f.WaitFor(`document.getElementById("done").textContent === "ok"`)
	for name, errs := range map[string]func() []string{"chromium": b.Errors, "firefox": f.Errors} {
		got := strings.Join(errs(), "\n")
		if !strings.Contains(got, "logged on purpose") {
			t.Errorf("%s recorded %q, without the console.error", name, got)
		}
	}
}
