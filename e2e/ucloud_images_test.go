package e2e

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/app/apptest"
	"github.com/imageshare/imageshare/internal/ucloudclient"
)

// ucImageIDs returns the ids of an ImageSet in order.
func ucImageIDs(set []ucloudclient.CompShareImage) []string {
	ids := []string{}
	for _, im := range set {
		ids = append(ids, im.CompShareImageId)
	}
	return ids
}

// ucList calls an image listing action and decodes it as the SDK does.
func ucList(t *testing.T, c *ucloudclient.Client, action string, params map[string]any) ucloudclient.DescribeCompShareImagesResponse {
	t.Helper()
	var out ucloudclient.DescribeCompShareImagesResponse
	if err := c.Call(context.Background(), action, params, &out); err != nil {
		t.Fatalf("%s %v: %v", action, params, err)
	}
	if out.ImageSet == nil {
		t.Fatalf("%s: ImageSet is null", action)
	}
	return out
}

func TestUCloud_CustomImages(t *testing.T) {
	srv := apptest.Start(t)
	owner, other := newUCUser(t, srv), newUCUser(t, srv)
	base := time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)
	first := srv.Image(t, &imageshare.Image{
		OwnerID: owner.ID, Type: imageshare.ImageCustom, Name: "my torch", CreatedAt: base,
		Description: "desc", Readme: "# Readme", SizeMB: 20480, Tags: []string{"ai", "cuda"}, Container: true,
		Price: 1.5, AuthInfo: 2, Author: "me", AutoStart: true, ImageCharge: true, IsOfficial: true, Visibility: 1,
		Softwares:     imageshare.Software{Applications: []string{"jupyter"}, CUDAVersion: "12.1", Framework: "PyTorch", FrameworkVersion: "2.1"},
		SourceGPUType: "4090", GroupID: "group-1", VersionName: "v1", VersionDesc: "first", CreatedCount: 3, FavoritesCount: 4,
		ImageUseTime: 5, PublishedAt: base.Add(time.Hour), Cover: "https://example.com/c.png", FailedReason: "none",
		Status: imageshare.StatusMaking, BuildDoneAt: time.Now().Add(24 * time.Hour), // still building
	})
	second := srv.Image(t, &imageshare.Image{OwnerID: owner.ID, Type: imageshare.ImageCustom, CreatedAt: base.Add(time.Minute)})
	srv.Image(t, &imageshare.Image{OwnerID: owner.ID, Type: imageshare.ImageCommunity, CreatedAt: base.Add(2 * time.Minute)})
	inBJ := srv.Image(t, &imageshare.Image{OwnerID: owner.ID, Type: imageshare.ImageCustom, Region: "bj", CreatedAt: base})
	theirs := srv.Image(t, &imageshare.Image{OwnerID: other.ID, Type: imageshare.ImageCustom, CreatedAt: base})

	const action = "DescribeCompShareCustomImages"
	got := ucList(t, owner.C, action, nil)
	if got.TotalCount != 2 || !reflect.DeepEqual(ucImageIDs(got.ImageSet), []string{first.ID, second.ID}) {
		t.Fatalf("own custom images = %d %v, want [%s %s]", got.TotalCount, ucImageIDs(got.ImageSet), first.ID, second.ID)
	}
	want := ucloudclient.CompShareImage{
		AuthInfo: 2, Author: "me", AutoStart: true, CompShareImageId: first.ID, Container: "true",
		Cover: "https://example.com/c.png", CreateTime: int(base.Unix()), CreatedCount: 3, Description: "desc",
		FailedReason: "none", FavoritesCount: 4, GroupId: "group-1", ImageCharge: true, ImageOwnerAlias: "",
		ImageType: "Custom", ImageUseTime: 5, IsOfficial: true, Name: "my torch", Owner: owner.project(), Price: 1.5,
		PubTime: int(base.Add(time.Hour).Unix()), Size: 20480,
		Softwares:     ucloudclient.Software{Applications: []string{"jupyter"}, CUDAVersion: "12.1", Framework: "PyTorch", FrameworkVersion: "2.1"},
		SourceGpuType: "4090", Status: "Making", Tags: []string{"ai", "cuda"}, VersionDesc: "first", VersionName: "v1", Visibility: 1,
	}
	if !reflect.DeepEqual(got.ImageSet[0], want) {
		t.Errorf("listed image\n got %+v\nwant %+v", got.ImageSet[0], want)
	}
	if s := got.ImageSet[1]; s.Tags == nil || s.Softwares.Applications == nil || s.Container != "false" || s.PubTime != 0 {
		t.Errorf("bare image: Tags %#v Applications %#v Container %q PubTime %d", s.Tags, s.Softwares.Applications, s.Container, s.PubTime)
	}

	// By id, the Readme comes too (CompShare sends it only then).
	byID := ucList(t, owner.C, action, map[string]any{"CompShareImageId": first.ID})
	want.Readme = "# Readme"
	if byID.TotalCount != 1 || len(byID.ImageSet) != 1 || !reflect.DeepEqual(byID.ImageSet[0], want) {
		t.Errorf("by id = %+v", byID)
	}
	// Another tenant's image or one from another region is not listed.
	for _, id := range []string{theirs.ID, inBJ.ID, "compshareImage-none"} {
		if r := ucList(t, owner.C, action, map[string]any{"CompShareImageId": id}); r.TotalCount != 0 || len(r.ImageSet) != 0 {
			t.Errorf("by id %s = %+v", id, r)
		}
	}
	if r := ucList(t, owner.client(ucloudclient.WithRegion("bj")), action, nil); !reflect.DeepEqual(ucImageIDs(r.ImageSet), []string{inBJ.ID}) {
		t.Errorf("bj images = %v", ucImageIDs(r.ImageSet))
	}

	// Paging: Offset/Limit, Limit above 100 lowered, Limit 0 the default.
	pages := []struct {
		params map[string]any
		want   []string
	}{
		{map[string]any{"Limit": 1}, []string{first.ID}},
		{map[string]any{"Limit": 1, "Offset": 1}, []string{second.ID}},
		{map[string]any{"Offset": 2}, []string{}},
		{map[string]any{"Limit": 1000}, []string{first.ID, second.ID}},
		{map[string]any{"Limit": 0}, []string{first.ID, second.ID}},
	}
	for _, p := range pages {
		r := ucList(t, owner.C, action, p.params)
		if r.TotalCount != 2 || !reflect.DeepEqual(ucImageIDs(r.ImageSet), p.want) {
			t.Errorf("%v: %d %v, want 2 %v", p.params, r.TotalCount, ucImageIDs(r.ImageSet), p.want)
		}
	}
}

