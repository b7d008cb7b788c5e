package client_test

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tastygo/tastygo/client"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
	"github.com/tastygo/tastygo/modelresource"
	"github.com/tastygo/tastygo/resource"
)

// note is the object of the fault tests' resource.
type note struct {
	ID   int64  `json:"id,omitzero"`
	Text string `json:"text"`
}

// fast makes retries quick, for tests.
var fast = client.WithBackoff(time.Millisecond, 10*time.Millisecond)

// counting serves h and counts the requests.
func counting(t *testing.T, h func(n int64, w http.ResponseWriter, r *http.Request)) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h(hits.Add(1), w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func apiError(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, `{"success": false, "error": "`+code+`", "code": "`+code+`", "details": {}}`)
}

func oneNote(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, `{"id": 1, "text": "a", "resource_uri": "/api/v1/note/1/"}`)
}

func TestRetry503Then200(t *testing.T) {
	srv, hits := counting(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			apiError(w, http.StatusServiceUnavailable, "DATABASE_UNAVAILABLE")
			return
		}
		oneNote(w)
	})
	c := client.New(srv.URL+"/api/v1/", fast)
	got, err := client.For[note](c, "note").Get(context.Background(), 1)
	if err != nil || got.Text != "a" || hits.Load() != 2 {
		t.Fatalf("got %+v, %v after %d requests; want the note after 2", got, err, hits.Load())
	}
	// Retries disabled: the 503 is the answer, and it matches ErrUnavailable.
	hits.Store(0)
	c = client.New(srv.URL+"/api/v1/", client.WithRetries(0))
	_, err = client.For[note](c, "note").Get(context.Background(), 1)
	var e *client.Error
	if !errors.Is(err, client.ErrUnavailable) || !errors.As(err, &e) || e.Status != 503 || e.Code != "DATABASE_UNAVAILABLE" || hits.Load() != 1 {
		t.Fatalf("without retries: %v after %d requests", err, hits.Load())
	}
}

func TestRetryGivesUpAfterTheLimit(t *testing.T) {
	srv, hits := counting(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		apiError(w, http.StatusBadGateway, "BAD_GATEWAY")
	})
	c := client.New(srv.URL+"/api/v1/", fast, client.WithRetries(2))
	_, err := client.For[note](c, "note").All(context.Background())
	if !errors.Is(err, client.ErrUnavailable) || hits.Load() != 3 {
		t.Fatalf("got %v after %d requests; want a 502 after 3", err, hits.Load())
	}
}

func TestRetry429HonoursRetryAfter(t *testing.T) {
	srv, hits := counting(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			apiError(w, http.StatusTooManyRequests, "THROTTLED")
			return
		}
		oneNote(w)
	})
	c := client.New(srv.URL+"/api/v1/", fast)
	start := time.Now()
	got, err := client.For[note](c, "note").Get(context.Background(), 1)
	if err != nil || got.ID != 1 || hits.Load() != 2 {
		t.Fatalf("got %+v, %v after %d requests", got, err, hits.Load())
	}
	if waited := time.Since(start); waited < time.Second {
		t.Fatalf("retried after %v; Retry-After asked for 1s", waited)
	}
	// A Retry-After beyond what the client waits for is the answer, at once.
	hits.Store(0)
	c = client.New(srv.URL+"/api/v1/", fast, client.WithMaxRetryAfter(500*time.Millisecond))
	_, err = client.For[note](c, "note").Get(context.Background(), 1)
	var e *client.Error
	if !errors.Is(err, client.ErrThrottled) || !errors.As(err, &e) || e.RetryAfter != time.Second || hits.Load() != 1 {
		t.Fatalf("got %v after %d requests", err, hits.Load())
	}
}

// reset closes the request's connection with a TCP reset, answering nothing.
func reset(t *testing.T, w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		t.Error(err)
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	conn.Close()
}

