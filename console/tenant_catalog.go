package console

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/imageshare/imageshare"
)

// sortFields are the catalog's sort choices, as DescribeCommunityImages
// names them.
var sortFields = []imageshare.CommunitySortField{imageshare.SortPubTime, imageshare.SortFavor, imageshare.SortPrice,
	imageshare.SortCreatedCount, imageshare.SortImageUseTime}

// region is the ?region= of a catalog page, or the first served region.
func (h *Handler) region(r *http.Request) (string, []string, error) {
	regions, err := h.opts.Service.Regions(r.Context())
	if err != nil {
		return "", nil, err
	}
	region := r.URL.Query().Get("region")
	if region == "" && len(regions) > 0 {
		region = regions[0]
		for _, rg := range regions {
			if rg == "cn-wlcb" { // CompShare's home region, where the catalog lives
				region = rg
			}
		}
	}
	return region, regions, nil
}

// catalog is the community catalog: DescribeUserCommunityImages's
// grouped listing, with the same fuzzy search (name or author), tag
// filter and sort.
func (h *Handler) catalog(w http.ResponseWriter, r *http.Request, t *tenant) {
	h.catalogPage(w, r, t, 0)
}

func (h *Handler) publisher(w http.ResponseWriter, r *http.Request, t *tenant) {
	// A publisher is an account; its page lists its organization's
	// versions, as DescribeUserCommunityImages's TargetTopOrganizationId.
	id, err := strconv.ParseInt(r.PathValue("org"), 10, 64)
	var a *imageshare.Account
	if err == nil && id > 0 {
		a, err = h.opts.Service.FindAccount(r.Context(), id)
	}
	if err != nil || a == nil {
		h.fail(w, r, http.StatusNotFound, "There is no such publisher.")
		return
	}
	h.catalogPage(w, r, t, a.OrganizationID)
}

func (h *Handler) catalogPage(w http.ResponseWriter, r *http.Request, t *tenant, org int64) {
	region, regions, err := h.region(r)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	q := r.URL.Query()
	p := pageOf(r)
	f := imageshare.CommunityFilter{Region: region, Fuzzy: q.Get("q"), Tag: q.Get("tag"), OrganizationID: org, Page: p,
		Sort: imageshare.CommunitySort{Field: imageshare.CommunitySortField(q.Get("sort")), Asc: q.Get("order") == "asc"}}
	groups, err := h.opts.Service.CommunityGroups(r.Context(), t.caller(actCatalog, region), f)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	tags, _ := h.opts.Service.CatalogTags(r.Context(), t.caller(actTags, region), region) // a sub-user may lack it: no tag list
	keep := url.Values{}
	for _, k := range []string{"region", "q", "tag", "sort", "order"} {
		if v := q.Get(k); v != "" {
			keep.Set(k, v)
		}
	}
	title, section := "Community catalog", "catalog"
	if org != 0 {
		title = "Publisher's images"
	}
	h.render(w, r, http.StatusOK, "catalog", h.tenantView(t, title, section, map[string]any{
		"Groups": groups.Groups, "Total": groups.Total, "Pager": newPager(p, groups.Total, keep.Encode()),
		"Region": region, "Regions": regions, "Q": f.Fuzzy, "Tag": f.Tag, "Tags": tags, "Sort": string(f.Sort.Field),
		"Order": q.Get("order"), "Sorts": sortFields, "Org": org,
	}))
}

// catalogVersion is one published version: its readme (text, escaped),
// cover and facts.
func (h *Handler) catalogVersion(w http.ResponseWriter, r *http.Request, t *tenant) {
	region, _, err := h.region(r)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	images, _, err := h.opts.Service.CommunityImages(r.Context(), t.caller(actCatalogOne, region), imageshare.CommunityFilter{
		Region: region, ImageID: r.PathValue("id"), Page: imageshare.Page{Limit: 1}})
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	if len(images) == 0 {
		h.fail(w, r, http.StatusNotFound, "That version is not in this region's catalog.")
		return
	}
	im := images[0]
	h.render(w, r, http.StatusOK, "version", h.tenantView(t, im.Name, "catalog", map[string]any{
		"Image": im, "Region": region}))
}

// instances lists the tenant's instances, a page at a time (in every
// region, or the ?region= one), with the image each runs: a link when the
// image is still the tenant's own custom image, else its id (a shared,
// platform or deleted image) (docs/console.md).
func (h *Handler) instances(w http.ResponseWriter, r *http.Request, t *tenant) {
	p := pageOf(r)
	region := r.URL.Query().Get("region")
	ins, total, err := h.opts.Service.ListInstances(r.Context(), t.caller(actListInstances, region),
		imageshare.InstanceFilter{Region: region, Page: p})
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	var ids []string
	for _, in := range ins {
		if in.ImageID != "" && !slices.Contains(ids, in.ImageID) {
			ids = append(ids, in.ImageID)
		}
	}
	own := map[string]*imageshare.Image{}
	if len(ids) > 0 {
		images, _, err := h.opts.Service.ListImages(r.Context(), t.caller(actListCustom, ""), imageshare.ImageFilter{
			Scope: imageshare.ScopeOwned, IDs: ids, Types: []imageshare.ImageType{imageshare.ImageCustom}, Page: imageshare.Page{Limit: len(ids)}})
		if err != nil {
			h.serverError(w, r, err)
			return
		}
		for _, im := range images {
			own[im.ID] = im
		}
	}
	type row struct {
		*imageshare.Instance
		Own         *imageshare.Image // the image it runs, when it is the tenant's
		Spec        string
		StatusClass string
	}
	rows := make([]row, len(ins))
	for i, in := range ins {
		rows[i] = row{Instance: in, Own: own[in.ImageID], Spec: instanceSpec(in), StatusClass: strings.ToLower(string(in.Status))}
	}
	q := ""
	if region != "" {
		q = "region=" + url.QueryEscape(region)
	}
	h.render(w, r, http.StatusOK, "instances", h.tenantView(t, "Instances", "instances",
		map[string]any{"Rows": rows, "Pager": newPager(p, total, q), "Region": region}))
}

// safeCoverRE accepts the covers rendered as <img>: an https URL without
// quotes, spaces or angle brackets, or a base64 data URL of a raster
// image type (never SVG, which can carry script).
var safeCoverRE = regexp.MustCompile(`^(https://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*)?(\?[A-Za-z0-9._~!$&()*+,;=:@%/?-]*)?|data:image/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/]+=*)$`)

// coverURL returns the cover as a URL safe to put in <img src>, or "".
func coverURL(cover string) template.URL {
	if cover == "" || !safeCoverRE.MatchString(cover) {
		return ""
	}
	return template.URL(cover)
}

// instanceSpec is an instance's type, CPUs, memory and GPUs in one line,
// leaving out what the instance does not record.
func instanceSpec(in *imageshare.Instance) string {
	var parts []string
	if in.InstanceType != "" {
		parts = append(parts, in.InstanceType)
	}
	if in.CPU > 0 {
		parts = append(parts, fmt.Sprintf("%d vCPU", in.CPU))
	}
	if in.MemoryMB > 0 {
		parts = append(parts, fmt.Sprintf("%g GiB", float64(in.MemoryMB)/1024))
	}
	switch {
	case in.GPUCount > 0:
		parts = append(parts, fmt.Sprintf("%d× %s GPU", in.GPUCount, in.GPUType))
	case in.GPUType != "":
		parts = append(parts, in.GPUType+" GPU")
	}
	return strings.Join(parts, ", ")
}
