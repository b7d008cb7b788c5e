package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/tastygo/tastygo/client"
)

// recorder answers every list GET with pages of a fixed list of n notes and records the queries.
type recorder struct {
	mu      sync.Mutex
	queries []string
}

func (r *recorder) serve(n int) func(int64, http.ResponseWriter, *http.Request) {
	return func(_ int64, w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.queries = append(r.queries, req.Method+" "+req.URL.Path+"?"+req.URL.RawQuery)
		r.mu.Unlock()
		q := req.URL.Query()
		limit, _ := strconv.Atoi(q.Get("limit"))
		offset, _ := strconv.Atoi(q.Get("offset"))
		if limit == 0 {
			limit = 4
		}
		objs := []map[string]any{}
		for i := offset; i < min(offset+limit, n); i++ {
			objs = append(objs, map[string]any{"id": i + 1, "text": fmt.Sprint("n", i+1)})
		}
		var next any
		if offset+limit < n {
			q.Set("offset", strconv.Itoa(offset+limit))
			next = req.URL.Path + "?" + q.Encode()
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"meta": map[string]any{"limit": limit, "offset": offset, "total_count": n, "next": next, "previous": nil}, "objects": objs})
	}
}

func TestQueryStrings(t *testing.T) {
	rec := &recorder{}
	srv, _ := counting(t, rec.serve(10))
	c := client.New(srv.URL+"/api/v1", client.WithRetries(0)) // a base without its trailing slash
	notes := client.For[note](c, "note")
	ctx := context.Background()
	day := client.DateOf(time.Date(2026, 3, 4, 15, 0, 0, 0, time.UTC))
	base := notes.Filter("text__icontains", "a&b").Filter("id__in", []int{1, 2, 3}).Filter("day__gte", day).Filter("ok", true)
	_ = base.OrderBy("-id").Only("id", "text").Depth(2).Param("location_id", int64(7)).Offset(3).Limit(2)
	if _, err := base.OrderBy("-id", "text").Only("id", "text").Depth(2).Param("location_id", int64(7)).Offset(3).Limit(2).All(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := base.Count(ctx); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"GET /api/v1/note/?day__gte=2026-03-04&depth=2&fields=id%2Ctext&id__in=1%2C2%2C3&limit=2&location_id=7&offset=3&ok=true&order_by=-id&order_by=text&text__icontains=a%26b",
		// The query built first and discarded changed nothing: base has only its filters.
		"GET /api/v1/note/?day__gte=2026-03-04&id__in=1%2C2%2C3&limit=1&ok=true&text__icontains=a%26b",
	}
	if fmt.Sprint(rec.queries) != fmt.Sprint(want) {
		t.Fatalf("sent\n%q\nwant\n%q", rec.queries, want)
	}
}

func TestIterFollowsNext(t *testing.T) {
	rec := &recorder{}
	srv, _ := counting(t, rec.serve(10))
	c := client.New(srv.URL+"/api/v1/", client.WithPageSize(4))
	var ids []int64
	for n, err := range client.For[note](c, "note").Iter(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, n.ID)
	}
	if fmt.Sprint(ids) != "[1 2 3 4 5 6 7 8 9 10]" || len(rec.queries) != 3 {
		t.Fatalf("%v in %d requests: %q", ids, len(rec.queries), rec.queries)
	}
	// A Limit stops the pages as soon as it is reached, asking for no more than it needs.
	rec.queries = nil
	some, err := client.For[note](c, "note").Limit(6).All(context.Background())
	if err != nil || len(some) != 6 || len(rec.queries) != 2 {
		t.Fatalf("%d notes in %d requests: %q, %v", len(some), len(rec.queries), rec.queries, err)
	}
	// Breaking out of the loop sends no further request.
	rec.queries = nil
	for range client.For[note](c, "note").Iter(context.Background()) {
		break
	}
	if len(rec.queries) != 1 {
		t.Fatalf("%d requests after a break", len(rec.queries))
	}
}

func TestErrorSentinels(t *testing.T) {
	for _, c := range []struct {
		status int
		code   string
		want   error
	}{
		{404, "OBJECT_DOES_NOT_EXIST", client.ErrNotFound},
		{404, "RESOURCE_NOT_FOUND", client.ErrNotFound},
		{400, "INVALID_FILTER", client.ErrInvalid},
		{400, "SOMETHING_NEW", client.ErrInvalid},
		{422, "CONTRADICTORY_REQUEST", client.ErrInvalid},
		{401, "NOT_AUTHENTICATED", client.ErrUnauthorized},
		{403, "FORBIDDEN", client.ErrForbidden},
		{409, "CONFLICT", client.ErrConflict},
		{409, "RUN_IN_PROGRESS", client.ErrRunInProgress},
		{429, "THROTTLED", client.ErrThrottled},
		{503, "DATABASE_UNAVAILABLE", client.ErrUnavailable},
		{503, "SERVER_BUSY", client.ErrUnavailable},
		{502, "BAD_GATEWAY", client.ErrUnavailable},
	} {
		err := error(&client.Error{Status: c.status, Code: c.code})
		if !errors.Is(fmt.Errorf("wrapped: %w", err), c.want) {
			t.Errorf("%d %s does not match %v", c.status, c.code, c.want)
		}
		for _, other := range []error{client.ErrNotFound, client.ErrInvalid, client.ErrUnauthorized, client.ErrForbidden,
			client.ErrConflict, client.ErrThrottled, client.ErrUnavailable, client.ErrRunInProgress} {
			if other != c.want && errors.Is(err, other) {
				t.Errorf("%d %s matches %v too", c.status, c.code, other)
			}
		}
	}
}

func TestDateJSON(t *testing.T) {
	var v struct {
		D  client.Date  `json:"d"`
		P  *client.Date `json:"p"`
		TS client.Date  `json:"ts"`
	}
	if err := json.Unmarshal([]byte(`{"d": "2026-02-03", "p": null, "ts": "2026-02-03T10:00:00.000000Z"}`), &v); err != nil {
		t.Fatal(err)
	}
	if v.D.String() != "2026-02-03" || v.P != nil || v.TS.String() != "2026-02-03" {
		t.Fatalf("%+v", v)
	}
	out, _ := json.Marshal(v)
	if string(out) != `{"d":"2026-02-03","p":null,"ts":"2026-02-03"}` {
		t.Fatalf("%s", out)
	}
	if err := json.Unmarshal([]byte(`{"d": "03/02/2026"}`), &v); err == nil {
		t.Fatal("a date in another layout was read")
	}
}
