package imageshare

import (
	"context"
	"time"
)

// CommunityStore is the part of Store that keeps the custom-image
// lifecycle and the community catalog. Its methods follow Store's rules:
// one transaction each, no business rules beyond the integrity the data
// needs.
type CommunityStore interface {
	// CreateCustomImage inserts im, a Custom image, unless its owner
	// already has a Custom image named im.Name (compared exactly); the check
	// and the insert are one transaction. Returns KindConflict
	// (ReasonDuplicateName) for a taken name, KindConflict
	// (ReasonImageConflict) for a taken id and KindNotFound
	// (ReasonAccountNotFound) if the owner does not exist. If the owner
	// would then have more Custom images than q.MaxCustomImages, or more
	// bytes of image texts than q.MaxTextBytes, it fails with
	// KindLimitExceeded (ReasonAccountQuota), inserting nothing: checked in
	// the same transaction, so concurrent creates cannot pass the quota
	// together.
	CreateCustomImage(ctx context.Context, im *Image, q Quota) error

	// FinishBuilds marks Available every Making image whose BuildDoneAt is
	// at or before now (a zero BuildDoneAt counts as due), at most limit of
	// them (limit <= 0: all), and returns their ids. Each change is
	// conditional on the status still being Making, so every build is
	// finished by exactly one call, however many processes share the store.
	FinishBuilds(ctx context.Context, now time.Time, limit int) ([]string, error)

	// ChangeImageStatus sets the image's status to c.To, with c's other
	// fields, if its status is one of c.From, and returns the changed image.
	// Returns KindNotFound (ReasonImageNotFound) if the image does not exist
	// and KindConflict (ReasonImageNotAvailable) if its status is not in
	// c.From; then nothing changes.
	ChangeImageStatus(ctx context.Context, c StatusChange) (*Image, error)

	// CreateVersion inserts v, a Community image whose GroupID is set, and
	// records v.GroupID as the GroupID of the image sourceID, in one
	// transaction. Returns KindNotFound (ReasonImageNotFound) if sourceID
	// does not exist, KindConflict (ReasonDuplicateName) if the group
	// already has a Community image whose VersionName is v.VersionName,
	// KindConflict (ReasonImageConflict) for a taken id and KindNotFound
	// (ReasonAccountNotFound) if the owner does not exist. Like
	// CreateCustomImage it fails with KindLimitExceeded
	// (ReasonAccountQuota), in the same transaction, if the owner would have
	// more Community images than q.MaxCommunityVersions or more bytes of
	// image texts than q.MaxTextBytes.
	CreateVersion(ctx context.Context, v *Image, sourceID string, q Quota) error

	// FindCommunityImages returns the Community images matching f, ordered
	// by f.Sort, and the number matching before paging. Name and Fuzzy
	// match case-insensitively (Unicode case folding) anywhere in the name
	// (and author), backed by an index: a store must not scan the catalog
	// to answer them. A query of one or two characters, too short for a
	// substring index, matches the start of a word instead; one without a
	// letter or digit matches nothing.
	FindCommunityImages(ctx context.Context, f CommunityFilter) ([]*Image, int, error)

	// FindVersionGroups groups the Community images matching f by GroupID
	// (an image without one is a group of its own), and returns the page
	// f.Page of groups ordered by f.Sort applied to each group's matching
	// versions: the latest PubTime (then creation time) or CreateTime, the
	// lowest Price, or the sum of a count; ties by group id ascending.
	FindVersionGroups(ctx context.Context, f CommunityFilter) (*VersionGroupList, error)

	// ListCatalogTags returns the distinct tags of the region's catalog
	// (Community images that are Available with Visibility 1) and of every
	// platform (System and App) image of the region, in byte order, at most
	// limit of them.
	ListCatalogTags(ctx context.Context, region string, limit int) ([]string, error)
}
