package aliyun

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	openapiutil "github.com/alibabacloud-go/darabonba-openapi/v2/utils"
	ecs "github.com/alibabacloud-go/ecs-20140526/v7/client"
	"github.com/alibabacloud-go/tea/dara"
)

// v3Captured is one request exactly as the Tea SDK put it on the wire.
type v3Captured struct {
	method, requestURI, host string
	header                   http.Header
	body                     []byte
}

// request rebuilds the captured request, as the server would receive it.
func (c v3Captured) request() *http.Request {
	r := httptest.NewRequest(c.method, c.requestURI, bytes.NewReader(c.body))
	r.Host = c.host
	r.Header = c.header.Clone()
	return r
}

// teaConfig is the Tea SDK's default configuration with only the endpoint
// changed: Protocol "http" because the generated ECS client asks for HTTPS
// (its Params.Protocol) unless the Config says otherwise, and an Endpoint
// of host:port because a RegionId alone resolves to *.aliyuncs.com.
func teaConfig(endpoint string) *openapiutil.Config {
	return &openapiutil.Config{
		AccessKeyId:     dara.String(captureKeyID),
		AccessKeySecret: dara.String(captureSecret),
		RegionId:        dara.String("cn-hangzhou"),
		Endpoint:        dara.String(endpoint),
		Protocol:        dara.String("http"),
	}
}

// captureTeaRequests drives the Tea ECS client (and, for the shapes the
// generated ECS client never sends, the Tea core's CallApi with the same
// signer) against a recording server and returns what they sent.
func captureTeaRequests(t testing.TB) map[string]v3Captured {
	t.Helper()
	var (
		mu  sync.Mutex
		got = map[string]v3Captured{}
	)
	rec := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		got[r.Header.Get("x-acs-action")] = v3Captured{r.Method, r.RequestURI, r.Host, r.Header.Clone(), body}
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		_, _ = io.WriteString(w, `{"RequestId":"CAPTURED"}`)
	}))
	defer rec.Close()
	endpoint := strings.TrimPrefix(rec.URL, "http://")

	c, err := ecs.NewClient(teaConfig(endpoint))
	if err != nil {
		t.Fatalf("new Tea ECS client: %v", err)
	}
	if _, err := c.DescribeImages(&ecs.DescribeImagesRequest{
		RegionId:        dara.String("cn-hangzhou"),
		ImageOwnerAlias: dara.String("self"),
		ImageName:       dara.String("llama 3 * ~weights/ü"), // a value that needs encoding
		PageSize:        dara.Int32(50),
	}); err != nil {
		t.Fatalf("DescribeImages: %v", err)
	}
	if _, err := c.ModifyImageSharePermission(&ecs.ModifyImageSharePermissionRequest{
		RegionId:      dara.String("cn-hangzhou"),
		ImageId:       dara.String("m-capture"),
		AddAccount:    []*string{dara.String("1234567890"), dara.String("2345678901")},
		RemoveAccount: []*string{dara.String("3456789012")},
	}); err != nil {
		t.Fatalf("ModifyImageSharePermission: %v", err)
	}
	if _, err := c.DescribeImageSharePermission(&ecs.DescribeImageSharePermissionRequest{
		RegionId: dara.String("cn-hangzhou"), ImageId: dara.String("m-capture"),
	}); err != nil {
		t.Fatalf("DescribeImageSharePermission: %v", err)
	}
	if _, err := c.DeleteImage(&ecs.DeleteImageRequest{
		RegionId: dara.String("cn-hangzhou"), ImageId: dara.String("m-capture"), Force: dara.Bool(true),
	}); err != nil {
		t.Fatalf("DeleteImage: %v", err)
	}

	// Every generated ECS call is a POST with its parameters in the
	// query. The same core signs GETs and form bodies for other products;
	// the dialect must accept those too, so drive them through CallApi.
	core, err := openapi.NewClient(teaConfig(endpoint))
	if err != nil {
		t.Fatalf("new Tea client: %v", err)
	}
	call := func(action, method string, req *openapiutil.OpenApiRequest) {
		_, err := core.CallApi(&openapiutil.Params{
			Action: dara.String(action), Version: dara.String("2014-05-26"), Protocol: dara.String("HTTPS"),
			Pathname: dara.String("/"), Method: dara.String(method), AuthType: dara.String("AK"),
			Style: dara.String("RPC"), ReqBodyType: dara.String("formData"), BodyType: dara.String("json"),
		}, req, &dara.RuntimeOptions{})
		if err != nil {
			t.Fatalf("%s: %v", action, err)
		}
	}
	call("GetDescribeImages", http.MethodGet, &openapiutil.OpenApiRequest{
		Query: openapiutil.Query(map[string]any{"RegionId": "cn-hangzhou", "ImageId": "m-1,m-2", "PageNumber": 2}),
	})
	call("FormModifyImageSharePermission", http.MethodPost, &openapiutil.OpenApiRequest{
		Query: openapiutil.Query(map[string]any{"RegionId": "cn-hangzhou"}),
		Body: map[string]any{
			"ImageId":    "m-capture",
			"AddAccount": []string{"1234567890", "2345678901"},
		},
	})
	return got
}

