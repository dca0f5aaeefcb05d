// Package ucloud speaks UCloud's CompShare API (the "ucompshare" product
// of ucloud-sdk-go) over an imageshare.Service, so that the official SDK
// works against imageshare unmodified.
//
// Every request is a POST to any path with the parameters in the body,
// either form-encoded (the SDK's default) or JSON. The dialect checks the
// SHA-1 signature, routes on the Action parameter through a table of
// handlers, and answers {"Action":"<Action>Response","RetCode":0,...}.
// Errors are always HTTP 200 with a non-zero RetCode, because the SDK
// never reads the body of a response with status >= 400.
package ucloud

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"mime"
	"net/http"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"imageshare"
	"imageshare/internal/clientip"
	"imageshare/internal/ratelimit"
	"imageshare/internal/reqlog"
	"imageshare/ram"
)

// Account id encodings for DescribeCompShareImageShareAccounts (see
// docs/protocols.md section 5): the CompShare documentation says AccountId is an
// integer, the Go SDK's strict decoder needs a string.
const (
	// AccountIDAuto sends a number, except to the official Go SDK (its
	// User-Agent contains "GO-SDK/"), which gets a string.
	AccountIDAuto = "auto"
	// AccountIDInteger always sends a JSON number.
	AccountIDInteger = "integer"
	// AccountIDString always sends a JSON string.
	AccountIDString = "string"
)

// ValidAccountIDType reports whether s is a value Options.AccountIDType
// accepts ("" means AccountIDAuto).
func ValidAccountIDType(s string) bool {
	switch s {
	case "", AccountIDAuto, AccountIDInteger, AccountIDString:
		return true
	}
	return false
}

// Options configures the dialect.
type Options struct {
	// AccountIDType is AccountIDAuto (the default), AccountIDInteger or
	// AccountIDString. An unknown value is treated as AccountIDAuto.
	AccountIDType string
	// Logger receives one debug line per request and every internal
	// error; nil discards.
	Logger *slog.Logger
	// MaxBodyBytes bounds a request body (default 1 MiB).
	MaxBodyBytes int64
	// RateLimit throttles each access key once its signature is verified
	// (nil: no limit). Requests the app marks as over its concurrency
	// bound are refused before the body is read (ratelimit.Overloaded).
	RateLimit *ratelimit.Limiter
}

// DefaultMaxBodyBytes is the request body bound when Options leaves it 0.
const DefaultMaxBodyBytes = 1 << 20

// headerRequestUUID carries the request id on every response; the SDK
// exposes it as resp.GetRequestUUID().
const headerRequestUUID = "X-UCLOUD-REQUEST-UUID"

// handler serves the dialect.
type handler struct {
	svc     imageshare.Service
	log     *slog.Logger
	maxBody int64
	idType  string
	limit   *ratelimit.Limiter
	actions map[string]action
}

// handlerFunc runs one action for an authenticated call. It returns a value
// that marshals to a JSON object (its fields join Action and RetCode in the
// response) or an error (a *apiError or a domain error).
type handlerFunc func(ctx context.Context, c *call) (any, error)

// action is one entry of the routing table.
type action struct {
	handle handlerFunc
	// regionOptional lets the action run without a Region parameter; by
	// default Region is required and must be served here.
	regionOptional bool
}

// call is one authenticated request as a handler sees it.
type call struct {
	Action string
	Caller imageshare.Caller
	Region string // "" only for actions with regionOptional
	Params *params
	// StringAccountIDs says whether account ids go out as JSON strings.
	StringAccountIDs bool
}

