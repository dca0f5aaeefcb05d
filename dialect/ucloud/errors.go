package ucloud

import (
	"fmt"
	"unicode/utf8"

	"imageshare"
	"imageshare/internal/wiretext"
)

// RetCodes this dialect answers with. Every error is sent with HTTP 200:
// the UCloud SDK never reads the body of a response with status >= 400,
// so a RetCode is the only way to tell it what went wrong.
//
// Every permanent client error is below 2000 because the SDK retries
// RetCode >= 2000 (when retries are on). The codes 160-172, 220 and 230
// are UCloud's own; the others are imageshare's and documented in
// docs/ucloud.md.
const (
	CodeOK                  = 0
	CodeServiceUnavailable  = 150 // the store is unavailable
	CodeInternal            = 151 // a bug or unexpected failure
	CodeMissingAction       = 160
	CodeActionNotFound      = 161
	CodeMissingSignature    = 170
	CodeSignatureMismatch   = 171
	CodeUserNotExists       = 172 // unknown PublicKey
	CodeMissingPublicKey    = 173
	CodeKeyDisabled         = 174
	CodeAccessDenied        = 175 // a sub-user's policies do not allow the action on the resource
	CodeBodyTooLarge        = 180
	CodeUnsupportedRequest  = 181 // method or Content-Type
	CodeMalformedBody       = 182 // body that does not parse
	CodeMissingParams       = 220
	CodeInvalidParams       = 230
	CodeRegionNotFound      = 231
	CodeImageNotFound       = 300
	CodeImageNotShareable   = 301
	CodeTooManyAccounts     = 302
	CodeNoAccounts          = 303
	CodeAddRemoveSame       = 304
	CodeShareQuota          = 305
	CodeAccountNotFound     = 306
	CodeShareToOwner        = 307
	CodeConflict            = 320 // other domain conflicts
	CodeForbidden           = 321 // other domain refusals
	CodeLimitExceeded       = 322 // other quotas
	CodeNotFound            = 323 // other missing things
	CodeUnauthenticatedMisc = 324 // other credential failures

	// Overload answers. They are 2000 and above on purpose: nothing was
	// done, retrying later is right, and the SDK (when its retries are on)
	// retries RetCode >= 2000 with its exponential backoff. UCloud
	// documents no throttling RetCode of its own.
	CodeThrottled  = 2429 // the access key is over its request rate
	CodeServerBusy = 2503 // the server is at its bound on concurrent requests
)

// apiError is an error raised by the dialect itself (bad signature,
// missing parameter...) with the RetCode and Message to send.
type apiError struct {
	code int
	msg  string
}

func (e *apiError) Error() string { return fmt.Sprintf("RetCode %d: %s", e.code, e.msg) }

func errorf(code int, format string, args ...any) *apiError {
	return &apiError{code: code, msg: fmt.Sprintf(format, args...)}
}

// missingParam is UCloud's error for an absent required parameter.
func missingParam(name string) *apiError {
	return errorf(CodeMissingParams, "Missing params [%s]", clip(name))
}

// invalidParam is UCloud's error for a parameter of the wrong type or value;
// why says what is wrong with it.
func invalidParam(name, why string) *apiError {
	return errorf(CodeInvalidParams, "Params [%s] not available: %s", clip(name), why)
}

// clip bounds a caller-supplied string echoed in a message, so that a huge
// parameter name or value does not come back in the response.
// It also replaces what is not text (wiretext.Sanitize) and never cuts a
// character in two, so the message stays valid UTF-8.
func clip(s string) string {
	const max = 128
	s = wiretext.Sanitize(s)
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

// reasonCodes maps the domain's specific failures to RetCodes. The
// message is the domain's own user-safe message: a missing image and
// another tenant's image already share one error there, so they share
// one RetCode and Message here.
var reasonCodes = map[imageshare.Reason]int{
	imageshare.ReasonImageNotFound:     CodeImageNotFound,
	imageshare.ReasonNotShareable:      CodeImageNotShareable,
	imageshare.ReasonTooManyAccounts:   CodeTooManyAccounts,
	imageshare.ReasonNoAccounts:        CodeNoAccounts,
	imageshare.ReasonShareQuota:        CodeShareQuota,
	imageshare.ReasonAccountNotFound:   CodeAccountNotFound,
	imageshare.ReasonShareToOwner:      CodeShareToOwner,
	imageshare.ReasonRegionNotFound:    CodeRegionNotFound,
	imageshare.ReasonKeyNotFound:       CodeUserNotExists,
	imageshare.ReasonKeyDisabled:       CodeKeyDisabled,
	imageshare.ReasonAccessDenied:      CodeAccessDenied,
	imageshare.ReasonMissingParameter:  CodeMissingParams,
	imageshare.ReasonInvalidParameter:  CodeInvalidParams,
	imageshare.ReasonImageNotAvailable: CodeForbidden,
	imageshare.ReasonThrottled:         CodeThrottled,
	imageshare.ReasonOverloaded:        CodeServerBusy,
}

// kindCodes is the fallback for domain errors whose Reason has no entry.
var kindCodes = map[imageshare.Kind]int{
	imageshare.KindInvalid:         CodeInvalidParams,
	imageshare.KindNotFound:        CodeNotFound,
	imageshare.KindConflict:        CodeConflict,
	imageshare.KindForbidden:       CodeForbidden,
	imageshare.KindLimitExceeded:   CodeLimitExceeded,
	imageshare.KindUnauthenticated: CodeUnauthenticatedMisc,
	imageshare.KindUnavailable:     CodeServiceUnavailable,
}

// retCode returns the RetCode and Message for err, and whether it is an
// internal failure that must be logged (its cause is never sent).
func retCode(err error) (code int, msg string, internal bool) {
	if e, ok := err.(*apiError); ok {
		return e.code, e.msg, false
	}
	kind := imageshare.ErrorKind(err)
	switch kind {
	case imageshare.KindInternal, imageshare.KindOther:
		return CodeInternal, "internal error", true
	case imageshare.KindUnavailable:
		return CodeServiceUnavailable, "Service unavailable", true
	}
	msg = imageshare.ErrorMessage(err)
	switch imageshare.ErrorReason(err) {
	case imageshare.ReasonKeyNotFound:
		// UCloud's own wording; the key id is not echoed back.
		return CodeUserNotExists, "User Not Exists", false
	case imageshare.ReasonRegionNotFound:
		return CodeRegionNotFound, "Params [Region] not available: " + msg, false
	case imageshare.ReasonAddedAndRemoved:
		return CodeAddRemoveSame, "Params [AddAccounts, RemoveAccounts] not available: " + msg, false
	}
	if c, ok := reasonCodes[imageshare.ErrorReason(err)]; ok {
		return c, msg, false
	}
	if c, ok := kindCodes[kind]; ok {
		return c, msg, false
	}
	return CodeInternal, "internal error", true
}
