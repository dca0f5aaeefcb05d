package core_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/core"
)

// A DryRun of a share change predicts the real change exactly, in every
// mode: the same result, or the same error, and nothing written. The
// store's own checks (ShareStrict's no-op rule, the per-image cap) are
// the ones a prediction can get wrong, so each is exercised.
func TestModifyShares_DryRunPredicts(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name        string
		add, remove []int // indexes into the accounts; -1 is the owner, 99 unknown
	}{
		{"add new", []int{2}, nil},
		{"add shared", []int{0}, nil},
		{"remove shared", nil, []int{0}},
		{"remove unshared", nil, []int{2}},
		{"over the cap", []int{2, 3}, nil},
		{"swap at the cap", []int{2, 3}, []int{0}},
		{"owner and unknown", []int{-1, 99, 2}, nil},
		{"repeats", []int{2, 2}, []int{0, 0}},
	}
	for _, mode := range []imageshare.ShareMode{imageshare.ShareLenient, imageshare.ShareStrictAccounts, imageshare.ShareStrict} {
		for _, tc := range cases {
			t.Run(fmt.Sprintf("mode %d/%s", mode, tc.name), func(t *testing.T) {
				e := newEnv(t, -1)
				e.svc = core.New(e.store, core.Config{Now: e.clock.Now, BuildDuration: -1, MaxSharesPerImage: 3})
				owner, inst := e.user(t, "owner@example.com")
				var accts []int64
				for i := range 4 {
					c, _ := e.user(t, fmt.Sprintf("u%d@example.com", i))
					accts = append(accts, c.AccountID)
				}
				im := e.make(t, owner, inst, "img")
				_, err := e.svc.ModifyShares(ctx, owner, imageshare.ShareRequest{ImageID: im.ID, Add: accts[:2]})
				ok(t, err)
				pick := func(idx []int) []int64 {
					var out []int64
					for _, i := range idx {
						switch i {
						case -1:
							out = append(out, owner.AccountID)
						case 99:
							out = append(out, 987654321)
						default:
							out = append(out, accts[i])
						}
					}
					return out
				}
				req := imageshare.ShareRequest{ImageID: im.ID, Add: pick(tc.add), Remove: pick(tc.remove), Mode: mode, DryRun: true}
				before, _, err := e.store.ListShares(ctx, im.ID, imageshare.Page{Limit: 100})
				ok(t, err)
				dry, dryErr := e.svc.ModifyShares(ctx, owner, req)
				after, _, err := e.store.ListShares(ctx, im.ID, imageshare.Page{Limit: 100})
				ok(t, err)
				if len(after) != len(before) {
					t.Fatalf("the dry run changed the shares: %d -> %d", len(before), len(after))
				}
				req.DryRun = false
				real, realErr := e.svc.ModifyShares(ctx, owner, req)
				if imageshare.ErrorKind(dryErr) != imageshare.ErrorKind(realErr) || imageshare.ErrorReason(dryErr) != imageshare.ErrorReason(realErr) {
					t.Fatalf("dry run: %v; real: %v", dryErr, realErr)
				}
				if realErr == nil && (!slices.Equal(dry.Added, real.Added) || !slices.Equal(dry.Removed, real.Removed) || !slices.Equal(dry.Invalid, real.Invalid)) {
					t.Fatalf("dry run %+v, real %+v", dry, real)
				}
			})
		}
	}
}

// CheckDeleteImage answers as DeleteImage would, and deletes nothing.
func TestCheckDeleteImage(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, -1)
	owner, inst := e.user(t, "owner@example.com")
	other, _ := e.user(t, "other@example.com")
	plain := e.make(t, owner, inst, "plain")
	shared := e.make(t, owner, inst, "shared")
	public := e.make(t, owner, inst, "public")
	_, err := e.svc.ModifyShares(ctx, owner, imageshare.ShareRequest{ImageID: shared.ID, Add: []int64{other.AccountID}})
	ok(t, err)
	on := true
	_, err = e.svc.ModifyShares(ctx, owner, imageshare.ShareRequest{ImageID: public.ID, SetPublic: &on})
	ok(t, err)
	for _, tc := range []struct {
		c      imageshare.Caller
		id     string
		force  bool
		reason imageshare.Reason
	}{
		// Refusals first: each is then tried for real, which must fail too.
		{other, plain.ID, true, imageshare.ReasonImageNotFound},
		{owner, "missing", true, imageshare.ReasonImageNotFound},
		{owner, shared.ID, false, imageshare.ReasonImageShared},
		{owner, public.ID, false, imageshare.ReasonImageShared},
		{owner, plain.ID, false, ""},
		{owner, shared.ID, true, ""},
	} {
		err := e.svc.CheckDeleteImage(ctx, tc.c, tc.id, "cn-wlcb", tc.force)
		if imageshare.ErrorReason(err) != tc.reason || (err == nil) != (tc.reason == "") {
			t.Errorf("CheckDeleteImage(%s, force=%v) = %v, want %q", tc.id, tc.force, err, tc.reason)
		}
		if _, err := e.store.FindImageByID(ctx, tc.id); err != nil && tc.id != "missing" {
			t.Fatalf("the check deleted %s: %v", tc.id, err)
		}
		real := e.svc.DeleteImage(ctx, tc.c, tc.id, "cn-wlcb", tc.force)
		if imageshare.ErrorReason(real) != imageshare.ErrorReason(err) {
			t.Errorf("DeleteImage(%s) = %v, the check said %v", tc.id, real, err)
		}
	}
}
