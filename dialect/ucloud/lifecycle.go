package ucloud

import (
	"context"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/imageshare/imageshare"
)

// RetCodes of the custom-image lifecycle and the community catalog (see
// errors.go for the others; all below 2000, so the SDK never retries them).
const (
	CodeInstanceNotFound = 330 // UHostId missing, not the caller's or in another region
	CodeDuplicateName    = 331 // an image or version name the account or group has
	CodeNotCustomImage   = 332 // the action needs a Custom image
	CodeGroupNotFound    = 333 // GroupId is not one of the caller's version groups
	CodeVersionNotFound  = 334 // no such community version
)

func init() {
	// Extend errors.go's table with the lifecycle's reasons.
	for reason, code := range map[imageshare.Reason]int{
		imageshare.ReasonInstanceNotFound: CodeInstanceNotFound,
		imageshare.ReasonDuplicateName:    CodeDuplicateName,
		imageshare.ReasonNotCustomImage:   CodeNotCustomImage,
		imageshare.ReasonGroupNotFound:    CodeGroupNotFound,
		imageshare.ReasonVersionNotFound:  CodeVersionNotFound,
	} {
		errorTable.Reasons[reason] = ret(code, "")
	}
}

// Bool returns the named boolean, sent by the SDK as "true" or "false".
func (p *params) Bool(name string) (bool, bool, error) {
	s, ok, err := p.String(name)
	if err != nil || !ok {
		return false, false, err
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, false, invalidParam(name, "expected true or false, got "+strconv.Quote(clip(s)))
	}
	return b, true, nil
}

// Float returns the named decimal number.
func (p *params) Float(name string) (float64, bool, error) {
	s, ok, err := p.String(name)
	if err != nil || !ok {
		return 0, false, err
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false, invalidParam(name, "expected a number, got "+strconv.Quote(clip(s)))
	}
	return f, true, nil
}

// OptionalString returns the named string as a pointer, nil when absent.
func (p *params) OptionalString(name string) (*string, error) {
	v, ok, err := p.String(name)
	if err != nil || !ok {
		return nil, err
	}
	return &v, nil
}

// software reads a structured Softwares parameter (Softwares.CUDAVersion,
// Softwares.Applications.N, ...); nil when none of it is present. The SDK
// names the list Application in CreateCompShareCustomImage and
// Applications in PublishCompShareImage; both are accepted everywhere.
func (p *params) software(name string) (*imageshare.Software, error) {
	if !p.hasChildren(name) {
		return nil, nil
	}
	var sw imageshare.Software
	for _, list := range []string{name + ".Applications", name + ".Application"} {
		apps, err := p.StringList(list)
		if err != nil {
			return nil, err
		}
		sw.Applications = append(sw.Applications, apps...)
	}
	for field, dst := range map[string]*string{"CUDAVersion": &sw.CUDAVersion, "Framework": &sw.Framework, "FrameworkVersion": &sw.FrameworkVersion} {
		v, _, err := p.String(name + "." + field)
		if err != nil {
			return nil, err
		}
		*dst = v
	}
	return &sw, nil
}

// createCustomImage is CreateCompShareCustomImage: make a custom image
// from the caller's instance UHostId; it starts Making.
func (h *handler) createCustomImage(ctx context.Context, c *call) (any, error) {
	instance, err := c.Params.RequiredString("UHostId")
	if err != nil {
		return nil, err
	}
	name, err := c.Params.RequiredString("Name")
	if err != nil {
		return nil, err
	}
	desc, _, err := c.Params.String("Description")
	if err != nil {
		return nil, err
	}
	sw, err := c.Params.software("Softwares")
	if err != nil {
		return nil, err
	}
	im, err := h.svc.CreateCustomImage(ctx, c.Caller, imageshare.CustomImageRequest{
		Region: c.Region, InstanceID: instance, Name: name, Description: desc, Softwares: sw,
	})
	if err != nil {
		return nil, err
	}
	return struct {
		CompShareImageId string `json:"CompShareImageId"`
	}{im.ID}, nil
}

// createProgressResponse is the SDK's GetCompShareImageCreateProgressResponse:
// Process is a number, the durations are strings of whole seconds.
type createProgressResponse struct {
	Process           float64 `json:"Process"`
	RemainingDuration string  `json:"RemainingDuration"`
	TotalDuration     string  `json:"TotalDuration"`
	Status            string  `json:"Status"` // imageshare's addition: the image's status
}

// seconds renders d as whole seconds, rounded up so that a build with time
// left never says "0".
func seconds(d time.Duration) string {
	return strconv.FormatInt(int64(math.Ceil(d.Seconds())), 10)
}

