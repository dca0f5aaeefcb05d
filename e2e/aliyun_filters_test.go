package e2e

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/alibabacloud-go/tea/dara"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"

	teaecs "github.com/alibabacloud-go/ecs-20140526/v7/client"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/app/apptest"
)

// filterFixture is a region with images whose OS facts and tags differ
// one at a time, so each DescribeImages filter has one right answer.
type filterFixture struct {
	srv           *apptest.Server
	me, them      *imageshare.Account
	client        *ecs.Client
	sys, arm, win *imageshare.Image
	mine, theirs  *imageshare.Image
}

func newFilterFixture(t *testing.T) *filterFixture {
	srv := apptest.Start(t)
	me, key := srv.Account(t, "")
	them, _ := srv.Account(t, "")
	base := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	at := func(days int) time.Time { return base.AddDate(0, 0, days) }
	f := &filterFixture{srv: srv, me: me, them: them, client: aliyunClient(t, srv, key)}
	f.sys = srv.Image(t, &imageshare.Image{ID: "sys-ubuntu", Region: aliyunRegion, Type: imageshare.ImageSystem,
		Name: "Ubuntu 22.04", OSName: "Ubuntu 22.04 64位", OSNameEn: "Ubuntu 22.04 64 bit", OSType: "linux",
		OSVersion: "22.04", Platform: "Ubuntu", Architecture: "x86_64", BootMode: "UEFI",
		ImageFamily: "acs:ubuntu_22_04_x64", ImageVersion: "20240510", SizeMB: 20480,
		IsSupportIoOptimized: true, IsSupportCloudinit: true, CreatedAt: at(0)})
	f.arm = srv.Image(t, &imageshare.Image{ID: "sys-ubuntu-arm", Region: aliyunRegion, Type: imageshare.ImageSystem,
		Name: "Ubuntu 22.04 ARM", OSName: "Ubuntu 22.04 64位 ARM版", OSNameEn: "Ubuntu 22.04 64 bit ARM", OSType: "linux",
		Platform: "Ubuntu", Architecture: "arm64", ImageFamily: "acs:ubuntu_22_04_arm64",
		IsSupportIoOptimized: true, IsSupportCloudinit: true, CreatedAt: at(1)})
	f.win = srv.Image(t, &imageshare.Image{ID: "sys-win", Region: aliyunRegion, Type: imageshare.ImageSystem,
		Name: "Windows Server 2022", OSName: "Windows Server 2022 数据中心版 64位中文版", OSNameEn: "Windows Server 2022 Datacenter 64-bit (Chinese)",
		OSType: "windows", Platform: "Windows Server 2022", Architecture: "x86_64", BootMode: "BIOS",
		IsSupportIoOptimized: true, CreatedAt: at(2)})
	f.mine = srv.Image(t, &imageshare.Image{ID: "mine-tagged", Region: aliyunRegion, OwnerID: me.ID, Type: imageshare.ImageCustom,
		Name: "mine", OSName: "Ubuntu 22.04 64位", OSType: "linux", Platform: "Ubuntu", Architecture: "x86_64", SizeMB: 40960,
		Tags: []string{"llm"}, KeyTags: []imageshare.Tag{{Key: "env", Value: "prod"}, {Key: "team", Value: "ml"}}, CreatedAt: at(3)})
	f.theirs = srv.Image(t, &imageshare.Image{ID: "theirs-shared", Region: aliyunRegion, OwnerID: them.ID, Type: imageshare.ImageCustom,
		Name: "theirs", OSType: "linux", Architecture: "arm64", CreatedAt: at(4)})
	if _, err := srv.Svc.ModifyShares(context.Background(), imageshare.Caller{AccountID: them.ID},
		imageshare.ShareRequest{ImageID: f.theirs.ID, Add: []int64{me.ID}, Mode: imageshare.ShareStrictAccounts}); err != nil {
		t.Fatal(err)
	}
	return f
}

