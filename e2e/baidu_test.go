package e2e

import (
	"context"
	"errors"
	"io"
	"maps"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"
	"github.com/baidubce/bce-sdk-go/auth"
	"github.com/baidubce/bce-sdk-go/bce"
	"github.com/baidubce/bce-sdk-go/services/bcc"
	"github.com/baidubce/bce-sdk-go/services/bcc/api"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/app"
	"github.com/imageshare/imageshare/app/apptest"
)

// End-to-end tests of the Baidu BCC dialect: a real server on loopback,
// driven by the official bce-sdk-go BCC client with only its endpoint
// changed. Errors are asserted through the SDK's BceServiceError.

// BCC's default region (docs/baidu.md): a loopback endpoint gets the default region, bj.
const baiduRegion = "bj"

func baiduClient(t *testing.T, srv *apptest.Server, key *imageshare.AccessKey) *bcc.Client {
	t.Helper()
	return baiduClientWith(t, srv.URL, key.PublicKey, key.PrivateKey)
}

func baiduClientWith(t *testing.T, endpoint, ak, sk string) *bcc.Client {
	t.Helper()
	c, err := bcc.NewClient(ak, sk, endpoint)
	if err != nil {
		t.Fatalf("bcc client: %v", err)
	}
	return c
}

// wantBceError asserts that err is the SDK's BceServiceError with this
// code and HTTP status, carrying a request id.
func wantBceError(t *testing.T, err error, code string, status int) {
	t.Helper()
	if err == nil {
		t.Fatalf("call succeeded, want %s (%d)", code, status)
	}
	var se *bce.BceServiceError
	if !errors.As(err, &se) {
		t.Fatalf("error %T %v is not a BceServiceError, want %s (%d)", err, err, code, status)
	}
	if se.Code != code || se.StatusCode != status {
		t.Fatalf("got %s (%d): %s; want %s (%d)", se.Code, se.StatusCode, se.Message, code, status)
	}
	if se.RequestId == "" || se.Message == "" {
		t.Errorf("%s: RequestId %q, Message %q; want both", code, se.RequestId, se.Message)
	}
}

func baiduOK(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("call failed: %v", err)
	}
}

// baiduImage creates an image of owner (0 for a platform image) in bj.
func baiduImage(t *testing.T, srv *apptest.Server, ownerID int64, typ imageshare.ImageType) *imageshare.Image {
	t.Helper()
	return srv.Image(t, &imageshare.Image{Region: baiduRegion, OwnerID: ownerID, Type: typ,
		OSName: "Ubuntu", OSType: "linux", SizeMB: 40960, Description: "made in bj"})
}

func accountID(a *imageshare.Account) string { return strconv.FormatInt(a.ID, 10) }

func sharedUsers(t *testing.T, c *bcc.Client, imageID string) []api.SharedUser {
	t.Helper()
	res, err := c.GetImageSharedUser(imageID)
	baiduOK(t, err)
	if res.Users == nil {
		t.Fatalf("GetImageSharedUser(%s): users is null, want a list", imageID)
	}
	return res.Users
}

// GET /v2/image/{imageId}/sharedUsers (docs/baidu.md).
func TestBaidu_GetImageSharedUser(t *testing.T) {
	srv := apptest.Start(t)
	owner, key := srv.Account(t, "owner@example.com")
	alice, _ := srv.Account(t, "alice@example.com")
	bob, _ := srv.Account(t, "bob@example.com")
	_, strangerKey := srv.Account(t, "stranger@example.com")
	c := baiduClient(t, srv, key)
	im := baiduImage(t, srv, owner.ID, imageshare.ImageCustom)

	if users := sharedUsers(t, c, im.ID); len(users) != 0 {
		t.Errorf("unshared image: users = %v, want none", users)
	}
	baiduOK(t, c.ShareImage(im.ID, &api.SharedUser{Account: alice.Name}))
	baiduOK(t, c.ShareImage(im.ID, &api.SharedUser{AccountId: accountID(bob)}))
	want := []api.SharedUser{{Account: alice.Name, AccountId: accountID(alice)}, {Account: bob.Name, AccountId: accountID(bob)}}
	if got := sharedUsers(t, c, im.ID); !slices.Equal(got, want) {
		t.Errorf("users = %v, want %v", got, want)
	}

	t.Run("MissingImage", func(t *testing.T) {
		_, err := c.GetImageSharedUser("m-doesnotexist")
		wantBceError(t, err, "NoSuchObject", 404)
	})
	t.Run("NotTheOwner", func(t *testing.T) {
		_, err := baiduClient(t, srv, strangerKey).GetImageSharedUser(im.ID)
		wantBceError(t, err, "NoSuchObject", 404)
	})
	t.Run("OtherRegion", func(t *testing.T) {
		hz := srv.Image(t, &imageshare.Image{Region: "cn-hangzhou", OwnerID: owner.ID, Type: imageshare.ImageCustom})
		_, err := c.GetImageSharedUser(hz.ID)
		wantBceError(t, err, "NoSuchObject", 404)
	})
	t.Run("SystemImage", func(t *testing.T) {
		sys := baiduImage(t, srv, 0, imageshare.ImageSystem)
		_, err := c.GetImageSharedUser(sys.ID)
		wantBceError(t, err, "Image.UnCustomImageCannotBeShared", 403)
	})
}

