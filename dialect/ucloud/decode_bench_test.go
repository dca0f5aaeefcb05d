package ucloud

import (
	"context"
	"io"
	"testing"

	"github.com/imageshare/imageshare/internal/ucloudclient"
)

// Micro-benchmarks of the parameter decoders and the signature check, on
// bodies signed exactly as ucloud-sdk-go signs them. Run with
// go test -bench . -run '^$' ./dialect/ucloud/ (see BENCHMARKS.md).

const (
	benchPublicKey  = "BENCHPUB0000001"
	benchPrivateKey = "bench-private-key-0000001"
)

// benchBody returns a signed body of action, form or JSON.
func benchBody(b *testing.B, json bool, action string, params map[string]any) []byte {
	b.Helper()
	opts := []ucloudclient.Option{ucloudclient.WithRegion("cn-wlcb")}
	if json {
		opts = append(opts, ucloudclient.WithJSON())
	}
	c := ucloudclient.New("http://127.0.0.1:1", benchPublicKey, benchPrivateKey, opts...)
	req, err := c.NewRequest(context.Background(), action, params)
	if err != nil {
		b.Fatal(err)
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		b.Fatal(err)
	}
	return body
}

var benchBodies = []struct {
	name   string
	json   bool
	action string
	params map[string]any
}{
	{"DescribeShares/form", false, "DescribeCompShareImageShareAccounts", map[string]any{"CompShareImageId": "compshareImage-bench0000042"}},
	{"DescribeShares/json", true, "DescribeCompShareImageShareAccounts", map[string]any{"CompShareImageId": "compshareImage-bench0000042"}},
	{"ModifyShares/form", false, "ModifyCompShareImageShareAccount", map[string]any{"CompShareImageId": "compshareImage-bench0000042",
		"AddAccounts": []int64{10001, 10002, 10003, 10004, 10005}, "RemoveAccounts": []int64{20001, 20002}}},
	{"ModifyShares/json", true, "ModifyCompShareImageShareAccount", map[string]any{"CompShareImageId": "compshareImage-bench0000042",
		"AddAccounts": []int64{10001, 10002, 10003, 10004, 10005}, "RemoveAccounts": []int64{20001, 20002}}},
}

func decode(json bool, body []byte) (*payload, error) {
	if json {
		return decodeJSON(body)
	}
	return decodeForm(body)
}

// BenchmarkDecode decodes a body into parameters and the string it signs.
func BenchmarkDecode(b *testing.B) {
	for _, bb := range benchBodies {
		b.Run(bb.name, func(b *testing.B) {
			body := benchBody(b, bb.json, bb.action, bb.params)
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := decode(bb.json, body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkVerifySignature checks the SHA-1 signature of a decoded body.
func BenchmarkVerifySignature(b *testing.B) {
	for _, bb := range benchBodies {
		b.Run(bb.name, func(b *testing.B) {
			pl, err := decode(bb.json, benchBody(b, bb.json, bb.action, bb.params))
			if err != nil {
				b.Fatal(err)
			}
			if !verifySignature(pl.signed, pl.signature, benchPrivateKey) {
				b.Fatal("the SDK-signed body does not verify")
			}
			b.ReportAllocs()
			for b.Loop() {
				verifySignature(pl.signed, pl.signature, benchPrivateKey)
			}
		})
	}
}

// BenchmarkIntList reads AddAccounts.N from a decoded body.
func BenchmarkIntList(b *testing.B) {
	pl, err := decodeForm(benchBody(b, false, benchBodies[2].action, benchBodies[2].params))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if ids, err := pl.params.IntList("AddAccounts"); err != nil || len(ids) != 5 {
			b.Fatal(ids, err)
		}
	}
}
