package e2e

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"
	"github.com/baidubce/bce-sdk-go/bce"
	"github.com/baidubce/bce-sdk-go/services/bcc/api"
	ucloudsdk "github.com/ucloud/ucloud-sdk-go/ucloud"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/app/apptest"
	"github.com/imageshare/imageshare/dialect/ucloud"
)

// Image states and deletes, decided once in the core and answered in
// each vendor's terms through its official SDK (docs/aliyun.md,
// docs/baidu.md, docs/ucloud.md): an image still being created can be
// neither shared nor deleted, a platform image is not deletable, ECS
// ignores the delete of an image that does not exist (another account's
// image included), and a public image shows as such to BCC.

// creatingImage records a custom image of owner in region whose build
// is due in an hour: it stays Making for the whole test.
func creatingImage(t *testing.T, srv *apptest.Server, owner *imageshare.Account, region string) *imageshare.Image {
	t.Helper()
	now := srv.Svc.Now().UTC()
	return srv.Image(t, &imageshare.Image{Region: region, OwnerID: owner.ID, Type: imageshare.ImageCustom,
		Status: imageshare.StatusMaking, BuildStartedAt: now, BuildDoneAt: now.Add(time.Hour), OSType: "linux"})
}

// exists reports whether the image is still stored.
func exists(t *testing.T, srv *apptest.Server, owner *imageshare.Account, id string) bool {
	t.Helper()
	_, err := srv.Svc.GetImage(context.Background(), imageshare.Caller{AccountID: owner.ID}, id)
	if err != nil && !imageshare.IsKind(err, imageshare.KindNotFound) {
		t.Fatalf("GetImage(%s): %v", id, err)
	}
	return err == nil
}

func TestStates_Aliyun(t *testing.T) {
	srv := apptest.Start(t)
	owner, key := srv.Account(t, "owner@example.com")
	bob, bobKey := srv.Account(t, "bob@example.com")
	c := aliyunClient(t, srv, key)
	making := creatingImage(t, srv, owner, aliyunRegion)
	sys := srv.Image(t, &imageshare.Image{Region: aliyunRegion, Type: imageshare.ImageSystem})
	bobs := customImage(t, srv, bob, aliyunRegion)

	del := func(id string, force bool) error {
		req := ecs.CreateDeleteImageRequest()
		req.ImageId = id
		if force {
			req.Force = requests.NewBoolean(true)
		}
		_, err := c.DeleteImage(req)
		return err
	}
	// ModifyImageSharePermission's and DeleteImage's documented codes.
	wantAliyunError(t, modifyShares(c, making.ID, []string{idString(bob.ID)}, nil), "IncorrectImageStatus", 400)
	public := ecs.CreateModifyImageSharePermissionRequest()
	public.ImageId, public.IsPublic = making.ID, requests.NewBoolean(true)
	_, err := c.ModifyImageSharePermission(public)
	wantAliyunError(t, err, "IncorrectImageStatus", 400)
	for _, force := range []bool{false, true} {
		wantAliyunError(t, del(making.ID, force), "ImageIsCreating", 403)
		wantAliyunError(t, del(sys.ID, force), "InvalidImageType.NotSupported", 403)
	}
	if !exists(t, srv, owner, making.ID) || len(sharedWith(t, srv, owner, making.ID)) != 0 {
		t.Fatal("a refused call changed the image being created")
	}

	// "If the specified custom image does not exist, the request is
	// ignored": a missing id, and bob's image, which owner's call must
	// neither see nor touch.
	mustOK(t, del("m-does-not-exist", false))
	mustOK(t, del(bobs.ID, true))
	if !exists(t, srv, bob, bobs.ID) {
		t.Fatal("owner's DeleteImage removed bob's image")
	}
	// Bob deletes his own; a second delete is ignored too.
	bc := aliyunClient(t, srv, bobKey)
	req := ecs.CreateDeleteImageRequest()
	req.ImageId = bobs.ID
	_, err = bc.DeleteImage(req)
	mustOK(t, err)
	_, err = bc.DeleteImage(req)
	mustOK(t, err)
	if exists(t, srv, bob, bobs.ID) {
		t.Fatal("bob's DeleteImage left his image")
	}
}

