// Package ucloud speaks UCloud's CompShare API (the "ucompshare" product
// of ucloud-sdk-go) over an imageshare.Service, so that the official SDK
// works against imageshare unmodified.
//
// Every request is a POST to any path with the parameters in the body,
// either form-encoded (the SDK's default) or JSON. The dialect runs the
// pipeline of dialect/kit with what is its own: the decoder (params.go),
// the SHA-1 signature (signature.go), the envelope
// {"Action":"<Action>Response","RetCode":0,...} (this file), the error
// table (errors.go) and the action table it routes the Action parameter
// through (actions.go). Errors are always HTTP 200 with a non-zero
// RetCode, because the SDK never reads the body of a response with
// status >= 400.
package ucloud

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/dialect/kit"
	"github.com/imageshare/imageshare/internal/ratelimit"
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
const DefaultMaxBodyBytes = kit.DefaultMaxBody

// headerRequestUUID carries the request id on every response; the SDK
// exposes it as resp.GetRequestUUID().
const headerRequestUUID = "X-UCLOUD-REQUEST-UUID"

// handler serves the dialect.
type handler struct {
	svc    imageshare.Service
	idType string
}

// handlerFunc runs one action for an authenticated call. It returns a value
// that marshals to a JSON object (its fields join Action and RetCode in the
// response) or an error (a *apiError or a domain error).
type handlerFunc func(h *handler, ctx context.Context, c *call) (any, error)

// call is one authenticated request as a handler sees it.
type call struct {
	Action string
	Caller imageshare.Caller
	Region string // "" only for actions with RegionOptional
	Params *params
	// StringAccountIDs says whether account ids go out as JSON strings.
	StringAccountIDs bool
}

// New returns the dialect's HTTP handler over svc.
func New(svc imageshare.Service, opts Options) http.Handler {
	h := &handler{svc: svc, idType: opts.AccountIDType}
	if !ValidAccountIDType(h.idType) || h.idType == "" {
		if h.idType != "" && opts.Logger != nil {
			opts.Logger.Warn("unknown AccountIDType, using auto", "value", h.idType)
		}
		h.idType = AccountIDAuto
	}
	return kit.Handler(&kit.Dialect{
		Name: "ucloud", Svc: svc, Log: opts.Logger, MaxBody: opts.MaxBodyBytes, Limit: opts.RateLimit,
		RequestIDHeader: headerRequestUUID, OK: strconv.Itoa(CodeOK), Errors: errorTable,
		Peek: peek, Serve: h.serve, Write: write,
	})
}

// Actions lists the Action names the dialect serves, sorted: tests that
// must cover every action (the auth and isolation matrices) check their
// tables against it.
func Actions() []string {
	return slices.Sorted(slices.Values(actions.Names()))
}

// peek names the envelope of a request refused as overloaded, before its
// body is read: by the Action the SDK repeats in the query, when it is one
// of ours.
func peek(ex *kit.Exchange) {
	if name := ex.R.URL.Query().Get("Action"); actions.Lookup(name) != nil {
		ex.State = name
		ex.Name(name)
	}
}

