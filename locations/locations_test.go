package locations_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"slices"
	"testing"

	sq "github.com/Masterminds/squirrel"

	"github.com/tastygo/tastygo/apierror"
	"github.com/tastygo/tastygo/dialect"
	"github.com/tastygo/tastygo/internal/testdb"
	"github.com/tastygo/tastygo/locations"
)

func TestParse(t *testing.T) {
	for _, c := range []struct {
		query     string
		code      apierror.Code
		parameter string
	}{
		{"", "", ""},
		{"location_id__in=1,2&location_id__in=3", "", ""},
		{"location_id=1&location_type=District&location_depth=0", "", ""},
		{"location_type=4", "", ""},
		{"filter_indicator=x&filter_value=1.5", "", ""},
		{"name=kabul&limit=3", "", ""}, // not location parameters
		{"location_depth=2", apierror.MissingParameter, "location_depth"},
		{"location_id__in=1&location_depth=2", apierror.MissingParameter, "location_depth"},
		{"location_id=1&location_depth=-1", apierror.InvalidValue, "location_depth"},
		{"location_id=1&location_depth=1.5", apierror.InvalidValue, "location_depth"},
		{"location_id=1&location_depth=", apierror.InvalidValue, "location_depth"},
		{"location_id=x", apierror.InvalidValue, "location_id"},
		{"location_id=1&location_id=2", apierror.InvalidValue, "location_id"},
		{"location_id__in=1,,2", apierror.InvalidValue, "location_id__in"},
		{"location_id__in=", apierror.InvalidValue, "location_id__in"},
		{"location_type=", apierror.InvalidValue, "location_type"},
		{"filter_value=1", apierror.MissingParameter, "filter_value"},
		{"filter_indicator=x", apierror.MissingParameter, "filter_indicator"},
		{"filter_indicator=x&filter_value=abc", apierror.InvalidValue, "filter_value"},
		{"filter_indicator=x&filter_value=NaN", apierror.InvalidValue, "filter_value"},
	} {
		values, _ := url.ParseQuery(c.query)
		_, err := locations.Parse(values)
		e := apierror.As(err)
		switch {
		case c.code == "" && err != nil:
			t.Errorf("%q: %v", c.query, err)
		case c.code != "" && (e == nil || e.Code != c.code || e.Details["parameter"] != c.parameter):
			t.Errorf("%q: got %v, want %s naming %s", c.query, err, c.code, c.parameter)
		}
	}
}

// The tree of the unit tests:
//
//	1 country
//	├── 2 region ── 4 district ── 6 sub-district
//	│            └─ 5 district
//	└── 3 region ── 7 district
const schema = `
CREATE TABLE location_type (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL);
CREATE TABLE location (id INTEGER PRIMARY KEY, location_type_id INTEGER NOT NULL, parent_location_id INTEGER);
CREATE TABLE indicator (id INTEGER PRIMARY KEY, short_name VARCHAR(50) NOT NULL);
CREATE TABLE datapoint (id INTEGER PRIMARY KEY, indicator_id INTEGER NOT NULL, location_id INTEGER NOT NULL, data_date DATE NOT NULL, value DOUBLE PRECISION NOT NULL);
INSERT INTO location_type VALUES (1, 'Country'), (2, 'Region'), (3, 'District'), (4, 'Sub-district');
INSERT INTO location VALUES (1, 1, NULL), (2, 2, 1), (3, 2, 1), (4, 3, 2), (5, 3, 2), (6, 4, 4), (7, 3, 3);
INSERT INTO indicator VALUES (1, 'cold_chain'), (2, 'other');
INSERT INTO datapoint VALUES
	(1, 1, 4, '2024-01-01', 1), (2, 1, 4, '2024-02-01', 0),
	(3, 1, 5, '2024-02-01', 0), (4, 1, 5, '2024-01-01', 1),
	(5, 1, 7, '2024-03-01', 1), (6, 1, 7, '2024-03-01', 0), (7, 1, 7, '2024-03-01', 1),
	(8, 1, 6, '2024-01-01', 1), (9, 2, 6, '2024-05-01', 0),
	(10, 2, 3, '2024-01-01', 1);
`

