package e2e

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/app/apptest"
)

func describeImages(t *testing.T, c *ecs.Client, set func(*ecs.DescribeImagesRequest)) *ecs.DescribeImagesResponse {
	t.Helper()
	req := ecs.CreateDescribeImagesRequest()
	if set != nil {
		set(req)
	}
	resp, err := c.DescribeImages(req)
	mustOK(t, err)
	return resp
}

func imageIDs(resp *ecs.DescribeImagesResponse) []string {
	var ids []string
	for _, im := range resp.Images.Image {
		ids = append(ids, im.ImageId)
	}
	return ids
}

func TestAliyun_DescribeImages(t *testing.T) {
	srv := apptest.Start(t)
	me, key := srv.Account(t, "")
	them, _ := srv.Account(t, "")
	client := aliyunClient(t, srv, key)
	created := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	at := func(minutes int) time.Time { return created.Add(time.Duration(minutes) * time.Minute) }

	sys := srv.Image(t, &imageshare.Image{ID: "sys-ubuntu", Region: aliyunRegion, Type: imageshare.ImageSystem,
		Name: "Ubuntu 22.04", OSName: "Ubuntu 22.04 64位", OSType: "linux", SizeMB: 20480, CreatedAt: at(0)})
	app := srv.Image(t, &imageshare.Image{ID: "app-sdwebui", Region: aliyunRegion, Type: imageshare.ImageApp,
		Name: "SD WebUI", SizeMB: 40960, CreatedAt: at(1)})
	srv.Image(t, &imageshare.Image{ID: "sys-elsewhere", Region: "cn-wlcb", Type: imageshare.ImageSystem, CreatedAt: at(2)})
	mine := srv.Image(t, &imageshare.Image{ID: "mine-llama", Region: aliyunRegion, OwnerID: me.ID, Type: imageshare.ImageCustom,
		Name: "llama finetune", Description: "my llama", OSName: "Ubuntu 22.04 64位", OSType: "linux", SizeMB: 51201,
		Tags: []string{"llm"}, CreatedAt: at(3)})
	making := srv.Image(t, &imageshare.Image{ID: "mine-making", Region: aliyunRegion, OwnerID: me.ID, Type: imageshare.ImageCustom,
		Status: imageshare.StatusMaking, Name: "in progress", CreatedAt: at(4),
		// A build that started a minute ago and ends in an hour: still Making when read.
		BuildStartedAt: srv.Svc.Now().Add(-time.Minute), BuildDoneAt: srv.Svc.Now().Add(time.Hour)})
	theirs := srv.Image(t, &imageshare.Image{ID: "theirs-shared", Region: aliyunRegion, OwnerID: them.ID, Type: imageshare.ImageCustom,
		Name: "shared with me", CreatedAt: at(5)})
	srv.Image(t, &imageshare.Image{ID: "theirs-private", Region: aliyunRegion, OwnerID: them.ID, Type: imageshare.ImageCustom, CreatedAt: at(6)})
	if _, err := srv.Svc.ModifyShares(context.Background(), imageshare.Caller{AccountID: them.ID},
		imageshare.ShareRequest{ImageID: theirs.ID, Add: []int64{me.ID}, Mode: imageshare.ShareStrictAccounts}); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		alias, status string
		want          []string
	}{
		{"self", "", []string{mine.ID}},
		{"self", "Available,Creating", []string{mine.ID, making.ID}},
		{"self", "Creating", []string{making.ID}},
		{"self", "CreateFailed", nil},
		{"others", "", []string{theirs.ID}},
		{"system", "", []string{sys.ID}},
		{"marketplace", "", []string{app.ID}},
		{"", "", []string{sys.ID, mine.ID, theirs.ID}},
	} {
		resp := describeImages(t, client, func(r *ecs.DescribeImagesRequest) { r.ImageOwnerAlias, r.Status = tc.alias, tc.status })
		if got := imageIDs(resp); !slices.Equal(got, tc.want) || resp.TotalCount != len(tc.want) {
			t.Errorf("alias %q status %q: %v (total %d), want %v", tc.alias, tc.status, got, resp.TotalCount, tc.want)
		}
		for _, im := range resp.Images.Image {
			if want := map[string]string{sys.ID: "system", app.ID: "marketplace", mine.ID: "self", making.ID: "self", theirs.ID: "others"}[im.ImageId]; im.ImageOwnerAlias != want {
				t.Errorf("%s: ImageOwnerAlias %q, want %q", im.ImageId, im.ImageOwnerAlias, want)
			}
		}
	}

	t.Run("fields", func(t *testing.T) {
		resp := describeImages(t, client, func(r *ecs.DescribeImagesRequest) {
			r.ImageOwnerAlias, r.Status = "self", "Available,Creating"
		})
		if resp.RegionId != aliyunRegion || resp.PageNumber != 1 || resp.PageSize != 10 || resp.RequestId == "" {
			t.Fatalf("envelope: %+v", resp)
		}
		got := resp.Images.Image[0]
		if got.ImageId != mine.ID || got.ImageName != "llama finetune" || got.Description != "my llama" ||
			got.OSName != "Ubuntu 22.04 64位" || got.OSType != "linux" || got.Size != 51 /* GiB, rounded up */ ||
			got.Status != "Available" || got.CreationTime != "2024-05-01T12:03:00Z" || got.IsPublic ||
			got.ImageOwnerId != me.ID || got.Usage != "none" || got.Progress != "100%" {
			t.Errorf("image fields: %+v", got)
		}
		if len(got.Tags.Tag) != 1 || got.Tags.Tag[0].TagKey != "llm" {
			t.Errorf("tags: %+v", got.Tags)
		}
		if st, pr := resp.Images.Image[1].Status, resp.Images.Image[1].Progress; st != "Creating" || pr != "1%" {
			t.Errorf("a Making image a minute into an hour's build reads %q %q, want Creating 1%%", st, pr)
		}
	})

	t.Run("filters", func(t *testing.T) {
		resp := describeImages(t, client, func(r *ecs.DescribeImagesRequest) { r.ImageId = theirs.ID + ", " + sys.ID + ",theirs-private" })
		if got := imageIDs(resp); !slices.Equal(got, []string{sys.ID, theirs.ID}) {
			t.Errorf("ImageId list: %v (another's private image must not appear)", got)
		}
		resp = describeImages(t, client, func(r *ecs.DescribeImagesRequest) { r.ImageName = "LLAMA" })
		if got := imageIDs(resp); !slices.Equal(got, []string{mine.ID}) {
			t.Errorf("ImageName: %v", got)
		}
	})

	t.Run("paging across owners", func(t *testing.T) {
		var all []string
		for page := 1; page <= 4; page++ {
			resp := describeImages(t, client, func(r *ecs.DescribeImagesRequest) {
				r.PageNumber, r.PageSize = requests.NewInteger(page), requests.NewInteger(1)
			})
			if resp.TotalCount != 3 {
				t.Fatalf("page %d: total %d, want 3", page, resp.TotalCount)
			}
			all = append(all, imageIDs(resp)...)
		}
		if !slices.Equal(all, []string{sys.ID, mine.ID, theirs.ID}) {
			t.Errorf("pages of one: %v", all)
		}
		resp := describeImages(t, client, func(r *ecs.DescribeImagesRequest) {
			r.PageNumber, r.PageSize = requests.NewInteger(2), requests.NewInteger(2)
		})
		if got := imageIDs(resp); !slices.Equal(got, []string{theirs.ID}) {
			t.Errorf("page 2 of 2: %v", got)
		}
	})

	t.Run("empty lists", func(t *testing.T) {
		resp := describeImages(t, client, func(r *ecs.DescribeImagesRequest) { r.ImageName = "no such image" })
		if resp.TotalCount != 0 || !strings.Contains(resp.GetHttpContentString(), `"Images":{"Image":[]}`) {
			t.Errorf("empty result: %s", resp.GetHttpContentString())
		}
	})

	t.Run("errors", func(t *testing.T) {
		for _, set := range []func(*ecs.DescribeImagesRequest){
			func(r *ecs.DescribeImagesRequest) { r.ImageOwnerAlias = "everyone" },
			func(r *ecs.DescribeImagesRequest) { r.Status = "Available,Broken" },
			func(r *ecs.DescribeImagesRequest) { r.PageSize = requests.NewInteger(101) },
			func(r *ecs.DescribeImagesRequest) { r.ImageId = strings.Repeat("m-x,", 101) },
		} {
			req := ecs.CreateDescribeImagesRequest()
			set(req)
			_, err := client.DescribeImages(req)
			wantAliyunError(t, err, "InvalidParameter", 400)
		}
		req := ecs.CreateDescribeImagesRequest()
		req.DryRun = requests.NewBoolean(true)
		_, err := client.DescribeImages(req)
		wantAliyunError(t, err, "DryRunOperation", 400)
	})

	t.Run("xml", func(t *testing.T) {
		req := ecs.CreateDescribeImagesRequest()
		req.AcceptFormat = "XML"
		req.ImageOwnerAlias = "self"
		resp, err := client.DescribeImages(req)
		mustOK(t, err)
		if !strings.Contains(resp.GetHttpContentString(), "<DescribeImagesResponse>") || len(resp.Images.Image) != 1 ||
			resp.Images.Image[0].ImageId != mine.ID || resp.Images.Image[0].Size != 51 {
			t.Errorf("XML: %+v\n%s", resp.Images, resp.GetHttpContentString())
		}
	})
}

