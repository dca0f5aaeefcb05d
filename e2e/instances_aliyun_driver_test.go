package e2e

import (
	"context"
	"regexp"
	"testing"

	"fmt"
	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/app/apptest"
	"sort"
	"strings"

	teaecs "github.com/alibabacloud-go/ecs-20140526/v7/client"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"
)

// instArgs are the inputs of an instance action through ecsDriver.instance.
type instArgs struct {
	ImageID    string
	InstanceID string
	Amount     int
	Force      bool
}

// summary sums a listing up as "id:Status" sorted, ids as given.
func summary(pairs [][2]string) string {
	out := make([]string, 0, len(pairs))
	for _, p := range pairs {
		out = append(out, p[0]+":"+p[1])
	}
	sort.Strings(out)
	return "[" + strings.Join(out, " ") + "]"
}

func diskOf(instanceID string) string { return "d-" + strings.TrimPrefix(instanceID, "i-") }

func (d teaDriver) instance(action string, a instArgs, dryRun bool) (string, error) {
	region, dry := dara.String(aliyunRegion), dara.Bool(dryRun)
	id := dara.String(a.InstanceID)
	switch action {
	case "RunInstances":
		r, err := d.c.RunInstances(&teaecs.RunInstancesRequest{RegionId: region, ImageId: dara.String(a.ImageID),
			InstanceType: dara.String("ecs.g7.large"), Amount: dara.Int32(int32(max(a.Amount, 1))), DryRun: dry})
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("launched %d", len(r.Body.InstanceIdSets.InstanceIdSet)), nil
	case "CreateInstance":
		r, err := d.c.CreateInstance(&teaecs.CreateInstanceRequest{RegionId: region, ImageId: dara.String(a.ImageID),
			InstanceType: dara.String("ecs.g7.large"), DryRun: dry})
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("created %v", dara.StringValue(r.Body.InstanceId) != ""), nil
	case "DescribeInstances":
		req := &teaecs.DescribeInstancesRequest{RegionId: region}
		if a.ImageID != "" {
			req.ImageId = dara.String(a.ImageID)
		}
		r, err := d.c.DescribeInstances(req)
		if err != nil {
			return "", err
		}
		var p [][2]string
		for _, in := range r.Body.Instances.Instance {
			p = append(p, [2]string{dara.StringValue(in.InstanceId), dara.StringValue(in.Status)})
		}
		return summary(p), nil
	case "DescribeInstanceStatus":
		r, err := d.c.DescribeInstanceStatus(&teaecs.DescribeInstanceStatusRequest{RegionId: region})
		if err != nil {
			return "", err
		}
		var p [][2]string
		for _, in := range r.Body.InstanceStatuses.InstanceStatus {
			p = append(p, [2]string{dara.StringValue(in.InstanceId), dara.StringValue(in.Status)})
		}
		return summary(p), nil
	case "StartInstance":
		_, err := d.c.StartInstance(&teaecs.StartInstanceRequest{InstanceId: id, DryRun: dry})
		return "", err
	case "StopInstance":
		_, err := d.c.StopInstance(&teaecs.StopInstanceRequest{InstanceId: id, DryRun: dry})
		return "", err
	case "RebootInstance":
		_, err := d.c.RebootInstance(&teaecs.RebootInstanceRequest{InstanceId: id, DryRun: dry})
		return "", err
	case "StartInstances":
		_, err := d.c.StartInstances(&teaecs.StartInstancesRequest{RegionId: region, InstanceId: []*string{id}, DryRun: dry})
		return "", err
	case "StopInstances":
		_, err := d.c.StopInstances(&teaecs.StopInstancesRequest{RegionId: region, InstanceId: []*string{id}, DryRun: dry})
		return "", err
	case "RebootInstances":
		_, err := d.c.RebootInstances(&teaecs.RebootInstancesRequest{RegionId: region, InstanceId: []*string{id}, DryRun: dry})
		return "", err
	case "DeleteInstance":
		_, err := d.c.DeleteInstance(&teaecs.DeleteInstanceRequest{InstanceId: id, Force: dara.Bool(a.Force), DryRun: dry})
		return "", err
	case "DeleteInstances":
		_, err := d.c.DeleteInstances(&teaecs.DeleteInstancesRequest{RegionId: region, InstanceId: []*string{id}, Force: dara.Bool(a.Force), DryRun: dry})
		return "", err
	case "ReplaceSystemDisk":
		_, err := d.c.ReplaceSystemDisk(&teaecs.ReplaceSystemDiskRequest{InstanceId: id, ImageId: dara.String(a.ImageID)})
		return "", err
	case "ReInitDisk":
		_, err := d.c.ReInitDisk(&teaecs.ReInitDiskRequest{DiskId: dara.String(diskOf(a.InstanceID))})
		return "", err
	case "DescribeVpcs":
		r, err := d.c.DescribeVpcs(&teaecs.DescribeVpcsRequest{RegionId: region})
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("vpcs %d", len(r.Body.Vpcs.Vpc)), nil
	case "DescribeVSwitches":
		r, err := d.c.DescribeVSwitches(&teaecs.DescribeVSwitchesRequest{RegionId: region})
		if err != nil {
			return "", err
		}
		var zones []string
		for _, v := range r.Body.VSwitches.VSwitch {
			zones = append(zones, dara.StringValue(v.ZoneId))
		}
		return fmt.Sprintf("vswitches %v", zones), nil
	case "DescribeSecurityGroups":
		r, err := d.c.DescribeSecurityGroups(&teaecs.DescribeSecurityGroupsRequest{RegionId: region})
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("groups %d", len(r.Body.SecurityGroups.SecurityGroup)), nil
	case "DescribeZones":
		r, err := d.c.DescribeZones(&teaecs.DescribeZonesRequest{RegionId: region})
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("zones %d", len(r.Body.Zones.Zone)), nil
	}
	return "", fmt.Errorf("the Tea driver has no %s", action)
}