// TestAliyun_DescribeImagesFilters drives every DescribeImages filter of
// docs/aliyun.md through the classic SDK.
func TestAliyun_DescribeImagesFilters(t *testing.T) {
	f := newFilterFixture(t)
	tags := func(kv ...string) *[]ecs.DescribeImagesTag {
		var out []ecs.DescribeImagesTag
		for i := 0; i < len(kv); i += 2 {
			out = append(out, ecs.DescribeImagesTag{Key: kv[i], Value: kv[i+1]})
		}
		return &out
	}
	created := func(key, value string) *[]ecs.DescribeImagesFilter {
		return &[]ecs.DescribeImagesFilter{{Key: key, Value: value}}
	}
	for _, tc := range []struct {
		name string
		set  func(*ecs.DescribeImagesRequest)
		want []string
	}{
		{"none", func(*ecs.DescribeImagesRequest) {}, []string{"sys-ubuntu", "sys-ubuntu-arm", "sys-win", "mine-tagged", "theirs-shared"}},
		{"OSType", func(r *ecs.DescribeImagesRequest) { r.OSType = "windows" }, []string{"sys-win"}},
		{"Architecture", func(r *ecs.DescribeImagesRequest) { r.Architecture = "arm64" }, []string{"sys-ubuntu-arm", "theirs-shared"}},
		{"InstanceTypeARM", func(r *ecs.DescribeImagesRequest) { r.InstanceType = "ecs.g8y.large" }, []string{"sys-ubuntu-arm", "theirs-shared"}},
		{"InstanceTypeX86", func(r *ecs.DescribeImagesRequest) { r.InstanceType = "ecs.g7.large"; r.OSType = "linux" },
			[]string{"sys-ubuntu", "mine-tagged"}},
		{"InstanceTypeContradicts", func(r *ecs.DescribeImagesRequest) { r.InstanceType = "ecs.g7.large"; r.Architecture = "arm64" }, nil},
		{"ImageFamily", func(r *ecs.DescribeImagesRequest) { r.ImageFamily = "acs:ubuntu_22_04_arm64" }, []string{"sys-ubuntu-arm"}},
		{"TagKeyValue", func(r *ecs.DescribeImagesRequest) { r.Tag = tags("env", "prod") }, []string{"mine-tagged"}},
		{"TagWrongValue", func(r *ecs.DescribeImagesRequest) { r.Tag = tags("env", "dev") }, nil},
		{"TagKeyOnly", func(r *ecs.DescribeImagesRequest) { r.Tag = tags("team", "") }, []string{"mine-tagged"}},
		{"TagLabel", func(r *ecs.DescribeImagesRequest) { r.Tag = tags("llm", "") }, []string{"mine-tagged"}},
		{"TagsAll", func(r *ecs.DescribeImagesRequest) { r.Tag = tags("env", "prod", "team", "other") }, nil},
		{"IsSupportCloudinit", func(r *ecs.DescribeImagesRequest) { r.IsSupportCloudinit = requests.NewBoolean(true) },
			[]string{"sys-ubuntu", "sys-ubuntu-arm"}},
		{"IsSupportIoOptimizedFalse", func(r *ecs.DescribeImagesRequest) { r.IsSupportIoOptimized = requests.NewBoolean(false) },
			[]string{"mine-tagged", "theirs-shared"}},
		{"ImageOwnerId", func(r *ecs.DescribeImagesRequest) { r.ImageOwnerId = requests.NewInteger64(f.them.ID) }, []string{"theirs-shared"}},
		{"UsageNone", func(r *ecs.DescribeImagesRequest) { r.Usage = "none"; r.ImageOwnerAlias = "self" }, []string{"mine-tagged"}},
		{"UsageInstance", func(r *ecs.DescribeImagesRequest) { r.Usage = "instance" }, nil},
		{"SnapshotId", func(r *ecs.DescribeImagesRequest) { r.SnapshotId = "s-bp1abc" }, nil},
		{"ResourceGroupId", func(r *ecs.DescribeImagesRequest) { r.ResourceGroupId = "rg-acfm" }, nil},
		{"CreationStart", func(r *ecs.DescribeImagesRequest) { r.Filter = created("CreationStartTime", "2024-05-04T00:00Z") },
			[]string{"mine-tagged", "theirs-shared"}},
		{"CreationEnd", func(r *ecs.DescribeImagesRequest) { r.Filter = created("CreationEndTime", "2024-05-02T12:00Z") },
			[]string{"sys-ubuntu", "sys-ubuntu-arm"}},
		{"IsPublicFalse", func(r *ecs.DescribeImagesRequest) {
			r.IsPublic = requests.NewBoolean(false)
			r.ImageOwnerAlias = "others"
		},
			[]string{"theirs-shared"}},
		{"ActionTypeShowExpired", func(r *ecs.DescribeImagesRequest) {
			r.ActionType, r.ShowExpired, r.ImageOwnerAlias = "ChangeOS", requests.NewBoolean(true), "self"
		}, []string{"mine-tagged"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := describeImages(t, f.client, func(r *ecs.DescribeImagesRequest) { r.PageSize = requests.NewInteger(100); tc.set(r) })
			got := imageIDs(resp)
			if !slices.Equal(got, tc.want) || resp.TotalCount != len(tc.want) {
				t.Errorf("images %q (total %d), want %q", got, resp.TotalCount, tc.want)
			}
		})
	}

	t.Run("errors", func(t *testing.T) {
		for _, tc := range []struct {
			code string
			set  func(*ecs.DescribeImagesRequest)
		}{
			{"InvalidOSType", func(r *ecs.DescribeImagesRequest) { r.OSType = "beos" }},
			{"InvalidArchitecture", func(r *ecs.DescribeImagesRequest) { r.Architecture = "sparc" }},
			{"InvalidUsage", func(r *ecs.DescribeImagesRequest) { r.Usage = "sometimes" }},
			{"InvalidInstanceType.ValueNotSupported", func(r *ecs.DescribeImagesRequest) { r.InstanceType = "g7.large" }},
			{"InvalidTag.Mismatch", func(r *ecs.DescribeImagesRequest) { r.Tag = tags("", "prod") }},
			{"InvalidFilterKey.NotFound", func(r *ecs.DescribeImagesRequest) { r.Filter = created("ImageName", "x") }},
			{"InvalidFilterValue", func(r *ecs.DescribeImagesRequest) { r.Filter = created("CreationStartTime", "yesterday") }},
			{"InvalidImageOwnerAlias.ValueNotSupported", func(r *ecs.DescribeImagesRequest) { r.ImageOwnerAlias = "public" }},
			{"InvalidParameter", func(r *ecs.DescribeImagesRequest) { r.QueryParams["ImageOwnerId"] = "alice" }},
			{"InvalidParameter", func(r *ecs.DescribeImagesRequest) { r.ActionType = "Import" }},
			{"InvalidParameter", func(r *ecs.DescribeImagesRequest) { r.IsPublic = "maybe" }},
		} {
			req := ecs.CreateDescribeImagesRequest()
			tc.set(req)
			_, err := f.client.DescribeImages(req)
			wantAliyunError(t, err, tc.code, 400)
		}
	})
}

