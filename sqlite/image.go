package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"imageshare"
	"imageshare/internal/sqlstore"
)

// imageColumns are the images columns in the order scanImage reads them,
// followed by the tags in position order as a JSON array. The tags are
// aggregated from a subquery that reads them in primary-key order:
// json_group_array(tag ORDER BY position) sorts in a temporary B-tree,
// whose pager is opened and freed for every image read (half of a hot
// read's CPU went to that).
const imageColumns = `id, region, COALESCE(owner_id, 0), type, status, name, description, size_mb, created_at,
	readme, cover, author, auth_info, auto_start, container, image_charge, price, is_official, visibility,
	softwares, source_gpu_type, source_instance, failed_reason, group_id, version_name, version_desc,
	created_count, favorites_count, image_use_time, published_at, is_public, os_name, os_type,
	build_started_at, build_done_at,
	(SELECT json_group_array(tag) FROM (SELECT tag FROM image_tags WHERE image_id = images.id ORDER BY position))`

type scanner interface{ Scan(...any) error }

// querier is what both *sql.Tx and *sql.DB offer.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func scanImage(row scanner, extra ...any) (*imageshare.Image, error) {
	var im imageshare.Image
	var created, published, buildStarted, buildDone int64
	var softwares, tags string
	dest := []any{&im.ID, &im.Region, &im.OwnerID, &im.Type, &im.Status, &im.Name, &im.Description, &im.SizeMB, &created,
		&im.Readme, &im.Cover, &im.Author, &im.AuthInfo, &im.AutoStart, &im.Container, &im.ImageCharge, &im.Price, &im.IsOfficial, &im.Visibility,
		&softwares, &im.SourceGPUType, &im.SourceInstance, &im.FailedReason, &im.GroupID, &im.VersionName, &im.VersionDesc,
		&im.CreatedCount, &im.FavoritesCount, &im.ImageUseTime, &published, &im.IsPublic, &im.OSName, &im.OSType,
		&buildStarted, &buildDone, &tags}
	err := row.Scan(append(dest, extra...)...)
	if err != nil {
		return nil, err
	}
	im.CreatedAt = sqlstore.FromNanos(created)
	im.PublishedAt = sqlstore.FromNanos(published)
	im.BuildStartedAt = sqlstore.FromNanos(buildStarted)
	im.BuildDoneAt = sqlstore.FromNanos(buildDone)
	if err := json.Unmarshal([]byte(softwares), &im.Softwares); err != nil {
		return nil, fmt.Errorf("image %q softwares: %w", im.ID, err)
	}
	im.Tags = []string{}
	if err := json.Unmarshal([]byte(tags), &im.Tags); err != nil {
		return nil, fmt.Errorf("image %q tags: %w", im.ID, err)
	}
	return &im, nil
}

