package core_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/core"
)

// The launch permission as a table: every image type × the caller's
// relation to the image × the image's state, launched through the
// service over a real store. A refusal must be the error a missing image
// gets, word for word but the id. (No image state is called Deprecated in
// this model; Reviewing and Offline are the community's pending and
// unpublished states.)
func TestLaunchPermission(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, 0)
	owner, _ := e.user(t, "owner@example.com")
	caller, _ := e.user(t, "caller@example.com")

	type relation string
	const (
		own      relation = "owner"
		shared   relation = "shared"
		public   relation = "public"   // IsPublic (Alibaba) for Custom; listed (Visibility 1) for Community
		visible  relation = "visible"  // CompShare's Visibility 1 on a Custom image
		hidden   relation = "hidden"   // a Community version its publisher hid (Visibility 0)
		stranger relation = "stranger" // none of the above
	)
	// allowed lists what may be launched while the image is Available;
	// nothing may be launched in any other state.
	allowed := map[imageshare.ImageType]map[relation]bool{
		imageshare.ImageSystem:    {stranger: true},
		imageshare.ImageApp:       {stranger: true},
		imageshare.ImageCustom:    {own: true, shared: true, public: true, visible: true, stranger: false},
		imageshare.ImageCommunity: {own: true, public: true, hidden: false, stranger: false},
	}
	states := []imageshare.ImageStatus{imageshare.StatusMaking, imageshare.StatusAvailable, imageshare.StatusUnAvailable,
		imageshare.StatusReviewing, imageshare.StatusOffline}

	_, missing := e.svc.LaunchInstances(ctx, caller, imageshare.LaunchRequest{Region: "cn-wlcb", ImageID: "img-missing", DryRun: true})
	wantErr(t, missing, imageshare.KindNotFound, imageshare.ReasonImageNotFound)
	n := 0
	for typ, rels := range allowed {
		for rel, okAvailable := range rels {
			for _, st := range states {
				n++
				im := &imageshare.Image{ID: fmt.Sprintf("img-%d", n), Region: "cn-wlcb", Type: typ, Status: st, Name: "x", CreatedAt: e.clock.Now()}
				if typ == imageshare.ImageCustom || typ == imageshare.ImageCommunity {
					im.OwnerID = owner.AccountID
				}
				if st == imageshare.StatusMaking {
					// A build not yet due (one without a due time is finished on read).
					im.BuildStartedAt, im.BuildDoneAt = e.clock.Now(), e.clock.Now().Add(time.Hour)
				}
				switch rel {
				case own:
					im.OwnerID = caller.AccountID
				case public:
					im.IsPublic, im.Visibility = typ == imageshare.ImageCustom, 1
					if typ == imageshare.ImageCustom {
						im.Visibility = 0
					}
				case visible:
					im.Visibility = 1
				}
				ok(t, e.store.CreateImage(ctx, im))
				if rel == shared {
					_, err := e.store.ApplyShareChange(ctx, imageshare.ShareChange{ImageID: im.ID, Add: []int64{caller.AccountID}, By: im.OwnerID, At: e.clock.Now()})
					ok(t, err)
				}
				want := okAvailable && st == imageshare.StatusAvailable
				name := fmt.Sprintf("%s/%s/%s", typ, rel, st)
				_, err := e.svc.LaunchInstances(ctx, caller, imageshare.LaunchRequest{Region: "cn-wlcb", ImageID: im.ID, DryRun: true})
				if want && err != nil {
					t.Errorf("%s: refused: %v", name, err)
				}
				if !want {
					if err == nil {
						t.Errorf("%s: launched, want refused", name)
						continue
					}
					if imageshare.ErrorReason(err) != imageshare.ReasonImageNotFound ||
						err.Error() != strings.ReplaceAll(missing.Error(), "img-missing", im.ID) {
						t.Errorf("%s: err %v, want the missing image's %v", name, err, missing)
					}
				}
			}
		}
	}
}

