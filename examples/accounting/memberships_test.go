package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tastygo/tastygo/internal/testdb"
)

// Memberships (user_accounts): "accounts" on a user and "users" on an account, as lists of keys,
// filterable by accountid and userid, replaced by writes, removed by deletes.

// memberList is a list field of an object as "1,3".
func memberList(t testing.TB, o map[string]any, name string) string {
	t.Helper()
	list, ok := o[name].([]any)
	if !ok {
		t.Fatalf("%s is not a list: %#v", name, o[name])
	}
	parts := make([]string, len(list))
	for i, v := range list {
		parts[i] = fmt.Sprint(v)
	}
	return strings.Join(parts, ",")
}

func TestMembershipsShown(t *testing.T) {
	eachService(t, func(t *testing.T, s *service) {
		want := s.column(t, "SELECT accountid FROM user_accounts WHERE userid = 1 ORDER BY accountid")
		if want == "" {
			t.Fatal("user 1 has no accounts in the seed")
		}
		a := s.get(t, "/users/1/")
		if a.status != 200 || memberList(t, a.body, "accounts") != want {
			t.Fatalf("GET /users/1/: %d %s; want accounts [%s]", a.status, a.raw, want)
		}
		a = s.get(t, "/accounts/1/")
		if want := s.column(t, "SELECT userid FROM user_accounts WHERE accountid = 1 ORDER BY userid"); a.status != 200 || memberList(t, a.body, "users") != want {
			t.Fatalf("GET /accounts/1/: %d %s; want users [%s]", a.status, a.raw, want)
		}
		// Every user of the list, with an empty list (never null) for one without accounts.
		if _, err := s.db.Exec("INSERT INTO users (userid, username, usermetadata, email, ldapuid, created, updated) VALUES (900, 'loner', '', 'l@x', 1, '2020-01-01T00:00:00Z', '2020-01-01T00:00:00Z')"); err != nil {
			t.Fatal(err)
		}
		a = s.get(t, "/users/?page_size=1000")
		if a.status != 200 {
			t.Fatalf("GET /users/: %d %s", a.status, a.raw)
		}
		for _, o := range a.results() {
			id := fmt.Sprint(o["userid"])
			if got, want := memberList(t, o, "accounts"), s.column(t, "SELECT accountid FROM user_accounts WHERE userid = ? ORDER BY accountid", id); got != want {
				t.Errorf("user %s: accounts [%s], want [%s]", id, got, want)
			}
		}
		if a := s.get(t, "/users/900/"); !strings.Contains(a.raw, `"accounts": []`) {
			t.Errorf("a user without accounts: %s", a.raw)
		}
	})
}

func TestMembershipFilters(t *testing.T) {
	eachService(t, func(t *testing.T, s *service) {
		checkFilters(t, s, []filterCase{
			{"/users/?accountid=3", "SELECT count(*) FROM user_accounts WHERE accountid = 3", nil},
			{"/users/?accounts=3", "SELECT count(*) FROM user_accounts WHERE accountid = 3", nil},
			{"/users/?accountid__in=1,3", "SELECT count(DISTINCT userid) FROM user_accounts WHERE accountid IN (1, 3)", nil},
			{"/accounts/?userid=2", "SELECT count(*) FROM user_accounts WHERE userid = 2", nil},
			{"/accounts/?userid=2&type=" + s.scalar(t, "SELECT type FROM accounts WHERE accountid = (SELECT min(accountid) FROM user_accounts WHERE userid = 2)"),
				"SELECT count(*) FROM accounts a JOIN user_accounts m ON m.accountid = a.accountid WHERE m.userid = 2 AND a.type = (SELECT type FROM accounts WHERE accountid = (SELECT min(accountid) FROM user_accounts WHERE userid = 2))", nil},
		})
		a := s.get(t, "/users/?accountid=3&page_size=1000")
		for _, o := range a.results() {
			if !strings.Contains(","+memberList(t, o, "accounts")+",", ",3,") {
				t.Errorf("user %v listed by accountid=3 has accounts %v", o["userid"], o["accounts"])
			}
		}
		for _, path := range []string{"/users/?accountid=x", "/accounts/?userid__gt=1"} {
			a := s.get(t, path)
			if a.status != 400 || (a.code() != "INVALID_VALUE" && a.code() != "INVALID_FILTER") {
				t.Errorf("GET %s: %d %s; want 400", path, a.status, a.raw)
			}
		}
	})
}

