package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"

	teaecs "github.com/alibabacloud-go/ecs-20140526/v7/client"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"
	ucloudsdk "github.com/ucloud/ucloud-sdk-go/ucloud"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/app"
	"github.com/imageshare/imageshare/app/apptest"
)

// Issue 16 through Alibaba's SDKs: an owner launches an instance, makes a
// custom image of it (CompShare's CreateCompShareCustomImage: ECS's
// CreateImage is not served), shares it; the consumer launches from it
// (Tea SDK) and lists it (classic SDK); a stranger is refused exactly as
// for a missing image; after the unshare the consumer's instance keeps
// running but a second launch and a reinstall are refused; an image in
// use is not deleted without Force.

// platformImage records a System image of region.
func platformImage(t *testing.T, srv *apptest.Server, region string) *imageshare.Image {
	t.Helper()
	return srv.Image(t, &imageshare.Image{ID: "ubuntu_22_04_x64_20G_alibase_" + region, Region: region, Type: imageshare.ImageSystem,
		OSName: "Ubuntu 22.04 64位", OSNameEn: "Ubuntu 22.04 64 bit", OSType: "linux", Platform: "Ubuntu", Architecture: "x86_64"})
}

func runInstances(c *ecs.Client, imageID string, amount int) ([]string, error) {
	req := ecs.CreateRunInstancesRequest()
	req.ImageId, req.InstanceType, req.InstanceName = imageID, "ecs.gn7i-c8g1.2xlarge", "worker"
	req.Amount = requests.NewInteger(amount)
	resp, err := c.RunInstances(req)
	if err != nil {
		return nil, err
	}
	return resp.InstanceIdSets.InstanceIdSet, nil
}

func describeInstances(t *testing.T, c *ecs.Client, imageID string) []ecs.Instance {
	t.Helper()
	req := ecs.CreateDescribeInstancesRequest()
	req.ImageId = imageID
	resp, err := c.DescribeInstances(req)
	mustOK(t, err)
	return resp.Instances.Instance
}

