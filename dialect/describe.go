package dialect

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/tastygo/tastygo/field"
)

// Column describes one column as the database declares it.
type Column struct {
	Name       string
	Type       field.Type
	Nullable   bool
	MaxLength  int    // 0 when unbounded
	Default    string // the declared default, as SQL text; "" when none
	HasDefault bool   // a default or an identity/autoincrement key: not required on insert
	PrimaryKey bool
	Unique     bool   // a single-column primary key or unique constraint
	References string // the table a single-column foreign key points at, "" when none
	// MaxInt bounds an integer column's values to ±MaxInt by its declared type (SMALLINT 32767,
	// INTEGER 2147483647); 0 when the type sets no such bound (BIGINT, SQLite's INTEGER PRIMARY KEY,
	// which is the 64-bit rowid).
	MaxInt int64
}

// Table describes a table: its columns in declaration order, and its unique indexes and foreign keys
// by name, so that a [Violation] can be told by the columns it is about.
type Table struct {
	Name    string
	Columns []Column
	// Uniques are the primary key, unique constraints and unique indexes (those over columns only).
	Uniques []Constraint
	// ForeignKeys are the foreign keys, single- and multi-column.
	ForeignKeys []Constraint
}

// Constraint is a named constraint or unique index over columns. SQLite's foreign keys have no name
// its errors give, so theirs is empty.
type Constraint struct {
	Name    string
	Columns []string
	// References is the table a foreign key points at; "" for a unique index.
	References string
}

// UniqueNamed returns the columns of the unique index or constraint of that name.
func (t *Table) UniqueNamed(name string) ([]string, bool) { return named(t.Uniques, name) }

// ForeignKeyNamed returns the columns of the foreign key of that name.
func (t *Table) ForeignKeyNamed(name string) ([]string, bool) { return named(t.ForeignKeys, name) }

func named(cs []Constraint, name string) ([]string, bool) {
	for _, c := range cs {
		if c.Name == name && name != "" {
			return c.Columns, true
		}
	}
	return nil, false
}

// Column returns the named column.
func (t *Table) Column(name string) (Column, bool) {
	for _, c := range t.Columns {
		if c.Name == name {
			return c, true
		}
	}
	return Column{}, false
}

// ErrNoTable is wrapped by DescribeTable when the table does not exist.
var ErrNoTable = fmt.Errorf("table does not exist")

// DescribeTable reads a table's columns, types, keys and foreign keys from the database's catalogue
// (SQLite's pragmas, PostgreSQL's information_schema in the current schema).
func (d Dialect) DescribeTable(ctx context.Context, db *sql.DB, table string) (*Table, error) {
	var t *Table
	var err error
	if d.name == Postgres {
		t, err = describePostgres(ctx, db, table)
	} else {
		t, err = describeSQLite(ctx, db, table)
	}
	if err != nil {
		return nil, err
	}
	if len(t.Columns) == 0 {
		return nil, fmt.Errorf("dialect: %q: %w", table, ErrNoTable)
	}
	return t, nil
}

var lengthRe = regexp.MustCompile(`\((\d+)\)`)

// sqliteType maps a declared SQLite type to a logical type, following SQLite's own affinity rules
// where they apply and the declared names DATE, TIMESTAMP, BOOLEAN and JSON where they are more precise.
func sqliteType(decl string) (field.Type, int) {
	u := strings.ToUpper(decl)
	n := 0
	if m := lengthRe.FindStringSubmatch(u); m != nil {
		n, _ = strconv.Atoi(m[1])
	}
	switch {
	case strings.HasPrefix(u, "BOOL"):
		return field.Boolean, 0
	case strings.Contains(u, "TIMESTAMP"), strings.Contains(u, "DATETIME"):
		return field.DateTime, 0
	case u == "DATE":
		return field.Date, 0
	case strings.Contains(u, "JSON"):
		return field.JSON, 0
	case strings.Contains(u, "INT"):
		return field.Integer, 0
	case strings.Contains(u, "CHAR"), strings.Contains(u, "CLOB"), strings.Contains(u, "TEXT"):
		return field.String, n
	case strings.Contains(u, "REAL"), strings.Contains(u, "FLOA"), strings.Contains(u, "DOUB"), strings.Contains(u, "NUMERIC"), strings.Contains(u, "DECIMAL"):
		return field.Float, 0
	}
	return field.String, n
}

