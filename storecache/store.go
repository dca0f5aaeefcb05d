// Package storecache keeps in-process caches of the store's hot reads
// (access keys, accounts, images and their share lists, regions, RAM
// principals, a publisher's catalog) and keeps them linearizable: before
// every cached read it applies the store's change log up to a point after
// the call began (fresh.go), so a cached answer never misses a change
// acknowledged before the call. docs/caching.md states the guarantee, its
// cost and the tests that prove it.
package storecache

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/imageshare/imageshare"
)

// DefaultBudget is the caches' default memory bound: estimated bytes of
// the entries held, across all groups. The estimates run below the heap
// the entries hold, and the collector lets the heap grow to twice what is
// live: the benchmark's 1M-image run peaked at 167 MB RSS with 24 MiB and
// 138 MB with 16 MiB (83 MB without caches), against the 150 MB issue 18
// allows (BENCHMARKS.md).
const DefaultBudget = 16 << 20

// Store is an imageshare.Store whose hot reads are cached. Methods it
// does not list pass through to the store it wraps.
type Store struct {
	imageshare.Store
	cache *cache
	fresh *fresh
}

var (
	_ imageshare.Store       = (*Store)(nil)
	_ imageshare.NonceLister = (*Store)(nil)
)

// New wraps st, which must keep a change log (imageshare.ChangeFeeder:
// both stores do, from migration 012), with caches bounded to about
// budget bytes (DefaultBudget if budget <= 0).
func New(ctx context.Context, st imageshare.Store, budget int64) (*Store, error) {
	feeder, ok := st.(imageshare.ChangeFeeder)
	if !ok {
		return nil, fmt.Errorf("storecache: %T keeps no change log", st)
	}
	feed, err := feeder.ChangeFeed(ctx)
	if err != nil {
		return nil, err
	}
	if budget <= 0 {
		budget = DefaultBudget
	}
	c := newCache(budget)
	s := &Store{Store: st, cache: c, fresh: &fresh{feed: feed, cache: c}}
	// The feed's first look tells nothing and flushes: taken now, before
	// anything is cached.
	if err := s.fresh.check(ctx); err != nil {
		feed.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the feed and the store.
func (s *Store) Close() error {
	return errors.Join(s.fresh.feed.Close(), s.Store.Close())
}

// Stats reports the caches' counters.
func (s *Store) Stats() Stats {
	st := s.cache.stats()
	st.Checks, st.Flushes = s.fresh.checks.Load(), s.fresh.flushes.Load()
	st.CheckTime = time.Duration(s.fresh.checkNanos.Load())
	return st
}

// cached answers a read from the cache or from read. A cached entry is
// used only after a freshness check that started after the call began
// (and is looked up again after it, as the check may have dropped it). A
// miss goes to the store without a check: its answer is at least as new
// as the call, and it is kept (a copy) unless an invalidation ran in its
// shard since before the store was read; an entry kept from a read that
// a later change made stale is dropped by the check that applies the
// change, before any call that began after the change can use it.
// Values are copied in and out: callers may change what they are given.
func cached[T any](ctx context.Context, s *Store, g, key string, read func() (T, error), size func(T) int64, clone func(T) T) (T, error) {
	_, gen, ok := s.cache.get(g, key, false)
	if ok {
		if err := s.fresh.check(ctx); err != nil {
			return read() // uncached: the cache cannot be trusted now
		}
		var v any
		if v, gen, ok = s.cache.get(g, key, true); ok {
			return clone(v.(T)), nil
		}
	}
	got, err := read()
	if err != nil {
		return got, err
	}
	s.cache.put(g, key, clone(got), size(got), gen)
	return got, nil
}

func (s *Store) FindAccessKey(ctx context.Context, publicKey string) (*imageshare.AccessKey, error) {
	return cached(ctx, s, groupKey+publicKey, "", func() (*imageshare.AccessKey, error) {
		return s.Store.FindAccessKey(ctx, publicKey)
	}, func(k *imageshare.AccessKey) int64 { return 160 + int64(len(k.PublicKey)+len(k.PrivateKey)) }, cloneValue)
}

func (s *Store) FindAccountByID(ctx context.Context, id int64) (*imageshare.Account, error) {
	return cached(ctx, s, accountGroup(id), "", func() (*imageshare.Account, error) {
		return s.Store.FindAccountByID(ctx, id)
	}, func(a *imageshare.Account) int64 { return 64 + int64(len(a.Name)) }, cloneValue)
}

func (s *Store) FindImageByID(ctx context.Context, id string) (*imageshare.Image, error) {
	return cached(ctx, s, groupImage+id, "id", func() (*imageshare.Image, error) {
		return s.Store.FindImageByID(ctx, id)
	}, imageSize, cloneImage)
}

func (s *Store) FindOwnedImage(ctx context.Context, id string, ownerID int64) (*imageshare.Image, error) {
	return cached(ctx, s, groupImage+id, "o"+strconv.FormatInt(ownerID, 10), func() (*imageshare.Image, error) {
		return s.Store.FindOwnedImage(ctx, id, ownerID)
	}, imageSize, cloneImage)
}

func (s *Store) FindPlatformImage(ctx context.Context, id string) (*imageshare.Image, error) {
	return cached(ctx, s, groupImage+id, "p", func() (*imageshare.Image, error) {
		return s.Store.FindPlatformImage(ctx, id)
	}, imageSize, cloneImage)
}

// shareList is FindImageShares' answer.
type shareList struct {
	image  *imageshare.Image
	shares []*imageshare.Share
	total  int
}

func (s *Store) FindImageShares(ctx context.Context, imageID string, ownerID int64, p imageshare.Page) (*imageshare.Image, []*imageshare.Share, int, error) {
	key := "s" + strconv.FormatInt(ownerID, 10) + "," + strconv.Itoa(p.Offset) + "," + strconv.Itoa(p.Limit)
	l, err := cached(ctx, s, groupImage+imageID, key, func() (shareList, error) {
		im, shares, total, err := s.Store.FindImageShares(ctx, imageID, ownerID, p)
		return shareList{im, shares, total}, err
	}, func(l shareList) int64 {
		n := imageSize(l.image)
		for _, sh := range l.shares {
			n += 128 + int64(len(sh.ImageID)+len(sh.AccountName))
		}
		return n
	}, func(l shareList) shareList {
		return shareList{cloneImage(l.image), cloneAll(l.shares), l.total}
	})
	return l.image, l.shares, l.total, err
}

func (s *Store) IsSharedWith(ctx context.Context, imageID string, accountID int64) (bool, error) {
	return cached(ctx, s, groupImage+imageID, "w"+strconv.FormatInt(accountID, 10), func() (bool, error) {
		return s.Store.IsSharedWith(ctx, imageID, accountID)
	}, func(bool) int64 { return 8 }, func(b bool) bool { return b })
}

func (s *Store) ListRegions(ctx context.Context) ([]string, error) {
	return cached(ctx, s, groupRegions, "", func() ([]string, error) {
		return s.Store.ListRegions(ctx)
	}, stringsSize, cloneSlice)
}

func (s *Store) RAMVersion(ctx context.Context) (int64, error) {
	return cached(ctx, s, groupRAM, "v", func() (int64, error) {
		return s.Store.RAMVersion(ctx)
	}, func(int64) int64 { return 8 }, func(v int64) int64 { return v })
}

func (s *Store) LoadPrincipal(ctx context.Context, userID int64) (*imageshare.Principal, error) {
	return cached(ctx, s, groupRAM, "p"+strconv.FormatInt(userID, 10), func() (*imageshare.Principal, error) {
		return s.Store.LoadPrincipal(ctx, userID)
	}, func(p *imageshare.Principal) int64 {
		n := int64(128)
		for _, pol := range p.Policies {
			n += 96 + int64(len(pol.Name)+len(pol.Description)+len(pol.Document))
		}
		return n
	}, clonePrincipal)
}

// catalogListing is a FindVersionGroups answer and the catalog
// generation (cache.catalog) taken before it was read.
type catalogListing struct {
	gen uint64
	l   *imageshare.VersionGroupList
}

func (s *Store) FindVersionGroups(ctx context.Context, f imageshare.CommunityFilter) (*imageshare.VersionGroupList, error) {
	g := groupCatalog + fmt.Sprintf("%+v", f)
	gen := s.cache.catalog.Load()
	got, err := cached(ctx, s, g, "", func() (catalogListing, error) {
		l, err := s.Store.FindVersionGroups(ctx, f)
		return catalogListing{gen, l}, err
	}, func(c catalogListing) int64 {
		n := int64(64)
		for _, g := range c.l.Groups {
			n += 96 + int64(len(g.ID))
			for _, v := range g.Versions {
				n += imageSize(v)
			}
		}
		return n
	}, func(c catalogListing) catalogListing { return catalogListing{c.gen, cloneGroups(c.l)} })
	if err != nil {
		return nil, err
	}
	// cached ran its log check before answering from the cache, so a
	// change committed before this call has bumped the generation by now:
	// a listing read before it is dropped and read again.
	if got.gen != s.cache.catalog.Load() {
		s.cache.drop(g)
		return s.Store.FindVersionGroups(ctx, f)
	}
	return got.l, nil
}

// LiveNonces passes imageshare.NonceLister through when the store has it.
func (s *Store) LiveNonces(ctx context.Context, prefix string, now time.Time, limit int) ([]string, error) {
	l, ok := s.Store.(imageshare.NonceLister)
	if !ok {
		return nil, nil
	}
	return l.LiveNonces(ctx, prefix, now, limit)
}
