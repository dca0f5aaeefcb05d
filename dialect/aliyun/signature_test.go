package aliyun

import (
	"strings"
	"testing"
	"time"
)

// The worked example of docs/protocols.md section 2.3, which Python and the SDK's own
// helpers agree on.
func TestSignatureVector(t *testing.T) {
	p := params{
		"AccessKeyId":      "AKID-EXAMPLE",
		"Action":           "ModifyImageSharePermission",
		"AddAccount.1":     "1234567890",
		"AddAccount.2":     "2222",
		"Format":           "JSON",
		"ImageId":          "m-abc",
		"RegionId":         "cn-hangzhou",
		"SignatureMethod":  "HMAC-SHA1",
		"SignatureNonce":   "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
		"SignatureType":    "",
		"SignatureVersion": "1.0",
		"Timestamp":        "2024-05-01T12:00:00Z",
		"Version":          "2014-05-26",
	}
	wantCanonical := "AccessKeyId=AKID-EXAMPLE&Action=ModifyImageSharePermission&AddAccount.1=1234567890&AddAccount.2=2222&Format=JSON&ImageId=m-abc&RegionId=cn-hangzhou&SignatureMethod=HMAC-SHA1&SignatureNonce=0f1e2d3c4b5a69788796a5b4c3d2e1f0&SignatureType=&SignatureVersion=1.0&Timestamp=2024-05-01T12%3A00%3A00Z&Version=2014-05-26"
	if got := canonicalQuery(p); got != wantCanonical {
		t.Fatalf("canonical query\n got %s\nwant %s", got, wantCanonical)
	}
	sts := stringToSign("POST", p)
	if !strings.HasPrefix(sts, "POST&%2F&AccessKeyId%3DAKID-EXAMPLE%26Action%3DModifyImageSharePermission%26AddAccount.1%3D1234567890%26") ||
		!strings.HasSuffix(sts, "%26Timestamp%3D2024-05-01T12%253A00%253A00Z%26Version%3D2014-05-26") {
		t.Fatalf("string to sign %s", sts)
	}
	if got, want := sign(sts, "SECRET-EXAMPLE"), "Opkblh4EkX1PA76mUu1Aes4xjHU="; got != want {
		t.Fatalf("signature %s, want %s", got, want)
	}
	p["Signature"] = "Opkblh4EkX1PA76mUu1Aes4xjHU="
	if ok, _ := signatureValid("POST", p, "SECRET-EXAMPLE"); !ok {
		t.Error("the vector's signature is refused")
	}
	if ok, _ := signatureValid("GET", p, "SECRET-EXAMPLE"); ok {
		t.Error("the signature is accepted for another method")
	}
	if ok, _ := signatureValid("POST", p, "SECRET-EXAMPLF"); ok {
		t.Error("the signature is accepted with another secret")
	}
	// Dropping the empty SignatureType changes what is signed.
	delete(p, "SignatureType")
	if ok, _ := signatureValid("POST", p, "SECRET-EXAMPLE"); ok {
		t.Error("the signature is accepted without the empty SignatureType")
	}
}

func TestPercentEncode(t *testing.T) {
	for in, want := range map[string]string{
		"a b":    "a%20b",
		"*":      "%2A",
		"~-_.":   "~-_.",
		"+":      "%2B",
		"a/b:c":  "a%2Fb%3Ac",
		"中":      "%E4%B8%AD",
		"%":      "%25",
		"AZaz09": "AZaz09",
	} {
		if got := percentEncode(in); got != want {
			t.Errorf("percentEncode(%q) = %q, want %q", in, got, want)
		}
	}
}

