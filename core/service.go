// Package core implements imageshare.Service over an imageshare.Store. It
// is the only place the sharing rules live: ownership, visibility, which
// images can be shared, limits and how invalid accounts are treated.
package core

import (
	"context"
	"slices"
	"time"

	"github.com/imageshare/imageshare"
)

// Config tunes the core's rules.
type Config struct {
	// MaxSharesPerImage caps the accounts one image is shared with
	// (default imageshare.DefaultMaxSharesPerImage).
	MaxSharesPerImage int
	// Now is the clock (default time.Now).
	Now func() time.Time
	// BuildDuration is how long a custom image build takes; 0 (or a
	// negative value) means builds finish at once. The server's default,
	// imageshare.DefaultBuildDuration, is app.DefaultConfig's.
	BuildDuration time.Duration
}

// Service is the domain service. It is safe for concurrent use.
type Service struct {
	store     imageshare.Store
	maxShares int
	now       func() time.Time
	build     time.Duration // see Config.BuildDuration
	ram       *principals   // sub-users' compiled policies (ram.go)
	regions   regionSet     // regions known to be served (regions.go)
}

var _ imageshare.Service = (*Service)(nil)

// New returns a Service over store.
func New(store imageshare.Store, cfg Config) *Service {
	s := &Service{store: store, maxShares: cfg.MaxSharesPerImage, now: cfg.Now, build: cfg.BuildDuration, ram: newPrincipals()}
	if s.maxShares <= 0 {
		s.maxShares = imageshare.DefaultMaxSharesPerImage
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// Now returns the service clock.
func (s *Service) Now() time.Time { return s.now() }

// Authenticate implements imageshare.Service.
func (s *Service) Authenticate(ctx context.Context, publicKey string) (*imageshare.AccessKey, error) {
	if publicKey == "" {
		return nil, imageshare.Errorf(imageshare.KindUnauthenticated, imageshare.ReasonKeyNotFound, "access key is missing")
	}
	k, err := s.store.FindAccessKey(ctx, publicKey)
	if imageshare.IsKind(err, imageshare.KindNotFound) {
		return nil, imageshare.Errorf(imageshare.KindUnauthenticated, imageshare.ReasonKeyNotFound, "access key %q does not exist", publicKey)
	}
	if err != nil {
		return nil, err
	}
	if !k.Enabled {
		return nil, imageshare.Errorf(imageshare.KindUnauthenticated, imageshare.ReasonKeyDisabled, "access key %q is disabled", publicKey)
	}
	if err := s.checkUser(ctx, k); err != nil {
		return nil, err
	}
	return k, nil
}

// Regions implements imageshare.Service.
func (s *Service) Regions(ctx context.Context) ([]string, error) {
	return s.store.ListRegions(ctx)
}

// CheckRegion implements imageshare.Service. A region once found is
// remembered (regions.go); an unknown one is looked up in the store.
func (s *Service) CheckRegion(ctx context.Context, region string) error {
	if s.regions.has(region) {
		return nil
	}
	regions, err := s.store.ListRegions(ctx)
	if err != nil {
		return err
	}
	s.regions.add(regions)
	if !slices.Contains(regions, region) {
		return imageshare.Errorf(imageshare.KindInvalid, imageshare.ReasonRegionNotFound, "region %q is not served here", region)
	}
	return nil
}

// RecordOutcome implements imageshare.Outcomes: the outcome is kept as a
// nonce named after the key, which the store's prefix scan reads back
// (imageshare.NonceLister); no table of its own.
func (s *Service) RecordOutcome(ctx context.Context, key, outcome string, ttl time.Duration) error {
	if len(outcome) > 1<<10 {
		outcome = outcome[:1<<10]
	}
	now := s.now()
	err := s.store.UseNonce(ctx, outcomePrefix(key)+outcome, now, now.Add(ttl))
	if imageshare.IsKind(err, imageshare.KindConflict) {
		return nil // recorded already
	}
	return err
}

// Outcome implements imageshare.Outcomes.
func (s *Service) Outcome(ctx context.Context, key string) (string, bool, error) {
	l, ok := s.store.(imageshare.NonceLister)
	if !ok {
		return "", false, nil
	}
	prefix := outcomePrefix(key)
	found, err := l.LiveNonces(ctx, prefix, s.now(), 1)
	if err != nil || len(found) == 0 {
		return "", false, err
	}
	return found[0][len(prefix):], true, nil
}

// outcomePrefix names a key's outcome nonces; "\x1f" cannot occur in a key
// the dialects build (hex digests and names).
func outcomePrefix(key string) string { return "outcome:" + key + "\x1f" }

// UseNonce implements imageshare.Service.
func (s *Service) UseNonce(ctx context.Context, nonce string, ttl time.Duration) error {
	now := s.now()
	return s.store.UseNonce(ctx, nonce, now, now.Add(ttl))
}

// FindAccount implements imageshare.Service.
func (s *Service) FindAccount(ctx context.Context, id int64) (*imageshare.Account, error) {
	return s.store.FindAccountByID(ctx, id)
}

// FindAccountByName implements imageshare.Service.
func (s *Service) FindAccountByName(ctx context.Context, name string) (*imageshare.Account, error) {
	return s.store.FindAccountByName(ctx, name)
}

// ownedImage returns the image if the caller owns it and it is in region
// (when given); anything else is the same not-found error, so that the
// existence of other tenants' images is not revealed. The store looks the
// image up with the caller as owner in its WHERE, so another tenant's
// image is not read either: it costs what a missing id costs.
func (s *Service) ownedImage(ctx context.Context, c imageshare.Caller, imageID, region string) (*imageshare.Image, error) {
	notFound := imageshare.Errorf(imageshare.KindNotFound, imageshare.ReasonImageNotFound, "image %q does not exist", imageID)
	if imageID == "" || c.AccountID == 0 {
		return nil, notFound
	}
	im, err := s.store.FindOwnedImage(ctx, imageID, c.AccountID)
	return owned(c, imageID, region, im, err)
}

// owned is ownedImage's verdict on im, as found by the store with err.
func owned(c imageshare.Caller, imageID, region string, im *imageshare.Image, err error) (*imageshare.Image, error) {
	notFound := imageshare.Errorf(imageshare.KindNotFound, imageshare.ReasonImageNotFound, "image %q does not exist", imageID)
	if imageshare.IsKind(err, imageshare.KindNotFound) {
		return nil, notFound
	}
	if err != nil {
		return nil, err
	}
	if im.OwnerID == 0 || im.OwnerID != c.AccountID || (region != "" && im.Region != region) {
		return nil, notFound
	}
	return im, nil
}

// GetImage implements imageshare.Service.
func (s *Service) GetImage(ctx context.Context, c imageshare.Caller, imageID string) (*imageshare.Image, error) {
	if err := s.authorizeImage(ctx, c, imageshare.OpGetImage, "", imageID); err != nil {
		return nil, err
	}
	notFound := imageshare.Errorf(imageshare.KindNotFound, imageshare.ReasonImageNotFound, "image %q does not exist", imageID)
	if imageID == "" {
		return nil, notFound
	}
	im, err := s.store.FindImageByID(ctx, imageID)
	if imageshare.IsKind(err, imageshare.KindNotFound) {
		return nil, notFound
	}
	if err != nil {
		return nil, err
	}
	ok, err := s.visible(ctx, c, im)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, notFound
	}
	if err := s.settle(ctx, im); err != nil {
		return nil, err
	}
	return im, nil
}

// visible reports whether the caller may see im.
func (s *Service) visible(ctx context.Context, c imageshare.Caller, im *imageshare.Image) (bool, error) {
	switch {
	case im.OwnerID == c.AccountID && im.OwnerID != 0:
		return true, nil
	case im.Type == imageshare.ImageSystem || im.Type == imageshare.ImageApp:
		return true, nil
	case im.Type == imageshare.ImageCommunity:
		// The catalog's rule: approved and not hidden by its owner.
		return im.Status == imageshare.StatusAvailable && im.Visibility == 1, nil
	case im.IsPublic:
		return true, nil
	}
	return s.store.IsSharedWith(ctx, im.ID, c.AccountID)
}

// ListImages implements imageshare.Service.
func (s *Service) ListImages(ctx context.Context, c imageshare.Caller, f imageshare.ImageFilter) ([]*imageshare.Image, int, error) {
	if err := s.authorizeList(ctx, c, imageshare.OpListImages, f.Region); err != nil {
		return nil, 0, err
	}
	switch f.Scope {
	case imageshare.ScopeOwned, imageshare.ScopeShared:
		f.AccountID = c.AccountID
	case imageshare.ScopePlatform:
		f.AccountID = 0
	default:
		return nil, 0, imageshare.Errorf(imageshare.KindInvalid, imageshare.ReasonInvalidParameter, "unsupported image scope")
	}
	images, total, err := s.store.FindImages(ctx, f)
	if err != nil {
		return nil, 0, err
	}
	if err := s.settleAll(ctx, images); err != nil {
		return nil, 0, err
	}
	return images, total, nil
}

// DeleteImage implements imageshare.Service. Without force, an image
// shared with any account or public is refused (ReasonImageShared); the
// store checks that inside the delete's transaction, so a share that
// races the delete is either refused or kept, never lost with the image.
func (s *Service) DeleteImage(ctx context.Context, c imageshare.Caller, imageID, region string, force bool) error {
	if err := s.authorizeImage(ctx, c, imageshare.OpDeleteImage, region, imageID); err != nil {
		return err
	}
	im, err := s.ownedImage(ctx, c, imageID, region)
	if err != nil {
		return err
	}
	return s.store.DeleteImage(ctx, im.ID, force)
}
