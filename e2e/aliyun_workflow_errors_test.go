package e2e

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/app"
	"github.com/imageshare/imageshare/app/apptest"
)

// Every documented error of the ECS workflow actions, through the
// classic SDK (docs/aliyun.md "The image workflow").
func TestAliyunWorkflow_Errors(t *testing.T) {
	srv := workflowServer(t, time.Hour)
	owner, key := srv.Account(t, "ecs-err@example.com")
	other, okey := srv.Account(t, "ecs-other@example.com")
	c := aliyunClient(t, srv, key)
	oc := aliyunClient(t, srv, okey)
	inst := ownInstance(t, srv, owner, aliyunRegion)

	create := func(c *ecs.Client, edit func(*ecs.CreateImageRequest)) (*ecs.CreateImageResponse, error) {
		req := ecs.CreateCreateImageRequest()
		req.RegionId, req.InstanceId = aliyunRegion, inst
		edit(req)
		return c.CreateImage(req)
	}
	for _, tc := range []struct {
		name   string
		edit   func(*ecs.CreateImageRequest)
		code   string
		status int
	}{
		{"name starts with a digit", func(r *ecs.CreateImageRequest) { r.ImageName = "1abc" }, "InvalidImageName.Malformed", 400},
		{"name is a URL", func(r *ecs.CreateImageRequest) { r.ImageName = "http://x" }, "InvalidImageName.Malformed", 400},
		{"name too short", func(r *ecs.CreateImageRequest) { r.ImageName = "a" }, "InvalidImageName.Malformed", 400},
		{"name with a space", func(r *ecs.CreateImageRequest) { r.ImageName = "a b" }, "InvalidImageName.Malformed", 400},
		{"description", func(r *ecs.CreateImageRequest) { r.Description = "https://example.com" }, "InvalidDescription.Malformed", 400},
		{"no source", func(r *ecs.CreateImageRequest) { r.InstanceId = "" }, "MissingParameter", 400},
		{"both sources", func(r *ecs.CreateImageRequest) { r.SnapshotId = "s-1" }, "InvalidParameter", 400},
		{"snapshot", func(r *ecs.CreateImageRequest) { r.InstanceId, r.SnapshotId = "", "s-1" }, "InvalidSnapshotId.NotFound", 404},
		{"missing instance", func(r *ecs.CreateImageRequest) { r.InstanceId = "i-missing" }, "InvalidInstanceId.NotFound", 404},
		{"architecture", func(r *ecs.CreateImageRequest) { r.Architecture = "mips" }, "InvalidArchitecture", 400},
		{"boot mode", func(r *ecs.CreateImageRequest) { r.BootMode = "CSM" }, "InvalidBootMode.ValueNotSupported", 400},
		{"reserved tag key", func(r *ecs.CreateImageRequest) { r.Tag = &[]ecs.CreateImageTag{{Key: "acs:x", Value: "v"}} }, "InvalidTagKey.Malformed", 400},
		{"tag value URL", func(r *ecs.CreateImageRequest) { r.Tag = &[]ecs.CreateImageTag{{Key: "k", Value: "http://x"}} }, "InvalidTagValue.Malformed", 400},
		{"long token", func(r *ecs.CreateImageRequest) { r.ClientToken = strings.Repeat("t", 65) }, "InvalidParameter", 400},
		{"dry run", func(r *ecs.CreateImageRequest) { r.ImageName, r.QueryParams["DryRun"] = "dry-one", "true" }, "DryRunOperation", 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := create(c, tc.edit)
			wantAliyunError(t, err, tc.code, tc.status)
		})
	}
	// Another account's instance is not found either.
	_, err := create(oc, func(r *ecs.CreateImageRequest) { r.ImageName = "theirs" })
	wantAliyunError(t, err, "InvalidInstanceId.NotFound", 404)
	// 21 tags.
	_, err = create(c, func(r *ecs.CreateImageRequest) {
		var tags []ecs.CreateImageTag
		for i := range 21 {
			tags = append(tags, ecs.CreateImageTag{Key: fmt.Sprint("k", i), Value: "v"})
		}
		r.Tag = &tags
	})
	wantAliyunError(t, err, "InvalidTagCount", 400)
	if n := countImages(t, srv, owner); n != 0 {
		t.Fatalf("refused calls made %d images", n)
	}

	slow, err := create(c, func(r *ecs.CreateImageRequest) { r.ImageName, r.ClientToken = "slow", "tok-1" })
	mustOK(t, err)
	_, err = create(c, func(r *ecs.CreateImageRequest) { r.ImageName, r.ClientToken = "slow-2", "tok-1" })
	wantAliyunError(t, err, "IdempotentParameterMismatch", 400)
	_, err = create(c, func(r *ecs.CreateImageRequest) { r.ImageName = "slow" })
	wantAliyunError(t, err, "InvalidImageName.Duplicated", 400)
	_, err = create(c, func(r *ecs.CreateImageRequest) { r.ImageName, r.QueryParams["DryRun"] = "slow", "true" })
	wantAliyunError(t, err, "InvalidImageName.Duplicated", 400)

	// ModifyImageAttribute.
	modify := func(edit func(*ecs.ModifyImageAttributeRequest)) error {
		req := ecs.CreateModifyImageAttributeRequest()
		req.RegionId = aliyunRegion
		edit(req)
		_, err := c.ModifyImageAttribute(req)
		return err
	}
	ready := srv.Image(t, &imageshare.Image{Region: aliyunRegion, OwnerID: owner.ID, Type: imageshare.ImageCustom, Name: "ready", OSType: "linux"})
	wantAliyunError(t, modify(func(r *ecs.ModifyImageAttributeRequest) { r.ImageId, r.Status = ready.ID, "Gone" }), "InvalidStatus.ValueNotSupported", 400)
	wantAliyunError(t, modify(func(r *ecs.ModifyImageAttributeRequest) { r.ImageId, r.Status = slow.ImageId, "Deprecated" }), "IncorrectImageStatus", 400)
	wantAliyunError(t, modify(func(r *ecs.ModifyImageAttributeRequest) { r.ImageId, r.ImageName = ready.ID, "slow" }), "InvalidImageName.Duplicated", 400)
	wantAliyunError(t, modify(func(r *ecs.ModifyImageAttributeRequest) { r.ImageId, r.ImageName = "m-missing", "fine" }), "InvalidImageId.NotFound", 404)
	wantAliyunError(t, modify(func(r *ecs.ModifyImageAttributeRequest) { r.ImageId, r.ImageName = ready.ID, "-x" }), "InvalidImageName.Malformed", 400)
	wantAliyunError(t, modify(func(r *ecs.ModifyImageAttributeRequest) { r.ImageId, r.BootMode = ready.ID, "X" }), "InvalidBootMode.ValueNotSupported", 400)
	wantAliyunError(t, modify(func(r *ecs.ModifyImageAttributeRequest) { r.ImageId, r.LicenseType = ready.ID, "BYOL" }), "InvalidParameter", 400)
	system := srv.Image(t, &imageshare.Image{Region: aliyunRegion, Type: imageshare.ImageSystem, Name: "ubuntu"})
	wantAliyunError(t, modify(func(r *ecs.ModifyImageAttributeRequest) { r.ImageId, r.ImageName = system.ID, "mine" }), "InvalidImageId.NotFound", 404)

	// CopyImage.
	cp := func(cl *ecs.Client, id, dest string) (*ecs.CopyImageResponse, error) {
		req := ecs.CreateCopyImageRequest()
		req.RegionId, req.ImageId, req.DestinationRegionId = aliyunRegion, id, dest
		return cl.CopyImage(req)
	}
	_, err = cp(c, ready.ID, "mars-1")
	wantAliyunError(t, err, "InvalidRegionId.Malformed", 400)
	_, err = cp(c, slow.ImageId, "cn-wlcb")
	wantAliyunError(t, err, "IncorrectImageStatus", 400)
	_, err = cp(c, system.ID, "cn-wlcb")
	wantAliyunError(t, err, "InvalidImageType.NotSupported", 403)
	_, err = cp(oc, ready.ID, "cn-wlcb")
	wantAliyunError(t, err, "InvalidImageId.NotFound", 404)
	public := srv.Image(t, &imageshare.Image{Region: aliyunRegion, OwnerID: owner.ID, Type: imageshare.ImageCustom, Name: "pub", IsPublic: true})
	_, err = cp(oc, public.ID, "cn-wlcb")
	wantAliyunError(t, err, "InvalidImageType.NotSupported", 403)
	if n := countImages(t, srv, other); n != 0 {
		t.Fatalf("refused copies made %d images for the other account", n)
	}

	// CancelCopyImage: a copy being made (an hour's build) goes; a made image stays.
	copied, err := cp(c, ready.ID, "cn-wlcb")
	mustOK(t, err)
	cancel := func(region, id string) error {
		req := ecs.CreateCancelCopyImageRequest()
		req.RegionId, req.ImageId = region, id
		_, err := c.CancelCopyImage(req)
		return err
	}
	mustOK(t, cancel("cn-wlcb", copied.ImageId))
	if exists(t, srv, owner, copied.ImageId) {
		t.Fatal("a cancelled copy still exists")
	}
	wantAliyunError(t, cancel(aliyunRegion, ready.ID), "IncorrectImageStatus", 403)
	wantAliyunError(t, cancel("cn-wlcb", "m-missing"), "InvalidImageId.NotFound", 404)

	// Tags.
	tag := func(rt string, tags ...ecs.TagResourcesTag) error {
		req := ecs.CreateTagResourcesRequest()
		req.RegionId, req.ResourceType, req.ResourceId, req.Tag = aliyunRegion, rt, &[]string{ready.ID}, &tags
		_, err := c.TagResources(req)
		return err
	}
	wantAliyunError(t, tag("instance", ecs.TagResourcesTag{Key: "k"}), "InvalidResourceType.NotFound", 400)
	wantAliyunError(t, tag("image", ecs.TagResourcesTag{Key: "aliyun:x"}), "InvalidTagKey.Malformed", 400)
	wantAliyunError(t, tag("image", ecs.TagResourcesTag{Key: strings.Repeat("k", 129)}), "InvalidTagKey.Malformed", 400)
	var ten []ecs.TagResourcesTag
	for i := range 15 {
		ten = append(ten, ecs.TagResourcesTag{Key: fmt.Sprint("a", i), Value: "v"})
	}
	mustOK(t, tag("image", ten...))
	wantAliyunError(t, tag("image", ten[:0:0]...), "MissingParameter", 400)
	var six []ecs.TagResourcesTag
	for i := range 6 {
		six = append(six, ecs.TagResourcesTag{Key: fmt.Sprint("b", i), Value: "v"})
	}
	wantAliyunError(t, tag("image", six...), "InvalidTagCount", 400)

	// Out of scope; a family nobody has.
	wantAliyunError(t, rawECS(t, c, "ImportImage"), "UnsupportedOperation", 400)
	wantAliyunError(t, rawECS(t, c, "ExportImage"), "UnsupportedOperation", 400)
	ff := ecs.CreateDescribeImageFromFamilyRequest()
	ff.RegionId, ff.ImageFamily = aliyunRegion, "nobody"
	fam, err := c.DescribeImageFromFamily(ff)
	mustOK(t, err)
	if fam.Image.ImageId != "" {
		t.Fatalf("family nobody has: %+v", fam.Image)
	}
	ff = ecs.CreateDescribeImageFromFamilyRequest()
	ff.RegionId = aliyunRegion
	_, err = c.DescribeImageFromFamily(ff)
	wantAliyunError(t, err, "MissingParameter", 400)
}

