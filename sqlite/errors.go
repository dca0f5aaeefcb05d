package sqlite

import (
	"errors"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"imageshare"
)

// mapError passes domain errors through and wraps anything else as an
// internal failure of op.
func mapError(op string, err error) error {
	if err == nil {
		return nil
	}
	var e *imageshare.Error
	if errors.As(err, &e) {
		if e.Op == "" {
			e.Op = op
		}
		return e
	}
	return imageshare.Internal(op, err)
}

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
// into the domain's kinds: a taken key is a conflict, a missing referenced
// row is not found. Other errors are returned unchanged.
func constraintError(err error, conflict, missing *imageshare.Error) error {
	switch {
	case isUnique(err) && conflict != nil:
		conflict.Err = err
		return conflict
	case isForeignKey(err) && missing != nil:
		missing.Err = err
		return missing
	}
	return err
}
