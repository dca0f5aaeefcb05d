package core

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"strings"

	"github.com/imageshare/imageshare"
)

// lineageGroup is the version group of a custom image that has none yet.
// It is derived from the image id, so that two first publications racing
// each other land in the same group.
func lineageGroup(imageID string) string {
	sum := sha256.Sum256([]byte(imageID))
	return "compshareGroup-" + hex.EncodeToString(sum[:6])
}

// checkPrice accepts yuan amounts from 0 to MaxPrice with at most two
// decimals ("支持00.00").
func checkPrice(p float64) error {
	if math.IsNaN(p) || math.IsInf(p, 0) || p < 0 || p > imageshare.MaxPrice {
		return invalid("price must be between 0 and %.2f", imageshare.MaxPrice)
	}
	if cents := p * 100; math.Abs(cents-math.Round(cents)) > 1e-6 {
		return invalid("price has at most two decimals")
	}
	return nil
}

// versionNameTries bounds the retries of a default version name that a
// concurrent publication took first.
const versionNameTries = 5

// PublishImage implements imageshare.Service. Inputs are checked in this
// order, the first bad one refusing the call: price, tags, description,
// readme, cover, version description, softwares (checkSoftware's order);
// then the image itself.
func (s *Service) PublishImage(ctx context.Context, c imageshare.Caller, r imageshare.PublishRequest) (*imageshare.Image, error) {
	if err := s.authorizeImage(ctx, c, imageshare.OpPublishImage, r.Region, r.ImageID); err != nil {
		return nil, err
	}
	if err := checkPrice(r.Price); err != nil {
		return nil, err
	}
	tags, err := cleanTags(r.Tags)
	if err != nil {
		return nil, err
	}
	if err := checkFields(
		textField{"description", r.Description, imageshare.MaxDescriptionBytes},
		textField{"readme", r.Readme, imageshare.MaxReadmeBytes},
		textField{"cover", r.Cover, imageshare.MaxCoverBytes},
		textField{"version description", &r.VersionDesc, imageshare.MaxDescriptionBytes},
	); err != nil {
		return nil, err
	}
	if err := checkSoftware(r.Softwares); err != nil {
		return nil, err
	}
	src, err := s.ownedImage(ctx, c, r.ImageID, r.Region)
	if err != nil {
		return nil, err
	}
	if src.Type != imageshare.ImageCustom {
		return nil, imageshare.Errorf(imageshare.KindForbidden, imageshare.ReasonNotCustomImage,
			"image %q is a %s image; only Custom images can be published", src.ID, src.Type)
	}
	if err := s.settle(ctx, src); err != nil {
		return nil, err
	}
	if src.Status != imageshare.StatusAvailable {
		return nil, imageshare.Errorf(imageshare.KindConflict, imageshare.ReasonImageNotAvailable,
			"image %q is %s; only an Available image can be published", src.ID, src.Status)
	}
	name := src.Name
	if r.Name != "" {
		if name, err = imageName("community image name", r.Name); err != nil {
			return nil, err
		}
	}
	group := src.GroupID
	if group == "" {
		group = lineageGroup(src.ID)
	}
	if r.GroupID != "" {
		_, n, err := s.store.FindCommunityImages(ctx, imageshare.CommunityFilter{OwnerID: c.AccountID, GroupID: r.GroupID, Page: imageshare.Page{Limit: 1}})
		if err != nil {
			return nil, err
		}
		if n == 0 {
			return nil, imageshare.Errorf(imageshare.KindNotFound, imageshare.ReasonGroupNotFound, "version group %q does not exist", r.GroupID)
		}
		group = r.GroupID
	}
	owner, err := s.store.FindAccountByID(ctx, c.AccountID)
	if err != nil {
		return nil, err
	}
	v := &imageshare.Image{
		Region: src.Region, OwnerID: c.AccountID, Type: imageshare.ImageCommunity, Status: imageshare.StatusReviewing,
		Name: name, Description: src.Description, SizeMB: src.SizeMB, Tags: tags, CreatedAt: s.now().UTC(),
		Readme: src.Readme, Cover: src.Cover, Author: authorName(owner), AutoStart: r.AutoStart, Container: src.Container,
		ImageCharge: r.Price > 0, Price: r.Price, IsOfficial: src.IsOfficial, Visibility: 1, Softwares: src.Softwares,
		SourceGPUType: src.SourceGPUType, SourceInstance: src.SourceInstance, GroupID: group, VersionDesc: r.VersionDesc,
		OSName: src.OSName, OSType: src.OSType,
	}
	if r.Description != nil {
		v.Description = *r.Description
	}
	if r.Readme != nil {
		v.Readme = *r.Readme
	}
	if r.Cover != nil {
		v.Cover = *r.Cover
	}
	if r.Softwares != nil {
		v.Softwares = *r.Softwares
	}
	if r.VersionName != "" {
		if v.VersionName, err = imageName("version name", r.VersionName); err != nil {
			return nil, err
		}
		v.ID = NewImageID()
		return v, s.store.CreateVersion(ctx, v, src.ID)
	}
	// The default name is v<N>, N one more than the group's versions; a
	// publication racing this one may take it first, then try the next.
	_, n, err := s.store.FindCommunityImages(ctx, imageshare.CommunityFilter{GroupID: group, Page: imageshare.Page{Limit: 1}})
	if err != nil {
		return nil, err
	}
	for i := range versionNameTries {
		v.ID = NewImageID()
		v.VersionName = fmt.Sprintf("v%d", n+1+i)
		err = s.store.CreateVersion(ctx, v, src.ID)
		if imageshare.ErrorReason(err) != imageshare.ReasonDuplicateName {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	return v, nil
}

// Bounds on catalog queries.
const maxQueryBytes = 256

// checkQuery validates the caller-supplied parts of a catalog filter, in
// this order: name, fuzzy search, author, tag, image id, group id, sort
// field, offset; and bounds its page.
func checkQuery(f *imageshare.CommunityFilter) error {
	if err := checkFields(
		textField{"name", &f.Name, maxQueryBytes},
		textField{"fuzzy search", &f.Fuzzy, maxQueryBytes},
		textField{"author", &f.Author, maxQueryBytes},
		textField{"tag", &f.Tag, maxQueryBytes},
		textField{"image id", &f.ImageID, maxQueryBytes},
		textField{"group id", &f.GroupID, maxQueryBytes},
	); err != nil {
		return err
	}
	if !f.Sort.Field.Valid() {
		return invalid("sort field %q is not one of PubTime, Favor, Price, CreatedCount, ImageUseTime, FavoritesCount", f.Sort.Field)
	}
	if f.Page.Offset < 0 {
		return invalid("offset must not be negative")
	}
	if f.Page.Limit <= 0 {
		f.Page.Limit = imageshare.DefaultCommunityLimit
	}
	f.Page.Limit = min(f.Page.Limit, imageshare.MaxCommunityLimit)
	return nil
}

// public restricts f to the public catalog.
func public(f *imageshare.CommunityFilter) error {
	f.Statuses = []imageshare.ImageStatus{imageshare.StatusAvailable}
	f.PublicOnly = true
	return checkQuery(f)
}

// CommunityImages implements imageshare.Service.
func (s *Service) CommunityImages(ctx context.Context, c imageshare.Caller, f imageshare.CommunityFilter) ([]*imageshare.Image, int, error) {
	if err := s.authorizeList(ctx, c, imageshare.OpCommunityImages, f.Region); err != nil {
		return nil, 0, err
	}
	if err := public(&f); err != nil {
		return nil, 0, err
	}
	return s.store.FindCommunityImages(ctx, f)
}

// CommunityGroups implements imageshare.Service.
func (s *Service) CommunityGroups(ctx context.Context, c imageshare.Caller, f imageshare.CommunityFilter) (*imageshare.VersionGroupList, error) {
	if err := s.authorizeList(ctx, c, imageshare.OpCommunityGroups, f.Region); err != nil {
		return nil, err
	}
	if err := public(&f); err != nil {
		return nil, err
	}
	return s.store.FindVersionGroups(ctx, f)
}

// SelfCommunityGroups implements imageshare.Service.
func (s *Service) SelfCommunityGroups(ctx context.Context, c imageshare.Caller, f imageshare.CommunityFilter) (*imageshare.VersionGroupList, error) {
	if err := s.authorizeList(ctx, c, imageshare.OpSelfCommunityGroups, f.Region); err != nil {
		return nil, err
	}
	f.OwnerID, f.OrganizationID, f.PublicOnly = c.AccountID, 0, false
	if err := checkQuery(&f); err != nil {
		return nil, err
	}
	if f.ImageID != "" {
		// One of the caller's custom images selects its lineage's group.
		im, err := s.store.FindImageByID(ctx, f.ImageID)
		if err != nil && !imageshare.IsKind(err, imageshare.KindNotFound) {
			return nil, err
		}
		if err == nil && im.Type == imageshare.ImageCustom && im.OwnerID == c.AccountID {
			f.ImageID, f.GroupID = "", im.GroupID
			if f.GroupID == "" {
				f.GroupID = lineageGroup(im.ID) // not published yet: an empty listing
			}
		}
	}
	return s.store.FindVersionGroups(ctx, f)
}

// CatalogTags implements imageshare.Service.
func (s *Service) CatalogTags(ctx context.Context, c imageshare.Caller, region string) ([]string, error) {
	if err := s.authorizeList(ctx, c, imageshare.OpCatalogTags, region); err != nil {
		return nil, err
	}
	return s.store.ListCatalogTags(ctx, region, imageshare.MaxCatalogTags)
}

// ReviewQueue implements imageshare.CommunityOperator.
func (s *Service) ReviewQueue(ctx context.Context, f imageshare.CommunityFilter) ([]*imageshare.Image, int, error) {
	if len(f.Statuses) == 0 {
		f.Statuses = []imageshare.ImageStatus{imageshare.StatusReviewing}
		if f.Sort.Field == "" {
			f.Sort = imageshare.CommunitySort{Field: imageshare.SortCreateTime, Asc: true}
		}
	}
	for _, st := range f.Statuses {
		if !st.Valid() {
			return nil, 0, invalid("status %q is not one of Making, Available, UnAvailable, Reviewing, Offline", st)
		}
	}
	if err := checkQuery(&f); err != nil {
		return nil, 0, err
	}
	return s.store.FindCommunityImages(ctx, f)
}

// Bounds on a review.
const maxReasonBytes = 1024

// DefaultRejectReason is shown to a publisher whose version an operator
// rejected without saying why.
const DefaultRejectReason = "rejected by the operator"

// ReviewVersion implements imageshare.CommunityOperator.
func (s *Service) ReviewVersion(ctx context.Context, versionID string, d imageshare.ReviewDecision) (*imageshare.Image, error) {
	c := imageshare.StatusChange{ImageID: versionID, From: []imageshare.ImageStatus{imageshare.StatusReviewing}}
	if d.Approve {
		now, none := s.now().UTC(), ""
		c.To, c.PublishedAt, c.FailedReason = imageshare.StatusAvailable, &now, &none
	} else {
		reason := strings.TrimSpace(d.Reason)
		if reason == "" {
			reason = DefaultRejectReason
		}
		if err := checkText("reason", reason, maxReasonBytes); err != nil {
			return nil, err
		}
		c.To, c.FailedReason = imageshare.StatusUnAvailable, &reason
	}
	verb := "approved"
	if !d.Approve {
		verb = "rejected"
	}
	return s.changeVersion(ctx, c, "only a Reviewing version can be "+verb)
}

// SetVersionOnline implements imageshare.CommunityOperator.
func (s *Service) SetVersionOnline(ctx context.Context, versionID string, online bool) (*imageshare.Image, error) {
	c := imageshare.StatusChange{ImageID: versionID,
		From: []imageshare.ImageStatus{imageshare.StatusAvailable}, To: imageshare.StatusOffline}
	rule := "only an Available version can be taken offline"
	if online {
		c.From, c.To = []imageshare.ImageStatus{imageshare.StatusOffline}, imageshare.StatusAvailable
		rule = "only an Offline version can be put back online"
	}
	return s.changeVersion(ctx, c, rule)
}

// changeVersion applies c to a community version; rule explains a refusal
// for the version's state.
func (s *Service) changeVersion(ctx context.Context, c imageshare.StatusChange, rule string) (*imageshare.Image, error) {
	notFound := imageshare.Errorf(imageshare.KindNotFound, imageshare.ReasonVersionNotFound, "community version %q does not exist", c.ImageID)
	if c.ImageID == "" {
		return nil, notFound
	}
	v, err := s.store.FindImageByID(ctx, c.ImageID)
	if imageshare.IsKind(err, imageshare.KindNotFound) {
		return nil, notFound
	}
	if err != nil {
		return nil, err
	}
	if v.Type != imageshare.ImageCommunity {
		return nil, notFound
	}
	changed, err := s.store.ChangeImageStatus(ctx, c)
	switch {
	case err == nil:
		return changed, nil
	case imageshare.IsKind(err, imageshare.KindNotFound):
		return nil, notFound
	case imageshare.IsKind(err, imageshare.KindConflict):
		// Re-read: the state may have changed since v was read.
		if now, ferr := s.store.FindImageByID(ctx, c.ImageID); ferr == nil {
			v = now
		}
		return nil, imageshare.Errorf(imageshare.KindConflict, imageshare.ReasonImageNotAvailable,
			"community version %q is %s; %s", c.ImageID, v.Status, rule)
	}
	return nil, err
}

var _ imageshare.CommunityOperator = (*Service)(nil)