func TestV3_TeaSDKRequestsVerify(t *testing.T) {
	got := captureTeaRequests(t)
	now := time.Now()
	for _, action := range []string{"DescribeImages", "ModifyImageSharePermission", "DescribeImageSharePermission",
		"DeleteImage", "GetDescribeImages", "FormModifyImageSharePermission"} {
		c, ok := got[action]
		if !ok {
			t.Fatalf("the Tea SDK sent no %s", action)
		}
		t.Run(action, func(t *testing.T) {
			r := c.request()
			if !isV3(r) {
				t.Fatalf("Authorization %q is not V3", r.Header.Get("Authorization"))
			}
			v, ae := parseV3(r)
			if ae != nil {
				t.Fatalf("parseV3: %v\nheaders: %v", ae, c.header)
			}
			if v.accessKeyID != captureKeyID || v.action != action || v.version != "2014-05-26" || v.nonce == "" {
				t.Errorf("parsed key %q action %q version %q nonce %q", v.accessKeyID, v.action, v.version, v.nonce)
			}
			if ae := v.checkDate(now); ae != nil {
				t.Errorf("fresh date refused: %v", ae)
			}
			if ae := v.checkDate(now.Add(16 * time.Minute)); ae == nil || ae.Code != "InvalidTimeStamp.Expired" {
				t.Errorf("a date 16 minutes old: %v, want InvalidTimeStamp.Expired", ae)
			}
			if ae := v.verify(r, c.body, captureSecret); ae != nil {
				t.Fatalf("the right secret is refused: %v", ae)
			}
			if ae := v.verify(c.request(), c.body, captureSecret+"x"); ae == nil || ae.Code != "SignatureDoesNotMatch" {
				t.Errorf("a wrong secret: %v, want SignatureDoesNotMatch", ae)
			}
			// The parameters the dialect will read are the signed ones.
			p, ae := decodeParams(r.URL.RawQuery, c.body)
			if ae != nil {
				t.Fatalf("decodeParams: %v", ae)
			}
			for _, name := range []string{"AccessKeyId", "Signature", "SignatureMethod", "Timestamp", "Action"} {
				if _, ok := p[name]; ok {
					t.Errorf("V3 request carries the V2 parameter %s", name)
				}
			}
		})
	}
}

