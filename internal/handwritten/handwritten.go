// Package handwritten is what a developer would write by hand, with database/sql, net/http and
// encoding/json, to serve a few of the dashboard's read endpoints: the same queries (a count, then the
// page; or the one row), the same Tastypie envelope and the same objects, resource_uri included. It is
// the yardstick of issue 15: the app's go test -bench pairs (app/bench_test.go) and the load benchmark
// (cmd/loadbench) measure the framework against it, and the app's TestHandwrittenHandlersAgree checks
// that it answers what the framework answers.
package handwritten

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/tastygo/tastygo/dialect"
)

// Endpoint is one request the benchmarks send to both servers.
type Endpoint struct {
	Name string // short name, as printed in tables
	Path string // path and query, from /api/v1/
}

// DetailIndicator is the indicator whose detail the benchmarks ask for (issue 15's /api/v1/indicator/7/).
const DetailIndicator = 7

// Endpoints returns the requests of issue 15: indicator pages of 20 and 100, one indicator, and a
// filtered, ordered page of 50 datapoints of the indicator and campaign given (BusiestPair's).
func Endpoints(indicator, campaign int64) []Endpoint {
	return []Endpoint{
		{"indicator_list20", "/api/v1/indicator/?limit=20"},
		{"indicator_list100", "/api/v1/indicator/?limit=100"},
		{"indicator_detail", fmt.Sprintf("/api/v1/indicator/%d/", DetailIndicator)},
		{"datapoint_filtered", fmt.Sprintf("/api/v1/datapoint/?indicator_id=%d&campaign_id=%d&limit=50&order_by=-id", indicator, campaign)},
	}
}

// BusiestPair returns the indicator and campaign with the most datapoints.
func BusiestPair(ctx context.Context, db *sql.DB) (indicator, campaign int64, err error) {
	var n int64
	err = db.QueryRowContext(ctx, `SELECT indicator_id, campaign_id, count(*) FROM datapoint WHERE campaign_id IS NOT NULL
		GROUP BY indicator_id, campaign_id ORDER BY count(*) DESC, indicator_id, campaign_id LIMIT 1`).Scan(&indicator, &campaign, &n)
	return indicator, campaign, err
}

// Handler serves GET /api/v1/indicator/ (limit, offset), GET /api/v1/indicator/{id}/ and
// GET /api/v1/datapoint/?indicator_id=I&campaign_id=C (limit, offset, newest first), anonymously.
func Handler(db *sql.DB, d dialect.Dialect) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /api/v1/indicator/{$}", indicatorList(db, d))
	mux.Handle("GET /api/v1/indicator/{id}/{$}", indicatorDetail(db, d))
	mux.Handle("GET /api/v1/datapoint/{$}", datapointList(db, d))
	return mux
}

type listMeta struct {
	Limit      int     `json:"limit"`
	Next       *string `json:"next"`
	Offset     int     `json:"offset"`
	Previous   *string `json:"previous"`
	TotalCount int64   `json:"total_count"`
}

func pageMeta(path string, q url.Values, limit, offset int, total int64) listMeta {
	m := listMeta{Limit: limit, Offset: offset, TotalCount: total}
	if int64(offset+limit) < total {
		q.Set("limit", strconv.Itoa(limit))
		q.Set("offset", strconv.Itoa(offset+limit))
		next := path + "?" + q.Encode()
		m.Next = &next
	}
	return m
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(v)
}

// pageOf reads limit and offset (20 and 0 when absent).
func pageOf(q url.Values) (limit, offset int) {
	limit = 20
	if v := q.Get("limit"); v != "" {
		limit, _ = strconv.Atoi(v)
	}
	if v := q.Get("offset"); v != "" {
		offset, _ = strconv.Atoi(v)
	}
	return limit, offset
}

const (
	dateTimeLayout = "2006-01-02T15:04:05.000000Z"
	dateLayout     = "2006-01-02"
)

