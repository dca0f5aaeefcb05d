package ucloud

import (
	"context"
	"strconv"
	"time"

	"github.com/imageshare/imageshare"
)

// compShareImage is the SDK's CompShareImage model. Field names and JSON
// types follow services/ucompshare/models.go exactly, because the SDK
// decodes with plain encoding/json into typed structs: Container is a
// string, times are unix seconds, Owner.AccountId is a string.
type compShareImage struct {
	AuthInfo         int           `json:"AuthInfo"`
	Author           string        `json:"Author"`
	AutoStart        bool          `json:"AutoStart"`
	CompShareImageId string        `json:"CompShareImageId"`
	Container        string        `json:"Container"`
	Cover            string        `json:"Cover"`
	CreateTime       int64         `json:"CreateTime"`
	CreatedCount     int64         `json:"CreatedCount"`
	Description      string        `json:"Description"`
	FailedReason     string        `json:"FailedReason"`
	FavoritesCount   int64         `json:"FavoritesCount"`
	GroupId          string        `json:"GroupId"`
	ImageCharge      bool          `json:"ImageCharge"`
	ImageOwnerAlias  string        `json:"ImageOwnerAlias"`
	ImageType        string        `json:"ImageType"`
	ImageUseTime     int64         `json:"ImageUseTime"`
	IsOfficial       bool          `json:"IsOfficial"`
	Name             string        `json:"Name"`
	Owner            projects      `json:"Owner"`
	Price            float64       `json:"Price"`
	PubTime          int64         `json:"PubTime"`
	Readme           string        `json:"Readme,omitempty"`
	Size             int64         `json:"Size"`
	Softwares        softwareModel `json:"Softwares"`
	SourceGpuType    string        `json:"SourceGpuType"`
	Status           string        `json:"Status"`
	Tags             []string      `json:"Tags"`
	VersionDesc      string        `json:"VersionDesc"`
	VersionName      string        `json:"VersionName"`
	Visibility       int           `json:"Visibility"`
}

// projects is the SDK's Projects model: an account as an image's owner.
type projects struct {
	AccountId   string `json:"AccountId"`
	AccountName string `json:"AccountName"`
}

// softwareModel is the SDK's Software model.
type softwareModel struct {
	Applications     []string `json:"Applications"`
	CUDAVersion      string   `json:"CUDAVersion"`
	Framework        string   `json:"Framework"`
	FrameworkVersion string   `json:"FrameworkVersion"`
}

// imageListResponse is the shape of every image listing action.
type imageListResponse struct {
	ImageSet   []compShareImage `json:"ImageSet"`
	TotalCount int              `json:"TotalCount"`
}

// toCompShareImage renders im; withReadme adds the long Readme, which
// CompShare returns only when one image is asked for by id.
func toCompShareImage(im *imageshare.Image, owner projects, withReadme bool) compShareImage {
	out := compShareImage{
		AuthInfo:         im.AuthInfo,
		Author:           im.Author,
		AutoStart:        im.AutoStart,
		CompShareImageId: im.ID,
		Container:        strconv.FormatBool(im.Container),
		Cover:            im.Cover,
		CreateTime:       unix(im.CreatedAt),
		CreatedCount:     im.CreatedCount,
		Description:      im.Description,
		FailedReason:     im.FailedReason,
		FavoritesCount:   im.FavoritesCount,
		GroupId:          im.GroupID,
		ImageCharge:      im.ImageCharge,
		ImageOwnerAlias:  ownerAlias(im.Type),
		ImageType:        string(im.Type),
		ImageUseTime:     im.ImageUseTime,
		IsOfficial:       im.IsOfficial,
		Name:             im.Name,
		Owner:            owner,
		Price:            im.Price,
		PubTime:          unix(im.PublishedAt),
		Size:             im.SizeMB,
		Softwares: softwareModel{
			Applications:     nonNil(im.Softwares.Applications),
			CUDAVersion:      im.Softwares.CUDAVersion,
			Framework:        im.Softwares.Framework,
			FrameworkVersion: im.Softwares.FrameworkVersion,
		},
		SourceGpuType: im.SourceGPUType,
		Status:        string(im.Status),
		Tags:          nonNil(im.Tags),
		VersionDesc:   im.VersionDesc,
		VersionName:   im.VersionName,
		Visibility:    im.Visibility,
	}
	if withReadme {
		out.Readme = im.Readme
	}
	return out
}

// ownerAlias is CompShare's ImageOwnerAlias: Official for the platform's
// images, Community for community ones, empty for an account's own.
func ownerAlias(t imageshare.ImageType) string {
	switch t {
	case imageshare.ImageSystem, imageshare.ImageApp:
		return "Official"
	case imageshare.ImageCommunity:
		return "Community"
	}
	return ""
}