func TestInstances_AliyunConsumerLifecycle(t *testing.T) {
	srv := apptest.Start(t, func(c *app.Config) { c.BuildDuration = 0 })
	sys := platformImage(t, srv, aliyunRegion)
	owner, ownerKey := srv.Account(t, "")
	consumer, consumerKey := srv.Account(t, "")
	_, strangerKey := srv.Account(t, "")
	alice, bob, carol := aliyunClient(t, srv, ownerKey), aliyunClient(t, srv, consumerKey), aliyunClient(t, srv, strangerKey)
	bobTea := teaECSClient(t, srv, consumerKey)

	// The owner's instance, then a custom image of it through CompShare.
	ids, err := runInstances(alice, sys.ID, 1)
	mustOK(t, err)
	if len(ids) != 1 || !strings.HasPrefix(ids[0], "i-") {
		t.Fatalf("RunInstances ids %v", ids)
	}
	uc := newUCSDK(srv.URL, owner, ownerKey, false)
	create := uc.NewCreateCompShareCustomImageRequest()
	create.Region, create.UHostId, create.Name = ucloudsdk.String(aliyunRegion), ucloudsdk.String(ids[0]), ucloudsdk.String("golden")
	made, err := uc.CreateCompShareCustomImage(create)
	mustOK(t, err)
	imageID := made.CompShareImageId
	mustOK(t, modifyShares(alice, imageID, []string{idString(consumer.ID)}, nil))

	// The consumer launches through the Tea SDK and lists through the classic one.
	run, err := bobTea.RunInstances(&teaecs.RunInstancesRequest{RegionId: dara.String(aliyunRegion), ImageId: dara.String(imageID),
		InstanceType: dara.String("ecs.g7.xlarge"), Amount: dara.Int32(1)})
	mustOK(t, err)
	bobID := dara.StringValue(run.Body.InstanceIdSets.InstanceIdSet[0])
	list := describeInstances(t, bob, imageID)
	if len(list) != 1 || list[0].InstanceId != bobID || list[0].Status != "Running" || list[0].OSType != "linux" || list[0].Cpu != 4 {
		t.Fatalf("consumer lists %+v", list)
	}
	if got := describeInstances(t, alice, imageID); len(got) != 0 {
		t.Fatalf("the owner lists the consumer's instance: %+v", got)
	}

	// A stranger: the same answer as a missing image.
	_, missingErr := runInstances(carol, "m-doesnotexist", 1)
	missing := wantAliyunError(t, missingErr, "InvalidImageId.NotFound", http.StatusNotFound)
	_, err = runInstances(carol, imageID, 1)
	if se := wantAliyunError(t, err, "InvalidImageId.NotFound", http.StatusNotFound); se.Message() != missing.Message() {
		t.Fatalf("stranger message %q, missing image's %q", se.Message(), missing.Message())
	}

	// Usage=instance lists the image in use.
	dreq := ecs.CreateDescribeImagesRequest()
	dreq.ImageOwnerAlias, dreq.Usage = "self", "instance"
	imgs, err := alice.DescribeImages(dreq)
	mustOK(t, err)
	if len(imgs.Images.Image) != 1 || imgs.Images.Image[0].ImageId != imageID || imgs.Images.Image[0].Usage != "instance" {
		t.Fatalf("Usage=instance: %+v", imgs.Images.Image)
	}

	// Unshare: the instance runs on; a second launch and reinstalls are refused.
	mustOK(t, modifyShares(alice, imageID, nil, []string{idString(consumer.ID)}))
	st := ecs.CreateDescribeInstanceStatusRequest()
	st.InstanceId = &[]string{bobID}
	status, err := bob.DescribeInstanceStatus(st)
	mustOK(t, err)
	if len(status.InstanceStatuses.InstanceStatus) != 1 || status.InstanceStatuses.InstanceStatus[0].Status != "Running" {
		t.Fatalf("after unshare: %+v", status.InstanceStatuses)
	}
	_, err = runInstances(bob, imageID, 1)
	wantAliyunError(t, err, "InvalidImageId.NotFound", http.StatusNotFound)
	stop := ecs.CreateStopInstanceRequest()
	stop.InstanceId = bobID
	_, err = bob.StopInstance(stop)
	mustOK(t, err)
	reinit := ecs.CreateReInitDiskRequest()
	reinit.DiskId = "d-" + strings.TrimPrefix(bobID, "i-")
	_, err = bob.ReInitDisk(reinit)
	wantAliyunError(t, err, "InvalidImageId.NotFound", http.StatusNotFound)
	replace := ecs.CreateReplaceSystemDiskRequest()
	replace.InstanceId, replace.ImageId = bobID, imageID
	_, err = bob.ReplaceSystemDisk(replace)
	wantAliyunError(t, err, "InvalidImageId.NotFound", http.StatusNotFound)

	// Delete in use: refused without Force, done with it; the instance stays.
	del := ecs.CreateDeleteImageRequest()
	del.ImageId = imageID
	_, err = alice.DeleteImage(del)
	wantAliyunError(t, err, "ImageUsingByInstance", http.StatusForbidden)
	del.Force = requests.NewBoolean(true)
	_, err = alice.DeleteImage(del)
	mustOK(t, err)
	if got := describeInstances(t, bob, ""); len(got) != 1 || got[0].Status != "Stopped" || got[0].ImageId != imageID {
		t.Fatalf("after the forced delete the consumer lists %+v", got)
	}
	// A platform image is still the consumer's to reinstall with.
	replace.ImageId = sys.ID
	_, err = bob.ReplaceSystemDisk(replace)
	mustOK(t, err)
	if got := describeInstances(t, bob, sys.ID); len(got) != 1 || got[0].OSName != sys.OSName {
		t.Fatalf("after reinstalling with %s the consumer lists %+v", sys.ID, got)
	}

	// Another account's instance is not found; deleting needs Stopped or Force.
	dreqI := ecs.CreateDeleteInstanceRequest()
	dreqI.InstanceId = bobID
	_, err = alice.DeleteInstance(dreqI)
	wantAliyunError(t, err, "InvalidInstanceId.NotFound", http.StatusNotFound)
	_, err = bob.DeleteInstance(dreqI)
	mustOK(t, err)
	aliceDel := ecs.CreateDeleteInstanceRequest()
	aliceDel.InstanceId = ids[0]
	_, err = alice.DeleteInstance(aliceDel)
	wantAliyunError(t, err, "IncorrectInstanceStatus", http.StatusForbidden)
	aliceDel.Force = requests.NewBoolean(true)
	_, err = alice.DeleteInstance(aliceDel)
	mustOK(t, err)
}

