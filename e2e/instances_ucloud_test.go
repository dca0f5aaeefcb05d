package e2e

import (
	"testing"

	ucloudsdk "github.com/ucloud/ucloud-sdk-go/ucloud"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/app"
	"github.com/imageshare/imageshare/app/apptest"
	"github.com/imageshare/imageshare/dialect/ucloud"
)

// ucloudSDKInstances drives every CompShare instance action through the
// SDK (part of TestUCloudSDK_EveryAction): alice launches from a platform
// image, lists, stops, starts, reboots, reinstalls and terminates; bob
// does not see alice's instance.
func ucloudSDKInstances(t *testing.T, alice, bob *ucSDK, sysID string) {
	t.Helper()
	create := enc(alice, alice.NewCreateCompShareInstanceRequest())
	create.CompShareImageId, create.MachineType, create.GpuType = ucloudsdk.String(sysID), ucloudsdk.String("G"), ucloudsdk.String("4090")
	create.CPU, create.Memory, create.GPU, create.Name = ucloudsdk.Int(16), ucloudsdk.Int(65536), ucloudsdk.Int(1), ucloudsdk.String("trainer")
	created, err := alice.CreateCompShareInstance(create)
	must(t, "CreateCompShareInstance", err)
	if len(created.UHostIds) != 1 {
		t.Fatalf("CreateCompShareInstance: %+v", created)
	}
	id := created.UHostIds[0]
	desc := enc(alice, alice.NewDescribeCompShareInstanceRequest())
	desc.UHostIds = []string{id}
	list, err := alice.DescribeCompShareInstance(desc)
	must(t, "DescribeCompShareInstance", err)
	if list.TotalCount != 1 || list.UHostSet[0].State != "Running" || list.UHostSet[0].CompShareImageId != sysID ||
		list.UHostSet[0].CPU != 16 || list.UHostSet[0].Memory != 65536 || list.UHostSet[0].GpuType != "4090" || list.UHostSet[0].Name != "trainer" {
		t.Fatalf("DescribeCompShareInstance: %+v", list)
	}
	other := enc(bob, bob.NewStopCompShareInstanceRequest())
	other.UHostId = ucloudsdk.String(id)
	_, err = bob.StopCompShareInstance(other)
	wantRetCode(t, "stop another account's instance", err, ucloud.CodeInstanceNotFound)

	start := enc(alice, alice.NewStartCompShareInstanceRequest())
	start.UHostId = ucloudsdk.String(id)
	_, err = alice.StartCompShareInstance(start)
	wantRetCode(t, "start a running instance", err, ucloud.CodeInstanceState)
	stop := enc(alice, alice.NewStopCompShareInstanceRequest())
	stop.UHostId = ucloudsdk.String(id)
	_, err = alice.StopCompShareInstance(stop)
	must(t, "StopCompShareInstance", err)
	_, err = alice.StartCompShareInstance(start)
	must(t, "StartCompShareInstance", err)
	reboot := enc(alice, alice.NewRebootCompShareInstanceRequest())
	reboot.UHostId = ucloudsdk.String(id)
	_, err = alice.RebootCompShareInstance(reboot)
	must(t, "RebootCompShareInstance", err)
	reinstall := enc(alice, alice.NewReinstallCompShareInstanceRequest())
	reinstall.UHostId, reinstall.CompShareImageId = ucloudsdk.String(id), ucloudsdk.String(sysID)
	_, err = alice.ReinstallCompShareInstance(reinstall)
	wantRetCode(t, "reinstall a running instance", err, ucloud.CodeInstanceState)
	_, err = alice.StopCompShareInstance(stop)
	must(t, "StopCompShareInstance", err)
	_, err = alice.ReinstallCompShareInstance(reinstall)
	must(t, "ReinstallCompShareInstance", err)
	term := enc(alice, alice.NewTerminateCompShareInstanceRequest())
	term.UHostId = ucloudsdk.String(id)
	_, err = alice.TerminateCompShareInstance(term)
	must(t, "TerminateCompShareInstance", err)
	list, err = alice.DescribeCompShareInstance(desc)
	must(t, "DescribeCompShareInstance", err)
	if list.TotalCount != 0 {
		t.Fatalf("after terminate: %+v", list)
	}
}