func TestRetryConnectionReset(t *testing.T) {
	srv, hits := counting(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			reset(t, w)
			return
		}
		oneNote(w)
	})
	c := client.New(srv.URL+"/api/v1/", fast)
	got, err := client.For[note](c, "note").Get(context.Background(), 1)
	if err != nil || got.ID != 1 || hits.Load() != 2 {
		t.Fatalf("GET: got %+v, %v after %d requests; want the note after 2", got, err, hits.Load())
	}
	// A POST whose connection is reset may have been written: it is not sent again.
	hits.Store(0)
	_, err = client.For[note](c, "note").Create(context.Background(), &note{Text: "b"})
	var e *client.Error
	if err == nil || errors.As(err, &e) || hits.Load() != 1 {
		t.Fatalf("POST: got %v after %d requests; want the connection's error after 1", err, hits.Load())
	}
}

func TestTimeoutWrapsDeadlineExceeded(t *testing.T) {
	release := make(chan struct{})
	srv, hits := counting(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
		oneNote(w)
	})
	defer close(release)
	c := client.New(srv.URL+"/api/v1/", fast, client.WithTimeout(100*time.Millisecond))
	start := time.Now()
	_, err := client.For[note](c, "note").Get(context.Background(), 1)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v; want an error wrapping context.DeadlineExceeded", err)
	}
	if hits.Load() != 1 || time.Since(start) > 10*time.Second {
		t.Fatalf("%d requests in %v; a timeout is not retried", hits.Load(), time.Since(start))
	}
	// The caller's deadline likewise.
	c = client.New(srv.URL+"/api/v1/", fast)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := client.For[note](c, "note").All(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("with the caller's deadline: %v", err)
	}
}

func TestReauthOn401(t *testing.T) {
	srv, hits := counting(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer fresh" {
			apiError(w, http.StatusUnauthorized, "NOT_AUTHENTICATED")
			return
		}
		oneNote(w)
	})
	var hooks atomic.Int64
	hook := func(token string) client.Option {
		return client.WithReauth(func(ctx context.Context) (client.Option, error) {
			hooks.Add(1)
			return client.WithBearer(token), nil
		})
	}
	c := client.New(srv.URL+"/api/v1/", fast, client.WithBearer("stale"), hook("fresh"))
	got, err := client.For[note](c, "note").Get(context.Background(), 1)
	if err != nil || got.ID != 1 || hits.Load() != 2 || hooks.Load() != 1 {
		t.Fatalf("got %+v, %v after %d requests and %d hooks", got, err, hits.Load(), hooks.Load())
	}
	// The fresh credentials stay: no 401, no hook.
	if _, err := client.For[note](c, "note").Get(context.Background(), 1); err != nil || hits.Load() != 3 || hooks.Load() != 1 {
		t.Fatalf("second call: %v after %d requests and %d hooks", err, hits.Load(), hooks.Load())
	}
	// A hook that does not help is called once per call, and the 401 is the answer.
	hits.Store(0)
	hooks.Store(0)
	c = client.New(srv.URL+"/api/v1/", fast, client.WithBearer("stale"), hook("still-stale"))
	_, err = client.For[note](c, "note").Create(context.Background(), &note{Text: "x"})
	if !errors.Is(err, client.ErrUnauthorized) || hits.Load() != 2 || hooks.Load() != 1 {
		t.Fatalf("got %v after %d requests and %d hooks", err, hits.Load(), hooks.Load())
	}
}

// notesAPI is an API with one resource, note, on a fresh database of the backend.
func notesAPI(t *testing.T, backend dialect.Name) (*resource.API, *sql.DB) {
	t.Helper()
	db, d := testdb.Open(t, backend)
	ddl := `CREATE TABLE note (id INTEGER PRIMARY KEY, text TEXT NOT NULL)`
	if backend == dialect.Postgres {
		ddl = `CREATE TABLE note (id BIGSERIAL PRIMARY KEY, text TEXT NOT NULL)`
	}
	if _, err := db.Exec(ddl); err != nil {
		t.Fatal(err)
	}
	api, err := resource.New(context.Background(), resource.Config{DB: db, Dialect: d, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))},
		modelresource.New(resource.Meta{ResourceName: "note", Table: "note", RequiredFieldsForPost: []string{"text"},
			Filtering: map[string]resource.Lookups{resource.EveryField: resource.All}}))
	if err != nil {
		t.Fatal(err)
	}
	return api, db
}