func TestMembershipWrites(t *testing.T) {
	eachService(t, func(t *testing.T, s *service) {
		members := func(user string) string {
			return s.column(t, "SELECT accountid FROM user_accounts WHERE userid = ? ORDER BY accountid", user)
		}
		// PATCH with the list replaces the memberships and answers with them.
		a := s.do(t, request{method: "PATCH", path: "/users/2/", body: `{"accounts": [4, 2, 4]}`})
		if a.status != 200 || memberList(t, a.body, "accounts") != "2,4" || members("2") != "2,4" {
			t.Fatalf("PATCH accounts: %d %s; database %s", a.status, a.raw, members("2"))
		}
		// PATCH of another field leaves them.
		if a := s.do(t, request{method: "PATCH", path: "/users/2/", body: `{"email": "two@example.org"}`}); a.status != 200 || members("2") != "2,4" {
			t.Fatalf("PATCH email: %d %s; memberships %s", a.status, a.raw, members("2"))
		}
		// By form: keys separated by commas.
		if a := s.do(t, request{method: "PATCH", path: "/users/2/", body: "accounts=1,3", contentType: "application/x-www-form-urlencoded"}); a.status != 200 || members("2") != "1,3" {
			t.Fatalf("PATCH by form: %d %s; memberships %s", a.status, a.raw, members("2"))
		}
		// An empty form field: no memberships.
		if a := s.do(t, request{method: "PATCH", path: "/users/2/", body: "accounts=", contentType: "application/x-www-form-urlencoded"}); a.status != 200 || members("2") != "" {
			t.Fatalf("PATCH by form, empty: %d %s; memberships %s", a.status, a.raw, members("2"))
		}
		if a := s.do(t, request{method: "PATCH", path: "/users/2/", body: "accounts=[3]", contentType: "application/x-www-form-urlencoded"}); a.status != 200 || members("2") != "3" {
			t.Fatalf("PATCH by form, [3]: %d %s; memberships %s", a.status, a.raw, members("2"))
		}
		// PUT with the whole object and an empty list.
		u := s.get(t, "/users/2/").body
		put := fmt.Sprintf(`{"username": %q, "usermetadata": %q, "email": %q, "ldapuid": %s, "accounts": []}`, u["username"], u["usermetadata"], u["email"], u["ldapuid"])
		if a := s.do(t, request{method: "PUT", path: "/users/2/", body: put}); a.status != 200 || !strings.Contains(a.raw, `"accounts": []`) || members("2") != "" {
			t.Fatalf("PUT accounts []: %d %s; memberships %s", a.status, a.raw, members("2"))
		}
		// The account side writes the same table.
		if a := s.do(t, request{method: "PATCH", path: "/accounts/2/", body: `{"users": [2]}`}); a.status != 200 || memberList(t, a.body, "users") != "2" || members("2") != "2" {
			t.Fatalf("PATCH users: %d %s; memberships %s", a.status, a.raw, members("2"))
		}
		// An unknown key: 400 naming the field, nothing changed (the email neither).
		before := s.count(t, "SELECT count(*) FROM user_accounts")
		a = s.do(t, request{method: "PATCH", path: "/users/2/", body: `{"email": "changed@example.org", "accounts": [1, 99999]}`})
		if a.status != 400 || a.code() != "VALIDATION_ERROR" || a.body["success"] != false {
			t.Fatalf("unknown account: %d %s", a.status, a.raw)
		}
		fields, _ := a.body["details"].(map[string]any)["fields"].(map[string]any)
		if msg, _ := fields["accounts"].(string); !strings.Contains(msg, "99999") || len(fields) != 1 {
			t.Errorf("unknown account: details.fields %v", fields)
		}
		if members("2") != "2" || s.count(t, "SELECT count(*) FROM user_accounts") != before || s.scalar(t, "SELECT email FROM users WHERE userid = 2") != "two@example.org" {
			t.Errorf("a refused write changed the database: memberships %s, email %s", members("2"), s.scalar(t, "SELECT email FROM users WHERE userid = 2"))
		}
		// Not a list of keys: 400 before the database.
		for _, body := range []string{`{"accounts": "x"}`, `{"accounts": [1.5]}`, `{"accounts": null}`, `{"accounts": {"a": 1}}`} {
			a := s.do(t, request{method: "PATCH", path: "/users/2/", body: body})
			f, _ := a.body["details"].(map[string]any)["fields"].(map[string]any)
			if a.status != 400 || a.code() != "VALIDATION_ERROR" || f["accounts"] == nil {
				t.Errorf("PATCH %s: %d %s", body, a.status, a.raw)
			}
		}
		// A failure later in the write (a username taken) rolls the memberships back.
		taken := s.scalar(t, "SELECT username FROM users WHERE userid = 3")
		a = s.do(t, request{method: "PATCH", path: "/users/2/", body: fmt.Sprintf(`{"accounts": [1, 3], "username": %q}`, taken)})
		if a.status < 400 || members("2") != "2" {
			t.Errorf("a write failing on username: %d %s; memberships %s (want 2)", a.status, a.raw, members("2"))
		}
		// POST with the list.
		a = s.do(t, request{method: "POST", path: "/users/", body: `{"username": "newbie", "usermetadata": "", "email": "n@x", "ldapuid": 5, "accounts": [3, 1]}`})
		if a.status != 201 || memberList(t, a.body, "accounts") != "1,3" {
			t.Fatalf("POST with accounts: %d %s", a.status, a.raw)
		}
		if id := fmt.Sprint(a.body["userid"]); members(id) != "1,3" {
			t.Errorf("POST: memberships of %s: %s", id, members(id))
		}
	})
}

