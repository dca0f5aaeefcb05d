package baidu

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/baidubce/bce-sdk-go/auth"
	bcehttp "github.com/baidubce/bce-sdk-go/http"
)

// wireRequest parses raw HTTP/1.1 bytes as the server does.
func wireRequest(t testing.TB, raw string) *http.Request {
	t.Helper()
	r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
	if err != nil {
		t.Fatalf("read request: %v", err)
	}
	return r
}

// The example of docs/protocols.md section 3.2, which Python and the SDK's
// BceV1Signer agree on.
func TestSignature_ProtocolsVector(t *testing.T) {
	const (
		body     = `{"accountId":"u-123"}`
		wantAuth = "bce-auth-v1/AK-EXAMPLE/2024-05-01T12:00:00Z/1800/content-length;content-md5;content-type;host;x-bce-date/4dd41c642e881397ad4576fbcaaad3a57c433657f5db070b270d025032f03122"
		wantKey  = "c8a59365ed2996cdf780e43b1465d29df486efbbc6e220f277759cb602f20026"
	)
	wantCanonical := strings.Join([]string{
		"POST",
		"/v2/image/m-abc123",
		"share=",
		"content-length:21",
		"content-md5:GsLTbbpI7mRF7SJXaPIeFg%3D%3D",
		"content-type:application%2Fjson%3Bcharset%3Dutf-8",
		"host:127.0.0.1%3A8080",
		"x-bce-date:2024-05-01T12%3A00%3A00Z",
	}, "\n")
	r := wireRequest(t, "POST /v2/image/m-abc123?share HTTP/1.1\r\n"+
		"Host: 127.0.0.1:8080\r\n"+
		"Authorization: "+wantAuth+"\r\n"+
		"Content-Length: 21\r\n"+
		"Content-Md5: GsLTbbpI7mRF7SJXaPIeFg==\r\n"+
		"Content-Type: application/json;charset=utf-8\r\n"+
		"X-Bce-Date: 2024-05-01T12:00:00Z\r\n"+
		"X-Bce-Request-Id: 7d3c2ad9-2f46-4c38-9f43-33a3c25dd0f1\r\n\r\n"+body)

	a, err := parseAuthorization(r.Header.Get("Authorization"))
	if err != nil {
		t.Fatalf("parseAuthorization: %v", err)
	}
	if got := hmacSHA256Hex("SK-EXAMPLE", a.prefix()); got != wantKey {
		t.Errorf("signing key = %s, want %s", got, wantKey)
	}
	if got := canonicalRequest(r, r.URL.Query(), a.SignedHeaders); got != wantCanonical {
		t.Errorf("canonical request =\n%s\nwant\n%s", got, wantCanonical)
	}
	if err := verifySignature(r, r.URL.Query(), a, "SK-EXAMPLE"); err != nil {
		t.Errorf("verify with the right secret: %v", err)
	}
	if err := verifySignature(r, r.URL.Query(), a, "SK-EXAMPLf"); err == nil || err.(*apiError).Code != codeSignatureDoesNotMatch {
		t.Errorf("verify with a wrong secret = %v, want SignatureDoesNotMatch", err)
	}
	b, _ := io.ReadAll(r.Body)
	if err := checkContentMD5(r, b); err != nil {
		t.Errorf("content-md5 of the example body: %v", err)
	}
	if err := checkContentMD5(r, []byte(`{"accountId":"u-124"}`)); err == nil || err.(*apiError).Code != codeBadDigest {
		t.Errorf("content-md5 of another body = %v, want BadDigest", err)
	}
}

