package seed_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/seed"
)

// The demo data has a community catalog a newcomer can list right after
// serve --demo: three versions published and approved through the
// review step (Available, with a publication time), and one still in
// review, which the catalog does not show.
func TestDemo_CommunityCatalog(t *testing.T) {
	ctx := context.Background()
	svc := openService(t)
	if err := seed.Apply(ctx, svc, seed.Demo()); err != nil {
		t.Fatal(err)
	}
	all := []imageshare.ImageStatus{imageshare.StatusAvailable, imageshare.StatusReviewing, imageshare.StatusOffline, imageshare.StatusUnAvailable}
	versions, _, err := svc.ReviewQueue(ctx, imageshare.CommunityFilter{Statuses: all})
	if err != nil {
		t.Fatal(err)
	}
	var available, reviewing []string
	for _, v := range versions {
		name := v.Name + " " + v.VersionName
		switch v.Status {
		case imageshare.StatusAvailable:
			if v.PublishedAt.IsZero() {
				t.Errorf("%s is Available without a publication time", name)
			}
			available = append(available, name)
		case imageshare.StatusReviewing:
			reviewing = append(reviewing, name)
		}
	}
	slices.Sort(available)
	if want := []string{"comfyui-starter v1", "llama3-finetune-kit v1", "whisper-large-api v1"}; !slices.Equal(available, want) {
		t.Errorf("approved versions %q, want %q", available, want)
	}
	if want := []string{"whisper-large-api v2"}; !slices.Equal(reviewing, want) {
		t.Errorf("versions in review %q, want %q", reviewing, want)
	}
	// What a tenant's catalog listing sees (community ls): the approved ones.
	listed, n, err := svc.CommunityImages(ctx, imageshare.Caller{AccountID: 10003, Region: "cn-wlcb"},
		imageshare.CommunityFilter{Region: "cn-wlcb", Page: imageshare.Page{Limit: 100}})
	if err != nil || n != 3 {
		t.Fatalf("catalog: %d versions (%v), want 3", n, err)
	}
	for _, v := range listed {
		if v.Status != imageshare.StatusAvailable {
			t.Errorf("catalog lists %s in %s", v.Name, v.Status)
		}
	}
}

// A publication without its names, or of an image that is not there, is
// refused with the entry named.
func TestApply_PublicationErrors(t *testing.T) {
	ctx := context.Background()
	svc := openService(t)
	if err := seed.Apply(ctx, svc, seed.Demo()); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		p    seed.Publication
		want string
	}{
		{seed.Publication{Image: "compshareImage-alice-llama", Name: "x"}, "image, name and version are required"},
		{seed.Publication{Image: "no-such-image", Name: "x", Version: "v1"}, "publications[0] (no-such-image v1)"},
		{seed.Publication{Image: "compshareImage-sys-ubuntu2204", Name: "x", Version: "v1"}, "publications[0]"},
	} {
		err := seed.Apply(ctx, svc, &seed.File{Publications: []seed.Publication{tc.p}})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.p, err, tc.want)
		}
	}
}
