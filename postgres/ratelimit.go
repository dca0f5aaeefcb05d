package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
)

// TransientTables hold state that is not worth moving between stores:
// export leaves them out. The signature nonces and their guard
// (signonce.go) are the store's own: the guard's bound and floor speak of
// this store's records only (docs/nonces.md, "Export and import").
// cache_changes and its horizon are the read caches' change log
// (cachelog.go): an import's rows are logged again by the triggers.
var TransientTables = []string{"rate_buckets", "signature_nonces", "nonce_guard", "cache_changes", "cache_changes_horizon"}

// TakeToken takes one token from key's bucket, which holds at most burst
// tokens and gains rate tokens a second, and reports whether there was
// one. A refusal takes nothing. The bucket lives in the database and is
// read and changed in one statement (its row locked), so the limit holds
// for the key however its requests are spread over replicas; time is the
// database's clock, so replicas' clocks need not agree.
func (s *Store) TakeToken(ctx context.Context, key string, rate, burst float64) (bool, error) {
	var allowed bool
	err := s.retry(ctx, "postgres.TakeToken", func() error {
		var tokens float64
		err := s.pool.QueryRow(ctx, `WITH now AS (SELECT (extract(epoch FROM clock_timestamp()) * 1e9)::bigint AS ns)
INSERT INTO rate_buckets AS b (key, tokens, updated_at)
SELECT $1, $3::float8 - 1, now.ns FROM now
ON CONFLICT (key) DO UPDATE SET
	tokens = least($3::float8, b.tokens + greatest(0, excluded.updated_at - b.updated_at) / 1e9 * $2::float8) - 1,
	updated_at = greatest(b.updated_at, excluded.updated_at)
WHERE least($3::float8, b.tokens + greatest(0, excluded.updated_at - b.updated_at) / 1e9 * $2::float8) >= 1
RETURNING tokens`, key, rate, burst).Scan(&tokens)
		switch {
		case err == nil:
			allowed = true
		case errors.Is(err, pgx.ErrNoRows): // the WHERE refused: the bucket is empty
			allowed = false
		default:
			return err
		}
		return nil
	})
	return allowed, err
}
