package aliyun

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/imageshare/imageshare/dialect/kit"
)

// RPC signature v1, the only scheme the classic Go SDK emits
// (docs/protocols.md section 2.3).
const (
	signatureMethod  = "HMAC-SHA1"
	signatureVersion = "1.0"
	// maxClockSkew is how far a request's Timestamp may be from the
	// server clock, either way, as on Alibaba.
	maxClockSkew = 15 * time.Minute
	// nonceTTL keeps a nonce for as long as a request carrying it could
	// still pass the timestamp check: a timestamp up to maxClockSkew ahead
	// stays acceptable for 2*maxClockSkew.
	nonceTTL       = 2 * maxClockSkew
	maxNonceBytes  = 128
	timestampShape = "2006-01-02T15:04:05Z"
)

// percentEncode is RFC 3986 encoding as Alibaba signs it: unreserved
// characters stay, everything else is %XX with uppercase hex, and a space
// is %20 (never +).
func percentEncode(s string) string {
	// QueryEscape keeps exactly A-Z a-z 0-9 - _ . ~ and writes a space as
	// "+"; a literal "+" has already become %2B, so the swap is safe.
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

// canonicalQuery is every parameter but Signature, sorted by name in byte
// order, each name and value percent-encoded, joined by "&".
func canonicalQuery(p params) string {
	var b strings.Builder
	for _, name := range slices.Sorted(maps.Keys(p)) {
		if name == "Signature" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(percentEncode(name))
		b.WriteByte('=')
		b.WriteString(percentEncode(p[name]))
	}
	return b.String()
}

// stringToSign is METHOD&%2F&percentEncode(canonicalQuery).
func stringToSign(method string, p params) string {
	return method + "&%2F&" + percentEncode(canonicalQuery(p))
}

// sign returns Base64(HMAC-SHA1(secret + "&", stringToSign)).
func sign(stringToSign, secret string) string {
	mac := hmac.New(sha1.New, []byte(secret+"&"))
	mac.Write([]byte(stringToSign))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// signatureValid reports whether got is the signature of p under secret,
// in constant time, and returns the string it signed.
func signatureValid(method string, p params, secret string) (bool, string) {
	sts := stringToSign(method, p)
	want := sign(sts, secret)
	return subtle.ConstantTimeCompare([]byte(p["Signature"]), []byte(want)) == 1, sts
}

// parseTimestamp accepts Alibaba's yyyy-MM-ddTHH:mm:ssZ and, for hand-made
// clients, any RFC 3339 time.
func parseTimestamp(s string) (time.Time, bool) {
	if t, err := time.Parse(timestampShape, s); err == nil {
		return t, true
	}
	t, err := time.Parse(time.RFC3339, s)
	return t, err == nil
}

// checkSignatureParams validates the common signature parameters that
// need no lookup: presence, method, version and timestamp freshness.
func checkSignatureParams(p params, now time.Time) *apiError {
	for _, name := range []string{"AccessKeyId", "Signature", "SignatureMethod", "SignatureVersion", "SignatureNonce", "Timestamp"} {
		if p[name] == "" {
			return errMissing(name)
		}
	}
	if p["SignatureMethod"] != signatureMethod {
		return errInvalid("SignatureMethod", "only HMAC-SHA1 is supported")
	}
	if p["SignatureVersion"] != signatureVersion {
		return errInvalid("SignatureVersion", "only 1.0 is supported")
	}
	if p["SignatureType"] != "" {
		return errInvalid("SignatureType", "only access-key signatures (an empty SignatureType) are supported")
	}
	if ae := checkSecurityToken(p["SecurityToken"]); ae != nil {
		return ae
	}
	if len(p["SignatureNonce"]) > maxNonceBytes {
		return errInvalid("SignatureNonce", "it is longer than 128 bytes")
	}
	ts, ok := parseTimestamp(p["Timestamp"])
	if !ok {
		return newError(http.StatusBadRequest, "InvalidTimeStamp.Format", "Specified time stamp or date value is not well formatted.")
	}
	if d := now.Sub(ts); d > maxClockSkew || d < -maxClockSkew {
		e := newError(http.StatusBadRequest, "InvalidTimeStamp.Expired",
			"Specified time stamp or date value is expired: it must be within %v of the server time %s.",
			maxClockSkew, now.UTC().Format(timestampShape))
		e.Detail = &extra{Recommend: "Check the client clock; the SDK signs with the local UTC time."}
		return e
	}
	return nil
}

// checkSecurityToken refuses an STS token: imageshare issues none, so a
// token cannot belong to the access key it comes with. An empty one is no
// token (Packer 1.6.6's alicloud builder sends SecurityToken= with every
// call) and is accepted, still as part of the signed parameters.
func checkSecurityToken(token string) *apiError {
	if token == "" {
		return nil
	}
	return newError(http.StatusBadRequest, "InvalidSecurityToken.MismatchWithAccessKey",
		"Specified SecurityToken mismatch with the AccessKey: STS tokens are not served here; sign with an access key and no token.")
}

// authenticate verifies the request's signature and freshness, then
// records its nonce. The nonce is recorded only after the signature is
// proven and the key's rate checked, so forged or throttled requests
// cannot use up a real client's nonces nor the store; it is recorded in
// the store, so that replicas on one database refuse each other's replays.
// The store records it without an fsync and, after a crash that may have
// lost nonces, refuses a request signed before its nonce floor
// (Service.UseSignatureNonce, docs/nonces.md): answered as the expired
// timestamp it then is, InvalidTimeStamp.Expired.
func (h *handler) authenticate(ctx context.Context, ex *kit.Exchange, p params) error {
	if err := checkSignatureParams(p, h.now()); err != nil {
		return err
	}
	err := ex.Authenticate(ctx, p["AccessKeyId"], func(secret string) error {
		if ok, sts := signatureValid(ex.R.Method, p, secret); !ok {
			// The SDK compares the text after "server string to sign is:"
			// with its own and says whether the secret or the SDK is wrong.
			return newError(http.StatusBadRequest, "SignatureDoesNotMatch",
				"Specified signature is not matched with our calculation. server string to sign is:%s", sts)
		}
		return nil
	})
	if err != nil {
		return err
	}
	signedAt, _ := parseTimestamp(p["Timestamp"]) // checked above
	return h.svc.UseSignatureNonce(ctx, "aliyun:"+ex.Key.PublicKey+":"+p["SignatureNonce"], signedAt, nonceTTL)
}

// authenticateV3 is authenticate for a V3 request (signv3.go), in the same
// order: what needs no lookup (the date window, no STS token), the key,
// the payload hash and signature, the key's rate, then the nonce, in the
// same nonce space as V2's, so that a nonce cannot be replayed across the
// two schemes. p holds the request's parameters (query and body).
func (h *handler) authenticateV3(ctx context.Context, ex *kit.Exchange, v3 *v3Request, p params, body []byte) error {
	if ae := v3.checkDate(h.now()); ae != nil {
		return ae
	}
	if ae := checkSecurityToken(v3.securityToken); ae != nil {
		return ae
	}
	if ae := checkSecurityToken(p["SecurityToken"]); ae != nil {
		return ae
	}
	err := ex.Authenticate(ctx, v3.accessKeyID, func(secret string) error {
		if ae := v3.verify(ex.R, body, secret); ae != nil {
			return ae
		}
		return nil
	})
	if err != nil {
		return err
	}
	return h.svc.UseSignatureNonce(ctx, "aliyun:"+ex.Key.PublicKey+":"+v3.nonce, v3.date, nonceTTL)
}