// Each change to a captured request that its sender did not sign must be
// refused with the right secret.
func TestV3_TamperedRequestsRefused(t *testing.T) {
	got := captureTeaRequests(t)
	mod, form := got["ModifyImageSharePermission"], got["FormModifyImageSharePermission"]
	if !strings.Contains(mod.requestURI, "AddAccount.1=1234567890") || !strings.Contains(mod.requestURI, "AddAccount.2=2345678901") {
		t.Fatalf("the Tea SDK's list encoding changed: %s", mod.requestURI)
	}
	if !strings.Contains(string(form.body), "AddAccount.1=1234567890") {
		t.Fatalf("the Tea SDK's form body changed: %s", form.body)
	}
	cases := []struct {
		name   string
		c      v3Captured
		change func(*v3Captured)
		code   string
	}{
		{"query value", mod, func(c *v3Captured) {
			c.requestURI = strings.Replace(c.requestURI, "AddAccount.2=2345678901", "AddAccount.2=9999999999", 1)
		}, "SignatureDoesNotMatch"},
		{"query parameter renamed", mod, func(c *v3Captured) {
			c.requestURI = strings.Replace(c.requestURI, "RemoveAccount.1=", "AddAccount.3=", 1)
		}, "SignatureDoesNotMatch"},
		{"query parameter added", mod, func(c *v3Captured) { c.requestURI += "&DryRun=true" }, "SignatureDoesNotMatch"},
		{"path", mod, func(c *v3Captured) { c.requestURI = "/x" + c.requestURI }, "SignatureDoesNotMatch"},
		{"method", mod, func(c *v3Captured) { c.method = http.MethodPut }, "SignatureDoesNotMatch"},
		{"host", mod, func(c *v3Captured) { c.host = "evil.example:80" }, "SignatureDoesNotMatch"},
		{"action header", mod, func(c *v3Captured) { c.header.Set("x-acs-action", "DeleteImage") }, "SignatureDoesNotMatch"},
		{"body, hash kept", form, func(c *v3Captured) {
			c.body = bytes.Replace(c.body, []byte("2345678901"), []byte("9999999999"), 1)
		}, "SignatureDoesNotMatch"},
		{"body and its hash", form, func(c *v3Captured) {
			c.body = bytes.Replace(c.body, []byte("2345678901"), []byte("9999999999"), 1)
			sum := sha256.Sum256(c.body)
			c.header.Set("x-acs-content-sha256", hex.EncodeToString(sum[:]))
		}, "SignatureDoesNotMatch"},
		{"body added to a query-only call", mod, func(c *v3Captured) { c.body = []byte("AddAccount.3=1") }, "SignatureDoesNotMatch"},
		{"unsigned x-acs header added", mod, func(c *v3Captured) { c.header.Set("x-acs-security-token", "t") }, "IncompleteSignature"},
		{"nonce header removed", mod, func(c *v3Captured) { c.header.Del("x-acs-signature-nonce") }, "MissingParameter"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.c
			c.header = c.header.Clone()
			tc.change(&c)
			r := c.request()
			v, ae := parseV3(r)
			if ae == nil {
				ae = v.verify(r, c.body, captureSecret)
			}
			if ae == nil || ae.Code != tc.code {
				t.Fatalf("got %v, want %s", ae, tc.code)
			}
		})
	}
}

// A hand-computed vector: the canonical request and signature of a fixed
// request, written out as the vendor's document defines them, so that a
// change in canonicalization shows as a diff of text, not only a refusal.
func TestV3_CanonicalRequestVector(t *testing.T) {
	body := "ImageId=m-1&AddAccount.1=123"
	sum := sha256.Sum256([]byte(body))
	hashed := hex.EncodeToString(sum[:])
	r := httptest.NewRequest(http.MethodPost, "/?RegionId=cn-hangzhou&Name=a%20b%2Ac~&Empty=&B=2&B=1", strings.NewReader(body))
	r.Host = "ecs.example:8080"
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("x-acs-action", "ModifyImageSharePermission")
	r.Header.Set("x-acs-date", "2026-12-05T10:00:00Z")
	r.Header.Add("x-acs-multi", " b ")
	r.Header.Add("x-acs-multi", "a")
	signed := []string{"content-type", "host", "x-acs-action", "x-acs-date", "x-acs-multi"}
	cr, ae := v3CanonicalRequest(r, signed, hashed)
	if ae != nil {
		t.Fatal(ae)
	}
	want := "POST\n/\nB=1&B=2&Empty=&Name=a%20b%2Ac~&RegionId=cn-hangzhou\n" +
		"content-type:application/x-www-form-urlencoded\nhost:ecs.example:8080\n" +
		"x-acs-action:ModifyImageSharePermission\nx-acs-date:2026-12-05T10:00:00Z\nx-acs-multi:a,b\n\n" +
		"content-type;host;x-acs-action;x-acs-date;x-acs-multi\n" + hashed
	if cr != want {
		t.Fatalf("canonical request\n%q\nwant\n%q", cr, want)
	}
}