// New returns the dialect's HTTP handler over svc.
func New(svc imageshare.Service, opts Options) http.Handler {
	h := &handler{svc: svc, log: opts.Logger, maxBody: opts.MaxBodyBytes, idType: opts.AccountIDType, limit: opts.RateLimit}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.maxBody <= 0 {
		h.maxBody = DefaultMaxBodyBytes
	}
	if !ValidAccountIDType(h.idType) || h.idType == "" {
		if h.idType != "" {
			h.log.Warn("unknown AccountIDType, using auto", "value", h.idType)
		}
		h.idType = AccountIDAuto
	}
	h.actions = map[string]action{
		"DescribeCompShareImageShareAccounts": {handle: h.describeShareAccounts},
		"ModifyCompShareImageShareAccount":    {handle: h.modifyShareAccount},
		"DescribeCompShareCustomImages":       {handle: h.describeCustomImages},
		"DescribeCompShareSharingImages":      {handle: h.describeSharingImages},
		"DescribeCompShareImages":             {handle: h.describePlatformImages},
	}
	for name, a := range h.communityActions() { // lifecycle.go
		h.actions[name] = a
	}
	return h
}

// Actions lists the Action names the dialect serves, sorted: tests that
// must cover every action (the auth and isolation matrices) check their
// tables against it.
func Actions() []string {
	return slices.Sorted(maps.Keys(New(nil, Options{}).(*handler).actions))
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	id := newRequestUUID()
	w.Header().Set(headerRequestUUID, id)
	w.Header().Set("Content-Type", "application/json")
	info := reqlog.From(r.Context())
	info.Dialect, info.RequestID = "ucloud", id
	var act string
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			h.log.Error("panic serving request", "request_id", id, "action", act, "panic", v, "stack", string(debug.Stack()))
			info.Code = strconv.Itoa(CodeInternal)
			writeJSON(w, envelope(act, CodeInternal, "internal error", nil))
		}
	}()

	result, err := h.serve(r, &act)
	if err != nil {
		code, msg, internal := retCode(err)
		if internal {
			h.log.Error("request failed", "request_id", id, "action", act, "retcode", code, "err", err)
		}
		h.log.Debug("request", "request_id", id, "action", act, "retcode", code, "message", msg, "took", time.Since(start))
		info.Code = strconv.Itoa(code)
		writeJSON(w, envelope(act, code, msg, nil))
		return
	}
	body, err := json.Marshal(result)
	if err != nil || len(body) < 2 || body[0] != '{' {
		h.log.Error("response does not marshal to an object", "request_id", id, "action", act, "err", err)
		info.Code = strconv.Itoa(CodeInternal)
		writeJSON(w, envelope(act, CodeInternal, "internal error", nil))
		return
	}
	h.log.Debug("request", "request_id", id, "action", act, "retcode", 0, "took", time.Since(start))
	info.Code = strconv.Itoa(CodeOK)
	writeJSON(w, envelope(act, CodeOK, "", body))
}

// serve authenticates r and runs its action. It sets *act to the Action
// name as soon as it is known, for the response envelope (even after a
// panic).
func (h *handler) serve(r *http.Request, act *string) (any, error) {
	if err := ratelimit.Overloaded(r.Context()); err != nil {
		// Refused before the body is read: the Action the SDK repeats in
		// the query names the envelope when it is one of ours.
		if name := r.URL.Query().Get("Action"); h.actions[name].handle != nil {
			*act = name
		}
		return nil, err
	}
	if r.Method != http.MethodPost {
		return nil, errorf(CodeUnsupportedRequest, "Method %s not supported: send a POST with a form or JSON body", clip(r.Method))
	}
	pl, err := h.decode(r)
	if err != nil {
		return nil, err
	}
	p := pl.params
	name, ok, err := p.String("Action")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errorf(CodeMissingAction, "Missing Action")
	}
	*act = name
	action, ok := h.actions[name]
	if !ok {
		return nil, errorf(CodeActionNotFound, "Action [%s] not found", clip(name))
	}
	reqlog.From(r.Context()).Action = name
	if pl.signature == "" {
		return nil, errorf(CodeMissingSignature, "Missing signature")
	}
	publicKey, ok, err := p.String("PublicKey")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errorf(CodeMissingPublicKey, "Missing params [PublicKey]")
	}
	ctx := r.Context()
	key, err := h.svc.Authenticate(ctx, publicKey)
	if err != nil {
		return nil, err
	}
	if !verifySignature(pl.signed, pl.signature, key.PrivateKey) {
		return nil, errorf(CodeSignatureMismatch, "Signature VerifyAC Error")
	}
	if err := h.limit.Check(key.PublicKey); err != nil {
		return nil, err
	}
	reqlog.From(ctx).AccountID = key.AccountID
	c := &call{
		Action:           name,
		Caller:           caller(key, name, r),
		Params:           p,
		StringAccountIDs: h.stringAccountIDs(r),
	}
	region, hasRegion, err := p.String("Region")
	if err != nil {
		return nil, err
	}
	switch {
	case hasRegion:
		if err := h.svc.CheckRegion(ctx, region); err != nil {
			return nil, err
		}
		c.Region, c.Caller.Region = region, region
	case !action.regionOptional:
		return nil, missingParam("Region")
	}
	result, err := action.handle(ctx, c)
	return result, err
}

