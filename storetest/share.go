package storetest

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/imageshare/imageshare"
)

// sharedIDs returns the account ids of the image's shares in list order.
func sharedIDs(t *testing.T, s imageshare.Store, imageID string) []int64 {
	t.Helper()
	shares, total, err := s.ListShares(context.Background(), imageID, imageshare.Page{})
	ok(t, err)
	if total != len(shares) {
		t.Fatalf("ListShares: %d shares but total %d", len(shares), total)
	}
	ids := []int64{}
	for _, sh := range shares {
		ids = append(ids, sh.AccountID)
	}
	return ids
}

func wantShared(t *testing.T, s imageshare.Store, imageID string, want ...int64) {
	t.Helper()
	if want == nil {
		want = []int64{}
	}
	if got := sharedIDs(t, s, imageID); !slices.Equal(got, want) {
		t.Fatalf("shared with %v, want %v", got, want)
	}
}

func wantResult(t *testing.T, res *imageshare.ShareResult, added, removed []int64) {
	t.Helper()
	if res == nil {
		t.Fatal("nil ShareResult")
	}
	if !slices.Equal(res.Added, added) || !slices.Equal(res.Removed, removed) {
		t.Fatalf("Added, Removed = %v, %v; want %v, %v", res.Added, res.Removed, added, removed)
	}
}

