package e2e

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/baidubce/bce-sdk-go/model"
	"github.com/baidubce/bce-sdk-go/services/bcc"
	"github.com/baidubce/bce-sdk-go/services/bcc/api"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/app/apptest"
)

// The image workflow through bce-sdk-go (docs/baidu.md "The image
// workflow"): make → wait → rename → tag → copy → share → the consumer
// copies → find (ListImage, and ECS's family lookup on the same store) →
// delete, then the documented errors.

// baiduClientIn returns a BCC client whose endpoint names region
// (bcc.<region>.baidubce.com), dialled to srv.
func baiduClientIn(t *testing.T, srv *apptest.Server, region string, key *imageshare.AccessKey) *bcc.Client {
	t.Helper()
	c := baiduClientWith(t, "http://bcc."+region+".baidubce.com", key.PublicKey, key.PrivateKey)
	var d net.Dialer
	c.HTTPClient = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return d.DialContext(ctx, network, srv.Addr)
		},
	}}
	return c
}

// waitBaiduAvailable reads the image until it is Available; it fails
// after a minute or on any other status than Creating.
func waitBaiduAvailable(t *testing.T, c *bcc.Client, imageID string) *api.ImageModel {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); ; {
		res, err := c.GetImageDetail(imageID)
		baiduOK(t, err)
		switch res.Image.Status {
		case "Available":
			return res.Image
		case "Creating":
		default:
			t.Fatalf("image %s is %s, want Creating then Available", imageID, res.Image.Status)
		}
		if time.Now().After(deadline) {
			t.Fatalf("image %s still Creating after a minute", imageID)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestBaiduWorkflow_Chain(t *testing.T) {
	srv := workflowServer(t, 200*time.Millisecond)
	owner, key := srv.Account(t, "bcc-maker@example.com")
	consumer, ckey := srv.Account(t, "bcc-consumer@example.com")
	c := baiduClient(t, srv, key)
	cc := baiduClient(t, srv, ckey)
	inst := ownInstance(t, srv, owner, baiduRegion)

	os, err := c.GetImageOS(&api.GetImageOsArgs{InstanceIds: []string{inst}})
	baiduOK(t, err)
	if len(os.OsInfo) != 1 || os.OsInfo[0].InstanceId != inst || os.OsInfo[0].OsType != "linux" {
		t.Fatalf("GetImageOS = %+v", os.OsInfo)
	}

	made, err := c.CreateImage(&api.CreateImageArgs{InstanceId: inst, ImageName: "bcc-base", ClientToken: "bcc-tok-1"})
	baiduOK(t, err)
	again, err := c.CreateImage(&api.CreateImageArgs{InstanceId: inst, ImageName: "bcc-base", ClientToken: "bcc-tok-1"})
	baiduOK(t, err)
	if again.ImageId != made.ImageId {
		t.Fatalf("replayed clientToken made %q, want %q", again.ImageId, made.ImageId)
	}
	im := waitBaiduAvailable(t, c, made.ImageId)
	if im.Type != "Custom" || im.Name != "bcc-base" {
		t.Fatalf("made %+v", im)
	}

	baiduOK(t, c.RenameImage(&api.RenameImageArgs{ImageId: made.ImageId, Name: "bcc-base-2"}))
	baiduOK(t, c.BindImageToTags(made.ImageId, &api.BindTagsRequest{ChangeTags: []model.TagModel{{TagKey: "env", TagValue: "prod"}, {TagKey: "tier", TagValue: "web"}}}))
	baiduOK(t, c.UnBindImageToTags(made.ImageId, &api.UnBindTagsRequest{ChangeTags: []model.TagModel{{TagKey: "tier", TagValue: "web"}}}))
	got, err := srv.Svc.GetImage(context.Background(), imageshare.Caller{AccountID: owner.ID}, made.ImageId)
	mustOK(t, err)
	if got.Name != "bcc-base-2" || len(got.KeyTags) != 1 || got.KeyTags[0] != (imageshare.Tag{Key: "env", Value: "prod"}) {
		t.Fatalf("after rename and tags: name %q tags %+v", got.Name, got.KeyTags)
	}
	// The same tags through ECS (one tag model).
	ec := aliyunClientIn(t, srv, baiduRegion, key.PublicKey, key.PrivateKey)
	if im := waitAvailable(t, ec, baiduRegion, made.ImageId); len(im.Tags.Tag) != 1 || im.Tags.Tag[0].TagKey != "env" {
		t.Fatalf("ECS sees tags %+v", im.Tags.Tag)
	}

	copies, err := c.RemoteCopyImageReturnImageIds(made.ImageId, &api.RemoteCopyImageArgs{DestRegion: []string{"cn-wlcb", "cn-hangzhou"}})
	baiduOK(t, err)
	if len(copies.RemoteCopyImages) != 2 || copies.RemoteCopyImages[0].Region != "cn-wlcb" || copies.RemoteCopyImages[1].Region != "cn-hangzhou" {
		t.Fatalf("RemoteCopyImageReturnImageIds = %+v", copies.RemoteCopyImages)
	}
	wlcb := baiduClientIn(t, srv, "cn-wlcb", key)
	cim := waitBaiduAvailable(t, wlcb, copies.RemoteCopyImages[0].ImageId)
	if cim.Name != "bcc-base-2-cn-wlcb" || cim.Type != "Custom" {
		t.Fatalf("copy %+v", cim)
	}

	// Share; the consumer copies it into its own account.
	baiduOK(t, c.ShareImage(made.ImageId, &api.SharedUser{AccountId: accountID(consumer)}))
	baiduOK(t, cc.RemoteCopyImage(made.ImageId, &api.RemoteCopyImageArgs{Name: "mine", DestRegion: []string{baiduRegion}}))
	list, err := cc.ListImage(&api.ListImageArgs{ImageType: "Custom"})
	baiduOK(t, err)
	if len(list.Images) != 1 || list.Images[0].Name != "mine" {
		t.Fatalf("the consumer's custom images = %+v", list.Images)
	}
	mine := list.Images[0].Id
	waitBaiduAvailable(t, cc, mine)
	if users, err := cc.GetImageSharedUser(mine); err != nil || len(users.Users) != 0 {
		t.Fatalf("the consumer's copy is shared with %+v (%v): shares must not be copied", users, err)
	}

	// Find: the sharing image is listed for the consumer as Sharing.
	shared, err := cc.ListImage(&api.ListImageArgs{ImageType: "Sharing"})
	baiduOK(t, err)
	if len(shared.Images) != 1 || shared.Images[0].Id != made.ImageId {
		t.Fatalf("Sharing images = %+v", shared.Images)
	}

	// Delete: the consumer's copy, the copies, then the original (unshared first: BCC has no force).
	baiduOK(t, cc.DeleteImage(mine))
	baiduOK(t, wlcb.DeleteImage(copies.RemoteCopyImages[0].ImageId))
	hz := baiduClientIn(t, srv, "cn-hangzhou", key)
	waitBaiduAvailable(t, hz, copies.RemoteCopyImages[1].ImageId)
	baiduOK(t, hz.DeleteImage(copies.RemoteCopyImages[1].ImageId))
	wantBceError(t, c.DeleteImage(made.ImageId), "Image.ImageHasBeenSharedToOthers", 409)
	baiduOK(t, c.UnShareImage(made.ImageId, &api.SharedUser{AccountId: accountID(consumer)}))
	baiduOK(t, c.DeleteImage(made.ImageId))
	for _, id := range []string{made.ImageId, mine, copies.RemoteCopyImages[0].ImageId} {
		if exists(t, srv, owner, id) || exists(t, srv, consumer, id) {
			t.Errorf("%s still exists", id)
		}
	}
}

func TestBaiduWorkflow_Errors(t *testing.T) {
	srv := workflowServer(t, time.Hour)
	owner, key := srv.Account(t, "bcc-err@example.com")
	_, okey := srv.Account(t, "bcc-other@example.com")
	c := baiduClient(t, srv, key)
	inst := ownInstance(t, srv, owner, baiduRegion)

	_, err := c.CreateImage(&api.CreateImageArgs{InstanceId: inst, ImageName: "9starts-with-digit"})
	wantBceError(t, err, "InvalidHTTPRequest", 400)
	_, err = c.CreateImage(&api.CreateImageArgs{InstanceId: "i-missing", ImageName: "a"})
	wantBceError(t, err, "NoSuchObject", 404)
	_, err = baiduClient(t, srv, okey).CreateImage(&api.CreateImageArgs{InstanceId: inst, ImageName: "theirs"})
	wantBceError(t, err, "NoSuchObject", 404)
	_, err = c.CreateImage(&api.CreateImageArgs{SnapshotId: "s-1", ImageName: "snap"})
	wantBceError(t, err, "NoSuchObject", 404)
	_, err = c.CreateImage(&api.CreateImageArgs{InstanceId: inst, ImageName: "enc", EncryptKey: "k"})
	wantBceError(t, err, "InvalidHTTPRequest", 400)

	made, err := c.CreateImage(&api.CreateImageArgs{InstanceId: inst, ImageName: "slow", ClientToken: "t1"})
	baiduOK(t, err)
	_, err = c.CreateImage(&api.CreateImageArgs{InstanceId: inst, ImageName: "other", ClientToken: "t1"})
	wantBceError(t, err, "IdempotentParameterMismatch", 409)
	_, err = c.CreateImage(&api.CreateImageArgs{InstanceId: inst, ImageName: "slow"})
	wantBceError(t, err, "InvalidHTTPRequest", 409)

	// Still Creating (an hour's build): not copyable, not shareable.
	err = c.RemoteCopyImage(made.ImageId, &api.RemoteCopyImageArgs{DestRegion: []string{"cn-wlcb"}})
	wantBceError(t, err, "InvalidHTTPRequest", 409)
	err = c.RemoteCopyImage(made.ImageId, &api.RemoteCopyImageArgs{DestRegion: []string{"mars-1"}})
	wantBceError(t, err, "InvalidHTTPRequest", 400)

	// A copy being made is cancelled; a made one is not.
	ready := srv.Image(t, &imageshare.Image{Region: baiduRegion, OwnerID: owner.ID, Type: imageshare.ImageCustom, Name: "ready"})
	res, err := c.RemoteCopyImageReturnImageIds(ready.ID, &api.RemoteCopyImageArgs{DestRegion: []string{baiduRegion}, Name: "ready-copy"})
	baiduOK(t, err)
	cp := res.RemoteCopyImages[0].ImageId
	baiduOK(t, c.CancelRemoteCopyImage(cp))
	if exists(t, srv, owner, cp) {
		t.Fatal("a cancelled copy still exists")
	}
	wantBceError(t, c.CancelRemoteCopyImage(ready.ID), "InvalidHTTPRequest", 409)

	// Names and tags.
	wantBceError(t, c.RenameImage(&api.RenameImageArgs{ImageId: ready.ID, Name: "has space"}), "InvalidHTTPRequest", 400)
	wantBceError(t, c.RenameImage(&api.RenameImageArgs{ImageId: "m-missing", Name: "fine"}), "NoSuchObject", 404)
	wantBceError(t, c.RenameImage(&api.RenameImageArgs{ImageId: ready.ID, Name: "slow"}), "InvalidHTTPRequest", 409)
	err = c.BindImageToTags(ready.ID, &api.BindTagsRequest{ChangeTags: []model.TagModel{{TagKey: "aliyun-x", TagValue: "v"}}})
	wantBceError(t, err, "InvalidHTTPRequest", 400)
	var many []model.TagModel
	for i := range 21 {
		many = append(many, model.TagModel{TagKey: "k" + string(rune('a'+i)), TagValue: "v"})
	}
	wantBceError(t, c.BindImageToTags(ready.ID, &api.BindTagsRequest{ChangeTags: many}), "InvalidHTTPRequest", 413)

	_, err = c.GetImageOS(&api.GetImageOsArgs{InstanceIds: []string{"i-missing"}})
	wantBceError(t, err, "NoSuchObject", 404)
	_, err = c.ImportCustomImage(&api.ImportCustomImageArgs{Name: "x", BosURL: "bos://b/x"})
	wantBceError(t, err, "NotImplemented", 501)
}
