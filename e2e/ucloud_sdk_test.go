package e2e

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/ucloud/ucloud-sdk-go/services/ucompshare"
	ucloudsdk "github.com/ucloud/ucloud-sdk-go/ucloud"
	"github.com/ucloud/ucloud-sdk-go/ucloud/auth"
	uerr "github.com/ucloud/ucloud-sdk-go/ucloud/error"
	ucloudlog "github.com/ucloud/ucloud-sdk-go/ucloud/log"
	"github.com/ucloud/ucloud-sdk-go/ucloud/request"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/app/apptest"
	"github.com/imageshare/imageshare/dialect/ucloud"
)

// The official UCloud Go SDK (github.com/ucloud/ucloud-sdk-go v0.22.123,
// from the module proxy) drives every action the UCloud dialect serves
// through its typed services/ucompshare client, in both of its encodings:
// the default form body and JSON (req.SetEncoder(request.NewJSONEncoder)).
// Its decoder is encoding/json into the SDK's own structs, so a field of
// the wrong type in any answer fails these tests.

// ucSDK is one user's SDK client in one encoding.
type ucSDK struct {
	*ucompshare.UCompShareClient
	cfg  *ucloudsdk.Config
	cred *auth.Credential
	json bool
	id   int64
}

func newUCSDK(baseURL string, acc *imageshare.Account, key *imageshare.AccessKey, json bool) *ucSDK {
	cfg := ucloudsdk.NewConfig()
	cfg.BaseUrl = baseURL
	cfg.Region = ucRegion
	// The SDK logs every RetCode error at warning level; the tests
	// assert them instead.
	cfg.LogLevel = ucloudlog.FatalLevel
	cred := auth.NewCredential()
	cred.PublicKey, cred.PrivateKey = key.PublicKey, key.PrivateKey
	return &ucSDK{UCompShareClient: ucompshare.NewClient(&cfg, &cred), cfg: &cfg, cred: &cred, json: json, id: acc.ID}
}

// enc switches req to the JSON encoder in JSON mode, as a user of the SDK
// does, and returns it.
func enc[R request.Common](s *ucSDK, req R) R {
	if s.json {
		req.SetEncoder(request.NewJSONEncoder(s.cfg, s.cred))
	}
	return req
}

// wantRetCode asserts err is the SDK's server error with RetCode code.
func wantRetCode(t *testing.T, what string, err error, code int) {
	t.Helper()
	var ue uerr.Error
	if !errors.As(err, &ue) || ue.Name() != uerr.ErrRetCode || ue.Code() != code {
		t.Fatalf("%s: error %v, want RetCode %d", what, err, code)
	}
	if ue.StatusCode() != 200 {
		t.Errorf("%s: RetCode %d came with HTTP %d, want 200", what, code, ue.StatusCode())
	}
}

func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func TestUCloudSDK_EveryAction(t *testing.T) {
	for _, mode := range []string{"form", "json"} {
		t.Run(mode, func(t *testing.T) { ucloudSDKEveryAction(t, mode == "json") })
	}
}

// wireRecorder stands between the SDK and the server and records, per
// request, the Action the SDK put in the query and the body's media type:
// proof that every served action was called, in the encoding asked for.
type wireRecorder struct {
	mu      sync.Mutex
	actions map[string]string // Action -> Content-Type
}

func recordWire(t *testing.T, target string) (string, *wireRecorder) {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rec := &wireRecorder{actions: map[string]string{}}
	proxy := httputil.NewSingleHostReverseProxy(u)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.mu.Lock()
		rec.actions[r.URL.Query().Get("Action")] = r.Header.Get("Content-Type")
		rec.mu.Unlock()
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	return front.URL, rec
}

