package admin_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/imageshare/imageshare"
	"github.com/imageshare/imageshare/admin"
	"github.com/imageshare/imageshare/core"
	"github.com/imageshare/imageshare/sqlite"
)

// FuzzAdminAPI sends authorized requests with fuzzed methods, paths,
// queries and JSON bodies through the admin API over the real core on an
// in-memory SQLite store, seeded with a request of every endpoint. Every
// answer is below 500 and, when it is an error, the API's JSON error body.
func FuzzAdminAPI(f *testing.F) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, ":memory:")
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	if err := st.AddRegion(ctx, "cn-wlcb"); err != nil {
		f.Fatal(err)
	}
	svc := core.New(st, core.Config{BuildDuration: -1})
	owner := &imageshare.Account{Name: "owner@example.com"}
	if _, err := svc.CreateAccount(ctx, owner); err != nil {
		f.Fatal(err)
	}
	if err := st.CreateImage(ctx, &imageshare.Image{ID: "compshareImage-src", Region: "cn-wlcb", OwnerID: owner.ID,
		Type: imageshare.ImageCustom, Status: imageshare.StatusAvailable, Name: "src", CreatedAt: time.Now().UTC()}); err != nil {
		f.Fatal(err)
	}
	v, err := svc.PublishImage(ctx, imageshare.Caller{AccountID: owner.ID}, imageshare.PublishRequest{ImageID: "compshareImage-src", Region: "cn-wlcb"})
	if err != nil {
		f.Fatal(err)
	}
	const token = "fuzz-token"
	h := admin.New(svc, admin.Options{Token: token, MaxBodyBytes: 4096})

	f.Add("GET", "/admin/reviews", "status=Reviewing&region=cn-wlcb&offset=0&limit=20", "")
	f.Add("POST", "/admin/reviews/"+v.ID+"/approve", "", "")
	f.Add("POST", "/admin/reviews/"+v.ID+"/reject", "", `{"reason":"'; DROP TABLE images; --"}`)
	f.Add("POST", "/admin/versions/"+v.ID+"/offline", "", "{}")
	f.Add("POST", "/admin/versions/"+v.ID+"/online", "", "")
	f.Add("POST", "/admin/instances", "", `{"id":"uhost-1","account_id":1,"region":"cn-wlcb","gpu_type":"4090"}`)
	f.Add("POST", "/admin/instances", "", `{"id":"\u0000","account_id":-1,"region":"`+strings.Repeat("r", 300)+`"}`)
	f.Add("GET", "/admin/reviews", "limit=-1&offset=99999999999999999999&owner=x", "")
	f.Fuzz(func(t *testing.T, method, path, query, body string) {
		if !strings.HasPrefix(path, "/") {
			return
		}
		req, err := http.NewRequest(method, "http://admin.test"+path+"?"+query, strings.NewReader(body))
		if err != nil {
			return
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s?%s %q: %d %s", method, path, query, body, rec.Code, rec.Body.Bytes())
		}
		if rec.Code >= 400 {
			var e struct {
				Error struct{ Code, Message string }
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
				t.Fatalf("error answer without the error body: %d %q", rec.Code, rec.Body.Bytes())
			}
		}
	})
}