// TestAliyun_DescribeImagesFields: the OS facts, IsSelfShared,
// DiskDeviceMappings and key tags reach the classic SDK's ecs.Image.
func TestAliyun_DescribeImagesFields(t *testing.T) {
	f := newFilterFixture(t)
	byID := map[string]ecs.Image{}
	for _, im := range describeImages(t, f.client, nil).Images.Image {
		byID[im.ImageId] = im
	}
	sys := byID["sys-ubuntu"]
	if sys.OSName != "Ubuntu 22.04 64位" || sys.OSNameEn != "Ubuntu 22.04 64 bit" || sys.Platform != "Ubuntu" ||
		sys.Architecture != "x86_64" || sys.BootMode != "UEFI" || sys.ImageFamily != "acs:ubuntu_22_04_x64" ||
		sys.ImageVersion != "20240510" || !sys.IsSupportIoOptimized || !sys.IsSupportCloudinit || sys.Usage != "none" {
		t.Errorf("system image fields: %+v", sys)
	}
	if d := sys.DiskDeviceMappings.DiskDeviceMapping; len(d) != 1 || d[0].Size != "20" || d[0].Type != "system" {
		t.Errorf("DiskDeviceMappings %+v, want one system disk of 20 GiB", d)
	}
	mine := byID["mine-tagged"]
	if mine.IsSelfShared != "false" {
		t.Errorf("IsSelfShared %q before any share, want false", mine.IsSelfShared)
	}
	wantTags := []ecs.Tag{{TagKey: "env", TagValue: "prod"}, {TagKey: "team", TagValue: "ml"}, {TagKey: "llm"}}
	if got := mine.Tags.Tag; !slices.Equal(got, wantTags) {
		t.Errorf("Tags %+v, want %+v", got, wantTags)
	}
	if err := modifyShares(f.client, mine.ImageId, []string{idString(f.them.ID)}, nil); err != nil {
		t.Fatal(err)
	}
	resp := describeImages(t, f.client, func(r *ecs.DescribeImagesRequest) { r.ImageId = mine.ImageId })
	if len(resp.Images.Image) != 1 || resp.Images.Image[0].IsSelfShared != "true" {
		t.Errorf("IsSelfShared after a share: %+v", resp.Images.Image)
	}
}

