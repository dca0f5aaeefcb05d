package postgres

import (
	"context"
	"time"

	"github.com/imageshare/imageshare"
)

// noncePruneBatch bounds the expired nonces one UseNonce deletes. Each call
// records at most one nonce, so pruning more than one per call keeps the
// table from growing while no call does unbounded work.
const noncePruneBatch = 64

// UseNonce implements imageshare.Store. The nonce's primary key makes the
// check and the record one atomic step on every replica: of two requests
// carrying the same nonce, whichever replica they reach, exactly one
// inserts it.
//
// Pruning and recording are separate statements, each its own
// transaction: the prune skips rows another call holds, so neither can
// wait on the other and no two calls can deadlock.
func (s *Store) UseNonce(ctx context.Context, nonce string, now, expiresAt time.Time) error {
	const op = "postgres.UseNonce"
	err := s.retry(ctx, op, func() error {
		// A CTE, so that the limit holds (see FinishBuilds).
		_, err := s.pool.Exec(ctx, `WITH expired AS MATERIALIZED (
	SELECT nonce FROM nonces WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED)
DELETE FROM nonces USING expired WHERE nonces.nonce = expired.nonce`,
			now.UnixNano(), noncePruneBatch)
		return err
	})
	if err != nil {
		return err
	}
	return s.retry(ctx, op, func() error {
		// A nonce that is recorded but expired is taken over; a live one
		// is left alone, which the zero row count reports.
		tag, err := s.pool.Exec(ctx, `INSERT INTO nonces (nonce, expires_at) VALUES ($1, $2)
ON CONFLICT (nonce) DO UPDATE SET expires_at = excluded.expires_at WHERE nonces.expires_at <= $3`,
			nonce, expiresAt.UnixNano(), now.UnixNano())
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return imageshare.Errorf(imageshare.KindConflict, imageshare.ReasonNonceUsed, "nonce %q was already used", nonce)
		}
		return nil
	})
}

// LiveNonces implements imageshare.NonceLister: a range scan of the
// primary key (COLLATE "C", compared byte by byte).
func (s *Store) LiveNonces(ctx context.Context, prefix string, now time.Time, limit int) ([]string, error) {
	upper := imageshare.NonceUpperBound(prefix)
	if prefix == "" || upper == "" {
		return nil, nil
	}
	var out []string
	err := s.retry(ctx, "postgres.LiveNonces", func() error {
		out = out[:0]
		rows, err := s.pool.Query(ctx, `SELECT nonce FROM nonces WHERE nonce >= $1 AND nonce < $2 AND expires_at > $3 ORDER BY nonce LIMIT $4`,
			prefix, upper, now.UnixNano(), limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				return err
			}
			out = append(out, n)
		}
		return rows.Err()
	})
	return out, err
}
