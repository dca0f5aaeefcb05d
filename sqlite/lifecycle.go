package sqlite

import (
	"context"
	"database/sql"
	"slices"
	"time"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/internal/sqlstore"
)

// CreateCustomImage implements imageshare.Store. The name check and the
// insert share one write transaction; the single writer connection (and
// BEGIN IMMEDIATE across processes) keeps a concurrent create out between
// them.
func (s *Store) CreateCustomImage(ctx context.Context, im *imageshare.Image) error {
	return s.writeTx(ctx, "sqlite.CreateCustomImage", func(tx *sql.Tx) error {
		var taken bool
		if err := tx.QueryRowContext(ctx, sqlstore.CustomNameTakenQuery, im.OwnerID, im.Name).Scan(&taken); err != nil {
			return err
		}
		if err := sqlstore.Refuse(taken, sqlstore.DuplicateImageName(im.Name)); err != nil {
			return err
		}
		return insertImage(ctx, tx, im)
	})
}

// FinishBuilds implements imageshare.Store. One UPDATE both picks the due
// builds and changes them, under the database's write lock, so a build
// that another process finished first is no longer Making and is not
// returned here.
func (s *Store) FinishBuilds(ctx context.Context, now time.Time, limit int) ([]string, error) {
	if limit <= 0 {
		limit = -1
	}
	ids := []string{}
	err := s.writeTx(ctx, "sqlite.FinishBuilds", func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `UPDATE images SET status = 'Available'
WHERE status = 'Making' AND id IN (
	SELECT id FROM images WHERE status = 'Making' AND build_done_at <= ? ORDER BY build_done_at LIMIT ?)
RETURNING id`, sqlstore.Nanos(now), limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	slices.Sort(ids)
	return ids, nil
}

// ChangeImageStatus implements imageshare.Store.
func (s *Store) ChangeImageStatus(ctx context.Context, c imageshare.StatusChange) (*imageshare.Image, error) {
	var im *imageshare.Image
	return sqlstore.Keep(&im, s.writeTx(ctx, "sqlite.ChangeImageStatus", func(tx *sql.Tx) error {
		var status string
		if err := tx.QueryRowContext(ctx, `SELECT status FROM images WHERE id = ?`, c.ImageID).Scan(&status); err != nil {
			return orNotFound(err, sqlstore.ImageNotFound(c.ImageID))
		}
		q, args, err := sqlstore.StatusUpdate(sqlstore.Question, c, status)
		if err != nil {
			return err
		}
		if _, err = tx.ExecContext(ctx, q, args...); err == nil {
			im, err = findImage(ctx, tx, c.ImageID)
		}
		return err
	}))
}

// CreateVersion implements imageshare.Store.
func (s *Store) CreateVersion(ctx context.Context, v *imageshare.Image, sourceID string) error {
	return s.writeTx(ctx, "sqlite.CreateVersion", func(tx *sql.Tx) error {
		var exists bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM images WHERE id = ?)`, sourceID).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			return sqlstore.ImageNotFound(sourceID)
		}
		var taken bool
		if err := tx.QueryRowContext(ctx, sqlstore.VersionTakenQuery, v.GroupID, v.VersionName).Scan(&taken); err != nil {
			return err
		}
		if err := sqlstore.Refuse(taken, sqlstore.DuplicateVersionName(v.GroupID, v.VersionName)); err != nil {
			return err
		}
		if err := insertImage(ctx, tx, v); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE images SET group_id = ? WHERE id = ?`, v.GroupID, sourceID)
		return err
	})
}