// TestPOSTAnswered503AfterWritingIsNotSentTwice: the server writes the row, then answers 503 (as a
// proxy would whose upstream answered too late). The client must not send the POST again: one row.
func TestPOSTAnswered503AfterWritingIsNotSentTwice(t *testing.T) {
	for _, backend := range testdb.Backends {
		t.Run(string(backend), func(t *testing.T) {
			api, db := notesAPI(t, backend)
			var posts atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method != http.MethodPost {
					api.ServeHTTP(w, r)
					return
				}
				posts.Add(1)
				rec := httptest.NewRecorder()
				api.ServeHTTP(rec, r)
				if rec.Code != http.StatusCreated {
					t.Errorf("the API answered %d: %s", rec.Code, rec.Body)
				}
				apiError(w, http.StatusServiceUnavailable, "DATABASE_UNAVAILABLE")
			}))
			defer srv.Close()
			c := client.New(srv.URL+"/api/v1/", fast)
			_, err := client.For[note](c, "note").Create(context.Background(), &note{Text: "once"})
			if !errors.Is(err, client.ErrUnavailable) {
				t.Fatalf("got %v; want the 503", err)
			}
			var rows int
			if err := db.QueryRow(`SELECT COUNT(*) FROM note WHERE text = 'once'`).Scan(&rows); err != nil {
				t.Fatal(err)
			}
			if rows != 1 || posts.Load() != 1 {
				t.Fatalf("%d rows after %d POSTs; want 1 after 1", rows, posts.Load())
			}
			// The same client's GET through the same server is retried and reads the one row.
			n, err := client.For[note](c, "note").Filter("text", "once").Count(context.Background())
			if err != nil || n != 1 {
				t.Fatalf("count: %d, %v", n, err)
			}
		})
	}
}

// flakyDialer fails its first dial as a refused connection would, then dials.
type flakyDialer struct {
	mu    sync.Mutex
	dials int
}

func (f *flakyDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	f.mu.Lock()
	f.dials++
	first := f.dials == 1
	f.mu.Unlock()
	if first {
		return nil, &net.OpError{Op: "dial", Net: network, Err: errors.New("connection refused")}
	}
	return (&net.Dialer{}).DialContext(ctx, network, addr)
}

// TestPOSTRetriedWhenItNeverReachedTheServer: a dial error proves the POST was not sent: it is.
func TestPOSTRetriedWhenItNeverReachedTheServer(t *testing.T) {
	srv, hits := counting(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Method != http.MethodPost || !strings.Contains(string(body), `"text":"b"`) {
			t.Errorf("%s %s", r.Method, body)
		}
		w.WriteHeader(http.StatusCreated)
		oneNote(w)
	})
	dialer := &flakyDialer{}
	tr := &http.Transport{DialContext: dialer.DialContext}
	defer tr.CloseIdleConnections()
	c := client.New(srv.URL+"/api/v1/", fast, client.WithRoundTripper(tr))
	got, err := client.For[note](c, "note").Create(context.Background(), &note{Text: "b"})
	if err != nil || got.ID != 1 || hits.Load() != 1 || dialer.dials != 2 {
		t.Fatalf("got %+v, %v: %d requests, %d dials", got, err, hits.Load(), dialer.dials)
	}
	// A POST throttled by the API (refused before any work) is sent again too.
	srv2, hits2 := counting(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			apiError(w, http.StatusTooManyRequests, "THROTTLED")
			return
		}
		w.WriteHeader(http.StatusCreated)
		oneNote(w)
	})
	c = client.New(srv2.URL+"/api/v1/", fast)
	if _, err := client.For[note](c, "note").Create(context.Background(), &note{Text: "b"}); err != nil || hits2.Load() != 2 {
		t.Fatalf("throttled POST: %v after %d requests", err, hits2.Load())
	}
}