// Every part the signature covers must change it.
func TestSignature_CoversEachPart(t *testing.T) {
	base := "POST /v2/image/m-abc123?share HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nContent-Type: application/json\r\nX-Bce-Date: 2024-05-01T12:00:00Z\r\n\r\n"
	names := []string{"content-type", "host", "x-bce-date"}
	sig := func(raw string) string {
		r := wireRequest(t, raw)
		return hmacSHA256Hex("k", canonicalRequest(r, r.URL.Query(), names))
	}
	want := sig(base)
	for name, raw := range map[string]string{
		"method":      strings.Replace(base, "POST", "PUT", 1),
		"path":        strings.Replace(base, "m-abc123", "m-abc124", 1),
		"query key":   strings.Replace(base, "?share", "?unshare", 1),
		"query value": strings.Replace(base, "?share", "?share=1", 1),
		"host":        strings.Replace(base, "8080", "8081", 1),
		"header":      strings.Replace(base, "12:00:00Z", "12:00:01Z", 1),
		"repeated":    strings.Replace(base, "\r\n\r\n", "\r\nX-Bce-Date: 2024-05-01T12:00:00Z\r\n\r\n", 1),
	} {
		if sig(raw) == want {
			t.Errorf("changing the %s does not change the signature", name)
		}
	}
	if sig(strings.Replace(base, "Host:", "host:", 1)) != want {
		t.Errorf("header name case changes the signature")
	}
}

func TestUriEncode(t *testing.T) {
	for _, tc := range []struct {
		in        string
		keepSlash bool
		want      string
	}{
		{"AZaz09-_.~", false, "AZaz09-_.~"},
		{"a b+c/d", false, "a%20b%2Bc%2Fd"},
		{"a b+c/d", true, "a%20b%2Bc/d"},
		{"é", false, "%C3%A9"},
		{"", false, ""},
	} {
		if got := uriEncode(tc.in, tc.keepSlash); got != tc.want {
			t.Errorf("uriEncode(%q, %v) = %q, want %q", tc.in, tc.keepSlash, got, tc.want)
		}
	}
}

func TestParseAuthorization_Refuses(t *testing.T) {
	const sig = "4dd41c642e881397ad4576fbcaaad3a57c433657f5db070b270d025032f03122"
	for name, h := range map[string]string{
		"empty":            "",
		"five parts":       "bce-auth-v1/AK/2024-05-01T12:00:00Z/1800/host",
		"seven parts":      "bce-auth-v1/AK/2024-05-01T12:00:00Z/1800/host/" + sig + "/x",
		"other version":    "bce-auth-v2/AK/2024-05-01T12:00:00Z/1800/host/" + sig,
		"no key":           "bce-auth-v1//2024-05-01T12:00:00Z/1800/host/" + sig,
		"bad time":         "bce-auth-v1/AK/2024-05-01 12:00:00/1800/host/" + sig,
		"zero expiry":      "bce-auth-v1/AK/2024-05-01T12:00:00Z/0/host/" + sig,
		"signed expiry":    "bce-auth-v1/AK/2024-05-01T12:00:00Z/+1800/host/" + sig,
		"huge expiry":      "bce-auth-v1/AK/2024-05-01T12:00:00Z/99999999/host/" + sig,
		"no headers":       "bce-auth-v1/AK/2024-05-01T12:00:00Z/1800//" + sig,
		"host unsigned":    "bce-auth-v1/AK/2024-05-01T12:00:00Z/1800/x-bce-date/" + sig,
		"bad header name":  "bce-auth-v1/AK/2024-05-01T12:00:00Z/1800/host;a b/" + sig,
		"repeated header":  "bce-auth-v1/AK/2024-05-01T12:00:00Z/1800/host;host/" + sig,
		"short signature":  "bce-auth-v1/AK/2024-05-01T12:00:00Z/1800/host/abc",
		"upper signature":  "bce-auth-v1/AK/2024-05-01T12:00:00Z/1800/host/" + strings.ToUpper(sig),
		"hex-less signing": "bce-auth-v1/AK/2024-05-01T12:00:00Z/1800/host/" + strings.Repeat("g", 64),
	} {
		_, err := parseAuthorization(h)
		e, ok := err.(*apiError)
		if !ok || e.Code != codeInvalidAuthHeader || e.Status != http.StatusBadRequest {
			t.Errorf("%s: parseAuthorization(%q) = %v, want 400 InvalidHTTPAuthHeader", name, h, err)
		}
	}
}

