package sqlstore

import (
	"github.com/imageshare/imageshare"
)

// The client tokens of creating calls (imageshare.IdempotencyStore), one
// row per (account, scope, token): the primary key makes a claim one
// atomic step however many replicas share the store.

// IdempotencyColumns are the columns ScanIdempotency reads.
const IdempotencyColumns = `account_id, scope, token, params_hash, result, claim, claimed_at, expires_at`

// ClaimIdempotency inserts a claim, or takes over a record that is not
// live: expired (expires_at <= the 9th argument) or in progress and
// claimed at or before the 10th. A live record is left alone, which a
// zero row count reports.
const ClaimIdempotency = `INSERT INTO idempotency_keys (` + IdempotencyColumns + `) VALUES (?, ?, ?, ?, '', ?, ?, ?)
ON CONFLICT (account_id, scope, token) DO UPDATE SET
	params_hash = excluded.params_hash, result = '', claim = excluded.claim,
	claimed_at = excluded.claimed_at, expires_at = excluded.expires_at
WHERE idempotency_keys.expires_at <= ? OR (idempotency_keys.result = '' AND idempotency_keys.claimed_at <= ?)`

// FindIdempotency selects the record of one key.
const FindIdempotency = `SELECT ` + IdempotencyColumns + ` FROM idempotency_keys WHERE account_id = ? AND scope = ? AND token = ?`

// CompleteIdempotency records the result of the in-progress record held
// by a claim.
const CompleteIdempotency = `UPDATE idempotency_keys SET result = ? WHERE account_id = ? AND scope = ? AND token = ? AND claim = ? AND result = ''`

// ReleaseIdempotency deletes the in-progress record held by a claim.
const ReleaseIdempotency = `DELETE FROM idempotency_keys WHERE account_id = ? AND scope = ? AND token = ? AND claim = ? AND result = ''`

// PruneIdempotencyBatch bounds the expired records one claim deletes: a
// claim records at most one, so pruning a few per claim keeps the table
// from growing while no call does unbounded work.
const PruneIdempotencyBatch = 64

// ClaimArgs are ClaimIdempotency's arguments for r at now and staleBefore.
func ClaimArgs(r *imageshare.IdempotencyRecord, nowNanos, staleNanos int64) []any {
	return []any{r.AccountID, r.Scope, r.Token, r.ParamsHash, r.Claim, r.ClaimedAt.UnixNano(), r.ExpiresAt.UnixNano(), nowNanos, staleNanos}
}

// ScanIdempotency reads a record selected with IdempotencyColumns.
func ScanIdempotency(row Row) (*imageshare.IdempotencyRecord, error) {
	var r imageshare.IdempotencyRecord
	var claimed, expires int64
	if err := row.Scan(&r.AccountID, &r.Scope, &r.Token, &r.ParamsHash, &r.Result, &r.Claim, &claimed, &expires); err != nil {
		return nil, err
	}
	r.ClaimedAt, r.ExpiresAt = FromNanos(claimed), FromNanos(expires)
	return &r, nil
}

// IdempotencyNotFound says no record has the key.
func IdempotencyNotFound(k imageshare.IdempotencyKey) error {
	return imageshare.Errorf(imageshare.KindNotFound, imageshare.ReasonNone, "no record of client token %q for %s", k.Token, k.Scope)
}

// IdempotencyNotHeld says a completion named a record its claim does not hold.
func IdempotencyNotHeld(k imageshare.IdempotencyKey) error {
	return imageshare.Errorf(imageshare.KindConflict, imageshare.ReasonNone, "client token %q for %s is not held by this call", k.Token, k.Scope)
}
