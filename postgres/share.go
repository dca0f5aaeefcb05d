package postgres

import (
	"context"
	"errors"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/internal/sqlstore"
)

// ApplyShareChange implements imageshare.Store. The transaction first
// locks the image's row, so changes of one image made through any replica
// run one after another and the cap is checked against a count no other
// change can alter before this one commits. Everything after BEGIN goes in
// one batch: one round trip holds the lock, however many accounts change.
func (s *Store) ApplyShareChange(ctx context.Context, c imageshare.ShareChange) (*imageshare.ShareResult, error) {
	add, remove := distinct(c.Add), distinct(c.Remove)
	checkCap := c.MaxShares > 0 && len(add) > 0
	var res *imageshare.ShareResult
	err := s.inTx(ctx, "postgres.ApplyShareChange", writeTx, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		b.Queue(`SELECT id FROM images WHERE id = $1 FOR UPDATE`, c.ImageID)
		for _, id := range add {
			b.Queue(`INSERT INTO shares (image_id, account_id, shared_at, shared_by) VALUES ($1, $2, $3, $4)
ON CONFLICT (image_id, account_id) DO NOTHING`, c.ImageID, id, sqlstore.Nanos(c.At), c.By)
		}
		for _, id := range remove {
			b.Queue(`DELETE FROM shares WHERE image_id = $1 AND account_id = $2`, c.ImageID, id)
		}
		if checkCap {
			b.Queue(`SELECT count(*) FROM shares WHERE image_id = $1`, c.ImageID)
		}
		if c.SetPublic != nil {
			b.Queue(`UPDATE images SET is_public = $1 WHERE id = $2`, *c.SetPublic, c.ImageID)
		}
		br := tx.SendBatch(ctx, b)
		var err error
		res, err = readShareBatch(br, c, add, remove, checkCap)
		// Close reports the first error of the statements not read; after
		// a failure that error is a consequence, and the transaction rolls
		// back anyway.
		if closeErr := br.Close(); err == nil {
			err = closeErr
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// readShareBatch reads the results of ApplyShareChange's batch in the
// order they were queued and decides the change's outcome.
func readShareBatch(br pgx.BatchResults, c imageshare.ShareChange, add, remove []int64, checkCap bool) (*imageshare.ShareResult, error) {
	res := &imageshare.ShareResult{Added: []int64{}, Removed: []int64{}}
	var found string
	if err := br.QueryRow().Scan(&found); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, sqlstore.ImageNotFound(c.ImageID)
		}
		return nil, err
	}
	for _, id := range add {
		tag, err := br.Exec()
		if err != nil {
			return nil, constraintError(err, nil, sqlstore.AccountNotFound("id", id))
		}
		if tag.RowsAffected() == 0 {
			if c.FailOnNoop {
				return nil, imageshare.Errorf(imageshare.KindConflict, imageshare.ReasonAlreadyShared,
					"image %q is already shared with account %d", c.ImageID, id)
			}
			continue
		}
		res.Added = append(res.Added, id)
	}
	for _, id := range remove {
		tag, err := br.Exec()
		if err != nil {
			return nil, err
		}
		if tag.RowsAffected() == 0 {
			if c.FailOnNoop {
				return nil, imageshare.Errorf(imageshare.KindNotFound, imageshare.ReasonNotShared,
					"image %q is not shared with account %d", c.ImageID, id)
			}
			continue
		}
		res.Removed = append(res.Removed, id)
	}
	if checkCap {
		var count int
		if err := br.QueryRow().Scan(&count); err != nil {
			return nil, err
		}
		// Only a change that adds can break the cap: removing from a list
		// that is over a since-lowered cap must stay possible.
		if len(res.Added) > 0 && count > c.MaxShares {
			return nil, imageshare.Errorf(imageshare.KindLimitExceeded, imageshare.ReasonShareQuota,
				"image %q may be shared with at most %d accounts", c.ImageID, c.MaxShares)
		}
	}
	if c.SetPublic != nil {
		if _, err := br.Exec(); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// distinct returns ids without repeats, in first-seen order.
func distinct(ids []int64) []int64 {
	var out []int64
	for _, id := range ids {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// ListShares implements imageshare.Store.
func (s *Store) ListShares(ctx context.Context, imageID string, p imageshare.Page) ([]*imageshare.Share, int, error) {
	_, shares, total, err := s.imageShares(ctx, "postgres.ListShares", imageID, nil, p)
	return shares, total, err
}

// FindImageShares implements imageshare.Store. The shares are read only
// once the image is found to be ownerID's.
func (s *Store) FindImageShares(ctx context.Context, imageID string, ownerID int64, p imageshare.Page) (*imageshare.Image, []*imageshare.Share, int, error) {
	return s.imageShares(ctx, "postgres.FindImageShares", imageID, &ownerID, p)
}

// imageShares reads a page of the image's shares and their total in one
// REPEATABLE READ snapshot, after the image itself when owner is set (and
// then only if it is the owner's).
func (s *Store) imageShares(ctx context.Context, op, imageID string, owner *int64, p imageshare.Page) (*imageshare.Image, []*imageshare.Share, int, error) {
	var r sqlstore.ImageShares
	return r.Unpack(s.inTx(ctx, op, readTx, func(tx pgx.Tx) (err error) {
		if owner != nil {
			if r.Image, err = findOwnedImage(ctx, tx, imageID, *owner); err != nil {
				return err
			}
		}
		r.Shares, r.Total, err = listShares(ctx, tx, imageID, p)
		return err
	}))
}

// The share queries, numbered for PostgreSQL.
var (
	shareListQuery  = sqlstore.Rebind(sqlstore.Dollar, sqlstore.ShareListQuery+` LIMIT ? OFFSET ?`)
	shareCountQuery = sqlstore.Rebind(sqlstore.Dollar, sqlstore.ShareCountQuery)
	isSharedQuery   = sqlstore.Rebind(sqlstore.Dollar, sqlstore.IsSharedQuery)
)

// listShares reads a page of the image's shares in tx, and their total.
func listShares(ctx context.Context, tx pgx.Tx, imageID string, p imageshare.Page) ([]*imageshare.Share, int, error) {
	var total int
	if err := tx.QueryRow(ctx, shareCountQuery, imageID).Scan(&total); err != nil {
		return nil, 0, err
	}
	limit, offset := limitOffset(p)
	rows, err := tx.Query(ctx, shareListQuery, imageID, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	shares, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*imageshare.Share, error) { return sqlstore.ScanShare(row) })
	if err != nil {
		return nil, 0, err
	}
	if shares == nil {
		shares = []*imageshare.Share{}
	}
	return shares, total, nil
}

// IsSharedWith implements imageshare.Store.
func (s *Store) IsSharedWith(ctx context.Context, imageID string, accountID int64) (bool, error) {
	var shared bool
	err := s.retry(ctx, "postgres.IsSharedWith", func() error {
		return s.pool.QueryRow(ctx, isSharedQuery, imageID, accountID).Scan(&shared)
	})
	if err != nil {
		return false, err
	}
	return shared, nil
}