// Issue 16 through the UCloud SDK alone: alice launches, makes a custom
// image of her instance, shares it; bob launches from it and lists it;
// carol is refused as for a missing image; after the unshare bob's
// instance keeps running, a second launch and a reinstall are refused.
func TestInstances_UCloudConsumer(t *testing.T) {
	for _, mode := range []string{"form", "json"} {
		t.Run(mode, func(t *testing.T) {
			srv := apptest.Start(t, func(c *app.Config) { c.BuildDuration = 0 })
			sys := srv.Image(t, &imageshare.Image{Type: imageshare.ImageSystem, Name: "Ubuntu 22.04", OSName: "Ubuntu 22.04", OSType: "linux"})
			aAcc, aKey := srv.Account(t, "")
			bAcc, bKey := srv.Account(t, "")
			cAcc, cKey := srv.Account(t, "")
			json := mode == "json"
			alice, bob, carol := newUCSDK(srv.URL, aAcc, aKey, json), newUCSDK(srv.URL, bAcc, bKey, json), newUCSDK(srv.URL, cAcc, cKey, json)
			launch := func(s *ucSDK, imageID string) (string, error) {
				r := enc(s, s.NewCreateCompShareInstanceRequest())
				r.CompShareImageId, r.MachineType, r.GpuType = ucloudsdk.String(imageID), ucloudsdk.String("G"), ucloudsdk.String("4090")
				r.CPU, r.Memory, r.GPU = ucloudsdk.Int(8), ucloudsdk.Int(32768), ucloudsdk.Int(1)
				resp, err := s.CreateCompShareInstance(r)
				if err != nil {
					return "", err
				}
				return resp.UHostIds[0], nil
			}
			host, err := launch(alice, sys.ID)
			must(t, "alice launches", err)
			mk := enc(alice, alice.NewCreateCompShareCustomImageRequest())
			mk.UHostId, mk.Name = ucloudsdk.String(host), ucloudsdk.String("golden")
			made, err := alice.CreateCompShareCustomImage(mk)
			must(t, "CreateCompShareCustomImage", err)
			share := enc(alice, alice.NewModifyCompShareImageShareAccountRequest())
			share.CompShareImageId = ucloudsdk.String(made.CompShareImageId)
			share.AddAccounts = []int{int(bAcc.ID)}
			_, err = alice.ModifyCompShareImageShareAccount(share)
			must(t, "share", err)

			bobHost, err := launch(bob, made.CompShareImageId)
			must(t, "bob launches from the shared image", err)
			list, err := bob.DescribeCompShareInstance(enc(bob, bob.NewDescribeCompShareInstanceRequest()))
			must(t, "bob lists", err)
			if list.TotalCount != 1 || list.UHostSet[0].UHostId != bobHost || list.UHostSet[0].CompShareImageId != made.CompShareImageId || list.UHostSet[0].OsType != "linux" {
				t.Fatalf("bob lists %+v", list)
			}
			_, missingErr := launch(carol, "compshareImage-missing")
			wantRetCode(t, "launch from a missing image", missingErr, ucloud.CodeImageNotFound)
			_, err = launch(carol, made.CompShareImageId)
			wantRetCode(t, "a stranger launches", err, ucloud.CodeImageNotFound)

			unshare := enc(alice, alice.NewModifyCompShareImageShareAccountRequest())
			unshare.CompShareImageId = ucloudsdk.String(made.CompShareImageId)
			unshare.RemoveAccounts = []int{int(bAcc.ID)}
			_, err = alice.ModifyCompShareImageShareAccount(unshare)
			must(t, "unshare", err)
			list, err = bob.DescribeCompShareInstance(enc(bob, bob.NewDescribeCompShareInstanceRequest()))
			must(t, "bob lists after the unshare", err)
			if list.TotalCount != 1 || list.UHostSet[0].State != "Running" {
				t.Fatalf("after unshare bob lists %+v", list)
			}
			_, err = launch(bob, made.CompShareImageId)
			wantRetCode(t, "bob launches again", err, ucloud.CodeImageNotFound)
			stop := enc(bob, bob.NewStopCompShareInstanceRequest())
			stop.UHostId = ucloudsdk.String(bobHost)
			_, err = bob.StopCompShareInstance(stop)
			must(t, "bob stops", err)
			re := enc(bob, bob.NewReinstallCompShareInstanceRequest())
			re.UHostId, re.CompShareImageId = ucloudsdk.String(bobHost), ucloudsdk.String(made.CompShareImageId)
			_, err = bob.ReinstallCompShareInstance(re)
			wantRetCode(t, "bob reinstalls with the unshared image", err, ucloud.CodeImageNotFound)
			// CompShare terminates an image in use; bob's record keeps its id.
			term := enc(alice, alice.NewTerminateCompShareCustomImageRequest())
			term.CompShareImageId = ucloudsdk.String(made.CompShareImageId)
			_, err = alice.TerminateCompShareCustomImage(term)
			must(t, "terminate the image in use", err)
			list, err = bob.DescribeCompShareInstance(enc(bob, bob.NewDescribeCompShareInstanceRequest()))
			must(t, "bob lists after the terminate", err)
			if list.TotalCount != 1 || list.UHostSet[0].CompShareImageId != made.CompShareImageId {
				t.Fatalf("after terminate bob lists %+v", list)
			}
		})
	}
}