// ucloudSDKEveryAction walks all fifteen served actions with the SDK: the
// custom-image lifecycle, sharing, the community catalog and the platform
// listing, asserting each answer and the state it leaves.
func ucloudSDKEveryAction(t *testing.T, json bool) {
	srv := communityServer(t, nil, -1) // builds finish at once
	aliceAcc, aliceKey := srv.Account(t, "")
	bobAcc, bobKey := srv.Account(t, "")
	front, wire := recordWire(t, srv.URL)
	alice := newUCSDK(front, aliceAcc, aliceKey, json)
	bob := newUCSDK(front, bobAcc, bobKey, json)
	var in struct{ ID string }
	adminOK(t, srv, "POST", "/admin/instances", map[string]any{"account_id": aliceAcc.ID, "region": ucRegion, "gpu_type": "4090"}, &in)
	sys := srv.Image(t, &imageshare.Image{Type: imageshare.ImageSystem, Name: "Ubuntu 22.04", Tags: []string{"os"}, Author: "UCloud"})

	// DescribeCompShareImages: the platform images.
	plat, err := alice.DescribeCompShareImages(enc(alice, alice.NewDescribeCompShareImagesRequest()))
	must(t, "DescribeCompShareImages", err)
	if plat.TotalCount != 1 || len(plat.ImageSet) != 1 || plat.ImageSet[0].CompShareImageId != sys.ID || plat.ImageSet[0].ImageType != "System" {
		t.Fatalf("DescribeCompShareImages: %+v", plat)
	}

	// CreateCompShareCustomImage, then its progress.
	create := enc(alice, alice.NewCreateCompShareCustomImageRequest())
	create.UHostId, create.Name, create.Description = ucloudsdk.String(in.ID), ucloudsdk.String("sdk image"), ucloudsdk.String("made by the SDK")
	create.Softwares = &ucompshare.CreateCompShareCustomImageParamSoftwares{Application: []string{"comfyui"}, CUDAVersion: ucloudsdk.String("12.4")}
	made, err := alice.CreateCompShareCustomImage(create)
	must(t, "CreateCompShareCustomImage", err)
	id := made.CompShareImageId
	if id == "" || made.Action != "CreateCompShareCustomImageResponse" {
		t.Fatalf("CreateCompShareCustomImage: %+v", made)
	}
	prog := enc(alice, alice.NewGetCompShareImageCreateProgressRequest())
	prog.CompShareImageId = ucloudsdk.String(id)
	p, err := alice.GetCompShareImageCreateProgress(prog)
	must(t, "GetCompShareImageCreateProgress", err)
	if p.Process != 100 || p.RemainingDuration != "0" {
		t.Fatalf("progress of a finished build: %+v", p)
	}

	// DescribeCompShareCustomImages.
	own := enc(alice, alice.NewDescribeCompShareCustomImagesRequest())
	own.CompShareImageId = ucloudsdk.String(id)
	mine, err := alice.DescribeCompShareCustomImages(own)
	must(t, "DescribeCompShareCustomImages", err)
	if mine.TotalCount != 1 || mine.ImageSet[0].Name != "sdk image" || mine.ImageSet[0].Status != "Available" ||
		mine.ImageSet[0].SourceGpuType != "4090" || !slices.Equal(mine.ImageSet[0].Softwares.Applications, []string{"comfyui"}) {
		t.Fatalf("DescribeCompShareCustomImages: %+v", mine)
	}

	// ModifyCompShareImageShareAccount / DescribeCompShareImageShareAccounts /
	// DescribeCompShareSharingImages.
	share := enc(alice, alice.NewModifyCompShareImageShareAccountRequest())
	share.CompShareImageId, share.AddAccounts = ucloudsdk.String(id), []int{int(bob.id)}
	mod, err := alice.ModifyCompShareImageShareAccount(share)
	must(t, "ModifyCompShareImageShareAccount add", err)
	if mod.InvalidAccounts == nil || len(mod.InvalidAccounts) != 0 {
		t.Fatalf("InvalidAccounts %v", mod.InvalidAccounts)
	}
	accts := enc(alice, alice.NewDescribeCompShareImageShareAccountsRequest())
	accts.CompShareImageId = ucloudsdk.String(id)
	set, err := alice.DescribeCompShareImageShareAccounts(accts)
	must(t, "DescribeCompShareImageShareAccounts", err)
	if len(set.AccountSet) != 1 || set.AccountSet[0].AccountId != strconv.FormatInt(bob.id, 10) {
		t.Fatalf("AccountSet %+v", set.AccountSet)
	}
	sharing, err := bob.DescribeCompShareSharingImages(enc(bob, bob.NewDescribeCompShareSharingImagesRequest()))
	must(t, "DescribeCompShareSharingImages", err)
	if sharing.TotalCount != 1 || sharing.ImageSet[0].CompShareImageId != id {
		t.Fatalf("bob's sharing images %+v", sharing)
	}
	// Adding and removing one account at once is refused, and changes nothing.
	both := enc(alice, alice.NewModifyCompShareImageShareAccountRequest())
	both.CompShareImageId, both.AddAccounts, both.RemoveAccounts = ucloudsdk.String(id), []int{int(bob.id)}, []int{int(bob.id)}
	_, err = alice.ModifyCompShareImageShareAccount(both)
	wantRetCode(t, "add and remove the same account", err, ucloud.CodeAddRemoveSame)
	unshare := enc(alice, alice.NewModifyCompShareImageShareAccountRequest())
	unshare.CompShareImageId, unshare.RemoveAccounts = ucloudsdk.String(id), []int{int(bob.id)}
	_, err = alice.ModifyCompShareImageShareAccount(unshare)
	must(t, "ModifyCompShareImageShareAccount remove", err)
	set, err = alice.DescribeCompShareImageShareAccounts(accts)
	must(t, "DescribeCompShareImageShareAccounts", err)
	if len(set.AccountSet) != 0 {
		t.Fatalf("AccountSet after removal %+v", set.AccountSet)
	}

	// CopyCompShareCustomImage, and its duplicate-name refusal.
	cp := enc(alice, alice.NewCopyCompShareCustomImageRequest())
	cp.CompShareImageId, cp.TargetImageName = ucloudsdk.String(id), ucloudsdk.String("sdk copy")
	copied, err := alice.CopyCompShareCustomImage(cp)
	must(t, "CopyCompShareCustomImage", err)
	if copied.NewCompShareImageId == "" || copied.NewCompShareImageId == id {
		t.Fatalf("copy %+v", copied)
	}
	_, err = alice.CopyCompShareCustomImage(cp)
	wantRetCode(t, "copy to a taken name", err, ucloud.CodeDuplicateName)

	// PublishCompShareImage; the new version is found by
	// DescribeSelfCommunityImages (the SDK's Publish response declares no
	// id), approved by the operator, then seen in the catalog.
	pub := enc(alice, alice.NewPublishCompShareImageRequest())
	pub.CompShareImageId, pub.Price, pub.Tags = ucloudsdk.String(id), ucloudsdk.Float64(0), []string{"sdk", "aigc"}
	pub.Readme, pub.AutoStart = ucloudsdk.String("# from the SDK"), ucloudsdk.String("true")
	_, err = alice.PublishCompShareImage(pub)
	must(t, "PublishCompShareImage", err)
	self, err := alice.DescribeSelfCommunityImages(enc(alice, alice.NewDescribeSelfCommunityImagesRequest()))
	must(t, "DescribeSelfCommunityImages", err)
	if self.TotalCount != 1 || len(self.ImageSetGroup) != 1 || len(self.ImageSetGroup[0].Data) != 1 || self.ImageSetGroup[0].Data[0].Status != "Reviewing" {
		t.Fatalf("self community images %+v", self)
	}
	version := self.ImageSetGroup[0].Data[0].CompShareImageId
	adminOK(t, srv, "POST", "/admin/reviews/"+version+"/approve", nil, nil)

	userReq := enc(bob, bob.NewDescribeUserCommunityImagesRequest())
	userReq.Tag = ucloudsdk.String("sdk")
	user, err := bob.DescribeUserCommunityImages(userReq)
	must(t, "DescribeUserCommunityImages", err)
	if user.TotalCount != 1 || user.AvailableTotalCount != 1 || user.ImageSetGroup[0].Data[0].CompShareImageId != version {
		t.Fatalf("DescribeUserCommunityImages by tag %+v", user)
	}
	commReq := enc(bob, bob.NewDescribeCommunityImagesRequest())
	commReq.CompShareImageId = ucloudsdk.String(version)
	comm, err := bob.DescribeCommunityImages(commReq)
	must(t, "DescribeCommunityImages", err)
	if comm.TotalCount != 1 || comm.ImageSet[0].Readme != "# from the SDK" || !comm.ImageSet[0].AutoStart {
		t.Fatalf("DescribeCommunityImages by id %+v", comm)
	}
	tags, err := bob.DescribeCompShareImageTags(enc(bob, bob.NewDescribeCompShareImageTagsRequest()))
	must(t, "DescribeCompShareImageTags", err)
	if !slices.Contains(tags.Tags, "sdk") || !slices.Contains(tags.Tags, "aigc") {
		t.Fatalf("tags %q", tags.Tags)
	}

	// UpdateCompShareImage: the new description and tags are what the
	// catalog shows.
	upd := enc(alice, alice.NewUpdateCompShareImageRequest())
	upd.CompShareImageId, upd.Description, upd.Tags = ucloudsdk.String(version), ucloudsdk.String("updated by the SDK"), []string{"sdk2"}
	_, err = alice.UpdateCompShareImage(upd)
	must(t, "UpdateCompShareImage", err)
	userReq.Tag = ucloudsdk.String("sdk2")
	user, err = bob.DescribeUserCommunityImages(userReq)
	must(t, "DescribeUserCommunityImages", err)
	if user.TotalCount != 1 || user.ImageSetGroup[0].ImageDesc != "updated by the SDK" {
		t.Fatalf("after UpdateCompShareImage %+v", user)
	}

	// TerminateCompShareCustomImage: another account's image is not found,
	// the owner's goes.
	term := enc(bob, bob.NewTerminateCompShareCustomImageRequest())
	term.CompShareImageId = ucloudsdk.String(copied.NewCompShareImageId)
	_, err = bob.TerminateCompShareCustomImage(term)
	wantRetCode(t, "terminate another account's image", err, ucloud.CodeImageNotFound)
	term = enc(alice, alice.NewTerminateCompShareCustomImageRequest())
	term.CompShareImageId = ucloudsdk.String(copied.NewCompShareImageId)
	_, err = alice.TerminateCompShareCustomImage(term)
	must(t, "TerminateCompShareCustomImage", err)
	mine, err = alice.DescribeCompShareCustomImages(enc(alice, alice.NewDescribeCompShareCustomImagesRequest()))
	must(t, "DescribeCompShareCustomImages", err)
	if mine.TotalCount != 1 || mine.ImageSet[0].CompShareImageId != id {
		t.Fatalf("custom images after terminating the copy %+v", mine)
	}

	ucloudSDKInstances(t, alice, bob, sys.ID)

	wantType := "application/x-www-form-urlencoded"
	if json {
		wantType = "application/json"
	}
	for _, action := range ucloud.Actions() {
		ct, ok := wire.actions[action]
		if !ok {
			t.Errorf("%s was never called through the SDK", action)
		} else if ct != wantType {
			t.Errorf("%s was sent as %q, want %q", action, ct, wantType)
		}
	}
}

