package aliyun

// Alibaba's V3 request signature, ACS3-HMAC-SHA256: the scheme the current
// Tea SDKs (github.com/alibabacloud-go/ecs-20140526/v7 over
// darabonba-openapi/v2, and @alicloud/ecs20140526 for Node) use by default
// (docs/aliyun.md; the wire facts are in the Tea signer itself,
// darabonba-openapi/v2/utils.GetAuthorization, which the tests in
// signv3_test.go drive end to end).
//
// A V3 request carries
//
//	Authorization: ACS3-HMAC-SHA256 Credential=<AccessKeyId>,SignedHeaders=<h1;h2;...>,Signature=<hex>
//
// and the headers x-acs-action, x-acs-version, x-acs-date (ISO 8601 UTC),
// x-acs-signature-nonce and x-acs-content-sha256 (hex SHA-256 of the body).
// Its parameters travel in the query or in a form body, exactly as V2's do
// but without AccessKeyId, Signature* or Timestamp.
//
// How the dialect uses this file (handler.serve and authenticateV3 in
// signature.go), in this order, so that a request without a valid key
// costs only linear parsing of bounded headers and the bounded body read:
//
//	v3, ae := parseV3(r)                    // bounded, linear; no lookup, no hashing
//	p, ae := decodeParams(query, body)      // Action, Version taken from v3 (a disagreeing parameter is refused)
//	ae = v3.checkDate(h.now())              // x-acs-date within maxClockSkew
//	checkSecurityToken(v3.securityToken)    // "" is no token; any other is refused
//	ex.Authenticate(ctx, v3.accessKeyID, v3.verify(r, body, secret)) // key, payload hash, HMAC, rate
//	h.svc.UseSignatureNonce(ctx, "aliyun:"+key+":"+v3.nonce, v3.date, nonceTTL) // V2's nonce space
//
// Every refusal is an *apiError with Alibaba's code, so the dialect writes
// it in its own envelope.

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	// v3Algorithm is the only V3 algorithm served; ACS3-HMAC-SM3 and
	// ACS3-RSA-SHA256 are refused by name.
	v3Algorithm = "ACS3-HMAC-SHA256"
	// v3Prefix marks every V3 Authorization header, whatever its algorithm.
	v3Prefix = "ACS3-"

	// Bounds checked before anything else: an unauthenticated request
	// costs at most one linear pass over a few KiB. The Tea SDK signs
	// about eight headers (host, content-type and its x-acs-* headers) in
	// an Authorization of about 200 bytes.
	maxV3AuthorizationBytes = 4 << 10
	maxV3SignedHeaders      = 32
	maxV3HeaderValueBytes   = 4 << 10  // one signed header's values, joined
	maxV3CanonicalHeaders   = 16 << 10 // all signed headers together
	maxV3QueryBytes         = 64 << 10 // the raw query the canonical query is built from
)

// v3Request is what a V3 request says about itself before any key is
// looked up.
type v3Request struct {
	accessKeyID   string
	signedHeaders []string // lowercase, strictly ascending (so no duplicates)
	signature     []byte   // the 32 bytes of the hex Signature
	action        string   // x-acs-action
	version       string   // x-acs-version
	date          time.Time
	nonce         string // x-acs-signature-nonce
	contentSHA256 string // x-acs-content-sha256, lowercase hex
	securityToken string // x-acs-security-token (STS), "" if absent
}

// isV3 reports whether r carries a V3 Authorization header (any ACS3
// algorithm, so that an unsupported one is refused in Alibaba's words).
func isV3(r *http.Request) bool {
	return strings.HasPrefix(r.Header.Get("Authorization"), v3Prefix)
}

// errIncompleteSignature is Alibaba's answer to a malformed V3
// Authorization or a required header that is missing or not signed.
func errIncompleteSignature(why string) *apiError {
	return newError(http.StatusBadRequest, "IncompleteSignature",
		"The request signature does not conform to Aliyun standards: %s.", why)
}

// v3RequiredHeaders must be present and signed: each decides what the
// request does (action, version) or whether it is fresh (date, nonce) or
// what body it carries (content hash), so none may be changed in flight.
var v3RequiredHeaders = []string{
	"x-acs-action", "x-acs-content-sha256", "x-acs-date", "x-acs-signature-nonce", "x-acs-version",
}