func TestBaidu_ShareImage(t *testing.T) {
	srv := apptest.Start(t, func(c *app.Config) { c.MaxSharesPerImage = 2 })
	owner, key := srv.Account(t, "owner@example.com")
	alice, _ := srv.Account(t, "alice@example.com")
	bob, _ := srv.Account(t, "bob@example.com")
	carol, _ := srv.Account(t, "carol@example.com")
	c := baiduClient(t, srv, key)
	im := baiduImage(t, srv, owner.ID, imageshare.ImageCustom)

	baiduOK(t, c.ShareImage(im.ID, &api.SharedUser{Account: alice.Name}))
	for name, tc := range map[string]struct {
		user   api.SharedUser
		code   string
		status int
	}{
		"UnknownAccount":      {api.SharedUser{Account: "nobody@example.com"}, "Image.InvalidAccount", 400},
		"UnknownAccountId":    {api.SharedUser{AccountId: "99999"}, "Image.InvalidAccount", 400},
		"NonNumericAccountId": {api.SharedUser{AccountId: "u-123"}, "Image.InvalidAccount", 400},
		"Owner":               {api.SharedUser{AccountId: accountID(owner)}, "Image.CannotShareToOwner", 403},
		"OwnerByName":         {api.SharedUser{Account: owner.Name}, "Image.CannotShareToOwner", 403},
		"Duplicate":           {api.SharedUser{Account: alice.Name}, "Image.AccountHasBeenShared", 409},
		"DuplicateById":       {api.SharedUser{AccountId: accountID(alice)}, "Image.AccountHasBeenShared", 409},
		"NoAccount":           {api.SharedUser{}, "Image.AccountListIsEmpty", 400},
	} {
		t.Run(name, func(t *testing.T) {
			wantBceError(t, c.ShareImage(im.ID, &tc.user), tc.code, tc.status)
		})
	}
	t.Run("Quota", func(t *testing.T) {
		baiduOK(t, c.ShareImage(im.ID, &api.SharedUser{UcAccount: bob.Name}))
		wantBceError(t, c.ShareImage(im.ID, &api.SharedUser{AccountId: accountID(carol)}), "Image.ExceedSharedToUserNumQuota", 413)
	})
	t.Run("NotShareable", func(t *testing.T) {
		for _, typ := range []imageshare.ImageType{imageshare.ImageSystem, imageshare.ImageApp} {
			other := baiduImage(t, srv, 0, typ)
			wantBceError(t, c.ShareImage(other.ID, &api.SharedUser{Account: carol.Name}), "Image.UnCustomImageCannotBeShared", 403)
		}
	})
	t.Run("NotFound", func(t *testing.T) {
		wantBceError(t, c.ShareImage("m-doesnotexist", &api.SharedUser{Account: carol.Name}), "NoSuchObject", 404)
		theirs := baiduImage(t, srv, alice.ID, imageshare.ImageCustom)
		wantBceError(t, c.ShareImage(theirs.ID, &api.SharedUser{Account: carol.Name}), "NoSuchObject", 404)
	})
	want := []api.SharedUser{{Account: alice.Name, AccountId: accountID(alice)}, {Account: bob.Name, AccountId: accountID(bob)}}
	if got := sharedUsers(t, c, im.ID); !slices.Equal(got, want) {
		t.Errorf("after the failed calls users = %v, want %v", got, want)
	}
}

