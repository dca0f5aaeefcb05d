package obs

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/imageshare/imageshare"
)

// InstrumentStore returns s timed by m: every call of the methods below
// is observed in imageshare_store_duration_seconds{method}, and failures
// counted in imageshare_store_errors_total{method}. The decorator embeds
// the Store, so methods it does not list (and methods the interface gains
// later) pass through untimed.
func InstrumentStore(s imageshare.Store, m *Metrics) imageshare.Store {
	return &instrumentedStore{Store: s, m: m}
}

type instrumentedStore struct {
	imageshare.Store
	m *Metrics
}

// observe records one call that started at start and ended with err.
func (s *instrumentedStore) observe(method string, start time.Time, err error) {
	o, ok := s.m.storeSeries.Load(method)
	if !ok {
		// Methods are the Store interface's names: a bounded set.
		o, _ = s.m.storeSeries.LoadOrStore(method, s.m.storeLatency.WithLabelValues(method))
	}
	o.(prometheus.Observer).Observe(time.Since(start).Seconds())
	if err == nil {
		return
	}
	switch imageshare.ErrorKind(err) {
	case imageshare.KindInternal, imageshare.KindUnavailable, imageshare.KindOther:
		s.m.storeErrors.WithLabelValues(method).Inc()
	}
}

func (s *instrumentedStore) CreateAccount(ctx context.Context, a *imageshare.Account) (err error) {
	defer func(t time.Time) { s.observe("CreateAccount", t, err) }(time.Now())
	return s.Store.CreateAccount(ctx, a)
}

func (s *instrumentedStore) FindAccountByID(ctx context.Context, id int64) (_ *imageshare.Account, err error) {
	defer func(t time.Time) { s.observe("FindAccountByID", t, err) }(time.Now())
	return s.Store.FindAccountByID(ctx, id)
}

func (s *instrumentedStore) FindAccountByName(ctx context.Context, name string) (_ *imageshare.Account, err error) {
	defer func(t time.Time) { s.observe("FindAccountByName", t, err) }(time.Now())
	return s.Store.FindAccountByName(ctx, name)
}

func (s *instrumentedStore) FindAccountsByIDs(ctx context.Context, ids []int64) (_ map[int64]*imageshare.Account, err error) {
	defer func(t time.Time) { s.observe("FindAccountsByIDs", t, err) }(time.Now())
	return s.Store.FindAccountsByIDs(ctx, ids)
}

func (s *instrumentedStore) FindAccessKey(ctx context.Context, publicKey string) (_ *imageshare.AccessKey, err error) {
	defer func(t time.Time) { s.observe("FindAccessKey", t, err) }(time.Now())
	return s.Store.FindAccessKey(ctx, publicKey)
}

func (s *instrumentedStore) ListRegions(ctx context.Context) (_ []string, err error) {
	defer func(t time.Time) { s.observe("ListRegions", t, err) }(time.Now())
	return s.Store.ListRegions(ctx)
}

func (s *instrumentedStore) FindInstance(ctx context.Context, id string) (_ *imageshare.Instance, err error) {
	defer func(t time.Time) { s.observe("FindInstance", t, err) }(time.Now())
	return s.Store.FindInstance(ctx, id)
}

func (s *instrumentedStore) CreateImage(ctx context.Context, im *imageshare.Image) (err error) {
	defer func(t time.Time) { s.observe("CreateImage", t, err) }(time.Now())
	return s.Store.CreateImage(ctx, im)
}

func (s *instrumentedStore) FindImageByID(ctx context.Context, id string) (_ *imageshare.Image, err error) {
	defer func(t time.Time) { s.observe("FindImageByID", t, err) }(time.Now())
	return s.Store.FindImageByID(ctx, id)
}

func (s *instrumentedStore) FindOwnedImage(ctx context.Context, id string, ownerID int64) (_ *imageshare.Image, err error) {
	defer func(t time.Time) { s.observe("FindOwnedImage", t, err) }(time.Now())
	return s.Store.FindOwnedImage(ctx, id, ownerID)
}

func (s *instrumentedStore) FindPlatformImage(ctx context.Context, id string) (_ *imageshare.Image, err error) {
	defer func(t time.Time) { s.observe("FindPlatformImage", t, err) }(time.Now())
	return s.Store.FindPlatformImage(ctx, id)
}

func (s *instrumentedStore) FindImages(ctx context.Context, f imageshare.ImageFilter) (_ []*imageshare.Image, _ int, err error) {
	defer func(t time.Time) { s.observe("FindImages", t, err) }(time.Now())
	return s.Store.FindImages(ctx, f)
}

func (s *instrumentedStore) UpdateImage(ctx context.Context, id string, u imageshare.ImageUpdate) (_ *imageshare.Image, err error) {
	defer func(t time.Time) { s.observe("UpdateImage", t, err) }(time.Now())
	return s.Store.UpdateImage(ctx, id, u)
}

