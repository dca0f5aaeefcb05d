package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/imageshare/imageshare"
)

// addInstances gives the matrix fixture a platform image of bj and two of
// alice's instances launched from it, one running and one stopped.
func (f *matrixFixture) addInstances(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	f.platform = f.srv.Image(t, &imageshare.Image{Region: matrixRegion, Type: imageshare.ImageSystem, Name: "Ubuntu 22.04",
		OSName: "Ubuntu 22.04", OSType: "linux"}).ID
	alice := imageshare.Caller{AccountID: f.alice.ID}
	ins, err := f.srv.Svc.LaunchInstances(ctx, alice, imageshare.LaunchRequest{Region: matrixRegion, ImageID: f.platform, Count: 4})
	if err != nil {
		t.Fatal(err)
	}
	f.running, f.stopped, f.bceRunning, f.bceStopped = ins[0].ID, ins[1].ID, ins[2].ID, ins[3].ID
	for _, id := range []string{f.stopped, f.bceStopped} {
		if _, err := f.srv.Svc.ChangePower(ctx, alice, id, matrixRegion, imageshare.PowerStop, false); err != nil {
			t.Fatal(err)
		}
	}
}

// instanceOps are the instance actions as alice calls them, in an order
// in which each succeeds once (ownerOps). A reboot, and a ReInitDisk with
// the image the instance runs, change nothing when transitions take no time.
func (f *matrixFixture) instanceOps() []apiOp {
	disk := "d-" + strings.TrimPrefix(f.stopped, "i-")
	return []apiOp{
		ucOp("CreateCompShareInstance", map[string]string{"CompShareImageId": f.platform, "MachineType": "G", "GpuType": "4090"}, true),
		ucOp("DescribeCompShareInstance", nil, false),
		ucOp("StopCompShareInstance", map[string]string{"UHostId": f.running}, true),
		ucOp("StartCompShareInstance", map[string]string{"UHostId": f.running}, true),
		ucOp("RebootCompShareInstance", map[string]string{"UHostId": f.running}, false),
		ucOp("ReinstallCompShareInstance", map[string]string{"UHostId": f.stopped, "CompShareImageId": f.private}, true),
		ucOp("TerminateCompShareInstance", map[string]string{"UHostId": f.instance}, true),

		alOp("RunInstances", map[string]string{"ImageId": f.platform, "InstanceType": "ecs.g7.large"}, true),
		alOp("CreateInstance", map[string]string{"ImageId": f.platform, "InstanceType": "ecs.g7.large"}, true),
		alOp("DescribeInstances", nil, false),
		alOp("DescribeInstanceStatus", nil, false),
		alOp("StopInstance", map[string]string{"InstanceId": f.running}, true),
		alOp("StartInstance", map[string]string{"InstanceId": f.running}, true),
		alOp("RebootInstance", map[string]string{"InstanceId": f.running}, false),
		alOp("StopInstances", map[string]string{"InstanceId.1": f.running}, true),
		alOp("StartInstances", map[string]string{"InstanceId.1": f.running}, true),
		alOp("RebootInstances", map[string]string{"InstanceId.1": f.running}, false),
		alOp("ReplaceSystemDisk", map[string]string{"InstanceId": f.stopped, "ImageId": f.platform}, true),
		alOp("ReInitDisk", map[string]string{"DiskId": disk}, false),
		alOp("DeleteInstance", map[string]string{"InstanceId": f.stopped}, true),
		alOp("DeleteInstances", map[string]string{"InstanceId.1": f.running, "Force": "true"}, true),
		alOp("DescribeVpcs", nil, false),
		alOp("DescribeVSwitches", nil, false),
		alOp("DescribeSecurityGroups", nil, false),
		alOp("DescribeZones", nil, false),

		bceOp("CreateInstance", http.MethodPost, "/v2/instance", "", `{"imageId":"`+f.platform+`","cpuCount":2,"memoryCapacityInGB":8}`, true),
		bceOp("CreateInstanceBySpec", http.MethodPost, "/v2/instanceBySpec", "", `{"imageId":"`+f.platform+`","spec":"bcc.g5.c2m8"}`, true),
		bceOp("ListInstances", http.MethodGet, "/v2/instance", "", "", false),
		bceOp("GetInstanceDetail", http.MethodGet, "/v2/instance/"+f.bceRunning, "", "", false),
		bceOp("StopInstance", http.MethodPut, "/v2/instance/"+f.bceRunning, "stop", "", true),
		bceOp("StartInstance", http.MethodPut, "/v2/instance/"+f.bceRunning, "start", "", true),
		bceOp("RebootInstance", http.MethodPut, "/v2/instance/"+f.bceRunning, "reboot", "", false),
		bceOp("RebuildInstance", http.MethodPut, "/v2/instance/"+f.bceStopped, "rebuild", `{"imageId":"`+f.private+`"}`, true),
		bceOp("DeleteInstance", http.MethodDelete, "/v2/instance/"+f.bceStopped, "", "", true),
		bceOp("ListSecurityGroup", http.MethodGet, "/v2/securityGroup", "", "", false),
		bceOp("ListZone", http.MethodGet, "/v2/zone", "", "", false),
	}
}
