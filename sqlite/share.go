package sqlite

import (
	"context"
	"database/sql"
	"slices"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/internal/sqlstore"
)

// ApplyShareChange implements imageshare.Store. It runs on the single
// writer connection, in its own savepoint of a group commit (see
// groupcommit.go), so the cap check and the inserts cannot interleave with
// another change of the same image.
func (s *Store) ApplyShareChange(ctx context.Context, c imageshare.ShareChange) (*imageshare.ShareResult, error) {
	res := &imageshare.ShareResult{Added: []int64{}, Removed: []int64{}}
	err := s.groupTx(ctx, "sqlite.ApplyShareChange", func(ctx context.Context, tx *sql.Tx) error {
		var exists int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM images WHERE id = ?`, c.ImageID).Scan(&exists); err != nil {
			return err
		}
		if exists == 0 {
			return sqlstore.ImageNotFound(c.ImageID)
		}
		var seen []int64
		for _, id := range c.Add {
			if slices.Contains(seen, id) {
				continue
			}
			seen = append(seen, id)
			r, err := tx.ExecContext(ctx,
				`INSERT INTO shares (image_id, account_id, shared_at, shared_by) VALUES (?, ?, ?, ?) ON CONFLICT (image_id, account_id) DO NOTHING`,
				c.ImageID, id, sqlstore.Nanos(c.At), c.By)
			if err != nil {
				return constraintError(err, nil, sqlstore.AccountNotFound("id", id))
			}
			n, err := r.RowsAffected()
			if err != nil {
				return err
			}
			if n == 0 {
				if c.FailOnNoop {
					return imageshare.Errorf(imageshare.KindConflict, imageshare.ReasonAlreadyShared,
						"image %q is already shared with account %d", c.ImageID, id)
				}
				continue
			}
			res.Added = append(res.Added, id)
		}
		seen = nil
		for _, id := range c.Remove {
			if slices.Contains(seen, id) {
				continue
			}
			seen = append(seen, id)
			r, err := tx.ExecContext(ctx, `DELETE FROM shares WHERE image_id = ? AND account_id = ?`, c.ImageID, id)
			if err != nil {
				return err
			}
			n, err := r.RowsAffected()
			if err != nil {
				return err
			}
			if n == 0 {
				if c.FailOnNoop {
					return imageshare.Errorf(imageshare.KindNotFound, imageshare.ReasonNotShared,
						"image %q is not shared with account %d", c.ImageID, id)
				}
				continue
			}
			res.Removed = append(res.Removed, id)
		}
		// Only a change that adds can break the cap: removing from a list
		// that is over a since-lowered cap must stay possible.
		if c.MaxShares > 0 && len(res.Added) > 0 {
			var count int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM shares WHERE image_id = ?`, c.ImageID).Scan(&count); err != nil {
				return err
			}
			if count > c.MaxShares {
				return imageshare.Errorf(imageshare.KindLimitExceeded, imageshare.ReasonShareQuota,
					"image %q may be shared with at most %d accounts", c.ImageID, c.MaxShares)
			}
		}
		if c.SetPublic != nil {
			if _, err := tx.ExecContext(ctx, `UPDATE images SET is_public = ? WHERE id = ?`, boolInt(*c.SetPublic), c.ImageID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// ListShares implements imageshare.Store.
func (s *Store) ListShares(ctx context.Context, imageID string, p imageshare.Page) ([]*imageshare.Share, int, error) {
	_, shares, total, err := s.imageShares(ctx, "sqlite.ListShares", imageID, nil, p)
	return shares, total, err
}

// FindImageShares implements imageshare.Store. The shares are read only
// once the image is found to be ownerID's.
func (s *Store) FindImageShares(ctx context.Context, imageID string, ownerID int64, p imageshare.Page) (*imageshare.Image, []*imageshare.Share, int, error) {
	return s.imageShares(ctx, "sqlite.FindImageShares", imageID, &ownerID, p)
}

// imageShares reads a page of the image's shares and their total in one
// snapshot, after the image itself when owner is set (and then only if it
// is the owner's).
func (s *Store) imageShares(ctx context.Context, op, imageID string, owner *int64, p imageshare.Page) (*imageshare.Image, []*imageshare.Share, int, error) {
	var r sqlstore.ImageShares
	return r.Unpack(s.readTx(ctx, op, func(tx *sql.Tx) (err error) {
		if owner != nil {
			if r.Image, err = findOwnedImage(ctx, tx, imageID, *owner); err != nil {
				return err
			}
		}
		r.Shares, r.Total, err = listShares(ctx, tx, imageID, p)
		return err
	}))
}

// listShares reads a page of the image's shares in tx, and their total:
// counted only when the page does not tell it.
func listShares(ctx context.Context, tx *sql.Tx, imageID string, p imageshare.Page) ([]*imageshare.Share, int, error) {
	rows, err := tx.QueryContext(ctx, sqlstore.ShareListQuery+pageClause(p), imageID)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	shares := []*imageshare.Share{}
	for rows.Next() {
		sh, err := sqlstore.ScanShare(rows)
		if err != nil {
			return nil, 0, err
		}
		shares = append(shares, sh)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	rows.Close()
	if total, ok := pageTotal(p, len(shares)); ok {
		return shares, total, nil
	}
	var total int
	if err := tx.QueryRowContext(ctx, sqlstore.ShareCountQuery, imageID).Scan(&total); err != nil {
		return nil, 0, err
	}
	return shares, total, nil
}

// IsSharedWith implements imageshare.Store.
func (s *Store) IsSharedWith(ctx context.Context, imageID string, accountID int64) (bool, error) {
	var shared bool
	err := s.read.QueryRowContext(ctx, sqlstore.IsSharedQuery, imageID, accountID).Scan(&shared)
	if err != nil {
		return false, imageshare.Internal("sqlite.IsSharedWith", err)
	}
	return shared, nil
}