func (d classicDriver) instance(action string, a instArgs, dryRun bool) (string, error) {
	dry := requests.NewBoolean(dryRun)
	force := requests.NewBoolean(a.Force)
	ids := &[]string{a.InstanceID}
	switch action {
	case "RunInstances":
		req := ecs.CreateRunInstancesRequest()
		req.ImageId, req.InstanceType, req.Amount, req.DryRun = a.ImageID, "ecs.g7.large", requests.NewInteger(max(a.Amount, 1)), dry
		r, err := d.c.RunInstances(req)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("launched %d", len(r.InstanceIdSets.InstanceIdSet)), nil
	case "CreateInstance":
		req := ecs.CreateCreateInstanceRequest()
		req.ImageId, req.InstanceType, req.DryRun = a.ImageID, "ecs.g7.large", dry
		r, err := d.c.CreateInstance(req)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("created %v", r.InstanceId != ""), nil
	case "DescribeInstances":
		req := ecs.CreateDescribeInstancesRequest()
		req.ImageId = a.ImageID
		r, err := d.c.DescribeInstances(req)
		if err != nil {
			return "", err
		}
		var p [][2]string
		for _, in := range r.Instances.Instance {
			p = append(p, [2]string{in.InstanceId, in.Status})
		}
		return summary(p), nil
	case "DescribeInstanceStatus":
		r, err := d.c.DescribeInstanceStatus(ecs.CreateDescribeInstanceStatusRequest())
		if err != nil {
			return "", err
		}
		var p [][2]string
		for _, in := range r.InstanceStatuses.InstanceStatus {
			p = append(p, [2]string{in.InstanceId, in.Status})
		}
		return summary(p), nil
	case "StartInstance":
		req := ecs.CreateStartInstanceRequest()
		req.InstanceId, req.DryRun = a.InstanceID, dry
		_, err := d.c.StartInstance(req)
		return "", err
	case "StopInstance":
		req := ecs.CreateStopInstanceRequest()
		req.InstanceId, req.DryRun = a.InstanceID, dry
		_, err := d.c.StopInstance(req)
		return "", err
	case "RebootInstance":
		req := ecs.CreateRebootInstanceRequest()
		req.InstanceId, req.DryRun = a.InstanceID, dry
		_, err := d.c.RebootInstance(req)
		return "", err
	case "StartInstances":
		req := ecs.CreateStartInstancesRequest()
		req.InstanceId, req.DryRun = ids, dry
		_, err := d.c.StartInstances(req)
		return "", err
	case "StopInstances":
		req := ecs.CreateStopInstancesRequest()
		req.InstanceId, req.DryRun = ids, dry
		_, err := d.c.StopInstances(req)
		return "", err
	case "RebootInstances":
		req := ecs.CreateRebootInstancesRequest()
		req.InstanceId, req.DryRun = ids, dry
		_, err := d.c.RebootInstances(req)
		return "", err
	case "DeleteInstance":
		req := ecs.CreateDeleteInstanceRequest()
		req.InstanceId, req.Force, req.DryRun = a.InstanceID, force, dry
		_, err := d.c.DeleteInstance(req)
		return "", err
	case "DeleteInstances":
		req := ecs.CreateDeleteInstancesRequest()
		req.InstanceId, req.Force, req.DryRun = ids, force, dry
		_, err := d.c.DeleteInstances(req)
		return "", err
	case "ReplaceSystemDisk":
		req := ecs.CreateReplaceSystemDiskRequest()
		req.InstanceId, req.ImageId = a.InstanceID, a.ImageID
		_, err := d.c.ReplaceSystemDisk(req)
		return "", err
	case "ReInitDisk":
		req := ecs.CreateReInitDiskRequest()
		req.DiskId = diskOf(a.InstanceID)
		_, err := d.c.ReInitDisk(req)
		return "", err
	case "DescribeVpcs":
		r, err := d.c.DescribeVpcs(ecs.CreateDescribeVpcsRequest())
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("vpcs %d", len(r.Vpcs.Vpc)), nil
	case "DescribeVSwitches":
		r, err := d.c.DescribeVSwitches(ecs.CreateDescribeVSwitchesRequest())
		if err != nil {
			return "", err
		}
		var zones []string
		for _, v := range r.VSwitches.VSwitch {
			zones = append(zones, v.ZoneId)
		}
		return fmt.Sprintf("vswitches %v", zones), nil
	case "DescribeSecurityGroups":
		r, err := d.c.DescribeSecurityGroups(ecs.CreateDescribeSecurityGroupsRequest())
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("groups %d", len(r.SecurityGroups.SecurityGroup)), nil
	case "DescribeZones":
		r, err := d.c.DescribeZones(ecs.CreateDescribeZonesRequest())
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("zones %d", len(r.Zones.Zone)), nil
	}
	return "", fmt.Errorf("the classic driver has no %s", action)
}

