package main

import (
	"runtime/debug"

	"github.com/imageshare/imageshare/storecache"
)

// serverMemoryBase is what serve holds besides its read caches: the
// benchmark measured a peak RSS of 83 MB on its 1M-image dataset before
// the caches existed (BENCHMARKS.md).
const serverMemoryBase = 64 << 20

// memoryLimit is the soft limit (runtime/debug.SetMemoryLimit) serve runs
// under unless GOMEMLIMIT is set, for a read-cache budget of cacheBytes
// (app.Config.ReadCacheBytes: 0 the default, negative off). The caches'
// live bytes churn under reads that miss them, and a heap left to
// GOGC=100 grows to twice its live size between collections: at 1M
// images the peak RSS went from 83 MB to 157 MB with a 24 MiB cache. The
// limit makes the collector run before the heap doubles; it is soft, so
// a larger live heap is still served, with more collections.
func memoryLimit(cacheBytes int64) int64 {
	switch {
	case cacheBytes < 0:
		cacheBytes = 0
	case cacheBytes == 0:
		cacheBytes = storecache.DefaultBudget
	}
	return serverMemoryBase + 2*cacheBytes
}

// applyMemoryLimit sets memoryLimit unless the operator set GOMEMLIMIT
// (which the runtime has applied already); it returns the limit in force.
func applyMemoryLimit(cacheBytes int64, lookupEnv func(string) (string, bool)) int64 {
	if _, ok := lookupEnv("GOMEMLIMIT"); ok {
		return debug.SetMemoryLimit(-1)
	}
	limit := memoryLimit(cacheBytes)
	debug.SetMemoryLimit(limit)
	return limit
}
