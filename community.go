package imageshare

import (
	"time"
)

// The custom-image lifecycle and the community catalog.
//
// A custom image is made from an instance its owner runs: it starts Making
// and becomes Available when its build is done (BuildDoneAt). Publishing a
// custom image adds a community version: a new Image of type Community with
// its own id, in a version group (GroupID) that collects the publications of
// one lineage. A version starts Reviewing; an operator approves it
// (Available, the catalog shows it) or rejects it (UnAvailable, with the
// reason in FailedReason), and can take an approved version Offline and
// back. Only Available versions with Visibility 1 are in the public
// catalog; every other version is visible to its owner only.

// Reasons of the lifecycle and the catalog (see error.go for the others).
const (
	ReasonNotCustomImage Reason = "NotCustomImage"       // the operation needs a Custom image
	ReasonGroupNotFound  Reason = "VersionGroupNotFound" // no such version group of the caller's
)

// DefaultBuildDuration is how long a custom image build takes unless the
// deployment configures otherwise.
const DefaultBuildDuration = 3 * time.Second

// Bounds of the lifecycle and catalog inputs.
const (
	MaxImageTags          = 3       // tags per image, as CompShare allows
	MaxTagBytes           = 64      // one tag
	MaxImageNameBytes     = 128     // an image or version name
	MaxDescriptionBytes   = 4 << 10 // a description or version description
	MaxReadmeBytes        = 64 << 10
	MaxCoverBytes         = 64 << 10 // a cover URL or base64 image
	MaxPrice              = 100000.0 // yuan
	MaxCommunityLimit     = 100      // one page of a catalog listing
	DefaultCommunityLimit = 20       // a catalog page when no Limit is given
	MaxVersionsPerGroup   = 100      // versions one group carries in a grouped listing
	MaxCatalogTags        = 1000     // tags DescribeCompShareImageTags returns
)

// CustomImageRequest asks for a custom image made from one of the
// caller's instances.
type CustomImageRequest struct {
	Region      string // the instance's region
	InstanceID  string
	Name        string // unique among the caller's custom images
	Description string
	Softwares   *Software // nil: none declared
}

// BuildProgress is how far a custom image's build is.
type BuildProgress struct {
	Image     *Image
	Percent   float64       // 0..100; 100 once Available
	Remaining time.Duration // 0 once Available
	Total     time.Duration // the whole build
}

// ImageEdit changes how an image presents itself; nil fields are left
// alone. It applies to custom images and to community versions.
type ImageEdit struct {
	Description *string
	Readme      *string
	Tags        *[]string
	Cover       *string
	Visibility  *int // 0 private, 1 public in the community
	Softwares   *Software
	Framework   *string // sets Softwares.Framework alone
}

// PublishRequest asks for a new community version of a custom image.
type PublishRequest struct {
	ImageID string
	Region  string
	// GroupID, when set, adds the version to this existing group of the
	// caller's (and makes it the image's lineage from then on); otherwise
	// the version joins the image's lineage, which is created on the first
	// publication.
	GroupID     string
	Name        string  // CommunityImageName; "" means the image's name
	Description *string // nil means the image's description
	VersionName string  // "" means v<N>, N the group's next version number
	VersionDesc string
	Price       float64 // yuan, at most two decimals
	Tags        []string
	Cover       *string // nil means the image's cover
	Readme      *string // nil means the image's readme
	AutoStart   bool
	Softwares   *Software // nil means the image's softwares
}

// CommunitySortField orders a catalog listing.
type CommunitySortField string

const (
	SortPubTime        CommunitySortField = "PubTime"        // publication time (the default)
	SortFavor          CommunitySortField = "Favor"          // popularity: favorites
	SortPrice          CommunitySortField = "Price"          // price
	SortCreatedCount   CommunitySortField = "CreatedCount"   // instances created from it
	SortImageUseTime   CommunitySortField = "ImageUseTime"   // hours used
	SortFavoritesCount CommunitySortField = "FavoritesCount" // favorites
	SortCreateTime     CommunitySortField = "CreateTime"     // submission time (review queues)
)

// Valid reports whether f is a known sort field ("" counts as SortPubTime).
func (f CommunitySortField) Valid() bool {
	switch f {
	case "", SortPubTime, SortFavor, SortPrice, SortCreatedCount, SortImageUseTime, SortFavoritesCount, SortCreateTime:
		return true
	}
	return false
}

// CommunitySort orders a listing: by Field, descending unless Asc, ties
// broken by id ascending.
type CommunitySort struct {
	Field CommunitySortField
	Asc   bool
}

// CommunityFilter selects community versions (images of type Community).
// Zero fields do not filter.
type CommunityFilter struct {
	OwnerID        int64 // published by this account
	OrganizationID int64 // published by an account of this organization
	Region         string
	Statuses       []ImageStatus
	PublicOnly     bool   // only Visibility 1
	ImageID        string // this version
	GroupID        string // this version group
	Name           string // case-insensitive substring of the name
	Fuzzy          string // case-insensitive substring of the name or the author
	Author         string // exact author
	Tag            string // exact tag
	FreeOnly       bool   // only Price 0
	OfficialOnly   bool   // only IsOfficial
	Sort           CommunitySort
	Page           Page // Limit 0 means every match (callers bound it)
}

// VersionGroup is one version group of a grouped listing: the versions of
// a lineage that match the listing's filter.
type VersionGroup struct {
	ID string
	// Versions are the matching versions, newest first, at most
	// MaxVersionsPerGroup of them.
	Versions []*Image
	// VersionCount is the number of matching versions.
	VersionCount int
	// Available reports whether a matching version is Available.
	Available bool
	// Sums over the matching versions.
	CreatedCount   int64
	FavoritesCount int64
	ImageUseTime   int64
}

// VersionGroupList is one page of a grouped listing.
type VersionGroupList struct {
	Groups []*VersionGroup
	// Total counts the groups with a matching version, before paging.
	Total int
	// AvailableTotal counts those of them with a matching Available version.
	AvailableTotal int
}

// StatusChange moves one image between lifecycle states. It applies only
// when the image's status is one of From, so that concurrent changes (two
// operators, two replicas finishing one build) cannot both succeed.
type StatusChange struct {
	ImageID string
	From    []ImageStatus
	To      ImageStatus
	// FailedReason, when non-nil, is stored with the change.
	FailedReason *string
	// PublishedAt, when non-nil, is stored with the change.
	PublishedAt *time.Time
}

// ReviewDecision is an operator's verdict on a Reviewing version.
type ReviewDecision struct {
	Approve bool
	Reason  string // why a version is rejected (shown to its owner)
}
