package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/internal/sqlstore"
)

// imageColumns are sqlstore.ImageColumns followed by the tags in
// position order as a JSON array. The tags are aggregated from a subquery
// that reads them in primary-key order: json_group_array(tag ORDER BY
// position) sorts in a temporary B-tree, whose pager is opened and freed
// for every image read (half of a hot read's CPU went to that).
const imageColumns = sqlstore.ImageColumns + `,
	(SELECT json_group_array(tag) FROM (SELECT tag FROM image_tags WHERE image_id = images.id ORDER BY position)),
	(SELECT json_group_array(json_array(tag_key, tag_value)) FROM
		(SELECT tag_key, tag_value FROM image_key_tags WHERE image_id = images.id ORDER BY tag_key))`

type scanner interface{ Scan(...any) error }

// querier is what both *sql.Tx and *sql.DB offer.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// scanImage reads an image selected with imageColumns, then extra.
func scanImage(row scanner, extra ...any) (*imageshare.Image, error) {
	var tags string
	im, err := sqlstore.ScanImage(row, &tags, extra...)
	if err != nil {
		return nil, err
	}
	im.Tags = []string{}
	if err := json.Unmarshal([]byte(tags), &im.Tags); err != nil {
		return nil, fmt.Errorf("image %q tags: %w", im.ID, err)
	}
	return im, nil
}

// CreateImage implements imageshare.Store.
func (s *Store) CreateImage(ctx context.Context, im *imageshare.Image) error {
	return s.writeTx(ctx, "sqlite.CreateImage", func(tx *sql.Tx) error {
		return insertImage(ctx, tx, im)
	})
}

// insertImage inserts im and its tags inside tx.
func insertImage(ctx context.Context, tx *sql.Tx, im *imageshare.Image) error {
	values, err := sqlstore.ImageValues(im)
	if err != nil {
		return err
	}
	if _, err = tx.ExecContext(ctx, imageInsert, values...); err != nil {
		return constraintError(err, sqlstore.ImageConflict(im.ID), sqlstore.AccountNotFound("id", im.OwnerID))
	}
	if err := insertTags(ctx, tx, im.ID, im.Tags); err != nil {
		return err
	}
	return insertKeyTags(ctx, tx, im.ID, im.KeyTags)
}

// insertKeyTags stores an image's key/value tags.
func insertKeyTags(ctx context.Context, tx *sql.Tx, imageID string, tags []imageshare.Tag) error {
	if err := sqlstore.CheckKeyTags(tags); err != nil {
		return err
	}
	for _, t := range tags {
		if _, err := tx.ExecContext(ctx, sqlstore.KeyTagInsert, imageID, t.Key, t.Value); err != nil {
			return err
		}
	}
	return nil
}

func insertTags(ctx context.Context, tx *sql.Tx, imageID string, tags []string) error {
	for i, tag := range tags {
		if _, err := tx.ExecContext(ctx, `INSERT INTO image_tags (image_id, position, tag) VALUES (?, ?, ?)`, imageID, i, tag); err != nil {
			return err
		}
	}
	return nil
}

// FindImageByID implements imageshare.Store.
func (s *Store) FindImageByID(ctx context.Context, id string) (*imageshare.Image, error) {
	im, err := findImage(ctx, s.read, id)
	if err != nil {
		return nil, mapError("sqlite.FindImageByID", err)
	}
	return im, nil
}

// FindOwnedImage implements imageshare.Store.
func (s *Store) FindOwnedImage(ctx context.Context, id string, ownerID int64) (*imageshare.Image, error) {
	im, err := findOwnedImage(ctx, s.read, id, ownerID)
	if err != nil {
		return nil, mapError("sqlite.FindOwnedImage", err)
	}
	return im, nil
}

