package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/internal/sqlstore"
)

// ClaimIdempotencyKey implements imageshare.Store. The claim and the read
// of a live record are one write transaction, so the record returned is
// the one that kept the claim out.
func (s *Store) ClaimIdempotencyKey(ctx context.Context, r *imageshare.IdempotencyRecord, now, staleBefore time.Time) (*imageshare.IdempotencyRecord, error) {
	var live *imageshare.IdempotencyRecord
	err := s.groupTx(ctx, "sqlite.ClaimIdempotencyKey", func(ctx context.Context, tx *sql.Tx) error {
		live = nil
		if _, err := tx.ExecContext(ctx,
			`DELETE FROM idempotency_keys WHERE (account_id, scope, token) IN (
	SELECT account_id, scope, token FROM idempotency_keys WHERE expires_at <= ? ORDER BY expires_at LIMIT ?)`,
			now.UnixNano(), sqlstore.PruneIdempotencyBatch); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, sqlstore.ClaimIdempotency, sqlstore.ClaimArgs(r, now.UnixNano(), staleBefore.UnixNano())...)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil || n > 0 {
			return err
		}
		live, err = sqlstore.ScanIdempotency(tx.QueryRowContext(ctx, sqlstore.FindIdempotency, r.AccountID, r.Scope, r.Token))
		return err
	})
	if err != nil {
		return nil, err
	}
	return live, nil
}

// CompleteIdempotencyKey implements imageshare.Store.
func (s *Store) CompleteIdempotencyKey(ctx context.Context, k imageshare.IdempotencyKey, claim, result string) error {
	return s.groupTx(ctx, "sqlite.CompleteIdempotencyKey", func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, sqlstore.CompleteIdempotency, result, k.AccountID, k.Scope, k.Token, claim)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err == nil {
				err = sqlstore.IdempotencyNotHeld(k)
			}
			return err
		}
		return nil
	})
}

// ReleaseIdempotencyKey implements imageshare.Store.
func (s *Store) ReleaseIdempotencyKey(ctx context.Context, k imageshare.IdempotencyKey, claim string) error {
	return s.groupTx(ctx, "sqlite.ReleaseIdempotencyKey", func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, sqlstore.ReleaseIdempotency, k.AccountID, k.Scope, k.Token, claim)
		return err
	})
}

// FindIdempotencyKey implements imageshare.Store.
func (s *Store) FindIdempotencyKey(ctx context.Context, k imageshare.IdempotencyKey) (*imageshare.IdempotencyRecord, error) {
	r, err := sqlstore.ScanIdempotency(s.read.QueryRowContext(ctx, sqlstore.FindIdempotency, k.AccountID, k.Scope, k.Token))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sqlstore.IdempotencyNotFound(k)
	}
	if err != nil {
		return nil, imageshare.Internal("sqlite.FindIdempotencyKey", err)
	}
	return r, nil
}
