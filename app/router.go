package app

import (
	"bytes"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/imageshare/imageshare/internal/jsonscan"
	"github.com/imageshare/imageshare/internal/reqlog"
)

// router sends each request to the dialect it is signed for. All three
// vendors' SDKs talk to the same port, so the choice is made from what the
// request carries, cheapest test first (docs/ucloud.md, docs/aliyun.md,
// docs/baidu.md):
//   - Baidu: an Authorization header signed with bce-auth-v1, on any path
//     (the BCC SDKs use /v2/, the JS SDK /v1/, instance APIs /v3/), or an
//     unsigned request to BCC's /v2/image resources (BCC's refusal);
//   - Alibaba: a V3 Authorization header (ACS3-...), or AccessKeyId or
//     SignatureMethod among the query or form-body parameters (V2);
//   - UCloud: a POST carrying Action, in the query (the SDK always adds
//     ?Action=) or as a key of its form or JSON body.
//
// A request signed for a vendor always reaches that vendor's dialect,
// which answers what it does not serve in its own words. Anything else is
// no vendor's call: GET / gets a short HTML page about this server, any
// other request a 4xx with a plain-text explanation. Never UCloud's
// HTTP 200 envelope: a client of another cloud could read it as success.
type router struct {
	ucloud, aliyun, baidu http.Handler
	maxBody               int64
	extra                 *http.ServeMux // operational endpoints (/healthz)
}

func (rt *router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if rt.extra != nil {
		if h, pattern := rt.extra.Handler(r); pattern != "" {
			if strings.HasPrefix(pattern, "/admin/") {
				reqlog.From(r.Context()).Dialect = "admin"
			}
			h.ServeHTTP(w, r)
			return
		}
	}
	auth := r.Header.Get("Authorization")
	switch {
	case strings.HasPrefix(auth, "bce-auth-v1/"):
		rt.baidu.ServeHTTP(w, r)
		return
	case strings.HasPrefix(auth, "ACS3-"):
		rt.aliyun.ServeHTTP(w, r)
		return
	}
	// A query that does not parse is decided by what else the request
	// carries; each dialect refuses it in its own words.
	query, _ := url.ParseQuery(r.URL.RawQuery)
	if isAliyun(query) {
		rt.aliyun.ServeHTTP(w, r)
		return
	}
	if isBCCImagePath(r.URL.Path) {
		rt.baidu.ServeHTTP(w, r)
		return
	}
	ucloudShaped := r.Method == http.MethodPost && query.Has("Action")
	if r.Method == http.MethodPost && r.Body != nil && r.Body != http.NoBody {
		switch bodyKind(r) {
		case "form": // Alibaba's credentials may be in it, whatever the query says
			keys := rt.peekBody(r, "form")
			if keys.aliyun {
				rt.aliyun.ServeHTTP(w, r)
				return
			}
			ucloudShaped = ucloudShaped || keys.action
		case "json": // only UCloud sends JSON; the SDK's ?Action= settles it unread
			if !ucloudShaped {
				ucloudShaped = rt.peekBody(r, "json").action
			}
		}
	}
	if ucloudShaped {
		rt.ucloud.ServeHTTP(w, r)
		return
	}
	// No Dialect recorded: junk traffic is logged at debug level and
	// stays out of the per-dialect metrics.
	notAnAPICall(w, r)
}

// bodyKind is "form" or "json" for the bodies a dialect reads parameters
// from, "" for any other. UCloud reads a body without Content-Type as a
// form.
func bodyKind(r *http.Request) string {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return "form"
	}
	mt, _, _ := mime.ParseMediaType(ct)
	switch mt {
	case "application/x-www-form-urlencoded":
		return "form"
	case "application/json":
		return "json"
	}
	return ""
}

// bodyKeys is what the router learns from a body's parameter names.
type bodyKeys struct {
	aliyun bool // AccessKeyId or SignatureMethod (a form only)
	action bool // Action
}

// peekBody reads at most maxBody+1 bytes of the body, looks at its keys
// and puts the bytes back in front of the rest, so the dialect reads the
// whole body unchanged. An oversized body is decided by its first maxBody
// bytes, so that its dialect refuses it in its own words (Alibaba's 413,
// UCloud's RetCode 180) instead of another dialect's.
func (rt *router) peekBody(r *http.Request, kind string) bodyKeys {
	// A body read ahead (bodybudget.go) is looked at in place, not copied:
	// all of it, or what the body budget let in before the request was
	// marked busy.
	var prefix []byte
	b, buffered := r.Body.(*bufferedBody)
	if buffered {
		prefix = b.data
	} else {
		prefix, _ = io.ReadAll(io.LimitReader(r.Body, rt.maxBody+1))
		r.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(prefix), r.Body), r.Body}
	}
	if int64(len(prefix)) > rt.maxBody {
		prefix = prefix[:rt.maxBody]
	}
	if kind == "json" {
		return bodyKeys{action: jsonHasTopLevelKey(prefix, "Action")}
	}
	return formKeys(prefix)
}