// rawECS sends an ECS action the SDK has no request type for here.
func rawECS(t *testing.T, c *ecs.Client, action string) error {
	t.Helper()
	req := requests.NewCommonRequest()
	req.Method, req.Scheme, req.Domain, req.Version, req.ApiName = "POST", "http", c.Domain, "2014-05-26", action
	req.QueryParams["RegionId"] = aliyunRegion
	req.QueryParams["ImageId"] = "m-1"
	_, err := c.ProcessCommonRequest(req)
	return err
}

// countImages counts the account's images in every state.
func countImages(t *testing.T, srv *apptest.Server, a *imageshare.Account) int {
	t.Helper()
	_, n, err := srv.Store.FindImages(t.Context(), imageshare.ImageFilter{Scope: imageshare.ScopeOwned, AccountID: a.ID})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// ClientToken across replicas: concurrent CreateImage calls with one
// token, sent to two servers on one store, all answer the same ImageId
// and make one image.
func TestAliyunWorkflow_ClientTokenAcrossReplicas(t *testing.T) {
	dsn := apptest.StoreDSN(t)
	var servers []*apptest.Server
	for range 2 {
		servers = append(servers, apptest.Start(t, func(c *app.Config) { c.DB, c.BuildDuration = dsn, 0 }))
	}
	owner, key := servers[0].Account(t, "replayed@example.com")
	inst := ownInstance(t, servers[0], owner, aliyunRegion)
	const calls = 12
	ids := make([]string, calls)
	errs := make([]error, calls)
	var wg sync.WaitGroup
	for i := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := ecs.CreateCreateImageRequest()
			req.RegionId, req.InstanceId, req.ImageName, req.ClientToken = aliyunRegion, inst, "once", "replica-token"
			resp, err := aliyunClient(t, servers[i%2], key).CreateImage(req)
			errs[i] = err
			if err == nil {
				ids[i] = resp.ImageId
			}
		}()
	}
	wg.Wait()
	for i := range calls {
		mustOK(t, errs[i])
		if ids[i] != ids[0] {
			t.Fatalf("call %d made %q, call 0 %q: one token, one image", i, ids[i], ids[0])
		}
	}
	if n := countImages(t, servers[1], owner); n != 1 {
		t.Fatalf("%d images stored, want 1", n)
	}
	// The other replica refuses the token with other parameters.
	req := ecs.CreateCreateImageRequest()
	req.RegionId, req.InstanceId, req.ImageName, req.ClientToken = aliyunRegion, inst, "twice", "replica-token"
	_, err := aliyunClient(t, servers[1], key).CreateImage(req)
	wantAliyunError(t, err, "IdempotentParameterMismatch", 400)
}
