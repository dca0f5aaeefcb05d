package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"imageshare"
	"imageshare/internal/sqlstore"
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
		err = tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM images WHERE owner_id = $1 AND type = 'Custom' AND name = $2)`,
			im.OwnerID, im.Name).Scan(&taken)
		if err != nil {
			return err
		}
		if taken {
			return sqlstore.DuplicateImageName(im.Name)
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
	err := s.inTx(ctx, "postgres.ChangeImageStatus", writeTx, func(tx pgx.Tx) error {
		var status string
		err := tx.QueryRow(ctx, `SELECT status FROM images WHERE id = $1 FOR UPDATE`, c.ImageID).Scan(&status)
		if errors.Is(err, pgx.ErrNoRows) {
			return sqlstore.ImageNotFound(c.ImageID)
		}
		if err != nil {
			return err
		}
		if !slices.Contains(c.From, imageshare.ImageStatus(status)) {
			return imageshare.Errorf(imageshare.KindConflict, imageshare.ReasonImageNotAvailable,
				"image %q is %s, not %s", c.ImageID, status, sqlstore.StatusList(c.From))
		}
		sets := []string{"status = $1"}
		args := []any{string(c.To)}
		if c.FailedReason != nil {
			args = append(args, *c.FailedReason)
			sets = append(sets, fmt.Sprintf("failed_reason = $%d", len(args)))
		}
		if c.PublishedAt != nil {
			args = append(args, sqlstore.Nanos(*c.PublishedAt))
			sets = append(sets, fmt.Sprintf("published_at = $%d", len(args)))
		}
		args = append(args, c.ImageID)
		if _, err := tx.Exec(ctx, fmt.Sprintf(`UPDATE images SET %s WHERE id = $%d`, strings.Join(sets, ", "), len(args)), args...); err != nil {
			return err
		}
		im, err = findImage(ctx, tx, c.ImageID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return im, nil
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
		err = tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM images
WHERE type = 'Community' AND `+groupKey+` = $1 AND version_name = $2)`, v.GroupID, v.VersionName).Scan(&taken)
		if err != nil {
			return err
		}
		if taken {
			return imageshare.Errorf(imageshare.KindConflict, imageshare.ReasonDuplicateName,
				"version group %q already has a version named %q", v.GroupID, v.VersionName)
		}
		if err := insertImage(ctx, tx, v); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE images SET group_id = $1 WHERE id = $2`, v.GroupID, sourceID)
		return err
	})
}
