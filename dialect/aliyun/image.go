package aliyun

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/imageshare/imageshare"
)

// Alibaba's image statuses and the domain statuses they stand for. Alibaba
// has no review state, so Reviewing reads as Waiting; a withdrawn (Offline)
// image reads as Deprecated. CreateFailed has no domain counterpart: a
// failed build is UnAvailable.
var statusToAliyun = map[imageshare.ImageStatus]string{
	imageshare.StatusMaking:      "Creating",
	imageshare.StatusAvailable:   "Available",
	imageshare.StatusUnAvailable: "UnAvailable",
	imageshare.StatusReviewing:   "Waiting",
	imageshare.StatusOffline:     "Deprecated",
}

var statusFromAliyun = map[string]imageshare.ImageStatus{
	"Creating":     imageshare.StatusMaking,
	"Available":    imageshare.StatusAvailable,
	"UnAvailable":  imageshare.StatusUnAvailable,
	"Waiting":      imageshare.StatusReviewing,
	"Deprecated":   imageshare.StatusOffline,
	"CreateFailed": "", // valid to ask for, matches nothing
}

// Image owner aliases (DescribeImages ImageOwnerAlias).
const (
	aliasSelf        = "self"
	aliasOthers      = "others"
	aliasSystem      = "system"
	aliasMarketplace = "marketplace"
)

// ownerSource is one kind of image DescribeImages draws from.
type ownerSource struct {
	alias string
	scope imageshare.Scope
	types []imageshare.ImageType
}

var ownerSources = map[string]ownerSource{
	aliasSelf:        {aliasSelf, imageshare.ScopeOwned, nil},
	aliasOthers:      {aliasOthers, imageshare.ScopeShared, nil},
	aliasSystem:      {aliasSystem, imageshare.ScopePlatform, []imageshare.ImageType{imageshare.ImageSystem}},
	aliasMarketplace: {aliasMarketplace, imageshare.ScopePlatform, []imageshare.ImageType{imageshare.ImageApp}},
}

// maxImageIDs bounds the ImageId list of DescribeImages, as Alibaba does.
const maxImageIDs = 100

type describeImagesResponse struct {
	RequestID  string `json:"RequestId" xml:"RequestId"`
	RegionID   string `json:"RegionId" xml:"RegionId"`
	TotalCount int    `json:"TotalCount" xml:"TotalCount"`
	PageNumber int    `json:"PageNumber" xml:"PageNumber"`
	PageSize   int    `json:"PageSize" xml:"PageSize"`
	Images     images `json:"Images" xml:"Images"`
}

type images struct {
	Image []imageItem `json:"Image" xml:"Image"`
}

// imageItem carries the fields of the SDK's ecs.Image that imageshare
// knows; the others are left out rather than invented.
type imageItem struct {
	ImageID         string `json:"ImageId" xml:"ImageId"`
	ImageName       string `json:"ImageName" xml:"ImageName"`
	ImageOwnerAlias string `json:"ImageOwnerAlias" xml:"ImageOwnerAlias"`
	ImageOwnerID    int64  `json:"ImageOwnerId" xml:"ImageOwnerId"`
	Description     string `json:"Description" xml:"Description"`
	OSName          string `json:"OSName" xml:"OSName"`
	OSNameEn        string `json:"OSNameEn" xml:"OSNameEn"`
	OSType          string `json:"OSType" xml:"OSType"`
	Size            int64  `json:"Size" xml:"Size"` // GiB
	Status          string `json:"Status" xml:"Status"`
	Progress        string `json:"Progress" xml:"Progress"`
	CreationTime    string `json:"CreationTime" xml:"CreationTime"`
	IsPublic        bool   `json:"IsPublic" xml:"IsPublic"`
	Usage           string `json:"Usage" xml:"Usage"`
	Tags            tags   `json:"Tags" xml:"Tags"`

	Architecture         string `json:"Architecture" xml:"Architecture"`
	Platform             string `json:"Platform" xml:"Platform"`
	BootMode             string `json:"BootMode" xml:"BootMode"`
	ImageFamily          string `json:"ImageFamily" xml:"ImageFamily"`
	ImageVersion         string `json:"ImageVersion" xml:"ImageVersion"`
	IsSupportIoOptimized bool   `json:"IsSupportIoOptimized" xml:"IsSupportIoOptimized"`
	IsSupportCloudinit   bool   `json:"IsSupportCloudinit" xml:"IsSupportCloudinit"`
	// IsSelfShared is a string in both SDKs' models ("true"/"false").
	IsSelfShared       string             `json:"IsSelfShared" xml:"IsSelfShared"`
	DiskDeviceMappings diskDeviceMappings `json:"DiskDeviceMappings" xml:"DiskDeviceMappings"`
}

