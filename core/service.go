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
	// Limits are the per-account quotas and text bounds (quota.go); zero
	// fields take DefaultLimits'.
	Limits Limits
	// InstanceDuration is how long an instance takes to start or stop
	// (instance.go); 0 (or less) means at once.
	InstanceDuration time.Duration
}

// Service is the domain service. It is safe for concurrent use.
type Service struct {
	store     imageshare.Store
	maxShares int
	now       func() time.Time
	build     time.Duration // see Config.BuildDuration
	ram       *principals   // sub-users' compiled policies (ram.go)
	regions   regionSet     // regions known to be served (regions.go)
	limits    Limits        // quotas and text bounds (quota.go)
	instance  time.Duration // see Config.InstanceDuration
}

var _ imageshare.Service = (*Service)(nil)

// New returns a Service over store.
func New(store imageshare.Store, cfg Config) *Service {
	s := &Service{store: store, maxShares: cfg.MaxSharesPerImage, now: cfg.Now, build: cfg.BuildDuration, ram: newPrincipals(), limits: cfg.Limits.WithDefaults(), instance: cfg.InstanceDuration}
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

// UseSignatureNonce implements imageshare.Service.
func (s *Service) UseSignatureNonce(ctx context.Context, nonce string, signedAt time.Time, ttl time.Duration) error {
	now := s.now()
	return s.store.UseSignatureNonce(ctx, nonce, signedAt, now, now.Add(ttl))
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
// The not-found error is made only when it is the verdict: formatting it
// on every found image cost each hot read a Sprintf and two allocations.
func owned(c imageshare.Caller, imageID, region string, im *imageshare.Image, err error) (*imageshare.Image, error) {
	if imageshare.IsKind(err, imageshare.KindNotFound) {
		return nil, imageNotFound(imageID)
	}
	if err != nil {
		return nil, err
	}
	if im.OwnerID == 0 || im.OwnerID != c.AccountID || (region != "" && im.Region != region) {
		return nil, imageNotFound(imageID)
	}
	return im, nil
}

// imageNotFound is the error of an image that does not exist and of one
// the caller may not see alike, so that the two cannot be told apart.
func imageNotFound(imageID string) *imageshare.Error {
	return imageshare.Errorf(imageshare.KindNotFound, imageshare.ReasonImageNotFound, "image %q does not exist", imageID)
}

// imageByID reads the image imageID whoever owns it; an empty id, or one
// the store does not have, is imageNotFound.
func (s *Service) imageByID(ctx context.Context, imageID string) (*imageshare.Image, error) {
	if imageID == "" {
		return nil, imageNotFound(imageID)
	}
	im, err := s.store.FindImageByID(ctx, imageID)
	if imageshare.IsKind(err, imageshare.KindNotFound) {
		return nil, imageNotFound(imageID)
	}
	if err != nil {
		return nil, err
	}
	return im, nil
}

// GetImage implements imageshare.Service.
func (s *Service) GetImage(ctx context.Context, c imageshare.Caller, imageID string) (*imageshare.Image, error) {
	if err := s.authorizeImage(ctx, c, imageshare.OpGetImage, "", imageID); err != nil {
		return nil, err
	}
	im, err := s.imageByID(ctx, imageID)
	if err != nil {
		return nil, err
	}
	ok, err := s.visible(ctx, c, im)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, imageNotFound(imageID)
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
// With or without force, an image still being created is refused
// (ReasonImageCreating) and a platform image is not deletable
// (ReasonNotDeletable); see deletable.
func (s *Service) DeleteImage(ctx context.Context, c imageshare.Caller, imageID, region string, force bool) error {
	if err := s.authorizeImage(ctx, c, imageshare.OpDeleteImage, region, imageID); err != nil {
		return err
	}
	im, err := s.deletable(ctx, c, imageID, region)
	if err != nil {
		return err
	}
	err = s.store.DeleteImage(ctx, im.ID, force)
	if imageshare.ErrorReason(err) == imageshare.ReasonImageShared && im.IsPublic {
		// Say why when the share list alone would not: a public image is
		// shared with every account, whatever its explicit list holds.
		return imageshare.Errorf(imageshare.KindConflict, imageshare.ReasonImageShared,
			"image %q is public (shared with every account); make it private first", im.ID)
	}
	return err
}

// deletable is the rule every dialect's delete follows (Alibaba's
// DeleteImage, BCC's DeleteImage, UCloud's TerminateCompShareCustomImage):
//   - the caller's image in region, else not found. Another tenant's
//     image and a missing id are the same ReasonImageNotFound, found with
//     the same work (the owner is in the store's WHERE);
//   - a platform image of the region is ReasonNotDeletable: every caller
//     sees it anyway, so saying so leaks nothing;
//   - an image whose build is due is completed first; one still being
//     created is ReasonImageCreating. The store checks the status again
//     inside the delete's transaction (Store.DeleteImage), so a delete
//     never removes an image that is Making when it commits.
func (s *Service) deletable(ctx context.Context, c imageshare.Caller, imageID, region string) (*imageshare.Image, error) {
	var found *imageshare.Image
	var err error = imageshare.Errorf(imageshare.KindNotFound, imageshare.ReasonImageNotFound, "image %q does not exist", imageID)
	if imageID != "" && c.AccountID != 0 {
		found, err = s.store.FindOwnedImage(ctx, imageID, c.AccountID)
	}
	if p, perr := s.platformImage(ctx, imageID, region, err); perr != nil {
		return nil, perr
	} else if p != nil {
		return nil, imageshare.Errorf(imageshare.KindForbidden, imageshare.ReasonNotDeletable,
			"image %q is a %s image; only Custom images can be deleted", p.ID, p.Type)
	}
	im, err := owned(c, imageID, region, found, err)
	if err != nil {
		return nil, err
	}
	if err := s.notCreating(ctx, im, "deleted"); err != nil {
		return nil, err
	}
	return im, nil
}

// platformImage returns the platform image of the region named imageID
// when the owner's lookup did not find it (ownerErr is not found), and
// nil otherwise: the one lookup that tells a platform image from a
// missing id or another tenant's image, which it cannot tell apart.
func (s *Service) platformImage(ctx context.Context, imageID, region string, ownerErr error) (*imageshare.Image, error) {
	if imageID == "" || !imageshare.IsKind(ownerErr, imageshare.KindNotFound) {
		return nil, nil
	}
	p, err := s.store.FindPlatformImage(ctx, imageID)
	switch {
	case imageshare.IsKind(err, imageshare.KindNotFound):
		return nil, nil
	case err != nil:
		return nil, err
	case region != "" && p.Region != region:
		return nil, nil
	}
	return p, nil
}

// notCreating completes im's build if it is due and refuses an image
// still being created (ReasonImageCreating): it can be neither deleted
// nor shared until it is Available. A status never goes back to Making,
// so an image found past Making here stays past it.
func (s *Service) notCreating(ctx context.Context, im *imageshare.Image, what string) error {
	if err := s.settle(ctx, im); err != nil {
		return err
	}
	if im.Status == imageshare.StatusMaking {
		return imageshare.Errorf(imageshare.KindConflict, imageshare.ReasonImageCreating,
			"image %q is still being created; it can be %s once it is Available", im.ID, what)
	}
	return nil
}

// CheckDeleteImage implements imageshare.Service: DeleteImage's checks,
// with the store's shared check read instead of run in the delete's
// transaction (a DryRun answers for now, not for a later call).
func (s *Service) CheckDeleteImage(ctx context.Context, c imageshare.Caller, imageID, region string, force bool) error {
	if err := s.authorizeImage(ctx, c, imageshare.OpDeleteImage, region, imageID); err != nil {
		return err
	}
	im, err := s.ownedImage(ctx, c, imageID, region)
	if err != nil || force {
		return err
	}
	shared := im.IsPublic
	if !shared {
		_, total, err := s.store.ListShares(ctx, im.ID, imageshare.Page{Limit: 1})
		if err != nil {
			return err
		}
		shared = total > 0
	}
	if shared {
		// The store's error for the same refusal (Store.DeleteImage).
		return imageshare.Errorf(imageshare.KindConflict, imageshare.ReasonImageShared, "image %q is shared with other accounts", im.ID)
	}
	return nil
}
