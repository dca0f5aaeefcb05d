package sqlstore

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/imageshare/imageshare"
)

// ImageColumns are the images columns ScanImage reads, in order. Each
// store follows them with its own expression of the image's tags in
// position order (a JSON array in SQLite, a text[] in PostgreSQL).
const ImageColumns = `id, region, COALESCE(owner_id, 0), type, status, name, description, size_mb, created_at,
	readme, cover, author, auth_info, auto_start, container, image_charge, price, is_official, visibility,
	softwares, source_gpu_type, source_instance, failed_reason, group_id, version_name, version_desc,
	created_count, favorites_count, image_use_time, published_at, is_public, os_name, os_type,
	build_started_at, build_done_at,
	os_name_en, os_version, os_lang, platform, architecture, boot_mode, image_family, image_version,
	is_support_io_optimized, is_support_cloudinit,
	EXISTS (SELECT 1 FROM shares WHERE image_id = images.id),
	EXISTS (SELECT 1 FROM instances WHERE image_id = images.id)`

// KeyTagInsert inserts one key/value tag of an image.
const KeyTagInsert = `INSERT INTO image_key_tags (image_id, tag_key, tag_value) VALUES (?, ?, ?)`

// ScanImage reads an image selected with ImageColumns, then the tags
// expression into tags, the key tags (a JSON array of [key, value]
// pairs, each store's own expression) and any extra columns into extra;
// the store decodes the tags it scanned.
func ScanImage(row Row, tags any, extra ...any) (*imageshare.Image, error) {
	var im imageshare.Image
	var created, published, buildStarted, buildDone int64
	var typ, status, softwares, keyTags string
	dest := []any{&im.ID, &im.Region, &im.OwnerID, &typ, &status, &im.Name, &im.Description, &im.SizeMB, &created,
		&im.Readme, &im.Cover, &im.Author, &im.AuthInfo, &im.AutoStart, &im.Container, &im.ImageCharge, &im.Price, &im.IsOfficial, &im.Visibility,
		&softwares, &im.SourceGPUType, &im.SourceInstance, &im.FailedReason, &im.GroupID, &im.VersionName, &im.VersionDesc,
		&im.CreatedCount, &im.FavoritesCount, &im.ImageUseTime, &published, &im.IsPublic, &im.OSName, &im.OSType,
		&buildStarted, &buildDone,
		&im.OSNameEn, &im.OSVersion, &im.OSLang, &im.Platform, &im.Architecture, &im.BootMode, &im.ImageFamily, &im.ImageVersion,
		&im.IsSupportIoOptimized, &im.IsSupportCloudinit, &im.HasShares, &im.InUse, tags, &keyTags}
	if err := row.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	im.Type, im.Status = imageshare.ImageType(typ), imageshare.ImageStatus(status)
	im.CreatedAt = FromNanos(created)
	im.PublishedAt = FromNanos(published)
	im.BuildStartedAt = FromNanos(buildStarted)
	im.BuildDoneAt = FromNanos(buildDone)
	if err := json.Unmarshal([]byte(softwares), &im.Softwares); err != nil {
		return nil, fmt.Errorf("image %q softwares: %w", im.ID, err)
	}
	var pairs [][2]string
	if err := json.Unmarshal([]byte(keyTags), &pairs); err != nil {
		return nil, fmt.Errorf("image %q key tags: %w", im.ID, err)
	}
	im.KeyTags = make([]imageshare.Tag, len(pairs))
	for i, p := range pairs {
		im.KeyTags[i] = imageshare.Tag{Key: p[0], Value: p[1]}
	}
	return &im, nil
}

// ImageInsertColumns are the images columns ImageValues gives values
// for, in order.
const ImageInsertColumns = `id, region, owner_id, type, status, name, name_fold, description, size_mb, created_at,
	readme, cover, author, auth_info, auto_start, container, image_charge, price, is_official, visibility,
	softwares, source_gpu_type, source_instance, failed_reason, group_id, version_name, version_desc,
	created_count, favorites_count, image_use_time, published_at, is_public, os_name, os_type,
	build_started_at, build_done_at,
	os_name_en, os_version, os_lang, platform, architecture, boot_mode, image_family, image_version,
	is_support_io_optimized, is_support_cloudinit`

// ImageInsertCount is the number of ImageInsertColumns.
const ImageInsertCount = 46

// ImageValues returns im's values for ImageInsertColumns. The platform
// owner 0 is NULL (see the stores' first migration); booleans are Go
// bools, which SQLite's driver binds as 1 and 0.
func ImageValues(im *imageshare.Image) ([]any, error) {
	softwares, err := json.Marshal(im.Softwares)
	if err != nil {
		return nil, err
	}
	var owner any
	if im.OwnerID != 0 {
		owner = im.OwnerID
	}
	return []any{im.ID, im.Region, owner, string(im.Type), string(im.Status), im.Name, Fold(im.Name), im.Description, im.SizeMB, Nanos(im.CreatedAt),
		im.Readme, im.Cover, im.Author, im.AuthInfo, im.AutoStart, im.Container, im.ImageCharge, im.Price, im.IsOfficial, im.Visibility,
		string(softwares), im.SourceGPUType, im.SourceInstance, im.FailedReason, im.GroupID, im.VersionName, im.VersionDesc,
		im.CreatedCount, im.FavoritesCount, im.ImageUseTime, Nanos(im.PublishedAt), im.IsPublic, im.OSName, im.OSType,
		Nanos(im.BuildStartedAt), Nanos(im.BuildDoneAt),
		im.OSNameEn, im.OSVersion, im.OSLang, im.Platform, im.Architecture, im.BootMode, im.ImageFamily, im.ImageVersion,
		im.IsSupportIoOptimized, im.IsSupportCloudinit}, nil
}

// Placeholders returns the markers of n arguments numbered from first,
// comma-separated.
func Placeholders(ph Placeholder, first, n int) string {
	marks := make([]string, n)
	for i := range marks {
		marks[i] = ph(first + i)
	}
	return strings.Join(marks, ", ")
}

// ImageConflict says an image with id exists already.
func ImageConflict(id string) *imageshare.Error {
	return imageshare.Errorf(imageshare.KindConflict, imageshare.ReasonImageConflict, "image %q already exists", id)
}
