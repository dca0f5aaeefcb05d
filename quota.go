package imageshare

// Quota bounds what one account may keep in the store, so that one tenant
// cannot fill the disk every tenant shares (SECURITY.md, issue 17 finding
// 9). The core fills it from its configuration; a store checks it inside
// the transaction that would cross it, so that concurrent requests cannot
// pass it together. A zero field is no bound.
type Quota struct {
	// MaxCustomImages caps the account's Custom images.
	MaxCustomImages int
	// MaxCommunityVersions caps the account's Community images (the
	// versions it published).
	MaxCommunityVersions int
	// MaxTextBytes caps the bytes of the texts of all the account's
	// images together (TextBytesOf).
	MaxTextBytes int64
}

// Default per-account quotas (app.DefaultConfig's). With them one account
// keeps at most 16 MiB of image texts, however many calls it makes.
const (
	DefaultMaxCustomImages      = 100
	DefaultMaxCommunityVersions = 200
	DefaultMaxTextBytes         = 16 << 20
)

// TextBytesOf is what im's texts count against Quota.MaxTextBytes: its
// name, description, readme, cover and version description, in bytes.
// Stores count the same columns (internal/sqlstore.OwnerUsageQuery).
func TextBytesOf(im *Image) int64 {
	return int64(len(im.Name) + len(im.Description) + len(im.Readme) + len(im.Cover) + len(im.VersionDesc))
}
