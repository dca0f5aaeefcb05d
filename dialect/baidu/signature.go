package baidu

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// bce-auth-v1, as docs/protocols.md section 3.2 describes it:
//
//	Authorization: bce-auth-v1/{AK}/{ts}/{exp}/{signedHeaders}/{signature}
//	signingKey = hex(HMAC-SHA256(SK, "bce-auth-v1/{AK}/{ts}/{exp}"))
//	signature  = hex(HMAC-SHA256(signingKey, METHOD\nURI\nQUERY\nHEADERS))
const (
	authVersion = "bce-auth-v1"
	// timestampLayout is the signer's ts: UTC, seconds, a literal Z.
	timestampLayout = "2006-01-02T15:04:05Z"
	// maxExpireSeconds bounds how long one signature may be valid. The SDK
	// signs for 1800 s; a week leaves room for other signers while keeping
	// the replay-detection records it implies short-lived.
	maxExpireSeconds = 7 * 24 * 3600
	// maxClockSkew is how far in the future a signer's clock may run.
	maxClockSkew = 15 * time.Minute
	// maxAuthorizationBytes and maxSignedHeaders bound the header the
	// parser reads before the access key is looked up, so that a request
	// from nobody costs microseconds (SECURITY.md, finding 2). The SDK
	// signs five headers plus the x-bce-* ones it sends, in about 300 bytes.
	maxAuthorizationBytes = 4096
	maxSignedHeaders      = 64
)

// authorization is a parsed bce-auth-v1 Authorization header. The raw
// fields are kept because the signing key is computed over them exactly as
// the client wrote them.
type authorization struct {
	AccessKey     string
	TimestampRaw  string
	Timestamp     time.Time
	ExpireRaw     string
	Expire        time.Duration
	SignedHeaders []string // lowercase, as listed
	Signature     string   // lowercase hex
}

// prefix is the string the signing key is derived from.
func (a *authorization) prefix() string {
	return authVersion + "/" + a.AccessKey + "/" + a.TimestampRaw + "/" + a.ExpireRaw
}

// ExpiresAt is when the signature stops being valid.
func (a *authorization) ExpiresAt() time.Time { return a.Timestamp.Add(a.Expire) }

// parseAuthorization splits an Authorization header into its six parts.
// Errors are InvalidHTTPAuthHeader: they describe the header, not the caller.
func parseAuthorization(header string) (*authorization, error) {
	bad := func(format string, args ...any) error {
		return errorf(http.StatusBadRequest, codeInvalidAuthHeader, format, args...)
	}
	if header == "" {
		return nil, bad("the Authorization header is missing")
	}
	if len(header) > maxAuthorizationBytes {
		return nil, bad("the Authorization header is longer than %d bytes", maxAuthorizationBytes)
	}
	if n := strings.Count(header, "/") + 1; n != 6 {
		return nil, bad("the Authorization header must have 6 parts separated by '/', got %d", n)
	}
	parts := strings.Split(header, "/")
	if parts[0] != authVersion {
		return nil, bad("the Authorization header must start with %q", authVersion)
	}
	a := &authorization{AccessKey: parts[1], TimestampRaw: parts[2], ExpireRaw: parts[3], Signature: parts[5]}
	if a.AccessKey == "" {
		return nil, bad("the Authorization header names no access key")
	}
	ts, err := time.Parse(timestampLayout, a.TimestampRaw)
	if err != nil {
		return nil, bad("the Authorization timestamp %q is not yyyy-MM-ddTHH:mm:ssZ", a.TimestampRaw)
	}
	a.Timestamp = ts
	exp, err := strconv.Atoi(a.ExpireRaw)
	if err != nil || exp <= 0 || exp > maxExpireSeconds || a.ExpireRaw[0] == '+' {
		return nil, bad("the Authorization expiration %q is not a number of seconds between 1 and %d", a.ExpireRaw, maxExpireSeconds)
	}
	a.Expire = time.Duration(exp) * time.Second
	if parts[4] == "" {
		return nil, bad("the Authorization header signs no headers; host must be signed")
	}
	n := strings.Count(parts[4], ";") + 1
	if n > maxSignedHeaders {
		return nil, bad("the Authorization header signs %d headers, more than %d", n, maxSignedHeaders)
	}
	// One pass with a set: a list checked against itself name by name was
	// quadratic in the header's length, before the key was even known.
	a.SignedHeaders = make([]string, 0, n)
	seen := make(map[string]struct{}, n)
	for name := range strings.SplitSeq(parts[4], ";") {
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "" || !validHeaderName(name) {
			return nil, bad("the Authorization header lists an invalid header name")
		}
		if _, dup := seen[name]; dup {
			return nil, bad("the Authorization header lists %q twice", name)
		}
		seen[name] = struct{}{}
		a.SignedHeaders = append(a.SignedHeaders, name)
	}
	if _, ok := seen["host"]; !ok {
		return nil, bad("the Authorization header must sign the host header")
	}
	if len(a.Signature) != sha256.Size*2 || !isLowerHex(a.Signature) {
		return nil, bad("the Authorization signature must be 64 lowercase hex digits")
	}
	return a, nil
}

