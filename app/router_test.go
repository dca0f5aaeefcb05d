package app

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// formHasAliyunKey must agree with parsing the whole form and asking for
// the keys, which is what the router did before it looked at keys only.
func TestFormHasAliyunKey_AgreesWithParseQuery(t *testing.T) {
	bodies := []string{
		"",
		"Action=DescribeCompShareImageShareAccounts&PublicKey=pk&Region=cn-wlcb&Signature=abc",
		"AccessKeyId=ak&Action=DescribeImages&Format=JSON",
		"Action=X&SignatureMethod=HMAC-SHA1",
		"Access%4BeyId=ak&Action=X",
		"Signature+Method=HMAC-SHA1",
		"AccessKeyId",
		"&&AccessKeyId=&",
		"AccessKeyIdX=1&XAccessKeyId=2",
		"Name=AccessKeyId&Value=SignatureMethod",
		"AddAccounts.0=1&AddAccounts.1=2&CompShareImageId=compshareImage-x",
	}
	for _, b := range bodies {
		form, err := url.ParseQuery(b)
		if err != nil {
			t.Fatalf("test body %q does not parse: %v", b, err)
		}
		if got, want := formHasAliyunKey([]byte(b)), isAliyun(form); got != want {
			t.Errorf("formHasAliyunKey(%q) = %v, ParseQuery says %v", b, got, want)
		}
	}
}

func BenchmarkRouterFormSniff(b *testing.B) {
	body := []byte("Action=ModifyCompShareImageShareAccount&AddAccounts.0=10002&CompShareImageId=compshareImage-alice-llama&PublicKey=demo-alice-public&Region=cn-wlcb&Signature=2bc521d134445c593c15f0a6acb665c3900a5230")
	b.Run("ParseQuery", func(b *testing.B) {
		for b.Loop() {
			form, _ := url.ParseQuery(string(body))
			_ = isAliyun(form)
		}
	})
	b.Run("KeysOnly", func(b *testing.B) {
		for b.Loop() {
			_ = formHasAliyunKey(body)
		}
	})
}

// dialectProbe stands in for a dialect: it records its name and the whole
// body it read, so a test sees both where a request went and that the
// router's peek handed the body on intact.
type dialectProbe struct {
	name string
	got  *string
	body *[]byte
}

func (d dialectProbe) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	*d.got = d.name
	*d.body, _ = io.ReadAll(r.Body)
	w.WriteHeader(299)
}

func newTestRouter(maxBody int64) (*router, *string, *[]byte) {
	got, body := new(string), new([]byte)
	extra := http.NewServeMux()
	extra.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { *got = "ops" })
	return &router{
		ucloud:  dialectProbe{"ucloud", got, body},
		aliyun:  dialectProbe{"aliyun", got, body},
		baidu:   dialectProbe{"baidu", got, body},
		maxBody: maxBody,
		extra:   extra,
	}, got, body
}

