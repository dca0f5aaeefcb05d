package core_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/imageshare/imageshare"
)

func (e *env) makeImage(t *testing.T, c imageshare.Caller, inst string, r imageshare.MakeImageRequest) *imageshare.Image {
	t.Helper()
	r.Region, r.InstanceID = "cn-wlcb", inst
	im, err := e.svc.MakeImage(context.Background(), c, r)
	ok(t, err)
	return im
}

// A DryRun of each workflow change checks and changes nothing.
func TestWorkflow_DryRunsChangeNothing(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, 0)
	alice, inst := e.user(t, "alice@example.com")
	im, err := e.svc.MakeImage(ctx, alice, imageshare.MakeImageRequest{Region: "cn-wlcb", InstanceID: inst, Name: "dry", DryRun: true, ClientToken: "t"})
	ok(t, err)
	if im != nil {
		t.Fatalf("a dry make returned %+v", im)
	}
	if _, n, _ := e.store.FindImages(ctx, imageshare.ImageFilter{Scope: imageshare.ScopeOwned, AccountID: alice.AccountID}); n != 0 {
		t.Fatalf("a dry make stored %d images", n)
	}
	if _, err := e.store.FindIdempotencyKey(ctx, imageshare.IdempotencyKey{AccountID: alice.AccountID, Token: "t"}); !imageshare.IsKind(err, imageshare.KindNotFound) {
		t.Fatalf("a dry make claimed its token: %v", err)
	}
	im = e.makeImage(t, alice, inst, imageshare.MakeImageRequest{Name: "real", KeyTags: []imageshare.Tag{{Key: "a", Value: "1"}}})
	name, dep := "renamed", true
	_, err = e.svc.ChangeImage(ctx, alice, im.ID, "cn-wlcb", imageshare.ImageChange{Name: &name, Deprecated: &dep, DryRun: true})
	ok(t, err)
	_, err = e.svc.ChangeImageTags(ctx, alice, im.ID, "cn-wlcb", imageshare.TagChange{RemoveAll: true, DryRun: true})
	ok(t, err)
	copies, err := e.svc.CopyImage(ctx, alice, imageshare.CopyImageRequest{ImageID: im.ID, Region: "cn-wlcb", DestRegions: []string{"bj"}, DryRun: true})
	ok(t, err)
	got, err := e.svc.GetImage(ctx, alice, im.ID)
	ok(t, err)
	if copies != nil || got.Name != "real" || got.Status != imageshare.StatusAvailable || len(got.KeyTags) != 1 {
		t.Fatalf("after dry runs: copies %v, image %q %s tags %v", copies, got.Name, got.Status, got.KeyTags)
	}
}

// Tag changes: removals then sets, the 20-tag bound counted on the
// result, reserved prefixes refused.
func TestWorkflow_TagRules(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, 0)
	alice, inst := e.user(t, "alice@example.com")
	im := e.makeImage(t, alice, inst, imageshare.MakeImageRequest{Name: "tags"})
	var set []imageshare.Tag
	for i := range 20 {
		set = append(set, imageshare.Tag{Key: fmt.Sprintf("k%02d", i), Value: "v"})
	}
	got, err := e.svc.ChangeImageTags(ctx, alice, im.ID, "", imageshare.TagChange{Set: set})
	ok(t, err)
	if len(got.KeyTags) != 20 {
		t.Fatalf("%d tags", len(got.KeyTags))
	}
	_, err = e.svc.ChangeImageTags(ctx, alice, im.ID, "", imageshare.TagChange{Set: []imageshare.Tag{{Key: "one-more"}}})
	wantErr(t, err, imageshare.KindLimitExceeded, imageshare.ReasonTagQuota)
	// Replacing one within the bound passes: removals count first.
	got, err = e.svc.ChangeImageTags(ctx, alice, im.ID, "", imageshare.TagChange{Remove: []string{"k00"}, Set: []imageshare.Tag{{Key: "one-more"}, {Key: "k01", Value: "new"}}})
	ok(t, err)
	if len(got.KeyTags) != 20 || got.KeyTags[0] != (imageshare.Tag{Key: "k01", Value: "new"}) {
		t.Fatalf("tags %v", got.KeyTags)
	}
	for _, bad := range []imageshare.Tag{{Key: ""}, {Key: "Aliyun-x"}, {Key: "acs:x"}, {Key: "x", Value: "see https://x"}, {Key: string(make([]byte, 129))}} {
		_, err := e.svc.ChangeImageTags(ctx, alice, im.ID, "", imageshare.TagChange{Set: []imageshare.Tag{bad}})
		if !imageshare.IsKind(err, imageshare.KindInvalid) {
			t.Errorf("tag %q=%q: %v, want invalid", bad.Key, bad.Value, err)
		}
	}
	_, err = e.svc.MakeImage(ctx, alice, imageshare.MakeImageRequest{Region: "cn-wlcb", InstanceID: inst, Name: "dup-tags",
		KeyTags: []imageshare.Tag{{Key: "a"}, {Key: "a"}}})
	wantErr(t, err, imageshare.KindInvalid, imageshare.ReasonInvalidTagKey)
}

