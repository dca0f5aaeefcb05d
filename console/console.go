// Package console is imageshare's web console: server-rendered pages for
// tenants (signed in with an access key pair) under /console/ and for the
// operator (signed in with the admin token) under /console/admin/. It
// calls only the core (imageshare.Service for tenants, core.Operator for
// the operator) and the store's read-only counts; every template, style
// sheet and icon is embedded in the binary, and no page runs a script
// (docs/console.md; the security review is SECURITY.md "Console").
package console

import (
	"bytes"
	"crypto/rand"
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/core"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// PageSize is the rows one page of a listing reads from the store.
const PageSize = 20

// Options configures the console.
type Options struct {
	// Service is the core service; tenants' calls go through it as
	// imageshare.Service, the operator's as core.Operator.
	Service *core.Service
	// Store answers the operator's read-only questions the core has no
	// call for: counts, an account's keys.
	Store imageshare.Store
	// Tenant serves the tenant pages; Operator the operator pages (under
	// /console/admin/), which need AdminToken.
	Tenant, Operator bool
	// AdminToken is the admin API's bearer token; "" turns the operator
	// pages off.
	AdminToken string
	// Secret signs session cookies; nil picks a random one (sessions then
	// end when the process does).
	Secret []byte
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives internal errors; nil discards them.
	Logger *slog.Logger
}

// Handler serves the console.
type Handler struct {
	opts  Options
	sign  *signer
	pages map[string]*template.Template
	mux   *http.ServeMux
	log   *slog.Logger
}

// New returns the console's handler; mount it at /console/.
func New(opts Options) *Handler {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if len(opts.Secret) == 0 {
		opts.Secret = make([]byte, 32)
		_, _ = rand.Read(opts.Secret)
	}
	h := &Handler{opts: opts, sign: &signer{secret: opts.Secret, now: opts.Now}, log: opts.Logger}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	h.pages = parsePages()
	h.mux = http.NewServeMux()
	static, _ := fs.Sub(staticFS, "static")
	h.mux.Handle("GET /console/static/", http.StripPrefix("/console/static/", http.FileServerFS(static)))
	if opts.Tenant {
		h.mountTenant()
	}
	if opts.Operator {
		h.mountOperator()
	}
	return h
}

// securityHeaders are set on every console response: no script runs at
// all (script-src 'none'), styles and images come from here (covers may
// also be https: or data: images, SECURITY.md), no framing, no sniffing,
// and no Referer leaves the console.
func securityHeaders(w http.ResponseWriter) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self' https: data:; "+
		"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("Cache-Control", "no-store")
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			h.log.Error("console: panic", "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
			http.Error(w, "internal error", http.StatusInternalServerError)
		}
	}()
	securityHeaders(w)
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, 256<<10)
		if !sameOrigin(r) {
			h.fail(w, r, http.StatusForbidden, "This form was sent from another site and was refused.")
			return
		}
	}
	if _, pattern := h.mux.Handler(r); pattern == "" {
		h.fail(w, r, http.StatusNotFound, "There is no console page here.")
		return
	}
	h.mux.ServeHTTP(w, r)
}

// view is what every page template gets.
type view struct {
	Title    string
	Section  string // the nav entry to mark current
	Who      string // the signed-in account or "operator"
	Operator bool   // an operator page (its nav)
	Tenant   bool   // tenant pages are served here
	CSRF     string
	Flash    string
	Error    string
	Data     any
	Refresh  int // seconds; a meta refresh follows a build without a script
}

// render writes page with v; the page is rendered to a buffer first, so
// a template error is a clean 500, never half a page.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, page string, v *view) {
	if msg := r.URL.Query().Get("msg"); msg != "" && v.Flash == "" && len(msg) <= 200 {
		v.Flash = msg
	}
	if e := r.URL.Query().Get("err"); e != "" && v.Error == "" && len(e) <= 300 {
		v.Error = e
	}
	v.Tenant = h.opts.Tenant
	var buf bytes.Buffer
	if err := h.pages[page].ExecuteTemplate(&buf, "layout", v); err != nil {
		h.log.Error("console: render", "page", page, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// fail renders an error page.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, status int, msg string) {
	h.render(w, r, status, "error", &view{Title: http.StatusText(status), Error: msg})
}

// pageOf reads ?offset= as a page of PageSize rows.
func pageOf(r *http.Request) imageshare.Page {
	off, _ := strconv.Atoi(r.URL.Query().Get("offset"))
	return imageshare.Page{Offset: max(off, 0), Limit: PageSize}
}

// pager is the paging links of a listing.
type pager struct {
	Offset, End, Total int
	Prev, Next         int
	HasPrev, HasNext   bool
	Query              template.URL // the listing's other query parameters, encoded by url.Values
}

func newPager(p imageshare.Page, total int, query string) pager {
	pg := pager{Offset: p.Offset, End: min(p.Offset+p.Limit, total), Total: total, Query: template.URL(query)}
	if p.Offset > 0 {
		pg.HasPrev, pg.Prev = true, max(p.Offset-p.Limit, 0)
	}
	if p.Offset+p.Limit < total {
		pg.HasNext, pg.Next = true, p.Offset+p.Limit
	}
	return pg
}
