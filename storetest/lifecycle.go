package storetest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/imageshare/imageshare"
)

// runCommunity runs the CommunityStore part of the suite.
func runCommunity(t *testing.T, newStore newStoreFunc) {
	t.Run("CreateCustomImage", func(t *testing.T) { testCreateCustomImage(t, newStore) })
	t.Run("FinishBuilds", func(t *testing.T) { testFinishBuilds(t, newStore) })
	t.Run("ChangeImageStatus", func(t *testing.T) { testChangeImageStatus(t, newStore) })
	t.Run("CreateVersion", func(t *testing.T) { testCreateVersion(t, newStore) })
	t.Run("FindCommunityImages", func(t *testing.T) { testFindCommunityImages(t, newStore) })
	t.Run("FindVersionGroups", func(t *testing.T) { testFindVersionGroups(t, newStore) })
	t.Run("CommunitySearchText", func(t *testing.T) { testCommunitySearchText(t, newStore) })
	t.Run("CommunitySearchFollowsWrites", func(t *testing.T) { testCommunitySearchFollowsWrites(t, newStore) })
	t.Run("ListCatalogTags", func(t *testing.T) { testListCatalogTags(t, newStore) })
	t.Run("Quota", func(t *testing.T) { testQuota(t, newStore) })
}

func custom(id string, owner int64, name string) *imageshare.Image {
	return &imageshare.Image{ID: id, Region: "cn-wlcb", OwnerID: owner, Type: imageshare.ImageCustom,
		Status: imageshare.StatusMaking, Name: name, CreatedAt: at(1), BuildStartedAt: at(1), BuildDoneAt: at(4)}
}

func testCreateCustomImage(t *testing.T, newStore newStoreFunc) {
	ctx := context.Background()
	t.Run("RoundTrip", func(t *testing.T) {
		s := newStore(t)
		a := account(t, s, "a@example.com")
		want := fullImage("img-full", a.ID)
		ok(t, s.CreateCustomImage(ctx, want, imageshare.Quota{}))
		got, err := s.FindImageByID(ctx, "img-full")
		ok(t, err)
		wantImage(t, got, want)
	})
	t.Run("ErrConflictDuplicateName", func(t *testing.T) {
		s := newStore(t)
		a := account(t, s, "a@example.com")
		ok(t, s.CreateCustomImage(ctx, custom("i-1", a.ID, "model"), imageshare.Quota{}))
		wantErr(t, s.CreateCustomImage(ctx, custom("i-2", a.ID, "model"), imageshare.Quota{}), imageshare.KindConflict, imageshare.ReasonDuplicateName)
		if _, err := s.FindImageByID(ctx, "i-2"); imageshare.ErrorKind(err) != imageshare.KindNotFound {
			t.Fatalf("refused image was stored (err %v)", err)
		}
	})
	t.Run("NameIsPerOwnerAndExact", func(t *testing.T) {
		s := newStore(t)
		a := account(t, s, "a@example.com")
		b := account(t, s, "b@example.com")
		ok(t, s.CreateCustomImage(ctx, custom("i-1", a.ID, "model"), imageshare.Quota{}))
		ok(t, s.CreateCustomImage(ctx, custom("i-2", b.ID, "model"), imageshare.Quota{}))
		ok(t, s.CreateCustomImage(ctx, custom("i-3", a.ID, "Model"), imageshare.Quota{}))
		// A community version may carry the name of its source image.
		ok(t, s.CreateImage(ctx, &imageshare.Image{ID: "v-1", Region: "cn-wlcb", OwnerID: a.ID, Type: imageshare.ImageCommunity,
			Status: imageshare.StatusReviewing, Name: "other"}))
		ok(t, s.CreateCustomImage(ctx, custom("i-4", a.ID, "other"), imageshare.Quota{}))
	})
	t.Run("ErrConflictID", func(t *testing.T) {
		s := newStore(t)
		a := account(t, s, "a@example.com")
		ok(t, s.CreateCustomImage(ctx, custom("i-1", a.ID, "one"), imageshare.Quota{}))
		wantErr(t, s.CreateCustomImage(ctx, custom("i-1", a.ID, "two"), imageshare.Quota{}), imageshare.KindConflict, imageshare.ReasonImageConflict)
	})
	t.Run("ErrNotFoundOwner", func(t *testing.T) {
		s := newStore(t)
		a := account(t, s, "a@example.com")
		wantErr(t, s.CreateCustomImage(ctx, custom("i-1", a.ID+1000, "one"), imageshare.Quota{}), imageshare.KindNotFound, imageshare.ReasonAccountNotFound)
	})
}

