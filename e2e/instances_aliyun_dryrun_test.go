package e2e

import (
	"context"
	"testing"

	"github.com/imageshare/imageshare"
)

// addInstances gives the DryRun fixture a platform image and two of the
// owner's instances, one running and one stopped.
func (f *dryRunFixture) addInstances(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	f.sys = platformImage(t, f.srv, aliyunRegion)
	owner := imageshare.Caller{AccountID: f.owner.ID}
	ins, err := f.srv.Svc.LaunchInstances(ctx, owner, imageshare.LaunchRequest{Region: aliyunRegion, ImageID: f.sys.ID, Count: 2})
	mustOK(t, err)
	f.running, f.stopped = ins[0].ID, ins[1].ID
	_, err = f.srv.Svc.ChangePower(ctx, owner, f.stopped, aliyunRegion, imageshare.PowerStop, false)
	mustOK(t, err)
}

// instanceCase is one DryRun case of an instance action.
type instanceCase struct {
	name, action string
	sub          bool
	args         func(f *dryRunFixture) instArgs
	want         string
}

// instanceDryRunCases are TestAliyun_DryRun's cases for the instance
// writes: for each, one that would pass and one that would fail.
func instanceDryRunCases() []struct {
	name, action string
	sub          bool
	call         func(f *dryRunFixture, d ecsDriver, dry bool) error
	want         string
} {
	running := func(f *dryRunFixture) instArgs { return instArgs{InstanceID: f.running} }
	stopped := func(f *dryRunFixture) instArgs { return instArgs{InstanceID: f.stopped} }
	list := []instanceCase{
		{"launch", "RunInstances", false, func(f *dryRunFixture) instArgs { return instArgs{ImageID: f.sys.ID, Amount: 2} }, "ok"},
		{"launch from another tenant's image", "RunInstances", false, func(f *dryRunFixture) instArgs { return instArgs{ImageID: f.xImg.ID} }, "404 InvalidImageId.NotFound"},
		{"create", "CreateInstance", false, func(f *dryRunFixture) instArgs { return instArgs{ImageID: f.plain.ID} }, "ok"},
		{"create by a sub-user without a policy", "CreateInstance", true, func(f *dryRunFixture) instArgs { return instArgs{ImageID: f.sys.ID} }, "403 Forbidden.RAM"},
		{"start", "StartInstance", false, stopped, "ok"},
		{"start a running instance", "StartInstance", false, running, "403 IncorrectInstanceStatus"},
		{"stop", "StopInstance", false, running, "ok"},
		{"stop a stopped instance", "StopInstance", false, stopped, "403 IncorrectInstanceStatus"},
		{"reboot", "RebootInstance", false, running, "ok"},
		{"reboot a stopped instance", "RebootInstance", false, stopped, "403 IncorrectInstanceStatus"},
		{"start many", "StartInstances", false, stopped, "ok"},
		{"start many, one running", "StartInstances", false, running, "403 IncorrectInstanceStatus"},
		{"stop many", "StopInstances", false, running, "ok"},
		{"stop many, one another tenant's", "StopInstances", false, func(f *dryRunFixture) instArgs { return instArgs{InstanceID: "i-0000000000"} }, "404 InvalidInstanceId.NotFound"},
		{"reboot many", "RebootInstances", false, running, "ok"},
		{"reboot many by a sub-user without a policy", "RebootInstances", true, running, "403 Forbidden.RAM"},
		{"delete stopped", "DeleteInstance", false, stopped, "ok"},
		{"delete running without Force", "DeleteInstance", false, running, "403 IncorrectInstanceStatus"},
		{"delete many forced", "DeleteInstances", false, func(f *dryRunFixture) instArgs { return instArgs{InstanceID: f.running, Force: true} }, "ok"},
		{"delete many, one missing", "DeleteInstances", false, func(f *dryRunFixture) instArgs { return instArgs{InstanceID: "i-0000000000", Force: true} }, "404 InvalidInstanceId.NotFound"},
	}
	out := make([]struct {
		name, action string
		sub          bool
		call         func(f *dryRunFixture, d ecsDriver, dry bool) error
		want         string
	}, len(list))
	for i, c := range list {
		out[i].name, out[i].action, out[i].sub, out[i].want = c.name, c.action, c.sub, c.want
		out[i].call = func(f *dryRunFixture, d ecsDriver, dry bool) error {
			_, err := d.instance(c.action, c.args(f), dry)
			return err
		}
	}
	return out
}