func TestUCloud_SharingImages(t *testing.T) {
	srv := apptest.Start(t)
	alice, bob, carol := newUCUser(t, srv), newUCUser(t, srv), newUCUser(t, srv)
	base := time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)
	a1 := srv.Image(t, &imageshare.Image{OwnerID: alice.ID, CreatedAt: base})
	c1 := srv.Image(t, &imageshare.Image{OwnerID: carol.ID, CreatedAt: base.Add(time.Minute)})
	srv.Image(t, &imageshare.Image{OwnerID: carol.ID, CreatedAt: base.Add(2 * time.Minute)}) // never shared
	alice.modify(t, a1.ID, []int{int(bob.ID)}, nil)
	carol.modify(t, c1.ID, []int{int(bob.ID)}, nil)

	const action = "DescribeCompShareSharingImages"
	got := ucList(t, bob.C, action, nil)
	if got.TotalCount != 2 || !reflect.DeepEqual(ucImageIDs(got.ImageSet), []string{a1.ID, c1.ID}) {
		t.Fatalf("bob's sharing images = %d %v", got.TotalCount, ucImageIDs(got.ImageSet))
	}
	if got.ImageSet[0].Owner != alice.project() || got.ImageSet[1].Owner != carol.project() {
		t.Errorf("owners = %+v, %+v", got.ImageSet[0].Owner, got.ImageSet[1].Owner)
	}
	if r := ucList(t, bob.C, action, map[string]any{"CompShareImageId": c1.ID}); !reflect.DeepEqual(ucImageIDs(r.ImageSet), []string{c1.ID}) || r.TotalCount != 1 {
		t.Errorf("by id = %+v", r)
	}
	if r := ucList(t, bob.C, action, map[string]any{"Limit": 1, "Offset": 1}); !reflect.DeepEqual(ucImageIDs(r.ImageSet), []string{c1.ID}) || r.TotalCount != 2 {
		t.Errorf("page 2 = %+v", r)
	}
	// Shared images are not the consumer's own, nor visible to others.
	if r := ucList(t, bob.C, "DescribeCompShareCustomImages", nil); len(r.ImageSet) != 0 {
		t.Errorf("bob's custom images = %v", ucImageIDs(r.ImageSet))
	}
	if r := ucList(t, alice.C, action, nil); len(r.ImageSet) != 0 {
		t.Errorf("alice's sharing images = %v", ucImageIDs(r.ImageSet))
	}
}