// Copies: all or none across regions; a consumer copies an image shared
// with it, not a public one; the copy keeps the OS facts, not the shares.
func TestWorkflow_Copy(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, 0)
	alice, inst := e.user(t, "alice@example.com")
	bob, _ := e.user(t, "bob@example.com")
	src := e.makeImage(t, alice, inst, imageshare.MakeImageRequest{Name: "src", ImageFamily: "fam", Architecture: imageshare.ArchARM64, BootMode: imageshare.BootUEFI})
	// "src-bj" is taken: the second copy fails, and the first is undone.
	e.makeImage(t, alice, inst, imageshare.MakeImageRequest{Name: "src-bj"})
	_, err := e.svc.CopyImage(ctx, alice, imageshare.CopyImageRequest{ImageID: src.ID, Region: "cn-wlcb", DestRegions: []string{"cn-wlcb", "bj"}, Name: "src"})
	wantErr(t, err, imageshare.KindConflict, imageshare.ReasonDuplicateName)
	if _, n, _ := e.store.FindImages(ctx, imageshare.ImageFilter{Scope: imageshare.ScopeOwned, AccountID: alice.AccountID}); n != 2 {
		t.Fatalf("a failed copy left %d images, want the 2 made", n)
	}
	_, err = e.svc.CopyImage(ctx, bob, imageshare.CopyImageRequest{ImageID: src.ID, Region: "cn-wlcb", DestRegions: []string{"bj"}})
	wantErr(t, err, imageshare.KindNotFound, imageshare.ReasonImageNotFound)
	pub := true
	_, err = e.svc.ModifyShares(ctx, alice, imageshare.ShareRequest{ImageID: src.ID, SetPublic: &pub})
	ok(t, err)
	_, err = e.svc.CopyImage(ctx, bob, imageshare.CopyImageRequest{ImageID: src.ID, Region: "cn-wlcb", DestRegions: []string{"bj"}})
	wantErr(t, err, imageshare.KindForbidden, imageshare.ReasonNotCustomImage)
	_, err = e.svc.ModifyShares(ctx, alice, imageshare.ShareRequest{ImageID: src.ID, Add: []int64{bob.AccountID}})
	ok(t, err)
	copies, err := e.svc.CopyImage(ctx, bob, imageshare.CopyImageRequest{ImageID: src.ID, Region: "cn-wlcb", DestRegions: []string{"bj"}})
	ok(t, err)
	cp := copies[0]
	if cp.OwnerID != bob.AccountID || cp.Region != "bj" || cp.Name != "src" || cp.ImageFamily != "fam" || cp.Architecture != imageshare.ArchARM64 ||
		cp.BootMode != imageshare.BootUEFI || cp.IsPublic || cp.HasShares {
		t.Fatalf("bob's copy %+v", cp)
	}
	_, err = e.svc.CopyImage(ctx, bob, imageshare.CopyImageRequest{ImageID: src.ID, Region: "cn-wlcb", DestRegions: []string{"nowhere"}})
	wantErr(t, err, imageshare.KindInvalid, imageshare.ReasonRegionNotFound)
}

