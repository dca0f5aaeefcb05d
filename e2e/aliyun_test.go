package e2e

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"

	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/app"
	"github.com/imageshare/imageshare/app/apptest"
)

// The region of the ECS documentation's examples (docs/aliyun.md).
const aliyunRegion = "cn-hangzhou"

// aliyunClient returns the official ECS client with only its endpoint
// changed, as a user would configure it.
func aliyunClient(t *testing.T, srv *apptest.Server, key *imageshare.AccessKey) *ecs.Client {
	t.Helper()
	return aliyunClientIn(t, srv, aliyunRegion, key.PublicKey, key.PrivateKey)
}

func aliyunClientIn(t *testing.T, srv *apptest.Server, region, keyID, secret string) *ecs.Client {
	t.Helper()
	c, err := ecs.NewClientWithAccessKey(region, keyID, secret)
	if err != nil {
		t.Fatalf("ecs client: %v", err)
	}
	c.Domain = strings.TrimPrefix(srv.URL, "http://")
	return c
}

// wantAliyunError asserts that err is the SDK's ServerError with this code
// and HTTP status, and returns it.
func wantAliyunError(t *testing.T, err error, code string, status int) *sdkerrors.ServerError {
	t.Helper()
	if err == nil {
		t.Fatalf("call succeeded, want %s (%d)", code, status)
	}
	var se *sdkerrors.ServerError
	if !errors.As(err, &se) {
		t.Fatalf("error %T %v is not an SDK ServerError, want %s", err, err, code)
	}
	if se.ErrorCode() != code || se.HttpStatus() != status {
		t.Fatalf("got %s (%d): %s; want %s (%d)", se.ErrorCode(), se.HttpStatus(), se.Message(), code, status)
	}
	if se.RequestId() == "" {
		t.Errorf("%s: no RequestId", code)
	}
	if se.HostId() == "" {
		t.Errorf("%s: no HostId", code)
	}
	return se
}

func mustOK(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("call failed: %v", err)
	}
}

// customImage creates a Custom image of owner in region.
func customImage(t *testing.T, srv *apptest.Server, owner *imageshare.Account, region string) *imageshare.Image {
	t.Helper()
	return srv.Image(t, &imageshare.Image{Region: region, OwnerID: owner.ID, Type: imageshare.ImageCustom,
		OSName: "Ubuntu 22.04 64位", OSType: "linux", SizeMB: 20480})
}

// sharedWith returns the account ids an image is shared with, as the core sees them.
func sharedWith(t *testing.T, srv *apptest.Server, owner *imageshare.Account, imageID string) []int64 {
	t.Helper()
	list, err := srv.Svc.DescribeShares(context.Background(), imageshare.Caller{AccountID: owner.ID}, imageID, "", imageshare.Page{Limit: 100})
	if err != nil {
		t.Fatalf("DescribeShares(%s): %v", imageID, err)
	}
	var ids []int64
	for _, s := range list.Shares {
		ids = append(ids, s.AccountID)
	}
	slices.Sort(ids)
	return ids
}

func describeShares(c *ecs.Client, imageID string, page, size int) (*ecs.DescribeImageSharePermissionResponse, error) {
	req := ecs.CreateDescribeImageSharePermissionRequest()
	req.ImageId = imageID
	if page != 0 {
		req.PageNumber = requests.NewInteger(page)
	}
	if size != 0 {
		req.PageSize = requests.NewInteger(size)
	}
	return c.DescribeImageSharePermission(req)
}

func modifyShares(c *ecs.Client, imageID string, add, remove []string) error {
	req := ecs.CreateModifyImageSharePermissionRequest()
	req.ImageId = imageID
	if add != nil {
		req.AddAccount = &add
	}
	if remove != nil {
		req.RemoveAccount = &remove
	}
	_, err := c.ModifyImageSharePermission(req)
	return err
}

func idString(id int64) string { return strconv.FormatInt(id, 10) }

var aliyunTime = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)