func TestInstanceLifecycle(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	st := openStore(t, ":memory:")
	ok(t, st.AddRegion(ctx, "cn-wlcb"))
	svc := core.New(st, core.Config{Now: clk.Now, InstanceDuration: 10 * time.Second, Limits: core.Limits{MaxInstances: 3}})
	a := &imageshare.Account{Name: "a@example.com"}
	_, err := svc.CreateAccount(ctx, a)
	ok(t, err)
	c := imageshare.Caller{AccountID: a.ID}
	sys := &imageshare.Image{ID: "sys-ubuntu", Region: "cn-wlcb", Type: imageshare.ImageSystem, Status: imageshare.StatusAvailable,
		Name: "Ubuntu", OSName: "Ubuntu 22.04", OSType: "linux", Platform: "Ubuntu", Architecture: "x86_64", CreatedAt: clk.Now()}
	ok(t, st.CreateImage(ctx, sys))

	ins, err := svc.LaunchInstances(ctx, c, imageshare.LaunchRequest{Region: "cn-wlcb", ImageID: sys.ID, Count: 2, Name: "web", CPU: 4, MemoryMB: 8192})
	ok(t, err)
	if len(ins) != 2 || ins[0].Status != imageshare.InstancePending || ins[0].OSName != "Ubuntu 22.04" || ins[0].Zone != "cn-wlcb-a" {
		t.Fatalf("launched %+v", ins[0])
	}
	_, err = svc.LaunchInstances(ctx, c, imageshare.LaunchRequest{Region: "cn-wlcb", ImageID: sys.ID, Count: 2})
	wantErr(t, err, imageshare.KindLimitExceeded, imageshare.ReasonAccountQuota)
	_, err = svc.LaunchInstances(ctx, c, imageshare.LaunchRequest{Region: "cn-wlcb", ImageID: sys.ID, Count: 2, DryRun: true})
	wantErr(t, err, imageshare.KindLimitExceeded, imageshare.ReasonAccountQuota)

	// Not due: still Pending; due: a read completes it (lazily), and the
	// finisher completes the other; a second finisher pass finds nothing.
	clk.Add(9 * time.Second)
	got, err := svc.GetInstance(ctx, c, ins[0].ID, "cn-wlcb")
	ok(t, err)
	if got.Status != imageshare.InstancePending {
		t.Fatalf("before due: %s", got.Status)
	}
	_, err = svc.ChangePower(ctx, c, ins[0].ID, "cn-wlcb", imageshare.PowerStop, false)
	wantErr(t, err, imageshare.KindConflict, imageshare.ReasonInstanceState)
	clk.Add(time.Second)
	got, err = svc.GetInstance(ctx, c, ins[0].ID, "cn-wlcb")
	ok(t, err)
	if got.Status != imageshare.InstanceRunning {
		t.Fatalf("due: %s", got.Status)
	}
	ids, err := svc.FinishDueInstances(ctx)
	ok(t, err)
	if len(ids) != 1 || ids[0] != ins[1].ID {
		t.Fatalf("finisher finished %v, want %s", ids, ins[1].ID)
	}
	if ids, _ := svc.FinishDueInstances(ctx); len(ids) != 0 {
		t.Fatalf("second pass finished %v", ids)
	}

	// Stop → Stopping → Stopped; delete needs Stopped or force.
	wantErr(t, svc.DeleteInstance(ctx, c, ins[0].ID, "cn-wlcb", false, false), imageshare.KindConflict, imageshare.ReasonInstanceState)
	got, err = svc.ChangePower(ctx, c, ins[0].ID, "cn-wlcb", imageshare.PowerStop, false)
	ok(t, err)
	if got.Status != imageshare.InstanceStopping {
		t.Fatalf("stop: %s", got.Status)
	}
	clk.Add(10 * time.Second)
	ok(t, svc.DeleteInstance(ctx, c, ins[0].ID, "cn-wlcb", false, true))
	ok(t, svc.DeleteInstance(ctx, c, ins[0].ID, "cn-wlcb", false, false))
	_, err = svc.GetInstance(ctx, c, ins[0].ID, "cn-wlcb")
	wantErr(t, err, imageshare.KindNotFound, imageshare.ReasonInstanceNotFound)
	ok(t, svc.DeleteInstance(ctx, c, ins[1].ID, "cn-wlcb", true, false))
}

// Seed 001: the account an image is shared with can create instances
// from it. Unsharing leaves the consumer's instance alone but takes the
// permission away for a new launch and for a reinstall; the owner cannot
// delete the image in use without force.
func TestUnshareKeepsInstances(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, 0)
	alice, inst := e.user(t, "alice@example.com")
	bob, _ := e.user(t, "bob@example.com")
	carol, _ := e.user(t, "carol@example.com")
	im := e.make(t, alice, inst, "golden")
	_, err := e.svc.ModifyShares(ctx, alice, imageshare.ShareRequest{ImageID: im.ID, Region: "cn-wlcb", Add: []int64{bob.AccountID}})
	ok(t, err)

	_, missing := e.svc.LaunchInstances(ctx, carol, imageshare.LaunchRequest{Region: "cn-wlcb", ImageID: "nope"})
	_, err = e.svc.LaunchInstances(ctx, carol, imageshare.LaunchRequest{Region: "cn-wlcb", ImageID: im.ID})
	if err == nil || err.Error() != strings.ReplaceAll(missing.Error(), "nope", im.ID) {
		t.Fatalf("stranger: %v, want %v", err, missing)
	}
	ins, err := e.svc.LaunchInstances(ctx, bob, imageshare.LaunchRequest{Region: "cn-wlcb", ImageID: im.ID})
	ok(t, err)
	list, _, err := e.svc.ListInstances(ctx, bob, imageshare.InstanceFilter{ImageID: im.ID})
	ok(t, err)
	if len(list) != 1 || list[0].ID != ins[0].ID {
		t.Fatalf("bob lists %v", list)
	}
	if used, _, err := e.svc.ListImages(ctx, alice, imageshare.ImageFilter{Scope: imageshare.ScopeOwned, InUse: new(true)}); err != nil || len(used) != 1 {
		t.Fatalf("in use: %v %v", used, err)
	}

	_, err = e.svc.ModifyShares(ctx, alice, imageshare.ShareRequest{ImageID: im.ID, Region: "cn-wlcb", Remove: []int64{bob.AccountID}})
	ok(t, err)
	got, err := e.svc.GetInstance(ctx, bob, ins[0].ID, "cn-wlcb")
	ok(t, err)
	if got.Status != imageshare.InstanceRunning || got.ImageID != im.ID {
		t.Fatalf("after unshare: %+v", got)
	}
	_, err = e.svc.LaunchInstances(ctx, bob, imageshare.LaunchRequest{Region: "cn-wlcb", ImageID: im.ID})
	wantErr(t, err, imageshare.KindNotFound, imageshare.ReasonImageNotFound)
	_, err = e.svc.ChangePower(ctx, bob, ins[0].ID, "cn-wlcb", imageshare.PowerStop, false)
	ok(t, err)
	_, err = e.svc.ReinstallInstance(ctx, bob, ins[0].ID, "cn-wlcb", "", false)
	wantErr(t, err, imageshare.KindNotFound, imageshare.ReasonImageNotFound)
	_, err = e.svc.ReinstallInstance(ctx, bob, ins[0].ID, "cn-wlcb", im.ID, false)
	wantErr(t, err, imageshare.KindNotFound, imageshare.ReasonImageNotFound)

	wantErr(t, e.svc.DeleteImage(ctx, alice, im.ID, "cn-wlcb", false), imageshare.KindConflict, imageshare.ReasonImageInUse)
	ok(t, e.svc.DeleteImage(ctx, alice, im.ID, "cn-wlcb", true))
	if _, err := e.svc.GetInstance(ctx, bob, ins[0].ID, "cn-wlcb"); err != nil {
		t.Fatalf("bob's instance after the forced delete: %v", err)
	}
}

