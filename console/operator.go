package console

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/imageshare/imageshare"
)

// The operator pages sit behind the admin API's bearer token: a browser
// signs in with it once, through a form, and gets an operator session
// cookie (scoped to /console/admin/) instead of sending the token with
// every request. Every change goes through the core's operator interface
// (core.Operator), as the admin API's does.

func (h *Handler) mountOperator() {
	h.mux.HandleFunc("GET /console/admin/{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/console/admin/reviews", http.StatusSeeOther)
	})
	h.mux.HandleFunc("GET /console/admin/login", h.opLoginPage)
	h.mux.HandleFunc("POST /console/admin/login", h.opLogin)
	h.mux.HandleFunc("POST /console/admin/logout", h.withOperator(h.opLogout))
	h.mux.HandleFunc("GET /console/admin/reviews", h.withOperator(h.reviews))
	h.mux.HandleFunc("POST /console/admin/reviews/{id}", h.withOperator(h.review))
	h.mux.HandleFunc("GET /console/admin/accounts", h.withOperator(h.accounts))
	h.mux.HandleFunc("GET /console/admin/accounts/{id}", h.withOperator(h.account))
	h.mux.HandleFunc("POST /console/admin/keys", h.withOperator(h.setKey))
	h.mux.HandleFunc("GET /console/admin/shares", h.withOperator(h.recentShares))
	h.mux.HandleFunc("GET /console/admin/shares/{id}", h.withOperator(h.imageShares))
	h.mux.HandleFunc("GET /console/admin/state", h.withOperator(h.state))
}

const opPath = "/console/admin/"

func (h *Handler) opEnabled(w http.ResponseWriter, r *http.Request) bool {
	if h.opts.AdminToken == "" {
		h.fail(w, r, http.StatusNotFound, "The operator console is off: start the server with --admin-token (or IMAGESHARE_ADMIN_TOKEN).")
		return false
	}
	return true
}

func (h *Handler) withOperator(next func(http.ResponseWriter, *http.Request, session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !h.opEnabled(w, r) {
			return
		}
		c, err := r.Cookie(operatorCookie)
		var sess session
		ok := err == nil
		if ok {
			sess, ok = h.sign.verify(c.Value, "o")
		}
		if !ok {
			if r.Method == http.MethodPost {
				h.fail(w, r, http.StatusForbidden, "Your operator session has ended: sign in again.")
				return
			}
			http.Redirect(w, r, opPath+"login", http.StatusSeeOther)
			return
		}
		if r.Method == http.MethodPost {
			if err := r.ParseForm(); err != nil || !h.sign.checkCSRF(r, sess.token) {
				h.fail(w, r, http.StatusForbidden, "This form is missing its security token (CSRF): reload the page and try again.")
				return
			}
		}
		next(w, r, sess)
	}
}

func (h *Handler) opView(sess session, title, section string, data any) *view {
	return &view{Title: title, Section: section, Who: "operator", Operator: true, CSRF: h.sign.csrf(sess.token), Data: data}
}

func (h *Handler) opLoginPage(w http.ResponseWriter, r *http.Request) {
	if !h.opEnabled(w, r) {
		return
	}
	seed := h.sign.loginSeed(w, r, opPath)
	h.render(w, r, http.StatusOK, "oplogin", &view{Title: "Operator sign-in", Operator: true, CSRF: h.sign.csrf(seed)})
}

// opLogin compares the token as the admin API does: as SHA-256 digests,
// in constant time.
func (h *Handler) opLogin(w http.ResponseWriter, r *http.Request) {
	if !h.opEnabled(w, r) {
		return
	}
	seed, _ := r.Cookie(loginCookie)
	if err := r.ParseForm(); err != nil || seed == nil || !h.sign.checkCSRF(r, seed.Value) {
		h.fail(w, r, http.StatusForbidden, "This form is missing its security token (CSRF): reload the sign-in page and try again.")
		return
	}
	got := sha256.Sum256([]byte(strings.TrimSpace(r.PostFormValue("token"))))
	want := sha256.Sum256([]byte(h.opts.AdminToken))
	if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
		h.render(w, r, http.StatusUnauthorized, "oplogin", &view{Title: "Operator sign-in", Operator: true,
			CSRF: h.sign.csrf(seed.Value), Error: "Sign-in refused: that is not the admin token."})
		return
	}
	sess := h.sign.issue("o", "")
	setCookie(w, r, operatorCookie, sess.token, opPath, sessionTTL)
	clearCookie(w, r, loginCookie, opPath)
	http.Redirect(w, r, opPath+"reviews", http.StatusSeeOther)
}

