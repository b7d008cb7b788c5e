package dialect

import (
	"context"
	"fmt"
	"strings"
)

// MaxParams is the most bound parameters one statement may carry on the backend: 32,766 on SQLite
// (SQLITE_MAX_VARIABLE_NUMBER, as go-sqlite3 compiles it) and 65,535 on PostgreSQL (its protocol counts
// them in 16 bits). A longer statement is refused by the database.
func (d Dialect) MaxParams() int {
	if d.Name() == Postgres {
		return 65535
	}
	return 32766
}

// BulkInsert is a multi-row INSERT of one table's columns with bound parameters:
//
//	INSERT INTO "t" ("a", "b") VALUES (?, ?), (?, ?), ... [RETURNING "id"]
//
// in the backend's placeholders. Its statements hold at most [BulkInsert.RowsPerStatement] rows, so
// that they stay within the backend's [Dialect.MaxParams] whatever the number of columns. It only
// builds statements; run them with [BulkInsert.Batch], or split the rows with RowsPerStatement and
// run [BulkInsert.SQL] yourself. Get one from [Dialect.BulkInsert]; configure it before use.
type BulkInsert struct {
	d         Dialect
	head, row string
	returning string
	width     int
	maxRows   int    // 0: as many as the parameters allow
	full      string // the statement of RowsPerStatement rows, built on first use
}

// BulkInsert starts the multi-row INSERT of the columns (at least one) into the table; names are
// quoted here.
func (d Dialect) BulkInsert(table string, columns ...string) *BulkInsert {
	if len(columns) == 0 {
		panic("dialect: a BulkInsert into " + table + " needs at least one column")
	}
	return &BulkInsert{d: d, width: len(columns),
		head: "INSERT INTO " + d.Quote(table) + " (" + d.quoteAll(columns) + ") VALUES ",
		row:  "(" + strings.TrimSuffix(strings.Repeat("?, ", len(columns)), ", ") + ")"}
}

func (d Dialect) quoteAll(names []string) string {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = d.Quote(n)
	}
	return strings.Join(quoted, ", ")
}

// Returning makes each statement return these columns of the rows it wrote (RETURNING, which both
// backends have), and returns b.
func (b *BulkInsert) Returning(columns ...string) *BulkInsert {
	b.returning, b.full = "", ""
	if len(columns) > 0 {
		b.returning = " RETURNING " + b.d.quoteAll(columns)
	}
	return b
}

// MaxRows caps the rows of one statement below what the parameters allow (n <= 0: no cap), and
// returns b.
func (b *BulkInsert) MaxRows(n int) *BulkInsert {
	b.maxRows, b.full = n, ""
	return b
}

// Width is the number of columns: the values of one row.
func (b *BulkInsert) Width() int { return b.width }

// RowsPerStatement is the most rows one statement holds: as many as [Dialect.MaxParams] allows for
// the columns, and no more than [BulkInsert.MaxRows].
func (b *BulkInsert) RowsPerStatement() int {
	n := b.d.MaxParams() / b.width
	if b.maxRows > 0 && b.maxRows < n {
		n = b.maxRows
	}
	return max(n, 1)
}

// SQL is the statement of n rows, 1 <= n <= RowsPerStatement; it panics otherwise (the rows must
// be split first). The statement of a full chunk is built once.
func (b *BulkInsert) SQL(n int) string {
	per := b.RowsPerStatement()
	if n < 1 || n > per {
		panic(fmt.Sprintf("dialect: a BulkInsert statement of %d rows (from 1 to %d)", n, per))
	}
	if n == per && b.full != "" {
		return b.full
	}
	var s strings.Builder
	s.Grow(len(b.head) + n*(len(b.row)+2) + len(b.returning))
	s.WriteString(b.head)
	for i := range n {
		if i > 0 {
			s.WriteString(", ")
		}
		s.WriteString(b.row)
	}
	s.WriteString(b.returning)
	query := b.d.Rebind(s.String())
	if n == per {
		b.full = query
	}
	return query
}

// RunFunc runs one statement of a batch: query with its args (a row's values after another's). It
// must be done with args when it returns: the batch reuses them.
type RunFunc func(ctx context.Context, query string, args []any) error

// Batch gathers rows for the INSERT and runs a statement each time RowsPerStatement rows wait, and
// on [InsertBatch.Flush]. run executes it (an ExecContext, or a QueryContext that reads what
// RETURNING gives).
func (b *BulkInsert) Batch(run RunFunc) *InsertBatch {
	return &InsertBatch{ins: b, run: run}
}

// InsertBatch sends rows in multi-row INSERTs as they come. The first error sticks: later calls do
// nothing and return it, so that a caller adding many rows may check only the last call.
type InsertBatch struct {
	ins     *BulkInsert
	run     RunFunc
	args    []any
	waiting int // rows in args
	written int
	err     error
}

// Add queues one row, its values in column order, and runs the statement when the chunk is full.
func (q *InsertBatch) Add(ctx context.Context, values ...any) error {
	if q.err != nil {
		return q.err
	}
	if len(values) != q.ins.width {
		q.err = fmt.Errorf("dialect: %d values for a row of %d columns (%s)", len(values), q.ins.width, q.ins.head)
		return q.err
	}
	if q.args == nil {
		q.args = make([]any, 0, q.ins.RowsPerStatement()*q.ins.width)
	}
	q.args = append(q.args, values...)
	q.waiting++
	if q.waiting == q.ins.RowsPerStatement() {
		return q.Flush(ctx)
	}
	return nil
}

// Flush runs the statement of the rows waiting, if any.
func (q *InsertBatch) Flush(ctx context.Context) error {
	if q.err != nil || q.waiting == 0 {
		return q.err
	}
	if err := q.run(ctx, q.ins.SQL(q.waiting), q.args); err != nil {
		q.err = err
		return err
	}
	q.written += q.waiting
	q.waiting, q.args = 0, q.args[:0]
	return nil
}

// Written is the number of rows the statements run so far wrote.
func (q *InsertBatch) Written() int { return q.written }
