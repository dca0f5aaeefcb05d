package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"imageshare"
	"imageshare/internal/sqlstore"
)

// imageColumns are the images columns in the order scanImage reads them,
// followed by the tags in position order.
const imageColumns = `id, region, COALESCE(owner_id, 0), type, status, name, description, size_mb, created_at,
	readme, cover, author, auth_info, auto_start, container, image_charge, price, is_official, visibility,
	softwares, source_gpu_type, source_instance, failed_reason, group_id, version_name, version_desc,
	created_count, favorites_count, image_use_time, published_at, is_public, os_name, os_type,
	build_started_at, build_done_at,
	ARRAY(SELECT tag FROM image_tags WHERE image_id = images.id ORDER BY position)`

func scanImage(row pgx.Row) (*imageshare.Image, error) {
	var im imageshare.Image
	var created, published, buildStarted, buildDone int64
	var softwares, typ, status string
	err := row.Scan(&im.ID, &im.Region, &im.OwnerID, &typ, &status, &im.Name, &im.Description, &im.SizeMB, &created,
		&im.Readme, &im.Cover, &im.Author, &im.AuthInfo, &im.AutoStart, &im.Container, &im.ImageCharge, &im.Price, &im.IsOfficial, &im.Visibility,
		&softwares, &im.SourceGPUType, &im.SourceInstance, &im.FailedReason, &im.GroupID, &im.VersionName, &im.VersionDesc,
		&im.CreatedCount, &im.FavoritesCount, &im.ImageUseTime, &published, &im.IsPublic, &im.OSName, &im.OSType,
		&buildStarted, &buildDone, &im.Tags)
	if err != nil {
		return nil, err
	}
	im.Type, im.Status = imageshare.ImageType(typ), imageshare.ImageStatus(status)
	im.CreatedAt = sqlstore.FromNanos(created)
	im.PublishedAt = sqlstore.FromNanos(published)
	im.BuildStartedAt = sqlstore.FromNanos(buildStarted)
	im.BuildDoneAt = sqlstore.FromNanos(buildDone)
	if err := json.Unmarshal([]byte(softwares), &im.Softwares); err != nil {
		return nil, fmt.Errorf("image %q softwares: %w", im.ID, err)
	}
	if im.Tags == nil {
		im.Tags = []string{}
	}
	return &im, nil
}