// FindPlatformImage implements imageshare.Store. It seeks the same index
// as FindOwnedImage, with a NULL owner.
func (s *Store) FindPlatformImage(ctx context.Context, id string) (*imageshare.Image, error) {
	im, err := scanImage(s.read.QueryRowContext(ctx, `SELECT `+imageColumns+` FROM images WHERE id = ? AND owner_id IS NULL`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sqlstore.ImageNotFound(id)
	}
	if err != nil {
		return nil, mapError("sqlite.FindPlatformImage", err)
	}
	return im, nil
}

func findImage(ctx context.Context, q querier, id string) (*imageshare.Image, error) {
	im, err := scanImage(q.QueryRowContext(ctx, `SELECT `+imageColumns+` FROM images WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sqlstore.ImageNotFound(id)
	}
	return im, err
}

// ownedImageQuery reads an image by id and owner. It seeks the index
// images_id_owner (migration 005), so another owner's image, like a
// missing id, is one failed index seek: its row is never read.
const ownedImageQuery = `SELECT ` + imageColumns + ` FROM images WHERE id = ? AND owner_id = ?`

// findOwnedImage is findImage with the owner in the WHERE: a platform
// image's NULL owner matches no ownerID.
func findOwnedImage(ctx context.Context, q querier, id string, ownerID int64) (*imageshare.Image, error) {
	im, err := scanImage(q.QueryRowContext(ctx, ownedImageQuery, id, ownerID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sqlstore.ImageNotFound(id)
	}
	return im, err
}

// jsonArray encodes values for json_each, which lets one parameter carry
// a list of any length.
func jsonArray[T any](values []T) string {
	b, _ := json.Marshal(values) // strings and string types always encode
	return string(b)
}

// FindImages implements imageshare.Store.
func (s *Store) FindImages(ctx context.Context, f imageshare.ImageFilter) ([]*imageshare.Image, int, error) {
	where, args, err := sqlstore.ImageWhere(dialect, f)
	if err != nil {
		return nil, 0, mapError("sqlite.FindImages", err)
	}
	images := []*imageshare.Image{}
	var total int
	err = s.readTx(ctx, "sqlite.FindImages", func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM images`+where, args...).Scan(&total); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT `+imageColumns+` FROM images`+where+` ORDER BY created_at, id`+pageClause(f.Page), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			im, err := scanImage(rows)
			if err != nil {
				return err
			}
			images = append(images, im)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, err
	}
	return images, total, nil
}

// UpdateImage implements imageshare.Store.
func (s *Store) UpdateImage(ctx context.Context, id string, u imageshare.ImageUpdate) (*imageshare.Image, error) {
	args := sqlstore.NewArgs(sqlstore.Question)
	sets := sqlstore.NewSets(args)
	if err := sqlstore.ImageSets(sets, u); err != nil {
		return nil, imageshare.Internal("sqlite.UpdateImage", err)
	}
	var im *imageshare.Image
	err := s.writeTx(ctx, "sqlite.UpdateImage", func(tx *sql.Tx) error {
		var before int64
		var owner int64
		err := tx.QueryRowContext(ctx, sqlstore.ImageTextBytesQuery, id).Scan(&before, &owner)
		if errors.Is(err, sql.ErrNoRows) {
			return sqlstore.ImageNotFound(id)
		}
		if err != nil {
			return err
		}
		if sets.Len() > 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE images SET `+sets.String()+` WHERE id = ?`, append(args.Values, id)...); err != nil {
				return err
			}
			if err := checkTextQuota(ctx, tx, id, owner, before, u.Quota); err != nil {
				return err
			}
		}
		if u.Tags != nil {
			if _, err := tx.ExecContext(ctx, `DELETE FROM image_tags WHERE image_id = ?`, id); err != nil {
				return err
			}
			if err := insertTags(ctx, tx, id, *u.Tags); err != nil {
				return err
			}
		}
		if u.KeyTags != nil {
			if _, err := tx.ExecContext(ctx, `DELETE FROM image_key_tags WHERE image_id = ?`, id); err != nil {
				return err
			}
			if err := insertKeyTags(ctx, tx, id, *u.KeyTags); err != nil {
				return err
			}
		}
		im, err = findImage(ctx, tx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return im, nil
}

// checkTextQuota refuses, rolling the transaction back, an update that
// grew the texts of owner's image id (before bytes before it) and took
// the owner's total over q.MaxTextBytes. The owner's total is read only
// when the image grew.
func checkTextQuota(ctx context.Context, tx *sql.Tx, id string, owner, before int64, q imageshare.Quota) error {
	if q.MaxTextBytes <= 0 || owner == 0 {
		return nil
	}
	var after int64
	if err := tx.QueryRowContext(ctx, sqlstore.ImageTextBytesQuery, id).Scan(&after, &owner); err != nil {
		return err
	}
	if after <= before {
		return nil
	}
	var u sqlstore.Usage
	if err := u.Scan(tx.QueryRowContext(ctx, sqlstore.OwnerUsageQuery, owner).Scan); err != nil {
		return err
	}
	return sqlstore.CheckTextQuota(q, u.TextBytes, u.TextBytes-(after-before))
}

// DeleteImage implements imageshare.Store. The status and "is it
// shared?" checks and the delete run in one transaction on the single
// writer connection, so no share change of the image, and no status
// change, can commit between them.
func (s *Store) DeleteImage(ctx context.Context, id string, force bool) error {
	return s.writeTx(ctx, "sqlite.DeleteImage", func(tx *sql.Tx) error {
		var status string
		var shared, inUse bool
		err := tx.QueryRowContext(ctx, `SELECT status, is_public OR EXISTS (SELECT 1 FROM shares WHERE image_id = ?),
EXISTS (SELECT 1 FROM instances WHERE image_id = ?) FROM images WHERE id = ?`, id, id, id).Scan(&status, &shared, &inUse)
		if errors.Is(err, sql.ErrNoRows) {
			return sqlstore.ImageNotFound(id)
		}
		if err != nil {
			return err
		}
		if imageshare.ImageStatus(status) == imageshare.StatusMaking {
			return sqlstore.ImageCreating(id)
		}
		if shared && !force {
			return sqlstore.ImageShared(id)
		}
		if inUse && !force {
			return sqlstore.ImageInUse(id)
		}
		// The foreign keys cascade too; deleting explicitly keeps the
		// contract independent of the foreign_keys pragma.
		if _, err := tx.ExecContext(ctx, `DELETE FROM shares WHERE image_id = ?`, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM image_tags WHERE image_id = ?`, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM image_key_tags WHERE image_id = ?`, id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM images WHERE id = ?`, id)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n == 0 {
			return sqlstore.ImageNotFound(id)
		}
		return nil
	})
}
