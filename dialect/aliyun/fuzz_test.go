package aliyun

import (
	"maps"
	"slices"
	"testing"
	"time"
)

// A request the SDK sent, written out literally so the corpus has a seed
// even where capturing is not possible (docs/protocols.md section 2.3's vector).
const literalQuery = "AccessKeyId=AKID-EXAMPLE&Action=ModifyImageSharePermission&AddAccount.1=1234567890&AddAccount.2=2222&Format=JSON&ImageId=m-abc&RegionId=cn-hangzhou&Signature=Opkblh4EkX1PA76mUu1Aes4xjHU%3D&SignatureMethod=HMAC-SHA1&SignatureNonce=0f1e2d3c4b5a69788796a5b4c3d2e1f0&SignatureType=&SignatureVersion=1.0&Timestamp=2024-05-01T12%3A00%3A00Z&Version=2014-05-26"

// FuzzDecodeParams: the RPC parameter decoder never panics, respects its
// bounds, and what it accepts survives a round trip through encoding.
func FuzzDecodeParams(f *testing.F) {
	f.Add(literalQuery, "")
	f.Add("A=1", "B=%20&C")
	f.Add("%zz=1&=2&A=1&A=1", "")
	for _, req := range captureSDKRequests(f) {
		f.Add(req.RawQuery, req.Body)
	}
	f.Fuzz(func(t *testing.T, query, body string) {
		p, ae := decodeParams(query, []byte(body))
		if ae != nil {
			if ae.Status != 400 || ae.Code == "" || ae.Message == "" {
				t.Fatalf("decode error %+v is not a clear 400", ae)
			}
			return
		}
		if len(p) > maxParams {
			t.Fatalf("%d parameters accepted", len(p))
		}
		for name, value := range p {
			if name == "" || len(name) > maxNameBytes || len(value) > maxValueBytes {
				t.Fatalf("out-of-bounds parameter %q accepted", name)
			}
		}
		again, ae := decodeParams(p.encode(), nil)
		if ae != nil {
			t.Fatalf("re-decoding %q: %v", p.encode(), ae)
		}
		if !maps.Equal(p, again) {
			t.Fatalf("round trip changed the parameters:\n%v\n%v", p, again)
		}
		// The list reader and the scalar readers must not panic either.
		_, _ = p.list("AddAccount", errTooManyAccounts)
		_, _ = p.integer("PageSize", 10, 1, 100)
		_, _ = p.boolean("Force")
	})
}

// FuzzVerifySignature: the verifier never panics on any request; a request
// signed with a secret verifies with it and with no other; and changing any
// signed value breaks the signature.
func FuzzVerifySignature(f *testing.F) {
	f.Add("POST", literalQuery, "SECRET-EXAMPLE")
	f.Add("GET", "Signature=&A=%2A+~", "")
	for _, req := range captureSDKRequests(f) {
		f.Add(req.Method, req.RawQuery, captureSecret)
	}
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, method, query, secret string) {
		p, ae := decodeParams(query, nil)
		if ae != nil {
			return
		}
		_, _ = signatureValid(method, p, secret)
		if ae := checkSignatureParams(p, now); ae != nil && (ae.Code == "" || ae.Status != 400) {
			t.Fatalf("check error %+v is not a clear 400", ae)
		}

		p["Signature"] = sign(stringToSign(method, p), secret)
		if ok, _ := signatureValid(method, p, secret); !ok {
			t.Fatalf("own signature refused for %v", p)
		}
		if ok, _ := signatureValid(method, p, secret+"x"); ok {
			t.Fatalf("signature accepted with another secret")
		}
		// A bounded number of names keeps each run fast on huge inputs.
		for i, name := range slices.Sorted(maps.Keys(p)) {
			if i == 16 {
				break
			}
			if name == "Signature" {
				continue
			}
			value := p[name]
			p[name] = value + "x"
			if ok, _ := signatureValid(method, p, secret); ok {
				t.Fatalf("signature still valid after changing %q", name)
			}
			p[name] = value
		}
	})
}
