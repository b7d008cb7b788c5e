package nonmodel_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/field"
	"github.com/tastygo/tastygo/internal/testdb"
	"github.com/tastygo/tastygo/modelresource"
	"github.com/tastygo/tastygo/nonmodel"
	"github.com/tastygo/tastygo/resource"
)

// runRows returns "id status parameters" for each row of processing_run, by id.
func runRows(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query(`SELECT id, status, CAST(parameters AS TEXT) FROM processing_run ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id int64
		var status, params string
		if err := rows.Scan(&id, &status, &params); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%d %s %s", id, status, params))
	}
	return out
}

// checkRunTable serves recount over a database whose run table EnsureRunTable made (or upgraded): a
// run whose key was left running is marked abandoned by the next run of that key, Sweep marks another
// key's, and the runs listed as a model resource carry their parameters as a JSON object.
func checkRunTable(t *testing.T, db *sql.DB, d dialect.Dialect, before []string) {
	t.Helper()
	dead := insertRunning(t, db, d, `{"group":1,"note":""}`)
	other := insertRunning(t, db, d, `{"group":2,"note":""}`)
	f := newAPI(t, db, d)
	if a := f.get("/api/v1/recount/?group=01"); a.status != 200 {
		t.Fatalf("GET recount: %d %v", a.status, a.body)
	}
	swept, err := nonmodel.Sweep(context.Background(), f.api)
	if err != nil || !slices.Equal(swept, []int64{other}) {
		t.Errorf("Sweep: %v %v, want [%d]", swept, err, other)
	}
	want := append(slices.Clone(before),
		fmt.Sprintf(`%d failed {"group":1,"note":""}`, dead),
		fmt.Sprintf(`%d failed {"group":2,"note":""}`, other),
		fmt.Sprintf(`%d succeeded {"group":1,"note":""}`, other+1))
	if got := runRows(t, db); !slices.Equal(got, want) {
		t.Errorf("runs:\n got %q\nwant %q", got, want)
	}
	// The run table served as a resource: parameters is a JSON object, and its schema says json.
	runs := modelresource.New(resource.Meta{ResourceName: "processing_run", Table: "processing_run", ListMethods: []string{"get"}})
	api, err := resource.New(context.Background(), resource.Config{DB: db, Dialect: d}, runs)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	api.ServeHTTP(rec, httptest.NewRequest("GET", fmt.Sprintf("/api/v1/processing_run/%d/", other+1), nil))
	raw, _ := io.ReadAll(rec.Body)
	var obj struct {
		Parameters json.RawMessage `json:"parameters"`
	}
	if err := json.Unmarshal(raw, &obj); err != nil || string(obj.Parameters) != `{"group":1,"note":""}` {
		t.Errorf("the run on the wire: %d %s (%v)", rec.Code, raw, err)
	}
}

// TestRunTableFromTheFramework serves a processing endpoint on a database that has only its own table
// and the run table nonmodel defines (EnsureRunTable, twice: the second changes nothing).
func TestRunTableFromTheFramework(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		if _, err := db.Exec(`CREATE TABLE item (id ` + idColumn(d) + `, grp INTEGER NOT NULL, label TEXT NOT NULL)`); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if err := nonmodel.EnsureRunTable(context.Background(), db, d, nonmodel.RunTableOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		tbl, err := d.DescribeTable(context.Background(), db, "processing_run")
		if err != nil {
			t.Fatal(err)
		}
		var cols []string
		for _, c := range tbl.Columns {
			cols = append(cols, c.Name+" "+c.Type.String())
		}
		wantCols := []string{"id integer", "resource string", "parameters json", "user_id integer", "username string",
			"started_at datetime", "ended_at datetime", "status string", "error string"}
		if !slices.Equal(cols, wantCols) {
			t.Errorf("columns %q, want %q", cols, wantCols)
		}
		checkRunTable(t, db, d, nil)
	})
}

// TestRunTableUpgrade brings a run table of the earlier definition (parameters TEXT), with rows, up to
// date with EnsureRunTable: the rows keep their ids and text, and the endpoint runs on it.
func TestRunTableUpgrade(t *testing.T) {
	for _, backend := range testdb.Backends {
		t.Run(string(backend), func(t *testing.T) {
			addr := testdb.Address(t, backend)
			db, d := openPool(t, addr)
			createTables(t, db, d) // parameters TEXT
			old := insertRunning(t, db, d, `{"group":7,"note":"kept"}`)
			if _, err := db.Exec(d.Rebind(`UPDATE processing_run SET status = 'succeeded', ended_at = ? WHERE id = ?`), d.Bind(field.DateTime, d.Now()), old); err != nil {
				t.Fatal(err)
			}
			if err := nonmodel.EnsureRunTable(context.Background(), db, d, nonmodel.RunTableOptions{}); err != nil {
				t.Fatal(err)
			}
			// A new pool, as the processes started after a migration have: the old one's statements,
			// prepared against the TEXT column, would not bind a JSON one.
			db.Close()
			db, d = openPool(t, addr)
			checkRunTable(t, db, d, []string{fmt.Sprintf(`%d succeeded {"group":7,"note":"kept"}`, old)})
		})
	}
}

func idColumn(d dialect.Dialect) string {
	if d.Name() == dialect.Postgres {
		return "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
	}
	return "INTEGER PRIMARY KEY"
}
