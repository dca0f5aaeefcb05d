package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/imageshare/imageshare"
)

// imageRow is one image of a listing, with its build progress while it
// is Making.
type imageRow struct {
	*imageshare.Image
	Percent float64
	Owner   *imageshare.Account // Shared with me
}

func (h *Handler) myImages(w http.ResponseWriter, r *http.Request, t *tenant) {
	p := pageOf(r)
	region := r.URL.Query().Get("region")
	c := t.caller(actListCustom, region)
	images, total, err := h.opts.Service.ListImages(r.Context(), c, imageshare.ImageFilter{
		Scope: imageshare.ScopeOwned, Region: region, Types: []imageshare.ImageType{imageshare.ImageCustom}, Page: p})
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	rows := make([]imageRow, len(images))
	for i, im := range images {
		rows[i] = imageRow{Image: im}
		if im.Status == imageshare.StatusMaking {
			if bp, err := h.opts.Service.ImageBuildProgress(r.Context(), t.caller(actProgress, im.Region), im.ID, im.Region); err == nil {
				rows[i].Percent = bp.Percent
			}
		}
	}
	q := ""
	if region != "" {
		q = "region=" + url.QueryEscape(region)
	}
	v := h.tenantView(t, "My images", "images", map[string]any{"Images": rows, "Pager": newPager(p, total, q), "Region": region})
	if hasMaking(rows) {
		v.Refresh = 2 // the page follows a build without a script
	}
	h.render(w, r, http.StatusOK, "images", v)
}

func hasMaking(rows []imageRow) bool {
	for _, r := range rows {
		if r.Status == imageshare.StatusMaking {
			return true
		}
	}
	return false
}

// ownedImage finds one of the tenant's custom images by id, as the image
// listing does (one row).
func (h *Handler) ownedImage(r *http.Request, t *tenant, id string) (*imageshare.Image, error) {
	images, _, err := h.opts.Service.ListImages(r.Context(), t.caller(actListCustom, ""), imageshare.ImageFilter{
		Scope: imageshare.ScopeOwned, IDs: []string{id}, Types: []imageshare.ImageType{imageshare.ImageCustom}, Page: imageshare.Page{Limit: 1}})
	if err != nil {
		return nil, err
	}
	if len(images) == 0 {
		return nil, imageshare.Errorf(imageshare.KindNotFound, imageshare.ReasonImageNotFound, "image %q does not exist", clip(id, 80))
	}
	return images[0], nil
}

func (h *Handler) imagePage(w http.ResponseWriter, r *http.Request, t *tenant) {
	id := r.PathValue("id")
	im, err := h.ownedImage(r, t, id)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	data := map[string]any{"Image": im}
	v := h.tenantView(t, im.Name, "images", data)
	if im.Status == imageshare.StatusMaking {
		if bp, err := h.opts.Service.ImageBuildProgress(r.Context(), t.caller(actProgress, im.Region), im.ID, im.Region); err == nil {
			data["Progress"] = bp
		}
		v.Refresh = 2
	}
	p := pageOf(r)
	shares, err := h.opts.Service.DescribeShares(r.Context(), t.caller(actShares, im.Region), im.ID, im.Region, p)
	if err != nil {
		data["SharesError"] = imageshare.ErrorMessage(err) // a sub-user may list images but not shares
	} else {
		data["Shares"] = shares.Shares
		data["Pager"] = newPager(p, shares.Total, "")
	}
	if groups, err := h.opts.Service.SelfCommunityGroups(r.Context(), t.caller(actSelf, im.Region), imageshare.CommunityFilter{
		Region: im.Region, ImageID: im.ID, Page: imageshare.Page{Limit: 1}}); err == nil && len(groups.Groups) > 0 {
		data["Versions"] = groups.Groups[0].Versions
	}
	h.render(w, r, http.StatusOK, "image", v)
}