func (h *Handler) opLogout(w http.ResponseWriter, r *http.Request, _ session) {
	clearCookie(w, r, operatorCookie, opPath)
	http.Redirect(w, r, opPath+"login?msg="+url.QueryEscape("Signed out."), http.StatusSeeOther)
}

var reviewStatuses = []imageshare.ImageStatus{imageshare.StatusReviewing, imageshare.StatusAvailable,
	imageshare.StatusOffline, imageshare.StatusUnAvailable}

// reviews is the review queue: the Reviewing versions oldest first, or
// the versions in another state (to take one offline or back).
func (h *Handler) reviews(w http.ResponseWriter, r *http.Request, sess session) {
	status := imageshare.ImageStatus(r.URL.Query().Get("status"))
	if !status.Valid() {
		status = imageshare.StatusReviewing
	}
	p := pageOf(r)
	versions, total, err := h.opts.Service.ReviewQueue(r.Context(), imageshare.CommunityFilter{
		Statuses: []imageshare.ImageStatus{status}, Page: p})
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "reviews", h.opView(sess, "Review queue", "reviews", map[string]any{
		"Versions": versions, "Status": status, "Statuses": reviewStatuses,
		"Pager": newPager(p, total, "status="+url.QueryEscape(string(status)))}))
}

// review approves, rejects (with the reason its owner sees), takes
// offline or brings back one version. An offline reason is logged only:
// the core keeps a reason for rejections alone.
func (h *Handler) review(w http.ResponseWriter, r *http.Request, _ session) {
	id := r.PathValue("id")
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	ctx := r.Context()
	var err error
	var msg string
	switch r.PostFormValue("action") {
	case "approve":
		_, err = h.opts.Service.ReviewVersion(ctx, id, imageshare.ReviewDecision{Approve: true})
		msg = "Approved " + id + ": it is in the catalog."
	case "reject":
		_, err = h.opts.Service.ReviewVersion(ctx, id, imageshare.ReviewDecision{Reason: reason})
		msg = "Rejected " + id + "."
	case "offline":
		_, err = h.opts.Service.SetVersionOnline(ctx, id, false)
		h.log.Info("console: version taken offline", "version", id, "reason", reason)
		msg = "Took " + id + " offline."
	case "online":
		_, err = h.opts.Service.SetVersionOnline(ctx, id, true)
		msg = "Brought " + id + " back online."
	default:
		h.fail(w, r, http.StatusBadRequest, "Unknown review action.")
		return
	}
	back(w, r, opPath+"reviews", clip(msg, 180), err)
}

func (h *Handler) accounts(w http.ResponseWriter, r *http.Request, sess session) {
	p := pageOf(r)
	accounts, total, err := h.opts.Service.ListAccounts(r.Context(), p)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "accounts", h.opView(sess, "Accounts", "accounts",
		map[string]any{"Accounts": accounts, "Pager": newPager(p, total, "")}))
}

func (h *Handler) account(w http.ResponseWriter, r *http.Request, sess session) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		h.fail(w, r, http.StatusNotFound, "There is no such account.")
		return
	}
	a, err := h.opts.Service.FindAccount(r.Context(), id)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	keys, err := h.opts.Store.ListAccessKeys(r.Context(), id)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	users, _ := h.opts.Service.ListUsers(r.Context(), id)
	h.render(w, r, http.StatusOK, "account", h.opView(sess, a.Name, "accounts",
		map[string]any{"Account": a, "Keys": keys, "Users": users}))
}

