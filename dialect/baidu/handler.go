// Package baidu speaks Baidu Cloud's BCC v2 image API (the REST calls of
// github.com/baidubce/bce-sdk-go/services/bcc) over imageshare.Service:
// bce-auth-v1 signatures, BCE's JSON error envelope and the image and
// share calls BCC documents (docs/protocols.md section 6). See docs/baidu.md for what differs from Baidu.
package baidu

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"imageshare"
	"imageshare/internal/clientip"
	"imageshare/internal/ratelimit"
	"imageshare/internal/reqlog"
	"imageshare/internal/wiretext"
	"imageshare/ram"
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
	svc    imageshare.Service
	opts   Options
	log    *slog.Logger
	routes *router
}

// New returns the BCC dialect as an http.Handler.
func New(svc imageshare.Service, opts Options) http.Handler {
	if opts.DefaultRegion == "" {
		opts.DefaultRegion = "bj"
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = 1 << 20
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := &handler{svc: svc, opts: opts, log: log}
	h.routes = h.newRouter()
	return h
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
// empty 200) or an error that toAPIError can translate.
type handlerFunc func(ctx context.Context, c *call) (any, error)

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	requestID := newRequestID()
	w.Header().Set(requestIDHeader, requestID)
	info := reqlog.From(r.Context())
	info.Dialect, info.RequestID = "baidu", requestID
	info.Action = actionName(r.Method, r.URL.EscapedPath(), r.URL.Query())
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			h.log.Error("bce request panicked", "request_id", requestID, "method", r.Method, "path", r.URL.Path, "panic", v)
			info.Code = codeInternalError
			writeError(w, requestID, errorf(http.StatusInternalServerError, codeInternalError, "we encountered an internal error, please try again"))
		}
	}()
	result, err := h.serve(r)
	if err != nil {
		e, internal := toAPIError(err)
		if internal {
			h.log.Error("bce request failed", "request_id", requestID, "method", r.Method, "path", r.URL.Path, "err", err)
		} else {
			h.log.Debug("bce request refused", "request_id", requestID, "method", r.Method, "path", r.URL.Path, "code", e.Code, "err", err)
		}
		info.Code = e.Code
		if e.Status == http.StatusMethodNotAllowed {
			w.Header().Set("Allow", h.routes.allowed(r.URL.EscapedPath()))
		}
		writeError(w, requestID, e)
		return
	}
	info.Code = "OK"
	if result == nil {
		// Share, UnShare and Delete answer an empty 200, as BCC does; the
		// SDK ignores the body of these calls.
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		w.WriteHeader(http.StatusOK)
		return
	}
	writeJSON(w, http.StatusOK, result)
}

// serve authenticates r, routes it and runs its handler.
func (h *handler) serve(r *http.Request) (any, error) {
	ctx := r.Context()
	if err := ratelimit.Overloaded(ctx); err != nil {
		return nil, err
	}
	auth, err := parseAuthorization(r.Header.Get("Authorization"))
	if err != nil {
		return nil, err
	}
	query, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, errorf(http.StatusBadRequest, codeInvalidURI, "the query string is malformed")
	}
	if !validQuery(query) {
		return nil, errorf(http.StatusBadRequest, codeInvalidURI, "the query string is not valid UTF-8 text (or holds a control character)")
	}
	body, err := h.readBody(r)
	if err != nil {
		return nil, err
	}
	key, err := h.svc.Authenticate(ctx, auth.AccessKey)
	if err != nil {
		return nil, err
	}
	if err := verifySignature(r, query, auth, key.PrivateKey); err != nil {
		return nil, err
	}
	if err := h.opts.RateLimit.Check(key.PublicKey); err != nil {
		return nil, err
	}
	reqlog.From(ctx).AccountID = key.AccountID
	// Time is checked after the signature so that RequestExpired, which
	// the SDK retries, only ever answers an authentic request.
	if err := checkTime(auth, h.svc.Now()); err != nil {
		return nil, err
	}
	if err := checkContentMD5(r, body); err != nil {
		return nil, err
	}
	fn, imageID, err := h.routes.match(r.Method, r.URL.EscapedPath(), query)
	if err != nil {
		return nil, err
	}
	if !validText(imageID) {
		return nil, errorf(http.StatusBadRequest, codeInvalidURI, "the image id in the path is not valid UTF-8 text (or holds a control character)")
	}
	region, err := h.region(ctx, r.Host)
	if err != nil {
		return nil, err
	}
	// What the core authorizes a sub-user's call by: the operation's RAM
	// name (bcc:<Operation>), the region, the address and the transport.
	caller := imageshare.CallerOf(key)
	caller.Action = ram.Baidu.Service + ":" + actionName(r.Method, r.URL.EscapedPath(), query)
	caller.Region = region
	caller.SourceIP, caller.SecureTransport = clientip.Of(r), clientip.Secure(r)
	c := &call{
		r:        r,
		caller:   caller,
		auth:     auth,
		region:   region,
		imageID:  imageID,
		query:    query,
		body:     body,
		clientID: r.Header.Get(requestIDHeader),
	}
	return fn(ctx, c)
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

// readBody reads the whole body, refusing one over MaxBodyBytes.
func (h *handler) readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	if r.ContentLength > h.opts.MaxBodyBytes {
		return nil, errorf(http.StatusRequestEntityTooLarge, codeRequestEntityTooLarge,
			"the request body is larger than %d bytes", h.opts.MaxBodyBytes)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, h.opts.MaxBodyBytes+1))
	if err != nil {
		return nil, errorf(http.StatusBadRequest, codeInvalidHTTPRequest, "the request body could not be read")
	}
	if int64(len(body)) > h.opts.MaxBodyBytes {
		return nil, errorf(http.StatusRequestEntityTooLarge, codeRequestEntityTooLarge,
			"the request body is larger than %d bytes", h.opts.MaxBodyBytes)
	}
	return body, nil
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

// newRequestID returns a random UUIDv4, BCE's request-id format.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	s := hex.EncodeToString(b[:])
	return s[0:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:32]
}

// seenBefore records this exact request (same key, same signature, same
// x-bce-request-id) for as long as its signature is valid, and reports
// whether it had been recorded already: whether this is the SDK resending
// a request whose first attempt may have been applied. The record lives in
// the store, so it holds across replicas.
func (h *handler) seenBefore(ctx context.Context, c *call) (bool, error) {
	// Hashed, because x-bce-request-id is the client's and of any length.
	sum := sha256.Sum256([]byte(c.auth.AccessKey + "\n" + c.auth.Signature + "\n" + c.clientID))
	nonce := "bce:" + hex.EncodeToString(sum[:])
	ttl := c.auth.ExpiresAt().Sub(h.svc.Now()) + time.Minute
	if ttl < time.Minute {
		ttl = time.Minute
	}
	err := h.svc.UseNonce(ctx, nonce, ttl)
	switch {
	case err == nil:
		return false, nil
	case imageshare.IsKind(err, imageshare.KindConflict):
		return true, nil
	}
	return false, err
}
