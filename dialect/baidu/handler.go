// Package baidu speaks Baidu Cloud's BCC v2 image API (the REST calls of
// github.com/baidubce/bce-sdk-go/services/bcc) over imageshare.Service:
// bce-auth-v1 signatures (signature.go), BCE's JSON error envelope and
// error table (errors.go), and the image and share calls of one action
// table that routes them by method and path shape (router.go), over the
// pipeline of dialect/kit. See docs/baidu.md for what differs from Baidu.
package baidu

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/dialect/kit"
	"github.com/imageshare/imageshare/internal/ratelimit"
	"github.com/imageshare/imageshare/internal/wiretext"
)

// Options configures the dialect.
type Options struct {
	// DefaultRegion is the region of requests whose Host does not name one
	// (anything but bcc.<region>.baidubce.com, such as 127.0.0.1:PORT).
	// Default "bj".
	DefaultRegion string
	// Logger receives request failures; nil discards them.
	Logger *slog.Logger
	// MaxBodyBytes bounds a request body (default 1 MiB).
	MaxBodyBytes int64
	// RateLimit throttles each access key once its signature is verified
	// (nil: no limit). Requests the app marks as over its concurrency
	// bound are refused before the body is read (ratelimit.Overloaded).
	RateLimit *ratelimit.Limiter
}

const requestIDHeader = "X-Bce-Request-Id"

// handler serves BCE requests. It is safe for concurrent use.
type handler struct {
	svc  imageshare.Service
	opts Options
}

// New returns the BCC dialect as an http.Handler.
func New(svc imageshare.Service, opts Options) http.Handler {
	if opts.DefaultRegion == "" {
		opts.DefaultRegion = "bj"
	}
	h := &handler{svc: svc, opts: opts}
	return kit.Handler(&kit.Dialect{
		Name: "baidu", Svc: svc, Log: opts.Logger, MaxBody: opts.MaxBodyBytes, Limit: opts.RateLimit,
		RequestIDHeader: requestIDHeader, OK: "OK", Errors: errorTable,
		Peek: peek, Serve: h.serve, Write: write,
	})
}

// call is one authenticated request as the handlers see it.
type call struct {
	r        *http.Request
	caller   imageshare.Caller
	auth     *authorization
	region   string
	imageID  string // the {imageId} path segment, when the route has one
	query    url.Values
	body     []byte
	clientID string // the client's x-bce-request-id; a retry resends it
}

// handlerFunc is one API call: it returns the JSON result (nil for an
// empty 200) or an error the error table translates.
type handlerFunc func(h *handler, ctx context.Context, c *call) (any, error)

// peek names the operation of a request refused as overloaded: its route
// is its shape, known without reading anything.
func peek(ex *kit.Exchange) {
	if row, _, err := match(ex.R.Method, ex.R.URL.EscapedPath(), ex.R.URL.Query()); err == nil {
		ex.Name(row.Name)
	}
}

var bodyErrors = kit.BodyErrors{
	TooLarge: func(limit int64) *kit.Error {
		return errorf(http.StatusRequestEntityTooLarge, codeRequestEntityTooLarge, "the request body is larger than %d bytes", limit)
	},
	Unreadable: errorf(http.StatusBadRequest, codeInvalidHTTPRequest, "the request body could not be read"),
}

// serve authenticates r, routes it and runs its handler. The route is
// matched first, so that logs name the operation of requests that then
// fail authentication, but a request the router refuses is told so only
// once it is authenticated.
func (h *handler) serve(ctx context.Context, ex *kit.Exchange) (any, error) {
	r := ex.R
	row, imageID, routeErr := match(r.Method, r.URL.EscapedPath(), r.URL.Query())
	if routeErr == nil {
		ex.Name(row.Name)
	}
	auth, err := parseAuthorization(r.Header.Get("Authorization"))
	if err != nil {
		return nil, err
	}
	// Counted before the query is parsed: no call takes more than four.
	if strings.Count(r.URL.RawQuery, "&") >= maxQueryParams {
		return nil, errorf(http.StatusBadRequest, codeInvalidParameter, "too many query parameters: a call takes at most %d", maxQueryParams)
	}
	query, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, errorf(http.StatusBadRequest, codeInvalidURI, "the query string is malformed")
	}
	if !validQuery(query) {
		return nil, errorf(http.StatusBadRequest, codeInvalidURI, "the query string is not valid UTF-8 text (or holds a control character)")
	}
	body, err := ex.ReadBody(bodyErrors)
	if err != nil {
		return nil, err
	}
	err = ex.Authenticate(ctx, auth.AccessKey, func(secret string) error {
		return verifySignature(r, query, auth, secret)
	})
	if err != nil {
		return nil, err
	}
	// Time is checked after the signature so that RequestExpired, which
	// the SDK retries, only ever answers an authentic request.
	if err := checkTime(auth, h.svc.Now()); err != nil {
		return nil, err
	}
	if err := checkContentMD5(r, body); err != nil {
		return nil, err
	}
	if routeErr != nil {
		return nil, routeErr
	}
	if err := checkQuery(row, query); err != nil {
		return nil, err
	}
	if !validText(imageID) {
		return nil, errorf(http.StatusBadRequest, codeInvalidURI, "the image id in the path is not valid UTF-8 text (or holds a control character)")
	}
	region, err := h.region(ctx, r.Host)
	if err != nil {
		return nil, err
	}
	ex.Resolve(row.RAM, region)
	return row.Handle(h, ctx, &call{
		r:        r,
		caller:   ex.Caller,
		auth:     auth,
		region:   region,
		imageID:  imageID,
		query:    query,
		body:     body,
		clientID: r.Header.Get(requestIDHeader),
	})
}

