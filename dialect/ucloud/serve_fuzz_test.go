package ucloud

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/core"
	"github.com/imageshare/imageshare/internal/ucloudclient"
	"github.com/imageshare/imageshare/internal/wiretext"
	"github.com/imageshare/imageshare/sqlite"
)

// fuzzEnv is the dialect over the real core on an in-memory SQLite store,
// with one account whose key signs the fuzzed requests.
type fuzzEnv struct {
	handler     http.Handler
	pub, secret string
}

func newFuzzEnv(t testing.TB) *fuzzEnv {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	for _, r := range []string{"cn-wlcb", "bj"} {
		if err := store.AddRegion(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	svc := core.New(store, core.Config{BuildDuration: -1})
	owner := &imageshare.Account{Name: "owner@example.com"}
	key, err := svc.CreateAccount(ctx, owner)
	if err != nil {
		t.Fatal(err)
	}
	friend := &imageshare.Account{Name: "friend@example.com"}
	if _, err := svc.CreateAccount(ctx, friend); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	for _, im := range []*imageshare.Image{
		{ID: "compshareImage-abc", Region: "cn-wlcb", OwnerID: owner.ID, Type: imageshare.ImageCustom, Status: imageshare.StatusAvailable, Name: "mine", CreatedAt: now},
		{ID: "compshareImage-sys", Region: "cn-wlcb", Type: imageshare.ImageSystem, Status: imageshare.StatusAvailable, Name: "ubuntu", CreatedAt: now},
	} {
		if err := store.CreateImage(ctx, im); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.CreateInstance(ctx, &imageshare.Instance{ID: "uhost-fuzz", OwnerID: owner.ID, Region: "cn-wlcb"}); err != nil {
		t.Fatal(err)
	}
	return &fuzzEnv{handler: New(svc, Options{MaxBodyBytes: 64 << 10}), pub: key.PublicKey, secret: key.PrivateKey}
}

// fuzzSeedCalls are requests of every action as the SDK sends them.
var fuzzSeedCalls = []struct {
	action string
	params map[string]any
}{
	{"CreateCompShareCustomImage", map[string]any{"UHostId": "uhost-fuzz", "Name": "fuzzed", "Description": "d", "Softwares": map[string]any{"CUDAVersion": "12.1", "Application": []string{"jupyter"}}}},
	{"GetCompShareImageCreateProgress", map[string]any{"CompShareImageId": "compshareImage-abc"}},
	{"UpdateCompShareImage", map[string]any{"CompShareImageId": "compshareImage-abc", "Description": "x", "Tags": []string{"a", "b"}, "Visibility": 1, "Softwares": `{"CUDAVersion":"12.4"}`}},
	{"CopyCompShareCustomImage", map[string]any{"CompShareImageId": "compshareImage-abc", "TargetImageName": "copy"}},
	{"TerminateCompShareCustomImage", map[string]any{"CompShareImageId": "compshareImage-abc"}},
	{"DescribeCompShareImageTags", map[string]any{}},
	{"PublishCompShareImage", map[string]any{"CompShareImageId": "compshareImage-abc", "Price": 1.5, "Tags": []string{"llm"}, "AutoStart": true}},
	{"DescribeCommunityImages", map[string]any{"Name": "llama", "SortCondition": map[string]any{"Field": "Price", "ASC": true}, "Limit": 5}},
	{"DescribeSelfCommunityImages", map[string]any{"GroupId": "g"}},
	{"DescribeUserCommunityImages", map[string]any{"TargetTopOrganizationId": 1, "FuzzySearch": "x", "IsFree": true}},
}

// FuzzServeSigned sends correctly signed requests with fuzzed parameters,
// form or JSON, seeded with SDK-shaped requests of every action, through
// the whole handler over the real core. Whatever the parameters, the
// answer is HTTP 200 with a JSON envelope and an integer RetCode, never
// the internal-error RetCode, and its text fields are valid UTF-8.
func FuzzServeSigned(f *testing.F) {
	env := newFuzzEnv(f)
	for _, isJSON := range []bool{false, true} {
		for _, b := range sdkBodies(f, isJSON) {
			f.Add(b, isJSON)
		}
		var opts []ucloudclient.Option
		if isJSON {
			opts = append(opts, ucloudclient.WithJSON())
		}
		c := ucloudclient.New("http://unused", "PUB", "PRIV", append(opts, ucloudclient.WithRegion("cn-wlcb"))...)
		for _, call := range fuzzSeedCalls {
			b, _, err := c.Body(call.action, call.params)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b, isJSON)
		}
	}
	f.Fuzz(func(t *testing.T, body []byte, isJSON bool) {
		signed, ok := resign(body, isJSON, env.pub, env.secret)
		if !ok {
			signed = body // not decodable: sent as it is, to be refused
		}
		ct := "application/x-www-form-urlencoded"
		if isJSON {
			ct = "application/json"
		}
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(signed))
		req.Header.Set("Content-Type", ct)
		rec := httptest.NewRecorder()
		env.handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("status %d for %q", rec.Code, signed)
		}
		var env struct {
			RetCode *int
			Message string
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil || env.RetCode == nil {
			t.Fatalf("answer is not a UCloud envelope: %q (%v)", rec.Body.Bytes(), err)
		}
		if *env.RetCode == CodeInternal {
			t.Fatalf("internal error for %q: %s", signed, rec.Body.Bytes())
		}
		if !wiretext.Valid(env.Message) {
			t.Fatalf("message is not valid text: %q", env.Message)
		}
	})
}

// resign replaces PublicKey and Signature of a decodable body with the
// test key's, so that the fuzzed parameters get past authentication.
func resign(body []byte, isJSON bool, pub, secret string) ([]byte, bool) {
	if isJSON {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		var obj map[string]any
		if dec.Decode(&obj) != nil || obj == nil {
			return nil, false
		}
		delete(obj, "Signature")
		obj["PublicKey"] = pub
		obj["Signature"] = sign(jsonSigningString(withoutSignature(obj)), secret)
		out, err := json.Marshal(obj)
		return out, err == nil
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, false
	}
	values := map[string]string{}
	for k, vs := range form {
		values[k] = vs[0]
	}
	delete(values, "Signature")
	values["PublicKey"] = pub
	sig := ucloudclient.SignForm(values, secret)
	out := url.Values{}
	for k, v := range values {
		out.Set(k, v)
	}
	out.Set("Signature", sig)
	return []byte(out.Encode()), true
}

func withoutSignature(obj map[string]any) map[string]any {
	m := make(map[string]any, len(obj))
	for k, v := range obj {
		if k != "Signature" {
			m[k] = v
		}
	}
	return m
}