// DELETE removes the memberships with the object; one with jobs is 409 and keeps them (writes_test.go
// TestDelete checks that half too).
func TestMembershipDelete(t *testing.T) {
	eachService(t, func(t *testing.T, s *service) {
		a := s.do(t, request{method: "POST", path: "/users/", body: `{"username": "shortlived", "usermetadata": "", "email": "s@x", "ldapuid": 5, "accounts": [1, 2]}`})
		if a.status != 201 {
			t.Fatalf("POST: %d %s", a.status, a.raw)
		}
		id := fmt.Sprint(a.body["userid"])
		if a := s.do(t, request{method: "DELETE", path: "/users/" + id + "/"}); a.status != 204 {
			t.Fatalf("DELETE /users/%s/: %d %s", id, a.status, a.raw)
		}
		if s.count(t, "SELECT count(*) FROM users WHERE userid = ?", id) != 0 || s.count(t, "SELECT count(*) FROM user_accounts WHERE userid = ?", id) != 0 {
			t.Errorf("the user or its memberships are still there")
		}
		withJobs := s.scalar(t, "SELECT min(userid) FROM jobs")
		members := s.count(t, "SELECT count(*) FROM user_accounts WHERE userid = ?", withJobs)
		if a := s.do(t, request{method: "DELETE", path: "/users/" + withJobs + "/"}); a.status != 409 || a.code() != "CONFLICT" {
			t.Errorf("DELETE a user with jobs: %d %s", a.status, a.raw)
		}
		if members == 0 || s.count(t, "SELECT count(*) FROM user_accounts WHERE userid = ?", withJobs) != members {
			t.Errorf("a refused DELETE removed memberships (or the case has none)")
		}
	})
}

// OPTIONS describes the lists as the team's DRF did: a read-only "field".
func TestMembershipOptions(t *testing.T) {
	eachService(t, func(t *testing.T, s *service) {
		for _, tc := range []struct{ path, name string }{{"/users/", "accounts"}, {"/accounts/1/", "users"}} {
			a := s.do(t, request{method: "OPTIONS", path: tc.path})
			actions, _ := a.body["actions"].(map[string]any)
			var info map[string]any
			for _, v := range actions {
				info, _ = v.(map[string]any)[tc.name].(map[string]any)
			}
			if a.status != 200 || info == nil || info["type"] != "field" || info["read_only"] != true || info["required"] != false {
				t.Errorf("OPTIONS %s: %s is %v (%d)", tc.path, tc.name, info, a.status)
			}
		}
	})
}

// CSV shows each list as one cell, the keys joined by commas.
func TestMembershipCSV(t *testing.T) {
	eachService(t, func(t *testing.T, s *service) {
		a := s.get(t, "/users/?format=csv&ordering=userid&page_size=3")
		if a.status != 200 {
			t.Fatalf("GET CSV: %d %s", a.status, a.raw)
		}
		lines := strings.Split(strings.TrimSpace(a.raw), "\n")
		if len(lines) != 4 || !strings.Contains(lines[0], ",accounts,") {
			t.Fatalf("CSV: %s", a.raw)
		}
		want := s.column(t, "SELECT accountid FROM user_accounts WHERE userid = 1 ORDER BY accountid")
		if !strings.Contains(lines[1], `,"`+want+`",`) && !strings.Contains(lines[1], ","+want+",") {
			t.Errorf("CSV row of user 1: %s; want accounts %s", lines[1], want)
		}
	})
}

// The memberships of a page cost one query, whatever the page's size: a page of 5 users and one of 100
// run the same number of statements.
func TestMembershipQueriesPerPage(t *testing.T) {
	for _, backend := range testdb.Backends {
		t.Run(string(backend), func(t *testing.T) {
			db, d, counter := testdb.OpenCounting(t, backend)
			s := newTestService(t, db, d, true)
			queries := func(path string) int64 {
				t.Helper()
				s.get(t, path) // warms what the first request of a token caches
				counter.Reset()
				if a := s.get(t, path); a.status != 200 || len(a.results()) == 0 {
					t.Fatalf("GET %s: %d %.200s", path, a.status, a.raw)
				}
				return counter.N()
			}
			small, large := queries("/users/?page_size=5"), queries("/users/?page_size=100")
			jobs := queries("/jobs/?page_size=100")
			if small != large || large != jobs+1 {
				t.Errorf("queries: %d for 5 users, %d for 100 users, %d for 100 jobs (no memberships); want the same for both pages of users, one more than for jobs", small, large, jobs)
			}
			t.Logf("%s: %d statements for a page of 100 users, %d for a page of 100 jobs", backend, large, jobs)
		})
	}
}