func describeSQLite(ctx context.Context, db *sql.DB, table string) (*Table, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	q := `"` + strings.ReplaceAll(table, `"`, `""`) + `"`
	rows, err := conn.QueryContext(ctx, "PRAGMA table_info("+q+")")
	if err != nil {
		return nil, err
	}
	t := &Table{Name: table}
	pkCount := 0
	for rows.Next() {
		var cid, notNull, pk int
		var name, decl string
		var dflt sql.NullString
		if err := rows.Scan(&cid, &name, &decl, &notNull, &dflt, &pk); err != nil {
			rows.Close()
			return nil, err
		}
		typ, n := sqliteType(decl)
		c := Column{Name: name, Type: typ, MaxLength: n, Nullable: notNull == 0 && pk == 0, PrimaryKey: pk > 0}
		if dflt.Valid {
			c.Default, c.HasDefault = dflt.String, true
		}
		if typ == field.Integer {
			c.MaxInt = intBound(decl)
		}
		if pk > 0 {
			pkCount++
			if strings.EqualFold(strings.TrimSpace(decl), "INTEGER") {
				c.HasDefault = true // INTEGER PRIMARY KEY is the rowid; BIGINT PRIMARY KEY is not, and would hold NULLs
				c.MaxInt = 0
			}
		}
		t.Columns = append(t.Columns, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range t.Columns {
		if t.Columns[i].PrimaryKey && pkCount == 1 {
			t.Columns[i].Unique = true
		}
	}
	if t.Uniques, err = sqliteUniqueIndexes(ctx, conn, q); err != nil {
		return nil, err
	}
	if t.ForeignKeys, err = sqliteForeignKeys(ctx, conn, q); err != nil {
		return nil, err
	}
	t.markKeys()
	return t, nil
}

// markKeys sets each column's Unique (a unique index of that column alone) and References (a
// single-column foreign key) from the table's constraints.
func (t *Table) markKeys() {
	for i := range t.Columns {
		c := &t.Columns[i]
		for _, u := range t.Uniques {
			if len(u.Columns) == 1 && u.Columns[0] == c.Name {
				c.Unique = true
			}
		}
		for _, fk := range t.ForeignKeys {
			if len(fk.Columns) == 1 && fk.Columns[0] == c.Name {
				c.References = fk.References
			}
		}
	}
}

// sqliteUniqueIndexes lists a table's unique indexes that are not partial (a partial one does not
// make its columns unique), with their columns; an index on an expression has none.
func sqliteUniqueIndexes(ctx context.Context, conn *sql.Conn, quotedTable string) ([]Constraint, error) {
	rows, err := conn.QueryContext(ctx, "PRAGMA index_list("+quotedTable+")")
	if err != nil {
		return nil, err
	}
	var indexes []string
	for rows.Next() {
		var seq, uniq, partial int
		var name, origin string
		if err := rows.Scan(&seq, &name, &uniq, &origin, &partial); err != nil {
			rows.Close()
			return nil, err
		}
		if uniq == 1 && partial == 0 {
			indexes = append(indexes, name)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []Constraint
	for _, idx := range indexes {
		cols, err := pragmaNames(ctx, conn, "PRAGMA index_info(\""+strings.ReplaceAll(idx, `"`, `""`)+"\")", 2)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(cols, "<nil>") { // an expression has no column name
			out = append(out, Constraint{Name: idx, Columns: cols})
		}
	}
	return out, nil
}

// pragmaNames returns one text column (by position) of a pragma's rows.
func pragmaNames(ctx context.Context, conn *sql.Conn, query string, pos int) ([]string, error) {
	rows, err := conn.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		out = append(out, fmt.Sprint(vals[pos]))
	}
	return out, rows.Err()
}

// sqliteForeignKeys lists a table's foreign keys, in the order SQLite numbers them; they have no names.
func sqliteForeignKeys(ctx context.Context, conn *sql.Conn, quotedTable string) ([]Constraint, error) {
	rows, err := conn.QueryContext(ctx, "PRAGMA foreign_key_list("+quotedTable+")")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Constraint
	byID := map[int]int{} // SQLite's id of a foreign key → its position in out
	for rows.Next() {
		var id, seq int
		var refTable, from string
		var to, onUpdate, onDelete, match sql.NullString
		if err := rows.Scan(&id, &seq, &refTable, &from, &to, &onUpdate, &onDelete, &match); err != nil {
			return nil, err
		}
		i, ok := byID[id]
		if !ok {
			i, byID[id] = len(out), len(out)
			out = append(out, Constraint{References: refTable})
		}
		out[i].Columns = append(out[i].Columns, from)
	}
	return out, rows.Err()
}

// postgresType maps information_schema's data_type to a logical type.
func postgresType(dataType string) field.Type {
	switch dataType {
	case "smallint", "integer", "bigint":
		return field.Integer
	case "real", "double precision", "numeric":
		return field.Float
	case "boolean":
		return field.Boolean
	case "date":
		return field.Date
	case "timestamp with time zone", "timestamp without time zone":
		return field.DateTime
	case "json", "jsonb":
		return field.JSON
	}
	return field.String
}

func describePostgres(ctx context.Context, db *sql.DB, table string) (*Table, error) {
	rows, err := db.QueryContext(ctx, `
SELECT column_name, data_type, is_nullable = 'YES', COALESCE(character_maximum_length, 0),
       column_default, is_identity = 'YES'
FROM information_schema.columns
WHERE table_schema = current_schema() AND table_name = $1
ORDER BY ordinal_position`, table)
	if err != nil {
		return nil, err
	}
	t := &Table{Name: table}
	for rows.Next() {
		var c Column
		var dataType string
		var dflt sql.NullString
		var identity bool
		if err := rows.Scan(&c.Name, &dataType, &c.Nullable, &c.MaxLength, &dflt, &identity); err != nil {
			rows.Close()
			return nil, err
		}
		c.Type = postgresType(dataType)
		if c.Type == field.Integer {
			c.MaxInt = intBound(dataType)
		}
		if dflt.Valid {
			c.Default, c.HasDefault = dflt.String, true
		}
		if identity {
			c.HasDefault = true
		}
		t.Columns = append(t.Columns, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if t.Uniques, err = postgresConstraints(ctx, db, table, postgresUniques); err != nil {
		return nil, err
	}
	if t.ForeignKeys, err = postgresConstraints(ctx, db, table, postgresForeignKeys); err != nil {
		return nil, err
	}
	for _, u := range t.Uniques {
		if u.References == "p" { // the primary key, marked by postgresUniques
			for i := range t.Columns {
				if slices.Contains(u.Columns, t.Columns[i].Name) {
					t.Columns[i].PrimaryKey, t.Columns[i].Nullable = true, false
				}
			}
		}
	}
	for i := range t.Uniques {
		t.Uniques[i].References = ""
	}
	t.markKeys()
	return t, nil
}

// postgresUniques lists the unique indexes of a table (those of its primary key and unique
// constraints share the constraint's name), each column on a row in key order; the third column is
// "p" for the primary key's. An expression has no column and leaves its index out.
const postgresUniques = `
SELECT ic.relname, a.attname, CASE WHEN x.indisprimary THEN 'p' ELSE '' END
FROM pg_index x
JOIN pg_class ic ON ic.oid = x.indexrelid
JOIN pg_class t ON t.oid = x.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
CROSS JOIN LATERAL unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
WHERE n.nspname = current_schema() AND t.relname = $1 AND x.indisunique AND x.indpred IS NULL
ORDER BY ic.relname, k.ord`

// postgresForeignKeys lists the foreign keys of a table, each column on a row in key order, with the
// table it points at.
const postgresForeignKeys = `
SELECT c.conname, a.attname, rt.relname
FROM pg_constraint c
JOIN pg_class t ON t.oid = c.conrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
JOIN pg_class rt ON rt.oid = c.confrelid
CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
WHERE c.contype = 'f' AND n.nspname = current_schema() AND t.relname = $1
ORDER BY c.conname, k.ord`

// postgresConstraints runs one of the queries above and groups its rows by name; a name with a row
// without a column (an expression) is left out.
func postgresConstraints(ctx context.Context, db *sql.DB, table, query string) ([]Constraint, error) {
	rows, err := db.QueryContext(ctx, query, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Constraint
	skip := map[string]bool{}
	for rows.Next() {
		var name, ref string
		var col sql.NullString
		if err := rows.Scan(&name, &col, &ref); err != nil {
			return nil, err
		}
		if !col.Valid {
			skip[name] = true
			continue
		}
		if n := len(out); n > 0 && out[n-1].Name == name {
			out[n-1].Columns = append(out[n-1].Columns, col.String)
			continue
		}
		out = append(out, Constraint{Name: name, Columns: []string{col.String}, References: ref})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	kept := out[:0]
	for _, c := range out {
		if !skip[c.Name] {
			kept = append(kept, c)
		}
	}
	return kept, nil
}
