package main

import (
	"fmt"
	"strconv"
	"testing"
)

// The root lists each resource's list by its absolute URL.
func TestRoot(t *testing.T) {
	eachService(t, func(t *testing.T, s *service) {
		a := s.get(t, "/")
		want := `{"accounts": "http://example.com/accounts/", "jobs": "http://example.com/jobs/", "users": "http://example.com/users/"}`
		if a.status != 200 || a.raw != want {
			t.Fatalf("GET /: %d %s, want 200 %s", a.status, a.raw, want)
		}
	})
}

// Each list is DRF's page-number pagination: 100 objects a page, count, absolute next/previous links
// keeping the other parameters, the link to page 1 without page.
func TestListPages(t *testing.T) {
	eachService(t, func(t *testing.T, s *service) {
		for _, tc := range []struct{ list, table, key string }{
			{"jobs", "jobs", "jobnumber"}, {"users", "users", "userid"}, {"accounts", "accounts", "accountid"},
		} {
			total := s.count(t, "SELECT count(*) FROM "+tc.table)
			a := s.get(t, "/"+tc.list+"/")
			if a.status != 200 || a.body["success"] != true || a.body["count"] != jsonInt(total) || a.body["previous"] != nil {
				t.Fatalf("GET /%s/: %d %.300s", tc.list, a.status, a.raw)
			}
			if n := len(a.results()); int64(n) != min(total, 100) {
				t.Errorf("GET /%s/: %d results, want %d", tc.list, n, min(total, 100))
			}
			wantNext := any(nil)
			if total > 100 {
				wantNext = "http://example.com/" + tc.list + "/?page=2"
			}
			if a.body["next"] != wantNext {
				t.Errorf("GET /%s/: next %v, want %v", tc.list, a.body["next"], wantNext)
			}
			if got := a.raw[:len(`{"success": true, "count": `)]; got != `{"success": true, "count": ` {
				t.Errorf("GET /%s/: the envelope starts %q", tc.list, got)
			}
		}

		// Page 2 of 3-object pages, with a filter kept in the links.
		userid := s.scalar(t, "SELECT userid FROM jobs GROUP BY userid ORDER BY count(*) DESC, userid LIMIT 1")
		total := s.count(t, "SELECT count(*) FROM jobs WHERE userid = ?", userid)
		a := s.get(t, "/jobs/?userid="+userid+"&page=2&page_size=3&ordering=jobnumber")
		wantPrev := "http://example.com/jobs/?ordering=jobnumber&page_size=3&userid=" + userid
		wantNext := "http://example.com/jobs/?ordering=jobnumber&page=3&page_size=3&userid=" + userid
		if a.status != 200 || a.body["count"] != jsonInt(total) || a.body["previous"] != wantPrev || a.body["next"] != wantNext {
			t.Fatalf("page 2: %d %.400s\nwant previous %s, next %s", a.status, a.raw, wantPrev, wantNext)
		}
		want := s.column(t, "SELECT jobnumber FROM jobs WHERE userid = ? ORDER BY jobnumber LIMIT 3 OFFSET 3", userid)
		if got := values(a.results(), "jobnumber"); got != want {
			t.Errorf("page 2: jobnumbers %s, want %s", got, want)
		}

		// A page_size that is not a positive integer falls back to 100; at most 1000.
		for _, ps := range []string{"0", "-3", "x", ""} {
			a := s.get(t, "/jobs/?page_size="+ps)
			if a.status != 200 || len(a.results()) != 100 {
				t.Errorf("page_size=%q: %d, %d results", ps, a.status, len(a.results()))
			}
		}
		a = s.get(t, "/jobs/?page_size=5000")
		if all := s.count(t, "SELECT count(*) FROM jobs"); a.status != 200 || int64(len(a.results())) != min(all, 1000) {
			t.Errorf("page_size=5000: %d, %d results", a.status, len(a.results()))
		}
	})
}

// A page past the end, or a page that is not a number, is DRF's 404.
func TestPageNotFound(t *testing.T) {
	eachService(t, func(t *testing.T, s *service) {
		pages := (s.count(t, "SELECT count(*) FROM jobs") + 99) / 100
		for _, page := range []string{strconv.FormatInt(pages+1, 10), "0", "x", "-1", "99999999999999999999"} {
			a := s.get(t, "/jobs/?page="+page)
			if a.status != 404 || a.body["error"] != "Invalid page." || a.code() != "PAGE_NOT_FOUND" || param(a) != "page" || a.body["success"] != false {
				t.Errorf("page=%s: %d %s", page, a.status, a.raw)
			}
		}
		if a := s.get(t, fmt.Sprintf("/jobs/?page=%d", pages)); a.status != 200 || a.body["next"] != nil {
			t.Errorf("the last page: %d %.200s", a.status, a.raw)
		}
	})
}
