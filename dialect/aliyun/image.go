package aliyun

import (
	"context"
	"fmt"
	"net/http"
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
}

type tags struct {
	Tag []tag `json:"Tag" xml:"Tag"`
}

// tag is one image tag; imageshare tags are plain labels, so each is a key
// with an empty value.
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
			return nil, errInvalid("ImageOwnerAlias", "it must be one of self, others, system, marketplace")
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
	if dryRun, ae := c.params.boolean("DryRun"); ae != nil {
		return nil, ae
	} else if dryRun != nil && *dryRun {
		return nil, newError(http.StatusBadRequest, "DryRunOperation", "Request validation has been passed with DryRun flag set.")
	}

	resp := &describeImagesResponse{
		RequestID:  c.requestID,
		RegionID:   c.region,
		PageNumber: number,
		PageSize:   size,
		Images:     images{Image: []imageItem{}},
	}
	if len(f.Statuses) == 0 {
		return resp, nil // only statuses that match nothing were asked for
	}
	now := h.now()
	// The page runs across the sources in order: skip counts what the
	// earlier sources already covered of the requested offset.
	skip, want := (number-1)*size, size
	for _, src := range sources {
		sf := f
		sf.Scope, sf.Types = src.scope, src.types
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
	it := imageItem{
		ImageID:         im.ID,
		ImageName:       im.Name,
		ImageOwnerAlias: alias,
		ImageOwnerID:    im.OwnerID,
		Description:     im.Description,
		OSName:          im.OSName,
		OSNameEn:        im.OSName,
		OSType:          im.OSType,
		Size:            (im.SizeMB + 1023) / 1024,
		Status:          statusToAliyun[im.Status],
		Progress:        progress(im, now),
		CreationTime:    im.CreatedAt.UTC().Format(timeShape),
		IsPublic:        im.IsPublic,
		Usage:           "none", // imageshare does not track instances made from images
		Tags:            tags{Tag: make([]tag, 0, len(im.Tags))},
	}
	if it.Status == "" {
		it.Status = string(im.Status)
	}
	for _, t := range im.Tags {
		it.Tags.Tag = append(it.Tags.Tag, tag{TagKey: t})
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
// shares with it.
func (h *handler) deleteImage(ctx context.Context, c *call) (any, error) {
	imageID, ae := c.params.required("ImageId")
	if ae != nil {
		return nil, ae
	}
	force, ae := c.params.boolean("Force")
	if ae != nil {
		return nil, ae
	}
	if err := h.svc.DeleteImage(ctx, c.caller, imageID, c.region, force != nil && *force); err != nil {
		return nil, err
	}
	return &requestIDResponse{RequestID: c.requestID}, nil
}
