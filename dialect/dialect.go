// Package dialect holds what differs between SQLite and PostgreSQL, and nothing else: placeholders,
// case-insensitive matching, date parts, NULL ordering, how values are bound, how errors are
// classified (by the backends' error codes), and how a table is described (see [Dialect.DescribeTable]).
// It is pure Go and links no database driver: a program imports the driver package of each backend it
// opens, dialect/sqlite or dialect/postgres, which registers itself with [Register] (see [Open]).
//
// Statements run through a [DB] (or the [Tx], [Conn] and [Stmt] it gives), whose errors come
// classified; every other package writes SQL through a [Dialect] value and never tests which backend
// it is on.
package dialect

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	sq "github.com/Masterminds/squirrel"

	"github.com/tastygo/tastygo/field"
)

// Name names a backend.
type Name string

// The supported backends.
const (
	SQLite   Name = "sqlite"
	Postgres Name = "postgres"
)

// Dialect is the SQL flavour of one backend. The zero value is not usable; get one from [Open] or
// [ForName].
type Dialect struct {
	name Name
}

// ForName returns the dialect of a backend.
func ForName(n Name) (Dialect, error) {
	switch n {
	case SQLite, Postgres:
		return Dialect{name: n}, nil
	}
	return Dialect{}, fmt.Errorf("dialect: unknown backend %q (want %q or %q)", n, SQLite, Postgres)
}

// Name returns the backend's name.
func (d Dialect) Name() Name { return d.name }

// Builder returns a squirrel statement builder with the backend's placeholder format.
func (d Dialect) Builder() sq.StatementBuilderType {
	if d.name == Postgres {
		return sq.StatementBuilder.PlaceholderFormat(sq.Dollar)
	}
	return sq.StatementBuilder.PlaceholderFormat(sq.Question)
}

// Rebind rewrites the '?' placeholders of a hand-written statement into the backend's form.
func (d Dialect) Rebind(query string) string {
	if d.name != Postgres {
		return query
	}
	s, err := sq.Dollar.ReplacePlaceholders(query)
	if err != nil { // only on malformed input, which hand-written statements are not
		panic(err)
	}
	return s
}

// Quote quotes an identifier. Identifiers only ever come from a resource's Meta or the database's own
// catalogue; Quote still doubles embedded quotes so that no name can break out.
func (d Dialect) Quote(ident string) string {
	return `"` + strings.ReplaceAll(ident, `"`, `""`) + `"`
}

// Fold wraps a SQL expression so that it compares case-insensitively, for non-ASCII text too, in the
// same way on both backends; compare it with a value passed through [Dialect.FoldValue].
// On SQLite it calls the tg_fold function that dialect/sqlite registers on every connection.
func (d Dialect) Fold(expr string) string {
	if d.name == Postgres {
		return "lower(" + expr + ")"
	}
	return "tg_fold(" + expr + ")"
}

// FoldValue folds a Go string the way [Dialect.Fold] folds a column.
func (d Dialect) FoldValue(s string) string { return strings.ToLower(s) }

// LikeEscape is the escape character of every LIKE pattern built by [EscapeLike].
const LikeEscape = `\`

// EscapeLike escapes the LIKE wildcards and the escape character in s, so that s matches literally.
func EscapeLike(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

// Like returns "expr LIKE ? ESCAPE '\'", the one form of LIKE the framework writes.
func (d Dialect) Like(expr string) string {
	return expr + ` LIKE ? ESCAPE '\'`
}

