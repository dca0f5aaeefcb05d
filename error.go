// Package imageshare is the domain of the image-sharing control plane:
// accounts, access keys, images, shares and the interfaces between the
// core service, the stores and the wire dialects. It knows nothing of HTTP,
// SQL or any cloud vendor.
package imageshare

import (
	"errors"
	"fmt"
)

// Kind classifies an error for callers that must choose a response
// (a dialect's status code, a CLI's exit code) without parsing messages.
//
// Kinds are append-only: do not reorder or remove items, stores and
// dialects map them by value.
type Kind uint8

const (
	KindOther           Kind = iota // unclassified; treated as internal
	KindInvalid                     // the input is malformed or out of range
	KindNotFound                    // the named thing does not exist (or is not visible to the caller)
	KindConflict                    // the thing already exists or the state forbids the change
	KindForbidden                   // the caller may not do this to an existing thing
	KindLimitExceeded               // a quota or size bound would be crossed
	KindUnauthenticated             // the credentials are unknown, disabled or wrong
	KindInternal                    // a bug or an unexpected store failure
	KindUnavailable                 // a dependency is temporarily unavailable; safe to retry
)

func (k Kind) String() string {
	switch k {
	case KindInvalid:
		return "invalid"
	case KindNotFound:
		return "not found"
	case KindConflict:
		return "conflict"
	case KindForbidden:
		return "forbidden"
	case KindLimitExceeded:
		return "limit exceeded"
	case KindUnauthenticated:
		return "unauthenticated"
	case KindInternal:
		return "internal"
	case KindUnavailable:
		return "unavailable"
	}
	return "other"
}

// Reason names a specific domain failure finer than its Kind, so that each
// dialect can pick its vendor's own code (Alibaba's InvalidAccount.Forbbiden,
// Baidu's Image.CannotShareToOwner, ...) from one table. Reasons are stable
// identifiers, never shown to users as they are.
type Reason string

const (
	ReasonNone               Reason = ""
	ReasonImageNotFound      Reason = "ImageNotFound"
	ReasonAccountNotFound    Reason = "AccountNotFound"
	ReasonKeyNotFound        Reason = "KeyNotFound"
	ReasonKeyDisabled        Reason = "KeyDisabled"
	ReasonRegionNotFound     Reason = "RegionNotFound"
	ReasonNotShareable       Reason = "NotShareable"      // only Custom images can be shared
	ReasonShareToOwner       Reason = "ShareToOwner"      // an owner cannot share with itself
	ReasonAlreadyShared      Reason = "AlreadyShared"     // strict add of a shared account
	ReasonNotShared          Reason = "NotShared"         // strict remove of an unshared account
	ReasonShareQuota         Reason = "ShareQuota"        // per-image cap on shared accounts
	ReasonTooManyAccounts    Reason = "TooManyAccounts"   // more accounts in one call than allowed
	ReasonNoAccounts         Reason = "NoAccounts"        // neither add nor remove given
	ReasonAddedAndRemoved    Reason = "AddedAndRemoved"   // one account both added and removed in one call
	ReasonImageShared        Reason = "ImageShared"       // delete refused while shared
	ReasonDuplicateName      Reason = "DuplicateName"     // name unique per account
	ReasonInstanceNotFound   Reason = "InstanceNotFound"  // instance missing or not the caller's
	ReasonImageNotAvailable  Reason = "ImageNotAvailable" // image state forbids the operation
	ReasonNonceUsed          Reason = "NonceUsed"         // replayed request nonce
	ReasonMissingParameter   Reason = "MissingParameter"  // a required input is absent
	ReasonInvalidParameter   Reason = "InvalidParameter"  // an input has the wrong type or value
	ReasonVersionNotFound    Reason = "VersionNotFound"   // community version missing
	ReasonAccountConflict    Reason = "AccountConflict"   // account id or name taken
	ReasonKeyConflict        Reason = "KeyConflict"       // access key already exists
	ReasonImageConflict      Reason = "ImageConflict"     // image id already exists
	ReasonCommunityImageUsed Reason = "CommunityImageUsed"
	// ReasonThrottled: the caller's access key is over its request rate
	// (KindLimitExceeded); nothing was done, the call may be retried later.
	ReasonThrottled Reason = "Throttled"
	// ReasonOverloaded: the server is at its bound on concurrent requests
	// (KindLimitExceeded); nothing was done, the call may be retried later.
	ReasonOverloaded Reason = "Overloaded"
	// ReasonImageCreating: the image is still being created (StatusMaking),
	// so it can be neither deleted nor have its shares changed until it is
	// Available (KindConflict). A build that is due is completed first, so
	// this answers only a build really in progress.
	ReasonImageCreating Reason = "ImageCreating"
	// ReasonNotDeletable: a delete named a platform (System or App) image,
	// which no account owns (KindForbidden). Another tenant's image is never
	// answered with it: that stays ReasonImageNotFound, like a missing id.
	ReasonNotDeletable Reason = "NotDeletable"
	// ReasonSignedBeforeLoss: a signature nonce of a request signed no
	// later than the store's nonce floor, set when the store found that
	// nonces it had recorded may have been lost in a crash (a reboot under
	// SQLite, a PostgreSQL crash): whether it is a replay cannot be told,
	// so it is refused like a stale timestamp (Store.UseSignatureNonce)
	// (KindInvalid).
	ReasonSignedBeforeLoss Reason = "SignedBeforeNonceLoss"
	// ReasonAccountQuota: the change would take the account over one of
	// its quotas (custom images, community versions, bytes of image
	// texts; see Quota) (KindLimitExceeded); nothing was changed.
	ReasonAccountQuota Reason = "AccountQuota"
)

// Error is the one error type of the domain. Message is safe to show to
// the caller; Err (the cause) is for logs only.
type Error struct {
	Kind    Kind
	Reason  Reason
	Op      string // the operation that failed, "core.ModifyShares"
	Message string // user-safe description
	Err     error  // underlying cause, never shown to callers
}

func (e *Error) Error() string {
	msg := e.Message
	if msg == "" {
		msg = e.Kind.String()
	}
	if e.Op != "" {
		msg = e.Op + ": " + msg
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an *Error of the given kind and reason with a formatted,
// user-safe message.
func Errorf(kind Kind, reason Reason, format string, args ...any) *Error {
	return &Error{Kind: kind, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// Internal wraps an unexpected failure: its cause is logged, never shown.
func Internal(op string, err error) *Error {
	return &Error{Kind: KindInternal, Op: op, Message: "internal error", Err: err}
}

// ErrorKind returns the Kind of the first *Error in err's chain, KindInternal
// for any other non-nil error, and KindOther for nil.
func ErrorKind(err error) Kind {
	if err == nil {
		return KindOther
	}
	var e *Error
	if errors.As(err, &e) {
		if e.Kind == KindOther {
			return KindInternal
		}
		return e.Kind
	}
	return KindInternal
}

// ErrorReason returns the Reason of the first *Error in err's chain.
func ErrorReason(err error) Reason {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ReasonNone
}

// ErrorMessage returns the user-safe message of err: internal errors never
// expose their cause.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Kind != KindInternal && e.Kind != KindOther {
		if e.Message != "" {
			return e.Message
		}
		return e.Kind.String()
	}
	return "internal error"
}

// IsKind reports whether err carries the given kind.
func IsKind(err error, kind Kind) bool { return err != nil && ErrorKind(err) == kind }
