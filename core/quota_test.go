package core_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/core"
)

// quotaEnv is newEnv with limits; builds finish at once.
func quotaEnv(t *testing.T, l core.Limits) *env {
	t.Helper()
	e := newEnv(t, -1)
	e.svc = core.New(e.store, core.Config{Now: e.clock.Now, BuildDuration: -1, Limits: l})
	return e
}

func TestQuota_DefaultsFillZeroFields(t *testing.T) {
	if got := core.New(openStore(t, ":memory:"), core.Config{}).Limits(); got != core.DefaultLimits() {
		t.Fatalf("Limits() = %+v, want DefaultLimits %+v", got, core.DefaultLimits())
	}
	d := core.DefaultLimits()
	if d.MaxReadmeBytes != imageshare.MaxReadmeBytes || d.MaxCoverBytes != imageshare.MaxCoverBytes ||
		d.MaxTextBytes != imageshare.DefaultMaxTextBytes || d.MaxCustomImages != imageshare.DefaultMaxCustomImages {
		t.Fatalf("DefaultLimits() = %+v", d)
	}
}

// Creates and copies count against the custom image quota of the account,
// not of others; the refusal is the quota's reason, and nothing is kept.
func TestQuota_CustomImages(t *testing.T) {
	ctx := context.Background()
	e := quotaEnv(t, core.Limits{MaxCustomImages: 2})
	alice, inst := e.user(t, "alice@example.com")
	bob, bobInst := e.user(t, "bob@example.com")
	first := e.make(t, alice, inst, "one")
	e.make(t, alice, inst, "two")
	_, err := e.svc.CreateCustomImage(ctx, alice, imageshare.CustomImageRequest{InstanceID: inst, Name: "three"})
	wantErr(t, err, imageshare.KindLimitExceeded, imageshare.ReasonAccountQuota)
	_, err = e.svc.CopyCustomImage(ctx, alice, first.ID, "", "copy")
	wantErr(t, err, imageshare.KindLimitExceeded, imageshare.ReasonAccountQuota)
	_, n, err := e.svc.ListImages(ctx, alice, imageshare.ImageFilter{Scope: imageshare.ScopeOwned})
	ok(t, err)
	if n != 2 {
		t.Fatalf("alice has %d images, want 2", n)
	}
	e.make(t, bob, bobInst, "one")
	// Terminating one frees its place.
	ok(t, e.svc.TerminateCustomImage(ctx, alice, first.ID, ""))
	e.make(t, alice, inst, "three")
}

func TestQuota_CommunityVersions(t *testing.T) {
	ctx := context.Background()
	e := quotaEnv(t, core.Limits{MaxCommunityVersions: 1})
	alice, inst := e.user(t, "alice@example.com")
	src := e.make(t, alice, inst, "model")
	e.publish(t, alice, imageshare.PublishRequest{ImageID: src.ID})
	_, err := e.svc.PublishImage(ctx, alice, imageshare.PublishRequest{ImageID: src.ID})
	wantErr(t, err, imageshare.KindLimitExceeded, imageshare.ReasonAccountQuota)
	_, err = e.svc.PublishImage(ctx, alice, imageshare.PublishRequest{ImageID: src.ID, VersionName: "named"})
	wantErr(t, err, imageshare.KindLimitExceeded, imageshare.ReasonAccountQuota)
}

