package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	teaecs "github.com/alibabacloud-go/ecs-20140526/v7/client"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/app"
	"github.com/imageshare/imageshare/app/apptest"
	"github.com/imageshare/imageshare/internal/ucloudclient"
)

// The image workflow through the official ECS SDKs (docs/aliyun.md "The
// image workflow"): make → wait → rename → tag → copy → share → the
// consumer copies → find by family → delete, then the documented errors.

// ownInstance records an instance of owner in region.
func ownInstance(t *testing.T, srv *apptest.Server, owner *imageshare.Account, region string) string {
	t.Helper()
	in, err := srv.Svc.CreateInstance(context.Background(), &imageshare.Instance{OwnerID: owner.ID, Region: region, GPUType: "4090"})
	if err != nil {
		t.Fatal(err)
	}
	return in.ID
}

// waitAvailable describes the image until it is Available (the build
// finisher or a read completes it once due); it fails after a minute.
func waitAvailable(t *testing.T, c *ecs.Client, region, imageID string) ecs.Image {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); ; {
		req := ecs.CreateDescribeImagesRequest()
		req.RegionId, req.ImageId, req.Status = region, imageID, "Creating,Available"
		resp, err := c.DescribeImages(req)
		mustOK(t, err)
		if len(resp.Images.Image) != 1 {
			t.Fatalf("DescribeImages(%s) = %d images", imageID, len(resp.Images.Image))
		}
		im := resp.Images.Image[0]
		if im.Status == "Available" {
			if im.Progress != "100%" {
				t.Errorf("Available with Progress %q", im.Progress)
			}
			return im
		}
		if im.Status != "Creating" || !strings.HasSuffix(im.Progress, "%") {
			t.Fatalf("status %q progress %q, want Creating with a progress", im.Status, im.Progress)
		}
		if time.Now().After(deadline) {
			t.Fatalf("image %s still Creating after a minute", imageID)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func workflowServer(t *testing.T, build time.Duration) *apptest.Server {
	return apptest.Start(t, func(c *app.Config) { c.BuildDuration = build })
}

func TestAliyunWorkflow_ClassicChain(t *testing.T) {
	srv := workflowServer(t, 200*time.Millisecond)
	owner, key := srv.Account(t, "maker@example.com")
	consumer, ckey := srv.Account(t, "consumer@example.com")
	c := aliyunClient(t, srv, key)
	cc := aliyunClient(t, srv, ckey)
	inst := ownInstance(t, srv, owner, aliyunRegion)

	// Make.
	mk := ecs.CreateCreateImageRequest()
	mk.RegionId, mk.InstanceId, mk.ImageName, mk.Description = aliyunRegion, inst, "web-base", "the web tier"
	mk.ImageFamily, mk.ImageVersion, mk.Architecture, mk.Platform, mk.BootMode = "web", "1", "arm64", "Ubuntu", "UEFI"
	mk.Tag = &[]ecs.CreateImageTag{{Key: "team", Value: "web"}}
	made, err := c.CreateImage(mk)
	mustOK(t, err)
	if !strings.HasPrefix(made.ImageId, "compshareImage-") {
		t.Fatalf("ImageId %q", made.ImageId)
	}
	im := waitAvailable(t, c, aliyunRegion, made.ImageId)
	if im.Architecture != "arm64" || im.Platform != "Ubuntu" || im.BootMode != "UEFI" || im.ImageFamily != "web" || im.ImageVersion != "1" ||
		len(im.Tags.Tag) != 1 || im.Tags.Tag[0].TagKey != "team" {
		t.Fatalf("made image %+v", im)
	}

	// Rename.
	mod := ecs.CreateModifyImageAttributeRequest()
	mod.RegionId, mod.ImageId, mod.ImageName, mod.Description = aliyunRegion, made.ImageId, "web-base-v2", "renamed"
	_, err = c.ModifyImageAttribute(mod)
	mustOK(t, err)

	// Tag.
	tr := ecs.CreateTagResourcesRequest()
	tr.RegionId, tr.ResourceType = aliyunRegion, "image"
	tr.ResourceId = &[]string{made.ImageId}
	tr.Tag = &[]ecs.TagResourcesTag{{Key: "env", Value: "prod"}, {Key: "team", Value: "platform"}}
	_, err = c.TagResources(tr)
	mustOK(t, err)
	lt := ecs.CreateListTagResourcesRequest()
	lt.RegionId, lt.ResourceType = aliyunRegion, "image"
	lt.ResourceId = &[]string{made.ImageId}
	tags, err := c.ListTagResources(lt)
	mustOK(t, err)
	got := map[string]string{}
	for _, r := range tags.TagResources.TagResource {
		got[r.TagKey] = r.TagValue
	}
	if len(got) != 2 || got["env"] != "prod" || got["team"] != "platform" {
		t.Fatalf("ListTagResources = %+v", tags.TagResources.TagResource)
	}

	// DescribeImages filters on the tags (Tag.N).
	byTag := ecs.CreateDescribeImagesRequest()
	byTag.RegionId, byTag.ImageOwnerAlias = aliyunRegion, "self"
	byTag.Tag = &[]ecs.DescribeImagesTag{{Key: "env", Value: "prod"}}
	found, err := c.DescribeImages(byTag)
	mustOK(t, err)
	if len(found.Images.Image) != 1 || found.Images.Image[0].ImageId != made.ImageId {
		t.Fatalf("DescribeImages Tag.1 env=prod = %+v", found.Images.Image)
	}
	// One store: UCloud lists the image made through ECS, renamed.
	uc := ucloudclient.New(srv.URL, key.PublicKey, key.PrivateKey, ucloudclient.WithRegion(aliyunRegion))
	if l := ucList(t, uc, "DescribeCompShareCustomImages", nil); len(l.ImageSet) != 1 || l.ImageSet[0].CompShareImageId != made.ImageId || l.ImageSet[0].Name != "web-base-v2" {
		t.Fatalf("UCloud lists %+v", l.ImageSet)
	}

	// Copy to another region: the caller's, Creating then Available, OS facts kept, tags given.
	cp := ecs.CreateCopyImageRequest()
	cp.RegionId, cp.ImageId, cp.DestinationRegionId, cp.DestinationImageName = aliyunRegion, made.ImageId, "cn-wlcb", "web-base-wlcb"
	cp.Tag = &[]ecs.CopyImageTag{{Key: "copy", Value: "yes"}}
	copied, err := c.CopyImage(cp)
	mustOK(t, err)
	cim := waitAvailable(t, c, "cn-wlcb", copied.ImageId)
	if cim.ImageName != "web-base-wlcb" || cim.Architecture != "arm64" || cim.ImageFamily != "web" || cim.Description != "renamed" ||
		len(cim.Tags.Tag) != 1 || cim.Tags.Tag[0].TagKey != "copy" || cim.ImageOwnerId != owner.ID {
		t.Fatalf("copy %+v", cim)
	}

	// Share with the consumer: the consumer copies it into its own account.
	mustOK(t, modifyShares(c, made.ImageId, []string{idString(consumer.ID)}, nil))
	ccp := ecs.CreateCopyImageRequest()
	ccp.RegionId, ccp.ImageId, ccp.DestinationRegionId, ccp.DestinationImageName = aliyunRegion, made.ImageId, aliyunRegion, "my-web"
	mine, err := cc.CopyImage(ccp)
	mustOK(t, err)
	mim := waitAvailable(t, cc, aliyunRegion, mine.ImageId)
	if mim.ImageOwnerId != consumer.ID || mim.ImageOwnerAlias != "self" || mim.ImageFamily != "web" {
		t.Fatalf("consumer's copy %+v", mim)
	}
	if len(sharedWith(t, srv, consumer, mine.ImageId)) != 0 {
		t.Error("the consumer's copy is shared: shares must not be copied")
	}

	// Find by family: the consumer's newest usable image of "web" is its own copy.
	ff := ecs.CreateDescribeImageFromFamilyRequest()
	ff.RegionId, ff.ImageFamily = aliyunRegion, "web"
	fam, err := cc.DescribeImageFromFamily(ff)
	mustOK(t, err)
	if fam.Image.ImageId != mine.ImageId {
		t.Fatalf("family image %q, want the consumer's copy %q", fam.Image.ImageId, mine.ImageId)
	}
	// Deprecated: no longer the family's image; the owner's original is then.
	mod = ecs.CreateModifyImageAttributeRequest()
	mod.RegionId, mod.ImageId, mod.Status = aliyunRegion, mine.ImageId, "Deprecated"
	_, err = cc.ModifyImageAttribute(mod)
	mustOK(t, err)
	fam, err = cc.DescribeImageFromFamily(ff)
	mustOK(t, err)
	if fam.Image.ImageId != made.ImageId {
		t.Fatalf("after deprecating, family image %q, want the shared original %q", fam.Image.ImageId, made.ImageId)
	}
	dep := ecs.CreateDescribeImagesRequest()
	dep.RegionId, dep.ImageId, dep.Status = aliyunRegion, mine.ImageId, "Deprecated"
	listed, err := cc.DescribeImages(dep)
	mustOK(t, err)
	if len(listed.Images.Image) != 1 || listed.Images.Image[0].Status != "Deprecated" {
		t.Fatalf("a deprecated image is listed with Status=Deprecated: %+v", listed.Images.Image)
	}

	// Regions.
	rg := ecs.CreateDescribeRegionsRequest()
	regions, err := c.DescribeRegions(rg)
	mustOK(t, err)
	var names []string
	for _, r := range regions.Regions.Region {
		names = append(names, r.RegionId)
	}
	if strings.Join(names, ",") != "bj,cn-hangzhou,cn-wlcb" {
		t.Fatalf("DescribeRegions = %v", names)
	}

	// Untag, then delete everything.
	ut := ecs.CreateUntagResourcesRequest()
	ut.RegionId, ut.ResourceType, ut.All = aliyunRegion, "image", requests.NewBoolean(true)
	ut.ResourceId = &[]string{made.ImageId}
	_, err = c.UntagResources(ut)
	mustOK(t, err)
	tags, err = c.ListTagResources(lt)
	mustOK(t, err)
	if len(tags.TagResources.TagResource) != 0 {
		t.Fatalf("after UntagResources All: %+v", tags.TagResources.TagResource)
	}
	for _, d := range []struct {
		c      *ecs.Client
		region string
		id     string
	}{{cc, aliyunRegion, mine.ImageId}, {c, "cn-wlcb", copied.ImageId}, {c, aliyunRegion, made.ImageId}} {
		del := ecs.CreateDeleteImageRequest()
		del.RegionId, del.ImageId, del.Force = d.region, d.id, requests.NewBoolean(true)
		_, err := d.c.DeleteImage(del)
		mustOK(t, err)
		if exists(t, srv, owner, d.id) || exists(t, srv, consumer, d.id) {
			t.Errorf("%s still exists after DeleteImage", d.id)
		}
	}
}

// The same chain's actions through the Tea SDK (V3 signatures, default config).
func TestAliyunWorkflow_TeaChain(t *testing.T) {
	srv := workflowServer(t, 0)
	owner, key := srv.Account(t, "tea-maker@example.com")
	consumer, ckey := srv.Account(t, "tea-consumer@example.com")
	tc := teaECSClient(t, srv, key)
	tcc := teaECSClient(t, srv, ckey)
	inst := ownInstance(t, srv, owner, aliyunRegion)
	r := dara.String(aliyunRegion)

	made, err := tc.CreateImage(&teaecs.CreateImageRequest{RegionId: r, InstanceId: dara.String(inst), ImageName: dara.String("tea-base"),
		ImageFamily: dara.String("tea"), ClientToken: dara.String("tok-tea-1"),
		Tag: []*teaecs.CreateImageRequestTag{{Key: dara.String("k"), Value: dara.String("v")}}})
	mustOK(t, err)
	id := dara.StringValue(made.Body.ImageId)
	again, err := tc.CreateImage(&teaecs.CreateImageRequest{RegionId: r, InstanceId: dara.String(inst), ImageName: dara.String("tea-base"),
		ImageFamily: dara.String("tea"), ClientToken: dara.String("tok-tea-1"),
		Tag: []*teaecs.CreateImageRequestTag{{Key: dara.String("k"), Value: dara.String("v")}}})
	mustOK(t, err)
	if dara.StringValue(again.Body.ImageId) != id {
		t.Fatalf("replayed ClientToken made %q, want the first %q", dara.StringValue(again.Body.ImageId), id)
	}
	_, err = tc.ModifyImageAttribute(&teaecs.ModifyImageAttributeRequest{RegionId: r, ImageId: dara.String(id), ImageName: dara.String("tea-base-2")})
	mustOK(t, err)
	_, err = tc.TagResources(&teaecs.TagResourcesRequest{RegionId: r, ResourceType: dara.String("image"), ResourceId: []*string{dara.String(id)},
		Tag: []*teaecs.TagResourcesRequestTag{{Key: dara.String("env"), Value: dara.String("dev")}}})
	mustOK(t, err)
	lt, err := tc.ListTagResources(&teaecs.ListTagResourcesRequest{RegionId: r, ResourceType: dara.String("image"), ResourceId: []*string{dara.String(id)}})
	mustOK(t, err)
	if n := len(lt.Body.TagResources.TagResource); n != 2 {
		t.Fatalf("ListTagResources: %d tags, want 2", n)
	}
	_, err = tc.UntagResources(&teaecs.UntagResourcesRequest{RegionId: r, ResourceType: dara.String("image"), ResourceId: []*string{dara.String(id)},
		TagKey: []*string{dara.String("k")}})
	mustOK(t, err)
	_, err = tc.ModifyImageSharePermission(&teaecs.ModifyImageSharePermissionRequest{RegionId: r, ImageId: dara.String(id),
		AddAccount: []*string{dara.String(idString(consumer.ID))}})
	mustOK(t, err)
	cp, err := tcc.CopyImage(&teaecs.CopyImageRequest{RegionId: r, ImageId: dara.String(id), DestinationRegionId: dara.String("bj"),
		DestinationImageName: dara.String("tea-copy")})
	mustOK(t, err)
	fam, err := tcc.DescribeImageFromFamily(&teaecs.DescribeImageFromFamilyRequest{RegionId: dara.String("bj"), ImageFamily: dara.String("tea")})
	mustOK(t, err)
	if dara.StringValue(fam.Body.Image.ImageId) != dara.StringValue(cp.Body.ImageId) {
		t.Fatalf("family image in bj %q, want the consumer's copy %q", dara.StringValue(fam.Body.Image.ImageId), dara.StringValue(cp.Body.ImageId))
	}
	regions, err := tc.DescribeRegions(&teaecs.DescribeRegionsRequest{})
	mustOK(t, err)
	if n := len(regions.Body.Regions.Region); n != 3 {
		t.Fatalf("DescribeRegions: %d regions", n)
	}
	_, err = tcc.DeleteImage(&teaecs.DeleteImageRequest{RegionId: dara.String("bj"), ImageId: cp.Body.ImageId})
	mustOK(t, err)
	_, err = tc.DeleteImage(&teaecs.DeleteImageRequest{RegionId: r, ImageId: dara.String(id), Force: dara.Bool(true)})
	mustOK(t, err)
	if exists(t, srv, owner, id) {
		t.Fatal("image still exists")
	}
}