func TestCheckTime(t *testing.T) {
	a, err := parseAuthorization("bce-auth-v1/AK/2024-05-01T12:00:00Z/1800/host/" + strings.Repeat("0", 64))
	if err != nil {
		t.Fatal(err)
	}
	ts := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		now  time.Time
		code string
	}{
		{ts, ""},
		{ts.Add(-time.Minute), ""}, // the signer's clock runs a little ahead
		{ts.Add(1800 * time.Second), ""},
		{ts.Add(1801 * time.Second), codeRequestExpired},
		{ts.Add(-maxClockSkew - time.Second), codeRequestTimeTooSkewed},
	} {
		err := checkTime(a, tc.now)
		got := ""
		if err != nil {
			got = err.(*apiError).Code
		}
		if got != tc.code {
			t.Errorf("checkTime at %s = %v, want %q", tc.now, err, tc.code)
		}
	}
}

func TestHostRegion(t *testing.T) {
	for host, want := range map[string]string{
		"bcc.bj.baidubce.com":          "bj",
		"bcc.gz.baidubce.com:443":      "gz",
		"BCC.SU.BAIDUBCE.COM":          "su",
		"bcc.baidubce.com":             "",
		"bcc.a.b.baidubce.com":         "",
		"127.0.0.1:8080":               "",
		"[::1]:8080":                   "",
		"bcc.bj.baidubce.com.evil.com": "",
	} {
		if got := hostRegion(host); got != want {
			t.Errorf("hostRegion(%q) = %q, want %q", host, got, want)
		}
	}
}