// Requests the official SDK really sends verify with the secret they were
// signed with, and with no other.
func TestSDKRequestsVerify(t *testing.T) {
	for _, req := range captureSDKRequests(t) {
		p, ae := decodeParams(req.RawQuery, []byte(req.Body))
		if ae != nil {
			t.Fatalf("decode %s: %v", req.RawQuery, ae)
		}
		if _, ok := p["SignatureType"]; !ok {
			t.Errorf("%s: the SDK sent no SignatureType", p["Action"])
		}
		if ok, sts := signatureValid(req.Method, p, captureSecret); !ok {
			t.Errorf("%s: SDK signature refused; server string to sign %s", p["Action"], sts)
		}
		if ok, _ := signatureValid(req.Method, p, "wrong"); ok {
			t.Errorf("%s: SDK signature accepted with a wrong secret", p["Action"])
		}
		ts, ok := parseTimestamp(p["Timestamp"])
		if !ok {
			t.Fatalf("%s: SDK timestamp %q does not parse", p["Action"], p["Timestamp"])
		}
		if ae := checkSignatureParams(p, ts.Add(14*time.Minute)); ae != nil {
			t.Errorf("%s: fresh request refused: %v", p["Action"], ae)
		}
		for _, skew := range []time.Duration{16 * time.Minute, -16 * time.Minute} {
			if ae := checkSignatureParams(p, ts.Add(skew)); ae == nil || ae.Code != "InvalidTimeStamp.Expired" {
				t.Errorf("%s: request %v off: got %v, want InvalidTimeStamp.Expired", p["Action"], skew, ae)
			}
		}
	}
}

func TestCheckSignatureParams(t *testing.T) {
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	valid := func() params {
		return params{
			"AccessKeyId": "AK", "Signature": "sig", "SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0",
			"SignatureNonce": "n1", "SignatureType": "", "Timestamp": "2024-05-01T12:00:00Z",
		}
	}
	if ae := checkSignatureParams(valid(), now); ae != nil {
		t.Fatalf("valid parameters refused: %v", ae)
	}
	for _, tc := range []struct {
		name   string
		change func(params)
		code   string
	}{
		{"no key", func(p params) { delete(p, "AccessKeyId") }, "MissingParameter"},
		{"no signature", func(p params) { p["Signature"] = "" }, "MissingParameter"},
		{"no nonce", func(p params) { delete(p, "SignatureNonce") }, "MissingParameter"},
		{"no timestamp", func(p params) { delete(p, "Timestamp") }, "MissingParameter"},
		{"sha256", func(p params) { p["SignatureMethod"] = "HMAC-SHA256" }, "InvalidParameter"},
		{"version 2", func(p params) { p["SignatureVersion"] = "2.0" }, "InvalidParameter"},
		{"bearer", func(p params) { p["SignatureType"] = "BEARERTOKEN" }, "InvalidParameter"},
		{"sts", func(p params) { p["SecurityToken"] = "tok" }, "InvalidSecurityToken.MismatchWithAccessKey"},
		{"long nonce", func(p params) { p["SignatureNonce"] = strings.Repeat("n", 129) }, "InvalidParameter"},
		{"bad time", func(p params) { p["Timestamp"] = "yesterday" }, "InvalidTimeStamp.Format"},
		{"old", func(p params) { p["Timestamp"] = "2024-05-01T11:44:59Z" }, "InvalidTimeStamp.Expired"},
		{"future", func(p params) { p["Timestamp"] = "2024-05-01T12:15:01Z" }, "InvalidTimeStamp.Expired"},
	} {
		p := valid()
		tc.change(p)
		ae := checkSignatureParams(p, now)
		if ae == nil || ae.Code != tc.code {
			t.Errorf("%s: got %v, want %s", tc.name, ae, tc.code)
		}
	}
	p := valid()
	p["SecurityToken"] = "" // Packer 1.6.6 sends it empty: no token
	if ae := checkSignatureParams(p, now); ae != nil {
		t.Errorf("empty SecurityToken refused: %v", ae)
	}
	p = valid()
	p["Timestamp"] = "2024-05-01T20:14:00+08:00" // RFC 3339 with an offset, 14 min later
	if ae := checkSignatureParams(p, now); ae != nil {
		t.Errorf("RFC 3339 timestamp refused: %v", ae)
	}
}