func TestBaidu_UnShareImage(t *testing.T) {
	srv := apptest.Start(t)
	owner, key := srv.Account(t, "owner@example.com")
	alice, _ := srv.Account(t, "alice@example.com")
	bob, _ := srv.Account(t, "bob@example.com")
	c := baiduClient(t, srv, key)
	im := baiduImage(t, srv, owner.ID, imageshare.ImageCustom)
	baiduOK(t, c.ShareImage(im.ID, &api.SharedUser{Account: alice.Name}))
	baiduOK(t, c.ShareImage(im.ID, &api.SharedUser{Account: bob.Name}))

	baiduOK(t, c.UnShareImage(im.ID, &api.SharedUser{AccountId: accountID(alice)}))
	// Unsharing an account the image is not shared with changes nothing.
	baiduOK(t, c.UnShareImage(im.ID, &api.SharedUser{Account: alice.Name}))
	wantBceError(t, c.UnShareImage(im.ID, &api.SharedUser{Account: "nobody@example.com"}), "Image.InvalidAccount", 400)
	wantBceError(t, c.UnShareImage(im.ID, &api.SharedUser{AccountId: "x"}), "Image.InvalidAccount", 400)
	wantBceError(t, c.UnShareImage(im.ID, &api.SharedUser{AccountId: accountID(owner)}), "Image.CannotShareToOwner", 403)
	wantBceError(t, c.UnShareImage(im.ID, &api.SharedUser{}), "Image.AccountListIsEmpty", 400)
	wantBceError(t, c.UnShareImage("m-doesnotexist", &api.SharedUser{Account: bob.Name}), "NoSuchObject", 404)
	want := []api.SharedUser{{Account: bob.Name, AccountId: accountID(bob)}}
	if got := sharedUsers(t, c, im.ID); !slices.Equal(got, want) {
		t.Errorf("users = %v, want %v", got, want)
	}
}

func TestBaidu_DeleteImage(t *testing.T) {
	srv := apptest.Start(t)
	owner, key := srv.Account(t, "owner@example.com")
	alice, aliceKey := srv.Account(t, "alice@example.com")
	c := baiduClient(t, srv, key)
	im := baiduImage(t, srv, owner.ID, imageshare.ImageCustom)
	baiduOK(t, c.ShareImage(im.ID, &api.SharedUser{Account: alice.Name}))

	wantBceError(t, c.DeleteImage(im.ID), "Image.ImageHasBeenSharedToOthers", 409)
	wantBceError(t, baiduClient(t, srv, aliceKey).DeleteImage(im.ID), "NoSuchObject", 404)
	baiduOK(t, c.UnShareImage(im.ID, &api.SharedUser{Account: alice.Name}))
	baiduOK(t, c.DeleteImage(im.ID))
	_, err := c.GetImageDetail(im.ID)
	wantBceError(t, err, "NoSuchObject", 404)
	wantBceError(t, c.DeleteImage(im.ID), "NoSuchObject", 404)
}

