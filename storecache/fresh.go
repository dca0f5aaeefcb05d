package storecache

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/imageshare/imageshare"
)

// fresh keeps the cache in step with the store's change log. Before it
// answers from the cache, a caller waits for a check of the log that
// started after it arrived (check); concurrent callers share one check:
// while one runs, later callers gather for the next, which its first
// caller runs once the current one is done. A check reads the changes
// committed since the previous one (imageshare.ChangeFeed) and drops what
// they name, so after it the cache holds nothing that a change committed
// before the caller arrived made stale.
type fresh struct {
	feed  imageshare.ChangeFeed
	cache *cache

	mu      sync.Mutex
	current *round // running; nil when none
	next    *round // gathering callers; starts when current is done

	checks, flushes atomic.Uint64
	checkNanos      atomic.Int64 // time spent reading the log
}

type round struct {
	done    chan struct{}
	err     error
	callers int // gathered (under fresh.mu); for the tests
}

// check returns once a log check that started after the call has been
// applied, or with its error (the read then goes to the store uncached).
func (f *fresh) check(ctx context.Context) error {
	f.mu.Lock()
	r, leader := f.next, false
	if r == nil {
		r, leader = &round{done: make(chan struct{})}, true
		f.next = r
	}
	r.callers++
	prev := f.current
	f.mu.Unlock()
	if !leader {
		select {
		case <-r.done:
			return r.err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if prev != nil {
		// The leader waits for the running round even if its own caller
		// gives up: the callers gathered behind it need the round run.
		<-prev.done
	}
	f.mu.Lock()
	f.next, f.current = nil, r
	f.mu.Unlock()
	r.err = f.apply(context.WithoutCancel(ctx))
	close(r.done)
	return r.err
}

// apply reads the changes since the last check and drops what they name.
func (f *fresh) apply(ctx context.Context) error {
	f.checks.Add(1)
	start := time.Now()
	changes, flush, err := f.feed.Changes(ctx)
	f.checkNanos.Add(int64(time.Since(start)))
	if err != nil {
		// What the failed read would have listed is read next time; until
		// then nothing may be served from the cache that it might have
		// made stale, so drop everything.
		f.flush()
		return err
	}
	if flush {
		f.flush()
		return nil
	}
	for _, c := range changes {
		if !f.invalidate(c) {
			f.flush()
			return nil
		}
	}
	return nil
}

func (f *fresh) flush() {
	f.flushes.Add(1)
	f.cache.dropPrefix("")
}

// The groups of the cache (cache.go), by the change that drops them.
const (
	groupKey     = "k"  // + public key: FindAccessKey
	groupAccount = "a"  // + id: FindAccountByID
	groupImage   = "i"  // + image id: the image by id, owner or platform, its share lists, IsSharedWith
	groupRegions = "g"  // ListRegions
	groupRAM     = "r"  // RAMVersion and every LoadPrincipal
	groupCatalog = "c/" // + the filter: FindVersionGroups, one group per listing (cache.catalog)
)

// invalidate drops what c names; false for a kind it does not know, which
// the caller answers with a flush.
func (f *fresh) invalidate(c imageshare.Change) bool {
	switch c.Kind {
	case imageshare.ChangeKey:
		f.cache.drop(groupKey + c.Key)
	case imageshare.ChangeAccount:
		// The catalog filters by an account's organization.
		f.cache.drop(groupAccount + c.Key)
		f.cache.dropCatalog()
	case imageshare.ChangeAccountEdited:
		// Share lists carry account names: drop every image group.
		f.cache.drop(groupAccount + c.Key)
		f.cache.dropCatalog()
		f.cache.dropPrefix(groupImage)
	case imageshare.ChangeImage, imageshare.ChangeShares:
		f.cache.drop(groupImage + c.Key)
		f.cache.dropCatalog()
	case imageshare.ChangeRegions:
		f.cache.drop(groupRegions)
	case imageshare.ChangeRAM:
		f.cache.drop(groupRAM)
	default:
		return false
	}
	return true
}

// accountGroup names an account's group as the log's keys do.
func accountGroup(id int64) string { return groupAccount + strconv.FormatInt(id, 10) }
