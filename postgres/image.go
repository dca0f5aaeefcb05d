package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/internal/sqlstore"
)

// imageColumns are sqlstore.ImageColumns followed by the tags in
// position order.
const imageColumns = sqlstore.ImageColumns + `,
	ARRAY(SELECT tag FROM image_tags WHERE image_id = images.id ORDER BY position),
	(SELECT COALESCE(json_agg(json_build_array(tag_key, tag_value) ORDER BY tag_key), '[]')::text
		FROM image_key_tags WHERE image_id = images.id)`

// scanImage reads an image selected with imageColumns.
func scanImage(row pgx.Row) (*imageshare.Image, error) {
	var tags []string
	im, err := sqlstore.ScanImage(row, &tags)
	if err != nil {
		return nil, err
	}
	im.Tags = tags
	if im.Tags == nil {
		im.Tags = []string{}
	}
	return im, nil
}

// CreateImage implements imageshare.Store.
func (s *Store) CreateImage(ctx context.Context, im *imageshare.Image) error {
	return s.inTx(ctx, "postgres.CreateImage", writeTx, func(tx pgx.Tx) error {
		return insertImage(ctx, tx, im)
	})
}

// insertImage inserts im, its derived search columns and its tags inside tx.
func insertImage(ctx context.Context, tx pgx.Tx, im *imageshare.Image) error {
	values, err := sqlstore.ImageValues(im)
	if err != nil {
		return err
	}
	if _, err = tx.Exec(ctx, imageInsert, append(values, searchValues(im.Name, im.Author)...)...); err != nil {
		return constraintError(err, sqlstore.ImageConflict(im.ID), sqlstore.AccountNotFound("id", im.OwnerID))
	}
	if err := insertTags(ctx, tx, im.ID, im.Tags); err != nil {
		return err
	}
	return insertKeyTags(ctx, tx, im.ID, im.KeyTags)
}

// keyTagInsert is sqlstore.KeyTagInsert numbered for PostgreSQL.
var keyTagInsert = sqlstore.Rebind(sqlstore.Dollar, sqlstore.KeyTagInsert)

// insertKeyTags stores an image's key/value tags.
func insertKeyTags(ctx context.Context, tx pgx.Tx, imageID string, tags []imageshare.Tag) error {
	if err := sqlstore.CheckKeyTags(tags); err != nil {
		return err
	}
	for _, t := range tags {
		if _, err := tx.Exec(ctx, keyTagInsert, imageID, t.Key, t.Value); err != nil {
			return err
		}
	}
	return nil
}

// imageInsert inserts an image's row from sqlstore.ImageValues followed
// by its search columns (search.go).
var imageInsert = `INSERT INTO images (` + sqlstore.ImageInsertColumns + `, ` + searchColumnsSQL + `)
VALUES (` + sqlstore.Placeholders(sqlstore.Dollar, 1, sqlstore.ImageInsertCount+3) + `)`

// insertTags stores tags in order, in one statement.
func insertTags(ctx context.Context, tx pgx.Tx, imageID string, tags []string) error {
	if len(tags) == 0 {
		return nil
	}
	_, err := tx.Exec(ctx, `INSERT INTO image_tags (image_id, position, tag)
SELECT $1, t.ord - 1, t.tag FROM unnest($2::text[]) WITH ORDINALITY AS t (tag, ord)`, imageID, tags)
	return err
}

