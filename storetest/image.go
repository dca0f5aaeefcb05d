package storetest

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/imageshare/imageshare"
)

// fullImage has every field set to a non-zero value.
func fullImage(id string, owner int64) *imageshare.Image {
	return &imageshare.Image{
		ID: id, Region: "cn-hangzhou", OwnerID: owner, Type: imageshare.ImageCustom, Status: imageshare.StatusMaking,
		Name: `My 100%_ "image" \ 'ü'`, Description: "desc\nwith newline", SizeMB: 20480,
		Tags:      []string{"zeta", "alpha", "mid", "alpha"},
		CreatedAt: at(1), Readme: "# readme", Cover: "https://example.com/c.png", Author: "alice",
		AuthInfo: 2, AutoStart: true, Container: true, ImageCharge: true, Price: 12.345, IsOfficial: true, Visibility: 1,
		Softwares: imageshare.Software{Applications: []string{"jupyter", "comfyui"}, CUDAVersion: "12.4",
			Framework: "PyTorch", FrameworkVersion: "2.3"},
		SourceGPUType: "4090", SourceInstance: "uhost-1", FailedReason: "none", GroupID: "g-1",
		VersionName: "v1", VersionDesc: "first", CreatedCount: 3, FavoritesCount: 4, ImageUseTime: 5,
		PublishedAt: at(2), IsPublic: true, OSName: "Ubuntu 22.04", OSType: "linux",
		BuildStartedAt: at(3), BuildDoneAt: at(4),
	}
}

// wantImage fails unless got equals want field by field, with times
// compared as instants returned in UTC and nil and empty tags alike.
func wantImage(t *testing.T, got, want *imageshare.Image) {
	t.Helper()
	wantTime(t, "CreatedAt", got.CreatedAt, want.CreatedAt)
	wantTime(t, "PublishedAt", got.PublishedAt, want.PublishedAt)
	wantTime(t, "BuildStartedAt", got.BuildStartedAt, want.BuildStartedAt)
	wantTime(t, "BuildDoneAt", got.BuildDoneAt, want.BuildDoneAt)
	if !slices.Equal(got.Tags, want.Tags) {
		t.Errorf("Tags = %q, want %q", got.Tags, want.Tags)
	}
	g, w := *got, *want
	for _, im := range []*imageshare.Image{&g, &w} {
		im.CreatedAt, im.PublishedAt, im.BuildStartedAt, im.BuildDoneAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		im.Tags = nil
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("image = %+v\nwant    %+v", g, w)
	}
}

