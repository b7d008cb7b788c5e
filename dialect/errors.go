package dialect

import (
	"context"
	"database/sql/driver"
	"errors"
	"net"
	"strings"
	"syscall"

	"github.com/tastygo/tastygo/apierror"
)

// classify turns a database error into the client-facing error it stands for: a unique or foreign-key
// violation is a CONFLICT, a NOT NULL or CHECK violation a VALIDATION_ERROR, a value the column cannot
// hold an INVALID_VALUE, an unreachable or overloaded database DATABASE_UNAVAILABLE. Anything else (a
// bug) is returned unchanged, to be answered as INTERNAL_ERROR and logged. The SQL text and driver
// message never reach the client message. An error classified already is returned as it is.
func (c *classifier) classify(err error) error {
	if err == nil || apierror.As(err) != nil || errors.Is(err, context.Canceled) {
		return err
	}
	if errors.Is(err, ErrWriteWait) {
		return apierror.New(apierror.DatabaseUnavailable, "The database is busy with other writes; try again shortly.").Wrap(err)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return apierror.New(apierror.DatabaseUnavailable, "The database did not answer in time.").Wrap(err)
	}
	if c.drv != nil {
		if de, ok := c.drv.Inspect(err); ok {
			if out := classifyDriverError(de, err); out != nil {
				return out
			}
		}
	}
	if isConnectionError(err) {
		return unavailable(err)
	}
	return err
}

// classifyDriverError classifies what a driver package read of its driver's error, by the backend's
// codes; nil when they say nothing the client should hear of.
func classifyDriverError(de DriverError, err error) error {
	switch {
	case de.Unavailable:
		return unavailable(err)
	case de.SQLState != "":
		return classifySQLState(de, err)
	case de.ResultCode != 0:
		return classifyResultCode(de, err)
	}
	return nil
}

func unavailable(err error) error {
	return apierror.New(apierror.DatabaseUnavailable, "The database is unavailable; try again shortly.").Wrap(err)
}

// ErrWriteWait is the cause of the DATABASE_UNAVAILABLE error of a SQLite writer that waited for the
// write gate (dialect/sqlite) longer than the database's write wait.
var ErrWriteWait = errors.New("dialect: waited too long for the database's other writes to finish")

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
// CONFLICT error a statement answers (see [DB]), for the code that wrote the row to name the fields
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

// classifySQLState classifies PostgreSQL's SQLSTATE codes (the same whichever driver reports them).
func classifySQLState(de DriverError, err error) error {
	code := de.SQLState
	switch {
	case code == "23505":
		return conflict(&Violation{Kind: UniqueViolation, Table: de.Table, Constraint: de.Constraint, Err: err})
	case code == "23503":
		return conflict(&Violation{Kind: ForeignKeyViolation, Table: de.Table, Constraint: de.Constraint, Err: err})
	case code == "23502":
		return apierror.New(apierror.ValidationError, "The %q field may not be null.", de.Column).Wrap(err).With("field", de.Column)
	case code == "23514":
		return apierror.New(apierror.ValidationError, "A value is outside what the database allows (a CHECK constraint).").Wrap(err)
	case strings.HasPrefix(code, "22"):
		return apierror.New(apierror.InvalidValue, "A value is not valid for its column.").Wrap(err)
	case strings.HasPrefix(code, "08"), strings.HasPrefix(code, "53"), strings.HasPrefix(code, "57P"):
		return unavailable(err)
	}
	return nil
}

// SQLite's result codes (https://www.sqlite.org/rescode.html): the primary code is the low byte of an
// extended one.
const (
	sqliteBusy                 = 5
	sqliteLocked               = 6
	sqliteReadOnly             = 8
	sqliteIOErr                = 10
	sqliteCorrupt              = 11
	sqliteFull                 = 13
	sqliteCantOpen             = 14
	sqliteConstraint           = 19
	sqliteNotADB               = 26
	sqliteConstraintCheck      = sqliteConstraint | 1<<8
	sqliteConstraintForeignKey = sqliteConstraint | 3<<8
	sqliteConstraintNotNull    = sqliteConstraint | 5<<8
	sqliteConstraintPrimaryKey = sqliteConstraint | 6<<8
	sqliteConstraintUnique     = sqliteConstraint | 8<<8
)

// classifyResultCode classifies SQLite's extended result codes (the same whichever driver reports them).
func classifyResultCode(de DriverError, err error) error {
	switch de.ResultCode {
	case sqliteConstraintUnique, sqliteConstraintPrimaryKey:
		table, cols := parseSQLiteUnique(de.Message)
		return conflict(&Violation{Kind: UniqueViolation, Table: table, Columns: cols, Err: err})
	case sqliteConstraintForeignKey:
		return conflict(&Violation{Kind: ForeignKeyViolation, Err: err})
	case sqliteConstraintNotNull:
		return apierror.New(apierror.ValidationError, "A required field is null.").Wrap(err)
	case sqliteConstraintCheck:
		return apierror.New(apierror.ValidationError, "A value is outside what the database allows (a CHECK constraint).").Wrap(err)
	}
	switch de.ResultCode & 0xff {
	case sqliteBusy, sqliteLocked, sqliteCantOpen, sqliteIOErr, sqliteFull, sqliteNotADB, sqliteCorrupt, sqliteReadOnly:
		return unavailable(err)
	}
	return nil
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
	return strings.Contains(err.Error(), "conn closed") || strings.Contains(err.Error(), "unexpected EOF")
}