// validHeaderName reports whether s is an HTTP token (RFC 9110).
func validHeaderName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// uriEncode is BCE's UriEncode: RFC 3986 unreserved bytes stay, every
// other byte becomes %XX in uppercase; '/' stays only when keepSlash.
func uriEncode(s string, keepSlash bool) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == '~' || c == '/' && keepSlash {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

// canonicalURI encodes the decoded request path, keeping its slashes.
func canonicalURI(path string) string {
	return "/" + uriEncode(strings.TrimPrefix(path, "/"), true)
}

// canonicalQuery builds the sorted k=v list of every parameter except
// authorization; a bare key ("?share") is signed as "share=".
func canonicalQuery(q url.Values) string {
	items := make([]string, 0, len(q))
	for k, vs := range q {
		if strings.EqualFold(k, "authorization") {
			continue
		}
		for _, v := range vs {
			items = append(items, uriEncode(k, false)+"="+uriEncode(v, false))
		}
	}
	slices.Sort(items)
	return strings.Join(items, "&")
}

// headerValue returns the value the client signed for a header name:
// r.Host for host (Go moves it out of the header map), every value of a
// repeated header joined with commas otherwise, so that an added copy of a
// signed header breaks the signature instead of slipping past it.
func headerValue(r *http.Request, name string) string {
	switch name {
	case "host":
		return r.Host
	case "content-length":
		if vs := r.Header.Values("Content-Length"); len(vs) > 0 {
			return strings.Join(vs, ",")
		}
		if r.ContentLength > 0 {
			return strconv.FormatInt(r.ContentLength, 10)
		}
		return ""
	}
	return strings.Join(r.Header.Values(name), ",")
}

// canonicalHeaders formats the listed headers as sorted name:value lines.
func canonicalHeaders(r *http.Request, names []string) string {
	lines := make([]string, 0, len(names))
	for _, name := range names {
		lines = append(lines, uriEncode(name, false)+":"+uriEncode(strings.TrimSpace(headerValue(r, name)), false))
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

// canonicalRequest is the string a bce-auth-v1 signature covers.
func canonicalRequest(r *http.Request, query url.Values, signedHeaders []string) string {
	return r.Method + "\n" + canonicalURI(r.URL.Path) + "\n" + canonicalQuery(query) + "\n" + canonicalHeaders(r, signedHeaders)
}

func hmacSHA256Hex(key, msg string) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(msg))
	return hex.EncodeToString(m.Sum(nil))
}

// signature computes the signature of a canonical request.
func signature(secret string, a *authorization, canonical string) string {
	signingKey := hmacSHA256Hex(secret, a.prefix())
	return hmacSHA256Hex(signingKey, canonical)
}

// verifySignature checks a's signature over r with the key's secret.
func verifySignature(r *http.Request, query url.Values, a *authorization, secret string) error {
	want := signature(secret, a, canonicalRequest(r, query, a.SignedHeaders))
	if !hmac.Equal([]byte(want), []byte(a.Signature)) {
		return errorf(http.StatusBadRequest, codeSignatureDoesNotMatch,
			"the request signature we calculated does not match the signature you provided; check your secret access key and signing method")
	}
	return nil
}

// checkTime refuses a signature that is no longer (or not yet) valid at
// now. Only a signature whose window has passed is RequestExpired: the SDK
// retries that code by resending the same request, so it must never be
// given to a signature that is still valid.
func checkTime(a *authorization, now time.Time) error {
	if now.After(a.ExpiresAt()) {
		return errorf(http.StatusBadRequest, codeRequestExpired,
			"the request signature expired at %s; now is %s", a.ExpiresAt().Format(timestampLayout), now.UTC().Format(timestampLayout))
	}
	if a.Timestamp.After(now.Add(maxClockSkew)) {
		return errorf(http.StatusForbidden, codeRequestTimeTooSkewed,
			"the request timestamp %s is more than %s ahead of the server clock", a.TimestampRaw, maxClockSkew)
	}
	return nil
}

// checkContentMD5 compares a Content-MD5 header, when present, with the
// body received: the signature covers the header, the header covers the body.
func checkContentMD5(r *http.Request, body []byte) error {
	vs := r.Header.Values("Content-Md5")
	if len(vs) == 0 {
		return nil
	}
	sum := md5.Sum(body)
	if len(vs) != 1 || strings.TrimSpace(vs[0]) != base64.StdEncoding.EncodeToString(sum[:]) {
		return errorf(http.StatusBadRequest, codeBadDigest, "the Content-MD5 you specified does not match the body received")
	}
	return nil
}
