package baidu

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/imageshare/imageshare"
)

// BCC image types (the SDK's api.ImageType values).
const (
	typeAll         = "All"
	typeSystem      = "System"
	typeCustom      = "Custom"
	typeIntegration = "Integration"
	typeSharing     = "Sharing"
	typeCommunity   = "Community" // imageshare's own; BCC has no community catalogue
)

// bccOnlyTypes are BCC image types for products imageshare does not model
// (GPU, FPGA, BBC and EBC images; BCC's ListImage documents every one):
// listing them is valid and finds nothing.
var bccOnlyTypes = []string{"GpuBccSystem", "GpuBccCustom", "FpgaBccSystem", "FpgaBccCustom", "BbcSystem", "BbcCustom", "EbcTotal", "EbcCustom", "EbcSystem"}

const (
	defaultMaxKeys = 1000 // the SDK always sends maxKeys, 1000 unless told
	maxMaxKeys     = 1000
	// fetchPage is how many images one store read brings while a listing
	// is assembled.
	fetchPage = 500
)

// imageModel is the SDK's api.ImageModel.
type imageModel struct {
	ID             string     `json:"id"`
	Name           string     `json:"name"`
	Type           string     `json:"type"`
	OsType         string     `json:"osType"`
	OsVersion      string     `json:"osVersion"`
	OsArch         string     `json:"osArch"`
	OsName         string     `json:"osName"`
	OsBuild        string     `json:"osBuild"`
	OsLang         string     `json:"osLang"`
	CreateTime     string     `json:"createTime"`
	Status         string     `json:"status"`
	Desc           string     `json:"desc"`
	SpecialVersion string     `json:"specialVersion"`
	Package        bool       `json:"package"`
	Encrypted      bool       `json:"encrypted"`
	MinDiskGb      int        `json:"minDiskGb"`
	DiskSize       int        `json:"diskSize"`
	Snapshots      []struct{} `json:"snapshots"`
}

// listImagesResult is the SDK's api.ListImageResult.
type listImagesResult struct {
	Marker      string       `json:"marker"`
	IsTruncated bool         `json:"isTruncated"`
	NextMarker  string       `json:"nextMarker"`
	MaxKeys     int          `json:"maxKeys"`
	Images      []imageModel `json:"images"`
}

// imageDetailResult is the SDK's api.GetImageDetailResult.
type imageDetailResult struct {
	Image imageModel `json:"image"`
}

// bccType is the type the caller sees: its own custom images are Custom,
// another account's custom image it can see is Sharing, platform images
// are System (base) or Integration (application).
func bccType(im *imageshare.Image, caller imageshare.Caller) string {
	switch im.Type {
	case imageshare.ImageSystem:
		return typeSystem
	case imageshare.ImageApp:
		return typeIntegration
	case imageshare.ImageCustom:
		if im.OwnerID == caller.AccountID {
			return typeCustom
		}
		return typeSharing
	}
	return typeCommunity
}

// bccStatus maps the domain lifecycle to the SDK's api.ImageStatus values.
func bccStatus(im *imageshare.Image) string {
	switch im.Status {
	case imageshare.StatusAvailable:
		return "Available"
	case imageshare.StatusMaking:
		return "Creating"
	case imageshare.StatusUnAvailable:
		if im.FailedReason != "" {
			return "CreateFailed"
		}
	}
	return "NotAvailable"
}

// bccArch is BCC's osArch for an architecture: the architecture and its
// word size, as BCC's ImageModel examples spell it ("x86_64 (64bit)").
func bccArch(arch string) string {
	switch arch {
	case imageshare.ArchX86_64, imageshare.ArchARM64:
		return arch + " (64bit)"
	case imageshare.ArchI386:
		return arch + " (32bit)"
	}
	return arch
}

func toImageModel(im *imageshare.Image, caller imageshare.Caller) imageModel {
	sizeGB := int((im.SizeMB + 1023) / 1024)
	// BCC's osName is the distribution (Ubuntu, CentOS), which Terraform's
	// baiducloud_images os_name compares; an image recorded without its
	// platform falls back to its OS name.
	osName := im.Platform
	if osName == "" {
		osName = im.OSName
	}
	return imageModel{
		ID:         im.ID,
		Name:       im.Name,
		Type:       bccType(im, caller),
		OsType:     im.OSType,
		OsName:     osName,
		OsVersion:  im.OSVersion,
		OsArch:     bccArch(im.Architecture),
		OsLang:     im.OSLang,
		CreateTime: im.CreatedAt.UTC().Format(timestampLayout),
		Status:     bccStatus(im),
		Desc:       im.Description,
		MinDiskGb:  sizeGB,
		DiskSize:   sizeGB,
		Snapshots:  []struct{}{},
	}
}

// listQuery is the decoded query of GET /v2/image.
type listQuery struct {
	imageType string // canonical spelling
	name      string
	marker    string
	maxKeys   int
}

