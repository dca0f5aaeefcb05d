package aliyun

import (
	"context"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/imageshare/imageshare"
)

// The tag actions over images (docs/aliyun.md "Tags"): TagResources,
// UntagResources and ListTagResources, and the older AddTags, RemoveTags
// and DescribeTags. Only ResourceType image is served; the tags are the
// image's key tags (imageshare.Image.KeyTags), the one tag model every
// dialect reads.

// resourceImage is ECS's ResourceType for images.
const resourceImage = "image"

// Bounds ECS documents: ResourceId.N of TagResources and UntagResources
// from 1 to 50, TagKey.N from 1 to 20.
const (
	maxTagResources = 50
	maxTagKeys      = 20
)

// resourceType checks ResourceType (case-insensitive, as ECS's examples
// use both "image" and "Image").
func resourceType(p params, required bool) *apiError {
	v := p["ResourceType"]
	if v == "" && !required {
		return nil
	}
	if v == "" {
		return errMissing("ResourceType")
	}
	if !strings.EqualFold(v, resourceImage) {
		return newError(http.StatusBadRequest, "InvalidResourceType.NotFound",
			"The specified ResourceType %s is not supported: this endpoint tags images only.", quoteShort(v))
	}
	return nil
}

// imageResources reads the images the newer tag actions name:
// ResourceType (required, image) and ResourceId.N.
func imageResources(p params) ([]string, *apiError) {
	if ae := resourceType(p, true); ae != nil {
		return nil, ae
	}
	return p.listUpTo("ResourceId", maxTagResources, tooManyResources)
}

// imageResource reads the one image the older tag actions (AddTags,
// RemoveTags) name: ResourceType (required, image) and ResourceId.
func imageResource(p params) (string, *apiError) {
	if ae := resourceType(p, true); ae != nil {
		return "", ae
	}
	return p.required("ResourceId")
}

func tooManyResources() *apiError {
	return newError(http.StatusBadRequest, "InvalidResourceId.Malformed", "The specified ResourceId is beyond the permitted range: at most %d.", maxTagResources)
}

// tagEach applies ch to each image, checking all of them (with a DryRun
// of the change) before changing any: a call naming one image the
// caller may not tag changes none.
func (h *handler) tagEach(ctx context.Context, c *call, ids []string, ch imageshare.TagChange) error {
	dry := ch
	dry.DryRun = true
	for _, id := range ids {
		if _, err := h.svc.ChangeImageTags(ctx, c.caller, id, c.region, dry); err != nil {
			return err
		}
	}
	if c.dryRun {
		return nil
	}
	for _, id := range ids {
		if _, err := h.svc.ChangeImageTags(ctx, c.caller, id, c.region, ch); err != nil {
			return err
		}
	}
	return nil
}

// tagged applies ch (see tagEach) and answers with the request id.
func (h *handler) tagged(ctx context.Context, c *call, ids []string, ch imageshare.TagChange) (any, error) {
	if err := h.tagEach(ctx, c, ids, ch); err != nil {
		return nil, err
	}
	return &requestIDResponse{RequestID: c.requestID}, nil
}

// taggable lists the caller's images of the call's region that f (its IDs
// and KeyTags) names, in every status a tag may be read in.
func (h *handler) taggable(ctx context.Context, c *call, f imageshare.ImageFilter) ([]*imageshare.Image, error) {
	f.Scope, f.Region = imageshare.ScopeOwned, c.region
	f.Statuses = []imageshare.ImageStatus{imageshare.StatusMaking, imageshare.StatusAvailable, imageshare.StatusOffline, imageshare.StatusUnAvailable}
	found, _, err := h.svc.ListImages(ctx, c.caller, f)
	return found, err
}

