package kit

import (
	"errors"
	"fmt"
	"strings"

	"github.com/imageshare/imageshare"
)

// Error is a failure in a vendor's terms: the HTTP status, the vendor's
// code (UCloud's RetCode in decimal) and a user-safe message. A dialect
// raises one for what only it can tell (a bad signature, a missing
// parameter); the core's errors become one through the ErrorTable.
type Error struct {
	Status  int
	Code    string
	Message string
	// Detail is a vendor's extra (Alibaba's AccessDeniedDetail, its
	// Recommend), for the envelope.
	Detail any
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf returns an Error with a formatted message.
func Errorf(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Entry is one row of an error table.
type Entry struct {
	Status int
	Code   string
	// Message is the vendor's wording; "" sends the domain error's own
	// (user-safe) message, and "%s" in it stands for that message.
	Message string
}

// ErrorTable maps the domain's errors to one vendor's: by Reason when the
// vendor has a code for it, else by Kind.
type ErrorTable struct {
	Reasons map[imageshare.Reason]Entry
	Kinds   map[imageshare.Kind]Entry
	// Internal answers internal failures (KindInternal, KindOther, a
	// panic) and anything the table lacks; its message is sent as it is.
	Internal Entry
	// Detail, when set, completes a mapped domain error (Alibaba's
	// AccessDeniedDetail from imageshare.AccessDeniedOf).
	Detail func(err error, e *Error)
}

// Map returns the vendor error for err and whether it is a failure of the
// server to log (internal or unavailable: its cause is never sent).
func (t *ErrorTable) Map(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, false
	}
	kind := imageshare.ErrorKind(err)
	if kind == imageshare.KindInternal || kind == imageshare.KindOther {
		return t.internal(err), true
	}
	entry, ok := t.Reasons[imageshare.ErrorReason(err)]
	if !ok {
		if entry, ok = t.Kinds[kind]; !ok {
			return t.internal(err), true
		}
	}
	msg := imageshare.ErrorMessage(err)
	switch {
	case entry.Message == "":
	case strings.Contains(entry.Message, "%s"):
		msg = strings.Replace(entry.Message, "%s", msg, 1)
	default:
		msg = entry.Message
	}
	e = &Error{Status: entry.Status, Code: entry.Code, Message: msg}
	if t.Detail != nil {
		t.Detail(err, e)
	}
	return e, kind == imageshare.KindUnavailable
}

func (t *ErrorTable) internal(error) *Error {
	return &Error{Status: t.Internal.Status, Code: t.Internal.Code, Message: t.Internal.Message}
}