func TestUCloud_PlatformImages(t *testing.T) {
	srv := apptest.Start(t)
	u := newUCUser(t, srv)
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	ubuntu := srv.Image(t, &imageshare.Image{Type: imageshare.ImageSystem, Name: "Ubuntu 22.04", Tags: []string{"os"}, Author: "UCloud", CreatedAt: base})
	torch := srv.Image(t, &imageshare.Image{Type: imageshare.ImageSystem, Name: "PyTorch 2.1 CUDA", Tags: []string{"ai"}, Author: "UCloud", CreatedAt: base.Add(time.Second)})
	jupyter := srv.Image(t, &imageshare.Image{Type: imageshare.ImageApp, Name: "Jupyter Lab", Tags: []string{"ai"}, Author: "CompShare", CreatedAt: base.Add(2 * time.Second)})
	srv.Image(t, &imageshare.Image{Type: imageshare.ImageSystem, Name: "Ubuntu bj", Region: "bj", CreatedAt: base})
	srv.Image(t, &imageshare.Image{OwnerID: u.ID, Type: imageshare.ImageCustom, Name: "Ubuntu mine", CreatedAt: base})

	tests := []struct {
		params map[string]any
		want   []string
	}{
		{nil, []string{ubuntu.ID, torch.ID}}, // System by default, this region only
		{map[string]any{"ImageType": "System"}, []string{ubuntu.ID, torch.ID}},
		{map[string]any{"ImageType": "App"}, []string{jupyter.ID}},
		{map[string]any{"Name": "torch"}, []string{torch.ID}}, // fuzzy, any case
		{map[string]any{"Name": "UBUNTU"}, []string{ubuntu.ID}},
		{map[string]any{"Tag": "ai"}, []string{torch.ID}},
		{map[string]any{"Tag": "ai", "ImageType": "App"}, []string{jupyter.ID}},
		{map[string]any{"Author": "CompShare", "ImageType": "App"}, []string{jupyter.ID}},
		{map[string]any{"Author": "CompShare"}, []string{}},
		{map[string]any{"CompShareImageId": torch.ID}, []string{torch.ID}},
		{map[string]any{"Limit": 1, "Offset": 1}, []string{torch.ID}},
	}
	for _, tt := range tests {
		r := ucList(t, u.C, "DescribeCompShareImages", tt.params)
		if !reflect.DeepEqual(ucImageIDs(r.ImageSet), tt.want) {
			t.Errorf("%v: %v, want %v", tt.params, ucImageIDs(r.ImageSet), tt.want)
		}
	}
	r := ucList(t, u.C, "DescribeCompShareImages", map[string]any{"ImageType": "App"})
	if im := r.ImageSet[0]; im.ImageOwnerAlias != "Official" || im.ImageType != "App" || im.Owner != (ucloudclient.Projects{}) || im.CreateTime != int(base.Add(2*time.Second).Unix()) {
		t.Errorf("platform image = %+v", im)
	}
	if r := ucList(t, u.C, "DescribeCompShareImages", map[string]any{"Limit": 1}); r.TotalCount != 2 || len(r.ImageSet) != 1 {
		t.Errorf("TotalCount %d with %d images", r.TotalCount, len(r.ImageSet))
	}
}