// tagResources serves TagResources: Tag.N is set on every ResourceId.N.
func (h *handler) tagResources(ctx context.Context, c *call) (any, error) {
	ids, ae := imageResources(c.params)
	if ae != nil {
		return nil, ae
	}
	if len(ids) == 0 {
		return nil, errMissing("ResourceId.N")
	}
	tags, ae := keyTags(c.params)
	if ae != nil {
		return nil, ae
	}
	if len(tags) == 0 {
		return nil, errMissing("Tag.N.Key")
	}
	return h.tagged(ctx, c, ids, imageshare.TagChange{Set: tags})
}

// untagResources serves UntagResources: TagKey.N, or every tag with
// All=true, is removed from every ResourceId.N.
func (h *handler) untagResources(ctx context.Context, c *call) (any, error) {
	ids, ae := imageResources(c.params)
	if ae != nil {
		return nil, ae
	}
	if len(ids) == 0 {
		return nil, errMissing("ResourceId.N")
	}
	keys, ae := c.params.listUpTo("TagKey", maxTagKeys, func() *apiError {
		return newError(http.StatusBadRequest, "InvalidTagCount", "The specified tags are beyond the permitted range: at most %d.", maxTagKeys)
	})
	if ae != nil {
		return nil, ae
	}
	all, ae := c.params.boolean("All")
	if ae != nil {
		return nil, ae
	}
	ch := imageshare.TagChange{Remove: keys, RemoveAll: all != nil && *all}
	if len(keys) == 0 && !ch.RemoveAll {
		return nil, errMissing("TagKey.N")
	}
	return h.tagged(ctx, c, ids, ch)
}

type listTagResourcesResponse struct {
	RequestID    string       `json:"RequestId" xml:"RequestId"`
	NextToken    string       `json:"NextToken" xml:"NextToken"`
	TagResources tagResources `json:"TagResources" xml:"TagResources"`
}

type tagResources struct {
	TagResource []tagResource `json:"TagResource" xml:"TagResource"`
}

type tagResource struct {
	ResourceType string `json:"ResourceType" xml:"ResourceType"`
	ResourceID   string `json:"ResourceId" xml:"ResourceId"`
	TagKey       string `json:"TagKey" xml:"TagKey"`
	TagValue     string `json:"TagValue" xml:"TagValue"`
}

// listTagPage is how many tag rows one ListTagResources answer holds
// (ECS's page; NextToken continues).
const listTagPage = 50

// listTagResources serves ListTagResources: the tags of ResourceId.N, or
// of every image of the caller in the region carrying Tag.N; NextToken
// is the offset of the next row.
func (h *handler) listTagResources(ctx context.Context, c *call) (any, error) {
	ids, ae := imageResources(c.params)
	if ae != nil {
		return nil, ae
	}
	match, ae := tagFilters(c.params)
	if ae != nil {
		return nil, ae
	}
	if len(ids) == 0 && len(match) == 0 {
		return nil, errMissing("ResourceId.N")
	}
	offset := 0
	if v := c.params["NextToken"]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return nil, newError(http.StatusBadRequest, "InvalidNextToken.Malformed", "The specified NextToken is not valid.")
		}
		offset = n
	}
	found, err := h.taggable(ctx, c, imageshare.ImageFilter{IDs: ids, KeyTags: match})
	if err != nil {
		return nil, err
	}
	var rows []tagResource
	for _, im := range found {
		for _, t := range im.KeyTags {
			if len(match) > 0 && !slices.ContainsFunc(match, func(m imageshare.TagMatch) bool { return m.Key == t.Key }) {
				continue
			}
			rows = append(rows, tagResource{ResourceType: resourceImage, ResourceID: im.ID, TagKey: t.Key, TagValue: t.Value})
		}
	}
	resp := &listTagResourcesResponse{RequestID: c.requestID, TagResources: tagResources{TagResource: []tagResource{}}}
	if offset < len(rows) {
		end := min(offset+listTagPage, len(rows))
		resp.TagResources.TagResource = rows[offset:end]
		if end < len(rows) {
			resp.NextToken = strconv.Itoa(end)
		}
	}
	return resp, nil
}

