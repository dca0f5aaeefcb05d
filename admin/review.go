package admin

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/imageshare/imageshare"
)

// Version is a community version as the admin API shows it.
type Version struct {
	ID           string    `json:"id"`
	OwnerID      int64     `json:"owner_id"`
	Region       string    `json:"region"`
	Name         string    `json:"name"`
	Author       string    `json:"author"`
	Description  string    `json:"description"`
	GroupID      string    `json:"group_id"`
	VersionName  string    `json:"version_name"`
	VersionDesc  string    `json:"version_desc"`
	Status       string    `json:"status"`
	FailedReason string    `json:"failed_reason"`
	Price        float64   `json:"price"`
	Tags         []string  `json:"tags"`
	Visibility   int       `json:"visibility"`
	CreatedAt    time.Time `json:"created_at"`
	PublishedAt  time.Time `json:"published_at"`
}

// VersionList is a page of versions and the number matching.
type VersionList struct {
	Versions []Version `json:"versions"`
	Total    int       `json:"total"`
}

// Instance is an instance as the admin API takes and shows it.
type Instance struct {
	ID        string    `json:"id"`
	AccountID int64     `json:"account_id"`
	Region    string    `json:"region"`
	GPUType   string    `json:"gpu_type"`
	CreatedAt time.Time `json:"created_at"`
}

// ToVersion renders im.
func ToVersion(im *imageshare.Image) Version {
	tags := im.Tags
	if tags == nil {
		tags = []string{}
	}
	return Version{
		ID: im.ID, OwnerID: im.OwnerID, Region: im.Region, Name: im.Name, Author: im.Author, Description: im.Description,
		GroupID: im.GroupID, VersionName: im.VersionName, VersionDesc: im.VersionDesc, Status: string(im.Status),
		FailedReason: im.FailedReason, Price: im.Price, Tags: tags, Visibility: im.Visibility,
		CreatedAt: im.CreatedAt, PublishedAt: im.PublishedAt,
	}
}

func invalid(format string, args ...any) error {
	return imageshare.Errorf(imageshare.KindInvalid, imageshare.ReasonInvalidParameter, format, args...)
}

// intQuery reads a non-negative integer query parameter.
func intQuery(r *http.Request, name string) (int64, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, invalid("query parameter %s must be a non-negative integer", name)
	}
	return n, nil
}

// listReviews lists versions: the Reviewing ones by default, oldest first;
// status (comma-separated, or "all"), region and owner narrow it.
func (h *handler) listReviews(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if err := firstErr(checkText("query parameter region", q.Get("region"), maxFieldBytes),
		checkText("query parameter status", q.Get("status"), 8*maxFieldBytes)); err != nil {
		h.fail(w, r, err)
		return
	}
	f := imageshare.CommunityFilter{Region: q.Get("region")}
	switch st := q.Get("status"); st {
	case "":
	case "all":
		f.Statuses = []imageshare.ImageStatus{imageshare.StatusReviewing, imageshare.StatusAvailable,
			imageshare.StatusUnAvailable, imageshare.StatusOffline}
		f.Sort = imageshare.CommunitySort{Field: imageshare.SortCreateTime, Asc: true}
	default:
		for s := range strings.SplitSeq(st, ",") {
			f.Statuses = append(f.Statuses, imageshare.ImageStatus(strings.TrimSpace(s)))
		}
		f.Sort = imageshare.CommunitySort{Field: imageshare.SortCreateTime, Asc: true}
	}
	var err error
	if f.OwnerID, err = intQuery(r, "owner"); err != nil {
		h.fail(w, r, err)
		return
	}
	off, err := intQuery(r, "offset")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	lim, err := intQuery(r, "limit")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	f.Page = imageshare.Page{Offset: int(min(off, 1<<31)), Limit: int(min(lim, imageshare.MaxCommunityLimit))}
	images, total, err := h.op.ReviewQueue(r.Context(), f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := VersionList{Versions: make([]Version, 0, len(images)), Total: total}
	for _, im := range images {
		out.Versions = append(out.Versions, ToVersion(im))
	}
	writeJSON(w, http.StatusOK, out)
}

func (h *handler) approve(w http.ResponseWriter, r *http.Request) {
	if err := decodeBody(r, &struct{}{}); err != nil {
		h.fail(w, r, err)
		return
	}
	h.review(w, r, imageshare.ReviewDecision{Approve: true})
}

func (h *handler) reject(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Reason string `json:"reason"`
	}
	if err := decodeBody(r, &body); err != nil {
		h.fail(w, r, err)
		return
	}
	if err := checkText("reason", body.Reason, maxReasonBytes); err != nil {
		h.fail(w, r, err)
		return
	}
	h.review(w, r, imageshare.ReviewDecision{Reason: body.Reason})
}

func (h *handler) review(w http.ResponseWriter, r *http.Request, d imageshare.ReviewDecision) {
	if err := checkText("version id", r.PathValue("id"), maxIDBytes); err != nil {
		h.fail(w, r, err)
		return
	}
	v, err := h.op.ReviewVersion(r.Context(), r.PathValue("id"), d)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ToVersion(v))
}

func (h *handler) setOnline(online bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := decodeBody(r, &struct{}{}); err != nil {
			h.fail(w, r, err)
			return
		}
		if err := checkText("version id", r.PathValue("id"), maxIDBytes); err != nil {
			h.fail(w, r, err)
			return
		}
		v, err := h.op.SetVersionOnline(r.Context(), r.PathValue("id"), online)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, ToVersion(v))
	}
}

func (h *handler) createInstance(w http.ResponseWriter, r *http.Request) {
	var body Instance
	if err := decodeBody(r, &body); err != nil {
		h.fail(w, r, err)
		return
	}
	if err := firstErr(checkText("id", body.ID, maxIDBytes), checkText("region", body.Region, maxFieldBytes),
		checkText("gpu_type", body.GPUType, maxFieldBytes)); err != nil {
		h.fail(w, r, err)
		return
	}
	in, err := h.op.CreateInstance(r.Context(), &imageshare.Instance{ID: body.ID, OwnerID: body.AccountID, Region: body.Region, GPUType: body.GPUType})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, Instance{ID: in.ID, AccountID: in.OwnerID, Region: in.Region, GPUType: in.GPUType, CreatedAt: in.CreatedAt})
}