func TestBaidu_ListImageAndDetail(t *testing.T) {
	srv := apptest.Start(t)
	owner, key := srv.Account(t, "owner@example.com")
	friend, friendKey := srv.Account(t, "friend@example.com")
	c := baiduClient(t, srv, key)
	sys := baiduImage(t, srv, 0, imageshare.ImageSystem)
	app := baiduImage(t, srv, 0, imageshare.ImageApp)
	mine := baiduImage(t, srv, owner.ID, imageshare.ImageCustom)
	named := srv.Image(t, &imageshare.Image{Region: baiduRegion, OwnerID: owner.ID, Type: imageshare.ImageCustom,
		Name: "web server", Status: imageshare.StatusMaking, BuildDoneAt: time.Now().Add(time.Hour)})
	theirs := baiduImage(t, srv, friend.ID, imageshare.ImageCustom)
	baiduImage(t, srv, friend.ID, imageshare.ImageCustom) // not shared: invisible
	srv.Image(t, &imageshare.Image{Region: "cn-hangzhou", OwnerID: owner.ID, Type: imageshare.ImageCustom})
	baiduOK(t, baiduClient(t, srv, friendKey).ShareImage(theirs.ID, &api.SharedUser{Account: owner.Name}))

	list := func(args *api.ListImageArgs) map[string]string {
		t.Helper()
		res, err := c.ListImage(args)
		baiduOK(t, err)
		got := map[string]string{}
		for _, im := range res.Images {
			got[im.Id] = string(im.Type)
		}
		return got
	}
	all := map[string]string{sys.ID: "System", app.ID: "Integration", mine.ID: "Custom", named.ID: "Custom", theirs.ID: "Sharing"}
	for _, tc := range []struct {
		args *api.ListImageArgs
		want map[string]string
	}{
		{nil, all},
		{&api.ListImageArgs{ImageType: "All"}, all},
		{&api.ListImageArgs{ImageType: "System"}, map[string]string{sys.ID: "System"}},
		{&api.ListImageArgs{ImageType: "Integration"}, map[string]string{app.ID: "Integration"}},
		{&api.ListImageArgs{ImageType: "Custom"}, map[string]string{mine.ID: "Custom", named.ID: "Custom"}},
		{&api.ListImageArgs{ImageType: "Custom", ImageName: "web"}, map[string]string{named.ID: "Custom"}},
		{&api.ListImageArgs{ImageType: "Sharing"}, map[string]string{theirs.ID: "Sharing"}},
		{&api.ListImageArgs{ImageType: "BbcSystem"}, map[string]string{}},
	} {
		if got := list(tc.args); !maps.Equal(got, tc.want) {
			t.Errorf("ListImage(%+v) = %v, want %v", tc.args, got, tc.want)
		}
	}

	t.Run("Pages", func(t *testing.T) {
		seen := map[string]string{}
		marker := ""
		for pages := 1; ; pages++ {
			res, err := c.ListImage(&api.ListImageArgs{MaxKeys: 2, Marker: marker})
			baiduOK(t, err)
			if len(res.Images) > 2 || res.MaxKeys != 2 {
				t.Fatalf("page of %d images, maxKeys %d", len(res.Images), res.MaxKeys)
			}
			for _, im := range res.Images {
				seen[im.Id] = string(im.Type)
			}
			if !res.IsTruncated {
				if pages != 3 || res.NextMarker != "" {
					t.Errorf("last page %d, nextMarker %q; want page 3 of 5 images by 2", pages, res.NextMarker)
				}
				break
			}
			marker = res.NextMarker
		}
		if !maps.Equal(seen, all) {
			t.Errorf("pages = %v, want %v", seen, all)
		}
	})

	t.Run("BadArguments", func(t *testing.T) {
		_, err := c.ListImage(&api.ListImageArgs{ImageType: "Everything"})
		wantBceError(t, err, "InvalidHTTPRequest", 400)
		_, err = c.ListImage(&api.ListImageArgs{MaxKeys: -5})
		wantBceError(t, err, "InvalidHTTPRequest", 400)
	})

	t.Run("Detail", func(t *testing.T) {
		res, err := c.GetImageDetail(mine.ID)
		baiduOK(t, err)
		im := res.Image
		wantTime := mine.CreatedAt.UTC().Format("2006-01-02T15:04:05Z")
		if im.Id != mine.ID || im.Name != mine.Name || im.Type != api.ImageTypeCustom || im.Status != api.ImageStatusAvailable ||
			im.OsName != "Ubuntu" || im.OsType != "linux" || im.Desc != "made in bj" || im.CreateTime != wantTime ||
			im.DiskSize != 40 || im.MinDiskGb != 40 {
			t.Errorf("detail = %+v", im)
		}
		res, err = c.GetImageDetail(named.ID)
		baiduOK(t, err)
		if res.Image.Status != api.ImageStatusCreating {
			t.Errorf("a Making image is %q, want Creating", res.Image.Status)
		}
		for id, typ := range map[string]api.ImageType{theirs.ID: api.ImageTypeSharing, sys.ID: api.ImageTypeSystem, app.ID: api.ImageTypeIntegration} {
			res, err := c.GetImageDetail(id)
			baiduOK(t, err)
			if res.Image.Type != typ {
				t.Errorf("%s type = %q, want %q", id, res.Image.Type, typ)
			}
		}
		_, err = c.GetImageDetail("m-doesnotexist")
		wantBceError(t, err, "NoSuchObject", 404)
	})
}