// The SDK reports the dialect's authentication and parameter refusals as
// RetCode errors, in both encodings.
func TestUCloudSDK_Refusals(t *testing.T) {
	for _, mode := range []string{"form", "json"} {
		t.Run(mode, func(t *testing.T) {
			json := mode == "json"
			srv := apptest.Start(t)
			acc, key := srv.Account(t, "")
			c := newUCSDK(srv.URL, acc, key, json)
			im := srv.Image(t, &imageshare.Image{OwnerID: acc.ID, Type: imageshare.ImageCustom})

			wrong := newUCSDK(srv.URL, acc, &imageshare.AccessKey{PublicKey: key.PublicKey, PrivateKey: "not-the-key"}, json)
			_, err := wrong.DescribeCompShareCustomImages(enc(wrong, wrong.NewDescribeCompShareCustomImagesRequest()))
			wantRetCode(t, "wrong private key", err, ucloud.CodeSignatureMismatch)

			nobody := newUCSDK(srv.URL, acc, &imageshare.AccessKey{PublicKey: "nobody", PrivateKey: "x"}, json)
			_, err = nobody.DescribeCompShareCustomImages(enc(nobody, nobody.NewDescribeCompShareCustomImagesRequest()))
			wantRetCode(t, "unknown public key", err, ucloud.CodeUserNotExists)

			accts := enc(c, c.NewDescribeCompShareImageShareAccountsRequest())
			accts.CompShareImageId = ucloudsdk.String("compshareImage-none")
			_, err = c.DescribeCompShareImageShareAccounts(accts)
			wantRetCode(t, "missing image", err, ucloud.CodeImageNotFound)

			share := enc(c, c.NewModifyCompShareImageShareAccountRequest())
			share.CompShareImageId, share.AddAccounts = ucloudsdk.String(im.ID), []int{int(acc.ID)}
			// The owner itself is reported in InvalidAccounts (docs/ucloud.md).
			mod, err := c.ModifyCompShareImageShareAccount(share)
			must(t, "share with oneself", err)
			if !slices.Equal(mod.InvalidAccounts, []int{int(acc.ID)}) {
				t.Fatalf("share with oneself: InvalidAccounts %v, want [%d]", mod.InvalidAccounts, acc.ID)
			}

			list := enc(c, c.NewDescribeCompShareImagesRequest())
			list.ImageType = ucloudsdk.String("Custom")
			_, err = c.DescribeCompShareImages(list)
			wantRetCode(t, "ImageType Custom", err, ucloud.CodeInvalidParams)

			other := enc(c, c.NewDescribeCompShareCustomImagesRequest())
			other.SetRegion("mars-1")
			_, err = c.DescribeCompShareCustomImages(other)
			wantRetCode(t, "unknown region", err, ucloud.CodeRegionNotFound)
		})
	}
}