func TestAliyun_DescribeImageSharePermission(t *testing.T) {
	srv := apptest.Start(t)
	owner, key := srv.Account(t, "")
	b, _ := srv.Account(t, "")
	c2, _ := srv.Account(t, "")
	other, otherKey := srv.Account(t, "")
	im := customImage(t, srv, owner, aliyunRegion)
	client := aliyunClient(t, srv, key)

	t.Run("empty", func(t *testing.T) {
		resp, err := describeShares(client, im.ID, 0, 0)
		mustOK(t, err)
		if resp.TotalCount != 0 || len(resp.Accounts.Account) != 0 || len(resp.ShareGroups.ShareGroup) != 0 {
			t.Fatalf("new image: %+v", resp)
		}
		if resp.PageNumber != 1 || resp.PageSize != 10 || resp.ImageId != im.ID || resp.RegionId != aliyunRegion || resp.RequestId == "" {
			t.Fatalf("defaults: %+v", resp)
		}
		// Lists are present and empty, never null.
		if !strings.Contains(resp.GetHttpContentString(), `"Accounts":{"Account":[]}`) ||
			!strings.Contains(resp.GetHttpContentString(), `"ShareGroups":{"ShareGroup":[]}`) {
			t.Fatalf("empty lists: %s", resp.GetHttpContentString())
		}
	})

	before := time.Now().UTC().Add(-time.Second)
	mustOK(t, modifyShares(client, im.ID, []string{idString(b.ID), idString(c2.ID)}, nil))

	t.Run("accounts", func(t *testing.T) {
		resp, err := describeShares(client, im.ID, 0, 0)
		mustOK(t, err)
		if resp.TotalCount != 2 || len(resp.Accounts.Account) != 2 {
			t.Fatalf("shares: %+v", resp)
		}
		var got []string
		for _, a := range resp.Accounts.Account {
			got = append(got, a.AliyunId)
			if !aliyunTime.MatchString(a.SharedTime) {
				t.Errorf("SharedTime %q is not yyyy-MM-ddTHH:mm:ssZ", a.SharedTime)
			}
			at, err := time.Parse(time.RFC3339, a.SharedTime)
			if err != nil || at.Before(before.Truncate(time.Second)) || at.After(time.Now().Add(time.Second)) {
				t.Errorf("SharedTime %q is not the time of sharing", a.SharedTime)
			}
		}
		slices.Sort(got)
		want := []string{idString(b.ID), idString(c2.ID)}
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("AliyunIds %v, want %v", got, want)
		}
		// AliyunId is a JSON string.
		if !strings.Contains(resp.GetHttpContentString(), `"AliyunId":"`+idString(b.ID)+`"`) {
			t.Errorf("AliyunId not a string: %s", resp.GetHttpContentString())
		}
	})

	t.Run("paging", func(t *testing.T) {
		first, err := describeShares(client, im.ID, 1, 1)
		mustOK(t, err)
		second, err := describeShares(client, im.ID, 2, 1)
		mustOK(t, err)
		third, err := describeShares(client, im.ID, 3, 1)
		mustOK(t, err)
		if first.TotalCount != 2 || second.TotalCount != 2 || len(first.Accounts.Account) != 1 ||
			len(second.Accounts.Account) != 1 || len(third.Accounts.Account) != 0 {
			t.Fatalf("pages: %+v / %+v / %+v", first, second, third)
		}
		if first.Accounts.Account[0].AliyunId == second.Accounts.Account[0].AliyunId {
			t.Fatal("pages 1 and 2 repeat an account")
		}
		if second.PageNumber != 2 || second.PageSize != 1 {
			t.Fatalf("page echo: %+v", second)
		}
		for _, size := range []int{101, -1} {
			_, err = describeShares(client, im.ID, 1, size)
			wantAliyunError(t, err, "InvalidParameter", 400)
		}
		_, err = describeShares(client, im.ID, -1, 10)
		wantAliyunError(t, err, "InvalidParameter", 400)
		resp, err := describeShares(client, im.ID, 1, 100)
		mustOK(t, err)
		if resp.PageSize != 100 || len(resp.Accounts.Account) != 2 {
			t.Fatalf("PageSize 100: %+v", resp)
		}
	})

	t.Run("public", func(t *testing.T) {
		on := true
		if _, err := srv.Svc.ModifyShares(context.Background(), imageshare.Caller{AccountID: owner.ID},
			imageshare.ShareRequest{ImageID: im.ID, SetPublic: &on, Mode: imageshare.ShareStrictAccounts}); err != nil {
			t.Fatal(err)
		}
		resp, err := describeShares(client, im.ID, 0, 0)
		mustOK(t, err)
		if len(resp.ShareGroups.ShareGroup) != 1 || resp.ShareGroups.ShareGroup[0].Group != "all" || resp.TotalCount != 2 {
			t.Fatalf("public image: %+v", resp)
		}
	})

	t.Run("errors", func(t *testing.T) {
		se := wantAliyunError(t, func() error { _, err := describeShares(client, "", 0, 0); return err }(), "MissingParameter", 400)
		if want := `The input parameter "ImageId "that is mandatory for processing this request is not supplied.`; se.Message() != want {
			t.Errorf("message %q, want the seed's %q", se.Message(), want)
		}
		noRegion := aliyunClientIn(t, srv, "", key.PublicKey, key.PrivateKey)
		_, err := describeShares(noRegion, im.ID, 0, 0)
		se = wantAliyunError(t, err, "MissingParameter", 400)
		if want := `The input parameter "RegionId "that is mandatory for processing this request is not supplied.`; se.Message() != want {
			t.Errorf("message %q, want the seed's %q", se.Message(), want)
		}

		_, err = describeShares(client, "m-does-not-exist", 0, 0)
		se = wantAliyunError(t, err, "InvalidImageId.NotFound", 404)
		if se.Message() != "The specified ImageId does not exist." {
			t.Errorf("message %q", se.Message())
		}
		// Another account's image does not exist for the caller.
		_, err = describeShares(aliyunClient(t, srv, otherKey), im.ID, 0, 0)
		wantAliyunError(t, err, "InvalidImageId.NotFound", 404)
		// Nor does the caller's own image asked for in another region.
		wlcb := customImage(t, srv, owner, "cn-wlcb")
		_, err = describeShares(client, wlcb.ID, 0, 0)
		wantAliyunError(t, err, "InvalidImageId.NotFound", 404)
		_, err = describeShares(aliyunClientIn(t, srv, "cn-nowhere", key.PublicKey, key.PrivateKey), im.ID, 0, 0)
		wantAliyunError(t, err, "InvalidRegionId.NotFound", 404)
		_ = other
	})

	t.Run("xml", func(t *testing.T) {
		req := ecs.CreateDescribeImageSharePermissionRequest()
		req.ImageId = im.ID
		req.AcceptFormat = "XML"
		resp, err := client.DescribeImageSharePermission(req)
		mustOK(t, err)
		if !strings.HasPrefix(resp.GetHttpContentString(), "<?xml") ||
			!strings.Contains(resp.GetHttpContentString(), "<DescribeImageSharePermissionResponse>") {
			t.Fatalf("not an XML envelope: %s", resp.GetHttpContentString())
		}
		if resp.TotalCount != 2 || len(resp.Accounts.Account) != 2 || resp.ImageId != im.ID ||
			len(resp.ShareGroups.ShareGroup) != 1 || resp.ShareGroups.ShareGroup[0].Group != "all" {
			t.Fatalf("XML decoded as %+v", resp)
		}
	})
}