// ownerArg stores the platform owner 0 as NULL (see the migration).
func ownerArg(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// CreateImage implements imageshare.Store.
func (s *Store) CreateImage(ctx context.Context, im *imageshare.Image) error {
	return s.writeTx(ctx, "sqlite.CreateImage", func(tx *sql.Tx) error {
		return insertImage(ctx, tx, im)
	})
}

// insertImage inserts im and its tags inside tx.
func insertImage(ctx context.Context, tx *sql.Tx, im *imageshare.Image) error {
	softwares, err := json.Marshal(im.Softwares)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO images (id, region, owner_id, type, status, name, name_fold, description, size_mb, created_at,
	readme, cover, author, auth_info, auto_start, container, image_charge, price, is_official, visibility,
	softwares, source_gpu_type, source_instance, failed_reason, group_id, version_name, version_desc,
	created_count, favorites_count, image_use_time, published_at, is_public, os_name, os_type,
	build_started_at, build_done_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		im.ID, im.Region, ownerArg(im.OwnerID), string(im.Type), string(im.Status), im.Name, fold(im.Name), im.Description, im.SizeMB, sqlstore.Nanos(im.CreatedAt),
		im.Readme, im.Cover, im.Author, im.AuthInfo, boolInt(im.AutoStart), boolInt(im.Container), boolInt(im.ImageCharge), im.Price, boolInt(im.IsOfficial), im.Visibility,
		string(softwares), im.SourceGPUType, im.SourceInstance, im.FailedReason, im.GroupID, im.VersionName, im.VersionDesc,
		im.CreatedCount, im.FavoritesCount, im.ImageUseTime, sqlstore.Nanos(im.PublishedAt), boolInt(im.IsPublic), im.OSName, im.OSType,
		sqlstore.Nanos(im.BuildStartedAt), sqlstore.Nanos(im.BuildDoneAt))
	if err != nil {
		return constraintError(err,
			imageshare.Errorf(imageshare.KindConflict, imageshare.ReasonImageConflict, "image %q already exists", im.ID),
			sqlstore.AccountNotFound("id", im.OwnerID))
	}
	return insertTags(ctx, tx, im.ID, im.Tags)
}

// fold is the case-folded form of a name that NameContains compares.
func fold(s string) string { return strings.ToLower(s) }

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

// imageWhere translates f into a WHERE clause (with its leading keyword, or
// empty) and its arguments.
func imageWhere(f imageshare.ImageFilter) (string, []any, error) {
	var conds []string
	var args []any
	add := func(cond string, a ...any) {
		conds = append(conds, cond)
		args = append(args, a...)
	}
	switch f.Scope {
	case imageshare.ScopeAll:
	case imageshare.ScopeOwned:
		add(`owner_id = ?`, f.AccountID)
	case imageshare.ScopeShared:
		add(`id IN (SELECT image_id FROM shares WHERE account_id = ?)`, f.AccountID)
	case imageshare.ScopePlatform:
		add(`type IN (?, ?)`, string(imageshare.ImageSystem), string(imageshare.ImageApp))
	default:
		return "", nil, imageshare.Errorf(imageshare.KindInvalid, imageshare.ReasonInvalidParameter, "unknown image scope %d", f.Scope)
	}
	if len(f.IDs) > 0 {
		add(`id IN (SELECT value FROM json_each(?))`, jsonArray(f.IDs))
	}
	if f.Region != "" {
		add(`region = ?`, f.Region)
	}
	if len(f.Types) > 0 {
		add(`type IN (SELECT value FROM json_each(?))`, jsonArray(f.Types))
	}
	if len(f.Statuses) > 0 {
		add(`status IN (SELECT value FROM json_each(?))`, jsonArray(f.Statuses))
	}
	if f.NameContains != "" {
		add(`name_fold LIKE ? ESCAPE '\'`, "%"+escapeLike(fold(f.NameContains))+"%")
	}
	if f.NameExact != "" {
		add(`name = ?`, f.NameExact)
	}
	if f.Tag != "" {
		add(`id IN (SELECT image_id FROM image_tags WHERE tag = ?)`, f.Tag)
	}
	if f.Author != "" {
		add(`author = ?`, f.Author)
	}
	if len(conds) == 0 {
		return "", nil, nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args, nil
}

// escapeLike makes every byte of s match itself in a LIKE pattern that
// uses ESCAPE '\'.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// FindImages implements imageshare.Store.
func (s *Store) FindImages(ctx context.Context, f imageshare.ImageFilter) ([]*imageshare.Image, int, error) {
	where, args, err := imageWhere(f)
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
	var sets []string
	var args []any
	set := func(col string, v any) {
		sets = append(sets, col+" = ?")
		args = append(args, v)
	}
	if u.Name != nil {
		set("name", *u.Name)
		set("name_fold", fold(*u.Name))
	}
	if u.Description != nil {
		set("description", *u.Description)
	}
	if u.Readme != nil {
		set("readme", *u.Readme)
	}
	if u.Cover != nil {
		set("cover", *u.Cover)
	}
	if u.Visibility != nil {
		set("visibility", *u.Visibility)
	}
	if u.Softwares != nil {
		b, err := json.Marshal(*u.Softwares)
		if err != nil {
			return nil, imageshare.Internal("sqlite.UpdateImage", err)
		}
		set("softwares", string(b))
	}
	if u.Status != nil {
		set("status", string(*u.Status))
	}
	if u.IsPublic != nil {
		set("is_public", boolInt(*u.IsPublic))
	}
	if u.SizeMB != nil {
		set("size_mb", *u.SizeMB)
	}
	if u.BuildDoneAt != nil {
		set("build_done_at", sqlstore.Nanos(*u.BuildDoneAt))
	}
	var im *imageshare.Image
	err := s.writeTx(ctx, "sqlite.UpdateImage", func(tx *sql.Tx) error {
		var exists int
		err := tx.QueryRowContext(ctx, `SELECT count(*) FROM images WHERE id = ?`, id).Scan(&exists)
		if err != nil {
			return err
		}
		if exists == 0 {
			return sqlstore.ImageNotFound(id)
		}
		if len(sets) > 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE images SET `+strings.Join(sets, ", ")+` WHERE id = ?`, append(args, id)...); err != nil {
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
		im, err = findImage(ctx, tx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return im, nil
}

// DeleteImage implements imageshare.Store. The "is it shared?" check and
// the delete run in one transaction on the single writer connection, so
// no share change of the image can commit between them.
func (s *Store) DeleteImage(ctx context.Context, id string, force bool) error {
	return s.writeTx(ctx, "sqlite.DeleteImage", func(tx *sql.Tx) error {
		if !force {
			var shared bool
			err := tx.QueryRowContext(ctx, `SELECT is_public OR EXISTS (SELECT 1 FROM shares WHERE image_id = ?) FROM images WHERE id = ?`, id, id).Scan(&shared)
			if errors.Is(err, sql.ErrNoRows) {
				return sqlstore.ImageNotFound(id)
			}
			if err != nil {
				return err
			}
			if shared {
				return sqlstore.ImageShared(id)
			}
		}
		// The foreign keys cascade too; deleting explicitly keeps the
		// contract independent of the foreign_keys pragma.
		if _, err := tx.ExecContext(ctx, `DELETE FROM shares WHERE image_id = ?`, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM image_tags WHERE image_id = ?`, id); err != nil {
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