func testCreateImage(t *testing.T, newStore newStoreFunc) {
	ctx := context.Background()
	t.Run("RoundTrip", func(t *testing.T) {
		s := newStore(t)
		a := account(t, s, "a@example.com")
		want := fullImage("img-full", a.ID)
		ok(t, s.CreateImage(ctx, want))
		got, err := s.FindImageByID(ctx, "img-full")
		ok(t, err)
		wantImage(t, got, want)
	})
	t.Run("ZeroValues", func(t *testing.T) {
		s := newStore(t)
		want := &imageshare.Image{ID: "sys-1", Region: "bj", Type: imageshare.ImageSystem, Status: imageshare.StatusAvailable}
		ok(t, s.CreateImage(ctx, want))
		got, err := s.FindImageByID(ctx, "sys-1")
		ok(t, err)
		wantImage(t, got, want)
		if got.OwnerID != 0 {
			t.Errorf("OwnerID = %d, want 0 for a platform image", got.OwnerID)
		}
	})
	t.Run("EmptySoftwareLists", func(t *testing.T) {
		s := newStore(t)
		want := &imageshare.Image{ID: "sys-1", Type: imageshare.ImageSystem, Softwares: imageshare.Software{Applications: []string{}}}
		ok(t, s.CreateImage(ctx, want))
		got, err := s.FindImageByID(ctx, "sys-1")
		ok(t, err)
		if len(got.Softwares.Applications) != 0 {
			t.Errorf("Applications = %q, want none", got.Softwares.Applications)
		}
	})
	t.Run("ErrConflict", func(t *testing.T) {
		s := newStore(t)
		a := account(t, s, "a@example.com")
		image(t, s, "img-1", a.ID, 0)
		err := s.CreateImage(ctx, &imageshare.Image{ID: "img-1", OwnerID: a.ID, Type: imageshare.ImageCustom, Name: "other"})
		wantErr(t, err, imageshare.KindConflict, imageshare.ReasonImageConflict)
		got, err := s.FindImageByID(ctx, "img-1")
		ok(t, err)
		if got.Name != "img-1" {
			t.Fatalf("a conflicting create changed the name to %q", got.Name)
		}
	})
	t.Run("ErrNotFoundOwner", func(t *testing.T) {
		s := newStore(t)
		a := account(t, s, "a@example.com")
		err := s.CreateImage(ctx, &imageshare.Image{ID: "img-1", OwnerID: a.ID + 1000, Type: imageshare.ImageCustom, Tags: []string{"x"}})
		wantErr(t, err, imageshare.KindNotFound, imageshare.ReasonAccountNotFound)
		_, err = s.FindImageByID(ctx, "img-1")
		wantErr(t, err, imageshare.KindNotFound, imageshare.ReasonImageNotFound)
	})
	t.Run("FindImageByID/ErrNotFound", func(t *testing.T) {
		s := newStore(t)
		_, err := s.FindImageByID(ctx, "missing")
		wantErr(t, err, imageshare.KindNotFound, imageshare.ReasonImageNotFound)
	})
}

func testUpdateImage(t *testing.T, newStore newStoreFunc) {
	ctx := context.Background()
	t.Run("OnlyGivenFields", func(t *testing.T) {
		s := newStore(t)
		a := account(t, s, "a@example.com")
		want := fullImage("img-1", a.ID)
		ok(t, s.CreateImage(ctx, want))
		got, err := s.UpdateImage(ctx, "img-1", imageshare.ImageUpdate{})
		ok(t, err)
		wantImage(t, got, want)
		name := "Renamed"
		got, err = s.UpdateImage(ctx, "img-1", imageshare.ImageUpdate{Name: &name})
		ok(t, err)
		want.Name = name
		wantImage(t, got, want)
		stored, err := s.FindImageByID(ctx, "img-1")
		ok(t, err)
		wantImage(t, stored, want)
	})
	t.Run("EveryField", func(t *testing.T) {
		s := newStore(t)
		a := account(t, s, "a@example.com")
		want := fullImage("img-1", a.ID)
		ok(t, s.CreateImage(ctx, want))
		var (
			name, desc, readme, cover = "New NAME", "new desc", "new readme", "new cover"
			tags                      = []string{"b", "a"}
			visibility                = 0
			softwares                 = imageshare.Software{CUDAVersion: "11.8"}
			status                    = imageshare.StatusAvailable
			public                    = false
			size                      = int64(1)
			done                      = time.Time{}
		)
		got, err := s.UpdateImage(ctx, "img-1", imageshare.ImageUpdate{Name: &name, Description: &desc, Readme: &readme,
			Tags: &tags, Cover: &cover, Visibility: &visibility, Softwares: &softwares, Status: &status,
			IsPublic: &public, SizeMB: &size, BuildDoneAt: &done})
		ok(t, err)
		want.Name, want.Description, want.Readme, want.Cover = name, desc, readme, cover
		want.Tags, want.Visibility, want.Softwares, want.Status = tags, visibility, softwares, status
		want.IsPublic, want.SizeMB, want.BuildDoneAt = public, size, done
		wantImage(t, got, want)
		stored, err := s.FindImageByID(ctx, "img-1")
		ok(t, err)
		wantImage(t, stored, want)

		// The searchable forms follow the update.
		wantIDs(t, s, imageshare.ImageFilter{NameContains: "new name"}, []string{"img-1"}, 1)
		wantIDs(t, s, imageshare.ImageFilter{NameContains: "image"}, nil, 0)
		wantIDs(t, s, imageshare.ImageFilter{Tag: "b"}, []string{"img-1"}, 1)
		wantIDs(t, s, imageshare.ImageFilter{Tag: "zeta"}, nil, 0)

		done = at(9)
		got, err = s.UpdateImage(ctx, "img-1", imageshare.ImageUpdate{BuildDoneAt: &done, Tags: &[]string{}})
		ok(t, err)
		want.BuildDoneAt, want.Tags = done, nil
		wantImage(t, got, want)
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		s := newStore(t)
		name := "x"
		_, err := s.UpdateImage(ctx, "missing", imageshare.ImageUpdate{Name: &name})
		wantErr(t, err, imageshare.KindNotFound, imageshare.ReasonImageNotFound)
		_, err = s.UpdateImage(ctx, "missing", imageshare.ImageUpdate{})
		wantErr(t, err, imageshare.KindNotFound, imageshare.ReasonImageNotFound)
	})
}

