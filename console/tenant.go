package console

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/imageshare/imageshare"
	_ "github.com/imageshare/imageshare/dialect/ucloud" // registers the ucompshare vocabulary the console's calls are named with
	"github.com/imageshare/imageshare/internal/clientip"
	"github.com/imageshare/imageshare/vocabulary"
)

// Each tenant page is a call of the core made as one UCloud CompShare
// action, so that a sub-user's policies decide what it sees exactly as
// they decide its API calls (docs/console.md has the table). Delete is the
// one page action no CompShare action runs as such: it is named
// ucompshare:TerminateCompShareCustomImage for policies, but runs the
// core's dialect-independent delete (refused while the image is shared or
// public), not Terminate's delete-with-shares.
const (
	actListCustom   = "DescribeCompShareCustomImages"
	actListShared   = "DescribeCompShareSharingImages"
	actShares       = "DescribeCompShareImageShareAccounts"
	actModifyShares = "ModifyCompShareImageShareAccount"
	actProgress     = "GetCompShareImageCreateProgress"
	actTerminate    = "TerminateCompShareCustomImage"
	actPublish      = "PublishCompShareImage"
	actCatalog      = "DescribeUserCommunityImages"
	actCatalogOne   = "DescribeCommunityImages"
	actTags         = "DescribeCompShareImageTags"
	actSelf         = "DescribeSelfCommunityImages"
	// actListInstances is CompShare's instance listing (dialect/ucloud/actions.go).
	actListInstances = "DescribeCompShareInstance"
)

// action returns the vocabulary's action of that CompShare name, with ops
// replacing its operations when given.
func action(name string, ops ...imageshare.Operation) *imageshare.RAMAction {
	v := vocabulary.For("ucloud")
	if v == nil {
		return nil
	}
	a := v.Action(name)
	if a == nil {
		return nil
	}
	ra := a.RAMAction
	if len(ops) > 0 {
		ra.Ops = ops
	}
	return &ra
}

// tenant is a signed-in tenant request.
type tenant struct {
	key     *imageshare.AccessKey
	account *imageshare.Account
	sess    session
	r       *http.Request
}

// caller is the tenant acting as the CompShare action name in region.
func (t *tenant) caller(name, region string, ops ...imageshare.Operation) imageshare.Caller {
	c := imageshare.CallerOf(t.key)
	c.Action = action(name, ops...)
	c.Region = region
	c.SourceIP, c.SecureTransport = clientip.Of(t.r), clientip.Secure(t.r)
	return c
}

func (h *Handler) mountTenant() {
	h.mux.HandleFunc("GET /console/{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/console/images", http.StatusSeeOther)
	})
	h.mux.HandleFunc("GET /console/login", h.loginPage)
	h.mux.HandleFunc("POST /console/login", h.login)
	h.mux.HandleFunc("POST /console/logout", h.withTenant(h.logout))
	h.mux.HandleFunc("GET /console/images", h.withTenant(h.myImages))
	h.mux.HandleFunc("GET /console/images/{id}", h.withTenant(h.imagePage))
	h.mux.HandleFunc("POST /console/images/{id}/shares", h.withTenant(h.modifyShares))
	h.mux.HandleFunc("POST /console/images/{id}/public", h.withTenant(h.setPublic))
	h.mux.HandleFunc("POST /console/images/{id}/delete", h.withTenant(h.deleteImage))
	h.mux.HandleFunc("POST /console/images/{id}/publish", h.withTenant(h.publish))
	h.mux.HandleFunc("GET /console/shared", h.withTenant(h.sharedWithMe))
	h.mux.HandleFunc("GET /console/catalog", h.withTenant(h.catalog))
	h.mux.HandleFunc("GET /console/catalog/{id}", h.withTenant(h.catalogVersion))
	h.mux.HandleFunc("GET /console/publishers/{org}", h.withTenant(h.publisher))
	h.mux.HandleFunc("GET /console/instances", h.withTenant(h.instances))
}

// withTenant checks the session cookie and the key behind it (enabled,
// its sub-user enabled) and, for a POST, the CSRF token.
func (h *Handler) withTenant(next func(http.ResponseWriter, *http.Request, *tenant)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(tenantCookie)
		var sess session
		ok := err == nil
		if ok {
			sess, ok = h.sign.verify(c.Value, "t")
		}
		if !ok {
			if r.Method == http.MethodPost {
				h.fail(w, r, http.StatusForbidden, "Your session has ended: sign in again.")
				return
			}
			http.Redirect(w, r, "/console/login", http.StatusSeeOther)
			return
		}
		key, err := h.opts.Service.Authenticate(r.Context(), sess.subject)
		if err != nil {
			clearCookie(w, r, tenantCookie, "/console/")
			if imageshare.IsKind(err, imageshare.KindUnauthenticated) {
				http.Redirect(w, r, "/console/login?err="+url.QueryEscape("That access key is no longer enabled."), http.StatusSeeOther)
				return
			}
			h.serverError(w, r, err)
			return
		}
		if r.Method == http.MethodPost {
			if err := r.ParseForm(); err != nil || !h.sign.checkCSRF(r, sess.token) {
				h.fail(w, r, http.StatusForbidden, "This form is missing its security token (CSRF): reload the page and try again.")
				return
			}
		}
		acct, err := h.opts.Service.FindAccount(r.Context(), key.AccountID)
		if err != nil {
			h.serverError(w, r, err)
			return
		}
		next(w, r, &tenant{key: key, account: acct, sess: sess, r: r})
	}
}

