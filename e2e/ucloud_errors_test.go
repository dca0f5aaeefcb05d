package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/imageshare/imageshare/app/apptest"
	"github.com/imageshare/imageshare/internal/ucloudclient"
)

// ucSignedForm returns a form body with PublicKey and a valid Signature
// for the given private key added to params.
func ucSignedForm(publicKey, privateKey string, params map[string]string) string {
	form := map[string]string{}
	for k, v := range params {
		form[k] = v
	}
	if publicKey != "" {
		form["PublicKey"] = publicKey
	}
	form["Signature"] = ucloudclient.SignForm(form, privateKey)
	v := url.Values{}
	for k, s := range form {
		v.Set(k, s)
	}
	return v.Encode()
}

// ucEnvelope checks what every UCloud response must be (HTTP 200, JSON,
// a request id, an integer RetCode) and returns its common fields.
func ucEnvelope(t *testing.T, resp *http.Response) ucloudclient.CommonBase {
	t.Helper()
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Errorf("HTTP status %d; the SDK would never see the RetCode", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	if resp.Header.Get("X-UCLOUD-REQUEST-UUID") == "" {
		t.Error("no X-UCLOUD-REQUEST-UUID")
	}
	var env ucloudclient.CommonBase
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields() // an error carries Action, RetCode and Message only
	if err := dec.Decode(&env); err != nil {
		t.Fatalf("body %s: %v", body, err)
	}
	return env
}

func TestUCloud_ErrorRetCodes(t *testing.T) {
	srv := apptest.Start(t)
	u := newUCUser(t, srv)
	im := u.customImage(t)
	_, disabled := srv.Account(t, "")
	if err := srv.Svc.SetKeyEnabled(context.Background(), disabled.PublicKey, false); err != nil {
		t.Fatal(err)
	}
	pub, priv := u.Key.PublicKey, u.Key.PrivateKey
	signed := func(params map[string]string) string { return ucSignedForm(pub, priv, params) }
	describe := func(extra ...string) map[string]string {
		m := map[string]string{"Action": "DescribeCompShareImageShareAccounts", "Region": ucRegion, "CompShareImageId": im.ID}
		for i := 0; i+1 < len(extra); i += 2 {
			if extra[i+1] == "" {
				delete(m, extra[i])
			} else {
				m[extra[i]] = extra[i+1]
			}
		}
		return m
	}
	const form, jsonType = "application/x-www-form-urlencoded", "application/json"
	huge := signed(describe("Padding", strings.Repeat("x", 1<<20)))

	tests := []struct {
		name        string
		method      string // default POST
		contentType string
		body        string
		code        int
		message     string // the exact Message, unless prefix or contains is set
		prefix      bool
		contains    bool
		action      string // expected Action in the envelope, "" for none
	}{
		// A GET is no UCloud call at all: the router answers it (TestRouter_ForeignShapes).
		{name: "text/plain", contentType: "text/plain", body: signed(describe()), code: 181, message: `Content-Type "text/plain" not supported`, prefix: true},
		{name: "multipart", contentType: "multipart/form-data; boundary=x", body: "--x--", code: 181, message: `Content-Type "multipart/form-data" not supported`, prefix: true},
		{name: "body over 1 MiB", contentType: form, body: huge, code: 180, message: "Request body larger than 1048576 bytes"},
		{name: "malformed JSON", contentType: jsonType, body: `{"Action":`, code: 182, message: "Malformed JSON body", prefix: true},
		{name: "malformed form", contentType: form, body: "Action=%zz", code: 182, message: "Malformed form body", prefix: true},
		{name: "missing Action", contentType: form, body: signed(describe("Action", "")), code: 160, message: "Missing Action"},
		{name: "unknown Action", contentType: form, body: signed(describe("Action", "DeleteEverything")), code: 161, message: "Action [DeleteEverything] not found", action: "DeleteEverything"},
		{name: "missing Signature", contentType: form, body: url.Values{"Action": {"DescribeCompShareImageShareAccounts"}, "PublicKey": {pub}}.Encode(), code: 170, message: "Missing signature", action: "DescribeCompShareImageShareAccounts"},
		{name: "missing PublicKey", contentType: form, body: ucSignedForm("", priv, describe()), code: 173, message: "Missing params [PublicKey]", action: "DescribeCompShareImageShareAccounts"},
		{name: "unknown PublicKey", contentType: form, body: ucSignedForm("nobody", priv, describe()), code: 172, message: "User Not Exists", action: "DescribeCompShareImageShareAccounts"},
		{name: "disabled key", contentType: form, body: ucSignedForm(disabled.PublicKey, disabled.PrivateKey, describe()), code: 174, message: "is disabled", contains: true, action: "DescribeCompShareImageShareAccounts"},
		{name: "wrong signature", contentType: form, body: ucSignedForm(pub, "not-the-key", describe()), code: 171, message: "Signature VerifyAC Error", action: "DescribeCompShareImageShareAccounts"},
		{name: "missing Region", contentType: form, body: signed(describe("Region", "")), code: 220, message: "Missing params [Region]", action: "DescribeCompShareImageShareAccounts"},
		{name: "unknown Region", contentType: form, body: signed(describe("Region", "mars-1")), code: 231, message: "Params [Region] not available", prefix: true, action: "DescribeCompShareImageShareAccounts"},
		{name: "missing CompShareImageId", contentType: form, body: signed(describe("CompShareImageId", "")), code: 220, message: "Missing params [CompShareImageId]", action: "DescribeCompShareImageShareAccounts"},
		{name: "image not found", contentType: form, body: signed(describe("CompShareImageId", "compshareImage-none")), code: 300, message: `image "compshareImage-none" does not exist`, action: "DescribeCompShareImageShareAccounts"},
		{name: "AddAccounts.0=abc", contentType: form, body: signed(map[string]string{"Action": "ModifyCompShareImageShareAccount", "Region": ucRegion, "CompShareImageId": im.ID, "AddAccounts.0": "abc"}),
			code: 230, message: `Params [AddAccounts.0] not available: expected an integer, got "abc"`, action: "ModifyCompShareImageShareAccount"},
		{name: "list index 100", contentType: form, body: signed(map[string]string{"Action": "ModifyCompShareImageShareAccount", "Region": ucRegion, "CompShareImageId": im.ID, "AddAccounts.100": "1"}),
			code: 230, message: "Params [AddAccounts.100] not available", prefix: true},
		{name: "negative Limit", contentType: form, body: signed(map[string]string{"Action": "DescribeCompShareCustomImages", "Region": ucRegion, "Limit": "-1"}),
			code: 230, message: "Params [Limit] not available: must not be negative", action: "DescribeCompShareCustomImages"},
		{name: "ImageType Custom", contentType: form, body: signed(map[string]string{"Action": "DescribeCompShareImages", "Region": ucRegion, "ImageType": "Custom"}),
			code: 230, message: "Params [ImageType] not available: must be System or App", action: "DescribeCompShareImages"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := tt.method
			if method == "" {
				method = http.MethodPost
			}
			// The SDK always repeats Action in the query, which is what
			// routes a body without Action (or not a form) to UCloud; the
			// dialect itself reads only the body.
			req, err := http.NewRequest(method, srv.URL+"/?Action=DescribeCompShareImageShareAccounts", strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", tt.contentType)
			req.Header.Set("User-Agent", ucloudclient.DefaultUserAgent())
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			env := ucEnvelope(t, resp)
			if env.RetCode != tt.code {
				t.Errorf("RetCode = %d (%q), want %d", env.RetCode, env.Message, tt.code)
			}
			switch {
			case tt.prefix && !strings.HasPrefix(env.Message, tt.message),
				tt.contains && !strings.Contains(env.Message, tt.message),
				!tt.prefix && !tt.contains && env.Message != tt.message:
				t.Errorf("Message = %q, want %q", env.Message, tt.message)
			}
			if tt.action != "" && env.Action != tt.action+"Response" {
				t.Errorf("Action = %q, want %sResponse", env.Action, tt.action)
			}
			if env.RetCode >= 2000 {
				t.Errorf("RetCode %d would be retried by the SDK", env.RetCode)
			}
		})
	}
	// No refused request changed anything.
	if got := u.shared(t, im.ID); len(got) != 0 {
		t.Errorf("shares after refused requests: %v", got)
	}
}

// A store that fails gives RetCode 151 "internal error" with HTTP 200, and
// its cause stays in the logs.
func TestUCloud_InternalError(t *testing.T) {
	srv := apptest.Start(t)
	u := newUCUser(t, srv)
	if err := srv.Store.Close(); err != nil {
		t.Fatal(err)
	}
	resp, err := u.C.Do(context.Background(), "DescribeCompShareCustomImages", nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	code, msg := 0, ""
	if rc, ok := ucloudclient.Decode(resp, nil).(*ucloudclient.RetCodeError); ok {
		code, msg = rc.RetCode, rc.Message
	}
	if code != 151 || msg != "internal error" {
		t.Errorf("closed store: %d %q (body %s), want 151 \"internal error\"", code, msg, resp.Body)
	}
}