func TestAliyun_ModifyImageSharePermission(t *testing.T) {
	srv := apptest.Start(t)
	owner, key := srv.Account(t, "")
	b, _ := srv.Account(t, "")
	c2, _ := srv.Account(t, "")
	d, _ := srv.Account(t, "")
	im := customImage(t, srv, owner, aliyunRegion)
	client := aliyunClient(t, srv, key)

	mustOK(t, modifyShares(client, im.ID, []string{idString(b.ID), idString(c2.ID)}, nil))
	if got, want := sharedWith(t, srv, owner, im.ID), []int64{b.ID, c2.ID}; !slices.Equal(got, want) {
		t.Fatalf("after add: %v, want %v", got, want)
	}
	mustOK(t, modifyShares(client, im.ID, nil, []string{idString(b.ID)}))
	if got, want := sharedWith(t, srv, owner, im.ID), []int64{c2.ID}; !slices.Equal(got, want) {
		t.Fatalf("after remove: %v, want %v", got, want)
	}
	// Adding and removing in one call.
	mustOK(t, modifyShares(client, im.ID, []string{idString(d.ID)}, []string{idString(c2.ID)}))
	if got, want := sharedWith(t, srv, owner, im.ID), []int64{d.ID}; !slices.Equal(got, want) {
		t.Fatalf("after add+remove: %v, want %v", got, want)
	}

	unchanged := func(t *testing.T) {
		t.Helper()
		if got, want := sharedWith(t, srv, owner, im.ID), []int64{d.ID}; !slices.Equal(got, want) {
			t.Fatalf("a failed call changed the shares: %v, want %v", got, want)
		}
	}
	t.Run("unknown account", func(t *testing.T) {
		err := modifyShares(client, im.ID, []string{idString(b.ID), "987654321"}, nil)
		wantAliyunError(t, err, "InvalidAccount.NotFound", 404)
		unchanged(t)
		err = modifyShares(client, im.ID, []string{idString(b.ID), "not-a-number"}, nil)
		wantAliyunError(t, err, "InvalidAccount.NotFound", 404)
		unchanged(t)
		err = modifyShares(client, im.ID, nil, []string{"987654321"})
		wantAliyunError(t, err, "InvalidAccount.NotFound", 404)
		unchanged(t)
	})
	t.Run("self", func(t *testing.T) {
		err := modifyShares(client, im.ID, []string{idString(b.ID), idString(owner.ID)}, nil)
		wantAliyunError(t, err, "InvalidAccount.Forbbiden", 404)
		unchanged(t)
	})
	t.Run("more than 10", func(t *testing.T) {
		var many []string
		for i := range 11 {
			a, _ := srv.Account(t, "")
			_ = i
			many = append(many, idString(a.ID))
		}
		wantAliyunError(t, modifyShares(client, im.ID, many, nil), "InvalidParameter", 400)
		wantAliyunError(t, modifyShares(client, im.ID, nil, many), "InvalidParameter", 400)
		unchanged(t)
		mustOK(t, modifyShares(client, im.ID, many[:10], nil))
		mustOK(t, modifyShares(client, im.ID, nil, many[:10]))
		unchanged(t)
	})
	t.Run("image not found", func(t *testing.T) {
		wantAliyunError(t, modifyShares(client, "m-missing", []string{idString(b.ID)}, nil), "InvalidImageId.NotFound", 404)
		_, otherKey := srv.Account(t, "")
		wantAliyunError(t, modifyShares(aliyunClient(t, srv, otherKey), im.ID, []string{idString(b.ID)}, nil), "InvalidImageId.NotFound", 404)
		unchanged(t)
	})
	t.Run("missing parameters", func(t *testing.T) {
		wantAliyunError(t, modifyShares(client, "", []string{idString(b.ID)}, nil), "MissingParameter", 400)
	})

	t.Run("public", func(t *testing.T) {
		public := func() bool {
			t.Helper()
			resp, err := describeShares(client, im.ID, 0, 0)
			mustOK(t, err)
			return len(resp.ShareGroups.ShareGroup) == 1 && resp.ShareGroups.ShareGroup[0].Group == "all"
		}
		req := ecs.CreateModifyImageSharePermissionRequest()
		req.ImageId = im.ID
		req.IsPublic = requests.NewBoolean(true)
		_, err := client.ModifyImageSharePermission(req)
		mustOK(t, err)
		if !public() {
			t.Fatal("IsPublic=true did not share with everyone")
		}
		req.IsPublic = requests.NewBoolean(false)
		_, err = client.ModifyImageSharePermission(req)
		mustOK(t, err)
		if public() {
			t.Fatal("IsPublic=false did not stop sharing with everyone")
		}
		unchanged(t) // the explicit share list is kept either way

		req = ecs.CreateModifyImageSharePermissionRequest()
		req.ImageId = im.ID
		req.LaunchPermission = "all"
		_, err = client.ModifyImageSharePermission(req)
		mustOK(t, err)
		if !public() {
			t.Fatal("LaunchPermission=all did not share with everyone")
		}
		req.IsPublic = requests.NewBoolean(false)
		_, err = client.ModifyImageSharePermission(req)
		wantAliyunError(t, err, "InvalidParameter.IsPublic", 403)
		req.IsPublic = ""
		req.AddAccount = &[]string{idString(b.ID)}
		_, err = client.ModifyImageSharePermission(req)
		wantAliyunError(t, err, "UnnecessaryParameter.LaunchPermission", 400)
		req.AddAccount = nil
		req.LaunchPermission = "everyone"
		_, err = client.ModifyImageSharePermission(req)
		wantAliyunError(t, err, "InvalidParameter.LaunchPermission", 400)
		if !public() {
			t.Fatal("a failed call turned public sharing off")
		}
		unchanged(t)
	})
}

func TestAliyun_ShareQuota(t *testing.T) {
	srv := apptest.Start(t, func(c *app.Config) { c.MaxSharesPerImage = 2 })
	owner, key := srv.Account(t, "")
	im := customImage(t, srv, owner, aliyunRegion)
	client := aliyunClient(t, srv, key)
	var ids []string
	for range 3 {
		a, _ := srv.Account(t, "")
		ids = append(ids, idString(a.ID))
	}
	mustOK(t, modifyShares(client, im.ID, ids[:1], nil))
	wantAliyunError(t, modifyShares(client, im.ID, ids[1:], nil), "QuotaExceed.ShareImageUser", 403)
	if got := sharedWith(t, srv, owner, im.ID); len(got) != 1 {
		t.Fatalf("a call over the quota changed the shares: %v", got)
	}
	mustOK(t, modifyShares(client, im.ID, ids[1:2], nil))
}
