package aliyun

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/core"
	"github.com/imageshare/imageshare/internal/wiretext"
	"github.com/imageshare/imageshare/sqlite"
)

// FuzzServeSigned sends correctly signed, fresh requests with fuzzed
// parameters (query and form body), seeded with the official SDK's own
// requests of every action, through the whole handler over the real core
// on an in-memory SQLite store. Every answer is Alibaba's: a 2xx, or an
// error below 500 whose envelope fields are all strings with a code, and
// whose message is valid text.
func FuzzServeSigned(f *testing.F) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, ":memory:")
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { store.Close() })
	if err := store.AddRegion(ctx, "cn-hangzhou"); err != nil {
		f.Fatal(err)
	}
	svc := core.New(store, core.Config{})
	owner := &imageshare.Account{Name: "owner@example.com"}
	key, err := svc.CreateAccount(ctx, owner)
	if err != nil {
		f.Fatal(err)
	}
	if _, err := svc.CreateAccount(ctx, &imageshare.Account{ID: 1234567890, Name: "friend@example.com"}); err != nil {
		f.Fatal(err)
	}
	// The captured requests name m-capture; DeleteImage deletes it, so
	// every run puts it back.
	restore := func(t testing.TB) {
		if _, err := store.FindImageByID(ctx, "m-capture"); err == nil {
			return
		}
		err := store.CreateImage(ctx, &imageshare.Image{ID: "m-capture", Region: "cn-hangzhou", OwnerID: owner.ID,
			Type: imageshare.ImageCustom, Status: imageshare.StatusAvailable, Name: "captured", CreatedAt: time.Now().UTC()})
		if err != nil && !imageshare.IsKind(err, imageshare.KindConflict) {
			t.Fatal(err)
		}
	}
	restore(f)
	h := New(svc, Options{MaxBodyBytes: 64 << 10})

	for _, req := range captureSDKRequests(f) {
		f.Add(req.RawQuery, req.Body)
	}
	f.Add(literalQuery, "")
	f.Add("Action=DescribeImages&Format=XML&ImageName=%27%25_", "PageSize=100&PageNumber=99999999")
	var nonce atomic.Int64
	f.Fuzz(func(t *testing.T, query, body string) {
		restore(t)
		p, ae := decodeParams(query, nil)
		if ae != nil {
			return // the decoder's own fuzz target covers malformed queries
		}
		// Fresh signature parameters, so the fuzzed ones get past
		// authentication; everything else is as fuzzed.
		p["AccessKeyId"] = key.PublicKey
		p["SignatureMethod"], p["SignatureVersion"], p["SignatureType"] = "HMAC-SHA1", "1.0", ""
		p["SignatureNonce"] = "fuzz-" + strconv.FormatInt(nonce.Add(1), 10) + "-" + strconv.FormatInt(time.Now().UnixNano(), 10)
		p["Timestamp"] = time.Now().UTC().Format(timestampShape)
		delete(p, "SecurityToken")
		delete(p, "Signature")
		all := make(params, len(p))
		for k, v := range p {
			all[k] = v
		}
		bodyParams, ae := decodeParams("", []byte(body))
		if ae == nil {
			for k, v := range bodyParams {
				if _, dup := all[k]; !dup {
					all[k] = v
				}
			}
		}
		p["Signature"] = sign(stringToSign(http.MethodPost, all), key.PrivateKey)
		req := httptest.NewRequest(http.MethodPost, "/?"+p.encode(), strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%d for %q + %q: %s", rec.Code, p.encode(), body, rec.Body.Bytes())
		}
		if rec.Code < 300 {
			return
		}
		if strings.HasPrefix(rec.Header().Get("Content-Type"), "text/xml") {
			return // Format=XML: the same fields, checked in JSON below
		}
		var e map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil {
			t.Fatalf("error answer is not JSON: %q", rec.Body.Bytes())
		}
		for _, k := range []string{"RequestId", "HostId", "Code", "Message", "Recommend"} {
			if _, ok := e[k].(string); !ok {
				t.Fatalf("error field %s is not a string: %s", k, rec.Body.Bytes())
			}
		}
		if e["Code"] == "" || !wiretext.Valid(e["Message"].(string)) {
			t.Fatalf("error without a code or with a message that is not text: %s", rec.Body.Bytes())
		}
	})
}
