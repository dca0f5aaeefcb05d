package storetest

import (
	"context"
	"slices"
	"testing"

	"github.com/imageshare/imageshare"
)

// wantIDs fails unless FindImages(f) returns exactly the images ids, in
// that order, and the given total.
func wantIDs(t *testing.T, s imageshare.Store, f imageshare.ImageFilter, ids []string, total int) {
	t.Helper()
	images, n, err := s.FindImages(context.Background(), f)
	ok(t, err)
	got := []string{}
	for _, im := range images {
		got = append(got, im.ID)
	}
	if ids == nil {
		ids = []string{}
	}
	if !slices.Equal(got, ids) || n != total {
		t.Errorf("FindImages(%+v) = %q, total %d; want %q, total %d", f, got, n, ids, total)
	}
}

func testFindImages(t *testing.T, newStore newStoreFunc) {
	ctx := context.Background()
	s := newStore(t)
	a := account(t, s, "a@example.com")
	b := account(t, s, "b@example.com")
	c := account(t, s, "c@example.com")
	create := func(im *imageshare.Image) {
		t.Helper()
		if im.Status == "" {
			im.Status = imageshare.StatusAvailable
		}
		if im.Region == "" {
			im.Region = "cn-wlcb"
		}
		ok(t, s.CreateImage(ctx, im))
	}
	// Creation order differs from the listing order on purpose.
	create(&imageshare.Image{ID: "c-1", OwnerID: b.ID, Type: imageshare.ImageCommunity, Name: `back\slash`, CreatedAt: at(6)})
	create(&imageshare.Image{ID: "a-2", OwnerID: a.ID, Type: imageshare.ImageCustom, Name: "100x-done", Region: "bj", Tags: []string{"llm"}, CreatedAt: at(3)})
	create(&imageshare.Image{ID: "sys-1", Type: imageshare.ImageSystem, Name: "Ubuntu 22.04", Tags: []string{"base"}, Author: "platform", CreatedAt: at(1)})
	create(&imageshare.Image{ID: "app-1", Type: imageshare.ImageApp, Name: "Stable Diffusion", Region: "bj", Author: "platform", CreatedAt: at(2)})
	create(&imageshare.Image{ID: "a-1", OwnerID: a.ID, Type: imageshare.ImageCustom, Status: imageshare.StatusMaking, Name: "100%_done",
		Tags: []string{"gpu", "llm"}, Author: "alice", CreatedAt: at(3)})
	create(&imageshare.Image{ID: "a-3", OwnerID: a.ID, Type: imageshare.ImageCustom, Name: "MyModel Ärger", CreatedAt: at(5)})
	create(&imageshare.Image{ID: "b-1", OwnerID: b.ID, Type: imageshare.ImageCustom, Name: "b's image", IsPublic: true, CreatedAt: at(4)})
	_, err := s.ApplyShareChange(ctx, imageshare.ShareChange{ImageID: "b-1", Add: []int64{a.ID}, By: b.ID, At: at(7)})
	ok(t, err)

	all := []string{"sys-1", "app-1", "a-1", "a-2", "b-1", "a-3", "c-1"}
	for _, tc := range []struct {
		name string
		f    imageshare.ImageFilter
		want []string
	}{
		{"All", imageshare.ImageFilter{}, all},
		{"Owned", imageshare.ImageFilter{Scope: imageshare.ScopeOwned, AccountID: a.ID}, []string{"a-1", "a-2", "a-3"}},
		{"OwnedNone", imageshare.ImageFilter{Scope: imageshare.ScopeOwned, AccountID: c.ID}, nil},
		// b-1 is also public, which ScopeShared ignores: only explicit shares count.
		{"Shared", imageshare.ImageFilter{Scope: imageshare.ScopeShared, AccountID: a.ID}, []string{"b-1"}},
		{"SharedNone", imageshare.ImageFilter{Scope: imageshare.ScopeShared, AccountID: c.ID}, nil},
		{"Platform", imageshare.ImageFilter{Scope: imageshare.ScopePlatform}, []string{"sys-1", "app-1"}},
		{"IDs", imageshare.ImageFilter{IDs: []string{"a-3", "missing", "sys-1"}}, []string{"sys-1", "a-3"}},
		{"Region", imageshare.ImageFilter{Region: "bj"}, []string{"app-1", "a-2"}},
		{"Types", imageshare.ImageFilter{Types: []imageshare.ImageType{imageshare.ImageCommunity, imageshare.ImageSystem}}, []string{"sys-1", "c-1"}},
		{"Statuses", imageshare.ImageFilter{Statuses: []imageshare.ImageStatus{imageshare.StatusMaking}}, []string{"a-1"}},
		{"NameContainsPercentUnderscore", imageshare.ImageFilter{NameContains: "%_"}, []string{"a-1"}},
		{"NameContainsUnderscore", imageshare.ImageFilter{NameContains: "_d"}, []string{"a-1"}},
		{"NameContainsPercent", imageshare.ImageFilter{NameContains: "%"}, []string{"a-1"}},
		{"NameContainsBackslash", imageshare.ImageFilter{NameContains: `k\s`}, []string{"c-1"}},
		{"NameContainsQuote", imageshare.ImageFilter{NameContains: "'s"}, []string{"b-1"}},
		{"NameContainsCaseInsensitive", imageshare.ImageFilter{NameContains: "mYmOdEl"}, []string{"a-3"}},
		{"NameContainsCaseInsensitiveUnicode", imageshare.ImageFilter{NameContains: "äRGER"}, []string{"a-3"}},
		{"NameContainsSubstring", imageshare.ImageFilter{NameContains: "buntu 22"}, []string{"sys-1"}},
		{"NameContainsNone", imageshare.ImageFilter{NameContains: "zzz"}, nil},
		{"NameExact", imageshare.ImageFilter{NameExact: "100%_done"}, []string{"a-1"}},
		{"NameExactIsExact", imageshare.ImageFilter{NameExact: "100%_DONE"}, nil},
		{"NameExactNoWildcards", imageshare.ImageFilter{NameExact: "100__done"}, nil},
		{"Tag", imageshare.ImageFilter{Tag: "llm"}, []string{"a-1", "a-2"}},
		{"TagExact", imageshare.ImageFilter{Tag: "ll"}, nil},
		{"Author", imageshare.ImageFilter{Author: "platform"}, []string{"sys-1", "app-1"}},
		{"Combined", imageshare.ImageFilter{Scope: imageshare.ScopeOwned, AccountID: a.ID, Tag: "llm", Region: "bj"}, []string{"a-2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantIDs(t, s, tc.f, tc.want, len(tc.want))
		})
	}

	t.Run("Page", func(t *testing.T) {
		wantIDs(t, s, imageshare.ImageFilter{Page: imageshare.Page{Offset: 2, Limit: 3}}, all[2:5], len(all))
		wantIDs(t, s, imageshare.ImageFilter{Page: imageshare.Page{Limit: 1}}, all[:1], len(all))
		wantIDs(t, s, imageshare.ImageFilter{Page: imageshare.Page{Offset: 5}}, all[5:], len(all))
		wantIDs(t, s, imageshare.ImageFilter{Page: imageshare.Page{Offset: 100, Limit: 3}}, nil, len(all))
		wantIDs(t, s, imageshare.ImageFilter{Scope: imageshare.ScopeOwned, AccountID: a.ID, Page: imageshare.Page{Offset: 1, Limit: 1}},
			[]string{"a-2"}, 3)
	})
	t.Run("FullRecords", func(t *testing.T) {
		full := fullImage("z-full", a.ID)
		full.CreatedAt = at(100)
		ok(t, s.CreateImage(ctx, full))
		images, _, err := s.FindImages(ctx, imageshare.ImageFilter{IDs: []string{"z-full"}})
		ok(t, err)
		if len(images) != 1 {
			t.Fatalf("found %d images, want 1", len(images))
		}
		wantImage(t, images[0], full)
	})
}
