package sqlstore

import (
	"fmt"

	"github.com/imageshare/imageshare"
)

// TextBytes is the bytes of an image row's texts, the columns
// imageshare.TextBytesOf counts. octet_length reads a value's length
// without its content on both databases (SQLite from the record header,
// PostgreSQL from the TOAST header), so summing it over an owner's images
// does not read their readmes and covers.
const TextBytes = `octet_length(name) + octet_length(description) + octet_length(readme) + octet_length(cover) + octet_length(version_desc)`

// OwnerUsageQuery returns an owner's Custom images, Community images and
// bytes of image texts, the three things imageshare.Quota bounds. The
// owner's rows are found by the images_owner index.
const OwnerUsageQuery = `SELECT
	count(CASE WHEN type = 'Custom' THEN 1 END),
	count(CASE WHEN type = 'Community' THEN 1 END),
	coalesce(sum(` + TextBytes + `), 0)
FROM images WHERE owner_id = ?`

// ImageTextBytesQuery returns one image's bytes of texts and its owner.
const ImageTextBytesQuery = `SELECT ` + TextBytes + `, owner_id FROM images WHERE id = ?`

// Usage is what an account keeps, as OwnerUsageQuery reads it.
type Usage struct {
	CustomImages, CommunityVersions int
	TextBytes                       int64
}

// Scan reads OwnerUsageQuery's row.
func (u *Usage) Scan(scan func(dest ...any) error) error {
	return scan(&u.CustomImages, &u.CommunityVersions, &u.TextBytes)
}

// CheckQuota is the error for an owner whose usage, read after a create
// in the create's transaction, is over q (a zero field is no bound); the
// caller then rolls the create back. Only what the create added is
// checked: a Custom image is not refused for the owner's versions.
func CheckQuota(q imageshare.Quota, t imageshare.ImageType, u Usage) error {
	switch {
	case t == imageshare.ImageCustom && q.MaxCustomImages > 0 && u.CustomImages > q.MaxCustomImages:
		return quotaError("an account may have at most %d custom images", q.MaxCustomImages)
	case t == imageshare.ImageCommunity && q.MaxCommunityVersions > 0 && u.CommunityVersions > q.MaxCommunityVersions:
		return quotaError("an account may have at most %d community versions", q.MaxCommunityVersions)
	}
	return CheckTextQuota(q, u.TextBytes, 0)
}

// CheckTextQuota is the error for an owner whose images' texts total after
// bytes, over q.MaxTextBytes, after a change from before bytes: a change
// that does not grow them is never refused, so an account over a lowered
// quota can still shrink its texts.
func CheckTextQuota(q imageshare.Quota, after, before int64) error {
	if q.MaxTextBytes > 0 && after > q.MaxTextBytes && after > before {
		return quotaError("an account's image texts (names, descriptions, readmes, covers) may total at most %d bytes", q.MaxTextBytes)
	}
	return nil
}

func quotaError(format string, args ...any) error {
	return imageshare.Errorf(imageshare.KindLimitExceeded, imageshare.ReasonAccountQuota, "%s", fmt.Sprintf(format, args...))
}
