package app

import (
	"bytes"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"imageshare/internal/reqlog"
)

// router sends each request to the dialect whose shape it has. All three
// vendors' SDKs talk to the same port, so the choice is made from what the
// request carries, cheapest test first:
//   - Baidu: a path under /v2/ signed with bce-auth-v1, or any request
//     to BCC's /v2/image resources (unsigned ones get BCC's refusal);
//   - Alibaba: AccessKeyId or SignatureMethod among the query or form parameters;
//   - UCloud: everything else (it answers unknown shapes with its own error).
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
	if strings.HasPrefix(r.URL.Path, "/v2/") && (strings.HasPrefix(r.Header.Get("Authorization"), "bce-auth-v1/") || isBCCImagePath(r.URL.Path)) {
		rt.baidu.ServeHTTP(w, r)
		return
	}
	if isAliyun(r.URL.Query()) {
		rt.aliyun.ServeHTTP(w, r)
		return
	}
	if r.Method == http.MethodPost && isForm(r) && r.Body != nil {
		// Alibaba may also send its parameters in a form body. Peek at a
		// bounded prefix and hand the whole body on unchanged; an oversized
		// body is left for the dialect to refuse in its own words.
		prefix, err := io.ReadAll(io.LimitReader(r.Body, rt.maxBody+1))
		r.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(prefix), r.Body), r.Body}
		if err == nil && int64(len(prefix)) <= rt.maxBody {
			if formHasAliyunKey(prefix) {
				rt.aliyun.ServeHTTP(w, r)
				return
			}
		}
	}
	rt.ucloud.ServeHTTP(w, r)
}

// isBCCImagePath reports whether path is one of BCC's image resources
// (/v2/image, /v2/image/...): a request there without a bce-auth-v1
// signature is a BCC call with a missing or malformed Authorization, and
// gets BCC's own refusal rather than UCloud's. The UCloud SDK posts to its
// base URL, never to /v2/image.
func isBCCImagePath(path string) bool {
	return path == "/v2/image" || strings.HasPrefix(path, "/v2/image/")
}

func isAliyun(v url.Values) bool {
	return v.Has("AccessKeyId") || v.Has("SignatureMethod")
}

// formHasAliyunKey reports whether a form-encoded body names AccessKeyId
// or SignatureMethod. Every UCloud form request passes through here and
// its dialect parses the body again, so this looks only at the keys, in
// place, instead of building the whole url.Values a second time; a key is
// unescaped only when it carries an escape.
func formHasAliyunKey(body []byte) bool {
	for len(body) > 0 {
		var pair []byte
		pair, body, _ = bytes.Cut(body, []byte("&"))
		key, _, _ := bytes.Cut(pair, []byte("="))
		if bytes.ContainsAny(key, "%+") {
			k, err := url.QueryUnescape(string(key))
			if err != nil {
				continue
			}
			key = []byte(k)
		}
		if string(key) == "AccessKeyId" || string(key) == "SignatureMethod" {
			return true
		}
	}
	return false
}

func isForm(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "application/x-www-form-urlencoded"
}
