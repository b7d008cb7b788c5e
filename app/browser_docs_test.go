package main

import (
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/resource"
)

// corsPage is a page of another origin that calls the API from the browser: once on an API that
// allows its origin (the count of indicators shows), once on one that does not (the browser blocks
// the answer).
const corsPage = `<!DOCTYPE html><title>other origin</title><pre id="out">waiting</pre><pre id="blocked">waiting</pre>
<script>
fetch(%q, {headers: {"Authorization": %q}, credentials: "include"})
  .then(function (r) { return r.json().then(function (b) { document.getElementById("out").textContent = r.status + " " + b.meta.total_count; }); })
  .catch(function (e) { document.getElementById("out").textContent = "failed: " + e; });
fetch(%q, {headers: {"Authorization": %q}})
  .then(function (r) { document.getElementById("blocked").textContent = "answered " + r.status; })
  .catch(function (e) { document.getElementById("blocked").textContent = "blocked"; });
</script>`

// TestBrowserDocsAndCORS renders the docs page (public, serve --public-docs) in Chromium and finds
// every resource on it, and opens a page on another origin (a second server, another port) whose
// script calls the API with an API key: allowed by the API's CORS origins, and blocked by the browser
// on an API without them. The SQLite run writes the docs page's screenshot (docs/screenshots/).
func TestBrowserDocsAndCORS(t *testing.T) {
	eachAuthFixture(t, func(t *testing.T, db *sql.DB, d dialect.Dialect, f *authFixture) {
		ctx := newTab(t)
		var pageBody string
		other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = io.WriteString(w, pageBody)
		}))
		defer other.Close()
		h, err := newHandler(db, d, slog.New(slog.NewTextHandler(io.Discard, nil)),
			access{cache: f.cache, publicDocs: true, corsOrigins: []string{other.URL}})
		if err != nil {
			t.Fatal(err)
		}
		api := httptest.NewServer(h)
		defer api.Close()
		closed := httptest.NewServer(f.api)
		defer closed.Close()

		// The docs page, without logging in: a section for every resource.
		inTab(t, ctx, "docs", chromedp.Navigate(api.URL+"/api/v1/docs/"))
		waitLocation(t, ctx, "the docs page", func(u string) bool { return u == api.URL+"/api/v1/docs/" })
		names := h.(*resource.API).Names()
		missing, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](fmt.Sprintf(
			`%s.filter(function (n) { var s = document.getElementById(n); return !s || s.querySelector("h2").innerText !== n; })`, jsonList(names))))
		if err != nil || len(missing) > 0 {
			t.Fatalf("the docs page lacks %v of %d resources (%v)", missing, len(names), err)
		}
		if d.Name() == dialect.SQLite {
			screenshot(t, ctx, "docs.png")
		}

		// The page on the other origin.
		key := f.as(superName)
		pageBody = fmt.Sprintf(corsPage, api.URL+"/api/v1/indicator/?limit=1", key, closed.URL+"/api/v1/indicator/?limit=1", key)
		inTab(t, ctx, "the other origin's page", chromedp.Navigate(other.URL+"/"))
		want := fmt.Sprintf("200 %d", f.scalar(t, `SELECT count(*) FROM indicator`))
		waitText(t, ctx, "#out", "the allowed call", func(s string) bool { return s == want })
		waitText(t, ctx, "#blocked", "the call without CORS", func(s string) bool { return s == "blocked" })
	})
}

// jsonList is a JavaScript array of the strings.
func jsonList(names []string) string {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = fmt.Sprintf("%q", n)
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}
