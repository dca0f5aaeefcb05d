// Package admin is imageshare's operator HTTP API: JSON over HTTP, every
// request authenticated with "Authorization: Bearer <token>". It reviews
// community versions and records instances, through an
// imageshare.CommunityOperator; no tenant credential reaches it.
//
//	GET  /admin/reviews?status=Reviewing&region=&owner=&offset=0&limit=20
//	POST /admin/reviews/{id}/approve
//	POST /admin/reviews/{id}/reject     {"reason": "..."} (body optional)
//	POST /admin/versions/{id}/offline
//	POST /admin/versions/{id}/online
//	POST /admin/instances               {"id","account_id","region","gpu_type"}
//
// Without a token the API is off: every request is answered 404 with the
// error code "admin_disabled".
package admin

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/internal/wiretext"
)

// Options configures the admin API.
type Options struct {
	// Token is the bearer token every request must carry; "" turns the
	// API off.
	Token string
	// Logger receives internal errors; nil discards.
	Logger *slog.Logger
	// MaxBodyBytes bounds a request body (default 64 KiB).
	MaxBodyBytes int64
}

const defaultMaxBody = 64 << 10

type handler struct {
	op      imageshare.CommunityOperator
	token   [sha256.Size]byte
	enabled bool
	log     *slog.Logger
	maxBody int64
	mux     *http.ServeMux
}

// New returns the admin API over op.
func New(op imageshare.CommunityOperator, opts Options) http.Handler {
	h := &handler{op: op, log: opts.Logger, maxBody: opts.MaxBodyBytes, enabled: opts.Token != ""}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.maxBody <= 0 {
		h.maxBody = defaultMaxBody
	}
	// Tokens are compared as digests: equal lengths, so the comparison
	// time says nothing about the token's length either.
	h.token = sha256.Sum256([]byte(opts.Token))
	h.mux = http.NewServeMux()
	h.mux.HandleFunc("GET /admin/reviews", h.listReviews)
	h.mux.HandleFunc("POST /admin/reviews/{id}/approve", h.approve)
	h.mux.HandleFunc("POST /admin/reviews/{id}/reject", h.reject)
	h.mux.HandleFunc("POST /admin/versions/{id}/offline", h.setOnline(false))
	h.mux.HandleFunc("POST /admin/versions/{id}/online", h.setOnline(true))
	h.mux.HandleFunc("POST /admin/instances", h.createInstance)
	return h
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			h.log.Error("admin: panic", "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
			writeError(w, http.StatusInternalServerError, "internal", "", "internal error")
		}
	}()
	w.Header().Set("Cache-Control", "no-store")
	if !h.enabled {
		writeError(w, http.StatusNotFound, "admin_disabled", "",
			"the admin API is off: start the server with --admin-token or IMAGESHARE_ADMIN_TOKEN")
		return
	}
	if !h.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="imageshare-admin"`)
		writeError(w, http.StatusUnauthorized, "unauthenticated", "", "a valid admin token is required: Authorization: Bearer <token>")
		return
	}
	if _, pattern := h.mux.Handler(r); pattern == "" {
		writeError(w, http.StatusNotFound, "not_found", "", "no admin endpoint "+clip(wiretext.Sanitize(r.Method+" "+r.URL.Path)))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, h.maxBody)
	h.mux.ServeHTTP(w, r)
}

// authorized checks the bearer token in constant time.
func (h *handler) authorized(r *http.Request) bool {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	got := sha256.Sum256([]byte(strings.TrimSpace(token)))
	return subtle.ConstantTimeCompare(got[:], h.token[:]) == 1
}

// errorBody is every error response: {"error":{"code","reason","message"}}.
type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Reason  string `json:"reason,omitempty"`
		Message string `json:"message"`
	} `json:"error"`
}

func writeError(w http.ResponseWriter, status int, code, reason, msg string) {
	var b errorBody
	b.Error.Code, b.Error.Reason, b.Error.Message = code, reason, msg
	writeJSON(w, status, b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"error":{"code":"internal","message":"internal error"}}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

// kindStatus maps a domain error's kind to its HTTP status and code.
var kindStatus = map[imageshare.Kind]struct {
	status int
	code   string
}{
	imageshare.KindInvalid:         {http.StatusBadRequest, "invalid"},
	imageshare.KindNotFound:        {http.StatusNotFound, "not_found"},
	imageshare.KindConflict:        {http.StatusConflict, "conflict"},
	imageshare.KindForbidden:       {http.StatusForbidden, "forbidden"},
	imageshare.KindLimitExceeded:   {http.StatusTooManyRequests, "limit_exceeded"},
	imageshare.KindUnauthenticated: {http.StatusUnauthorized, "unauthenticated"},
	imageshare.KindUnavailable:     {http.StatusServiceUnavailable, "unavailable"},
}

// fail writes a domain error; internal failures are logged, never shown.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	if ks, ok := kindStatus[imageshare.ErrorKind(err)]; ok {
		if ks.status >= 500 {
			h.log.Error("admin: request failed", "path", r.URL.Path, "err", err)
		}
		writeError(w, ks.status, ks.code, string(imageshare.ErrorReason(err)), imageshare.ErrorMessage(err))
		return
	}
	h.log.Error("admin: request failed", "path", r.URL.Path, "err", err)
	writeError(w, http.StatusInternalServerError, "internal", "", "internal error")
}

// decodeBody decodes an optional JSON object body into v; an empty body
// leaves v as it is.
func decodeBody(r *http.Request, v any) error {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return imageshare.Errorf(imageshare.KindInvalid, imageshare.ReasonInvalidParameter, "request body larger than %d bytes", tooLarge.Limit)
		}
		return imageshare.Errorf(imageshare.KindInvalid, imageshare.ReasonInvalidParameter, "could not read the request body")
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		return nil
	}
	if err := checkBody(body); err != nil {
		return err
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil || dec.More() {
		msg := "request body is not the expected JSON object"
		if err != nil {
			msg += ": " + clip(err.Error())
		}
		return imageshare.Errorf(imageshare.KindInvalid, imageshare.ReasonInvalidParameter, "%s", msg)
	}
	return nil
}

// clip bounds a caller-supplied string echoed in a message.
func clip(s string) string {
	const max = 128
	if len(s) <= max {
		return s
	}
	return s[:max] + "..."
}