// parseV3 reads the V3 Authorization and the x-acs-* headers of r. It looks
// nothing up and hashes nothing: every step is linear in bounded input.
func parseV3(r *http.Request) (*v3Request, *apiError) {
	auth := r.Header.Values("Authorization")
	if len(auth) != 1 {
		return nil, errIncompleteSignature("exactly one Authorization header is required")
	}
	v, err := parseV3Authorization(auth[0])
	if err != nil {
		return nil, err
	}
	for _, h := range v3RequiredHeaders {
		if !v.signs(h) {
			return nil, errIncompleteSignature("SignedHeaders must include " + h)
		}
	}
	if !v.signs("host") {
		return nil, errIncompleteSignature("SignedHeaders must include host")
	}
	// Every x-acs-* header the request carries is signed, as Alibaba
	// requires: an unsigned one (a security token, say) could be added
	// or changed by anyone on the path.
	for name := range r.Header {
		if len(name) > 6 && strings.EqualFold(name[:6], "x-acs-") {
			if l := strings.ToLower(name); !v.signs(l) {
				return nil, errIncompleteSignature("the header " + quoteShort(l) + " is not in SignedHeaders")
			}
		}
	}
	for _, h := range v3RequiredHeaders {
		if vals := r.Header.Values(h); len(vals) != 1 || strings.TrimSpace(vals[0]) == "" {
			return nil, errMissing(h)
		}
	}
	v.action = strings.TrimSpace(r.Header.Get("x-acs-action"))
	v.version = strings.TrimSpace(r.Header.Get("x-acs-version"))
	v.nonce = strings.TrimSpace(r.Header.Get("x-acs-signature-nonce"))
	if len(v.nonce) > maxNonceBytes {
		return nil, errInvalid("x-acs-signature-nonce", "it is longer than 128 bytes")
	}
	v.contentSHA256 = strings.TrimSpace(r.Header.Get("x-acs-content-sha256"))
	if len(v.contentSHA256) != sha256.Size*2 || !isLowerHex(v.contentSHA256) {
		return nil, errInvalid("x-acs-content-sha256", "it must be the lowercase hex SHA-256 of the body")
	}
	date := strings.TrimSpace(r.Header.Get("x-acs-date"))
	t, err2 := time.Parse(timestampShape, date)
	if err2 != nil {
		return nil, newError(http.StatusBadRequest, "InvalidTimeStamp.Format",
			"Specified time stamp or date value is not well formatted: x-acs-date must be yyyy-MM-ddTHH:mm:ssZ in UTC.")
	}
	v.date = t
	v.securityToken = strings.TrimSpace(r.Header.Get("x-acs-security-token"))
	if len(r.URL.RawQuery) > maxV3QueryBytes {
		return nil, newError(http.StatusBadRequest, "InvalidParameter", "The request query is longer than %d bytes.", maxV3QueryBytes)
	}
	return v, nil
}

// signs reports whether the lowercase header name is among the signed
// headers (sorted, so a binary search).
func (v *v3Request) signs(name string) bool {
	_, ok := slices.BinarySearch(v.signedHeaders, name)
	return ok
}