func testDeleteImage(t *testing.T, newStore newStoreFunc) {
	ctx := context.Background()
	t.Run("RemovesSharesAndTags", func(t *testing.T) {
		s := newStore(t)
		ids := accounts(t, s, "d", 3)
		im := &imageshare.Image{ID: "img-1", OwnerID: ids[0], Type: imageshare.ImageCustom, Tags: []string{"t1"}, CreatedAt: at(0)}
		ok(t, s.CreateImage(ctx, im))
		image(t, s, "img-2", ids[0], 1)
		for _, id := range []string{"img-1", "img-2"} {
			_, err := s.ApplyShareChange(ctx, imageshare.ShareChange{ImageID: id, Add: ids[1:], By: ids[0], At: at(2)})
			ok(t, err)
		}
		ok(t, s.DeleteImage(ctx, "img-1", true))
		_, err := s.FindImageByID(ctx, "img-1")
		wantErr(t, err, imageshare.KindNotFound, imageshare.ReasonImageNotFound)
		shares, total, err := s.ListShares(ctx, "img-1", imageshare.Page{})
		ok(t, err)
		if total != 0 || len(shares) != 0 {
			t.Fatalf("shares of a deleted image: %d (total %d), want none", len(shares), total)
		}
		if shared, err := s.IsSharedWith(ctx, "img-1", ids[1]); err != nil || shared {
			t.Fatalf("IsSharedWith(deleted) = %v, %v; want false", shared, err)
		}
		wantIDs(t, s, imageshare.ImageFilter{Scope: imageshare.ScopeShared, AccountID: ids[1]}, []string{"img-2"}, 1)
		wantIDs(t, s, imageshare.ImageFilter{Tag: "t1"}, nil, 0)

		// A new image under the same id starts with no shares or tags.
		image(t, s, "img-1", ids[0], 3)
		got, err := s.FindImageByID(ctx, "img-1")
		ok(t, err)
		if len(got.Tags) != 0 {
			t.Fatalf("recreated image has tags %q", got.Tags)
		}
		if _, total, err := s.ListShares(ctx, "img-1", imageshare.Page{}); err != nil || total != 0 {
			t.Fatalf("recreated image has %d shares (%v)", total, err)
		}
		// The other image kept its shares.
		if _, total, err := s.ListShares(ctx, "img-2", imageshare.Page{}); err != nil || total != 2 {
			t.Fatalf("img-2 has %d shares (%v), want 2", total, err)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		s := newStore(t)
		for _, force := range []bool{false, true} {
			wantErr(t, s.DeleteImage(ctx, "missing", force), imageshare.KindNotFound, imageshare.ReasonImageNotFound)
		}
	})
	// Without force, a shared or public image is refused and left whole;
	// an unshared one (shares all removed, public turned off) is deleted.
	t.Run("UnlessShared", func(t *testing.T) {
		s := newStore(t)
		ids := accounts(t, s, "u", 2)
		image(t, s, "shared", ids[0], 0)
		image(t, s, "public", ids[0], 1)
		_, err := s.ApplyShareChange(ctx, imageshare.ShareChange{ImageID: "shared", Add: ids[1:], By: ids[0], At: at(2)})
		ok(t, err)
		yes, no := true, false
		_, err = s.ApplyShareChange(ctx, imageshare.ShareChange{ImageID: "public", SetPublic: &yes, By: ids[0], At: at(2)})
		ok(t, err)
		for _, id := range []string{"shared", "public"} {
			wantErr(t, s.DeleteImage(ctx, id, false), imageshare.KindConflict, imageshare.ReasonImageShared)
			if _, err := s.FindImageByID(ctx, id); err != nil {
				t.Fatalf("refused delete of %q: image gone: %v", id, err)
			}
		}
		if shared, err := s.IsSharedWith(ctx, "shared", ids[1]); err != nil || !shared {
			t.Fatalf("refused delete: IsSharedWith = %v, %v; want true", shared, err)
		}
		_, err = s.ApplyShareChange(ctx, imageshare.ShareChange{ImageID: "shared", Remove: ids[1:], By: ids[0], At: at(3)})
		ok(t, err)
		_, err = s.ApplyShareChange(ctx, imageshare.ShareChange{ImageID: "public", SetPublic: &no, By: ids[0], At: at(3)})
		ok(t, err)
		for _, id := range []string{"shared", "public"} {
			ok(t, s.DeleteImage(ctx, id, false))
			_, err := s.FindImageByID(ctx, id)
			wantErr(t, err, imageshare.KindNotFound, imageshare.ReasonImageNotFound)
		}
		// Force deletes a shared image with its shares.
		image(t, s, "forced", ids[0], 4)
		_, err = s.ApplyShareChange(ctx, imageshare.ShareChange{ImageID: "forced", Add: ids[1:], SetPublic: &yes, By: ids[0], At: at(5)})
		ok(t, err)
		ok(t, s.DeleteImage(ctx, "forced", true))
		if shared, err := s.IsSharedWith(ctx, "forced", ids[1]); err != nil || shared {
			t.Fatalf("forced delete: IsSharedWith = %v, %v; want false", shared, err)
		}
	})
	// A share and a delete without force of one image, sent together:
	// whichever runs first, both are never acknowledged (the share would
	// be deleted with the image).
	t.Run("RacesShare", func(t *testing.T) {
		s := newStore(t)
		ids := accounts(t, s, "r", 2)
		for i := range 100 {
			id := fmt.Sprintf("race-%d", i)
			image(t, s, id, ids[0], i)
			var shareErr, deleteErr error
			var wg sync.WaitGroup
			start := make(chan struct{})
			wg.Go(func() {
				<-start
				_, shareErr = s.ApplyShareChange(ctx, imageshare.ShareChange{ImageID: id, Add: ids[1:], By: ids[0], At: at(i)})
			})
			wg.Go(func() {
				<-start
				deleteErr = s.DeleteImage(ctx, id, false)
			})
			close(start)
			wg.Wait()
			switch {
			case shareErr == nil && deleteErr == nil:
				t.Fatalf("race %d: share and delete both acknowledged: the share is lost", i)
			case shareErr == nil:
				wantErr(t, deleteErr, imageshare.KindConflict, imageshare.ReasonImageShared)
			case deleteErr == nil:
				wantErr(t, shareErr, imageshare.KindNotFound, imageshare.ReasonImageNotFound)
			default:
				t.Fatalf("race %d: both failed: share %v, delete %v", i, shareErr, deleteErr)
			}
		}
	})
}
