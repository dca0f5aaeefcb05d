// Package aliyun speaks Alibaba Cloud's ECS classic RPC API (version
// 2014-05-26) over imageshare.Service, so that the official
// alibaba-cloud-sdk-go ECS client works with only its endpoint changed.
//
// A request is a set of parameters, from the URL query and a form body,
// signed with RPC signature v1 (HMAC-SHA1). The handler verifies the
// signature, the timestamp and the nonce, dispatches on Action and writes
// Alibaba's envelope: JSON or XML by Format, errors with a non-2xx status
// and string RequestId, HostId, Code, Message and Recommend.
package aliyun

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"log/slog"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"imageshare"
	"imageshare/internal/clientip"
	"imageshare/internal/ratelimit"
	"imageshare/internal/reqlog"
	"imageshare/ram"
)

// apiVersion is the only ECS API version served.
const apiVersion = "2014-05-26"

// Options configure the handler.
type Options struct {
	// Logger receives request logs; nil discards them.
	Logger *slog.Logger
	// MaxBodyBytes bounds a request body (default 1 MiB).
	MaxBodyBytes int64
	// Clock is the time timestamps are checked against (default svc.Now).
	Clock func() time.Time
	// RateLimit throttles each access key once its signature is verified
	// (nil: no limit). Requests the app marks as over its concurrency
	// bound are refused before the body is read (ratelimit.Overloaded).
	RateLimit *ratelimit.Limiter
}

// actionFunc serves one Action. It returns the response body (a struct
// with RequestId set) or an error, a domain error or an *apiError.
type actionFunc func(ctx context.Context, c *call) (any, error)

// call is one authenticated request as an action sees it.
type call struct {
	requestID string
	action    string
	params    params
	caller    imageshare.Caller
	region    string // RegionId, checked to be served here
}

type handler struct {
	svc     imageshare.Service
	log     *slog.Logger
	maxBody int64
	now     func() time.Time
	limit   *ratelimit.Limiter
	actions map[string]actionFunc
}

// New returns the Alibaba ECS RPC handler over svc.
func New(svc imageshare.Service, opts Options) http.Handler {
	h := &handler{svc: svc, log: opts.Logger, maxBody: opts.MaxBodyBytes, now: opts.Clock, limit: opts.RateLimit}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.maxBody <= 0 {
		h.maxBody = 1 << 20
	}
	if h.now == nil {
		h.now = svc.Now
	}
	h.actions = map[string]actionFunc{
		"DescribeImageSharePermission": h.describeImageSharePermission,
		"ModifyImageSharePermission":   h.modifyImageSharePermission,
		"DescribeImages":               h.describeImages,
		"DeleteImage":                  h.deleteImage,
	}
	return h
}

// Actions lists the Action names the dialect serves, sorted: tests that
// must cover every action (the auth and isolation matrices) check their
// tables against it.
func Actions() []string {
	return slices.Sorted(maps.Keys(New(nil, Options{Clock: time.Now}).(*handler).actions))
}

// Response formats. Alibaba answers in XML unless Format=JSON; the SDK
// always sends Format=JSON.
const (
	formatJSON = "JSON"
	formatXML  = "XML"
)

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	c := &call{requestID: newRequestID()}
	format := formatJSON
	result, err := h.handle(w, r, c, &format)
	status := http.StatusOK
	var ae *apiError
	if err != nil {
		ae = fromDomain(err)
		status = ae.Status
		h.writeError(w, r, c, format, ae)
	} else {
		h.writeResult(w, c, format, result)
	}
	info := reqlog.From(r.Context())
	info.Dialect, info.RequestID, info.AccountID, info.Code = "aliyun", c.requestID, c.caller.AccountID, "OK"
	if ae != nil {
		info.Code = ae.Code
	}
	if _, known := h.actions[c.action]; known {
		info.Action = c.action
	}
	attrs := []any{"request_id", c.requestID, "action", c.action, "status", status,
		"account", c.caller.AccountID, "duration", time.Since(start)}
	switch {
	case ae != nil && ae.Status >= 500:
		h.log.Error("request failed", append(attrs, "code", ae.Code, "err", ae.cause)...)
	case ae != nil:
		h.log.Debug("request refused", append(attrs, "code", ae.Code, "message", ae.Message)...)
	default:
		h.log.Debug("request served", attrs...)
	}
}

