package e2e

import (
	"slices"
	"testing"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"
	"github.com/baidubce/bce-sdk-go/services/bcc/api"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/app/apptest"
)

// One rule for public images across dialects (docs/aliyun.md "Public
// images"): an image made public through Alibaba is listed for other
// accounts by ECS DescribeImages (others + IsPublic=true, and by ImageId)
// and by BCC ListImage (as Sharing), not only found by id.
func TestPublicImageListedInEveryDialect(t *testing.T) {
	srv := apptest.Start(t)
	owner, ownerKey := srv.Account(t, "")
	_, otherKey := srv.Account(t, "")
	// In bj, BCC's default region, so both dialects list it.
	pub := srv.Image(t, &imageshare.Image{Region: baiduRegion, OwnerID: owner.ID, Type: imageshare.ImageCustom, Name: "public one",
		Platform: "Ubuntu", OSName: "Ubuntu 22.04 64位", OSType: "linux", OSVersion: "22.04", Architecture: "x86_64"})
	private := srv.Image(t, &imageshare.Image{Region: baiduRegion, OwnerID: owner.ID, Type: imageshare.ImageCustom, Name: "private one"})

	ownerECS := aliyunClientIn(t, srv, baiduRegion, ownerKey.PublicKey, ownerKey.PrivateKey)
	req := ecs.CreateModifyImageSharePermissionRequest()
	req.ImageId, req.IsPublic = pub.ID, requests.NewBoolean(true)
	_, err := ownerECS.ModifyImageSharePermission(req)
	mustOK(t, err)

	otherECS := aliyunClientIn(t, srv, baiduRegion, otherKey.PublicKey, otherKey.PrivateKey)
	ecsIDs := func(set func(*ecs.DescribeImagesRequest)) []string {
		t.Helper()
		return imageIDs(describeImages(t, otherECS, set))
	}
	if got := ecsIDs(func(r *ecs.DescribeImagesRequest) {
		r.ImageOwnerAlias, r.IsPublic = "others", requests.NewBoolean(true)
	}); !slices.Equal(got, []string{pub.ID}) {
		t.Errorf("ECS others+IsPublic: %q, want [%s]", got, pub.ID)
	}
	if got := ecsIDs(func(r *ecs.DescribeImagesRequest) { r.ImageId = pub.ID + "," + private.ID }); !slices.Equal(got, []string{pub.ID}) {
		t.Errorf("ECS by ImageId: %q, want [%s]", got, pub.ID)
	}
	// A plain "others" listing stays the explicit shares.
	if got := ecsIDs(func(r *ecs.DescribeImagesRequest) { r.ImageOwnerAlias = "others" }); len(got) != 0 {
		t.Errorf("ECS others: %q, want none", got)
	}
	// The owner sees it as its own, public.
	own := describeImages(t, ownerECS, func(r *ecs.DescribeImagesRequest) { r.ImageOwnerAlias, r.IsPublic = "self", requests.NewBoolean(true) })
	if ids := imageIDs(own); !slices.Equal(ids, []string{pub.ID}) || !own.Images.Image[0].IsPublic || own.Images.Image[0].ImageOwnerAlias != "self" {
		t.Errorf("owner's self+IsPublic: %+v", own.Images.Image)
	}

	otherBCC := baiduClient(t, srv, otherKey)
	for _, typ := range []api.ImageType{"Sharing", "All"} {
		res, err := otherBCC.ListImage(&api.ListImageArgs{ImageType: string(typ)})
		baiduOK(t, err)
		var got []string
		for _, im := range res.Images {
			if im.Type == "Sharing" || im.Type == "Custom" {
				got = append(got, im.Id)
				if im.Type != "Sharing" || im.OsName != "Ubuntu" || im.OsVersion != "22.04" || im.OsArch != "x86_64 (64bit)" {
					t.Errorf("BCC %s: %+v", typ, im)
				}
			}
		}
		if !slices.Equal(got, []string{pub.ID}) {
			t.Errorf("BCC ListImage %s: custom images %q, want [%s]", typ, got, pub.ID)
		}
	}
	res, err := baiduClient(t, srv, ownerKey).ListImage(&api.ListImageArgs{ImageType: "Custom"})
	baiduOK(t, err)
	if len(res.Images) != 2 {
		t.Errorf("owner's Custom list: %+v", res.Images)
	}

	// Made private again, it leaves every listing of the other account.
	req = ecs.CreateModifyImageSharePermissionRequest()
	req.ImageId, req.IsPublic = pub.ID, requests.NewBoolean(false)
	_, err = ownerECS.ModifyImageSharePermission(req)
	mustOK(t, err)
	if got := ecsIDs(func(r *ecs.DescribeImagesRequest) { r.ImageId = pub.ID }); len(got) != 0 {
		t.Errorf("ECS by ImageId after un-publishing: %q", got)
	}
	res, err = otherBCC.ListImage(&api.ListImageArgs{ImageType: "Sharing"})
	baiduOK(t, err)
	if len(res.Images) != 0 {
		t.Errorf("BCC Sharing after un-publishing: %+v", res.Images)
	}
}
