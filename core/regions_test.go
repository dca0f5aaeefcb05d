package core_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/core"
	"github.com/imageshare/imageshare/sqlite"
)

// countingStore counts the region reads of a real store.
type countingStore struct {
	imageshare.Store
	listRegions atomic.Int64
}

func (c *countingStore) ListRegions(ctx context.Context) ([]string, error) {
	c.listRegions.Add(1)
	return c.Store.ListRegions(ctx)
}

// TestCheckRegionRemembersServedRegions: a served region is read from the
// store once; an unknown region is looked up every time, so one added
// later (by a seed, or by another replica on the same store) is served at
// once.
func TestCheckRegionRemembersServedRegions(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.AddRegion(ctx, "cn-wlcb"); err != nil {
		t.Fatal(err)
	}
	cs := &countingStore{Store: st}
	svc := core.New(cs, core.Config{})
	for range 3 {
		if err := svc.CheckRegion(ctx, "cn-wlcb"); err != nil {
			t.Fatal(err)
		}
	}
	if n := cs.listRegions.Load(); n != 1 {
		t.Fatalf("three checks of a served region read the store %d times, want once", n)
	}
	for range 2 {
		err := svc.CheckRegion(ctx, "bj")
		if imageshare.ErrorReason(err) != imageshare.ReasonRegionNotFound {
			t.Fatalf("unknown region: %v, want ReasonRegionNotFound", err)
		}
	}
	if n := cs.listRegions.Load(); n != 3 {
		t.Fatalf("each check of an unknown region must read the store: %d reads, want 3", n)
	}
	// Added behind the service's back, as another replica would.
	if err := st.AddRegion(ctx, "bj"); err != nil {
		t.Fatal(err)
	}
	if err := svc.CheckRegion(ctx, "bj"); err != nil {
		t.Fatalf("a region added after a miss: %v", err)
	}
	if err := svc.CheckRegion(ctx, "cn-wlcb"); err != nil {
		t.Fatal(err)
	}
	if n := cs.listRegions.Load(); n != 4 {
		t.Fatalf("%d store reads, want 4", n)
	}
}