// handle decodes, authenticates and dispatches one request. It sets
// *format as soon as the Format parameter is known, so that even early
// errors are written the way the caller asked.
func (h *handler) handle(w http.ResponseWriter, r *http.Request, c *call, format *string) (any, error) {
	if err := ratelimit.Overloaded(r.Context()); err != nil {
		// Refused before the body is read, in the format the query asks
		// for (the SDK puts Format and Action there).
		q, _ := url.ParseQuery(r.URL.RawQuery)
		if strings.ToUpper(q.Get("Format")) != formatJSON {
			*format = formatXML
		}
		c.action = q.Get("Action")
		return nil, err
	}
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		return nil, newError(http.StatusMethodNotAllowed, "UnsupportedHTTPMethod",
			"The HTTP method %s is not supported; use GET or POST.", r.Method)
	}
	body, err := h.readBody(w, r)
	if err != nil {
		return nil, err
	}
	p, ae := decodeParams(r.URL.RawQuery, body)
	if ae != nil {
		return nil, ae
	}
	switch f := strings.ToUpper(p["Format"]); f {
	case formatJSON:
		*format = formatJSON
	case formatXML, "":
		*format = formatXML
	default:
		return nil, errInvalid("Format", "it must be JSON or XML")
	}
	c.params = p
	c.action = p["Action"]

	ctx := r.Context()
	if c.caller, ae = h.authenticate(ctx, r.Method, p); ae != nil {
		return nil, ae
	}
	version, ae := p.required("Version")
	if ae != nil {
		return nil, ae
	}
	if version != apiVersion {
		return nil, newError(http.StatusBadRequest, "InvalidVersion",
			"Specified parameter Version is not valid: this endpoint serves ECS %s.", apiVersion)
	}
	if _, ae := p.required("Action"); ae != nil {
		return nil, ae
	}
	act, ok := h.actions[c.action]
	if !ok {
		return nil, newError(http.StatusNotFound, "InvalidAction.NotFound",
			"Specified api is not found, please check your url and method.")
	}
	if c.region, ae = p.required("RegionId"); ae != nil {
		return nil, ae
	}
	if err := h.svc.CheckRegion(ctx, c.region); err != nil {
		return nil, err
	}
	// What the core authorizes a sub-user's call by: the action's RAM name
	// (ecs:<Action>), the region, the address and the transport.
	c.caller.Action = ram.Aliyun.Service + ":" + c.action
	c.caller.Region = c.region
	c.caller.SourceIP, c.caller.SecureTransport = clientip.Of(r), clientip.Secure(r)
	return act(ctx, c)
}

// readBody reads a form body of at most maxBody bytes. Any other content
// type with a non-empty body is refused rather than silently ignored.
func (h *handler) readBody(w http.ResponseWriter, r *http.Request) ([]byte, *apiError) {
	if r.Body == nil {
		return nil, nil
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.maxBody))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, newError(http.StatusRequestEntityTooLarge, "RequestTooLarge",
			"The request body is larger than %d bytes.", h.maxBody)
	}
	if err != nil {
		return nil, newError(http.StatusBadRequest, "InvalidParameter", "The request body could not be read.")
	}
	if len(body) == 0 {
		return nil, nil
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		return nil, newError(http.StatusBadRequest, "InvalidParameter",
			"A request body must be application/x-www-form-urlencoded parameters.")
	}
	return body, nil
}

// errorBody is Alibaba's error envelope. Every field is a string: the SDK
// panics on any other type.
type errorBody struct {
	RequestID string `json:"RequestId" xml:"RequestId"`
	HostID    string `json:"HostId" xml:"HostId"`
	Code      string `json:"Code" xml:"Code"`
	Message   string `json:"Message" xml:"Message"`
	Recommend string `json:"Recommend" xml:"Recommend"`
	// AccessDeniedDetail comes with Forbidden.RAM only; the SDK exposes it
	// as ServerError.AccessDeniedDetail().
	AccessDeniedDetail *accessDeniedDetail `json:"AccessDeniedDetail,omitempty" xml:"AccessDeniedDetail,omitempty"`
}

func (h *handler) writeError(w http.ResponseWriter, r *http.Request, c *call, format string, ae *apiError) {
	body := errorBody{RequestID: c.requestID, HostID: r.Host, Code: ae.Code, Message: ae.Message, Recommend: ae.Recommend,
		AccessDeniedDetail: ae.denied}
	data, err := encode(format, "Error", body)
	if err != nil { // a struct of strings always encodes; keep the status anyway
		data, format = []byte(`{"Code":"InternalError"}`), formatJSON
	}
	writeBody(w, format, ae.Status, data)
}

func (h *handler) writeResult(w http.ResponseWriter, c *call, format string, result any) {
	data, err := encode(format, c.action+"Response", result)
	if err != nil {
		h.log.Error("encode response", "request_id", c.requestID, "action", c.action, "err", err)
		ae := errInternal(err)
		body := errorBody{RequestID: c.requestID, Code: ae.Code, Message: ae.Message}
		data, _ = json.Marshal(body)
		writeBody(w, formatJSON, ae.Status, data)
		return
	}
	writeBody(w, format, http.StatusOK, data)
}

// encode renders v as JSON, or as XML under a root element named root
// (Alibaba's <ActionResponse> or <Error>), with the same field names.
func encode(format, root string, v any) ([]byte, error) {
	if format != formatXML {
		return json.Marshal(v)
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	if err := xml.NewEncoder(&buf).EncodeElement(v, xml.StartElement{Name: xml.Name{Local: root}}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func writeBody(w http.ResponseWriter, format string, status int, data []byte) {
	if format == formatXML {
		w.Header().Set("Content-Type", "text/xml;charset=utf-8")
	} else {
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
	}
	w.WriteHeader(status)
	_, _ = w.Write(data)
}

// newRequestID returns an id shaped like Alibaba's
// (473469C7-AA6F-4DC5-B3DB-A3DC0DE3C83E).
func newRequestID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	h := strings.ToUpper(hex.EncodeToString(b))
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
