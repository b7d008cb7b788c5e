package main

import (
	"database/sql"
	"fmt"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/tastygo/tastygo/dialect"
)

// TestBrowserSession drives headless Chromium through the browsable API on both backends: log in,
// open the indicator list, filter it with the form, follow next, open an object, edit it and see the
// change, create one with a bad value and see the error next to the field, log out. Each step is
// checked in the page and, for writes, in the database. The SQLite run writes the screenshot of the
// list the README shows (docs/screenshots/).
func TestBrowserSession(t *testing.T) {
	eachAuthFixture(t, func(t *testing.T, db *sql.DB, d dialect.Dialect, f *authFixture) {
		ctx := newTab(t)
		srv := httptest.NewServer(f.api)
		defer srv.Close()
		base := srv.URL + "/api/v1/"

		// Log in; the login page sends the browser on to the list.
		inTab(t, ctx, "log in",
			chromedp.Navigate(base+"login/?next="+url.QueryEscape("/api/v1/indicator/")),
			chromedp.WaitVisible(chromedp.CSS("#username")),
			chromedp.SendKeys(chromedp.CSS("#username"), superName),
			chromedp.SendKeys(chromedp.CSS("#password"), "pw-"+superName),
			chromedp.Click(chromedp.CSS("#login-submit")))
		waitLocation(t, ctx, "after login", func(u string) bool { return u == base+"indicator/" })
		waitText(t, ctx, "#user", "the logged-in user", func(s string) bool { return s == superName })
		waitText(t, ctx, "#status", "the list's status", func(s string) bool { return s == "200 OK" })
		if n := f.scalar(t, `SELECT count(*) FROM app_session`); n != 1 {
			t.Fatalf("%d session rows after login, want 1", n)
		}

		// Filter with the form: data_format = int, two a page, ordered by -id.
		ints := f.scalar(t, `SELECT count(*) FROM indicator WHERE data_format = 'int'`)
		inTab(t, ctx, "filter",
			chromedp.Click(chromedp.CSS("#filters summary")),
			chromedp.WaitVisible(chromedp.CSS("#f-data_format")),
			chromedp.SendKeys(chromedp.CSS("#f-data_format"), "int"),
			chromedp.SetValue(chromedp.CSS("#order_by"), "-id"),
			chromedp.SendKeys(chromedp.CSS("#limit"), "2"),
			chromedp.Click(chromedp.CSS("#filter-submit")))
		loc := waitLocation(t, ctx, "after filtering", showing("data_format=int"))
		if want := base + "indicator/?data_format=int&order_by=-id&limit=2"; loc != want {
			t.Fatalf("the filter form went to %s, want %s", loc, want)
		}
		body := waitText(t, ctx, "#body", "the filtered list", showing(`"total_count": `+fmt.Sprint(ints)))
		firstIDs := f.idList(t, `SELECT id FROM indicator WHERE data_format = 'int' ORDER BY id DESC LIMIT 2`)
		if !strings.Contains(body, fmt.Sprintf(`"resource_uri": "/api/v1/indicator/%d/"`, firstIDs[0])) {
			t.Fatalf("the filtered list lacks indicator %d:\n%s", firstIDs[0], body)
		}
		if d.Name() == dialect.SQLite {
			screenshot(t, ctx, "browsable-list.png")
		}

		// Follow next.
		inTab(t, ctx, "next", chromedp.Click(chromedp.CSS("#next")))
		waitLocation(t, ctx, "the next page", showing("offset=2"))
		third := f.idList(t, `SELECT id FROM indicator WHERE data_format = 'int' ORDER BY id DESC LIMIT 1 OFFSET 2`)[0]
		waitText(t, ctx, "#body", "the next page", showing(fmt.Sprintf(`"/api/v1/indicator/%d/"`, third)))

		// Open an object by its link in the answer.
		link := fmt.Sprintf(`#body a[href="/api/v1/indicator/%d/"]`, third)
		inTab(t, ctx, "open an object", chromedp.Click(chromedp.CSS(link)))
		waitLocation(t, ctx, "the object", func(u string) bool { return u == fmt.Sprintf("%sindicator/%d/", base, third) })
		waitText(t, ctx, "h1", "the object page", func(s string) bool { return s == "indicator" })

		// Edit it and see the change, on the page and in the database.
		inTab(t, ctx, "edit form", chromedp.WaitVisible(chromedp.CSS("#PATCH-name")))
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(document.getElementById("PATCH-name").value = "", true)`)); err != nil {
			t.Fatal(err)
		}
		inTab(t, ctx, "edit",
			chromedp.SendKeys(chromedp.CSS("#PATCH-name"), "Edited in Chromium"),
			chromedp.Click(chromedp.CSS("#edit-form button[type=submit]")))
		waitText(t, ctx, "#body", "the edited object", showing(`"name": "Edited in Chromium"`))
		var name string
		if err := db.QueryRow(`SELECT name FROM indicator WHERE id = ` + fmt.Sprint(third)).Scan(&name); err != nil || name != "Edited in Chromium" {
			t.Fatalf("indicator %d is named %q after the edit (%v)", third, name, err)
		}

		// Create one with a bad value: the server's error shows next to the field, nothing is written.
		before := f.scalar(t, `SELECT count(*) FROM indicator`)
		inTab(t, ctx, "create",
			chromedp.Navigate(base+"indicator/"),
			chromedp.WaitVisible(chromedp.CSS("#POST-short_name")),
			chromedp.SendKeys(chromedp.CSS("#POST-short_name"), "chromium_made"),
			chromedp.SendKeys(chromedp.CSS("#POST-name"), "Made in Chromium"),
			chromedp.SetValue(chromedp.CSS("#POST-data_format"), "pct"),
			chromedp.SendKeys(chromedp.CSS("#POST-good_bound"), "lots"),
			chromedp.Click(chromedp.CSS("#create-form button[type=submit]")))
		waitText(t, ctx, `#create-form .field-error[data-for="good_bound"]`, "the field's error", func(s string) bool { return s == `"lots" is not a number` })
		waitText(t, ctx, "#create-form .form-error", "the form's error", showing("Invalid data for indicator"))
		invalid, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("POST-good_bound").classList.contains("invalid")`))
		if err != nil || !invalid {
			t.Error("the bad field is not marked invalid")
		}
		if after := f.scalar(t, `SELECT count(*) FROM indicator`); after != before {
			t.Fatalf("%d indicators after a refused create, %d before", after, before)
		}

		// Log out: the session row is gone and the list asks for a login again.
		inTab(t, ctx, "log out", chromedp.Click(chromedp.CSS("#logout")))
		waitLocation(t, ctx, "after logout", func(u string) bool { return u == base+"login/" })
		if n := f.scalar(t, `SELECT count(*) FROM app_session`); n != 0 {
			t.Fatalf("%d session rows after logout, want 0", n)
		}
		inTab(t, ctx, "the list after logout", chromedp.Navigate(base+"indicator/"))
		waitText(t, ctx, "#status", "the list after logout", func(s string) bool { return s == "401 Unauthorized" })
		waitText(t, ctx, "#login", "the login link", func(s string) bool { return s == "Log in" })
	})
}