func TestStates_Baidu(t *testing.T) {
	srv := apptest.Start(t)
	owner, key := srv.Account(t, "owner@example.com")
	alice, _ := srv.Account(t, "alice@example.com")
	carol, _ := srv.Account(t, "carol@example.com")
	c := baiduClient(t, srv, key)
	making := creatingImage(t, srv, owner, baiduRegion)
	sys := baiduImage(t, srv, 0, imageshare.ImageSystem)
	app := baiduImage(t, srv, 0, imageshare.ImageApp)

	wantBceError(t, c.DeleteImage(making.ID), "Image.CreatingImageCannotBeDeleted", 409)
	wantBceError(t, c.ShareImage(making.ID, &api.SharedUser{Account: alice.Name}), "InvalidHTTPRequest", 409)
	wantBceError(t, c.DeleteImage(sys.ID), "Image.UnCustomImageCannotBeDeleted", 403)
	wantBceError(t, c.DeleteImage(app.ID), "Image.UnCustomImageCannotBeDeleted", 403)
	if !exists(t, srv, owner, making.ID) || !exists(t, srv, owner, sys.ID) {
		t.Fatal("a refused delete removed an image")
	}

	for _, typ := range []api.ImageType{"FpgaBccSystem", "FpgaBccCustom"} {
		res, err := c.ListImage(&api.ListImageArgs{ImageType: string(typ)})
		baiduOK(t, err)
		if len(res.Images) != 0 {
			t.Errorf("imageType %s: %d images, want none", typ, len(res.Images))
		}
	}

	// account and accountId together are de-duplicated: the same account
	// once, two accounts both.
	im := baiduImage(t, srv, owner.ID, imageshare.ImageCustom)
	baiduOK(t, c.ShareImage(im.ID, &api.SharedUser{Account: alice.Name, AccountId: accountID(alice)}))
	baiduOK(t, c.ShareImage(im.ID, &api.SharedUser{Account: carol.Name, AccountId: accountID(carol)}))
	if got, want := sharedWith(t, srv, owner, im.ID), []int64{alice.ID, carol.ID}; !slices.Equal(got, want) {
		t.Fatalf("shared with %v, want %v", got, want)
	}
	baiduOK(t, c.UnShareImage(im.ID, &api.SharedUser{Account: alice.Name, AccountId: accountID(carol)}))
	if got := sharedWith(t, srv, owner, im.ID); len(got) != 0 {
		t.Fatalf("after unsharing both: shared with %v", got)
	}
	two := baiduImage(t, srv, owner.ID, imageshare.ImageCustom)
	baiduOK(t, c.ShareImage(two.ID, &api.SharedUser{Account: alice.Name, AccountId: accountID(carol)}))
	if got, want := sharedWith(t, srv, owner, two.ID), []int64{alice.ID, carol.ID}; !slices.Equal(got, want) {
		t.Fatalf("account and accountId of two accounts: shared with %v, want %v", got, want)
	}
}

// An image made public through Alibaba (IsPublic) is, to BCC, shared
// with {"accountId":"all"}: listed among its shared users, the reason its
// delete is refused, and unshared with BCC's own call.
func TestStates_PublicImageThroughBaidu(t *testing.T) {
	srv := apptest.Start(t)
	owner, key := srv.Account(t, "owner@example.com")
	im := baiduImage(t, srv, owner.ID, imageshare.ImageCustom)
	ac := aliyunClientIn(t, srv, baiduRegion, key.PublicKey, key.PrivateKey)
	pub := ecs.CreateModifyImageSharePermissionRequest()
	pub.ImageId, pub.IsPublic = im.ID, requests.NewBoolean(true)
	_, err := ac.ModifyImageSharePermission(pub)
	mustOK(t, err)

	c := baiduClient(t, srv, key)
	if got := sharedUsers(t, c, im.ID); !slices.Equal(got, []api.SharedUser{{AccountId: "all"}}) {
		t.Fatalf("sharedUsers of a public image = %+v, want [{AccountId: all}]", got)
	}
	err = c.DeleteImage(im.ID)
	wantBceError(t, err, "Image.ImageHasBeenSharedToOthers", 409)
	if se := err.(*bce.BceServiceError); !strings.Contains(se.Message, "public") {
		t.Errorf("refusal %q does not say the image is public", se.Message)
	}
	wantBceError(t, c.ShareImage(im.ID, &api.SharedUser{AccountId: "all"}), "Image.InvalidAccount", 400)

	baiduOK(t, c.UnShareImage(im.ID, &api.SharedUser{AccountId: "all"}))
	if got := sharedUsers(t, c, im.ID); len(got) != 0 {
		t.Fatalf("after unsharing all: %+v", got)
	}
	// Alibaba sees it private too: no "all" share group.
	res, err := describeShares(ac, im.ID, 0, 0)
	mustOK(t, err)
	if len(res.ShareGroups.ShareGroup) != 0 {
		t.Fatalf("ShareGroups after BCC's unshare: %+v", res.ShareGroups.ShareGroup)
	}
	baiduOK(t, c.DeleteImage(im.ID))
}

func TestStates_UCloud(t *testing.T) {
	for _, mode := range []string{"form", "json"} {
		t.Run(mode, func(t *testing.T) {
			srv := apptest.Start(t)
			acc, key := srv.Account(t, "")
			bob, _ := srv.Account(t, "")
			c := newUCSDK(srv.URL, acc, key, mode == "json")
			making := creatingImage(t, srv, acc, ucRegion)
			sys := srv.Image(t, &imageshare.Image{Type: imageshare.ImageSystem})

			share := enc(c, c.NewModifyCompShareImageShareAccountRequest())
			share.CompShareImageId, share.AddAccounts = ucloudsdk.String(making.ID), []int{int(bob.ID)}
			_, err := c.ModifyCompShareImageShareAccount(share)
			wantRetCode(t, "share an image being created", err, ucloud.CodeImageCreating)

			term := enc(c, c.NewTerminateCompShareCustomImageRequest())
			term.CompShareImageId = ucloudsdk.String(making.ID)
			_, err = c.TerminateCompShareCustomImage(term)
			wantRetCode(t, "terminate an image being created", err, ucloud.CodeImageCreating)

			term = enc(c, c.NewTerminateCompShareCustomImageRequest())
			term.CompShareImageId = ucloudsdk.String(sys.ID)
			_, err = c.TerminateCompShareCustomImage(term)
			wantRetCode(t, "terminate a platform image", err, ucloud.CodeNotCustomImage)
			if !exists(t, srv, acc, making.ID) || !exists(t, srv, acc, sys.ID) {
				t.Fatal("a refused terminate removed an image")
			}
		})
	}
}
