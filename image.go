package imageshare

import "time"

// ImageType says where an image comes from. Only Custom images can be
// shared with other accounts.
type ImageType string

const (
	ImageSystem    ImageType = "System"    // platform base image
	ImageApp       ImageType = "App"       // platform application image
	ImageCustom    ImageType = "Custom"    // made by an account from its instance
	ImageCommunity ImageType = "Community" // published to the community catalog
)

// Valid reports whether t is one of the known image types.
func (t ImageType) Valid() bool {
	switch t {
	case ImageSystem, ImageApp, ImageCustom, ImageCommunity:
		return true
	}
	return false
}

// ImageStatus is the lifecycle state of an image.
type ImageStatus string

const (
	StatusMaking      ImageStatus = "Making"
	StatusAvailable   ImageStatus = "Available"
	StatusUnAvailable ImageStatus = "UnAvailable"
	StatusReviewing   ImageStatus = "Reviewing"
	StatusOffline     ImageStatus = "Offline"
)

// Valid reports whether s is one of the known statuses.
func (s ImageStatus) Valid() bool {
	switch s {
	case StatusMaking, StatusAvailable, StatusUnAvailable, StatusReviewing, StatusOffline:
		return true
	}
	return false
}

// Software describes what an image ships, as CompShare declares it.
type Software struct {
	Applications     []string
	CUDAVersion      string
	Framework        string
	FrameworkVersion string
}

// Image is a machine image. OwnerID is 0 for platform (System/App) images.
// The fields after Tags mirror the CompShareImage model so that every
// dialect can fill its vendor's shape from one record.
type Image struct {
	ID          string
	Region      string
	OwnerID     int64
	Type        ImageType
	Status      ImageStatus
	Name        string
	Description string
	SizeMB      int64
	Tags        []string
	CreatedAt   time.Time

	Readme         string
	Cover          string
	Author         string
	AuthInfo       int
	AutoStart      bool
	Container      bool
	ImageCharge    bool
	Price          float64
	IsOfficial     bool
	Visibility     int // 0 private, 1 public in the community
	Softwares      Software
	SourceGPUType  string
	SourceInstance string
	FailedReason   string
	GroupID        string
	VersionName    string
	VersionDesc    string
	CreatedCount   int64
	FavoritesCount int64
	ImageUseTime   int64
	PublishedAt    time.Time // zero until published

	// IsPublic shares the image with every account (Alibaba's
	// LaunchPermission=all); its explicit share list is kept.
	IsPublic bool
	// OS fields are what the Alibaba and Baidu dialects report.
	OSName string
	OSType string // linux | windows
	// BuildDoneAt is when a Making image becomes Available (zero when not building).
	BuildStartedAt time.Time
	BuildDoneAt    time.Time
}

// Scope selects which images a listing is drawn from.
type Scope int

const (
	ScopeAll      Scope = iota // every image (admin only)
	ScopeOwned                 // images owned by ImageFilter.AccountID
	ScopeShared                // images shared with ImageFilter.AccountID (explicitly)
	ScopePlatform              // System and App images
)

// ImageFilter selects images. Zero fields do not filter.
type ImageFilter struct {
	Scope        Scope
	AccountID    int64 // for ScopeOwned and ScopeShared
	IDs          []string
	Region       string
	Types        []ImageType
	Statuses     []ImageStatus
	NameContains string // case-insensitive substring
	NameExact    string
	Tag          string // exact tag
	Author       string
	Page         Page
}

// ImageUpdate changes an image; nil fields are left alone.
type ImageUpdate struct {
	Name        *string
	Description *string
	Readme      *string
	Tags        *[]string
	Cover       *string
	Visibility  *int
	Softwares   *Software
	Status      *ImageStatus
	IsPublic    *bool
	SizeMB      *int64
	BuildDoneAt *time.Time

	// Quota, when its MaxTextBytes is set, refuses (KindLimitExceeded,
	// ReasonAccountQuota) an update that grows the owner's image texts
	// past it; an update that shrinks them always passes. Its other
	// fields do not apply to an update.
	Quota Quota
}
