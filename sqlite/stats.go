package sqlite

import (
	"context"

	"github.com/imageshare/imageshare"
)

// CountShares implements imageshare.Store.
func (s *Store) CountShares(ctx context.Context) (int, error) {
	var n int
	if err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM shares`).Scan(&n); err != nil {
		return 0, imageshare.Internal("sqlite.CountShares", err)
	}
	return n, nil
}
