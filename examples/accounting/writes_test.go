package main

import (
	"bytes"
	"mime/multipart"
	"slices"
	"strings"
	"testing"
)

// jobColumns are the columns of jobs, every one of which a job shows by its name.
var jobColumns = []string{"jobnumber", "jobslurmid", "submitdate", "startdate", "enddate", "userid", "accountid",
	"amount", "jobstatus", "partition", "qos", "created", "updated"}

// objectKeys are the keys an object answer has: its columns, plus success and resource_uri (which the
// framework's DRF style keeps).
func objectKeys(columns ...string) string {
	ks := append([]string{"success", "resource_uri"}, columns...)
	slices.Sort(ks)
	return strings.Join(ks, ",")
}

// A job is every column of jobs by its name, with success: true.
func TestJobDetail(t *testing.T) {
	eachService(t, func(t *testing.T, s *service) {
		a := s.get(t, "/jobs/2/")
		if a.status != 200 || keys(a.body) != objectKeys(jobColumns...) || a.body["success"] != true ||
			!strings.HasPrefix(a.raw, `{"success": true, `) {
			t.Fatalf("GET /jobs/2/: %d %s", a.status, a.raw)
		}
		for _, c := range []string{"jobslurmid", "userid", "accountid", "amount", "jobstatus", "partition", "qos"} {
			if got, want := string(a.body[c].(jsonNumber)), s.scalar(t, "SELECT "+s.d.Quote(c)+" FROM jobs WHERE jobnumber = 2"); !sameNumber(got, want) {
				t.Errorf("%s: %s, want %s", c, got, want)
			}
		}
		for _, c := range []string{"submitdate", "created", "updated"} {
			if v, _ := a.body[c].(string); !strings.HasSuffix(v, "Z") || !strings.HasPrefix(v, "20") {
				t.Errorf("%s: %v is not an ISO 8601 instant in UTC with Z", c, a.body[c])
			}
		}
		if a := s.do(t, request{method: "HEAD", path: "/jobs/2/"}); a.status != 200 || a.raw != "" {
			t.Errorf("HEAD /jobs/2/: %d %q", a.status, a.raw)
		}
	})
}

// The team's SLURM epilogue: curl -X PATCH -d amount=1337 .../jobs/2/, and the same in multipart.
func TestPatchByForm(t *testing.T) {
	eachService(t, func(t *testing.T, s *service) {
		before := s.get(t, "/jobs/2/").body
		a := s.do(t, request{method: "PATCH", path: "/jobs/2/", body: "amount=1337", contentType: "application/x-www-form-urlencoded"})
		if a.status != 200 || a.body["amount"] != jsonNumber("1337") || keys(a.body) != objectKeys(jobColumns...) {
			t.Fatalf("PATCH by form: %d %s", a.status, a.raw)
		}
		if got := s.scalar(t, "SELECT amount FROM jobs WHERE jobnumber = 2"); !sameNumber(got, "1337") {
			t.Errorf("amount in the database: %s", got)
		}
		for _, c := range []string{"jobslurmid", "userid", "qos", "submitdate", "created"} {
			if a.body[c] != before[c] {
				t.Errorf("%s changed: %v → %v", c, before[c], a.body[c])
			}
		}

		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		mw.WriteField("amount", "12.5")
		mw.WriteField("qos", "3")
		mw.Close()
		a = s.do(t, request{method: "PATCH", path: "/jobs/2/", body: buf.String(), contentType: mw.FormDataContentType()})
		if a.status != 200 || a.body["amount"] != jsonNumber("12.5") || a.body["qos"] != jsonNumber("3") {
			t.Fatalf("PATCH by multipart: %d %s", a.status, a.raw)
		}
		if got := s.scalar(t, "SELECT qos FROM jobs WHERE jobnumber = 2"); got != "3" {
			t.Errorf("qos in the database: %s", got)
		}
	})
}