// setKey enables or disables a key; the secret is never shown.
func (h *Handler) setKey(w http.ResponseWriter, r *http.Request, _ session) {
	pub := r.PostFormValue("key")
	enabled := r.PostFormValue("enabled") == "1"
	k, err := h.opts.Service.FindKey(r.Context(), pub)
	if err != nil {
		back(w, r, opPath+"accounts", "", err)
		return
	}
	path := opPath + "accounts/" + strconv.FormatInt(k.AccountID, 10)
	err = h.opts.Service.SetKeyEnabled(r.Context(), pub, enabled)
	state := "disabled"
	if enabled {
		state = "enabled"
	}
	back(w, r, path, "Key "+clip(pub, 80)+" "+state+".", err)
}

// recentShares: the store records no history of share changes, so this
// is the latest page of custom images (newest first) with whether each
// is shared or public; each links to its share list.
func (h *Handler) recentShares(w http.ResponseWriter, r *http.Request, sess session) {
	p := pageOf(r)
	f := imageshare.ImageFilter{Scope: imageshare.ScopeAll, Types: []imageshare.ImageType{imageshare.ImageCustom}, Page: imageshare.Page{Limit: 1}}
	_, total, err := h.opts.Store.FindImages(r.Context(), f)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	// The store lists oldest first: page from the end.
	start := max(total-p.Offset-p.Limit, 0)
	f.Page = imageshare.Page{Offset: start, Limit: min(p.Limit, max(total-p.Offset, 0))}
	var images []*imageshare.Image
	if f.Page.Limit > 0 {
		if images, _, err = h.opts.Store.FindImages(r.Context(), f); err != nil {
			h.serverError(w, r, err)
			return
		}
	}
	for i, j := 0, len(images)-1; i < j; i, j = i+1, j-1 {
		images[i], images[j] = images[j], images[i]
	}
	h.render(w, r, http.StatusOK, "shares", h.opView(sess, "Recent shares", "shares",
		map[string]any{"Images": images, "Pager": newPager(p, total, "")}))
}

func (h *Handler) imageShares(w http.ResponseWriter, r *http.Request, sess session) {
	id := r.PathValue("id")
	im, err := h.opts.Service.FindImage(r.Context(), id)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	p := pageOf(r)
	shares, total, err := h.opts.Store.ListShares(r.Context(), id, p)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "imageshares", h.opView(sess, "Shares of "+im.Name, "shares",
		map[string]any{"Image": im, "Shares": shares, "Pager": newPager(p, total, "")}))
}

// state is the store at a glance: counts (each a one-row query) and the
// builds in progress (one page).
func (h *Handler) state(w http.ResponseWriter, r *http.Request, sess session) {
	ctx := r.Context()
	count := func(f imageshare.ImageFilter) int {
		f.Scope, f.Page = imageshare.ScopeAll, imageshare.Page{Limit: 1}
		_, n, err := h.opts.Store.FindImages(ctx, f)
		if err != nil {
			return -1
		}
		return n
	}
	_, accounts, err := h.opts.Service.ListAccounts(ctx, imageshare.Page{Limit: 1})
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	shares, _ := h.opts.Store.CountShares(ctx)
	regions, _ := h.opts.Service.Regions(ctx)
	type kv struct {
		Name  string
		Count int
	}
	counts := []kv{{"Accounts", accounts}, {"Shares (image, account pairs)", shares}, {"Regions", len(regions)}}
	for _, t := range []imageshare.ImageType{imageshare.ImageSystem, imageshare.ImageApp, imageshare.ImageCustom, imageshare.ImageCommunity} {
		counts = append(counts, kv{string(t) + " images", count(imageshare.ImageFilter{Types: []imageshare.ImageType{t}})})
	}
	counts = append(counts, kv{"Versions in review", count(imageshare.ImageFilter{Types: []imageshare.ImageType{imageshare.ImageCommunity},
		Statuses: []imageshare.ImageStatus{imageshare.StatusReviewing}})})
	p := pageOf(r)
	building, total, err := h.opts.Store.FindImages(ctx, imageshare.ImageFilter{Scope: imageshare.ScopeAll,
		Statuses: []imageshare.ImageStatus{imageshare.StatusMaking}, Page: p})
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "state", h.opView(sess, "Store state", "state",
		map[string]any{"Counts": counts, "Building": building, "Pager": newPager(p, total, "")}))
}
