package aliyun

import (
	"context"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/imageshare/imageshare"
)

// The image workflow's actions (docs/aliyun.md "The image workflow"):
// CreateImage, ModifyImageAttribute, CopyImage, CancelCopyImage,
// DescribeImageFromFamily and DescribeRegions. The rules are the core's
// (imageshare.WorkflowService); this file decodes ECS's parameters,
// checks ECS's own name rules, and answers in ECS's shapes.

// Scopes of the idempotency records: a ClientToken is the account's per
// action.
const (
	scopeCreateImage = "ecs:CreateImage"
	scopeCopyImage   = "ecs:CopyImage"
)

// checkImageName applies ECS's rule for ImageName and
// DestinationImageName: 2 to 128 characters, starting with a letter
// (Chinese characters are letters), not with http:// or https://, made
// of letters, digits, periods (.), colons (:), underscores (_) and
// hyphens (-). An empty name is left to the caller (optional).
func checkImageName(param, name string) *apiError {
	if name == "" {
		return nil
	}
	bad := func() *apiError {
		return newError(http.StatusBadRequest, "InvalidImageName.Malformed",
			"The specified %s is not valid: it must be 2 to 128 characters, start with a letter, not start with http:// or https://, and hold only letters, digits, '.', ':', '_' and '-'.", param)
	}
	n := utf8.RuneCountInString(name)
	first, _ := utf8.DecodeRuneInString(name)
	if n < 2 || n > 128 || !unicode.IsLetter(first) || hasURLPrefix(name) {
		return bad()
	}
	for _, r := range name {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune(".:_-", r) {
			return bad()
		}
	}
	return nil
}

// checkDescription applies ECS's rule for an image description: 2 to
// 256 characters, not starting with http:// or https://.
func checkDescription(param, d string) *apiError {
	if d == "" {
		return nil
	}
	if n := utf8.RuneCountInString(d); n < 2 || n > 256 || hasURLPrefix(d) {
		return newError(http.StatusBadRequest, "InvalidDescription.Malformed",
			"The specified %s is not valid: it must be 2 to 256 characters and not start with http:// or https://.", param)
	}
	return nil
}