// DELETE of a job is 204; of a user or an account that still has jobs, 409 CONFLICT with nothing
// deleted.
func TestDelete(t *testing.T) {
	eachService(t, func(t *testing.T, s *service) {
		if a := s.do(t, request{method: "DELETE", path: "/jobs/5/"}); a.status != 204 || a.raw != "" {
			t.Fatalf("DELETE /jobs/5/: %d %s", a.status, a.raw)
		}
		if n := s.count(t, "SELECT count(*) FROM jobs WHERE jobnumber = 5"); n != 0 {
			t.Errorf("job 5 is still there")
		}
		for _, tc := range []struct{ path, table, key string }{{"/users/1/", "users", "userid"}, {"/accounts/1/", "accounts", "accountid"}} {
			jobs := s.count(t, "SELECT count(*) FROM jobs WHERE "+tc.key+" = 1")
			members := s.count(t, "SELECT count(*) FROM user_accounts WHERE "+tc.key+" = 1")
			a := s.do(t, request{method: "DELETE", path: tc.path})
			if a.status != 409 || a.code() != "CONFLICT" || a.body["success"] != false {
				t.Errorf("DELETE %s: %d %s", tc.path, a.status, a.raw)
			}
			if jobs == 0 || s.count(t, "SELECT count(*) FROM "+tc.table+" WHERE "+tc.key+" = 1") != 1 ||
				s.count(t, "SELECT count(*) FROM user_accounts WHERE "+tc.key+" = 1") != members {
				t.Errorf("DELETE %s deleted something (or the case has no jobs)", tc.path)
			}
		}
	})
}

// Methods: Allow on OPTIONS and 405s; another method is a 405 in the error shape.
func TestMethods(t *testing.T) {
	eachService(t, func(t *testing.T, s *service) {
		for _, tc := range []struct{ method, path string }{
			{"PUT", "/jobs/"}, {"DELETE", "/users/"}, {"PATCH", "/accounts/"}, {"POST", "/jobs/2/"},
		} {
			a := s.do(t, request{method: tc.method, path: tc.path})
			if a.status != 405 || a.code() != "METHOD_NOT_ALLOWED" || a.header.Get("Allow") == "" {
				t.Errorf("%s %s: %d %v %s", tc.method, tc.path, a.status, a.header, a.raw)
			}
		}
	})
}

// Every endpoint but /o/token/ needs a bearer token: 401 NOT_AUTHENTICATED with a Bearer challenge.
func TestNoToken(t *testing.T) {
	eachService(t, func(t *testing.T, s *service) {
		for _, tc := range []struct{ method, path string }{
			{"GET", "/"}, {"GET", "/jobs/"}, {"GET", "/users/"}, {"GET", "/accounts/"}, {"GET", "/jobs/2/"},
			{"GET", "/users/1/"}, {"GET", "/accounts/1/"}, {"GET", "/users/1/jobs/"}, {"GET", "/accounts/1/jobs/"},
			{"PATCH", "/jobs/2/"}, {"POST", "/jobs/"}, {"DELETE", "/jobs/2/"}, {"PUT", "/users/1/"},
		} {
			a := s.do(t, request{method: tc.method, path: tc.path, noToken: true})
			if a.status != 401 || a.code() != "NOT_AUTHENTICATED" || a.body["success"] != false ||
				!strings.HasPrefix(a.header.Get("WWW-Authenticate"), "Bearer ") {
				t.Errorf("%s %s without a token: %d %v %s", tc.method, tc.path, a.status, a.header, a.raw)
			}
		}
		if n := s.count(t, "SELECT count(*) FROM jobs WHERE jobnumber = 2"); n != 1 {
			t.Errorf("a request without a token deleted job 2")
		}
		s.token = "not-a-token"
		if a := s.get(t, "/jobs/"); a.status != 401 || a.code() != "NOT_AUTHENTICATED" {
			t.Errorf("a wrong token: %d %s", a.status, a.raw)
		}
	})
}