// instanceTranscriptWant is what instanceTranscript must read through
// either SDK (TestAliyun_TeaAndClassicSDKsAgree).
var instanceTranscriptWant = []string{
	"run: launched 2", "create: created true",
	"describe: [I:Running I:Running I:Running]", "status: [I:Running I:Running I:Running]",
	"stop: ok", "stop again: 403 IncorrectInstanceStatus", "start: ok",
	"stop many: ok", "start many: ok", "reboot: ok", "reboot many: ok",
	"replace running: 403 IncorrectInstanceStatus", "stop: ok", "replace: ok", "reinit: ok",
	"run dry: 400 DryRunOperation", "stop dry: 400 DryRunOperation",
	"B delete: 404 InvalidInstanceId.NotFound", "B reinit: 404 InvalidDiskId.NotFound",
	"delete stopped: ok", "delete running: 403 IncorrectInstanceStatus", "delete many forced: ok",
	"describe: [I:Running]",
	"vpcs: vpcs 1", "vswitches: vswitches [cn-hangzhou-a cn-hangzhou-b]", "groups: groups 1", "zones: zones 2",
}

var instanceIDs = regexpMust(`i-[0-9a-f]+`)

// instanceTranscript drives every instance action through d (the owner)
// and bd (another account) on a platform image sysID; instances lists the
// owner's instance ids, oldest first.
func instanceTranscript(d, bd ecsDriver, sysID string, instances func() []string) []string {
	var got []string
	log := func(step, sum string, err error) {
		if err != nil {
			sum = outcome(err)
		} else if sum == "" {
			sum = "ok"
		}
		got = append(got, step+": "+instanceIDs.ReplaceAllString(sum, "I"))
	}
	call := func(step, action string, a instArgs, dry bool) {
		sum, err := d.instance(action, a, dry)
		log(step, sum, err)
	}
	call("run", "RunInstances", instArgs{ImageID: sysID, Amount: 2}, false)
	call("create", "CreateInstance", instArgs{ImageID: sysID}, false)
	call("describe", "DescribeInstances", instArgs{}, false)
	call("status", "DescribeInstanceStatus", instArgs{}, false)
	ids := instances()
	x := instArgs{InstanceID: ids[0], ImageID: sysID}
	call("stop", "StopInstance", x, false)
	call("stop again", "StopInstances", x, false)
	call("start", "StartInstance", x, false)
	call("stop many", "StopInstances", x, false)
	call("start many", "StartInstances", x, false)
	call("reboot", "RebootInstance", x, false)
	call("reboot many", "RebootInstances", x, false)
	call("replace running", "ReplaceSystemDisk", x, false)
	call("stop", "StopInstance", x, false)
	call("replace", "ReplaceSystemDisk", x, false)
	call("reinit", "ReInitDisk", x, false)
	call("run dry", "RunInstances", instArgs{ImageID: sysID}, true)
	call("stop dry", "StopInstance", instArgs{InstanceID: ids[1]}, true)
	_, err := bd.instance("DeleteInstance", instArgs{InstanceID: ids[1], Force: true}, false)
	log("B delete", "", err)
	_, err = bd.instance("ReInitDisk", instArgs{InstanceID: ids[1]}, false)
	log("B reinit", "", err)
	call("delete stopped", "DeleteInstance", x, false)
	call("delete running", "DeleteInstance", instArgs{InstanceID: ids[1]}, false)
	call("delete many forced", "DeleteInstances", instArgs{InstanceID: ids[1], Force: true}, false)
	call("describe", "DescribeInstances", instArgs{}, false)
	call("vpcs", "DescribeVpcs", instArgs{}, false)
	call("vswitches", "DescribeVSwitches", instArgs{}, false)
	call("groups", "DescribeSecurityGroups", instArgs{}, false)
	call("zones", "DescribeZones", instArgs{}, false)
	return got
}

func regexpMust(s string) *regexp.Regexp { return regexp.MustCompile(s) }

// ownerInstances lists an account's instance ids, oldest first, as the core has them.
func ownerInstances(t *testing.T, srv *apptest.Server, owner *imageshare.Account) []string {
	t.Helper()
	ins, _, err := srv.Svc.ListInstances(context.Background(), imageshare.Caller{AccountID: owner.ID}, imageshare.InstanceFilter{})
	if err != nil {
		t.Fatalf("list instances: %v", err)
	}
	var ids []string
	for _, in := range ins {
		ids = append(ids, in.ID)
	}
	return ids
}