// modifyShares adds the accounts of the "add" field or removes the
// "remove" one, through the core's ModifyShares in UCloud's lenient mode:
// the same per-call and per-image limits as the APIs, and unknown
// accounts (or the owner) reported back as invalid.
func (h *Handler) modifyShares(w http.ResponseWriter, r *http.Request, t *tenant) {
	id := r.PathValue("id")
	path := "/console/images/" + url.PathEscape(id)
	add, err := parseAccounts(r.PostFormValue("add"))
	if err != nil {
		http.Redirect(w, r, path+"?err="+url.QueryEscape(err.Error()), http.StatusSeeOther)
		return
	}
	remove, err := parseAccounts(r.PostFormValue("remove"))
	if err != nil {
		http.Redirect(w, r, path+"?err="+url.QueryEscape(err.Error()), http.StatusSeeOther)
		return
	}
	region := r.PostFormValue("region")
	res, err := h.opts.Service.ModifyShares(r.Context(), t.caller(actModifyShares, region), imageshare.ShareRequest{
		ImageID: id, Region: region, Add: add, Remove: remove, Mode: imageshare.ShareLenient})
	if err != nil {
		back(w, r, path, "", err)
		return
	}
	var msg []string
	if len(res.Added) > 0 {
		msg = append(msg, "Shared with "+ids(res.Added)+".")
	}
	if len(res.Removed) > 0 {
		msg = append(msg, "No longer shared with "+ids(res.Removed)+".")
	}
	if len(res.Invalid) > 0 {
		msg = append(msg, "Invalid accounts (unknown, or the owner), not shared: "+ids(res.Invalid)+".")
	}
	if len(msg) == 0 {
		msg = append(msg, "Nothing changed.")
	}
	back(w, r, path, strings.Join(msg, " "), nil)
}

func ids(v []int64) string {
	s := make([]string, len(v))
	for i, id := range v {
		s[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(s, ", ")
}

// setPublic turns sharing with every account on or off: the same core
// call as a share change (ShareRequest.SetPublic).
func (h *Handler) setPublic(w http.ResponseWriter, r *http.Request, t *tenant) {
	id := r.PathValue("id")
	path := "/console/images/" + url.PathEscape(id)
	public := r.PostFormValue("public") == "1"
	region := r.PostFormValue("region")
	_, err := h.opts.Service.ModifyShares(r.Context(), t.caller(actModifyShares, region), imageshare.ShareRequest{
		ImageID: id, Region: region, SetPublic: &public, Mode: imageshare.ShareLenient})
	msg := "The image is now private: only the accounts it is shared with may use it."
	if public {
		msg = "The image is now public: every account may use it."
	}
	back(w, r, path, msg, err)
}

// deleteImage deletes with the core's dialect-independent rules: refused
// while the image is shared or public, or still being created.
func (h *Handler) deleteImage(w http.ResponseWriter, r *http.Request, t *tenant) {
	id := r.PathValue("id")
	region := r.PostFormValue("region")
	err := h.opts.Service.DeleteImage(r.Context(), t.caller(actTerminate, region, imageshare.OpDeleteImage), id, region, false)
	if err != nil {
		back(w, r, "/console/images/"+url.PathEscape(id), "", err)
		return
	}
	http.Redirect(w, r, "/console/images?msg="+url.QueryEscape("Deleted "+clip(id, 80)+"."), http.StatusSeeOther)
}

// publish submits a community version of the image for review.
func (h *Handler) publish(w http.ResponseWriter, r *http.Request, t *tenant) {
	id := r.PathValue("id")
	path := "/console/images/" + url.PathEscape(id)
	region := r.PostFormValue("region")
	req := imageshare.PublishRequest{ImageID: id, Region: region,
		Name: strings.TrimSpace(r.PostFormValue("name")), VersionName: strings.TrimSpace(r.PostFormValue("version")),
		VersionDesc: r.PostFormValue("version_desc")}
	if tags := strings.TrimSpace(r.PostFormValue("tags")); tags != "" {
		for _, tg := range strings.Split(tags, ",") {
			if tg = strings.TrimSpace(tg); tg != "" {
				req.Tags = append(req.Tags, tg)
			}
		}
	}
	if readme := r.PostFormValue("readme"); readme != "" {
		req.Readme = &readme
	}
	v, err := h.opts.Service.PublishImage(r.Context(), t.caller(actPublish, region), req)
	if err != nil {
		back(w, r, path, "", err)
		return
	}
	back(w, r, path, "Version "+v.VersionName+" ("+v.ID+") submitted for review.", nil)
}

func (h *Handler) sharedWithMe(w http.ResponseWriter, r *http.Request, t *tenant) {
	p := pageOf(r)
	images, total, err := h.opts.Service.ListImages(r.Context(), t.caller(actListShared, ""), imageshare.ImageFilter{
		Scope: imageshare.ScopeShared, Page: p})
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	owners := map[int64]*imageshare.Account{}
	rows := make([]imageRow, len(images))
	for i, im := range images {
		if _, ok := owners[im.OwnerID]; !ok {
			owners[im.OwnerID], _ = h.opts.Service.FindAccount(r.Context(), im.OwnerID)
		}
		rows[i] = imageRow{Image: im, Owner: owners[im.OwnerID]}
	}
	h.render(w, r, http.StatusOK, "shared", h.tenantView(t, "Shared with me", "shared",
		map[string]any{"Images": rows, "Pager": newPager(p, total, "")}))
}
