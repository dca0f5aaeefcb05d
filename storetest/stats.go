package storetest

import (
	"context"
	"testing"

	"github.com/imageshare/imageshare"
)

func testCountShares(t *testing.T, s imageshare.Store) {
	ctx := context.Background()
	want := func(n int) {
		t.Helper()
		got, err := s.CountShares(ctx)
		ok(t, err)
		if got != n {
			t.Fatalf("CountShares = %d, want %d", got, n)
		}
	}
	want(0)
	owner := account(t, s, "owner@example.com")
	ids := accounts(t, s, "c", 3)
	image(t, s, "one", owner.ID, 0)
	image(t, s, "two", owner.ID, 1)
	_, err := s.ApplyShareChange(ctx, imageshare.ShareChange{ImageID: "one", Add: ids, By: owner.ID, At: at(2)})
	ok(t, err)
	_, err = s.ApplyShareChange(ctx, imageshare.ShareChange{ImageID: "two", Add: ids[:2], By: owner.ID, At: at(3)})
	ok(t, err)
	want(5)
	_, err = s.ApplyShareChange(ctx, imageshare.ShareChange{ImageID: "one", Remove: ids[:1], By: owner.ID, At: at(4)})
	ok(t, err)
	want(4)
	ok(t, s.DeleteImage(ctx, "two", true)) // its shares go with it
	want(2)
}