// createProgress is GetCompShareImageCreateProgress.
func (h *handler) createProgress(ctx context.Context, c *call) (any, error) {
	id, err := c.Params.RequiredString("CompShareImageId")
	if err != nil {
		return nil, err
	}
	p, err := h.svc.ImageBuildProgress(ctx, c.Caller, id, c.Region)
	if err != nil {
		return nil, err
	}
	return createProgressResponse{
		Process:           p.Percent,
		RemainingDuration: seconds(p.Remaining),
		TotalDuration:     seconds(p.Total),
		Status:            string(p.Image.Status),
	}, nil
}

// updateSoftwares reads UpdateCompShareImage's Softwares, which the SDK
// declares as one string: a JSON object of the Software model
// ({"CUDAVersion":"12.4","Applications":["jupyter"]}). The structured form
// of PublishCompShareImage (Softwares.CUDAVersion=...) is accepted too.
func updateSoftwares(p *params) (*imageshare.Software, error) {
	if p.hasChildren("Softwares") {
		return p.software("Softwares")
	}
	s, ok, err := p.String("Softwares")
	if err != nil || !ok {
		return nil, err
	}
	var m softwareModel
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil || dec.More() {
		return nil, invalidParam("Softwares", `expected a JSON object such as {"CUDAVersion":"12.4","Framework":"PyTorch","FrameworkVersion":"2.3","Applications":["jupyter"]}`)
	}
	return &imageshare.Software{Applications: m.Applications, CUDAVersion: m.CUDAVersion, Framework: m.Framework, FrameworkVersion: m.FrameworkVersion}, nil
}

// updateImage is UpdateCompShareImage: change the description, readme,
// tags (at most 3), cover, visibility or softwares of the caller's custom
// image or community version. Absent parameters are left alone; Tags,
// when given, replace the tags.
func (h *handler) updateImage(ctx context.Context, c *call) (any, error) {
	id, err := c.Params.RequiredString("CompShareImageId")
	if err != nil {
		return nil, err
	}
	var e imageshare.ImageEdit
	for name, dst := range map[string]**string{"Description": &e.Description, "Readme": &e.Readme, "Cover": &e.Cover, "Framework": &e.Framework} {
		if *dst, err = c.Params.OptionalString(name); err != nil {
			return nil, err
		}
	}
	if c.Params.hasChildren("Tags") {
		tags, err := c.Params.StringList("Tags")
		if err != nil {
			return nil, err
		}
		e.Tags = &tags
	}
	if v, ok, err := c.Params.Int("Visibility"); err != nil {
		return nil, err
	} else if ok {
		if v != 0 && v != 1 {
			return nil, invalidParam("Visibility", "must be 0 (private) or 1 (public)")
		}
		vis := int(v)
		e.Visibility = &vis
	}
	if e.Softwares, err = updateSoftwares(c.Params); err != nil {
		return nil, err
	}
	if _, err := h.svc.EditImage(ctx, c.Caller, id, c.Region, e); err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

// copyCustomImage is CopyCompShareCustomImage.
func (h *handler) copyCustomImage(ctx context.Context, c *call) (any, error) {
	id, err := c.Params.RequiredString("CompShareImageId")
	if err != nil {
		return nil, err
	}
	name, _, err := c.Params.String("TargetImageName")
	if err != nil {
		return nil, err
	}
	im, err := h.svc.CopyCustomImage(ctx, c.Caller, id, c.Region, name)
	if err != nil {
		return nil, err
	}
	return struct {
		NewCompShareImageId string `json:"NewCompShareImageId"`
	}{im.ID}, nil
}

// terminateCustomImage is TerminateCompShareCustomImage: delete the
// caller's custom image and its shares (its community versions stay).
func (h *handler) terminateCustomImage(ctx context.Context, c *call) (any, error) {
	id, err := c.Params.RequiredString("CompShareImageId")
	if err != nil {
		return nil, err
	}
	if err := h.svc.TerminateCustomImage(ctx, c.Caller, id, c.Region); err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

// describeImageTags is DescribeCompShareImageTags: the tags in use in the
// region's catalog and platform images, or in every region's when the
// request names none (the SDK marks Region optional here).
func (h *handler) describeImageTags(ctx context.Context, c *call) (any, error) {
	regions := []string{c.Region}
	if c.Region == "" {
		var err error
		if regions, err = h.svc.Regions(ctx); err != nil {
			return nil, err
		}
	}
	seen := map[string]bool{}
	tags := []string{}
	for _, r := range regions {
		rt, err := h.svc.CatalogTags(ctx, c.Caller, r)
		if err != nil {
			return nil, err
		}
		for _, t := range rt {
			if !seen[t] && len(tags) < imageshare.MaxCatalogTags {
				seen[t] = true
				tags = append(tags, t)
			}
		}
	}
	if len(regions) > 1 {
		slices.Sort(tags)
	}
	return struct {
		Tags []string `json:"Tags"`
	}{tags}, nil
}