// DryRun of RunInstances stores nothing; Amount over the quota is the
// quota error; paging with NextToken walks every instance once.
func TestInstances_AliyunDryRunQuotaPaging(t *testing.T) {
	srv := apptest.Start(t, func(c *app.Config) { c.Limits.MaxInstances = 5 })
	sys := platformImage(t, srv, aliyunRegion)
	_, key := srv.Account(t, "")
	c := aliyunClient(t, srv, key)
	req := ecs.CreateRunInstancesRequest()
	req.ImageId, req.InstanceType, req.DryRun = sys.ID, "ecs.g7.large", requests.NewBoolean(true)
	_, err := c.RunInstances(req)
	wantAliyunError(t, err, "DryRunOperation", http.StatusBadRequest)
	if got := describeInstances(t, c, ""); len(got) != 0 {
		t.Fatalf("a DryRun launched %v", got)
	}
	_, err = runInstances(c, sys.ID, 6)
	wantAliyunError(t, err, "QuotaExceed.ElasticQuota", http.StatusForbidden)
	_, err = runInstances(c, sys.ID, 5)
	mustOK(t, err)
	seen := map[string]bool{}
	token := ""
	for range 10 {
		d := ecs.CreateDescribeInstancesRequest()
		d.MaxResults, d.NextToken = requests.NewInteger(2), token
		resp, err := c.DescribeInstances(d)
		mustOK(t, err)
		for _, in := range resp.Instances.Instance {
			if seen[in.InstanceId] {
				t.Fatalf("%s listed twice", in.InstanceId)
			}
			seen[in.InstanceId] = true
		}
		if token = resp.NextToken; token == "" {
			break
		}
	}
	if len(seen) != 5 {
		t.Fatalf("paging saw %d instances, want 5", len(seen))
	}
}

// A sub-user whose only permission is ecs:RunInstances on one image
// launches from it, and is refused on another image it could see and on
// every other action.
func TestInstances_AliyunSubUserLaunchesOneImage(t *testing.T) {
	ctx := context.Background()
	srv := apptest.Start(t)
	sys := platformImage(t, srv, aliyunRegion)
	owner, _ := srv.Account(t, "")
	consumer, _ := srv.Account(t, "")
	one := customImage(t, srv, owner, aliyunRegion)
	two := customImage(t, srv, owner, aliyunRegion)
	for _, im := range []*imageshare.Image{one, two} {
		_, err := srv.Svc.ModifyShares(ctx, imageshare.Caller{AccountID: owner.ID}, imageshare.ShareRequest{ImageID: im.ID, Add: []int64{consumer.ID}})
		mustOK(t, err)
	}
	doc := `{"Version":"1","Statement":[{"Effect":"Allow","Action":"ecs:RunInstances","Resource":"acs:ecs:*:*:image/` + one.ID + `"}]}`
	_, err := srv.Svc.CreatePolicy(ctx, consumer.ID, "LaunchOne", "", doc)
	mustOK(t, err)
	u, err := srv.Svc.CreateUser(ctx, consumer.ID, "launcher")
	mustOK(t, err)
	mustOK(t, srv.Svc.AttachPolicy(ctx, consumer.ID, "LaunchOne", imageshare.PrincipalUser, "launcher"))
	key, err := srv.Svc.CreateUserKey(ctx, u)
	mustOK(t, err)
	c := aliyunClient(t, srv, key)

	_, err = runInstances(c, one.ID, 1)
	mustOK(t, err)
	for _, id := range []string{two.ID, sys.ID} {
		_, err = runInstances(c, id, 1)
		wantAliyunError(t, err, "Forbidden.RAM", http.StatusForbidden)
	}
	_, err = c.DescribeInstances(ecs.CreateDescribeInstancesRequest())
	wantAliyunError(t, err, "Forbidden.RAM", http.StatusForbidden)
	// The instance is the account's: its root key lists it.
	ins, _, err := srv.Svc.ListInstances(ctx, imageshare.Caller{AccountID: consumer.ID}, imageshare.InstanceFilter{ImageID: one.ID})
	mustOK(t, err)
	if len(ins) != 1 {
		t.Fatalf("the account has %d instances of the image, want 1", len(ins))
	}
}

