package storetest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/imageshare/imageshare"
)

// testQuota checks imageshare.Quota on the create and update paths: the
// count and the bytes are checked in the change's own transaction, a
// refused change leaves nothing behind, and concurrent creates of one
// account never pass the quota together.
func testQuota(t *testing.T, newStore newStoreFunc) {
	ctx := context.Background()
	t.Run("CustomImages", func(t *testing.T) {
		s := newStore(t)
		a := account(t, s, "a@example.com")
		b := account(t, s, "b@example.com")
		q := imageshare.Quota{MaxCustomImages: 2}
		ok(t, s.CreateCustomImage(ctx, custom("i-1", a.ID, "one"), q))
		ok(t, s.CreateCustomImage(ctx, custom("i-2", a.ID, "two"), q))
		wantErr(t, s.CreateCustomImage(ctx, custom("i-3", a.ID, "three"), q), imageshare.KindLimitExceeded, imageshare.ReasonAccountQuota)
		wantMissing(t, s, "i-3")
		// The quota is per account, and versions do not count against it.
		ok(t, s.CreateCustomImage(ctx, custom("i-4", b.ID, "one"), q))
		ok(t, s.CreateVersion(ctx, version("v-1", a.ID, "g-1", "v1"), "i-1", imageshare.Quota{MaxCommunityVersions: 1}))
		// A deleted image frees its place (once built: an image being
		// created cannot be deleted).
		_, err := s.FinishBuilds(ctx, at(4), 10)
		ok(t, err)
		ok(t, s.DeleteImage(ctx, "i-2", true))
		ok(t, s.CreateCustomImage(ctx, custom("i-5", a.ID, "five"), q))
	})
	t.Run("CommunityVersions", func(t *testing.T) {
		s := newStore(t)
		a := account(t, s, "a@example.com")
		q := imageshare.Quota{MaxCommunityVersions: 1, MaxCustomImages: 1}
		ok(t, s.CreateCustomImage(ctx, custom("src", a.ID, "src"), q))
		ok(t, s.CreateVersion(ctx, version("v-1", a.ID, "g-1", "v1"), "src", q))
		wantErr(t, s.CreateVersion(ctx, version("v-2", a.ID, "g-1", "v2"), "src", q), imageshare.KindLimitExceeded, imageshare.ReasonAccountQuota)
		wantMissing(t, s, "v-2")
		// The refused version did not record its group on the source either.
		src, err := s.FindImageByID(ctx, "src")
		ok(t, err)
		if src.GroupID != "g-1" {
			t.Fatalf("source group = %q, want g-1 (from v-1 only)", src.GroupID)
		}
	})
	t.Run("TextBytes", func(t *testing.T) {
		s := newStore(t)
		a := account(t, s, "a@example.com")
		q := imageshare.Quota{MaxTextBytes: 1000}
		big := custom("i-1", a.ID, "big") // 3 bytes of name
		big.Readme = strings.Repeat("r", 600)
		ok(t, s.CreateCustomImage(ctx, big, q)) // 603 bytes
		over := custom("i-2", a.ID, "over")
		over.Cover = strings.Repeat("c", 400) // 404: 1007 in all
		wantErr(t, s.CreateCustomImage(ctx, over, q), imageshare.KindLimitExceeded, imageshare.ReasonAccountQuota)
		wantMissing(t, s, "i-2")
		fits := custom("i-3", a.ID, "fits")
		fits.Description = strings.Repeat("d", 393) // 397: 1000 in all, exactly the quota
		ok(t, s.CreateCustomImage(ctx, fits, q))
		v := version("v-1", a.ID, "g-1", "v1")
		wantErr(t, s.CreateVersion(ctx, v, "i-1", q), imageshare.KindLimitExceeded, imageshare.ReasonAccountQuota)
		wantMissing(t, s, "v-1")

		// An update that grows the texts past the quota is refused and
		// changes nothing; one that shrinks them passes, even while the
		// account is over a lowered quota.
		longer := strings.Repeat("R", 601)
		_, err := s.UpdateImage(ctx, "i-1", imageshare.ImageUpdate{Readme: &longer, Quota: q})
		wantErr(t, err, imageshare.KindLimitExceeded, imageshare.ReasonAccountQuota)
		got, err := s.FindImageByID(ctx, "i-1")
		ok(t, err)
		if got.Readme != big.Readme {
			t.Fatalf("refused update changed the readme to %d bytes", len(got.Readme))
		}
		lowered := imageshare.Quota{MaxTextBytes: 500}
		shorter := strings.Repeat("r", 300)
		_, err = s.UpdateImage(ctx, "i-1", imageshare.ImageUpdate{Readme: &shorter, Quota: lowered})
		ok(t, err)
		// Without a text quota an update is not bounded.
		_, err = s.UpdateImage(ctx, "i-1", imageshare.ImageUpdate{Readme: &longer})
		ok(t, err)
		// Another account's texts do not count.
		b := account(t, s, "b@example.com")
		other := custom("i-4", b.ID, "other")
		other.Readme = strings.Repeat("o", 990)
		ok(t, s.CreateCustomImage(ctx, other, q))
	})
	t.Run("ConcurrentCreates", func(t *testing.T) {
		// Twenty creates of one account race a quota of five: exactly five
		// are acknowledged, the others refused, and the store holds five.
		s := newStore(t)
		a := account(t, s, "a@example.com")
		const quota, racers = 5, 20
		q := imageshare.Quota{MaxCustomImages: quota}
		errs := make([]error, racers)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range racers {
			wg.Go(func() {
				<-start
				errs[i] = s.CreateCustomImage(ctx, custom(fmt.Sprintf("i-%d", i), a.ID, fmt.Sprintf("n%d", i)), q)
			})
		}
		close(start)
		wg.Wait()
		created := 0
		for _, err := range errs {
			if err == nil {
				created++
				continue
			}
			wantErr(t, err, imageshare.KindLimitExceeded, imageshare.ReasonAccountQuota)
		}
		_, total, err := s.FindImages(ctx, imageshare.ImageFilter{Scope: imageshare.ScopeOwned, AccountID: a.ID})
		ok(t, err)
		if created != quota || total != quota {
			t.Fatalf("%d creates acknowledged and %d images stored, want %d and %d", created, total, quota, quota)
		}
	})
	t.Run("ConcurrentVersions", func(t *testing.T) {
		s := newStore(t)
		a := account(t, s, "a@example.com")
		const quota, racers = 3, 12
		for i := range racers {
			ok(t, s.CreateCustomImage(ctx, custom(fmt.Sprintf("src-%d", i), a.ID, fmt.Sprintf("src %d", i)), imageshare.Quota{}))
		}
		q := imageshare.Quota{MaxCommunityVersions: quota}
		errs := make([]error, racers)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range racers {
			wg.Go(func() {
				<-start
				errs[i] = s.CreateVersion(ctx, version(fmt.Sprintf("v-%d", i), a.ID, fmt.Sprintf("g-%d", i), "v1"), fmt.Sprintf("src-%d", i), q)
			})
		}
		close(start)
		wg.Wait()
		created := 0
		for _, err := range errs {
			if err == nil {
				created++
				continue
			}
			wantErr(t, err, imageshare.KindLimitExceeded, imageshare.ReasonAccountQuota)
		}
		_, total, err := s.FindCommunityImages(ctx, imageshare.CommunityFilter{OwnerID: a.ID})
		ok(t, err)
		if created != quota || total != quota {
			t.Fatalf("%d versions acknowledged and %d stored, want %d and %d", created, total, quota, quota)
		}
	})
	t.Run("ConcurrentTextBytes", func(t *testing.T) {
		// Custom images and versions of one account, each with 1,000
		// bytes of readme, race a text quota that fits exactly four of
		// them (and the sources' names): exactly four are acknowledged,
		// whichever kinds they are, and the stored texts stay within it.
		s := newStore(t)
		a := account(t, s, "a@example.com")
		const racers = 12
		for i := range racers {
			ok(t, s.CreateCustomImage(ctx, custom(fmt.Sprintf("src-%d", i), a.ID, fmt.Sprintf("s%02d", i)), imageshare.Quota{}))
		}
		base := int64(racers * 3) // the sources' names
		one := int64(len("c-00") + 1000)
		q := imageshare.Quota{MaxTextBytes: base + 4*one}
		errs := make([]error, racers)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range racers {
			wg.Go(func() {
				<-start
				if i%2 == 0 {
					im := custom(fmt.Sprintf("c-%02d", i), a.ID, fmt.Sprintf("c-%02d", i))
					im.Readme = strings.Repeat("r", 1000)
					errs[i] = s.CreateCustomImage(ctx, im, q)
					return
				}
				v := version(fmt.Sprintf("v-%02d", i), a.ID, fmt.Sprintf("g-%d", i), "v1")
				v.Name, v.Readme = fmt.Sprintf("v-%02d", i), strings.Repeat("r", 1000)
				errs[i] = s.CreateVersion(ctx, v, fmt.Sprintf("src-%d", i), q)
			})
		}
		close(start)
		wg.Wait()
		created := 0
		for _, err := range errs {
			if err == nil {
				created++
				continue
			}
			wantErr(t, err, imageshare.KindLimitExceeded, imageshare.ReasonAccountQuota)
		}
		images, _, err := s.FindImages(ctx, imageshare.ImageFilter{Scope: imageshare.ScopeOwned, AccountID: a.ID})
		ok(t, err)
		var stored int64
		for _, im := range images {
			stored += imageshare.TextBytesOf(im)
		}
		if created != 4 || stored > q.MaxTextBytes {
			t.Fatalf("%d creates acknowledged, %d bytes of texts stored; want 4 and at most %d", created, stored, q.MaxTextBytes)
		}
	})
}

// wantMissing fails unless the image id is absent.
func wantMissing(t *testing.T, s imageshare.Store, id string) {
	t.Helper()
	if _, err := s.FindImageByID(context.Background(), id); imageshare.ErrorKind(err) != imageshare.KindNotFound {
		t.Fatalf("refused image %s was stored (err %v)", id, err)
	}
}