// parseV3Authorization parses
// "ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=a;b,Signature=hex" in one
// pass. SignedHeaders must be lowercase and strictly ascending, which is
// how the Tea SDK writes them and lets duplicates be found in linear time.
func parseV3Authorization(h string) (*v3Request, *apiError) {
	if len(h) > maxV3AuthorizationBytes {
		return nil, errIncompleteSignature("the Authorization header is too long")
	}
	alg, rest, ok := strings.Cut(h, " ")
	if !ok {
		return nil, errIncompleteSignature("the Authorization header is not \"ACS3-HMAC-SHA256 Credential=...,SignedHeaders=...,Signature=...\"")
	}
	if alg != v3Algorithm {
		return nil, errInvalid("Authorization", "the signature algorithm must be "+v3Algorithm)
	}
	v := &v3Request{}
	var haveCred, haveSigned, haveSig bool
	for rest != "" {
		var part string
		part, rest, _ = strings.Cut(rest, ",")
		k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return nil, errIncompleteSignature("each Authorization field is name=value")
		}
		switch k {
		case "Credential":
			if haveCred || val == "" || len(val) > maxNameBytes {
				return nil, errIncompleteSignature("Credential must be given once and name an AccessKeyId")
			}
			haveCred, v.accessKeyID = true, val
		case "SignedHeaders":
			if haveSigned {
				return nil, errIncompleteSignature("SignedHeaders is given twice")
			}
			haveSigned = true
			names, ae := parseSignedHeaders(val)
			if ae != nil {
				return nil, ae
			}
			v.signedHeaders = names
		case "Signature":
			if haveSig {
				return nil, errIncompleteSignature("Signature is given twice")
			}
			haveSig = true
			sig, err := hex.DecodeString(val)
			if err != nil || len(sig) != sha256.Size {
				return nil, errIncompleteSignature("Signature must be 64 hex digits")
			}
			v.signature = sig
		default:
			return nil, errIncompleteSignature("unknown Authorization field " + quoteShort(k))
		}
	}
	if !haveCred || !haveSigned || !haveSig {
		return nil, errIncompleteSignature("Credential, SignedHeaders and Signature are all required")
	}
	return v, nil
}

// parseSignedHeaders splits "a;b;c", checking count, case and order.
func parseSignedHeaders(s string) ([]string, *apiError) {
	if s == "" {
		return nil, errIncompleteSignature("SignedHeaders is empty")
	}
	if n := strings.Count(s, ";") + 1; n > maxV3SignedHeaders {
		return nil, errIncompleteSignature("SignedHeaders names more than 32 headers")
	}
	names := strings.Split(s, ";")
	for i, n := range names {
		if n == "" || n != strings.ToLower(n) || strings.ContainsAny(n, " \t:") {
			return nil, errIncompleteSignature("SignedHeaders must be lowercase header names separated by \";\"")
		}
		if i > 0 && names[i-1] >= n {
			return nil, errIncompleteSignature("SignedHeaders must be sorted and name each header once")
		}
	}
	return names, nil
}

// checkDate refuses a request whose x-acs-date is more than maxClockSkew
// from now, with the same code and wording as V2's Timestamp.
func (v *v3Request) checkDate(now time.Time) *apiError {
	if d := now.Sub(v.date); d > maxClockSkew || d < -maxClockSkew {
		e := newError(http.StatusBadRequest, "InvalidTimeStamp.Expired",
			"Specified time stamp or date value is expired: x-acs-date must be within %v of the server time %s.",
			maxClockSkew, now.UTC().Format(timestampShape))
		e.Detail = &extra{Recommend: "Check the client clock; the SDK signs with the local UTC time."}
		return e
	}
	return nil
}

// verify checks that body is what x-acs-content-sha256 declares and that
// the Signature is HMAC-SHA256(secret, string to sign), in constant time.
// Call it only after the access key is known to exist: it hashes the body.
func (v *v3Request) verify(r *http.Request, body []byte, secret string) *apiError {
	sum := sha256.Sum256(body)
	if !hmac.Equal([]byte(hex.EncodeToString(sum[:])), []byte(v.contentSHA256)) {
		return newError(http.StatusBadRequest, "SignatureDoesNotMatch",
			"Specified signature is not matched with our calculation: the body's SHA-256 is not x-acs-content-sha256.")
	}
	cr, ae := v3CanonicalRequest(r, v.signedHeaders, v.contentSHA256)
	if ae != nil {
		return ae
	}
	sts := v3StringToSign(cr)
	if !hmac.Equal(v3Sign(sts, secret), v.signature) {
		// As V2, the message carries the string to sign so that a client
		// can tell a wrong secret from a canonicalization difference.
		return newError(http.StatusBadRequest, "SignatureDoesNotMatch",
			"Specified signature is not matched with our calculation. server string to sign is:%s", sts)
	}
	return nil
}

// v3StringToSign is "ACS3-HMAC-SHA256\n" + hex(SHA-256(canonical request)).
func v3StringToSign(canonicalRequest string) string {
	sum := sha256.Sum256([]byte(canonicalRequest))
	return v3Algorithm + "\n" + hex.EncodeToString(sum[:])
}