// maxQueryParams bounds the query keys of one request; ListImage, the
// call with the most, takes four.
const maxQueryParams = 16

// checkQuery refuses a query key the call does not take, never ignoring
// one: the route's flag (share, unshare), for a GET the row's Params, and
// clientToken where the row takes one (BCE sends a creating call's
// idempotency token in the query). The other Params of a POST or PUT row
// are fields of its JSON body (its decoder refuses the others).
func checkQuery(row *kit.Row[handlerFunc], query url.Values) error {
	method, rest, _ := strings.Cut(row.Route, " ")
	_, flag, _ := strings.Cut(rest, "?")
	for k := range query {
		if k == flag || ((method == http.MethodGet || k == "clientToken") && slices.Contains(row.Params, k)) {
			continue
		}
		return errorf(http.StatusBadRequest, codeInvalidParameter, "%s does not take the query parameter %q", row.Name, clipName(k))
	}
	return nil
}

// clipName bounds a caller's parameter name echoed in a message.
func clipName(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

// write writes BCE's answer: an error as status >= 400 with BCE's JSON
// envelope, a result as JSON, no result as the empty 200 that Share,
// UnShare and Delete answer on BCC (the SDK ignores their body).
func write(w http.ResponseWriter, ex *kit.Exchange, result any, e *apiError) error {
	switch {
	case e != nil:
		writeError(w, ex.ID, e)
	case result == nil:
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		w.WriteHeader(http.StatusOK)
	default:
		writeJSON(w, http.StatusOK, result)
	}
	return nil
}

// validText reports whether s is text every dialect can store and send
// back byte for byte (see wiretext.Valid): invalid UTF-8, NUL and other
// control characters are refused.
func validText(s string) bool { return wiretext.Valid(s) }

func validQuery(q url.Values) bool {
	for k, vs := range q {
		if !validText(k) {
			return false
		}
		for _, v := range vs {
			if !validText(v) {
				return false
			}
		}
	}
	return true
}

// region derives the request's region from its Host, as BCE does with its
// regional endpoints (bcc.bj.baidubce.com is bj); any other host (a
// loopback address, a load balancer) gets the default region.
func (h *handler) region(ctx context.Context, host string) (string, error) {
	region := hostRegion(host)
	if region == "" {
		return h.opts.DefaultRegion, nil
	}
	if err := h.svc.CheckRegion(ctx, region); err != nil {
		return "", err
	}
	return region, nil
}

// hostRegion returns <region> for a host bcc.<region>.baidubce.com[:port].
func hostRegion(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	rest, ok := strings.CutPrefix(host, "bcc.")
	if !ok {
		return ""
	}
	region, ok := strings.CutSuffix(rest, ".baidubce.com")
	if !ok || region == "" || strings.Contains(region, ".") {
		return ""
	}
	return region
}

// seenBefore records this exact request (same key, same signature, same
// x-bce-request-id) for as long as its signature is valid, and reports
// whether it had been recorded already: whether this is the SDK resending
// a request whose first attempt may have been applied. The record lives in
// the store, so it holds across replicas.
func (h *handler) seenBefore(ctx context.Context, c *call) (bool, error) {
	err := h.svc.UseNonce(ctx, requestKey(c), h.requestTTL(c))
	switch {
	case err == nil:
		return false, nil
	case imageshare.IsKind(err, imageshare.KindConflict):
		return true, nil
	}
	return false, err
}

// requestKey names a request by its key, signature and x-bce-request-id;
// hashed, because x-bce-request-id is the client's and of any length.
func requestKey(c *call) string {
	sum := sha256.Sum256([]byte(c.auth.AccessKey + "\n" + c.auth.Signature + "\n" + c.clientID))
	return "bce:" + hex.EncodeToString(sum[:])
}

// requestTTL is how long a request's record lives: while its signature
// is valid, and a minute more.
func (h *handler) requestTTL(c *call) time.Duration {
	return max(c.auth.ExpiresAt().Sub(h.svc.Now())+time.Minute, time.Minute)
}
