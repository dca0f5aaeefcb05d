// Package aliyun speaks Alibaba Cloud's ECS classic RPC API (version
// 2014-05-26) over imageshare.Service, so that the official
// alibaba-cloud-sdk-go ECS client works with only its endpoint changed.
//
// A request is a set of parameters, from the URL query and a form body,
// signed with RPC signature v1 (HMAC-SHA1, the classic SDK) or V3
// (ACS3-HMAC-SHA256, the Tea SDK's default: signv3.go). The dialect runs
// the pipeline of dialect/kit with what is its own: the decoder
// (params.go), the parameter names each action accepts (names.go), the
// signature, timestamp and nonce checks (signature.go), the action table
// it dispatches Action through (actions.go), the error table (errors.go)
// and Alibaba's envelope (this file): JSON or XML by Format, errors with a
// non-2xx status and string RequestId, HostId, Code, Message and Recommend.
package aliyun

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/dialect/kit"
	"github.com/imageshare/imageshare/internal/ratelimit"
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
type actionFunc func(h *handler, ctx context.Context, c *call) (any, error)

// call is one authenticated request as an action sees it.
type call struct {
	requestID string
	action    string
	params    params
	caller    imageshare.Caller
	region    string // RegionId, checked to be served here
	// dryRun is DryRun=true on an action that writes (its row's Writes):
	// the handler asks the core to check, not to change, and the answer
	// is DryRunOperation once every check has passed.
	dryRun bool
	// host is the endpoint the request reached (DescribeRegions).
	host string
}

type handler struct {
	svc imageshare.Service
	now func() time.Time
}

// New returns the Alibaba ECS RPC handler over svc.
func New(svc imageshare.Service, opts Options) http.Handler {
	h := &handler{svc: svc, now: opts.Clock}
	if h.now == nil {
		h.now = svc.Now
	}
	return kit.Handler(&kit.Dialect{
		Name: "aliyun", Svc: svc, Log: opts.Logger, MaxBody: opts.MaxBodyBytes, Limit: opts.RateLimit,
		FormatID: strings.ToUpper, OK: "OK", Errors: errorTable,
		Peek: peek, Serve: h.serve, Write: write,
	})
}

// Actions lists the Action names the dialect serves, sorted: tests that
// must cover every action (the auth and isolation matrices) check their
// tables against it.
func Actions() []string {
	return slices.Sorted(slices.Values(actions.Names()))
}

// WriteActions lists the actions that change something (their row's
// Writes), sorted: each takes DryRun, and the DryRun tests must cover
// every one.
func WriteActions() []string {
	var names []string
	for _, r := range actions.Rows {
		if r.Writes {
			names = append(names, r.Name)
		}
	}
	return slices.Sorted(slices.Values(names))
}

// Response formats. Alibaba answers in XML unless Format=JSON; the SDK
// always sends Format=JSON.
const (
	formatJSON = "JSON"
	formatXML  = "XML"
)

// exchange is the dialect's state of a request (kit.Exchange.State): the
// format its answer is written in and its Action parameter.
type exchange struct {
	format string
	action string
}

func state(ex *kit.Exchange) *exchange {
	if st, ok := ex.State.(*exchange); ok {
		return st
	}
	st := &exchange{format: formatJSON}
	ex.State = st
	return st
}

// peek reads the format and the action of a request refused as
// overloaded from its query (the classic SDK puts Format and Action
// there) or, for V3, its x-acs-action header.
func peek(ex *kit.Exchange) {
	st := state(ex)
	q, _ := url.ParseQuery(ex.R.URL.RawQuery)
	f := strings.ToUpper(q.Get("Format"))
	if f != formatJSON && !(isV3(ex.R) && f == "") { // V3 answers JSON by default
		st.format = formatXML
	}
	st.action = q.Get("Action")
	if isV3(ex.R) {
		st.action = ex.R.Header.Get("x-acs-action")
	}
	if actions.Lookup(st.action) != nil {
		ex.Name(st.action)
	}
}

