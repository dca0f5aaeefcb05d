package core_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/imageshare/imageshare"
)

func (e *env) publish(t *testing.T, c imageshare.Caller, r imageshare.PublishRequest) *imageshare.Image {
	t.Helper()
	v, err := e.svc.PublishImage(context.Background(), c, r)
	ok(t, err)
	return v
}

// catalogIDs lists the version ids of the public catalog (grouped) for f.
func (e *env) catalogIDs(t *testing.T, f imageshare.CommunityFilter) []string {
	t.Helper()
	f.Region = "cn-wlcb"
	l, err := e.svc.CommunityGroups(context.Background(), imageshare.Caller{}, f)
	ok(t, err)
	ids := []string{}
	for _, g := range l.Groups {
		for _, v := range g.Versions {
			ids = append(ids, v.ID)
		}
	}
	return ids
}

func TestPublishReviewCatalog(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, -1)
	alice, inst := e.user(t, "alice@example.com")
	bob, _ := e.user(t, "bob@example.com")
	src := e.make(t, alice, inst, "Stable Diffusion XL")

	v1 := e.publish(t, alice, imageshare.PublishRequest{ImageID: src.ID, Region: "cn-wlcb", Price: 1.5, Tags: []string{"aigc", "sd", "aigc"}})
	if v1.Type != imageshare.ImageCommunity || v1.Status != imageshare.StatusReviewing || v1.VersionName != "v1" ||
		v1.GroupID == "" || v1.Author != "alice" || !v1.ImageCharge || !slices.Equal(v1.Tags, []string{"aigc", "sd"}) || v1.ID == src.ID {
		t.Fatalf("first version %+v", v1)
	}
	if got := e.catalogIDs(t, imageshare.CommunityFilter{}); len(got) != 0 {
		t.Fatalf("catalog before review = %q, want empty", got)
	}
	// The owner sees its version under review; nobody else does.
	self, err := e.svc.SelfCommunityGroups(ctx, alice, imageshare.CommunityFilter{Region: "cn-wlcb"})
	ok(t, err)
	if self.Total != 1 || self.AvailableTotal != 0 || self.Groups[0].Versions[0].ID != v1.ID {
		t.Fatalf("self listing %+v", self)
	}
	if _, err := e.svc.GetImage(ctx, bob, v1.ID); imageshare.ErrorKind(err) != imageshare.KindNotFound {
		t.Fatalf("another account sees a Reviewing version: %v", err)
	}

	approved, err := e.svc.ReviewVersion(ctx, v1.ID, imageshare.ReviewDecision{Approve: true})
	ok(t, err)
	if approved.Status != imageshare.StatusAvailable || !approved.PublishedAt.Equal(e.clock.Now()) {
		t.Fatalf("approved %+v", approved)
	}
	if got := e.catalogIDs(t, imageshare.CommunityFilter{Name: "diffusion"}); !slices.Equal(got, []string{v1.ID}) {
		t.Fatalf("catalog by name = %q", got)
	}
	if _, err := e.svc.GetImage(ctx, bob, v1.ID); err != nil {
		t.Fatalf("another account cannot see a published version: %v", err)
	}

	// A second publication joins the same group as v2; rejected, it stays
	// out of the catalog and its owner sees why.
	e.clock.Add(time.Second)
	v2 := e.publish(t, alice, imageshare.PublishRequest{ImageID: src.ID, VersionDesc: "faster"})
	if v2.GroupID != v1.GroupID || v2.VersionName != "v2" || v2.Price != 0 || v2.ImageCharge {
		t.Fatalf("second version %+v; want v2 of group %s", v2, v1.GroupID)
	}
	rejected, err := e.svc.ReviewVersion(ctx, v2.ID, imageshare.ReviewDecision{Reason: "  no readme "})
	ok(t, err)
	if rejected.Status != imageshare.StatusUnAvailable || rejected.FailedReason != "no readme" {
		t.Fatalf("rejected %+v", rejected)
	}
	if got := e.catalogIDs(t, imageshare.CommunityFilter{}); !slices.Equal(got, []string{v1.ID}) {
		t.Fatalf("catalog after a rejection = %q", got)
	}
	self, err = e.svc.SelfCommunityGroups(ctx, alice, imageshare.CommunityFilter{Region: "cn-wlcb"})
	ok(t, err)
	if self.Total != 1 || self.AvailableTotal != 1 || len(self.Groups[0].Versions) != 2 {
		t.Fatalf("self listing after the rejection %+v", self)
	}
	if self, err = e.svc.SelfCommunityGroups(ctx, bob, imageshare.CommunityFilter{Region: "cn-wlcb"}); err != nil || self.Total != 0 {
		t.Fatalf("bob's self listing %+v, %v", self, err)
	}

	// Review errors.
	_, err = e.svc.ReviewVersion(ctx, v1.ID, imageshare.ReviewDecision{Approve: true})
	wantErr(t, err, imageshare.KindConflict, imageshare.ReasonImageNotAvailable)
	_, err = e.svc.ReviewVersion(ctx, src.ID, imageshare.ReviewDecision{Approve: true})
	wantErr(t, err, imageshare.KindNotFound, imageshare.ReasonVersionNotFound)
	_, err = e.svc.ReviewVersion(ctx, "compshareImage-missing", imageshare.ReviewDecision{})
	wantErr(t, err, imageshare.KindNotFound, imageshare.ReasonVersionNotFound)

	// Offline and back.
	_, err = e.svc.SetVersionOnline(ctx, v2.ID, false)
	wantErr(t, err, imageshare.KindConflict, imageshare.ReasonImageNotAvailable)
	off, err := e.svc.SetVersionOnline(ctx, v1.ID, false)
	ok(t, err)
	if off.Status != imageshare.StatusOffline || len(e.catalogIDs(t, imageshare.CommunityFilter{})) != 0 {
		t.Fatalf("offline version %s still in the catalog", off.Status)
	}
	_, err = e.svc.SetVersionOnline(ctx, v1.ID, false)
	wantErr(t, err, imageshare.KindConflict, imageshare.ReasonImageNotAvailable)
	back, err := e.svc.SetVersionOnline(ctx, v1.ID, true)
	ok(t, err)
	if back.Status != imageshare.StatusAvailable || !back.PublishedAt.Equal(approved.PublishedAt) {
		t.Fatalf("back online %+v", back)
	}

	// The owner hides a version with Visibility 0.
	zero := 0
	_, err = e.svc.EditImage(ctx, alice, v1.ID, "cn-wlcb", imageshare.ImageEdit{Visibility: &zero})
	ok(t, err)
	if got := e.catalogIDs(t, imageshare.CommunityFilter{}); len(got) != 0 {
		t.Fatalf("private version in the catalog: %q", got)
	}
}

