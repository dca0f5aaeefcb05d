package postgres

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/imageshare/imageshare"
)

// Signature nonces without an fsync per request (docs/nonces.md).
//
// signature_nonces is UNLOGGED (migration 013): an insert writes no WAL,
// so its commit waits for no disk, and every replica sees it at once, as
// it sees a logged row. PostgreSQL keeps the table through a clean
// shutdown and restart; its crash recovery (a server crash, a kill -9 of
// the postmaster, a failover to a standby) empties it. That loss is made
// detectable and harmless with the logged nonce_guard row:
//
//   - the sentinel: the table always holds the row nonce = '' (written by
//     the migration, never expired). Each insert requires it in the same
//     statement, so no nonce is accepted into an emptied table; the first
//     call that finds it gone records the loss.
//   - bound: no request accepted has a signed time after it. A call whose
//     signed time is above the bound this replica knows raises it first,
//     durably (a logged update), to that time plus nonceBoundStep; with
//     clients whose clocks are right, one commit per step per replica.
//   - floor: a nonce signed at or before it is refused
//     (ReasonSignedBeforeLoss). Recording a loss sets it to the bound, sets
//     lost_at and puts the sentinel back, in one transaction; so every
//     request accepted before the loss is refused if replayed after it,
//     on every replica (each insert reads the floor in its statement).

// nonceBoundStep is how far above a request's signed time the durable
// bound is raised (see above).
const nonceBoundStep = 10 * time.Second

// nonceSentinel is the row whose absence shows that crash recovery
// emptied signature_nonces. No dialect's nonce is empty.
const nonceSentinel = ""

// nonceGuard is the replica's copy of nonce_guard's bound.
type nonceGuard struct {
	bound atomic.Int64 // unix ns; durable in the table whenever stored here
	mu    sync.Mutex   // one durable raise at a time
	calls atomic.Int64 // UseSignatureNonce calls, for pruning
}

// signaturePruneEvery: one UseSignatureNonce call in this many prunes.
const signaturePruneEvery = 8

// errNonceTableLost: the sentinel is still missing after the loss was
// recorded (the server crashed again meanwhile); the call may be retried.
var errNonceTableLost = errors.New("signature_nonces was emptied again while its loss was being recorded")

// UseSignatureNonce implements imageshare.Store.
func (s *Store) UseSignatureNonce(ctx context.Context, nonce string, signedAt, now, expiresAt time.Time) error {
	const op = "postgres.UseSignatureNonce"
	signed := signedAt.UnixNano()
	if err := s.raiseNonceBound(ctx, op, signed); err != nil {
		return err
	}
	// Pruning is its own statement, as UseNonce's is: it skips rows
	// another call holds, so the two cannot deadlock. One call in
	// signaturePruneEvery prunes, which still deletes more than one
	// expired nonce per call, and saves the others a round trip.
	if s.nonces.calls.Add(1)%signaturePruneEvery == 0 {
		if err := s.pruneSignatureNonces(ctx, op, now); err != nil {
			return err
		}
	}
	for attempt := 0; ; attempt++ {
		var inserted bool
		err := s.retry(ctx, op, func() error {
			// Recorded only if signed after the floor and the table
			// still holds its sentinel; an expired record is taken over.
			tag, err := s.pool.Exec(ctx, `INSERT INTO signature_nonces (nonce, expires_at)
SELECT $1, $2 FROM nonce_guard g
WHERE g.id = 1 AND $4 > g.floor AND EXISTS (SELECT 1 FROM signature_nonces WHERE nonce = $5)
ON CONFLICT (nonce) DO UPDATE SET expires_at = excluded.expires_at WHERE signature_nonces.expires_at <= $3`,
				nonce, expiresAt.UnixNano(), now.UnixNano(), signed, nonceSentinel)
			inserted = err == nil && tag.RowsAffected() == 1
			return err
		})
		if err != nil || inserted {
			return err
		}
		// Not recorded: say why.
		var floor int64
		var sentinel bool
		err = s.retry(ctx, op, func() error {
			return s.pool.QueryRow(ctx, `SELECT g.floor, EXISTS (SELECT 1 FROM signature_nonces WHERE nonce = $1) FROM nonce_guard g WHERE g.id = 1`,
				nonceSentinel).Scan(&floor, &sentinel)
		})
		switch {
		case err != nil:
			return err
		case !sentinel && attempt == 0:
			if err := s.recordNonceLoss(ctx, op); err != nil {
				return err
			}
			continue // the floor is set now: try again under it
		case !sentinel:
			return imageshare.Internal(op, errNonceTableLost)
		case signed <= floor:
			return imageshare.Errorf(imageshare.KindInvalid, imageshare.ReasonSignedBeforeLoss,
				"nonce %q was signed before nonces recorded then were lost", nonce)
		}
		return imageshare.Errorf(imageshare.KindConflict, imageshare.ReasonNonceUsed, "nonce %q was already used", nonce)
	}
}

// pruneSignatureNonces deletes up to noncePruneBatch expired nonces.
func (s *Store) pruneSignatureNonces(ctx context.Context, op string, now time.Time) error {
	return s.retry(ctx, op, func() error {
		_, err := s.pool.Exec(ctx, `WITH expired AS MATERIALIZED (
	SELECT nonce FROM signature_nonces WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED)
DELETE FROM signature_nonces USING expired WHERE signature_nonces.nonce = expired.nonce`,
			now.UnixNano(), noncePruneBatch)
		return err
	})
}

// recordNonceLoss raises the floor to the bound and puts the sentinel
// back, in one transaction; the guard row's lock makes replicas that find
// the loss together record it once.
func (s *Store) recordNonceLoss(ctx context.Context, op string) error {
	return s.inTx(ctx, op, writeTx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT 1 FROM nonce_guard WHERE id = 1 FOR UPDATE`); err != nil {
			return err
		}
		var sentinel bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM signature_nonces WHERE nonce = $1)`, nonceSentinel).Scan(&sentinel); err != nil {
			return err
		}
		if sentinel {
			return nil // another replica recorded it
		}
		if _, err := tx.Exec(ctx, `UPDATE nonce_guard SET floor = GREATEST(floor, bound), lost_at = $1, losses = losses + 1 WHERE id = 1`,
			time.Now().UnixNano()); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO signature_nonces (nonce, expires_at) VALUES ($1, 9223372036854775807) ON CONFLICT (nonce) DO NOTHING`,
			nonceSentinel)
		return err
	})
}

// raiseNonceBound makes the durable bound at least signed before the
// nonce signed then is recorded.
func (s *Store) raiseNonceBound(ctx context.Context, op string, signed int64) error {
	g := &s.nonces
	if signed <= g.bound.Load() {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if signed <= g.bound.Load() {
		return nil // raised while this call waited
	}
	var bound int64
	err := s.retry(ctx, op, func() error {
		// GREATEST: another replica may have raised it further.
		return s.pool.QueryRow(ctx, `UPDATE nonce_guard SET bound = GREATEST(bound, $1) WHERE id = 1 RETURNING bound`,
			signed+int64(nonceBoundStep)).Scan(&bound)
	})
	if err != nil {
		return err
	}
	g.bound.Store(bound)
	return nil
}