// The Tea SDK's own signer and ours agree on a request built for it,
// including a value needing every kind of encoding.
func TestV3_AgreesWithTeaSigner(t *testing.T) {
	body := []byte("ImageId=m-1")
	sum := sha256.Sum256(body)
	hashed := hex.EncodeToString(sum[:])
	query := map[string]*string{
		"RegionId": dara.String("cn-hangzhou"), "ImageName": dara.String("a b*c~d+e/ü%"), "Empty": dara.String(""),
	}
	headers := map[string]*string{
		"host": dara.String("127.0.0.1:9"), "content-type": dara.String("application/x-www-form-urlencoded"),
		"x-acs-action": dara.String("DescribeImages"), "x-acs-version": dara.String("2014-05-26"),
		"x-acs-date": dara.String("2026-12-05T10:00:00Z"), "x-acs-signature-nonce": dara.String("n-1"),
		"x-acs-content-sha256": dara.String(hashed), "user-agent": dara.String("not signed"),
	}
	teaReq := dara.NewRequest()
	teaReq.Method, teaReq.Pathname, teaReq.Query, teaReq.Headers = dara.String("POST"), dara.String("/"), query, headers
	auth := dara.StringValue(openapiutil.GetAuthorization(teaReq, dara.String(v3Algorithm), dara.String(hashed),
		dara.String("AK"), dara.String("SK")))

	vals := url.Values{}
	for k, v := range query {
		vals.Set(k, *v)
	}
	r := httptest.NewRequest(http.MethodPost, "/?"+vals.Encode(), bytes.NewReader(body))
	r.Host = "127.0.0.1:9"
	for k, v := range headers {
		if k != "host" {
			r.Header.Set(k, *v)
		}
	}
	r.Header.Set("Authorization", auth)
	v, ae := parseV3(r)
	if ae != nil {
		t.Fatalf("parseV3(%q): %v", auth, ae)
	}
	if ae := v.verify(r, body, "SK"); ae != nil {
		t.Fatalf("Tea's Authorization %q refused: %v", auth, ae)
	}
}

func TestV3_ParseAuthorizationRefusals(t *testing.T) {
	sig := strings.Repeat("ab", 32)
	ok := "Credential=AK,SignedHeaders=host;x-acs-action,Signature=" + sig
	cases := map[string]string{
		"no fields":         v3Algorithm,
		"sm3":               "ACS3-HMAC-SM3 " + ok,
		"missing signature": v3Algorithm + " Credential=AK,SignedHeaders=host",
		"short signature":   v3Algorithm + " Credential=AK,SignedHeaders=host,Signature=abcd",
		"unsorted":          v3Algorithm + " Credential=AK,SignedHeaders=x-acs-action;host,Signature=" + sig,
		"duplicate":         v3Algorithm + " Credential=AK,SignedHeaders=host;host,Signature=" + sig,
		"uppercase":         v3Algorithm + " Credential=AK,SignedHeaders=Host,Signature=" + sig,
		"empty name":        v3Algorithm + " Credential=AK,SignedHeaders=host;;x,Signature=" + sig,
		"twice":             v3Algorithm + " " + ok + ",Credential=AK2",
		"unknown field":     v3Algorithm + " " + ok + ",Extra=1",
		"too many headers":  v3Algorithm + " Credential=AK,SignedHeaders=" + manyHeaders(33) + ",Signature=" + sig,
		"too long":          v3Algorithm + " Credential=" + strings.Repeat("A", maxV3AuthorizationBytes) + ",SignedHeaders=host,Signature=" + sig,
	}
	for name, h := range cases {
		if _, ae := parseV3Authorization(h); ae == nil {
			t.Errorf("%s: %q accepted", name, h)
		}
	}
	v, ae := parseV3Authorization(v3Algorithm + " " + ok)
	if ae != nil || v.accessKeyID != "AK" || len(v.signedHeaders) != 2 {
		t.Fatalf("well-formed Authorization: %+v %v", v, ae)
	}
	if _, ae := parseV3Authorization(v3Algorithm + " Credential=AK,SignedHeaders=" + manyHeaders(32) + ",Signature=" + sig); ae != nil {
		t.Errorf("32 signed headers refused: %v", ae)
	}
}