type diskDeviceMappings struct {
	DiskDeviceMapping []diskDeviceMapping `json:"DiskDeviceMapping" xml:"DiskDeviceMapping"`
}

// diskDeviceMapping is one disk of an image. An imageshare image is one
// system disk; Size is a string of GiB in both SDKs' models.
type diskDeviceMapping struct {
	Type     string `json:"Type" xml:"Type"`
	Device   string `json:"Device" xml:"Device"`
	Size     string `json:"Size" xml:"Size"`
	Format   string `json:"Format" xml:"Format"`
	Progress string `json:"Progress" xml:"Progress"`
}

type tags struct {
	Tag []tag `json:"Tag" xml:"Tag"`
}

// tag is one key/value tag. An image's key tags come first, then its
// CompShare labels, each as a key with an empty value (docs/aliyun.md
// "Tags").
type tag struct {
	TagKey   string `json:"TagKey" xml:"TagKey"`
	TagValue string `json:"TagValue" xml:"TagValue"`
}

// describeImages lists the images the caller can use in the region, by
// owner alias: its own (self), those shared with it (others), platform
// base images (system) and platform application images (marketplace).
// Without an alias it lists system, self and others, in that order, as
// Alibaba does.
func (h *handler) describeImages(ctx context.Context, c *call) (any, error) {
	var sources []ownerSource
	switch alias := c.params["ImageOwnerAlias"]; alias {
	case "":
		sources = []ownerSource{ownerSources[aliasSystem], ownerSources[aliasSelf], ownerSources[aliasOthers]}
	default:
		src, ok := ownerSources[alias]
		if !ok {
			return nil, newError(http.StatusBadRequest, "InvalidImageOwnerAlias.ValueNotSupported",
				"The specified ImageOwnerAlias is not supported: it must be one of self, others, system, marketplace.")
		}
		sources = []ownerSource{src}
	}
	number, size, ae := c.page()
	if ae != nil {
		return nil, ae
	}
	f := imageshare.ImageFilter{Region: c.region, NameContains: c.params["ImageName"]}
	if f.IDs, ae = splitList("ImageId", c.params["ImageId"], maxImageIDs); ae != nil {
		return nil, ae
	}
	statuses, ae := splitList("Status", c.params["Status"], len(statusFromAliyun))
	if ae != nil {
		return nil, ae
	}
	if len(statuses) == 0 {
		statuses = []string{"Available"} // Alibaba's default
	}
	for _, s := range statuses {
		st, ok := statusFromAliyun[s]
		if !ok {
			return nil, errInvalid("Status", "it must be a comma-separated list of Creating, Waiting, Available, UnAvailable, CreateFailed, Deprecated")
		}
		if st != "" {
			f.Statuses = append(f.Statuses, st)
		}
	}
	df, ae := applyDescribeFilters(c.params, &f)
	if ae != nil {
		return nil, ae
	}
	if dryRun, ae := c.params.boolean("DryRun"); ae != nil {
		return nil, ae
	} else if dryRun != nil && *dryRun {
		return nil, errDryRun()
	}

	resp := &describeImagesResponse{
		RequestID:  c.requestID,
		RegionID:   c.region,
		PageNumber: number,
		PageSize:   size,
		Images:     images{Image: []imageItem{}},
	}
	if len(f.Statuses) == 0 || df.matchNone {
		return resp, nil // only statuses that match nothing were asked for
	}
	now := h.now()
	// The page runs across the sources in order: skip counts what the
	// earlier sources already covered of the requested offset.
	skip, want := (number-1)*size, size
	for _, src := range sources {
		sf := f
		sf.Scope, sf.Types = src.scope, src.types
		// Public images of other accounts are "others" when asked for
		// with IsPublic=true or by id (docs/aliyun.md "Public images").
		sf.WithPublic = src.scope == imageshare.ScopeShared && ((f.Public != nil && *f.Public) || len(f.IDs) > 0)
		if want > 0 {
			sf.Page = imageshare.Page{Offset: skip, Limit: want}
		} else {
			sf.Page = imageshare.Page{Limit: 1} // only the total is needed
		}
		found, total, err := h.svc.ListImages(ctx, c.caller, sf)
		if err != nil {
			return nil, err
		}
		resp.TotalCount += total
		skip = max(0, skip-total)
		if want == 0 {
			continue
		}
		for _, im := range found[:min(len(found), want)] {
			resp.Images.Image = append(resp.Images.Image, toImageItem(im, src.alias, now))
		}
		want -= min(len(found), want)
	}
	return resp, nil
}

