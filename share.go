package imageshare

import "time"

// Share grants an account the right to launch another account's custom image.
type Share struct {
	ImageID     string
	AccountID   int64
	AccountName string // filled on read
	SharedAt    time.Time
	SharedBy    int64 // the account that made the share (the owner)
}

// MaxAccountsPerChange bounds AddAccounts/RemoveAccounts in one call, as
// every vendor does.
const MaxAccountsPerChange = 10

// DefaultMaxSharesPerImage is the per-image cap on shared accounts that
// Alibaba and Baidu document.
const DefaultMaxSharesPerImage = 50

// ShareMode chooses how a change treats accounts that cannot be applied.
type ShareMode int

const (
	// ShareLenient reports unknown accounts and the owner itself in
	// InvalidAccounts and applies the rest; re-adding and removing an
	// unshared account are no-ops (UCloud).
	ShareLenient ShareMode = iota
	// ShareStrictAccounts fails the whole call on an unknown account or on
	// the owner itself (Alibaba).
	ShareStrictAccounts
	// ShareStrict also fails on adding a shared account or removing an
	// unshared one (Baidu).
	ShareStrict
)

// ShareRequest asks the core to change an image's share list.
type ShareRequest struct {
	ImageID string
	Region  string // when set, the image must be in this region
	Add     []int64
	Remove  []int64
	// SetPublic, when non-nil, also turns sharing with everyone on or off.
	SetPublic *bool
	Mode      ShareMode
	// DryRun runs every check the change would go through (authorization,
	// ownership, accounts, the mode's no-op rule, the per-image cap) and
	// changes nothing: the result is what the change would do now
	// (Alibaba's DryRun, docs/aliyun.md).
	DryRun bool
}

// ShareResult reports what a change did.
type ShareResult struct {
	Invalid []int64 // accounts refused in lenient mode, in request order
	Added   []int64 // accounts newly shared
	Removed []int64 // accounts no longer shared
}

// ShareChange is what the core asks a store to apply in one transaction.
type ShareChange struct {
	ImageID string
	Add     []int64 // existing accounts other than the owner
	Remove  []int64
	By      int64
	At      time.Time
	// MaxShares caps the image's share count after the change; 0 means no cap.
	MaxShares int
	// FailOnNoop makes the change fail with ReasonAlreadyShared or
	// ReasonNotShared instead of skipping an add of a shared account or a
	// remove of an unshared one.
	FailOnNoop bool
	// SetPublic, when non-nil, sets the image's IsPublic in the same transaction.
	SetPublic *bool
}

// ShareList is one page of an image's share list.
type ShareList struct {
	Image  *Image
	Shares []*Share
	Total  int
}
