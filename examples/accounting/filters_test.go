package main

import (
	"net/url"
	"strings"
	"testing"
)

// filterCase is a list request and the SQL that counts the rows it must match.
type filterCase struct {
	path  string
	query string
	args  []any
}

// checkFilters asserts each request's count, and that every object it lists is one the SQL counts.
func checkFilters(t *testing.T, s *service, cases []filterCase) {
	t.Helper()
	for _, tc := range cases {
		want := s.count(t, tc.query, tc.args...)
		a := s.get(t, tc.path)
		if a.status != 200 || a.body["count"] != jsonInt(want) {
			t.Errorf("GET %s: %d %.300s; want count %d", tc.path, a.status, a.raw, want)
			continue
		}
		if want == 0 {
			t.Errorf("GET %s: the case matches nothing, so it shows nothing", tc.path)
		}
	}
}

// The filter names the team documented are aliases of columns, with the framework's lookups.
func TestFilterNames(t *testing.T) {
	eachService(t, func(t *testing.T, s *service) {
		slurm := s.scalar(t, "SELECT jobslurmid FROM jobs WHERE jobnumber = 9")
		checkFilters(t, s, []filterCase{
			{"/jobs/?slurmjobid=" + slurm, "SELECT count(*) FROM jobs WHERE jobslurmid = ?", []any{slurm}},
			{"/jobs/?status=2", "SELECT count(*) FROM jobs WHERE jobstatus = 2", nil},
			{"/jobs/?status__in=1,2", "SELECT count(*) FROM jobs WHERE jobstatus IN (1, 2)", nil},
			{"/jobs/?status=3&qos=1", "SELECT count(*) FROM jobs WHERE jobstatus = 3 AND qos = 1", nil},
			{"/users/?ldapid=10004", "SELECT count(*) FROM users WHERE ldapuid = 10004", nil},
			{"/users/?saviousername=user003", "SELECT count(*) FROM users WHERE username = 'user003'", nil},
			{"/users/?saviousername__startswith=user00", "SELECT count(*) FROM users WHERE username LIKE 'user00%'", nil},
			{"/accounts/?allocation=" + s.scalar(t, "SELECT accountallocation FROM accounts WHERE accountid = 2"),
				"SELECT count(*) FROM accounts WHERE accountallocation = (SELECT accountallocation FROM accounts WHERE accountid = 2)", nil},
			{"/accounts/?allocation__gte=0", "SELECT count(*) FROM accounts", nil},
			{"/users/1/jobs/?status=2", "SELECT count(*) FROM jobs WHERE userid = 1 AND jobstatus = 2", nil},
		})
		for _, path := range []string{"/jobs/?status=x", "/users/?ldapid=abc"} {
			a := s.get(t, path)
			name := path[strings.Index(path, "?")+1 : strings.Index(path, "=")]
			if a.status != 400 || a.code() != "INVALID_VALUE" || param(a) != name {
				t.Errorf("GET %s: %d %s; want 400 naming %s", path, a.status, a.raw, name)
			}
		}
	})
}

// Every column of each resource filters by exact match, and the framework's lookups work.
func TestColumnFilters(t *testing.T) {
	eachService(t, func(t *testing.T, s *service) {
		job := map[string]string{}
		for _, c := range []string{"jobslurmid", "userid", "accountid", "jobstatus", "amount", "partition", "qos"} {
			job[c] = s.scalar(t, "SELECT "+s.d.Quote(c)+" FROM jobs WHERE jobnumber = 7")
		}
		checkFilters(t, s, []filterCase{
			{"/jobs/?jobslurmid=" + job["jobslurmid"], "SELECT count(*) FROM jobs WHERE jobslurmid = ?", []any{job["jobslurmid"]}},
			{"/jobs/?userid=" + job["userid"], "SELECT count(*) FROM jobs WHERE userid = ?", []any{job["userid"]}},
			{"/jobs/?accountid=" + job["accountid"], "SELECT count(*) FROM jobs WHERE accountid = ?", []any{job["accountid"]}},
			{"/jobs/?jobstatus=" + job["jobstatus"], "SELECT count(*) FROM jobs WHERE jobstatus = ?", []any{job["jobstatus"]}},
			{"/jobs/?amount=" + job["amount"], "SELECT count(*) FROM jobs WHERE amount = ?", []any{job["amount"]}},
			{"/jobs/?partition=" + job["partition"], `SELECT count(*) FROM jobs WHERE "partition" = ?`, []any{job["partition"]}},
			{"/jobs/?qos=" + job["qos"], "SELECT count(*) FROM jobs WHERE qos = ?", []any{job["qos"]}},
			{"/jobs/?amount__gte=100", "SELECT count(*) FROM jobs WHERE amount >= 100", nil},
			{"/jobs/?amount__gte=100&qos=2", "SELECT count(*) FROM jobs WHERE amount >= 100 AND qos = 2", nil},
			{"/jobs/?jobstatus__in=1,2", "SELECT count(*) FROM jobs WHERE jobstatus IN (1, 2)", nil},
			{"/jobs/?startdate__isnull=true", "SELECT count(*) FROM jobs WHERE startdate IS NULL", nil},
			{"/users/?username=user003", "SELECT count(*) FROM users WHERE username = 'user003'", nil},
			{"/users/?ldapuid=10004", "SELECT count(*) FROM users WHERE ldapuid = 10004", nil},
			{"/users/?email=user005@example.edu", "SELECT count(*) FROM users WHERE email = 'user005@example.edu'", nil},
			{"/accounts/?accountname=acct002", "SELECT count(*) FROM accounts WHERE accountname = 'acct002'", nil},
			{"/accounts/?type=lab", "SELECT count(*) FROM accounts WHERE type = 'lab'", nil},
			{"/accounts/?accountallocation__gt=0", "SELECT count(*) FROM accounts", nil},
		})
		// Timestamps: an instant matches exactly; a lookup compares.
		submit := s.get(t, "/jobs/7/").body["submitdate"].(string)
		a := s.get(t, "/jobs/?submitdate="+url.QueryEscape(submit))
		if a.status != 200 || values(a.results(), "jobnumber") == "" {
			t.Errorf("submitdate=%s: %d %.300s", submit, a.status, a.raw)
		}
		checkFilters(t, s, []filterCase{
			{"/jobs/?submitdate__lt=2018-06-01T00:00:00Z", "SELECT count(*) FROM jobs WHERE submitdate < ?",
				[]any{s.d.Bind(fieldDateTime, mustTime(t, "2018-06-01T00:00:00Z"))}},
		})
	})
}

