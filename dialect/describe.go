package dialect

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
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
}

// Table describes a table: its columns in declaration order.
type Table struct {
	Name    string
	Columns []Column
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
		if pk > 0 {
			pkCount++
			if strings.EqualFold(strings.TrimSpace(decl), "INTEGER") {
				c.HasDefault = true // INTEGER PRIMARY KEY is the rowid; BIGINT PRIMARY KEY is not, and would hold NULLs
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
	unique, err := sqliteUniqueColumns(ctx, conn, q)
	if err != nil {
		return nil, err
	}
	refs, err := sqliteForeignKeys(ctx, conn, q)
	if err != nil {
		return nil, err
	}
	for i := range t.Columns {
		c := &t.Columns[i]
		if unique[c.Name] {
			c.Unique = true
		}
		c.References = refs[c.Name]
	}
	return t, nil
}

func sqliteUniqueColumns(ctx context.Context, conn *sql.Conn, quotedTable string) (map[string]bool, error) {
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
	unique := map[string]bool{}
	for _, idx := range indexes {
		cols, err := pragmaNames(ctx, conn, "PRAGMA index_info(\""+strings.ReplaceAll(idx, `"`, `""`)+"\")", 2)
		if err != nil {
			return nil, err
		}
		if len(cols) == 1 {
			unique[cols[0]] = true
		}
	}
	return unique, nil
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

func sqliteForeignKeys(ctx context.Context, conn *sql.Conn, quotedTable string) (map[string]string, error) {
	rows, err := conn.QueryContext(ctx, "PRAGMA foreign_key_list("+quotedTable+")")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	type fk struct{ table, from string }
	byID := map[int][]fk{}
	for rows.Next() {
		var id, seq int
		var refTable, from string
		var to, onUpdate, onDelete, match sql.NullString
		if err := rows.Scan(&id, &seq, &refTable, &from, &to, &onUpdate, &onDelete, &match); err != nil {
			return nil, err
		}
		byID[id] = append(byID[id], fk{refTable, from})
	}
	refs := map[string]string{}
	for _, parts := range byID {
		if len(parts) == 1 {
			refs[parts[0].from] = parts[0].table
		}
	}
	return refs, rows.Err()
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
	// Constraints: primary key, unique and foreign key, each with its column count.
	crows, err := db.QueryContext(ctx, `
SELECT tc.constraint_type, kcu.column_name, COALESCE(ccu.table_name, ''),
       (SELECT count(*) FROM information_schema.key_column_usage k2
         WHERE k2.constraint_name = tc.constraint_name AND k2.constraint_schema = tc.constraint_schema)
FROM information_schema.table_constraints tc
JOIN information_schema.key_column_usage kcu
  ON kcu.constraint_name = tc.constraint_name AND kcu.constraint_schema = tc.constraint_schema
LEFT JOIN information_schema.constraint_column_usage ccu
  ON tc.constraint_type = 'FOREIGN KEY' AND ccu.constraint_name = tc.constraint_name
 AND ccu.constraint_schema = tc.constraint_schema
WHERE tc.table_schema = current_schema() AND tc.table_name = $1
  AND tc.constraint_type IN ('PRIMARY KEY', 'UNIQUE', 'FOREIGN KEY')`, table)
	if err != nil {
		return nil, err
	}
	defer crows.Close()
	for crows.Next() {
		var kind, col, ref string
		var n int
		if err := crows.Scan(&kind, &col, &ref, &n); err != nil {
			return nil, err
		}
		for i := range t.Columns {
			c := &t.Columns[i]
			if c.Name != col {
				continue
			}
			switch kind {
			case "PRIMARY KEY":
				c.PrimaryKey = true
				c.Nullable = false
				c.Unique = c.Unique || n == 1
			case "UNIQUE":
				c.Unique = c.Unique || n == 1
			case "FOREIGN KEY":
				if n == 1 {
					c.References = ref
				}
			}
		}
	}
	return t, crows.Err()
}
