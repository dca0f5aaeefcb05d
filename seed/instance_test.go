package seed_test

import (
	"context"
	"strings"
	"testing"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/seed"
)

// The demo has a consumer instance running a shared image: carol's, from
// the image alice shares with her, with the image's OS.
func TestDemo_ConsumerInstance(t *testing.T) {
	ctx := context.Background()
	svc := openService(t)
	if err := seed.Apply(ctx, svc, seed.Demo()); err != nil {
		t.Fatal(err)
	}
	in, err := svc.FindInstance(ctx, "i-demo-carol-comfy")
	if err != nil {
		t.Fatal(err)
	}
	im, err := svc.FindImage(ctx, in.ImageID)
	if err != nil {
		t.Fatal(err)
	}
	if _, n, err := svc.ListInstances(ctx, imageshare.Caller{AccountID: 10003}, imageshare.InstanceFilter{ImageID: im.ID}); err != nil || n != 1 {
		t.Fatalf("carol lists %d instances of %s: %v", n, im.ID, err)
	}
	if in.OwnerID != 10003 || im.OwnerID == 10003 || in.Status != imageshare.InstanceRunning || in.OSType != im.OSType || in.CPU != 16 {
		t.Fatalf("demo consumer instance %+v of image %s (owner %d)", in, im.ID, im.OwnerID)
	}
	if err := seed.Apply(ctx, svc, seed.Demo()); err != nil {
		t.Fatalf("applying the demo again: %v", err)
	}
}

// A seeded instance obeys the launch permission: an image not shared with
// its owner is refused as a missing one.
func TestApply_InstanceLaunchPermission(t *testing.T) {
	for name, tc := range map[string]struct{ data, want string }{
		"not shared": {"accounts: [{id: 1, name: a}, {id: 2, name: b}]\nimages: [{id: i, region: r, owner: 1, type: Custom, name: n}]\n" +
			"instances: [{id: h, owner: 2, region: r, image: i}]\n", `image "i" does not exist`},
		"bad status": {"accounts: [{id: 1, name: a}]\nimages: [{id: i, region: r, owner: 1, type: Custom, name: n}]\n" +
			"instances: [{id: h, owner: 1, region: r, image: i, status: Pending}]\n", `status "Pending"`},
	} {
		t.Run(name, func(t *testing.T) {
			f, err := seed.Parse([]byte("regions: [r]\n" + tc.data))
			if err == nil {
				err = seed.Apply(context.Background(), openService(t), f)
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one saying %q", err, tc.want)
			}
		})
	}
	f, err := seed.Parse([]byte("regions: [r]\naccounts: [{id: 1, name: a}, {id: 2, name: b}]\nimages: [{id: i, region: r, owner: 1, type: Custom, name: n, os_type: windows}]\n" +
		"shares: [{image: i, account: 2}]\ninstances: [{id: h, owner: 2, region: r, image: i, status: Stopped}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	svc := openService(t)
	if err := seed.Apply(context.Background(), svc, f); err != nil {
		t.Fatal(err)
	}
	in, err := svc.FindInstance(context.Background(), "h")
	if err != nil || in.Status != imageshare.InstanceStopped || in.OSType != "windows" {
		t.Fatalf("seeded instance %+v, %v", in, err)
	}
}