func TestPublishErrors(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, time.Minute)
	alice, inst := e.user(t, "alice@example.com")
	bob, bobInst := e.user(t, "bob@example.com")
	making := e.make(t, alice, inst, "making")
	e.clock.Add(time.Minute)
	ready := e.make(t, alice, inst, "ready")
	e.clock.Add(time.Minute)
	bobImage := e.make(t, bob, bobInst, "bob's")
	e.clock.Add(time.Minute)
	bobVersion := e.publish(t, bob, imageshare.PublishRequest{ImageID: bobImage.ID})
	making2 := e.make(t, alice, inst, "making2")
	sys := &imageshare.Image{ID: "sys-1", Region: "cn-wlcb", Type: imageshare.ImageSystem, Status: imageshare.StatusAvailable, Name: "Ubuntu"}
	ok(t, e.store.CreateImage(ctx, sys))

	publish := func(r imageshare.PublishRequest) error {
		_, err := e.svc.PublishImage(ctx, alice, r)
		return err
	}
	// making was due and became Available when read; making2 is not due.
	ok(t, publish(imageshare.PublishRequest{ImageID: making.ID}))
	wantErr(t, publish(imageshare.PublishRequest{ImageID: making2.ID}), imageshare.KindConflict, imageshare.ReasonImageNotAvailable)
	wantErr(t, publish(imageshare.PublishRequest{ImageID: bobImage.ID}), imageshare.KindNotFound, imageshare.ReasonImageNotFound)
	wantErr(t, publish(imageshare.PublishRequest{ImageID: sys.ID}), imageshare.KindNotFound, imageshare.ReasonImageNotFound)
	v := e.publish(t, alice, imageshare.PublishRequest{ImageID: ready.ID, VersionName: "1.0"})
	wantErr(t, publish(imageshare.PublishRequest{ImageID: v.ID}), imageshare.KindForbidden, imageshare.ReasonNotCustomImage)
	wantErr(t, publish(imageshare.PublishRequest{ImageID: ready.ID, VersionName: "1.0"}), imageshare.KindConflict, imageshare.ReasonDuplicateName)
	wantErr(t, publish(imageshare.PublishRequest{ImageID: ready.ID, GroupID: bobVersion.GroupID}), imageshare.KindNotFound, imageshare.ReasonGroupNotFound)
	wantErr(t, publish(imageshare.PublishRequest{ImageID: ready.ID, GroupID: "nope"}), imageshare.KindNotFound, imageshare.ReasonGroupNotFound)
	for _, price := range []float64{-1, 1.005, imageshare.MaxPrice + 1} {
		wantErr(t, publish(imageshare.PublishRequest{ImageID: ready.ID, Price: price}), imageshare.KindInvalid, imageshare.ReasonInvalidParameter)
	}
	wantErr(t, publish(imageshare.PublishRequest{ImageID: ready.ID, Tags: []string{"a", "b", "c", "d"}}), imageshare.KindInvalid, imageshare.ReasonInvalidParameter)
	wantErr(t, publish(imageshare.PublishRequest{ImageID: ready.ID, Tags: []string{" "}}), imageshare.KindInvalid, imageshare.ReasonInvalidParameter)

	// Publishing another image into an existing group of one's own.
	joined := e.publish(t, alice, imageshare.PublishRequest{ImageID: making.ID, GroupID: v.GroupID})
	if joined.GroupID != v.GroupID || joined.VersionName != "v2" {
		t.Fatalf("joined version %+v, want v2 of %s", joined, v.GroupID)
	}
	// ...which makes that group the image's lineage from then on.
	next := e.publish(t, alice, imageshare.PublishRequest{ImageID: making.ID})
	if next.GroupID != v.GroupID || next.VersionName != "v3" {
		t.Fatalf("next version %+v, want v3 of %s", next, v.GroupID)
	}
}