// sdkSigned signs a request with the SDK's own BceV1Signer and returns it
// as the server would read it off the wire, the way bce-sdk-go's
// http.Execute builds it. ok is false when Go's wire encoding cannot carry
// the request unchanged (then the SDK could not send it either).
func sdkSigned(t testing.TB, method, uri string, params map[string]string, headers map[string]string, body []byte, secret string, ts time.Time) (r *http.Request, ok bool) {
	t.Helper()
	req := &bcehttp.Request{}
	req.SetMethod(method)
	req.SetUri(uri)
	req.SetEndpoint("http://127.0.0.1:8080")
	req.SetParams(params)
	for k, v := range headers {
		req.SetHeader(k, v)
	}
	req.SetHeader("Host", req.Host())
	if len(body) > 0 {
		req.SetHeader("Content-Length", fmt.Sprint(len(body)))
	}
	cred, err := auth.NewBceCredentials("AK-FUZZ", secret)
	if err != nil {
		t.Fatal(err)
	}
	signer := &auth.BceV1Signer{}
	signer.Sign(req, cred, &auth.SignOptions{HeadersToSign: map[string]struct{}{
		"host": {}, "content-length": {}, "content-type": {}, "content-md5": {},
	}, Timestamp: ts.Unix(), ExpireSeconds: 1800})

	hr := &http.Request{Method: method, Header: http.Header{}, ContentLength: int64(len(body)),
		URL: &url.URL{Scheme: "http", Host: req.Host(), Path: uri, RawQuery: req.QueryString()}}
	for k, v := range req.Headers() {
		hr.Header[k] = []string{v}
	}
	if len(body) > 0 {
		hr.Body = io.NopCloser(bytes.NewReader(body))
	}
	var wire bytes.Buffer
	if err := hr.Write(&wire); err != nil {
		return nil, false
	}
	r, err = http.ReadRequest(bufio.NewReader(&wire))
	if err != nil || r.URL.Path != uri || r.Method != method {
		return nil, false
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil || len(q) != len(params) {
		return nil, false
	}
	for k, v := range params {
		if vs := q[k]; len(vs) != 1 || vs[0] != v {
			return nil, false
		}
	}
	for k, v := range headers {
		if got := r.Header.Values(k); len(got) != 1 || got[0] != strings.TrimSpace(v) {
			return nil, false
		}
	}
	return r, true
}

// FuzzVerifySDKSignature checks the canonicalizer against the SDK's signer:
// whatever the SDK signs and Go can carry, the server must accept, and it
// must refuse the same request under another secret.
func FuzzVerifySDKSignature(f *testing.F) {
	f.Add(uint8(0), "/v2/image/m-abc123", "share", "", "", "", "application/json;charset=utf-8", "req-1", []byte(`{"accountId":"u-123"}`))
	f.Add(uint8(1), "/v2/image", "maxKeys", "1000", "imageType", "Custom", "application/json;charset=utf-8", "", []byte(nil))
	f.Add(uint8(1), "/v2/image", "marker", "m-a b/c", "imageName", "名字 %20", "text/plain", "x y", []byte(nil))
	f.Add(uint8(2), "/v2/image/m-1", "", "", "", "", "", "", []byte(nil))
	f.Add(uint8(1), "/v2/image/m-1/sharedUsers", "Authorization", "x", "a", "", "application/json", "", []byte(nil))
	f.Add(uint8(0), "/v2/image/m-~._-", "unshare", "", "a+b", "c=d&e", "application/json", "v", []byte(`{"account":"alice@example.com"}`))
	methods := []string{http.MethodPost, http.MethodGet, http.MethodDelete, http.MethodPut}
	ts := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, m uint8, uri, k1, v1, k2, v2, contentType, meta string, body []byte) {
		if !strings.HasPrefix(uri, "/") || k1 == "" || k1 == k2 {
			t.Skip()
		}
		params := map[string]string{k1: v1}
		if k2 != "" {
			params[k2] = v2
		}
		headers := map[string]string{"X-Bce-Date": "2024-05-01T12:00:00Z"}
		if contentType != "" {
			headers["Content-Type"] = contentType
		}
		if meta != "" {
			headers["X-Bce-Meta-Fuzz"] = meta
		}
		r, ok := sdkSigned(t, methods[int(m)%len(methods)], uri, params, headers, body, "SK-FUZZ", ts)
		if !ok {
			t.Skip()
		}
		a, err := parseAuthorization(r.Header.Get("Authorization"))
		if err != nil {
			t.Fatalf("parse the SDK's Authorization %q: %v", r.Header.Get("Authorization"), err)
		}
		if err := verifySignature(r, r.URL.Query(), a, "SK-FUZZ"); err != nil {
			t.Fatalf("the SDK's signature is refused: %v\ncanonical request:\n%s", err, canonicalRequest(r, r.URL.Query(), a.SignedHeaders))
		}
		if err := verifySignature(r, r.URL.Query(), a, "SK-FUZZ2"); err == nil {
			t.Fatalf("the signature is accepted under another secret")
		}
	})
}

// FuzzParseAuthorization checks that any header parses or is refused as
// InvalidHTTPAuthHeader, and that what parses is well-formed.
func FuzzParseAuthorization(f *testing.F) {
	f.Add("bce-auth-v1/AK-EXAMPLE/2024-05-01T12:00:00Z/1800/content-length;content-md5;content-type;host;x-bce-date/4dd41c642e881397ad4576fbcaaad3a57c433657f5db070b270d025032f03122")
	f.Add("bce-auth-v1/AK/2024-05-01T12:00:00Z/1800/host/")
	f.Add("bce-auth-v1/a/b/c/d/e")
	f.Add("")
	f.Fuzz(func(t *testing.T, h string) {
		a, err := parseAuthorization(h)
		if err != nil {
			if e, ok := err.(*apiError); !ok || e.Code != codeInvalidAuthHeader {
				t.Fatalf("error %v is not InvalidHTTPAuthHeader", err)
			}
			return
		}
		if a.AccessKey == "" || a.Expire <= 0 || len(a.Signature) != 64 || len(a.SignedHeaders) == 0 {
			t.Fatalf("accepted an incomplete header %q: %+v", h, a)
		}
		if !strings.HasPrefix(h, a.prefix()+"/") || !strings.HasSuffix(h, "/"+a.Signature) {
			t.Fatalf("prefix %q or signature %q is not the header's own text %q", a.prefix(), a.Signature, h)
		}
	})
}
