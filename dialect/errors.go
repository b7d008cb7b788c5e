package dialect

import (
	"context"
	"database/sql/driver"
	"errors"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/mattn/go-sqlite3"

	"github.com/tastygo/tastygo/apierror"
)

// Classify turns a database error into the client-facing error it stands for: a unique or foreign-key
// violation is a CONFLICT, a NOT NULL or CHECK violation a VALIDATION_ERROR, an unreachable or
// overloaded database DATABASE_UNAVAILABLE. Anything else (a bug) is returned unchanged, to be answered
// as INTERNAL_ERROR and logged. The SQL text and driver message never reach the client message.
func (d Dialect) Classify(err error) error {
	if err == nil || apierror.As(err) != nil || errors.Is(err, context.Canceled) {
		return err
	}
	if errors.Is(err, ErrWriteWait) {
		return apierror.New(apierror.DatabaseUnavailable, "The database is busy with other writes; try again shortly.").Wrap(err)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return apierror.New(apierror.DatabaseUnavailable, "The database did not answer in time.").Wrap(err)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return classifyPostgres(pgErr, err)
	}
	var liteErr sqlite3.Error
	if errors.As(err, &liteErr) {
		return classifySQLite(liteErr, err)
	}
	if isOutOfRange(err) {
		return apierror.New(apierror.InvalidValue, "A value is not valid for its column.").Wrap(err)
	}
	if isConnectionError(err) {
		return unavailable(err)
	}
	return err
}

// isOutOfRange reports pgx refusing to encode a parameter because the number does not fit the column
// (3000000000 for an INTEGER): the client's value, not a bug. pgx gives it no type of its own.
func isOutOfRange(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "failed to encode args[") &&
		(strings.Contains(msg, "is greater than maximum value for") || strings.Contains(msg, "is less than minimum value for"))
}

func unavailable(err error) error {
	return apierror.New(apierror.DatabaseUnavailable, "The database is unavailable; try again shortly.").Wrap(err)
}

// ViolationKind is the kind of constraint a [Violation] broke.
type ViolationKind int

// The constraints whose violation is a conflict.
const (
	// UniqueViolation: a primary key, unique constraint or unique index already holds the value.
	UniqueViolation ViolationKind = iota + 1
	// ForeignKeyViolation: a foreign key refers to no row, or a row still referred to was deleted.
	ForeignKeyViolation
)

// Violation is a unique or foreign-key violation as the database reported it: the cause of the
// CONFLICT error [Dialect.Classify] returns, for the code that wrote the row to name the fields
// involved (through [Table.UniqueNamed] and [Table.ForeignKeyNamed]) without showing the database's
// own names. What each backend says differs: PostgreSQL names the table and the constraint (or
// index); SQLite names the table and columns of a unique violation, and nothing of a foreign-key one.
type Violation struct {
	Kind ViolationKind
	// Table is the table whose constraint was broken ("" when the database does not say).
	Table string
	// Constraint is PostgreSQL's constraint or index name; "" on SQLite.
	Constraint string
	// Columns are the columns SQLite names in a unique violation; nil otherwise.
	Columns []string
	// Err is the driver's error.
	Err error
}

// Error returns the driver's message (for logs; it never reaches a client).
func (v *Violation) Error() string { return v.Err.Error() }

// Unwrap returns the driver's error.
func (v *Violation) Unwrap() error { return v.Err }

// ViolationOf returns the Violation in err's chain, if there is one.
func ViolationOf(err error) (*Violation, bool) {
	var v *Violation
	ok := errors.As(err, &v)
	return v, ok
}

// conflict is the CONFLICT error of a violation, with a message that names nothing of the database;
// the writer of the row replaces it with one naming the fields when it can.
func conflict(v *Violation) error {
	msg := "The request conflicts with existing data: a value that must be unique is taken."
	if v.Kind == ForeignKeyViolation {
		msg = "The request conflicts with existing data: it refers to an object that does not exist, or deletes one that others refer to."
	}
	return apierror.New(apierror.Conflict, "%s", msg).Wrap(v)
}

func classifyPostgres(pgErr *pgconn.PgError, err error) error {
	switch {
	case pgErr.Code == "23505":
		return conflict(&Violation{Kind: UniqueViolation, Table: pgErr.TableName, Constraint: pgErr.ConstraintName, Err: err})
	case pgErr.Code == "23503":
		return conflict(&Violation{Kind: ForeignKeyViolation, Table: pgErr.TableName, Constraint: pgErr.ConstraintName, Err: err})
	case pgErr.Code == "23502":
		return apierror.New(apierror.ValidationError, "The %q field may not be null.", pgErr.ColumnName).Wrap(err).With("field", pgErr.ColumnName)
	case pgErr.Code == "23514":
		return apierror.New(apierror.ValidationError, "A value is outside what the database allows (a CHECK constraint).").Wrap(err)
	case strings.HasPrefix(pgErr.Code, "22"):
		return apierror.New(apierror.InvalidValue, "A value is not valid for its column.").Wrap(err)
	case strings.HasPrefix(pgErr.Code, "08"), strings.HasPrefix(pgErr.Code, "53"), strings.HasPrefix(pgErr.Code, "57P"):
		return unavailable(err)
	}
	return err
}

func classifySQLite(liteErr sqlite3.Error, err error) error {
	switch liteErr.Code {
	case sqlite3.ErrConstraint:
		switch liteErr.ExtendedCode {
		case sqlite3.ErrConstraintUnique, sqlite3.ErrConstraintPrimaryKey:
			table, cols := parseSQLiteUnique(liteErr.Error())
			return conflict(&Violation{Kind: UniqueViolation, Table: table, Columns: cols, Err: err})
		case sqlite3.ErrConstraintForeignKey:
			return conflict(&Violation{Kind: ForeignKeyViolation, Err: err})
		case sqlite3.ErrConstraintNotNull:
			return apierror.New(apierror.ValidationError, "A required field is null.").Wrap(err)
		case sqlite3.ErrConstraintCheck:
			return apierror.New(apierror.ValidationError, "A value is outside what the database allows (a CHECK constraint).").Wrap(err)
		}
	case sqlite3.ErrBusy, sqlite3.ErrLocked, sqlite3.ErrCantOpen, sqlite3.ErrIoErr, sqlite3.ErrFull, sqlite3.ErrNotADB, sqlite3.ErrCorrupt, sqlite3.ErrReadonly:
		return unavailable(err)
	}
	return err
}

// parseSQLiteUnique reads the table and columns of SQLite's "UNIQUE constraint failed: t.a, t.b";
// an index on expressions ("... failed: index 'name'") names none.
func parseSQLiteUnique(msg string) (table string, cols []string) {
	_, list, ok := strings.Cut(msg, "constraint failed: ")
	if !ok {
		return "", nil
	}
	for _, part := range strings.Split(list, ", ") {
		t, c, ok := strings.Cut(part, ".")
		if !ok || (table != "" && t != table) {
			return "", nil
		}
		table, cols = t, append(cols, c)
	}
	return table, cols
}

// isConnectionError reports errors of reaching a server, as opposed to errors of a statement.
func isConnectionError(err error) bool {
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	var netErr net.Error
	if errors.As(err, &netErr) {
		return true
	}
	var connectErr *pgconn.ConnectError
	if errors.As(err, &connectErr) {
		return true
	}
	return pgconn.SafeToRetry(err) || strings.Contains(err.Error(), "conn closed") || strings.Contains(err.Error(), "unexpected EOF")
}