func (h *Handler) tenantView(t *tenant, title, section string, data any) *view {
	who := t.account.Name
	if t.key.UserID != 0 {
		who += " (sub-user key " + t.key.PublicKey + ")"
	}
	return &view{Title: title, Section: section, Who: who, CSRF: h.sign.csrf(t.sess.token), Data: data}
}

func (h *Handler) loginPage(w http.ResponseWriter, r *http.Request) {
	seed := h.sign.loginSeed(w, r, "/console/")
	h.render(w, r, http.StatusOK, "login", &view{Title: "Sign in", CSRF: h.sign.csrf(seed)})
}

// login verifies a key pair as an API call does: the public key names an
// enabled key (Service.Authenticate), and the secret is compared in
// constant time. Only the public key goes into the session; the secret is
// never stored, in the browser or here.
func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	seed, err := r.Cookie(loginCookie)
	if err := r.ParseForm(); err != nil || seed == nil || !h.sign.checkCSRF(r, seed.Value) {
		h.fail(w, r, http.StatusForbidden, "This form is missing its security token (CSRF): reload the sign-in page and try again.")
		return
	}
	pub := strings.TrimSpace(r.PostFormValue("public_key"))
	secret := r.PostFormValue("private_key")
	refuse := func() {
		h.render(w, r, http.StatusUnauthorized, "login", &view{Title: "Sign in", CSRF: h.sign.csrf(seed.Value),
			Error: "Sign-in refused: the key pair is wrong or the key is disabled.", Data: map[string]string{"PublicKey": pub}})
	}
	if pub == "" || secret == "" || len(pub) > 256 || len(secret) > 256 {
		refuse()
		return
	}
	key, err := h.opts.Service.Authenticate(r.Context(), pub)
	if err != nil {
		if imageshare.IsKind(err, imageshare.KindUnauthenticated) {
			refuse()
			return
		}
		h.serverError(w, r, err)
		return
	}
	if subtle.ConstantTimeCompare([]byte(secret), []byte(key.PrivateKey)) != 1 {
		refuse()
		return
	}
	sess := h.sign.issue("t", key.PublicKey)
	setCookie(w, r, tenantCookie, sess.token, "/console/", sessionTTL)
	clearCookie(w, r, loginCookie, "/console/")
	http.Redirect(w, r, "/console/images", http.StatusSeeOther)
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request, t *tenant) {
	clearCookie(w, r, tenantCookie, "/console/")
	http.Redirect(w, r, "/console/login?msg="+url.QueryEscape("Signed out."), http.StatusSeeOther)
}

// serverError logs err and answers what it may show: a domain error's
// user-safe message, or "internal error".
func (h *Handler) serverError(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusInternalServerError
	switch imageshare.ErrorKind(err) {
	case imageshare.KindNotFound:
		status = http.StatusNotFound
	case imageshare.KindForbidden:
		status = http.StatusForbidden
	case imageshare.KindInvalid, imageshare.KindLimitExceeded, imageshare.KindConflict:
		status = http.StatusBadRequest
	case imageshare.KindUnauthenticated:
		status = http.StatusUnauthorized
	default:
		h.log.Error("console: internal error", "path", r.URL.Path, "err", err)
	}
	h.fail(w, r, status, imageshare.ErrorMessage(err))
}

// back redirects to the image page with a message or an error.
func back(w http.ResponseWriter, r *http.Request, path string, msg string, err error) {
	q := "msg=" + url.QueryEscape(msg)
	if err != nil {
		q = "err=" + url.QueryEscape(imageshare.ErrorMessage(err))
	}
	http.Redirect(w, r, path+"?"+q, http.StatusSeeOther)
}

// parseAccounts reads a list of account ids separated by commas or
// spaces; a word that is not an id is an error, said as such.
func parseAccounts(s string) ([]int64, error) {
	var ids []int64
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' }) {
		id, err := strconv.ParseInt(f, 10, 64)
		if err != nil || id <= 0 {
			return nil, errors.New("account ids are numbers, like 10002: " + strconv.Quote(clip(f, 40)) + " is not one")
		}
		ids = append(ids, id)
	}
	return ids, nil
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