// Cancelling: only while Making; a build that is due is finished, not cancelled.
func TestWorkflow_CancelCopy(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, 10*time.Second)
	alice, inst := e.user(t, "alice@example.com")
	src := e.makeImage(t, alice, inst, imageshare.MakeImageRequest{Name: "src"})
	e.clock.Add(10 * time.Second)
	copies, err := e.svc.CopyImage(ctx, alice, imageshare.CopyImageRequest{ImageID: src.ID, Region: "cn-wlcb", DestRegions: []string{"bj", "cn-wlcb"}})
	ok(t, err)
	ok(t, e.svc.CancelCopyImage(ctx, alice, copies[0].ID, "bj", false))
	if _, err := e.store.FindImageByID(ctx, copies[0].ID); !imageshare.IsKind(err, imageshare.KindNotFound) {
		t.Fatalf("cancelled copy: %v", err)
	}
	e.clock.Add(10 * time.Second) // the second copy is due: finished on read
	err = e.svc.CancelCopyImage(ctx, alice, copies[1].ID, "cn-wlcb", false)
	wantErr(t, err, imageshare.KindConflict, imageshare.ReasonCopyFinished)
	im, err := e.store.FindImageByID(ctx, copies[1].ID)
	ok(t, err)
	if im.Status != imageshare.StatusAvailable {
		t.Fatalf("a due copy is %s after a refused cancel", im.Status)
	}
}

// The family's image: the newest Available one the caller may use;
// deprecated images are skipped, and restoring one brings it back.
func TestWorkflow_ImageFromFamily(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, 0)
	alice, inst := e.user(t, "alice@example.com")
	bob, _ := e.user(t, "bob@example.com")
	old := e.makeImage(t, alice, inst, imageshare.MakeImageRequest{Name: "old", ImageFamily: "f"})
	e.clock.Add(time.Second)
	newer := e.makeImage(t, alice, inst, imageshare.MakeImageRequest{Name: "newer", ImageFamily: "f"})
	got, err := e.svc.ImageFromFamily(ctx, alice, "cn-wlcb", "f")
	ok(t, err)
	if got.ID != newer.ID {
		t.Fatalf("family image %s, want the newer %s", got.ID, newer.ID)
	}
	dep := true
	_, err = e.svc.ChangeImage(ctx, alice, newer.ID, "", imageshare.ImageChange{Deprecated: &dep})
	ok(t, err)
	if got, err = e.svc.ImageFromFamily(ctx, alice, "cn-wlcb", "f"); err != nil || got.ID != old.ID {
		t.Fatalf("after deprecating the newer: %v %v, want the old %s", got, err, old.ID)
	}
	_, err = e.svc.ImageFromFamily(ctx, bob, "cn-wlcb", "f")
	wantErr(t, err, imageshare.KindNotFound, imageshare.ReasonImageNotFound)
	_, err = e.svc.ModifyShares(ctx, alice, imageshare.ShareRequest{ImageID: newer.ID, Add: []int64{bob.AccountID}})
	ok(t, err)
	if got, err = e.svc.ImageFromFamily(ctx, bob, "cn-wlcb", "f"); !imageshare.IsKind(err, imageshare.KindNotFound) {
		t.Fatalf("a deprecated image shared with bob is his family image: %v %v", got, err)
	}
	undep := false
	_, err = e.svc.ChangeImage(ctx, alice, newer.ID, "", imageshare.ImageChange{Deprecated: &undep})
	ok(t, err)
	if got, err = e.svc.ImageFromFamily(ctx, bob, "cn-wlcb", "f"); err != nil || got.ID != newer.ID {
		t.Fatalf("restored and shared: %v %v, want %s", got, err, newer.ID)
	}
}