func TestBaidu_Authentication(t *testing.T) {
	srv := apptest.Start(t)
	owner, key := srv.Account(t, "owner@example.com")
	_, disabled := srv.Account(t, "disabled@example.com")
	if err := srv.Svc.SetKeyEnabled(context.Background(), disabled.PublicKey, false); err != nil {
		t.Fatal(err)
	}
	im := baiduImage(t, srv, owner.ID, imageshare.ImageCustom)

	t.Run("Expired", func(t *testing.T) {
		c := baiduClient(t, srv, key)
		// RequestExpired is retried by the SDK; one attempt is enough here.
		c.Config.Retry = bce.NewNoRetryPolicy()
		c.Config.SignOption = &auth.SignOptions{HeadersToSign: auth.DEFAULT_HEADERS_TO_SIGN, ExpireSeconds: 1800, Timestamp: time.Now().Add(-2 * time.Hour).Unix()}
		_, err := c.GetImageSharedUser(im.ID)
		wantBceError(t, err, "RequestExpired", 400)
	})
	t.Run("StillValid", func(t *testing.T) {
		c := baiduClient(t, srv, key)
		c.Config.SignOption = &auth.SignOptions{HeadersToSign: auth.DEFAULT_HEADERS_TO_SIGN, ExpireSeconds: 1800, Timestamp: time.Now().Add(-20 * time.Minute).Unix()}
		_, err := c.GetImageSharedUser(im.ID)
		baiduOK(t, err)
	})
	t.Run("WrongSecret", func(t *testing.T) {
		_, err := baiduClientWith(t, srv.URL, key.PublicKey, key.PrivateKey+"x").GetImageSharedUser(im.ID)
		wantBceError(t, err, "SignatureDoesNotMatch", 400)
	})
	t.Run("UnknownAccessKey", func(t *testing.T) {
		_, err := baiduClientWith(t, srv.URL, "AKUNKNOWN", key.PrivateKey).GetImageSharedUser(im.ID)
		wantBceError(t, err, "InvalidAccessKeyId", 403)
	})
	t.Run("DisabledKey", func(t *testing.T) {
		_, err := baiduClient(t, srv, disabled).ListImage(nil)
		wantBceError(t, err, "InvalidAccessKeyId", 403)
	})
}

// lossyTransport forwards every request to the server but, the first
// time it sees a share, throws the server's answer away and reports a
// network error: the share was applied and the SDK does not know it.
type lossyTransport struct {
	mu    sync.Mutex
	seen  []string // Authorization + x-bce-request-id of each share attempt
	inner http.RoundTripper
}

