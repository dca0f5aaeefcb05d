package ucloud

import (
	"context"
	"strconv"

	"github.com/imageshare/imageshare"
)

// publishImage is PublishCompShareImage: submit a version of the caller's
// Available custom image for review. Besides the SDK's parameters it takes
// GroupId (add the version to this existing group of the caller's),
// VersionName and VersionDesc; the response carries the new version's
// CompShareImageId, GroupId and VersionName (keys the SDK ignores).
func (h *handler) publishImage(ctx context.Context, c *call) (any, error) {
	p := c.Params
	r := imageshare.PublishRequest{Region: c.Region}
	var err error
	if r.ImageID, err = p.RequiredString("CompShareImageId"); err != nil {
		return nil, err
	}
	price, ok, err := p.Float("Price")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, missingParam("Price")
	}
	r.Price = price
	if r.AutoStart, _, err = p.Bool("AutoStart"); err != nil {
		return nil, err
	}
	for name, dst := range map[string]*string{"CommunityImageName": &r.Name, "GroupId": &r.GroupID, "VersionName": &r.VersionName, "VersionDesc": &r.VersionDesc} {
		if *dst, _, err = p.String(name); err != nil {
			return nil, err
		}
	}
	for name, dst := range map[string]**string{"Description": &r.Description, "Readme": &r.Readme, "Cover": &r.Cover} {
		if *dst, err = p.OptionalString(name); err != nil {
			return nil, err
		}
	}
	if r.Tags, err = p.StringList("Tags"); err != nil {
		return nil, err
	}
	if r.Softwares, err = p.software("Softwares"); err != nil {
		return nil, err
	}
	v, err := h.svc.PublishImage(ctx, c.Caller, r)
	if err != nil {
		return nil, err
	}
	return struct {
		CompShareImageId string `json:"CompShareImageId"`
		GroupId          string `json:"GroupId"`
		VersionName      string `json:"VersionName"`
		Status           string `json:"Status"`
	}{v.ID, v.GroupID, v.VersionName, string(v.Status)}, nil
}

// sortFields are the SortCondition.Field values CompShare documents.
var sortFields = map[string]imageshare.CommunitySortField{
	"PubTime":        imageshare.SortPubTime,
	"Favor":          imageshare.SortFavor,
	"Price":          imageshare.SortPrice,
	"CreatedCount":   imageshare.SortCreatedCount,
	"ImageUseTime":   imageshare.SortImageUseTime,
	"FavoritesCount": imageshare.SortFavoritesCount,
}

// catalogFilter reads DescribeCommunityImages' parameters, which
// DescribeUserCommunityImages shares: Name (fuzzy), Tag (exact), Author
// (exact), CompShareImageId, Offset/Limit (default 0/20, Limit at most 100)
// and SortCondition.Field/ASC (default PubTime, descending).
func catalogFilter(c *call) (imageshare.CommunityFilter, error) {
	p := c.Params
	f := imageshare.CommunityFilter{Region: c.Region}
	var err error
	for name, dst := range map[string]*string{"Name": &f.Name, "Tag": &f.Tag, "Author": &f.Author, "CompShareImageId": &f.ImageID} {
		if *dst, _, err = p.String(name); err != nil {
			return f, err
		}
	}
	if f.Page, err = pageParams(p); err != nil {
		return f, err
	}
	field, ok, err := p.String("SortCondition.Field")
	if err != nil {
		return f, err
	}
	if ok {
		if f.Sort.Field, ok = sortFields[field]; !ok {
			return f, invalidParam("SortCondition.Field", "must be one of PubTime, Favor, Price, CreatedCount, ImageUseTime, FavoritesCount")
		}
	}
	if f.Sort.Asc, _, err = p.Bool("SortCondition.ASC"); err != nil {
		return f, err
	}
	return f, nil
}

// communityOwner is the Owner of a community version: the publisher's id
// and the name it publishes under (never its login e-mail).
func communityOwner(im *imageshare.Image) projects {
	return projects{AccountId: strconv.FormatInt(im.OwnerID, 10), AccountName: im.Author}
}

// describeCommunityImages is DescribeCommunityImages: the public catalog
// of the region, one entry per published version.
func (h *handler) describeCommunityImages(ctx context.Context, c *call) (any, error) {
	f, err := catalogFilter(c)
	if err != nil {
		return nil, err
	}
	images, total, err := h.svc.CommunityImages(ctx, c.Caller, f)
	if err != nil {
		return nil, err
	}
	out := imageListResponse{ImageSet: make([]compShareImage, 0, len(images)), TotalCount: total}
	for _, im := range images {
		out.ImageSet = append(out.ImageSet, toCompShareImage(im, communityOwner(im), f.ImageID != ""))
	}
	return out, nil
}