func testApplyShareChange(t *testing.T, newStore newStoreFunc) {
	ctx := context.Background()
	// setup returns a store with an image "img" owned by ids[0] and n other accounts.
	setup := func(t *testing.T, n int) (imageshare.Store, []int64) {
		s := newStore(t)
		ids := accounts(t, s, "s", n+1)
		image(t, s, "img", ids[0], 0)
		return s, ids
	}
	t.Run("AddRemove", func(t *testing.T) {
		s, ids := setup(t, 4)
		res, err := s.ApplyShareChange(ctx, imageshare.ShareChange{ImageID: "img", Add: []int64{ids[3], ids[1], ids[2]}, By: ids[0], At: at(1)})
		ok(t, err)
		wantResult(t, res, []int64{ids[3], ids[1], ids[2]}, nil)
		for _, id := range ids[1:4] {
			if shared, err := s.IsSharedWith(ctx, "img", id); err != nil || !shared {
				t.Fatalf("IsSharedWith(%d) = %v, %v; want true", id, shared, err)
			}
		}
		if shared, err := s.IsSharedWith(ctx, "img", ids[4]); err != nil || shared {
			t.Fatalf("IsSharedWith(unshared) = %v, %v; want false", shared, err)
		}
		res, err = s.ApplyShareChange(ctx, imageshare.ShareChange{ImageID: "img", Add: []int64{ids[4]}, Remove: []int64{ids[3], ids[1]},
			By: ids[0], At: at(2)})
		ok(t, err)
		wantResult(t, res, []int64{ids[4]}, []int64{ids[3], ids[1]})
		wantShared(t, s, "img", ids[2], ids[4])
	})
	t.Run("LenientNoop", func(t *testing.T) {
		s, ids := setup(t, 3)
		_, err := s.ApplyShareChange(ctx, imageshare.ShareChange{ImageID: "img", Add: []int64{ids[1]}, By: ids[0], At: at(1)})
		ok(t, err)
		res, err := s.ApplyShareChange(ctx, imageshare.ShareChange{ImageID: "img", Add: []int64{ids[1], ids[2]}, Remove: []int64{ids[3]},
			By: ids[0], At: at(2)})
		ok(t, err)
		wantResult(t, res, []int64{ids[2]}, nil)
		shares, _, err := s.ListShares(ctx, "img", imageshare.Page{})
		ok(t, err)
		// Re-adding keeps the original share time.
		wantTime(t, "SharedAt", shares[0].SharedAt, at(1))
		wantShared(t, s, "img", ids[1], ids[2])
	})
	t.Run("ErrConflictAlreadyShared", func(t *testing.T) {
		s, ids := setup(t, 3)
		_, err := s.ApplyShareChange(ctx, imageshare.ShareChange{ImageID: "img", Add: []int64{ids[1]}, By: ids[0], At: at(1)})
		ok(t, err)
		public := true
		_, err = s.ApplyShareChange(ctx, imageshare.ShareChange{ImageID: "img", Add: []int64{ids[2], ids[1]}, Remove: []int64{ids[1]},
			By: ids[0], At: at(2), FailOnNoop: true, SetPublic: &public})
		wantErr(t, err, imageshare.KindConflict, imageshare.ReasonAlreadyShared)
		wantShared(t, s, "img", ids[1])
		wantNotPublic(t, s, "img")
	})
	t.Run("ErrNotFoundNotShared", func(t *testing.T) {
		s, ids := setup(t, 3)
		_, err := s.ApplyShareChange(ctx, imageshare.ShareChange{ImageID: "img", Add: []int64{ids[1]}, By: ids[0], At: at(1)})
		ok(t, err)
		_, err = s.ApplyShareChange(ctx, imageshare.ShareChange{ImageID: "img", Add: []int64{ids[2]}, Remove: []int64{ids[1], ids[3]},
			By: ids[0], At: at(2), FailOnNoop: true})
		wantErr(t, err, imageshare.KindNotFound, imageshare.ReasonNotShared)
		wantShared(t, s, "img", ids[1])
	})
	t.Run("ErrLimitExceeded", func(t *testing.T) {
		s, ids := setup(t, 5)
		res, err := s.ApplyShareChange(ctx, imageshare.ShareChange{ImageID: "img", Add: ids[1:4], By: ids[0], At: at(1), MaxShares: 3})
		ok(t, err)
		wantResult(t, res, ids[1:4], nil)
		public := true
		_, err = s.ApplyShareChange(ctx, imageshare.ShareChange{ImageID: "img", Add: ids[4:5], By: ids[0], At: at(2), MaxShares: 3, SetPublic: &public})
		wantErr(t, err, imageshare.KindLimitExceeded, imageshare.ReasonShareQuota)
		wantShared(t, s, "img", ids[1:4]...)
		wantNotPublic(t, s, "img")
		// Swapping one account for another stays within the cap.
		res, err = s.ApplyShareChange(ctx, imageshare.ShareChange{ImageID: "img", Add: ids[4:5], Remove: ids[1:2], By: ids[0], At: at(3), MaxShares: 3})
		ok(t, err)
		wantResult(t, res, ids[4:5], ids[1:2])
		wantShared(t, s, "img", ids[2], ids[3], ids[4])
	})
	t.Run("ErrNotFoundAccount", func(t *testing.T) {
		s, ids := setup(t, 2)
		_, err := s.ApplyShareChange(ctx, imageshare.ShareChange{ImageID: "img", Add: []int64{ids[1], ids[2] + 1000}, By: ids[0], At: at(1)})
		wantErr(t, err, imageshare.KindNotFound, imageshare.ReasonAccountNotFound)
		wantShared(t, s, "img")
	})
	t.Run("ErrNotFoundImage", func(t *testing.T) {
		s, ids := setup(t, 1)
		_, err := s.ApplyShareChange(ctx, imageshare.ShareChange{ImageID: "missing", Add: ids[1:], By: ids[0], At: at(1)})
		wantErr(t, err, imageshare.KindNotFound, imageshare.ReasonImageNotFound)
		public := true
		_, err = s.ApplyShareChange(ctx, imageshare.ShareChange{ImageID: "missing", SetPublic: &public})
		wantErr(t, err, imageshare.KindNotFound, imageshare.ReasonImageNotFound)
	})
	t.Run("SetPublic", func(t *testing.T) {
		s, ids := setup(t, 1)
		public := true
		res, err := s.ApplyShareChange(ctx, imageshare.ShareChange{ImageID: "img", SetPublic: &public, By: ids[0], At: at(1)})
		ok(t, err)
		wantResult(t, res, nil, nil)
		im, err := s.FindImageByID(ctx, "img")
		ok(t, err)
		if !im.IsPublic {
			t.Fatal("SetPublic true did not make the image public")
		}
		wantShared(t, s, "img")
		public = false
		_, err = s.ApplyShareChange(ctx, imageshare.ShareChange{ImageID: "img", Add: ids[1:], SetPublic: &public, By: ids[0], At: at(2)})
		ok(t, err)
		wantNotPublic(t, s, "img")
		wantShared(t, s, "img", ids[1])
	})
	t.Run("ConcurrentCap", func(t *testing.T) {
		const workers, limit = 20, 10
		s, ids := setup(t, workers)
		var wg sync.WaitGroup
		errs := make([]error, workers)
		for i := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = s.ApplyShareChange(ctx, imageshare.ShareChange{ImageID: "img", Add: []int64{ids[i+1]},
					By: ids[0], At: at(i), MaxShares: limit})
			}()
		}
		wg.Wait()
		var added int
		for _, err := range errs {
			if err == nil {
				added++
				continue
			}
			wantErr(t, err, imageshare.KindLimitExceeded, imageshare.ReasonShareQuota)
		}
		if added != limit {
			t.Fatalf("%d changes succeeded, want %d", added, limit)
		}
		if got := sharedIDs(t, s, "img"); len(got) != limit {
			t.Fatalf("%d shares, want %d", len(got), limit)
		}
	})
}

