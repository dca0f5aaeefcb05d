package ucloud

import (
	"testing"

	"github.com/imageshare/imageshare/internal/ucloudclient"
)

// sdkBodies returns real SDK-shaped request bodies to seed the fuzzers.
func sdkBodies(t testing.TB, json bool) [][]byte {
	var opts []ucloudclient.Option
	if json {
		opts = append(opts, ucloudclient.WithJSON())
	}
	c := ucloudclient.New("http://unused", "PUB", "PRIV", append(opts, ucloudclient.WithRegion("cn-wlcb"))...)
	calls := []struct {
		action string
		params map[string]any
	}{
		{"ModifyCompShareImageShareAccount", map[string]any{"CompShareImageId": "compshareImage-abc", "AddAccounts": []int{123, 456}, "RemoveAccounts": []int{789}}},
		{"ModifyCompShareImageShareAccount", map[string]any{"CompShareImageId": "compshareImage-abc", "AddAccounts": []int{1}, "RemoveAccounts": []int(nil)}},
		{"DescribeCompShareImageShareAccounts", map[string]any{"CompShareImageId": "compshareImage-abc"}},
		{"DescribeCompShareImages", map[string]any{"ImageType": "App", "Name": "py torch", "Offset": 0, "Limit": 100}},
		{"DescribeCompShareCustomImages", map[string]any{"Softwares": map[string]any{"CUDAVersion": "12.1", "Applications": []string{"jupyter"}}, "Price": 1.5}},
	}
	var out [][]byte
	for _, call := range calls {
		b, _, err := c.Body(call.action, call.params)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// exercise runs every getter over every decoded name, as handlers would.
func exercise(p *params) {
	names := make([]string, 0, len(p.values))
	for k := range p.values {
		names = append(names, k)
	}
	names = append(names, "Action", "AddAccounts", "Region", "Softwares")
	for _, name := range names {
		_, _, _ = p.String(name)
		_, _ = p.RequiredString(name)
		_, _, _ = p.Int(name)
		_, _ = p.IntList(name)
		_, _ = p.StringList(name)
	}
	_, _ = pageParams(p)
}

func FuzzDecodeForm(f *testing.F) {
	for _, b := range sdkBodies(f, false) {
		f.Add(b)
	}
	f.Add([]byte("AddAccounts.0=1&AddAccounts.99=2&AddAccounts=3&AddAccounts.x.0=%zz"))
	f.Fuzz(func(t *testing.T, body []byte) {
		pl, err := decodeForm(body)
		if err != nil {
			if code(err) <= 0 {
				t.Fatalf("decode error without a RetCode: %v", err)
			}
			return
		}
		exercise(pl.params)
		_ = verifySignature(pl.signed, pl.signature, "PRIV")
	})
}

func FuzzDecodeJSON(f *testing.F) {
	for _, b := range sdkBodies(f, true) {
		f.Add(b)
	}
	f.Add([]byte(`{"A":[[1,{"B":null}],{"C":[true,1e400]}],"Signature":"x"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		pl, err := decodeJSON(body)
		if err != nil {
			if code(err) <= 0 {
				t.Fatalf("decode error without a RetCode: %v", err)
			}
			return
		}
		exercise(pl.params)
		_ = verifySignature(pl.signed, pl.signature, "PRIV")
	})
}

// FuzzVerifySignature checks that any decodable request verifies exactly
// under the key it was signed with: re-signing what the server computed
// must verify, and the fuzzed signature verifies only if it equals that.
func FuzzVerifySignature(f *testing.F) {
	for _, b := range sdkBodies(f, false) {
		f.Add(b, false, "PRIV")
	}
	for _, b := range sdkBodies(f, true) {
		f.Add(b, true, "PRIV")
	}
	f.Fuzz(func(t *testing.T, body []byte, isJSON bool, key string) {
		decode := decodeForm
		if isJSON {
			decode = decodeJSON
		}
		pl, err := decode(body)
		if err != nil {
			return
		}
		good := sign(pl.signed, key)
		if !verifySignature(pl.signed, good, key) {
			t.Fatalf("own signature rejected for %q", pl.signed)
		}
		if verifySignature(pl.signed, pl.signature, key) != (len(pl.signature) == 40 && equalFoldHex(pl.signature, good)) {
			t.Fatalf("verify(%q) disagrees with the expected signature %s", pl.signature, good)
		}
	})
}

func equalFoldHex(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
