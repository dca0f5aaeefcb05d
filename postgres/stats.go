package postgres

import "context"

// CountShares implements imageshare.Store.
func (s *Store) CountShares(ctx context.Context) (int, error) {
	var n int
	err := s.retry(ctx, "postgres.CountShares", func() error {
		return s.pool.QueryRow(ctx, `SELECT count(*) FROM shares`).Scan(&n)
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}
