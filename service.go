package imageshare

import (
	"context"
	"time"
)

// Service is what the dialects call: the domain's rules over a Store.
// Every method that acts for a tenant takes the authenticated Caller; an
// image the caller may not see behaves exactly as if it did not exist.
type Service interface {
	// Authenticate returns the enabled key with this public key.
	// Returns KindUnauthenticated with ReasonKeyNotFound or ReasonKeyDisabled.
	Authenticate(ctx context.Context, publicKey string) (*AccessKey, error)
	// CheckRegion returns KindInvalid (ReasonRegionNotFound) for a region
	// this deployment does not serve.
	CheckRegion(ctx context.Context, region string) error
	// Regions lists the regions this deployment serves.
	Regions(ctx context.Context) ([]string, error)
	// UseNonce records a signature nonce for ttl. Returns KindConflict
	// (ReasonNonceUsed) if it was used within its window.
	UseNonce(ctx context.Context, nonce string, ttl time.Duration) error
	// UseSignatureNonce records the nonce of a request its client signed
	// at signedAt, for ttl (Store.UseSignatureNonce): KindConflict
	// (ReasonNonceUsed) if it was used within its window, KindInvalid
	// (ReasonSignedBeforeLoss) if it was signed before the store's nonce
	// floor (a replay that cannot be told from a fresh request).
	UseSignatureNonce(ctx context.Context, nonce string, signedAt time.Time, ttl time.Duration) error
	// Now is the service clock, for dialects that check timestamps.
	Now() time.Time

	// FindAccount returns the account with this id.
	FindAccount(ctx context.Context, id int64) (*Account, error)
	// FindAccountByName returns the account with this login name.
	FindAccountByName(ctx context.Context, name string) (*Account, error)

	// DescribeShares returns one page of the share list of an image the
	// caller owns. Returns KindNotFound (ReasonImageNotFound) if the image
	// does not exist, is not the caller's, or is in another region, and
	// KindForbidden (ReasonNotShareable) if it is not a Custom image.
	DescribeShares(ctx context.Context, c Caller, imageID, region string, p Page) (*ShareList, error)
	// ModifyShares applies a share change to an image the caller owns, with
	// the same not-found rules as DescribeShares. See ShareMode for how
	// invalid accounts are treated. A failed call changes nothing.
	ModifyShares(ctx context.Context, c Caller, r ShareRequest) (*ShareResult, error)

	// ListImages returns the images visible to the caller that match f.
	// f.Scope must be ScopeOwned, ScopeShared or ScopePlatform; the core
	// sets f.AccountID to the caller.
	ListImages(ctx context.Context, c Caller, f ImageFilter) ([]*Image, int, error)
	// GetImage returns an image the caller may see: its own, one shared
	// with it (explicitly or publicly) or a platform image.
	GetImage(ctx context.Context, c Caller, imageID string) (*Image, error)
	// DeleteImage deletes an image the caller owns. While it is shared it
	// fails with KindConflict (ReasonImageShared) unless force, which
	// removes the shares too.
	DeleteImage(ctx context.Context, c Caller, imageID, region string, force bool) error
	// CheckDeleteImage runs every check DeleteImage runs (authorization,
	// ownership, region, and without force the shared check) and deletes
	// nothing: nil means DeleteImage would succeed now (a DryRun).
	CheckDeleteImage(ctx context.Context, c Caller, imageID, region string, force bool) error

	// LifecycleService and CommunityService are the custom-image lifecycle
	// and the community catalog (service_community.go).
	LifecycleService
	CommunityService
	// WorkflowService is the image workflow (workflow.go).
	WorkflowService
	// InstanceService launches and manages instances (instance.go).
	InstanceService
}

// Outcomes is implemented by a Service that can keep the first answer to
// a request for a while, so that a client's resend of it is answered the
// same on any replica (Baidu's SDK resends a write whose answer it lost:
// docs/baidu.md). Optional: a dialect falls back to its older rule
// without it.
type Outcomes interface {
	// RecordOutcome keeps outcome (text without control characters, at
	// most 1 KiB) under key for ttl. Only the request that claimed the key
	// (with UseNonce) records it, once.
	RecordOutcome(ctx context.Context, key, outcome string, ttl time.Duration) error
	// Outcome returns the outcome recorded under key, if one is live; ok
	// is false when none is, or the store cannot list nonces.
	Outcome(ctx context.Context, key string) (outcome string, ok bool, err error)
}
