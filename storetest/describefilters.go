package storetest

import (
	"context"
	"testing"

	"github.com/imageshare/imageshare"
)

// testDescribeFilters covers the filters DescribeImages brings
// (docs/aliyun.md) and ScopeShared's WithPublic.
func testDescribeFilters(t *testing.T, newStore newStoreFunc) {
	ctx := context.Background()
	s := newStore(t)
	a := account(t, s, "a@example.com")
	b := account(t, s, "b@example.com")
	c := account(t, s, "c@example.com")
	create := func(im *imageshare.Image) {
		t.Helper()
		im.Status, im.Region = imageshare.StatusAvailable, "cn-hangzhou"
		ok(t, s.CreateImage(ctx, im))
	}
	create(&imageshare.Image{ID: "sys-ubuntu", Type: imageshare.ImageSystem, OSType: "linux", Architecture: "x86_64",
		ImageFamily: "acs:ubuntu_22_04_x64", IsSupportIoOptimized: true, IsSupportCloudinit: true, CreatedAt: at(1)})
	create(&imageshare.Image{ID: "sys-win", Type: imageshare.ImageSystem, OSType: "windows", Architecture: "x86_64",
		IsSupportIoOptimized: true, CreatedAt: at(2)})
	create(&imageshare.Image{ID: "a-arm", OwnerID: a.ID, Type: imageshare.ImageCustom, OSType: "linux", Architecture: "arm64",
		KeyTags: []imageshare.Tag{{Key: "env", Value: "prod"}, {Key: "team", Value: "ml"}}, CreatedAt: at(3)})
	create(&imageshare.Image{ID: "a-pub", OwnerID: a.ID, Type: imageshare.ImageCustom, OSType: "linux", Architecture: "x86_64",
		IsPublic: true, KeyTags: []imageshare.Tag{{Key: "env", Value: "dev"}}, CreatedAt: at(4)})
	create(&imageshare.Image{ID: "b-pub", OwnerID: b.ID, Type: imageshare.ImageCustom, IsPublic: true, CreatedAt: at(5)})
	create(&imageshare.Image{ID: "b-shared", OwnerID: b.ID, Type: imageshare.ImageCustom, CreatedAt: at(6)})
	create(&imageshare.Image{ID: "b-private", OwnerID: b.ID, Type: imageshare.ImageCustom, Tags: []string{"team", "gpu"},
		KeyTags: []imageshare.Tag{{Key: "flag", Value: ""}}, CreatedAt: at(7)})
	_, err := s.ApplyShareChange(ctx, imageshare.ShareChange{ImageID: "b-shared", Add: []int64{c.ID}, By: b.ID, At: at(8)})
	ok(t, err)

	t.Run("HasShares", func(t *testing.T) {
		for id, want := range map[string]bool{"b-shared": true, "b-pub": false, "b-private": false} {
			im, err := s.FindImageByID(ctx, id)
			ok(t, err)
			if im.HasShares != want {
				t.Errorf("%s: HasShares = %v, want %v", id, im.HasShares, want)
			}
		}
		images, _, err := s.FindImages(ctx, imageshare.ImageFilter{IDs: []string{"b-shared"}})
		ok(t, err)
		if len(images) != 1 || !images[0].HasShares {
			t.Errorf("FindImages: b-shared HasShares false")
		}
	})

	yes, no := true, false
	for _, tc := range []struct {
		name string
		f    imageshare.ImageFilter
		want []string
	}{
		{"SharedWithoutPublic", imageshare.ImageFilter{Scope: imageshare.ScopeShared, AccountID: c.ID}, []string{"b-shared"}},
		{"SharedWithPublic", imageshare.ImageFilter{Scope: imageshare.ScopeShared, AccountID: c.ID, WithPublic: true},
			[]string{"a-pub", "b-pub", "b-shared"}},
		// The caller's own public image is not "shared with" it.
		{"SharedWithPublicNotOwn", imageshare.ImageFilter{Scope: imageshare.ScopeShared, AccountID: a.ID, WithPublic: true}, []string{"b-pub"}},
		{"PublicOnly", imageshare.ImageFilter{Scope: imageshare.ScopeShared, AccountID: c.ID, WithPublic: true, Public: &yes},
			[]string{"a-pub", "b-pub"}},
		{"NotPublic", imageshare.ImageFilter{Scope: imageshare.ScopeOwned, AccountID: a.ID, Public: &no}, []string{"a-arm"}},
		{"OwnerID", imageshare.ImageFilter{Scope: imageshare.ScopeShared, AccountID: c.ID, WithPublic: true, OwnerID: b.ID},
			[]string{"b-pub", "b-shared"}},
		{"OSType", imageshare.ImageFilter{OSType: "windows"}, []string{"sys-win"}},
		{"Architecture", imageshare.ImageFilter{Architecture: "arm64"}, []string{"a-arm"}},
		{"ImageFamily", imageshare.ImageFilter{ImageFamily: "acs:ubuntu_22_04_x64"}, []string{"sys-ubuntu"}},
		{"IoOptimized", imageshare.ImageFilter{IsSupportIoOptimized: &yes}, []string{"sys-ubuntu", "sys-win"}},
		{"NotCloudinit", imageshare.ImageFilter{Scope: imageshare.ScopePlatform, IsSupportCloudinit: &no}, []string{"sys-win"}},
		{"TagKeyValue", imageshare.ImageFilter{KeyTags: []imageshare.TagMatch{{Key: "env", Value: "prod"}}}, []string{"a-arm"}},
		{"TagAnyValue", imageshare.ImageFilter{KeyTags: []imageshare.TagMatch{{Key: "env", AnyValue: true}}}, []string{"a-arm", "a-pub"}},
		{"TagsAll", imageshare.ImageFilter{KeyTags: []imageshare.TagMatch{{Key: "env", AnyValue: true}, {Key: "team", Value: "ml"}}}, []string{"a-arm"}},
		{"TagEmptyValueIsExact", imageshare.ImageFilter{KeyTags: []imageshare.TagMatch{{Key: "env"}}}, nil},
		{"TagEmptyValue", imageshare.ImageFilter{KeyTags: []imageshare.TagMatch{{Key: "flag"}}}, []string{"b-private"}},
		// A CompShare label is a key with an empty value.
		{"LabelAnyValue", imageshare.ImageFilter{KeyTags: []imageshare.TagMatch{{Key: "team", AnyValue: true}}}, []string{"a-arm", "b-private"}},
		{"LabelEmptyValue", imageshare.ImageFilter{KeyTags: []imageshare.TagMatch{{Key: "gpu"}}}, []string{"b-private"}},
		{"LabelNotValued", imageshare.ImageFilter{KeyTags: []imageshare.TagMatch{{Key: "gpu", Value: "x"}}}, nil},
		{"CreatedRange", imageshare.ImageFilter{CreatedFrom: at(2), CreatedTo: at(4)}, []string{"sys-win", "a-arm", "a-pub"}},
		{"CreatedFrom", imageshare.ImageFilter{CreatedFrom: at(7)}, []string{"b-private"}},
		{"NotInUse", imageshare.ImageFilter{Scope: imageshare.ScopePlatform, InUse: &no}, []string{"sys-ubuntu", "sys-win"}},
		{"InUse", imageshare.ImageFilter{InUse: &yes}, nil},
		{"SnapshotID", imageshare.ImageFilter{SnapshotID: "s-1"}, nil},
		{"ResourceGroupID", imageshare.ImageFilter{ResourceGroupID: "rg-1"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantIDs(t, s, tc.f, tc.want, len(tc.want))
		})
	}
}
