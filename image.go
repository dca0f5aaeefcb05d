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
	// OS facts, what the Alibaba and Baidu dialects report (docs/aliyun.md,
	// docs/baidu.md). OSName is the name as the platform shows it (the
	// localized one where the seed gives one), OSNameEn its English form.
	OSName       string
	OSNameEn     string
	OSType       string // linux | windows
	OSVersion    string // e.g. "22.04"
	OSLang       string // e.g. "ENG", "CHS"
	Platform     string // the distribution as ECS names it: Ubuntu, CentOS, ...
	Architecture string // x86_64 | arm64 | i386
	BootMode     string // BIOS | UEFI
	// ImageFamily and ImageVersion are Alibaba's family and version labels.
	ImageFamily  string
	ImageVersion string
	// IsSupportIoOptimized and IsSupportCloudinit are true for platform
	// images and for images made from them.
	IsSupportIoOptimized bool
	IsSupportCloudinit   bool
	// KeyTags are the image's key/value tags (Alibaba's and Baidu's tag
	// model), distinct from Tags, CompShare's plain labels: see
	// docs/aliyun.md "Tags".
	KeyTags []Tag
	// HasShares is derived by the store when it reads an image: the image
	// is shared with at least one account explicitly. It is not written.
	HasShares bool
	// InUse is derived by the store when it reads an image: some
	// instance records it as its image (Alibaba's Usage "instance"). It
	// is not written.
	InUse bool
	// BuildDoneAt is when a Making image becomes Available (zero when not building).
	BuildStartedAt time.Time
	BuildDoneAt    time.Time
}

// Tag is one key/value tag of a resource. A key appears at most once per
// resource; the value may be empty.
type Tag struct {
	Key   string
	Value string
}

// Architectures an image may have.
const (
	ArchX86_64 = "x86_64"
	ArchARM64  = "arm64"
	ArchI386   = "i386"
)

// ValidArchitecture reports whether a is a known architecture.
func ValidArchitecture(a string) bool { return a == ArchX86_64 || a == ArchARM64 || a == ArchI386 }

// Boot modes an image may have.
const (
	BootBIOS = "BIOS"
	BootUEFI = "UEFI"
)

// ValidBootMode reports whether m is a known boot mode (or empty).
func ValidBootMode(m string) bool { return m == "" || m == BootBIOS || m == BootUEFI }

// TagMatch selects images by one key/value tag: the key must be present
// and, unless AnyValue, have Value.
type TagMatch struct {
	Key      string
	Value    string
	AnyValue bool
}

// CopyOSFacts gives im the OS facts and vendor fields of src: an image
// made from another keeps what it runs (docs/aliyun.md).
func (im *Image) CopyOSFacts(src *Image) {
	im.OSName, im.OSNameEn, im.OSType, im.OSVersion, im.OSLang = src.OSName, src.OSNameEn, src.OSType, src.OSVersion, src.OSLang
	im.Platform, im.Architecture, im.BootMode = src.Platform, src.Architecture, src.BootMode
	im.ImageFamily, im.ImageVersion = src.ImageFamily, src.ImageVersion
	im.IsSupportIoOptimized, im.IsSupportCloudinit = src.IsSupportIoOptimized, src.IsSupportCloudinit
}

// Scope selects which images a listing is drawn from.
type Scope int

const (
	ScopeAll      Scope = iota // every image (admin only)
	ScopeOwned                 // images owned by ImageFilter.AccountID
	ScopeShared                // images shared with ImageFilter.AccountID (explicitly; see WithPublic)
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

	// WithPublic widens ScopeShared to the public images (IsPublic) of
	// other accounts: the one rule every dialect lists public images by
	// (docs/aliyun.md "Public images").
	WithPublic bool
	// Public keeps only public (true) or only non-public (false) images.
	Public *bool
	// OwnerID keeps the images of one owner (0: any).
	OwnerID      int64
	OSType       string
	Architecture string
	ImageFamily  string
	// IsSupportIoOptimized and IsSupportCloudinit keep images with that
	// value of the field.
	IsSupportIoOptimized *bool
	IsSupportCloudinit   *bool
	// KeyTags keeps images that carry every one of these tags.
	KeyTags []TagMatch
	// CreatedFrom and CreatedTo bound CreatedAt (inclusive; zero: open).
	CreatedFrom time.Time
	CreatedTo   time.Time
	// InUse keeps images used (true) or not used (false) by an instance:
	// one whose ImageID is the image.
	InUse *bool
	// SnapshotID keeps images made from that snapshot. No snapshots
	// exist yet, so any value matches nothing.
	SnapshotID string
	// ResourceGroupID keeps images in that resource group. Resource
	// groups do not exist yet, so any value matches nothing.
	ResourceGroupID string

	Page Page
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
	// KeyTags replaces the image's key/value tags.
	KeyTags *[]Tag
	// ImageFamily and BootMode change those OS facts.
	ImageFamily *string
	BootMode    *string

	// Quota, when its MaxTextBytes is set, refuses (KindLimitExceeded,
	// ReasonAccountQuota) an update that grows the owner's image texts
	// past it; an update that shrinks them always passes. Its other
	// fields do not apply to an update.
	Quota Quota
}