func (s *instrumentedStore) DeleteImage(ctx context.Context, id string, force bool) (err error) {
	defer func(t time.Time) { s.observe("DeleteImage", t, err) }(time.Now())
	return s.Store.DeleteImage(ctx, id, force)
}

// ApplyShareChange also counts the grants the change added and removed.
func (s *instrumentedStore) ApplyShareChange(ctx context.Context, c imageshare.ShareChange) (res *imageshare.ShareResult, err error) {
	defer func(t time.Time) { s.observe("ApplyShareChange", t, err) }(time.Now())
	res, err = s.Store.ApplyShareChange(ctx, c)
	if err == nil && res != nil {
		s.m.shareChanges.WithLabelValues("added").Add(float64(len(res.Added)))
		s.m.shareChanges.WithLabelValues("removed").Add(float64(len(res.Removed)))
	}
	return res, err
}

func (s *instrumentedStore) ListShares(ctx context.Context, imageID string, p imageshare.Page) (_ []*imageshare.Share, _ int, err error) {
	defer func(t time.Time) { s.observe("ListShares", t, err) }(time.Now())
	return s.Store.ListShares(ctx, imageID, p)
}

func (s *instrumentedStore) FindImageShares(ctx context.Context, imageID string, ownerID int64, p imageshare.Page) (_ *imageshare.Image, _ []*imageshare.Share, _ int, err error) {
	defer func(t time.Time) { s.observe("FindImageShares", t, err) }(time.Now())
	return s.Store.FindImageShares(ctx, imageID, ownerID, p)
}

func (s *instrumentedStore) IsSharedWith(ctx context.Context, imageID string, accountID int64) (_ bool, err error) {
	defer func(t time.Time) { s.observe("IsSharedWith", t, err) }(time.Now())
	return s.Store.IsSharedWith(ctx, imageID, accountID)
}

func (s *instrumentedStore) UseNonce(ctx context.Context, nonce string, now, expiresAt time.Time) (err error) {
	defer func(t time.Time) { s.observe("UseNonce", t, err) }(time.Now())
	return s.Store.UseNonce(ctx, nonce, now, expiresAt)
}

func (s *instrumentedStore) UseSignatureNonce(ctx context.Context, nonce string, signedAt, now, expiresAt time.Time) (err error) {
	defer func(t time.Time) { s.observe("UseSignatureNonce", t, err) }(time.Now())
	return s.Store.UseSignatureNonce(ctx, nonce, signedAt, now, expiresAt)
}

// LiveNonces passes imageshare.NonceLister through when the store has it.
func (s *instrumentedStore) LiveNonces(ctx context.Context, prefix string, now time.Time, limit int) (_ []string, err error) {
	defer func(t time.Time) { s.observe("LiveNonces", t, err) }(time.Now())
	l, ok := s.Store.(imageshare.NonceLister)
	if !ok {
		return nil, nil
	}
	return l.LiveNonces(ctx, prefix, now, limit)
}

func (s *instrumentedStore) CreateCustomImage(ctx context.Context, im *imageshare.Image, q imageshare.Quota) (err error) {
	defer func(t time.Time) { s.observe("CreateCustomImage", t, err) }(time.Now())
	return s.Store.CreateCustomImage(ctx, im, q)
}

func (s *instrumentedStore) FinishBuilds(ctx context.Context, now time.Time, limit int) (_ []string, err error) {
	defer func(t time.Time) { s.observe("FinishBuilds", t, err) }(time.Now())
	return s.Store.FinishBuilds(ctx, now, limit)
}

func (s *instrumentedStore) ChangeImageStatus(ctx context.Context, c imageshare.StatusChange) (_ *imageshare.Image, err error) {
	defer func(t time.Time) { s.observe("ChangeImageStatus", t, err) }(time.Now())
	return s.Store.ChangeImageStatus(ctx, c)
}

func (s *instrumentedStore) CreateVersion(ctx context.Context, v *imageshare.Image, sourceID string, q imageshare.Quota) (err error) {
	defer func(t time.Time) { s.observe("CreateVersion", t, err) }(time.Now())
	return s.Store.CreateVersion(ctx, v, sourceID, q)
}

func (s *instrumentedStore) FindCommunityImages(ctx context.Context, f imageshare.CommunityFilter) (_ []*imageshare.Image, _ int, err error) {
	defer func(t time.Time) { s.observe("FindCommunityImages", t, err) }(time.Now())
	return s.Store.FindCommunityImages(ctx, f)
}

func (s *instrumentedStore) FindVersionGroups(ctx context.Context, f imageshare.CommunityFilter) (_ *imageshare.VersionGroupList, err error) {
	defer func(t time.Time) { s.observe("FindVersionGroups", t, err) }(time.Now())
	return s.Store.FindVersionGroups(ctx, f)
}

func (s *instrumentedStore) ListCatalogTags(ctx context.Context, region string, limit int) (_ []string, err error) {
	defer func(t time.Time) { s.observe("ListCatalogTags", t, err) }(time.Now())
	return s.Store.ListCatalogTags(ctx, region, limit)
}