// isBCCImagePath reports whether path is one of BCC's image resources
// (/v2/image, /v2/image/...): a request there without a bce-auth-v1
// signature is a BCC call with a missing or malformed Authorization, and
// gets BCC's own refusal rather than UCloud's. The UCloud SDK posts to its
// base URL, never to /v2/image.
func isBCCImagePath(path string) bool {
	return path == "/v2/image" || strings.HasPrefix(path, "/v2/image/") ||
		// BCC's instance resources (docs/baidu.md "Instances"), alike.
		path == "/v2/instance" || strings.HasPrefix(path, "/v2/instance/") || path == "/v2/instanceBySpec" ||
		path == "/v2/securityGroup" || path == "/v2/zone"
}

func isAliyun(v url.Values) bool {
	return v.Has("AccessKeyId") || v.Has("SignatureMethod")
}

// formHasAliyunKey reports whether a form-encoded body names AccessKeyId
// or SignatureMethod.
func formHasAliyunKey(body []byte) bool { return formKeys(body).aliyun }

// formKeys looks at a form-encoded body's keys. Every UCloud form request
// passes through here and its dialect parses the body again, so this
// looks only at the keys, in place, instead of building the whole
// url.Values a second time; a key is unescaped only when it carries an
// escape.
func formKeys(body []byte) bodyKeys {
	var k bodyKeys
	for len(body) > 0 {
		var pair []byte
		pair, body, _ = bytes.Cut(body, []byte("&"))
		key, _, _ := bytes.Cut(pair, []byte("="))
		if bytes.ContainsAny(key, "%+") {
			s, err := url.QueryUnescape(string(key))
			if err != nil {
				continue
			}
			key = []byte(s)
		}
		switch string(key) {
		case "AccessKeyId", "SignatureMethod":
			k.aliyun = true
			return k
		case "Action":
			k.action = true
		}
	}
	return k
}

// jsonHasTopLevelKey reports whether body is (or begins as) a JSON object
// with the given key at its top level, in one pass and without
// allocating: every UCloud JSON request without ?Action= passes through
// here before any key is checked, so it must cost next to nothing even on
// a 1 MiB body of tens of thousands of keys (a token-by-token
// encoding/json scan of one cost 83 ms and 20 MB). It stops at the key, so
// a truncated or malformed body that names Action early still counts
// (UCloud then refuses it as malformed JSON, RetCode 182); a key only
// nested inside a value, or a string value, does not.
func jsonHasTopLevelKey(body []byte, want string) bool {
	i := jsonscan.SkipSpace(body, 0)
	if i == len(body) || body[i] != '{' {
		return false
	}
	depth, expectKey := 0, false
	for i < len(body) {
		switch c := body[i]; c {
		case '"':
			end, escaped := jsonscan.String(body, i)
			if end < 0 {
				return false
			}
			if depth == 1 && expectKey {
				if jsonscan.KeyIs(body[i:end], escaped, want) {
					return true
				}
				expectKey = false
			}
			i = end
			continue
		case '{', '[':
			depth++
			expectKey = depth == 1 // only the outer object's '{' starts keys
		case '}', ']':
			if depth--; depth == 0 {
				return false
			}
		case ',':
			expectKey = depth == 1
		case ':':
			if depth == 1 {
				expectKey = false
			}
		}
		i++
	}
	return false
}

// homePage is what a person who opens the server's address in a browser
// sees: what this is and where the docs are.
const homePage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>imageshare</title></head>
<body>
<h1>imageshare</h1>
<p>This is an <strong>imageshare</strong> server: an image-sharing control plane that speaks the
image APIs of UCloud CompShare, Alibaba Cloud ECS (2014-05-26) and Baidu BCC on this port, so
that those clouds' official SDKs work against it with only their endpoint changed.</p>
<p>People sign in to the <a href="/console/">web console</a> at /console/ with an access key
pair (operators at /console/admin/ with the admin token). Programs point an SDK at this address. The documentation is in the
imageshare source tree: <code>README.md</code>, and per cloud <code>docs/ucloud.md</code>,
<code>docs/aliyun.md</code>, <code>docs/baidu.md</code>; operations in <code>docs/deploy.md</code>.</p>
<p>Health: <a href="/healthz">/healthz</a>, <a href="/readyz">/readyz</a>.</p>
</body></html>
`

// notAnAPICall answers a request no dialect would recognise as its own.
func notAnAPICall(w http.ResponseWriter, r *http.Request) {
	if (r.Method == http.MethodGet || r.Method == http.MethodHead) && r.URL.Path == "/" && !r.URL.Query().Has("Action") {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		if r.Method == http.MethodGet {
			_, _ = io.WriteString(w, homePage)
		}
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusBadRequest)
	_, _ = io.WriteString(w, notAnAPICallText)
}

// notAnAPICallText says how each served API is recognised, so that a
// client that reaches the wrong place learns what to change.
const notAnAPICallText = `imageshare: this request is not a call of any API served here.
It is recognised as
  - Alibaba ECS: an "Authorization: ACS3-HMAC-SHA256 ..." header, or AccessKeyId and
    SignatureMethod parameters (query or form body);
  - Baidu BCC: an "Authorization: bce-auth-v1/..." header;
  - UCloud CompShare: a POST with an Action parameter (?Action= in the URL, or in a form or
    JSON body).
See docs/ucloud.md, docs/aliyun.md and docs/baidu.md in the imageshare source tree.
`
