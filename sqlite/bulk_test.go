package sqlite_test

import (
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/imageshare/imageshare"
)

// TestBulkLoaderRoundTrip loads records across several batches and reads
// them back through the Store: the bulk path must store exactly what the
// Store's own methods store.
func TestBulkLoaderRoundTrip(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "bulk.db"))
	defer s.Close()
	at := time.Date(2024, 5, 6, 7, 8, 9, 10, time.UTC)
	b := s.NewBulkLoader(3) // small batches: several commits
	for id := int64(1); id <= 5; id++ {
		a := &imageshare.Account{ID: id, Name: fmt.Sprintf("u%d@example.com", id), CreatedAt: at}
		if err := b.Account(ctx, a); err != nil {
			t.Fatal(err)
		}
		if a.OrganizationID != id {
			t.Fatalf("organization id = %d, want the account id %d", a.OrganizationID, id)
		}
		if err := b.AccessKey(ctx, &imageshare.AccessKey{PublicKey: fmt.Sprintf("pub%d", id), PrivateKey: "priv", AccountID: id, Enabled: true, CreatedAt: at}); err != nil {
			t.Fatal(err)
		}
	}
	custom := &imageshare.Image{ID: "bulk-custom", Region: "cn-wlcb", OwnerID: 1, Type: imageshare.ImageCustom,
		Status: imageshare.StatusAvailable, Name: "Bulk Llama", Description: "d", SizeMB: 20480, Tags: []string{"llm", "gpu"},
		CreatedAt: at, Softwares: imageshare.Software{Applications: []string{"jupyter"}, CUDAVersion: "12.1"},
		OSName: "Ubuntu 22.04", OSType: "linux", Price: 1.5, IsPublic: true}
	version := &imageshare.Image{ID: "bulk-version", Region: "cn-wlcb", OwnerID: 2, Type: imageshare.ImageCommunity,
		Status: imageshare.StatusAvailable, Name: "Stable Diffusion XL", Author: "Painter", Visibility: 1,
		GroupID: "bulk-group", VersionName: "v1", CreatedAt: at, PublishedAt: at.Add(time.Minute), Tags: []string{}}
	for _, im := range []*imageshare.Image{custom, version} {
		if err := b.Image(ctx, im); err != nil {
			t.Fatal(err)
		}
	}
	for _, acc := range []int64{3, 2, 4} {
		if err := b.Share(ctx, &imageshare.Share{ImageID: custom.ID, AccountID: acc, SharedAt: at.Add(time.Duration(acc) * time.Second), SharedBy: 1}); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Close(ctx); err != nil {
		t.Fatal(err)
	}

	// The same image made through CreateImage reads back identically.
	twin := *custom
	twin.ID = "store-custom"
	if err := s.CreateImage(ctx, &twin); err != nil {
		t.Fatal(err)
	}
	got, err := s.FindImageByID(ctx, custom.ID)
	if err != nil {
		t.Fatal(err)
	}
	want, err := s.FindImageByID(ctx, twin.ID)
	if err != nil {
		t.Fatal(err)
	}
	want.ID = custom.ID
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("bulk-loaded image\n%+v\ndiffers from the store's\n%+v", got, want)
	}

	shares, total, err := s.ListShares(ctx, custom.ID, imageshare.Page{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, sh := range shares {
		ids = append(ids, sh.AccountID)
	}
	if total != 3 || !reflect.DeepEqual(ids, []int64{2, 3, 4}) || shares[0].AccountName != "u2@example.com" {
		t.Fatalf("shares = %v (total %d), want accounts 2, 3, 4 in shared order", ids, total)
	}
	k, err := s.FindAccessKey(ctx, "pub5")
	if err != nil || k.AccountID != 5 || !k.Enabled {
		t.Fatalf("FindAccessKey(pub5) = %+v, %v", k, err)
	}
	// The community version is in the search indexes the triggers keep.
	found, n, err := s.FindCommunityImages(ctx, imageshare.CommunityFilter{Fuzzy: "diffus", Region: "cn-wlcb"})
	if err != nil || n != 1 || found[0].ID != version.ID {
		t.Fatalf("fuzzy search found %d images, %v; want the bulk-loaded version", n, err)
	}
}

// TestBulkLoaderErrors: a failed insert is the Store's error, and rolls
// back the batch it was in.
func TestBulkLoaderErrors(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "bulk.db"))
	defer s.Close()
	b := s.NewBulkLoader(100)
	if err := b.Account(ctx, &imageshare.Account{ID: 1, Name: "a@example.com"}); err != nil {
		t.Fatal(err)
	}
	if err := b.Image(ctx, &imageshare.Image{ID: "img", Region: "r", OwnerID: 1, Type: imageshare.ImageCustom, Status: imageshare.StatusAvailable}); err != nil {
		t.Fatal(err)
	}
	err := b.Share(ctx, &imageshare.Share{ImageID: "img", AccountID: 42, SharedBy: 1})
	if !imageshare.IsKind(err, imageshare.KindNotFound) {
		t.Fatalf("share with a missing account: %v, want KindNotFound", err)
	}
	b.Abort()
	if _, err := s.FindAccountByID(ctx, 1); !imageshare.IsKind(err, imageshare.KindNotFound) {
		t.Fatalf("the failed batch's account is still there: %v", err)
	}
	// The write connection is free again.
	if err := s.CreateAccount(ctx, &imageshare.Account{Name: "b@example.com"}); err != nil {
		t.Fatal(err)
	}

	b = s.NewBulkLoader(0)
	if err := b.Account(ctx, &imageshare.Account{Name: "no-id@example.com"}); !imageshare.IsKind(err, imageshare.KindInvalid) {
		t.Fatalf("account without an id: %v, want KindInvalid", err)
	}
	if err := b.Account(ctx, &imageshare.Account{ID: 7, Name: "b@example.com"}); !imageshare.IsKind(err, imageshare.KindConflict) {
		t.Fatalf("taken name: %v, want KindConflict", err)
	}
	b.Abort()
}