// addTags serves AddTags: Tag.N on the one image ResourceId.
func (h *handler) addTags(ctx context.Context, c *call) (any, error) {
	id, ae := imageResource(c.params)
	if ae != nil {
		return nil, ae
	}
	tags, ae := keyTags(c.params)
	if ae != nil {
		return nil, ae
	}
	if len(tags) == 0 {
		return nil, errMissing("Tag.N.Key")
	}
	return h.tagged(ctx, c, []string{id}, imageshare.TagChange{Set: tags})
}

// removeTags serves RemoveTags: the keys of Tag.N (every tag when none
// is given, as ECS documents) from the one image ResourceId. A Tag.N
// with a value removes the key only if it has that value.
func (h *handler) removeTags(ctx context.Context, c *call) (any, error) {
	id, ae := imageResource(c.params)
	if ae != nil {
		return nil, ae
	}
	match, ae := tagFilters(c.params)
	if ae != nil {
		return nil, ae
	}
	ch := imageshare.TagChange{RemoveAll: len(match) == 0}
	if len(match) > 0 {
		im, err := h.svc.GetImage(ctx, c.caller, id)
		if err != nil {
			return nil, err
		}
		for _, m := range match {
			for _, t := range im.KeyTags {
				if t.Key == m.Key && (m.AnyValue || t.Value == m.Value) {
					ch.Remove = append(ch.Remove, t.Key)
				}
			}
		}
		if len(ch.Remove) == 0 {
			return &requestIDResponse{RequestID: c.requestID}, nil
		}
	}
	return h.tagged(ctx, c, []string{id}, ch)
}

type describeTagsResponse struct {
	pageHead
	Tags describeTag `json:"Tags" xml:"Tags"`
}

type describeTag struct {
	Tag []tagCount `json:"Tag" xml:"Tag"`
}

type tagCount struct {
	TagKey            string            `json:"TagKey" xml:"TagKey"`
	TagValue          string            `json:"TagValue" xml:"TagValue"`
	ResourceTypeCount resourceTypeCount `json:"ResourceTypeCount" xml:"ResourceTypeCount"`
}

type resourceTypeCount struct {
	Image int `json:"Image" xml:"Image"`
}

// describeTags serves DescribeTags: the distinct tags of the caller's
// images in the region (or of ResourceId), with how many images carry
// each, filtered by Tag.N.
func (h *handler) describeTags(ctx context.Context, c *call) (any, error) {
	if ae := resourceType(c.params, false); ae != nil {
		return nil, ae
	}
	number, size, ae := c.page()
	if ae != nil {
		return nil, ae
	}
	match, ae := tagFilters(c.params)
	if ae != nil {
		return nil, ae
	}
	f := imageshare.ImageFilter{KeyTags: match}
	if id := c.params["ResourceId"]; id != "" {
		f.IDs = []string{id}
	}
	found, err := h.taggable(ctx, c, f)
	if err != nil {
		return nil, err
	}
	counts := map[imageshare.Tag]int{}
	for _, im := range found {
		for _, t := range im.KeyTags {
			counts[t]++
		}
	}
	all := slices.SortedFunc(maps.Keys(counts), func(a, b imageshare.Tag) int {
		if a.Key != b.Key {
			return strings.Compare(a.Key, b.Key)
		}
		return strings.Compare(a.Value, b.Value)
	})
	resp := &describeTagsResponse{pageHead: pageHead{RequestID: c.requestID, TotalCount: len(all), PageNumber: number, PageSize: size}, Tags: describeTag{Tag: []tagCount{}}}
	start := (number - 1) * size
	for _, t := range all[min(start, len(all)):min(start+size, len(all))] {
		resp.Tags.Tag = append(resp.Tags.Tag, tagCount{TagKey: t.Key, TagValue: t.Value, ResourceTypeCount: resourceTypeCount{Image: counts[t]}})
	}
	return resp, nil
}
