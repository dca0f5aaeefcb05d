package baidu

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/baidubce/bce-sdk-go/auth"
	bcehttp "github.com/baidubce/bce-sdk-go/http"
	"github.com/baidubce/bce-sdk-go/util"
)

// Micro-benchmarks of the Authorization parser, the signature check and
// the share body decoder, on requests signed by bce-sdk-go's own signer.
// Run with go test -bench . -run '^$' ./dialect/baidu/ (see BENCHMARKS.md).

const benchSecret = "bench-private-key-0000001"

// benchShareRequest returns POST /v2/image/{id}?share as bce-sdk-go signs
// it, in wire form.
func benchShareRequest(b *testing.B) string {
	b.Helper()
	body := `{"accountId":"10002"}`
	sum := md5.Sum([]byte(body))
	r := &bcehttp.Request{}
	r.SetMethod(bcehttp.POST)
	r.SetUri("/v2/image/m-bench0000042")
	r.SetParams(map[string]string{"share": ""})
	for k, v := range map[string]string{
		bcehttp.HOST: "127.0.0.1:8080", bcehttp.CONTENT_TYPE: "application/json;charset=utf-8",
		bcehttp.CONTENT_LENGTH: strconv.Itoa(len(body)), bcehttp.CONTENT_MD5: base64.StdEncoding.EncodeToString(sum[:]),
		bcehttp.BCE_DATE: util.FormatISO8601Date(util.NowUTCSeconds()), bcehttp.BCE_REQUEST_ID: "7d3c2ad9-2f46-4c38-9f43-33a3c25dd0f1",
	} {
		r.SetHeader(k, v)
	}
	cred, err := auth.NewBceCredentials("BENCHPUB0000001", benchSecret)
	if err != nil {
		b.Fatal(err)
	}
	(&auth.BceV1Signer{}).Sign(r, cred, &auth.SignOptions{HeadersToSign: auth.DEFAULT_HEADERS_TO_SIGN, ExpireSeconds: auth.DEFAULT_EXPIRE_SECONDS})
	var w strings.Builder
	w.WriteString("POST /v2/image/m-bench0000042?share HTTP/1.1\r\n")
	for k, v := range r.Headers() {
		w.WriteString(k + ": " + v + "\r\n")
	}
	w.WriteString("\r\n" + body)
	return w.String()
}

// BenchmarkParseAuthorization splits the Authorization header.
func BenchmarkParseAuthorization(b *testing.B) {
	r := wireRequest(b, benchShareRequest(b))
	header := r.Header.Get("Authorization")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseAuthorization(header); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifySignature builds the canonical request and checks the
// two HMAC-SHA256 steps.
func BenchmarkVerifySignature(b *testing.B) {
	r := wireRequest(b, benchShareRequest(b))
	a, err := parseAuthorization(r.Header.Get("Authorization"))
	if err != nil {
		b.Fatal(err)
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		b.Fatal(err)
	}
	if err := verifySignature(r, q, a, benchSecret); err != nil {
		b.Fatalf("the SDK-signed request does not verify: %v", err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := verifySignature(r, q, a, benchSecret); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeShareBody decodes the ?share body.
func BenchmarkDecodeShareBody(b *testing.B) {
	raw := benchShareRequest(b)
	body := []byte(raw[strings.Index(raw, "\r\n\r\n")+4:])
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		sb, err := decodeShareBody(bytes.Clone(body))
		if err != nil || sb.AccountID != "10002" {
			b.Fatal(sb, err)
		}
	}
}