// The total bytes of an account's texts bound edits, publications and
// copies; an edit that shrinks the texts passes even over the quota.
func TestQuota_TextBytes(t *testing.T) {
	ctx := context.Background()
	e := quotaEnv(t, core.Limits{MaxTextBytes: 10 << 10})
	alice, inst := e.user(t, "alice@example.com")
	im := e.make(t, alice, inst, "model")
	readme := strings.Repeat("r", 6<<10)
	_, err := e.svc.EditImage(ctx, alice, im.ID, "", imageshare.ImageEdit{Readme: &readme})
	ok(t, err)
	// A copy would double the readme: 12 KiB.
	_, err = e.svc.CopyCustomImage(ctx, alice, im.ID, "", "copy")
	wantErr(t, err, imageshare.KindLimitExceeded, imageshare.ReasonAccountQuota)
	_, err = e.svc.PublishImage(ctx, alice, imageshare.PublishRequest{ImageID: im.ID})
	wantErr(t, err, imageshare.KindLimitExceeded, imageshare.ReasonAccountQuota)
	cover := strings.Repeat("c", 5<<10)
	_, err = e.svc.EditImage(ctx, alice, im.ID, "", imageshare.ImageEdit{Cover: &cover})
	wantErr(t, err, imageshare.KindLimitExceeded, imageshare.ReasonAccountQuota)
	got, err := e.svc.GetImage(ctx, alice, im.ID)
	ok(t, err)
	if got.Cover != "" || got.Readme != readme {
		t.Fatalf("refused edit changed the image: cover %d bytes, readme %d", len(got.Cover), len(got.Readme))
	}
	short := "short"
	_, err = e.svc.EditImage(ctx, alice, im.ID, "", imageshare.ImageEdit{Readme: &short})
	ok(t, err)
	_, err = e.svc.CopyCustomImage(ctx, alice, im.ID, "", "copy")
	ok(t, err)
}

// The text bounds are the configured ones, not the built-in defaults.
func TestQuota_TextBoundsConfigurable(t *testing.T) {
	ctx := context.Background()
	e := quotaEnv(t, core.Limits{MaxNameBytes: 8, MaxDescriptionBytes: 16, MaxReadmeBytes: 32, MaxCoverBytes: 64})
	alice, inst := e.user(t, "alice@example.com")
	_, err := e.svc.CreateCustomImage(ctx, alice, imageshare.CustomImageRequest{InstanceID: inst, Name: "ninechars"})
	wantErr(t, err, imageshare.KindInvalid, imageshare.ReasonInvalidParameter)
	_, err = e.svc.CreateCustomImage(ctx, alice, imageshare.CustomImageRequest{InstanceID: inst, Name: "n", Description: strings.Repeat("d", 17)})
	wantErr(t, err, imageshare.KindInvalid, imageshare.ReasonInvalidParameter)
	im := e.make(t, alice, inst, "eight888")
	for _, tc := range []struct {
		name string
		edit imageshare.ImageEdit
	}{
		{"Readme", imageshare.ImageEdit{Readme: ptr(strings.Repeat("r", 33))}},
		{"Cover", imageshare.ImageEdit{Cover: ptr(strings.Repeat("c", 65))}},
		{"Description", imageshare.ImageEdit{Description: ptr(strings.Repeat("d", 17))}},
	} {
		_, err := e.svc.EditImage(ctx, alice, im.ID, "", tc.edit)
		if imageshare.ErrorKind(err) != imageshare.KindInvalid || !strings.Contains(imageshare.ErrorMessage(err), "longer than") {
			t.Fatalf("%s over its bound: %v", tc.name, err)
		}
	}
	_, err = e.svc.EditImage(ctx, alice, im.ID, "", imageshare.ImageEdit{Readme: ptr(strings.Repeat("r", 32)), Cover: ptr(strings.Repeat("c", 64))})
	ok(t, err)
	_, err = e.svc.PublishImage(ctx, alice, imageshare.PublishRequest{ImageID: im.ID, VersionDesc: strings.Repeat("v", 17)})
	wantErr(t, err, imageshare.KindInvalid, imageshare.ReasonInvalidParameter)
}

// A negative quota is no bound: more custom images than the default quota.
func TestQuota_NegativeIsNoBound(t *testing.T) {
	e := quotaEnv(t, core.Limits{MaxCustomImages: -1})
	alice, inst := e.user(t, "alice@example.com")
	for i := range imageshare.DefaultMaxCustomImages + 1 {
		e.make(t, alice, inst, fmt.Sprintf("image %d", i))
	}
}

func ptr[T any](v T) *T { return &v }