// TestSets runs the sub-query of each parameter set against the tree above, with the recursive
// queries and with a closure table.
func TestSets(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sql.DB, d dialect.Dialect) {
		ctx := context.Background()
		if _, err := db.ExecContext(ctx, schema); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, `CREATE TABLE location_closure (ancestor_id INTEGER, descendant_id INTEGER, depth INTEGER);
			INSERT INTO location_closure WITH RECURSIVE c (a, d, n) AS (SELECT id, id, 0 FROM location
				UNION ALL SELECT c.a, l.id, c.n + 1 FROM c JOIN location AS l ON l.parent_location_id = c.d) SELECT a, d, n FROM c`); err != nil {
			t.Fatal(err)
		}
		for _, tree := range []locations.Tree{{}, {Closure: "location_closure"}} {
			p := locations.Params{Column: "id", Tree: tree}
			for _, c := range []struct {
				query string
				want  []int64
			}{
				{"location_id__in=7,2,99", []int64{2, 7}},
				{"location_id=4", []int64{4}},
				{"location_id=1&location_depth=0", []int64{1}},
				{"location_id=1&location_depth=1", []int64{2, 3}},
				{"location_id=1&location_depth=2", []int64{4, 5, 7}},
				{"location_id=2&location_depth=2", []int64{6}},
				{"location_id=2&location_depth=9", nil},
				{"location_id=1&location_type=district", []int64{4, 5, 7}},
				{"location_id=2&location_type=3", []int64{4, 5}},
				{"location_id=2&location_type=Region", []int64{2}},
				{"location_type=Region", []int64{2, 3}},
				// Latest values: 4's is 0 (February); 5's 0; 7 has three rows on one date, the last (id 7) wins; 6's is 1.
				{"filter_indicator=cold_chain&filter_value=1", []int64{6, 7}},
				{"filter_indicator=1&filter_value=0", []int64{4, 5}},
				{"location_id=1&location_depth=2&filter_indicator=cold_chain&filter_value=1", []int64{7}},
				{"location_id__in=4,6&filter_indicator=cold_chain&filter_value=1.0", []int64{6}},
			} {
				values, _ := url.ParseQuery(c.query)
				q, err := locations.Parse(values)
				if err != nil {
					t.Fatalf("%s: %v", c.query, err)
				}
				if err := p.Resolve(ctx, dialect.NewDB(db, d), d, &q); err != nil {
					t.Fatalf("%s: %v", c.query, err)
				}
				set, err := p.Set(q)
				if err != nil {
					t.Fatal(err)
				}
				got := ids(t, db, d, set)
				if !slices.Equal(got, c.want) {
					t.Errorf("closure %q, %s: got %v, want %v", tree.Closure, c.query, got, c.want)
				}
			}
			// Under and Restrict: the top location and everything under it.
			got := ids(t, db, d, sq.Expr(`SELECT id FROM location WHERE `+must(tree.Restrict("location.id", 2)), 2))
			if !slices.Equal(got, []int64{2, 4, 5, 6}) {
				t.Errorf("closure %q: Restrict(2) = %v", tree.Closure, got)
			}
		}
		// Unknown names and ids are 400s naming the parameter.
		for query, param := range map[string]string{
			"location_id=1&location_type=Continent":                "location_type",
			"location_id=1&location_type=99":                       "location_type",
			"filter_indicator=nope&filter_value=1":                 "filter_indicator",
			"filter_indicator=1234&filter_value=1":                 "filter_indicator",
			"location_type=1&filter_indicator=nope&filter_value=1": "filter_indicator",
		} {
			values, _ := url.ParseQuery(query)
			q, err := locations.Parse(values)
			if err != nil {
				t.Fatal(err)
			}
			err = locations.Params{Column: "id"}.Resolve(ctx, dialect.NewDB(db, d), d, &q)
			if e := apierror.As(err); e == nil || e.Code != apierror.InvalidValue || e.Details["parameter"] != param {
				t.Errorf("%s: got %v, want INVALID_VALUE naming %s", query, err, param)
			}
		}
	})
}

func must(s sq.Sqlizer) string {
	q, _, err := s.ToSql()
	if err != nil {
		panic(err)
	}
	return q
}

// ids runs set (a sub-query of ids) and returns them in order.
func ids(t *testing.T, db *sql.DB, d dialect.Dialect, set sq.Sqlizer) []int64 {
	t.Helper()
	s, args, err := set.ToSql()
	if err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query(d.Rebind(`SELECT x.* FROM (`+s+`) AS x ORDER BY 1`), args...)
	if err != nil {
		t.Fatalf("%s: %v", s, err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		out = append(out, id)
	}
	return out
}

// ExampleParse shows a query's location parameters parsed, and a wrong combination refused with the
// parameter named.
func ExampleParse() {
	q, _ := locations.Parse(url.Values{"location_id": {"1"}, "location_depth": {"3"}})
	fmt.Println(*q.Root, *q.Depth)

	_, err := locations.Parse(url.Values{"location_depth": {"3"}})
	e := apierror.As(err)
	fmt.Println(e.Code, e.Details["parameter"], e.Details["requires"])
	// Output:
	// 1 3
	// MISSING_PARAMETER location_depth location_id
}