// /users/{id}/jobs/ and /accounts/{id}/jobs/ are that user's or account's jobs, as a list of /jobs/
// with its filters.
func TestSubLists(t *testing.T) {
	eachService(t, func(t *testing.T, s *service) {
		checkFilters(t, s, []filterCase{
			{"/users/1/jobs/", "SELECT count(*) FROM jobs WHERE userid = 1", nil},
			{"/accounts/2/jobs/", "SELECT count(*) FROM jobs WHERE accountid = 2", nil},
			{"/users/1/jobs/?amount__gt=10", "SELECT count(*) FROM jobs WHERE userid = 1 AND amount > 10", nil},
			{"/accounts/2/jobs/?jobstatus__in=2,3", "SELECT count(*) FROM jobs WHERE accountid = 2 AND jobstatus IN (2, 3)", nil},
		})
		a := s.get(t, "/users/1/jobs/?page_size=2&ordering=-jobnumber")
		if want := s.column(t, "SELECT jobnumber FROM jobs WHERE userid = 1 ORDER BY jobnumber DESC LIMIT 2"); values(a.results(), "jobnumber") != want {
			t.Errorf("ordered sub-list: %s, want %s", a.raw, want)
		}
		if a.body["next"] != "http://example.com/users/1/jobs/?ordering=-jobnumber&page=2&page_size=2" {
			t.Errorf("sub-list next: %v", a.body["next"])
		}
		if a := s.get(t, "/users/9999/jobs/"); a.status != 404 {
			t.Errorf("the jobs of a user that does not exist: %d %s", a.status, a.raw)
		}
	})
}

// POST: the required fields make a job (201, Location, the object); created and updated are the
// server's (a client's values are ignored), the same instant on insert; a PATCH moves updated only.
// Without a required field: 400 naming it, nothing written.
func TestPostAndTimestamps(t *testing.T) {
	eachService(t, func(t *testing.T, s *service) {
		jobs := s.scalar(t, "SELECT count(*) FROM jobs")
		a := s.do(t, request{method: "POST", path: "/jobs/", body: `{"jobslurmid": 5, "submitdate": "2018-06-05T10:00:00Z",
			"userid": 1, "accountid": 1, "amount": 2.5, "jobstatus": 1, "partition": 1, "qos": 1, "created": "2001-01-01T00:00:00Z"}`})
		if a.status != 201 || keys(a.body) != objectKeys(jobColumns...) || a.body["success"] != true {
			t.Fatalf("POST /jobs/: %d %s", a.status, a.raw)
		}
		key := string(a.body["jobnumber"].(jsonNumber))
		if loc := a.header.Get("Location"); !strings.HasSuffix(loc, "/jobs/"+key+"/") {
			t.Errorf("Location %q", loc)
		}
		created, _ := a.body["created"].(string)
		if created == "" || created != a.body["updated"] || strings.HasPrefix(created, "2001") {
			t.Fatalf("created %v, updated %v: want the server's instant, twice", a.body["created"], a.body["updated"])
		}
		p := s.do(t, request{method: "PATCH", path: "/jobs/" + key + "/", body: `{"qos": 2}`})
		if p.status != 200 || p.body["created"] != created || p.body["updated"] == created {
			t.Fatalf("PATCH: %d created %v updated %v (was %s)", p.status, p.body["created"], p.body["updated"], created)
		}
		if got := s.scalar(t, "SELECT qos FROM jobs WHERE jobnumber = "+key); got != "2" {
			t.Errorf("qos in the database: %s", got)
		}

		before := s.scalar(t, "SELECT count(*) FROM jobs")
		if before == jobs {
			t.Fatalf("the POST wrote nothing: %s jobs", before)
		}
		m := s.do(t, request{method: "POST", path: "/jobs/", body: `{"jobslurmid": 6, "submitdate": "2018-06-05T10:00:00Z",
			"userid": 1, "accountid": 1, "amount": 2.5, "jobstatus": 1, "partition": 1}`})
		if m.status != 400 || !strings.Contains(m.raw, "qos") {
			t.Fatalf("POST without qos: %d %s", m.status, m.raw)
		}
		if after := s.scalar(t, "SELECT count(*) FROM jobs"); after != before {
			t.Errorf("jobs %s after a refused POST, want %s", after, before)
		}
	})
}
