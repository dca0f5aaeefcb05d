package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/imageshare/imageshare"
)

// noncePruneLimit bounds the expired nonces one call deletes. Each call
// records at most one nonce, so pruning more than one per call keeps the
// table from growing while no call does unbounded work. It is a literal
// in the statement: a bound LIMIT parameter makes SQLite prepare the
// statement again at every call (stmtcache.go), which cost more than the
// rest of the call.
const noncePruneLimit = "64"

// UseNonce implements imageshare.Store.
func (s *Store) UseNonce(ctx context.Context, nonce string, now, expiresAt time.Time) error {
	return s.groupTx(ctx, "sqlite.UseNonce", func(ctx context.Context, tx *sql.Tx) error {
		return recordNonce(ctx, tx, "nonces", nonce, now, expiresAt, true)
	})
}

// recordNonce records nonce in table (nonces or signature_nonces, which
// have the same columns) until expiresAt, first deleting up to
// noncePruneLimit expired ones if prune. A nonce that is recorded but
// expired is taken over; a live one is left alone, which the zero row
// count reports as ReasonNonceUsed.
func recordNonce(ctx context.Context, tx *sql.Tx, table, nonce string, now, expiresAt time.Time, prune bool) error {
	if prune {
		if _, err := tx.ExecContext(ctx,
			`DELETE FROM `+table+` WHERE nonce IN (SELECT nonce FROM `+table+` WHERE expires_at <= ? ORDER BY expires_at LIMIT `+noncePruneLimit+`)`,
			now.UnixNano()); err != nil {
			return err
		}
	}
	r, err := tx.ExecContext(ctx, `INSERT INTO `+table+` (nonce, expires_at) VALUES (?, ?)
ON CONFLICT (nonce) DO UPDATE SET expires_at = excluded.expires_at WHERE `+table+`.expires_at <= ?`,
		nonce, expiresAt.UnixNano(), now.UnixNano())
	if err != nil {
		return err
	}
	n, err := r.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return imageshare.Errorf(imageshare.KindConflict, imageshare.ReasonNonceUsed, "nonce %q was already used", nonce)
	}
	return nil
}

// LiveNonces implements imageshare.NonceLister: a range scan of the
// primary key (TEXT, compared byte by byte).
func (s *Store) LiveNonces(ctx context.Context, prefix string, now time.Time, limit int) ([]string, error) {
	upper := imageshare.NonceUpperBound(prefix)
	if prefix == "" || upper == "" {
		return nil, nil
	}
	rows, err := s.read.QueryContext(ctx, `SELECT nonce FROM nonces WHERE nonce >= ? AND nonce < ? AND expires_at > ? ORDER BY nonce LIMIT ?`,
		prefix, upper, now.UnixNano(), limit)
	if err != nil {
		return nil, imageshare.Internal("sqlite.LiveNonces", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, imageshare.Internal("sqlite.LiveNonces", err)
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, imageshare.Internal("sqlite.LiveNonces", err)
	}
	return out, nil
}