func TestAliyun_DeleteImage(t *testing.T) {
	srv := apptest.Start(t)
	owner, key := srv.Account(t, "")
	b, otherKey := srv.Account(t, "")
	client := aliyunClient(t, srv, key)
	deleteImage := func(c *ecs.Client, id string, force bool) error {
		req := ecs.CreateDeleteImageRequest()
		req.ImageId = id
		if force {
			req.Force = requests.NewBoolean(true)
		}
		_, err := c.DeleteImage(req)
		return err
	}
	exists := func(id string) bool {
		_, err := srv.Store.FindImageByID(context.Background(), id)
		return err == nil
	}

	plain := customImage(t, srv, owner, aliyunRegion)
	mustOK(t, deleteImage(client, plain.ID, false))
	if exists(plain.ID) {
		t.Fatal("an unshared image survived DeleteImage")
	}
	wantAliyunError(t, deleteImage(client, plain.ID, false), "InvalidImageId.NotFound", 404)

	shared := customImage(t, srv, owner, aliyunRegion)
	mustOK(t, modifyShares(client, shared.ID, []string{idString(b.ID)}, nil))
	wantAliyunError(t, deleteImage(client, shared.ID, false), "ImageUseShared", 403)
	if !exists(shared.ID) || len(sharedWith(t, srv, owner, shared.ID)) != 1 {
		t.Fatal("a refused delete changed the image or its shares")
	}
	// Only the owner may delete, even with Force.
	wantAliyunError(t, deleteImage(aliyunClient(t, srv, otherKey), shared.ID, true), "InvalidImageId.NotFound", 404)
	mustOK(t, deleteImage(client, shared.ID, true))
	if exists(shared.ID) {
		t.Fatal("Force=true did not delete a shared image")
	}
	_, err := describeShares(client, shared.ID, 0, 0)
	wantAliyunError(t, err, "InvalidImageId.NotFound", 404)

	public := customImage(t, srv, owner, aliyunRegion)
	req := ecs.CreateModifyImageSharePermissionRequest()
	req.ImageId = public.ID
	req.IsPublic = requests.NewBoolean(true)
	_, err = client.ModifyImageSharePermission(req)
	mustOK(t, err)
	wantAliyunError(t, deleteImage(client, public.ID, false), "ImageUseShared", 403)

	wantAliyunError(t, deleteImage(client, "", false), "MissingParameter", 400)
	bad := ecs.CreateDeleteImageRequest()
	bad.ImageId = public.ID
	bad.Force = "maybe"
	_, err = client.DeleteImage(bad)
	wantAliyunError(t, err, "InvalidParameter", 400)
	if !exists(public.ID) {
		t.Fatal("a refused delete removed the image")
	}
}