func TestRouter_BySignature(t *testing.T) {
	const form, jsonType = "application/x-www-form-urlencoded", "application/json"
	const maxBody = 64
	big := func(prefix string) string { return prefix + "&Padding=" + strings.Repeat("x", maxBody) }
	tests := []struct {
		name, method, target, contentType, auth, body string
		want                                          string // dialect, or "html" / "plain" for the router's own answers
	}{
		{"V3 header on /", "POST", "/?ImageId=m-1&RegionId=cn-hangzhou", "", "ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=host,Signature=00", "", "aliyun"},
		{"V3 header with another algorithm", "GET", "/", "", "ACS3-HMAC-SM3 Credential=AK", "", "aliyun"},
		{"V3 header on a BCC path", "GET", "/v2/image", "", "ACS3-HMAC-SHA256 Credential=AK", "", "aliyun"},
		{"V3 header with a UCloud body", "POST", "/?Action=X", form, "ACS3-HMAC-SHA256 Credential=AK", "Action=X", "aliyun"},
		{"bce-auth-v1 on /v1/image", "GET", "/v1/image", "", "bce-auth-v1/ak/2026-12-05T10:00:00Z/1800/host/sig", "", "baidu"},
		{"bce-auth-v1 on /v3/instance", "POST", "/v3/instance", jsonType, "bce-auth-v1/ak/2026-12-05T10:00:00Z/1800/host/sig", `{"Action":"x"}`, "baidu"},
		{"bce-auth-v1 on /", "POST", "/?Action=X", form, "bce-auth-v1/ak/t/1800/host/sig", "Action=X", "baidu"},
		{"unsigned BCC image path", "GET", "/v2/image/m-1", "", "", "", "baidu"},
		{"V2 query", "GET", "/?AccessKeyId=ak&Action=DescribeImages", "", "", "", "aliyun"},
		{"V2 SignatureMethod only", "POST", "/?SignatureMethod=HMAC-SHA1", "", "", "", "aliyun"},
		{"V2 form body", "POST", "/", form, "", "Action=DescribeImages&AccessKeyId=ak", "aliyun"},
		{"V2 form body under ?Action", "POST", "/?Action=DescribeImages", form, "", "AccessKeyId=ak", "aliyun"},
		{"V2 form body over the limit", "POST", "/", form, "", big("AccessKeyId=ak&Action=DescribeImages"), "aliyun"},
		{"UCloud form", "POST", "/", form, "", "Action=DescribeCompShareImages&PublicKey=pk", "ucloud"},
		{"UCloud form, no Content-Type", "POST", "/", "", "", "Action=DescribeCompShareImages", "ucloud"},
		{"UCloud SDK query", "POST", "/?Action=DescribeCompShareImages", form, "", "PublicKey=pk", "ucloud"},
		{"UCloud SDK query, any path", "POST", "/api?Action=X", "text/plain", "", "x", "ucloud"},
		{"UCloud form over the limit", "POST", "/", form, "", big("Action=X"), "ucloud"},
		{"UCloud JSON", "POST", "/", jsonType, "", `{"PublicKey":"pk","List":[{"Action":1}],"Action":"X"}`, "ucloud"},
		{"UCloud JSON, truncated after Action", "POST", "/", jsonType, "", `{"Action":`, "ucloud"},
		{"JSON with Action only nested", "POST", "/", jsonType, "", `{"Params":{"Action":"X"},"L":["Action"]}`, "plain"},
		{"JSON array", "POST", "/", jsonType, "", `["Action"]`, "plain"},
		{"form without Action", "POST", "/", form, "", "PublicKey=pk&Region=cn-wlcb", "plain"},
		{"empty POST", "POST", "/", form, "", "", "plain"},
		{"text body naming Action", "POST", "/", "text/plain", "", "Action=X", "plain"},
		{"GET with ?Action", "GET", "/?Action=DescribeImages", "", "", "", "plain"},
		{"PUT /", "PUT", "/", "", "", "", "plain"},
		{"GET elsewhere", "GET", "/favicon.ico", "", "", "", "plain"},
		{"other Authorization", "POST", "/", form, "AWS4-HMAC-SHA256 Credential=x", "A=1", "plain"},
		{"browser", "GET", "/", "", "", "", "html"},
		{"HEAD /", "HEAD", "/", "", "", "", "html"},
		{"ops endpoint", "GET", "/healthz", "", "", "", "ops"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt, got, body := newTestRouter(maxBody)
			r := httptest.NewRequest(tt.method, tt.target, strings.NewReader(tt.body))
			if tt.contentType != "" {
				r.Header.Set("Content-Type", tt.contentType)
			}
			if tt.auth != "" {
				r.Header.Set("Authorization", tt.auth)
			}
			w := httptest.NewRecorder()
			rt.ServeHTTP(w, r)
			switch tt.want {
			case "html", "plain":
				if *got != "" {
					t.Fatalf("went to %s, want the router's own %s answer", *got, tt.want)
				}
				ct := w.Header().Get("Content-Type")
				if tt.want == "html" && (w.Code != http.StatusOK || !strings.HasPrefix(ct, "text/html")) {
					t.Fatalf("status %d %s, want 200 text/html", w.Code, ct)
				}
				if tt.want == "plain" && (w.Code < 400 || w.Code >= 500 || !strings.HasPrefix(ct, "text/plain") ||
					!strings.Contains(w.Body.String(), "not a call of any API served here")) {
					t.Fatalf("status %d %s %q, want a 4xx plain-text explanation", w.Code, ct, w.Body.String())
				}
			default:
				if *got != tt.want {
					t.Fatalf("went to %q, want %s", *got, tt.want)
				}
				if tt.want != "ops" && string(*body) != tt.body {
					t.Fatalf("the dialect read %d bytes %q, want the whole body (%d bytes)", len(*body), *body, len(tt.body))
				}
			}
		})
	}
}

