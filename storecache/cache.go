package storecache

import (
	"hash/maphash"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// nShards splits the cache so that 16 concurrent readers rarely meet on
// one lock.
const nShards = 64

// cache holds read results by group and entry. A group is what one kind
// of change drops at once (an image with its share lists, an access key,
// the RAM records); its entries are the reads of it (the image by id, by
// owner, each page of its shares). Every group lives in one shard.
//
// Each shard has a generation, bumped by every drop in it: a read result
// is put only if its shard's generation is the one taken before the store
// was read, so a read that raced an invalidation never fills the cache
// with what the invalidation removed (docs/caching.md).
type cache struct {
	seed   maphash.Seed
	budget int64 // bytes per shard
	shards [nShards]shard
	// catalog is the catalog listings' generation. Each listing is a
	// group of its own ("c/" + its filter), so that listings spread over
	// the shards: one group for all of them lived in one shard, whose
	// budget (1/64 of the whole) held a few dozen publishers' listings
	// and evicted them, and the shard's other groups, on every miss.
	// A change that can alter listings bumps the generation (one add, not
	// a walk of every shard); a listing kept at an older one is not used
	// (storecache.Store.FindVersionGroups).
	catalog atomic.Uint64
}

type shard struct {
	mu     sync.Mutex
	gen    uint64
	bytes  int64
	groups map[string]*group
	// Counters for Stats.
	hits, misses, evictions uint64
}

type group struct {
	bytes   int64
	entries map[string]entry
}

type entry struct {
	v    any
	size int64
}

// groupOverhead and entryOverhead approximate the maps' own bytes (a
// group is a map of its own). Sizes are calibrated so that the Go heap
// the entries hold is about what they are counted as (measured with the
// share lists of BenchmarkHotRead's dataset: the heap grew 1.2x the count).
const (
	groupOverhead = 400
	entryOverhead = 120
)

func newCache(budget int64) *cache {
	c := &cache{seed: maphash.MakeSeed(), budget: max(budget/nShards, 1)}
	for i := range c.shards {
		c.shards[i].groups = map[string]*group{}
	}
	return c
}

func (c *cache) shard(g string) *shard {
	return &c.shards[maphash.String(c.seed, g)%nShards]
}

// get returns the entry, or the shard's generation to pass to put; count
// says whether to count the hit (a miss is always counted).
func (c *cache) get(g, key string, count bool) (any, uint64, bool) {
	s := c.shard(g)
	s.mu.Lock()
	defer s.mu.Unlock()
	if gr := s.groups[g]; gr != nil {
		if e, ok := gr.entries[key]; ok {
			if count {
				s.hits++
			}
			return e.v, 0, true
		}
	}
	s.misses++
	return nil, s.gen, false
}

// put stores v unless the shard was invalidated since gen was taken,
// evicting whole groups (in the map's random order) to stay within the
// budget. A value larger than the budget is not kept.
func (c *cache) put(g, key string, v any, size int64, gen uint64) {
	size += entryOverhead + int64(len(key))
	s := c.shard(g)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gen != gen || size+groupOverhead > c.budget {
		return
	}
	gr := s.groups[g]
	if gr != nil {
		if old, ok := gr.entries[key]; ok {
			gr.bytes -= old.size
			s.bytes -= old.size
			delete(gr.entries, key)
		}
	}
	for s.bytes+size+groupOverhead > c.budget {
		for name, victim := range s.groups {
			if victim == gr && len(s.groups) > 1 {
				continue
			}
			s.bytes -= victim.bytes + groupOverhead
			delete(s.groups, name)
			s.evictions++
			if victim == gr {
				gr = nil
			}
			break
		}
	}
	if gr == nil {
		gr = &group{entries: map[string]entry{}}
		s.groups[g] = gr
		s.bytes += groupOverhead
	}
	gr.entries[key] = entry{v: v, size: size}
	gr.bytes += size
	s.bytes += size
}

// dropCatalog makes every catalog listing kept so far unusable.
func (c *cache) dropCatalog() { c.catalog.Add(1) }

// drop removes group g.
func (c *cache) drop(g string) {
	s := c.shard(g)
	s.mu.Lock()
	s.gen++
	if gr := s.groups[g]; gr != nil {
		s.bytes -= gr.bytes + groupOverhead
		delete(s.groups, g)
	}
	s.mu.Unlock()
}

// dropPrefix removes every group whose name starts with prefix ("" for
// all of them).
func (c *cache) dropPrefix(prefix string) {
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		s.gen++
		if prefix == "" {
			clear(s.groups)
			s.bytes = 0
		} else {
			for name, gr := range s.groups {
				if strings.HasPrefix(name, prefix) {
					s.bytes -= gr.bytes + groupOverhead
					delete(s.groups, name)
				}
			}
		}
		s.mu.Unlock()
	}
}

// Stats counts the cache's work since it started.
type Stats struct {
	Hits, Misses, Evictions uint64
	Bytes                   int64 // estimated bytes held
	Entries                 int
	Flushes                 uint64        // whole-cache drops (first look, a pruned log, a bulk load)
	Checks                  uint64        // freshness checks run (each shared by the calls waiting for it)
	CheckTime               time.Duration // spent reading the change log, in all checks
}

func (c *cache) stats() Stats {
	var st Stats
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		st.Hits += s.hits
		st.Misses += s.misses
		st.Evictions += s.evictions
		st.Bytes += s.bytes
		for _, g := range s.groups {
			st.Entries += len(g.entries)
		}
		s.mu.Unlock()
	}
	return st
}