// splitList splits a comma-separated parameter, dropping empty items.
func splitList(name, v string, limit int) ([]string, *apiError) {
	var out []string
	for item := range strings.SplitSeq(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	if len(out) > limit {
		return nil, errInvalid(name, fmt.Sprintf("it lists more than %d values", limit))
	}
	return out, nil
}

func toImageItem(im *imageshare.Image, alias string, now time.Time) imageItem {
	sizeGiB := (im.SizeMB + 1023) / 1024
	osNameEn := im.OSNameEn
	if osNameEn == "" {
		osNameEn = im.OSName // an image with no English name recorded
	}
	it := imageItem{
		ImageID:              im.ID,
		ImageName:            im.Name,
		ImageOwnerAlias:      alias,
		ImageOwnerID:         im.OwnerID,
		Description:          im.Description,
		OSName:               im.OSName,
		OSNameEn:             osNameEn,
		OSType:               im.OSType,
		Size:                 sizeGiB,
		Status:               statusToAliyun[im.Status],
		Progress:             progress(im, now),
		CreationTime:         im.CreatedAt.UTC().Format(timeShape),
		IsPublic:             im.IsPublic,
		Usage:                usage(im),
		Tags:                 tags{Tag: make([]tag, 0, len(im.KeyTags)+len(im.Tags))},
		Architecture:         im.Architecture,
		Platform:             im.Platform,
		BootMode:             im.BootMode,
		ImageFamily:          im.ImageFamily,
		ImageVersion:         im.ImageVersion,
		IsSupportIoOptimized: im.IsSupportIoOptimized,
		IsSupportCloudinit:   im.IsSupportCloudinit,
		IsSelfShared:         strconv.FormatBool(im.HasShares),
		DiskDeviceMappings: diskDeviceMappings{DiskDeviceMapping: []diskDeviceMapping{{
			Type: "system", Device: "/dev/xvda", Size: strconv.FormatInt(sizeGiB, 10), Progress: "100%",
		}}},
	}
	if it.Status == "" {
		it.Status = string(im.Status)
	}
	if im.Status == imageshare.StatusMaking {
		it.DiskDeviceMappings.DiskDeviceMapping[0].Progress = it.Progress
	}
	for _, t := range im.KeyTags {
		it.Tags.Tag = append(it.Tags.Tag, tag{TagKey: t.Key, TagValue: t.Value})
	}
	for _, t := range im.Tags {
		if !slices.ContainsFunc(im.KeyTags, func(k imageshare.Tag) bool { return k.Key == t }) {
			it.Tags.Tag = append(it.Tags.Tag, tag{TagKey: t})
		}
	}
	return it
}

// progress is "100%" once an image is built and, while it is being made,
// the share of its build time that has passed.
func progress(im *imageshare.Image, now time.Time) string {
	if im.Status != imageshare.StatusMaking {
		return "100%"
	}
	total := im.BuildDoneAt.Sub(im.BuildStartedAt)
	if im.BuildStartedAt.IsZero() || total <= 0 {
		return "0%"
	}
	pct := int64(now.Sub(im.BuildStartedAt) * 100 / total)
	return strconv.FormatInt(min(max(pct, 0), 99), 10) + "%"
}

// deleteImage deletes an image of the caller. While the image is shared
// it is refused with ImageUseShared unless Force=true, which removes the
// shares with it. As ECS documents ("If the specified custom image does
// not exist, the request is ignored"), an image that does not exist is
// a success that changes nothing; another account's image is the core's
// same not-found, so it too is answered 200 and left alone, and the
// answer never tells whether it exists. An image still being created is
// DeleteImage's own ImageIsCreating (docs/aliyun.md).
func (h *handler) deleteImage(ctx context.Context, c *call) (any, error) {
	imageID, ae := c.params.required("ImageId")
	if ae != nil {
		return nil, ae
	}
	force, ae := c.params.boolean("Force")
	if ae != nil {
		return nil, ae
	}
	del := h.svc.DeleteImage
	if c.dryRun {
		del = h.svc.CheckDeleteImage
	}
	// A missing image (or another tenant's, which looks the same) is
	// ignored, as ECS documents: the call, and so its DryRun, succeeds.
	err := del(ctx, c.caller, imageID, c.region, force != nil && *force)
	switch imageshare.ErrorReason(err) {
	case imageshare.ReasonImageNotFound:
		err = nil
	case imageshare.ReasonImageCreating:
		return nil, newError(http.StatusForbidden, "ImageIsCreating", "The specified image is being created.")
	}
	if err != nil {
		return nil, err
	}
	return &requestIDResponse{RequestID: c.requestID}, nil
}

// usage is DescribeImages' Usage: "instance" while some instance runs the
// image, else "none" (docs/aliyun.md).
func usage(im *imageshare.Image) string {
	if im.InUse {
		return "instance"
	}
	return "none"
}