func TestRouter_HomePageSaysWhatThisIs(t *testing.T) {
	rt, _, _ := newTestRouter(1 << 20)
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Accept", "text/html,application/xhtml+xml")
	w := httptest.NewRecorder()
	rt.ServeHTTP(w, r)
	for _, want := range []string{"imageshare", "UCloud", "Alibaba", "Baidu", "docs/ucloud.md", "README.md"} {
		if !strings.Contains(w.Body.String(), want) {
			t.Errorf("home page lacks %q", want)
		}
	}
}

func TestJSONHasTopLevelKey(t *testing.T) {
	tests := map[string]bool{
		`{"Action":"X"}`:                        true,
		` {"a":1,"Action":null}`:                true,
		`{"a":{"Action":1},"b":[{"Action":2}]}`: false,
		`{"a":"Action"}`:                        false,
		`{"Action"`:                             true,
		`{"a":[1,2,{"x":[]}],"Action":1}`:       true,
		`{"a":`:                                 false,
		`[{"Action":1}]`:                        false,
		`"Action"`:                              false,
		``:                                      false,
		`{"Act\u0069on":1}`:                     true,
	}
	for body, want := range tests {
		if got := jsonHasTopLevelKey([]byte(body), "Action"); got != want {
			t.Errorf("jsonHasTopLevelKey(%s) = %v, want %v", body, got, want)
		}
	}
}

// On any valid JSON object, jsonHasTopLevelKey agrees with decoding the
// object and asking for the key.
func FuzzJSONHasTopLevelKey(f *testing.F) {
	for _, s := range []string{`{"Action":"X"}`, `{"a":{"Action":1},"b":[{"Action":2}]}`, `{"a":"Action"}`,
		`{"Act\u0069on":1}`, `{"a\"":"\\","Action":[]}`, `{"x":"}","Action":0}`, `{"a":[{"b":["Action"]}],"Action":null}`, `{}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got := jsonHasTopLevelKey(body, "Action")
		var m map[string]json.RawMessage
		if json.Unmarshal(body, &m) != nil || m == nil {
			return // not an object: only "no panic" is asked
		}
		if _, want := m["Action"]; got != want {
			t.Fatalf("jsonHasTopLevelKey(%s) = %v, encoding/json says %v", body, got, want)
		}
	})
}

// A 1 MiB JSON body of ~90,000 keys and no Action, the worst case an
// unauthenticated sender can make the router scan.
func BenchmarkRouterJSONSniff(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("{")
	for i := 0; sb.Len() < 1<<20-64; i++ {
		fmt.Fprintf(&sb, "\"k%d\":\"v\",", i)
	}
	sb.WriteString("\"z\":1}")
	body := []byte(sb.String())
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if jsonHasTopLevelKey(body, "Action") {
			b.Fatal("found Action")
		}
	}
}