func testFinishBuilds(t *testing.T, newStore newStoreFunc) {
	ctx := context.Background()
	t.Run("DueOnly", func(t *testing.T) {
		s := newStore(t)
		a := account(t, s, "a@example.com")
		for _, im := range []*imageshare.Image{
			{ID: "due-10", Status: imageshare.StatusMaking, BuildDoneAt: at(10)},
			{ID: "due-20", Status: imageshare.StatusMaking, BuildDoneAt: at(20)},
			{ID: "due-zero", Status: imageshare.StatusMaking}, // no build time: due at once
			{ID: "done", Status: imageshare.StatusAvailable, BuildDoneAt: at(5)},
			{ID: "failed", Status: imageshare.StatusUnAvailable, BuildDoneAt: at(5)},
		} {
			im.Region, im.OwnerID, im.Type, im.Name = "cn-wlcb", a.ID, imageshare.ImageCustom, im.ID
			ok(t, s.CreateImage(ctx, im))
		}
		ids, err := s.FinishBuilds(ctx, at(10), 0)
		ok(t, err)
		if want := []string{"due-10", "due-zero"}; !slices.Equal(ids, want) {
			t.Fatalf("FinishBuilds(at 10) = %q, want %q", ids, want)
		}
		for id, want := range map[string]imageshare.ImageStatus{
			"due-10": imageshare.StatusAvailable, "due-zero": imageshare.StatusAvailable, "due-20": imageshare.StatusMaking,
			"done": imageshare.StatusAvailable, "failed": imageshare.StatusUnAvailable,
		} {
			im, err := s.FindImageByID(ctx, id)
			ok(t, err)
			if im.Status != want {
				t.Errorf("%s: status %s, want %s", id, im.Status, want)
			}
		}
		ids, err = s.FinishBuilds(ctx, at(10), 0)
		ok(t, err)
		if len(ids) != 0 {
			t.Fatalf("second FinishBuilds(at 10) = %q, want none", ids)
		}
		ids, err = s.FinishBuilds(ctx, at(20), 0)
		ok(t, err)
		if want := []string{"due-20"}; !slices.Equal(ids, want) {
			t.Fatalf("FinishBuilds(at 20) = %q, want %q", ids, want)
		}
	})
	t.Run("Limit", func(t *testing.T) {
		s := newStore(t)
		a := account(t, s, "a@example.com")
		for i := range 5 {
			ok(t, s.CreateImage(ctx, &imageshare.Image{ID: fmt.Sprintf("b-%d", i), Region: "cn-wlcb", OwnerID: a.ID,
				Type: imageshare.ImageCustom, Status: imageshare.StatusMaking, BuildDoneAt: at(i)}))
		}
		ids, err := s.FinishBuilds(ctx, at(100), 2)
		ok(t, err)
		// The earliest due go first.
		if want := []string{"b-0", "b-1"}; !slices.Equal(ids, want) {
			t.Fatalf("FinishBuilds(limit 2) = %q, want %q", ids, want)
		}
	})
	t.Run("ConcurrentCallsFinishEachBuildOnce", func(t *testing.T) {
		s := newStore(t)
		a := account(t, s, "a@example.com")
		const builds = 40
		for i := range builds {
			ok(t, s.CreateImage(ctx, &imageshare.Image{ID: fmt.Sprintf("b-%02d", i), Region: "cn-wlcb", OwnerID: a.ID,
				Type: imageshare.ImageCustom, Status: imageshare.StatusMaking, BuildDoneAt: at(i % 7)}))
		}
		var mu sync.Mutex
		seen := map[string]int{}
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for range 8 {
			wg.Go(func() {
				for {
					ids, err := s.FinishBuilds(ctx, at(10), 3)
					if err != nil {
						errs <- err
						return
					}
					if len(ids) == 0 {
						return
					}
					mu.Lock()
					for _, id := range ids {
						seen[id]++
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if len(seen) != builds {
			t.Fatalf("%d builds finished, want %d", len(seen), builds)
		}
		for id, n := range seen {
			if n != 1 {
				t.Errorf("build %s finished %d times", id, n)
			}
		}
	})
}

func testChangeImageStatus(t *testing.T, newStore newStoreFunc) {
	ctx := context.Background()
	s := newStore(t)
	a := account(t, s, "a@example.com")
	ok(t, s.CreateImage(ctx, &imageshare.Image{ID: "v-1", Region: "cn-wlcb", OwnerID: a.ID, Type: imageshare.ImageCommunity,
		Status: imageshare.StatusReviewing, Name: "v", FailedReason: "old"}))
	t.Run("Applies", func(t *testing.T) {
		empty := ""
		pub := at(30)
		im, err := s.ChangeImageStatus(ctx, imageshare.StatusChange{ImageID: "v-1",
			From: []imageshare.ImageStatus{imageshare.StatusReviewing, imageshare.StatusOffline}, To: imageshare.StatusAvailable,
			FailedReason: &empty, PublishedAt: &pub})
		ok(t, err)
		if im.Status != imageshare.StatusAvailable || im.FailedReason != "" {
			t.Fatalf("changed image %+v, want Available without a failed reason", im)
		}
		wantTime(t, "PublishedAt", im.PublishedAt, pub)
	})
	t.Run("KeepsUnsetFields", func(t *testing.T) {
		im, err := s.ChangeImageStatus(ctx, imageshare.StatusChange{ImageID: "v-1",
			From: []imageshare.ImageStatus{imageshare.StatusAvailable}, To: imageshare.StatusOffline})
		ok(t, err)
		if im.Status != imageshare.StatusOffline {
			t.Fatalf("status %s, want Offline", im.Status)
		}
		wantTime(t, "PublishedAt", im.PublishedAt, at(30))
	})
	t.Run("ErrConflictState", func(t *testing.T) {
		reason := "spam"
		_, err := s.ChangeImageStatus(ctx, imageshare.StatusChange{ImageID: "v-1",
			From: []imageshare.ImageStatus{imageshare.StatusReviewing}, To: imageshare.StatusUnAvailable, FailedReason: &reason})
		wantErr(t, err, imageshare.KindConflict, imageshare.ReasonImageNotAvailable)
		im, err := s.FindImageByID(ctx, "v-1")
		ok(t, err)
		if im.Status != imageshare.StatusOffline || im.FailedReason != "" {
			t.Fatalf("refused change altered the image: %+v", im)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := s.ChangeImageStatus(ctx, imageshare.StatusChange{ImageID: "missing",
			From: []imageshare.ImageStatus{imageshare.StatusReviewing}, To: imageshare.StatusAvailable})
		wantErr(t, err, imageshare.KindNotFound, imageshare.ReasonImageNotFound)
	})
}

// version returns a Reviewing community version of group g owned by owner.
func version(id string, owner int64, g, versionName string) *imageshare.Image {
	return &imageshare.Image{ID: id, Region: "cn-wlcb", OwnerID: owner, Type: imageshare.ImageCommunity,
		Status: imageshare.StatusReviewing, Name: "pub " + id, GroupID: g, VersionName: versionName, CreatedAt: at(2)}
}

func testCreateVersion(t *testing.T, newStore newStoreFunc) {
	ctx := context.Background()
	t.Run("RecordsLineage", func(t *testing.T) {
		s := newStore(t)
		a := account(t, s, "a@example.com")
		ok(t, s.CreateCustomImage(ctx, custom("src", a.ID, "src"), imageshare.Quota{}))
		want := version("v-1", a.ID, "g-1", "v1")
		want.Tags = []string{"llm", "aigc"}
		ok(t, s.CreateVersion(ctx, want, "src", imageshare.Quota{}))
		got, err := s.FindImageByID(ctx, "v-1")
		ok(t, err)
		wantImage(t, got, want)
		src, err := s.FindImageByID(ctx, "src")
		ok(t, err)
		if src.GroupID != "g-1" {
			t.Fatalf("source GroupID = %q, want g-1", src.GroupID)
		}
		// A later version in another group moves the lineage.
		ok(t, s.CreateVersion(ctx, version("v-2", a.ID, "g-2", "v1"), "src", imageshare.Quota{}))
		src, err = s.FindImageByID(ctx, "src")
		ok(t, err)
		if src.GroupID != "g-2" {
			t.Fatalf("source GroupID = %q, want g-2", src.GroupID)
		}
	})
	t.Run("ErrConflictVersionName", func(t *testing.T) {
		s := newStore(t)
		a := account(t, s, "a@example.com")
		ok(t, s.CreateCustomImage(ctx, custom("src", a.ID, "src"), imageshare.Quota{}))
		ok(t, s.CreateVersion(ctx, version("v-1", a.ID, "g-1", "v1"), "src", imageshare.Quota{}))
		wantErr(t, s.CreateVersion(ctx, version("v-2", a.ID, "g-1", "v1"), "src", imageshare.Quota{}), imageshare.KindConflict, imageshare.ReasonDuplicateName)
		ok(t, s.CreateVersion(ctx, version("v-3", a.ID, "g-1", "v2"), "src", imageshare.Quota{}))
	})
	t.Run("ErrConflictID", func(t *testing.T) {
		s := newStore(t)
		a := account(t, s, "a@example.com")
		ok(t, s.CreateCustomImage(ctx, custom("src", a.ID, "src"), imageshare.Quota{}))
		wantErr(t, s.CreateVersion(ctx, version("src", a.ID, "g-1", "v1"), "src", imageshare.Quota{}), imageshare.KindConflict, imageshare.ReasonImageConflict)
	})
	t.Run("ErrNotFoundSource", func(t *testing.T) {
		s := newStore(t)
		a := account(t, s, "a@example.com")
		wantErr(t, s.CreateVersion(ctx, version("v-1", a.ID, "g-1", "v1"), "missing", imageshare.Quota{}), imageshare.KindNotFound, imageshare.ReasonImageNotFound)
		if _, err := s.FindImageByID(ctx, "v-1"); imageshare.ErrorKind(err) != imageshare.KindNotFound {
			t.Fatalf("refused version was stored (err %v)", err)
		}
	})
	t.Run("ErrNotFoundOwner", func(t *testing.T) {
		s := newStore(t)
		a := account(t, s, "a@example.com")
		ok(t, s.CreateCustomImage(ctx, custom("src", a.ID, "src"), imageshare.Quota{}))
		wantErr(t, s.CreateVersion(ctx, version("v-1", a.ID+1000, "g-1", "v1"), "src", imageshare.Quota{}), imageshare.KindNotFound, imageshare.ReasonAccountNotFound)
	})
}