// Lists are ordered by ordering=a,-b on every column, and search= looks in the declared text fields.
func TestOrderingAndSearch(t *testing.T) {
	eachService(t, func(t *testing.T, s *service) {
		for _, tc := range []struct{ path, query string }{
			{"/jobs/?ordering=-amount,jobnumber&page_size=20", "SELECT jobnumber FROM jobs ORDER BY amount DESC, jobnumber LIMIT 20"},
			{"/jobs/?ordering=qos,-jobnumber&page_size=20", "SELECT jobnumber FROM jobs ORDER BY qos, jobnumber DESC LIMIT 20"},
			{"/jobs/?ordering=partition,jobnumber&page_size=20", `SELECT jobnumber FROM jobs ORDER BY "partition", jobnumber LIMIT 20`},
			{"/jobs/?ordering=-submitdate&page_size=20", "SELECT jobnumber FROM jobs ORDER BY submitdate DESC, jobnumber LIMIT 20"},
		} {
			a := s.get(t, tc.path)
			if got, want := values(a.results(), "jobnumber"), s.column(t, tc.query); a.status != 200 || got != want {
				t.Errorf("GET %s: %d %s, want %s", tc.path, a.status, got, want)
			}
		}
		a := s.get(t, "/users/?ordering=-username&page_size=3")
		if got, want := values(a.results(), "username"), s.column(t, "SELECT username FROM users ORDER BY username DESC LIMIT 3"); got != want {
			t.Errorf("users by -username: %s, want %s", got, want)
		}
		checkFilters(t, s, []filterCase{
			{"/users/?search=USER00", "SELECT count(*) FROM users WHERE lower(username) LIKE '%user00%' OR lower(email) LIKE '%user00%'", nil},
			{"/users/?search=example.edu", "SELECT count(*) FROM users", nil},
			{"/accounts/?search=LAB", "SELECT count(*) FROM accounts WHERE lower(accountname) LIKE '%lab%' OR lower(description) LIKE '%lab%'", nil},
			{"/accounts/?search=acct001", "SELECT count(*) FROM accounts WHERE accountname = 'acct001'", nil},
		})
		if a := s.get(t, "/users/?search=nobody-has-this"); a.status != 200 || a.body["count"] != jsonInt(0) {
			t.Errorf("a search matching nothing: %d %s", a.status, a.raw)
		}
	})
}

// An unknown parameter, a bad value and a bad ordering are 400s naming the parameter.
func TestBadParameters(t *testing.T) {
	eachService(t, func(t *testing.T, s *service) {
		for _, tc := range []struct{ path, code, param string }{
			{"/jobs/?bogus=1", "INVALID_FILTER", "bogus"},
			{"/jobs/?amount=abc", "INVALID_VALUE", "amount"},
			{"/jobs/?qos=x", "INVALID_VALUE", "qos"},
			{"/jobs/?submitdate=yesterday", "INVALID_VALUE", "submitdate"},
			{"/jobs/?ordering=nope", "INVALID_ORDERING", "ordering"},
			{"/users/?ordering=-", "INVALID_ORDERING", "ordering"},
			{"/accounts/?accountallocation__gt=ten", "INVALID_VALUE", "accountallocation__gt"},
		} {
			a := s.get(t, tc.path)
			if a.status != 400 || a.code() != tc.code || param(a) != tc.param || a.body["success"] != false {
				t.Errorf("GET %s: %d %s; want 400 %s naming %s", tc.path, a.status, a.raw, tc.code, tc.param)
			}
		}
	})
}
