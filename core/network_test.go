package core_test

import (
	"context"
	"testing"

	"github.com/imageshare/imageshare"
)

// Each account has one default network per region, the same on every
// read (and every replica: the ids are derived); a launch may name its
// vSwitch (which decides the zone) and security group, and an id that is
// not the caller's is NotFound, as a missing one.
func TestDefaultNetwork(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, 0)
	a, _ := e.user(t, "a@example.com")
	b, _ := e.user(t, "b@example.com")
	na, err := e.svc.DefaultNetwork(ctx, a, "cn-wlcb")
	ok(t, err)
	again, err := e.svc.DefaultNetwork(ctx, a, "cn-wlcb")
	ok(t, err)
	nb, err := e.svc.DefaultNetwork(ctx, b, "cn-wlcb")
	ok(t, err)
	other, err := e.svc.DefaultNetwork(ctx, a, "bj")
	ok(t, err)
	if na.VPCID != again.VPCID || na.VSwitches[1].ID != again.VSwitches[1].ID || na.VPCID == nb.VPCID || na.VPCID == other.VPCID ||
		len(na.VSwitches) != 2 || na.VSwitches[1].Zone != "cn-wlcb-b" {
		t.Fatalf("networks: %+v %+v %+v %+v", na, again, nb, other)
	}
	_, err = e.svc.DefaultNetwork(ctx, a, "mars")
	wantErr(t, err, imageshare.KindInvalid, imageshare.ReasonRegionNotFound)

	sys := &imageshare.Image{ID: "sys", Region: "cn-wlcb", Type: imageshare.ImageSystem, Status: imageshare.StatusAvailable, Name: "s", CreatedAt: e.clock.Now()}
	ok(t, e.store.CreateImage(ctx, sys))
	launch := func(r imageshare.LaunchRequest) (*imageshare.Instance, error) {
		r.Region, r.ImageID = "cn-wlcb", sys.ID
		ins, err := e.svc.LaunchInstances(ctx, a, r)
		if err != nil {
			return nil, err
		}
		return ins[0], nil
	}
	in, err := launch(imageshare.LaunchRequest{VSwitchID: na.VSwitches[1].ID, SecurityGroupID: na.SecurityGroupID})
	ok(t, err)
	if in.Zone != "cn-wlcb-b" {
		t.Fatalf("launched in %s, want the vSwitch's zone cn-wlcb-b", in.Zone)
	}
	_, err = launch(imageshare.LaunchRequest{VSwitchID: nb.VSwitches[0].ID})
	wantErr(t, err, imageshare.KindNotFound, imageshare.ReasonVSwitchNotFound)
	_, err = launch(imageshare.LaunchRequest{SecurityGroupID: nb.SecurityGroupID})
	wantErr(t, err, imageshare.KindNotFound, imageshare.ReasonSecurityGroupNotFound)
	_, err = launch(imageshare.LaunchRequest{VSwitchID: na.VSwitches[1].ID, Zone: "cn-wlcb-a"})
	wantErr(t, err, imageshare.KindInvalid, imageshare.ReasonInvalidParameter)
	_, err = launch(imageshare.LaunchRequest{Zone: "cn-wlcb-z"})
	wantErr(t, err, imageshare.KindInvalid, imageshare.ReasonZoneNotFound)
}
