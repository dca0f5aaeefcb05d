package e2e

import (
	"net/http"
	"testing"

	"github.com/baidubce/bce-sdk-go/services/bcc/api"
	ucloudsdk "github.com/ucloud/ucloud-sdk-go/ucloud"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/app"
	"github.com/imageshare/imageshare/app/apptest"
)

// Issue 16 through bce-sdk-go: alice launches (CreateInstance), makes a
// custom image of it (CompShare's CreateCompShareCustomImage), shares it
// (ShareImage); bob launches from it (CreateInstanceBySpec) and lists it;
// carol is refused as for a missing image; after the unshare bob's
// instance keeps running but a second launch and a rebuild are refused;
// DeleteImage of the image in use is refused; every instance call works.
func TestInstances_BaiduConsumer(t *testing.T) {
	srv := apptest.Start(t, func(c *app.Config) { c.BuildDuration = 0 })
	sys := srv.Image(t, &imageshare.Image{Region: baiduRegion, Type: imageshare.ImageSystem, Name: "Ubuntu 22.04", OSName: "Ubuntu 22.04", OSType: "linux"})
	aAcc, aKey := srv.Account(t, "")
	bAcc, bKey := srv.Account(t, "")
	_, cKey := srv.Account(t, "")
	alice, bob, carol := baiduClient(t, srv, aKey), baiduClient(t, srv, bKey), baiduClient(t, srv, cKey)

	made, err := alice.CreateInstance(&api.CreateInstanceArgs{ImageId: sys.ID, CpuCount: 8, MemoryCapacityInGB: 32, GpuCard: "A100", CardCount: "1", PurchaseCount: 2, Name: "trainer"})
	baiduOK(t, err)
	if len(made.InstanceIds) != 2 {
		t.Fatalf("CreateInstance: %+v", made)
	}
	detail, err := alice.GetInstanceDetail(made.InstanceIds[0])
	baiduOK(t, err)
	if in := detail.Instance; in.Status != "Running" || in.CpuCount != 8 || in.MemoryCapacityInGB != 32 || in.GpuCard != "A100" || in.CardCount != "1" || in.ImageId != sys.ID || in.InstanceName != "trainer" {
		t.Fatalf("GetInstanceDetail: %+v", in)
	}
	uc := newUCSDK(srv.URL, aAcc, aKey, false)
	mk := uc.NewCreateCompShareCustomImageRequest()
	mk.Region, mk.UHostId, mk.Name = ucloudsdk.String(baiduRegion), ucloudsdk.String(made.InstanceIds[0]), ucloudsdk.String("golden")
	img, err := uc.CreateCompShareCustomImage(mk)
	must(t, "CreateCompShareCustomImage", err)
	imageID := img.CompShareImageId
	baiduOK(t, alice.ShareImage(imageID, &api.SharedUser{AccountId: accountID(bAcc)}))

	bobMade, err := bob.CreateInstanceBySpec(&api.CreateInstanceBySpecArgs{ImageId: imageID, Spec: "bcc.gn5.c8m32.1v100", Name: "consumer"})
	baiduOK(t, err)
	list, err := bob.ListInstances(&api.ListInstanceArgs{})
	baiduOK(t, err)
	if len(list.Instances) != 1 || list.Instances[0].InstanceId != bobMade.InstanceIds[0] || list.Instances[0].ImageId != imageID || list.Instances[0].Spec != "bcc.gn5.c8m32.1v100" {
		t.Fatalf("bob lists %+v", list.Instances)
	}
	_, err = carol.CreateInstance(&api.CreateInstanceArgs{ImageId: "m-missing"})
	wantBceError(t, err, "NoSuchObject", http.StatusNotFound)
	_, err = carol.CreateInstance(&api.CreateInstanceArgs{ImageId: imageID})
	wantBceError(t, err, "NoSuchObject", http.StatusNotFound)

	baiduOK(t, alice.UnShareImage(imageID, &api.SharedUser{AccountId: accountID(bAcc)}))
	got, err := bob.GetInstanceDetail(bobMade.InstanceIds[0])
	baiduOK(t, err)
	if got.Instance.Status != "Running" {
		t.Fatalf("after unshare: %+v", got.Instance)
	}
	_, err = bob.CreateInstance(&api.CreateInstanceArgs{ImageId: imageID})
	wantBceError(t, err, "NoSuchObject", http.StatusNotFound)
	baiduOK(t, bob.StopInstance(bobMade.InstanceIds[0], false))
	err = bob.RebuildInstance(bobMade.InstanceIds[0], &api.RebuildInstanceArgs{ImageId: imageID, AdminPass: "x"})
	wantBceError(t, err, "NoSuchObject", http.StatusNotFound)
	baiduOK(t, bob.RebuildInstance(bobMade.InstanceIds[0], &api.RebuildInstanceArgs{ImageId: sys.ID, AdminPass: "x"}))
	baiduOK(t, bob.StartInstance(bobMade.InstanceIds[0]))
	_, err = bob.RebootInstance(bobMade.InstanceIds[0], false)
	baiduOK(t, err)
	// Another account's instance is a missing one.
	wantBceError(t, alice.StartInstance(bobMade.InstanceIds[0]), "NoSuchObject", http.StatusNotFound)

	// Delete in use: alice's own instance runs the image's source, bob's
	// now runs the platform image; launch one from the image and refuse.
	_, err = alice.CreateInstance(&api.CreateInstanceArgs{ImageId: imageID})
	baiduOK(t, err)
	wantBceError(t, alice.DeleteImage(imageID), "Image.ImageInUse", http.StatusConflict)
	for _, id := range made.InstanceIds {
		baiduOK(t, alice.DeleteInstance(id))
	}
	page, err := alice.ListInstances(&api.ListInstanceArgs{MaxKeys: 1})
	baiduOK(t, err)
	if len(page.Instances) != 1 || page.IsTruncated {
		t.Fatalf("alice's remaining instance: %+v", page)
	}
	baiduOK(t, alice.DeleteInstance(page.Instances[0].InstanceId))
	baiduOK(t, alice.DeleteImage(imageID))
}
