package imageshare

import "context"

// LifecycleService is the custom-image lifecycle a tenant drives; it is
// part of Service. Every image argument follows Service's not-found rule:
// an image that does not exist, is not the caller's or is in another
// region (when region is given) is KindNotFound (ReasonImageNotFound).
type LifecycleService interface {
	// CreateCustomImage makes a custom image from one of the caller's
	// instances. It starts Making and becomes Available when its build is
	// done. Returns KindNotFound (ReasonInstanceNotFound) if the instance
	// does not exist, is not the caller's or is not in r.Region,
	// KindConflict (ReasonDuplicateName) if the caller has a custom image of
	// that name, and KindInvalid for a missing or oversized input.
	CreateCustomImage(ctx context.Context, c Caller, r CustomImageRequest) (*Image, error)
	// ImageBuildProgress reports how far the build of the caller's custom
	// image is. Returns KindForbidden (ReasonNotCustomImage) for an image
	// of another type.
	ImageBuildProgress(ctx context.Context, c Caller, imageID, region string) (*BuildProgress, error)
	// EditImage changes the caller's custom image or community version.
	// Returns KindInvalid for out-of-range input (more than MaxImageTags
	// tags, a Visibility other than 0 or 1, oversized text).
	EditImage(ctx context.Context, c Caller, imageID, region string, e ImageEdit) (*Image, error)
	// CopyCustomImage copies the caller's Available custom image to a new
	// custom image named name ("" means the source's name plus "-copy"),
	// which builds like a new image. Shares and the version group are not
	// copied. Returns KindForbidden (ReasonNotCustomImage) for another type,
	// KindConflict (ReasonImageNotAvailable) while the source is not
	// Available and KindConflict (ReasonDuplicateName) for a taken name.
	CopyCustomImage(ctx context.Context, c Caller, imageID, region, name string) (*Image, error)
	// TerminateCustomImage deletes the caller's custom image and its
	// shares. Community versions published from it are images of their own
	// and stay as they are. Returns KindForbidden (ReasonNotCustomImage)
	// for another type.
	TerminateCustomImage(ctx context.Context, c Caller, imageID, region string) error
}

// CommunityService is the community catalog as a tenant sees it; it is
// part of Service.
type CommunityService interface {
	// PublishImage adds a Reviewing version of the caller's custom image
	// to a version group (see PublishRequest) and returns it. Returns
	// KindForbidden (ReasonNotCustomImage) for an image of another type,
	// KindConflict (ReasonImageNotAvailable) unless the image is Available,
	// KindNotFound (ReasonGroupNotFound) for a GroupID that is not one of
	// the caller's groups, KindConflict (ReasonDuplicateName) for a version
	// name the group already has, and KindInvalid for bad input (a price
	// below 0, above MaxPrice or with more than two decimals, too many tags).
	PublishImage(ctx context.Context, c Caller, r PublishRequest) (*Image, error)
	// CommunityImages lists the public catalog of f.Region (Available
	// versions with Visibility 1), one version per entry. The core sets the
	// status and visibility filters and bounds the page (Limit 0 means
	// DefaultCommunityLimit, at most MaxCommunityLimit).
	CommunityImages(ctx context.Context, c Caller, f CommunityFilter) ([]*Image, int, error)
	// CommunityGroups lists the public catalog of f.Region grouped by
	// version group, with the same rules as CommunityImages.
	CommunityGroups(ctx context.Context, c Caller, f CommunityFilter) (*VersionGroupList, error)
	// SelfCommunityGroups lists the caller's own versions of f.Region in
	// every state (or f.Statuses), grouped by version group.
	SelfCommunityGroups(ctx context.Context, c Caller, f CommunityFilter) (*VersionGroupList, error)
	// CatalogTags lists the tags in use in the region's catalog and
	// platform images, at most MaxCatalogTags.
	CatalogTags(ctx context.Context, c Caller, region string) ([]string, error)
}

// CommunityOperator is what an operator does to every tenant's records:
// record instances and review community versions. It is not part of
// Service, so no dialect can reach it; the admin API and the CLI call it.
type CommunityOperator interface {
	// CreateInstance records an instance. An empty ID gets a fresh one.
	// Returns KindNotFound (ReasonAccountNotFound) for an unknown owner,
	// KindInvalid (ReasonRegionNotFound) for a region not served here and
	// KindConflict for a taken id.
	CreateInstance(ctx context.Context, in *Instance) (*Instance, error)
	// ReviewQueue lists versions of every tenant matching f; with no
	// Statuses it lists the Reviewing ones, oldest submission first.
	ReviewQueue(ctx context.Context, f CommunityFilter) ([]*Image, int, error)
	// ReviewVersion approves (Available, published now) or rejects
	// (UnAvailable, with the reason) a Reviewing version. Returns
	// KindNotFound (ReasonVersionNotFound) if no community version has that
	// id and KindConflict (ReasonImageNotAvailable) if it is not Reviewing.
	ReviewVersion(ctx context.Context, versionID string, d ReviewDecision) (*Image, error)
	// SetVersionOnline takes an Available version Offline (online false) or
	// an Offline one back to Available, with ReviewVersion's errors for a
	// version in any other state.
	SetVersionOnline(ctx context.Context, versionID string, online bool) (*Image, error)
}