// compshareImageGroup is the SDK's CompshareImageGroup model.
type compshareImageGroup struct {
	CreatedCount   int64            `json:"CreatedCount"`
	Data           []compShareImage `json:"Data"`
	FavoritesCount int64            `json:"FavoritesCount"`
	GroupId        string           `json:"GroupId"`
	ImageDesc      string           `json:"ImageDesc"`
	ImageName      string           `json:"ImageName"`
	ImageUseTime   int64            `json:"ImageUseTime"`
	IsFavorite     bool             `json:"IsFavorite"`
	RecommendCount int64            `json:"RecommendCount"`
	Status         string           `json:"Status"`
}

// toGroups renders a grouped listing. A group is named and described by
// its newest matching version; its Status is Available when one of its
// matching versions is.
func toGroups(l *imageshare.VersionGroupList, withReadme bool) []compshareImageGroup {
	out := make([]compshareImageGroup, 0, len(l.Groups))
	for _, g := range l.Groups {
		cg := compshareImageGroup{
			CreatedCount: g.CreatedCount, FavoritesCount: g.FavoritesCount, ImageUseTime: g.ImageUseTime,
			GroupId: g.ID, Data: make([]compShareImage, 0, len(g.Versions)), Status: string(imageshare.StatusUnAvailable),
		}
		if g.Available {
			cg.Status = string(imageshare.StatusAvailable)
		}
		if len(g.Versions) > 0 {
			cg.ImageName, cg.ImageDesc = g.Versions[0].Name, g.Versions[0].Description
		}
		for _, v := range g.Versions {
			cg.Data = append(cg.Data, toCompShareImage(v, communityOwner(v), withReadme))
		}
		out = append(out, cg)
	}
	return out
}

// describeSelfCommunityImages is DescribeSelfCommunityImages: the caller's
// own versions in every state (Reviewing, rejected as UnAvailable with
// FailedReason, Offline...), grouped. CompShareImageId selects one
// version, or the group of one of the caller's custom images; GroupId
// selects a group. Offset/Limit page the groups.
func (h *handler) describeSelfCommunityImages(ctx context.Context, c *call) (any, error) {
	p := c.Params
	f := imageshare.CommunityFilter{Region: c.Region}
	var err error
	if f.ImageID, _, err = p.String("CompShareImageId"); err != nil {
		return nil, err
	}
	if f.GroupID, _, err = p.String("GroupId"); err != nil {
		return nil, err
	}
	if f.Page, err = pageParams(p); err != nil {
		return nil, err
	}
	l, err := h.svc.SelfCommunityGroups(ctx, c.Caller, f)
	if err != nil {
		return nil, err
	}
	return struct {
		AvailableTotalCount int                   `json:"AvailableTotalCount"`
		ImageSetGroup       []compshareImageGroup `json:"ImageSetGroup"`
		TotalCount          int                   `json:"TotalCount"`
	}{l.AvailableTotal, toGroups(l, f.ImageID != ""), l.Total}, nil
}

// userCommunityImagesResponse is DescribeUserCommunityImages' reply. The
// documentation names the list CompshareImageGroup; the SDK reads ImageSetGroup and
// AvailableTotalCount. Both lists carry the same groups (docs/protocols.md
// section 5).
type userCommunityImagesResponse struct {
	TotalCount          int                   `json:"TotalCount"`
	CompshareImageGroup []compshareImageGroup `json:"CompshareImageGroup"`
	ImageSetGroup       []compshareImageGroup `json:"ImageSetGroup"`
	AvailableTotalCount int                   `json:"AvailableTotalCount"`
}

// describeUserCommunityImages is DescribeUserCommunityImages (docs/community.md):
// the published versions of the publisher whose organization is
// TargetTopOrganizationId (of every publisher when absent), grouped by
// version group; TotalCount counts groups. It takes DescribeCommunityImages'
// parameters and the SDK's FuzzySearch (name or author), IsFree and
// IsOfficial.
func (h *handler) describeUserCommunityImages(ctx context.Context, c *call) (any, error) {
	f, err := catalogFilter(c)
	if err != nil {
		return nil, err
	}
	p := c.Params
	org, ok, err := p.Int("TargetTopOrganizationId")
	if err != nil {
		return nil, err
	}
	if ok {
		if org <= 0 {
			return nil, invalidParam("TargetTopOrganizationId", "must be a positive organization id")
		}
		f.OrganizationID = org
	}
	if f.Fuzzy, _, err = p.String("FuzzySearch"); err != nil {
		return nil, err
	}
	if f.FreeOnly, _, err = p.Bool("IsFree"); err != nil {
		return nil, err
	}
	if f.OfficialOnly, _, err = p.Bool("IsOfficial"); err != nil {
		return nil, err
	}
	l, err := h.svc.CommunityGroups(ctx, c.Caller, f)
	if err != nil {
		return nil, err
	}
	groups := toGroups(l, f.ImageID != "")
	return userCommunityImagesResponse{
		TotalCount:          l.Total,
		CompshareImageGroup: groups,
		ImageSetGroup:       groups,
		AvailableTotalCount: l.AvailableTotal,
	}, nil
}