// serve decodes, authenticates and dispatches one request. It sets the
// format as soon as the Format parameter is known, so that even early
// errors are written the way the caller asked. A request signed with V3
// (signv3.go) names its action and version in x-acs-* headers and is
// always answered in JSON: the Tea SDKs send no Format.
func (h *handler) serve(ctx context.Context, ex *kit.Exchange) (any, error) {
	st, r := state(ex), ex.R
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		ex.W.Header().Set("Allow", "GET, POST")
		return nil, newError(http.StatusMethodNotAllowed, "UnsupportedHTTPMethod",
			"The HTTP method %s is not supported; use GET or POST.", r.Method)
	}
	body, err := readBody(ex)
	if err != nil {
		return nil, err
	}
	var v3 *v3Request
	if isV3(r) {
		var ae *apiError
		if v3, ae = parseV3(r); ae != nil {
			return nil, ae
		}
	}
	p, ae := decodeParams(r.URL.RawQuery, body)
	if ae != nil {
		return nil, ae
	}
	switch f := strings.ToUpper(p["Format"]); {
	case f == formatJSON || v3 != nil && f == "":
		st.format = formatJSON
	case f == formatXML || f == "":
		st.format = formatXML
	default:
		return nil, errInvalid("Format", "it must be JSON or XML")
	}
	if v3 != nil {
		// The headers are signed and decide; a parameter that says
		// otherwise is refused rather than one of the two obeyed.
		for name, v := range map[string]string{"Action": v3.action, "Version": v3.version} {
			if got, ok := p[name]; ok && got != v {
				return nil, errInvalid(name, "it differs from the x-acs-"+strings.ToLower(name)+" header")
			}
			p[name] = v
		}
	}
	st.action = p["Action"]
	row := actions.Lookup(st.action)
	if row != nil {
		ex.Name(st.action)
	}
	if v3 != nil {
		err = h.authenticateV3(ctx, ex, v3, p, body)
	} else {
		err = h.authenticate(ctx, ex, p)
	}
	if err != nil {
		return nil, err
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
	if row == nil && unsupportedActions[st.action] {
		return nil, newError(http.StatusBadRequest, "UnsupportedOperation",
			"The action %s is not supported on this endpoint (docs/aliyun.md, Unsupported actions).", st.action)
	}
	if row == nil {
		return nil, newError(http.StatusNotFound, "InvalidAction.NotFound",
			"Specified api is not found, please check your url and method.")
	}
	if ae := checkNames(row, p); ae != nil {
		return nil, ae
	}
	// An action whose SDK requests carry no RegionId (StartInstance, ...:
	// the instance says where it is) runs without one; one given is checked.
	region := p["RegionId"]
	if region == "" && !row.RegionOptional {
		return nil, errMissing("RegionId")
	}
	if region != "" {
		if err := h.svc.CheckRegion(ctx, region); err != nil {
			return nil, err
		}
	}
	ex.Resolve(row.RAM, region)
	c := &call{requestID: ex.ID, action: st.action, params: p, caller: ex.Caller, region: region, host: r.Host}
	if row.Writes {
		dry, ae := p.boolean("DryRun")
		if ae != nil {
			return nil, ae
		}
		c.dryRun = dry != nil && *dry
	}
	result, err := row.Handle(h, ctx, c)
	if err == nil && c.dryRun {
		// The handler ran every check through the core's validate-only
		// path (c.dryRun) and nothing was written.
		return nil, errDryRun()
	}
	return result, err
}

var bodyErrors = kit.BodyErrors{
	TooLarge: func(limit int64) *kit.Error {
		return newError(http.StatusRequestEntityTooLarge, "RequestTooLarge", "The request body is larger than %d bytes.", limit)
	},
	Unreadable: newError(http.StatusBadRequest, "InvalidParameter", "The request body could not be read."),
}

// readBody reads a form body of at most the bound. Any other content
// type with a non-empty body is refused rather than silently ignored.
func readBody(ex *kit.Exchange) ([]byte, error) {
	body, err := ex.ReadBody(bodyErrors)
	if err != nil || len(body) == 0 {
		return nil, err
	}
	if mt, _, _ := mime.ParseMediaType(ex.R.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
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

// write writes Alibaba's envelope in the request's format: the result
// under <ActionResponse>, or the error with its status.
func write(w http.ResponseWriter, ex *kit.Exchange, result any, e *apiError) error {
	st := state(ex)
	if e == nil {
		data, err := encode(st.format, st.action+"Response", result)
		if err != nil {
			return err
		}
		writeBody(w, st.format, http.StatusOK, data)
		return nil
	}
	body := errorBody{RequestID: ex.ID, HostID: ex.R.Host, Code: e.Code, Message: e.Message}
	if x, ok := e.Detail.(*extra); ok {
		body.Recommend, body.AccessDeniedDetail = x.Recommend, x.Denied
	}
	data, err := encode(st.format, "Error", body)
	format := st.format
	if err != nil { // a struct of strings always encodes; keep the status anyway
		data, format = []byte(`{"Code":"InternalError"}`), formatJSON
	}
	writeBody(w, format, e.Status, data)
	return nil
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