func hasURLPrefix(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

// keyTags reads Tag.N.Key and Tag.N.Value as tags to set (an unset value
// is empty).
func keyTags(p params) ([]imageshare.Tag, *apiError) {
	matches, ae := tagFilters(p)
	if ae != nil {
		return nil, ae
	}
	var out []imageshare.Tag
	for _, m := range matches {
		out = append(out, imageshare.Tag{Key: m.Key, Value: m.Value})
	}
	return out, nil
}

// optional returns a pointer to a parameter's value, nil when absent or
// empty (the SDKs omit empty strings).
func (p params) optional(name string) *string {
	if v := p[name]; v != "" {
		return &v
	}
	return nil
}

type createImageResponse struct {
	RequestID string `json:"RequestId" xml:"RequestId"`
	ImageID   string `json:"ImageId" xml:"ImageId"`
}

// createImage serves CreateImage: from InstanceId (an instance of the
// caller in RegionId) or SnapshotId.
func (h *handler) createImage(ctx context.Context, c *call) (any, error) {
	p := c.params
	if ae := checkImageName("ImageName", p["ImageName"]); ae != nil {
		return nil, ae
	}
	if ae := checkDescription("Description", p["Description"]); ae != nil {
		return nil, ae
	}
	if v := p["Architecture"]; v != "" && !imageshare.ValidArchitecture(v) {
		return nil, newError(http.StatusBadRequest, "InvalidArchitecture", "The specified Architecture is not valid: it must be i386, x86_64 or arm64.")
	}
	if v := p["BootMode"]; !imageshare.ValidBootMode(v) {
		return nil, newError(http.StatusBadRequest, "InvalidBootMode.ValueNotSupported", "The specified BootMode is not valid: it must be BIOS or UEFI.")
	}
	tags, ae := keyTags(p)
	if ae != nil {
		return nil, ae
	}
	im, err := h.svc.MakeImage(ctx, c.caller, imageshare.MakeImageRequest{
		Region: c.region, InstanceID: p["InstanceId"], SnapshotID: p["SnapshotId"],
		Name: p["ImageName"], Description: p["Description"],
		ImageFamily: p["ImageFamily"], ImageVersion: p["ImageVersion"], Architecture: p["Architecture"],
		Platform: p["Platform"], BootMode: p["BootMode"], KeyTags: tags,
		Scope: scopeCreateImage, ClientToken: p["ClientToken"], DryRun: c.dryRun,
	})
	if err != nil {
		if imageshare.ErrorReason(err) == imageshare.ReasonMissingParameter && p["InstanceId"] == "" && p["SnapshotId"] == "" {
			return nil, errMissing("InstanceId")
		}
		return nil, err
	}
	if c.dryRun {
		return nil, nil
	}
	return &createImageResponse{RequestID: c.requestID, ImageID: im.ID}, nil
}

// modifyImageAttribute serves ModifyImageAttribute on the caller's
// custom image. Status=Deprecated deprecates it (listed with
// Status=Deprecated, no longer the image of its family); Available
// restores it.
func (h *handler) modifyImageAttribute(ctx context.Context, c *call) (any, error) {
	p := c.params
	imageID, ae := p.required("ImageId")
	if ae != nil {
		return nil, ae
	}
	if ae := checkImageName("ImageName", p["ImageName"]); ae != nil {
		return nil, ae
	}
	if ae := checkDescription("Description", p["Description"]); ae != nil {
		return nil, ae
	}
	ch := imageshare.ImageChange{Name: p.optional("ImageName"), Description: p.optional("Description"),
		ImageFamily: p.optional("ImageFamily"), BootMode: p.optional("BootMode"), DryRun: c.dryRun}
	if ch.BootMode != nil && !imageshare.ValidBootMode(*ch.BootMode) {
		return nil, newError(http.StatusBadRequest, "InvalidBootMode.ValueNotSupported", "The specified BootMode is not valid: it must be BIOS or UEFI.")
	}
	switch v := p["Status"]; v {
	case "":
	case "Deprecated", "Available":
		dep := v == "Deprecated"
		ch.Deprecated = &dep
	default:
		return nil, newError(http.StatusBadRequest, "InvalidStatus.ValueNotSupported", "The specified Status is not valid: it must be Deprecated or Available.")
	}
	if _, err := h.svc.ChangeImage(ctx, c.caller, imageID, c.region, ch); err != nil {
		return nil, err
	}
	return &requestIDResponse{RequestID: c.requestID}, nil
}

type copyImageResponse struct {
	RequestID string `json:"RequestId" xml:"RequestId"`
	ImageID   string `json:"ImageId" xml:"ImageId"`
}

// copyImage serves CopyImage: RegionId is the source's region,
// DestinationRegionId the copy's.
func (h *handler) copyImage(ctx context.Context, c *call) (any, error) {
	p := c.params
	imageID, ae := p.required("ImageId")
	if ae != nil {
		return nil, ae
	}
	dest, ae := p.required("DestinationRegionId")
	if ae != nil {
		return nil, ae
	}
	if ae := checkImageName("DestinationImageName", p["DestinationImageName"]); ae != nil {
		return nil, ae
	}
	if ae := checkDescription("DestinationDescription", p["DestinationDescription"]); ae != nil {
		return nil, ae
	}
	tags, ae := keyTags(p)
	if ae != nil {
		return nil, ae
	}
	copies, err := h.svc.CopyImage(ctx, c.caller, imageshare.CopyImageRequest{
		ImageID: imageID, Region: c.region, DestRegions: []string{dest},
		Name: p["DestinationImageName"], Description: p.optional("DestinationDescription"), KeyTags: tags,
		Scope: scopeCopyImage, ClientToken: p["ClientToken"], DryRun: c.dryRun,
	})
	if imageshare.ErrorReason(err) == imageshare.ReasonRegionNotFound {
		return nil, newError(http.StatusBadRequest, "InvalidRegionId.Malformed", "The specified DestinationRegionId %s is not served here.", quoteShort(dest))
	}
	if err != nil || c.dryRun {
		return nil, err
	}
	return &copyImageResponse{RequestID: c.requestID, ImageID: copies[0].ID}, nil
}

// cancelCopyImage serves CancelCopyImage: ImageId is the copy, in
// RegionId (the destination region); a copy no longer being made is
// IncorrectImageStatus.
func (h *handler) cancelCopyImage(ctx context.Context, c *call) (any, error) {
	imageID, ae := c.params.required("ImageId")
	if ae != nil {
		return nil, ae
	}
	if err := h.svc.CancelCopyImage(ctx, c.caller, imageID, c.region, c.dryRun); err != nil {
		return nil, err
	}
	return &requestIDResponse{RequestID: c.requestID}, nil
}

type imageFromFamilyResponse struct {
	RequestID string    `json:"RequestId" xml:"RequestId"`
	Image     imageItem `json:"Image" xml:"Image"`
}

// describeImageFromFamily serves DescribeImageFromFamily: the newest
// available image of the family the caller may use. None is ECS's
// answer with an empty Image, not an error.
func (h *handler) describeImageFromFamily(ctx context.Context, c *call) (any, error) {
	family, ae := c.params.required("ImageFamily")
	if ae != nil {
		return nil, ae
	}
	im, err := h.svc.ImageFromFamily(ctx, c.caller, c.region, family)
	if imageshare.ErrorReason(err) == imageshare.ReasonImageNotFound {
		return &imageFromFamilyResponse{RequestID: c.requestID}, nil
	}
	if err != nil {
		return nil, err
	}
	return &imageFromFamilyResponse{RequestID: c.requestID, Image: toImageItem(im, ownerAlias(im, c.caller), h.now())}, nil
}

// ownerAlias is how DescribeImages' ImageOwnerAlias names im for the caller.
func ownerAlias(im *imageshare.Image, c imageshare.Caller) string {
	switch {
	case im.Type == imageshare.ImageSystem:
		return aliasSystem
	case im.Type == imageshare.ImageApp:
		return aliasMarketplace
	case im.OwnerID == c.AccountID:
		return aliasSelf
	}
	return aliasOthers
}

type describeRegionsResponse struct {
	RequestID string  `json:"RequestId" xml:"RequestId"`
	Regions   regions `json:"Regions" xml:"Regions"`
}

type regions struct {
	Region []region `json:"Region" xml:"Region"`
}

type region struct {
	RegionID       string `json:"RegionId" xml:"RegionId"`
	LocalName      string `json:"LocalName" xml:"LocalName"`
	RegionEndpoint string `json:"RegionEndpoint" xml:"RegionEndpoint"`
	Status         string `json:"Status" xml:"Status"`
}

// describeRegions serves DescribeRegions: the regions this deployment
// serves, each at this endpoint.
func (h *handler) describeRegions(ctx context.Context, c *call) (any, error) {
	names, err := h.svc.Regions(ctx)
	if err != nil {
		return nil, err
	}
	resp := &describeRegionsResponse{RequestID: c.requestID, Regions: regions{Region: []region{}}}
	for _, n := range names {
		resp.Regions.Region = append(resp.Regions.Region, region{RegionID: n, LocalName: n, RegionEndpoint: c.host, Status: "available"})
	}
	return resp, nil
}