func wantNotPublic(t *testing.T, s imageshare.Store, imageID string) {
	t.Helper()
	im, err := s.FindImageByID(context.Background(), imageID)
	ok(t, err)
	if im.IsPublic {
		t.Fatal("image is public after a failed change")
	}
}

func testListShares(t *testing.T, newStore newStoreFunc) {
	ctx := context.Background()
	s := newStore(t)
	owner := account(t, s, "owner@example.com")
	ids := accounts(t, s, "l", 4)
	image(t, s, "img", owner.ID, 0)
	image(t, s, "empty", owner.ID, 0)
	// Same time for ids[3] and ids[1]: ordered by account id; ids[0] later.
	_, err := s.ApplyShareChange(ctx, imageshare.ShareChange{ImageID: "img", Add: []int64{ids[3], ids[1]}, By: owner.ID, At: at(1)})
	ok(t, err)
	_, err = s.ApplyShareChange(ctx, imageshare.ShareChange{ImageID: "img", Add: []int64{ids[0]}, By: owner.ID, At: at(2)})
	ok(t, err)
	_, err = s.ApplyShareChange(ctx, imageshare.ShareChange{ImageID: "img", Add: []int64{ids[2]}, By: owner.ID, At: at(0)})
	ok(t, err)
	order := []int64{ids[2], ids[1], ids[3], ids[0]}

	t.Run("Order", func(t *testing.T) {
		wantShared(t, s, "img", order...)
	})
	t.Run("Fields", func(t *testing.T) {
		shares, _, err := s.ListShares(ctx, "img", imageshare.Page{Limit: 1})
		ok(t, err)
		sh := shares[0]
		if sh.ImageID != "img" || sh.AccountID != ids[2] || sh.AccountName != "l2@example.com" || sh.SharedBy != owner.ID {
			t.Fatalf("share = %+v", sh)
		}
		wantTime(t, "SharedAt", sh.SharedAt, at(0))
	})
	t.Run("Page", func(t *testing.T) {
		shares, total, err := s.ListShares(ctx, "img", imageshare.Page{Offset: 1, Limit: 2})
		ok(t, err)
		if total != 4 || len(shares) != 2 || shares[0].AccountID != order[1] || shares[1].AccountID != order[2] {
			t.Fatalf("page {1,2}: %d shares, total %d; want %v of 4", len(shares), total, order[1:3])
		}
		shares, total, err = s.ListShares(ctx, "img", imageshare.Page{Offset: 4, Limit: 2})
		ok(t, err)
		if total != 4 || shares == nil || len(shares) != 0 {
			t.Fatalf("page past the end: %v, total %d; want an empty slice of 4", shares, total)
		}
	})
	t.Run("FindImageShares", func(t *testing.T) {
		// The image with the same pages and totals as ListShares gives.
		for _, id := range []string{"img", "empty"} {
			want, err := s.FindImageByID(ctx, id)
			ok(t, err)
			for _, p := range []imageshare.Page{{}, {Limit: 1}, {Offset: 1, Limit: 2}, {Offset: 3, Limit: 2}, {Offset: 4, Limit: 2}, {Offset: 9, Limit: 4}} {
				wantShares, wantTotal, err := s.ListShares(ctx, id, p)
				ok(t, err)
				im, shares, total, err := s.FindImageShares(ctx, id, owner.ID, p)
				ok(t, err)
				if im == nil || im.ID != id || im.OwnerID != want.OwnerID || im.Name != want.Name {
					t.Fatalf("FindImageShares(%q, %+v) image = %+v, want %+v", id, p, im, want)
				}
				if shares == nil || total != wantTotal || len(shares) != len(wantShares) {
					t.Fatalf("FindImageShares(%q, %+v) = %d shares (nil %v), total %d; ListShares %d, total %d",
						id, p, len(shares), shares == nil, total, len(wantShares), wantTotal)
				}
				for i := range shares {
					if *shares[i] != *wantShares[i] {
						t.Fatalf("FindImageShares(%q, %+v) share %d = %+v, want %+v", id, p, i, shares[i], wantShares[i])
					}
				}
			}
		}
		_, _, _, err := s.FindImageShares(ctx, "missing", owner.ID, imageshare.Page{})
		wantErr(t, err, imageshare.KindNotFound, imageshare.ReasonImageNotFound)
	})
	// Another owner's image answers as a missing one does, and nothing of
	// it comes back; so does a platform image, which no account owns.
	t.Run("NotOwned", func(t *testing.T) {
		platform := &imageshare.Image{ID: "platform", Region: "cn-wlcb", Type: imageshare.ImageSystem,
			Status: imageshare.StatusAvailable, Name: "platform", CreatedAt: at(0)}
		ok(t, s.CreateImage(ctx, platform))
		for _, c := range []struct {
			id    string
			owner int64
		}{{"img", ids[0]}, {"img", 0}, {"platform", 0}, {"platform", owner.ID}, {"missing", 0}} {
			im, shares, total, err := s.FindImageShares(ctx, c.id, c.owner, imageshare.Page{})
			wantErr(t, err, imageshare.KindNotFound, imageshare.ReasonImageNotFound)
			if im != nil || shares != nil || total != 0 {
				t.Fatalf("FindImageShares(%q, owner %d) = %v, %v, %d with the error; want nothing", c.id, c.owner, im, shares, total)
			}
			im, err = s.FindOwnedImage(ctx, c.id, c.owner)
			wantErr(t, err, imageshare.KindNotFound, imageshare.ReasonImageNotFound)
			if im != nil {
				t.Fatalf("FindOwnedImage(%q, owner %d) = %v with the error; want nil", c.id, c.owner, im)
			}
		}
		for _, id := range []string{"img", "missing"} {
			im, err := s.FindPlatformImage(ctx, id)
			wantErr(t, err, imageshare.KindNotFound, imageshare.ReasonImageNotFound)
			if im != nil {
				t.Fatalf("FindPlatformImage(%q) = %v with the error; want nil", id, im)
			}
		}
		if im, err := s.FindPlatformImage(ctx, "platform"); err != nil || im.ID != "platform" || im.Type != imageshare.ImageSystem {
			t.Fatalf("FindPlatformImage(platform) = %+v, %v", im, err)
		}
		im, err := s.FindOwnedImage(ctx, "img", owner.ID)
		ok(t, err)
		want, err := s.FindImageByID(ctx, "img")
		ok(t, err)
		if im.ID != want.ID || im.OwnerID != want.OwnerID || im.Name != want.Name || !im.CreatedAt.Equal(want.CreatedAt) {
			t.Fatalf("FindOwnedImage = %+v, want %+v", im, want)
		}
	})
	t.Run("Empty", func(t *testing.T) {
		for _, id := range []string{"empty", "missing"} {
			shares, total, err := s.ListShares(ctx, id, imageshare.Page{})
			ok(t, err)
			if shares == nil || len(shares) != 0 || total != 0 {
				t.Fatalf("ListShares(%q) = %v, %d; want an empty non-nil slice and 0", id, shares, total)
			}
		}
	})
}
