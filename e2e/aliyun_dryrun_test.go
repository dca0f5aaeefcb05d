package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/app"
	"github.com/imageshare/imageshare/app/apptest"
	"github.com/imageshare/imageshare/app/transfer"
	"github.com/imageshare/imageshare/dialect/aliyun"
)

// exportState is the store's export (app/transfer), the whole of its data,
// without what a call must change to be authenticated at all: the nonce
// it spent (the nonces table and its row count) and the export's own
// header (its time). Two equal exports mean the calls in between changed
// no image, share, account, key or policy.
func exportState(t *testing.T, srv *apptest.Server) string {
	t.Helper()
	var buf bytes.Buffer
	if _, err := transfer.Export(context.Background(), srv.Main.Config.DB, &buf); err != nil {
		t.Fatalf("export: %v", err)
	}
	var out strings.Builder
	sc := bufio.NewScanner(&buf)
	sc.Buffer(nil, 1<<24)
	table := ""
	for first := true; sc.Scan(); first = false {
		line := sc.Text()
		if first {
			continue // the header: format, source, exported_at
		}
		if strings.HasPrefix(line, "{") {
			var m struct {
				Table string         `json:"table"`
				End   bool           `json:"end"`
				Rows  map[string]int `json:"rows"`
			}
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				t.Fatalf("export line %q: %v", line, err)
			}
			if m.Table != "" {
				table = m.Table
			}
			if m.End {
				delete(m.Rows, "nonces")
				b, _ := json.Marshal(m.Rows)
				line = "end " + string(b)
			}
		}
		if table == "nonces" {
			continue
		}
		out.WriteString(line)
		out.WriteByte('\n')
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"images"`) {
		t.Fatalf("the export has no images table:\n%s", out.String())
	}
	return out.String()
}

// dryRunFixture is a server with a share cap of 2 and, for the owner: an
// unshared image, an image shared with B, an image at the cap (B and C),
// another tenant's image, and a sub-user with no policy.
type dryRunFixture struct {
	srv                       *apptest.Server
	owner, b, c, x            *imageshare.Account
	key, noneKey              *imageshare.AccessKey
	plain, shared, full, xImg *imageshare.Image
	// For the image workflow's cases: the owner's instance, an image
	// still being made and an image with a key tag.
	inst           string
	making, tagged *imageshare.Image
	// sys is a platform image; running and stopped are the owner's
	// instances (instances_aliyun_dryrun_test.go).
	sys              *imageshare.Image
	running, stopped string
}

func newDryRunFixture(t *testing.T) *dryRunFixture {
	t.Helper()
	ctx := context.Background()
	f := &dryRunFixture{srv: apptest.Start(t, func(c *app.Config) { c.MaxSharesPerImage = 2 })}
	srv := f.srv
	f.owner, f.key = srv.Account(t, "")
	f.b, _ = srv.Account(t, "")
	f.c, _ = srv.Account(t, "")
	f.x, _ = srv.Account(t, "")
	f.plain = customImage(t, srv, f.owner, aliyunRegion)
	f.shared = customImage(t, srv, f.owner, aliyunRegion)
	f.full = customImage(t, srv, f.owner, aliyunRegion)
	f.xImg = customImage(t, srv, f.x, aliyunRegion)
	owner := imageshare.Caller{AccountID: f.owner.ID}
	for im, add := range map[*imageshare.Image][]int64{f.shared: {f.b.ID}, f.full: {f.b.ID, f.c.ID}} {
		if _, err := srv.Svc.ModifyShares(ctx, owner, imageshare.ShareRequest{ImageID: im.ID, Add: add}); err != nil {
			t.Fatal(err)
		}
	}
	f.inst = ownInstance(t, srv, f.owner, aliyunRegion)
	f.making = creatingImage(t, srv, f.owner, aliyunRegion)
	f.tagged = srv.Image(t, &imageshare.Image{Region: aliyunRegion, OwnerID: f.owner.ID, Type: imageshare.ImageCustom,
		Name: "tagged", KeyTags: []imageshare.Tag{{Key: "env", Value: "prod"}}})
	u, err := srv.Svc.CreateUser(ctx, f.owner.ID, "none")
	mustOK(t, err)
	if f.noneKey, err = srv.Svc.CreateUserKey(ctx, u); err != nil {
		t.Fatal(err)
	}
	f.addInstances(t)
	return f
}

// Every served Alibaba write, with DryRun=true, through both SDKs: a call
// that would succeed answers 400 DryRunOperation, one that would fail gets
// that failure, and neither changes the store (its export is the same,
// nonces aside). The same call without DryRun then does what the dry run
// said: succeeds, or fails with the same error.
func TestAliyun_DryRun(t *testing.T) {
	on := true
	type dryCase struct {
		name, action string
		sub          bool // sent by the sub-user with no policy
		call         func(f *dryRunFixture, d ecsDriver, dry bool) error
		want         string // the real call's outcome: "ok" or "STATUS Code"
	}
	cases := []dryCase{
		{"share", "ModifyImageSharePermission", false, func(f *dryRunFixture, d ecsDriver, dry bool) error {
			return d.share(f.plain.ID, []int64{f.b.ID}, nil, nil, dry)
		}, "ok"},
		{"unshare", "ModifyImageSharePermission", false, func(f *dryRunFixture, d ecsDriver, dry bool) error {
			return d.share(f.shared.ID, nil, []int64{f.b.ID}, nil, dry)
		}, "ok"},
		{"public", "ModifyImageSharePermission", false, func(f *dryRunFixture, d ecsDriver, dry bool) error {
			return d.share(f.plain.ID, nil, nil, &on, dry)
		}, "ok"},
		{"swap at the cap", "ModifyImageSharePermission", false, func(f *dryRunFixture, d ecsDriver, dry bool) error {
			return d.share(f.full.ID, []int64{f.x.ID}, []int64{f.b.ID}, nil, dry)
		}, "ok"},
		{"nothing to change", "ModifyImageSharePermission", false, func(f *dryRunFixture, d ecsDriver, dry bool) error {
			return d.share(f.plain.ID, nil, nil, nil, dry)
		}, "ok"},
		{"delete", "DeleteImage", false, func(f *dryRunFixture, d ecsDriver, dry bool) error {
			return d.deleteImage(f.plain.ID, false, dry)
		}, "ok"},
		{"delete shared, forced", "DeleteImage", false, func(f *dryRunFixture, d ecsDriver, dry bool) error {
			return d.deleteImage(f.shared.ID, true, dry)
		}, "ok"},

		{"share another tenant's image", "ModifyImageSharePermission", false, func(f *dryRunFixture, d ecsDriver, dry bool) error {
			return d.share(f.xImg.ID, []int64{f.b.ID}, nil, nil, dry)
		}, "404 InvalidImageId.NotFound"},
		{"over the share cap", "ModifyImageSharePermission", false, func(f *dryRunFixture, d ecsDriver, dry bool) error {
			return d.share(f.full.ID, []int64{f.x.ID}, nil, nil, dry)
		}, "403 QuotaExceed.ShareImageUser"},
		{"share with the owner", "ModifyImageSharePermission", false, func(f *dryRunFixture, d ecsDriver, dry bool) error {
			return d.share(f.plain.ID, []int64{f.owner.ID}, nil, nil, dry)
		}, "404 InvalidAccount.Forbbiden"},
		{"share with nobody known", "ModifyImageSharePermission", false, func(f *dryRunFixture, d ecsDriver, dry bool) error {
			return d.share(f.plain.ID, []int64{999999999}, nil, nil, dry)
		}, "404 InvalidAccount.NotFound"},
		{"sub-user without a policy", "ModifyImageSharePermission", true, func(f *dryRunFixture, d ecsDriver, dry bool) error {
			return d.share(f.plain.ID, []int64{f.b.ID}, nil, nil, dry)
		}, "403 Forbidden.RAM"},
		{"delete shared without Force", "DeleteImage", false, func(f *dryRunFixture, d ecsDriver, dry bool) error {
			return d.deleteImage(f.shared.ID, false, dry)
		}, "403 ImageUseShared"},
		// ECS ignores the delete of a missing image, and another tenant's
		// looks missing (docs/aliyun.md): it succeeds, changing nothing.
		{"delete another tenant's image", "DeleteImage", false, func(f *dryRunFixture, d ecsDriver, dry bool) error {
			return d.deleteImage(f.xImg.ID, true, dry)
		}, "ok"},
		{"delete by a sub-user without a policy", "DeleteImage", true, func(f *dryRunFixture, d ecsDriver, dry bool) error {
			return d.deleteImage(f.plain.ID, true, dry)
		}, "403 Forbidden.RAM"},
	}
	// The image workflow's writes (docs/aliyun.md "The image workflow").
	wf := func(action string, a func(f *dryRunFixture) wfArgs) func(f *dryRunFixture, d ecsDriver, dry bool) error {
		return func(f *dryRunFixture, d ecsDriver, dry bool) error {
			_, err := d.wf(action, a(f), dry)
			return err
		}
	}
	for _, c := range []struct {
		name, action string
		args         func(f *dryRunFixture) wfArgs
		want         string
	}{
		{"make", "CreateImage", func(f *dryRunFixture) wfArgs { return wfArgs{InstanceID: f.inst, Name: "dry-made"} }, "ok"},
		{"make from a missing instance", "CreateImage", func(f *dryRunFixture) wfArgs { return wfArgs{InstanceID: "i-missing", Name: "dry-made"} }, "404 InvalidInstanceId.NotFound"},
		{"rename", "ModifyImageAttribute", func(f *dryRunFixture) wfArgs { return wfArgs{ImageID: f.plain.ID, Name: "dry-renamed"} }, "ok"},
		{"rename another tenant's image", "ModifyImageAttribute", func(f *dryRunFixture) wfArgs { return wfArgs{ImageID: f.xImg.ID, Name: "dry-renamed"} }, "404 InvalidImageId.NotFound"},
		{"copy", "CopyImage", func(f *dryRunFixture) wfArgs { return wfArgs{ImageID: f.plain.ID, Dest: "cn-wlcb", Name: "dry-copy"} }, "ok"},
		{"copy to an unserved region", "CopyImage", func(f *dryRunFixture) wfArgs { return wfArgs{ImageID: f.plain.ID, Dest: "mars-1"} }, "400 InvalidRegionId.Malformed"},
		{"cancel a copy", "CancelCopyImage", func(f *dryRunFixture) wfArgs { return wfArgs{ImageID: f.making.ID} }, "ok"},
		{"cancel a made image", "CancelCopyImage", func(f *dryRunFixture) wfArgs { return wfArgs{ImageID: f.plain.ID} }, "403 IncorrectImageStatus"},
		{"tag", "TagResources", func(f *dryRunFixture) wfArgs { return wfArgs{ImageID: f.plain.ID, TagKey: "k", TagValue: "v"} }, "ok"},
		{"tag with a reserved key", "TagResources", func(f *dryRunFixture) wfArgs { return wfArgs{ImageID: f.plain.ID, TagKey: "acs:k"} }, "400 InvalidTagKey.Malformed"},
		{"untag", "UntagResources", func(f *dryRunFixture) wfArgs { return wfArgs{ImageID: f.tagged.ID, TagKey: "env"} }, "ok"},
		{"untag another tenant's image", "UntagResources", func(f *dryRunFixture) wfArgs { return wfArgs{ImageID: f.xImg.ID, All: true} }, "404 InvalidImageId.NotFound"},
		{"add tags", "AddTags", func(f *dryRunFixture) wfArgs { return wfArgs{ImageID: f.plain.ID, TagKey: "k"} }, "ok"},
		{"add tags to another resource type", "AddTags", func(f *dryRunFixture) wfArgs { return wfArgs{ImageID: f.plain.ID, TagKey: "k", ResourceType: "disk"} }, "400 InvalidResourceType.NotFound"},
		{"remove tags", "RemoveTags", func(f *dryRunFixture) wfArgs { return wfArgs{ImageID: f.tagged.ID} }, "ok"},
		{"remove another tenant's tags", "RemoveTags", func(f *dryRunFixture) wfArgs { return wfArgs{ImageID: f.xImg.ID} }, "404 InvalidImageId.NotFound"},
	} {
		cases = append(cases, dryCase{c.name, c.action, false, wf(c.action, c.args), c.want})
	}

	for _, c := range instanceDryRunCases() {
		cases = append(cases, dryCase(c))
	}
	// Every action that writes has a dry run that passes and one that fails.
	for _, a := range aliyun.WriteActions() {
		var pass, fail bool
		for _, c := range cases {
			if c.action == a {
				pass, fail = pass || c.want == "ok", fail || c.want != "ok"
			}
		}
		if !pass || !fail {
			t.Errorf("%s writes, but the DryRun cases lack a passing (%v) or failing (%v) one", a, pass, fail)
		}
	}
	// Calls that succeed without changing anything.
	// A reboot is Running to Running when transitions take no time.
	changesNothing := map[string]bool{"nothing to change": true, "delete another tenant's image": true, "reboot": true, "reboot many": true}
	for _, sdk := range []string{"tea", "classic"} {
		for _, tc := range cases {
			t.Run(sdk+"/"+tc.name, func(t *testing.T) {
				f := newDryRunFixture(t)
				key := f.key
				if tc.sub {
					key = f.noneKey
				}
				d, _ := sdkDriver(t, f.srv, key, sdk)
				before := exportState(t, f.srv)
				dryErr := tc.call(f, d, true)
				if errors.Is(dryErr, errNoDryRun) {
					t.Skipf("the %s SDK has no DryRun for %s (docs/aliyun.md)", sdk, tc.action)
				}
				got := outcome(dryErr)
				wantDry := tc.want
				if wantDry == "ok" {
					wantDry = "400 DryRunOperation"
				}
				if got != wantDry {
					t.Fatalf("DryRun: %s, want %s", got, wantDry)
				}
				if after := exportState(t, f.srv); after != before {
					t.Fatalf("DryRun changed the store:\n%s", firstDiff(before, after))
				}
				if got := outcome(tc.call(f, d, false)); got != tc.want {
					t.Fatalf("the same call without DryRun: %s, want %s", got, tc.want)
				}
				if after := exportState(t, f.srv); (after != before) != (tc.want == "ok" && !changesNothing[tc.name]) {
					t.Fatalf("the real call (%s) changed the store: %v", tc.want, after != before)
				}
			})
		}
	}
	if !slices.Contains(aliyun.WriteActions(), "DeleteImage") {
		t.Fatal("DeleteImage is not a write in the action table")
	}
}