// serve decodes and authenticates a request and runs its action.
func (h *handler) serve(ctx context.Context, ex *kit.Exchange) (any, error) {
	r := ex.R
	if r.Method != http.MethodPost {
		return nil, errorf(CodeUnsupportedRequest, "Method %s not supported: send a POST with a form or JSON body", clip(r.Method))
	}
	mediaType, body, err := h.read(ex)
	if err != nil {
		return nil, err
	}
	// The cheap pass names the action and the key; the body is decoded
	// (and its signing string built) only for a key that exists.
	var sc scan
	if mediaType == "application/json" {
		sc, err = scanJSON(body)
	} else {
		sc, err = scanForm(body)
	}
	if err != nil {
		return nil, err
	}
	if !sc.hasAction {
		return nil, errorf(CodeMissingAction, "Missing Action")
	}
	name := sc.action
	ex.State = name // the envelope's Action, even when it is not one of ours
	row := actions.Lookup(name)
	if row == nil {
		return nil, errorf(CodeActionNotFound, "Action [%s] not found", clip(name))
	}
	ex.Name(name)
	if !sc.hasSignature {
		return nil, errorf(CodeMissingSignature, "Missing signature")
	}
	if !sc.hasKey {
		return nil, errorf(CodeMissingPublicKey, "Missing params [PublicKey]")
	}
	if err := ex.LookupKey(ctx, sc.publicKey); err != nil {
		return nil, err
	}
	var pl *payload
	if mediaType == "application/json" {
		pl, err = decodeJSON(body)
	} else {
		pl, err = decodeForm(body)
	}
	if err != nil {
		return nil, err
	}
	p := pl.params
	if pl.signature == "" {
		return nil, errorf(CodeMissingSignature, "Missing signature")
	}
	// The scan and the decoder read the same bytes; this only guards
	// against their ever disagreeing about what was asked.
	if a, _, _ := p.String("Action"); a != name {
		return nil, invalidParam("Action", "given more than once")
	}
	if k, _, _ := p.String("PublicKey"); k != sc.publicKey {
		return nil, invalidParam("PublicKey", "given more than once")
	}
	err = ex.Authenticate(ctx, sc.publicKey, func(secret string) error {
		if !verifySignature(pl.signed, pl.signature, secret) {
			return errorf(CodeSignatureMismatch, "Signature VerifyAC Error")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// A name the action does not read is refused, never ignored: it would
	// be a documented parameter silently dropped, and for JSON, whose
	// signing string has no separators, a renamed one ("RemoveAccounts" to
	// "RemoveAccounts1") would still verify (SECURITY.md).
	if err := checkNames(row.Params, name, pl.names); err != nil {
		return nil, err
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
	case !row.RegionOptional:
		return nil, missingParam("Region")
	}
	ex.Resolve(row.RAM, region)
	c := &call{Action: name, Caller: ex.Caller, Region: region, Params: p, StringAccountIDs: h.stringAccountIDs(r)}
	return row.Handle(h, ctx, c)
}

// read reads the bounded body and its media type. An absent Content-Type
// is read as a form, as curl -d sends.
func (h *handler) read(ex *kit.Exchange) (string, []byte, error) {
	r := ex.R
	mediaType := ""
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil {
			return "", nil, errorf(CodeUnsupportedRequest, "Content-Type %q not supported: use application/x-www-form-urlencoded or application/json", clip(ct))
		}
		mediaType = mt
	}
	if mediaType != "" && mediaType != "application/x-www-form-urlencoded" && mediaType != "application/json" {
		return "", nil, errorf(CodeUnsupportedRequest, "Content-Type %q not supported: use application/x-www-form-urlencoded or application/json", clip(mediaType))
	}
	body, err := ex.ReadBody(bodyErrors)
	return mediaType, body, err
}

// commonParams are the parameters every action takes: the SDK's common
// request fields (request.CommonBase: Action, Region, Zone, ProjectId)
// and its credential's (PublicKey, Signature, SecurityToken). Zone,
// ProjectId and SecurityToken are accepted and signed over; see
// docs/ucloud.md.
var commonParams = map[string]bool{
	"Action": true, "Region": true, "Zone": true, "ProjectId": true,
	"PublicKey": true, "Signature": true, "SecurityToken": true,
}

// checkNames refuses a top-level parameter name that is neither common
// nor one of the action's (a list or object counts by its top-level name).
func checkNames(accepted []string, action string, names []string) error {
	for _, n := range names {
		top, _, _ := strings.Cut(n, ".")
		if !commonParams[top] && !slices.Contains(accepted, top) {
			return invalidParam(n, "not a parameter of "+action)
		}
	}
	return nil
}

var bodyErrors = kit.BodyErrors{
	TooLarge: func(limit int64) *kit.Error {
		return errorf(CodeBodyTooLarge, "Request body larger than %d bytes", limit)
	},
	Unreadable: errorf(CodeMalformedBody, "Could not read the request body"),
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
// errors or the fields of the marshalled result object on success. It
// appends into one buffer: a read answers this on every request.
func envelope(action string, code int, msg string, result []byte) []byte {
	b := envelopeHead(make([]byte, 0, 48+len(action)+len(msg)+len(result)), action, code)
	if code != CodeOK {
		b = append(b, `,"Message":`...)
		b = appendJSONString(b, msg)
	}
	if len(result) > 2 {
		b = append(b, ',')
		b = append(b, result[1:]...)
	} else {
		b = append(b, '}')
	}
	return b
}

// envelopeHead appends the envelope's opening: Action and RetCode.
func envelopeHead(b []byte, action string, code int) []byte {
	b = append(b, '{')
	if action != "" {
		b = append(b, `"Action":`...)
		b = appendJSONString(b, action+"Response")
		b = append(b, ',')
	}
	b = append(b, `"RetCode":`...)
	return strconv.AppendInt(b, int64(code), 10)
}

// jsonAppender is a result that writes its own JSON: exactly the bytes
// json.Marshal would, without reflection (a test compares the two). The
// hot read's answer is one (share.go).
type jsonAppender interface {
	appendJSON(b []byte) []byte
}

// appendJSONString appends s as json.Marshal writes a string. Plain
// printable ASCII, which is nearly every name and id, is copied as is;
// anything json.Marshal escapes (quotes, backslashes, control characters,
// the HTML characters <, > and &, any non-ASCII) goes through it.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return append(b, mustJSON(s)...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// write writes the envelope: HTTP 200 always, RetCode 0 and the fields
// of result, or the error's RetCode and Message.
func write(w http.ResponseWriter, ex *kit.Exchange, result any, e *kit.Error) error {
	action, _ := ex.State.(string)
	w.Header().Set("Content-Type", "application/json")
	if e != nil {
		code, _ := strconv.Atoi(e.Code)
		writeJSON(w, envelope(action, code, e.Message, nil))
		return nil
	}
	if a, ok := result.(jsonAppender); ok {
		// The result's object is appended after the head in the same
		// buffer, its '{' becoming the comma (or the closing brace of an
		// empty one): what envelope makes of the marshalled object.
		b := envelopeHead(make([]byte, 0, 1024), action, CodeOK)
		mark := len(b)
		if b = a.appendJSON(b); len(b)-mark > 2 {
			b[mark] = ','
		} else {
			b = append(b[:mark], '}')
		}
		writeJSON(w, b)
		return nil
	}
	body, err := json.Marshal(result)
	if err != nil || len(body) < 2 || body[0] != '{' {
		return fmt.Errorf("response of %s does not marshal to an object: %v", action, err)
	}
	writeJSON(w, envelope(action, CodeOK, "", body))
	return nil
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
