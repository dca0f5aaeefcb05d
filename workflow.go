package imageshare

import "context"

// The image workflow around a share, as the Alibaba and Baidu dialects
// drive it (docs/aliyun.md, docs/baidu.md): make an image from an
// instance or a snapshot, change it, tag it, copy it to another region,
// find it again. Every rule is the core's; a dialect decodes its vendor's
// parameters, checks what only its vendor documents (name rules), and
// answers in its vendor's terms.

// Bounds on key tags (Alibaba's documented limits, which BCC's are
// within): at most MaxKeyTags per resource, keys and values of at most
// MaxTagKeyRunes and MaxTagValueRunes characters.
const (
	MaxKeyTags       = 20
	MaxTagKeyRunes   = 128
	MaxTagValueRunes = 128
)

// ReasonSnapshotNotFound: a snapshot id that does not exist or is not the
// caller's (KindNotFound). Snapshots are not modelled yet, so every id is
// answered with it (docs/aliyun.md "CreateImage").
const ReasonSnapshotNotFound Reason = "SnapshotNotFound"

// ReasonTagQuota: the change would leave a resource with more than
// MaxKeyTags tags (KindLimitExceeded); nothing was changed.
const ReasonTagQuota Reason = "TagQuota"

// ReasonCopyFinished: a cancel named a copy that is no longer being made
// (KindConflict): it finished, or the image is not being made at all.
const ReasonCopyFinished Reason = "CopyFinished"

// MakeImageRequest asks for a custom image of the caller made from one
// of its instances (InstanceID) or snapshots (SnapshotID), in Region.
type MakeImageRequest struct {
	Region      string
	InstanceID  string
	SnapshotID  string
	Name        string
	Description string
	// OS facts the caller declares; empty: the defaults (linux, x86_64).
	ImageFamily, ImageVersion, Architecture, Platform, BootMode string
	KeyTags                                                     []Tag
	// Scope and ClientToken make the call idempotent (see the core's
	// idempotency): Scope names the vendor's action ("ecs:CreateImage").
	Scope       string
	ClientToken string
	// DryRun runs every check and makes nothing (the result is nil).
	DryRun bool
}

// ImageChange changes the caller's custom image; nil fields are left alone.
type ImageChange struct {
	Name        *string
	Description *string
	ImageFamily *string
	BootMode    *string
	// Deprecated true deprecates an Available image (Alibaba's
	// Status=Deprecated: still listed, not launchable by others), false
	// makes a deprecated one Available again.
	Deprecated *bool
	DryRun     bool
}

// TagChange adds (or overwrites) and removes key tags of an image the
// caller owns. Remove names keys; RemoveAll removes every tag.
type TagChange struct {
	Set       []Tag
	Remove    []string
	RemoveAll bool
	DryRun    bool
}

// CopyImageRequest copies an image the caller may copy (its own custom
// image, or one shared with it explicitly) from Region to each of
// DestRegions, as new custom images of the caller.
type CopyImageRequest struct {
	ImageID     string
	Region      string
	DestRegions []string
	// Name of the copies; empty: the source's name. A name that would be
	// the same for several copies gets the region appended (names are
	// unique among the caller's custom images).
	Name        string
	Description *string // nil: the source's
	KeyTags     []Tag
	Scope       string
	ClientToken string
	DryRun      bool
}

// WorkflowService is the image workflow a tenant drives; it is part of
// Service. Image arguments follow Service's not-found rule.
type WorkflowService interface {
	// MakeImage makes a custom image: Making, then Available after the
	// build duration. Returns KindNotFound (ReasonInstanceNotFound,
	// ReasonSnapshotNotFound) for a source that is not the caller's in
	// r.Region, KindConflict (ReasonDuplicateName) for a taken name,
	// (ReasonIdempotentMismatch) for a reused token, and
	// KindLimitExceeded (ReasonAccountQuota, ReasonTagQuota).
	MakeImage(ctx context.Context, c Caller, r MakeImageRequest) (*Image, error)
	// ChangeImage changes the caller's custom image. A rename to a name
	// the caller's other custom image has is KindConflict
	// (ReasonDuplicateName); deprecating an image that is not Available
	// is KindConflict (ReasonImageNotAvailable or ReasonImageCreating).
	ChangeImage(ctx context.Context, c Caller, imageID, region string, ch ImageChange) (*Image, error)
	// ChangeImageTags changes the key tags of the caller's image.
	// Returns KindLimitExceeded (ReasonTagQuota) past MaxKeyTags and
	// KindInvalid for a bad key or value.
	ChangeImageTags(ctx context.Context, c Caller, imageID, region string, ch TagChange) (*Image, error)
	// CopyImage makes the copies, each Making then Available, with the
	// source's OS facts; shares are not copied. Returns KindForbidden
	// (ReasonNotCustomImage) for an image the caller sees but may not
	// copy (platform, community, or another account's public image),
	// KindConflict (ReasonImageCreating, ReasonImageNotAvailable) unless
	// the source is Available, KindInvalid (ReasonRegionNotFound) for a
	// destination not served.
	CopyImage(ctx context.Context, c Caller, r CopyImageRequest) ([]*Image, error)
	// CancelCopyImage removes the caller's image while it is still being
	// made (a copy in progress). Returns KindConflict (ReasonCopyFinished)
	// once it is made.
	CancelCopyImage(ctx context.Context, c Caller, imageID, region string, dryRun bool) error
	// ImageFromFamily returns the newest Available, not deprecated image
	// of the family in region that the caller may use: its own, one
	// shared with it, a public one or a platform image. KindNotFound
	// (ReasonImageNotFound) when there is none.
	ImageFromFamily(ctx context.Context, c Caller, region, family string) (*Image, error)
	// ImageSourceInstance returns the caller's instance in region (when
	// given), from which images are made (BCC's GetImageOS).
	// KindNotFound (ReasonInstanceNotFound) otherwise.
	ImageSourceInstance(ctx context.Context, c Caller, instanceID, region string) (*Instance, error)
}

// ReasonInvalidTagKey and ReasonInvalidTagValue: a key tag's key or value
// breaks the tag rules (KindInvalid): empty key, too long, a reserved
// prefix (docs/aliyun.md "Tags").
const (
	ReasonInvalidTagKey   Reason = "InvalidTagKey"
	ReasonInvalidTagValue Reason = "InvalidTagValue"
)