func TestEditCopyTerminate(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, -1)
	alice, inst := e.user(t, "alice@example.com")
	bob, _ := e.user(t, "bob@example.com")
	src := e.make(t, alice, inst, "model")

	desc, fw := "new description", "PyTorch"
	tags := []string{"b", "a"}
	one := 1
	edited, err := e.svc.EditImage(ctx, alice, src.ID, "cn-wlcb", imageshare.ImageEdit{Description: &desc, Tags: &tags, Visibility: &one,
		Softwares: &imageshare.Software{CUDAVersion: "12.4"}, Framework: &fw})
	ok(t, err)
	if edited.Description != desc || !slices.Equal(edited.Tags, tags) || edited.Visibility != 1 ||
		edited.Softwares.CUDAVersion != "12.4" || edited.Softwares.Framework != "PyTorch" {
		t.Fatalf("edited %+v", edited)
	}
	four := []string{"a", "b", "c", "d"}
	_, err = e.svc.EditImage(ctx, alice, src.ID, "", imageshare.ImageEdit{Tags: &four})
	wantErr(t, err, imageshare.KindInvalid, imageshare.ReasonInvalidParameter)
	two := 2
	_, err = e.svc.EditImage(ctx, alice, src.ID, "", imageshare.ImageEdit{Visibility: &two})
	wantErr(t, err, imageshare.KindInvalid, imageshare.ReasonInvalidParameter)
	_, err = e.svc.EditImage(ctx, bob, src.ID, "", imageshare.ImageEdit{Description: &desc})
	wantErr(t, err, imageshare.KindNotFound, imageshare.ReasonImageNotFound)

	_, err = e.svc.ModifyShares(ctx, alice, imageshare.ShareRequest{ImageID: src.ID, Add: []int64{bob.AccountID}})
	ok(t, err)
	v := e.publish(t, alice, imageshare.PublishRequest{ImageID: src.ID})
	src, err = e.svc.GetImage(ctx, alice, src.ID)
	ok(t, err)

	cp, err := e.svc.CopyCustomImage(ctx, alice, src.ID, "cn-wlcb", "")
	ok(t, err)
	if cp.ID == src.ID || cp.Name != "model-copy" || cp.GroupID != "" || cp.Description != desc || cp.Type != imageshare.ImageCustom {
		t.Fatalf("copy %+v", cp)
	}
	list, err := e.svc.DescribeShares(ctx, alice, cp.ID, "", imageshare.Page{})
	ok(t, err)
	if list.Total != 0 {
		t.Fatalf("copy has %d shares, want none", list.Total)
	}
	named, err := e.svc.CopyCustomImage(ctx, alice, src.ID, "", "other")
	ok(t, err)
	if named.Name != "other" {
		t.Fatalf("copy named %q", named.Name)
	}
	_, err = e.svc.CopyCustomImage(ctx, alice, src.ID, "", "other")
	wantErr(t, err, imageshare.KindConflict, imageshare.ReasonDuplicateName)
	_, err = e.svc.CopyCustomImage(ctx, alice, v.ID, "", "x")
	wantErr(t, err, imageshare.KindForbidden, imageshare.ReasonNotCustomImage)

	wantErr(t, e.svc.TerminateCustomImage(ctx, alice, v.ID, ""), imageshare.KindForbidden, imageshare.ReasonNotCustomImage)
	wantErr(t, e.svc.TerminateCustomImage(ctx, bob, src.ID, ""), imageshare.KindNotFound, imageshare.ReasonImageNotFound)
	ok(t, e.svc.TerminateCustomImage(ctx, alice, src.ID, "cn-wlcb"))
	if _, err := e.svc.GetImage(ctx, alice, src.ID); imageshare.ErrorKind(err) != imageshare.KindNotFound {
		t.Fatalf("terminated image still there: %v", err)
	}
	shared, _, err := e.svc.ListImages(ctx, bob, imageshare.ImageFilter{Scope: imageshare.ScopeShared})
	ok(t, err)
	if len(shared) != 0 {
		t.Fatalf("bob still sees %d shared images", len(shared))
	}
	// The version published from it stays.
	if _, err := e.svc.ReviewVersion(ctx, v.ID, imageshare.ReviewDecision{Approve: true}); err != nil {
		t.Fatalf("version of a terminated image: %v", err)
	}
}