// The default network through the classic SDK: DescribeVSwitches and
// DescribeSecurityGroups list the caller's, a launch in a vSwitch lands
// in its zone, another account's vSwitch or group is NotFound.
func TestInstances_AliyunDefaultNetwork(t *testing.T) {
	srv := apptest.Start(t)
	sys := platformImage(t, srv, aliyunRegion)
	_, aKey := srv.Account(t, "")
	_, bKey := srv.Account(t, "")
	a, b := aliyunClient(t, srv, aKey), aliyunClient(t, srv, bKey)
	vsw := func(c *ecs.Client) []ecs.VSwitch {
		r, err := c.DescribeVSwitches(ecs.CreateDescribeVSwitchesRequest())
		mustOK(t, err)
		return r.VSwitches.VSwitch
	}
	sg := func(c *ecs.Client) string {
		r, err := c.DescribeSecurityGroups(ecs.CreateDescribeSecurityGroupsRequest())
		mustOK(t, err)
		return r.SecurityGroups.SecurityGroup[0].SecurityGroupId
	}
	av, bv := vsw(a), vsw(b)
	if len(av) != 2 || av[1].ZoneId != aliyunRegion+"-b" || av[0].VSwitchId == bv[0].VSwitchId || !strings.HasPrefix(av[0].VSwitchId, "vsw-") {
		t.Fatalf("vSwitches %+v / %+v", av, bv)
	}
	launch := func(vswitch, group string) (*ecs.RunInstancesResponse, error) {
		req := ecs.CreateRunInstancesRequest()
		req.ImageId, req.InstanceType, req.VSwitchId, req.SecurityGroupId = sys.ID, "ecs.g7.large", vswitch, group
		return a.RunInstances(req)
	}
	r, err := launch(av[1].VSwitchId, sg(a))
	mustOK(t, err)
	if got := describeInstances(t, a, ""); len(got) != 1 || got[0].InstanceId != r.InstanceIdSets.InstanceIdSet[0] || got[0].ZoneId != aliyunRegion+"-b" {
		t.Fatalf("launched into %+v", got)
	}
	_, err = launch(bv[0].VSwitchId, "")
	wantAliyunError(t, err, "InvalidVSwitchId.NotFound", http.StatusNotFound)
	_, err = launch("", sg(b))
	wantAliyunError(t, err, "InvalidSecurityGroupId.NotFound", http.StatusNotFound)
	req := ecs.CreateRunInstancesRequest()
	req.ImageId, req.InstanceType, req.ZoneId = sys.ID, "ecs.g7.large", "cn-hangzhou-z"
	_, err = a.RunInstances(req)
	wantAliyunError(t, err, "InvalidZoneId.NotFound", http.StatusNotFound)
}
