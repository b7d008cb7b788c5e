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

func conflict(err error, constraint string) error {
	e := apierror.New(apierror.Conflict, "The request conflicts with existing data (a unique or foreign-key constraint).").Wrap(err)
	if constraint != "" {
		e = e.With("constraint", constraint)
	}
	return e
}

func classifyPostgres(pgErr *pgconn.PgError, err error) error {
	switch {
	case pgErr.Code == "23505", pgErr.Code == "23503":
		return conflict(err, pgErr.ConstraintName)
	case pgErr.Code == "23502":
		return apierror.New(apierror.ValidationError, "The %q field may not be null.", pgErr.ColumnName).Wrap(err).With("field", pgErr.ColumnName)
	case pgErr.Code == "23514":
		return apierror.New(apierror.ValidationError, "A value is outside what the %q constraint allows.", pgErr.ConstraintName).Wrap(err)
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
		case sqlite3.ErrConstraintUnique, sqlite3.ErrConstraintPrimaryKey, sqlite3.ErrConstraintForeignKey:
			return conflict(err, "")
		case sqlite3.ErrConstraintNotNull:
			return apierror.New(apierror.ValidationError, "A required field is null.").Wrap(err)
		case sqlite3.ErrConstraintCheck:
			return apierror.New(apierror.ValidationError, "A value is outside what a CHECK constraint allows.").Wrap(err)
		}
	case sqlite3.ErrBusy, sqlite3.ErrLocked, sqlite3.ErrCantOpen, sqlite3.ErrIoErr, sqlite3.ErrFull, sqlite3.ErrNotADB, sqlite3.ErrCorrupt, sqlite3.ErrReadonly:
		return unavailable(err)
	}
	return err
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