// caller is the identity a verified key acts as for action: the core
// authorizes a sub-user's call by the action's policy name
// (ucompshare:<Action>), the request's region, address and transport.
func caller(key *imageshare.AccessKey, action string, r *http.Request) imageshare.Caller {
	c := imageshare.CallerOf(key)
	c.Action = ram.UCloud.Service + ":" + action
	c.SourceIP, c.SecureTransport = clientip.Of(r), clientip.Secure(r)
	return c
}

// decode reads the bounded body and decodes it by Content-Type. An absent
// Content-Type is read as a form, as curl -d sends.
func (h *handler) decode(r *http.Request) (*payload, error) {
	mediaType := ""
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil {
			return nil, errorf(CodeUnsupportedRequest, "Content-Type %q not supported: use application/x-www-form-urlencoded or application/json", clip(ct))
		}
		mediaType = mt
	}
	if mediaType != "" && mediaType != "application/x-www-form-urlencoded" && mediaType != "application/json" {
		return nil, errorf(CodeUnsupportedRequest, "Content-Type %q not supported: use application/x-www-form-urlencoded or application/json", clip(mediaType))
	}
	if r.ContentLength > h.maxBody {
		return nil, h.tooLarge()
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, h.maxBody+1))
	if err != nil {
		return nil, errorf(CodeMalformedBody, "Could not read the request body")
	}
	if int64(len(body)) > h.maxBody {
		return nil, h.tooLarge()
	}
	if mediaType == "application/json" {
		return decodeJSON(body)
	}
	return decodeForm(body)
}

func (h *handler) tooLarge() error {
	return errorf(CodeBodyTooLarge, "Request body larger than %d bytes", h.maxBody)
}

// stringAccountIDs decides how account ids are encoded for this request.
func (h *handler) stringAccountIDs(r *http.Request) bool {
	switch h.idType {
	case AccountIDString:
		return true
	case AccountIDInteger:
		return false
	}
	return strings.Contains(r.Header.Get("User-Agent"), "GO-SDK/")
}

// envelope builds a response body: Action and RetCode, then Message on
// errors or the fields of the marshalled result object on success.
func envelope(action string, code int, msg string, result []byte) []byte {
	var b strings.Builder
	b.WriteByte('{')
	if action != "" {
		b.WriteString(`"Action":`)
		b.Write(mustJSON(action + "Response"))
		b.WriteByte(',')
	}
	b.WriteString(`"RetCode":`)
	b.Write(mustJSON(code))
	if code != CodeOK {
		b.WriteString(`,"Message":`)
		b.Write(mustJSON(msg))
	}
	if len(result) > 2 {
		b.WriteByte(',')
		b.Write(result[1:])
	} else {
		b.WriteByte('}')
	}
	return []byte(b.String())
}

// mustJSON marshals a string or int, which cannot fail.
func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

func writeJSON(w http.ResponseWriter, body []byte) {
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// newRequestUUID returns a random (version 4) UUID.
func newRequestUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}
