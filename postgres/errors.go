package postgres

import (
	"context"
	"errors"
	"net"
	"strings"

	"github.com/imageshare/imageshare/internal/sqlstore"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/imageshare/imageshare"
)

// SQLSTATE codes the store acts on.
const (
	codeUniqueViolation      = "23505"
	codeForeignKeyViolation  = "23503"
	codeSerializationFailure = "40001"
	codeDeadlockDetected     = "40P01"
	codeQueryCanceled        = "57014" // statement_timeout, or a cancel request
	codeLockNotAvailable     = "55P03" // lock_timeout
)

// pgCode returns the SQLSTATE of the first *pgconn.PgError in err's chain.
func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// constraintName returns the constraint a violation names.
func constraintName(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.ConstraintName
	}
	return ""
}

// retryable reports whether a transaction that failed with err may simply
// run again: the database rolled it back to resolve a conflict with
// another transaction.
func retryable(err error) bool {
	switch pgCode(err) {
	case codeSerializationFailure, codeDeadlockDetected:
		return true
	}
	return false
}

// mapError passes domain errors through, reports a database that is
// unreachable, overloaded or too slow as KindUnavailable (the call may be
// retried), and wraps anything else as an internal failure of op.
func mapError(op string, err error) error { return sqlstore.MapError(op, err, isUnavailable) }

func unavailable(op string, err error) *imageshare.Error { return sqlstore.Unavailable(op, err) }

// isUnavailable reports whether err says the database could not serve the
// call now rather than that the call is wrong.
func isUnavailable(err error) bool {
	switch code := pgCode(err); {
	case code == codeSerializationFailure, code == codeDeadlockDetected, // retries exhausted
		code == codeQueryCanceled, code == codeLockNotAvailable,
		strings.HasPrefix(code, "08"),  // connection exception
		strings.HasPrefix(code, "53"),  // insufficient resources (too many connections, ...)
		strings.HasPrefix(code, "57P"): // operator intervention: shutdown, crash recovery
		return true
	case code != "":
		return false
	}
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) ||
		pgconn.Timeout(err) || errors.As(err, &ne) || pgconn.SafeToRetry(err)
}

// constraintError translates the constraint violations a write can hit
// into the domain's kinds (see sqlstore.ConstraintError).
func constraintError(err error, conflict, missing *imageshare.Error) error {
	v := sqlstore.NoViolation
	switch pgCode(err) {
	case codeUniqueViolation:
		v = sqlstore.UniqueViolation
	case codeForeignKeyViolation:
		v = sqlstore.ForeignKeyViolation
	}
	return sqlstore.ConstraintError(err, v, conflict, missing)
}

// orNotFound is notFound if err says the query found no row, else err.
func orNotFound(err error, notFound *imageshare.Error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return notFound
	}
	return err
}