// DatePart returns a SQL expression for a part of a date or timestamp column, the same on every
// backend (timestamps in UTC: SQLite stores them so, PostgreSQL's session time zone is pinned to UTC):
//
//   - year, month, day, hour, minute, second (the fraction dropped), quarter (1-4): integers;
//   - week_day: an integer from 1 (Sunday) to 7 (Saturday), as Django's;
//   - week, iso_year: the ISO 8601 week number (1-53) and week-numbering year, integers;
//   - date: the date, as text YYYY-MM-DD on SQLite and a DATE on PostgreSQL (compare it with a date
//     passed through [Dialect.Bind]);
//   - time: the time of day as text HH:MM:SS.ffffff (microseconds) on both.
//
// SQLite's are strftime (with %V and %G, SQLite 3.46 or later); PostgreSQL's are EXTRACT, a cast and
// to_char. expr comes from trusted Meta only. An unknown part is an error.
func (d Dialect) DatePart(part, expr string) (string, error) {
	asInt := func(e string) string { return "CAST(" + e + " AS INTEGER)" }
	if d.name == Postgres {
		extract := func(f string) string { return "EXTRACT(" + f + " FROM " + expr + ")" }
		switch part {
		case "year", "month", "day", "hour", "minute", "quarter", "week":
			return asInt(extract(strings.ToUpper(part))), nil
		case "second":
			return asInt("FLOOR(" + extract("SECOND") + ")"), nil
		case "week_day":
			return "(" + asInt(extract("DOW")) + " + 1)", nil
		case "iso_year":
			return asInt(extract("ISOYEAR")), nil
		case "date":
			return "CAST(" + expr + " AS DATE)", nil
		case "time":
			return "to_char(" + expr + ", 'HH24:MI:SS.US')", nil
		}
		return "", fmt.Errorf("dialect: no date part %q", part)
	}
	strftime := func(f string) string { return "strftime('" + f + "', " + expr + ")" }
	formats := map[string]string{"year": "%Y", "month": "%m", "day": "%d", "hour": "%H", "minute": "%M",
		"second": "%S", "week": "%V", "iso_year": "%G"}
	if f, ok := formats[part]; ok {
		return asInt(strftime(f)), nil
	}
	switch part {
	case "week_day":
		return "(" + asInt(strftime("%w")) + " + 1)", nil
	case "quarter":
		return "((" + asInt(strftime("%m")) + " + 2) / 3)", nil
	case "date":
		return "date(" + expr + ")", nil
	case "time":
		// The framework stores timestamps as 2006-01-02T15:04:05.000000Z: their microseconds are in the
		// text (strftime's %f keeps milliseconds); any other form a table holds goes through strftime.
		return "CASE WHEN " + expr + " GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'" +
			" THEN substr(" + expr + ", 12, 15) ELSE " + strftime("%H:%M:%S") + " || '.' || substr(" + strftime("%f") + ", 4) || '000' END", nil
	}
	return "", fmt.Errorf("dialect: no date part %q", part)
}

// OrderBy returns an ORDER BY term: NULLs sort last ascending and first descending, on every backend.
func (d Dialect) OrderBy(expr string, desc bool) string {
	if desc {
		return expr + " DESC NULLS FIRST"
	}
	return expr + " ASC NULLS LAST"
}

// Bind converts a Go value of a field type into what the driver stores: SQLite keeps dates and
// timestamps as ISO 8601 text (so they compare and sort as text), PostgreSQL takes time.Time.
// JSON is stored as text on both.
func (d Dialect) Bind(t field.Type, v any) any {
	switch x := v.(type) {
	case time.Time:
		if d.name == Postgres {
			if t == field.Date {
				return x.Format(field.DateLayout)
			}
			return x.UTC()
		}
		if t == field.Date {
			return x.Format(field.DateLayout)
		}
		return x.UTC().Format(field.DateTimeLayout)
	case []byte:
		if t == field.JSON {
			return string(x)
		}
	}
	if m, ok := v.(interface{ MarshalJSON() ([]byte, error) }); ok && t == field.JSON {
		b, _ := m.MarshalJSON()
		return string(b)
	}
	return v
}

// Now returns the current time as the framework stores it in created_at and updated_at.
func (d Dialect) Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// EstimateRows returns the query planner's estimate of how many rows query returns, without running
// it (PostgreSQL's EXPLAIN), and false on a backend that keeps no such estimates (SQLite).
func (d Dialect) EstimateRows(ctx context.Context, db Querier, query string, args ...any) (int64, bool, error) {
	if d.name != Postgres {
		return 0, false, nil
	}
	var plan string
	if err := db.QueryRowContext(ctx, "EXPLAIN (FORMAT JSON) "+query, args...).Scan(&plan); err != nil {
		return 0, false, err
	}
	var out []struct {
		Plan struct {
			Rows float64 `json:"Plan Rows"`
		} `json:"Plan"`
	}
	if err := json.Unmarshal([]byte(plan), &out); err != nil || len(out) == 0 {
		return 0, false, fmt.Errorf("dialect: EXPLAIN answered an unexpected plan: %.200s", plan)
	}
	return int64(out[0].Plan.Rows), true, nil
}

// LockTransaction makes the transactions that lock the same name run their rest one after the other:
// it waits until no other transaction holds name, and holds it until tx ends. On PostgreSQL it is a
// transaction-scoped advisory lock, keyed by the current schema and the name (so that every app
// process on the database takes the same one); on SQLite, where a database has one writer at a time
// (transactions begin immediate), it does nothing.
func (d Dialect) LockTransaction(ctx context.Context, tx Querier, name string) error {
	if d.name != Postgres {
		return nil
	}
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('tastygo'), hashtext(current_schema() || '.' || $1))`, name)
	return err
}
