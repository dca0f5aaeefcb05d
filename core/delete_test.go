package core_test

import (
	"context"
	"testing"
	"time"

	"github.com/imageshare/imageshare"
)

// One delete rule for every dialect (Alibaba's and BCC's DeleteImage,
// UCloud's TerminateCompShareCustomImage): another tenant's image is not
// found like a missing id; a platform image is not deletable; an image
// still being created can be neither deleted (with or without force) nor
// have its shares changed, until its build is done; a build that is due
// is completed first, so it never blocks.
func TestDelete_Rules(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, 10*time.Second)
	alice, inst := e.user(t, "alice@example.com")
	bob, _ := e.user(t, "bob@example.com")
	sys := &imageshare.Image{ID: "sys-1", Region: "cn-wlcb", Type: imageshare.ImageSystem, Status: imageshare.StatusAvailable,
		Name: "ubuntu", CreatedAt: e.clock.Now()}
	ok(t, e.store.CreateImage(ctx, sys))

	for _, force := range []bool{false, true} {
		wantErr(t, e.svc.DeleteImage(ctx, alice, "sys-1", "cn-wlcb", force), imageshare.KindForbidden, imageshare.ReasonNotDeletable)
		// A platform image of another region does not exist there.
		wantErr(t, e.svc.DeleteImage(ctx, alice, "sys-1", "bj", force), imageshare.KindNotFound, imageshare.ReasonImageNotFound)
		wantErr(t, e.svc.DeleteImage(ctx, alice, "missing", "cn-wlcb", force), imageshare.KindNotFound, imageshare.ReasonImageNotFound)
	}
	wantErr(t, e.svc.TerminateCustomImage(ctx, alice, "sys-1", "cn-wlcb"), imageshare.KindForbidden, imageshare.ReasonNotDeletable)

	im := e.make(t, alice, inst, "model") // Making for 10s
	// Bob's attempts are a missing id's, and change nothing.
	wantErr(t, e.svc.DeleteImage(ctx, bob, im.ID, "cn-wlcb", true), imageshare.KindNotFound, imageshare.ReasonImageNotFound)
	wantErr(t, e.svc.TerminateCustomImage(ctx, bob, im.ID, "cn-wlcb"), imageshare.KindNotFound, imageshare.ReasonImageNotFound)

	for _, force := range []bool{false, true} {
		wantErr(t, e.svc.DeleteImage(ctx, alice, im.ID, "cn-wlcb", force), imageshare.KindConflict, imageshare.ReasonImageCreating)
	}
	wantErr(t, e.svc.TerminateCustomImage(ctx, alice, im.ID, "cn-wlcb"), imageshare.KindConflict, imageshare.ReasonImageCreating)
	yes := true
	for _, r := range []imageshare.ShareRequest{
		{ImageID: im.ID, Region: "cn-wlcb", Add: []int64{bob.AccountID}},
		{ImageID: im.ID, Region: "cn-wlcb", Remove: []int64{bob.AccountID}},
		{ImageID: im.ID, Region: "cn-wlcb", SetPublic: &yes},
	} {
		_, err := e.svc.ModifyShares(ctx, alice, r)
		wantErr(t, err, imageshare.KindConflict, imageshare.ReasonImageCreating)
	}
	got, err := e.svc.GetImage(ctx, alice, im.ID)
	ok(t, err)
	if got.Status != imageshare.StatusMaking || got.IsPublic {
		t.Fatalf("after the refusals: %s, public %v; want Making, private", got.Status, got.IsPublic)
	}

	// Once the build is due (no read has completed it yet), a share and
	// a delete complete it and go ahead.
	e.clock.Add(10 * time.Second)
	_, err = e.svc.ModifyShares(ctx, alice, imageshare.ShareRequest{ImageID: im.ID, Region: "cn-wlcb", Add: []int64{bob.AccountID}})
	ok(t, err)
	wantErr(t, e.svc.DeleteImage(ctx, alice, im.ID, "cn-wlcb", false), imageshare.KindConflict, imageshare.ReasonImageShared)
	ok(t, e.svc.DeleteImage(ctx, alice, im.ID, "cn-wlcb", true))

	due := e.make(t, alice, inst, "due")
	e.clock.Add(10 * time.Second)
	ok(t, e.svc.DeleteImage(ctx, alice, due.ID, "cn-wlcb", false))
	due = e.make(t, alice, inst, "due-terminated")
	e.clock.Add(10 * time.Second)
	ok(t, e.svc.TerminateCustomImage(ctx, alice, due.ID, "cn-wlcb"))
}

// A public image's delete refusal says it is public: its explicit share
// list may be empty, so "shared with other accounts" alone would not
// tell the owner what to undo.
func TestDelete_PublicImageSaysPublic(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, 0)
	alice, inst := e.user(t, "alice@example.com")
	im := e.make(t, alice, inst, "model")
	yes := true
	_, err := e.svc.ModifyShares(ctx, alice, imageshare.ShareRequest{ImageID: im.ID, Region: "cn-wlcb", SetPublic: &yes})
	ok(t, err)
	err = e.svc.DeleteImage(ctx, alice, im.ID, "cn-wlcb", false)
	wantErr(t, err, imageshare.KindConflict, imageshare.ReasonImageShared)
	if msg := imageshare.ErrorMessage(err); msg != `image "`+im.ID+`" is public (shared with every account); make it private first` {
		t.Errorf("message = %q", msg)
	}
}
