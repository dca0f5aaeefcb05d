package aliyun

import (
	"net/url"
	"testing"
	"time"

	aliauth "github.com/aliyun/alibaba-cloud-sdk-go/sdk/auth"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/auth/credentials"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"
)

// Micro-benchmarks of the parameter decoder and the signature check, on
// requests signed by the Alibaba SDK's own signer. Run with
// go test -bench . -run '^$' ./dialect/aliyun/ (see BENCHMARKS.md).

const benchSecret = "bench-private-key-0000001"

// benchRequest signs a ModifyImageSharePermission with the SDK (the
// steps its client takes) and returns its method, raw query and body.
func benchRequest(b *testing.B, accounts int) (method, rawQuery string, body []byte) {
	b.Helper()
	r := ecs.CreateModifyImageSharePermissionRequest()
	r.ImageId = "m-bench0000042"
	r.RegionId = "cn-hangzhou"
	add := make([]string, accounts)
	for i := range add {
		add[i] = "1000" + string(rune('0'+i))
	}
	r.AddAccount = &add
	r.Scheme, r.Domain = "http", "127.0.0.1:1"
	if err := requests.InitParams(r); err != nil {
		b.Fatal(err)
	}
	if err := aliauth.Sign(r, nil, "cn-hangzhou", credentials.NewStaticAKCredentialsProvider("BENCHPUB0000001", benchSecret)); err != nil {
		b.Fatal(err)
	}
	u, err := url.Parse(r.BuildUrl())
	if err != nil {
		b.Fatal(err)
	}
	return r.GetMethod(), u.RawQuery, r.GetContent()
}

// BenchmarkDecodeParams decodes the query and form body into parameters.
func BenchmarkDecodeParams(b *testing.B) {
	_, q, body := benchRequest(b, 5)
	b.SetBytes(int64(len(q) + len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, ae := decodeParams(q, body); ae != nil {
			b.Fatal(ae)
		}
	}
}

// BenchmarkSignatureValid rebuilds the string to sign and checks the
// HMAC-SHA1 signature.
func BenchmarkSignatureValid(b *testing.B) {
	method, q, body := benchRequest(b, 5)
	p, ae := decodeParams(q, body)
	if ae != nil {
		b.Fatal(ae)
	}
	if ok, sts := signatureValid(method, p, benchSecret); !ok {
		b.Fatalf("the SDK-signed request does not verify; signed %s", sts)
	}
	b.ReportAllocs()
	for b.Loop() {
		signatureValid(method, p, benchSecret)
	}
}

// BenchmarkCheckSignatureParams checks the signature parameters that need
// no lookup (presence, method, version, timestamp).
func BenchmarkCheckSignatureParams(b *testing.B) {
	_, q, body := benchRequest(b, 5)
	p, ae := decodeParams(q, body)
	if ae != nil {
		b.Fatal(ae)
	}
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		if ae := checkSignatureParams(p, now); ae != nil {
			b.Fatal(ae)
		}
	}
}

// BenchmarkAccountList reads AddAccount.N.
func BenchmarkAccountList(b *testing.B) {
	_, q, body := benchRequest(b, 5)
	p, ae := decodeParams(q, body)
	if ae != nil {
		b.Fatal(ae)
	}
	c := &call{params: p}
	b.ReportAllocs()
	for b.Loop() {
		if ids, ae := c.accountList("AddAccount"); ae != nil || len(ids) != 5 {
			b.Fatal(ids, ae)
		}
	}
}
