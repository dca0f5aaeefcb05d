package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/internal/sqlstore"
)

var (
	claimIdempotency    = sqlstore.Rebind(sqlstore.Dollar, sqlstore.ClaimIdempotency)
	findIdempotency     = sqlstore.Rebind(sqlstore.Dollar, sqlstore.FindIdempotency)
	completeIdempotency = sqlstore.Rebind(sqlstore.Dollar, sqlstore.CompleteIdempotency)
	releaseIdempotency  = sqlstore.Rebind(sqlstore.Dollar, sqlstore.ReleaseIdempotency)
)

// ClaimIdempotencyKey implements imageshare.Store. The key's primary key
// decides between replicas: INSERT ... ON CONFLICT waits for a claim of
// the same key that another transaction has not committed yet, then
// either takes over a record that is not live or leaves it. A live
// record is then read in the same transaction; if its claimant released
// it in between, the claim is tried again.
//
// Pruning runs first as its own statement and skips rows another call
// holds (as UseNonce's does), so no two claims wait on each other for it.
func (s *Store) ClaimIdempotencyKey(ctx context.Context, r *imageshare.IdempotencyRecord, now, staleBefore time.Time) (*imageshare.IdempotencyRecord, error) {
	const op = "postgres.ClaimIdempotencyKey"
	err := s.retry(ctx, op, func() error {
		_, err := s.pool.Exec(ctx, `WITH expired AS MATERIALIZED (
	SELECT account_id, scope, token FROM idempotency_keys WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED)
DELETE FROM idempotency_keys k USING expired
WHERE k.account_id = expired.account_id AND k.scope = expired.scope AND k.token = expired.token`,
			now.UnixNano(), sqlstore.PruneIdempotencyBatch)
		return err
	})
	if err != nil {
		return nil, err
	}
	for range 8 {
		var live *imageshare.IdempotencyRecord
		claimed := false
		err := s.inTx(ctx, op, writeTx, func(tx pgx.Tx) error {
			live, claimed = nil, false
			tag, err := tx.Exec(ctx, claimIdempotency, sqlstore.ClaimArgs(r, now.UnixNano(), staleBefore.UnixNano())...)
			if err != nil {
				return err
			}
			if tag.RowsAffected() > 0 {
				claimed = true
				return nil
			}
			live, err = sqlstore.ScanIdempotency(tx.QueryRow(ctx, findIdempotency, r.AccountID, r.Scope, r.Token))
			if errors.Is(err, pgx.ErrNoRows) {
				return nil // released since the insert saw it: claim again
			}
			return err
		})
		switch {
		case err != nil:
			return nil, err
		case claimed:
			return nil, nil
		case live != nil:
			return live, nil
		}
	}
	return nil, imageshare.Internal(op, errors.New("the claim kept meeting records released before they could be read"))
}

// CompleteIdempotencyKey implements imageshare.Store.
func (s *Store) CompleteIdempotencyKey(ctx context.Context, k imageshare.IdempotencyKey, claim, result string) error {
	return s.retry(ctx, "postgres.CompleteIdempotencyKey", func() error {
		tag, err := s.pool.Exec(ctx, completeIdempotency, result, k.AccountID, k.Scope, k.Token, claim)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return sqlstore.IdempotencyNotHeld(k)
		}
		return nil
	})
}

// ReleaseIdempotencyKey implements imageshare.Store.
func (s *Store) ReleaseIdempotencyKey(ctx context.Context, k imageshare.IdempotencyKey, claim string) error {
	return s.retry(ctx, "postgres.ReleaseIdempotencyKey", func() error {
		_, err := s.pool.Exec(ctx, releaseIdempotency, k.AccountID, k.Scope, k.Token, claim)
		return err
	})
}

// FindIdempotencyKey implements imageshare.Store.
func (s *Store) FindIdempotencyKey(ctx context.Context, k imageshare.IdempotencyKey) (*imageshare.IdempotencyRecord, error) {
	var r *imageshare.IdempotencyRecord
	err := s.retry(ctx, "postgres.FindIdempotencyKey", func() error {
		var err error
		r, err = sqlstore.ScanIdempotency(s.pool.QueryRow(ctx, findIdempotency, k.AccountID, k.Scope, k.Token))
		if errors.Is(err, pgx.ErrNoRows) {
			return sqlstore.IdempotencyNotFound(k)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}
