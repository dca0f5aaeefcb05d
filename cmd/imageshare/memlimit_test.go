package main

import (
	"runtime/debug"
	"testing"

	"github.com/imageshare/imageshare/storecache"
)

// TestMemoryLimit: serve's soft memory limit follows the read-cache
// budget (default, set, off), and GOMEMLIMIT, when set, is left alone.
func TestMemoryLimit(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	noEnv := func(string) (string, bool) { return "", false }
	for _, c := range []struct {
		cache, want int64
	}{
		{0, serverMemoryBase + 2*storecache.DefaultBudget},
		{8 << 20, serverMemoryBase + 16<<20},
		{-1, serverMemoryBase},
	} {
		if got := applyMemoryLimit(c.cache, noEnv); got != c.want || debug.SetMemoryLimit(-1) != c.want {
			t.Errorf("cache %d: limit %d, want %d in force", c.cache, got, c.want)
		}
	}
	debug.SetMemoryLimit(12345 << 20) // as the runtime sets GOMEMLIMIT
	withEnv := func(k string) (string, bool) { return "12345MiB", k == "GOMEMLIMIT" }
	if got := applyMemoryLimit(0, withEnv); got != 12345<<20 || debug.SetMemoryLimit(-1) != 12345<<20 {
		t.Errorf("with GOMEMLIMIT set: limit %d, want the runtime's 12345 MiB kept", got)
	}
}