// FindImageByID implements imageshare.Store.
func (s *Store) FindImageByID(ctx context.Context, id string) (*imageshare.Image, error) {
	var im *imageshare.Image
	err := s.retry(ctx, "postgres.FindImageByID", func() error {
		var err error
		im, err = findImage(ctx, s.pool, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return im, nil
}

// rowQueryer is what a pool and a transaction offer for one-row queries.
type rowQueryer interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func findImage(ctx context.Context, q rowQueryer, id string) (*imageshare.Image, error) {
	im, err := scanImage(q.QueryRow(ctx, `SELECT `+imageColumns+` FROM images WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, sqlstore.ImageNotFound(id)
	}
	return im, err
}

// FindOwnedImage implements imageshare.Store.
func (s *Store) FindOwnedImage(ctx context.Context, id string, ownerID int64) (*imageshare.Image, error) {
	var im *imageshare.Image
	err := s.retry(ctx, "postgres.FindOwnedImage", func() error {
		var err error
		im, err = findOwnedImage(ctx, s.pool, id, ownerID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return im, nil
}

// FindPlatformImage implements imageshare.Store: an image whose owner is
// NULL, another owner's failing the same index condition as a missing id.
func (s *Store) FindPlatformImage(ctx context.Context, id string) (*imageshare.Image, error) {
	var im *imageshare.Image
	err := s.retry(ctx, "postgres.FindPlatformImage", func() error {
		var err error
		im, err = scanImage(s.pool.QueryRow(ctx, `SELECT `+imageColumns+` FROM images WHERE id = $1 AND owner_id IS NULL`, id))
		if errors.Is(err, pgx.ErrNoRows) {
			return sqlstore.ImageNotFound(id)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return im, nil
}

// ownedImageQuery reads an image by id and owner through the index
// images_id_owner (migration 005): another owner's image, like a missing
// id, fails the index condition, and its row is never fetched.
const ownedImageQuery = `SELECT ` + imageColumns + ` FROM images WHERE id = $1 AND owner_id = $2`

// findOwnedImage is findImage with the owner in the WHERE: a platform
// image's NULL owner matches no ownerID.
func findOwnedImage(ctx context.Context, q rowQueryer, id string, ownerID int64) (*imageshare.Image, error) {
	im, err := scanImage(q.QueryRow(ctx, ownedImageQuery, id, ownerID))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, sqlstore.ImageNotFound(id)
	}
	return im, err
}

// FindImages implements imageshare.Store.
func (s *Store) FindImages(ctx context.Context, f imageshare.ImageFilter) ([]*imageshare.Image, int, error) {
	const op = "postgres.FindImages"
	where, args, err := sqlstore.ImageWhere(dialect, f)
	if err != nil {
		return nil, 0, mapError(op, err)
	}
	var images []*imageshare.Image
	var total int
	err = s.inTx(ctx, op, readTx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM images`+where, args...).Scan(&total); err != nil {
			return err
		}
		limit, offset := limitOffset(f.Page)
		n := len(args)
		rows, err := tx.Query(ctx, fmt.Sprintf(`SELECT `+imageColumns+` FROM images`+where+` ORDER BY created_at, id LIMIT $%d OFFSET $%d`, n+1, n+2),
			append(args, limit, offset)...)
		if err != nil {
			return err
		}
		images, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (*imageshare.Image, error) { return scanImage(row) })
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	if images == nil {
		images = []*imageshare.Image{}
	}
	return images, total, nil
}

// UpdateImage implements imageshare.Store.
func (s *Store) UpdateImage(ctx context.Context, id string, u imageshare.ImageUpdate) (*imageshare.Image, error) {
	const op = "postgres.UpdateImage"
	args := sqlstore.NewArgs(sqlstore.Dollar)
	sets := sqlstore.NewSets(args)
	if err := sqlstore.ImageSets(sets, u); err != nil {
		return nil, imageshare.Internal(op, err)
	}
	if u.Name != nil {
		sets.Set("name_keys", searchKeys(sqlstore.Fold(*u.Name))) // search.go
	}
	var im *imageshare.Image
	err := s.inTx(ctx, op, writeTx, func(tx pgx.Tx) error {
		// With a text quota, the owner's lock comes first, as in every
		// change counted against the owner's quota (lockOwner); the
		// owner of an image never changes, so it is read unlocked.
		var owner, before int64
		if u.Quota.MaxTextBytes > 0 {
			err := tx.QueryRow(ctx, imageTextBytesQuery, id).Scan(&before, &owner)
			if errors.Is(err, pgx.ErrNoRows) {
				return sqlstore.ImageNotFound(id)
			}
			if err != nil {
				return err
			}
			if owner != 0 {
				if err := lockOwner(ctx, tx, owner); err != nil {
					return err
				}
			}
		}
		// The row lock orders this update with share changes and deletes
		// of the same image on every replica.
		if err := lockImage(ctx, tx, id); err != nil {
			return err
		}
		if sets.Len() > 0 {
			q := `UPDATE images SET ` + sets.String() + ` WHERE id = ` + sqlstore.Dollar(len(args.Values)+1)
			if _, err := tx.Exec(ctx, q, append(args.Values, id)...); err != nil {
				return err
			}
			if err := checkTextQuota(ctx, tx, id, owner, before, u.Quota); err != nil {
				return err
			}
		}
		if u.Tags != nil {
			if _, err := tx.Exec(ctx, `DELETE FROM image_tags WHERE image_id = $1`, id); err != nil {
				return err
			}
			if err := insertTags(ctx, tx, id, *u.Tags); err != nil {
				return err
			}
		}
		if u.KeyTags != nil {
			if _, err := tx.Exec(ctx, `DELETE FROM image_key_tags WHERE image_id = $1`, id); err != nil {
				return err
			}
			if err := insertKeyTags(ctx, tx, id, *u.KeyTags); err != nil {
				return err
			}
		}
		var err error
		im, err = findImage(ctx, tx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return im, nil
}

// checkTextQuota refuses, rolling tx back, an update that grew the texts
// of owner's image id (before bytes, read under the owner's lock) and took
// the owner's total over q.MaxTextBytes.
func checkTextQuota(ctx context.Context, tx pgx.Tx, id string, owner, before int64, q imageshare.Quota) error {
	if q.MaxTextBytes <= 0 || owner == 0 {
		return nil
	}
	var after int64
	if err := tx.QueryRow(ctx, imageTextBytesQuery, id).Scan(&after, &owner); err != nil {
		return err
	}
	if after <= before {
		return nil
	}
	var u sqlstore.Usage
	if err := u.Scan(tx.QueryRow(ctx, ownerUsageQuery, owner).Scan); err != nil {
		return err
	}
	return sqlstore.CheckTextQuota(q, u.TextBytes, u.TextBytes-(after-before))
}

// lockImage takes the image's row lock for the rest of tx, or returns
// ReasonImageNotFound.
func lockImage(ctx context.Context, tx pgx.Tx, id string) error {
	var found string
	err := tx.QueryRow(ctx, `SELECT id FROM images WHERE id = $1 FOR UPDATE`, id).Scan(&found)
	if errors.Is(err, pgx.ErrNoRows) {
		return sqlstore.ImageNotFound(id)
	}
	return err
}

// DeleteImage implements imageshare.Store. Its shares and tags go with it
// (ON DELETE CASCADE), in the same statement. The transaction first locks
// the image's row, as ApplyShareChange and a build's completion do, so
// share and status changes through any replica either committed before
// the lock (and the DELETE, a later statement with a later READ COMMITTED
// snapshot, sees them) or wait for this transaction and then find no
// image. An image still being created (Making) is never deleted; without
// force, neither is a shared or public one.
func (s *Store) DeleteImage(ctx context.Context, id string, force bool) error {
	return s.inTx(ctx, "postgres.DeleteImage", writeTx, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		b.Queue(`SELECT status FROM images WHERE id = $1 FOR UPDATE`, id)
		b.Queue(`DELETE FROM images WHERE id = $1 AND status <> 'Making'
AND ($2 OR (NOT is_public AND NOT EXISTS (SELECT 1 FROM shares WHERE image_id = $1)
	AND NOT EXISTS (SELECT 1 FROM instances WHERE image_id = $1)))`, id, force)
		// Why a DELETE that left the row did: read after it, in a statement
		// of its own, so that a share committed while the lock was awaited
		// is seen (the locking SELECT's subqueries would not see it).
		b.Queue(`SELECT is_public OR EXISTS (SELECT 1 FROM shares WHERE image_id = $1) FROM images WHERE id = $1`, id)
		br := tx.SendBatch(ctx, b)
		err := readDeleteBatch(br, id)
		if closeErr := br.Close(); err == nil {
			err = closeErr
		}
		return err
	})
}

// readDeleteBatch reads DeleteImage's batch: no row locked is a missing
// image; a locked row the DELETE left is one being created, or a shared
// one, or else one an instance uses.
func readDeleteBatch(br pgx.BatchResults, id string) error {
	var status string
	if err := br.QueryRow().Scan(&status); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return sqlstore.ImageNotFound(id)
		}
		return err
	}
	tag, err := br.Exec()
	if err != nil {
		return err
	}
	shared := false
	if err := br.QueryRow().Scan(&shared); err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return err
	}
	switch {
	case tag.RowsAffected() > 0:
		return nil
	case imageshare.ImageStatus(status) == imageshare.StatusMaking:
		return sqlstore.ImageCreating(id)
	case shared:
		return sqlstore.ImageShared(id)
	}
	return sqlstore.ImageInUse(id)
}