// TestAliyun_DescribeImagesTeaV2 sends filters and reads the new fields
// through the Tea SDK (classic signature: its V3 one is another branch's
// work, docs/aliyun.md).
func TestAliyun_DescribeImagesTeaV2(t *testing.T) {
	f := newFilterFixture(t)
	c := teaECSClient(t, f.srv, mustKeyOf(t, f))
	c.SignatureAlgorithm = dara.String("v2")
	r, err := c.DescribeImages(&teaecs.DescribeImagesRequest{RegionId: dara.String(aliyunRegion),
		Tag:          []*teaecs.DescribeImagesRequestTag{{Key: dara.String("env"), Value: dara.String("prod")}},
		Architecture: dara.String("x86_64")})
	if err != nil {
		t.Fatalf("DescribeImages: %v", err)
	}
	if len(r.Body.Images.Image) != 1 {
		t.Fatalf("DescribeImages: %s", dara.Prettify(r.Body))
	}
	im := r.Body.Images.Image[0]
	if dara.StringValue(im.ImageId) != f.mine.ID || dara.StringValue(im.Architecture) != "x86_64" ||
		dara.StringValue(im.Platform) != "Ubuntu" || dara.StringValue(im.IsSelfShared) != "false" ||
		len(im.DiskDeviceMappings.DiskDeviceMapping) != 1 || dara.StringValue(im.DiskDeviceMappings.DiskDeviceMapping[0].Size) != "40" {
		t.Errorf("image: %s", dara.Prettify(im))
	}
	_, err = c.DescribeImages(&teaecs.DescribeImagesRequest{RegionId: dara.String(aliyunRegion), Usage: dara.String("often")})
	if status, code := teaErrorStatus(err); status != 400 || code != "InvalidUsage" {
		t.Errorf("Usage=often: %d %s, want 400 InvalidUsage", status, code)
	}
}

// mustKeyOf is an access key of the fixture's first account.
func mustKeyOf(t *testing.T, f *filterFixture) *imageshare.AccessKey {
	t.Helper()
	keys, err := f.srv.Store.ListAccessKeys(context.Background(), f.me.ID)
	if err != nil || len(keys) == 0 {
		t.Fatalf("keys of %d: %v", f.me.ID, err)
	}
	return keys[0]
}
