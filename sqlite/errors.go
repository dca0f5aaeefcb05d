package sqlite

import (
	"database/sql"
	"errors"

	"github.com/imageshare/imageshare/internal/sqlstore"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/imageshare/imageshare"
)

// mapError passes domain errors through and wraps anything else as an
// internal failure of op.
func mapError(op string, err error) error { return sqlstore.MapError(op, err, nil) }

// isUnique reports whether err is a UNIQUE or PRIMARY KEY violation.
func isUnique(err error) bool {
	code := sqliteCode(err)
	return code == sqlite3.SQLITE_CONSTRAINT_UNIQUE || code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

// isForeignKey reports whether err is a FOREIGN KEY violation.
func isForeignKey(err error) bool {
	return sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}

func sqliteCode(err error) int {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code()
	}
	return 0
}

// constraintError translates the constraint violations an insert can hit
// into the domain's kinds (see sqlstore.ConstraintError).
func constraintError(err error, conflict, missing *imageshare.Error) error {
	v := sqlstore.NoViolation
	switch {
	case isUnique(err):
		v = sqlstore.UniqueViolation
	case isForeignKey(err):
		v = sqlstore.ForeignKeyViolation
	}
	return sqlstore.ConstraintError(err, v, conflict, missing)
}

// orNotFound is notFound if err says the query found no row, else err.
func orNotFound(err error, notFound *imageshare.Error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return notFound
	}
	return err
}