// A signed header of more than maxV3HeaderValueBytes is refused before it
// is hashed.
func TestV3_LongSignedHeaderRefused(t *testing.T) {
	r := httptest.NewRequest(http.MethodPost, "/", nil)
	r.Header.Set("x-acs-big", strings.Repeat("x", maxV3HeaderValueBytes+1))
	if _, ae := v3CanonicalRequest(r, []string{"x-acs-big"}, ""); ae == nil || ae.Code != "IncompleteSignature" {
		t.Fatalf("got %v, want IncompleteSignature", ae)
	}
}

func manyHeaders(n int) string {
	names := make([]string, n)
	for i := range names {
		names[i] = "x-acs-h" + string(rune('a'+i/26)) + string(rune('a'+i%26))
	}
	return strings.Join(names, ";")
}

// FuzzParseV3Authorization: the parser never panics, and whatever it
// accepts satisfies the invariants verify relies on.
func FuzzParseV3Authorization(f *testing.F) {
	sig := strings.Repeat("0f", 32)
	f.Add(v3Algorithm + " Credential=AK,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=" + sig)
	f.Add(v3Algorithm + " Credential=,SignedHeaders=,Signature=")
	f.Add("ACS3-HMAC-SM3 Credential=a")
	f.Add(v3Algorithm + " Credential=a,,,SignedHeaders=a;b,Signature=" + sig)
	f.Fuzz(func(t *testing.T, h string) {
		v, ae := parseV3Authorization(h)
		if ae != nil {
			if ae.Status != http.StatusBadRequest {
				t.Fatalf("refusal with status %d", ae.Status)
			}
			return
		}
		if v.accessKeyID == "" || len(v.signature) != sha256.Size || len(v.signedHeaders) == 0 || len(v.signedHeaders) > maxV3SignedHeaders {
			t.Fatalf("accepted %q as %+v", h, v)
		}
		for i := 1; i < len(v.signedHeaders); i++ {
			if v.signedHeaders[i-1] >= v.signedHeaders[i] {
				t.Fatalf("accepted unsorted SignedHeaders %v", v.signedHeaders)
			}
		}
		// The whole request path must not panic either.
		r := httptest.NewRequest(http.MethodPost, "/", nil)
		r.Header.Set("Authorization", h)
		if v, ae := parseV3(r); ae == nil {
			_ = v.verify(r, nil, "s")
		}
	})
}

// What an unauthenticated V3 request costs before its key is looked up:
// the largest Authorization parseV3 accepts (32 signed headers) with
// every required header present.
func BenchmarkParseV3(b *testing.B) {
	names := append([]string{"host"}, v3RequiredHeaders...)
	for i := len(names); i < maxV3SignedHeaders; i++ {
		names = append(names, "x-acs-pad"+string(rune('a'+i/26))+string(rune('a'+i%26)))
	}
	slices.Sort(names)
	r := httptest.NewRequest(http.MethodPost, "/?RegionId=cn-hangzhou", nil)
	for _, n := range names {
		if n != "host" {
			r.Header.Set(n, "v")
		}
	}
	r.Header.Set("x-acs-date", time.Now().UTC().Format(timestampShape))
	r.Header.Set("x-acs-content-sha256", strings.Repeat("a", 64))
	r.Header.Set("Authorization", v3Algorithm+" Credential=unknown-key,SignedHeaders="+strings.Join(names, ";")+",Signature="+strings.Repeat("0", 64))
	b.ReportAllocs()
	for b.Loop() {
		if _, ae := parseV3(r); ae != nil {
			b.Fatal(ae)
		}
	}
}
