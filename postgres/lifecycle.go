package postgres

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/internal/sqlstore"
)

// CreateCustomImage implements imageshare.Store. The owner's account row
// is locked (FOR NO KEY UPDATE, which leaves foreign-key checks of other
// writers alone) before the name check, so two replicas creating custom
// images for one owner take turns and a name cannot be taken twice.
func (s *Store) CreateCustomImage(ctx context.Context, im *imageshare.Image) error {
	return s.inTx(ctx, "postgres.CreateCustomImage", writeTx, func(tx pgx.Tx) error {
		var owner int64
		err := tx.QueryRow(ctx, `SELECT id FROM accounts WHERE id = $1 FOR NO KEY UPDATE`, im.OwnerID).Scan(&owner)
		if errors.Is(err, pgx.ErrNoRows) {
			return sqlstore.AccountNotFound("id", im.OwnerID)
		}
		if err != nil {
			return err
		}
		var taken bool
		if err := tx.QueryRow(ctx, customNameTakenQuery, im.OwnerID, im.Name).Scan(&taken); err != nil {
			return err
		}
		if err := sqlstore.Refuse(taken, sqlstore.DuplicateImageName(im.Name)); err != nil {
			return err
		}
		return insertImage(ctx, tx, im)
	})
}

// FinishBuilds implements imageshare.Store. The due builds are locked
// with SKIP LOCKED, so replicas finishing builds at the same time split
// them instead of queueing, and the UPDATE re-checks Making on the row it
// locked, so a build another replica finished first is not returned here.
func (s *Store) FinishBuilds(ctx context.Context, now time.Time, limit int) ([]string, error) {
	var lim *int64
	if limit > 0 {
		l := int64(limit)
		lim = &l
	}
	var ids []string
	err := s.retry(ctx, "postgres.FinishBuilds", func() error {
		// The CTE runs once: an IN (subquery) may be rescanned for each
		// row, and a rescan skips the rows this statement already changed
		// and locks the next ones, finishing more than limit builds.
		rows, err := s.pool.Query(ctx, `WITH due AS MATERIALIZED (
	SELECT id FROM images WHERE status = 'Making' AND build_done_at <= $1
	ORDER BY build_done_at, id LIMIT $2 FOR UPDATE SKIP LOCKED)
UPDATE images SET status = 'Available' FROM due
WHERE images.id = due.id AND images.status = 'Making'
RETURNING images.id`, sqlstore.Nanos(now), lim)
		if err != nil {
			return err
		}
		ids, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	if err != nil {
		return nil, err
	}
	if ids == nil {
		ids = []string{}
	}
	slices.Sort(ids)
	return ids, nil
}

// ChangeImageStatus implements imageshare.Store. The image's row is
// locked before its status is checked, so of two concurrent changes from
// the same state only the first applies.
func (s *Store) ChangeImageStatus(ctx context.Context, c imageshare.StatusChange) (*imageshare.Image, error) {
	var im *imageshare.Image
	return sqlstore.Keep(&im, s.inTx(ctx, "postgres.ChangeImageStatus", writeTx, func(tx pgx.Tx) error {
		var status string
		if err := tx.QueryRow(ctx, `SELECT status FROM images WHERE id = $1 FOR UPDATE`, c.ImageID).Scan(&status); err != nil {
			return orNotFound(err, sqlstore.ImageNotFound(c.ImageID))
		}
		q, args, err := sqlstore.StatusUpdate(sqlstore.Dollar, c, status)
		if err != nil {
			return err
		}
		if _, err = tx.Exec(ctx, q, args...); err == nil {
			im, err = findImage(ctx, tx, c.ImageID)
		}
		return err
	}))
}

// serializableTx is for transactions that check that no row matching a
// condition exists and then insert one: PostgreSQL's serializable
// isolation makes the check and the insert atomic against every other
// such transaction (a loser fails with 40001 and inTx runs it again, when
// it sees the winner's row). The same holds on distributed SQL that is
// always serializable.
var serializableTx = pgx.TxOptions{IsoLevel: pgx.Serializable}

// CreateVersion implements imageshare.Store. Versions of one group may be
// created from different source images, so no single row stands for the
// group to lock: the version-name check relies on serializable isolation.
func (s *Store) CreateVersion(ctx context.Context, v *imageshare.Image, sourceID string) error {
	return s.inTx(ctx, "postgres.CreateVersion", serializableTx, func(tx pgx.Tx) error {
		var found string
		err := tx.QueryRow(ctx, `SELECT id FROM images WHERE id = $1 FOR UPDATE`, sourceID).Scan(&found)
		if errors.Is(err, pgx.ErrNoRows) {
			return sqlstore.ImageNotFound(sourceID)
		}
		if err != nil {
			return err
		}
		var taken bool
		if err := tx.QueryRow(ctx, versionTakenQuery, v.GroupID, v.VersionName).Scan(&taken); err != nil {
			return err
		}
		if err := sqlstore.Refuse(taken, sqlstore.DuplicateVersionName(v.GroupID, v.VersionName)); err != nil {
			return err
		}
		if err := insertImage(ctx, tx, v); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE images SET group_id = $1 WHERE id = $2`, v.GroupID, sourceID)
		return err
	})
}

// The lifecycle's shared checks, numbered for PostgreSQL.
var (
	customNameTakenQuery = sqlstore.Rebind(sqlstore.Dollar, sqlstore.CustomNameTakenQuery)
	versionTakenQuery    = sqlstore.Rebind(sqlstore.Dollar, sqlstore.VersionTakenQuery)
)