func (l *lossyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := l.inner.RoundTrip(r)
	if err != nil || !r.URL.Query().Has("share") {
		return resp, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seen = append(l.seen, r.Header.Get("Authorization")+" "+r.Header.Get("X-Bce-Request-Id"))
	if len(l.seen) == 1 {
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return nil, errors.New("connection reset by peer (simulated)")
	}
	return resp, nil
}

// The SDK resends an identical request after a network error; a share
// already applied must then answer success, not AccountHasBeenShared.
func TestBaidu_RetriedShareSucceeds(t *testing.T) {
	srv := apptest.Start(t)
	owner, key := srv.Account(t, "owner@example.com")
	alice, _ := srv.Account(t, "alice@example.com")
	im := baiduImage(t, srv, owner.ID, imageshare.ImageCustom)
	c := baiduClient(t, srv, key)
	lossy := &lossyTransport{inner: &http.Transport{}}
	c.HTTPClient = &http.Client{Transport: lossy, Timeout: 30 * time.Second}

	baiduOK(t, c.ShareImage(im.ID, &api.SharedUser{Account: alice.Name}))
	if len(lossy.seen) != 2 || lossy.seen[0] != lossy.seen[1] {
		t.Fatalf("share attempts = %q, want the same request twice", lossy.seen)
	}
	want := []api.SharedUser{{Account: alice.Name, AccountId: accountID(alice)}}
	if got := sharedUsers(t, c, im.ID); !slices.Equal(got, want) {
		t.Errorf("users = %v, want %v", got, want)
	}
	// A new call sharing again is a real duplicate.
	wantBceError(t, c.ShareImage(im.ID, &api.SharedUser{Account: alice.Name}), "Image.AccountHasBeenShared", 409)
}

// BCE names the region in the host: bcc.cn-hangzhou.baidubce.com serves
// cn-hangzhou. The client dials the test server while signing that host.
func TestBaidu_RegionFromHost(t *testing.T) {
	srv := apptest.Start(t)
	owner, key := srv.Account(t, "owner@example.com")
	bj := baiduImage(t, srv, owner.ID, imageshare.ImageCustom)
	hz := srv.Image(t, &imageshare.Image{Region: "cn-hangzhou", OwnerID: owner.ID, Type: imageshare.ImageCustom})

	c := baiduClientWith(t, "http://bcc.cn-hangzhou.baidubce.com", key.PublicKey, key.PrivateKey)
	var d net.Dialer
	c.HTTPClient = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return d.DialContext(ctx, network, srv.Addr)
		},
	}}
	res, err := c.ListImage(&api.ListImageArgs{ImageType: "Custom"})
	baiduOK(t, err)
	if len(res.Images) != 1 || res.Images[0].Id != hz.ID {
		t.Errorf("cn-hangzhou custom images = %+v, want only %s", res.Images, hz.ID)
	}
	_, err = c.GetImageDetail(bj.ID)
	wantBceError(t, err, "NoSuchObject", 404)

	// The default region of loopback endpoints is configurable.
	srv2 := apptest.Start(t, func(c *app.Config) { c.BaiduDefaultRegion = "cn-hangzhou" })
	owner2, key2 := srv2.Account(t, "owner@example.com")
	hz2 := srv2.Image(t, &imageshare.Image{Region: "cn-hangzhou", OwnerID: owner2.ID, Type: imageshare.ImageCustom})
	res, err = baiduClient(t, srv2, key2).ListImage(&api.ListImageArgs{ImageType: "Custom"})
	baiduOK(t, err)
	if len(res.Images) != 1 || res.Images[0].Id != hz2.ID {
		t.Errorf("default-region custom images = %+v, want only %s", res.Images, hz2.ID)
	}
}

// One store behind every dialect: a share made with Alibaba's SDK on an
// image in bj is seen through Baidu's, by the owner and by the grantee,
// and a Baidu unshare is seen through Alibaba's.
func TestBaidu_CrossDialectShare(t *testing.T) {
	srv := apptest.Start(t)
	owner, key := srv.Account(t, "owner@example.com")
	alice, aliceKey := srv.Account(t, "alice@example.com")
	im := baiduImage(t, srv, owner.ID, imageshare.ImageCustom)

	ali, err := ecs.NewClientWithAccessKey(baiduRegion, key.PublicKey, key.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	ali.Domain = srv.Addr
	req := ecs.CreateModifyImageSharePermissionRequest()
	req.ImageId = im.ID
	req.AddAccount = &[]string{accountID(alice)}
	if _, err := ali.ModifyImageSharePermission(req); err != nil {
		t.Fatalf("Alibaba ModifyImageSharePermission: %v", err)
	}

	c := baiduClient(t, srv, key)
	want := []api.SharedUser{{Account: alice.Name, AccountId: accountID(alice)}}
	if got := sharedUsers(t, c, im.ID); !slices.Equal(got, want) {
		t.Errorf("Baidu sees users %v, want %v", got, want)
	}
	res, err := baiduClient(t, srv, aliceKey).ListImage(&api.ListImageArgs{ImageType: "Sharing"})
	baiduOK(t, err)
	if len(res.Images) != 1 || res.Images[0].Id != im.ID || res.Images[0].Type != api.ImageTypeSharing {
		t.Errorf("alice's shared images = %+v, want %s", res.Images, im.ID)
	}
	wantBceError(t, c.ShareImage(im.ID, &api.SharedUser{AccountId: accountID(alice)}), "Image.AccountHasBeenShared", 409)

	baiduOK(t, c.UnShareImage(im.ID, &api.SharedUser{Account: alice.Name}))
	dreq := ecs.CreateDescribeImageSharePermissionRequest()
	dreq.ImageId = im.ID
	dres, err := ali.DescribeImageSharePermission(dreq)
	if err != nil {
		t.Fatalf("Alibaba DescribeImageSharePermission: %v", err)
	}
	if n := len(dres.Accounts.Account); n != 0 {
		t.Errorf("Alibaba sees %d accounts after the Baidu unshare, want 0", n)
	}
}