func TestCatalogBoundsAndFilters(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, -1)
	alice, inst := e.user(t, "alice@example.com")
	var ids []string
	for i := range 3 {
		src := e.make(t, alice, inst, "model "+string(rune('a'+i)))
		v := e.publish(t, alice, imageshare.PublishRequest{ImageID: src.ID})
		_, err := e.svc.ReviewVersion(ctx, v.ID, imageshare.ReviewDecision{Approve: true})
		ok(t, err)
		ids = append(ids, v.ID)
	}
	for _, tc := range []struct {
		page imageshare.Page
		want int
	}{{imageshare.Page{}, 3}, {imageshare.Page{Limit: 500}, 3}, {imageshare.Page{Offset: 2}, 1}, {imageshare.Page{Offset: 9}, 0}} {
		images, total, err := e.svc.CommunityImages(ctx, alice, imageshare.CommunityFilter{Region: "cn-wlcb", Page: tc.page})
		ok(t, err)
		if len(images) != tc.want || total != 3 {
			t.Errorf("page %+v: %d images of %d, want %d of 3", tc.page, len(images), total, tc.want)
		}
	}
	_, _, err := e.svc.CommunityImages(ctx, alice, imageshare.CommunityFilter{Sort: imageshare.CommunitySort{Field: "Bogus"}})
	wantErr(t, err, imageshare.KindInvalid, imageshare.ReasonInvalidParameter)
	_, _, err = e.svc.CommunityImages(ctx, alice, imageshare.CommunityFilter{Name: strings.Repeat("x", 300)})
	wantErr(t, err, imageshare.KindInvalid, imageshare.ReasonInvalidParameter)
	queue, total, err := e.svc.ReviewQueue(ctx, imageshare.CommunityFilter{})
	ok(t, err)
	if total != 0 || len(queue) != 0 {
		t.Fatalf("review queue holds %d", total)
	}
	tags, err := e.svc.CatalogTags(ctx, alice, "cn-wlcb")
	ok(t, err)
	if len(tags) != 0 {
		t.Fatalf("tags %q", tags)
	}
}

// TestVersionVisibleByID: a version is visible by id to other accounts
// exactly while it is in the catalog.
func TestVersionVisibleByID(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, -1)
	alice, inst := e.user(t, "alice@example.com")
	bob, _ := e.user(t, "bob@example.com")
	v := e.publish(t, alice, imageshare.PublishRequest{ImageID: e.make(t, alice, inst, "m").ID})
	visible := func() bool {
		_, err := e.svc.GetImage(ctx, bob, v.ID)
		if err != nil && imageshare.ErrorKind(err) != imageshare.KindNotFound {
			t.Fatal(err)
		}
		if _, err := e.svc.GetImage(ctx, alice, v.ID); err != nil {
			t.Fatalf("the owner cannot see its version: %v", err)
		}
		return err == nil
	}
	zero, one := 0, 1
	for _, step := range []struct {
		do   func() error
		want bool
	}{
		{func() error { return nil }, false}, // Reviewing
		{func() error {
			_, err := e.svc.ReviewVersion(ctx, v.ID, imageshare.ReviewDecision{Approve: true})
			return err
		}, true},
		{func() error {
			_, err := e.svc.EditImage(ctx, alice, v.ID, "", imageshare.ImageEdit{Visibility: &zero})
			return err
		}, false},
		{func() error {
			_, err := e.svc.EditImage(ctx, alice, v.ID, "", imageshare.ImageEdit{Visibility: &one})
			return err
		}, true},
		{func() error { _, err := e.svc.SetVersionOnline(ctx, v.ID, false); return err }, false},
	} {
		ok(t, step.do())
		if got := visible(); got != step.want {
			t.Fatalf("visible to another account = %v, want %v", got, step.want)
		}
	}
}
