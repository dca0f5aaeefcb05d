package core_test

import (
	"context"
	"testing"
	"time"

	"github.com/imageshare/imageshare"
)

// A share call on a platform image answers "not shareable" whatever the
// dialect: every caller sees platform images, so saying so leaks nothing,
// and the rule is the core's alone (before, UCloud said "not found" and
// Baidu looked the image up again to say "not shareable"). Another
// tenant's custom image, and a platform image of another region, stay
// not found.
func TestShares_PlatformImageNotShareable(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, -1)
	alice, inst := e.user(t, "alice@example.com")
	bob, _ := e.user(t, "bob@example.com")
	for _, typ := range []imageshare.ImageType{imageshare.ImageSystem, imageshare.ImageApp} {
		im := &imageshare.Image{ID: "platform-" + string(typ), Region: "cn-wlcb", Type: typ, Status: imageshare.StatusAvailable,
			Name: string(typ), CreatedAt: time.Now().UTC()}
		ok(t, e.store.CreateImage(ctx, im))
		_, err := e.svc.ModifyShares(ctx, alice, imageshare.ShareRequest{ImageID: im.ID, Region: "cn-wlcb", Add: []int64{bob.AccountID}})
		wantErr(t, err, imageshare.KindForbidden, imageshare.ReasonNotShareable)
		_, err = e.svc.DescribeShares(ctx, alice, im.ID, "cn-wlcb", imageshare.Page{})
		wantErr(t, err, imageshare.KindForbidden, imageshare.ReasonNotShareable)
		_, err = e.svc.ModifyShares(ctx, alice, imageshare.ShareRequest{ImageID: im.ID, Region: "bj", Add: []int64{bob.AccountID}})
		wantErr(t, err, imageshare.KindNotFound, imageshare.ReasonImageNotFound)
	}
	theirs := e.make(t, alice, inst, "mine")
	_, err := e.svc.ModifyShares(ctx, bob, imageshare.ShareRequest{ImageID: theirs.ID, Region: "cn-wlcb", Add: []int64{alice.AccountID}})
	wantErr(t, err, imageshare.KindNotFound, imageshare.ReasonImageNotFound)
	_, err = e.svc.DescribeShares(ctx, bob, theirs.ID, "cn-wlcb", imageshare.Page{})
	wantErr(t, err, imageshare.KindNotFound, imageshare.ReasonImageNotFound)
}
