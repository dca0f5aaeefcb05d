package core

import (
	"sync"
)

// regionSet remembers the regions the store is known to serve, so that
// CheckRegion, which every UCloud and Baidu request makes, does not read
// the store each time. It is safe across replicas without any expiry
// because regions only ever grow: the Store can add a region and never
// remove one, so a region once seen served stays served, wherever it was
// added. Only a hit is answered from memory; a miss reads the store again
// and refreshes the set, so a region another replica or a seed added
// since is found at once. (Swapping the database under a running server
// for an older one that lacks a region is outside this contract: restart
// the server after a restore.)
type regionSet struct {
	mu    sync.RWMutex
	known map[string]bool
}

func (r *regionSet) has(name string) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.known[name]
}

func (r *regionSet) add(names []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.known == nil {
		r.known = map[string]bool{}
	}
	for _, n := range names {
		r.known[n] = true
	}
}
