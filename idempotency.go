package imageshare

import (
	"context"
	"time"
)

// ReasonIdempotentMismatch: a creating call reused a client token of an
// earlier call of the same account and action with other parameters
// (KindConflict); nothing was done. Alibaba answers it as
// IdempotentParameterMismatch (docs/aliyun.md "Idempotency").
const ReasonIdempotentMismatch Reason = "IdempotentParameterMismatch"

// ReasonIdempotentInProgress: an earlier call with the same client token
// is still running and did not finish while this one waited
// (KindUnavailable); the call may be retried with the same token.
const ReasonIdempotentInProgress Reason = "IdempotentInProgress"

// MaxClientTokenBytes bounds a client token: Alibaba documents at most 64
// ASCII characters for ClientToken (docs/aliyun.md "Idempotency").
const MaxClientTokenBytes = 64

// IdempotencyKey names one creating call that carried a client token: the
// account it acted for, the action (Scope, e.g. "ecs:CreateImage") and
// the token. Tokens are the account's own: another account's same token
// is another key.
type IdempotencyKey struct {
	AccountID int64
	Scope     string
	Token     string
}

// IdempotencyRecord is what a store keeps of a creating call with a client
// token: a hash of its canonical parameters and, once it succeeded, its
// result (the id or ids it made, opaque to the store). Result is empty
// while the call is in progress; Claim identifies the call that holds an
// in-progress record, so that only it completes or releases it.
type IdempotencyRecord struct {
	IdempotencyKey
	ParamsHash string
	Result     string
	Claim      string
	ClaimedAt  time.Time
	ExpiresAt  time.Time
}

// Done reports whether the call the record names has finished.
func (r *IdempotencyRecord) Done() bool { return r.Result != "" }

// IdempotencyStore keeps the client tokens of creating calls. Its methods
// follow Store's rules: one transaction each, safe across processes
// sharing the store (the key is unique in the store, so of two claims of
// one key exactly one wins, whichever replica they reach).
type IdempotencyStore interface {
	// ClaimIdempotencyKey records r (Result empty) as the in-progress call
	// of r's key and returns nil, unless a live record of that key exists:
	// then it returns that record and changes nothing. A record is not
	// live, and is replaced, when it expires at or before now, or when it
	// is in progress and was claimed at or before staleBefore (its
	// claimant is presumed gone). r.Result must be empty.
	ClaimIdempotencyKey(ctx context.Context, r *IdempotencyRecord, now, staleBefore time.Time) (*IdempotencyRecord, error)
	// CompleteIdempotencyKey records result for the in-progress record of
	// k held by claim. Returns KindConflict if no in-progress record of k
	// is held by claim (it was released, or taken over as stale).
	CompleteIdempotencyKey(ctx context.Context, k IdempotencyKey, claim, result string) error
	// ReleaseIdempotencyKey deletes the in-progress record of k held by
	// claim, so that the token may be used again; a call that failed
	// leaves nothing behind. Releasing what is not held is a no-op.
	ReleaseIdempotencyKey(ctx context.Context, k IdempotencyKey, claim string) error
	// FindIdempotencyKey returns the record of k, live or not. Returns
	// KindNotFound if there is none.
	FindIdempotencyKey(ctx context.Context, k IdempotencyKey) (*IdempotencyRecord, error)
}