func parseListQuery(q map[string][]string) (*listQuery, error) {
	get := func(k string) string {
		if vs := q[k]; len(vs) > 0 {
			return vs[0]
		}
		return ""
	}
	lq := &listQuery{imageType: typeAll, name: get("imageName"), marker: get("marker"), maxKeys: defaultMaxKeys}
	if s := get("maxKeys"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			return nil, errorf(http.StatusBadRequest, codeInvalidHTTPRequest, "maxKeys must be a positive integer, got %q", s)
		}
		lq.maxKeys = min(n, maxMaxKeys)
	}
	if s := get("imageType"); s != "" {
		known := append([]string{typeAll, typeSystem, typeCustom, typeIntegration, typeSharing}, bccOnlyTypes...)
		i := slices.IndexFunc(known, func(t string) bool { return strings.EqualFold(t, s) })
		if i < 0 {
			return nil, errorf(http.StatusBadRequest, codeInvalidHTTPRequest,
				"imageType %q is not one of %s", s, strings.Join(known, ", "))
		}
		lq.imageType = known[i]
	}
	return lq, nil
}

// listFilters returns the domain filters one BCC image type covers.
func listFilters(imageType string) []imageshare.ImageFilter {
	owned := imageshare.ImageFilter{Scope: imageshare.ScopeOwned, Types: []imageshare.ImageType{imageshare.ImageCustom}}
	// Other accounts' public images are listed as Sharing, with the
	// images shared explicitly (docs/baidu.md "Public images").
	shared := imageshare.ImageFilter{Scope: imageshare.ScopeShared, Types: []imageshare.ImageType{imageshare.ImageCustom}, WithPublic: true}
	system := imageshare.ImageFilter{Scope: imageshare.ScopePlatform, Types: []imageshare.ImageType{imageshare.ImageSystem}}
	app := imageshare.ImageFilter{Scope: imageshare.ScopePlatform, Types: []imageshare.ImageType{imageshare.ImageApp}}
	switch imageType {
	case typeAll:
		return []imageshare.ImageFilter{system, app, owned, shared}
	case typeSystem:
		return []imageshare.ImageFilter{system}
	case typeIntegration:
		return []imageshare.ImageFilter{app}
	case typeCustom:
		return []imageshare.ImageFilter{owned}
	case typeSharing:
		return []imageshare.ImageFilter{shared}
	}
	return nil
}

// handleListImages serves GET /v2/image. Images are ordered by id and
// marker is the id the page starts at (inclusive), as BCC's nextMarker is
// the first id of the next page; an id that has since been deleted still
// marks its place.
func (h *handler) handleListImages(ctx context.Context, c *call) (any, error) {
	lq, err := parseListQuery(c.query)
	if err != nil {
		return nil, err
	}
	var all []*imageshare.Image
	for _, f := range listFilters(lq.imageType) {
		f.Region = c.region
		f.NameContains = lq.name
		images, err := h.findAll(ctx, c.caller, f)
		if err != nil {
			return nil, err
		}
		all = append(all, images...)
	}
	slices.SortFunc(all, func(a, b *imageshare.Image) int { return strings.Compare(a.ID, b.ID) })
	all = slices.CompactFunc(all, func(a, b *imageshare.Image) bool { return a.ID == b.ID })
	start, _ := slices.BinarySearchFunc(all, lq.marker, func(im *imageshare.Image, id string) int { return strings.Compare(im.ID, id) })
	page := all[start:]
	res := &listImagesResult{Marker: lq.marker, MaxKeys: lq.maxKeys, Images: []imageModel{}}
	if len(page) > lq.maxKeys {
		res.IsTruncated = true
		res.NextMarker = page[lq.maxKeys].ID
		page = page[:lq.maxKeys]
	}
	for _, im := range page {
		res.Images = append(res.Images, toImageModel(im, c.caller))
	}
	return res, nil
}

// findAll reads every image matching f, a store page at a time.
func (h *handler) findAll(ctx context.Context, caller imageshare.Caller, f imageshare.ImageFilter) ([]*imageshare.Image, error) {
	var all []*imageshare.Image
	for {
		f.Page = imageshare.Page{Offset: len(all), Limit: fetchPage}
		images, total, err := h.svc.ListImages(ctx, caller, f)
		if err != nil {
			return nil, err
		}
		all = append(all, images...)
		if len(images) == 0 || len(all) >= total {
			return all, nil
		}
	}
}

// handleGetImage serves GET /v2/image/{imageId}: any image the caller may
// see in the request's region.
func (h *handler) handleGetImage(ctx context.Context, c *call) (any, error) {
	im, err := h.svc.GetImage(ctx, c.caller, c.imageID)
	if err != nil {
		return nil, err
	}
	if im.Region != c.region {
		return nil, imageNotFound(c.imageID)
	}
	return &imageDetailResult{Image: toImageModel(im, c.caller)}, nil
}

// handleDeleteImage serves DELETE /v2/image/{imageId}. A resend gets
// the first attempt's answer (once).
func (h *handler) handleDeleteImage(ctx context.Context, c *call) (any, error) {
	return h.once(ctx, c, imageshare.ReasonImageNotFound, func() error {
		return h.svc.DeleteImage(ctx, c.caller, c.imageID, c.region, false)
	})
}

func imageNotFound(id string) error {
	return imageshare.Errorf(imageshare.KindNotFound, imageshare.ReasonImageNotFound, "image %q does not exist", id)
}