// An instance launched from an image makes custom images with its OS.
func TestImageFromLaunchedInstance(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, 0)
	a, _ := e.user(t, "a@example.com")
	sys := &imageshare.Image{ID: "sys-win", Region: "cn-wlcb", Type: imageshare.ImageSystem, Status: imageshare.StatusAvailable,
		Name: "Windows", OSName: "Windows Server 2022", OSType: "windows", Platform: "Windows Server 2022", Architecture: "x86_64", CreatedAt: e.clock.Now()}
	ok(t, e.store.CreateImage(ctx, sys))
	ins, err := e.svc.LaunchInstances(ctx, a, imageshare.LaunchRequest{Region: "cn-wlcb", ImageID: sys.ID})
	ok(t, err)
	im := e.make(t, a, ins[0].ID, "mine")
	if im.OSType != "windows" || im.OSName != "Windows Server 2022" {
		t.Fatalf("image from a Windows instance: %+v", im)
	}
}

// A launch with a client token runs once per account, scope and token: a
// repeat answers the same instances and makes none; other parameters are
// refused; another scope, or another account, is another token.
func TestLaunchClientToken(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, 0)
	a, _ := e.user(t, "a@example.com")
	b, _ := e.user(t, "b@example.com")
	sys := &imageshare.Image{ID: "sys", Region: "cn-wlcb", Type: imageshare.ImageSystem, Status: imageshare.StatusAvailable, Name: "s", CreatedAt: e.clock.Now()}
	ok(t, e.store.CreateImage(ctx, sys))
	r := imageshare.LaunchRequest{Region: "cn-wlcb", ImageID: sys.ID, Count: 2, ClientToken: "tok-1", TokenScope: "ecs:RunInstances"}
	first, err := e.svc.LaunchInstances(ctx, a, r)
	ok(t, err)
	again, err := e.svc.LaunchInstances(ctx, a, r)
	ok(t, err)
	if len(again) != 2 || again[0].ID != first[0].ID || again[1].ID != first[1].ID {
		t.Fatalf("repeat answered %v, want %v", again, first)
	}
	count := func(c imageshare.Caller) int {
		_, n, err := e.svc.ListInstances(ctx, c, imageshare.InstanceFilter{ImageID: sys.ID})
		ok(t, err)
		return n
	}
	if n := count(a); n != 2 {
		t.Fatalf("%d instances after a repeat, want 2", n)
	}
	other := r
	other.Count = 3
	_, err = e.svc.LaunchInstances(ctx, a, other)
	wantErr(t, err, imageshare.KindConflict, imageshare.ReasonIdempotentMismatch)
	scoped := r
	scoped.TokenScope = "bcc:CreateInstance"
	_, err = e.svc.LaunchInstances(ctx, a, scoped)
	ok(t, err)
	_, err = e.svc.LaunchInstances(ctx, b, r)
	ok(t, err)
	if n := count(a); n != 4 {
		t.Fatalf("%d instances of a, want 4", n)
	}
	// A DryRun neither claims nor replays.
	dry := r
	dry.ClientToken, dry.DryRun = "tok-dry", true
	_, err = e.svc.LaunchInstances(ctx, a, dry)
	ok(t, err)
	dry.DryRun = false
	_, err = e.svc.LaunchInstances(ctx, a, dry)
	ok(t, err)
	if n := count(a); n != 6 {
		t.Fatalf("%d instances of a after a dry run then a launch, want 6", n)
	}
}
