package admin

import (
	"unicode/utf8"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/internal/wiretext"
)

// Admin input is checked the way the dialects check theirs (SECURITY.md,
// "Hostile input"; finding 10): text is valid UTF-8 without control
// characters other than tab, newline and carriage return (wiretext.Valid),
// and every field has a length bound. Anything else is a 400 with the
// field named, before the store sees it: PostgreSQL text cannot hold NUL
// (it answered 500) and SQLite stored it (it answered 201).
const (
	maxIDBytes     = 128                            // a version id, an instance id in a path or body
	maxFieldBytes  = 64                             // a region, a GPU type, a status
	maxReasonBytes = imageshare.MaxDescriptionBytes // a rejection reason
)

// checkText refuses v unless it is text of at most limit bytes.
func checkText(what, v string, limit int) error {
	if len(v) > limit {
		return invalid("%s is longer than %d bytes", what, limit)
	}
	if !wiretext.Valid(v) {
		return invalid("%s is not valid UTF-8 text (it holds invalid bytes or a control character)", what)
	}
	return nil
}

// checkBody refuses a body that is not UTF-8 before it is decoded:
// encoding/json would quietly turn each invalid byte into U+FFFD.
func checkBody(body []byte) error {
	if !utf8.Valid(body) {
		return invalid("request body is not valid UTF-8")
	}
	return nil
}

// firstErr returns the first non-nil error.
func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