// indicator is an indicator as the handlers write it.
type indicator struct {
	ID          int64    `json:"id"`
	ShortName   string   `json:"short_name"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	DataFormat  string   `json:"data_format"`
	IsReported  bool     `json:"is_reported"`
	GoodBound   *float64 `json:"good_bound"`
	BadBound    *float64 `json:"bad_bound"`
	CreatedAt   string   `json:"created_at"`
	ResourceURI string   `json:"resource_uri"`
}

// scan reads the columns of indicatorColumns.
func (o *indicator) scan(row interface{ Scan(...any) error }) error {
	var created time.Time
	if err := row.Scan(&o.ID, &o.ShortName, &o.Name, &o.Description, &o.DataFormat, &o.IsReported, &o.GoodBound, &o.BadBound, &created); err != nil {
		return err
	}
	o.CreatedAt = created.UTC().Format(dateTimeLayout)
	o.ResourceURI = "/api/v1/indicator/" + strconv.FormatInt(o.ID, 10) + "/"
	return nil
}

const indicatorColumns = `id, short_name, name, description, data_format, is_reported, good_bound, bad_bound, created_at`

// datapoint is a datapoint as the handlers write it.
type datapoint struct {
	ID                 int64   `json:"id"`
	IndicatorID        int64   `json:"indicator_id"`
	LocationID         int64   `json:"location_id"`
	CampaignID         *int64  `json:"campaign_id"`
	DataDate           string  `json:"data_date"`
	Value              float64 `json:"value"`
	SourceSubmissionID *int64  `json:"source_submission_id"`
	CreatedAt          string  `json:"created_at"`
	ResourceURI        string  `json:"resource_uri"`
}

func indicatorList(db *sql.DB, d dialect.Dialect) http.Handler {
	list := d.Rebind(`SELECT ` + indicatorColumns + ` FROM indicator ORDER BY id LIMIT ? OFFSET ?`)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		limit, offset := pageOf(q)
		var total int64
		if err := db.QueryRowContext(r.Context(), "SELECT count(*) FROM indicator").Scan(&total); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		rows, err := db.QueryContext(r.Context(), list, limit, offset)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		defer rows.Close()
		objects := []indicator{}
		for rows.Next() {
			var o indicator
			if err := o.scan(rows); err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
			objects = append(objects, o)
		}
		if err := rows.Err(); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		writeJSON(w, map[string]any{"meta": pageMeta("/api/v1/indicator/", q, limit, offset, total), "objects": objects})
	})
}

func indicatorDetail(db *sql.DB, d dialect.Dialect) http.Handler {
	one := d.Rebind(`SELECT ` + indicatorColumns + ` FROM indicator WHERE id = ?`)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil {
			http.Error(w, "not found", 404)
			return
		}
		var o indicator
		if err := o.scan(db.QueryRowContext(r.Context(), one, id)); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				http.Error(w, "not found", 404)
				return
			}
			http.Error(w, err.Error(), 500)
			return
		}
		writeJSON(w, o)
	})
}

func datapointList(db *sql.DB, d dialect.Dialect) http.Handler {
	count := d.Rebind(`SELECT count(*) FROM datapoint WHERE indicator_id = ? AND campaign_id = ?`)
	list := d.Rebind(`SELECT id, indicator_id, location_id, campaign_id, data_date, value, source_submission_id, created_at
		FROM datapoint WHERE indicator_id = ? AND campaign_id = ? ORDER BY id DESC LIMIT ? OFFSET ?`)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		ind, err1 := strconv.ParseInt(q.Get("indicator_id"), 10, 64)
		camp, err2 := strconv.ParseInt(q.Get("campaign_id"), 10, 64)
		if err1 != nil || err2 != nil {
			http.Error(w, "bad filter", 400)
			return
		}
		limit, offset := pageOf(q)
		var total int64
		if err := db.QueryRowContext(r.Context(), count, ind, camp).Scan(&total); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		rows, err := db.QueryContext(r.Context(), list, ind, camp, limit, offset)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		defer rows.Close()
		objects := []datapoint{}
		for rows.Next() {
			var o datapoint
			var date, created time.Time
			if err := rows.Scan(&o.ID, &o.IndicatorID, &o.LocationID, &o.CampaignID, &date, &o.Value, &o.SourceSubmissionID, &created); err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
			o.DataDate = date.Format(dateLayout)
			o.CreatedAt = created.UTC().Format(dateTimeLayout)
			o.ResourceURI = "/api/v1/datapoint/" + strconv.FormatInt(o.ID, 10) + "/"
			objects = append(objects, o)
		}
		if err := rows.Err(); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		writeJSON(w, map[string]any{"meta": pageMeta("/api/v1/datapoint/", q, limit, offset, total), "objects": objects})
	})
}
