package seed

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/core"
)

// Publication publishes a custom image to the community catalog as its
// owner would (PublishCompShareImage), and with Approve has an operator
// approve it (imageshare review approve): the version is then Available
// with its publication time set, and listed by "imageshare community ls".
// The two steps are the ones docs/community.md describes; a seed takes no
// shortcut past their checks.
type Publication struct {
	Image       string   `yaml:"image"`   // the owner's Available custom image
	Name        string   `yaml:"name"`    // community name (required: it finds the version again)
	Version     string   `yaml:"version"` // version name (required)
	Description string   `yaml:"description"`
	VersionDesc string   `yaml:"version_desc"`
	Price       float64  `yaml:"price"`
	Tags        []string `yaml:"tags"`
	Approve     bool     `yaml:"approve"`
}

// publisher is the tenants' publish call, which core.Service has beside
// core.Operator.
type publisher interface {
	PublishImage(ctx context.Context, c imageshare.Caller, r imageshare.PublishRequest) (*imageshare.Image, error)
}

var allStatuses = []imageshare.ImageStatus{imageshare.StatusMaking, imageshare.StatusAvailable,
	imageshare.StatusUnAvailable, imageshare.StatusReviewing, imageshare.StatusOffline}

func applyPublication(ctx context.Context, op core.Operator, p Publication) error {
	if p.Image == "" || p.Name == "" || p.Version == "" {
		return errors.New("image, name and version are required")
	}
	pub, ok := op.(publisher)
	if !ok {
		return errors.New("this operator cannot publish images")
	}
	src, err := op.FindImage(ctx, p.Image)
	if err != nil {
		return domainError(err)
	}
	v, err := findVersion(ctx, op, src.OwnerID, p.Name, p.Version)
	if err != nil {
		return err
	}
	if v == nil {
		req := imageshare.PublishRequest{ImageID: src.ID, Region: src.Region, Name: p.Name, VersionName: p.Version,
			VersionDesc: p.VersionDesc, Price: p.Price, Tags: p.Tags}
		if p.Description != "" {
			req.Description = &p.Description
		}
		v, err = pub.PublishImage(ctx, imageshare.Caller{AccountID: src.OwnerID, Region: src.Region}, req)
		if imageshare.IsKind(err, imageshare.KindConflict) {
			// Another replica applying the same seed published it
			// between this one's look and publish.
			if again, ferr := findVersion(ctx, op, src.OwnerID, p.Name, p.Version); ferr == nil && again != nil {
				v, err = again, nil
			}
		}
		if err != nil {
			return domainError(err)
		}
	}
	if p.Approve && v.Status == imageshare.StatusReviewing {
		_, err := op.ReviewVersion(ctx, v.ID, imageshare.ReviewDecision{Approve: true})
		if imageshare.IsKind(err, imageshare.KindConflict) {
			// Approved meanwhile by another replica: fine if so.
			if again, ferr := findVersion(ctx, op, src.OwnerID, p.Name, p.Version); ferr == nil && again != nil && again.Status == imageshare.StatusAvailable {
				err = nil
			}
		}
		if err != nil {
			return domainError(err)
		}
	}
	return nil
}

// findVersion returns the owner's version with this community name and
// version name, or nil: applying a seed twice publishes nothing twice.
func findVersion(ctx context.Context, op core.Operator, owner int64, name, version string) (*imageshare.Image, error) {
	versions, _, err := op.ReviewQueue(ctx, imageshare.CommunityFilter{OwnerID: owner, Name: name, Statuses: allStatuses,
		Page: imageshare.Page{Limit: 100}})
	if err != nil {
		return nil, fmt.Errorf("looking for version %s of %q: %w", version, name, domainError(err))
	}
	for _, v := range versions {
		if strings.EqualFold(v.Name, name) && v.VersionName == version {
			return v, nil
		}
	}
	return nil, nil
}
