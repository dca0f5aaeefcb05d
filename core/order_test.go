package core_test

import (
	"context"
	"strings"
	"testing"

	"github.com/imageshare/imageshare"
)

// A request with several bad inputs is refused for the same input every
// time: the first bad one in the order each validator documents. Ranging
// over a map gave a different message from run to run; fifty repeats of
// a request with three to six bad inputs saw more than one before the fix.
func TestValidationOrderIsFixed(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, -1)
	alice, inst := e.user(t, "alice@example.com")
	src := e.make(t, alice, inst, "model")
	long := strings.Repeat("x", imageshare.MaxReadmeBytes+imageshare.MaxDescriptionBytes+imageshare.MaxCoverBytes)
	tooLong := func(s string) *string { return &s }
	sw := &imageshare.Software{CUDAVersion: long, Framework: long, FrameworkVersion: long}

	for _, tc := range []struct {
		name string
		call func() error
		want string
	}{
		{"EditImage", func() error {
			_, err := e.svc.EditImage(ctx, alice, src.ID, "", imageshare.ImageEdit{
				Description: tooLong(long), Readme: tooLong(long), Cover: tooLong(long), Softwares: sw,
			})
			return err
		}, "description is longer than"},
		{"EditImage softwares", func() error {
			_, err := e.svc.EditImage(ctx, alice, src.ID, "", imageshare.ImageEdit{Softwares: sw})
			return err
		}, "CUDAVersion is longer than"},
		{"PublishImage", func() error {
			_, err := e.svc.PublishImage(ctx, alice, imageshare.PublishRequest{ImageID: src.ID,
				Description: tooLong(long), Readme: tooLong(long), Cover: tooLong(long), VersionDesc: long, Softwares: sw,
			})
			return err
		}, "description is longer than"},
		{"PublishImage without description", func() error {
			_, err := e.svc.PublishImage(ctx, alice, imageshare.PublishRequest{ImageID: src.ID,
				Readme: tooLong(long), Cover: tooLong(long), VersionDesc: long,
			})
			return err
		}, "readme is longer than"},
		{"CommunityImages", func() error {
			_, _, err := e.svc.CommunityImages(ctx, alice, imageshare.CommunityFilter{Region: "cn-wlcb",
				Name: long, Fuzzy: long, Author: long, Tag: long, ImageID: long, GroupID: long,
			})
			return err
		}, "name is longer than"},
		{"CommunityImages without name", func() error {
			_, _, err := e.svc.CommunityImages(ctx, alice, imageshare.CommunityFilter{Region: "cn-wlcb",
				Author: long, Tag: long, ImageID: long, GroupID: long,
			})
			return err
		}, "author is longer than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			first := tc.call()
			wantErr(t, first, imageshare.KindInvalid, imageshare.ReasonInvalidParameter)
			if !strings.HasPrefix(imageshare.ErrorMessage(first), tc.want) {
				t.Fatalf("first error %q, want one starting %q", imageshare.ErrorMessage(first), tc.want)
			}
			for range 50 {
				if err := tc.call(); imageshare.ErrorMessage(err) != imageshare.ErrorMessage(first) {
					t.Fatalf("same request, different error: %q then %q", imageshare.ErrorMessage(first), imageshare.ErrorMessage(err))
				}
			}
		})
	}
}