// ownerArg stores the platform owner 0 as NULL (see the migration).
func ownerArg(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// fold is the case-folded form of a name that NameContains compares; it
// must stay the SQLite store's fold, so that moved data searches alike.
func fold(s string) string { return strings.ToLower(s) }

// CreateImage implements imageshare.Store.
func (s *Store) CreateImage(ctx context.Context, im *imageshare.Image) error {
	return s.inTx(ctx, "postgres.CreateImage", writeTx, func(tx pgx.Tx) error {
		return insertImage(ctx, tx, im)
	})
}

// insertImage inserts im, its derived search columns and its tags inside tx.
func insertImage(ctx context.Context, tx pgx.Tx, im *imageshare.Image) error {
	softwares, err := json.Marshal(im.Softwares)
	if err != nil {
		return err
	}
	args := []any{im.ID, im.Region, ownerArg(im.OwnerID), string(im.Type), string(im.Status), im.Name, fold(im.Name), im.Description, im.SizeMB, sqlstore.Nanos(im.CreatedAt),
		im.Readme, im.Cover, im.Author, im.AuthInfo, im.AutoStart, im.Container, im.ImageCharge, im.Price, im.IsOfficial, im.Visibility,
		string(softwares), im.SourceGPUType, im.SourceInstance, im.FailedReason, im.GroupID, im.VersionName, im.VersionDesc,
		im.CreatedCount, im.FavoritesCount, im.ImageUseTime, sqlstore.Nanos(im.PublishedAt), im.IsPublic, im.OSName, im.OSType,
		sqlstore.Nanos(im.BuildStartedAt), sqlstore.Nanos(im.BuildDoneAt)}
	args = append(args, searchValues(im.Name, im.Author)...)
	_, err = tx.Exec(ctx, `INSERT INTO images (id, region, owner_id, type, status, name, name_fold, description, size_mb, created_at,
	readme, cover, author, auth_info, auto_start, container, image_charge, price, is_official, visibility,
	softwares, source_gpu_type, source_instance, failed_reason, group_id, version_name, version_desc,
	created_count, favorites_count, image_use_time, published_at, is_public, os_name, os_type,
	build_started_at, build_done_at, `+searchColumnsSQL+`)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,
	$21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32, $33, $34, $35, $36, $37, $38, $39)`, args...)
	if err != nil {
		return constraintError(err,
			imageshare.Errorf(imageshare.KindConflict, imageshare.ReasonImageConflict, "image %q already exists", im.ID),
			sqlstore.AccountNotFound("id", im.OwnerID))
	}
	return insertTags(ctx, tx, im.ID, im.Tags)
}

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

// imageWhere translates f into a WHERE clause (with its leading keyword, or
// empty) and its arguments, numbered from $1.
func imageWhere(f imageshare.ImageFilter) (string, []any, error) {
	var conds []string
	var args []any
	// add appends cond with its "?" replaced by the next placeholder.
	add := func(cond string, arg any) {
		args = append(args, arg)
		conds = append(conds, strings.Replace(cond, "?", fmt.Sprintf("$%d", len(args)), 1))
	}
	switch f.Scope {
	case imageshare.ScopeAll:
	case imageshare.ScopeOwned:
		add(`owner_id = ?`, f.AccountID)
	case imageshare.ScopeShared:
		add(`id IN (SELECT image_id FROM shares WHERE account_id = ?)`, f.AccountID)
	case imageshare.ScopePlatform:
		add(`type = ANY(?::text[])`, []string{string(imageshare.ImageSystem), string(imageshare.ImageApp)})
	default:
		return "", nil, imageshare.Errorf(imageshare.KindInvalid, imageshare.ReasonInvalidParameter, "unknown image scope %d", f.Scope)
	}
	if len(f.IDs) > 0 {
		add(`id = ANY(?::text[])`, f.IDs)
	}
	if f.Region != "" {
		add(`region = ?`, f.Region)
	}
	if len(f.Types) > 0 {
		add(`type = ANY(?::text[])`, stringsOf(f.Types))
	}
	if len(f.Statuses) > 0 {
		add(`status = ANY(?::text[])`, stringsOf(f.Statuses))
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

func stringsOf[T ~string](values []T) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	return out
}

// escapeLike makes every character of s match itself in a LIKE pattern
// that uses ESCAPE '\'.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// FindImages implements imageshare.Store.
func (s *Store) FindImages(ctx context.Context, f imageshare.ImageFilter) ([]*imageshare.Image, int, error) {
	const op = "postgres.FindImages"
	where, args, err := imageWhere(f)
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
	var sets []string
	var args []any
	set := func(col string, v any) {
		args = append(args, v)
		sets = append(sets, fmt.Sprintf("%s = $%d", col, len(args)))
	}
	if u.Name != nil {
		set("name", *u.Name)
		set("name_fold", fold(*u.Name))
		set("name_keys", searchKeys(fold(*u.Name)))
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
			return nil, imageshare.Internal(op, err)
		}
		set("softwares", string(b))
	}
	if u.Status != nil {
		set("status", string(*u.Status))
	}
	if u.IsPublic != nil {
		set("is_public", *u.IsPublic)
	}
	if u.SizeMB != nil {
		set("size_mb", *u.SizeMB)
	}
	if u.BuildDoneAt != nil {
		set("build_done_at", sqlstore.Nanos(*u.BuildDoneAt))
	}
	var im *imageshare.Image
	err := s.inTx(ctx, op, writeTx, func(tx pgx.Tx) error {
		// The row lock orders this update with share changes and deletes
		// of the same image on every replica.
		if err := lockImage(ctx, tx, id); err != nil {
			return err
		}
		if len(sets) > 0 {
			q := fmt.Sprintf(`UPDATE images SET %s WHERE id = $%d`, strings.Join(sets, ", "), len(args)+1)
			if _, err := tx.Exec(ctx, q, append(args, id)...); err != nil {
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
		var err error
		im, err = findImage(ctx, tx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return im, nil
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
// (ON DELETE CASCADE), in the same statement. Without force, the
// transaction first locks the image's row, as ApplyShareChange does, so
// share changes through any replica either committed before the lock
// (and the DELETE, a later statement with a later READ COMMITTED
// snapshot, sees their shares) or wait for this transaction and then
// find no image.
func (s *Store) DeleteImage(ctx context.Context, id string, force bool) error {
	if force {
		return s.retry(ctx, "postgres.DeleteImage", func() error {
			tag, err := s.pool.Exec(ctx, `DELETE FROM images WHERE id = $1`, id)
			if err != nil {
				return err
			}
			if tag.RowsAffected() == 0 {
				return sqlstore.ImageNotFound(id)
			}
			return nil
		})
	}
	return s.inTx(ctx, "postgres.DeleteImage", writeTx, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		b.Queue(`SELECT id FROM images WHERE id = $1 FOR UPDATE`, id)
		b.Queue(`DELETE FROM images WHERE id = $1 AND NOT is_public
AND NOT EXISTS (SELECT 1 FROM shares WHERE image_id = $1)`, id)
		br := tx.SendBatch(ctx, b)
		err := readDeleteBatch(br, id)
		if closeErr := br.Close(); err == nil {
			err = closeErr
		}
		return err
	})
}

// readDeleteBatch reads DeleteImage's batch: no row locked is a missing
// image, a locked row the DELETE left is a shared one.
func readDeleteBatch(br pgx.BatchResults, id string) error {
	var found string
	if err := br.QueryRow().Scan(&found); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return sqlstore.ImageNotFound(id)
		}
		return err
	}
	tag, err := br.Exec()
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return sqlstore.ImageShared(id)
	}
	return nil
}
