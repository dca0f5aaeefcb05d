package ucloud

import (
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/dialect/kit"
	"github.com/imageshare/imageshare/internal/wiretext"
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
	CodeTooManyParams       = 183 // more parameters, or deeper nesting, than a request may carry
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
	CodeImageCreating       = 308 // the image is still being created (Making)
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
// missing parameter...): the kit's shape, with the RetCode in decimal.
type apiError = kit.Error

func errorf(code int, format string, args ...any) *apiError {
	return kit.Errorf(http.StatusOK, strconv.Itoa(code), format, args...)
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

// errorTable maps the domain's failures to RetCodes: by Reason when there
// is a specific one, else by Kind. The message is the domain's own
// user-safe message: a missing image and another tenant's image already
// share one error there, so they share one RetCode and Message here.
var errorTable = &kit.ErrorTable{
	Reasons: map[imageshare.Reason]kit.Entry{
		imageshare.ReasonImageNotFound:   ret(CodeImageNotFound, ""),
		imageshare.ReasonNotShareable:    ret(CodeImageNotShareable, ""),
		imageshare.ReasonTooManyAccounts: ret(CodeTooManyAccounts, ""),
		imageshare.ReasonNoAccounts:      ret(CodeNoAccounts, ""),
		imageshare.ReasonAddedAndRemoved: ret(CodeAddRemoveSame, "Params [AddAccounts, RemoveAccounts] not available: %s"),
		imageshare.ReasonShareQuota:      ret(CodeShareQuota, ""),
		imageshare.ReasonAccountNotFound: ret(CodeAccountNotFound, ""),
		imageshare.ReasonShareToOwner:    ret(CodeShareToOwner, ""),
		imageshare.ReasonImageCreating:   ret(CodeImageCreating, ""),
		imageshare.ReasonRegionNotFound:  ret(CodeRegionNotFound, "Params [Region] not available: %s"),
		// UCloud's own wording; the key id is not echoed back.
		imageshare.ReasonKeyNotFound:       ret(CodeUserNotExists, "User Not Exists"),
		imageshare.ReasonKeyDisabled:       ret(CodeKeyDisabled, ""),
		imageshare.ReasonAccessDenied:      ret(CodeAccessDenied, ""),
		imageshare.ReasonMissingParameter:  ret(CodeMissingParams, ""),
		imageshare.ReasonInvalidParameter:  ret(CodeInvalidParams, ""),
		imageshare.ReasonImageNotAvailable: ret(CodeForbidden, ""),
		imageshare.ReasonThrottled:         ret(CodeThrottled, ""),
		imageshare.ReasonOverloaded:        ret(CodeServerBusy, ""),
	},
	Kinds: map[imageshare.Kind]kit.Entry{
		imageshare.KindInvalid:         ret(CodeInvalidParams, ""),
		imageshare.KindNotFound:        ret(CodeNotFound, ""),
		imageshare.KindConflict:        ret(CodeConflict, ""),
		imageshare.KindForbidden:       ret(CodeForbidden, ""),
		imageshare.KindLimitExceeded:   ret(CodeLimitExceeded, ""),
		imageshare.KindUnauthenticated: ret(CodeUnauthenticatedMisc, ""),
		imageshare.KindUnavailable:     ret(CodeServiceUnavailable, "Service unavailable"),
	},
	Internal: ret(CodeInternal, "internal error"),
}

// ret is an entry of errorTable: every answer is HTTP 200.
func ret(retCode int, msg string) kit.Entry {
	return kit.Entry{Status: http.StatusOK, Code: strconv.Itoa(retCode), Message: msg}
}