// v3Sign is HMAC-SHA256(secret, stringToSign); its hex is the Signature.
func v3Sign(stringToSign, secret string) []byte {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(stringToSign))
	return mac.Sum(nil)
}

// v3CanonicalRequest is
//
//	METHOD\nCanonicalURI\nCanonicalQuery\nCanonicalHeaders\nSignedHeaders\nHashedPayload
//
// where CanonicalHeaders is "name:value\n" per signed header (values
// trimmed; several values of one header sorted and joined by ",").
func v3CanonicalRequest(r *http.Request, signedHeaders []string, hashedPayload string) (string, *apiError) {
	query, ae := v3CanonicalQuery(r.URL.RawQuery)
	if ae != nil {
		return "", ae
	}
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('\n')
	b.WriteString(v3CanonicalURI(r))
	b.WriteByte('\n')
	b.WriteString(query)
	b.WriteByte('\n')
	total := 0
	for _, name := range signedHeaders {
		var vals []string
		if name == "host" {
			// Go moves Host out of the header map.
			vals = []string{r.Host}
		} else {
			vals = r.Header[textproto.CanonicalMIMEHeaderKey(name)]
		}
		n := 0
		for _, s := range vals {
			n += len(s) + 1
		}
		if n > maxV3HeaderValueBytes {
			return "", errIncompleteSignature("the signed header " + name + " is too long")
		}
		if total += n; total > maxV3CanonicalHeaders {
			return "", errIncompleteSignature("the signed headers are too long")
		}
		trimmed := make([]string, len(vals))
		for i, s := range vals {
			trimmed[i] = strings.TrimSpace(s)
		}
		slices.Sort(trimmed)
		b.WriteString(name)
		b.WriteByte(':')
		b.WriteString(strings.Join(trimmed, ","))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(signedHeaders, ";"))
	b.WriteByte('\n')
	b.WriteString(hashedPayload)
	return b.String(), nil
}

// v3CanonicalURI is the request path as sent (percent-encoded), "/" when
// empty; the Tea SDK signs "/" for every RPC call.
func v3CanonicalURI(r *http.Request) string {
	if p := r.URL.EscapedPath(); p != "" {
		return p
	}
	return "/"
}

// v3CanonicalQuery is every query parameter, name and value each
// RFC 3986-encoded (percentEncode), sorted by encoded name then value,
// "name=value" joined by "&"; a parameter without a value is "name=".
// The Tea SDK leaves names unencoded; every ECS parameter name is letters,
// digits and dots, which encode to themselves, so the two agree on every
// name an action can accept.
func v3CanonicalQuery(raw string) (string, *apiError) {
	if raw == "" {
		return "", nil
	}
	if len(raw) > maxV3QueryBytes {
		return "", newError(http.StatusBadRequest, "InvalidParameter", "The request query is longer than %d bytes.", maxV3QueryBytes)
	}
	type pair struct{ k, v string }
	var pairs []pair
	for raw != "" {
		var p string
		p, raw, _ = strings.Cut(raw, "&")
		if p == "" {
			continue
		}
		if len(pairs) >= maxParams {
			return "", newError(http.StatusBadRequest, "InvalidParameter", "The request has more than %d parameters.", maxParams)
		}
		rk, rv, _ := strings.Cut(p, "=")
		k, err1 := url.QueryUnescape(rk)
		v, err2 := url.QueryUnescape(rv)
		if err1 != nil || err2 != nil {
			return "", newError(http.StatusBadRequest, "InvalidParameter",
				"The request parameters are malformed: a parameter is badly percent-encoded.")
		}
		pairs = append(pairs, pair{percentEncode(k), percentEncode(v)})
	}
	slices.SortFunc(pairs, func(a, b pair) int {
		if c := strings.Compare(a.k, b.k); c != 0 {
			return c
		}
		return strings.Compare(a.v, b.v)
	})
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.k)
		b.WriteByte('=')
		b.WriteString(p.v)
	}
	return b.String(), nil
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

// quoteShort quotes s for a message, cut to 32 bytes so that a refusal
// never echoes a large header back.
func quoteShort(s string) string {
	if len(s) > 32 {
		return strconv.Quote(s[:32]) + "..."
	}
	return strconv.Quote(s)
}
