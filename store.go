package imageshare

import (
	"context"
	"time"
)

// Store keeps the domain's records. Every method is one transaction and is
// safe for concurrent use. Implementations hold no rules beyond the
// integrity the data needs (unique ids, shares deleted with their image,
// the share cap checked inside the change, a delete without force refused
// while the image is shared, checked inside the delete); every business
// rule lives in the core. A store passes storetest.Run unchanged.
type Store interface {
	// Close releases the store. In-flight calls finish first.
	Close() error
	// Ping reports whether the store is reachable and migrated.
	Ping(ctx context.Context) error

	// CreateAccount inserts a. A zero a.ID is assigned the next free id and
	// a zero OrganizationID becomes the id. Returns KindConflict
	// (ReasonAccountConflict) if the id or name is taken.
	CreateAccount(ctx context.Context, a *Account) error
	// FindAccountByID returns KindNotFound (ReasonAccountNotFound) if absent.
	FindAccountByID(ctx context.Context, id int64) (*Account, error)
	// FindAccountByName returns KindNotFound (ReasonAccountNotFound) if absent.
	FindAccountByName(ctx context.Context, name string) (*Account, error)
	// FindAccountsByIDs returns the accounts that exist among ids, keyed by id.
	FindAccountsByIDs(ctx context.Context, ids []int64) (map[int64]*Account, error)
	// ListAccounts returns accounts ordered by id, and the total count.
	ListAccounts(ctx context.Context, p Page) ([]*Account, int, error)

	// CreateAccessKey inserts k. Returns KindNotFound if the account does
	// not exist and KindConflict (ReasonKeyConflict) if the public key is taken.
	CreateAccessKey(ctx context.Context, k *AccessKey) error
	// FindAccessKey returns KindNotFound (ReasonKeyNotFound) if absent;
	// disabled keys are returned with Enabled false.
	FindAccessKey(ctx context.Context, publicKey string) (*AccessKey, error)
	// SetAccessKeyEnabled returns KindNotFound (ReasonKeyNotFound) if absent.
	SetAccessKeyEnabled(ctx context.Context, publicKey string, enabled bool) error
	// ListAccessKeys returns the account's keys, oldest first.
	ListAccessKeys(ctx context.Context, accountID int64) ([]*AccessKey, error)

	// AddRegion records a region; adding a known region is a no-op.
	AddRegion(ctx context.Context, name string) error
	// ListRegions returns the regions in name order.
	ListRegions(ctx context.Context) ([]string, error)

	// CreateInstance inserts in. Returns KindConflict if the id is taken and
	// KindNotFound if the owner does not exist.
	CreateInstance(ctx context.Context, in *Instance) error
	// FindInstance returns KindNotFound (ReasonInstanceNotFound) if absent.
	FindInstance(ctx context.Context, id string) (*Instance, error)

	// CreateImage inserts im. Returns KindConflict (ReasonImageConflict) if
	// the id is taken and KindNotFound if a non-zero owner does not exist;
	// KindInvalid if a key tag's key is empty or repeated. Every image a
	// store returns has its key tags ordered by key, and HasShares derived
	// from its shares (im.HasShares is not written).
	CreateImage(ctx context.Context, im *Image) error
	// FindImageByID returns KindNotFound (ReasonImageNotFound) if absent.
	FindImageByID(ctx context.Context, id string) (*Image, error)
	// FindOwnedImage returns the image if ownerID (non-zero) owns it. A
	// missing id, another owner's image and a platform image are the same
	// KindNotFound (ReasonImageNotFound), found with the same work: the
	// owner is in the query's WHERE, so nothing of another tenant's image
	// is read, and its existence does not show in the time the answer
	// takes.
	FindOwnedImage(ctx context.Context, id string, ownerID int64) (*Image, error)
	// FindPlatformImage returns the image if it is a platform (System or
	// App) image, which no account owns. Any other image and a missing id
	// are the same KindNotFound (ReasonImageNotFound), found with the same
	// work, as for FindOwnedImage.
	FindPlatformImage(ctx context.Context, id string) (*Image, error)
	// FindImages returns the images matching f ordered by creation time
	// then id, and the total number matching before paging.
	FindImages(ctx context.Context, f ImageFilter) ([]*Image, int, error)
	// UpdateImage applies u and returns the updated image. Returns
	// KindNotFound (ReasonImageNotFound) if absent.
	UpdateImage(ctx context.Context, id string, u ImageUpdate) (*Image, error)
	// DeleteImage removes the image and its shares. Unless force, it
	// fails with KindConflict (ReasonImageShared), changing nothing, if
	// the image is shared with any account or public: checked in the
	// delete's own transaction, so a share acknowledged before or while
	// the delete runs is never deleted with it (a change of the image's
	// shares and this delete run one after the other). Returns
	// KindNotFound (ReasonImageNotFound) if absent. Unless force, it
	// also fails with KindConflict (ReasonImageInUse) while an instance
	// records the image as its own (checked after the shared check).
	DeleteImage(ctx context.Context, id string, force bool) error

	// ApplyShareChange adds and removes shares of one image atomically.
	// Adding a shared account and removing an unshared one are skipped,
	// unless c.FailOnNoop, when they fail with KindConflict
	// (ReasonAlreadyShared) or KindNotFound (ReasonNotShared). If the share
	// count would exceed c.MaxShares it fails with KindLimitExceeded
	// (ReasonShareQuota). On failure nothing is changed. Returns
	// KindNotFound (ReasonImageNotFound) if the image is absent.
	ApplyShareChange(ctx context.Context, c ShareChange) (*ShareResult, error)
	// ListShares returns one page of the image's shares ordered by shared
	// time then account id, with AccountName filled, and the total.
	ListShares(ctx context.Context, imageID string, p Page) ([]*Share, int, error)
	// FindImageShares returns the image and one page of its shares (as
	// ListShares does) read in one snapshot: a share listing's reads in
	// one round trip to the store. The image must be ownerID's: as for
	// FindOwnedImage, another owner's image is KindNotFound
	// (ReasonImageNotFound) like a missing one, and its shares are never
	// read, so the answer takes the same work however many it has.
	FindImageShares(ctx context.Context, imageID string, ownerID int64, p Page) (*Image, []*Share, int, error)
	// IsSharedWith reports whether the image is explicitly shared with the account.
	IsSharedWith(ctx context.Context, imageID string, accountID int64) (bool, error)
	// CountShares returns the number of shares (image, account pairs) in
	// the store, for the operator's metrics.
	CountShares(ctx context.Context) (int, error)

	// UseNonce records a request nonce until expiresAt. Returns KindConflict
	// (ReasonNonceUsed) if the same nonce is recorded and not yet expired at
	// now. Expired nonces may be pruned by any call.
	UseNonce(ctx context.Context, nonce string, now, expiresAt time.Time) error
	// UseSignatureNonce records the nonce of a request signed at signedAt
	// (its client's timestamp) until expiresAt, as UseNonce does, but
	// without a durable write per call: the record survives a crash of the
	// process, and may be lost only in a crash of the machine (SQLite) or
	// of the database server (PostgreSQL). Such a loss is never silent: the
	// store then raises its nonce floor above every signedAt it had
	// accepted before the loss, and refuses a nonce signed at or before the
	// floor with KindInvalid (ReasonSignedBeforeLoss), so that no request
	// accepted before a loss can be replayed after it (docs/nonces.md).
	// Returns KindConflict (ReasonNonceUsed) for a recorded, unexpired
	// nonce. Its nonces are not UseNonce's: the two spaces are separate.
	UseSignatureNonce(ctx context.Context, nonce string, signedAt, now, expiresAt time.Time) error

	// CommunityStore keeps the custom-image lifecycle and the community
	// catalog (store_community.go).
	CommunityStore
	// RAMStore keeps sub-users, groups, policies and attachments (ram.go).
	RAMStore
	// InstanceStore keeps the instances' lifecycle (instance.go).
	InstanceStore
	// IdempotencyStore keeps creating calls' client tokens (idempotency.go).
	IdempotencyStore
}

// NonceLister is implemented by stores that can list the live nonces
// sharing a prefix: what lets a request's first answer, recorded as a
// nonce, be read back on any replica (Service.Outcome). Optional, so that
// a store without it still serves; resends then get the older answer.
type NonceLister interface {
	// LiveNonces returns up to limit nonces starting with prefix that are
	// recorded and not expired at now, in byte order.
	LiveNonces(ctx context.Context, prefix string, now time.Time, limit int) ([]string, error)
}

// NonceUpperBound is the least string above every string starting with
// prefix, for a range scan in byte order; "" when there is none (a
// prefix of 0xff bytes only).
func NonceUpperBound(prefix string) string {
	b := []byte(prefix)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1])
		}
	}
	return ""
}