// unix is t in unix seconds, 0 for the zero time.
func unix(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// pageParams reads Offset (default 0) and Limit (default 20, at most 100;
// larger values are lowered to 100, 0 means the default).
func pageParams(p *params) (imageshare.Page, error) {
	page := imageshare.Page{Limit: 20}
	off, ok, err := p.Int("Offset")
	if err != nil {
		return page, err
	}
	if ok {
		if off < 0 || off > 1<<31 {
			return page, invalidParam("Offset", "must be between 0 and 2147483648")
		}
		page.Offset = int(off)
	}
	lim, ok, err := p.Int("Limit")
	if err != nil {
		return page, err
	}
	if ok {
		switch {
		case lim < 0:
			return page, invalidParam("Limit", "must not be negative")
		case lim > 100:
			page.Limit = 100
		case lim > 0:
			page.Limit = int(lim)
		}
	}
	return page, nil
}

// owners resolves owner account ids to the SDK's Projects, looking each
// account up once per request. An owner that no longer exists keeps its
// id with an empty name.
type owners struct {
	svc  imageshare.Service
	seen map[int64]projects
}

func (o *owners) get(ctx context.Context, id int64) (projects, error) {
	if id == 0 {
		return projects{}, nil
	}
	if p, ok := o.seen[id]; ok {
		return p, nil
	}
	p := projects{AccountId: strconv.FormatInt(id, 10)}
	a, err := o.svc.FindAccount(ctx, id)
	switch {
	case err == nil:
		p.AccountName = a.Name
	case !imageshare.IsKind(err, imageshare.KindNotFound):
		return projects{}, err
	}
	if o.seen == nil {
		o.seen = map[int64]projects{}
	}
	o.seen[id] = p
	return p, nil
}

// listImages runs one listing action: f's scope and types are set by the
// caller, the id filter and page come from the request.
func (h *handler) listImages(ctx context.Context, c *call, f imageshare.ImageFilter) (any, error) {
	id, byID, err := c.Params.String("CompShareImageId")
	if err != nil {
		return nil, err
	}
	if byID {
		f.IDs = []string{id}
	}
	if f.Page, err = pageParams(c.Params); err != nil {
		return nil, err
	}
	f.Region = c.Region
	images, total, err := h.svc.ListImages(ctx, c.Caller, f)
	if err != nil {
		return nil, err
	}
	o := &owners{svc: h.svc}
	out := imageListResponse{ImageSet: make([]compShareImage, 0, len(images)), TotalCount: total}
	for _, im := range images {
		owner, err := o.get(ctx, im.OwnerID)
		if err != nil {
			return nil, err
		}
		out.ImageSet = append(out.ImageSet, toCompShareImage(im, owner, byID))
	}
	return out, nil
}

// describeCustomImages is DescribeCompShareCustomImages: the caller's own
// Custom images.
func (h *handler) describeCustomImages(ctx context.Context, c *call) (any, error) {
	return h.listImages(ctx, c, imageshare.ImageFilter{
		Scope: imageshare.ScopeOwned,
		Types: []imageshare.ImageType{imageshare.ImageCustom},
	})
}

// describeSharingImages is DescribeCompShareSharingImages: images other
// accounts shared with the caller, each with its owner.
func (h *handler) describeSharingImages(ctx context.Context, c *call) (any, error) {
	return h.listImages(ctx, c, imageshare.ImageFilter{Scope: imageshare.ScopeShared})
}

// describePlatformImages is DescribeCompShareImages: the platform's System
// or App images, filtered by Name (substring), Tag and Author.
func (h *handler) describePlatformImages(ctx context.Context, c *call) (any, error) {
	f := imageshare.ImageFilter{Scope: imageshare.ScopePlatform}
	t, ok, err := c.Params.String("ImageType")
	if err != nil {
		return nil, err
	}
	switch {
	case !ok:
		// The SDK documents System as the default.
		f.Types = []imageshare.ImageType{imageshare.ImageSystem}
	case t == string(imageshare.ImageSystem) || t == string(imageshare.ImageApp):
		f.Types = []imageshare.ImageType{imageshare.ImageType(t)}
	default:
		return nil, invalidParam("ImageType", "must be System or App")
	}
	for name, dst := range map[string]*string{"Name": &f.NameContains, "Tag": &f.Tag, "Author": &f.Author} {
		if *dst, _, err = c.Params.String(name); err != nil {
			return nil, err
		}
	}
	return h.listImages(ctx, c, f)
}
